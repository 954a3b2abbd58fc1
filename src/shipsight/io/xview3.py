"""Read vessel detections in the xView3 layout, or Ai2's vessel-detection-sentinels output.

Two layouts are understood (columns found by name, any order):

- **Ai2** ``predictions.csv`` (allenai/vessel-detection-sentinels): ``lon``,
  ``lat``, ``score``, ``vessel_length_m``, ``vessel_width_m``,
  ``heading_bucket_0`` .. ``heading_bucket_15``, ``vessel_speed_k``,
  ``is_fishing_vessel``, ``row``/``column`` (pixel in the original scene
  raster), ``preprocess_row``/``preprocess_column`` (pixel in Ai2's warped
  copy; not used), ``orientation``, ``meters_per_pixel``, ``detect_id``,
  ``scene_id``.
- **xView3** labels: ``detect_lon``, ``detect_lat``, ``detect_scene_row``,
  ``detect_scene_column``, ``vessel_length_m``, ``is_vessel``, ``is_fishing``,
  ``confidence`` (HIGH/MEDIUM/LOW), ``source``, ``distance_from_shore_km``,
  ``scene_id``. Rows with ``is_vessel`` false (platforms, buoys) are left out;
  ``df.attrs["skipped_not_vessel"]`` counts them.
- **xView3 reference predictions** (``reference/inference.py``): pixels only,
  ``detect_scene_row``, ``detect_scene_column``, ``scene_id``, ``is_vessel``,
  ``is_fishing``, ``vessel_length_m``; no lon/lat. ``lon``/``lat`` are NaN
  then: the rows are placed through their registered scene by pixel
  (:func:`shipsight.scenes.resolve_detector_scenes`).

Heading: Ai2's attribute model gives probabilities over 16 buckets of 22.5
degrees, bucket ``k`` covering ``[22.5 k, 22.5 (k+1))`` degrees from true north
(its training target is ``heading * 16 // 360``). ``heading`` is the centre of
the most probable bucket; its probability goes into ``note``. The model was
trained to spread weight onto the opposite bucket, so bow and stern may be
swapped: treat it as a course *line* unless the probability is high. When
``orientation`` is non-zero (image not north-up) no heading is given.

Time: taken from the first ``YYYYMMDDTHHMMSS`` stamp in ``scene_id``
(Sentinel-1/2 product names start with the sensing start, UTC). Scene ids
without one (xView3's hashed ids) give NaT: the caller must supply the time
(e.g. a ``--time`` option, or the registered scene's acquisition time).
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from shipsight.errors import InputError, RowErrors

__all__ = ["read_xview3", "COLUMNS"]

#: Columns of the returned frame, in order.
COLUMNS = (
    "time",
    "lon",
    "lat",
    "length_m",
    "heading",
    "confidence",
    "source",
    "scene",
    "note",
    "pixel_row",
    "pixel_col",
)

_BUCKETS = [f"heading_bucket_{i}" for i in range(16)]
_STAMP = re.compile(r"(\d{8}T\d{6})")


def _pick(columns, *names):
    for name in names:
        if name in columns:
            return name
    return None


def _scene_times(scene_ids):
    """UTC time of each scene id's first ``YYYYMMDDTHHMMSS`` stamp, NaT when none."""
    stamps = scene_ids.astype("string").str.extract(_STAMP, expand=False)
    times = pd.to_datetime(stamps, format="%Y%m%dT%H%M%S", errors="coerce", utc=True)
    return times.astype("datetime64[us, UTC]")


def _fmt(series, spec, label, suffix=""):
    """``"label value suffix"`` per row, empty where the value is missing."""
    values = pd.to_numeric(series, errors="coerce")
    text = values.map(lambda v: f"{label} {v:{spec}}{suffix}", na_action="ignore")
    return text.fillna("").astype(str)


def _join_notes(parts, index):
    notes = pd.Series("", index=index, dtype=str)
    for part in parts:
        sep = np.where((notes != "") & (part != ""), "; ", "")
        notes = notes + sep + part
    return notes


