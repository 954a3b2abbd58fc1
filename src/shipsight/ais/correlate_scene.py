"""Correlate a registered scene's sightings with the AIS archive, and keep the result in the store.

The library behind ``shipsight ais correlate`` and ``detect --save --ais``.
:func:`correlate_scene` reads the pings the scene's time and box need (one
pruned archive query), runs :func:`shipsight.ais.correlate.correlate`, and
writes in one transaction:

* each sighting's status, vessel and evidence (``ais_matches``), and the
  scene's coverage, counts, AIS-only vessels and parameters (``ais_correlations``);
* the identity of each ``matched`` sighting (MMSI, and name, IMO and vessel
  type where AIS has them) as an audited edit whose reason begins ``ais:``.
  An identity an analyst gave is never overwritten: the correlation writes
  only into a sighting whose identity is empty or is still the one an earlier
  correlation wrote (and whose confidence the analyst has not raised to
  ``confirmed``); when a later run no longer matches the sighting, the
  identity it wrote is taken back, audited too.

Re-running with the same AIS changes nothing; AIS imported later (a ship's
pings arriving late) turns a ``dark`` sighting into ``matched``, as Skylight
re-checks its dark detections when late AIS comes in.

Examples
--------
>>> import tempfile, os
>>> from shipsight.store import open_store
>>> from shipsight.ais import open_archive
>>> from shipsight.imagery.synth import make_scene
>>> from shipsight.scenes import add_scene
>>> tmp = tempfile.mkdtemp()
>>> _ = make_scene(os.path.join(tmp, "sea.tif"), width=200, height=200, n_ships=0, seed=1)
>>> store = open_store(os.path.join(tmp, "log.db"))
>>> _ = add_scene(store, os.path.join(tmp, "sea.tif"), acquired="2024-03-01T09:30:00Z")
>>> r = correlate_scene(store, open_archive(os.path.join(tmp, "log.ais"), create=True), "sea", analyst="kim")
>>> r.result.counts["no-coverage"], r.saved["scene_changed"]
(0, True)
"""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from shipsight.ais.correlate import CorrelationParams, correlate
from shipsight.errors import InputError
from shipsight.store import SightingQuery

#: The columns read from the archive.
COLUMNS = ["mmsi", "time", "lon", "lat", "sog", "cog"]
_IDENTITY = ("mmsi", "name", "imo", "vessel_type")
_CHUNK = 10_000


@dataclass
class SceneCorrelation:
    """One scene's correlation: the :class:`~shipsight.ais.correlate.CorrelationResult`, what was
    written (``saved``), and what the archive read (``scan``, :class:`~shipsight.ais.archive.ScanStats`)."""

    scene_id: str
    result: object
    saved: dict
    scan: object
    positions: int

    @property
    def time_assumed(self):
        """Positions in the scene's window left out because their time was assumed."""
        return self.scan.time_assumed

    def warnings(self):
        """Lines for stderr: what the correlation left out, and why."""
        if not self.time_assumed:
            return []
        return [f"scene {self.scene_id}: {self.time_assumed:,} AIS positions in the window left out: their time "
                "was assumed (NMEA imported with --received-at), too coarse to place a vessel at the image time"]


