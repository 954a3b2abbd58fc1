"""Automatic ship detection: a CFAR detector over tiles, with land masking.

:func:`detect` reads a SAR or optical GeoTIFF in windows and returns one
point per ship-like object with its size, orientation and brightness.

The detector is in the family of SNAP's *Adaptive Thresholding*: each pixel
is compared with the statistics of a background ring around it (outside a
guard window that holds the ship itself), and the threshold is set by a
false-alarm probability. Window sizes are in metres and follow the pixel
size. The background is measured on a grid of pixel blocks with integral
images and interpolated between block centres; every pixel is tested first
against the lowest threshold around it and the few that pass are tested
exactly. A scene smaller than the background window has no ring: one
sigma-clipped clutter estimate over its whole water serves every block
(:func:`~shipsight.imagery.detect_tile.scene_clutter`). SAR thresholds use the gamma law of multi-look intensity with the
number of looks estimated from the ring itself, optical thresholds a
Gaussian law. Bright pixels within ``link`` distance form objects; objects
much weaker than a bright neighbour and within the reach of its side lobes
(the crosses and streaks SAR draws around strong scatterers) are absorbed
into it, so one ship is one detection.

What each object is, is then decided over the whole scene
(:mod:`~shipsight.imagery.objects`): fragments of one hull merged; side
lobes and streaks along the image's range and azimuth axes, azimuth
ambiguities (given the sensor's distance), objects near known structures,
touching land, on breakwaters and jetties, too wide for a hull, or below a
confidence floor are suppressed -- kept, with the reason, when asked
(``keep_suppressed``), and counted by reason in ``attrs["suppressed"]``.

Land never yields a detection: GSHHG land (roaring-landmask), a land
polygon file, infrastructure polygons, and land seen in the image itself
(large regions clearly brighter than open water) are all masked, and every
reported point is checked against GSHHG and the polygons again. GSHHG is
loaded only for scenes within about 10 km of a coast (a small index shipped
with shipsight says which; see :func:`~shipsight.imagery.landmask.gshhg_cells`).
Inside ``harbours`` (port polygons) GSHHG's coastline, too coarse for quays
and basins, is not used: the land seen in the image and the land polygons
decide there, and in a coastal scene GSHHG calls land almost throughout
(a basin it filled in; :data:`_GSHHG_OVERRULE`), with a warning.

Example
-------
>>> import tempfile, os
>>> from shipsight.imagery.synth import make_scene
>>> path = os.path.join(tempfile.mkdtemp(), "s.tif")
>>> truth = make_scene(path, width=800, height=800, n_ships=4, ship_db=12, seed=2)
>>> found = detect(path)
>>> len(found)
4
"""

import math
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from multiprocessing import get_context

import numpy as np
import rasterio
from rasterio.windows import Window

from shipsight.errors import InputError
from shipsight.imagery.detect_tile import CLIP_SIGMA, Buffers, StageClock, TilePlan, process_tile, read_intensity, read_tile
from shipsight.imagery.landmask import gshhg_cells, land_block_grid, on_land, read_mask_polygons
from shipsight.imagery.objects import RAY_M, RAY_MIN_PX
from shipsight.imagery.products.dataset import open_dataset

__all__ = ["detect", "DETECTION_COLUMNS"]

#: Columns of the GeoDataFrame :func:`detect` returns, besides ``geometry``.
DETECTION_COLUMNS = (
    "lon", "lat", "row", "col", "length_m", "width_m", "heading_axis_deg",
    "peak", "mean", "background", "score", "n_pixels", "confidence", "suppressed", "suppressed_reason",
)

_KINDS = ("auto", "sar", "optical")
_SIDELOBE_DB = 10.0  # a side lobe is at least this much weaker than its scatterer
_SIDELOBE_CAP_PX = 40  # side lobes reach at most this many resolution cells
_LAND_DB = {"sar": 7.0, "optical": 3.0}  # image land: this much brighter than open water
_LAND_SMOOTH_M = 75.0  # image land: low-pass radius
# GDAL while detecting: a small block cache (MB), and windows of uncompressed strips read straight
# from the file (GTIFF_DIRECT_IO) -- through the cache, a GRD's full-width strips would be read
# whole once for every tile across them.
_GDAL_OPTIONS = {"GDAL_CACHEMAX": 128, "GTIFF_DIRECT_IO": "YES"}
_PFA_GROW_RATIO = 1e3  # hysteresis: pixels this much likelier in clutter may grow an object...
_PFA_GROW = 1e-3  # ...but no likelier than this
_LAND_OPENING_M = 300.0  # image land: narrower than twice this is not land (ships, lobes, wakes)
_SEARCHED_MIN = 0.25  # warn when less of the valid area than this was searched
# GSHHG land over this much of a coastal scene (past what harbours exempt): it is a basin GSHHG
# filled, and the image decides. 1 % leaves room for GSHHG's coastline (~100-500 m off in
# harbours) clipping a corner; more GSHHG sea than that is real sea in the scene, and GSHHG stays.
_GSHHG_OVERRULE = 0.99


