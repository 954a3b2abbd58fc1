"""Land and shore around places: read from the tile cache, only the tiles a question touches."""

import numpy as np
import shapely

from shipsight.coast.cache import TILE_DEG, ensure_cache

#: Above this many distinct tiles, points are answered from one read of their bounding box.
_MAX_TILE_READS = 64


def _boxes(bbox):
    """A lon/lat box as boxes inside [-180, 180]; minlon > maxlon means across the antimeridian."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if not (np.isfinite([minx, miny, maxx, maxy]).all() and miny <= maxy):
        raise ValueError(f"not a lon/lat box: {bbox!r}")
    miny, maxy = max(miny, -90.0), min(maxy, 90.0)
    if minx <= maxx:
        return [(max(minx, -180.0), miny, min(maxx, 180.0), maxy)]
    return [(minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]


def _read(boxes, progress=None):
    import pyogrio.raw

    path = ensure_cache(progress=progress)
    seen, wkb = set(), []
    for box in boxes:
        _, fids, geoms, _ = pyogrio.raw.read(path, bbox=box, columns=[], return_fids=True)
        for fid, g in zip(fids.tolist(), geoms):
            if fid not in seen:  # a piece can touch two boxes
                seen.add(fid)
                wkb.append(g)
    return shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.array([], dtype=object)


def land_polygons(bbox, *, progress=None):
    """GSHHG land (full resolution) in a lon/lat box, as the cache's tile pieces.

    Parameters
    ----------
    bbox : tuple of float
        ``(minlon, minlat, maxlon, maxlat)`` in degrees; ``minlon > maxlon``
        is a box across the antimeridian.
    progress : callable, optional
        ``progress(done, total)`` while the cache is built (first use only).

    Returns
    -------
    numpy.ndarray of shapely.Polygon
        Every piece that touches the box, not clipped to it. A piece lies in
        one :data:`~shipsight.coast.cache.TILE_DEG` degree tile; pieces of one
        landmass meet along tile lines, so their union is the land, and the
        nearest piece to a point at sea is as near as the shore.

    Examples
    --------
    >>> land = land_polygons((-118.3, 33.7, -118.2, 33.8))   # San Pedro, Los Angeles
    >>> len(land) > 0 and bool(shapely.intersects(shapely.union_all(land), shapely.Point(-118.25, 33.78)))
    True
    """
    return _read(_boxes(bbox), progress)


def _tiles(lon, lat):
    """Each point's tile as one integer key, and the distinct keys."""
    key = _tile_key(np.floor(lon / TILE_DEG), np.floor(lat / TILE_DEG))
    return key, np.unique(key)


def _tile_key(tx, ty):
    """A tile's column and row (whole tiles from 0 degrees) as one integer."""
    return (tx.astype(np.int64) + 1000) * 10_000 + (ty.astype(np.int64) + 1000)


def _tile_boxes(lon, lat):
    """The boxes to read for points: their tiles when few, else their bounding box."""
    _, keys = _tiles(lon, lat)
    if len(keys) <= _MAX_TILE_READS:
        # A point on a tile line may belong to the piece on either side: a hair of margin.
        eps = 1e-9
        xs, ys = keys // 10_000 - 1000, keys % 10_000 - 1000
        return [(max(x * TILE_DEG - eps, -180.0), max(y * TILE_DEG - eps, -90.0),
                 min((x + 1) * TILE_DEG + eps, 180.0), min((y + 1) * TILE_DEG + eps, 90.0))
                for x, y in zip(xs.tolist(), ys.tolist())]
    return [(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))]


def _normalised(lon, lat):
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    shape = lon.shape
    lon = ((lon.ravel() + 180.0) % 360.0) - 180.0
    lat = lat.ravel()
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90)
    return lon, lat, ok, shape


