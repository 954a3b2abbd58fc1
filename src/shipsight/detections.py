"""Automatic ship detection in the log: run the detector on a scene, save candidates.

The library behind ``shipsight detect``; the detector itself is
:func:`shipsight.imagery.detect.detect`.

:func:`detect_scene` runs it on an image file or a registered scene, with the
store's port polygons taking part as *harbours*: inside a port polygon the
GSHHG coastline (about 100 m, too coarse for basins, quays and new
reclamations) is not used, and the water mask estimated from the image, plus
any ``land`` polygons, decide what is land. Everywhere else GSHHG masks land
as usual. Land polygons (``land=``) always mask, ports or not.

:func:`save_detections` writes the detections as *candidate* sightings:
confidence ``possible``, source ``detector: shipsight-cfar``, the scene's id
and acquisition time, the object's pixel (sub-pixel centroid, 0.0 = centre
of the first pixel), length, hull axis as heading, and score, width and
brightness in the note. The analyst confirms (edit ``--confidence``) or
dismisses (``retract``) them like any other sighting. Re-running never
duplicates: a detection within ``tol_px`` pixels of an earlier detector
sighting of the same scene (retracted ones too, so a dismissed candidate
stays dismissed) is not saved again.

Saving needs a registered scene (the sightings' time is its acquisition
time, and the scene is the evidence). Without ``scene_id``, the image is
looked up among the registered scenes by path, then by SHA-256; if it is
not there it is registered, under its file name, provided its tags carry
the acquisition time (a file whose only time is ``TIFFTAG_DATETIME`` --
often the file's creation -- is refused: register it with ``shipsight scenes
add IMAGE --acquired ...`` first). Registration and sightings are one
transaction.

Example
-------
>>> import tempfile, os
>>> from shipsight.store import open_store
>>> from shipsight.imagery.synth import make_scene
>>> tmp = tempfile.mkdtemp()
>>> img = os.path.join(tmp, "sea.tif")
>>> _ = make_scene(img, width=400, height=400, n_ships=2, ship_db=14, seed=3)
>>> store = open_store(os.path.join(tmp, "log.db"))
>>> from shipsight.scenes import add_scene
>>> _ = add_scene(store, img, acquired="2024-03-01T09:30:00Z")
>>> found = detect_scene(store, img, scene_id="sea")
>>> len(found)
2
>>> first = save_detections(store, found, scene_id="sea", analyst="kim")
>>> again = save_detections(store, found, scene_id="sea", analyst="kim")
>>> len(first.new_ids), len(again.new_ids), again.already
(2, 0, 2)
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shipsight.errors import InputError
from shipsight.store import SightingQuery

__all__ = ["DETECTOR_NAME", "SaveResult", "SceneJob", "detect_scene", "detect_path", "detect_scenes", "scene_jobs",
           "unsearched_scenes", "save_detections", "ship_count", "find_scene_for_file", "detector_source"]

#: The detector's name in a sighting's ``source`` (``detector: NAME``).
DETECTOR_NAME = "shipsight-cfar"
_SOURCE_PREFIX = "detector: "


def detector_source(name=DETECTOR_NAME):
    """The ``source`` of the sightings a detector saves.

    >>> detector_source()
    'detector: shipsight-cfar'
    """
    return f"{_SOURCE_PREFIX}{name}"


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save_detections` did.

    Attributes
    ----------
    new_ids : list of int
        The sightings created, in the detections' order.
    already : int
        Detections not saved because the log already holds them.
    scene_id : str
        The scene they were saved under.
    registered : bool
        True if the scene was registered by this call.
    """

    new_ids: list = field(default_factory=list)
    already: int = 0
    scene_id: str | None = None
    registered: bool = False


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _scene_and_path(store, image, scene_id):
    """The scene (dict or None) and the file to read; the scene's file checked unchanged."""
    from shipsight.digest import sha256_file
    from shipsight.scenes import check_scene_unchanged, get_scene

    if scene_id is None:
        if image is None:
            raise InputError("give an image file or --scene ID", where="IMAGE")
        if not Path(image).exists():
            raise InputError("no such file or folder", where=str(image))
        return None, os.fspath(image)
    scene = get_scene(store, scene_id)
    if image is None or _same_file(image, scene["path"]):
        check_scene_unchanged(scene)  # evidence: the registered bytes, nothing else
        return scene, os.fspath(scene["path"])
    if not Path(image).is_file():
        raise InputError("no such file", where=str(image))
    if sha256_file(image) != str(scene["sha256"]).lower():
        raise InputError(f"is not the file registered as scene {scene['id']} (sha256 differs); drop --scene, "
                         f"or register this file with 'shipsight scenes add {image} --id NEW_ID'", where=str(image))
    return scene, os.fspath(image)