def detect(
    path,
    *,
    band=None,
    kind="auto",
    pfa=1e-6,
    guard_m=500.0,
    background_m=800.0,
    min_length_m=None,
    max_length_m=600.0,
    link_m=None,
    land=None,
    mask_geoms=None,
    use_landmask=True,
    harbours=None,
    water_from_image=True,
    tile=4096,
    workers=1,
    progress=None,
    units="auto",
    offset=None,
    scale=None,
    polarisation=None,
    denoise=False,
    height_m=0.0,
    product=None,
    structures=None,
    structure_radius_m=None,
    min_confidence=0.0,
    ambiguity_m=None,
    azimuth_deg=None,
    axes_deg=None,
    keep_suppressed=False,
):
    """Find ships in a SAR or optical product; one point per ship.

    Parameters
    ----------
    path : str or Path
        A raster or product :func:`~shipsight.imagery.products.open_product`
        reads: GeoTIFF/COG, a Sentinel-1 GRD SAFE folder, zip or measurement
        TIFF (searched in its own radar geometry, calibrated to sigma0,
        placed through its GCPs), a Sentinel-2 SAFE, an RPC-only image, a
        STAC Item.
    band : int or sequence of int, optional
        1-based band(s). Several bands are averaged into one brightness.
        Default: band 1 for SAR, all bands (but alpha) for optical.
    kind : {"auto", "sar", "optical"}
        ``"auto"``: the product's tags and band names decide (a Sentinel-2
        band is optical), else three or more bands or 8-bit data mean
        optical and anything else SAR
        (:func:`~shipsight.imagery.radiometry.classify_kind`).
    pfa : float
        Probability that a clutter pixel exceeds the threshold, in (0, 0.01].
    guard_m, background_m : float
        Full widths, in metres, of the guard window (holds the ship, kept out
        of the statistics) and of the background window around it; the ring
        between them measures the clutter. ``guard_m`` should exceed the
        longest ship. A scene smaller than ``background_m`` both ways is
        measured as a whole instead, sigma-clipped (a note says so).
    min_length_m, max_length_m : float
        Objects outside this range of length are not ships. Default minimum:
        2.5 ground pixels (a single speckle spike or a pair is not a ship).
    link_m : float, optional
        Bright pixels closer than this belong to one object. Default 2.3
        pixels: bridges the one-pixel gaps speckle leaves in a hull.
    land : str or Path, optional
        Vector file of land polygons to mask (any CRS).
    mask_geoms : GeoSeries or sequence of shapely geometries, optional
        More land or infrastructure polygons to mask (quays, breakwaters,
        platforms); a plain sequence is in EPSG:4326. Not port areas: ports
        are water where ships are.
    use_landmask : bool
        Mask GSHHG land (roaring-landmask). Scenes the coarse index finds
        more than a cell (~11 km) from any coast skip it: nothing to mask.
        A coastal scene GSHHG calls land over 99 % of its blocks (less
        ``harbours``) is left to the image's water mask when
        ``water_from_image``, with a warning.
    harbours : GeoSeries or sequence of shapely geometries, optional
        Port, harbour and anchorage polygons (a plain sequence is in
        EPSG:4326). Inside them GSHHG is not trusted -- its ~100 m coastline
        fills basins and misses new quays -- and only the land seen in the
        image (``water_from_image``) and ``land``/``mask_geoms`` mask.
    water_from_image : bool
        Also mask land seen in the image: regions brighter than open water
        by 7 dB (SAR) or 3 dB (optical) and wider than about 600 m. Clouds
        in optical scenes are masked the same way.
    tile : int or None
        Core tile size in pixels (rounded up to whole blocks); each tile is
        read with an overlap wide enough that results do not depend on it.
        None: one tile.
    workers : int
        Processes; each opens the file itself.
    progress : callable, optional
        Called as ``progress(done_tiles, total_tiles)`` after each tile.
    units : {"auto", "intensity", "amplitude", "db"}
        SAR units of the stored values. ``"auto"``: from the product's
        metadata, else inferred from the speckle statistics and reported
        (:mod:`shipsight.imagery.radiometry`). Everything is turned into
        linear intensity (sigma0 when the product has a calibration LUT).
    offset, scale : float, optional
        Optical: reflectance = (DN + offset) * scale; default from the
        product's metadata (Sentinel-2 ``BOA_ADD_OFFSET`` and quantification
        value), else the stored values.
    polarisation : str, optional
        Sentinel-1: which measurement (VV by default where present).
    denoise : bool
        Sentinel-1: subtract the thermal noise LUT before calibrating.
    height_m : float
        RPC-only images: ground height they are placed at (0, about sea level).
    product : Product, optional
        An already opened product (a registered scene reopened with its
        options); ``path`` is then only its name in messages.
    structures : GeoDataFrame or GeoSeries, optional
        Known fixed structures (points, lines, polygons; a plain sequence
        is EPSG:4326): objects within ``structure_radius_m`` of one are
        suppressed as ``structure``. Columns ``radius_sar_m`` /
        ``radius_optical_m`` (per structure, by the scene's kind), ``id``,
        ``name`` and ``kind`` are used when present (the store's layer has them).
    structure_radius_m : float, optional
        Suppression radius, metres; default 200 for SAR and 50 for optical
        (Skylight's distances for Sentinel-1 and Sentinel-2 infrastructure),
        overriding the structures' own radii when given.
    min_confidence : float
        Objects whose confidence (0-1) is lower are suppressed as
        ``low_confidence``; 0 (the default) suppresses none, the confidence
        only orders them. For SAR,
        :data:`~shipsight.imagery.objects.SUGGESTED_MIN_CONFIDENCE` (0.25)
        drops faint specks and keeps ships of 10 dB and 4 pixels.
    ambiguity_m : float or sequence of float, optional
        Azimuth ambiguity distance(s) of the sensor, metres
        (:func:`~shipsight.imagery.ambiguity.azimuth_ambiguity_m`); weak
        objects that far along azimuth from a bright target are marked
        ``ambiguity``. None: not marked (no metadata).
    azimuth_deg : float, optional
        The azimuth direction in the image, degrees clockwise from the
        image's up; default the side-lobe axis nearer to the columns' direction.
    axes_deg : (float, float), optional
        The image's range and azimuth directions in the same convention;
        default estimated from the crosses of bright scatterers.
    keep_suppressed : bool
        Return the suppressed objects too (their ``suppressed`` column says why).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ship, EPSG:4326 points, sorted by row then column, with
        columns ``lon, lat`` (degrees), ``row, col`` (float pixel centroid,
        0.0 = centre of the first pixel), ``length_m, width_m`` (from the
        second moments of the object's pixels along and across its axis),
        ``heading_axis_deg`` (axis azimuth from true north, 0-180),
        ``peak, mean`` (brightest and mean pixel, in the image's units: dB
        if the image is dB), ``background`` (clutter mean at the peak, same
        units), ``score`` (object mean over clutter mean, dB),
        ``n_pixels``, ``confidence`` (0-1, see
        :func:`~shipsight.imagery.objects.confidence`), ``suppressed`` (""
        for a ship, else one of :data:`~shipsight.imagery.objects.REASONS`)
        and ``suppressed_reason`` (a sentence). Rows and columns are those of
        the product's own grid (a Sentinel-1 measurement's radar geometry)
        and lon/lat come through its georeferencing (geotransform, GCPs or
        RPCs). ``attrs`` record the kind (and why), the units (and how they
        were known), whether the input was dB, the georeferencing, the
        ground pixel size, the parameters used, ``notes`` (what was
        inferred), ``warnings`` (a search that covered little of the valid
        area, or found nothing in a scene larger than the background
        window), the side-lobe axes found, ``suppressed`` (counts by
        reason: nothing is dropped unsaid) and ``stage_seconds``, wall
        seconds per stage: ``main`` (this process's own steps), ``tiles``
        (the per-tile steps, summed over tiles; CPU seconds summed over
        processes when ``workers > 1``) and ``read_ahead`` (reading and
        calibrating the next tile in a thread while one is searched, with
        one worker).

    Raises
    ------
    InputError
        Not a raster or product, no georeferencing, all nodata, or a bad parameter.

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.imagery.synth import make_scene
    >>> p = os.path.join(tempfile.mkdtemp(), "one.tif")
    >>> _ = make_scene(p, width=400, height=400,
    ...                ships=[{"row": 200, "col": 200, "length_m": 200, "heading_deg": 60, "db": 15}])
    >>> d = detect(p)
    >>> len(d), bool(150 < d.length_m.iloc[0] < 260), bool(45 < d.heading_axis_deg.iloc[0] < 75)
    (1, True, True)
    """
    from shipsight.imagery.products import open_product
    from shipsight.imagery.radiometry import check_units

    clock = StageClock()
    path = os.fspath(path)
    _check_params(kind, pfa, guard_m, background_m, min_length_m, max_length_m, tile, workers, link_m)
    units = check_units(units)
    _check_classes(min_confidence, structure_radius_m, ambiguity_m, azimuth_deg, axes_deg)
    if product is None:
        product = open_product(path, polarisation=polarisation, height_m=height_m, denoise=denoise)
    clock.lap("open product")
    # GDAL's block cache defaults to 5 % of RAM and would grow with the scene;
    # tiles are read once (halos aside), so a small cache keeps memory flat.
    with rasterio.Env(**_GDAL_OPTIONS), _LandOracle(use_landmask) as oracle:
        return _detect(
            path, band=band, kind=kind, pfa=pfa, guard_m=guard_m, background_m=background_m,
            min_length_m=min_length_m, max_length_m=max_length_m, link_m=link_m, land=land,
            mask_geoms=mask_geoms, harbours=harbours, oracle=oracle, water_from_image=water_from_image,
            tile=tile, workers=workers, progress=progress, units=units, offset=offset, scale=scale,
            product=product, clock=clock,
            classes=dict(structures=structures, structure_radius_m=structure_radius_m,
                         min_confidence=min_confidence, ambiguity_m=ambiguity_m, azimuth_deg=azimuth_deg,
                         axes_deg=axes_deg, keep_suppressed=keep_suppressed),
        )


