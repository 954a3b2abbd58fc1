"""The per-tile work of :func:`shipsight.imagery.detect.detect`.

Kept apart from :mod:`~shipsight.imagery.detect` so that worker processes
import only numpy, scipy and rasterio. One tile is a core window plus a
halo wide enough that everything decided about an object whose centroid
lies in the core (its pixels' thresholds, the water mask under its
background ring, the side lobes it absorbs) sees the same pixels it would
see in one whole-scene pass. Each object is then kept only by the tile
that owns its centroid, so tiled and untiled runs agree exactly.

The steps, all on arrays:

1. read the window, mark nodata/NaN invalid, turn the values into linear
   intensity or reflectance (:class:`~shipsight.imagery.radiometry.Radiometry`:
   units, calibration LUT, noise, optical offset/scale);
2. block sums of x, x**2 and valid counts on a grid of ``block x block``
   pixels (one pass over the pixels each);
3. land on that grid (GSHHG, precomputed for the scene; image brightness);
4. CFAR: background ring statistics by integral images on the block grid,
   a threshold per block (gamma law with the ring's own number of looks
   for SAR, Gaussian for optical), bilinear between block centres;
5. a cheap conservative test of every pixel against the lowest threshold
   around its block, then the exact test of the few candidates;
6. hysteresis: pixels above a second, lower threshold (false-alarm
   probability ``pfa_grow``) join an object when linked to it, so a large
   low-contrast hull whose brightest pixels are scattered comes out whole,
   not as several ships; objects of low pixels only are dropped;
7. candidates linked within ``link_px`` into objects; fragments of one
   target merged; weak objects within reach of a much brighter one marked as
   its side lobes; second moments; land contact and ray profiles for the
   scene-level classification (:mod:`~shipsight.imagery.objects`).
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np
import rasterio
from rasterio.windows import Window
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from shipsight.imagery.berths import alongside, quay_mask
from shipsight.imagery.landmask import image_land_blocks, rasterize_polygons
from shipsight.imagery.objects import N_RAYS, land_contact, max_beam_px, merge_fragments, ray_profiles

MIN_SEEDS = 2  # pixels above the detection threshold an object needs
CLIP_SIGMA = 4.0  # scene clutter: sigma-clipping limit (scipy.stats.sigmaclip's default)
MIN_CLUTTER_PX = 16  # scene clutter: fewer water pixels than this give no background


_NATIVE = ("uint8", "int8", "uint16", "int16", "float32")  # read as stored, then converted to float32


class Buffers:
    """Arrays reused from tile to tile, by name.

    Fresh memory for a tile-sized array costs the kernel a page fault and a
    zeroing per page, more than one pass of arithmetic over it; reused, it
    costs nothing. Each thread keeps its own.
    """

    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, dtype):
        """A C-contiguous array of ``shape`` and ``dtype``, contents undefined."""
        dtype = np.dtype(dtype)
        size = math.prod(shape)
        a = self._arrays.get(name)
        if a is None or a.dtype != dtype or a.size < size:
            a = self._arrays[name] = None  # let the old one go before the new one is made
            a = self._arrays[name] = np.empty(size, dtype=dtype)
        return a[:size].reshape(shape)


class StageClock:
    """Wall seconds spent per named stage, summed over calls (tiles).

    ``lap(name)`` charges the time since the previous lap (or since the clock
    was made) to ``name``; ``seconds`` holds the totals, in the order the
    stages first ran. A few ``perf_counter`` calls per tile: always on.

    >>> clock = StageClock()
    >>> clock.lap("read"); clock.lap("cfar"); clock.lap("read")
    >>> list(clock.seconds)
    ['read', 'cfar']
    """

    def __init__(self, seconds=None):
        self.seconds = {} if seconds is None else seconds
        self.t = time.perf_counter()

    def lap(self, name):
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + (now - self.t)
        self.t = now

    def restart(self):
        """Charge nothing for the time since the last lap (it was counted elsewhere)."""
        self.t = time.perf_counter()

    def add(self, seconds):
        """Add another clock's totals (a tile's, a worker's) to these."""
        for k, v in seconds.items():
            self.seconds[k] = self.seconds.get(k, 0.0) + v


@dataclass
class TilePlan:
    """Everything a worker needs; plain data so it pickles."""

    path: str  # the raster GDAL reads
    height: int
    width: int
    transform: tuple | None  # unused: everything is in the product's own pixel grid
    bands: list
    nodata: list
    use_mask_band: bool
    kind: str
    is_db: bool
    block: int
    r_guard: int
    r_back: int
    halo: int
    pfa: float
    min_count: int
    link_px: float
    sidelobe_db: float
    sidelobe_cap_px: float
    min_length_m: float
    max_length_m: float
    jacobian: np.ndarray  # 2x2: metres (east, north) per +1 col (column 0) and +1 row (column 1)
    water_level: float
    image_land: bool
    land_db: float
    land_smooth: int
    land_opening: int
    land_blocks: object = None  # whole-scene block grid of GSHHG land, or a callable returning it
    polygons: list = field(default_factory=list)  # WKB, in pixel space (x = col, y = row)
    radiometry: object = None  # raw values -> linear intensity / reflectance; None: as stored
    enl_table: tuple = ()  # (log L grid, Q^-1(L, pfa) / L) for the SAR gamma threshold
    t_gauss: float = 4.75  # Gaussian threshold in standard deviations, for optical
    enl_table_grow: tuple = ()  # the same at pfa_grow: the hysteresis (growing) threshold
    t_gauss_grow: float = 3.09
    px_m: float = 10.0  # ground pixel size
    merge_px: float = 0.0  # fragments whose centroids are closer than this may be one target
    ray_px: int = 10  # samples per ray of the objects' ray profiles
    water_threshold: float = float("nan")  # optical: log brightness below which is water (berths.water_threshold)
    ndwi: tuple = None  # optical: (green, NIR) bands for a water index, 1-based
    scene_clutter: bool = False  # scene smaller than the background window: one clutter estimate for it all


