"""Synthetic SAR scenes with known ships, for tests, benchmarks and accuracy runs.

:func:`make_scene` writes a GeoTIFF of multi-look SAR intensity (gamma or
K-distributed sea clutter), places ships of known position, length, width
and heading, optionally adds the bright side-lobe crosses real SAR draws
around strong scatterers, a textured land mass with bright urban points, and
nodata holes, and returns the truth as a GeoDataFrame.

The file is written strip by strip (one row of blocks at a time), so a
20,000 x 20,000 scene needs tens of megabytes of memory, not 1.6 GB.

Example
-------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "scene.tif")
>>> truth = make_scene(path, width=512, height=512, n_ships=3, seed=1)
>>> len(truth), sorted(truth.columns)[:3]
(3, ['col', 'db', 'geometry'])
"""

import math

import geopandas as gpd
import numpy as np
import rasterio
from pyproj import CRS, Transformer
from rasterio.transform import from_origin
from shapely import Polygon

from shipsight.errors import InputError

__all__ = ["make_scene", "match_points", "DEFAULT_ORIGIN"]

#: Upper-left corner (easting, northing) used when none is given: open water of
#: the Sea of Japan in UTM zone 52N (EPSG:32652), 130.1 E 39.7 N, more than
#: 100 km from any coast for scenes up to 20,000 x 20,000 pixels of 10 m.
DEFAULT_ORIGIN = (600_000.0, 4_400_000.0)

_STRIP = 256  # rows generated at a time; equals the GeoTIFF block height
_SIDELOBE_REACH = 40  # pixels each side of a scatterer that its cross is drawn


def _ship_patch(length_px_x, length_px_y, width_px_x, width_px_y, fr, fc, *, sub=4):
    """Fractional coverage of a rotated rectangle on the pixel grid.

    ``(length_px_x, length_px_y)`` is the half-length vector and
    ``(width_px_x, width_px_y)`` the half-width vector in (col, row) pixels;
    ``fr, fc`` the sub-pixel offset of the centre. Returns ``(cover, r0, c0)``
    with ``cover`` a small 2-D array whose ``[0, 0]`` is pixel ``(r0, c0)``
    relative to the centre pixel.
    """
    ext = int(math.ceil(abs(length_px_x) + abs(width_px_x))) + 2
    eyt = int(math.ceil(abs(length_px_y) + abs(width_px_y))) + 2
    # Sub-pixel sample positions, relative to the ship's centre.
    offs = (np.arange(sub) + 0.5) / sub - 0.5
    cols = np.arange(-ext, ext + 1)
    rows = np.arange(-eyt, eyt + 1)
    sc = (cols[:, None] + offs[None, :]).ravel() - fc
    sr = (rows[:, None] + offs[None, :]).ravel() - fr
    dc, dr = np.meshgrid(sc, sr)
    hl = math.hypot(length_px_x, length_px_y)
    hw = math.hypot(width_px_x, width_px_y)
    ul = (length_px_x / hl, length_px_y / hl)
    along = dc * ul[0] + dr * ul[1]
    across = -dc * ul[1] + dr * ul[0]
    # A pointed bow: the hull narrows over its last 15 % of length.
    taper = np.clip((hl - np.abs(along)) / (0.15 * hl), 0.0, 1.0)
    inside = (np.abs(along) <= hl) & (np.abs(across) <= hw * np.maximum(taper, 0.35))
    cover = inside.reshape(rows.size, sub, cols.size, sub).mean(axis=(1, 3))
    return cover, -eyt, -ext


def _coast_col(rows, width, height):
    """Column of the synthetic coastline for each row: land lies to its left."""
    rows = np.asarray(rows, dtype=float)
    return width * (0.18 + 0.05 * np.sin(2 * np.pi * rows / max(height, 1) * 1.5))


