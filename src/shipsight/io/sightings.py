"""Reading sighting files (CSV, GeoJSON, GeoPackage) into raw frames for validation."""

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError
from shipsight.io.formats import SIGHTING_FORMATS
from shipsight.io.ports import read_gis

FORMATS = SIGHTING_FORMATS
_BY_SUFFIX = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}


def read_sightings_file(path, *, format="auto", layer=None):
    """Read a sightings file as text columns plus ``row``, the row number a user sees.

    CSV rows count from 2 (the header is row 1); GIS features from 1. In GIS
    files the position comes from the point geometry (reprojected to EPSG:4326)
    unless ``lon``/``lat`` properties are given.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("time,lon,lat\\n2024-01-05T03:00:00Z,130.3,42.2\\n")
    >>> read_sightings_file(p)[["row", "lon"]].values.tolist()
    [[2, '130.3']]
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", where=str(path))
    if format == "auto":
        format = _BY_SUFFIX.get(path.suffix.lower())
        if format is None:
            raise InputError(f"cannot tell the format from {path.suffix or 'no extension'!r}; "
                             f"use .csv, .geojson or .gpkg, or say --format", where=str(path))
    if format == "xview3":
        from shipsight.io.xview3 import read_xview3

        frame = read_xview3(path)
        df = frame.astype(object)
        df.insert(0, "row", frame.attrs["file_rows"])
        df.attrs["skipped_not_vessel"] = frame.attrs["skipped_not_vessel"]
        return df
    if format == "csv":
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"is not a readable CSV ({str(exc).splitlines()[0]})", where=str(path)) from None
        df.columns = [str(c).strip().lower() for c in df.columns]
        df.insert(0, "row", np.arange(len(df)) + 2)
        return df
    if format not in ("geojson", "gpkg"):
        raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}", where=str(path))
    gdf = read_gis(path, layer=layer)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df.columns = [str(c).strip().lower() for c in df.columns]
    geoms = gdf.geometry.values
    is_point = np.asarray(shapely.get_type_id(geoms) == 0)
    if "lon" not in df.columns or "lat" not in df.columns:
        lon = np.full(len(df), None, dtype=object)
        lat = np.full(len(df), None, dtype=object)
        lon[is_point] = shapely.get_x(geoms[is_point])
        lat[is_point] = shapely.get_y(geoms[is_point])
        df["lon"], df["lat"] = lon, lat
    for column in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[column]):
            # A GIS datetime field without a zone stays zone-less: validation will ask for --tz.
            df[column] = df[column].map(lambda t: None if pd.isna(t) else t.isoformat())
    df = df.astype(object)
    df.insert(0, "row", np.arange(len(df)) + 1)
    return df
