"""Reading port areas from GIS files and CSVs into validated EPSG:4326 polygons.

Polygons are read as the small area they mean: a ring drawn across ±180 as
one ring (179.5 -> -179.5) is the area across the antimeridian, not a band
round the Earth (:func:`shipsight.geodesy.fold_antimeridian`), and is stored
split there. A polygon wider than a hemisphere is refused unless the user
says it really is (``allow_large``).

The NGA World Port Index (Pub 150) CSV is recognised in its current layout
(``UpdatedPub150.csv``: ``Main Port Name``, ``UN/LOCODE``, ``Harbor Size``...)
and its older one (the ``WPI.shp`` attribute table: ``PORT_NAME``,
``HARBORSIZE`` as a letter...); each port keeps its country, UN/LOCODE, WPI
number and alternate name.
"""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError, RowErrors, ShipsightWarning, names_the_file
from shipsight.geodesy import PolarRingError, geodesic_circle, split_antimeridian, unwrap_antimeridian, widest_part_deg
from shipsight.io.gis import GIS_SUFFIXES, read_gis
from shipsight.model.vocab import PORT_KINDS, parse_bool

SUFFIXES = tuple(GIS_SUFFIXES) + (".csv",)
#: Radius given to a World Port Index point by its harbour size when no --buffer-m is set.
WPI_RADIUS_M = {"Very Small": 1000.0, "Small": 2000.0, "Medium": 4000.0, "Large": 8000.0}
#: The older layout's harbour size letters.
WPI_SIZE_LETTERS = {"V": "Very Small", "S": "Small", "M": "Medium", "L": "Large"}
#: World Port Index layouts: the columns that identify each, and what they hold.
WPI_LAYOUTS = {
    "current": {"name": "Main Port Name", "lat": "Latitude", "lon": "Longitude", "size": "Harbor Size",
                "country": "Country Code", "locode": "UN/LOCODE", "wpi_number": "World Port Index Number",
                "alternate_name": "Alternate Port Name"},
    "older": {"name": "PORT_NAME", "lat": "LATITUDE", "lon": "LONGITUDE", "size": "HARBORSIZE",
              "country": "COUNTRY", "wpi_number": "INDEX_NO"},
}
#: Port identity fields kept beside the name, and the field names they are read from by default.
IDENTITY_FIELDS = {"country": ("country", "country_code", "country code"),
                   "locode": ("locode", "unlocode", "un/locode", "un_locode"),
                   "wpi_number": ("wpi_number", "world port index number", "index_no"),
                   "alternate_name": ("alternate_name", "alternate port name")}
_LON = ("lon", "longitude", "lng", "x")
_LAT = ("lat", "latitude", "y")
_WKT = ("wkt", "geometry", "geom", "the_geom")


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


