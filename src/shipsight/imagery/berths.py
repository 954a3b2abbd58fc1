"""Optical harbours: a water mask from the image, and ships alongside the quays.

In an optical scene of a port, berthed ships touch the quays and a land
mask swallows them. Here:

1. **Water from the image.** Where the bands allow it, McFeeters' NDWI
   ``(green - NIR) / (green + NIR) > 0`` (McFeeters 1996, Int. J. Remote
   Sensing 17(7)); otherwise the image's dark-water statistics: Otsu's
   threshold (Otsu 1979, IEEE Trans. SMC 9(1)) on the log brightness of a
   sample of the scene, used only when the two classes are at least 3 dB
   apart (an all-sea or all-land scene has no threshold).
2. **Quays, not piers.** The land (not water) is opened with a square wider
   than a hull's beam: what the opening removes -- piers, jetties,
   breakwaters and what lies along them -- becomes searchable water for the
   CFAR test, while quays and the land behind stay masked. A hull alongside
   a straight, wide quay thickens the quay and stays in the mask: it is found
   only where it is darker than the water threshold's land side, which
   dark hulls often are not.
3. **Hulls along quays.** A CFAR object that touches the quays is a berthed
   ship when it is hull-shaped (20-400 m long, no wider than a hull, at
   least 1.5 times as long as wide) and touches them along no more than half
   its length (:func:`~shipsight.imagery.objects.berthed`): a hull against
   the quay's edge, not a piece of the quay's outline. On the labelled
   Sentinel-2 harbour crops this finds some berthed vessels, and misses the
   many whose hulls are as bright as the quay (``benchmarks/accuracy_harbour.py``).

Example
-------
>>> x = np.full((80, 80), 0.02, dtype=np.float32); x[:, :30] = 0.3      # quay on the left
>>> x[40:44, 30:60] = 0.25                                               # a pier, 40 m wide
>>> quay = quay_mask(x, threshold=np.log(0.08), px_m=10.0)
>>> bool(quay[20, 10]), bool(quay[42, 50])
(True, False)
"""

import math

import numpy as np

__all__ = ["water_threshold", "ndwi_bands", "quay_mask", "alongside"]

_MIN_SEPARATION_DB = 3.0
_BEAM_M = 70.0


def water_threshold(samples):
    """Otsu's threshold on log brightness, or None when the scene is not land and water.

    Parameters
    ----------
    samples : sequence of arrays
        Brightness samples of the scene (linear, NaN where invalid).

    Returns
    -------
    float or None
        The threshold (natural log of brightness): darker is water.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> water, land = rng.gamma(20, 0.001, 5000), rng.gamma(20, 0.02, 5000)
    >>> t = water_threshold([np.r_[water, land]])
    >>> bool(np.log(0.02) < t < np.log(0.4))
    True
    >>> water_threshold([water]) is None
    True
    """
    v = np.concatenate([np.ravel(s) for s in samples]) if len(samples) else np.empty(0)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size < 100:
        return None
    lv = np.log(v)
    hist, edges = np.histogram(lv, bins=256)
    mids = (edges[:-1] + edges[1:]) / 2.0
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    s0 = np.cumsum(hist * mids)
    m0 = s0 / np.maximum(w0, 1)
    m1 = (s0[-1] - s0) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    k = int(np.argmax(between[:-1]))
    # Class means at least 3 dB apart, and each class at least 5 % of the scene.
    if (m1[k] - m0[k]) * 10.0 / math.log(10.0) < _MIN_SEPARATION_DB or min(w0[k], w1[k]) < 0.05 * v.size:
        return None
    return float(edges[k + 1])


def ndwi_bands(descriptions):
    """1-based (green, NIR) band numbers from band descriptions, or None.

    Recognises Sentinel-2's names (B03, B08 or B8A), Landsat 8/9's (B3, B5)
    and plain ``green`` / ``nir``.

    >>> ndwi_bands(["B02", "B03", "B04", "B08"])
    (2, 4)
    >>> ndwi_bands(["red", "green", "blue"]) is None
    True
    """
    names = [str(d or "").strip().lower() for d in descriptions]
    green = next((i + 1 for i, n in enumerate(names) if n in ("b03", "b3", "green")), None)
    nir = next((i + 1 for i, n in enumerate(names) if n in ("b08", "b8", "b8a", "nir", "b05_landsat")), None)
    return (green, nir) if green and nir else None


def quay_mask(x, *, threshold, px_m, water=None):
    """Quays and land behind them: not water, opened with a disc wider than a hull.

    Parameters
    ----------
    x : 2-D array
        Brightness (linear; NaN or 0 where invalid).
    threshold : float
        :func:`water_threshold`'s log brightness; ignored when ``water`` is given.
    px_m : float
        Ground pixel size, metres.
    water : 2-D bool array, optional
        A water mask from a water index.

    Returns
    -------
    numpy.ndarray of bool
        True on quays and land.
    """
    from scipy import ndimage

    if water is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = ndimage.uniform_filter(np.nan_to_num(x, nan=0.0), 3, mode="nearest")
            water = np.log(np.maximum(smooth, 1e-30)) < threshold
    # Opening with a square, as running minima then maxima along rows and columns: four
    # linear passes, fast on whole tiles (a disc would cost a pass per structuring pixel).
    k = 2 * max(1, math.ceil(_BEAM_M / 2.0 / px_m) + 1) + 1
    land = (~water).view(np.uint8)
    opened = land
    for op in (ndimage.minimum_filter1d, ndimage.maximum_filter1d):
        for axis in (0, 1):
            opened = op(opened, k, axis=axis, mode="nearest")
    return opened.astype(bool)


def alongside(lab, nobj, rr, cc, quay):
    """Per object, the number of its pixels next to (8-connected) a quay pixel.

    Parameters
    ----------
    lab, rr, cc : (n,) arrays
        Object labels and pixel coordinates (in ``quay``'s grid).
    quay : 2-D bool array

    Examples
    --------
    >>> q = np.zeros((10, 10), bool); q[:, :3] = True
    >>> alongside(np.array([0, 0, 1]), 2, np.array([4, 5, 5]), np.array([3, 3, 8]), q).tolist()
    [2.0, 0.0]
    """
    from scipy import ndimage

    near = ndimage.binary_dilation(quay, structure=np.ones((3, 3), dtype=bool)) & ~quay
    H, W = quay.shape
    hit = near[np.clip(rr, 0, H - 1), np.clip(cc, 0, W - 1)]
    return np.bincount(lab, weights=hit, minlength=nobj)
