"""Register a scene: metadata, true ground sample distance, valid-data footprint, time, hash.

:func:`read_scene` opens a product (see :mod:`shipsight.imagery.products`: a
GeoTIFF/COG, a GCP- or RPC-only image, a Sentinel-1/2 SAFE folder or zip, a
STAC Item) and returns a :class:`SceneInfo`. Nothing reads the whole image:
the footprint is the product's own (a Sentinel-1 geolocation grid) or comes
from the dataset mask, less undeclared fill, read on a grid of at most
``footprint_grid`` cells on the long side and placed through the product's
georeferencing; the hash streams the file in 1 MiB pieces.

Acquisition time, in order of precedence
-----------------------------------------
1. ``acquired=`` (must carry a time zone);
2. a STAC Item's ``datetime``, or ``start_datetime`` when ``datetime`` is
   null and the range is one acquisition (up to an hour); a longer range
   (a monthly mosaic) gives no instant but is kept as ``time_start`` /
   ``time_end``;
3. the product's metadata (Sentinel-1 annotation start and stop,
   Sentinel-2 ``PRODUCT_START_TIME``);
4. acquisition tags in the file: GDAL's ``IMAGERY`` domain
   (``ACQUISITIONDATETIME``, written by GDAL for Maxar/Planet/Pleiades
   products) and ``ACQUISITION_*`` / ``SENSING_*`` / ``*_START_TIME`` style tags;
5. the TIFF tag ``TIFFTAG_DATETIME`` (``YYYY:MM:DD HH:MM:SS``). The TIFF
   standard defines it as the time the *file* was made, which for processed
   products may be hours or years after the acquisition: it is used last,
   and ``SceneInfo.acquired_source`` says so (``"tag:TIFFTAG_DATETIME"``).

Times in tags without a zone are taken as UTC, as the satellite products that
write them use UTC. When none is found ``acquired`` is None: ask the analyst.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import shapely
from affine import Affine

from shipsight.digest import sha256_file
from shipsight.errors import InputError
from shipsight.geodesy import split_antimeridian
from shipsight.model import parse_time

__all__ = ["SceneInfo", "read_scene"]



@dataclass(frozen=True)
class SceneInfo:
    """What shipsight records about a scene file.

    Attributes
    ----------
    id : str
        Scene id: ``scene_id=``, else the STAC Item id, else the file stem.
    path : str
        Absolute path of the file.
    crs : str
        ``"EPSG:nnnn"`` when the file's CRS is exactly that EPSG CRS, else WKT2.
    transform : tuple of 6 float or None
        Affine transform in **rasterio/affine order** ``(a, b, c, d, e, f)``:
        ``x = a*col + b*row + c``, ``y = d*col + e*row + f`` (GDAL's
        geotransform is ``(c, a, b, f, d, e)``).
    width, height, count : int
        Columns, rows, bands.
    dtypes : tuple of str
        Per band.
    nodata : float or None
        The nodata value of band 1 (NaN possible).
    gsd_m : float
        Ground sample distance in metres at the scene centre: mean of
        ``gsd_xy_m``, measured geodesically (true ground metres in any CRS).
    gsd_xy_m : tuple of 2 float
        Ground size of the centre pixel along a row and along a column.
    footprint : shapely geometry
        Valid-data area in EPSG:4326 (lon, lat): Polygon or MultiPolygon; a
        scene crossing the antimeridian is split at +-180.
    acquired : datetime or None
        Aware UTC acquisition time; see the module docstring.
    acquired_source : str or None
        Where ``acquired`` came from: ``"argument"``, ``"stac"``,
        ``"tag:<NAME>"``.
    sensor : str or None
        Sensor or platform (``sensor=``, STAC ``platform``/``constellation``/
        ``instruments``, or tags such as ``IMAGERY:SATELLITEID``).
    sha256 : str
        Hex SHA-256 of the file (the zip, for a zipped product).
    time_start, time_end : datetime or None
        The time range the product spans (a radar datatake, a STAC range);
        ``acquired`` is None when the range is too long to be one instant.
    georef : {"affine", "gcp", "rpc"}
        How pixels are placed (see :class:`~shipsight.imagery.georef.Georef`);
        ``transform`` is None unless "affine".
    product : dict
        How the product was read (format, polarisation, height_m, fill), to reopen it alike.
    notes : tuple of str
        What was inferred or is missing (printed by ``scenes add``).
    stac : dict or None
        The STAC Item it was registered from.
    """

    id: str
    path: str
    crs: str
    transform: tuple
    width: int
    height: int
    count: int
    dtypes: tuple
    nodata: float | None
    gsd_m: float
    gsd_xy_m: tuple
    footprint: object = field(repr=False)
    acquired: datetime | None
    acquired_source: str | None
    sensor: str | None
    sha256: str
    time_start: datetime | None = None
    time_end: datetime | None = None
    georef: str = "affine"
    product: dict = field(default_factory=dict)
    notes: tuple = ()
    stac: dict | None = field(default=None, repr=False)

    def to_record(self):
        """Plain JSON-able values: footprint as WKT, time as ISO 8601 UTC, NaN nodata as ``"nan"``.

        >>> info.to_record()["footprint"][:7]          # doctest: +SKIP
        'POLYGON'
        """
        nodata = self.nodata
        if nodata is not None and math.isnan(nodata):
            nodata = "nan"
        return {
            "id": self.id,
            "path": self.path,
            "crs": self.crs,
            "transform": None if self.transform is None else [float(v) for v in self.transform],
            "width": self.width,
            "height": self.height,
            "count": self.count,
            "dtypes": list(self.dtypes),
            "nodata": nodata,
            "gsd_m": self.gsd_m,
            "gsd_xy_m": [float(v) for v in self.gsd_xy_m],
            "footprint": self.footprint.wkt,
            "acquired": self.acquired.isoformat() if self.acquired else None,
            "acquired_source": self.acquired_source,
            "sensor": self.sensor,
            "sha256": self.sha256,
            "time_start": self.time_start.isoformat() if self.time_start else None,
            "time_end": self.time_end.isoformat() if self.time_end else None,
            "georef": self.georef,
            "product": self.product,
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------- opening


def _open(path):
    """Open a raster or raise one line that says what is wrong with the file."""
    from shipsight.imagery.products import open_dataset

    path = Path(path)
    if not path.exists():
        raise InputError("no such file", where=str(path))
    if path.is_dir():
        raise InputError("is a directory, not a raster file", where=str(path))
    return open_dataset(path)


def _check_georef(ds, where):
    """The CRS key of a dataset with a geotransform, or InputError (chips of map grids use it)."""
    from shipsight.imagery.pixels import _crs, _crs_key, _transformers

    if ds.crs is None or ds.transform == Affine.identity():
        from shipsight.imagery.georef import Georef

        Georef.from_dataset(ds, where=where)  # says what the image has instead, or refuses it
        raise InputError("has no map geotransform", where=where)
    t = ds.transform
    if t.a * t.e - t.b * t.d == 0:
        raise InputError("has a degenerate geotransform (zero pixel size)", where=where)
    try:
        key = _crs_key(ds.crs)
        _crs(key)
        _transformers(key)
    except InputError as exc:
        raise InputError(exc.message, where=where) from None
    return key


def _crs_text(ds_crs):
    """``EPSG:n`` when the CRS is exactly an EPSG one, else its WKT2."""
    from pyproj import CRS

    wkt = ds_crs.to_wkt()
    crs = CRS.from_wkt(wkt)
    code = crs.to_epsg(min_confidence=90)
    if code is not None:
        return f"EPSG:{code}"
    return crs.to_wkt()


def _check_readable(ds):
    """Read the first and last pixel of every band: a truncated file fails here, not later."""
    from rasterio.windows import Window

    ds.read(window=Window(ds.width - 1, ds.height - 1, 1, 1))
    ds.read(window=Window(0, 0, 1, 1))


# -------------------------------------------------------------- footprint


def _footprint(ds, georef, *, band, fill, grid, where):
    """Valid-data footprint in EPSG:4326 from the decimated mask (less undeclared fill), through the georef."""
    from rasterio import features

    from shipsight.imagery.products.fill import valid_mask

    h, w = ds.height, ds.width
    step = max(1, math.ceil(max(h, w) / grid))
    oh, ow = math.ceil(h / step), math.ceil(w / step)
    valid = valid_mask(ds, band, fill, out_shape=(oh, ow))
    if not valid.any():
        raise InputError("has no valid pixels (all nodata)", where=where)
    # Polygons in continuous pixel coordinates (x = col, y = row), mapped through the georef.
    t = Affine.scale(w / ow, h / oh)
    if valid.all():
        geom = shapely.box(0, 0, w, h)
    else:
        polys = [
            shapely.geometry.shape(g)
            for g, v in features.shapes(valid.astype(np.uint8), mask=valid, transform=t)
            if v
        ]
        geom = shapely.union_all(polys)
    cell = math.hypot(t.a, t.d)
    geom = _drop_specks(geom, min_area=4 * abs(t.a * t.e))
    geom = geom.simplify(cell, preserve_topology=True)
    # Densify so straight image edges follow their true curve in lon/lat.
    geom = shapely.segmentize(geom, max(cell, max(w, h) / 32.0))
    clon, _ = georef.lonlat(h / 2.0, w / 2.0)

    def to_lonlat(xy):
        lon, lat = georef.lonlat(xy[:, 1], xy[:, 0])
        lon = np.asarray(lon, dtype=float)
        # Continuous longitudes around the centre; split_antimeridian folds them back.
        lon = clon + (lon - clon + 180.0) % 360.0 - 180.0
        return np.column_stack([lon, lat])

    geom = shapely.transform(geom, to_lonlat)
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InputError("has corners that cannot be expressed in longitude/latitude", where=where)
    return _lonlat_polygons(geom)


def _lonlat_polygons(geom):
    """Valid polygons, split at the antimeridian, counter-clockwise: how footprints are stored."""
    geom = shapely.make_valid(geom)
    geom = _polygonal(geom)
    geom = split_antimeridian(geom)
    return shapely.orient_polygons(geom)


def _polygonal(geom):
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in getattr(g, "geoms", [g])]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _drop_specks(geom, *, min_area):
    """Drop parts and holes smaller than a few grid cells: mask noise, not coverage."""
    polys = []
    for p in getattr(geom, "geoms", [geom]):
        if p.geom_type != "Polygon" or p.area < min_area:
            continue
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= min_area]
        polys.append(shapely.Polygon(p.exterior, holes))
    if not polys:
        return geom
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


# ----------------------------------------------------------- time, sensor

_TIME_TAGS = (
    "ACQUISITION_DATETIME",
    "ACQUISITIONDATETIME",
    "ACQUISITION_START_TIME",
    "ACQUISITION_START",
    "ACQUISITION_TIME",
    "SENSING_TIME",
    "SENSING_START",
    "DATATAKE_SENSING_START",
    "PRODUCT_START_TIME",
    "FIRST_LINE_TIME",
    "START_DATETIME",
    "DATETIME",
)
_SENSOR_TAGS = ("SENSOR", "SATELLITEID", "SATELLITE", "PLATFORM", "SPACECRAFT_NAME", "SPACECRAFT_ID", "MISSION")

_TAG_TIME = re.compile(
    r"^\s*(\d{4})[-:/]?(\d{2})[-:/]?(\d{2})(?:[T\s_]?(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?)?\s*"
    r"(Z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)


def parse_tag_time(text):
    """A time written in a raster tag, as aware UTC; None when unreadable.

    Accepts ISO 8601, TIFF's ``YYYY:MM:DD HH:MM:SS`` and compact
    ``YYYYMMDDTHHMMSS``. A time without a zone is taken as UTC (the satellite
    products that write such tags use UTC); a date alone means 00:00 UTC.

    >>> parse_tag_time("2021:11:04 17:07:49").isoformat()
    '2021-11-04T17:07:49+00:00'
    >>> parse_tag_time("2022-05-14T02:13:09.024+09:00").isoformat()
    '2022-05-13T17:13:09.024000+00:00'
    """
    m = _TAG_TIME.match(str(text))
    if not m:
        return None
    y, mo, d, hh, mm, ss, frac, zone = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                      int(round(float(frac) * 1e6)) if frac else 0)
    except ValueError:
        return None
    if zone and zone.upper() not in ("Z", "UTC", "GMT"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        from datetime import timedelta

        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return (dt - sign * offset).replace(tzinfo=timezone.utc)
    return dt.replace(tzinfo=timezone.utc)


def _tags(ds):
    """Default-domain and IMAGERY-domain tags, keys upper-cased."""
    tags = {k.upper(): v for k, v in ds.tags().items()}
    try:
        for k, v in ds.tags(ns="IMAGERY").items():
            tags.setdefault(k.upper(), v)
    except Exception:  # pragma: no cover - a domain GDAL cannot list is simply absent
        pass
    return tags


def acquisition_from_tags(tags):
    """``(time, source)`` from raster tags, or ``(None, None)``; see the module docstring."""
    for name in _TIME_TAGS:
        if name in tags:
            dt = parse_tag_time(tags[name])
            if dt is not None:
                return dt, f"tag:{name}"
    if "ACQUISITION_DATE" in tags:
        text = tags["ACQUISITION_DATE"] + (" " + tags["ACQUISITION_TIME"] if "ACQUISITION_TIME" in tags else "")
        dt = parse_tag_time(text)
        if dt is not None:
            return dt, "tag:ACQUISITION_DATE"
    if "TIFFTAG_DATETIME" in tags:
        dt = parse_tag_time(tags["TIFFTAG_DATETIME"])
        if dt is not None:
            return dt, "tag:TIFFTAG_DATETIME"
    return None, None


def sensor_from_tags(tags):
    """A sensor/platform name from raster tags, or None."""
    for name in _SENSOR_TAGS:
        value = str(tags.get(name, "")).strip()
        if value:
            return value
    return None


# ------------------------------------------------------------------- main


def read_scene(path, *, stac=None, acquired=None, sensor=None, scene_id=None, polarisation=None, height_m=0.0,
               footprint_grid=1024, tz=None):
    """Register a raster product: metadata, ground sample distance, footprint, time, sha256.

    Parameters
    ----------
    path : str or Path
        Anything :func:`~shipsight.imagery.products.open_product` reads: a
        GeoTIFF or COG, a GCP-only or RPC-only image, a Sentinel-1 GRD or
        Sentinel-2 ``.SAFE`` folder or zip, or a STAC Item JSON (its asset).
    stac : str, Path or dict, optional, keyword-only
        The scene's STAC Item: gives the id, acquisition time (or range) and
        sensor (``platform``, else ``constellation``, else ``instruments``).
    acquired : str or datetime, optional, keyword-only
        Acquisition time, with a zone (or ``tz``); overrides the product, STAC
        and tags, so a STAC Item's zone-less time is then not refused.
    tz : str, optional, keyword-only
        Zone of an ``acquired`` or STAC Item time written without one (e.g. ``UTC``).
    sensor : str, optional, keyword-only
        Sensor name; overrides the product, STAC and tags.
    scene_id : str, optional, keyword-only
        Scene id; overrides the STAC id, the product name and the file stem.
    polarisation : str, optional, keyword-only
        Sentinel-1: which measurement (VV by default where present).
    height_m : float, keyword-only
        RPC-only images: ground height in metres (0, about sea level, by default).
    footprint_grid : int, keyword-only
        Longest side, in cells, of the grid the mask is read on (cost control).

    Returns
    -------
    SceneInfo

    Raises
    ------
    InputError
        Not a raster or product, no georeferencing or too little, unknown
        CRS, truncated or corrupt file, no valid pixels, a bad STAC Item or
        one that does not overlap, a time without a zone.

    Examples
    --------
    >>> info = read_scene("S2B_20230414_sf.tif", acquired="2023-04-14T18:59:19Z")  # doctest: +SKIP
    >>> info.gsd_m, info.footprint.geom_type                                        # doctest: +SKIP
    (7.6, 'Polygon')
    """
    from shipsight.imagery.products import open_dataset, open_product
    from shipsight.imagery.products.stac import apply_item, load_item

    if int(footprint_grid) < 8:
        raise InputError(f"footprint_grid must be at least 8, not {footprint_grid}")
    # The analyst's time first: a bad one is refused before any file is read.
    given = parse_time(acquired, tz=tz) if acquired is not None else None
    product = open_product(path, polarisation=polarisation, height_m=height_m, tz=tz,
                           acquired_given=given is not None)
    where = product.path
    if stac is not None:
        item = load_item(stac)
        apply_item(product, item, where=str(stac), tz=tz, acquired_given=given is not None)
    with open_dataset(product.raster) as ds:
        georef = product.georef(ds)
        _check_readable(ds)
        if product.footprint is not None:
            footprint = product.footprint
        else:
            footprint = _footprint(ds, georef, band=product.band, fill=product.fill, grid=int(footprint_grid),
                                   where=where)
        gx, gy = _ground_size(georef)
        facts = dict(
            crs=_crs_text(ds.crs) if georef.kind == "affine" else (georef.crs or "EPSG:4326"),
            transform=georef.transform,
            width=int(ds.width),
            height=int(ds.height),
            count=int(ds.count),
            dtypes=tuple(ds.dtypes),
            nodata=_nodata(ds, product),
        )
    if stac is not None and product.stac and product.stac.get("geometry"):
        item_geom = shapely.geometry.shape(product.stac["geometry"])
        if not item_geom.intersects(footprint):
            raise InputError(
                f"STAC Item {product.stac.get('id')} does not overlap the raster; is it the Item of this file?",
                where=where,
            )

    when, source = product.acquired, product.acquired_source
    if given is not None:
        when, source = given, "argument"
    start, end = product.time_range or (None, None)
    return SceneInfo(
        id=str(scene_id or product.scene_id or Path(product.path).stem),
        path=str(product.hash_path if Path(product.path).is_dir() else product.path),
        gsd_m=float((gx + gy) / 2.0),
        gsd_xy_m=(float(gx), float(gy)),
        footprint=footprint,
        acquired=when,
        acquired_source=source,
        sensor=sensor or product.sensor,
        sha256=sha256_file(product.hash_path),
        time_start=start,
        time_end=end,
        georef=georef.kind,
        product=product.record_options(),
        notes=tuple(product.notes),
        stac=product.stac,
        **facts,
    )


def _ground_size(georef):
    j = georef.jacobian()
    return float(np.hypot(j[0, 0], j[1, 0])), float(np.hypot(j[0, 1], j[1, 1]))


def _nodata(ds, product):
    """The declared nodata of the band, else the undeclared fill found (NaN or 0)."""
    nd = ds.nodatavals[product.band - 1]
    if nd is not None:
        return float(nd)
    return None if product.fill is None else float(product.fill)