def on_land(lon, lat, *, progress=None):
    """True where a point lies on GSHHG land (full resolution).

    Parameters
    ----------
    lon, lat : array_like
        Degrees, any shape (broadcast together); longitudes are wrapped into
        [-180, 180). Points that are not finite, or beyond the poles, are not on land.
    progress : callable, optional
        ``progress(done, total)`` while the cache is built (first use only).

    Returns
    -------
    numpy.ndarray of bool, the broadcast shape.

    Examples
    --------
    >>> on_land([129.0, 131.0], [35.17, 39.0]).tolist()   # Busan; Sea of Japan
    [True, False]
    """
    lon, lat, ok, shape = _normalised(lon, lat)
    out = np.zeros(lon.size, dtype=bool)
    if not ok.any():
        return out.reshape(shape)
    x, y = lon[ok], lat[ok]
    land = _read(_tile_boxes(x, y), progress)
    if len(land):
        # Every piece lies in one tile, so a point need only be tested against the
        # pieces of its own tile: points grouped by tile, each piece prepared once
        # and asked about its tile's points (no Point objects made).
        key, _ = _tiles(x, y)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        b = shapely.bounds(land)
        piece_key = _tile_key(np.floor((b[:, 0] + b[:, 2]) / 2 / TILE_DEG), np.floor((b[:, 1] + b[:, 3]) / 2 / TILE_DEG))
        lo = np.searchsorted(sorted_key, piece_key, side="left")
        hi = np.searchsorted(sorted_key, piece_key, side="right")
        shapely.prepare(land)
        inside = np.zeros(len(x), dtype=bool)
        for piece, a, z in zip(land, lo.tolist(), hi.tolist()):
            if a < z:
                idx = order[a:z]
                inside[idx] |= shapely.intersects_xy(piece, x[idx], y[idx])
        out[np.flatnonzero(ok)] = inside
    return out.reshape(shape)


def distance_to_shore_m(lon, lat, *, max_distance_m=100_000.0, progress=None):
    """Geodesic distance in metres from each point to the nearest GSHHG land.

    0 on land. Measured on the WGS 84 ellipsoid to the nearest point of the
    shore (the method of :func:`shipsight.attribution.attribute`: candidates on
    the unit sphere, the distance by :class:`pyproj.Geod`), correct across the
    antimeridian and near the poles.

    Parameters
    ----------
    lon, lat : array_like
        Degrees, any shape (broadcast together).
    max_distance_m : float
        How far to look: only the tiles within this distance of the points are
        read. A point with no land that near gets ``inf``.
    progress : callable, optional
        ``progress(done, total)`` while the cache is built (first use only).

    Returns
    -------
    numpy.ndarray of float, the broadcast shape; NaN for points that are not
    finite or beyond the poles.

    Examples
    --------
    >>> d = distance_to_shore_m([-118.25, -118.2, -125.0], [34.05, 33.7, 30.0], max_distance_m=20_000)
    >>> float(d[0]), bool(1_000 < d[1] < 10_000), float(d[2])    # downtown LA; San Pedro Bay; open Pacific
    (0.0, True, inf)
    """
    from shipsight.attribution import attribute, build_port_index

    lon, lat, ok, shape = _normalised(lon, lat)
    out = np.full(lon.size, np.nan)
    if not ok.any():
        return out.reshape(shape)
    lo, la = lon[ok], lat[ok]
    # The box reached from every point: metres as degrees of latitude, and of
    # longitude at the most poleward latitude of the points (the whole circle near a pole).
    dlat = np.degrees(max_distance_m / 6_356_752.0) * 1.01
    poleward = min(90.0, float(np.abs(la).max()) + dlat)
    dlon = 360.0 if poleward >= 89.9 else min(360.0, dlat / np.cos(np.radians(poleward)))
    boxes = []
    for x0, y0, x1, y1 in _tile_boxes(lo, la):
        y0, y1 = max(-90.0, y0 - dlat), min(90.0, y1 + dlat)
        if dlon >= 180.0:
            boxes.append((-180.0, y0, 180.0, y1))
        else:
            w0, w1 = ((x0 - dlon + 180.0) % 360.0) - 180.0, ((x1 + dlon + 180.0) % 360.0) - 180.0
            boxes.extend(_boxes((w0, y0, w1, y1)))
    land = _read(boxes, progress)
    found = np.full(lo.size, np.inf)
    if len(land):
        att = attribute(lo, la, build_port_index(np.arange(len(land)), land, shapely.area(land)))
        found = np.where(att.port_id >= 0, 0.0, att.nearest_port_distance_m)
        found = np.where(found <= max_distance_m, found, np.inf)
    out[np.flatnonzero(ok)] = found
    return out.reshape(shape)
