"""The behaviour job over a whole archive: partitions on workers, their joins and writes here.

Work units:

- ``Work("vessels", Partition(day, bucket, buckets))``: one day of a share of the
  vessels; gaps, loitering, port visits and spoofing of their own tracks;
- ``Work("encounters", Partition(day), chunk, chunks)``: every vessel over one
  of ``chunks`` equal slices of a day, for the pairs that meet.

A worker reads its partition from the archive (plus ``interpolate_hours``
either side for encounters) and returns what it found: events complete
inside the partition, and the pieces that touch its edges (the last
positions of each vessel, a loitering still going at midnight...). This
process receives the results in time order per share of vessels, joins
each piece with the one before (:class:`Fold`), and writes a partition's
events to the store, in one transaction, once the partition after it has
been joined, so that everything ending in it is known. Every event belongs
to the partition its end falls in, which makes a rerun write the same
flags again (nothing added twice; a flag no longer found is withdrawn).
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from shipsight.ais.archive import Partition
from shipsight.ais.behaviour import encounters as enc
from shipsight.ais.behaviour import vessel as ves
from shipsight.ais.behaviour.params import BehaviourParams
from shipsight.ais.behaviour.tracks import MS_PER_HOUR, split_segments, track_of

#: Flag rules each kind of work unit writes.
VESSEL_RULES = ("ais-gap", "ais-gap-near-watchlist", "loitering", "ais-spoofing")
ENCOUNTER_RULES = ("ais-encounter",)
COLUMNS = ["time", "mmsi", "lon", "lat", "sog"]


@dataclass(frozen=True)
class Work:
    """One unit of work: ``kind`` is ``vessels`` or ``encounters``; encounters may take a day in
    ``chunks`` slices of time (the pieces of a run across slices are joined like those across days)."""

    kind: str
    partition: Partition
    chunk: int = 0
    chunks: int = 1

    @property
    def start_ms(self):
        return _day_ms(self.partition.day) + self.chunk * (24 * MS_PER_HOUR // self.chunks)

    @property
    def end_ms(self):
        return _day_ms(self.partition.day) + (self.chunk + 1) * (24 * MS_PER_HOUR // self.chunks)


def _day_ms(day):
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)


@dataclass(frozen=True)
class PortData:
    """The store's port polygons, as workers need them (WKB, picklable)."""

    ids: tuple
    wkb: tuple
    areas: tuple
    watchlist: tuple

    @classmethod
    def from_frame(cls, ports):
        import shapely

        if ports is None or len(ports) == 0:
            return cls((), (), (), ())
        return cls(tuple(int(i) for i in ports["id"]), tuple(shapely.to_wkb(ports.geometry.values)),
                   tuple(float(a) for a in ports["area_m2"]), tuple(bool(w) for w in ports["watchlist"]))


@functools.lru_cache(maxsize=4)
def _indexes(ports):
    """Port index, the 0.1-degree grid of port bounds, and the watch-listed ports' index."""
    import shapely

    from shipsight.attribution import build_port_index

    geoms = shapely.from_wkb(np.asarray(ports.wkb, dtype=object)) if ports.wkb else np.empty(0, dtype=object)
    ids = np.asarray(ports.ids, dtype=np.int64)
    areas = np.asarray(ports.areas, dtype=float)
    watch = np.asarray(ports.watchlist, dtype=bool)
    return (build_port_index(ids, geoms, areas), ves.port_grid(geoms),
            build_port_index(ids[watch], geoms[watch], areas[watch]))


def port_distance_m(ports, lon, lat, *, watchlisted=False):
    """Metres from each point to the nearest port polygon, or watch-listed one (0 inside one;
    inf without any)."""
    from shipsight.attribution import attribute

    index = _indexes(ports)[2 if watchlisted else 0]
    if len(index.ids) == 0 or len(lon) == 0:
        return np.full(len(lon), np.inf)
    a = attribute(np.asarray(lon, float), np.asarray(lat, float), index)
    return np.where(a.port_id >= 0, 0.0, a.nearest_port_distance_m)


def _read(archive_path, partition, since_ms, until_ms):
    """Positions of ships of ``partition``'s vessels in ``[since_ms, until_ms)``, sorted by (mmsi, time),
    and how many were left out because their time was assumed.

    Every rule reads times to the second (steps' speeds, silences, two reports of one second), so a
    position whose time is only its file's (NMEA imported with ``--received-at``) is left out: with it,
    every moving ship of the file would be "in two places at once".
    """
    from shipsight.ais.archive import open_archive

    archive = open_archive(archive_path)
    since = datetime.fromtimestamp(since_ms / 1000, timezone.utc)
    until = datetime.fromtimestamp((until_ms - 1) / 1000, timezone.utc)
    table = archive.positions(since, until, kinds=("ship",), columns=COLUMNS, timed_only=True)
    assumed = archive.last_scan.time_assumed
    mmsi = table.column("mmsi").to_numpy().astype(np.int64)
    keep = np.ones(len(mmsi), bool) if partition.buckets == 1 else (mmsi % partition.buckets == partition.bucket)
    sog = table.column("sog").to_numpy(zero_copy_only=False).astype(float)
    return track_of(mmsi[keep], table.column("time").cast("int64").to_numpy()[keep],
                    table.column("lon").to_numpy()[keep], table.column("lat").to_numpy()[keep], sog[keep]), assumed


