"""Reading GIS files (GeoJSON, GeoPackage, Shapefile or a zip of one, FlatGeobuf, KML/KMZ) with pyogrio.

Everything comes out in EPSG:4326. A file's CRS is taken from the file: a
GeoJSON or GeoPackage layer without one is read as longitudes and latitudes
when its coordinates fit (RFC 7946 makes that GeoJSON's only CRS), but a
Shapefile without its ``.prj`` is refused: a Shapefile has no default, and
guessing would put every feature in the wrong place without a word.

Shapefile text is decoded as its ``.cpg`` says, or as ``encoding`` given by
the user; without either, GDAL reads ISO-8859-1 (the dBASE default), and text
that then looks like mojibake raises a :class:`~shipsight.errors.ShipsightWarning`
naming the encoding it more likely is (see :mod:`shipsight.io.textcheck`).

KML and KMZ are read by GDAL's LIBKML driver: every folder's placemarks,
``<name>`` as ``name``, ``<TimeStamp><when>`` as ``time`` (it wins over an
ExtendedData field of that name), ``<TimeSpan>`` as ``begin``/``end``, and each
``<ExtendedData>`` ``<Data>`` or ``<SimpleData>`` field as a column.
"""

import warnings
from pathlib import Path

import pandas as pd

from shipsight.errors import InputError, ShipsightWarning

#: Suffix -> what it is called in messages.
GIS_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "ESRI Shapefile",
                ".fgb": "FlatGeobuf", ".zip": "zipped Shapefile", ".kml": "KML", ".kmz": "KMZ"}
# LIBKML's own fields that say how Google Earth draws a placemark, not what it is.
_KML_STYLE_FIELDS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon", "snippet")


def _gdal_path(path):
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def _is_shapefile(path):
    return path.suffix.lower() in (".shp", ".zip")


def _first_of_several_layers(layers, path):
    """The first layer's name when a file has several (said in a warning naming --layer), else None."""
    if len(layers) < 2:
        return None
    names = [str(name) for name in layers[:, 0]]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    # pyogrio's own warning ("Specify layer parameter") speaks to programmers; this names the option.
    warnings.warn(f"{path}: has {len(names)} layers ({shown}); read the first, {names[0]!r}; choose another with "
                  "--layer NAME", ShipsightWarning, stacklevel=3)
    return names[0]