class _LandOracle:
    """GSHHG land answers for one detect call, from the coastline's tile cache.

    Only the tiles around the scene are read (:mod:`shipsight.coast`), so the
    answers cost milliseconds and a few MB; open-sea scenes (by the coarse
    index) never read them.
    """

    def __init__(self, enabled):
        self.enabled = enabled
        self.status = "used" if enabled else "off"
        self.overruled = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def not_needed(self):
        """The scene is open sea by the coarse index: never read the coastline."""
        self.enabled = False
        self.status = "not needed (open sea)"

    def on_land(self, lon, lat):
        if not self.enabled:
            return np.zeros(np.shape(lon), dtype=bool)
        return on_land(lon, lat)

    def later_grid(self, georef, nby, nbx, block, exempt=None, image_decides=False):
        """The land grid of the scene's blocks, less ``exempt``: a callable, None when no land is left.

        With ``image_decides`` (a coastal scene whose image has a water mask of
        its own), GSHHG land over :data:`_GSHHG_OVERRULE` of the blocks is not
        believed: a scene wholly inside GSHHG "land" that is being searched
        for ships is a harbour basin or a new quay GSHHG filled. GSHHG is then
        dropped for the scene (None, and not asked about the detections) and
        :attr:`overruled` holds the fraction it called land.
        """
        grid = land_block_grid(georef, nby, nbx, block)
        if image_decides and grid.size:
            masked = grid if exempt is None else grid & ~exempt
            fraction = float(np.count_nonzero(masked)) / masked.size
            if fraction >= _GSHHG_OVERRULE:
                self.overruled = fraction
                self.enabled = False
                self.status = f"overruled by the image (GSHHG called {fraction:.0%} of the scene land)"
                return None
        return _Later(grid, exempt)


