"""Scenes in the log: registering them, logging from their pixels, coverage, evidence chips.

The library behind ``shipsight scenes`` and ``shipsight chip``; the raster work
itself is in :mod:`shipsight.imagery` (:func:`~shipsight.imagery.scene.read_scene`,
:func:`~shipsight.imagery.pixels.check_pixel_in_scene`,
:func:`~shipsight.imagery.chips.render_chip`).

A scene is registered with the SHA-256 of its file. Whatever *uses* the file
afterwards (logging from a pixel, cutting a chip) first checks that the file is
still there and still the same bytes, and refuses otherwise: a transform or an
image that no longer matches the record would put a sighting in the wrong place
or show evidence that is not the registered scene.

Pixels
------
``pixel=(row, col)`` takes **integers**, counted from 0 at the top-left: they
name a pixel and stand for its centre (see :mod:`shipsight.imagery.pixels`).
Sightings logged from a pixel store ``scene_id``, ``pixel_row`` and
``pixel_col`` as given. For a sub-pixel position, log ``lon``/``lat`` instead.

>>> import tempfile, os
>>> from shipsight.store import open_store
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "log.db"))
>>> len(scenes_covering(store, 130.3, 42.24))
0
"""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError, NotFoundError
from shipsight.model import check_lonlat
from shipsight.model.sightings import default_analyst
from shipsight.store import SightingQuery

__all__ = [
    "add_scene",
    "get_scene",
    "check_scene_unchanged",
    "scene_file_status",
    "resolve_pixel",
    "pixel_fields",
    "scenes_covering",
    "scenes_covering_sighting",
    "sightings_in_scene",
    "resolve_detector_scenes",
    "ChipOutput",
    "cut_chip",
]


# ------------------------------------------------------------ registering


def add_scene(store, path, *, stac=None, acquired=None, sensor=None, scene_id=None, analyst=None, polarisation=None,
              height_m=0.0, tz=None):
    """Register a raster product as a scene and return what was read from it.

    Parameters
    ----------
    store : Store
        The log.
    path : str or Path
        A raster file, a Sentinel-1/2 ``.SAFE`` folder or zip, or a STAC Item
        (see :func:`~shipsight.imagery.scene.read_scene`); the absolute path
        of the file hashed is recorded (the measurement TIFF of a SAFE
        folder, the zip of a zipped one).
    stac : str, Path or dict, optional, keyword-only
        The scene's STAC Item: id, acquisition time (or range) and sensor.
    acquired : str or datetime, optional, keyword-only
        Acquisition time with a zone (or ``tz``); overrides the STAC Item and the file's tags.
    tz : str, optional, keyword-only
        Zone of ``acquired`` or of a STAC Item time written without one.
    sensor : str, optional, keyword-only
        Sensor or platform; overrides the STAC Item and the tags.
    scene_id : str, optional, keyword-only
        The id; default the STAC Item id, else the file stem.
    analyst : str, optional, keyword-only
        Who registers it (default: the OS user), for the audit log.
    polarisation : str, optional, keyword-only
        Sentinel-1: which measurement (VV by default where present).
    height_m : float, keyword-only
        RPC-only images: the ground height they are placed at (0, about sea level).

    Returns
    -------
    SceneInfo
        As read by :func:`~shipsight.imagery.scene.read_scene`; check
        ``acquired_source``: ``"tag:TIFFTAG_DATETIME"`` may be the file's
        creation time rather than the acquisition.

    Raises
    ------
    InputError
        Not a raster, no georeferencing, unknown CRS, truncated file, a bad
        STAC Item, or an id already registered. Nothing is stored.

    Examples
    --------
    >>> info = add_scene(store, "S2B_20230414_sf.tif", acquired="2023-04-14T18:59:19Z")  # doctest: +SKIP
    >>> info.id, round(info.gsd_m, 1)                                                     # doctest: +SKIP
    ('S2B_20230414_sf', 7.9)
    """
    from shipsight.imagery.scene import read_scene

    if scene_id is not None and not str(scene_id).strip():
        raise InputError("a scene id cannot be blank", where="--id")
    info = read_scene(path, stac=stac, acquired=acquired, sensor=sensor, polarisation=polarisation,
                      height_m=height_m, scene_id=None if scene_id is None else str(scene_id).strip(), tz=tz)
    record = {
        "id": info.id,
        "path": info.path,
        "sensor": info.sensor,
        "acquired": info.acquired,
        "crs": info.crs,
        "transform": None if info.transform is None else list(info.transform),
        "width": info.width,
        "height": info.height,
        "count": info.count,
        "dtypes": list(info.dtypes),
        "nodata": info.nodata,
        "gsd_m": info.gsd_m,
        "sha256": info.sha256,
        "stac": info.stac,
        "footprint": info.footprint,
        "time_start": info.time_start,
        "time_end": info.time_end,
        "product": {**info.product, "georef": info.georef},
    }
    store.add_scene(record, analyst=analyst or default_analyst())
    return info


