"""Where the land is: GSHHG coastline, land polygon files, and the image itself.

Three sources, each for what it does best:

- :func:`on_land` -- roaring-landmask's GSHHG coastline (the data ship in the
  wheel), read from shipsight's local tile cache of its polygons
  (:mod:`shipsight.coast`): only the tiles around the scene.
- :func:`read_mask_polygons` / :func:`rasterize_polygons` -- a user's land or
  infrastructure polygons (any file pyogrio reads, or shapely geometries),
  reprojected to the raster's CRS and burnt per tile.
- :func:`image_land_blocks` -- land seen in the image where the coastline is
  too coarse (harbours, new quays, reclaimed land): large connected regions
  clearly brighter than open water.

:func:`gshhg_cells` answers first, from a small index shipped with shipsight
(``data/gshhg_coast_index.npz``, 0.1 degree cells, built from the same GSHHG
polygons by :func:`build_coast_index`), whether a box holds any coast or land
at all: an open-sea scene never reads the coastline.

Example
-------
>>> on_land([129.0, 131.0], [35.17, 39.0]).tolist()   # Busan; Sea of Japan
[True, False]
"""

import functools
from pathlib import Path

import numpy as np

from shipsight.errors import InputError

# pyproj and scipy are imported inside the functions that need them: detect
# imports this module for every scene and should start fast.

__all__ = [
    "on_land",
    "read_mask_polygons",
    "rasterize_polygons",
    "image_land_blocks",
    "land_block_grid",
    "gshhg_cells",
    "build_coast_index",
]

#: The coarse GSHHG index (see :func:`build_coast_index`).
COAST_INDEX = Path(__file__).with_name("data") / "gshhg_coast_index.npz"


def on_land(lon, lat):
    """True where a point lies on land by the GSHHG full-resolution coastline.

    Read from shipsight's tile cache of roaring-landmask's GSHHG polygons
    (:func:`shipsight.coast.on_land`): only the tiles the points fall in.

    Parameters
    ----------
    lon, lat : array_like
        Degrees, any shape (broadcast together).

    Returns
    -------
    numpy.ndarray of bool, the broadcast shape.

    Examples
    --------
    >>> on_land(-118.25, 34.05).item()   # downtown Los Angeles
    True
    """
    from shipsight.coast import on_land as coast_on_land

    return coast_on_land(lon, lat)


def read_mask_polygons(land=None, mask_geoms=None, *, crs):
    """Land and infrastructure polygons in the raster's CRS, as a shapely array.

    Parameters
    ----------
    land : str or Path, optional
        A vector file of land polygons (GeoPackage, GeoJSON, Shapefile,
        FlatGeobuf, ... anything pyogrio reads). Its CRS is honoured.
    mask_geoms : GeoSeries, GeoDataFrame or sequence of shapely geometries, optional
        More polygons to mask (quays, breakwaters, oil platforms). A plain
        sequence is taken to be in EPSG:4326 (lon, lat).
    crs : CRS
        The raster's CRS; everything is reprojected to it.

    Returns
    -------
    numpy.ndarray of shapely geometries (polygons only; may be empty).

    Raises
    ------
    InputError
        The file is missing, unreadable or has no CRS.
    """
    import geopandas as gpd
    import shapely

    parts = []
    if land is not None:
        try:
            frame = gpd.read_file(land)
        except Exception as exc:  # pyogrio raises several types; all mean "not a vector file we can read"
            raise InputError(
                f"cannot read land polygons ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); "
                "give a GeoPackage, GeoJSON, Shapefile or other OGR vector file",
                where=str(land),
            ) from None
        if frame.crs is None:
            raise InputError("land polygon file has no CRS; set one (e.g. EPSG:4326)", where=str(land))
        parts.append(frame.geometry.to_crs(crs))
    if mask_geoms is not None:
        series = mask_geoms.geometry if hasattr(mask_geoms, "geometry") else mask_geoms
        if not isinstance(series, gpd.GeoSeries):
            series = gpd.GeoSeries(list(series), crs="EPSG:4326")
        elif series.crs is None:
            series = series.set_crs("EPSG:4326")
        parts.append(series.to_crs(crs))
    if not parts:
        return np.empty(0, dtype=object)
    geoms = np.concatenate([np.asarray(p.values, dtype=object) for p in parts])
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = shapely.make_valid(geoms)
    kind = shapely.get_type_id(geoms)
    # Polygons (3), multipolygons (6) and collections (7) can hold area; points and lines cannot.
    return geoms[np.isin(kind, (3, 6, 7)) & ~shapely.is_empty(geoms)]