def detect_scene(store, path_or_scene=None, *, scene_id=None, band=None, kind="auto", pfa=1e-6, guard_m=500.0,
                 background_m=800.0, min_length_m=None, max_length_m=600.0, land=None, use_landmask=True,
                 use_ports=True, use_infra=True, structure_radius_m=None, min_confidence=0.0, ambiguity_m=None,
                 keep_suppressed=False, water_from_image=True, tile=4096, workers=1, progress=None, units="auto",
                 offset=None, scale=None, polarisation=None, denoise=False, height_m=0.0):
    """Detect ships in an image file or a registered scene, with the log's ports and structures.

    Parameters
    ----------
    store : Store
        The log: port polygons, and the scene when ``scene_id`` is given.
    path_or_scene : str or Path, optional
        The image file. May be left out when ``scene_id`` names a registered
        scene (its recorded file is read then).
    scene_id : str, optional, keyword-only
        A registered scene. Its file is checked against the recorded SHA-256
        first; an ``path_or_scene`` given too must be that same file.
    band, kind, pfa, guard_m, background_m, min_length_m, max_length_m, land, use_landmask, water_from_image, tile, workers
        As :func:`shipsight.imagery.detect.detect`.
    units, offset, scale, polarisation, denoise, height_m
        As :func:`shipsight.imagery.detect.detect`. A registered scene is
        reopened as it was registered (its polarisation, RPC height and
        fill) unless these say otherwise.
    use_ports : bool
        Pass the store's port polygons as harbours: inside them the image,
        not GSHHG, says where the water is (``land`` polygons still mask).
    use_infra : bool
        Suppress detections near the log's accepted structures
        (:func:`shipsight.infra.layer.structures_near_scene`), each within its
        radius for the scene's sensor.
    structure_radius_m : float, optional
        One suppression radius for every structure, overriding theirs.
    min_confidence, ambiguity_m, keep_suppressed
        As :func:`shipsight.imagery.detect.detect`.
    progress : callable, optional
        ``progress(done_tiles, total_tiles)``.

    Returns
    -------
    GeoDataFrame
        As :func:`~shipsight.imagery.detect.detect`; ``attrs`` also hold
        ``scene_id`` (None for an unregistered file), ``ports_used`` and
        ``structures_used``.

    Raises
    ------
    InputError
        Missing, non-raster, ungeoreferenced or all-nodata image; unknown or
        changed scene; a file that is not the named scene's; bad parameters.

    Examples
    --------
    >>> found = detect_scene(store, "S1A_20210105.tif")            # doctest: +SKIP
    >>> found = detect_scene(store, scene_id="port_la_2021-01-05") # doctest: +SKIP
    """
    scene, path = _scene_and_path(store, path_or_scene, scene_id)
    return detect_path(path, scene=scene, harbours=_harbours(store) if use_ports else None,
                       structures=_structures(store) if use_infra else None,
                       polarisation=polarisation, denoise=denoise, height_m=height_m, band=band, kind=kind, pfa=pfa,
                       guard_m=guard_m, background_m=background_m, min_length_m=min_length_m,
                       max_length_m=max_length_m, land=land, use_landmask=use_landmask,
                       water_from_image=water_from_image, tile=tile, workers=workers, progress=progress, units=units,
                       offset=offset, scale=scale, structure_radius_m=structure_radius_m, min_confidence=min_confidence,
                       ambiguity_m=ambiguity_m, keep_suppressed=keep_suppressed)


def _harbours(store):
    """The store's port polygons as WKB (what a worker elsewhere can take), or None."""
    import shapely

    ports = store.ports()
    return tuple(shapely.to_wkb(ports.geometry.values)) if len(ports) else None


def _structures(store):
    """The store's accepted structures (a GeoDataFrame a worker can take), or None."""
    rows = store.structures(status="accepted")
    return rows if len(rows) else None