def get_scene(store, scene_id):
    """One registered scene as a dict (footprint as shapely, ``acquired`` aware or None).

    Raises :class:`~shipsight.errors.NotFoundError` for an unknown id.

    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> store = open_store(os.path.join(tempfile.mkdtemp(), "log.db"))
    >>> get_scene(store, "nope")
    Traceback (most recent call last):
    ...
    shipsight.errors.NotFoundError: unknown scene 'nope'; see 'shipsight scenes list'
    """
    frame = store.scenes(ids=[str(scene_id)])
    if frame.empty:
        raise NotFoundError(f"unknown scene {str(scene_id)!r}; see 'shipsight scenes list'")
    return _scene_dict(frame.iloc[0], frame.geometry.name)


def _scene_dict(row, geometry="geometry"):
    # numpy scalars -> Python, so the dict prints and serialises plainly.
    scene = {k: (row[k].item() if isinstance(row[k], np.generic) else row[k]) for k in row.index if k != geometry}
    scene["footprint"] = row[geometry]
    acquired = scene.get("acquired")
    scene["acquired"] = None if acquired is None or pd.isna(acquired) else pd.Timestamp(acquired).to_pydatetime()
    nodata = scene.get("nodata")
    scene["nodata"] = None if nodata is None or pd.isna(nodata) else float(nodata)
    for key in ("time_start", "time_end"):
        value = scene.get(key)
        scene[key] = None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()
    return scene


def scene_file_status(scene):
    """``"unchanged"``, ``"changed"`` or ``"missing"``: the scene's file against its recorded hash.

    Reads the whole file (streamed; memory stays flat).
    """
    from shipsight.digest import sha256_file

    path = Path(scene["path"])
    if not path.is_file():
        return "missing"
    return "unchanged" if sha256_file(path) == str(scene["sha256"]).lower() else "changed"


def check_scene_unchanged(scene):
    """Refuse a scene whose file is gone or differs from the one registered.

    Parameters
    ----------
    scene : dict
        From :func:`get_scene` (``id``, ``path``, ``sha256``).

    Raises
    ------
    InputError
        The file is missing or its SHA-256 differs, with how to mend it.

    Examples
    --------
    >>> check_scene_unchanged(get_scene(store, "S2B_sf"))   # doctest: +SKIP
    """
    status = scene_file_status(scene)
    if status == "missing":
        raise InputError(
            f"the file of scene {scene['id']} is missing; restore it to that path, or register it where it "
            f"now is with 'shipsight scenes add FILE --id NEW_ID'",
            where=str(scene["path"]),
        )
    if status == "changed":
        raise InputError(
            f"the file of scene {scene['id']} changed since it was registered (sha256 differs); restore the "
            f"original file, or register the changed one as a new scene with 'shipsight scenes add FILE --id NEW_ID'",
            where=str(scene["path"]),
        )


# ------------------------------------------------------------ pixel logging


def _check_pixel_index(value, name):
    # Integers only: a float would be a continuous coordinate, half a pixel off an index.
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"pixel {name} {value!r} is not a whole number; pixels are counted 0, 1, 2... "
                         "from the top-left (log --lon/--lat for a sub-pixel position)", where="--pixel")
    return int(value)


def resolve_pixel(store, scene_id, row, col):
    """Longitude, latitude and acquisition time of a pixel of a registered scene.

    Parameters
    ----------
    store : Store
    scene_id : str
        A registered scene.
    row, col : int
        The pixel, counted from 0 at the top-left; its centre is returned.

    Returns
    -------
    lon, lat : float
        Degrees WGS 84.
    acquired : datetime or None
        The scene's acquisition time (aware UTC), None when unknown.

    Raises
    ------
    InputError
        Unknown scene; its file missing or changed; the pixel outside the
        image or on nodata.

    Examples
    --------
    >>> resolve_pixel(store, "S2B_sf", 120, 90)             # doctest: +SKIP
    (-122.3712, 37.8031, datetime.datetime(2023, 4, 14, 18, 59, 19, tzinfo=datetime.timezone.utc))
    """
    from shipsight.imagery.pixels import check_pixel_in_scene

    row, col = _check_pixel_index(row, "row"), _check_pixel_index(col, "column")
    scene = get_scene(store, scene_id)
    check_scene_unchanged(scene)
    lon, lat = check_pixel_in_scene(scene, row, col)
    return float(lon), float(lat), scene["acquired"]


