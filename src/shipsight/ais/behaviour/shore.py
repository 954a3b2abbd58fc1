"""Distance to shore and land at points: the one door the behaviour rules use to the GSHHG coastline.

The rules call only :func:`distance_to_shore_m` and :func:`on_land`. They are
answered from the GSHHG full-resolution shorelines shipped in
roaring-landmask; when the tiled coast cache (:mod:`shipsight.coast`) is in
the package, each function becomes one line that calls it.
"""

import functools

import numpy as np

from shipsight.geodesy import distance_m

#: Metres in a nautical mile (international definition).
NM = 1852.0


@functools.lru_cache(maxsize=1)
def _land():
    """GSHHG land polygons (level 1, full resolution) and an STRtree over them, loaded once per process."""
    import shapely
    from roaring_landmask import LandmaskProvider, Shapes

    polygons = shapely.get_parts(shapely.from_wkb(Shapes.wkb(LandmaskProvider.Gshhg)))
    return polygons, shapely.STRtree(polygons)


def on_land(lon, lat):
    """True where a point lies on GSHHG land (full resolution).

    >>> on_land([-118.25, -125.0], [34.05, 30.0]).tolist()   # downtown Los Angeles; the open Pacific
    [True, False]
    """
    from shipsight.imagery.landmask import on_land as gshhg_on_land

    return gshhg_on_land(lon, lat)


def distance_to_shore_m(lon, lat, *, max_distance_m=100_000.0):
    """Geodesic distance in metres from each point to the nearest GSHHG shore; 0 on land.

    Measured on the WGS 84 ellipsoid to the nearest point of the shore (the
    method of :func:`shipsight.attribution.attribute`), across the
    antimeridian too.

    Parameters
    ----------
    lon, lat : array_like
        Degrees, 1-D.
    max_distance_m : float
        How far to look; a point with no land that near gets ``inf``.

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> d = distance_to_shore_m([-118.25, -118.2, -140.0], [34.05, 33.7, 30.0])
    >>> float(d[0]), bool(1_000 < d[1] < 10_000), float(d[2])    # downtown LA; San Pedro Bay; open Pacific
    (0.0, True, inf)
    """
    from shipsight.attribution import attribute

    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    out = np.full(lon.shape, np.inf)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon = ((lon + 180.0) % 360.0) - 180.0
    tiles = np.floor(lon[ok]).astype(int) * 1000 + np.floor(lat[ok]).astype(int)
    idx = np.flatnonzero(ok)
    for tile in np.unique(tiles):
        sel = idx[tiles == tile]
        index = _tile_shore(*_tile_xy(tile),
                            float(max_distance_m))
        if index is None:
            continue
        a = attribute(lon[sel], lat[sel], index)
        out[sel] = np.where(a.port_id >= 0, 0.0, a.nearest_port_distance_m)
    out[out > max_distance_m] = np.inf
    return out


def _tile_xy(tile):
    x, y = divmod(int(tile), 1000)
    return (x + 1, y - 1000) if y >= 500 else (x, y)


@functools.lru_cache(maxsize=512)
def _tile_shore(x, y, reach_m):
    """The land within ``reach_m`` of the one-degree tile (x, y), ready for attribution; None if none."""
    import shapely

    from shipsight.attribution import build_port_index

    polygons, tree = _land()
    dlat = np.degrees(reach_m / 6_356_752.0) * 1.01
    poleward = min(89.9, max(abs(y), abs(y + 1)) + dlat)
    dlon = min(180.0, dlat / np.cos(np.radians(poleward)))
    y0, y1 = max(-90.0, y - dlat), min(90.0, y + 1 + dlat)
    x0, x1 = x - dlon, x + 1 + dlon
    boxes = [(max(x0, -180.0), y0, min(x1, 180.0), y1)]
    if x0 < -180.0:
        boxes.append((x0 + 360.0, y0, 180.0, y1))
    if x1 > 180.0:
        boxes.append((-180.0, y0, x1 - 360.0, y1))
    pieces = []
    for b in boxes:
        hit = tree.query(shapely.box(*b))
        if len(hit):
            clipped = shapely.clip_by_rect(polygons[hit], *b)
            pieces.append(clipped[~shapely.is_empty(clipped)])
    pieces = shapely.get_parts(np.concatenate(pieces)) if pieces else np.empty(0, dtype=object)
    if len(pieces) == 0:
        return None
    # The box's own edges lie farther than reach_m from every point of the tile, so a distance
    # measured to a cut edge is beyond reach and reads as inf.
    return build_port_index(np.arange(len(pieces)), pieces, shapely.area(pieces))
