"""The rules of one vessel's own track, over one partition: gaps, loitering, port visits, spoofing.

Each function takes a :class:`~shipsight.ais.behaviour.tracks.Track` of a
partition and returns frames: what is complete inside the partition, and
what touches its start or end (a gap whose end lies in a later day, a
loitering that runs past midnight), which :mod:`shipsight.ais.behaviour.job`
joins across partitions in time order. The ``finish_*`` functions apply
the thresholds; the worker and the client call the same ones.
"""

import numpy as np
import pandas as pd

from shipsight.ais.behaviour.params import NM
from shipsight.ais.behaviour.tracks import KNOT_M_S, MS_PER_HOUR, impossible, sphere_m
from shipsight.geodesy import distance_m, lonlat_of, unit_vectors

#: Times kept per vessel to count the positions before a gap that starts in an earlier partition.
NO_TIME = np.iinfo(np.int64).min


def _key(track):
    """A sort key of (vessel, time) as one int64, for counting positions in a time window."""
    t0 = track.t.min() if len(track) else 0
    return track.vessel.astype(np.int64) * (1 << 40) + (track.t - t0), t0


# -- gaps -----------------------------------------------------------------------------------
def gap_candidates(track, p, *, day_start_ms):
    """Silences between consecutive positions of the main track longer than the shortest gap threshold.

    Returns a frame of mmsi, t0/lon0/lat0 (the last position before), t1/lon1/lat1
    (the first after), ``count`` (positions in the lookback before t0, t0's own
    included) and ``needs_prior`` (the lookback reaches before the partition).
    """
    min_s = min(p.gap_hours, p.watchlist_gap_hours) * 3600.0
    i = np.flatnonzero(~track.first & (track.step_s >= min_s))
    key, _ = _key(track)
    look = int(p.gap_lookback_hours * MS_PER_HOUR)
    j = np.searchsorted(key, key[i - 1] - look, side="left")
    t0 = track.t[i - 1]
    return pd.DataFrame({"mmsi": track.mmsi[i], "t0": t0, "lon0": track.lon[i - 1], "lat0": track.lat[i - 1],
                         "t1": track.t[i], "lon1": track.lon[i], "lat1": track.lat[i], "count": i - j,
                         "needs_prior": t0 - look < day_start_ms})


def vessel_edges(track, p):
    """Per vessel: its first and last position of the partition and the times of its last positions."""
    if not len(track):
        return pd.DataFrame(columns=["mmsi", "first_t", "first_lon", "first_lat", "last_t", "last_lon", "last_lat",
                                     "tail"])
    first = np.flatnonzero(track.first)
    last = np.r_[first[1:] - 1, len(track) - 1]
    k = int(p.gap_positions)
    # The last k times of each vessel, oldest first, NO_TIME where a vessel has fewer.
    idx = last[:, None] - np.arange(k - 1, -1, -1)[None, :]
    tail = np.where(idx >= first[:, None], track.t[np.maximum(idx, 0)], NO_TIME)
    return pd.DataFrame({"mmsi": track.mmsi[first], "first_t": track.t[first], "first_lon": track.lon[first],
                         "first_lat": track.lat[first], "last_t": track.t[last], "last_lon": track.lon[last],
                         "last_lat": track.lat[last], "tail": list(tail)})


