"""Write shipsight layers to the GIS formats analysts open: GPKG, GeoJSON, KML, SHP, FGB, CSV, GeoParquet.

The layers are the store's GeoDataFrames (EPSG:4326): ``sightings``,
``flags``, ``ports``, ``scenes`` and ``port-calls``. Every writer keeps field
types where the format can hold them — UTC datetimes stay datetimes, integer
ids stay integers even with gaps (pandas ``Int64``) — and says in the docstring
of :func:`write_layer` what it does where a format cannot.

A format is chosen by name or by the output's extension; anything unknown is
refused with the list of what is supported (never quietly written as
something else). Output is written under a temporary name beside ``out`` and
moved into place only when complete, so a failure leaves no half file, and an
existing output is replaced only with ``overwrite=True``.
"""

import csv
import os
import shutil
import uuid
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
import geopandas as gpd

from shipsight.errors import InputError
from shipsight.geodesy import fold_antimeridian
from shipsight.io.cells import guard_formulas, unguard_formulas
from shipsight.io.formats import EXPORT_FORMATS
from shipsight.io.kml import write_kml

FORMATS = EXPORT_FORMATS

#: The layers the store hands out, and the table name each gets inside a file.
LAYERS = {"sightings": "sightings", "flags": "flags", "ports": "ports", "scenes": "scenes", "port-calls": "port_calls"}

#: Shapefile field names (dBASE allows 10 characters): original -> short name.
#: Names of 10 characters or fewer are kept; a long name not listed here is
#: cut to 10 characters, and a clash is resolved by cutting to 8 and adding
#: ``_1``, ``_2``... in column order. The mapping used is written beside the
#: ``.shp`` as ``<stem>.fields.csv``.
SHAPEFILE_FIELDS = {
    "vessel_type": "vtype",
    "nearest_port": "near_port",
    "nearest_port_distance_m": "npt_dist_m",
    "sighting_id": "sight_id",
    "related_sighting_id": "rel_sid",
    "related_lon": "rel_lon",
    "related_lat": "rel_lat",
    "listed_name": "list_name",
    "hours_apart": "hours_apt",
    "explanation": "explain",
    "n_sightings": "n_sight",
    "deadweight_t": "dwt_t",
    "gross_tonnage": "gt",
}

# Columns that hold integers; a float column by one of these names (the way
# pandas stores an integer column with gaps) is written as a nullable integer.
_INT_COLUMNS = {
    "id", "sighting_id", "related_sighting_id", "port_id", "pixel_row", "pixel_col",
    "n_sightings", "width", "height",
}

# Flag rules whose flag links two sightings.
LINKED_RULES = ("at-sanctioned-vessel-location", "ship-to-ship")

_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd")


def _supported():
    return ", ".join(f"{name} ({'/'.join(spec['extensions'])})" for name, spec in FORMATS.items())