@names_the_file
def read_ports(path, *, name_field=None, kind_field=None, watchlist_field=None, reason_field=None,
               kind=None, watchlist=None, reason=None, buffer_m=None, layer=None, on_invalid="raise",
               encoding=None, allow_large=False):
    """Read port areas into a GeoDataFrame (name, kind, watchlist, reason, country, locode,
    wpi_number, alternate_name, geometry).

    Parameters
    ----------
    path : path
        GeoJSON, GeoPackage, Shapefile (or a zip of one), FlatGeobuf, KML/KMZ,
        or CSV (any delimiter; see :mod:`shipsight.io.csvfile`) with a WKT
        column or lon/lat columns (decimal degrees or DMS). The NGA World Port
        Index CSV (Pub 150) is recognised by its header, in both layouts.
    name_field, kind_field, watchlist_field, reason_field : str, optional
        Which fields hold the port's name, kind, watch-list state and reason;
        by default ``name``, ``kind``, ``watchlist`` and ``reason`` when present.
        ``country``, ``locode`` (or ``unlocode``), ``wpi_number`` and
        ``alternate_name`` are kept when present.
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
    encoding : str, optional
        Text encoding of a CSV or of a Shapefile without ``.cpg``.
    allow_large : bool
        Keep polygons wider than a hemisphere (180 degrees of longitude), which
        are otherwise refused as almost surely drawn wrong.

    Returns
    -------
    geopandas.GeoDataFrame
        Valid polygons in EPSG:4326; invalid ones repaired (``repaired`` column
        says which), points buffered geodesically, areas across ±180 split there.

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
    problems = []
    if suffix == ".csv":
        gdf, buffer_m, name_field = _read_csv(path, buffer_m=buffer_m, name_field=name_field, encoding=encoding,
                                              problems=problems)
        first_row = 2
    else:
        gdf = read_gis(path, layer=layer, encoding=encoding)
    no_position = {p[0] for p in problems}  # rows whose lon/lat were refused: no geometry to check

    n = len(gdf)
    if n == 0:
        raise InputError("holds no features", where=str(path))
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    name_col = _pick(cols, ("name",), name_field, path=path, what="name")
    kind_col = _pick(cols, ("kind",), kind_field, path=path, what="kind")
    watch_col = _pick(cols, ("watchlist", "watch_listed", "watchlisted"), watchlist_field, path=path, what="watch list")
    reason_col = _pick(cols, ("reason",), reason_field, path=path, what="reason")
    if name_col is None:
        raise InputError(f"has no 'name' field; name the field that holds port names with --name-field "
                         f"(fields: {', '.join(map(str, cols))})", where=str(path))

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

    geoms, repaired = _polygons(gdf.geometry.values, buffer_m, rows, problems, allow_large=allow_large,
                                no_position=no_position)
    columns = {"name": names.astype(object), "kind": kinds.astype(object), "watchlist": watch,
               "reason": reasons.astype(object).where(reasons.notna(), None)}
    columns.update(_identity(gdf, cols))
    columns["repaired"] = repaired
    out = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    return keep_good_features(out, rows, problems, on_invalid=on_invalid, path=path)


def keep_good_features(frame, rows, problems, *, on_invalid, path):
    """``frame`` less its bad features, or RowErrors.

    ``problems`` are ``(row, field, reason)`` with ``row`` one of ``rows``
    (the file's numbering of the frame's rows). ``on_invalid="raise"``: any
    problem raises RowErrors listing them all; ``"skip"``: the features they
    name are left out and listed, sorted, in ``attrs["skipped"]`` (RowErrors
    if none is left).

    >>> f = gpd.GeoDataFrame({"a": [1, 2]}, geometry=gpd.points_from_xy([0, 1], [0, 1]))
    >>> keep_good_features(f, np.array([1, 2]), [(2, "geometry", "bad")], on_invalid="skip", path="x")["a"].tolist()
    [1]
    """
    problems.sort(key=lambda p: p[0])
    if problems and on_invalid == "raise":
        raise RowErrors(str(path), problems, hint="--on-invalid skip imports the good features and lists the bad")
    if problems:
        frame = frame[~np.isin(rows, [p[0] for p in problems])].reset_index(drop=True)
        if frame.empty:
            raise RowErrors(str(path), problems)
    frame.attrs["skipped"] = problems
    return frame


def _identity(gdf, cols):
    """The country, UN/LOCODE, WPI number and alternate name of each port (None where not given)."""
    out = {}
    n = len(gdf)
    for field, names in IDENTITY_FIELDS.items():
        col = _pick(cols, names, path=None, what=field)
        if col is None:
            out[field] = [None] * n
            continue
        values = gdf[col].astype("string").str.strip()
        if field == "wpi_number":
            values = values.str.replace(r"\.0+$", "", regex=True)
        if field == "locode":
            # UN/LOCODE is five characters, written with or without a space after the country.
            values = values.str.upper().str.replace(r"\s+", " ", regex=True)
        values = values.mask(values == "")
        out[field] = values.astype(object).where(values.notna(), None).tolist()
    return out


def _wpi_layout(columns):
    for layout, spec in WPI_LAYOUTS.items():
        if {spec["name"], spec["lat"], spec["lon"]} <= set(columns):
            return layout, spec
    return None, None


def _read_csv(path, *, buffer_m, name_field, encoding, problems):
    from shipsight.io.csvfile import describe_columns, read_csv_text
    from shipsight.model.coords import parse_coordinates

    df = read_csv_text(path, encoding=encoding)
    layout, spec = _wpi_layout(df.columns)
    if layout is not None:
        lon = parse_coordinates(df[spec["lon"]], "lon", field=spec["lon"])
        lat = parse_coordinates(df[spec["lat"]], "lat", field=spec["lat"])
        for i in np.flatnonzero(lon.bad | lat.bad):
            field = spec["lat"] if lat.bad[i] else spec["lon"]
            empty = lat.reasons[i] if lat.bad[i] else lon.reasons[i]
            if df[spec["lat"]].iat[i].strip() == "" or df[spec["lon"]].iat[i].strip() == "":
                empty = f"{spec['lat']}/{spec['lon']} is empty: the port has no position"
            problems.append((i + 2, field, empty))
        ok = ~(lon.bad | lat.bad)
        geoms = np.full(len(df), None, dtype=object)
        geoms[ok] = shapely.points(lon.values[ok], lat.values[ok])
        radius = buffer_m
        if radius is None:
            size = df[spec["size"]].str.strip() if spec["size"] in df.columns else pd.Series([""] * len(df))
            if layout == "older":
                size = size.str.upper().map(WPI_SIZE_LETTERS)
            unknown = ~size.isin(list(WPI_RADIUS_M)).to_numpy() & ok
            if unknown.any():
                warnings.warn(f"{path}: {int(unknown.sum())} port(s) without a harbour size buffered as Small "
                              f"({WPI_RADIUS_M['Small'] / 1000:g} km); give --buffer-m to choose", ShipsightWarning,
                              stacklevel=3)
            radius = size.map(WPI_RADIUS_M).fillna(WPI_RADIUS_M["Small"]).to_numpy(float)
        renames = {spec[k]: k for k in ("name", "country", "locode", "wpi_number", "alternate_name") if k in spec}
        if name_field is not None:
            renames.pop(name_field, None)  # the user's choice of name field stands
        df = df.rename(columns=renames)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326")), radius, name_field
    wkt = _pick(df.columns, _WKT, path=path, what="geometry")
    if wkt is not None:
        geoms = shapely.from_wkt(df[wkt].replace("", None).to_numpy(), on_invalid="ignore")
        df = df.drop(columns=[wkt])
    else:
        lon_c, lat_c = _pick(df.columns, _LON, path=path, what="lon"), _pick(df.columns, _LAT, path=path, what="lat")
        if lon_c is None or lat_c is None:
            raise InputError(f"has no WKT column and no lon/lat columns ({describe_columns(df)}); a ports CSV "
                             "needs 'wkt', or 'lon' and 'lat' with --buffer-m", where=str(path))
        lon = parse_coordinates(df[lon_c], "lon", field=lon_c)
        lat = parse_coordinates(df[lat_c], "lat", field=lat_c)
        commas = [c for c, p in ((lon_c, lon), (lat_c, lat)) if p.decimal_commas]
        if commas:
            warnings.warn(f"{path}: read decimal commas in {' and '.join(commas)}", ShipsightWarning, stacklevel=3)
        for i in np.flatnonzero(lon.bad | lat.bad):
            problems.append((i + 2, lat_c if lat.bad[i] else lon_c, lat.reasons[i] if lat.bad[i] else lon.reasons[i]))
        ok = ~(lon.bad | lat.bad)
        geoms = np.full(len(df), None, dtype=object)
        geoms[ok] = shapely.points(lon.values[ok], lat.values[ok])
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326")), buffer_m, name_field


def _polygons(geoms, buffer_m, rows, problems, *, allow_large=False, no_position=()):
    """Polygons from the file's geometries: points buffered, invalid ones repaired, ±180 read right."""
    n = len(geoms)
    out = np.full(n, None, dtype=object)
    repaired = np.zeros(n, dtype=bool)
    radius = np.broadcast_to(np.asarray(np.nan if buffer_m is None else buffer_m, dtype=float), (n,))
    types = shapely.get_type_id(geoms)
    for i in range(n):  # per port, not per sighting: ports are few and made once
        g = geoms[i]
        if rows[i] in no_position:
            continue
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
        g, repaired[i], problem = checked_polygon(g, allow_large=allow_large)
        if problem:
            problems.append((rows[i], "geometry", problem))
            continue
        out[i] = split_antimeridian(g)
    return out, repaired