class _Later:
    """The land grid less ``exempt`` blocks, worked out when first asked; None when no land is left."""

    def __init__(self, grid, exempt=None):
        self.grid = grid
        self.exempt = exempt
        self.value = False

    def __call__(self):
        if self.value is False:
            grid = self.grid
            if self.exempt is not None:
                grid &= ~self.exempt
            self.value = grid if grid.any() else None
        return self.value


def _detect(path, *, band, kind, pfa, guard_m, background_m, min_length_m, max_length_m, link_m,
            land, mask_geoms, harbours, oracle, water_from_image, tile, workers, progress, units, offset, scale,
            product, classes, clock):
    import geopandas as gpd
    import shapely

    plan, georef, specs, px_m, harbour_geoms, facts = _plan(
        path, band=band, kind=kind, pfa=pfa, guard_m=guard_m, background_m=background_m,
        min_length_m=min_length_m, max_length_m=max_length_m, link_m=link_m, land=land,
        mask_geoms=mask_geoms, harbours=harbours, oracle=oracle, water_from_image=water_from_image,
        tile=tile, units=units, offset=offset, scale=scale, product=product,
    )
    clock.lap("plan (units, sample statistics, GSHHG grid)")
    raster = plan.path
    use_landmask = oracle.enabled
    parts = []
    total = len(specs)
    ahead_clock = StageClock()
    if workers == 1 or total == 1:
        # Read ahead: a thread with a dataset of its own reads (and decompresses, outside
        # the GIL) the next tile while this one is processed, so reading is mostly hidden.
        with open_dataset(raster) as src, open_dataset(raster) as ahead_src, ThreadPoolExecutor(1) as ahead:
            # Two tile arrays, taking turns: one searched while the other is read into.
            buffers, scratch = Buffers(), Buffers()  # the read-ahead thread's, this thread's
            pending = ahead.submit(read_tile, ahead_src, plan, specs[0], buffers, "x0")
            for i, spec in enumerate(specs):
                x, read_seconds = pending.result()
                clock.lap("waiting for the read-ahead")
                ahead_clock.add(read_seconds)
                if i + 1 < total:
                    pending = ahead.submit(read_tile, ahead_src, plan, specs[i + 1], buffers, f"x{(i + 1) % 2}")
                parts.append(process_tile(src, plan, spec, x, scratch))
                del x
                clock.restart()  # charged by the tile's own clock
                if progress is not None:
                    progress(i + 1, total)
    else:
        if callable(plan.land_blocks):
            plan.land_blocks = plan.land_blocks()  # workers get the grid itself
        # spawn, not fork: GDAL's and PROJ's caches must not be shared half-initialised.
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_run_tile, plan, spec) for spec in specs]
            for i, fut in enumerate(as_completed(futures)):
                fut.result()
                if progress is not None:
                    progress(i + 1, total)
            parts = [f.result() for f in futures]
        clock.lap("tiles in worker processes (wall)")

    n_valid = sum(p["n_valid"] for p in parts)
    if n_valid == 0:
        raise InputError("the raster holds no valid pixels (all nodata or NaN)", where=path)
    n_searched = sum(p["n_searched"] for p in parts)
    tiles = StageClock()
    for p in parts:
        tiles.add(p["seconds"])
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]
            if k not in ("n_valid", "n_searched", "seconds")}

    # Georeference the centroids (through the product's own georeferencing: geotransform, GCPs
    # or RPCs) and drop anything that is on land after all. Polygons are in pixel space.
    px, py = cols["col"] + 0.5, cols["row"] + 0.5
    lon, lat = georef.lonlat(py, px)
    keep = np.isfinite(lon) & np.isfinite(lat)
    if use_landmask and keep.any():
        ask = keep.copy()
        if len(harbour_geoms):  # GSHHG has no say inside harbours; ask it about the rest only
            ask &= ~shapely.contains_xy(shapely.union_all(harbour_geoms), px, py)
        if ask.any():
            keep[ask] &= ~oracle.on_land(lon[ask], lat[ask])
    if plan.polygons and keep.any():
        polys = shapely.union_all(shapely.from_wkb(plan.polygons))
        keep &= ~shapely.contains_xy(polys, px, py)

    cols = {k: v[keep] for k, v in cols.items()}
    lon, lat = lon[keep], lat[keep]
    clock.lap("georeferencing detections (GCPs...), land check")
    peak, mean, bg = cols["peak"], cols["sum"] / np.maximum(cols["n"], 1), cols["background"]
    labels = _classify(cols, mean, lon, lat, plan, px_m, classes)
    clock.lap("classification (structures, lobes, confidence)")
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 10.0 * np.log10(mean / bg)  # object over clutter, dB (linear units here)
        if plan.is_db:
            peak, mean, bg = (10.0 * np.log10(a) for a in (peak, mean, bg))
    frame = {
        "lon": lon, "lat": lat, "row": cols["row"], "col": cols["col"],
        "length_m": cols["length_m"], "width_m": cols["width_m"],
        "heading_axis_deg": cols["axis_deg"], "peak": peak, "mean": mean,
        "background": bg, "score": score, "n_pixels": cols["n"].astype(np.int64),
        "confidence": labels["confidence"], "suppressed": labels["suppressed"],
        "suppressed_reason": labels["reason"],
    }
    reasons, counts = np.unique(labels["suppressed"][labels["suppressed"] != ""].astype(str), return_counts=True)
    if not classes["keep_suppressed"]:
        ship = labels["suppressed"] == ""
        frame = {k: np.asarray(v)[ship] for k, v in frame.items()}
    order = np.lexsort((frame["col"], frame["row"]))
    frame = {k: np.asarray(v)[order] for k, v in frame.items()}
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    warn = list(facts.pop("warnings"))
    scene_m2 = plan.height * plan.width * px_m * px_m
    if n_searched < _SEARCHED_MIN * n_valid:
        warn.append(f"searched {n_searched / n_valid:.0%} of the valid area ({n_searched * px_m * px_m / 1e6:.2f} of "
                    f"{n_valid * px_m * px_m / 1e6:.2f} km2); the rest was land, masked, or had too little water "
                    f"around it for a {background_m:g} m background window")
    if (labels["suppressed"] == "").sum() == 0 and min(plan.height, plan.width) * px_m > background_m:
        warn.append(f"no ships found in {n_searched * px_m * px_m / 1e6:.2f} km2 of water searched ("
                    f"{scene_m2 / 1e6:.2f} km2 scene, read as {facts['kind']}"
                    f"{', ' + facts['units'] if facts['units'] else ''}); if ships are expected, check "
                    "--kind, --units and --pfa")
    gdf.attrs.update(
        source=path, input_db=plan.is_db, pixel_m=px_m, pfa=pfa,
        guard_m=guard_m, background_m=background_m, min_length_m=plan.min_length_m,
        max_length_m=plan.max_length_m, block_px=plan.block, tiles=total, gshhg=oracle.status,
        harbours=len(harbour_geoms), searched_fraction=n_searched / n_valid, warnings=warn, **facts,
        axes_deg=labels["axes"], axes_source=labels["axes_source"], min_confidence=labels["min_confidence"],
        suppressed={str(r): int(c) for r, c in zip(reasons, counts)}, dropped_on_land=int((~keep).sum()),
    )
    clock.lap("output frame, warnings")
    # Where the time went: the main thread's stages, the tiles' own (CPU seconds summed over
    # workers when workers > 1) and, with one worker, the read-ahead thread's (hidden behind the rest).
    gdf.attrs["stage_seconds"] = {"main": dict(clock.seconds), "tiles": tiles.seconds,
                                  "read_ahead": ahead_clock.seconds}
    return gdf