def format_for(path, format=None):
    """The format name to write ``path`` in, from ``format`` or the extension.

    A named format wins over the extension, except that an extension of
    another supported format is a contradiction and is refused, and a
    Shapefile must end in ``.shp`` (its side files are named after it).

    Parameters
    ----------
    path : str or os.PathLike
        The output file.
    format : str, optional
        One of :data:`FORMATS` (case-insensitive).

    Returns
    -------
    str
        A key of :data:`FORMATS`.

    Raises
    ------
    InputError
        Unknown format or extension, with the list of supported ones.

    Examples
    --------
    >>> format_for("out/sightings.GPKG")
    'gpkg'
    >>> format_for("flags.txt", format="geojson")
    'geojson'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    by_ext = next((name for name, spec in FORMATS.items() if suffix in spec["extensions"]), None)
    if format is None:
        if by_ext is None:
            what = f"extension {suffix!r}" if suffix else "no extension"
            raise InputError(
                f"cannot tell the format from {what}; use one of {_supported()}, or name a format",
                where=str(path),
            )
        return by_ext
    name = str(format).lower().lstrip(".")
    if name not in FORMATS:
        raise InputError(f"unknown format {format!r}; use one of {_supported()}", where=str(path))
    if by_ext is not None and by_ext != name:
        raise InputError(
            f"the extension {suffix!r} means {by_ext}, but the format asked for is {name}; "
            f"end the file in {FORMATS[name]['extensions'][0]} or drop the format",
            where=str(path),
        )
    if name == "shp" and suffix != ".shp":
        raise InputError("a Shapefile must end in .shp (its .dbf/.shx are named after it)", where=str(path))
    return name


# --------------------------------------------------------------------------
# Normalising columns so each driver gets types it stores faithfully.


def _is_geom_column(series):
    if isinstance(series.dtype, gpd.array.GeometryDtype):
        return True
    if series.dtype != object:
        return False
    values = series.dropna()
    return len(values) > 0 and all(isinstance(v, shapely.Geometry) for v in values)


def _utc(series, name):
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(series.dtype):
        raise InputError(
            f"column {name!r} holds times without a time zone; the store gives UTC times, so localise them first",
            where=name,
        )
    return pd.to_datetime(series, utc=True)


def _normalise(gdf):
    """A copy with UTC datetimes, nullable integers, and plain text where the data is mixed."""
    out = gdf.copy()
    geom_name = out.geometry.name
    for col in out.columns:
        if col == geom_name:
            continue
        s = out[col]
        if _is_geom_column(s):
            # A second geometry column has no home in most formats: keep it as WKT text.
            out[col] = pd.Series(
                [None if v is None or (isinstance(v, float) and np.isnan(v)) else v.wkt for v in s],
                index=out.index, dtype=object,
            )
            continue
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
            out[col] = _utc(s, col)
            continue
        if s.dtype == object:
            values = s.dropna()
            if not len(values):
                # All empty (no MMSI in this selection): typed as text, as Arrow's null type makes
                # GDAL < 3.9 fail and pyogrio refuse the column (OSGeo/gdal#9644, geopandas/pyogrio#513).
                out[col] = s.astype("string")
                continue
            if len(values) and all(isinstance(v, (datetime, np.datetime64)) for v in values):
                naive = [v for v in values if pd.Timestamp(v).tzinfo is None]
                if naive:
                    raise InputError(f"column {col!r} holds times without a time zone", where=col)
                out[col] = pd.to_datetime(s, utc=True)
                continue
            if len(values) and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in values):
                out[col] = s.astype("Int64")
                continue
            if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
                out[col] = s.astype("boolean")
                continue
            if len(values) and not all(isinstance(v, str) for v in values):
                out[col] = pd.Series([None if _missing(v) else str(v) for v in s], index=out.index, dtype=object)
            continue
        if col in _INT_COLUMNS and pd.api.types.is_float_dtype(s.dtype):
            values = s.dropna()
            if np.all(np.equal(np.mod(values, 1), 0)):
                out[col] = s.astype("Int64")
    return out


def _missing(v):
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _point_xy(geoms):
    """lon, lat arrays of point geometries (NaN where missing or not a point)."""
    arr = np.asarray(geoms, dtype=object)
    arr = np.array([g if isinstance(g, shapely.Geometry) else None for g in arr], dtype=object)
    is_point = shapely.get_type_id(arr) == 0
    x = np.where(is_point, shapely.get_x(np.where(is_point, arr, None)), np.nan)
    y = np.where(is_point, shapely.get_y(np.where(is_point, arr, None)), np.nan)
    return x.astype(float), y.astype(float)


def flag_geometries(flags):
    """Flags with both sightings' positions as columns, and a line where two are linked.

    Adds ``lon``/``lat`` (the flagged sighting) and ``related_lon``/
    ``related_lat`` (the related sighting, NaN when there is none), drops
    ``related_geometry``, and returns the points and the links:

    Parameters
    ----------
    flags : geopandas.GeoDataFrame
        The store's flags, geometry the flagged sighting's point.

    Returns
    -------
    points : geopandas.GeoDataFrame
        Every flag, geometry the flagged sighting's point.
    lines : geopandas.GeoSeries
        Same index: a LineString from the flagged to the related sighting
        where there is one (co-location and ship-to-ship flags), else the
        point.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"rule": ["ship-to-ship"], "related_geometry": [shapely.Point(1, 1)]},
    ...                      geometry=[shapely.Point(0, 0)], crs=4326)
    >>> pts, lines = flag_geometries(f)
    >>> lines.iloc[0].wkt, float(pts.related_lon.iloc[0])
    ('LINESTRING (0 0, 1 1)', 1.0)
    >>> f = f.assign(related_geometry=[shapely.Point(-179.9, 0)]).set_geometry([shapely.Point(179.9, 0)])
    >>> flag_geometries(f)[1].iloc[0].wkt
    'MULTILINESTRING ((-180 0, -179.9 0), (179.9 0, 180 0))'

    """
    points = flags.copy()
    geom = points.geometry.array
    lon, lat = _point_xy(geom)
    points["lon"], points["lat"] = lon, lat
    if "related_geometry" in points.columns:
        related = np.asarray(points["related_geometry"].array, dtype=object)
        rlon, rlat = _point_xy(related)
        points = points.drop(columns="related_geometry")
    else:
        rlon = rlat = np.full(len(points), np.nan)
    points["related_lon"], points["related_lat"] = rlon, rlat
    has = np.isfinite(rlon) & np.isfinite(rlat) & np.isfinite(lon) & np.isfinite(lat)
    if "rule" in points.columns:
        has &= points["rule"].isin(LINKED_RULES).to_numpy()
    coords = np.stack([np.column_stack([lon, lat]), np.column_stack([rlon, rlat])], axis=1)
    lines = np.asarray(points.geometry.array, dtype=object).copy()
    if has.any():
        lines[has] = shapely.linestrings(coords[has])
    # Two sightings either side of ±180 are linked across it, not round the Earth.
    for i in np.flatnonzero(has & (np.abs(rlon - lon) > 180.0)):
        lines[i] = fold_antimeridian(lines[i])
    return points, gpd.GeoSeries(lines, index=points.index, crs=flags.crs)


def _prepare(gdf, layer, fmt):
    """The frames to write for one layer in one format: ``{table: gdf}``."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"layer {layer!r} is not a GeoDataFrame (got {type(gdf).__name__})")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    elif gdf.crs is None:
        gdf = gdf.set_crs(4326)
    table = LAYERS.get(layer, layer.replace("-", "_"))
    if table != "flags":
        return {table: _normalise(gdf)}
    points, lines = flag_geometries(gdf)
    points = _normalise(points)
    if fmt == "gpkg":
        # A GeoPackage layer has one geometry type: points in "flags", the
        # links in "flags_links" (same columns, only flags with a related sighting).
        has = np.asarray(shapely.get_type_id(np.asarray(lines, dtype=object)) == 1)
        links = points.loc[has].set_geometry(gpd.GeoSeries(lines[has], crs=4326).values)
        return {"flags": points, "flags_links": links}
    if fmt in ("shp", "fgb"):
        return {"flags": points}
    # GeoJSON, KML, CSV, GeoParquet hold mixed geometry: one feature a flag,
    # a line when two sightings are involved, else the point.
    return {"flags": points.set_geometry(gpd.GeoSeries(lines, crs=4326).values)}