def rasterize_polygons(geoms, transform, shape):
    """Burn polygons into a boolean pixel mask (True inside), all-touched off.

    Parameters
    ----------
    geoms : array of shapely geometries, in the raster's CRS
    transform : affine.Affine
        Transform of the window the mask covers.
    shape : (int, int)

    Returns
    -------
    numpy.ndarray of bool, ``shape``.
    """
    import shapely
    from rasterio.features import rasterize

    if len(geoms) == 0:
        return np.zeros(shape, dtype=bool)
    h, w = shape
    x0, y0 = transform * (0, 0)
    x1, y1 = transform * (w, h)
    win = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    hit = np.asarray(geoms)[shapely.intersects(geoms, win)]
    if hit.size == 0:
        return np.zeros(shape, dtype=bool)
    burnt = rasterize(((g, 1) for g in hit), out_shape=shape, transform=transform, fill=0, dtype="uint8")
    return burnt.astype(bool)


def image_land_blocks(block_bright, block_n, *, smooth, opening, min_fraction=0.5):
    """Land found in the image: large regions where most pixels are bright.

    Works on a grid of blocks: ``block_bright`` counts, per block, the valid
    pixels clearly brighter than open water, ``block_n`` the valid pixels.
    A low-pass over ``smooth`` cells each side gives the bright fraction;
    where at least ``min_fraction`` of pixels are bright the region is land.
    A fraction, not a mean: an anchorage full of ships and side lobes has a
    high mean but mostly dark water between them. A morphological opening
    with a disc of radius ``opening`` cells then removes anything narrower
    than the disc -- ships, breakwaters, wakes -- and keeps land, quays and
    clouds. Every step looks at a bounded neighbourhood, so tiles that
    overlap by ``smooth + 2 * opening + 1`` cells agree with the whole scene.

    Parameters
    ----------
    block_bright, block_n : 2-D arrays
        Bright and valid pixel counts per block.
    smooth, opening : int
        Radii in cells.
    min_fraction : float
        Bright fraction that makes land.

    Returns
    -------
    numpy.ndarray of bool, the grid's shape; True = land.

    Examples
    --------
    >>> n = np.full((40, 40), 64.0)
    >>> b = np.zeros((40, 40)); b[:, :15] = 50; b[20, 30] = 64
    >>> land = image_land_blocks(b, n, smooth=1, opening=3)
    >>> bool(land[20, 5]), bool(land[20, 30])
    (True, False)
    """
    from scipy import ndimage

    size = 2 * smooth + 1
    num = ndimage.uniform_filter(np.asarray(block_bright, dtype=np.float64), size, mode="constant")
    den = ndimage.uniform_filter(np.asarray(block_n, dtype=np.float64), size, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        bright = (num / den) >= min_fraction
    if not bright.any():  # open water: nothing to open or dilate
        return bright
    if opening > 0:
        yy, xx = np.mgrid[-opening:opening + 1, -opening:opening + 1]
        disc = (yy**2 + xx**2) <= opening**2 + 0.5
        # Pad by repeating the edge: a coast that runs off the grid stays land.
        padded = np.pad(bright, opening, mode="edge")
        bright = ndimage.binary_opening(padded, structure=disc)[opening:-opening, opening:-opening]
    # One cell of margin: the edge of a bright region is half land, half water.
    return ndimage.binary_dilation(bright, structure=np.ones((3, 3), dtype=bool))


def land_block_grid(georef, nby, nbx, block, *, chunk=256):
    """GSHHG land at the centre of every ``block x block`` pixel block of a scene.

    ``georef`` is the scene's :class:`~shipsight.imagery.georef.Georef`
    (geotransform, GCPs or RPCs). Computed ``chunk`` block rows at a time so
    memory stays small for any scene size.

    Returns
    -------
    numpy.ndarray of bool, ``(nby, nbx)``.
    """
    out = np.zeros((nby, nbx), dtype=bool)
    cols = np.arange(nbx) * block + (block - 1) / 2.0
    for i in range(0, nby, chunk):
        rows = np.arange(i, min(i + chunk, nby)) * block + (block - 1) / 2.0
        lon, lat = georef.lonlat_grid(rows, cols)
        out[i:i + rows.size] = on_land(lon, lat)
    return out


# ------------------------------------------------------- coarse GSHHG index


@functools.lru_cache(maxsize=1)
def _coast_index():
    """``(state, res)``: uint8 grid, 0 sea / 1 land / 2 coast, rows from 90 N; None if absent."""
    if not COAST_INDEX.exists():
        return None
    with np.load(COAST_INDEX) as z:
        shape = tuple(int(v) for v in z["shape"])
        n = shape[0] * shape[1]
        coast = np.unpackbits(z["coast"])[:n].reshape(shape).astype(bool)
        land = np.unpackbits(z["land"])[:n].reshape(shape).astype(bool)
        res = float(z["res"])
    state = np.where(coast, 2, np.where(land, 1, 0)).astype(np.uint8)
    return state, res


def gshhg_cells(lon_min, lat_min, lon_max, lat_max):
    """What GSHHG holds in a lon/lat box: ``"sea"``, ``"land"``, ``"coast"`` or None.

    ``"sea"``: no land and no coastline anywhere in the box, so no point in it
    is on land and :func:`on_land` need not be asked. ``"land"``: all land.
    ``"coast"``: a coastline is within a cell (about 11 km) of the box. None:
    the index is missing or the box crosses the antimeridian; ask
    :func:`on_land`. Conservative: the index marks every 0.1 degree cell a
    coastline touches, and the cells next to those, as coast.

    Examples
    --------
    >>> gshhg_cells(130.0, 39.0, 131.0, 39.8)     # Sea of Japan
    'sea'
    >>> gshhg_cells(128.9, 35.0, 129.2, 35.2)     # Busan
    'coast'
    """
    index = _coast_index()
    if index is None or not (lon_min <= lon_max) or not np.all(np.isfinite([lon_min, lat_min, lon_max, lat_max])):
        return None
    state, res = index
    nrow, ncol = state.shape
    r0 = int(np.clip(np.floor((90.0 - lat_max) / res), 0, nrow - 1))
    r1 = int(np.clip(np.floor((90.0 - lat_min) / res), 0, nrow - 1))
    c0 = int(np.clip(np.floor((lon_min + 180.0) / res), 0, ncol - 1))
    c1 = int(np.clip(np.floor((lon_max + 180.0) / res), 0, ncol - 1))
    cells = state[r0:r1 + 1, c0:c1 + 1]
    if (cells == 0).all():
        return "sea"
    if (cells == 1).all():
        return "land"
    return "coast"


def build_coast_index(out=COAST_INDEX, *, res=0.1):
    """Write the coarse GSHHG index :func:`gshhg_cells` reads.

    Every ``res``-degree cell that a GSHHG shoreline (roaring-landmask's
    full-resolution polygons, outer and inner rings) touches is coast, and so
    are its eight neighbours (a margin for rasterisation at cell edges); of
    the other cells, those whose centre is inside a polygon are land.
    Needs about 20 s and 2.5 GB once; run it when roaring-landmask's GSHHG
    data change::

        python -c "from shipsight.imagery.landmask import build_coast_index; build_coast_index()"
    """
    import shapely
    from rasterio.features import rasterize
    from rasterio.transform import from_origin
    from roaring_landmask import LandmaskProvider, Shapes
    from scipy import ndimage

    polys = shapely.get_parts(shapely.from_wkb(Shapes.wkb(LandmaskProvider.Gshhg)))
    shape = (int(round(180 / res)), int(round(360 / res)))
    tr = from_origin(-180.0, 90.0, res, res)
    coast = rasterize(((g, 1) for g in shapely.boundary(polys)), out_shape=shape, transform=tr,
                      all_touched=True, dtype="uint8").astype(bool)
    # Columns wrap at +-180: pad by one column from the other side before growing the margin.
    wrapped = np.pad(coast, ((0, 0), (1, 1)), mode="wrap")
    coast = ndimage.binary_dilation(wrapped, structure=np.ones((3, 3), dtype=bool))[:, 1:-1]
    land = rasterize(((g, 1) for g in polys), out_shape=shape, transform=tr, dtype="uint8").astype(bool)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, coast=np.packbits(coast), land=np.packbits(land & ~coast),
                        shape=np.array(shape), res=np.array(res))
    _coast_index.cache_clear()
    return Path(out)