def _classify(cols, mean, lon, lat, plan, px_m, classes):
    """What each object is (objects.classify), with the known structures near it."""
    from shipsight.imagery.objects import classify, structures_near
    from shipsight.model.vocab import STRUCTURE_RADIUS_M

    obj = dict(peak_row=cols["peak_row"], peak_col=cols["peak_col"], peak=cols["peak"], mean=mean,
               background=cols["background"], threshold=cols["threshold"], n=cols["n"],
               length_m=cols["length_m"], width_m=cols["width_m"], land=cols["land"].astype(bool),
               lobe_row=cols["lobe_row"], lobe_col=cols["lobe_col"], rays=cols["rays"], radius=cols["radius"],
               quay_px=cols["quay_px"])
    hits = None
    if classes["structures"] is not None and len(lon):
        hits = structures_near(lon, lat, classes["structures"], radius_m=classes["structure_radius_m"],
                               default_radius_m=STRUCTURE_RADIUS_M[plan.kind],
                               radius_column=f"radius_{plan.kind}_m")
    min_conf = classes["min_confidence"]
    amb = classes["ambiguity_m"]
    amb_px = None if amb is None else np.atleast_1d(np.asarray(amb, dtype=float)) / px_m
    return classify(obj, axes=classes["axes_deg"], sidelobe_db=plan.sidelobe_db, ambiguity_px=amb_px,
                    azimuth_deg=classes["azimuth_deg"], px_m=px_m, max_length_m=plan.max_length_m,
                    min_confidence=min_conf, kind=plan.kind, ray_px=plan.ray_px, structures=hits)


_WORKER_SRC = {}