def shapefile_field_names(columns):
    """Map column names to unique Shapefile (dBASE) names of at most 10 characters.

    Deterministic: :data:`SHAPEFILE_FIELDS` first, then names that fit are
    kept, long ones are cut to 10, and clashes become ``name[:8] + "_" + n``.

    >>> shapefile_field_names(["nearest_port_distance_m", "port", "a_very_long_name", "a_very_long_nameX"])
    {'nearest_port_distance_m': 'npt_dist_m', 'port': 'port', 'a_very_long_name': 'a_very_lon', 'a_very_long_nameX': 'a_very_l_1'}
    """
    mapping, taken = {}, set()
    for col in columns:
        short = SHAPEFILE_FIELDS.get(col, col if len(col) <= 10 else col[:10])
        n = 0
        while short.lower() in taken:
            n += 1
            short = f"{col[:8]}_{n}"
        taken.add(short.lower())
        mapping[col] = short
    return mapping


def _iso(series):
    """UTC datetimes as ISO 8601 text ending in Z; sub-seconds only when present."""
    s = series.dt.tz_convert("UTC")
    sub = bool((s.dropna().dt.microsecond != 0).any()) if s.notna().any() else False
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if sub else "%Y-%m-%dT%H:%M:%SZ"
    text = s.dt.strftime(fmt)
    return pd.Series(np.where(s.isna(), None, text.astype(object)), index=series.index, dtype=object)