def search_box(footprint, pad_m):
    """The footprint's bounding box grown by ``pad_m`` metres: ``(minlon, minlat, maxlon, maxlat)``,
    ``minlon > maxlon`` when it crosses the antimeridian (a footprint split at +-180 is joined first).

    >>> import shapely
    >>> [round(v, 3) for v in search_box(shapely.box(179.5, 0, 180, 1).union(shapely.box(-180, 0, -179.5, 1)), 11_132)]
    [179.4, -0.1, -179.4, 1.1]
    """
    parts = list(getattr(footprint, "geoms", [footprint]))
    bounds = np.array([p.bounds for p in parts])
    minx, maxx = bounds[:, 0], bounds[:, 2]
    if len(parts) > 1 and minx.min() <= -180 + 1e-9 and maxx.max() >= 180 - 1e-9:
        # Parts touching both sides of +-180: measure them in continuous longitudes (west ones + 360).
        west = maxx <= 0
        minx, maxx = np.where(west, minx + 360, minx), np.where(west, maxx + 360, maxx)
    lo, hi = float(minx.min()), float(maxx.max())
    miny, maxy = float(bounds[:, 1].min()), float(bounds[:, 3].max())
    dlat = pad_m / 111_320.0
    miny, maxy = max(miny - dlat, -90.0), min(maxy + dlat, 90.0)
    cos = max(np.cos(np.radians(max(abs(miny), abs(maxy)))), 1e-6)
    dlon = pad_m / (111_320.0 * cos)
    lo, hi = lo - dlon, hi + dlon
    if hi - lo >= 360 or max(abs(miny), abs(maxy)) >= 89.9:
        return (-180.0, miny, 180.0, maxy)
    lo = (lo + 180) % 360 - 180
    hi = hi - 360 if hi > 180 else hi
    return (round(float(lo), 9), round(miny, 9), round(float(hi), 9), round(maxy, 9))


def scene_sightings(store, scene):
    """The active sightings of a scene (its ``scene_id``), detections and hand-logged alike."""
    minx, miny, maxx, maxy = scene["footprint"].bounds
    frame = store.sightings(SightingQuery(bbox=(minx, miny, maxx, maxy)))
    return frame[(frame["scene_id"] == scene["id"]).fillna(False).to_numpy(dtype=bool)]