def _run_tile(plan, spec):
    """Worker entry: one open dataset per process, reused across its tiles."""
    src = _WORKER_SRC.get(plan.path)
    if src is None:
        if not _WORKER_SRC:
            env = rasterio.Env(**_GDAL_OPTIONS)
            env.__enter__()  # for the life of this worker process
            _WORKER_SRC["_env"] = env
        src = _WORKER_SRC[plan.path] = open_dataset(plan.path)  # plan.path: the raster GDAL reads
        _WORKER_SRC["_buffers"] = Buffers()
    return process_tile(src, plan, spec, buffers=_WORKER_SRC["_buffers"])


def _check_params(kind, pfa, guard_m, background_m, min_length_m, max_length_m, tile, workers, link_m):
    where = "detect"
    if kind not in _KINDS:
        raise InputError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}", where=where)
    if not (0 < pfa <= 0.01):
        raise InputError(f"pfa must be in (0, 0.01], not {pfa!r}", where=where)
    if not (0 < guard_m < background_m):
        raise InputError(
            f"need 0 < guard_m < background_m, got guard_m={guard_m!r}, background_m={background_m!r}",
            where=where,
        )
    if min_length_m is not None and min_length_m < 0:
        raise InputError("min_length_m must be >= 0", where=where)
    if max_length_m is None or max_length_m <= 0:
        raise InputError("max_length_m must be > 0", where=where)
    if min_length_m is not None and min_length_m > max_length_m:
        raise InputError("min_length_m exceeds max_length_m", where=where)
    if tile is not None and (int(tile) != tile or tile < 64):
        raise InputError(f"tile must be an integer >= 64 pixels or None, not {tile!r}", where=where)
    if int(workers) != workers or workers < 1:
        raise InputError(f"workers must be a positive integer, not {workers!r}", where=where)
    if link_m is not None and link_m <= 0:
        raise InputError("link_m must be > 0", where=where)


def _check_classes(min_confidence, structure_radius_m, ambiguity_m, azimuth_deg, axes_deg):
    where = "detect"
    if not (0.0 <= min_confidence <= 1.0):
        raise InputError(f"min_confidence must be between 0 and 1, not {min_confidence!r}", where=where)
    if structure_radius_m is not None and not (structure_radius_m >= 0):
        raise InputError(f"structure_radius_m must be 0 or more, not {structure_radius_m!r}", where=where)
    if ambiguity_m is not None and not np.all(np.asarray(ambiguity_m, dtype=float) > 0):
        raise InputError(f"ambiguity_m must be distances over 0 m, not {ambiguity_m!r}", where=where)
    if azimuth_deg is not None and not np.isfinite(azimuth_deg):
        raise InputError(f"azimuth_deg must be a number of degrees, not {azimuth_deg!r}", where=where)
    if axes_deg is not None and (np.shape(axes_deg) != (2,) or not np.all(np.isfinite(axes_deg))):
        raise InputError(f"axes_deg must be two directions in degrees, not {axes_deg!r}", where=where)


def _sample_windows(height, width, *, n=4, size=256):
    """Up to n x n windows spread evenly over the scene, for quick statistics."""
    if height <= size * n and width <= size * n:
        return [Window(0, 0, width, height)]
    rows = np.unique(np.linspace(0, max(height - size, 0), n).astype(int))
    cols = np.unique(np.linspace(0, max(width - size, 0), n).astype(int))
    return [Window(c, r, min(size, width - c), min(size, height - r)) for r in rows for c in cols]


