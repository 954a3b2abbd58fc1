"""Encounters: two vessels close together, slowly, for hours, away from port (Global Fishing Watch).

Every vessel's track is resampled to fixed times (every ``resample_minutes``,
on the clock: :00, :10, ...): a position at a resampled time is interpolated
along the great circle between the positions either side, and only when
they are at most ``interpolate_hours`` apart (never across a longer gap). At
each resampled time, pairs of vessels within ``encounter_m`` are found with a
k-d tree on the unit sphere (the chord of the distance, then the distance
measured again on the WGS 84 ellipsoid). A pair's consecutive close times
form a run; a run is an encounter when it lasts ``encounter_hours`` or
more, the median speed of both vessels over it is under ``encounter_knots``,
and its mean position lies ``encounter_port_km`` or more from every port
polygon.
"""

import numpy as np
import pandas as pd

from shipsight.ais.behaviour.tracks import KNOT_M_S, MS_PER_HOUR
from shipsight.ais.behaviour.vessel import events_frame
from shipsight.geodesy import EARTH_RADIUS_M, chord_for_m, distance_m, lonlat_of, unit_vectors

RUN_COLUMNS = ["a", "b", "first", "last", "slots", "speeds", "xyz", "dist"]


def resample(track, p, *, start_ms, end_ms):
    """Each vessel's positions at the resampled times in ``[start_ms, end_ms)``.

    Returns a frame of mmsi, slot (index of the resampled time from ``start_ms``),
    x, y, z (unit vector) and speed (knots: the reported speed interpolated, else the
    implied speed between the two positions).
    """
    step = int(p.resample_minutes * 60_000)
    first = np.flatnonzero(track.first)
    last = np.r_[first[1:] - 1, len(track) - 1]
    if len(first) == 0:
        return pd.DataFrame(columns=["mmsi", "slot", "x", "y", "z", "speed"])
    t = track.t
    lo = np.maximum(-(-(t[first] - start_ms) // step), 0)
    hi = np.minimum((t[last] - start_ms) // step, (end_ms - start_ms - 1) // step)
    n = np.maximum(hi - lo + 1, 0)
    vessel = np.repeat(np.arange(len(first)), n)
    slot = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    when = start_ms + slot * step
    # The position at or before each resampled time, and the one after, within the vessel.
    key = track.vessel.astype(np.int64) * (1 << 42) + (t - t.min())
    q = vessel.astype(np.int64) * (1 << 42) + (when - t.min())
    i = np.searchsorted(key, q, side="right") - 1
    j = np.minimum(i + 1, len(t) - 1)
    exact = t[i] == when
    j = np.where(exact | (track.vessel[j] != vessel), i, j)
    span = (t[j] - t[i]).astype(float)
    ok = exact | ((span > 0) & (span <= p.interpolate_hours * MS_PER_HOUR))
    i, j, vessel, slot, when, span = i[ok], j[ok], vessel[ok], slot[ok], when[ok], span[ok]
    f = np.where(span > 0, (when - t[i]) / np.where(span > 0, span, 1.0), 0.0)
    a = unit_vectors(track.lon[i], track.lat[i])
    b = unit_vectors(track.lon[j], track.lat[j])
    v = a * (1.0 - f)[:, None] + b * f[:, None]
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    sog = track.sog[i] * (1.0 - f) + track.sog[j] * f
    chord = np.linalg.norm(b - a, axis=1)
    implied = np.where(span > 0, 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(chord / 2, 1.0))
                       / np.where(span > 0, span / 1000.0, 1.0) / KNOT_M_S, np.nan)
    speed = np.where(np.isfinite(sog), sog, implied)
    return pd.DataFrame({"mmsi": track.mmsi[first][vessel], "slot": slot, "x": v[:, 0], "y": v[:, 1], "z": v[:, 2],
                         "speed": speed})


def close_pairs(points, p):
    """Pairs of different vessels within ``encounter_m`` at the same resampled time.

    Returns a frame of a, b (MMSIs, a < b), slot, the two speeds, the midpoint's unit
    vector and the distance in metres on the ellipsoid.
    """
    from scipy.spatial import cKDTree

    cols = ["a", "b", "slot", "speed_a", "speed_b", "x", "y", "z", "dist"]
    if len(points) < 2:
        return pd.DataFrame(columns=cols)
    xyz = points[["x", "y", "z"]].to_numpy()
    slot = points["slot"].to_numpy()
    # Time as a fourth coordinate far apart: only points of one resampled time can pair.
    coords = np.column_stack([xyz, slot.astype(float) * 10.0])
    pairs = cKDTree(coords).query_pairs(float(chord_for_m(p.encounter_m)), output_type="ndarray")
    if len(pairs) == 0:
        return pd.DataFrame(columns=cols)
    i, j = pairs[:, 0], pairs[:, 1]
    mmsi = points["mmsi"].to_numpy()
    keep = mmsi[i] != mmsi[j]
    i, j = i[keep], j[keep]
    swap = mmsi[i] > mmsi[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    lon, lat = lonlat_of(xyz)
    d = distance_m(lon[i], lat[i], lon[j], lat[j])
    keep = d <= p.encounter_m
    i, j, d = i[keep], j[keep], d[keep]
    mid = xyz[i] + xyz[j]
    mid /= np.linalg.norm(mid, axis=1, keepdims=True)
    speed = points["speed"].to_numpy()
    return pd.DataFrame({"a": mmsi[i], "b": mmsi[j], "slot": slot[i], "speed_a": speed[i], "speed_b": speed[j],
                         "x": mid[:, 0], "y": mid[:, 1], "z": mid[:, 2], "dist": d})


def pair_runs(pairs, *, nslots):
    """Consecutive close times of each pair as runs, each with its per-time data (for the
    median speed and mean position), and whether it touches the first or last time."""
    if pairs.empty:
        return pd.DataFrame(columns=RUN_COLUMNS + ["at_start", "at_end"])
    pairs = pairs.sort_values(["a", "b", "slot"], kind="stable").reset_index(drop=True)
    a, b, s = (pairs[c].to_numpy() for c in ("a", "b", "slot"))
    new = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (s[1:] != s[:-1] + 1)]
    start = np.flatnonzero(new)
    end = np.r_[start[1:], len(pairs)]
    speeds = np.column_stack([pairs["speed_a"].to_numpy(float), pairs["speed_b"].to_numpy(float)])
    xyz = pairs[["x", "y", "z"]].to_numpy()
    dist = pairs["dist"].to_numpy(float)
    return pd.DataFrame({"a": a[start], "b": b[start], "first": s[start], "last": s[end - 1],
                         "slots": end - start,
                         "speeds": [speeds[x:y] for x, y in zip(start, end)],
                         "xyz": [xyz[x:y].sum(axis=0) for x, y in zip(start, end)],
                         "dist": [dist[x:y] for x, y in zip(start, end)],
                         "at_start": s[start] == 0, "at_end": s[end - 1] == nslots - 1})


def merge_pair_runs(before, after):
    """Join runs of the same pair that continue from one chunk of time into the next."""
    out = after.copy()
    out["first"] = before["first"].to_numpy()
    out["slots"] = before["slots"].to_numpy() + after["slots"].to_numpy()
    out["speeds"] = [np.vstack([x, y]) for x, y in zip(before["speeds"], after["speeds"])]
    out["xyz"] = [x + y for x, y in zip(before["xyz"], after["xyz"])]
    out["dist"] = [np.r_[x, y] for x, y in zip(before["dist"], after["dist"])]
    out["at_start"] = before["at_start"].to_numpy()
    return out


def finish_encounters(runs, p, *, port_distance):
    """``ais-encounter`` events from pair runs; ``first``/``last`` are absolute times in ms.

    ``port_distance(lon, lat)`` is the distance in metres to the nearest port polygon
    (0 inside one, inf without ports).
    """
    if runs.empty:
        return events_frame([])
    hours = (runs["last"] - runs["first"]).to_numpy(float) / MS_PER_HOUR
    median = np.array([np.nanmedian(s) if np.isfinite(s).any() else np.inf for s in runs["speeds"]])
    keep = (hours >= p.encounter_hours) & (median < p.encounter_knots)
    if not keep.any():
        return events_frame([])
    r = runs[keep]
    lon, lat = lonlat_of(np.vstack(r["xyz"].to_numpy()))
    far = port_distance(lon, lat) >= p.encounter_port_km * 1000.0
    out = []
    for k in np.flatnonzero(far):
        g = r.iloc[k]
        h = float(hours[keep][k])
        d = g["dist"]
        out.append({"rule": "ais-encounter", "mmsi": int(g["a"]), "related_mmsi": int(g["b"]),
                    "start": int(g["first"]), "end": int(g["last"]), "lon": float(lon[k]), "lat": float(lat[k]),
                    "related_lon": float(lon[k]), "related_lat": float(lat[k]), "severity": 0.6 + min(0.3, h / 40),
                    "distance_m": float(np.median(d)), "hours": h,
                    "evidence": {"hours": round(h, 3), "median_knots": round(float(median[keep][k]), 3),
                                 "median_distance_m": round(float(np.median(d)), 1),
                                 "min_distance_m": round(float(np.min(d)), 1), "resampled_times": int(g["slots"])}})
    return events_frame(out)