def _identities(store, mmsis):
    mmsis = sorted({str(m) for m in mmsis})
    frames = [store.ais_identities(mmsi=mmsis[i:i + _CHUNK]) for i in range(0, len(mmsis), _CHUNK)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _text(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value) \
        or str(value).strip() == "" else str(value)


def plan_identities(sightings, matches, stored, *, scene_id):
    """Which identities to write into (or take back from) sightings, and each sighting's ``applied``.

    Parameters
    ----------
    sightings : DataFrame
        The scene's sightings (id, name, imo, mmsi, vessel_type, confidence).
    matches : DataFrame
        :attr:`CorrelationResult.matches`.
    stored : DataFrame
        :meth:`Store.ais_matches` of these sightings (their ``applied``).

    Returns
    -------
    edits : DataFrame
        sighting_id, old, new (dicts of the fields that change), reason.
    applied : list
        Per row of ``matches``: ``{"fields": ..., "before": ...}`` of the identity the correlation
        has written, or None.
    kept : list of bool
        Per row: matched, but the sighting carries an analyst's identity, which stays.
    """
    cur = {int(r["id"]): r for r in sightings[["id", *_IDENTITY, "confidence"]].to_dict("records")}
    prev = dict(zip(stored["sighting_id"], stored["applied"])) if len(stored) else {}
    edits, applied, kept = [], [], []
    for m in matches.itertuples(index=False):
        sid = int(m.sighting_id)
        row = cur[sid]
        now = {f: _text(row[f]) for f in _IDENTITY}
        was = prev.get(sid)
        ais_written = bool(was) and all(now[f] == v for f, v in was["fields"].items())
        has_identity = any(now[f] for f in ("name", "imo", "mmsi"))
        protected = has_identity and (not ais_written or row["confidence"] == "confirmed")
        if m.status == "matched":
            want = {"mmsi": _text(m.mmsi)}
            for f in ("name", "imo"):
                if _text(getattr(m, f)):
                    want[f] = _text(getattr(m, f))
            if _text(m.vessel_type) and (not now["vessel_type"] or (ais_written and "vessel_type" in was["fields"])):
                want["vessel_type"] = _text(m.vessel_type)
            if protected:
                applied.append(was)
                kept.append(True)
                continue
            kept.append(False)
            base = was["before"] if ais_written else {f: now[f] for f in _IDENTITY}
            # Fields the earlier correlation wrote but this one does not: back to what they were.
            fields = {**{f: base.get(f) for f in (was["fields"] if ais_written else {}) if f not in want}, **want}
            change = {f: v for f, v in fields.items() if now[f] != v}
            applied.append({"fields": want, "before": {f: base.get(f) for f in _IDENTITY}})
            if change:
                name = f" ({want['name']})" if want.get("name") else ""
                edits.append({"sighting_id": sid, "old": {f: now[f] for f in change}, "new": change,
                              "reason": f"ais: matched MMSI {want['mmsi']}{name} at {m.distance_m:.0f} m"
                                        f" in scene {scene_id}"})
            continue
        kept.append(False)
        if ais_written and not protected:
            back = {f: was["before"].get(f) for f in was["fields"]}
            change = {f: v for f, v in back.items() if now[f] != v}
            if change:
                edits.append({"sighting_id": sid, "old": {f: now[f] for f in change}, "new": change,
                              "reason": f"ais: no longer matched ({m.status}) in scene {scene_id}; the identity an "
                                        "earlier correlation wrote is taken back"})
            applied.append(None)
        else:
            applied.append(was)
    edits = pd.DataFrame(edits, columns=["sighting_id", "old", "new", "reason"])
    return edits, applied, kept


def correlate_scene(store, archive, scene_id, *, params=CorrelationParams(), analyst=None, save=True):
    """Correlate the sightings of registered scene ``scene_id`` with the AIS archive.

    Parameters
    ----------
    store : Store
    archive : Archive
        The AIS archive (:func:`shipsight.ais.open_archive`).
    scene_id : str
    params : CorrelationParams
    analyst : str, optional
        Who runs it (default: the OS user), for the audit log.
    save : bool
        Write the result to the store (default); False only computes it.

    Returns
    -------
    SceneCorrelation

    Raises
    ------
    NotFoundError
        Unknown scene.
    InputError
        The scene has no acquisition time.
    """
    from shipsight.ais.correlate_sar import sar_geometry
    from shipsight.model.sightings import default_analyst
    from shipsight.scenes import get_scene

    analyst = analyst or default_analyst()
    scene = get_scene(store, scene_id)
    if scene["acquired"] is None:
        raise InputError(f"scene {scene_id} has no acquisition time, so AIS cannot be placed at it; register the "
                         "file again with --acquired under a new --id", where="SCENE")
    at = pd.Timestamp(scene["acquired"]).tz_convert("UTC")
    window = timedelta(minutes=params.window_minutes)
    box = search_box(scene["footprint"], params.search_pad_m)
    # A position whose time was assumed (--received-at) cannot be placed at the image's minute.
    positions = archive.positions(at - window, at + window, bbox=box, kinds=("ship",), columns=COLUMNS,
                                  timed_only=True)
    scan = archive.last_scan
    sightings = scene_sightings(store, scene)
    mmsis = np.unique(positions.column("mmsi").to_numpy()) if positions.num_rows else []
    identities = _identities(store, mmsis) if len(mmsis) else None
    geometry = sar_geometry(scene) if params.azimuth_shift else None
    result = correlate(sightings[["id", "lon", "lat", "length_m"]], positions, at=at.to_pydatetime(),
                       footprint=scene["footprint"], gsd_m=scene.get("gsd_m"), identities=identities,
                       params=params, geometry=geometry)
    counts = {**result.counts, "placed": result.placed, "unplaceable": result.unplaceable,
              "ais_only_unknown_length": result.unknown_length, "time_assumed_left_out": scan.time_assumed}
    saved = {}
    if save:
        stored = store.ais_matches(sighting_ids=sightings["id"].tolist()) if len(sightings) else \
            store.ais_matches(sighting_ids=[])
        edits, applied, kept = plan_identities(sightings, result.matches, stored, scene_id=scene["id"])
        matches = result.matches.copy()
        matches["scene_id"] = scene["id"]
        matches["applied"] = pd.Series(applied, index=matches.index, dtype=object)
        for ev, k, a in zip(matches["evidence"], kept, applied):
            ev["identity"] = "analyst's kept" if k else ("from ais" if a else None)
        record = {"scene_id": scene["id"], "time": at.to_pydatetime(), "coverage": result.coverage,
                  "placed": result.placed, "counts": counts,
                  "ais_only": _records(result.ais_only.drop(columns=["evidence"]), result.ais_only["evidence"]),
                  "params": {**params.as_record(), "sar_geometry": result.geometry}}
        saved = store.save_ais_correlation(record, matches, edits, analyst=analyst)
    return SceneCorrelation(scene_id=scene["id"], result=result, saved=saved, scan=scan, positions=positions.num_rows)


def _records(frame, evidence):
    out = []
    for rec, ev in zip(frame.to_dict("records"), evidence):
        clean = {k: (None if isinstance(v, float) and np.isnan(v) else
                     round(v, 6) if isinstance(v, float) else v) for k, v in rec.items()}
        clean["pings"] = ev["pings"]
        out.append(clean)
    return out


def correlate_scenes(store, archive, scene_ids=None, *, params=CorrelationParams(), analyst=None, progress=None):
    """Correlate several scenes (default: every registered scene with an acquisition time and
    sightings of its own); a list of :class:`SceneCorrelation`, one per scene, in id order."""
    if scene_ids is None:
        scenes = store.scenes()
        scenes = scenes[scenes["acquired"].notna()]
        used = set(store.sightings()["scene_id"].dropna())
        scene_ids = sorted(s for s in scenes["id"] if s in used)
    out = []
    for k, sid in enumerate(scene_ids):
        out.append(correlate_scene(store, archive, sid, params=params, analyst=analyst))
        if progress:
            progress(k + 1, len(scene_ids))
    return out


def describe_candidates(evidence):
    """The candidates of a match's evidence in one line: ``273111143 DELTA 12 m (held by 5); ...``.

    >>> describe_candidates({"candidates": [{"mmsi": "273111143", "name": "DELTA", "distance_m": 12.3,
    ...                                      "held_by": 5}]})
    '273111143 DELTA 12 m (held by sighting 5)'
    """
    parts = []
    for c in (evidence or {}).get("candidates", []):
        held = f" (held by sighting {c['held_by']})" if c.get("held_by") is not None else ""
        parts.append(f"{c['mmsi']} {c.get('name') or ''} {c['distance_m']:.0f} m{held}".replace("  ", " "))
    return "; ".join(parts)


def describe_vessel(evidence):
    """How the matched vessel was placed, in one line: method, pings, point, gate, shift."""
    v = (evidence or {}).get("vessel")
    if not v:
        return None
    pings = ", ".join(f"{p['time']} ({p['lon']:.5f}, {p['lat']:.5f})" for p in v["pings"])
    shift = f"; SAR azimuth shift {v['shift_m']:.0f} m" if v.get("shift_m") else ""
    return (f"{v['method']} from {pings} to ({v['point'][0]:.5f}, {v['point'][1]:.5f}); nearest ping "
            f"{v['gap_min']:.0f} min from the scene, gate {v['gate_m']:.0f} m{shift}")


def match_fields(store, sighting_id):
    """A sighting's AIS correlation as ``ais_*`` fields for ``sightings show`` ({} when never correlated)."""
    m = store.ais_matches(sighting_ids=[int(sighting_id)])
    if m.empty:
        return {}
    row = m.iloc[0]
    ev = row["evidence"] or {}
    vessel = ev.get("vessel") or {}
    return {"ais_status": row["status"], "ais_scene": row["scene_id"], "ais_mmsi": row["mmsi"],
            "ais_name": vessel.get("name"), "ais_imo": vessel.get("imo"),
            "ais_distance_m": None if pd.isna(row["distance_m"]) else round(float(row["distance_m"]), 1),
            "ais_gate_m": None if pd.isna(row["gate_m"]) else float(row["gate_m"]),
            "ais_placed": describe_vessel(ev), "ais_candidates": describe_candidates(ev) or None,
            "ais_coverage": ev.get("coverage"), "ais_nearest_m": ev.get("nearest_ais_m"),
            "ais_identity": ev.get("identity"),
            "ais_updated_at": row["updated_at"].isoformat().replace("+00:00", "Z"), "ais_evidence": ev}


def report_ais(store, archive, sighting_ids, *, minutes=60):
    """What the map report draws of AIS beside the sightings: the tracks around each correlated
    scene's time, the AIS-only vessels, and each sighting's status.

    Parameters
    ----------
    store : Store
    archive : Archive or None
        None (no archive on this machine): statuses and AIS-only points, no tracks.
    sighting_ids : sequence of int
        The sightings shown.
    minutes : float
        Tracks are drawn this long either side of the scene time.

    Returns
    -------
    dict
        ``tracks``: list of {mmsi, name, scene_id, role (matched, candidate, ais-only), time_from,
        time_to, coords [[lat, lon], ...]}; ``ais_only``: list of {mmsi, name, scene_id, lat,
        lon, length_m}; ``status``: {sighting_id: {ais_status, ais_mmsi, ais_distance_m}}.
    """
    matches = store.ais_matches(sighting_ids=list(sighting_ids)) if len(sighting_ids) else None
    out = {"tracks": [], "ais_only": [], "status": {}}
    if matches is None or matches.empty:
        return out
    for row in matches.itertuples(index=False):
        out["status"][int(row.sighting_id)] = {
            "ais_status": row.status, "ais_mmsi": row.mmsi,
            "ais_distance_m": None if pd.isna(row.distance_m) else round(float(row.distance_m), 1)}
    scenes = store.ais_correlations(scene_ids=sorted(set(matches["scene_id"])))
    for sc in scenes.itertuples(index=False):
        mine = matches[matches["scene_id"] == sc.scene_id]
        roles = {}
        for ev in mine["evidence"]:
            for c in ev.get("candidates", []):
                roles.setdefault(c["mmsi"], ("candidate", c.get("name")))
        for m in mine[mine["status"] == "matched"].itertuples(index=False):
            roles[m.mmsi] = ("matched", (m.evidence.get("vessel") or {}).get("name"))
        for v in sc.ais_only:
            roles[v["mmsi"]] = ("ais-only", v.get("name"))
            out["ais_only"].append({"mmsi": v["mmsi"], "name": v.get("name"), "scene_id": sc.scene_id,
                                    "lat": v["lat"], "lon": v["lon"], "length_m": v.get("length_m")})
        if archive is None or not roles:
            continue
        since, until = sc.time - timedelta(minutes=minutes), sc.time + timedelta(minutes=minutes)
        table = archive.positions(since.to_pydatetime(), until.to_pydatetime(), mmsi=[int(m) for m in roles],
                                  columns=["mmsi", "time", "lon", "lat"])
        if not table.num_rows:
            continue
        frame = table.to_pandas()
        for mmsi, g in frame.groupby("mmsi", sort=True):
            key = f"{int(mmsi):09d}"
            role, name = roles[key]
            out["tracks"].append({
                "mmsi": key, "name": name, "scene_id": sc.scene_id, "role": role,
                "time_from": pd.Timestamp(g["time"].min()).isoformat().replace("+00:00", "Z"),
                "time_to": pd.Timestamp(g["time"].max()).isoformat().replace("+00:00", "Z"),
                "coords": np.round(g[["lat", "lon"]].to_numpy(float), 6).tolist()})
    return out
