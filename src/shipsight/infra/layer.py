"""The structures layer in the store: import, learn, review, and use in detection.

Imported structures are accepted at once; learned ones are candidates until
an analyst accepts or rejects them. Every insert and every review is in the
audit log. Detection uses the accepted structures near the scene, each with
its radius for the scene's sensor (:func:`structures_near_scene`).

Example
-------
>>> import tempfile, os, json
>>> from shipsight.store import open_store
>>> tmp = tempfile.mkdtemp()
>>> p = os.path.join(tmp, "infra.geojson")
>>> _ = open(p, "w").write(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
...     "properties": {"man_made": "offshore_platform", "name": "Esther"},
...     "geometry": {"type": "Point", "coordinates": [-118.07, 33.68]}}]}))
>>> store = open_store(os.path.join(tmp, "log.db"))
>>> ids, _ = import_structures(store, p, analyst="kim")
>>> store.structures()[["id", "name", "kind", "status"]].values.tolist()
[[1, 'Esther', 'platform', 'accepted']]
"""

from dataclasses import dataclass, field

import numpy as np

from shipsight.errors import InputError

__all__ = ["import_structures", "learn_candidates", "review", "structures_near_scene", "LearnResult"]


def import_structures(store, path, *, analyst, **read_options):
    """Read a structures file (:func:`~shipsight.infra.read.read_structures`) into the store, accepted.

    A feature already in the layer -- same kind, name and geometry (to 1e-7
    degree, about a centimetre), whatever its status -- is not added again, so
    importing a file twice, or an extract that overlaps an earlier one, doubles
    nothing (and a rejected structure stays rejected).

    Returns ``(ids, frame)``: the new ids, and the frame read (its ``repaired``
    column, ``already`` column marking the features skipped as already in the
    layer, and ``attrs["skipped"]`` for the caller to report).
    """
    from shipsight.infra.read import read_structures

    frame = read_structures(path, **read_options)
    with store.transaction():
        frame["already"] = _in_layer(store, frame)
        rows = frame[~frame["already"]].drop(columns=["repaired", "already"]).assign(status="accepted")
        return store.add_structures(rows, analyst=analyst, source=str(path)), frame


def _in_layer(store, frame):
    """Which features of ``frame`` the layer already holds (kind, name, geometry to 1e-7 degree)."""
    import shapely

    if frame.empty:
        return np.zeros(0, dtype=bool)
    x0, y0, x1, y1 = frame.total_bounds
    existing = store.structures(bbox=(x0, y0, x1, y1) if x1 - x0 < 180 else None)

    def keys(rows):
        wkt = shapely.to_wkt(shapely.set_precision(rows.geometry.values, 1e-7), rounding_precision=7)
        return list(zip(rows["kind"].astype(str), rows["name"].fillna("").astype(str), wkt))

    known = set(keys(existing)) if len(existing) else set()
    return np.array([k in known for k in keys(frame)], dtype=bool)


@dataclass(frozen=True)
class LearnResult:
    """What :func:`learn_candidates` did.

    Attributes
    ----------
    new_ids : list of int
        Candidates added.
    known : int
        Persistent targets already in the layer (any status), not added again.
    scenes : int
        Scenes read.
    """

    new_ids: list = field(default_factory=list)
    known: int = 0
    scenes: int = 0