def pixel_fields(store, fields, pixel):
    """Sighting fields completed from a scene pixel: lon, lat, pixel_row/col, and defaults.

    ``fields`` must name the scene (``scene_id``) and give no position of its
    own. ``time`` defaults to the scene's acquisition time, ``source`` to its
    sensor. Used by :func:`shipsight.sightings.log_sighting` (``pixel=``).

    >>> pixel_fields(store, {"scene_id": "S2B_sf"}, (120, 90))["lon"]   # doctest: +SKIP
    -122.3712
    """
    try:
        row, col = pixel
    except (TypeError, ValueError):
        raise InputError(f"a pixel is two whole numbers, ROW COL; not {pixel!r}", where="--pixel") from None
    scene_id = fields.get("scene_id")
    if scene_id is None:
        raise InputError("a pixel needs its scene; add --scene ID (see 'shipsight scenes list')", where="--pixel")
    given = [f"--{k}" for k in ("lon", "lat", "wkt") if fields.get(k) is not None]
    if given:
        raise InputError(f"give the position once: --pixel or {'/'.join(given)}, not both", where="--pixel")
    lon, lat, acquired = resolve_pixel(store, scene_id, row, col)
    scene = get_scene(store, scene_id)
    out = {**fields, "lon": lon, "lat": lat, "pixel_row": int(row), "pixel_col": int(col)}
    if out.get("time") is None:
        start, end = scene.get("time_start"), scene.get("time_end")
        if acquired is None and start is not None and end is not None:
            raise InputError(f"scene {scene_id} spans {_utc(start)} - {_utc(end)}, not one acquisition time; give "
                             "the sighting's own time with --time (within that range)", where="--time")
        if acquired is None:
            raise InputError(f"scene {scene_id} has no acquisition time on record; give --time", where="--time")
        out["time"] = acquired.isoformat()
    if out.get("source") is None and scene.get("sensor"):
        out["source"] = scene["sensor"]
    return out


def _utc(when):
    return pd.Timestamp(when).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- coverage


def _point_key(lon, lat):
    lon, lat = check_lonlat(lon, lat)
    # Footprints are split at +-180 and stored within [-180, 180]: 180 and -180 are the same meridian.
    return shapely.Point(lon, lat)


def scenes_covering(store, lon, lat):
    """The registered scenes whose valid-data footprint covers a point.

    Footprints crossing the antimeridian are stored split at +-180, so a plain
    ``covers`` test is right on both sides of it. Points on a footprint's
    edge count as covered.

    Returns
    -------
    GeoDataFrame
        The scenes (as :meth:`Store.scenes`), ordered by acquisition time.

    Examples
    --------
    >>> scenes_covering(store, -118.2, 33.72)["id"].tolist()      # doctest: +SKIP
    ['port_la_2021-01-05_db']
    """
    point = _point_key(lon, lat)
    frame = store.scenes()
    if frame.empty:
        return frame
    hit = shapely.covers(frame.geometry.values, point)
    return frame[np.asarray(hit, dtype=bool)]


def scenes_covering_sighting(store, sighting_id):
    """The scenes covering a sighting, with ``hours_from_sighting`` (scene time minus sighting time).

    >>> scenes_covering_sighting(store, 12)[["id", "hours_from_sighting"]]   # doctest: +SKIP
    """
    sighting = store.sighting(sighting_id).iloc[0]
    frame = scenes_covering(store, sighting["lon"], sighting["lat"]).copy()
    frame["hours_from_sighting"] = (frame["acquired"] - sighting["time"]).dt.total_seconds() / 3600.0
    return frame