def read_gis(path, *, layer=None, encoding=None):
    """Read a GIS file with pyogrio, reprojected to EPSG:4326.

    Parameters
    ----------
    path : path
        A file of one of :data:`GIS_SUFFIXES`.
    layer : str, optional
        Layer of a multi-layer file (default the first, with a warning that
        names the others); KML reads every folder unless one is named.
    encoding : str, optional
        Encoding of a Shapefile's text, over its ``.cpg``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``attrs["encoding"]`` says how its text was decoded.

    Raises
    ------
    InputError
        Unreadable, a Shapefile without ``.prj``, no CRS and coordinates that
        are not longitudes and latitudes, or a CRS that cannot be reprojected.

    Examples
    --------
    >>> import tempfile, os, json
    >>> p = os.path.join(tempfile.mkdtemp(), "a.geojson")
    >>> _ = open(p, "w").write(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"name": "A"}, "geometry": {"type": "Point", "coordinates": [130.3, 42.2]}}]}))
    >>> read_gis(p)[["name"]].values.tolist()
    [['A']]
    """
    import geopandas as gpd
    import pyogrio

    from shipsight.io.csvfile import check_encoding

    path = Path(path)
    if not path.exists():
        raise InputError("no such file", where=str(path))
    what = GIS_SUFFIXES.get(path.suffix.lower(), "a GIS file")
    source = _gdal_path(path)
    kml = path.suffix.lower() in (".kml", ".kmz")
    options = {"encoding": check_encoding(encoding)} if encoding else {}
    try:
        if layer is None and not kml:
            layer = _first_of_several_layers(pyogrio.list_layers(source), path)
        info = pyogrio.read_info(source, layer=layer) if not kml else None
        if kml:
            gdf = _read_kml(source, layer)
        else:
            gdf = gpd.read_file(source, layer=layer, engine="pyogrio", **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read it as {what}: {str(exc).splitlines()[0]}", where=str(path)) from None
    gdf.attrs["encoding"] = encoding or (info or {}).get("encoding") or "UTF-8"
    if _is_shapefile(path) and not encoding and str(gdf.attrs["encoding"]).upper() == "ISO-8859-1":
        from shipsight.io.textcheck import warn_if_mojibake

        warn_if_mojibake(gdf, where=str(path), read_as="ISO-8859-1")
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds if len(gdf) else (0, 0, 0, 0)
        lonlat = -360 <= minx and maxx <= 360 and -90 <= miny and maxy <= 90
        if _is_shapefile(path):
            raise InputError("has no .prj, so its coordinate system is unknown"
                             + ("" if lonlat else " (and its coordinates are not longitudes and latitudes)")
                             + "; add the .prj that came with it (for WGS 84 longitudes/latitudes: "
                             "ogr2ogr -a_srs EPSG:4326 out.shp in.shp)", where=str(path))
        if not lonlat:
            raise InputError("declares no CRS and its coordinates are not longitudes and latitudes; "
                             "add a CRS to the file", where=str(path))
        return gdf.set_crs("EPSG:4326")
    try:
        return gdf.to_crs("EPSG:4326")
    except Exception as exc:  # pyproj raises several types for unusable CRSs
        raise InputError(f"cannot reproject from its CRS {gdf.crs}: {exc}", where=str(path)) from None


def _read_kml(source, layer):
    """Every folder (layer) of a KML/KMZ, with the columns named as shipsight names them."""
    import geopandas as gpd
    import pyogrio
    import shapely

    layers = [layer] if layer is not None else [str(name) for name, _ in pyogrio.list_layers(source)]
    frames = []
    for name in layers:
        gdf = gpd.read_file(source, layer=name, engine="pyogrio")
        if len(gdf):
            frames.append(gdf)
    if not frames:
        return gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    gdf = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    gdf = gdf.drop(columns=[c for c in _KML_STYLE_FIELDS if c in gdf.columns])
    if "Name" in gdf.columns:
        gdf = gdf.rename(columns={"Name": "name"})
    if "timestamp" in gdf.columns:
        stamped = gdf["timestamp"].notna()
        if stamped.any():
            when = gdf["timestamp"].map(lambda t: None if pd.isna(t) else pd.Timestamp(t).isoformat())
            if "time" in gdf.columns:
                when = when.where(stamped, gdf["time"])
            gdf["time"] = when
        gdf = gdf.drop(columns=["timestamp"])
    for column in ("begin", "end", "description", "id"):
        if column in gdf.columns and gdf[column].isna().all():
            gdf = gdf.drop(columns=[column])
    # KML geometry carries an altitude (0 from Google Earth); positions are 2-D.
    gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.values), crs=gdf.crs or "EPSG:4326")
    return gdf


def warn_lonlat_fields(df, geoms, *, where, tolerance_m=1.0):
    """Warn when ``lon``/``lat`` attribute fields disagree with the point geometry by more than a metre.

    In GIS files the geometry is the position: a point moved in QGIS keeps its
    old ``lon``/``lat`` attributes (shipsight's own exports write them), so
    those fields are ignored; the warning says how many disagreed and where.
    """
    import numpy as np
    import shapely

    from shipsight.geodesy import distance_m

    if "lon" not in df.columns or "lat" not in df.columns:
        return
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(float)
    points = shapely.get_type_id(geoms) == 0
    ok = points & np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90)
    if not ok.any():
        return
    gx, gy = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
    off = distance_m(gx, gy, lon[ok], lat[ok]) > tolerance_m
    if off.any():
        rows = df["row"].to_numpy()[ok][off] if "row" in df.columns else np.flatnonzero(ok)[off] + 1
        shown = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
        warnings.warn(f"{where}: {len(rows)} feature(s) (row {shown}) have lon/lat fields more than "
                      f"{tolerance_m:g} m from their geometry; the geometry is the position (as edited in a GIS), "
                      "the fields were ignored", ShipsightWarning, stacklevel=2)
