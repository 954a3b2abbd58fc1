"""Raster datasets opened for reading, whose failures name the file.

GDAL reads a GeoTIFF's blocks only when asked for them: a file cut short
by a failed copy, or with one corrupt tile, opens without complaint and
fails much later, in the middle of a windowed read during detection or a
chip, as a ``RasterioIOError`` whose message names neither the file we
were given nor what to do. Every raster shipsight reads is opened by
:func:`open_dataset`, whose :class:`RasterReader` turns a failed read into
one :class:`~shipsight.errors.InputError` naming the file, so the CLI shows
one line and exits 2, and nothing half-done reaches the store.
"""

import os
import warnings
from pathlib import Path

from shipsight.errors import InputError

__all__ = ["RasterReader", "open_dataset", "read_or_fail", "gdal_reason"]

_ADVICE = "copy it again from its source"


def gdal_reason(exc):
    """GDAL's own first line for a rasterio error.

    rasterio raises a vague ``RasterioIOError("Read failed. See previous
    exception for details.")`` from GDAL's error (``CPLE_...``), which says
    what failed ("IReadBlock failed at X offset 3, Y offset 1:
    TIFFReadEncodedTile() failed.").

    Examples
    --------
    >>> try:
    ...     try:
    ...         raise OSError("x.tif, band 1: IReadBlock failed")
    ...     except OSError as inner:
    ...         raise RuntimeError("Read failed. See previous exception for details.") from inner
    ... except RuntimeError as exc:
    ...     gdal_reason(exc)
    'x.tif, band 1: IReadBlock failed'
    """
    inner = exc.__cause__ or exc.__context__ or exc
    text = str(inner) or str(exc)
    return text.splitlines()[0].strip() if text.strip() else type(inner).__name__


def read_or_fail(where, read, *args, **kwargs):
    """``read(*args, **kwargs)``, a GDAL failure while reading pixels raised as :class:`InputError` naming ``where``.

    Parameters
    ----------
    where : str
        The file being read, as the analyst should see it.
    read : callable
        A rasterio dataset method that reads pixels (``read``, ``read_masks``...).

    Raises
    ------
    InputError
        ``"<where>: is truncated or corrupt: <GDAL's reason> (copy it again
        from its source)"`` for any ``rasterio.errors.RasterioError`` or
        GDAL ``CPLE_*`` error. It is raised after the handler, so it carries
        no GDAL error as its context: those do not survive pickling, and a
        Dask worker sends its exceptions to the client pickled.

    Examples
    --------
    >>> from rasterio.errors import RasterioIOError
    >>> def damaged():
    ...     raise RasterioIOError("TIFFReadEncodedTile() failed.")
    >>> try:
    ...     read_or_fail("scene.tif", damaged)
    ... except InputError as exc:
    ...     print(exc, exc.__context__)
    scene.tif: is truncated or corrupt: TIFFReadEncodedTile() failed. (copy it again from its source) None
    """
    from rasterio._err import CPLE_BaseError
    from rasterio.errors import RasterioError

    try:
        return read(*args, **kwargs)
    except (RasterioError, CPLE_BaseError) as exc:
        reason = gdal_reason(exc)
    raise InputError(f"is truncated or corrupt: {reason} ({_ADVICE})", where=str(where))


class RasterReader:
    """An open rasterio dataset whose pixel reads fail as :class:`InputError` naming the file.

    Everything a ``rasterio.io.DatasetReader`` has is reached through this
    object (``ds.width``, ``ds.gcps``, ``ds.window_transform(w)``...);
    :meth:`read`, :meth:`read_masks` and :meth:`dataset_mask` -- where GDAL
    decodes blocks and a damaged file fails -- go through
    :func:`read_or_fail`. Made by :func:`open_dataset`; ``dataset`` is the
    rasterio object itself, for rasterio functions that need one.

    Attributes
    ----------
    dataset : rasterio.io.DatasetReader
    where : str
        The file named in errors.
    """

    def __init__(self, dataset, where):
        self.dataset = dataset
        self.where = str(where)

    def __getattr__(self, name):
        return getattr(self.dataset, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dataset.close()

    def __repr__(self):
        return f"<RasterReader {self.where!r}>"

    def read(self, *args, **kwargs):
        """``DatasetReader.read``; a failed block read raises :class:`InputError`."""
        return read_or_fail(self.where, self.dataset.read, *args, **kwargs)

    def read_masks(self, *args, **kwargs):
        """``DatasetReader.read_masks``; a failed block read raises :class:`InputError`."""
        return read_or_fail(self.where, self.dataset.read_masks, *args, **kwargs)

    def dataset_mask(self, *args, **kwargs):
        """``DatasetReader.dataset_mask``; a failed block read raises :class:`InputError`."""
        return read_or_fail(self.where, self.dataset.dataset_mask, *args, **kwargs)


def open_dataset(raster):
    """Open a raster for reading, failures (now or at any later read) as one line naming it.

    Georeferencing warnings are silenced:
    :class:`~shipsight.imagery.georef.Georef` reports its own.

    Parameters
    ----------
    raster : str or Path
        What GDAL opens: a file or a ``/vsizip/...`` path.

    Returns
    -------
    RasterReader
        Use as a context manager.

    Raises
    ------
    InputError
        An empty file; a file GDAL recognises as no raster format; a
        raster whose header is truncated or corrupt. Later reads of a
        damaged block raise it too (see :class:`RasterReader`).

    Examples
    --------
    >>> import rasterio, numpy as np, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "half.tif")
    >>> with rasterio.open(p, "w", driver="GTiff", width=512, height=512, count=1, dtype="float32",
    ...                    tiled=True, blockxsize=256, blockysize=256, compress="deflate") as d:
    ...     d.write(np.random.default_rng(0).random((1, 512, 512), dtype="float32"))
    >>> data = open(p, "rb").read()
    >>> _ = open(p, "wb").write(data[: len(data) // 2])
    >>> with open_dataset(p) as ds:
    ...     head = ds.read(1, window=((0, 1), (0, 1)))   # the first tile is intact
    ...     try:
    ...         ds.read(1)
    ...     except InputError as exc:
    ...         print(str(exc).split(": ", 2)[1])
    is truncated or corrupt
    """
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    where = str(raster)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return RasterReader(rasterio.open(raster), where)
    except RasterioIOError as exc:
        reason = gdal_reason(exc)
    # Outside the except block: no GDAL error as context (see read_or_fail).
    p = Path(where)
    if not where.startswith("/vsi") and not p.exists():
        raise InputError("no such file", where=where)
    if p.is_file() and os.path.getsize(p) == 0:
        raise InputError(f"is empty (0 bytes); {_ADVICE}", where=where)
    if "not recognized as" in reason or "not recognised as" in reason:
        raise InputError(
            f"cannot be read as a raster (not a raster GDAL recognises: {reason}); give a GeoTIFF/COG, a "
            f"Sentinel .SAFE folder or zip, or a STAC Item, and if it is one, {_ADVICE}",
            where=where,
        )
    raise InputError(f"is truncated or corrupt: {reason} ({_ADVICE})", where=where)