def read_xview3(path, *, source=None):
    """Read an xView3 / Ai2 vessel-detection CSV into sighting import columns.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    source : str, optional, keyword-only
        The ``source`` written on every row; default ``"detector: ai2
        vessel-detection-sentinels"`` for Ai2 files, ``"detector: xview3"``
        otherwise.

    Returns
    -------
    pandas.DataFrame
        One row per detection, columns :data:`COLUMNS`: ``time``
        (datetime64[us, UTC], NaT when the scene id carries no time),
        ``lon``/``lat`` (float, degrees; NaN in a pixels-only file), ``length_m`` (float, NaN if absent),
        ``heading`` (float degrees from true north, NaN if not derivable),
        ``confidence`` (always ``"possible"``: a machine detection is unreviewed),
        ``source``, ``scene`` (the scene id), ``note`` (score, width, speed,
        fishing probability, heading probability, detect id...),
        ``pixel_row``/``pixel_col`` (Int64 pixel of the original scene, as
        integers -> pixel centres in :mod:`shipsight.imagery.pixels`; NA if absent).

    Raises
    ------
    InputError
        Unreadable file, or columns missing (all of them named).
    RowErrors
        Rows whose position is not a number or out of range (all of them listed).

    Examples
    --------
    >>> df = read_xview3("predictions.csv")             # doctest: +SKIP
    >>> df.loc[0, ["scene", "length_m", "heading"]].tolist()  # doctest: +SKIP
    ['S1B_IW_GRDH_1SDV_20211130T025211_...', 234.3, 213.75]
    """
    path = Path(path)
    where = str(path)
    try:
        raw = pd.read_csv(path, dtype={"scene_id": "string", "detect_id": "string"})
    except FileNotFoundError:
        raise InputError("no such file", where=where) from None
    except (pd.errors.EmptyDataError, UnicodeDecodeError):
        raise InputError("is empty or not a text CSV; expected an xView3/Ai2 detection CSV", where=where) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"is not a readable CSV ({str(exc).splitlines()[0]})", where=where) from None

    cols = set(raw.columns)
    lon_c = _pick(cols, "lon", "detect_lon")
    lat_c = _pick(cols, "lat", "detect_lat")
    row_c = _pick(cols, "detect_scene_row", "row")
    col_c = _pick(cols, "detect_scene_column", "column")
    pixels_only = lon_c is None and lat_c is None and row_c is not None and col_c is not None
    missing = []
    if lon_c is None and not pixels_only:
        missing.append("lon (or detect_lon)")
    if lat_c is None and not pixels_only:
        missing.append("lat (or detect_lat)")
    if "scene_id" not in cols:
        missing.append("scene_id")
    if missing:
        raise InputError(
            f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}; "
            "expected the xView3 / Ai2 vessel-detection layout",
            where=where,
        )
    is_ai2 = any(c in cols for c in _BUCKETS) or "preprocess_row" in cols

    skipped = 0
    if "is_vessel" in cols:
        flag = raw["is_vessel"].astype("string").str.strip().str.lower()
        not_vessel = flag.isin(["false", "0", "0.0", "no", "f"]).to_numpy()
        skipped = int(not_vessel.sum())
        raw = raw.loc[~not_vessel]
    rownum = raw.index.to_numpy() + 2  # as the user sees the file: header is row 1
    raw = raw.reset_index(drop=True)

    problems = []
    if pixels_only:
        lon = lat = np.full(len(raw), np.nan)
        checks = [(name, pd.to_numeric(raw[name], errors="coerce").to_numpy(dtype=float), None)
                  for name in (row_c, col_c)]
        problems += [(int(rownum[i]), name, f"{raw.at[i, name]!r} is not a pixel number")
                     for name, values, _ in checks for i in np.flatnonzero(~np.isfinite(values))]
    else:
        lon = pd.to_numeric(raw[lon_c], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(raw[lat_c], errors="coerce").to_numpy(dtype=float)
    for name, values, limit in (() if pixels_only else ((lon_c, lon, 180.0), (lat_c, lat, 90.0))):
        bad = ~(np.isfinite(values) & (np.abs(values) <= limit))
        problems += [
            (int(rownum[i]), name, f"{raw.at[i, name]!r} is not a {'longitude' if limit == 180 else 'latitude'} "
             f"in [-{limit:g}, {limit:g}]")
            for i in np.flatnonzero(bad)
        ]
    scene = raw["scene_id"].astype("string").str.strip()
    problems += [(int(rownum[i]), "scene_id", "is blank; every detection needs its scene")
                 for i in np.flatnonzero(scene.isna().to_numpy() | (scene == "").fillna(True).to_numpy())]
    if problems:
        problems.sort()
        raise RowErrors(where, problems)

    idx = raw.index
    length = (pd.to_numeric(raw["vessel_length_m"], errors="coerce") if "vessel_length_m" in cols
              else pd.Series(np.nan, index=idx))

    heading = pd.Series(np.nan, index=idx)
    heading_note = pd.Series("", index=idx, dtype=str)
    if all(c in cols for c in _BUCKETS):
        probs = raw[_BUCKETS].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(probs).all(axis=1)
        best = np.argmax(np.where(np.isfinite(probs), probs, -1.0), axis=1)
        p_best = probs[np.arange(len(probs)), best] if len(probs) else np.array([])
        rotated = np.zeros(len(idx), dtype=bool)
        if "orientation" in cols:
            rotated = pd.to_numeric(raw["orientation"], errors="coerce").fillna(0).to_numpy() != 0
        use = ok & ~rotated
        heading = pd.Series(np.where(use, best * 22.5 + 11.25, np.nan), index=idx)
        heading_note = pd.Series(
            np.where(use, np.char.mod("heading bucket p %.2f (bow/stern may be swapped)", p_best), ""),
            index=idx, dtype=str,
        )
        heading_note = heading_note.where(~rotated, "no heading: image not north-up")

    parts = []
    if is_ai2:
        parts += [
            _fmt(raw.get("score", pd.Series(index=idx, dtype=float)), ".3f", "score"),
            _fmt(raw.get("vessel_width_m", pd.Series(index=idx, dtype=float)), ".1f", "width", " m"),
            _fmt(raw.get("vessel_speed_k", pd.Series(index=idx, dtype=float)), ".1f", "speed", " kn"),
            _fmt(raw.get("is_fishing_vessel", pd.Series(index=idx, dtype=float)), ".2f", "fishing p"),
            heading_note,
        ]
    else:
        for name, label in (("confidence", "xview3 confidence"), ("is_fishing", "is_fishing"),
                            ("source", "label source")):
            if name in cols:
                parts.append(raw[name].astype("string").map(lambda v, lab=label: f"{lab} {v}",
                                                            na_action="ignore").fillna("").astype(str))
        if "distance_from_shore_km" in cols:
            parts.append(_fmt(raw["distance_from_shore_km"], ".1f", "from shore", " km"))
        if "score" in cols:
            parts.append(_fmt(raw["score"], ".3f", "score"))
    if "detect_id" in cols:
        parts.append(raw["detect_id"].astype("string").map(lambda v: f"detect_id {v}", na_action="ignore")
                     .fillna("").astype(str))
    note = _join_notes(parts, idx)

    def pixel(name):
        if name is None:
            return pd.Series(pd.NA, index=idx, dtype="Int64")
        return pd.to_numeric(raw[name], errors="coerce").round().astype("Int64")

    if source is None:
        source = "detector: ai2 vessel-detection-sentinels" if is_ai2 else "detector: xview3"

    out = pd.DataFrame(
        {
            "time": _scene_times(scene),
            "lon": lon,
            "lat": lat,
            "length_m": length.astype(float),
            "heading": heading.astype(float),
            "confidence": "possible",
            "source": str(source),
            "scene": scene.astype(str),
            "note": note,
            "pixel_row": pixel(row_c),
            "pixel_col": pixel(col_c),
        },
        columns=list(COLUMNS),
    )
    out.attrs["skipped_not_vessel"] = skipped
    out.attrs["pixels_only"] = pixels_only
    out.attrs["file_rows"] = rownum  # as the user sees the file, skipped rows counted
    return out