def learn_candidates(store, scenes, *, analyst, min_scenes=3, tol_px=2.0, radius_sar_m=None,
                     radius_optical_m=None, detect_options=None, progress=None):
    """Learn persistent targets from ``scenes`` and store the new ones as candidates.

    Parameters
    ----------
    store : Store
    scenes : sequence of str
        Registered scene ids or image files. A file not registered needs an
        acquisition time in its tags (``ACQUISITION_DATETIME`` and the like).
    analyst : str
    min_scenes, tol_px, detect_options, progress
        As :func:`~shipsight.infra.learn.learn_structures`.
    radius_sar_m, radius_optical_m : float, optional
        Radii given to the candidates (default 200 and 50 m).

    Returns
    -------
    LearnResult

    Raises
    ------
    InputError
        An unknown scene id, a missing file, a file without acquisition time,
        too few days.
    """
    import json

    import geopandas as gpd

    from shipsight.infra.learn import learn_structures
    from shipsight.model.vocab import STRUCTURE_RADIUS_M

    resolved = [_scene(store, s) for s in scenes]
    found = learn_structures(resolved, min_scenes=min_scenes, tol_px=tol_px, detect_options=detect_options,
                             progress=progress)
    if found.empty:
        return LearnResult([], 0, len(resolved))
    tol_m = json.loads(found["evidence"].iloc[0])["tolerance_m"]
    with store.transaction():
        box = tuple(found.total_bounds + np.array([-0.05, -0.05, 0.05, 0.05]))
        existing = store.structures(bbox=box)
        known = np.zeros(len(found), dtype=bool)
        if len(existing):
            from shipsight.imagery.objects import structures_near

            known, _ = structures_near(found["lon"].to_numpy(), found["lat"].to_numpy(), existing, radius_m=tol_m)
        new = found[~known]
        rows = gpd.GeoDataFrame({
            "name": None, "kind": "structure", "status": "candidate",
            "radius_sar_m": STRUCTURE_RADIUS_M["sar"] if radius_sar_m is None else float(radius_sar_m),
            "radius_optical_m": STRUCTURE_RADIUS_M["optical"] if radius_optical_m is None else float(radius_optical_m),
            "source": f"learned from {len(resolved)} scenes", "evidence": new["evidence"].to_numpy()},
            index=new.index, geometry=new.geometry, crs="EPSG:4326")
        ids = store.add_structures(rows, analyst=analyst) if len(rows) else []
    return LearnResult([int(i) for i in ids], int(known.sum()), len(resolved))


def _scene(store, key):
    """(path, acquired, scene_id) of a registered scene id or an image file."""
    from pathlib import Path

    from shipsight.detections import find_scene_for_file

    if key in store.scene_ids():
        from shipsight.scenes import check_scene_unchanged, get_scene

        scene = get_scene(store, key)
        check_scene_unchanged(scene)
        if scene["acquired"] is None:
            raise InputError(f"scene {key} has no acquisition time on record", where=key)
        return str(scene["path"]), scene["acquired"], scene["id"]
    if not Path(key).is_file():
        raise InputError("is neither a registered scene nor an image file", where=key)
    scene = find_scene_for_file(store, key)
    if scene is not None and scene["acquired"] is not None:
        return str(key), scene["acquired"], scene["id"]
    from shipsight.imagery.scene import read_scene

    info = read_scene(key)
    if info.acquired is None or info.acquired_source == "tag:TIFFTAG_DATETIME":
        raise InputError("has no acquisition time in its tags; register it with 'shipsight scenes add "
                         f"{key} --acquired TIME' and give its scene id", where=key)
    return str(key), info.acquired, None


def review(store, ids, status, *, analyst, reason=None):
    """Accept or reject structures (audited); returns the ids whose status changed.

    Raises
    ------
    InputError
        A status other than accepted/rejected/candidate, or rejecting without a reason.
    NotFoundError
        An unknown id.
    """
    from shipsight.model.vocab import STRUCTURE_STATUS

    if status not in STRUCTURE_STATUS:
        raise InputError(f"status must be one of {', '.join(STRUCTURE_STATUS)}, not {status!r}")
    if status == "rejected" and not (reason and reason.strip()):
        raise InputError("say why with --reason: a rejected structure stays on record", where="--reason")
    if not ids:
        raise InputError("give at least one structure id", where="ID")
    return store.set_structure_status(ids, status, analyst=analyst, reason=reason)


def structures_near_scene(structures, product, *, margin_deg=0.05):
    """The structures whose bounding boxes come within ``margin_deg`` of a scene.

    Parameters
    ----------
    structures : GeoDataFrame
        Structures of the store (``Store.structures(status="accepted")``), any extent.
    product : Product or str
        An opened product (:func:`~shipsight.imagery.products.open_product`)
        or an image file.

    Returns
    -------
    GeoDataFrame or None
        ``id, name, kind, radius_sar_m, radius_optical_m`` and geometry (what
        :func:`~shipsight.imagery.detect.detect` takes as ``structures``), or
        None when none is near.
    """
    from shipsight.imagery.products import lonlat_bounds

    box = lonlat_bounds(product)
    if box is not None:
        minx, miny, maxx, maxy = box
        x0, y0, x1, y1 = structures.geometry.bounds.to_numpy().T
        near = ((x1 >= minx - margin_deg) & (x0 <= maxx + margin_deg)
                & (y1 >= miny - margin_deg) & (y0 <= maxy + margin_deg))
        structures = structures[near]
    return structures if len(structures) else None