def run_work(work, *, archive, ports, params, shore=None):
    """What one work unit finds (runs on a worker). ``shore`` is a module with
    ``distance_to_shore_m`` and ``on_land`` (default: :mod:`shipsight.ais.behaviour.shore`)."""
    if shore is None:
        from shipsight.ais.behaviour import shore
    start, end = work.start_ms, work.end_ms
    if work.kind == "encounters":
        return _encounter_work(work, archive=archive, ports=ports, p=params, start=start, end=end)
    track, assumed = _read(archive, work.partition, start, end)
    p = params
    jumps = split_segments(track, max_knots=p.spoof_knots, min_jump_m=p.spoof_m, same_place_m=p.same_place_m)
    day = work.partition.day.isoformat()
    spoof = ves.spoofing_events(track, jumps, p, day=day)
    port_index, grid, _ = _indexes(ports)
    in_port = ves.ports_containing(track.lon, track.lat, port_index, grid) >= 0
    land = ves.land_events(track, p, on_land=shore.on_land, in_port=in_port, day=day)
    main = track.take(track.segment == 0) if len(jumps) else track
    gaps = ves.gap_candidates(main, p, day_start_ms=start)
    local = gaps[~gaps["needs_prior"] | (gaps["count"] >= p.gap_positions)]
    runs = ves.loitering_runs(main, p)
    inner = ~runs["at_start"].astype(bool) & ~runs["at_end"].astype(bool)
    visits = ves.port_visits(main, p, port_index=port_index, grid=grid)
    vin = ~visits["at_start"].astype(bool) & ~visits["at_end"].astype(bool)
    events = pd.concat([
        ves.finish_gaps(local, p, shore=shore.distance_to_shore_m, watch_distance=functools.partial(
            port_distance_m, ports, watchlisted=True)),
        ves.finish_loitering(runs[inner], p, shore=shore.distance_to_shore_m), spoof, land], ignore_index=True)
    return {"events": events, "gaps": gaps[~gaps.index.isin(local.index)],
            "edges": ves.vessel_edges(main, p), "runs": runs[~inner].reset_index(drop=True),
            "calls": ves.finish_calls(visits[vin], p), "visits": visits[~vin].reset_index(drop=True),
            "positions": len(track), "time_assumed": assumed}