def make_scene(
    path,
    *,
    width,
    height,
    crs="EPSG:32652",
    pixel_m=10.0,
    origin=None,
    looks=4,
    clutter="gamma",
    k_shape=4.0,
    mean=0.05,
    ships=None,
    n_ships=10,
    ship_db=10.0,
    lengths=(50.0, 300.0),
    widths=None,
    headings=None,
    min_separation_m=1000.0,
    land=False,
    land_db=8.0,
    sidelobes=True,
    sidelobe_db=10.0,
    sidelobe_reach=_SIDELOBE_REACH,
    blank=None,
    seed=0,
    dtype="float32",
    db=False,
    tiled=True,
    compress="deflate",
    nodata=None,
):
    """Write a synthetic SAR intensity scene with known ships; return the truth.

    Parameters
    ----------
    path : str or Path
        GeoTIFF to write (overwritten).
    width, height : int
        Scene size in pixels.
    crs : str
        A projected CRS in metres. The default places the scene at
        :data:`DEFAULT_ORIGIN`, open sea.
    pixel_m : float
        Pixel size in CRS metres.
    origin : (float, float), optional
        Upper-left corner (x, y) in ``crs``; default :data:`DEFAULT_ORIGIN`.
    looks : int
        Equivalent number of looks of the speckle (gamma shape).
    clutter : {"gamma", "k"}
        Sea clutter: multi-look speckle alone, or speckle times a gamma
        texture of shape ``k_shape`` (K-distributed, heavier tailed).
    mean : float
        Mean clutter intensity (linear power).
    ships : list of dict, optional
        Explicit ships, each with ``row`` and ``col`` (pixel centre, array
        index convention) and optional ``length_m``, ``width_m``,
        ``heading_deg`` (grid azimuth, clockwise from grid north) and
        ``db`` (signal-to-clutter). Overrides ``n_ships``.
    n_ships : int
        Number of randomly placed ships when ``ships`` is not given.
    ship_db : float
        Mean ship return over mean clutter, in dB.
    lengths : (float, float) or sequence of float
        A uniform range of lengths in metres, or one length per ship.
    widths : sequence of float, optional
        One width per ship; default a length/width ratio drawn from 5 to 8.
    headings : sequence of float, optional
        One heading per ship (degrees); default uniform random.
    min_separation_m : float
        Random ships are at least this far apart (so side-lobe crosses of
        neighbours do not touch) and this far from land.
    land : bool
        Add a land mass along the left edge: brighter by ``land_db``,
        textured, with bright urban points that a detector without a land
        mask would take for ships.
    sidelobes : bool
        Draw a sinc-squared cross along image rows and columns through each
        ship's brightest scatterer, ``sidelobe_db`` above the ship's mean,
        ``sidelobe_reach`` pixels each way.
    blank : list of (row_off, col_off, height, width), optional
        Windows written as nodata (or NaN when ``nodata`` is None).
    seed : int
        Everything random derives from it.
    dtype : str
        Output data type (float32 or float64).
    db : bool
        Write ``10 * log10(intensity)`` instead of linear power.
    tiled, compress : bool, str
        GeoTIFF layout (256 x 256 blocks when tiled).
    nodata : float, optional
        Nodata value written into ``blank`` windows and the file's metadata.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ship not blanked out, EPSG:4326 points, columns
        ``ship_id, lon, lat, row, col, x, y, length_m, width_m, heading_deg,
        heading_axis_deg, db``. ``attrs["land"]`` holds the land polygon in
        EPSG:4326 (or None), ``attrs["land_crs"]`` the same in ``crs``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.tif")
    >>> t = make_scene(p, width=300, height=300,
    ...                ships=[{"row": 150, "col": 150, "length_m": 200, "heading_deg": 45}])
    >>> float(t.length_m.iloc[0])
    200.0
    """
    if clutter not in ("gamma", "k"):
        raise InputError(f"clutter must be 'gamma' or 'k', not {clutter!r}", where="make_scene")
    if width < 1 or height < 1:
        raise InputError("width and height must be at least 1 pixel", where="make_scene")
    rng = np.random.default_rng(seed)
    crs_obj = CRS.from_user_input(crs)
    x0, y0 = DEFAULT_ORIGIN if origin is None else origin
    transform = from_origin(x0, y0, pixel_m, pixel_m)
    coast = _coast_col(np.arange(height), width, height) if land else None

    ships_list = _place_ships(
        rng, ships, n_ships, width, height, pixel_m, lengths, widths, headings,
        min_separation_m, coast, ship_db,
    )

    # Pre-render every ship (and its cross) as small patches added strip by strip.
    patches = []
    for s in ships_list:
        patches.extend(_render_ship(s, pixel_m, mean, looks, sidelobes, sidelobe_db, rng, width, height,
                                    reach=int(sidelobe_reach)))

    profile = dict(
        driver="GTiff", width=width, height=height, count=1, dtype=dtype,
        crs=crs_obj, transform=transform, nodata=nodata,
    )
    if tiled:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    if compress:
        profile.update(compress=compress)

    ss = np.random.SeedSequence(seed)
    n_strips = (height + _STRIP - 1) // _STRIP
    strip_seeds = ss.spawn(n_strips + 1)[1:]
    blank = list(blank or [])
    with rasterio.open(path, "w", **profile) as dst:
        for i in range(n_strips):
            r0 = i * _STRIP
            h = min(_STRIP, height - r0)
            srng = np.random.default_rng(strip_seeds[i])
            img = srng.standard_gamma(looks, size=(h, width), dtype=np.float32)
            img *= np.float32(mean / looks)
            if clutter == "k":
                img *= srng.standard_gamma(k_shape, size=(h, width), dtype=np.float32) / np.float32(k_shape)
            if land:
                _add_land(img, r0, coast, mean, land_db, srng)
            for pr, pc, arr in patches:
                _paste(img, arr, pr - r0, pc)
            if db:
                img = (10.0 * np.log10(np.maximum(img, 1e-12))).astype(np.float32)
            out = img.astype(dtype, copy=False)
            for br, bc, bh, bw in blank:
                rr0, rr1 = max(br, r0), min(br + bh, r0 + h)
                if rr0 < rr1:
                    out[rr0 - r0:rr1 - r0, max(bc, 0):bc + bw] = np.nan if nodata is None else nodata
            dst.write(out, 1, window=rasterio.windows.Window(0, r0, width, h))

    return _truth(ships_list, transform, crs_obj, blank, coast, width, height, pixel_m)