def finish_gaps(gaps, p, *, shore, watch_distance):
    """Events of ``ais-gap`` and ``ais-gap-near-watchlist`` from gap candidates with their counts.

    ``shore(lon, lat)`` gives metres to shore; ``watch_distance(lon, lat)`` metres to
    the nearest watch-listed port (inf without one).
    """
    if gaps.empty:
        return events_frame([])
    hours = (gaps["t1"] - gaps["t0"]).to_numpy() / MS_PER_HOUR
    lon = np.r_[gaps["lon0"].to_numpy(), gaps["lon1"].to_numpy()]
    lat = np.r_[gaps["lat0"].to_numpy(), gaps["lat1"].to_numpy()]
    n = len(gaps)
    out = []
    long_ = (hours >= p.gap_hours) & (gaps["count"].to_numpy() >= p.gap_positions)
    if long_.any():
        d = np.full(2 * n, np.nan)
        both = np.r_[long_, long_]
        d[both] = shore(lon[both], lat[both])
        d0, d1 = d[:n], d[n:]
        hit = long_ & (d0 >= p.gap_shore_nm * NM) & (d1 >= p.gap_shore_nm * NM)
        for k in np.flatnonzero(hit):
            g = gaps.iloc[k]
            out.append(_gap_event("ais-gap", g, hours[k], 0.5 + min(0.4, 0.25 * (hours[k] / p.gap_hours - 1) / 3),
                                  # Counted up to what the rule needs (a vessel's last positions are
                                  # carried across partitions that far and no farther).
                                  {"positions_before": int(min(g["count"], p.gap_positions)),
                                   "positions_needed": int(p.gap_positions), "lookback_hours": p.gap_lookback_hours,
                                   "start_shore_nm": _nm(d0[k]),
                                   "end_shore_nm": _nm(d1[k])}))
    near = hours >= p.watchlist_gap_hours
    if near.any():
        w = np.full(2 * n, np.inf)
        both = np.r_[near, near]
        w[both] = watch_distance(lon[both], lat[both])
        w0, w1 = w[:n], w[n:]
        hit = near & ((w0 <= p.watchlist_nm * NM) | (w1 <= p.watchlist_nm * NM))
        for k in np.flatnonzero(hit):
            out.append(_gap_event("ais-gap-near-watchlist", gaps.iloc[k], hours[k], 0.3,
                                  {"start_watchlist_port_nm": _nm(w0[k]), "end_watchlist_port_nm": _nm(w1[k])}))
    return events_frame(out)


def _nm(metres):
    """Metres as nautical miles for evidence; None past the search radius of the distance."""
    return None if not np.isfinite(metres) else round(float(metres) / NM, 2)


def _gap_event(rule, g, hours, severity, evidence):
    d = float(distance_m(g["lon0"], g["lat0"], g["lon1"], g["lat1"]))
    return {"rule": rule, "mmsi": int(g["mmsi"]), "start": int(g["t0"]), "end": int(g["t1"]),
            "lon": float(g["lon0"]), "lat": float(g["lat0"]), "related_lon": float(g["lon1"]),
            "related_lat": float(g["lat1"]), "severity": float(severity), "distance_m": d, "hours": float(hours),
            "evidence": {**evidence, "gap_hours": round(float(hours), 3), "distance_m": round(d, 1),
                         "implied_knots": round(d / 1852.0 / hours, 2) if hours > 0 else None}}


EVENT_COLUMNS = ["rule", "mmsi", "related_mmsi", "start", "end", "lon", "lat", "related_lon", "related_lat",
                 "severity", "distance_m", "hours", "evidence"]


def events_frame(rows):
    """Events (dicts of :data:`EVENT_COLUMNS`) as a frame; an empty list gives the empty frame."""
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    frame["related_mmsi"] = frame["related_mmsi"].astype("Int64")
    return frame


