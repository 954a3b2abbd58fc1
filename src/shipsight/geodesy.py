"""Distances in metres on the WGS 84 ellipsoid, and the sphere tricks that find candidates fast.

Candidates are found with 3-D unit vectors (no antimeridian or pole special
cases: chord length grows with great-circle distance everywhere); every
distance that is reported is then measured on the ellipsoid with
:class:`pyproj.Geod`.
"""

import numpy as np
import shapely
from pyproj import Geod
from shapely import LineString, MultiLineString, MultiPolygon, Polygon, affinity, box, make_valid

WGS84 = Geod(ellps="WGS84")
#: Mean Earth radius (IUGG), used only to turn metres into a chord for candidate search.
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lon1, lat1, lon2, lat2):
    """Geodesic distance in metres between points, element-wise.

    >>> round(float(distance_m(179.999, 0.0, -179.999, 0.0)), 1)
    222.6
    """
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (lon1, lat1, lon2, lat2))
    )
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=float)


def unit_vectors(lon, lat):
    """Points on the unit sphere as an ``(n, 3)`` array.

    >>> unit_vectors([0.0], [90.0]).round(6).tolist()
    [[0.0, 0.0, 1.0]]
    """
    lon = np.radians(np.asarray(lon, dtype=float))
    lat = np.radians(np.asarray(lat, dtype=float))
    cl = np.cos(lat)
    return np.column_stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)])


def lonlat_of(vectors):
    """Inverse of :func:`unit_vectors`: ``(lon, lat)`` arrays in degrees."""
    v = np.asarray(vectors, dtype=float)
    lon = np.degrees(np.arctan2(v[:, 1], v[:, 0]))
    lat = np.degrees(np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1])))
    return lon, lat


def chord_for_m(metres, *, margin=1.01):
    """The chord on the unit sphere that surely covers a geodesic distance.

    The sphere and the ellipsoid disagree by well under 1 %, so a 1 % margin
    keeps every true candidate; the exact check on the ellipsoid follows.
    """
    angle = np.asarray(metres, dtype=float) * margin / EARTH_RADIUS_M
    return 2.0 * np.sin(np.minimum(angle, np.pi) / 2.0)


def split_antimeridian(geom):
    """Cut a polygon whose longitudes run past ±180 into parts inside [-180, 180].

    Polygons are built by walking around a point; near the antimeridian the
    walk is done in continuous longitudes (e.g. 179 -> 181) and then folded
    back here, so shapely's planar predicates stay right.

    >>> split_antimeridian(box(179, 0, 181, 1)).geom_type
    'MultiPolygon'
    """
    minx, _, maxx, _ = geom.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return geom
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = geom.intersection(window)
        if piece.is_empty:
            continue
        piece = affinity.translate(piece, xoff=shift)
        parts.extend(getattr(piece, "geoms", [piece]))
    if isinstance(geom, (LineString, MultiLineString)):
        lines = [p for p in parts if isinstance(p, LineString) and not p.is_empty]
        return lines[0] if len(lines) == 1 else MultiLineString(lines)
    polys = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


class PolarRingError(ValueError):
    """A ring whose longitudes do not come back to where they started: it goes round a pole."""


def _unwrap_coords(coords):
    """Coordinates with longitude jumps of more than 180 degrees read as crossings of ±180."""
    xy = np.array(coords, dtype=float)[:, :2]
    xy[:, 0] = np.unwrap(xy[:, 0], discont=180.0, period=360.0)
    return xy


def _unwrap_polygon(poly):
    exterior = _unwrap_coords(poly.exterior.coords)
    if abs(exterior[0, 0] - exterior[-1, 0]) > 1e-9:
        raise PolarRingError("its ring goes round a pole")
    middle = (exterior[:, 0].min() + exterior[:, 0].max()) / 2.0
    holes = []
    for ring in poly.interiors:
        hole = _unwrap_coords(ring.coords)
        hole[:, 0] += 360.0 * np.round((middle - hole[0, 0]) / 360.0)
        holes.append(hole)
    return Polygon(exterior, holes)


def unwrap_antimeridian(geom):
    """A polygon or line drawn across ±180 as continuous longitudes (e.g. 179.5 -> 180.5).

    Any edge longer than 180 degrees of longitude is taken to cross the
    antimeridian, not to go the long way round: no edge of a port area or a
    link between two sightings spans half the Earth (RFC 7946, 3.1.9, asks
    writers to split such geometries; many tools draw them as one ring).
    Each part of a multi-geometry is unwrapped on its own.

    Raises
    ------
    PolarRingError
        A ring whose longitudes do not close, i.e. one round a pole.

    Examples
    --------
    >>> unwrap_antimeridian(Polygon([(179.5, 0), (-179.5, 0), (-179.5, 1), (179.5, 1)])).bounds
    (179.5, 0.0, 180.5, 1.0)
    """
    if isinstance(geom, Polygon):
        return _unwrap_polygon(geom)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([_unwrap_polygon(p) for p in geom.geoms])
    if isinstance(geom, LineString):
        return LineString(_unwrap_coords(geom.coords))
    if isinstance(geom, MultiLineString):
        return MultiLineString([LineString(_unwrap_coords(p.coords)) for p in geom.geoms])
    return geom


def widest_part_deg(geom):
    """The longitude span, in degrees, of the widest part of a geometry (after :func:`unwrap_antimeridian`).

    >>> widest_part_deg(box(-170, 0, 170, 1))
    340.0
    """
    parts = shapely.get_parts(geom)
    bounds = shapely.bounds(parts)
    return float((bounds[:, 2] - bounds[:, 0]).max()) if len(parts) else 0.0


def fold_antimeridian(geom):
    """A polygon or line as it is stored: read across ±180 (:func:`unwrap_antimeridian`), split there.

    >>> fold_antimeridian(Polygon([(179.5, 0), (-179.5, 0), (-179.5, 1), (179.5, 1)])).bounds
    (-180.0, 0.0, 180.0, 1.0)
    >>> round(float(geodesic_area_m2([fold_antimeridian(box(179.5, 0, -179.5, 1))])[0]) / 1e6)
    12309
    """
    return split_antimeridian(unwrap_antimeridian(geom))


def geodesic_circle(lon, lat, radius_m, *, n=72):
    """A polygon approximating the circle of ``radius_m`` metres around a point.

    The vertices lie exactly ``radius_m`` from the centre on the ellipsoid; a
    circle across the antimeridian comes back as a MultiPolygon split at ±180.

    >>> c = geodesic_circle(129.7, 42.3, 1000)
    >>> round(float(distance_m(129.7, 42.3, *c.exterior.coords[0])))
    1000
    """
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = WGS84.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, float(radius_m)))
    lons = np.asarray(lons)
    # Continuous longitudes around the centre, so the ring does not jump by 360.
    lons = lon + ((lons - lon + 180.0) % 360.0 - 180.0)
    ring = Polygon(np.column_stack([lons, lats]))
    return split_antimeridian(make_valid(ring))


def geodesic_area_m2(geoms):
    """Geodesic area in square metres of each polygon in an array.

    >>> round(float(geodesic_area_m2([box(0, 0, 0.01, 0.01)])[0]) / 1e6, 2)
    1.23
    """
    return np.array([abs(WGS84.geometry_area_perimeter(g)[0]) for g in geoms], dtype=float)
