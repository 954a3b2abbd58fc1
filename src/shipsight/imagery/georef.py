"""Where a raster's pixels lie on the Earth, whatever georeferences it.

:class:`Georef` maps continuous pixel coordinates ``(row, col)`` (``0.0`` is
the top-left corner of the top-left pixel, ``0.5`` its centre; see
:mod:`shipsight.imagery.pixels`) to longitude/latitude and back, for the
three ways a delivered raster is tied to the ground:

- ``"affine"``: a CRS and a geotransform (GeoTIFF, COG, a warped copy);
- ``"gcp"``: ground control points only, as Sentinel-1 GRD measurement TIFFs
  are shipped (the image is in radar geometry, not a map). The mapping is
  GDAL's GCP transformer (a polynomial fitted to the GCPs, the model
  ``gdalwarp`` uses), through :class:`rasterio.transform.GCPTransformer`;
- ``"rpc"``: rational polynomial coefficients only (Maxar 1B, Planet basic,
  Pleiades primary): GDAL's RPC transformer at a fixed ground height
  (``height_m``, sea level by default), through
  :class:`rasterio.transform.RPCTransformer`, which is what ``gdalwarp -rpc``
  orthorectifies with.

A Georef is plain data (it pickles into worker processes); GDAL
transformer objects are built on use.

>>> g = Georef.affine((10.0, 0.0, 500000.0, 0.0, -10.0, 4000000.0), "EPSG:32652", 100, 100)
>>> lon, lat = g.lonlat(0.5, 0.5)
>>> round(float(lon), 6), round(float(lat), 6)
(129.000056, 36.144673)
>>> [round(float(v), 3) for v in g.pixel(lon, lat)]
[0.5, 0.5]
"""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from shipsight.errors import InputError

__all__ = ["Georef", "MIN_GCPS"]

#: Fewest GCPs that fix a first-order polynomial (an affine map) of the image.
MIN_GCPS = 3


