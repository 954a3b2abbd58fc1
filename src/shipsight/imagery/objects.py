"""What a CFAR object is: a ship, a structure, a side lobe, an ambiguity, or a fragment.

After the CFAR test (:mod:`~shipsight.imagery.detect_tile`) every object is
a set of bright pixels with moments. This module decides what it is, in two
stages, so that tiled and untiled runs agree exactly:

In each tile (:func:`merge_fragments`, :func:`land_contact`,
:func:`ray_profiles`), where the pixels are at hand:

- **One target, one detection.** Two objects closer than half the guard
  window whose union is one elongated object (twice as long as wide, no
  wider than a hull, no longer than the longest ship) and whose gap is
  brighter than the clutter (a hull broken by speckle, not two hulls with
  water between) are merged.
- **Land contact.** Objects within a block of masked land (GSHHG, land
  polygons, land seen in the image) touch it.
- **Ray profiles.** From each object outwards, along 72 directions, the
  median brightness of a 300 m ray (the brightest of three parallel
  samples, so a one-pixel line is not missed between directions), over the
  clutter mean. A breakwater, a jetty or a pier shows as rays far above 1.

Over the whole scene (:func:`classify`), where every object is known:

- **The image's axes.** The range and azimuth directions are where bright
  scatterers draw their crosses: estimated from the ray profiles of the
  brightest objects (:func:`estimate_axes`), or given.
- **Side lobes and streaks.** An object on an axis line through a target at
  least ``sidelobe_db`` brighter, no brighter than that target's impulse
  response envelope ``4 P / (pi d)^2`` allows there (6 dB margin), is a side
  lobe of it; the crosses of a 35 dB platform run for kilometres.
- **Azimuth ambiguities.** Where the metadata gives the ambiguity distance
  ``lambda R PRF / (2 V)`` (:mod:`~shipsight.imagery.ambiguity`), a much
  weaker object that far along azimuth from a bright target is its ghost.
- **Structures in the scene.** Objects touching land, objects on a bright
  line that no target's side lobes explain (breakwaters, jetties, piers:
  their ends, bends and lights), and thin straight objects far longer than
  wide are structures.
- **Confidence** (:func:`confidence`): a logistic model of contrast, peak,
  size and shape, calibrated on labelled objects
  (``benchmarks/calibrate_confidence.py``).

Suppressed objects are kept, with the reason; :func:`classify` only labels.
"""

import math

import numpy as np

__all__ = ["merge_fragments", "land_contact", "ray_profiles", "estimate_axes", "classify", "confidence",
           "structures_near", "max_beam_px", "SUGGESTED_MIN_CONFIDENCE", "REASONS", "N_RAYS"]

#: Why an object is not reported as a ship (the ``suppressed`` column); "" for ships.
REASONS = ("land", "structure", "line", "sidelobe", "ambiguity", "shape", "low_confidence")


N_RAYS = 72  # directions, 5 degrees apart
RAY_M = 300.0  # ray length beyond the object's edge...
RAY_MIN_PX = 15  # ...in pixels at least: a neighbour's hull must not fill half a ray
_LINE_RATIO = 2.8  # a ray this many times the clutter mean runs along a bright line
_LINE_OVER_LOCAL = 2.0  # ...and this many times the object's typical ray (textured clutter, not a line)
_THIN_ASPECT = 8.0  # length/width of an object that is a line, not a hull
_AXIS_TOL_DEG = 15.0  # a cross's arm lights rays this far off its axis (three parallel samples, 5-degree steps)
_AXIS_STEP_DEG = 5.0
_LINE_CONTRAST_DB = 25.0  # an object within this of its line's level is part of the line
_LOBE_MARGIN = 4.0  # 6 dB: speckle on the lobes
# An ambiguity is at least this much weaker than its target: Sentinel-1 IW's azimuth
# ambiguity-to-signal ratio is about -22 dB; 6 dB of margin for speckle.
_AMB_MIN_DB = 16.0
_BRIGHT_AXES_DB = 25.0  # peak over clutter of the scatterers whose crosses show the axes
_MAX_BEAM_M = 70.0  # the widest hulls (VLCC, ULCC: 60-70 m)
# Bright ships measure up to ~5 cells wide at 30 m (their cross's core); the THUMS oil
# islands off Long Beach 6-8 (labelled Sentinel-1 crop): a blob is wider than 70 m + 3.5 cells.
_BLOB_BLUR_PX = 3.5


# ---------------------------------------------------------------- in a tile


