"""Synthetic SAR harbours: structures, berthed and anchored ships, side lobes, ambiguities.

The part of the scene generator (:mod:`shipsight.imagery.synth`) that draws
what makes detection hard in ports: a coast with piers, a breakwater with a
bend, an entrance gap and a light at its head, offshore platforms and a wind
turbine, buoys, ships berthed along the piers and ships at anchor, the
side-lobe crosses and long range/azimuth streaks of bright scatterers, and
their azimuth ambiguities (faint copies displaced along azimuth -- image
rows here -- by ``ambiguity_m``, at ``ambiguity_db`` below the target).
:func:`make_harbour_series` writes several such scenes on different days
with the same structures and other ships, for learning fixed structures.

The layout is drawn in metres from the scene's top-left corner, so the same
harbour comes out at any pixel size. Levels are over the mean sea clutter
(dB): land 8, breakwater 6 (a rubble mound one or two pixels wide), piers
as land, platforms 30 and the turbine 22 (each with a cross
``sidelobe_db`` brighter still, whose arms run as far as they stay above
half the clutter), buoys 12 (one pixel).

Example
-------
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "harbour.tif")
>>> truth = make_harbour_scene(p, seed=1)
>>> int((~truth.berthed).sum()), int(truth.berthed.sum()), sorted(set(truth.attrs["structures"].kind))
(24, 6, ['breakwater', 'buoy', 'light', 'pier', 'platform', 'wind turbine'])
"""

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
import shapely.ops
from pyproj import CRS, Transformer
from rasterio.features import rasterize
from rasterio.transform import from_origin

from shipsight.errors import InputError
from shipsight.imagery.synth import DEFAULT_ORIGIN, _paste, _render_ship, _truth

__all__ = ["make_harbour_scene", "make_harbour_series"]

_LAND_DB = 8.0
_BREAKWATER_DB = 6.0
_PLATFORM_DB = 30.0
_TURBINE_DB = 22.0
_BUOY_DB = 12.0
_LIGHT_DB = 14.0
_STRIP = 256


def _layout(width_m, height_m):
    """The harbour's structures in metres (x east, y down from the top-left corner).

    Returns ``(land, structures)``: the land polygon (coast and piers) and a
    list of ``(kind, geometry, level_db)``.
    """
    w, h = width_m, height_m
    xs = np.linspace(0.0, w, 60)
    coast_y = 0.12 * h + 0.02 * h * np.sin(xs / w * 3.0 * math.pi)
    coast = shapely.Polygon([(0.0, 0.0), (w, 0.0), *zip(xs[::-1], coast_y[::-1])])
    piers = []
    for fx in (0.16, 0.27, 0.38):
        x = fx * w
        y0 = float(np.interp(x, xs, coast_y)) - 50.0
        piers.append(shapely.box(x - 40.0, y0, x + 40.0, y0 + 50.0 + 520.0))
    land = shapely.union_all([coast, *piers])
    # A breakwater from the shore, out and along, an entrance gap, then a bent arm.
    x0 = 0.05 * w
    west = shapely.LineString([(x0, float(np.interp(x0, xs, coast_y)) - 30.0), (0.08 * w, 0.30 * h),
                               (0.44 * w, 0.30 * h)])
    east = shapely.LineString([(0.47 * w, 0.30 * h), (0.58 * w, 0.29 * h), (0.66 * w, 0.25 * h)])
    structures = [("breakwater", west.buffer(9.0, cap_style="flat"), _BREAKWATER_DB),
                  ("breakwater", east.buffer(9.0, cap_style="flat"), _BREAKWATER_DB),
                  ("light", shapely.Point(0.66 * w, 0.25 * h), _LIGHT_DB)]
    structures += [("pier", p, None) for p in piers]
    structures += [("platform", shapely.Point(0.78 * w, 0.55 * h).buffer(30.0, cap_style="square"), _PLATFORM_DB),
                   ("platform", shapely.Point(0.22 * w, 0.82 * h).buffer(30.0, cap_style="square"), _PLATFORM_DB),
                   ("wind turbine", shapely.Point(0.55 * w, 0.86 * h).buffer(6.0, cap_style="square"), _TURBINE_DB)]
    for fx, fy in ((0.30, 0.36), (0.36, 0.42), (0.46, 0.34), (0.52, 0.40), (0.70, 0.70), (0.12, 0.55)):
        structures.append(("buoy", shapely.Point(fx * w, fy * h), _BUOY_DB))
    return land, structures


def _cross_reach(level_over_clutter):
    """Pixels out to which a sinc^2 arm (sampled at 0.7 of its nulls) stays above half the clutter."""
    return int(np.clip(math.sqrt(2.0 * level_over_clutter) / (0.7 * math.pi), 8, 400))


