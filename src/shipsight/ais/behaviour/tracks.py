"""Tracks of one partition as arrays: steps between positions, and segments as GFW splits them.

A partition's positions come sorted by (mmsi, time). Steps between a vessel's
consecutive positions are measured on the sphere (fast, and free of
antimeridian or pole cases); a step is *impossible* when it implies more than
``max_knots`` over more than ``min_jump_m``, or when two reports of the same
second lie more than ``same_place_m`` apart. A vessel with an impossible step
has its track split into segments the way Global Fishing Watch's segmenter
(gpsdio-segment, ``Segmentizer``) does: each position joins the open segment
that can reach it at a plausible speed (the one it fits best), else opens a
new one. The positions of the vessel's largest segment are its *main track*,
which the gap, loitering and port-call rules read; the others are evidence
of spoofing or of two ships sharing an MMSI.
"""

from dataclasses import dataclass

import numpy as np

from shipsight.geodesy import EARTH_RADIUS_M

MS_PER_HOUR = 3_600_000
KNOT_M_S = 1852.0 / 3600.0
#: Most segments one vessel keeps open in a partition; further splits join the last.
MAX_SEGMENTS = 16


def sphere_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres on the mean-radius sphere (haversine), element-wise.

    Within 0.5 % of the WGS 84 geodesic; where a threshold is decided within
    that margin the rules measure again on the ellipsoid.

    >>> round(float(sphere_m(179.999, 0.0, -179.999, 0.0)), 1)
    222.4
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass
class Track:
    """Positions of a partition sorted by (mmsi, time), with per-position step data.

    ``vessel`` numbers the MMSIs 0..n-1 in order; ``first`` is True at a
    vessel's first position; ``step_m``/``step_s`` the step from the previous
    position of the same vessel (0 at a first position); ``segment`` the
    segment of each position (0 = main track).
    """

    mmsi: np.ndarray
    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    sog: np.ndarray
    vessel: np.ndarray
    first: np.ndarray
    step_m: np.ndarray
    step_s: np.ndarray
    segment: np.ndarray

    def __len__(self):
        return len(self.t)

    def take(self, mask):
        """The positions where ``mask`` is True, steps measured again between those kept."""
        return track_of(self.mmsi[mask], self.t[mask], self.lon[mask], self.lat[mask], self.sog[mask],
                        segment=self.segment[mask])


def track_of(mmsi, t, lon, lat, sog=None, *, segment=None):
    """A :class:`Track` from columns already sorted by (mmsi, time); ``t`` in ms since 1970 UTC."""
    mmsi = np.asarray(mmsi, dtype=np.int64)
    t = np.asarray(t, dtype=np.int64)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(t)
    sog = np.full(n, np.nan) if sog is None else np.asarray(sog, dtype=float)
    first = np.r_[True, mmsi[1:] != mmsi[:-1]] if n else np.zeros(0, bool)
    vessel = np.cumsum(first) - 1
    step_m = np.zeros(n)
    step_s = np.zeros(n)
    if n > 1:
        step_m[1:] = sphere_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
        step_s[1:] = (t[1:] - t[:-1]) / 1000.0
        step_m[first] = 0.0
        step_s[first] = 0.0
    return Track(mmsi, t, lon, lat, sog, vessel, first, step_m, step_s,
                 np.zeros(n, np.int64) if segment is None else np.asarray(segment, np.int64))


def impossible(distance_m, seconds, *, max_knots, min_jump_m, same_place_m):
    """True where a move of ``distance_m`` in ``seconds`` cannot be one ship's.

    Faster than ``max_knots`` over more than ``min_jump_m`` (GFW's segmenter
    splits at an implausible speed; below ``min_jump_m`` a fast jump is GPS
    noise), or more than ``same_place_m`` apart within the same second (less
    than a second apart): one MMSI in two places at once.

    >>> impossible(np.array([20_000.0, 5_000.0, 1_500.0]), np.array([600.0, 60.0, 0.0]),
    ...            max_knots=30, min_jump_m=10_000, same_place_m=1_000).tolist()
    [True, False, True]
    """
    d = np.asarray(distance_m, float)
    s = np.abs(np.asarray(seconds, float))
    fast = (d > min_jump_m) & (d > max_knots * KNOT_M_S * s)
    return fast | ((s < 1.0) & (d > same_place_m))


def split_segments(track, *, max_knots, min_jump_m, same_place_m):
    """Number each position's segment (0 = its vessel's largest) in place; return the jumps.

    Only vessels with an impossible step are segmented; the loop runs over
    the rank of a position within its vessel, all such vessels at once.

    Returns
    -------
    numpy.ndarray of int
        Indexes of the positions that arrived by an impossible step.
    """
    jump = np.zeros(len(track), bool)
    jump[~track.first] = impossible(track.step_m[~track.first], track.step_s[~track.first], max_knots=max_knots,
                                    min_jump_m=min_jump_m, same_place_m=same_place_m)
    jumps = np.flatnonzero(jump)
    if len(jumps) == 0:
        return jumps
    vessels = np.unique(track.vessel[jumps])
    pos = np.flatnonzero(np.isin(track.vessel, vessels))
    v_local = np.searchsorted(vessels, track.vessel[pos])
    start = np.r_[0, np.flatnonzero(np.diff(v_local)) + 1]
    rank = np.arange(len(pos)) - np.repeat(start, np.diff(np.r_[start, len(pos)]))
    nv = len(vessels)
    last_t = np.zeros((nv, MAX_SEGMENTS), np.int64)
    last_lon = np.zeros((nv, MAX_SEGMENTS))
    last_lat = np.zeros((nv, MAX_SEGMENTS))
    count = np.zeros((nv, MAX_SEGMENTS), np.int64)
    nseg = np.zeros(nv, np.int64)
    seg_of = np.zeros(len(pos), np.int64)
    order = np.argsort(rank, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(rank[order])) + 1, len(order)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        k = order[a:b]
        v = v_local[k]
        i = pos[k]
        d = sphere_m(last_lon[v], last_lat[v], track.lon[i][:, None], track.lat[i][:, None])
        s = (track.t[i][:, None] - last_t[v]) / 1000.0
        open_ = np.arange(MAX_SEGMENTS)[None, :] < nseg[v][:, None]
        ok = open_ & ~impossible(d, s, max_knots=max_knots, min_jump_m=min_jump_m, same_place_m=same_place_m)
        # The segment it fits best: the least distance as a share of what the time allows.
        fit = np.where(ok, d / np.maximum(min_jump_m, max_knots * KNOT_M_S * np.abs(s)), np.inf)
        best = np.argmin(fit, axis=1)
        new = ~ok.any(axis=1)
        best = np.where(new, np.minimum(nseg[v], MAX_SEGMENTS - 1), best)
        nseg[v] = np.where(new, np.minimum(nseg[v] + 1, MAX_SEGMENTS), nseg[v])
        seg_of[k] = best
        last_t[v, best] = track.t[i]
        last_lon[v, best] = track.lon[i]
        last_lat[v, best] = track.lat[i]
        count[v, best] += 1
    # Renumber so that each vessel's largest segment is 0 (ties: the earlier one).
    rank_of = np.argsort(np.argsort(-count, axis=1, kind="stable"), axis=1)
    track.segment[pos] = rank_of[v_local, seg_of]
    return jumps