def detect_path(path, *, scene=None, check=False, harbours=None, structures=None, polarisation=None, denoise=False,
                height_m=0.0, **options):
    """Detect ships in one image or product with the given harbours (WKB port polygons) and
    structures (the accepted ones, any extent); no store needed, so a Dask worker can run it.

    ``scene`` is the registered scene's record (or None): it is reopened the way it was read
    when registered and, with ``check``, first checked against its SHA-256 (a registered
    scene's evidence is its recorded bytes). ``options`` are those of
    :func:`shipsight.imagery.detect.detect`.
    """
    import geopandas as gpd
    import shapely

    from shipsight.imagery.detect import detect
    from shipsight.imagery.products import open_product, reopen

    if scene is not None and check:
        from shipsight.scenes import check_scene_unchanged

        check_scene_unchanged(scene)
    if scene is not None and scene.get("product"):
        how = dict(scene["product"])
        how.update(polarisation=polarisation or how.get("polarisation"),
                   denoise=denoise or how.get("denoise", False), height_m=height_m or how.get("height_m", 0.0))
        product = reopen(path, how)
    else:
        product = open_product(path, polarisation=polarisation, denoise=denoise, height_m=height_m)
    geoms = None if not harbours else gpd.GeoSeries(shapely.from_wkb(list(harbours)), crs="EPSG:4326")
    if structures is not None:
        from shipsight.infra.layer import structures_near_scene

        structures = structures_near_scene(structures, product)
    found = detect(path, harbours=geoms, product=product, structures=structures, **options)
    found.attrs["scene_id"] = None if scene is None else scene["id"]
    found.attrs["file"] = product.hash_path  # the file a scene registered from it would hash
    found.attrs["product_options"] = {k: product.options.get(k) for k in ("polarisation", "height_m")}
    found.attrs["ports_used"] = found.attrs.get("harbours", 0)
    found.attrs["structures_used"] = 0 if structures is None else len(structures)
    return found


@dataclass(frozen=True)
class SceneJob:
    """One scene of a many-scene detection: the file, and its registered scene's record if any."""

    path: str
    scene: dict | None = None

    @property
    def scene_id(self):
        return None if self.scene is None else self.scene["id"]


def unsearched_scenes(store, *, detector_name=DETECTOR_NAME):
    """Registered scenes the detector has not searched with ``--save`` yet (ids, by acquisition)."""
    scenes = store.scenes()
    if scenes.empty:
        return []
    done = store.searched_scenes(detector=detector_source(detector_name))
    return [s for s in scenes.sort_values(["acquired", "id"])["id"].astype(str) if s not in done]


def scene_jobs(store, images=(), scene_ids=()):
    """The scenes to search: image files (matched to registered scenes by path, then SHA-256)
    and registered scene ids, each once, in the order given."""
    from shipsight.scenes import get_scene

    jobs, seen = [], set()
    for image in images:
        if not Path(image).exists():
            raise InputError("no such file", where=str(image))
        job = SceneJob(os.fspath(image), find_scene_for_file(store, image))
        key = job.scene_id or os.path.realpath(job.path)
        if key not in seen:
            seen.add(key)
            jobs.append(job)
    for scene_id in scene_ids:
        scene = get_scene(store, scene_id)
        if scene["id"] not in seen:
            seen.add(scene["id"])
            jobs.append(SceneJob(os.fspath(scene["path"]), scene))
    return jobs


def _detect_job(job, *, harbours, structures, options):
    return detect_path(job.path, scene=job.scene, check=job.scene is not None, harbours=harbours,
                       structures=structures, **options)


def detect_scenes(store, jobs, *, save=False, analyst=None, scheduler=None, workers=1, use_ports=True,
                  use_infra=True, progress=None, on_scene=None, **options):
    """Detect ships in many scenes, on Dask workers; save each scene's in one transaction here.

    Each scene is a partition (:func:`shipsight.cluster.run_partitions`): a worker
    reads the file (it must reach the same path) and returns the detections;
    this process saves them (:func:`save_detections`) and records the search, in
    one transaction per scene, so a dead worker loses nothing and a rerun saves
    nothing twice.

    Parameters
    ----------
    jobs : list of SceneJob
        From :func:`scene_jobs`.
    save : bool
        Save the detections as candidate sightings (else only return them).
    use_ports, use_infra : bool
        As :func:`detect_scene`: the store's port polygons and accepted structures go to every worker.
    on_scene : callable, optional
        ``on_scene(job, detections, save_result_or_None)`` per scene, as it is done.
    options
        Detector options of :func:`shipsight.imagery.detect.detect` (each scene on one
        process: parallel over scenes, not tiles).

    Returns
    -------
    list of (SceneJob, GeoDataFrame, SaveResult or None)
        In the order of ``jobs`` (each was saved as it finished).
    """
    from shipsight.cluster import run_partitions

    done = []

    def write(job, found):
        saved = None
        if save:
            with store.transaction():
                saved = save_detections(store, found, scene_id=job.scene_id, analyst=analyst)
                store.record_search(saved.scene_id, detector=detector_source(), found=ship_count(found),
                                    saved=len(saved.new_ids), analyst=analyst or _default_analyst())
        done.append((job, found, saved))
        if on_scene:
            on_scene(job, found, saved)

    run_partitions(_detect_job, jobs, write=write, scheduler=scheduler, workers=workers, progress=progress,
                   shared={"harbours": _harbours(store) if use_ports else None,
                           "structures": _structures(store) if use_infra else None,
                           "options": dict(options, workers=1)})
    order = {id(job): k for k, job in enumerate(jobs)}
    return sorted(done, key=lambda d: order[id(d[0])])


