"""Reading port areas from GIS files and CSVs into validated EPSG:4326 polygons."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from shipsight.errors import InputError, RowErrors
from shipsight.geodesy import geodesic_circle, split_antimeridian
from shipsight.model.vocab import PORT_KINDS, parse_bool

GIS_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile",
                ".fgb": "FlatGeobuf", ".zip": "zipped Shapefile"}
SUFFIXES = tuple(GIS_SUFFIXES) + (".csv",)
#: Radius given to a World Port Index point by its harbour size when no --buffer-m is set.
WPI_RADIUS_M = {"Very Small": 1000.0, "Small": 2000.0, "Medium": 4000.0, "Large": 8000.0}
_WPI_COLUMNS = {"Main Port Name", "Latitude", "Longitude"}
_LON = ("lon", "longitude", "lng", "x")
_LAT = ("lat", "latitude", "y")
_WKT = ("wkt", "geometry", "geom", "the_geom")


def read_gis(path, *, layer=None):
    """Read a GIS file with pyogrio, reprojected to EPSG:4326.

    A file that declares no CRS is taken as EPSG:4326 when its coordinates fit
    (as GeoJSON's specification says), and refused otherwise.
    """
    path = Path(path)
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read it as {GIS_SUFFIXES.get(path.suffix.lower(), 'a GIS file')}: {str(exc).splitlines()[0]}",
                         where=str(path)) from None
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds if len(gdf) else (0, 0, 0, 0)
        if not (-360 <= minx and maxx <= 360 and -90 <= miny and maxy <= 90):
            raise InputError("declares no CRS and its coordinates are not longitudes and latitudes; "
                             "add a .prj or a crs member", where=str(path))
        return gdf.set_crs("EPSG:4326")
    try:
        return gdf.to_crs("EPSG:4326")
    except Exception as exc:  # pyproj raises several types for unusable CRSs
        raise InputError(f"cannot reproject from its CRS {gdf.crs}: {exc}", where=str(path)) from None


def _pick(columns, wanted, given=None, *, path, what):
    if given is not None:
        if given not in columns:
            raise InputError(f"has no field {given!r} for the {what}; fields are: {', '.join(map(str, columns))}",
                             where=str(path))
        return given
    lower = {str(c).lower(): c for c in columns}
    for name in wanted:
        if name in lower:
            return lower[name]
    return None


def read_ports(path, *, name_field=None, kind_field=None, watchlist_field=None, reason_field=None,
               kind=None, watchlist=None, reason=None, buffer_m=None, layer=None, on_invalid="raise"):
    """Read port areas into a GeoDataFrame (name, kind, watchlist, reason, geometry).

    Parameters
    ----------
    path : path
        GeoJSON, GeoPackage, Shapefile (or a zip of one), FlatGeobuf, or CSV with a
        WKT column or lon/lat columns. The NGA World Port Index CSV (Pub 150) is
        recognised by its header.
    name_field, kind_field, watchlist_field, reason_field : str, optional
        Which fields hold the port's name, kind, watch-list state and reason;
        by default ``name``, ``kind``, ``watchlist`` and ``reason`` when present.
    kind, watchlist, reason : optional
        Values for every port of the file, where no field gives them.
    buffer_m : float, optional
        Radius in metres of the circle made around point ports. Required for
        points, except World Port Index rows, which default by harbour size
        (:data:`WPI_RADIUS_M`).
    on_invalid : {"raise", "skip"}, keyword-only
        ``raise``: any bad feature is an error listing every bad one. ``skip``:
        bad features are left out and listed in ``attrs["skipped"]`` as
        ``(row, field, reason)`` for the caller to report.

    Returns
    -------
    geopandas.GeoDataFrame
        Valid polygons in EPSG:4326; invalid ones repaired (``repaired`` column
        says which), points buffered geodesically, parts split at ±180.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "p.csv")
    >>> _ = open(p, "w").write("name,lon,lat,watchlist\\nRajin,130.3,42.24,yes\\n")
    >>> ports = read_ports(p, buffer_m=2000)
    >>> ports[["name", "kind", "watchlist"]].values.tolist()
    [['Rajin', 'port', True]]
    """
    if on_invalid not in ("raise", "skip"):
        raise InputError(f"on_invalid must be raise or skip, not {on_invalid!r}")
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError("no such file", where=str(path))
    if suffix not in SUFFIXES:
        raise InputError(f"unsupported port file type {suffix or '(none)'!r}; use one of {', '.join(SUFFIXES)}",
                         where=str(path))
    first_row = 1
    if suffix == ".csv":
        gdf, buffer_m, name_field = _read_csv(path, buffer_m=buffer_m, name_field=name_field)
        first_row = 2
    else:
        gdf = read_gis(f"/vsizip/{path}" if suffix == ".zip" else path, layer=layer)

    n = len(gdf)
    if n == 0:
        raise InputError("holds no features", where=str(path))
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    name_col = _pick(cols, ("name",), name_field, path=path, what="name")
    kind_col = _pick(cols, ("kind",), kind_field, path=path, what="kind")
    watch_col = _pick(cols, ("watchlist", "watch_listed", "watchlisted"), watchlist_field, path=path, what="watch list")
    reason_col = _pick(cols, ("reason",), reason_field, path=path, what="reason")
    if name_col is None:
        raise InputError("has no 'name' field; name the field that holds port names with --name-field",
                         where=str(path))

    problems = []
    rows = np.arange(n) + first_row
    names = gdf[name_col].astype("string").str.strip()
    for i in np.flatnonzero((names.isna() | (names == "")).to_numpy()):
        problems.append((rows[i], name_col, "port has no name"))

    kinds = gdf[kind_col].astype("string").str.strip().str.lower() if kind_col else pd.Series([None] * n, dtype="string")
    kinds = kinds.fillna(kind or "port")
    for i in np.flatnonzero(~kinds.isin(PORT_KINDS).to_numpy()):
        problems.append((rows[i], kind_col or "kind", f"kind {kinds.iat[i]!r} is not one of {', '.join(PORT_KINDS)}"))

    watch = np.full(n, bool(watchlist))
    if watch_col:
        for i, value in enumerate(gdf[watch_col].tolist()):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            try:
                watch[i] = parse_bool(value)
            except InputError as exc:
                problems.append((rows[i], watch_col, exc.message + "; write true or false"))
    reasons = gdf[reason_col].astype("string").str.strip() if reason_col else pd.Series([None] * n, dtype="string")
    reasons = reasons.mask(reasons == "").fillna(reason) if reason else reasons.mask(reasons == "")

    geoms, repaired = _polygons(gdf.geometry.values, buffer_m, rows, problems, path)
    problems.sort(key=lambda p: p[0])
    if problems and on_invalid == "raise":
        raise RowErrors(str(path), problems)
    out = gpd.GeoDataFrame(
        {"name": names.astype(object), "kind": kinds.astype(object), "watchlist": watch,
         "reason": reasons.astype(object).where(reasons.notna(), None), "repaired": repaired},
        geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"),
    )
    if problems:
        out = out[~np.isin(rows, [p[0] for p in problems])].reset_index(drop=True)
        if out.empty:
            raise RowErrors(str(path), problems)
    out.attrs["skipped"] = problems
    return out


def _read_csv(path, *, buffer_m, name_field):
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"is not a readable CSV ({str(exc).splitlines()[0]})", where=str(path)) from None
    if _WPI_COLUMNS <= set(df.columns):
        lon = pd.to_numeric(df["Longitude"], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(df["Latitude"], errors="coerce").to_numpy(float)
        radius = buffer_m
        if radius is None:
            radius = df.get("Harbor Size", pd.Series([""] * len(df))).map(WPI_RADIUS_M).fillna(WPI_RADIUS_M["Small"]).to_numpy(float)
        df = df.rename(columns={"Main Port Name": "name"})
        gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326"))
        return gdf, radius, name_field
    wkt = _pick(df.columns, _WKT, path=path, what="geometry")
    if wkt is not None:
        geoms = shapely.from_wkt(df[wkt].replace("", None).to_numpy(), on_invalid="ignore")
        df = df.drop(columns=[wkt])
    else:
        lon_c, lat_c = _pick(df.columns, _LON, path=path, what="lon"), _pick(df.columns, _LAT, path=path, what="lat")
        if lon_c is None or lat_c is None:
            raise InputError("has no WKT column and no lon/lat columns; add a 'wkt' column or 'lon' and 'lat'",
                             where=str(path))
        lon = pd.to_numeric(df[lon_c], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(df[lat_c], errors="coerce").to_numpy(float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        geoms = np.full(len(df), None, dtype=object)
        geoms[ok] = shapely.points(lon[ok], lat[ok])
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326")), buffer_m, name_field


def _polygons(geoms, buffer_m, rows, problems, path):
    """Polygons from the file's geometries: points buffered, invalid ones repaired."""
    n = len(geoms)
    out = np.full(n, None, dtype=object)
    repaired = np.zeros(n, dtype=bool)
    radius = np.broadcast_to(np.asarray(np.nan if buffer_m is None else buffer_m, dtype=float), (n,))
    types = shapely.get_type_id(geoms)
    for i in range(n):  # per port, not per sighting: ports are few and made once
        g = geoms[i]
        if g is None or shapely.is_empty(g):
            problems.append((rows[i], "geometry", "geometry is missing or empty"))
            continue
        if types[i] in (0, 4):  # Point, MultiPoint
            if not np.isfinite(radius[i]) or radius[i] <= 0:
                problems.append((rows[i], "geometry", "a point is not an area; give --buffer-m to make a circle of that radius"))
                continue
            c = g.centroid if types[i] == 4 else g
            if not (-180 <= c.x <= 180 and -90 <= c.y <= 90):
                problems.append((rows[i], "geometry", f"point ({c.x}, {c.y}) is not a longitude/latitude"))
                continue
            out[i] = geodesic_circle(c.x, c.y, radius[i])
            continue
        if types[i] not in (3, 6):
            problems.append((rows[i], "geometry", f"a {g.geom_type} is not a port area; give polygons"))
            continue
        minx, miny, maxx, maxy = g.bounds
        if miny < -90 or maxy > 90 or minx < -540 or maxx > 540:
            problems.append((rows[i], "geometry", "coordinates are not longitudes and latitudes"))
            continue
        if not g.is_valid:
            fixed = shapely.make_valid(g)
            parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
            if not parts:
                reason = shapely.is_valid_reason(g)
                problems.append((rows[i], "geometry", f"invalid polygon that cannot be repaired ({reason})"))
                continue
            g = shapely.union_all(parts)
            repaired[i] = True
        out[i] = split_antimeridian(g)
    return out, repaired