def _place_ships(rng, ships, n_ships, width, height, pixel_m, lengths, widths, headings,
                 min_sep_m, coast, ship_db):
    out = []
    if ships is not None:
        for i, s in enumerate(ships):
            L = float(s.get("length_m", 150.0))
            out.append(dict(
                row=float(s["row"]), col=float(s["col"]), length_m=L,
                width_m=float(s.get("width_m", L / 6.5)),
                heading_deg=float(s.get("heading_deg", 0.0)) % 360.0,
                db=float(s.get("db", ship_db)),
            ))
        return out
    n = int(n_ships)
    if isinstance(lengths, tuple) and len(lengths) == 2:
        L = rng.uniform(lengths[0], lengths[1], n)
    else:
        L = np.broadcast_to(np.asarray(lengths, dtype=float), (n,)).copy()
    W = np.asarray(widths, dtype=float) if widths is not None else L / rng.uniform(5.0, 8.0, n)
    H = np.asarray(headings, dtype=float) if headings is not None else rng.uniform(0, 360, n)
    sep_px = min_sep_m / pixel_m
    margin = max(L.max() / pixel_m / 2 + 3, 4) if n else 4
    placed = []
    tries = 0
    while len(placed) < n and tries < 200 * max(n, 1):
        tries += 1
        r = rng.uniform(margin, height - 1 - margin)
        c = rng.uniform(margin, width - 1 - margin)
        if coast is not None and c < coast[int(r)] + sep_px:
            continue
        if placed and np.min(np.hypot(np.array([p[0] for p in placed]) - r,
                                      np.array([p[1] for p in placed]) - c)) < sep_px:
            continue
        placed.append((r, c))
    if len(placed) < n:
        raise InputError(
            f"could place only {len(placed)} of {n} ships {min_sep_m:g} m apart; "
            "use a larger scene, fewer ships or a smaller min_separation_m",
            where="make_scene",
        )
    for i, (r, c) in enumerate(placed):
        out.append(dict(row=r, col=c, length_m=float(L[i]), width_m=float(W[i]),
                        heading_deg=float(H[i]) % 360.0, db=float(ship_db)))
    return out