def _plan(path, *, band, kind, pfa, guard_m, background_m, min_length_m, max_length_m, link_m,
          land, mask_geoms, harbours, oracle, water_from_image, tile, units, offset, scale, product):
    # ndtri, not scipy.stats.norm.isf (which is -ndtri): scipy.stats takes half a second to import.
    from scipy.special import gammainccinv, ndtri

    facts = {"notes": list(product.notes), "warnings": []}
    with open_dataset(product.raster) as src:
        georef = product.georef(src)
        height, width, count = src.height, src.width, src.count
        if band is None:
            bands = None
        else:
            bands = [band] if np.isscalar(band) else list(band)
            bad = [b for b in bands if int(b) != b or not (1 <= b <= count)]
            if bad or not bands:
                raise InputError(f"band must be between 1 and {count}, got {band!r}", where=path)
            bands = [int(b) for b in bands]
        kind_source = "--kind"
        if kind == "auto":
            if bands is not None and len(bands) >= 3:
                kind, kind_source = "optical", f"{len(bands)} bands chosen"
            else:
                kind, kind_source = product.kind, product.kind_source
        if bands is None:
            if kind == "sar":
                bands = [product.band]
            else:
                alpha = rasterio.enums.ColorInterp.alpha
                bands = [i + 1 for i, ci in enumerate(src.colorinterp) if ci != alpha] or [1]
        # Undeclared fill (NaN, a zero border) is nodata like a declared value.
        nodata = [src.nodatavals[b - 1] if src.nodatavals[b - 1] is not None else product.fill for b in bands]
        descriptions = src.descriptions
        flags = src.mask_flag_enums[bands[0] - 1]
        use_mask_band = not any(
            f in (rasterio.enums.MaskFlags.all_valid, rasterio.enums.MaskFlags.nodata) for f in flags
        )

        jac = georef.jacobian()
        px_m = math.sqrt(abs(np.linalg.det(jac)))
        guard_px = guard_m / 2.0 / px_m
        back_px = background_m / 2.0 / px_m
        block = int(np.clip((back_px - guard_px) // 2, 1, 16))
        r_guard = max(1, math.ceil(guard_px / block))
        r_back = max(r_guard + 1, math.ceil(back_px / block))
        min_len = 2.5 * px_m if min_length_m is None else float(min_length_m)
        link_px = 2.3 if link_m is None else max(1.0, link_m / px_m)

        probe = TilePlan(
            path=product.raster, height=height, width=width, transform=None, bands=bands,
            nodata=nodata, use_mask_band=use_mask_band, kind=kind, is_db=False, block=block,
            r_guard=r_guard, r_back=r_back, halo=0, pfa=pfa, min_count=0, link_px=link_px,
            sidelobe_db=_SIDELOBE_DB, sidelobe_cap_px=_SIDELOBE_CAP_PX, min_length_m=min_len,
            max_length_m=float(max_length_m), jacobian=jac, water_level=np.nan, image_land=False,
            land_db=_LAND_DB[kind], land_smooth=0, land_opening=0,
        )
        windows = _sample_windows(height, width)
        samples = [read_intensity(src, probe, w) for w in windows]  # raw values: no radiometry yet

    probe.radiometry, units_text = _radiometry(product, kind, units, offset, scale, samples, facts)
    probe.is_db = probe.radiometry.is_db
    samples = [probe.radiometry.apply(s, int(w.row_off), int(w.col_off)) for s, w in zip(samples, windows)]
    probe.water_level = _water_level(samples)
    facts.update(kind=kind, kind_source=kind_source, units=probe.radiometry.units, units_source=units_text,
                 radiometry=probe.radiometry.describe(), georef=georef.kind)
    if kind == "optical" and water_from_image:
        from shipsight.imagery.berths import ndwi_bands, water_threshold

        probe.ndwi = ndwi_bands(descriptions)
        if probe.ndwi is None:
            probe.water_threshold = water_threshold(samples) or float("nan")

    # Block grid of GSHHG land for the whole scene (small: one cell per block),
    # unless the coarse index says the scene is open sea.
    nby, nbx = -(-height // block), -(-width // block)
    box = _scene_lonlat_box(georef)
    cells = gshhg_cells(*box) if oracle.enabled and box is not None else None
    if cells == "sea":
        oracle.not_needed()
    harbour_geoms = _harbours_near(harbours, box, georef)
    if oracle.enabled:
        exempt = None
        if len(harbour_geoms):
            from shipsight.imagery.landmask import rasterize_polygons

            exempt = rasterize_polygons(harbour_geoms, rasterio.Affine.scale(block), (nby, nbx))
        # Not inland (the index's "land"): there GSHHG is right that nothing floats.
        probe.land_blocks = oracle.later_grid(georef, nby, nbx, block, exempt,
                                              image_decides=water_from_image and cells == "coast")
        if oracle.overruled is not None:
            facts["warnings"].append(
                f"GSHHG calls {oracle.overruled:.0%} of the scene land (it fills harbour basins and misses new "
                "quays): the image's own water mask decides where the water is instead. A port polygon for this "
                "harbour (shipsight ports import) says so for good; --land FILE masks land you know; "
                "--no-landmask ignores GSHHG everywhere")

    geoms = _pixel_polygons(read_mask_polygons(land, mask_geoms, crs="EPSG:4326"), georef)
    if len(geoms):
        import shapely

        pad = background_m / px_m
        scene = shapely.box(-pad, -pad, width + pad, height + pad)
        geoms = shapely.intersection(geoms[shapely.intersects(geoms, scene)], scene)
        geoms = geoms[~shapely.is_empty(geoms)]
        probe.polygons = list(shapely.to_wkb(geoms))

    block_m = block * px_m
    probe.image_land = bool(water_from_image)
    probe.land_smooth = max(1, round(_LAND_SMOOTH_M / block_m))
    probe.land_opening = max(1, round(_LAND_OPENING_M / block_m))
    # Enough ring pixels for a stable mean and variance: a fifth of a full ring, at least 16.
    ring_area = ((2 * r_back + 1) ** 2 - (2 * r_guard + 1) ** 2) * block * block
    probe.min_count = max(16, ring_area // 5)
    scene_h_m, scene_w_m = height * px_m, width * px_m
    if max(scene_h_m, scene_w_m) < background_m:
        # No ring fits, and the background square would hold the ship itself: one
        # robust clutter estimate over the whole scene's water (detect_tile.scene_clutter).
        probe.scene_clutter = True
        tile = None
        facts["notes"].append(
            f"scene {scene_w_m:.0f} x {scene_h_m:.0f} m is smaller than the {background_m:g} m background window: "
            f"clutter measured over the whole scene, sigma-clipped at {CLIP_SIGMA:g} sigma")
    grid = np.log(np.geomspace(0.5, 50.0, 400))  # evenly spaced: detect_tile._interp_tables relies on it
    probe.enl_table = (grid, gammainccinv(np.exp(grid), pfa) / np.exp(grid))
    probe.t_gauss = float(-ndtri(pfa))
    pfa_grow = min(_PFA_GROW, max(pfa, 1e-12) * _PFA_GROW_RATIO)
    pfa_grow = max(pfa_grow, pfa)
    probe.enl_table_grow = (grid, gammainccinv(np.exp(grid), pfa_grow) / np.exp(grid))
    probe.t_gauss_grow = float(-ndtri(pfa_grow))

    # Overlap: background ring + image-land neighbourhood + half the longest object or
    # a side lobe's reach, so decisions about objects a tile owns see whole-scene pixels.
    land_r = (probe.land_smooth + 2 * probe.land_opening + 2) * block if water_from_image else 0
    # Ray profiles look ray_px beyond an object's edge (objects.ray_profiles).
    probe.px_m = px_m
    probe.merge_px = guard_m / 2.0 / px_m
    probe.ray_px = max(RAY_MIN_PX, math.ceil(RAY_M / px_m))
    reach = max(max_length_m / 2.0 / px_m + probe.ray_px + 2, _SIDELOBE_CAP_PX) + 2 * link_px
    halo = (r_back + 1) * block + land_r + math.ceil(reach)
    probe.halo = -(-halo // block) * block

    if tile is None:
        specs = [(0, 0, height, width)]
    else:
        step = -(-int(tile) // block) * block
        specs = [(r, c, min(step, height - r), min(step, width - c))
                 for r in range(0, height, step) for c in range(0, width, step)]
    return probe, georef, specs, px_m, harbour_geoms, facts


def _radiometry(product, kind, units, offset, scale, samples, facts):
    """The Radiometry detection uses and the text saying where its units came from."""
    from dataclasses import replace

    from shipsight.imagery.radiometry import Radiometry, infer_sar_units

    base = product.radiometry
    if kind == "optical":
        if base is None or base.kind != "optical":
            base = Radiometry("optical")
        if offset is not None or scale is not None:
            base = replace(base, offset=float(offset or 0.0), scale=float(1.0 if scale is None else scale))
            return base, "--offset/--scale"
        return base, None
    if base is None or base.kind != "sar":
        base = Radiometry("sar", product.units)
    if units is not None:
        return replace(base, units=units), "--units"
    if base.units is not None:
        return base, product.units_source or "metadata"
    choice = infer_sar_units(samples)
    facts["notes"].append(f"SAR units {choice.units}, {choice.source}")
    if choice.uncertain:
        facts["warnings"].append(f"the SAR units could not be told from the data; searched as {choice.units}. "
                                 "Say which with --units intensity|amplitude|db")
    return replace(base, units=choice.units), choice.source


def _pixel_polygons(geoms, georef):
    """Lon/lat polygons in the scene's continuous pixel space (x = col, y = row)."""
    import shapely

    if len(geoms) == 0:
        return geoms
    geoms = shapely.segmentize(geoms, 0.002)  # ~200 m: edges follow the image's own geometry

    def to_pixel(xy):
        r, c = georef.pixel(xy[:, 0], xy[:, 1])
        return np.column_stack([c, r])

    out = shapely.make_valid(shapely.transform(geoms, to_pixel))
    ok = ~shapely.is_empty(out) & np.isfinite(shapely.bounds(out)).all(axis=1)
    return out[ok]


def _harbours_near(harbours, box, georef):
    """Harbour polygons that may touch the scene, in its pixel space (a shapely array)."""
    import geopandas as gpd
    import shapely

    if harbours is None:
        return np.empty(0, dtype=object)
    series = harbours.geometry if hasattr(harbours, "geometry") else harbours
    if not isinstance(series, gpd.GeoSeries):
        series = gpd.GeoSeries(list(series), crs="EPSG:4326")
    elif series.crs is None:
        series = series.set_crs("EPSG:4326")
    series = series.to_crs("EPSG:4326")
    if box is not None:
        # A port across the world would project to garbage near the scene: keep the near ones only.
        near = shapely.box(box[0] - 0.1, box[1] - 0.1, box[2] + 0.1, box[3] + 0.1)
        series = series[shapely.intersects(series.values, near)]
    return _pixel_polygons(read_mask_polygons(None, series, crs="EPSG:4326"), georef)


def _scene_lonlat_box(georef, n=33):
    """(lon_min, lat_min, lon_max, lat_max) of the scene, from points along its border.

    None off the projection's domain or across the antimeridian.
    """
    t = np.linspace(0.0, 1.0, n)
    h, w = float(georef.height), float(georef.width)
    rows = np.concatenate([np.zeros(n), np.full(n, h), t * h, t * h])
    cols = np.concatenate([t * w, t * w, np.zeros(n), np.full(n, w)])
    lon, lat = georef.lonlat(rows, cols)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()) or np.ptp(lon) > 180.0:
        return None
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _water_level(samples):
    """Typical open-water brightness: a low quantile of 8 x 8 block means of the samples."""
    means = []
    for s in samples:
        h, w = (s.shape[0] // 8) * 8, (s.shape[1] // 8) * 8
        if h == 0 or w == 0:
            v = s[np.isfinite(s)]
            if v.size:
                means.append(np.array([v.mean()]))
            continue
        b = s[:h, :w].reshape(h // 8, 8, w // 8, 8)
        finite = np.isfinite(b)
        with np.errstate(invalid="ignore", divide="ignore"):  # an all-nodata block is NaN, dropped below
            m = np.where(finite, b, 0.0).sum(axis=(1, 3)) / finite.sum(axis=(1, 3))
        means.append(m[np.isfinite(m)].ravel())
    vals = np.concatenate(means) if means else np.empty(0)
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return float("nan")
    return float(np.quantile(vals, 0.2))