def ship_count(found):
    """How many detections are ships (not suppressed as structures, side lobes...).

    >>> import pandas as pd
    >>> ship_count(pd.DataFrame({"suppressed": ["", "structure", ""]}))
    2
    """
    return int((found["suppressed"] == "").sum()) if "suppressed" in found else len(found)


def _default_analyst():
    from shipsight.model.sightings import default_analyst

    return default_analyst()


def find_scene_for_file(store, path):
    """The registered scene whose file is ``path``: by path (file unchanged), else by SHA-256; or None.

    >>> find_scene_for_file(store, "S1A_20210105.tif")["id"]   # doctest: +SKIP
    'S1A_20210105'
    """
    from shipsight.digest import sha256_file

    scenes = store.scenes()
    if scenes.empty:
        return None
    digest = None
    same_path = np.array([_same_file(path, p) for p in scenes["path"]], dtype=bool)  # one stat per scene
    candidates = scenes[same_path]
    if len(candidates):
        digest = sha256_file(path)
        hit = candidates[candidates["sha256"].str.lower() == digest]
        if len(hit):
            return _scene(store, hit["id"].iloc[0])
    digest = digest or sha256_file(path)
    hit = scenes[scenes["sha256"].str.lower() == digest]
    return _scene(store, hit["id"].iloc[0]) if len(hit) else None


def _scene(store, scene_id):
    from shipsight.scenes import get_scene

    return get_scene(store, scene_id)


def _register(store, path, analyst, options=None):
    """Register ``path`` under its product or file name; refuse without a trustworthy acquisition time."""
    from shipsight.scenes import add_scene

    opts = {k: v for k, v in (options or {}).items() if v is not None}
    info = add_scene(store, path, analyst=analyst, **opts)
    if info.acquired is None or info.acquired_source == "tag:TIFFTAG_DATETIME":
        why = ("has no acquisition time in its tags" if info.acquired is None else
               "has only TIFFTAG_DATETIME, which may be when the file was made")
        # Raised inside the caller's transaction: the registration is rolled back.
        raise InputError(f"is not a registered scene and {why}; register it first with "
                         f"'shipsight scenes add {path} --acquired TIME', then run detect with --scene ID",
                         where=str(path))
    return info.id


def _notes(d, name):
    """One note per detection, built column-wise."""
    def fmt(values, spec):
        return pd.Series(np.asarray(values, dtype=float)).map(spec.format)

    unit = " dB" if d.attrs.get("input_db") else ""
    conf = ("confidence " + fmt(d["confidence"], "{:.2f}") + "; ") if "confidence" in d else ""
    return (f"{name}: " + conf + "score " + fmt(d["score"], "{:.1f}") + " dB over clutter; length "
            + fmt(d["length_m"], "{:.0f}") + " m, width " + fmt(d["width_m"], "{:.0f}") + " m; hull axis "
            + fmt(d["heading_axis_deg"], "{:.0f}") + " deg (bow unknown, may be +180); peak "
            + fmt(d["peak"], "{:.4g}") + unit + ", background " + fmt(d["background"], "{:.4g}") + unit + "; "
            + pd.Series(np.asarray(d["n_pixels"], dtype=np.int64)).astype(str) + " px").to_numpy(dtype=object)