# -- hourly buckets: loitering ----------------------------------------------------------------
def hourly_buckets(track, p):
    """Per vessel and UTC hour with positions: steps' metres and seconds summed (GFW's hourly
    loitering statistics: a step belongs to the hour of the position it ends at), the
    positions, their mean unit vector, first and last time."""
    hour = track.t // MS_PER_HOUR
    new = track.first | np.r_[True, hour[1:] != hour[:-1]]
    start = np.flatnonzero(new)
    end = np.r_[start[1:], len(track)]
    xyz = unit_vectors(track.lon, track.lat)
    metres = np.add.reduceat(track.step_m, start) if len(start) else np.zeros(0)
    seconds = np.add.reduceat(track.step_s, start) if len(start) else np.zeros(0)
    # A step out of a silence longer than loiter_gap_hours ends a run and says nothing of the speed: two
    # pings 9 h apart a few miles from each other are not 9 h of loitering. (A step over an hour is
    # always the first of its hour, so checking the first step of each hour finds them all.)
    silence = (track.step_s[start] > p.loiter_gap_s) & ~track.first[start]
    metres[silence] -= track.step_m[start][silence]
    seconds[silence] -= track.step_s[start][silence]
    # Near the threshold the sphere's 0.5 % matters: measure those hours' steps on the ellipsoid.
    with np.errstate(invalid="ignore", divide="ignore"):
        knots = metres / seconds / KNOT_M_S
    close = np.abs(knots - p.loiter_knots) <= 0.01 * p.loiter_knots
    if close.any():
        for b in np.flatnonzero(close):
            i = np.arange(start[b], end[b])
            i = i[~track.first[i]]
            metres[b] = distance_m(track.lon[i - 1], track.lat[i - 1], track.lon[i], track.lat[i]).sum()
    return pd.DataFrame({
        "mmsi": track.mmsi[start], "vessel": track.vessel[start], "silence": silence,
        "first_t": track.t[start] - np.where(silence, 0, track.step_s[start] * 1000).astype(np.int64),
        "last_t": track.t[end - 1], "metres": metres, "seconds": seconds, "n": end - start,
        "x": np.add.reduceat(xyz[:, 0], start) if len(start) else [], "y": np.add.reduceat(xyz[:, 1], start)
        if len(start) else [], "z": np.add.reduceat(xyz[:, 2], start) if len(start) else []})