def merge_fragments(lab, nobj, rr, cc, vals, objs, x, *, reach_px, max_length_px, max_width_px, bridge_ratio=1.5):
    """Merge objects that are fragments of one elongated target.

    Parameters
    ----------
    lab : (n,) int
        Object label of each candidate pixel, ``0..nobj-1``.
    rr, cc, vals : (n,)
        The pixels' rows, columns (tile coordinates) and values.
    objs : dict
        Per-object moments (``row, col, n, crr, ccc, crc``, pixel units).
    x : 2-D array
        The tile's intensity (0 where invalid), to look at the gap.
    reach_px : float
        Centroids farther apart than this are never merged (half the guard window).
    max_length_px, max_width_px : float
        A union longer than the longest ship or wider than the widest hull
        (with the blur of the resolution) is not one target.
    bridge_ratio : float
        The gap between the two must be this many times the clutter mean
        (1.8 dB) on average: hull below the growing threshold, not water.

    Returns
    -------
    numpy.ndarray of int
        New labels (``0..m-1``), equal to ``lab`` when nothing merges.

    Examples
    --------
    >>> x = np.ones((20, 20), dtype=np.float32)
    >>> x[10, 3:8] = 20; x[10, 8:10] = 4; x[10, 10:15] = 20   # one hull, a dim gap
    >>> rr = np.array([10] * 10); cc = np.r_[3:8, 10:15]; lab = np.r_[[0] * 5, [1] * 5]
    >>> from shipsight.imagery.detect_tile import _moments
    >>> objs = _moments(lab, 2, rr, cc, x[rr, cc], np.ones(10))
    >>> objs["background"] = np.ones(2)
    >>> merge_fragments(lab, 2, rr, cc, x[rr, cc], objs, x, reach_px=10, max_length_px=30, max_width_px=5).tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    if nobj < 2:
        return lab
    cen = np.column_stack([objs["row"], objs["col"]])
    pairs = cKDTree(cen).query_pairs(r=reach_px, output_type="ndarray")
    if len(pairs) == 0:
        return lab
    a, b = pairs[:, 0], pairs[:, 1]
    na, nb = objs["n"][a], objs["n"][b]
    n = na + nb
    # Union moments from the parts' (exact: pooled covariance plus the spread of the means).
    dr = objs["row"][a] - objs["row"][b]
    dc = objs["col"][a] - objs["col"][b]
    wa, wb = na / n, nb / n
    crr = wa * objs["crr"][a] + wb * objs["crr"][b] + wa * wb * dr * dr
    ccc = wa * objs["ccc"][a] + wb * objs["ccc"][b] + wa * wb * dc * dc
    crc = wa * objs["crc"][a] + wb * objs["crc"][b] + wa * wb * dr * dc
    lu, wu = _axes_px(crr, ccc, crc)
    elongated = (lu >= 2.0 * wu) & (wu <= max_width_px) & (lu <= max_length_px)
    ok = np.flatnonzero(elongated)
    if ok.size == 0:
        return lab
    gap = _gap_level(x, lab, rr, cc, cen[a[ok]], cen[b[ok]], a[ok], b[ok])
    bg = np.maximum(np.minimum(objs["background"][a[ok]], objs["background"][b[ok]]), 1e-30)
    merge = ok[gap >= bridge_ratio * bg]
    if merge.size == 0:
        return lab
    g = coo_matrix((np.ones(merge.size), (a[merge], b[merge])), shape=(nobj, nobj))
    _, new = connected_components(g, directed=False)
    _, new = np.unique(new, return_inverse=True)
    return new[lab]


def _axes_px(crr, ccc, crc):
    """Length and width (pixels) of objects from their pixel covariances (a uniform bar: L = sqrt(12 var))."""
    tr = crr + ccc
    disc = np.sqrt(np.maximum((crr - ccc) ** 2 / 4.0 + crc * crc, 0.0))
    return np.sqrt(12.0 * (tr / 2.0 + disc)), np.sqrt(12.0 * np.maximum(tr / 2.0 - disc, 0.0))


def _gap_level(x, lab, rr, cc, pa, pb, ia, ib):
    """Mean of ``x`` on the segment between centroids ``pa`` and ``pb``, off both objects' pixels."""
    H, W = x.shape
    length = np.hypot(*(pb - pa).T)
    steps = int(np.ceil(length.max())) + 1
    t = np.linspace(0.0, 1.0, steps)
    r = np.rint(pa[:, 0:1] + (pb[:, 0:1] - pa[:, 0:1]) * t).astype(np.int64)
    c = np.rint(pa[:, 1:2] + (pb[:, 1:2] - pa[:, 1:2]) * t).astype(np.int64)
    inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)
    r, c = np.clip(r, 0, H - 1), np.clip(c, 0, W - 1)
    # Which object (if any) each sample's pixel belongs to: a sorted lookup of pixel keys.
    key = rr.astype(np.int64) * W + cc
    order = np.argsort(key)
    skey = key[order]
    q = r * W + c
    pos = np.clip(np.searchsorted(skey, q), 0, skey.size - 1)
    owner = np.where(skey[pos] == q, lab[order][pos], -1)
    off = inside & (owner != ia[:, None]) & (owner != ib[:, None])
    v = np.where(off, x[r, c], 0.0)
    cnt = off.sum(axis=1)
    # No gap at all (the objects touch): as bright as it gets.
    return np.where(cnt > 0, v.sum(axis=1) / np.maximum(cnt, 1), np.inf)