def sightings_in_scene(store, scene_id, *, include_retracted=False):
    """Sightings inside a scene's valid-data footprint (any time), with ``from_scene``.

    ``from_scene`` is True for sightings logged from this scene. Antimeridian
    footprints are two parts; the box query spans the globe then and the
    exact footprint test decides.

    >>> sightings_in_scene(store, "port_la_2021-01-05_db")["id"].tolist()   # doctest: +SKIP
    [4, 5, 9]
    """
    scene = get_scene(store, scene_id)
    footprint = scene["footprint"]
    minx, miny, maxx, maxy = footprint.bounds
    frame = store.sightings(SightingQuery(bbox=(minx, miny, maxx, maxy), include_retracted=include_retracted))
    inside = np.asarray(shapely.covers(footprint, frame.geometry.values), dtype=bool).reshape(len(frame))
    frame = frame[inside].copy()
    frame["from_scene"] = (frame["scene_id"] == scene["id"]).fillna(False).astype(bool)
    return frame


# ---------------------------------------------------- detector imports (xView3)


def resolve_detector_scenes(store, raw):
    """Tie detector rows (from :func:`shipsight.io.xview3.read_xview3`) to registered scenes.

    A detector's ``scene`` id is kept as ``scene_id`` only when a scene with
    that id is registered. Then a missing time is taken from the scene, and
    the stored pixel is always the scene's own: the pixel that holds the
    row's lon/lat in the registered scene (a detector's row/column may be
    in another grid -- Ai2 reports the raw radar-geometry measurement, an
    analyst may have registered a warped copy); a detector pixel that
    differs is kept in ``note``. Rows with a pixel and no lon/lat (xView3
    reference predictions) are placed through the scene's georeferencing;
    those whose pixel lies off the scene are reported, not stored.

    A scene that is not registered: its rows are imported at their lon/lat
    with ``scene`` and pixel cleared and recorded at the front of ``note``
    as ``detector scene ID, pixel row R col C``. Pixel-only rows, or rows
    without a time, cannot be placed or dated without it and are refused.

    Parameters
    ----------
    store : Store
    raw : DataFrame
        Columns ``time``, ``lon``, ``lat``, ``scene``, ``note``,
        ``pixel_row``, ``pixel_col`` at least.

    Returns
    -------
    df : DataFrame
        A copy, ready for validation.
    problems : list of (position, field, reason)
        Rows that cannot be stored (pixels off their scene).

    Raises
    ------
    InputError
        Pixel-only rows or rows without time whose scene is not registered.
    """
    df = raw.copy()
    scene = df["scene"].astype("string")
    scenes = store.scenes()
    registered = scene.isin(set(scenes["id"])).fillna(False).to_numpy(dtype=bool)
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float, copy=True)
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float, copy=True)
    det_r = pd.to_numeric(df["pixel_row"], errors="coerce").to_numpy(dtype=float)
    det_c = pd.to_numeric(df["pixel_col"], errors="coerce").to_numpy(dtype=float)
    no_pos = ~np.isfinite(lon) & np.isfinite(det_r) & np.isfinite(det_c)
    unplaced = no_pos & ~registered
    if unplaced.any():
        first = scene[unplaced].iat[0]
        raise InputError(f"its rows give pixels only (no lon/lat) of scene {first}, which is not registered; "
                         f"register that image first ('shipsight scenes add IMAGE --id {first} --acquired TIME') "
                         "so their pixels can be placed")
    undated = pd.isna(df["time"]).to_numpy() & ~registered & scene.notna().to_numpy()
    if undated.any():
        first = scene[undated].iat[0]
        raise InputError(f"scene {first} carries no time: register it with 'shipsight scenes add IMAGE --id {first} "
                         "--acquired TIME', or add a time column to the file")
    if registered.any():
        times = pd.Series(scenes["acquired"].to_numpy(), index=scenes["id"].to_numpy())
        fill = registered & pd.isna(df["time"]).to_numpy()
        df.loc[fill, "time"] = scene[fill].map(times).to_numpy()

    problems = []
    new_r, new_c = np.full(len(df), np.nan), np.full(len(df), np.nan)
    notes = df["note"].fillna("").astype(str).to_numpy(dtype=object)
    for scene_id in pd.unique(scene[registered]):
        sel = np.flatnonzero(registered & (scene == scene_id).fillna(False).to_numpy(dtype=bool))
        info = _scene_dict(scenes[scenes["id"] == scene_id].iloc[0], scenes.geometry.name)
        georef = _scene_georef(info)
        h, w = int(info["height"]), int(info["width"])
        pix = sel[no_pos[sel]]
        if pix.size:
            off = (det_r[pix] < 0) | (det_r[pix] >= h) | (det_c[pix] < 0) | (det_c[pix] >= w)
            problems += [(int(i), "detect_scene_row", f"pixel (row {int(det_r[i])}, col {int(det_c[i])}) lies off "
                          f"scene {scene_id}, which is {h} rows x {w} cols; is it the detector's scene?")
                         for i in pix[off]]
            on = pix[~off]
            lon[on], lat[on] = georef.lonlat(det_r[on] + 0.5, det_c[on] + 0.5)
            new_r[on], new_c[on] = det_r[on], det_c[on]
        placed = sel[~no_pos[sel]]
        if placed.size:
            r, c = georef.pixel(lon[placed], lat[placed])
            inside = np.isfinite(r) & (r >= 0) & (r < h) & (c >= 0) & (c < w)
            new_r[placed] = np.where(inside, np.floor(r), np.nan)
            new_c[placed] = np.where(inside, np.floor(c), np.nan)
            moved = np.isfinite(det_r[placed]) & ~(inside & (np.abs(np.floor(r) - det_r[placed]) <= 1)
                                                   & (np.abs(np.floor(c) - det_c[placed]) <= 1))
            for i in placed[moved]:
                text = f"detector pixel row {int(det_r[i])} col {int(det_c[i])} (its own grid, not scene {scene_id}'s)"
                notes[i] = text + ("; " + notes[i] if notes[i] else "")
    df["lon"], df["lat"] = lon, lat
    df["note"] = [n or None for n in notes]
    df["pixel_row"] = np.where(registered, new_r, np.nan)
    df["pixel_col"] = np.where(registered, new_c, np.nan)

    def pixel_text(r, c):
        if not (np.isfinite(r) and np.isfinite(c)):
            return ""
        return f", pixel row {int(r)} col {int(c)}"

    foreign = ~registered & scene.notna().to_numpy()
    if foreign.any():
        rows = np.flatnonzero(foreign)
        prefix = [f"detector scene {scene.iat[i]}{pixel_text(det_r[i], det_c[i])}" for i in rows]
        old = df["note"].iloc[rows].fillna("").astype(str).to_numpy()
        df.loc[foreign, "note"] = [p + ("; " + o if o else "") for p, o in zip(prefix, old)]
        df.loc[foreign, ["scene", "pixel_row", "pixel_col"]] = None
    df["pixel_row"] = df["pixel_row"].astype(object).where(pd.notna(df["pixel_row"]), None)
    df["pixel_col"] = df["pixel_col"].astype(object).where(pd.notna(df["pixel_col"]), None)
    return df, problems