def loitering_runs(track, p):
    """Runs of slow hours (GFW: an hour's average implied speed under ``loiter_knots``) per vessel.

    Hours with a single position and no step before it in the partition have no
    speed: they neither break nor join a run. A run breaks at a faster hour and
    at a silence over ``loiter_gap_hours`` (no speed is read across it). Returns the runs with ``at_start`` /
    ``at_end`` (they may continue into the partition before or after).
    """
    b = hourly_buckets(track, p)
    # An hour with no step (one position, the vessel's first or after a silence) has no speed; a
    # silence still breaks the run it ends.
    nostep = b["seconds"] <= 0
    b = b[~nostep | b["silence"]].reset_index(drop=True)
    if b.empty:
        return _run_frame(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        knots = (b["metres"] / b["seconds"]).to_numpy() / KNOT_M_S
    slow = knots < p.loiter_knots
    v = b["vessel"].to_numpy()
    first_of_v = np.r_[True, v[1:] != v[:-1]]
    last_of_v = np.r_[v[1:] != v[:-1], True]
    silence = b["silence"].to_numpy(bool)
    new = first_of_v | ~slow | np.r_[True, ~slow[:-1]] | silence
    run = np.cumsum(new)
    b["run"] = run
    b["slow"] = slow
    b["first_of_v"] = first_of_v
    b["last_of_v"] = last_of_v
    r = b[slow].groupby("run", sort=True).agg(
        mmsi=("mmsi", "first"), start=("first_t", "min"), end=("last_t", "max"), metres=("metres", "sum"),
        seconds=("seconds", "sum"), n=("n", "sum"), x=("x", "sum"), y=("y", "sum"), z=("z", "sum"),
        at_start=("first_of_v", "first"), at_end=("last_of_v", "last"), hours=("run", "size"))
    return _run_frame(r.reset_index(drop=True))


def _run_frame(r):
    cols = ["mmsi", "start", "end", "metres", "seconds", "n", "x", "y", "z", "at_start", "at_end", "hours"]
    return r[cols] if len(r) else pd.DataFrame({c: pd.Series(dtype=float) for c in cols})


def merge_runs(before, after):
    """Join runs of the same vessel across a partition boundary (sums add; span from first to last)."""
    out = after.copy()
    for c in ("metres", "seconds", "n", "x", "y", "z", "hours"):
        out[c] = before[c].to_numpy() + after[c].to_numpy()
    out["start"] = before["start"].to_numpy()
    out["at_start"] = before["at_start"].to_numpy()
    return out


def finish_loitering(runs, p, *, shore):
    """``loitering`` events: runs of at least ``loiter_hours`` and ``loiter_positions`` positions whose
    mean speed is under ``loiter_knots`` and whose mean position lies ``loiter_shore_nm`` or more from
    shore."""
    if runs.empty:
        return events_frame([])
    hours = (runs["end"] - runs["start"]).to_numpy() / MS_PER_HOUR
    knots = (runs["metres"] / runs["seconds"]).to_numpy() / KNOT_M_S
    keep = (hours >= p.loiter_hours) & (knots < p.loiter_knots) & (runs["n"].to_numpy() >= p.loiter_positions)
    if not keep.any():
        return events_frame([])
    r = runs[keep]
    lon, lat = lonlat_of(r[["x", "y", "z"]].to_numpy(float))
    d = shore(lon, lat)
    out = []
    for k in np.flatnonzero(d >= p.loiter_shore_nm * NM):
        g = r.iloc[k]
        h = float(hours[keep][k])
        out.append({"rule": "loitering", "mmsi": int(g["mmsi"]), "start": int(g["start"]), "end": int(g["end"]),
                    "lon": float(lon[k]), "lat": float(lat[k]), "severity": 0.5, "hours": h,
                    "distance_m": float(g["metres"]),
                    "evidence": {"hours": round(h, 3), "mean_knots": round(float(knots[keep][k]), 3),
                                 "positions": int(g["n"]), "shore_nm": _nm(d[k]),
                                 "slow_hours": int(g["hours"])}})
    return events_frame(out)


# -- port visits (AIS port calls) --------------------------------------------------------------
def ports_containing(lon, lat, index, grid):
    """The smallest port polygon containing each point (its id), -1 outside every port.

    ``grid`` is a boolean array of 0.1-degree cells that any port's bounds touch:
    only points in such a cell are tested against the polygons.
    """
    import shapely

    out = np.full(len(lon), -1, np.int64)
    if len(lon) == 0 or len(index.ids) == 0:
        return out
    cx = np.clip(((lon + 180.0) * 10).astype(np.int64), 0, 3599)
    cy = np.clip(((lat + 90.0) * 10).astype(np.int64), 0, 1799)
    maybe = np.flatnonzero(grid[cy, cx])
    if len(maybe) == 0:
        return out
    pt, poly = index.tree.query(shapely.points(lon[maybe], lat[maybe]), predicate="intersects")
    if len(pt):
        order = np.lexsort((index.areas[poly], pt))
        pt, poly = pt[order], poly[order]
        first = np.r_[True, pt[1:] != pt[:-1]]
        out[maybe[pt[first]]] = index.ids[poly[first]]
    return out


def port_grid(geoms):
    """The 0.1-degree cells (1800 x 3600) that each port polygon's bounds touch."""
    import shapely

    grid = np.zeros((1800, 3600), bool)
    for x0, y0, x1, y1 in shapely.bounds(np.asarray(geoms, dtype=object)):
        grid[max(int((y0 + 90) * 10), 0):min(int((y1 + 90) * 10), 1799) + 1,
             max(int((x0 + 180) * 10), 0):min(int((x1 + 180) * 10), 3599) + 1] = True
    return grid


def port_visits(track, p, *, port_index, grid):
    """Runs of consecutive positions inside one port polygon, per vessel.

    Each visit: entry (first position inside), exit (last), positions, and the
    seconds spent at under ``call_knots`` (steps inside the port whose implied
    speed, and reported speed where given, are below it). A run breaks at
    another port, at sea, and at a silence over ``break_hours``.
    """
    port = ports_containing(track.lon, track.lat, port_index, grid)
    inside = port >= 0
    if not inside.any():
        return _visit_frame(pd.DataFrame())
    v = track.vessel
    silence = track.step_s > p.break_hours * 3600.0
    new = track.first | np.r_[True, port[1:] != port[:-1]] | silence
    visit = np.cumsum(new)
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.where(track.step_s > 0, track.step_m / track.step_s / KNOT_M_S, 0.0)
    sog = np.where(np.isfinite(track.sog), track.sog, 0.0)
    stopped_step = (~new) & (implied < p.call_knots) & (sog < p.call_knots)
    last_of_v = np.r_[v[1:] != v[:-1], True]
    frame = pd.DataFrame({"visit": visit, "mmsi": track.mmsi, "port_id": port, "t": track.t,
                          "stopped": np.where(stopped_step, track.step_s, 0.0), "first_of_v": track.first,
                          "last_of_v": last_of_v})[inside]
    g = frame.groupby("visit", sort=True).agg(
        mmsi=("mmsi", "first"), port_id=("port_id", "first"), entry=("t", "min"), exit=("t", "max"),
        positions=("t", "size"), stopped_s=("stopped", "sum"), at_start=("first_of_v", "first"),
        at_end=("last_of_v", "last"))
    return _visit_frame(g.reset_index(drop=True))


def _visit_frame(g):
    cols = ["mmsi", "port_id", "entry", "exit", "positions", "stopped_s", "at_start", "at_end"]
    return g[cols] if len(g) else pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})