def land_contact(lab, nobj, rr, cc, land_blocks, block):
    """True for objects with a pixel in, or a block next to, a land block.

    Parameters
    ----------
    lab, rr, cc : (n,) arrays
        Object labels and tile pixel coordinates.
    land_blocks : 2-D bool array
        Land (masked) on the tile's block grid.
    block : int
        Block size in pixels.

    Examples
    --------
    >>> land = np.zeros((10, 10), bool); land[:, :2] = True
    >>> land_contact(np.array([0, 1]), 2, np.array([5, 5]), np.array([9, 40]), land, 4).tolist()
    [True, False]
    """
    from scipy import ndimage

    if not land_blocks.any():
        return np.zeros(nobj, dtype=bool)
    near = ndimage.binary_dilation(land_blocks, structure=np.ones((3, 3), dtype=bool))
    br = np.clip(rr // block, 0, near.shape[0] - 1)
    bc = np.clip(cc // block, 0, near.shape[1] - 1)
    return np.bincount(lab, weights=near[br, bc], minlength=nobj) > 0


def ray_profiles(x, lab, nobj, rr, cc, objs, *, ray_px):
    """Median brightness along rays from each object, over its clutter mean.

    Parameters
    ----------
    x : 2-D array
        The tile's intensity (0 where invalid).
    lab, rr, cc : (n,) arrays
        Object labels and tile pixel coordinates of the object pixels.
    objs : dict
        ``row, col`` (centroids) and ``background`` (clutter mean) per object.
    ray_px : int
        Samples per ray (one a pixel), starting a pixel beyond the object's
        farthest pixel from its centroid.

    Returns
    -------
    (profiles, radius) : ``(nobj, N_RAYS)`` float32 and ``(nobj,)`` float
        ``profiles[i, k]`` is the median, along ray ``k`` (``5 k`` degrees
        clockwise from up, in pixel space), of the brightest of three
        parallel samples a pixel apart, divided by object ``i``'s clutter
        mean; ``radius`` the distance (pixels) from the centroid to the
        object's farthest pixel.

    Examples
    --------
    >>> x = np.ones((60, 60), dtype=np.float32); x[30, :] = 10.0   # a bright line along row 30
    >>> objs = {"row": np.array([30.0]), "col": np.array([30.0]), "background": np.array([1.0])}
    >>> prof, rad = ray_profiles(x, np.array([0]), 1, np.array([30]), np.array([30]), objs, ray_px=10)
    >>> float(prof[0, 18]), float(prof[0, 0])      # along the line (90 deg), across it (0 deg)
    (10.0, 1.0)
    """
    H, W = x.shape
    d = np.hypot(rr - objs["row"][lab], cc - objs["col"][lab])
    radius = np.zeros(nobj)
    np.maximum.at(radius, lab, d)
    theta = np.arange(N_RAYS) * (2.0 * math.pi / N_RAYS)
    ur, uc = -np.cos(theta), np.sin(theta)
    dist = radius[:, None, None] + 1.0 + np.arange(ray_px)[None, None, :]  # (nobj, 1, S)
    best = None
    for off in (-1.0, 0.0, 1.0):  # three parallel rays: perpendicular offsets (uc, -ur)
        r = objs["row"][:, None, None] + dist * ur[None, :, None] + off * uc[None, :, None]
        c = objs["col"][:, None, None] + dist * uc[None, :, None] - off * ur[None, :, None]
        ri = np.rint(r).astype(np.int64)
        ci = np.rint(c).astype(np.int64)
        inside = (ri >= 0) & (ri < H) & (ci >= 0) & (ci < W)
        # Off the tile (only ever off the scene: the halo holds every ray) is dark, like nodata.
        v = np.where(inside, x[np.clip(ri, 0, H - 1), np.clip(ci, 0, W - 1)], 0.0)
        best = v if best is None else np.maximum(best, v)
    med = np.median(best, axis=2)
    bg = np.maximum(objs["background"], 1e-30)[:, None]
    return (med / bg).astype(np.float32), radius


# ---------------------------------------------------------- the whole scene


def estimate_axes(profiles, peak_over_bg, *, exclude=None, min_targets=3):
    """The image's two side-lobe directions (degrees, clockwise from up in pixel space, 0-180).

    Bright scatterers draw crosses along the range and azimuth axes: their
    ray profiles peak there. The profiles of objects at least 25 dB over
    clutter (not in ``exclude``, e.g. touching land, whose rays see the
    land) are folded to 0-180, scaled to their own maximum -- each target
    one vote -- and summed; the best direction is one axis, the best at
    least 45 degrees from it the other.

    Parameters
    ----------
    profiles : (n, N_RAYS) array
    peak_over_bg : (n,) array
        Linear peak over clutter mean.
    exclude : (n,) bool array, optional

    Returns
    -------
    (float, float) or None
        None when fewer than ``min_targets`` bright objects show a cross.

    Examples
    --------
    >>> prof = np.ones((4, N_RAYS)); prof[:, [0, 18, 36, 54]] = 30.0   # crosses along rows and columns
    >>> estimate_axes(prof, np.full(4, 1e4))
    (0.0, 90.0)
    """
    bright = peak_over_bg >= 10 ** (_BRIGHT_AXES_DB / 10.0)
    if exclude is not None:
        bright &= ~np.asarray(exclude, dtype=bool)
    if bright.sum() < min_targets:
        return None
    p = np.asarray(profiles[bright], dtype=float)
    half = N_RAYS // 2
    folded = p[:, :half] + p[:, half:]
    crossed = folded.max(axis=1) >= 1.6 * np.median(folded, axis=1)
    if crossed.sum() < min_targets:
        return None
    folded = folded[crossed]
    total = (folded / folded.max(axis=1, keepdims=True)).sum(axis=0)
    step = 180.0 / half
    k1 = int(np.argmax(total))
    sep = np.abs(((np.arange(half) - k1) * step + 90.0) % 180.0 - 90.0)
    k2 = int(np.argmax(np.where(sep >= 45.0, total, -np.inf)))
    return tuple(sorted((k1 * step, k2 * step)))


def _unit(deg):
    """Pixel-space unit vector (d_row, d_col) of a direction clockwise from up."""
    t = np.radians(deg)
    return np.array([-np.cos(t), np.sin(t)])


def _envelope(peak, d):
    """Impulse-response side-lobe envelope ``4 P / (pi d)^2`` at ``d`` cells (sinc^2 of a point target)."""
    return peak * 4.0 / (math.pi * np.maximum(d, 1.0)) ** 2


def classify(obj, *, axes=None, sidelobe_db=10.0, ambiguity_px=None, azimuth_deg=None, px_m=10.0,
             max_length_m=600.0, min_confidence=0.0, kind="sar", ray_px=10, structures=None):
    """Label each object: ship, or the reason it is not one; and its confidence.

    Parameters
    ----------
    obj : dict of (n,) arrays
        ``peak_row, peak_col`` (scene pixels), ``peak``, ``mean``,
        ``background``, ``threshold`` (linear), ``n``, ``length_m``,
        ``width_m``, ``land`` (bool), ``lobe_row, lobe_col`` (peak of the
        target whose side lobe the tile found it to be, NaN if none), ``rays``
        ``(n, N_RAYS)``, ``radius`` (pixels) and, for optical scenes,
        ``quay_px`` (pixels next to a quay: see :func:`berthed`).
    axes : (float, float), optional
        Side-lobe directions (as :func:`estimate_axes`); estimated when
        None, and taken to be the image grid's when too few crosses show.
    sidelobe_db : float
        A side lobe is at least this much weaker than its scatterer.
    ambiguity_px : float or sequence of float, optional
        Azimuth ambiguity distance(s) in pixels; None: not marked.
    azimuth_deg : float, optional
        The azimuth direction (pixel space); default the axis nearer to the rows.
    px_m : float
        Ground pixel size, metres.
    max_length_m : float
        The longest ship: thin objects this long are lines.
    min_confidence : float
        Ships below this confidence are suppressed as ``low_confidence``.
    kind : {"sar", "optical"}
        Optical scenes have no side lobes or ambiguities.
    ray_px : int
        Samples per ray of ``rays``.
    structures : (bool array, str array), optional
        Objects within a known structure's radius and the sentence saying which.

    Returns
    -------
    dict
        ``suppressed`` (object array of reason codes, "" for ships),
        ``reason`` (a sentence each), ``confidence`` (0-1), ``axes`` and
        ``axes_source`` ("given", "estimated", "image grid (assumed)").

    Examples
    --------
    >>> n = 2
    >>> obj = dict(peak_row=np.array([50., 50.]), peak_col=np.array([50., 80.]), peak=np.array([1e4, 2.]),
    ...            mean=np.array([2e3, 1.5]), background=np.ones(n), threshold=np.full(n, 5.),
    ...            n=np.array([30., 6.]), length_m=np.array([150., 60.]), width_m=np.array([30., 20.]),
    ...            land=np.zeros(n, bool), lobe_row=np.full(n, np.nan), lobe_col=np.full(n, np.nan),
    ...            rays=np.ones((n, N_RAYS), np.float32), radius=np.array([8., 3.]))
    >>> out = classify(obj, axes=(0.0, 90.0))
    >>> out["suppressed"].tolist()
    ['', 'sidelobe']
    """
    n = len(obj["peak"])
    code = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    conf = confidence(obj, kind=kind, px_m=px_m)
    if n == 0:
        return dict(suppressed=code, reason=reason, confidence=conf, axes=axes, axes_source=None,
                    min_confidence=min_confidence)
    bg = np.maximum(obj["background"], 1e-30)
    pob = obj["peak"] / bg
    axes_source = "given"
    if kind == "sar" and axes is None:
        axes, axes_source = estimate_axes(obj["rays"], pob, exclude=obj["land"]), "estimated"
        if axes is None:
            # Too few crosses to see: products come in radar geometry (the grid is the axes) or
            # north-up map projections, whose axes are within some 15 degrees of the grid.
            axes, axes_source = (0.0, 90.0), "image grid (assumed)"
    elif kind != "sar":
        axes_source = None
    pr, pc = obj["peak_row"], obj["peak_col"]

    def mark(where, what, text):
        new = where & (code == "")
        code[new] = what
        reason[new] = text[new] if isinstance(text, np.ndarray) else text

    def at(rows, cols):
        return np.array([f"row {r:.0f} col {c:.0f}" for r, c in zip(rows, cols)], dtype=object)

    if kind == "sar":
        lr, lc = np.array(obj["lobe_row"], dtype=float), np.array(obj["lobe_col"], dtype=float)
        host = None
        if axes is not None:
            streak, *host = _streaks(obj, axes, sidelobe_db)
            new = np.isnan(lr) & (streak >= 0)
            lr[new], lc[new] = pr[streak[new]], pc[streak[new]]
        mark(~np.isnan(lr), "sidelobe", "side lobe of the target at " + at(lr, lc))
        if ambiguity_px is not None and np.size(ambiguity_px):
            az = azimuth_deg
            if az is None:
                az = 0.0 if axes is None else min(axes, key=lambda a: abs(((a + 90.0) % 180.0) - 90.0))
            amb = _ambiguities(obj, _unit(az), np.atleast_1d(np.asarray(ambiguity_px, dtype=float)))
            mark(amb >= 0, "ambiguity", "azimuth ambiguity of the target at " + at(pr[amb], pc[amb]))
    if structures is not None:
        mark(structures[0], "structure", structures[1])
    land = np.asarray(obj["land"], dtype=bool)
    if kind == "optical" and "quay_px" in obj:
        land &= ~berthed(obj, px_m)
    mark(land, "land", "touches land")
    line = _on_line(obj, axes, kind, ray_px, host if kind == "sar" else None)
    mark(line, "line", "on a bright line (breakwater, jetty, pier)")
    L_px = obj["length_m"] / px_m
    W_px = np.maximum(obj["width_m"] / px_m, 1e-6)
    thin = (L_px / W_px >= _THIN_ASPECT) & (obj["length_m"] >= 0.5 * max_length_m)
    mark(thin, "line", "a thin straight line, far longer than wide")
    # A blob wider than any hull (with a resolution cell of blur each side) and barely longer than wide.
    # Filled, not a cross: a bright ship's side lobes widen its moments but hardly its pixel count.
    fill = obj["n"] / np.maximum(math.pi / 4.0 * L_px * W_px, 1.0)
    blob = ((obj["width_m"] > _MAX_BEAM_M + _BLOB_BLUR_PX * px_m) & (obj["length_m"] < 2.0 * obj["width_m"])
            & (fill >= 0.5))
    mark(blob, "shape", "too wide and round for a hull (island, platform, tank)")
    mark(conf < min_confidence, "low_confidence",
         np.array([f"confidence {c:.2f} below {min_confidence:g}" for c in conf], dtype=object))
    return dict(suppressed=code, reason=reason, confidence=conf, axes=axes, axes_source=axes_source,
                min_confidence=min_confidence)


def berthed(obj, px_m):
    """Hull-shaped objects against a quay (optical; :mod:`~shipsight.imagery.berths`).

    20-400 m long, no wider than a hull, at least 1.5 times as long as wide,
    and touching the quay mask along no more than half their length: a hull
    against the quay's edge, not a piece of the quay's own outline (cranes,
    container stacks, the quay wall). Measured on the labelled Sentinel-2
    harbour crops, where stricter shapes (2.5 times as long as wide, contact
    along the whole hull) found fewer berthed vessels and no fewer quay pieces.
    """
    L, W = np.asarray(obj["length_m"], dtype=float), np.asarray(obj["width_m"], dtype=float)
    hull = (L >= 20.0) & (L <= 400.0) & (W <= max_beam_px(px_m) * px_m) & (L >= 1.5 * np.maximum(W, 1e-6))
    return hull & (np.asarray(obj["quay_px"], dtype=float) <= 0.5 * L / px_m)


def max_beam_px(px_m):
    """The widest hull's measured width in pixels: 70 m and a resolution cell of blur each side (and a half).

    >>> round(max_beam_px(10.0), 1), round(max_beam_px(30.0), 1)
    (9.5, 4.8)
    """
    return (_MAX_BEAM_M + 2.5 * px_m) / px_m


def _streaks(obj, axes, sidelobe_db):
    """Objects on an axis line through a much brighter target.

    Returns ``(lobe, host, host_axis, host_level)``, each ``(n,)``: the
    index of the target whose side lobe the object is (it is no brighter
    than the target's envelope there allows; -1 if none); the brightest
    target on whose axis line it lies at all (-1 if none), that axis
    (degrees) and the target's envelope at the object over the object's
    clutter mean (what the target's streak may bring to the object's rays).
    """
    peak, thr = obj["peak"], np.maximum(obj["threshold"], 1e-30)
    n = peak.size
    lobe, host = np.full(n, -1), np.full(n, -1)
    host_axis, host_level = np.full(n, np.nan), np.zeros(n)
    bright = np.flatnonzero(peak / thr >= 10 ** (sidelobe_db / 10.0))
    if bright.size == 0:
        return lobe, host, host_axis, host_level
    ratio = 10 ** (sidelobe_db / 10.0)
    vr = obj["peak_row"][None, :] - obj["peak_row"][bright, None]  # (targets, objects)
    vc = obj["peak_col"][None, :] - obj["peak_col"][bright, None]
    lobe_best, host_best = np.zeros(n), np.zeros(n)
    cols = np.arange(n)
    bg = np.maximum(obj["background"], 1e-30)
    for deg in axes:
        u = _unit(deg)
        along = np.abs(vr * u[0] + vc * u[1])
        perp = np.abs(vr * u[1] - vc * u[0])
        env = _envelope(peak[bright, None], along)
        on = (perp <= 2.0 + 0.25 * obj["radius"][None, :]) & (along >= 2.0) & (peak[None, :] * ratio <= peak[bright, None])
        for hit, best, out in ((on & (peak[None, :] <= _LOBE_MARGIN * env), lobe_best, lobe), (on, host_best, host)):
            strength = np.where(hit, peak[bright, None], 0.0)
            k = np.argmax(strength, axis=0)
            s = strength[k, cols]
            better = s > best
            out[better] = bright[k[better]]
            best[better] = s[better]
            if out is host:
                host_axis[better] = deg
                host_level[better] = env[k[better], cols[better]] / bg[better]
    return lobe, host, host_axis, host_level


def _ambiguities(obj, u_az, dists):
    """For each object, the index of the target it is an azimuth ghost of, or -1."""
    peak = obj["peak"]
    bg = np.maximum(obj["background"], 1e-30)
    bright = np.flatnonzero(peak / bg >= 10 ** ((_AMB_MIN_DB + 6.0) / 10.0))
    out = np.full(peak.size, -1)
    if bright.size == 0:
        return out
    vr = obj["peak_row"][None, :] - obj["peak_row"][bright, None]
    vc = obj["peak_col"][None, :] - obj["peak_col"][bright, None]
    along = vr * u_az[0] + vc * u_az[1]
    perp = np.abs(vr * u_az[1] - vc * u_az[0])
    weak = peak[None, :] * 10 ** (_AMB_MIN_DB / 10.0) <= peak[bright, None]
    hit = np.zeros(vr.shape, dtype=bool)
    for d in dists:
        tol = max(3.0, 0.015 * d)
        hit |= (np.abs(np.abs(along) - d) <= tol) & (perp <= tol)
    hit &= weak
    strength = np.where(hit, peak[bright, None], 0.0)
    k = np.argmax(strength, axis=0)
    has = strength[k, np.arange(peak.size)] > 0
    out[has] = bright[k[has]]
    return out


def _on_line(obj, axes, kind, ray_px, host=None):
    """Objects with a ray along a bright line that their own side lobes do not explain.

    A ray counts when it is ``_LINE_RATIO`` times the clutter, twice the
    object's typical ray, and within ``_LINE_CONTRAST_DB`` of the object's
    peak: a breakwater's end, bend or light is part of the line, while a
    ship 35 dB over the clutter whose ray crosses a neighbour's streak is not.
    A SAR object's own cross explains a ray near an axis that is no brighter
    than the envelope there and than the ray along the axis itself; a
    brighter target's streak through the object (``host``, from
    :func:`_streaks`) explains rays near that axis as bright as its
    envelope at the object allows.
    """
    rays = np.asarray(obj["rays"], dtype=float)
    n = rays.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    pob = obj["peak"] / np.maximum(obj["background"], 1e-30)
    local = np.median(rays, axis=1, keepdims=True)
    bright = ((rays >= _LINE_RATIO) & (rays >= _LINE_OVER_LOCAL * local)
              & (rays >= (pob * 10 ** (-_LINE_CONTRAST_DB / 10.0))[:, None]))
    if kind == "sar":
        d_mid = obj["radius"][:, None] + 1.0 + 0.5 * ray_px
        explained = rays <= _LOBE_MARGIN * _envelope(pob[:, None], d_mid)
        if axes is not None:
            deg = np.arange(N_RAYS) * (360.0 / N_RAYS)
            off = np.array([np.abs(((deg - a) + 90.0) % 180.0 - 90.0) for a in axes])  # (2, N_RAYS)
            on_axis = np.stack([np.where(o <= _AXIS_STEP_DEG, rays, 0.0).max(axis=1) for o in off], axis=1)
            nearest = np.argmin(off, axis=0)
            explained &= (off.min(axis=0) <= _AXIS_TOL_DEG)[None, :]
            explained &= rays <= 1.25 * on_axis[:, nearest]
            if host is not None:
                idx, axis, level = host
                near_axis = np.abs(((deg[None, :] - np.nan_to_num(axis)[:, None]) + 90.0) % 180.0 - 90.0)
                explained |= ((idx >= 0)[:, None] & (near_axis <= _AXIS_TOL_DEG)
                              & (rays <= _LOBE_MARGIN * level[:, None]))
        bright &= ~explained
    return bright.any(axis=1)


# Logistic model of P(ship | object) at even prior odds, fitted by benchmarks/calibrate_confidence.py:
# intercept, then score (dB), peak over clutter (dB), log2(pixels), length/width, width (pixels).
# SAR: synthetic harbour scenes (ships at 8-12 dB, K clutter) and the labelled Sentinel-1 crop
# of San Pedro Bay. Optical: the four labelled Sentinel-2 harbour crops, on contrast alone -- a
# weak model (held out crop by crop it does no better than chance).
_COEF = {
    "sar": (-15.18, 0.2117, 0.2917, 1.684, -0.3041, 0.9186),
    "optical": (-1.062, 0.0, 0.1935, 0.0, 0.0, 0.0),
}

#: A ``min_confidence`` for SAR that drops faint specks: it lies between the unlabelled specks
#: of the real Sentinel-1 crop (0.16 at most) and the faintest ships of 10 dB and 4 pixels or
#: more in the synthetic benchmarks (0.33 at least). Not the default: fainter ships (5 dB over
#: the sea, ../shared/cases/imagery/03) score lower than those specks, and are wanted.
SUGGESTED_MIN_CONFIDENCE = 0.25


def confidence(obj, *, kind="sar", px_m=10.0):
    """P(ship) of each object from contrast, peak, size and shape (a logistic model).

    Parameters
    ----------
    obj : dict of (n,) arrays
        ``mean, peak, background`` (linear), ``n`` (pixels), ``length_m``, ``width_m``.
    kind : {"sar", "optical"}
    px_m : float
        Ground pixel size (size and width are counted in resolution cells).

    Returns
    -------
    numpy.ndarray of float in (0, 1)

    Examples
    --------
    >>> o = dict(mean=np.array([30., 8.]), peak=np.array([300., 12.]), background=np.ones(2),
    ...          n=np.array([40., 4.]), length_m=np.array([200., 40.]), width_m=np.array([40., 30.]))
    >>> c = confidence(o)
    >>> bool(c[0] > 0.9 > 0.5 > c[1])
    True
    """
    f = confidence_features(obj, px_m=px_m)
    b = np.asarray(_COEF[kind])
    z = b[0] + f @ b[1:]
    return 1.0 / (1.0 + np.exp(-z))


def confidence_features(obj, *, px_m=10.0):
    """The confidence model's features, ``(n, 5)``: score dB, peak dB, log2 cells, aspect, width cells."""
    bg = np.maximum(np.asarray(obj["background"], dtype=float), 1e-30)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 10.0 * np.log10(np.maximum(obj["mean"], 1e-30) / bg)
        peak = 10.0 * np.log10(np.maximum(obj["peak"], 1e-30) / bg)
    cells = np.log2(np.maximum(obj["n"], 1.0))
    width = np.maximum(np.asarray(obj["width_m"], dtype=float), 1e-6)
    aspect = np.asarray(obj["length_m"], dtype=float) / width
    f = np.column_stack([score, peak, cells, aspect, width / px_m])
    return np.nan_to_num(f, nan=0.0, posinf=60.0, neginf=-60.0)


def structures_near(lon, lat, structures, *, radius_m=None, default_radius_m=200.0, radius_column="radius_m"):
    """Which points lie within a known structure's suppression radius, and which structure.

    Distances are metres in an azimuthal equidistant projection centred on
    the points (exact enough over a scene, and right across the antimeridian
    and near the poles).

    Parameters
    ----------
    lon, lat : (n,) arrays
        Degrees.
    structures : GeoDataFrame, GeoSeries or sequence of shapely geometries
        Points, lines or polygons (a plain sequence is EPSG:4326). Optional
        columns: ``radius_column`` (per structure), ``id``, ``name``, ``kind``.
    radius_m : float, optional
        One radius for all, overriding the column.
    default_radius_m : float
        Radius of structures without one.
    radius_column : str
        The column of per-structure radii (``radius_sar_m`` / ``radius_optical_m``
        in the store's layer).

    Returns
    -------
    (hit, text) : ``(n,)`` bool and ``(n,)`` object arrays
        ``text`` names the nearest structure within reach and its distance.

    Examples
    --------
    >>> import shapely
    >>> hit, text = structures_near([0.0, 0.01], [0.0, 0.0], [shapely.Point(0.001, 0.0)])
    >>> hit.tolist(), text[0]
    ([True, False], 'within 111 m of a known structure')
    """
    import geopandas as gpd
    import shapely

    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = lon.size
    hit = np.zeros(n, dtype=bool)
    text = np.full(n, "", dtype=object)
    frame = structures if isinstance(structures, gpd.GeoDataFrame) else None
    series = structures.geometry if hasattr(structures, "geometry") else structures
    if not isinstance(series, gpd.GeoSeries):
        series = gpd.GeoSeries(list(series), crs="EPSG:4326")
    elif series.crs is None:
        series = series.set_crs("EPSG:4326")
    if n == 0 or len(series) == 0:
        return hit, text
    lon0, lat0 = float(np.median(lon)), float(np.median(lat))
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    geoms = np.asarray(series.to_crs(aeqd).values, dtype=object)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(aeqd).values
    if radius_m is not None:
        radius = np.full(len(geoms), float(radius_m))
    elif frame is not None and radius_column in frame:
        radius = frame[radius_column].astype(float).fillna(default_radius_m).to_numpy()
    else:
        radius = np.full(len(geoms), float(default_radius_m))
    pi, si = shapely.STRtree(geoms).query(np.asarray(pts, dtype=object), predicate="dwithin",
                                         distance=float(radius.max()))
    if pi.size == 0:
        return hit, text
    d = shapely.distance(np.asarray(pts, dtype=object)[pi], geoms[si])
    ok = d <= radius[si]
    pi, si, d = pi[ok], si[ok], d[ok]
    order = np.lexsort((d, pi))
    pi, si, d = pi[order], si[order], d[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    pi, si, d = pi[first], si[first], d[first]
    hit[pi] = True
    names = [_structure_name(frame, i) for i in si]
    text[pi] = [f"within {dist:.0f} m of {name}" for dist, name in zip(d, names)]
    return hit, text


def _structure_name(frame, i):
    if frame is None:
        return "a known structure"
    row = frame.iloc[i]
    parts = [str(row[c]) for c in ("name", "kind") if c in frame and isinstance(row[c], str) and row[c]]
    label = f"structure {row['id']}" if "id" in frame else "a known structure"
    return label + (f" ({', '.join(parts)})" if parts else "")