def _scene_georef(scene):
    """The georeferencing of a registered scene: its file's own, else the stored geotransform."""
    from shipsight.imagery.georef import Georef
    from shipsight.imagery.products import open_dataset, reopen

    path = Path(scene["path"])
    if path.is_file():
        product = reopen(path, scene.get("product"))
        with open_dataset(product.raster) as ds:
            return product.georef(ds)
    if scene.get("transform") is None:
        check_scene_unchanged(scene)  # missing: says so, with the way out
    return Georef.affine(scene["transform"], scene["crs"], scene["height"], scene["width"])


# ------------------------------------------------------------------- chips


@dataclass(frozen=True)
class ChipOutput:
    """What :func:`cut_chip` made: the chip itself and the scene it came from."""

    chip: object  # shipsight.imagery.chips.ChipResult
    scene_id: str
    sighting_id: int


def _identity_lines(s):
    """Caption lines on the vessel and on the sighting itself."""

    def has(key):
        v = s.get(key)
        return v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA and str(v) != ""

    who = [str(s["name"]) if has("name") else "name unknown"]
    if has("imo"):
        who.append(f"IMO {s['imo']}")
    if has("mmsi"):
        who.append(f"MMSI {s['mmsi']}")
    if has("vessel_type"):
        who.append(str(s["vessel_type"]))
    if has("length_m"):
        who.append(f"{float(s['length_m']):.0f} m")
    when = pd.Timestamp(s["time"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    about = [f"Sighting {int(s['id'])}", when, f"confidence {s['confidence']}", f"analyst {s['analyst']}"]
    if has("port"):
        about.append(f"in {s['port']}")
    lines = ["Vessel: " + "  |  ".join(who), "  |  ".join(about)]
    if has("source"):
        lines.append(f"Source: {s['source']}")
    if s.get("status") == "retracted":
        lines.append(f"RETRACTED: {s.get('retracted_reason') or 'no reason recorded'}")
    return lines


def cut_chip(store, sighting_id, out_png, *, size_m=1000, geotiff=False, scene_id=None, overwrite=False,
             out_px=640, scale="auto"):
    """Cut an evidence chip for a sighting from its scene.

    Parameters
    ----------
    store : Store
    sighting_id : int
    out_png : str or Path
        The PNG to write.
    size_m : float, keyword-only
        Ground metres across the chip.
    geotiff : bool or str or Path, keyword-only
        True: also write the georeferenced crop beside the PNG (same name,
        ``.tif``); a path: write it there.
    scene_id : str, optional, keyword-only
        The scene to cut from; default the scene the sighting was logged from.
        A sighting logged from no scene needs one (the error lists those
        covering it).
    overwrite : bool, keyword-only
        Replace existing output files; otherwise they are refused.
    out_px : int, keyword-only
        PNG width in pixels.
    scale : {"auto", "db", "linear"}, keyword-only
        How SAR data is scaled; see :mod:`shipsight.imagery.chips`.

    Returns
    -------
    ChipOutput

    Raises
    ------
    InputError
        Unknown sighting or scene; the scene file missing or changed since it
        was registered (the chip must show the registered image); the sighting
        outside the scene; an output file that exists.

    Examples
    --------
    >>> out = cut_chip(store, 12, "chip_12.png", size_m=800, geotiff=True)   # doctest: +SKIP
    >>> out.chip.width, out.chip.geotiff                                     # doctest: +SKIP
    (640, 'chip_12.tif')
    """
    from shipsight.imagery.chips import render_chip

    frame = store.sighting(sighting_id)
    sighting = frame.iloc[0].to_dict()
    chosen = scene_id if scene_id is not None else sighting.get("scene_id")
    if chosen is None or (isinstance(chosen, float) and np.isnan(chosen)):
        covering = scenes_covering(store, sighting["lon"], sighting["lat"])["id"].tolist()
        hint = (f"scenes covering it: {', '.join(covering[:5])}{' ...' if len(covering) > 5 else ''}"
                if covering else "no registered scene covers it")
        raise InputError(f"sighting {int(sighting_id)} was not logged from a scene; name one with --scene ({hint})")
    scene = get_scene(store, chosen)

    out_png = Path(out_png)
    tif = None
    if geotiff is True:
        tif = out_png.with_suffix(".tif")
    elif geotiff:
        tif = Path(geotiff)
    for target in (out_png, tif):
        if target is not None and target.exists() and not overwrite:
            raise InputError("already exists; choose another name or add --overwrite", where=str(target))
    if not Path(scene["path"]).is_file():
        check_scene_unchanged(scene)  # raises the "missing" message with its mend
    try:
        result = render_chip(
            scene["path"], sighting["lon"], sighting["lat"], out_png,
            size_m=size_m, caption_lines=_identity_lines(sighting), geotiff=tif,
            expected_sha256=scene["sha256"], scene=scene, out_px=out_px, scale=scale,
        )
    except InputError as exc:
        if "changed since it was registered" in exc.message:
            # Same refusal, naming the scene and the way out.
            check_scene_unchanged(scene)
        raise
    return ChipOutput(chip=result, scene_id=str(scene["id"]), sighting_id=int(sighting_id))


def scene_summary(scene, *, sightings=None, file_status=None):
    """A flat dict describing a scene for ``scenes show`` (JSON-able)."""
    from shipsight.geodesy import geodesic_area_m2

    fp = scene["footprint"]
    out = {k: v for k, v in scene.items() if k not in ("footprint", "stac")}
    for key in ("acquired", "time_start", "time_end"):
        if isinstance(out.get(key), datetime):
            out[key] = out[key].isoformat().replace("+00:00", "Z")
    out["footprint_area_km2"] = float(geodesic_area_m2([fp])[0]) / 1e6
    out["footprint_bounds"] = [float(v) for v in fp.bounds]
    out["footprint"] = fp.wkt
    out["stac_id"] = (scene.get("stac") or {}).get("id")
    orbit = (scene.get("product") or {}).get("orbit")
    if orbit:  # SAR: what the AIS correlation's azimuth shift uses
        out["pass"] = orbit.get("pass")
        out["platform_heading_deg"] = orbit.get("platform_heading_deg")
    if sightings is not None:
        out["sightings_inside"] = int(len(sightings))
        out["sightings_from_scene"] = int(sightings["from_scene"].sum()) if len(sightings) else 0
    if file_status is not None:
        out["file"] = file_status
    return json.loads(json.dumps(out, default=str))