def merge_visits(before, after):
    out = after.copy()
    out["entry"] = before["entry"].to_numpy()
    out["positions"] = before["positions"].to_numpy() + after["positions"].to_numpy()
    out["stopped_s"] = before["stopped_s"].to_numpy() + after["stopped_s"].to_numpy()
    out["at_start"] = before["at_start"].to_numpy()
    return out


def finish_calls(visits, p):
    """Port calls: visits with at least ``call_hours`` spent at under ``call_knots``."""
    keep = visits["stopped_s"].to_numpy(float) >= p.call_hours * 3600.0
    calls = visits[keep].copy()
    calls["hours"] = (calls["exit"] - calls["entry"]) / MS_PER_HOUR
    calls["stopped_hours"] = calls["stopped_s"] / 3600.0
    return calls[["mmsi", "port_id", "entry", "exit", "hours", "stopped_hours", "positions"]].reset_index(drop=True)


# -- spoofing -----------------------------------------------------------------------------------
def spoofing_events(track, jumps, p, *, day):
    """``ais-spoofing`` events of a partition: one per vessel with impossible steps.

    ``kind`` says how: ``simultaneous`` (two places in the same second),
    ``interleaved`` (two segments alive at once: two ships on one MMSI, or a
    spoofed track beside the real one), ``jump`` (the track leaps and goes on
    from there).
    """
    if len(jumps) == 0:
        return events_frame([])
    out = []
    seg_frame = pd.DataFrame({"vessel": track.vessel, "segment": track.segment, "t": track.t})
    spans = seg_frame.groupby(["vessel", "segment"])["t"].agg(["min", "max", "size"]).reset_index()
    for v in np.unique(track.vessel[jumps]):
        j = jumps[track.vessel[jumps] == v]
        d = track.step_m[j]
        s = track.step_s[j]
        same = (s < 1.0) & (d > p.same_place_m)
        sp = spans[spans["vessel"] == v].sort_values("min")
        overlap = bool((sp["min"].to_numpy()[1:] <= np.maximum.accumulate(sp["max"].to_numpy())[:-1]).any())
        kind = "simultaneous" if same.any() else ("interleaved" if overlap else "jump")
        worst = j[np.argmax(d)]
        exact = float(distance_m(track.lon[worst - 1], track.lat[worst - 1], track.lon[worst], track.lat[worst]))
        knots = [None if x == 0 else round(float(dm) / x / KNOT_M_S, 1) for dm, x in zip(d, s)]
        out.append({"rule": "ais-spoofing", "mmsi": int(track.mmsi[worst]), "start": int(track.t[j[0] - 1]),
                    "end": int(track.t[j[-1]]), "lon": float(track.lon[worst - 1]), "lat": float(track.lat[worst - 1]),
                    "related_lon": float(track.lon[worst]), "related_lat": float(track.lat[worst]),
                    "severity": 0.8 if kind != "jump" else 0.6, "distance_m": exact,
                    "hours": (int(track.t[j[-1]]) - int(track.t[j[0] - 1])) / MS_PER_HOUR,
                    "evidence": {"kind": kind, "day": day, "impossible_steps": int(len(j)),
                                 "same_second_apart": int(same.sum()), "segments": int(len(sp)),
                                 "steps": [{"time_ms": int(track.t[i]), "from": [round(float(track.lon[i - 1]), 5),
                                            round(float(track.lat[i - 1]), 5)],
                                            "to": [round(float(track.lon[i]), 5), round(float(track.lat[i]), 5)],
                                            "metres": round(float(dm), 1), "seconds": float(x), "knots": kn}
                                           for i, dm, x, kn in list(zip(j, d, s, knots))[:10]]}})
    return events_frame(out)