def _type_name(series):
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "int"
    if pd.api.types.is_float_dtype(series.dtype):
        return "float"
    return "str"


# --------------------------------------------------------------------------
# Writers by format; each writes to a temporary path handed to it.


def _write_ogr(frames, path, driver, *, layer_options=None):
    # GeoPackage 1.2 rather than GDAL's newest 1.4: older QGIS and GDAL (3.6,
    # as in Debian 12) warn about 1.4 files; we use nothing that 1.2 lacks.
    dataset_options = {"VERSION": "1.2"} if driver == "GPKG" else None
    first = True
    for table, frame in frames.items():
        kwargs = {}
        if len(frame) == 0:
            kwargs["geometry_type"] = "Unknown"
        with warnings.catch_warnings():
            # pyogrio notes that it promotes mixed single/multi polygons: intended.
            warnings.simplefilter("ignore", UserWarning)
            pyogrio.write_dataframe(
                frame, path, layer=table, driver=driver, append=not first,
                layer_options=layer_options, dataset_options=None if not first else dataset_options, **kwargs,
            )
        first = False


def _write_shp(frame, tmpdir, stem):
    frame = frame.copy()
    types = {c: _type_name(frame[c]) for c in frame.columns if c != frame.geometry.name}
    notes = {}
    for col, kind in types.items():
        if kind == "datetime":
            # dBASE has dates but no times: keep the full UTC time as ISO 8601 text.
            frame[col] = _iso(frame[col])
            notes[col] = "UTC time as ISO 8601 text"
    mapping = shapefile_field_names(list(types))
    frame = frame.rename(columns=mapping)
    shp = tmpdir / f"{stem}.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL warns about the long names we already mapped
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile", encoding="UTF-8")
    with open(tmpdir / f"{stem}.fields.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["field", "shp_field", "type", "note"])
        for col, kind in types.items():
            w.writerow([col, mapping[col], kind, notes.get(col, "")])


def _write_csv(frame, path):
    frame = frame.copy()
    geom = frame.geometry
    data = pd.DataFrame(frame.drop(columns=geom.name))
    for col in data.columns:
        if isinstance(data[col].dtype, pd.DatetimeTZDtype):
            data[col] = _iso(data[col])
    if "lon" not in data.columns and "lat" not in data.columns and len(geom) and bool((geom.geom_type == "Point").all()):
        x, y = _point_xy(geom.array)
        data["lon"], data["lat"] = x, y
    data["wkt"] = shapely.to_wkt(np.asarray(geom.array, dtype=object))
    guard_formulas(data).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _write_kml(frames, path, layer):
    (table, frame), = frames.items()
    time_column = {"sightings": "time", "flags": "time", "scenes": "acquired"}.get(table)
    span = ("first_seen", "last_seen") if table == "port_calls" else None
    if table == "flags":
        # A linked flag is the flagged sighting's point and the line to the
        # related one, in one placemark (KML MultiGeometry).
        lon = frame["lon"].to_numpy(float)
        lat = frame["lat"].to_numpy(float)
        geoms = np.asarray(frame.geometry.array, dtype=object).copy()
        is_line = shapely.get_type_id(geoms) == 1
        for i in np.flatnonzero(is_line):
            geoms[i] = shapely.GeometryCollection([shapely.Point(lon[i], lat[i]), geoms[i]])
        frame = frame.set_geometry(gpd.GeoSeries(geoms, crs=4326).values)
    if time_column not in frame.columns:
        time_column = None
    if span and not set(span) <= set(frame.columns):
        span = None
    write_kml(frame, path, layer=table, time_column=time_column, span_columns=span, name=table)


def _write_one(fmt, frames, tmp, layer, stem):
    if fmt == "shp":
        (frame,) = frames.values()
        _write_shp(frame, tmp, stem)
    elif fmt == "kml":
        _write_kml(frames, tmp, layer)
    elif fmt == "csv":
        (frame,) = frames.values()
        _write_csv(frame, tmp)
    elif fmt == "parquet":
        (frame,) = frames.values()
        frame.to_parquet(tmp, index=False)
    else:
        options = {"RFC7946": "YES"} if fmt == "geojson" else None
        _write_ogr(frames, tmp, FORMATS[fmt]["driver"], layer_options=options)


def _outputs(out, fmt):
    """Every file a write to ``out`` produces (Shapefiles have side files)."""
    if fmt == "shp":
        return [out.with_suffix(ext) for ext in _SHP_PARTS] + [out.with_name(f"{out.stem}.fields.csv")]
    return [out]


def _atomic_write(out, fmt, overwrite, write):
    out = Path(out)
    existing = [p for p in _outputs(out, fmt) if p.exists()]
    if existing and not overwrite:
        raise InputError(f"{existing[0]} exists; pass overwrite=True (--overwrite) to replace it", where=str(out))
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist; create it first", where=str(out))
    token = uuid.uuid4().hex[:8]
    if fmt == "shp":
        tmpdir = out.parent / f".{out.stem}.tmp-{token}"
        tmpdir.mkdir()
        try:
            write(tmpdir)
            for p in existing:
                p.unlink()
            for p in sorted(tmpdir.iterdir()):
                os.replace(p, out.parent / p.name)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        return out
    tmp = out.with_name(f".{out.stem}.tmp-{token}{out.suffix}")
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def write_layer(gdf, out, *, layer, format=None, overwrite=False):
    """Write one layer to a GIS file, keeping its field types where the format can.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A store layer in EPSG:4326 (reprojected if not).
    out : str or os.PathLike
        The output file; its folder must exist.
    layer : str
        ``sightings``, ``flags``, ``ports``, ``scenes`` or ``port-calls`` (any
        other name is written as it is, without the layer-specific handling);
        also the table name inside the file (``port-calls`` -> ``port_calls``).
    format : str, optional
        A key of :data:`FORMATS`; by default taken from ``out``'s extension.
    overwrite : bool, default False
        Replace an existing output (for a GeoPackage: the whole file).

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    InputError
        Unknown format or extension, an existing output without
        ``overwrite``, a missing folder, naive datetimes.

    Notes
    -----
    How each format holds the data:

    - **gpkg, fgb, geojson, geojsonseq**: datetimes as UTC datetimes
      (millisecond precision), integers (also with gaps) as integers,
      booleans as booleans. GeoPackage tables get an R-tree spatial index.
      GeoJSON is written per RFC 7946.
    - **parquet**: GeoParquet via geopandas/pyarrow; every pandas type kept.
    - **shp**: field names cut to 10 characters by
      :func:`shapefile_field_names` (e.g. ``nearest_port_distance_m`` ->
      ``npt_dist_m``); datetimes as ISO 8601 UTC text (dBASE has no time of
      day); text longer than 254 bytes is cut by the format — use gpkg for
      long notes. The mapping is written beside the file as
      ``<stem>.fields.csv`` (``field, shp_field, type, note``).
    - **csv**: UTF-8, a ``wkt`` column with the geometry, ``lon``/``lat``
      for point layers, datetimes as ISO 8601 UTC text ending in ``Z``;
      text a spreadsheet would run as a formula (``=...``) starts with an
      apostrophe (:mod:`shipsight.io.cells`).
    - **kml**: one placemark per feature with an HTML table of its fields
      (values escaped), the fields again as ExtendedData, ``<TimeStamp>``
      from ``time`` (sightings, flags) or ``acquired`` (scenes) and
      ``<TimeSpan>`` from ``first_seen``/``last_seen`` (port calls), so
      Google Earth's time slider works.

    Flags carry both sightings in every format: columns ``lon``/``lat`` (the
    flagged sighting) and ``related_lon``/``related_lat`` (the related one,
    empty if none). Their geometry depends on what the format can hold:

    - geojson, geojsonseq, csv, parquet: a LineString from the flagged to the
      related sighting for co-location and ship-to-ship flags, else the Point;
    - kml: the Point plus that LineString in one placemark (MultiGeometry);
    - gpkg: table ``flags`` with the Points and table ``flags_links`` with the
      LineStrings (one geometry type per table, as QGIS expects);
    - shp, fgb: the Points only (one geometry type per file); the related
      position is in ``rel_lon``/``rel_lat`` (shp) or ``related_lon``/``related_lat``.

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile, os
    >>> g = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(129.7, 42.3)], crs=4326)
    >>> out = os.path.join(tempfile.mkdtemp(), "s.gpkg")
    >>> write_layer(g, out, layer="sightings").name
    's.gpkg'
    """
    out = Path(out)
    fmt = format_for(out, format)
    frames = _prepare(gdf, layer, fmt)
    return _atomic_write(out, fmt, overwrite, lambda tmp: _write_one(fmt, frames, tmp, layer, out.stem))


def write_layers(layers, out_gpkg, *, overwrite=False, progress=None):
    """Write several layers into one GeoPackage, in one go.

    Parameters
    ----------
    layers : dict of str -> geopandas.GeoDataFrame
        Layer name (see :func:`write_layer`) to its frame; each becomes a table
        (flags also add ``flags_links``).
    out_gpkg : str or os.PathLike
        Must end in ``.gpkg``.
    overwrite : bool, default False
        Replace an existing file (the whole file, not a table in it).
    progress : callable, optional
        ``progress(done, total)``: each layer prepared, then the file written.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import geopandas as gpd, shapely, tempfile, os, pyogrio
    >>> g = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(129.7, 42.3)], crs=4326)
    >>> out = os.path.join(tempfile.mkdtemp(), "all.gpkg")
    >>> _ = write_layers({"sightings": g, "ports": g}, out)
    >>> sorted(name for name, _ in pyogrio.list_layers(out))
    ['ports', 'sightings']
    """
    out = Path(out_gpkg)
    fmt = format_for(out)
    if fmt != "gpkg":
        raise InputError(f"several layers go into one GeoPackage; end the file in .gpkg (got {out.suffix!r})", where=str(out))
    if not layers:
        raise InputError("no layers to write", where=str(out))
    tick = progress or (lambda done, total: None)
    frames = {}
    for k, (name, gdf) in enumerate(layers.items(), 1):
        frames.update(_prepare(gdf, name, "gpkg"))
        tick(k, len(layers) + 1)
    path = _atomic_write(out, "gpkg", overwrite, lambda tmp: _write_ogr(frames, tmp, "GPKG"))
    tick(len(layers) + 1, len(layers) + 1)
    return path


def read_layer(path, *, layer=None, format=None):
    """Read a file written by :func:`write_layer` back into a GeoDataFrame with its types.

    Integers come back as pandas ``Int64``; Shapefile names are mapped back
    through ``<stem>.fields.csv`` and its ISO texts parsed back to UTC
    datetimes. CSV has no types: its fields come back as text, and the
    geometry from the ``wkt`` column.

    >>> import geopandas as gpd, shapely, tempfile, os
    >>> g = gpd.GeoDataFrame({"vessel_type": ["tanker"]}, geometry=[shapely.Point(1, 2)], crs=4326)
    >>> out = os.path.join(tempfile.mkdtemp(), "s.shp")
    >>> read_layer(write_layer(g, out, layer="sightings")).columns.tolist()
    ['vessel_type', 'geometry']
    """
    path = Path(path)
    fmt = format_for(path, format)
    if fmt == "parquet":
        return gpd.read_parquet(path)
    if fmt == "csv":
        # CSV has no types: every field comes back as text (blank = missing).
        data = unguard_formulas(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]))
        if "wkt" not in data.columns:
            raise InputError("no wkt column; this CSV was not written by shipsight", where=str(path))
        wkt = data.pop("wkt").astype(object)
        geoms = shapely.from_wkt(np.asarray(wkt.where(wkt.notna(), None), dtype=object))
        return gpd.GeoDataFrame(data, geometry=geoms, crs=4326)
    import pyarrow as pa

    ints = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.int16(): pd.Int64Dtype()}
    frame = pyogrio.read_dataframe(
        path, layer=layer, use_arrow=True, arrow_to_pandas_kwargs={"types_mapper": ints.get}
    )
    if fmt == "shp":
        sidecar = path.with_name(f"{path.stem}.fields.csv")
        if sidecar.exists():
            fields = pd.read_csv(sidecar, dtype=str, keep_default_na=False)
            frame = frame.rename(columns=dict(zip(fields["shp_field"], fields["field"])))
            for col in fields.loc[fields["type"] == "datetime", "field"]:
                frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    return frame
