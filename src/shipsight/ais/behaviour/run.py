"""``shipsight ais behaviour``: every behaviour rule over the archive, written per partition.

See :mod:`shipsight.ais.behaviour.job` for how the work is split and joined.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from shipsight.ais.behaviour.job import ENCOUNTER_RULES, VESSEL_RULES, Fold, PortData, plan, run_work
from shipsight.ais.behaviour.params import BehaviourParams

IDENTITY_RULES = ("identity-change",)


@dataclass
class BehaviourRun:
    """What a run found and wrote: flags per rule, AIS port calls, the positions of the archive it
    covered (each once: ``positions``), the partitions (a day and share of vessels), the work units of
    each pass (``passes``: the vessel pass and the encounter pass each read every day, the encounter
    pass an hour either side too), the positions left out because their time was assumed, and the
    flag changes (new, updated, withdrawn, unchanged) summed over partitions."""

    found: dict = field(default_factory=dict)
    port_calls: int = 0
    positions: int = 0
    partitions: int = 0
    passes: dict = field(default_factory=lambda: {"vessels": 0, "encounters": 0})
    time_assumed_left_out: int = 0
    changes: dict = field(default_factory=lambda: {"new": 0, "updated": 0, "withdrawn": 0, "unchanged": 0})

    def as_record(self):
        return {"found": self.found, "port_calls": self.port_calls, "positions": self.positions,
                "partitions": self.partitions, "passes": self.passes,
                "time_assumed_left_out": self.time_assumed_left_out, "changes": self.changes}


def run_behaviour(store, archive, *, analyst, since=None, until=None, params=None, scheduler=None, workers=1,
                  vessel_buckets=1, encounter_chunks=1, progress=None, shore=None, client=None):
    """Run the AIS behaviour rules over the archive's days in ``[since, until]`` and write their
    flags and AIS port calls to ``store``, one transaction per partition.

    Parameters
    ----------
    store : Store
    archive : Archive
    analyst : str
    since, until : datetime, optional
        Whole UTC days are run.
    params : BehaviourParams, optional
    scheduler, workers
        Where to run (:func:`shipsight.cluster.dask_client`).
    vessel_buckets : int
        Shares of the vessels per day (more when a day does not fit a worker).
    encounter_chunks : int
        Slices of each day for the encounter search (more when a day of every vessel does not
        fit a worker; it needs every vessel at once).
    progress : callable, optional
        ``progress(done, total)`` per partition written.

    Returns
    -------
    BehaviourRun

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> from shipsight.ais import open_archive
    >>> d = tempfile.mkdtemp()
    >>> run = run_behaviour(open_store(os.path.join(d, "x.db")), open_archive(os.path.join(d, "x.ais"), create=True),
    ...                     analyst="kim")
    >>> run.partitions, run.found["ais-gap"]
    (0, 0)
    """
    from shipsight.ais.behaviour.identity_change import identity_changes
    from shipsight.cluster import run_partitions

    if shore is None:
        from shipsight.ais.behaviour import shore
    p = params or BehaviourParams()
    ports = PortData.from_frame(store.ports())
    units = plan(archive, since=since, until=until, vessel_buckets=vessel_buckets, encounter_chunks=encounter_chunks)
    result = BehaviourRun(found={r: 0 for r in (*VESSEL_RULES, *ENCOUNTER_RULES, *IDENTITY_RULES)})
    folds = {}
    writer = _Writer(store, analyst, result)

    def write(work, found):
        result.passes[work.kind] += 1
        if work.kind == "vessels":
            # The vessel pass reads each position of the range exactly once (the encounter pass again).
            result.positions += found["positions"]
            result.time_assumed_left_out += found["time_assumed"]
            result.partitions += 1
        fold = folds.setdefault((work.kind, work.partition.bucket), Fold(work.kind, p, ports=ports, shore=shore))
        done = fold.add(work, found)
        if done is not None:
            writer(*done)

    run_partitions(run_work, units, write=write, scheduler=scheduler, workers=workers, ordered=True,
                   shared={"ports": ports, "params": p}, archive=str(archive.path), progress=progress,
                   client=client)
    for fold in folds.values():
        done = fold.close()
        if done is not None:
            writer(*done)
    # Identity changes come from the store's identities, not the archive: one transaction of their own.
    events = identity_changes(store.ais_identities(), store.list_entries(), p)
    writer.flags(events, rules=IDENTITY_RULES, window=None)
    return result


class _Writer:
    """Writes a partition's events and calls to the store (the client's one job)."""

    def __init__(self, store, analyst, result):
        self.store = store
        self.analyst = analyst
        self.result = result

    def __call__(self, work, own):
        window = (datetime.fromtimestamp(work.start_ms / 1000, timezone.utc),
                  datetime.fromtimestamp(work.end_ms / 1000, timezone.utc))
        rules = ENCOUNTER_RULES if work.kind == "encounters" else VESSEL_RULES
        calls = None if work.kind == "encounters" else self._calls(own["calls"])
        self.flags(own["events"], rules=rules, window=window, bucket=work.partition.bucket,
                   buckets=work.partition.buckets, calls=calls)

    def _calls(self, calls):
        if calls.empty:
            return calls.assign(name=None, imo=None, vessel_type=None)
        calls = calls.copy()
        ident = self._identities(calls["mmsi"].to_numpy(np.int64), calls["entry"].to_numpy(np.int64))
        for c in ("name", "imo", "vessel_type"):
            calls[c] = ident[c]
        calls["mmsi"] = calls["mmsi"].astype(np.int64).map(lambda m: f"{m:09d}")
        calls["entry"] = _texts(calls["entry"])
        calls["exit"] = _texts(calls["exit"])
        self.result.port_calls += len(calls)
        return calls

    def _identities(self, mmsi, t_ms):
        from shipsight.ais.identities import identity_at

        out = pd.DataFrame({"name": [None] * len(mmsi), "imo": [None] * len(mmsi), "vessel_type": [None] * len(mmsi)})
        if len(mmsi) == 0:
            return out
        ids = self.store.ais_identities(mmsi=[f"{m:09d}" for m in np.unique(mmsi)])
        row = identity_at(ids, mmsi, pd.to_datetime(t_ms, unit="ms", utc=True))
        has = row >= 0
        for c in out.columns:
            values = ids[c].to_numpy(dtype=object)
            out.loc[has, c] = [None if pd.isna(v) else v for v in values[row[has]]]
        return out

    def flags(self, events, *, rules, window, bucket=0, buckets=1, calls=None):
        frame = self._flag_frame(events)
        for rule in rules:
            self.result.found[rule] += int((frame["rule"] == rule).sum())
        if window is None:
            counts = {"flags": self.store.sync_flags(frame, scope_ids=None, analyst=self.analyst, rules=rules)}
        else:
            counts = self.store.write_behaviour(frame, calls, rules=rules, window=window, bucket=bucket,
                                                buckets=buckets, analyst=self.analyst)
        for k in self.result.changes:
            self.result.changes[k] += counts["flags"][k]

    def _flag_frame(self, events):
        """Events as rows of the flags table (times as the store's text, evidence as JSON)."""
        cols = ["key", "rule", "severity", "sighting_id", "related_sighting_id", "list_entry_id", "matched_on",
                "score", "port_id", "distance_m", "hours_apart", "mmsi", "related_mmsi", "ais_name", "ais_imo",
                "related_ais_name", "related_ais_imo", "start_time", "end_time", "lon", "lat", "related_lon",
                "related_lat", "evidence"]
        if events.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
        e = events.reset_index(drop=True)
        mmsi = e["mmsi"].astype(np.int64).to_numpy()
        related = e["related_mmsi"].astype("Int64")
        ident = self._identities(mmsi, e["start"].to_numpy(np.int64))
        rel_ident = pd.DataFrame({"name": [None] * len(e), "imo": [None] * len(e)})
        has = related.notna().to_numpy()
        if has.any():
            got = self._identities(related[has].to_numpy(np.int64), e["start"].to_numpy(np.int64)[has])
            rel_ident.loc[has, "name"] = got["name"].to_numpy()
            rel_ident.loc[has, "imo"] = got["imo"].to_numpy()
        kind = e["evidence"].map(lambda ev: ev.get("kind", ""))
        rel_text = related.map(lambda m: "" if pd.isna(m) else f"{int(m):09d}")
        start = _texts(e["start"])
        key = (e["rule"] + ":" + pd.Series([f"{m:09d}" for m in mmsi]) + ":" + rel_text + ":" + kind + ":"
               + start.astype(str))
        return pd.DataFrame({
            "key": key, "rule": e["rule"], "severity": e["severity"].astype(float).round(6),
            "sighting_id": None, "related_sighting_id": None, "list_entry_id": None, "matched_on": None,
            "score": np.nan, "port_id": None, "distance_m": e["distance_m"].astype(float).round(3),
            "hours_apart": e["hours"].astype(float).round(6), "mmsi": [f"{m:09d}" for m in mmsi],
            "related_mmsi": rel_text.replace("", None), "ais_name": ident["name"], "ais_imo": ident["imo"],
            "related_ais_name": rel_ident["name"], "related_ais_imo": rel_ident["imo"], "start_time": start,
            "end_time": _texts(e["end"]), "lon": e["lon"].astype(float).round(7),
            "lat": e["lat"].astype(float).round(7), "related_lon": e["related_lon"].astype(float).round(7),
            "related_lat": e["related_lat"].astype(float).round(7),
            "evidence": e["evidence"].map(lambda ev: json.dumps(_plain(ev), sort_keys=True))})[cols]


def _texts(ms):
    from shipsight.store.convert import times_text

    return pd.Series(times_text(pd.to_datetime(pd.Series(ms).astype(np.int64), unit="ms", utc=True)))


def _plain(value):
    """Evidence made JSON-ready: numpy scalars as Python numbers, floats rounded."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 6)
    return value
