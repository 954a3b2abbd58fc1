"""Satellite products as analysts download them, read into one description.

:func:`open_product` takes what the analyst has -- a GeoTIFF/COG, a
Sentinel-1 GRD ``.SAFE`` folder or zip or its measurement TIFF, a Sentinel-2
``.SAFE`` (L1C/L2A) or one of its band files, an RPC-only or GCP-only image,
a STAC Item -- and returns a :class:`Product`: the raster GDAL reads, how
its pixels are placed on the ground (:class:`~shipsight.imagery.georef.Georef`),
what its numbers mean (:class:`~shipsight.imagery.radiometry.Radiometry`),
its fill, time range and sensor, and the notes on anything that was
inferred rather than read. Registration, pixel logging, chips and detection
all start here, so a product is read the same way by each.

Readers: :mod:`.sentinel1`, :mod:`.sentinel2`, :mod:`.stac`, and plain
rasters (:func:`describe_raster`). Undeclared fill is found by
:mod:`.fill`.
"""

from dataclasses import dataclass, field
from pathlib import Path

from shipsight.errors import InputError
from shipsight.imagery.products.dataset import open_dataset

__all__ = ["Product", "open_product", "open_dataset", "describe_raster", "lonlat_bounds"]


@dataclass
class Product:
    """One raster product, read.

    Attributes
    ----------
    path : str
        What was given (the SAFE folder, the zip, the file, the STAC Item's asset).
    raster : str
        What GDAL opens (may be ``/vsizip/...``).
    format : str
        ``"raster"``, ``"sentinel-1-grd"``, ``"sentinel-2"``.
    kind : {"sar", "optical"} or None
        None: decided later from the data (plain rasters without tags).
    kind_source : str or None
        Why.
    units, units_source : str or None
        SAR units of the stored values and where they were read; None when
        the metadata does not say (detection infers them and says so).
    radiometry : Radiometry or None
        Calibration, noise, optical offset/scale known from the product.
    acquired : datetime or None
        The acquisition instant (aware UTC); None when only a long range is known.
    time_range : tuple of 2 datetime or None
        ``(start, end)`` when the product spans time (a radar datatake, a STAC range).
    acquired_source : str or None
    sensor : str or None
    scene_id : str or None
        The product's own name, when it has one.
    footprint : shapely geometry or None
        From product metadata (Sentinel-1 geolocation grid); None: from the data.
    fallback_gcps : list or None
        GCPs ``(row, col, lon, lat, z)`` to use when the raster carries none.
    options : dict
        What reopens the product the same way (polarisation, height_m...).
    notes : list of str
        What was inferred, missing or assumed: shown to the analyst.
    fill : float or None
        Fill value that is not declared in the file (NaN or a number), treated as nodata.
    band : int
        The band of ``raster`` that holds the measurement.
    stac : dict or None
        The STAC Item the product was registered from.
    orbit : dict or None
        SAR products: the pass (``ascending``/``descending``), the platform
        heading and the look geometry from the product's annotation (see
        :func:`shipsight.imagery.products.sentinel1.orbit_facts`); stored with
        the scene, where AIS correlation takes the azimuth shift's geometry.
    """

    path: str
    raster: str
    format: str = "raster"
    kind: str | None = None
    kind_source: str | None = None
    units: str | None = None
    units_source: str | None = None
    radiometry: object = None
    acquired: object = None
    time_range: tuple | None = None
    acquired_source: str | None = None
    sensor: str | None = None
    scene_id: str | None = None
    footprint: object = None
    fallback_gcps: list | None = None
    options: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    fill: float | None = None
    band: int = 1
    stac: dict | None = None
    orbit: dict | None = None

    @property
    def hash_path(self):
        """The file whose SHA-256 identifies the scene: the zip or file given, else the raster."""
        p = Path(self.path)
        return str(p) if p.is_file() else self.raster

    def georef(self, ds):
        """The :class:`~shipsight.imagery.georef.Georef` of the open raster ``ds``."""
        from affine import Affine

        from shipsight.imagery.georef import Georef

        has_own = (ds.crs is not None and ds.transform != Affine.identity()) or bool(ds.gcps[0]) or ds.rpcs
        if not has_own and self.fallback_gcps:
            try:
                return Georef.from_gcps(self.fallback_gcps, "EPSG:4326", ds.height, ds.width)
            except InputError as exc:
                raise InputError(exc.message, where=self.path) from None
        return Georef.from_dataset(ds, height_m=float(self.options.get("height_m", 0.0)), where=self.path)

    def record_options(self):
        """JSON-able, stored with the scene: how to reopen this product, and its orbit facts when known."""
        record = {"format": self.format, **self.options, "fill": _fill_text(self.fill)}
        if self.orbit:
            record["orbit"] = dict(self.orbit)
        return record


def _fill_text(fill):
    if fill is None:
        return None
    return "nan" if fill != fill else float(fill)


