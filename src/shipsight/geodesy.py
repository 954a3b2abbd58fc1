"""Distances in metres on the WGS 84 ellipsoid, and the sphere tricks that find candidates fast.

Candidates are found with 3-D unit vectors (no antimeridian or pole special
cases: chord length grows with great-circle distance everywhere); every
distance that is reported is then measured on the ellipsoid with
:class:`pyproj.Geod`.
"""

import numpy as np
from pyproj import Geod
from shapely import MultiPolygon, Polygon, affinity, box, make_valid

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
    polys = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


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