def read_intensity(src, plan, window, clock=None, buffers=None, name="x", pad_to=1):
    """Read ``window`` as float32 linear intensity (or reflectance), NaN where invalid.

    ``clock`` (a :class:`StageClock`), when given, is charged the GDAL read,
    the nodata marking and the radiometry (calibration) apart. ``buffers``
    (:class:`Buffers`): integer rasters are read into its arrays (the result
    is its array ``name``, valid until the next read under that name), and
    the result is padded with NaN to a multiple of ``pad_to`` pixels both
    ways; other rasters get arrays of their own, unpadded.
    """
    clock = clock or StageClock()
    if len(plan.bands) == 1 and src.dtypes[plan.bands[0] - 1] in _NATIVE:
        # In the stored type (a GRD's uint16 is half float32's bytes); the conversion to float32
        # is then part of the radiometry's first pass, and several times faster than GDAL's.
        dtype = src.dtypes[plan.bands[0] - 1]
        reuse = buffers is not None and dtype != "float32"
        h, w = int(window.height), int(window.width)
        raw = src.read(plan.bands[0], window=window, out=buffers.get("raw", (h, w), dtype) if reuse else None)
        clock.lap("read (GDAL)")
        fill = _equal(raw, plan.nodata[0])
        clock.lap("nodata and fill")
        if raw.dtype == np.float32:  # converted already: worked on in place
            x, raw = raw, None
        elif reuse:
            padded = buffers.get(name, (-(-h // pad_to) * pad_to, -(-w // pad_to) * pad_to), np.float32)
            padded[h:] = np.nan
            padded[:h, w:] = np.nan
            x = padded[:h, :w]
        else:
            x = np.empty(raw.shape, dtype=np.float32)
        if plan.radiometry is not None:
            plan.radiometry.apply(x, int(window.row_off), int(window.col_off), source=raw)
        elif raw is not None:
            np.copyto(x, raw)
        clock.lap("radiometry (calibration to sigma0)")
        if fill is not None:
            np.copyto(x, np.float32(np.nan), where=fill)
        del raw, fill
        if plan.use_mask_band:
            x[src.read_masks(plan.bands[0], window=window) == 0] = np.nan
        clock.lap("nodata and fill")
        return padded if reuse else x
    if len(plan.bands) == 1:
        x = src.read(plan.bands[0], window=window, out_dtype="float32")
        clock.lap("read (GDAL)")
        nd = plan.nodata[0]
        if nd is not None and not np.isnan(nd):
            x[x == np.float32(nd)] = np.nan
    else:
        stack = src.read(plan.bands, window=window, out_dtype="float32")
        clock.lap("read (GDAL)")
        for i, nd in enumerate(plan.nodata):
            if nd is not None and not np.isnan(nd):
                stack[i][stack[i] == np.float32(nd)] = np.nan
        # Brightness: the mean of the chosen bands (NaN if any band is missing).
        x = stack.mean(axis=0, dtype=np.float32)
        del stack
    if plan.use_mask_band:
        x[src.read_masks(plan.bands[0], window=window) == 0] = np.nan
    clock.lap("nodata and fill")
    if plan.radiometry is not None:
        plan.radiometry.apply(x, int(window.row_off), int(window.col_off))
        clock.lap("radiometry (calibration to sigma0)")
    return x


def _equal(raw, nd):
    """Where ``raw`` (stored values) equals the nodata value ``nd`` as float32 would; None: nowhere.

    The same pixels as comparing the float32 conversions, without converting:
    an integer type can only equal an integral value within its range.
    """
    if nd is None or np.isnan(nd):
        return None
    nd = np.float32(nd)  # what the values are compared with, as before any conversion
    if raw.dtype.kind == "f":
        return raw == nd
    info = np.iinfo(raw.dtype)  # 8 and 16 bits: every value is exact in float32
    if not np.isfinite(nd) or nd != np.floor(nd) or not (info.min <= nd <= info.max):
        return None
    return raw == raw.dtype.type(nd)


def _boxes(a, radii):
    """Sums of ``a`` over the (2r+1)^2 square around each cell, zero outside, for each r in ``radii``.

    Separable running sums (``scipy.ndimage.uniform_filter``, one pass per
    axis whatever r: the box-filter form of the integral image, Crow 1984,
    "Summed-area tables for texture mapping", SIGGRAPH), accumulated in
    float64, times the box's area.
    """
    out = []
    for r in radii:
        k = 2 * r + 1
        box = ndimage.uniform_filter(a, k, mode="constant", cval=0.0)
        box *= k * k
        out.append(box)
    return out


def _interp_tables(x, tables):
    """``np.interp(x, grid, values)`` for each ``(grid, values)`` of ``tables``, on a shared uniform grid.

    The grids of :attr:`TilePlan.enl_table` are evenly spaced (in log looks),
    so the interval of each point is one division away, not a binary search,
    and is found once for all the tables.
    """
    grid = tables[0][0]
    f = x - grid[0]
    f /= grid[1] - grid[0]
    np.clip(f, 0.0, grid.size - 1.0, out=f)
    i = f.astype(np.intp)
    np.minimum(i, grid.size - 2, out=i)
    f -= i
    out = []
    for _, v in tables:
        step = np.diff(v)[i]
        step *= f
        step += v[i]
        out.append(step)
    return out


def block_sums(x, B, valid=None, level=None, scratch=None):
    """Per ``B x B`` block: sum, sum of squares, valid count, count above ``level``.

    Rows of blocks are summed first (whole contiguous image rows added
    together, ``B`` at a time), then columns on an array ``B`` times
    smaller: a few memory-bound passes instead of short strided reductions.
    ``x`` must hold 0 where ``valid`` is False; ``valid`` None means all valid.
    ``scratch``: a bool array of ``x``'s shape to use for the pixels above ``level``.
    """
    H, W = x.shape
    nby, nbx = H // B, W // B
    x3 = x.reshape(nby, B, W)
    # float32 partial sums of B values are exact enough; float64 from the column step on.
    s1 = _column_blocks(x3.sum(axis=1), B, np.float64)
    s2 = _column_blocks(np.einsum("ikj,ikj->ij", x3, x3), B, np.float64)
    if valid is None:
        n = np.full((nby, nbx), float(B * B))
    else:
        # Counts of at most B <= 16 per column fit a byte: summed as bytes, not as bools cast to int.
        n = _column_blocks(valid.reshape(nby, B, W).view(np.uint8).sum(axis=1, dtype=np.uint8), B, np.float64)
    nb = None
    if level is not None:
        bright = np.greater(x, level, out=scratch)
        nb = _column_blocks(bright.reshape(nby, B, W).view(np.uint8).sum(axis=1, dtype=np.uint8), B, np.int32)
    return s1, s2, n, nb


def _column_blocks(acc, B, dtype):
    """Sums of each run of ``B`` columns of ``acc`` (rows already summed), in ``dtype``.

    B strided adds over arrays B times smaller than ``acc``: a reduction over a
    short last axis (``reshape(..., B).sum(-1)``) is several times slower.
    """
    out = acc[:, 0::B].astype(dtype)
    for k in range(1, B):
        out += acc[:, k::B]
    return out


def scene_clutter(values):
    """Mean and variance of the clutter in a scene's water, robust to the ships in it.

    For scenes smaller than the CFAR background window, where no ring around
    a pixel fits and the plain mean and variance of the whole scene would be
    inflated by the ships themselves (a hull of 5 % of the pixels at 8 times
    the water's brightness more than doubles the standard deviation).
    Iterative sigma clipping (``scipy.stats.sigmaclip``: values more than
    :data:`CLIP_SIGMA` standard deviations from the mean are dropped and the
    statistics recomputed until nothing more is dropped; the "kappa-sigma
    clipping" of astronomical background estimation, e.g. Bertin & Arnouts
    1996, SExtractor, A&AS 117, 393) removes the targets and leaves the
    clutter; at 4 sigma it drops 6e-5 of Gaussian clutter.

    Parameters
    ----------
    values : ndarray
        The water pixels' intensities (any shape; NaN ignored).

    Returns
    -------
    (float, float, int)
        Mean, variance (of the kept values, float64) and how many were kept;
        ``(nan, nan, 0)`` with fewer than :data:`MIN_CLUTTER_PX` values.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> water = rng.normal(100.0, 5.0, (150, 200))
    >>> water[70:80, 30:170] = 800.0  # a hull: 5 % of the pixels at 8x the water
    >>> mu, var, n = scene_clutter(water)
    >>> round(mu), round(var ** 0.5), n < water.size
    (100, 5, True)
    """
    from scipy.stats import sigmaclip  # not at import: scipy.stats costs half a second, needed only here

    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size < MIN_CLUTTER_PX:
        return float("nan"), float("nan"), 0
    kept = sigmaclip(v, CLIP_SIGMA, CLIP_SIGMA).clipped
    return float(kept.mean()), float(kept.var()), int(kept.size)


def cfar_threshold(s1, s2, n, plan, clutter=None):
    """Threshold and background mean per block from block sums.

    Cell-averaging CFAR with a guard window (Crisp 2004, *The State-of-the-Art
    in Ship Detection in Synthetic Aperture Radar Imagery*, DSTO-RR-0272,
    section 5; the "adaptive threshold" of SNAP): the background is the ring
    between the guard square (``r_guard`` blocks each side) and the
    background square (``r_back``). Its sums come from one summed-area
    table per quantity on the block grid (:func:`_boxes`), so a threshold
    costs a few operations per block whatever the window size, and the
    pixels are touched only by the block sums before. Where the ring holds
    fewer than ``min_count`` valid pixels (scene edges, next to land) the
    whole background square is used; where even that is too few, the
    threshold is infinite: nothing is detected without a background.
    ``clutter``, a ``(mean, variance, count)`` of :func:`scene_clutter`, is
    used for every block instead (scenes smaller than the background window).

    SAR thresholds follow the gamma law of L-look intensity, ``T = mu *
    Q^-1(L, pfa) / L`` with L the ring's own equivalent number of looks
    ``mu^2 / var`` (clipped to 0.5-50; Crisp 2004, section 5.2, on fitting
    the clutter distribution locally); optical ones a Gaussian law,
    ``mu + t sigma``.

    Returns
    -------
    (thr, mu, grow) : float64 arrays of the grid's shape
        Detection threshold (inf where no background), clutter mean (NaN
        there) and the lower growing threshold of the hysteresis.
    """
    if clutter is not None:
        mu = np.full(s1.shape, clutter[0])
        var = np.full(s1.shape, clutter[1])
        ok = np.full(s1.shape, clutter[2] >= MIN_CLUTTER_PX)
    else:
        radii = (plan.r_back, plan.r_guard)
        big_n, N = (np.rint(c, out=c) for c in _boxes(n, radii))  # counts: whole again after the running sums
        np.subtract(big_n, N, out=N)  # the ring
        full = N < plan.min_count  # too little ring: the whole background square instead
        N[full] = big_n[full]
        mu, var = (_ring(a, radii, full) for a in (s1, s2))
        ok = N >= plan.min_count
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(mu, N, out=mu)
            np.divide(var, N, out=var)
            var -= mu * mu
        np.maximum(var, 0.0, out=var)
    if plan.kind == "sar":
        with np.errstate(invalid="ignore", divide="ignore"):
            enl = mu * mu
            enl /= var
        np.clip(enl, 0.5, 50.0, out=enl)
        enl[np.isnan(enl)] = 50.0
        log_enl = np.log(enl, out=enl)
        # Gamma law with the ring's own looks: T = mu * Q^-1(L, pfa) / L, tabulated in L.
        tables = (plan.enl_table, plan.enl_table_grow) if plan.enl_table_grow else (plan.enl_table,)
        q = _interp_tables(log_enl, tables)
        thr = np.multiply(q[0], mu, out=q[0])
        grow = np.multiply(q[-1], mu, out=q[-1]) if len(q) > 1 else thr.copy()
        ok &= mu > 0
    else:
        sigma = np.maximum(np.sqrt(var), 0.01 * np.abs(mu))
        thr = mu + plan.t_gauss * sigma
        grow = mu + plan.t_gauss_grow * sigma
    bad = ~ok
    thr[bad] = np.inf
    grow[bad] = np.inf
    np.minimum(grow, thr, out=grow)
    mu[bad] = np.nan
    return thr, mu, grow


def _ring(a, radii, full):
    """Box sums of ``a`` over the ring between the two ``radii``; over the whole big square where ``full``."""
    big, small = _boxes(a, radii)
    np.subtract(big, small, out=small)
    small[full] = big[full]
    return small


def _extreme3(a, op):
    """``op`` (np.minimum or np.maximum) over each cell's 3 x 3 neighbourhood, edges repeated.

    What ``ndimage.minimum_filter(a, size=3, mode="nearest")`` gives, as two
    passes of pairwise ``op`` on shifted views per axis: several times
    faster on the small block grids here.
    """
    out = np.array(a, dtype=float, copy=True)
    if out.shape[0] >= 2:
        pair = op(out[:-1], out[1:])  # pair[i] = op(out[i], out[i + 1])
        out[0], out[-1] = pair[0], pair[-1]
        op(pair[:-1], pair[1:], out=out[1:-1])
    if out.shape[1] >= 2:  # slices, not a moved axis: the inner loop stays along memory
        pair = op(out[:, :-1], out[:, 1:])
        out[:, 0], out[:, -1] = pair[:, 0], pair[:, -1]
        op(pair[:, :-1], pair[:, 1:], out=out[:, 1:-1])
    return out


def _fill_inf(t):
    """Replace infinite cells by the largest finite neighbour, for interpolation."""
    bad = ~np.isfinite(t)
    if not bad.any():
        return t
    neigh = _extreme3(np.where(bad, -np.inf, t), np.maximum)
    out = t.copy()
    out[bad] = neigh[bad]
    out[~np.isfinite(out)] = np.inf
    return out


def tile_window(plan, spec):
    """The window a tile reads: its core ``spec`` plus the background halo, clipped to the scene."""
    r0, c0, h, w = spec
    R0, C0 = max(r0 - plan.halo, 0), max(c0 - plan.halo, 0)
    R1, C1 = min(r0 + h + plan.halo, plan.height), min(c0 + w + plan.halo, plan.width)
    return Window(C0, R0, C1 - C0, R1 - R0)


def read_tile(src, plan, spec, buffers=None, name="x"):
    """The intensity a tile works on (see :func:`read_intensity`) and the seconds its stages took."""
    clock = StageClock()
    x = read_intensity(src, plan, tile_window(plan, spec), clock, buffers, name, pad_to=plan.block)
    return x, clock.seconds


def process_tile(src, plan, spec, x=None, buffers=None):
    """Detect objects in one tile; return those whose centroid the core owns.

    Parameters
    ----------
    src : rasterio dataset, open
    plan : TilePlan
    spec : (row_off, col_off, height, width)
        The core window; offsets are multiples of ``plan.block``.
    x : ndarray, optional
        The tile's intensity, already read by :func:`read_tile` (so that the
        next tile can be read while this one is processed).
    buffers : Buffers, optional
        Scratch arrays reused between this thread's tiles.

    Returns
    -------
    dict of 1-D arrays (one entry per object) plus ``n_valid``, the number
    of valid pixels in the core, and ``n_searched``, those of them in
    blocks the CFAR test covered (water with enough background), and
    ``seconds``, the wall time of each stage (:class:`StageClock`).
    """
    clock = StageClock()
    out = _process_tile(src, plan, spec, x, clock, buffers or Buffers())
    out["seconds"] = clock.seconds
    return out


def _process_tile(src, plan, spec, x, clock, buffers):
    r0, c0, h, w = spec
    B = plan.block
    win = tile_window(plan, spec)
    R0, C0 = int(win.row_off), int(win.col_off)
    if x is None:
        x = read_intensity(src, plan, win, clock)
    ph, pw = (-x.shape[0]) % B, (-x.shape[1]) % B
    if ph or pw:
        x = np.pad(x, ((0, ph), (0, pw)), constant_values=np.nan)
    H, W = x.shape
    nby, nbx = H // B, W // B

    # Image land: pixels this bright count towards it. Optical scenes with a water mask need no
    # land from brightness blocks (they would hide the berths).
    level = None
    if plan.image_land and np.isfinite(plan.water_level) and plan.kind != "optical":
        # Half the land contrast (in dB) per pixel: land pixels clear it despite speckle.
        level = np.float32(plan.water_level * 10 ** (plan.land_db / 20.0))
    scratch = buffers.get("mask", x.shape, bool)
    sums = None
    if not plan.polygons and plan.kind != "optical":
        # NaN marks every invalid pixel (nodata, masks, outside the scene) and makes its block's
        # sum NaN: the block sums say in the same pass whether the masks below are needed.
        sums = block_sums(x, B, None, level, scratch)
        if np.isfinite(sums[0]).all():
            valid, core_valid, burnt_blocks, quay = None, h * w, None, None
        else:
            sums = None
    if sums is None:
        valid, core_valid, burnt_blocks, quay, level = _masks(src, plan, win, spec, x, level)
        sums = block_sums(x, B, valid, level, scratch)
    s1, s2, n, nb = sums
    n_valid_blocks = n.copy()
    clock.lap("valid mask, block sums")

    land = np.zeros((nby, nbx), dtype=bool)
    land_blocks = plan.land_blocks() if callable(plan.land_blocks) else plan.land_blocks
    if land_blocks is not None:
        b0, a0 = R0 // B, C0 // B
        sl = land_blocks[b0:b0 + nby, a0:a0 + nbx]
        land[:sl.shape[0], :sl.shape[1]] = sl
    if nb is not None:
        land |= image_land_blocks(nb, n, smooth=plan.land_smooth, opening=plan.land_opening)
    s1[land] = 0.0
    s2[land] = 0.0
    n[land] = 0.0
    clock.lap("land mask (GSHHG grid, image land)")

    clutter = None
    if plan.scene_clutter:  # one tile holds the whole scene: its water, all of it
        water = np.repeat(np.repeat(~land, B, axis=0), B, axis=1)
        if valid is not None:
            water &= valid
        clutter = scene_clutter(x[water])
        del water
    del valid
    thr, mu, grow = cfar_threshold(s1, s2, n, plan, clutter)
    thr[land] = np.inf
    grow[land] = np.inf
    # Water searched in the core: valid pixels of blocks with a threshold (not land, enough background).
    cr0, cc0 = (r0 - R0) // B, (c0 - C0) // B
    core = (slice(cr0, cr0 + -(-h // B)), slice(cc0, cc0 + -(-w // B)))
    searched = int(n_valid_blocks[core][np.isfinite(thr[core])].sum())
    del n_valid_blocks
    tfill = _fill_inf(thr)
    gfill = _fill_inf(grow)
    tlo = _extreme3(gfill, np.minimum)
    tlo[~np.isfinite(grow)] = np.inf
    clock.lap("CFAR background statistics")

    # Cheap, conservative pass over every pixel (against the lower, growing threshold);
    # exact tests for the few that pass.
    # The block threshold repeated along each row of blocks: a broadcast over whole image rows
    # compares twice as fast as one over B-pixel runs.
    cand = np.greater(x.reshape(nby, B, W), np.repeat(tlo.astype(np.float32), B, axis=1)[:, None, :],
                      out=buffers.get("mask", (nby, B, W), bool))
    rr, cc = np.divmod(np.flatnonzero(cand.reshape(H, W)), W)
    del cand
    vals = x[rr, cc]
    fr = (rr - (B - 1) / 2.0) / B
    fc = (cc - (B - 1) / 2.0) / B
    keep = vals > ndimage.map_coordinates(gfill, [fr, fc], order=1, mode="nearest")
    rr, cc, vals, fr, fc = rr[keep], cc[keep], vals[keep], fr[keep], fc[keep]
    tp = ndimage.map_coordinates(tfill, [fr, fc], order=1, mode="nearest")
    clock.lap("thresholding")

    empty = _empty(core_valid, searched)
    if rr.size == 0:
        return empty
    lab, nobj = _link(rr, cc, plan.link_px)
    # Hysteresis: an object needs pixels above the detection threshold (two: a lone spike of
    # heavy-tailed clutter with its grown neighbours is not a ship); the rest only grow it.
    seeded = np.bincount(lab, weights=(vals > tp), minlength=nobj) >= MIN_SEEDS
    keep = seeded[lab]
    if not keep.all():
        rr, cc, vals, tp, fr, fc = (a[keep] for a in (rr, cc, vals, tp, fr, fc))
        if rr.size == 0:
            return empty
        _, lab = np.unique(lab[keep], return_inverse=True)
        nobj = int(lab.max()) + 1
    clock.lap("object labelling")
    keep = _trim_sidelobes(lab, nobj, rr, cc, vals, tp, plan)
    lab, rr, cc, vals, tp, fr, fc = (a[keep] for a in (lab, rr, cc, vals, tp, fr, fc))
    mu0 = np.nan_to_num(mu, nan=0.0)
    objs = _objects(lab, nobj, rr, cc, vals, tp, fr, fc, mu0)
    merged = merge_fragments(lab, nobj, rr, cc, vals, objs, x, reach_px=plan.merge_px,
                             max_length_px=plan.max_length_m / plan.px_m, max_width_px=max_beam_px(plan.px_m))
    if merged is not lab:
        lab, nobj = merged, int(merged.max()) + 1
        objs = _objects(lab, nobj, rr, cc, vals, tp, fr, fc, mu0)
    lobe_of = _absorb_sidelobes(objs, plan)
    L, Wd, axis = shape_from_moments(objs["crr"], objs["ccc"], objs["crc"], plan.jacobian)
    objs["length_m"], objs["width_m"], objs["axis_deg"] = L, Wd, axis
    # The shortest-ship test looks at the seed pixels alone: growing a bright point target's
    # halo (a quay light, a buoy) must not lengthen it into a ship.
    seed = vals > tp
    if seed.all():
        L_seed = L
    else:
        sl = _moments(lab[seed], nobj, rr[seed], cc[seed], vals[seed], tp[seed], counts_only=True)
        L_seed = shape_from_moments(sl["crr"], sl["ccc"], sl["crc"], plan.jacobian)[0]
    ok = (L_seed >= plan.min_length_m) & (L <= plan.max_length_m) & (objs["n"] >= 2)
    if burnt_blocks is not None:
        land |= burnt_blocks
    clock.lap("objects (moments, fragments, side lobes)")
    _context(objs, ok, lab, rr, cc, x, land, quay, plan)
    del x
    clock.lap("land contact, ray profiles")
    # Ownership: the core window that holds the centroid (index convention: pixel i spans i-0.5..i+0.5).
    gr = objs["row"] + R0
    gc = objs["col"] + C0
    own = (gr >= r0 - 0.5) & (gr < r0 + h - 0.5) & (gc >= c0 - 0.5) & (gc < c0 + w - 0.5)
    sel = ok & own
    out = {k: v[sel] for k, v in objs.items() if k != "ipk"}
    out["row"] = gr[sel]
    out["col"] = gc[sel]
    out["peak_row"] = out["peak_row"] + R0
    out["peak_col"] = out["peak_col"] + C0
    # The target a lobe belongs to, by its peak (scene pixels): it may be owned by another tile.
    src = lobe_of[sel]
    has = src >= 0
    out["lobe_row"] = np.where(has, objs["peak_row"][np.maximum(src, 0)] + R0, np.nan)
    out["lobe_col"] = np.where(has, objs["peak_col"][np.maximum(src, 0)] + C0, np.nan)
    out["n_valid"] = core_valid
    out["n_searched"] = searched
    return out


def _masks(src, plan, win, spec, x, level):
    """Valid pixels of a tile with invalid ones, polygons or quays; x zeroed outside them.

    Returns ``(valid, core_valid, burnt_blocks, quay, level)``: the valid
    mask (None: all valid), the valid pixels in the core, the blocks the
    polygons burn (or None), the optical quay mask (or None) and the image
    land level (None for optical scenes with a water mask).
    """
    r0, c0, h, w = spec
    R0, C0 = int(win.row_off), int(win.col_off)
    B = plan.block
    nby, nbx = x.shape[0] // B, x.shape[1] // B
    # A sum finds out in one cheap pass whether there are any invalid pixels, to skip the masks.
    # float32: an overflow to inf only sends a clean tile down the exact path below.
    clean = bool(np.isfinite(np.sum(x)))
    if clean:
        core_valid = h * w
        valid = None
    else:
        valid = np.isfinite(x)
        core_valid = int(np.count_nonzero(valid[r0 - R0:r0 - R0 + h, c0 - C0:c0 - C0 + w]))
    burnt_blocks = None
    if plan.polygons:
        import shapely

        wt = rasterio.Affine.translation(C0, R0)
        burnt = rasterize_polygons(shapely.from_wkb(plan.polygons), wt, x.shape)
        if burnt.any():
            valid = ~burnt if valid is None else valid & ~burnt
            burnt_blocks = burnt.reshape(nby, B, nbx, B).any(axis=(1, 3))
        del burnt
    quay = _quays(src, plan, win, x) if plan.kind == "optical" else None
    if quay is not None:
        valid = ~quay if valid is None else valid & ~quay
    if valid is not None:
        np.copyto(x, 0.0, where=~valid)  # x is now "value where water, 0 elsewhere"
    if plan.image_land and np.isfinite(plan.water_level) and quay is None:
        level = np.float32(plan.water_level * 10 ** (plan.land_db / 20.0))
    return valid, core_valid, burnt_blocks, quay, level


def _quays(src, plan, win, x):
    """Optical quays and land (berths.quay_mask) on the tile's padded grid, or None without a water mask."""
    water = None
    if plan.ndwi:
        g, nir = src.read(list(plan.ndwi), window=win, out_dtype="float32")
        with np.errstate(invalid="ignore", divide="ignore"):
            index = (g - nir) / (g + nir)
        water = np.zeros(x.shape, dtype=bool)
        water[:index.shape[0], :index.shape[1]] = index > 0
    elif not np.isfinite(plan.water_threshold):
        return None
    return quay_mask(x, threshold=plan.water_threshold, px_m=plan.px_m, water=water)


def _context(objs, ok, lab, rr, cc, x, land, quay, plan):
    """Land contact, quay contact and ray profiles (objects.py) of the objects ``ok`` marks.

    Only for the objects that can be reported: speckle too small to be a ship is most
    of a tile's objects and needs none of it.
    """
    nobj = ok.size
    idx = np.flatnonzero(ok)
    objs["land"] = np.zeros(nobj, dtype=bool)
    objs["quay_px"] = np.zeros(nobj)
    objs["rays"] = np.zeros((nobj, N_RAYS), dtype=np.float32)
    objs["radius"] = np.zeros(nobj)
    if idx.size == 0:
        return
    remap = np.full(nobj, -1)
    remap[idx] = np.arange(idx.size)
    pick = ok[lab]
    sub, r, c = remap[lab[pick]], rr[pick], cc[pick]
    land_ok = land_contact(sub, idx.size, r, c, land, plan.block)
    if quay is not None:
        objs["quay_px"][idx] = alongside(sub, idx.size, r, c, quay)
        land_ok |= objs["quay_px"][idx] > 0
    objs["land"][idx] = land_ok
    part = {k: objs[k][idx] for k in ("row", "col", "background")}
    objs["rays"][idx], objs["radius"][idx] = ray_profiles(x, sub, idx.size, r, c, part, ray_px=plan.ray_px)


def _objects(lab, nobj, rr, cc, vals, tp, fr, fc, mu):
    """Moments of the objects and the clutter mean at each one's peak."""
    objs = _moments(lab, nobj, rr, cc, vals, tp)
    objs["background"] = ndimage.map_coordinates(mu, [fr[objs["ipk"]], fc[objs["ipk"]]], order=1, mode="nearest")
    return objs


_FIELDS = ("row", "col", "n", "peak", "sum", "threshold", "crr", "ccc", "crc", "background",
           "length_m", "width_m", "axis_deg", "peak_row", "peak_col", "land", "radius", "lobe_row", "lobe_col",
           "quay_px")


def _empty(n_valid, n_searched):
    out = {k: np.empty(0) for k in _FIELDS}
    out["rays"] = np.empty((0, N_RAYS), dtype=np.float32)
    out["n_valid"] = n_valid
    out["n_searched"] = n_searched
    return out


def _link(rr, cc, link_px):
    """Label candidate pixels: connected when within ``link_px`` of each other."""
    pts = np.column_stack([rr, cc]).astype(np.float64)
    pairs = cKDTree(pts).query_pairs(r=link_px, output_type="ndarray")
    m = pts.shape[0]
    g = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    return connected_components(g, directed=False)[::-1]


def _trim_sidelobes(lab, nobj, rr, cc, vals, tp, plan):
    """Drop the pixels of a bright object that are its own side-lobe arms.

    The cross a strong scatterer draws is often contiguous with the ship and
    would make a 300 m ship a 1.5 km object. Pixels at least 3 cells from
    the object's peak and no brighter than the impulse-response envelope
    ``4 peak / (pi d)^2`` there are lobes, not hull; only objects
    ``sidelobe_db`` above their threshold are trimmed (weaker ones have no
    visible lobes). Returns a keep mask over pixels.
    """
    order = np.lexsort((vals, lab))
    last = np.r_[np.flatnonzero(np.diff(lab[order])), lab.size - 1]
    ipk = order[last]  # labels are 0..nobj-1, all present, so ipk[label] is its peak pixel
    pk = vals[ipk][lab]
    d = np.hypot(rr - rr[ipk][lab], cc - cc[ipk][lab])
    bright = (pk / tp[ipk][lab]) >= 10 ** (plan.sidelobe_db / 10.0)
    envelope = pk * 4.0 / (math.pi * np.maximum(d, 1.0)) ** 2
    return ~(bright & (d >= 3.0) & (vals <= envelope))


def _moments(lab, nobj, rr, cc, vals, tp, counts_only=False):
    """Per-object count, centroid, covariance (pixels), peak, sum, by bincount."""
    def bc(w):
        return np.bincount(lab, weights=w, minlength=nobj)

    r = rr.astype(np.float64)
    c = cc.astype(np.float64)
    cnt = np.bincount(lab, minlength=nobj).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # counts_only: objects may have no pixel here
        mr, mc = bc(r) / cnt, bc(c) / cnt
        # Centre before squaring: sums of squares of large indices lose precision.
        dr, dc = r - mr[lab], c - mc[lab]
        # + 1/12: a pixel is a unit square, so an n-pixel line has variance n^2/12 -> length n.
        crr = bc(dr * dr) / cnt + 1.0 / 12.0
        ccc = bc(dc * dc) / cnt + 1.0 / 12.0
        crc = bc(dr * dc) / cnt
    if counts_only:
        return dict(n=cnt, crr=crr, ccc=ccc, crc=crc)
    order = np.lexsort((vals, lab))
    last = np.r_[np.flatnonzero(np.diff(lab[order])), lab.size - 1]
    ipk = order[last]
    return dict(row=mr, col=mc, n=cnt, peak=vals[ipk].astype(np.float64), sum=bc(vals),
                threshold=tp[ipk], crr=crr, ccc=ccc, crc=crc, ipk=ipk,
                peak_row=r[ipk], peak_col=c[ipk])


def _absorb_sidelobes(objs, plan):
    """For each object, the index of the much brighter one whose side lobe it is, or -1.

    A point scatterer's impulse response falls off as ``1 / (pi d)^2`` at
    ``d`` resolution cells from its peak. An object is taken for a side lobe
    of a brighter one when its peak is at least ``sidelobe_db`` weaker, lies
    within ``sidelobe_cap_px`` cells, and is no brighter than that envelope
    allows at its distance (with 6 dB of margin for speckle on the lobes).
    A real ship near a bright one is brighter than the envelope and stays.
    The test needs no orientation, so crosses rotated by a map projection
    are absorbed too.
    """
    peak = objs["peak"]
    m = peak.size
    lobe_of = np.full(m, -1)
    ratio = 10 ** (plan.sidelobe_db / 10.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = peak / objs["threshold"]
    bright = np.flatnonzero(strength >= ratio)
    if bright.size == 0 or m < 2:
        return lobe_of
    pr, pc = objs["peak_row"], objs["peak_col"]
    for i in bright[np.argsort(-peak[bright])]:
        if lobe_of[i] >= 0:
            continue
        d = np.maximum(np.hypot(pr - pr[i], pc - pc[i]), 1.0)
        envelope = peak[i] * 4.0 / (math.pi * d) ** 2
        hit = (lobe_of < 0) & (d <= plan.sidelobe_cap_px) & (peak * ratio <= peak[i]) & (peak <= envelope)
        hit[i] = False
        lobe_of[hit] = i
    return lobe_of


def shape_from_moments(crr, ccc, crc, jac):
    """Length, width (metres) and axis azimuth (degrees from north, 0-180).

    ``crr, ccc, crc`` are the pixel-unit covariances of an object's pixels
    (with the 1/12 pixel term); ``jac`` maps a (col, row) pixel step to
    (east, north) metres. A uniform rectangle of length ``L`` has variance
    ``L^2 / 12`` along its axis, hence ``L = sqrt(12 * lambda_max)``.

    Examples
    --------
    >>> j = np.array([[10.0, 0.0], [0.0, -10.0]])  # 10 m pixels, north up
    >>> L, W, a = shape_from_moments(np.array([1/12]), np.array([100/12]), np.array([0.0]), j)
    >>> round(float(L[0])), round(float(W[0])), round(float(a[0]))
    (100, 10, 90)
    """
    crr, ccc, crc = (np.asarray(a, dtype=float) for a in (crr, ccc, crc))
    # Covariance in (col, row) pixel space, then in (east, north) metres: J C J^T.
    a11, a12, a21, a22 = jac[0, 0], jac[0, 1], jac[1, 0], jac[1, 1]
    see = a11 * a11 * ccc + 2 * a11 * a12 * crc + a12 * a12 * crr
    snn = a21 * a21 * ccc + 2 * a21 * a22 * crc + a22 * a22 * crr
    sen = a11 * a21 * ccc + (a11 * a22 + a12 * a21) * crc + a12 * a22 * crr
    tr = see + snn
    disc = np.sqrt(np.maximum((see - snn) ** 2 / 4.0 + sen * sen, 0.0))
    lmax = tr / 2.0 + disc
    lmin = np.maximum(tr / 2.0 - disc, 0.0)
    # Major-axis direction: angle from east of the eigenvector, then azimuth from north.
    theta = 0.5 * np.arctan2(2 * sen, see - snn)
    azimuth = (90.0 - np.degrees(theta)) % 180.0
    return np.sqrt(12.0 * lmax), np.sqrt(12.0 * lmin), azimuth