def describe_raster(ds, product):
    """Fill in what a plain raster's own tags say: kind, SAR units, optical scaling, fill, time, sensor."""
    from shipsight.imagery.products.fill import undeclared_fill
    from shipsight.imagery.radiometry import Radiometry, classify_kind, optical_scaling, units_from_metadata
    from shipsight.imagery.scene import _tags, acquisition_from_tags, sensor_from_tags

    tags = _tags(ds)
    b = product.band
    if product.kind is None:
        product.kind, product.kind_source = classify_kind(tags, ds.count, ds.dtypes[b - 1], ds.descriptions)
    if product.kind == "sar" and product.units is None:
        product.units, product.units_source = units_from_metadata(tags, ds.descriptions[b - 1], ds.units[b - 1])
        if product.units:
            product.units_source = f"metadata: {product.units_source}"
    if product.radiometry is None:
        if product.kind == "optical":
            offset, scale, source = optical_scaling(tags)
            product.radiometry = Radiometry("optical", offset=offset or 0.0, scale=scale or 1.0)
            if source:
                product.notes.append(f"{product.radiometry.describe()} from {source}")
        elif product.units:
            product.radiometry = Radiometry("sar", product.units)
    if product.fill is None:
        product.fill, note = undeclared_fill(ds, b)
        if note:
            product.notes.append(note)
    if product.acquired is None:
        product.acquired, product.acquired_source = acquisition_from_tags(tags)
    if product.sensor is None:
        product.sensor = sensor_from_tags(tags)
    return product


def open_product(path, *, polarisation=None, height_m=0.0, denoise=False, fill=None, band_name=None, tz=None,
                 acquired_given=False):
    """Read a product: what it is, how it is georeferenced, what its values mean.

    Parameters
    ----------
    path : str or Path
        A raster file (GeoTIFF, COG, JP2...), a ``.SAFE`` folder or zip
        (Sentinel-1 GRD, Sentinel-2 L1C/L2A), a file inside one, or a STAC
        Item JSON (its asset is opened).
    polarisation : str, optional
        Sentinel-1: ``VV`` (default where present), ``VH``, ``HH``, ``HV``.
    height_m : float
        RPC-only images: the ground height they are projected to (metres
        above the ellipsoid; 0 is about sea level).
    denoise : bool
        Sentinel-1: subtract the thermal noise LUT.
    fill : float, str or None
        A fill value known already (stored with a scene): skips detection.
    band_name : str, optional
        Sentinel-2: the band to read from a SAFE (default ``B08``).
    tz, acquired_given
        A STAC Item: the zone of its zone-less times, and whether the
        analyst gave the time (see :func:`shipsight.imagery.products.stac.item_times`).

    Returns
    -------
    Product

    Raises
    ------
    InputError
        No such file; a folder or zip that is not a product; a product
        without its measurement; a raster GDAL cannot read; no
        georeferencing, or too little of it.

    Examples
    --------
    >>> p = open_product("S1A_IW_GRDH_1SDV_20231005T093012_..._1C2D.SAFE")   # doctest: +SKIP
    >>> p.format, p.options["polarisation"], p.acquired.isoformat()           # doctest: +SKIP
    ('sentinel-1-grd', 'VV', '2023-10-05T09:30:12+00:00')
    """
    from shipsight.imagery.products.safe import find_safe

    p = Path(path)
    if not p.exists():
        raise InputError("no such file or folder", where=str(p))
    if p.is_file() and p.suffix.lower() in (".json", ".geojson"):
        from shipsight.imagery.products.stac import product_from_item

        return product_from_item(p, polarisation=polarisation, height_m=height_m, denoise=denoise, tz=tz,
                                 acquired_given=acquired_given)
    safe = find_safe(p)
    if safe is not None:
        name = safe.name.upper()
        if name.startswith("S2") or safe.glob(r"^MTD_MSIL(1C|2A)\.xml$"):
            from shipsight.imagery.products.sentinel2 import read_sentinel2

            band_file = p.resolve() if p.is_file() and safe.zip_path is None else None
            product = read_sentinel2(safe, band_file=band_file, band=band_name or "B08")
        else:
            from shipsight.imagery.products.sentinel1 import _pol_of, read_sentinel1

            if p.is_file() and safe.zip_path is None and _pol_of(p.name):
                polarisation = polarisation or _pol_of(p.name)
            product = read_sentinel1(safe, polarisation=polarisation, denoise=denoise)
    elif p.is_dir():
        raise InputError("is a folder but not a Sentinel .SAFE product; give a raster file, a .SAFE folder or zip, "
                         "or a STAC Item", where=str(p))
    else:
        product = Product(path=str(p.resolve()), raster=str(p.resolve()))
    product.options.setdefault("height_m", float(height_m))
    if fill is not None:
        product.fill = float(fill)
    with open_dataset(product.raster) as ds:
        describe_raster(ds, product)
        product.georef(ds)  # refuse an image that cannot be placed on the ground now, not at first use
    return product


def reopen(path, options):
    """The product of a registered scene, read with the options stored when it was registered."""
    opts = dict(options or {})
    return open_product(path, polarisation=opts.get("polarisation"), height_m=opts.get("height_m", 0.0),
                        denoise=opts.get("denoise", False), fill=opts.get("fill"), band_name=opts.get("band"))


def lonlat_bounds(product):
    """A scene's lon/lat bounds ``(minlon, minlat, maxlon, maxlat)``, degrees; None when unreadable
    or across the antimeridian (then a caller should take everything as near).

    ``product`` is an opened :class:`Product` or an image file; the footprint is the
    product's own (geolocation grid) where it has one, else its georeferencing sampled
    along the edges.

    >>> lonlat_bounds("no-such-file.tif") is None
    True
    """
    import rasterio

    from shipsight.imagery.detect import _scene_lonlat_box

    try:
        if isinstance(product, (str, bytes)) or hasattr(product, "__fspath__"):
            product = open_product(product)
        if product.footprint is not None:
            lon0, lat0, lon1, lat1 = product.footprint.bounds
            return (lon0, lat0, lon1, lat1) if lon1 - lon0 < 180 else None
        with rasterio.open(product.raster) as ds:
            return _scene_lonlat_box(product.georef(ds))
    except (InputError, rasterio.errors.RasterioError):
        return None