def make_harbour_scene(path, *, width=1500, height=1500, pixel_m=10.0, crs="EPSG:32652", origin=None,
                       looks=4, clutter="k", k_shape=6.0, mean=0.05, n_anchored=24, n_berthed=6, ship_db=10.0,
                       lengths=(40.0, 300.0), bright_ships=4, bright_db=25.0, sidelobe_db=10.0,
                       ambiguity_m=3000.0, ambiguity_db=-22.0, min_separation_m=800.0, seed=0, ship_seed=None,
                       acquired=None):
    """Write a synthetic SAR harbour scene; return the ships as truth, the structures in ``attrs``.

    Parameters
    ----------
    path : str or Path
        GeoTIFF to write (float32 linear intensity, tiled, deflate).
    width, height : int
        Pixels. The harbour is laid out in metres for a scene of
        ``width * pixel_m`` by ``height * pixel_m``.
    pixel_m : float
        Pixel size in metres.
    crs, origin : as :func:`~shipsight.imagery.synth.make_scene` (open sea by default).
    looks, clutter, k_shape, mean : speckle looks, ``"gamma"`` or ``"k"`` clutter (K
        texture of shape ``k_shape``), mean clutter intensity.
    n_anchored, n_berthed : int
        Ships at anchor (outside the breakwater and in the basin) and alongside the piers.
    ship_db : float
        Mean hull return over mean clutter (dB) of the ordinary ships.
    lengths : (float, float)
        Uniform range of ship lengths, metres.
    bright_ships : int
        How many of the anchored ships return ``bright_db`` instead: their
        crosses and streaks are long and their ambiguities visible.
    sidelobe_db : float
        Each ship's and platform's cross peaks this much above its mean return.
    ambiguity_m : float or None
        Azimuth (row) displacement of the ambiguities; None draws none.
    ambiguity_db : float
        Ambiguity level relative to its target (Sentinel-1 IW's azimuth
        ambiguity-to-signal ratio is about -22 dB).
    min_separation_m : float
        Anchored ships keep this far from each other, from the structures and from land.
    seed : int
        The layout's speckle and texture; ``ship_seed`` (default ``seed``) places the ships.
    acquired : datetime, optional
        Written as the ``ACQUISITION_DATETIME`` tag.

    Returns
    -------
    geopandas.GeoDataFrame
        The ships as :func:`~shipsight.imagery.synth.make_scene` returns them,
        plus ``berthed`` and ``bright`` columns. ``attrs``: ``structures`` (a
        GeoDataFrame of kind and EPSG:4326 geometry: breakwater, light, pier,
        platform, wind turbine, buoy), ``land`` (EPSG:4326 polygon, piers
        included), ``ambiguities`` (EPSG:4326 points with the row/col of each
        drawn ambiguity and its target's), ``azimuth_axis`` ("rows"),
        ``ambiguity_m``.

    Raises
    ------
    InputError
        A scene too small for the layout, or ships that cannot be placed.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "h.tif")
    >>> t = make_harbour_scene(p, width=1000, height=1000, n_anchored=8, n_berthed=2, seed=3)
    >>> len(t), len(t.attrs["ambiguities"]) > 0
    (10, True)
    """
    if clutter not in ("gamma", "k"):
        raise InputError(f"clutter must be 'gamma' or 'k', not {clutter!r}", where="make_harbour_scene")
    w_m, h_m = width * pixel_m, height * pixel_m
    if min(w_m, h_m) < 6000.0:
        raise InputError("a harbour scene needs at least 6 km a side; use more or larger pixels",
                         where="make_harbour_scene")
    layout_rng = np.random.default_rng(seed)
    ship_rng = np.random.default_rng(seed if ship_seed is None else ship_seed)
    land, structures = _layout(w_m, h_m)
    crs_obj = CRS.from_user_input(crs)
    x0, y0 = DEFAULT_ORIGIN if origin is None else origin
    transform = from_origin(x0, y0, pixel_m, pixel_m)

    ships = _berthed(ship_rng, structures, n_berthed, ship_db, lengths)
    ships += _anchored(ship_rng, land, structures, ships, n_anchored, bright_ships, ship_db, bright_db, lengths,
                       w_m, h_m, min_separation_m, ambiguity_m)
    for s in ships:  # metres -> pixel centres (index convention)
        s["row"], s["col"] = s.pop("y") / pixel_m - 0.5, s.pop("x") / pixel_m - 0.5

    patches, ambiguities = [], []
    for s in ships:
        level = 10 ** ((s["db"] + sidelobe_db) / 10.0)
        parts = _render_ship(s, pixel_m, mean, looks, True, sidelobe_db, ship_rng, width, height,
                             reach=_cross_reach(level))
        patches += parts
        if ambiguity_m and s.get("bright"):
            ambiguities += _ambiguity(parts, s, ambiguity_m / pixel_m, ambiguity_db, patches)
    for kind, geom, db in structures:
        if kind in ("platform", "wind turbine"):
            c = geom.centroid
            side = math.sqrt(geom.area)
            target = {"row": c.y / pixel_m - 0.5, "col": c.x / pixel_m - 0.5, "length_m": side, "width_m": side,
                      "heading_deg": 0.0, "db": db}
            level = 10 ** ((db + sidelobe_db) / 10.0)
            parts = _render_ship(target, pixel_m, mean, looks, True, sidelobe_db, layout_rng, width, height,
                                 reach=_cross_reach(level))
            patches += parts
            if ambiguity_m:
                ambiguities += _ambiguity(parts, target, ambiguity_m / pixel_m, ambiguity_db, patches)

    # Land, piers and breakwaters on the full grid (harbour scenes are small).
    px = rasterio.Affine.scale(pixel_m)
    land_mask = rasterize([(land, 1)], out_shape=(height, width), transform=px, dtype="uint8").astype(bool)
    extra = np.zeros((height, width), dtype=np.float32)
    for kind, geom, db in structures:
        if kind in ("breakwater", "light", "buoy"):
            burn = geom if kind == "breakwater" else geom.buffer(pixel_m * 0.45)
            m = rasterize([(burn, 1)], out_shape=(height, width), transform=px, all_touched=kind != "breakwater",
                          dtype="uint8").astype(bool)
            extra[m] = np.maximum(extra[m], np.float32(mean * 10 ** (db / 10.0)))

    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="float32", crs=crs_obj,
                   transform=transform, tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    strip_seeds = np.random.SeedSequence([seed, 0 if ship_seed is None else ship_seed + 1]).spawn(
        (height + _STRIP - 1) // _STRIP)
    with rasterio.open(path, "w", **profile) as dst:
        if acquired is not None:
            dst.update_tags(ACQUISITION_DATETIME=acquired.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        for i, ss in enumerate(strip_seeds):
            r0 = i * _STRIP
            h = min(_STRIP, height - r0)
            srng = np.random.default_rng(ss)
            img = srng.standard_gamma(looks, size=(h, width), dtype=np.float32) * np.float32(mean / looks)
            if clutter == "k":
                img *= srng.standard_gamma(k_shape, size=(h, width), dtype=np.float32) / np.float32(k_shape)
            speck = srng.standard_gamma(looks, size=(h, width), dtype=np.float32) / np.float32(looks)
            img += extra[r0:r0 + h] * speck
            on_land = land_mask[r0:r0 + h]
            texture = srng.standard_gamma(1.5, size=(h, width), dtype=np.float32) / np.float32(1.5)
            img[on_land] *= np.float32(10 ** (_LAND_DB / 10.0)) * texture[on_land]
            for pr, pc, arr in patches:
                _paste(img, arr, pr - r0, pc)
            dst.write(img, 1, window=rasterio.windows.Window(0, r0, width, h))

    truth = _truth(ships, transform, crs_obj, [], None, width, height, pixel_m)
    truth["berthed"] = np.array([bool(s.get("berthed")) for s in ships])
    truth["bright"] = np.array([bool(s.get("bright")) for s in ships])
    to_ll = Transformer.from_crs(crs_obj, "EPSG:4326", always_xy=True)
    to_map = rasterio.Affine(*transform[:6]) * rasterio.Affine.scale(1.0 / pixel_m)

    def lonlat(geom):
        g = shapely.ops.transform(lambda x, y: to_map * (np.asarray(x), np.asarray(y)), geom)
        return shapely.ops.transform(to_ll.transform, g)

    truth.attrs["structures"] = gpd.GeoDataFrame(
        {"kind": [k for k, _, _ in structures]}, geometry=[lonlat(g) for _, g, _ in structures], crs="EPSG:4326")
    truth.attrs["land"] = lonlat(land)
    amb = np.array(ambiguities, dtype=float).reshape(-1, 4)
    ax, ay = transform * (amb[:, 1] + 0.5, amb[:, 0] + 0.5) if len(amb) else (np.empty(0), np.empty(0))
    alon, alat = to_ll.transform(ax, ay) if len(amb) else (np.empty(0), np.empty(0))
    truth.attrs["ambiguities"] = gpd.GeoDataFrame(
        {"row": amb[:, 0], "col": amb[:, 1], "target_row": amb[:, 2], "target_col": amb[:, 3]},
        geometry=gpd.points_from_xy(alon, alat), crs="EPSG:4326")
    truth.attrs["azimuth_axis"] = "rows"
    truth.attrs["ambiguity_m"] = ambiguity_m
    truth.attrs["acquired"] = acquired
    return truth


def _berthed(rng, structures, n, ship_db, lengths):
    """Ships alongside the piers, touching them, bows along the pier."""
    piers = [g for k, g, _ in structures if k == "pier"]
    out = []
    slots = [(p, side, k) for p in piers for side in (-1, 1) for k in (0, 1)]
    for j in rng.permutation(len(slots))[:n]:
        pier, side, k = slots[j]
        x0, y0, x1, y1 = pier.bounds
        L = float(rng.uniform(max(lengths[0], 80.0), min(lengths[1], 240.0)))
        W = L / float(rng.uniform(5.5, 7.5))
        x = x0 - W / 2.0 if side < 0 else x1 + W / 2.0
        y = y0 + 80.0 + k * 240.0 + L / 2.0
        out.append(dict(x=x, y=y, length_m=L, width_m=W, heading_deg=float(rng.choice([0.0, 180.0])),
                        db=ship_db, berthed=True))
    return out


def _anchored(rng, land, structures, berthed, n, n_bright, ship_db, bright_db, lengths, w_m, h_m, sep, amb_m):
    """Ships at anchor: clear of land, structures, each other and the ambiguities of bright targets by ``sep``."""
    keep_clear = shapely.union_all([land] + [g for _, g, _ in structures])
    placed = [(s["x"], s["y"]) for s in berthed]
    if amb_m:  # a ship on a ghost's spot would be scored as a ghost
        for kind, g, _ in structures:
            if kind in ("platform", "wind turbine"):
                placed += [(g.centroid.x, g.centroid.y - amb_m), (g.centroid.x, g.centroid.y + amb_m)]
    out = []
    tries = 0
    margin = max(lengths[1], 400.0)
    while len(out) < n and tries < 400 * max(n, 1):
        tries += 1
        x, y = rng.uniform(margin, w_m - margin), rng.uniform(0.2 * h_m, h_m - margin)
        if shapely.distance(keep_clear, shapely.Point(x, y)) < sep:
            continue
        if placed and np.min(np.hypot(*(np.array(placed) - (x, y)).T)) < sep:
            continue
        placed.append((x, y))
        L = float(rng.uniform(*lengths))
        bright = len(out) < n_bright
        if bright and amb_m:
            placed += [(x, y - amb_m), (x, y + amb_m)]
        out.append(dict(x=x, y=y, length_m=L, width_m=L / float(rng.uniform(5.0, 8.0)),
                        heading_deg=float(rng.uniform(0, 360)), db=bright_db if bright else ship_db,
                        bright=bright))
    if len(out) < n:
        raise InputError(f"could place only {len(out)} of {n} anchored ships {sep:g} m apart; use a larger "
                         "scene or fewer ships", where="make_harbour_scene")
    return out


def _ambiguity(parts, target, shift_px, ambiguity_db, patches):
    """Add the two azimuth ambiguities of ``parts`` (rows +- shift) to ``patches``; return their positions."""
    gain = np.float32(10 ** (ambiguity_db / 10.0))
    shift = int(round(shift_px))
    where = []
    for sign in (-1, 1):
        for pr, pc, arr in parts:
            patches.append((pr + sign * shift, pc, arr * gain))
        where.append((target["row"] + sign * shift, target["col"], target["row"], target["col"]))
    return where


def make_harbour_series(folder, *, days=4, seed=0, start=None, **kwargs):
    """Write ``days`` harbour scenes a day apart: the same structures, other ships and speckle.

    Parameters
    ----------
    folder : str or Path
        Where ``harbour_day0.tif``, ``harbour_day1.tif``... are written (made if missing).
    days : int
        Number of scenes.
    seed : int
        The layout; each day's ships come from ``seed`` and the day.
    start : datetime, optional
        The first scene's acquisition time (default 2024-03-01 10:00 UTC).
    **kwargs
        Passed to :func:`make_harbour_scene`.

    Returns
    -------
    list of (path, acquired, truth)

    Examples
    --------
    >>> import tempfile
    >>> series = make_harbour_series(tempfile.mkdtemp(), days=3, width=700, height=700, n_anchored=4, n_berthed=1)
    >>> [p.name for p, _, _ in series]
    ['harbour_day0.tif', 'harbour_day1.tif', 'harbour_day2.tif']
    """
    start = start or datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = []
    for day in range(days):
        path = Path(folder) / f"harbour_day{day}.tif"
        acquired = start + timedelta(days=day)
        truth = make_harbour_scene(path, seed=seed, ship_seed=seed * 1000 + day + 1, acquired=acquired, **kwargs)
        out.append((path, acquired, truth))
    return out
