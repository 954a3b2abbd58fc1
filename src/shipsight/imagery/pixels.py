"""Pixel <-> lon/lat for any georeferenced raster, vectorised with pyproj.

Pixel convention
----------------
Pixel coordinates are ``(row, col)``, counted from the top-left of the image.

- **Integer** rows/cols (any integer dtype) name a pixel: they stand for that
  pixel's **centre**, ``(row + 0.5, col + 0.5)``. This is what a detector's
  ``row``/``column`` or an analyst's click on a pixel means.
- **Floating** rows/cols are continuous image coordinates and are taken
  **as is**: ``(0.0, 0.0)`` is the top-left *corner* of the top-left pixel and
  ``(0.5, 0.5)`` its centre. A sub-pixel centroid or a COCO bbox centre
  (``x + w / 2``) is already in this system.

So ``3`` and ``3.0`` differ by half a pixel, on purpose: cast deliberately.
:func:`lonlat_to_pixel` returns continuous (float) coordinates; pass
``as_index=True`` to get the integer pixel that contains each point, which
round-trips with :func:`pixel_to_lonlat` on integers.

Transforms are affine 6-tuples in rasterio/affine order ``(a, b, c, d, e, f)``
(``x = a*col + b*row + c``, ``y = d*col + e*row + f``), or an
:class:`affine.Affine`. CRSs are anything pyproj understands: ``"EPSG:32652"``,
WKT, a :class:`rasterio.crs.CRS` or a :class:`pyproj.CRS`.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from shipsight.errors import InputError


def _crs_key(crs):
    """A hashable text form of a CRS given in any of the accepted kinds."""
    if crs is None:
        raise InputError("the raster has no coordinate reference system; register the georeferenced product it came from")
    if isinstance(crs, str):
        return crs
    to_wkt = getattr(crs, "to_wkt", None)
    if to_wkt is None:
        raise InputError(f"{crs!r} is not a coordinate reference system")
    return to_wkt()


@lru_cache(maxsize=64)
def _crs(key):
    try:
        crs = CRS.from_user_input(key)
    except CRSError:
        raise InputError(f"unknown coordinate reference system {key[:80]!r}; give an EPSG code or WKT") from None
    if crs.geodetic_crs is None:
        raise InputError(
            f"coordinate reference system {crs.name!r} is not tied to the Earth (no datum); "
            "georeference the raster in a real CRS"
        )
    return crs


@lru_cache(maxsize=64)
def _transformers(key):
    """(to lon/lat, from lon/lat) transformers for a CRS, cached: building one costs ~ms."""
    crs = _crs(key)
    try:
        fwd = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        inv = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    except Exception as exc:  # pyproj raises several types here; all mean "cannot transform"
        raise InputError(f"cannot transform {crs.name!r} to longitude/latitude ({exc})") from None
    return fwd, inv


def _affine(transform):
    if isinstance(transform, Affine):
        return transform
    vals = tuple(float(v) for v in transform)
    if len(vals) not in (6, 9):
        raise InputError(f"a transform has 6 numbers (a, b, c, d, e, f), not {len(vals)}")
    return Affine(*vals[:6])


def normalize_lon(lon):
    """Longitudes folded into [-180, 180).

    >>> normalize_lon([190.0, -181.0, 45.0]).tolist()
    [-170.0, 179.0, 45.0]
    """
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


def _continuous(values):
    """Integer pixel indices -> their centres; floats unchanged (see module docstring)."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(float) + 0.5
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        try:
            return arr.astype(float)
        except (TypeError, ValueError):
            raise InputError(f"pixel coordinates {values!r} are not numbers") from None
    return arr.astype(float)


def _out(arr, scalar):
    return float(arr) if scalar else arr


