"""Fill that a raster does not declare: NaN, or a constant border of 0.

A file that declares its fill (a nodata value, an internal mask, an alpha
band) is taken at its word. One that declares nothing is looked at on a
decimated grid: NaN values are fill; so is the value 0 when it makes up a
noticeable part of the image (0.5 % or more) and lies almost entirely
(90 %) in regions touching the image edge -- the swath borders of a
Sentinel-1 GRD product, the collar of a warped scene. Zeros scattered
inside the image (clipped noise, a dark pixel) are data and stay.
"""

import math

import numpy as np

__all__ = ["undeclared_fill", "valid_mask"]

_MIN_FRACTION = 0.005
_EDGE_SHARE = 0.9


def _declared(ds, band):
    from rasterio.enums import MaskFlags

    if ds.nodatavals[band - 1] is not None:
        return True
    return MaskFlags.all_valid not in ds.mask_flag_enums[band - 1]


def undeclared_fill(ds, band=1, *, grid=1024):
    """``(fill, note)``: the undeclared fill value of a band (NaN or 0), or ``(None, None)``.

    Parameters
    ----------
    ds : rasterio dataset, open
    band : int
    grid : int
        Longest side of the decimated grid looked at.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "f.tif")
    >>> a = np.ones((64, 64), dtype="float32"); a[:, :10] = np.nan
    >>> with rasterio.open(p, "w", driver="GTiff", width=64, height=64, count=1, dtype="float32") as d:
    ...     d.write(a, 1)
    >>> with rasterio.open(p) as d:
    ...     undeclared_fill(d)[0]
    nan
    """
    from scipy import ndimage

    if _declared(ds, band):
        return None, None
    step = max(1, math.ceil(max(ds.height, ds.width) / grid))
    shape = (math.ceil(ds.height / step), math.ceil(ds.width / step))
    x = ds.read(band, out_shape=shape)
    if np.issubdtype(x.dtype, np.floating):
        nan = np.isnan(x)
        if nan.any():
            return float("nan"), (f"undeclared fill: {nan.mean():.1%} of the pixels are NaN; treated as nodata")
    if np.iscomplexobj(x):
        return None, None
    zero = x == 0
    share = float(zero.mean())
    if share < _MIN_FRACTION:
        return None, None
    labels, n = ndimage.label(zero)
    edge = np.unique(np.r_[labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    edge = edge[edge > 0]
    on_edge = float(np.isin(labels, edge).sum()) / float(zero.sum())
    if on_edge < _EDGE_SHARE:
        return None, None
    return 0.0, (f"undeclared fill: {share:.1%} of the pixels are 0 in regions touching the image edge "
                 "(a border, not data); treated as nodata")


def valid_mask(ds, band, fill, *, window=None, out_shape=None):
    """Valid pixels of a window or a decimated whole: the dataset mask, less undeclared fill.

    Returns a bool array.
    """
    mask = ds.dataset_mask(window=window, out_shape=out_shape) > 0
    if fill is None:
        return mask
    x = ds.read(band, window=window, out_shape=out_shape)
    bad = np.isnan(x) if fill != fill else (x == fill)
    if np.issubdtype(x.dtype, np.floating):
        bad |= np.isnan(x)
    return mask & ~bad
