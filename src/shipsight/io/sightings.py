"""Reading sighting files (CSV, GeoJSON, GeoPackage, Shapefile, FlatGeobuf, KML/KMZ) into raw frames.

CSV is read as spreadsheets write it (:mod:`shipsight.io.csvfile`). In GIS
files the geometry is the position: ``lon``/``lat`` attribute fields, which
shipsight's own exports write beside it, are ignored when a point geometry
exists, since a point moved in QGIS keeps its old attributes; a warning says
when they disagree by more than a metre (:func:`shipsight.io.gis.warn_lonlat_fields`).
Refusing such rows instead would make every moved point an error.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError
from shipsight.io.formats import SIGHTING_FORMATS

FORMATS = SIGHTING_FORMATS
_BY_SUFFIX = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".geojson": "geojson", ".json": "geojson",
              ".gpkg": "gpkg", ".kml": "kml", ".kmz": "kml", ".shp": "shp", ".zip": "shp", ".fgb": "fgb"}


def read_sightings_file(path, *, format="auto", layer=None, encoding=None):
    """Read a sightings file as text columns plus ``row``, the row number a user sees.

    CSV rows count from 2 (the header is row 1); GIS features from 1. Column
    names are lower-cased. In GIS files the position is the point geometry
    (reprojected to EPSG:4326), put into ``lon`` and ``lat``.

    Parameters
    ----------
    path : path
    format : str
        One of :data:`FORMATS`; ``auto`` goes by the extension.
    layer : str, optional
        Layer of a GeoPackage or KML folder.
    encoding : str, optional
        Text encoding of a CSV, or of a Shapefile without ``.cpg``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("time;lon;lat\\n2024-01-05T03:00:00Z;130,3;42,2\\n")
    >>> read_sightings_file(p)[["row", "lon"]].values.tolist()
    [[2, '130,3']]
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", where=str(path))
    if format == "auto":
        format = _BY_SUFFIX.get(path.suffix.lower())
        if format is None:
            raise InputError(f"cannot tell the format from {path.suffix or 'no extension'!r}; use one of "
                             f"{', '.join(sorted(_BY_SUFFIX))}, or say --format", where=str(path))
    if format == "xview3":
        from shipsight.io.xview3 import read_xview3

        frame = read_xview3(path)
        df = frame.astype(object)
        df.insert(0, "row", frame.attrs["file_rows"])
        df.attrs["skipped_not_vessel"] = frame.attrs["skipped_not_vessel"]
        return df
    if format == "csv":
        from shipsight.io.csvfile import read_csv_text

        df = read_csv_text(path, encoding=encoding)
        attrs = dict(df.attrs)
        df.columns = [str(c).strip().lower() for c in df.columns]
        df.insert(0, "row", np.arange(len(df)) + 2)
        df.attrs.update(attrs)
        return df
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}", where=str(path))
    from shipsight.io.gis import read_gis, warn_lonlat_fields

    gdf = read_gis(path, layer=layer, encoding=encoding)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df.columns = [str(c).strip().lower() for c in df.columns]
    df.insert(0, "row", np.arange(len(df)) + 1)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    is_point = np.asarray(shapely.get_type_id(geoms) == 0)
    warn_lonlat_fields(df, geoms, where=str(path))
    lon = np.full(len(df), None, dtype=object)
    lat = np.full(len(df), None, dtype=object)
    lon[is_point] = shapely.get_x(geoms[is_point])
    lat[is_point] = shapely.get_y(geoms[is_point])
    if not is_point.all():
        # A feature that is not a point (or has no geometry) keeps its lon/lat fields, if any, as its position.
        for axis, values in (("lon", lon), ("lat", lat)):
            if axis in df.columns:
                values[~is_point] = df[axis].to_numpy(dtype=object)[~is_point]
    df["lon"], df["lat"] = lon, lat
    return df