def pixel_to_lonlat(transform, crs, rows, cols):
    """Longitude and latitude of pixels.

    Parameters
    ----------
    transform : Affine or sequence of 6 floats
        The raster's affine transform, rasterio order ``(a, b, c, d, e, f)``.
    crs : str, rasterio CRS or pyproj CRS
        The raster's coordinate reference system.
    rows, cols : int or float, scalars or array-like
        Pixel positions; integers mean pixel centres, floats are continuous
        coordinates taken as is (see the module docstring).

    Returns
    -------
    lon, lat : float or ndarray
        Degrees on WGS 84, longitude in [-180, 180); arrays broadcast from
        ``rows`` and ``cols``, floats when both are scalars.

    Examples
    --------
    >>> t = (10.0, 0.0, 500000.0, 0.0, -10.0, 4000000.0)   # UTM 52N, 10 m pixels
    >>> lon, lat = pixel_to_lonlat(t, "EPSG:32652", 0, 0)  # centre of pixel (0, 0)
    >>> round(lon, 6), round(lat, 6)
    (129.000056, 36.144673)
    """
    fwd, _ = _transformers(_crs_key(crs))
    t = _affine(transform)
    scalar = np.ndim(rows) == 0 and np.ndim(cols) == 0
    r, c = np.broadcast_arrays(_continuous(rows), _continuous(cols))
    x = t.a * c + t.b * r + t.c
    y = t.d * c + t.e * r + t.f
    lon, lat = fwd.transform(x, y)
    lon = normalize_lon(lon)
    lat = np.asarray(lat, dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        lon, lat = np.where(bad, np.nan, lon), np.where(bad, np.nan, lat)
    return _out(lon, scalar), _out(lat, scalar)


def lonlat_to_pixel(transform, crs, lon, lat, *, as_index=False, width=None):
    """Pixel coordinates of longitude/latitude points.

    Parameters
    ----------
    transform : Affine or sequence of 6 floats
        The raster's affine transform, rasterio order ``(a, b, c, d, e, f)``.
    crs : str, rasterio CRS or pyproj CRS
        The raster's coordinate reference system.
    lon, lat : float or array-like
        Degrees on WGS 84; any longitude (it is wrapped as needed).
    as_index : bool, keyword-only
        False (default): continuous float coordinates, ``(0.5, 0.5)`` being the
        centre of the top-left pixel. True: the integer ``(row, col)`` of the
        pixel containing each point (floor); points that cannot be projected
        raise :class:`InputError`.
    width : int, optional, keyword-only
        The image width in pixels; only used in a geographic CRS to pick which
        360-degree copy of a longitude to use (see Notes).

    Returns
    -------
    rows, cols : float or ndarray
        Broadcast from ``lon`` and ``lat``; NaN where a point cannot be
        projected into the CRS. Points outside the image get coordinates
        outside ``[0, height) x [0, width)``: this function does not know the
        image size; :func:`check_pixel_in_scene` does.

    Notes
    -----
    In a geographic CRS (e.g. EPSG:4326 with x running past 180) a longitude is
    taken into the 360-degree range starting at the image's left edge, so a
    scene that crosses the antimeridian maps both 179.9 and -179.9 inside it;
    a point a little west of the image then lands far east of it (still
    outside). Given ``width``, the range is centred on the image instead.

    Examples
    --------
    >>> t = (10.0, 0.0, 500000.0, 0.0, -10.0, 4000000.0)
    >>> r, c = lonlat_to_pixel(t, "EPSG:32652", 129.000056, 36.144673, as_index=True)
    >>> int(r), int(c)
    (0, 0)
    """
    key = _crs_key(crs)
    _, inv = _transformers(key)
    t = _affine(transform)
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    lon = normalize_lon(lon)
    x, y = inv.transform(lon, lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if _crs(key).is_geographic and t.b == 0 and t.a > 0:
        # Continuous longitudes from the left edge (or around the centre), so scenes across 180 work.
        start = t.c if width is None else t.c + t.a * float(width) / 2.0 - 180.0
        x = start + (x - start) % 360.0
    inv_t = ~t
    col = inv_t.a * x + inv_t.b * y + inv_t.c
    row = inv_t.d * x + inv_t.e * y + inv_t.f
    bad = ~(np.isfinite(row) & np.isfinite(col))
    if bad.any():
        row, col = np.where(bad, np.nan, row), np.where(bad, np.nan, col)
    if as_index:
        if bad.any():
            raise InputError("a position cannot be projected into the raster's coordinate reference system")
        row, col = np.floor(row).astype(np.int64), np.floor(col).astype(np.int64)
        if scalar:
            return int(row), int(col)
        return row, col
    return _out(row, scalar), _out(col, scalar)


def ground_pixel_size(transform, crs, rows, cols):
    """Ground size in metres of one pixel at (continuous) pixel positions.

    Measured geodesically between the position and its neighbours one column
    and one row away, so it is true ground size in any CRS (a Web Mercator
    "10 m" pixel is ~8.2 m of ground at 35 degrees N).

    Returns
    -------
    gx, gy : float or ndarray
        Metres along a row (x) and along a column (y).

    >>> t = (10.0, 0.0, 500000.0, 0.0, -10.0, 4000000.0)
    >>> [round(v, 2) for v in ground_pixel_size(t, "EPSG:32652", 100.0, 100.0)]
    [10.0, 10.0]
    """
    from shipsight.geodesy import distance_m

    r = np.asarray(rows, dtype=float)
    c = np.asarray(cols, dtype=float)
    lon0, lat0 = pixel_to_lonlat(transform, crs, r, c)
    lon1, lat1 = pixel_to_lonlat(transform, crs, r, c + 1.0)
    lon2, lat2 = pixel_to_lonlat(transform, crs, r + 1.0, c)
    gx = distance_m(lon0, lat0, lon1, lat1)
    gy = distance_m(lon0, lat0, lon2, lat2)
    if np.ndim(gx) == 0:
        return float(gx), float(gy)
    return gx, gy


def _field(info, name):
    if isinstance(info, dict):
        return info.get(name)
    return getattr(info, name, None)


def _pixel_from_file(path, options, width, height, r, c):
    """(lon, lat, valid) of a continuous pixel through the scene file's own georeferencing and mask.

    Nones when the file is not the size registered. A file at hand that
    cannot be read (truncated, corrupt at that pixel) raises
    :class:`InputError` rather than falling back to the stored footprint:
    the analyst should know the scene file is damaged.
    """
    from rasterio.windows import Window

    from shipsight.imagery.products import open_dataset, reopen
    from shipsight.imagery.products.fill import valid_mask

    product = reopen(path, options)
    with open_dataset(product.raster) as ds:
        if ds.width != width or ds.height != height:
            return None, None, None
        lon, lat = product.georef(ds).lonlat(r, c)
        valid = bool(valid_mask(ds, product.band, product.fill, window=Window(int(c), int(r), 1, 1))[0, 0])
    return lon, lat, valid


def check_pixel_in_scene(info, row, col):
    """Refuse a pixel outside the image or outside its valid (not nodata) area.

    Parameters
    ----------
    info : SceneInfo or dict
        From :func:`shipsight.imagery.scene.read_scene` (or its ``to_record()``).
    row, col : int or float
        One pixel, in the convention of this module.

    Returns
    -------
    lon, lat : float
        The position of the pixel, when it is in the scene.

    Raises
    ------
    InputError
        When the pixel lies outside the image, or on nodata (declared, or
        undeclared fill such as NaN or a zero border). Position and validity
        come from the scene file when it is at hand -- its geotransform, GCPs
        or RPCs, and its mask at that one pixel (exact); otherwise from the
        stored transform and (simplified) footprint.

    Examples
    --------
    >>> check_pixel_in_scene(info, 10, 20)                  # doctest: +SKIP
    (129.001, 36.139)
    """
    import shapely

    height, width = int(_field(info, "height")), int(_field(info, "width"))
    scene_id = _field(info, "id")
    r = float(_continuous(row))
    c = float(_continuous(col))
    if not (np.isfinite(r) and np.isfinite(c) and 0.0 <= r < height and 0.0 <= c < width):
        raise InputError(
            f"pixel (row {row}, col {col}) is outside scene {scene_id}, which is {height} rows x {width} cols; "
            "rows and columns count from 0 at the top-left"
        )
    path = Path(_field(info, "path"))
    lon = lat = valid = None
    if path.is_file():
        lon, lat, valid = _pixel_from_file(path, _field(info, "product"), width, height, r, c)
    if lon is None:
        transform, crs = _field(info, "transform"), _field(info, "crs")
        if transform is None:
            raise InputError(f"scene {scene_id} is georeferenced by its own file (GCPs or RPCs), which is missing; "
                             "restore it", where=str(path))
        lon, lat = pixel_to_lonlat(transform, crs, r, c)
    if valid is None:
        footprint = _field(info, "footprint")
        if isinstance(footprint, str):
            footprint = shapely.from_wkt(footprint)
        valid = bool(footprint.covers(shapely.Point(lon, lat)))
    if not valid:
        raise InputError(
            f"pixel (row {row}, col {col}) of scene {scene_id} is nodata (outside the imaged area); "
            "pick a pixel on the image"
        )
    return lon, lat