def save_detections(store, detections, *, scene_id=None, analyst=None, detector_name=DETECTOR_NAME, tol_px=2.0):
    """Save detections as candidate sightings of a scene, skipping those already in the log.

    Parameters
    ----------
    store : Store
    detections : GeoDataFrame
        From :func:`detect_scene` or :func:`~shipsight.imagery.detect.detect`;
        rows whose ``suppressed`` column is set (structures, side lobes...) are not saved.
    scene_id : str, optional, keyword-only
        The registered scene they come from. Default: ``detections.attrs
        ["scene_id"]``, else the scene whose file is ``attrs["source"]``
        (by path, then SHA-256), else that file is registered now.
    analyst : str, optional
        Who ran the detector (default: the OS user).
    detector_name : str
        Written as ``source = "detector: NAME"``.
    tol_px : float
        A detection within this many pixels of an earlier detector sighting
        of the same scene (active or retracted) is the same object.

    Returns
    -------
    SaveResult

    Raises
    ------
    InputError
        Unknown scene, a scene without acquisition time, an unregistered
        file that cannot be registered. Nothing is written then.

    Examples
    --------
    >>> r = save_detections(store, found, scene_id="sea", analyst="kim")   # doctest: +SKIP
    >>> r.new_ids, r.already                                               # doctest: +SKIP
    ([1, 2], 0)
    """
    from scipy.spatial import cKDTree

    from shipsight.model.sightings import default_analyst, validate_sightings
    from shipsight.scenes import get_scene

    analyst = analyst or default_analyst()
    source = detector_source(detector_name)
    if "suppressed" in detections:
        detections = detections[detections["suppressed"].fillna("") == ""]
    scene_id = scene_id or detections.attrs.get("scene_id")
    with store.transaction():
        registered = False
        if scene_id is None:
            path = detections.attrs.get("source")
            if path is None:
                raise InputError("say which scene the detections come from (scene_id)", where="--scene")
            scene = find_scene_for_file(store, detections.attrs.get("file") or path)
            if scene is None:
                scene_id = _register(store, path, analyst, detections.attrs.get("product_options"))
                registered = True
            else:
                scene_id = scene["id"]
        scene = get_scene(store, scene_id)
        if scene["acquired"] is None:
            raise InputError(f"scene {scene_id} has no acquisition time on record, so its sightings would have "
                             "none; register the file again with --acquired under a new --id", where="--scene")
        if len(detections) == 0:
            return SaveResult([], 0, scene_id, registered)

        rows = detections["row"].to_numpy(dtype=float)
        cols = detections["col"].to_numpy(dtype=float)
        already = np.zeros(len(detections), dtype=bool)
        minx, miny, maxx, maxy = scene["footprint"].bounds
        old = store.sightings(SightingQuery(bbox=(minx, miny, maxx, maxy), include_retracted=True))
        old = old[(old["scene_id"] == scene_id).fillna(False).to_numpy(dtype=bool)
                  & old["source"].fillna("").str.startswith(_SOURCE_PREFIX).to_numpy(dtype=bool)
                  & old["pixel_row"].notna().to_numpy() & old["pixel_col"].notna().to_numpy()]
        if len(old):
            tree = cKDTree(np.column_stack([old["pixel_row"].to_numpy(float), old["pixel_col"].to_numpy(float)]))
            dist, _ = tree.query(np.column_stack([rows, cols]), k=1, distance_upper_bound=tol_px)
            already = np.isfinite(dist)
        new = detections[~already]
        if len(new) == 0:
            return SaveResult([], int(already.sum()), scene_id, registered)
        frame = pd.DataFrame({
            "time": [scene["acquired"].isoformat()] * len(new),
            "lon": new["lon"].to_numpy(float), "lat": new["lat"].to_numpy(float),
            "length_m": new["length_m"].to_numpy(float),
            # The hull's axis (0-180): the bow's end is not known; the note says so.
            "heading": new["heading_axis_deg"].to_numpy(float),
            "confidence": "possible", "source": source, "scene_id": scene_id,
            "pixel_row": new["row"].to_numpy(float), "pixel_col": new["col"].to_numpy(float),
            "analyst": analyst, "note": _notes(new, detector_name),
        })
        clean, problems = validate_sightings(frame, analyst=analyst)
        if problems:  # our bug, not the user's: the detector produced an invalid field
            pos, fld, reason = problems[0]
            raise RuntimeError(f"detection {pos} gave an invalid sighting ({fld}: {reason})")
        ids = store.add_sightings(clean, analyst=analyst, source=f"{source} on {scene['path']}",
                                  sha256=scene.get("sha256"))
    return SaveResult([int(i) for i in ids], int(already.sum()), scene_id, registered)
