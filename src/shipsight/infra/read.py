"""Reading fixed structures from GIS files: OpenStreetMap extracts or any layer.

Every feature becomes one structure with a name, a kind (one of
:data:`~shipsight.model.vocab.STRUCTURE_KINDS`), its geometry in EPSG:4326
(points, lines and polygons as they are; invalid polygons repaired, parts
folded into [-180, 180]) and its suppression radii for SAR and optical
scenes. The kind comes from a field (``--kind-field``, default ``kind``), or
from OpenStreetMap tags (:func:`osm_kind`), or from ``kind=``.

Example
-------
>>> import tempfile, os, json
>>> p = os.path.join(tempfile.mkdtemp(), "osm.geojson")
>>> _ = open(p, "w").write(json.dumps({"type": "FeatureCollection", "features": [
...     {"type": "Feature", "properties": {"man_made": "breakwater", "name": "Long Beach Breakwater"},
...      "geometry": {"type": "LineString", "coordinates": [[-118.19, 33.72], [-118.14, 33.72]]}},
...     {"type": "Feature", "properties": {"power": "generator", "generator:source": "wind"},
...      "geometry": {"type": "Point", "coordinates": [1.5, 51.6]}}]}))
>>> s = read_structures(p)
>>> s[["name", "kind", "radius_sar_m", "radius_optical_m"]].values.tolist()
[['Long Beach Breakwater', 'breakwater', 200.0, 50.0], [None, 'wind turbine', 200.0, 50.0]]
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from shipsight.errors import InputError
from shipsight.geodesy import split_antimeridian
from shipsight.model.vocab import STRUCTURE_KINDS, STRUCTURE_RADIUS_M

__all__ = ["read_structures", "osm_kind"]

_LINE_TYPES = (1, 5)  # LineString, MultiLineString
_POLY_TYPES = (3, 6)
_POINT_TYPES = (0, 4)


def osm_kind(tags):
    """The structure kind of an OpenStreetMap feature's tags, or None.

    Parameters
    ----------
    tags : dict
        Tag -> value (``man_made``, ``seamark:type``, ``power``,
        ``generator:source``, ``place``...).

    Examples
    --------
    >>> osm_kind({"man_made": "groyne"}), osm_kind({"seamark:type": "buoy_lateral"})
    ('breakwater', 'buoy')
    >>> osm_kind({"power": "generator", "generator:source": "wind"}), osm_kind({"highway": "primary"})
    ('wind turbine', None)
    """
    def tag(key):
        v = tags.get(key)
        return v.strip().lower() if isinstance(v, str) else ""

    man_made, seamark = tag("man_made"), tag("seamark:type")
    if man_made in ("breakwater", "groyne"):
        return "breakwater"
    if man_made in ("pier", "jetty", "quay"):
        return man_made
    if man_made == "offshore_platform" or seamark in ("platform", "production_platform"):
        return "platform"
    if (tag("power") == "generator" and tag("generator:source") == "wind") or man_made == "wind_turbine":
        return "wind turbine"
    if seamark.startswith(("buoy", "beacon")):
        return "buoy"
    if man_made in ("lighthouse", "beacon") or seamark.startswith("light"):
        return "light"
    if tag("place") in ("island", "islet"):
        return "island"
    return None


def read_structures(path, *, name_field=None, kind_field=None, kind=None, radius_sar_m=None,
                    radius_optical_m=None, layer=None, on_invalid="raise"):
    """Read fixed structures from a GIS file into a GeoDataFrame.

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage, Shapefile (or a .zip of one), FlatGeobuf, KML...
        anything pyogrio reads, with a CRS (a file without one must hold
        longitudes and latitudes).
    name_field, kind_field : str, optional
        Fields holding the name and the kind; by default ``name`` (or OSM's
        ``seamark:name``) and ``kind``.
    kind : str, optional
        Kind of the features neither a field nor OSM tags give one; default "structure".
    radius_sar_m, radius_optical_m : float, optional
        Suppression radii, metres; default from fields of those names, else
        200 and 50 (:data:`~shipsight.model.vocab.STRUCTURE_RADIUS_M`).
    layer : str, optional
        Layer of a multi-layer file.
    on_invalid : {"raise", "skip"}
        ``raise``: any bad feature is an error listing every bad one;
        ``skip``: left out and listed in ``attrs["skipped"]`` as (row, field, reason).

    Returns
    -------
    geopandas.GeoDataFrame
        name, kind, radius_sar_m, radius_optical_m, repaired, geometry (EPSG:4326).

    Raises
    ------
    InputError
        Missing or unreadable file, an empty one, an unknown field or kind.
    RowErrors
        Bad features (with ``on_invalid="raise"``).
    """
    from shipsight.io.ports import keep_good_features, read_gis

    if on_invalid not in ("raise", "skip"):
        raise InputError(f"on_invalid must be raise or skip, not {on_invalid!r}")
    if kind is not None and kind not in STRUCTURE_KINDS:
        raise InputError(f"kind {kind!r} is not one of {', '.join(STRUCTURE_KINDS)}", where="--kind")
    for name, value in (("--radius-sar-m", radius_sar_m), ("--radius-optical-m", radius_optical_m)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise InputError(f"must be a distance of 0 m or more, not {value!r}", where=name)
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", where=str(path))
    if path.suffix.lower() == ".csv":
        raise InputError("structures come from a GIS file (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, KML); "
                         "convert the CSV, e.g. ogr2ogr -f GeoJSON out.geojson in.csv "
                         "-oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326", where=str(path))
    gdf = read_gis(f"/vsizip/{path}" if path.suffix.lower() == ".zip" else path, layer=layer)
    n = len(gdf)
    if n == 0:
        raise InputError("holds no features", where=str(path))
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    lower = {str(c).lower(): c for c in columns}

    def field(given, defaults, what):
        if given is not None:
            if given not in columns:
                raise InputError(f"has no field {given!r} for the {what}; fields are: {', '.join(map(str, columns))}",
                                 where=str(path))
            return given
        return next((lower[d] for d in defaults if d in lower), None)

    name_col = field(name_field, ("name", "seamark:name"), "name")
    kind_col = field(kind_field, ("kind",), "kind")
    rows = np.arange(n) + 1
    problems = []
    names = gdf[name_col].astype("string").str.strip() if name_col else pd.Series([pd.NA] * n, dtype="string")
    names = names.mask(names == "")
    if name_field is None and "seamark:name" in lower and name_col != lower["seamark:name"]:
        seamark = gdf[lower["seamark:name"]].astype("string").str.strip()
        names = names.fillna(seamark.mask(seamark == ""))

    tags = gdf[columns].to_dict("records")
    kinds = []
    for i, t in enumerate(tags):
        k = t.get(kind_col) if kind_col else None
        k = k.strip().lower() if isinstance(k, str) and k.strip() else None
        k = k or osm_kind(t) or kind or "structure"
        if k not in STRUCTURE_KINDS:
            problems.append((rows[i], kind_col or "kind", f"kind {k!r} is not one of {', '.join(STRUCTURE_KINDS)}"))
        kinds.append(k)

    radii = {}
    for col, given in (("radius_sar_m", radius_sar_m), ("radius_optical_m", radius_optical_m)):
        default = STRUCTURE_RADIUS_M["sar" if "sar" in col else "optical"]
        if given is not None:
            radii[col] = np.full(n, float(given))
        elif col in lower:
            values = pd.to_numeric(gdf[lower[col]], errors="coerce").to_numpy(float)
            bad = ~np.isnan(values) & ~(values >= 0)
            for i in np.flatnonzero(bad):
                problems.append((rows[i], lower[col], "a radius must be 0 m or more"))
            radii[col] = np.where(np.isnan(values), default, values)
        else:
            radii[col] = np.full(n, default)

    geoms, repaired = _geometries(gdf.geometry.values, rows, problems)
    out = gpd.GeoDataFrame({"name": names.astype(object).where(names.notna(), None), "kind": kinds,
                            **radii, "repaired": repaired}, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    return keep_good_features(out, rows, problems, on_invalid=on_invalid, path=path)


def _geometries(geoms, rows, problems):
    """Structures' geometries: checked as longitudes/latitudes, polygons repaired, folded into +-180."""
    from shipsight.io.ports import checked_polygon

    n = len(geoms)
    out = np.full(n, None, dtype=object)
    repaired = np.zeros(n, dtype=bool)
    missing = shapely.is_missing(geoms)
    types = shapely.get_type_id(geoms)
    for i in range(n):  # per structure: a layer holds thousands, not millions
        g = geoms[i]
        if missing[i] or shapely.is_empty(g):
            problems.append((rows[i], "geometry", "geometry is missing or empty"))
            continue
        if types[i] not in _POINT_TYPES + _LINE_TYPES + _POLY_TYPES:
            problems.append((rows[i], "geometry", f"a {g.geom_type} is not a structure; give points, lines or polygons"))
            continue
        if types[i] in _POLY_TYPES:
            g, repaired[i], problem = checked_polygon(g)
            if problem:
                problems.append((rows[i], "geometry", problem))
                continue
            out[i] = split_antimeridian(g)
            continue
        minx, miny, maxx, maxy = g.bounds
        if miny < -90 or maxy > 90 or minx < -540 or maxx > 540:
            problems.append((rows[i], "geometry", "coordinates are not longitudes and latitudes"))
            continue
        out[i] = _fold(g)
    return out, repaired


def _fold(g):
    """Points and lines with longitudes past +-180 cut and shifted back into [-180, 180]."""
    minx, _, maxx, _ = g.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return g
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        piece = g.intersection(shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0))
        if not piece.is_empty:
            parts += list(shapely.get_parts(shapely.affinity.translate(piece, xoff=shift)))
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]