@dataclass(frozen=True)
class Georef:
    """Pixel <-> lon/lat mapping of one raster; build it with a constructor below.

    Attributes
    ----------
    kind : {"affine", "gcp", "rpc"}
    height, width : int
        Image size in pixels.
    transform : tuple of 6 float or None
        Affine kind: rasterio order ``(a, b, c, d, e, f)``.
    crs : str or None
        Affine kind: the CRS (EPSG code or WKT); GCP kind: the GCPs' CRS.
    gcps : tuple or None
        GCP kind: ``(row, col, x, y, z)`` per point.
    rpcs : dict or None
        RPC kind: GDAL's RPC metadata.
    height_m : float
        RPC kind: ground height above the ellipsoid the image is projected to.
    """

    kind: str
    height: int
    width: int
    transform: tuple | None = None
    crs: str | None = None
    gcps: tuple | None = None
    rpcs: dict | None = field(default=None, hash=False)
    height_m: float = 0.0

    # ------------------------------------------------------------ building

    @classmethod
    def affine(cls, transform, crs, height, width):
        """A georef from a geotransform (rasterio order) and a CRS."""
        from shipsight.imagery.pixels import _affine, _crs, _crs_key

        key = _crs_key(crs)
        _crs(key)
        t = _affine(transform)
        if t.a * t.e - t.b * t.d == 0:
            raise InputError("has a degenerate geotransform (zero pixel size)")
        return cls("affine", int(height), int(width), transform=tuple(float(v) for v in tuple(t)[:6]), crs=key)

    @classmethod
    def from_gcps(cls, gcps, crs, height, width):
        """A georef from ground control points ``(row, col, x, y, z)`` in ``crs``.

        Raises :class:`InputError` when there are too few, or they are
        degenerate (all on a line), to georeference the image.
        """
        from shipsight.imagery.pixels import _crs, _crs_key

        pts = tuple((float(r), float(c), float(x), float(y), float(z or 0.0)) for r, c, x, y, z in gcps)
        if len(pts) < MIN_GCPS:
            raise InputError(f"has {len(pts)} ground control point{'s' * (len(pts) != 1)}; at least {MIN_GCPS} "
                             "(not on one line) are needed to georeference it")
        rc = np.array([(p[0], p[1]) for p in pts])
        spread = np.linalg.matrix_rank(np.column_stack([rc, np.ones(len(rc))]), tol=1e-6)
        if spread < 3:
            raise InputError("has ground control points all on one line; they cannot georeference the image")
        key = _crs_key(crs if crs is not None else "EPSG:4326")
        _crs(key)
        g = cls("gcp", int(height), int(width), crs=key, gcps=pts)
        g.lonlat(np.array([height / 2.0]), np.array([width / 2.0]))  # GDAL refuses a set it cannot fit here
        return g

    @classmethod
    def from_rpcs(cls, rpcs, height, width, *, height_m=0.0):
        """A georef from GDAL RPC metadata, projected to ``height_m`` metres above the ellipsoid."""
        rpcs = {str(k).upper(): v for k, v in dict(rpcs).items()}
        if not math.isfinite(float(height_m)):
            raise InputError(f"height_m must be a number of metres, not {height_m!r}")
        g = cls("rpc", int(height), int(width), rpcs=rpcs, height_m=float(height_m))
        g.lonlat(np.array([height / 2.0]), np.array([width / 2.0]))
        return g

    @classmethod
    def from_dataset(cls, ds, *, height_m=0.0, where=None):
        """The georef of an open rasterio dataset: its geotransform, else its GCPs, else its RPCs.

        Raises
        ------
        InputError
            None of the three, too few GCPs, or an unusable CRS.
        """
        from affine import Affine

        try:
            if ds.crs is not None and ds.transform != Affine.identity():
                return cls.affine(ds.transform, ds.crs, ds.height, ds.width)
            gcps, gcp_crs = ds.gcps
            if gcps:
                return cls.from_gcps([(p.row, p.col, p.x, p.y, p.z) for p in gcps], gcp_crs, ds.height, ds.width)
            if ds.rpcs is not None:
                return cls.from_rpcs(ds.rpcs.to_gdal(), ds.height, ds.width, height_m=height_m)
        except InputError as exc:
            raise InputError(exc.message, where=where or exc.where) from None
        raise InputError(
            "has no georeferencing (no CRS and geotransform, no ground control points, no RPCs), so its pixels "
            "have no place on the ground; register the georeferenced product it was cut from",
            where=where,
        )

    # ------------------------------------------------------------ mapping

    def _gdal(self):
        from rasterio.control import GroundControlPoint
        from rasterio.transform import GCPTransformer, RPCTransformer

        if self.kind == "gcp":
            return GCPTransformer([GroundControlPoint(row=r, col=c, x=x, y=y, z=z) for r, c, x, y, z in self.gcps])
        return RPCTransformer(self.rpcs, RPC_HEIGHT=self.height_m)

    def _xy_to_lonlat(self, x, y):
        from shipsight.imagery.pixels import _transformers, normalize_lon

        if self.kind == "rpc":
            return normalize_lon(x), np.asarray(y, dtype=float)
        fwd, _ = _transformers(self.crs)
        lon, lat = fwd.transform(x, y)
        return normalize_lon(lon), np.asarray(lat, dtype=float)

    def lonlat(self, rows, cols):
        """Longitude, latitude (degrees, lon in [-180, 180)) of continuous pixel positions.

        Arrays broadcast; NaN where a position cannot be mapped.
        """
        from shipsight.imagery.pixels import pixel_to_lonlat

        scalar = np.ndim(rows) == 0 and np.ndim(cols) == 0
        r, c = np.broadcast_arrays(np.asarray(rows, dtype=float), np.asarray(cols, dtype=float))
        if self.kind == "affine":
            lon, lat = pixel_to_lonlat(self.transform, self.crs, r, c)
            lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        else:
            lon, lat = self._gdal_map(r, c, forward=True)
        if scalar:
            return float(lon), float(lat)
        return lon, lat

    def _gdal_map(self, a, b, *, forward):
        from rasterio.errors import RasterioError, TransformError

        shape = a.shape
        a, b = a.ravel(), b.ravel()
        if a.size == 0:
            return np.empty(shape), np.empty(shape)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with self._gdal() as t:
                    if forward:
                        x, y = t.xy(a, b, offset="ul")  # "ul": the coordinates are continuous already
                    else:
                        # np.positive leaves GDAL's fractional pixels as they are (rowcol floors by default).
                        r, c = t.rowcol(a, b, op=np.positive)
        except (RasterioError, TransformError, ValueError) as exc:
            raise InputError(f"its {self.kind.upper()} georeferencing cannot be evaluated ({exc}); "
                             "it is too small or inconsistent to place the image") from None
        if forward:
            lon, lat = self._xy_to_lonlat(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
            return lon.reshape(shape), lat.reshape(shape)
        return np.asarray(r, dtype=float).reshape(shape), np.asarray(c, dtype=float).reshape(shape)

    def pixel(self, lon, lat):
        """Continuous ``(row, col)`` of lon/lat points (NaN where they cannot be mapped).

        In a geographic CRS whose image runs past 180 degrees, a longitude is
        taken into the 360-degree range centred on the image.
        """
        from shipsight.imagery.pixels import _transformers, lonlat_to_pixel, normalize_lon

        scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
        lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        if self.kind == "affine":
            r, c = lonlat_to_pixel(self.transform, self.crs, lon, lat, width=self.width)
            r, c = np.asarray(r, dtype=float), np.asarray(c, dtype=float)
        else:
            if self.kind == "gcp":
                _, inv = _transformers(self.crs)
                x, y = inv.transform(normalize_lon(lon), lat)
                x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
                xs = np.array([p[2] for p in self.gcps])
                if np.ptp(xs) > 180.0 or xs.max() > 180.0:  # GCPs across the antimeridian, in 0..360
                    x = np.where(x < 0, x + 360.0, x)
            else:
                x, y = lon, lat
                clon, _ = self.lonlat(self.height / 2.0, self.width / 2.0)
                x = clon + normalize_lon(x - clon)
            r, c = self._gdal_map(x, y, forward=False)
        if scalar:
            return float(r), float(c)
        return r, c

    def jacobian(self, row=None, col=None):
        """Ground metres (east, north) per +1 column (column 0) and +1 row (column 1) at a pixel.

        Default: the image centre. Geodesic, so true ground metres in any georeferencing.
        """
        from shipsight.geodesy import WGS84

        r = self.height / 2.0 if row is None else float(row)
        c = self.width / 2.0 if col is None else float(col)
        lon, lat = self.lonlat(np.array([r, r, r + 1.0]), np.array([c, c + 1.0, c]))
        az, _, dist = WGS84.inv([lon[0], lon[0]], [lat[0], lat[0]], list(lon[1:]), list(lat[1:]))
        az = np.radians(np.asarray(az))
        dist = np.asarray(dist)
        east, north = dist * np.sin(az), dist * np.cos(az)
        return np.array([[east[0], east[1]], [north[0], north[1]]])

    def lonlat_grid(self, rows, cols, *, step=32):
        """Lon/lat at pixel-index positions ``rows x cols`` (0.0 = centre of the first pixel).

        Exact at every ``step``-th row and column and bilinear between (far
        below a metre off for any of the three kinds), at a fraction of the
        cost of mapping millions of points.

        Returns
        -------
        (lon, lat) : arrays of shape ``(len(rows), len(cols))``.
        """
        from scipy import ndimage

        rows = np.asarray(rows, dtype=float)
        cols = np.asarray(cols, dtype=float)
        ir = np.unique(np.r_[np.arange(0, rows.size, step), rows.size - 1])
        ic = np.unique(np.r_[np.arange(0, cols.size, step), cols.size - 1])
        cc, rr = np.meshgrid(cols[ic] + 0.5, rows[ir] + 0.5)
        lon, lat = self.lonlat(rr, cc)
        lon = np.degrees(np.unwrap(np.radians(np.asarray(lon)), axis=1))
        fr = np.interp(np.arange(rows.size), ir, np.arange(ir.size))
        fc = np.interp(np.arange(cols.size), ic, np.arange(ic.size))
        gr, gc = np.meshgrid(fr, fc, indexing="ij")
        lon_f = ndimage.map_coordinates(np.asarray(lon), [gr, gc], order=1, mode="nearest")
        lat_f = ndimage.map_coordinates(np.asarray(lat), [gr, gc], order=1, mode="nearest")
        return ((lon_f + 180.0) % 360.0) - 180.0, lat_f

    def north_angle(self, row=None, col=None):
        """Angle of true north in the image, degrees clockwise from "up" (row decreasing).

        0 for a north-up grid, 180 for a south-up one (an ascending-pass
        radar image), 30 for a grid rotated 30 degrees anticlockwise.
        """
        j = self.jacobian(row, col)
        # North as a pixel step: solve J @ [dc, dr] = [0, 1] (metres east, north).
        dc, dr = np.linalg.solve(j, np.array([0.0, 1.0]))
        return float(math.degrees(math.atan2(dc, -dr)) % 360.0)

    def is_north_up(self, tol_deg=5.0):
        """True for a map grid whose columns run within ``tol_deg`` of true north (a UTM scene's grid convergence).

        GCP and RPC images (radar or sensor geometry) never are.
        """
        if self.kind != "affine":
            return False
        a = self.north_angle()
        return min(a, 360.0 - a) <= tol_deg

    def describe(self):
        """A short text for messages: how the image is georeferenced."""
        if self.kind == "affine":
            crs = self.crs if len(self.crs) <= 40 else "custom CRS"
            return f"geotransform in {crs}"
        if self.kind == "gcp":
            return f"{len(self.gcps)} ground control points"
        return f"RPCs at {self.height_m:g} m height"