def checked_polygon(g, *, allow_large=False):
    """``(polygon, repaired, problem)`` of a (multi)polygon read from a file, before splitting at ±180.

    Coordinates must be longitudes and latitudes; a ring drawn across ±180 is
    unwrapped, one round a pole refused, one wider than a hemisphere refused
    unless ``allow_large``; an invalid polygon is made valid keeping its
    polygonal parts (``repaired`` True), or refused when none is left.
    ``problem`` says why, or is None.

    >>> checked_polygon(shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]))[1:]
    (True, None)
    >>> checked_polygon(shapely.box(0, 0, 1, 100))[2]
    'coordinates are not longitudes and latitudes'
    """
    minx, miny, maxx, maxy = g.bounds
    if miny < -90 or maxy > 90 or minx < -540 or maxx > 540:
        return None, False, "coordinates are not longitudes and latitudes"
    try:
        g = unwrap_antimeridian(g)
    except PolarRingError:
        return None, False, "the polygon goes round a pole; split it into parts that do not"
    width = widest_part_deg(g)
    if width > 180.0 and not allow_large:
        return None, False, (f"the polygon spans {width:.1f} degrees of longitude, wider than a hemisphere; "
                             "if it really is that large, give --allow-large")
    if g.is_valid:
        return g, False, None
    parts = [p for p in shapely.get_parts(shapely.make_valid(g)) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None, False, f"invalid polygon that cannot be repaired ({shapely.is_valid_reason(g)})"
    return shapely.union_all(parts), True, None