def _render_ship(s, pixel_m, mean, looks, sidelobes, sidelobe_db, rng, width, height, reach=_SIDELOBE_REACH):
    """Patches ``(row0, col0, array)`` of one ship's return and its side-lobe cross.

    The cross's arms reach ``reach`` pixels each side of the brightest scatterer.
    """
    th = math.radians(s["heading_deg"])
    # Grid azimuth: x (col) grows east, row grows south.
    hlx, hly = math.sin(th) * s["length_m"] / 2 / pixel_m, -math.cos(th) * s["length_m"] / 2 / pixel_m
    hwx, hwy = math.cos(th) * s["width_m"] / 2 / pixel_m, math.sin(th) * s["width_m"] / 2 / pixel_m
    rc, cc = int(round(s["row"])), int(round(s["col"]))
    cover, dr0, dc0 = _ship_patch(hlx, hly, hwx, hwy, s["row"] - rc, s["col"] - cc)
    level = mean * 10 ** (s["db"] / 10.0)
    speck = rng.standard_gamma(looks, size=cover.shape) / looks
    patches = [(rc + dr0, cc + dc0, (cover * level * speck).astype(np.float32))]
    if sidelobes:
        peak = level * 10 ** (sidelobe_db / 10.0)
        k = np.arange(-reach, reach + 1)
        # sinc^2 sampled at 0.7 of the null spacing: arms that break into blobs
        # at the nulls, as a real impulse response sampled off its peaks does.
        arm = (peak * np.sinc(0.7 * k) ** 2).astype(np.float32)
        arm_r = arm * (rng.standard_gamma(looks, k.size) / looks).astype(np.float32)
        arm_c = arm * (rng.standard_gamma(looks, k.size) / looks).astype(np.float32)
        arm_c[reach] = 0.0  # the centre is drawn once, by arm_r
        patches.append((rc - reach, cc, arm_r[:, None]))
        patches.append((rc, cc - reach, arm_c[None, :]))
    return patches


def _paste(img, arr, r0, c0):
    """Add ``arr`` into ``img`` at ``(r0, c0)``, clipped to ``img``."""
    h, w = arr.shape
    ra, rb = max(r0, 0), min(r0 + h, img.shape[0])
    ca, cb = max(c0, 0), min(c0 + w, img.shape[1])
    if ra < rb and ca < cb:
        img[ra:rb, ca:cb] += arr[ra - r0:rb - r0, ca - c0:cb - c0]


def _add_land(img, r0, coast, mean, land_db, rng):
    h, w = img.shape
    cols = np.arange(w)[None, :]
    is_land = cols < coast[r0:r0 + h, None]
    if not is_land.any():
        return
    texture = rng.standard_gamma(1.5, size=img.shape).astype(np.float32) / np.float32(1.5)
    urban = rng.random(img.shape, dtype=np.float32) < 2e-3
    gain = np.float32(10 ** (land_db / 10.0)) * texture + urban * np.float32(10 ** 2.5)
    img[...] = np.where(is_land, img * gain, img)