def _encounter_work(work, *, archive, ports, p, start, end):
    pad = int(p.interpolate_hours * MS_PER_HOUR)
    track, assumed = _read(archive, work.partition, start - pad, end + pad)
    step = int(p.resample_minutes * 60_000)
    nslots = -(-(end - start) // step)
    points = enc.resample(track, p, start_ms=start, end_ms=end)
    runs = enc.pair_runs(enc.close_pairs(points, p), nslots=nslots)
    runs["first"] = start + runs["first"].astype(np.int64) * step
    runs["last"] = start + runs["last"].astype(np.int64) * step
    edge = runs["at_start"].astype(bool) | runs["at_end"].astype(bool)
    events = enc.finish_encounters(runs[~edge], p, port_distance=functools.partial(port_distance_m, ports))
    return {"events": events, "runs": runs[edge].reset_index(drop=True), "positions": len(track),
            "time_assumed": assumed}


class Fold:
    """Joins the results of consecutive work units of one kind and share of vessels.

    :meth:`add` takes a unit's result and returns the events (and AIS port
    calls) that now belong, complete, to the unit before it; :meth:`close`
    returns those of the last unit.
    """

    def __init__(self, kind, params, *, ports, shore):
        self.kind = kind
        self.p = params
        self.ports = ports
        self.shore = shore
        self.edges = None
        self.runs = None
        self.visits = None
        self.pending = None

    def add(self, work, result):
        done_before = []
        calls_before = []
        if self.kind == "encounters":
            events, open_runs, done_before = self._join_encounters(work, result)
            own = {"events": pd.concat([result["events"], events], ignore_index=True), "calls": _no_calls()}
            self.runs = open_runs
        else:
            own, done_before, calls_before = self._join_vessels(work, result)
        out = None
        if self.pending is not None:
            prev_work, prev = self.pending
            prev["events"] = pd.concat([prev["events"], *done_before], ignore_index=True)
            prev["calls"] = pd.concat([prev["calls"], *calls_before], ignore_index=True)
            out = (prev_work, prev)
        self.pending = (work, own)
        return out

    def close(self):
        """The last unit's events, open pieces closed where the data end."""
        if self.pending is None:
            return None
        work, own = self.pending
        if self.kind == "encounters":
            if self.runs is not None and len(self.runs):
                own["events"] = pd.concat([own["events"], self._finish_encounters(self.runs)], ignore_index=True)
        else:
            if self.runs is not None and len(self.runs):
                own["events"] = pd.concat([own["events"], ves.finish_loitering(self.runs, self.p,
                                                                              shore=self.shore.distance_to_shore_m)],
                                          ignore_index=True)
            if self.visits is not None and len(self.visits):
                own["calls"] = pd.concat([own["calls"], ves.finish_calls(self.visits, self.p)], ignore_index=True)
        self.pending = None
        return work, own

    # -- encounters --------------------------------------------------------------------------
    def _finish_encounters(self, runs):
        return enc.finish_encounters(runs, self.p, port_distance=functools.partial(port_distance_m, self.ports))

    def _join_encounters(self, work, result):
        step = int(self.p.resample_minutes * 60_000)
        runs = result["runs"]
        before = self.runs if self.runs is not None else runs.iloc[:0]
        starts = runs[runs["at_start"].astype(bool)]
        m = before.reset_index().merge(starts.reset_index(), on=["a", "b"], suffixes=("_x", ""))
        m = m[m["last_x"] + step == m["first"]]
        joined_before = set(m["index_x"])
        joined_after = set(m["index"])
        merged = enc.merge_pair_runs(before.loc[m["index_x"]].reset_index(drop=True),
                                     runs.loc[m["index"]].reset_index(drop=True)) if len(m) else runs.iloc[:0]
        ended = before[~before.index.isin(joined_before)]
        rest = runs[~runs.index.isin(joined_after)]
        allruns = pd.concat([merged, rest], ignore_index=True)
        still = allruns["at_end"].astype(bool)
        finished_now = self._finish_encounters(allruns[~still])
        done_before = [self._finish_encounters(ended)] if len(ended) else []
        return finished_now, allruns[still].reset_index(drop=True), done_before

    # -- vessels -----------------------------------------------------------------------------
    def _join_vessels(self, work, result):
        p = self.p
        shore = self.shore
        events = [result["events"]]
        edges = result["edges"]
        before = self.edges
        # Gaps that started before this partition: from each vessel's last position before it.
        gaps = result["gaps"].copy()
        if before is not None and len(before):
            b = before.set_index("mmsi")
            look = int(p.gap_lookback_hours * MS_PER_HOUR)
            if len(gaps):
                tails = b["tail"].reindex(gaps["mmsi"].to_numpy())
                gaps["count"] = gaps["count"].to_numpy() + np.array(
                    [0 if not isinstance(tl, np.ndarray) else int((tl >= t0 - look).sum())
                     for tl, t0 in zip(tails, gaps["t0"].to_numpy())], dtype=np.int64)
            cross = edges.merge(before, on="mmsi", suffixes=("", "_b"))
            if len(cross):
                t0 = cross["last_t_b"].to_numpy()
                count = np.array([int((tl >= x - look).sum()) for tl, x in zip(cross["tail_b"], t0)], dtype=np.int64)
                gaps = pd.concat([gaps, pd.DataFrame({
                    "mmsi": cross["mmsi"], "t0": t0, "lon0": cross["last_lon_b"], "lat0": cross["last_lat_b"],
                    "t1": cross["first_t"], "lon1": cross["first_lon"], "lat1": cross["first_lat"], "count": count,
                    "needs_prior": False})], ignore_index=True)
                jump, d, s = ves.cross_jump(cross, p)
                events.append(_cross_spoofing(cross[jump], d[jump], s[jump], result["events"], work))
        events.append(ves.finish_gaps(gaps, p, shore=shore.distance_to_shore_m,
                                      watch_distance=functools.partial(port_distance_m, self.ports, watchlisted=True)))
        self.edges = _merge_edges(before, edges, p)
        # Loitering and port visits still going at the boundary.
        runs, done_runs = _join_open(self.runs, result["runs"], ves.merge_runs, on=["mmsi"],
                                     t_end="end", t_start="start", gap_ms=p.loiter_gap_s * 1000)
        visits, done_visits = _join_open(self.visits, result["visits"], ves.merge_visits,
                                         on=["mmsi", "port_id"], t_end="exit", t_start="entry",
                                         gap_ms=p.break_hours * MS_PER_HOUR)
        still = runs["at_end"].astype(bool)
        events.append(ves.finish_loitering(runs[~still], p, shore=shore.distance_to_shore_m))
        self.runs = runs[still].reset_index(drop=True)
        vstill = visits["at_end"].astype(bool)
        calls = pd.concat([result["calls"], ves.finish_calls(visits[~vstill], p)], ignore_index=True)
        self.visits = visits[vstill].reset_index(drop=True)
        done_before = [ves.finish_loitering(done_runs, p, shore=shore.distance_to_shore_m)] if len(done_runs) else []
        calls_before = [ves.finish_calls(done_visits, p)] if len(done_visits) else []
        own = {"events": pd.concat(events, ignore_index=True), "calls": calls}
        return own, done_before, calls_before


def _no_calls():
    return pd.DataFrame(columns=["mmsi", "port_id", "entry", "exit", "hours", "stopped_hours", "positions"])


def _join_open(before, after, merge, *, on, t_end, t_start, gap_ms):
    """Join pieces open at the end of the last partition with those open at the start of this one
    (when no more than ``gap_ms`` lies between them).

    Returns this partition's pieces (joined where they continue) and the earlier
    pieces that did not continue (complete now).
    """
    if before is None or before.empty:
        return after.reset_index(drop=True), after.iloc[:0]
    starts = after[after["at_start"].astype(bool)]
    m = before.reset_index().merge(starts.reset_index(), on=on, suffixes=("_x", ""))
    m = m[(m[t_start] - m[f"{t_end}_x"]) <= gap_ms]
    m = m.drop_duplicates("index_x").drop_duplicates("index")
    merged = merge(before.loc[m["index_x"]].reset_index(drop=True), after.loc[m["index"]].reset_index(drop=True))
    rest = after[~after.index.isin(set(m["index"]))]
    done = before[~before.index.isin(set(m["index_x"]))].reset_index(drop=True)
    return pd.concat([merged, rest], ignore_index=True), done


def _merge_edges(before, edges, p):
    """Each vessel's last position and the times of its last ``gap_positions`` positions so far."""
    if before is None or before.empty:
        return edges.reset_index(drop=True)
    both = before.merge(edges[["mmsi", "tail"]], on="mmsi", how="inner", suffixes=("_b", ""))
    k = int(p.gap_positions)
    tails = {m: np.concatenate([tb, ta])[-k:] for m, tb, ta in zip(both["mmsi"], both["tail_b"], both["tail"])}
    kept = before[~before["mmsi"].isin(edges["mmsi"])]
    new = edges.copy()
    new["tail"] = [tails.get(m, t) for m, t in zip(new["mmsi"], new["tail"])]
    return pd.concat([kept, new], ignore_index=True)


def _cross_spoofing(cross, d, s, day_events, work):
    """An impossible step from a vessel's last position of the partition before to its first of this
    one: joined to that day's spoofing event of the vessel, or one of its own."""
    rows = []
    for (_, c), dm, sec in zip(cross.iterrows(), d, s):
        rows.append({"rule": "ais-spoofing", "mmsi": int(c["mmsi"]), "start": int(c["last_t_b"]),
                     "end": int(c["first_t"]), "lon": float(c["last_lon_b"]), "lat": float(c["last_lat_b"]),
                     "related_lon": float(c["first_lon"]), "related_lat": float(c["first_lat"]), "severity": 0.6,
                     "distance_m": float(dm), "hours": float(sec) / 3600.0,
                     "evidence": {"kind": "jump", "day": work.partition.day.isoformat(), "impossible_steps": 1,
                                  "across_midnight": True}})
    frame = ves.events_frame(rows)
    if frame.empty or day_events.empty:
        return frame
    # A vessel already flagged for the day keeps one flag: the day's, noting the step across midnight.
    same = day_events[(day_events["rule"] == "ais-spoofing")
                      & day_events["evidence"].map(lambda e: e.get("kind") != "on-land")]
    for e in same["evidence"]:
        e["across_midnight"] = True
    return frame[~frame["mmsi"].isin(same["mmsi"])]


def plan(archive, *, since=None, until=None, vessel_buckets=1, encounter_chunks=1, encounters=True):
    """The work units of a job over the archive's days in ``[since, until]``, in the order
    their results are joined: by day, encounters after vessels."""
    if 24 * MS_PER_HOUR % encounter_chunks or 24 * 60 // encounter_chunks < 10:
        from shipsight.errors import InputError

        raise InputError(f"--encounter-chunks must divide a day into whole slices, not {encounter_chunks}")
    days = [pt.day for pt in archive.partitions(since, until)]
    units = []
    for day in days:
        units += [Work("vessels", Partition(day, b, vessel_buckets)) for b in range(vessel_buckets)]
        if encounters:
            units += [Work("encounters", Partition(day), c, encounter_chunks) for c in range(encounter_chunks)]
    return units


__all__ = ["Work", "PortData", "Fold", "run_work", "plan", "BehaviourParams", "VESSEL_RULES", "ENCOUNTER_RULES"]