def cross_jump(pairs, p):
    """True where a vessel's first position of a partition (``first_*``) cannot follow its last of
    the partition before (``last_*_b``); with the distances (m) and seconds between them."""
    d = sphere_m(pairs["last_lon_b"].to_numpy(float), pairs["last_lat_b"].to_numpy(float),
                 pairs["first_lon"].to_numpy(float), pairs["first_lat"].to_numpy(float))
    s = (pairs["first_t"].to_numpy() - pairs["last_t_b"].to_numpy()) / 1000.0
    return impossible(d, s, max_knots=p.spoof_knots, min_jump_m=p.spoof_m, same_place_m=p.same_place_m), d, s


def land_events(track, p, *, on_land, in_port, day):
    """``ais-spoofing`` events of kind ``on-land``: excursions onto land that the vessel's own track
    cannot make.

    A position is *on land* when it lies on GSHHG land that is land too ``land_margin_m`` north,
    south, east and west of it (GSHHG's shore is good to a few hundred metres, a GPS fix to tens),
    outside every port polygon (where GSHHG fills basins and misses new quays). GSHHG land is not
    where ships cannot be: rivers, lakes, canals and ship channels (the Mississippi, the Houston
    Ship Channel, the Great Lakes, the Intracoastal Waterway) are land to it. So a position on land
    is not the signal; a position on land *the track cannot reach* is. Along each segment of the
    vessel's track (:func:`~shipsight.ais.behaviour.tracks.split_segments`), consecutive on-land
    positions form an *excursion*; it is flagged when it lies between two positions at sea and
    both the step onto it and the step off it are impossible for a ship (faster than
    ``spoof_knots`` over more than ``land_margin_m``, or more than ``same_place_m`` apart in the
    same second). A ship that sails up a river reaches every position of it at its own speed and
    is never flagged, nor is a track that begins or ends on a waterway (one bad step beside a
    consistent run on land says the fix at sea may be the wrong one); a report that puts a ship
    30 km inland between two fixes at sea a minute apart is.

    This is the pattern of the false positions GFW and SkyTruth describe (Bergmann, *Systematic
    data analysis reveals false vessel tracks*, SkyTruth 2021: tracks "in impossible locations",
    circling inland while the ship is at sea), found the way trajectory-segmentation studies find
    spoofed reports (Ding et al. 2023, *Identification of spoofing ships from AIS data via
    trajectory segmentation and isolation forest*, J. Mar. Sci. Eng. 11(8):1516): by positions the
    vessel's own track cannot join at a plausible speed, not by a land mask alone.

    Only vessels with a step of their whole track that is impossible by that test can have such an
    excursion (the step onto it is one), so only their positions are tested against the land.
    """
    if not len(track):
        return events_frame([])
    fast = ~track.first & impossible(track.step_m, track.step_s, max_knots=p.spoof_knots,
                                     min_jump_m=p.land_margin_m, same_place_m=p.same_place_m)
    if not fast.any():
        return events_frame([])
    pos = np.flatnonzero(np.isin(track.vessel, np.unique(track.vessel[fast])))
    # Each segment's own track: by vessel, segment, time.
    pos = pos[np.lexsort((track.t[pos], track.segment[pos], track.vessel[pos]))]
    lon, lat, t = track.lon[pos], track.lat[pos], track.t[pos]
    v, seg = track.vessel[pos], track.segment[pos]
    land = np.zeros(len(pos), bool)
    c = np.flatnonzero(~in_port[pos])
    c = c[on_land(lon[c], lat[c])]
    c = c[_inland(lon[c], lat[c], p.land_margin_m, on_land)]
    land[c] = True
    if not land.any():
        return events_frame([])
    new = np.r_[True, (v[1:] != v[:-1]) | (seg[1:] != seg[:-1])]
    bad = np.zeros(len(pos), bool)  # the step onto position k (from k-1 of its segment) is impossible
    if len(pos) > 1:
        bad[1:] = impossible(sphere_m(lon[:-1], lat[:-1], lon[1:], lat[1:]), (t[1:] - t[:-1]) / 1000.0,
                             max_knots=p.spoof_knots, min_jump_m=p.land_margin_m, same_place_m=p.same_place_m)
    bad &= ~new
    starts = np.flatnonzero(land & (new | ~np.r_[False, land[:-1]]))
    ends = np.flatnonzero(land & np.r_[new[1:] | ~land[1:], True])
    after = np.minimum(ends + 1, len(pos) - 1)
    onto = bad[starts]
    off = (ends + 1 < len(pos)) & bad[after]
    flagged = np.flatnonzero(onto & off)
    if len(flagged) == 0:
        return events_frame([])
    out = []
    run_v = v[starts[flagged]]
    for vessel in np.unique(run_v):
        runs = flagged[run_v == vessel]
        k = np.concatenate([np.arange(starts[r], ends[r] + 1) for r in runs])
        steps = []
        for r in runs[:10]:
            for i, kind in ((starts[r], "onto"), (ends[r] + 1, "off")):
                if (kind == "onto" and onto[r]) or (kind == "off" and off[r]):
                    metres = float(sphere_m(lon[i - 1], lat[i - 1], lon[i], lat[i]))
                    seconds = (int(t[i]) - int(t[i - 1])) / 1000.0
                    steps.append({"step": kind, "time_ms": int(t[i]), "metres": round(metres, 1),
                                  "seconds": seconds,
                                  "knots": None if seconds == 0 else round(metres / seconds / KNOT_M_S, 1)})
        out.append({"rule": "ais-spoofing", "mmsi": int(track.mmsi[pos[k[0]]]), "start": int(t[k].min()),
                    "end": int(t[k].max()), "lon": float(lon[k[0]]), "lat": float(lat[k[0]]),
                    "severity": 0.5, "hours": (int(t[k].max()) - int(t[k].min())) / MS_PER_HOUR,
                    "evidence": {"kind": "on-land", "day": day, "positions_on_land": int(len(k)),
                                 "excursions": int(len(runs)), "unreachable_steps": steps,
                                 "positions": [[round(float(lon[x]), 5), round(float(lat[x]), 5), int(t[x])]
                                               for x in k[:10]]}})
    return events_frame(out)


def _inland(lon, lat, margin_m, on_land):
    """True where the points ``margin_m`` north, south, east and west are on land too."""
    from shipsight.geodesy import WGS84

    n = len(lon)
    if n == 0:
        return np.zeros(0, bool)
    az = np.repeat([0.0, 90.0, 180.0, 270.0], n)
    x, y, _ = WGS84.fwd(np.tile(lon, 4), np.tile(lat, 4), az, np.full(4 * n, float(margin_m)))
    return on_land(np.asarray(x), np.asarray(y)).reshape(4, n).all(axis=0)