def _truth(ships, transform, crs, blank, coast, width, height, pixel_m):
    rows = np.array([s["row"] for s in ships], dtype=float)
    cols = np.array([s["col"] for s in ships], dtype=float)
    keep = np.ones(rows.size, dtype=bool)
    for br, bc, bh, bw in blank:
        keep &= ~((rows >= br - 1) & (rows < br + bh + 1) & (cols >= bc - 1) & (cols < bc + bw + 1))
    xs = transform.c + (cols + 0.5) * transform.a
    ys = transform.f + (rows + 0.5) * transform.e
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(xs, ys) if rows.size else (np.array([]), np.array([]))
    heading = np.array([s["heading_deg"] for s in ships], dtype=float)
    gdf = gpd.GeoDataFrame(
        {
            "ship_id": np.arange(rows.size),
            "lon": np.asarray(lon, dtype=float), "lat": np.asarray(lat, dtype=float),
            "row": rows, "col": cols, "x": xs, "y": ys,
            "length_m": np.array([s["length_m"] for s in ships], dtype=float),
            "width_m": np.array([s["width_m"] for s in ships], dtype=float),
            "heading_deg": heading, "heading_axis_deg": heading % 180.0,
            "db": np.array([s["db"] for s in ships], dtype=float),
        },
        geometry=gpd.points_from_xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)),
        crs="EPSG:4326",
    )
    gdf = gdf[keep].reset_index(drop=True)
    if coast is not None:
        rr = np.arange(0, height + 1, max(1, height // 200))
        cc = _coast_col(np.minimum(rr, height - 1), width, height)
        px = np.concatenate([[0.0], cc, [0.0]])
        py = np.concatenate([[0.0], rr.astype(float), [float(rr[-1])]])
        land_xy = Polygon(np.column_stack([transform.c + px * transform.a, transform.f + py * transform.e]))
        xx, yy = to_ll.transform(*np.asarray(land_xy.exterior.coords).T)
        gdf.attrs["land"] = Polygon(np.column_stack([xx, yy]))
        gdf.attrs["land_crs"] = land_xy
    else:
        gdf.attrs["land"] = None
        gdf.attrs["land_crs"] = None
    return gdf


def match_points(truth, found, *, tol_m=200.0):
    """One-to-one matching of found points to true ones within ``tol_m`` metres.

    Hungarian assignment (:func:`scipy.optimize.linear_sum_assignment`) on
    geodesic distances, pairs farther than ``tol_m`` discarded.

    Parameters
    ----------
    truth, found : DataFrame-like with ``lon`` and ``lat`` columns

    Returns
    -------
    (ti, fi, dist_m) : index arrays into ``truth`` and ``found`` (positions,
    not labels) and the matched distances in metres.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"lon": [130.0, 130.1], "lat": [39.0, 39.0]})
    >>> f = pd.DataFrame({"lon": [130.1005], "lat": [39.0]})
    >>> ti, fi, d = match_points(t, f)
    >>> ti.tolist(), fi.tolist(), round(float(d[0]))
    ([1], [0], 43)
    """
    from scipy.optimize import linear_sum_assignment

    from shipsight.geodesy import distance_m

    n, m = len(truth), len(found)
    if n == 0 or m == 0:
        return np.empty(0, dtype=int), np.empty(0, dtype=int), np.empty(0)
    tl = np.asarray(truth["lon"], dtype=float)[:, None]
    ta = np.asarray(truth["lat"], dtype=float)[:, None]
    fl = np.asarray(found["lon"], dtype=float)[None, :]
    fa = np.asarray(found["lat"], dtype=float)[None, :]
    d = distance_m(tl, ta, fl, fa)
    cost = np.where(d <= tol_m, d, 1e12)
    ti, fi = linear_sum_assignment(cost)
    ok = d[ti, fi] <= tol_m
    return ti[ok], fi[ok], d[ti, fi][ok]
