"""Which port a sighting lies in, and which port is nearest and how far, in metres.

The in-process engine behind the embedded store (the PostGIS store does the
same in SQL). Containment uses shapely's STRtree; the nearest port is found on
the sphere, where there is no antimeridian or pole to special-case, and its
distance is then measured on the WGS 84 ellipsoid.
"""

import functools
from dataclasses import dataclass

import numpy as np
import shapely

from shipsight.geodesy import EARTH_RADIUS_M, distance_m, lonlat_of, unit_vectors

#: Longest edge kept when port boundaries are broken into great-circle segments.
SEGMENT_M = 500.0
#: Segments tested exactly per point; with SEGMENT_M edges this spans kilometres of shore.
CANDIDATES = 8
#: Below this many point-segment pairs the candidates are found by brute force: a
#: k-d tree (and scipy, a quarter second to import) pays only for larger work.
BRUTE_FORCE_PAIRS = 4_000_000
#: Points searched together for their nearest port boundary.
ATTRIBUTION_BLOCK = 16_384


@dataclass(frozen=True)
class PortIndex:
    """Port polygons prepared for attribution: build once, query many times.

    Build it with :func:`build_port_index`.
    """

    ids: np.ndarray
    areas: np.ndarray
    tree: shapely.STRtree
    seg_a: np.ndarray
    seg_b: np.ndarray
    seg_port: np.ndarray
    seg_mid: np.ndarray

    @functools.cached_property
    def _kdtree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.seg_mid)

    def candidates(self, p, k):
        """Indices ``(n, k)`` of the ``k`` segments whose midpoints are nearest (chord) to unit vectors ``p``."""
        if len(p) * len(self.seg_mid) <= BRUTE_FORCE_PAIRS:
            # Unit vectors: the nearest by chord are those of largest dot product.
            far = -(p @ self.seg_mid.T)
            if k >= far.shape[1]:
                return np.broadcast_to(np.arange(far.shape[1]), far.shape).copy()
            return np.argpartition(far, k - 1, axis=1)[:, :k]
        _, cand = self._kdtree.query(p, k=k, workers=-1)
        return cand.reshape(len(p), k)


def _boundary_segments(geoms):
    """Great-circle segments of every ring, densified to at most SEGMENT_M."""
    boundaries = shapely.boundary(geoms)
    # Points and lines as ports are tolerated: their own coordinates are the boundary.
    boundaries = np.where(shapely.is_empty(boundaries), geoms, boundaries)
    parts, part_owner = shapely.get_parts(boundaries, return_index=True)
    coords, coord_part = shapely.get_coordinates(parts, return_index=True)
    if len(coords) == 0:
        return np.empty((0, 3)), np.empty((0, 3)), np.empty(0, dtype=np.int64)
    vec = unit_vectors(coords[:, 0], coords[:, 1])
    same = coord_part[:-1] == coord_part[1:]
    a, b, owner = vec[:-1][same], vec[1:][same], part_owner[coord_part[:-1][same]]
    single = np.bincount(coord_part, minlength=len(parts)) == 1
    if single.any():  # a bare point port is a zero-length segment
        idx = np.flatnonzero(single[coord_part])
        a = np.vstack([a, vec[idx]])
        b = np.vstack([b, vec[idx]])
        owner = np.concatenate([owner, part_owner[coord_part[idx]]])
    angle = np.arccos(np.clip((a * b).sum(axis=1), -1.0, 1.0))
    pieces = np.maximum(1, np.ceil(angle * EARTH_RADIUS_M / SEGMENT_M)).astype(np.int64)
    seg = np.repeat(np.arange(len(a)), pieces)
    start = np.cumsum(pieces) - pieces
    k = np.arange(len(seg)) - start[seg]
    f0 = k / pieces[seg]
    f1 = (k + 1) / pieces[seg]
    sa = _slerp(a[seg], b[seg], angle[seg], f0)
    sb = _slerp(a[seg], b[seg], angle[seg], f1)
    return sa, sb, owner[seg]


def _slerp(a, b, angle, f):
    sin = np.sin(angle)
    tiny = sin < 1e-12
    safe = np.where(tiny, 1.0, sin)
    wa = np.where(tiny, 1.0 - f, np.sin((1.0 - f) * angle) / safe)
    wb = np.where(tiny, f, np.sin(f * angle) / safe)
    v = wa[:, None] * a + wb[:, None] * b
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def build_port_index(ids, geoms, areas):
    """Prepare port polygons (EPSG:4326) for :func:`attribute`.

    Parameters
    ----------
    ids : array of int
        Port ids.
    geoms : array of shapely geometries
        Port polygons in lon/lat.
    areas : array of float
        Geodesic areas in square metres; the smallest containing port wins.
    """
    geoms = np.asarray(geoms, dtype=object)
    sa, sb, owner = _boundary_segments(geoms) if len(geoms) else (np.empty((0, 3)),) * 2 + (np.empty(0, int),)
    mid = sa + sb
    norm = np.linalg.norm(mid, axis=1, keepdims=True)
    mid = np.divide(mid, norm, out=sa.copy(), where=norm > 0)
    return PortIndex(
        ids=np.asarray(ids, dtype=np.int64),
        areas=np.asarray(areas, dtype=float),
        tree=shapely.STRtree(geoms),
        seg_a=sa,
        seg_b=sb,
        seg_port=owner,
        seg_mid=mid,
    )


def _nearest_on_segments(p, a, b):
    """Closest point of great-circle segments ``a-b`` to points ``p`` (all unit vectors)."""
    n = np.cross(a, b)
    nn = np.linalg.norm(n, axis=-1, keepdims=True)
    degenerate = nn[..., 0] < 1e-15
    n = n / np.where(nn == 0, 1.0, nn)
    q = p - (p * n).sum(axis=-1, keepdims=True) * n
    qn = np.linalg.norm(q, axis=-1, keepdims=True)
    q = q / np.where(qn == 0, 1.0, qn)
    # The foot q lies on the arc when it is on the inner side of both end points.
    on_arc = ((np.cross(a, q) * n).sum(-1) >= 0) & ((np.cross(q, b) * n).sum(-1) >= 0) & ~degenerate
    da = ((p - a) ** 2).sum(-1)
    db = ((p - b) ** 2).sum(-1)
    end = np.where((da <= db)[..., None], a, b)
    best = np.where(on_arc[..., None], q, end)
    return best, ((p - best) ** 2).sum(-1)


@dataclass(frozen=True)
class Attribution:
    """Per point: containing port id (-1 when none), nearest port id (-1), distance (m, NaN)."""

    port_id: np.ndarray
    nearest_port_id: np.ndarray
    nearest_port_distance_m: np.ndarray


def attribute(lon, lat, index, *, points=None):
    """Attribute points to ports.

    The containing port is the smallest port polygon that covers the point
    (a berth inside a terminal inside a port gives the berth). The nearest port
    is the containing one at 0 m, otherwise the port whose boundary is closest,
    measured geodesically on WGS 84. ``points``, the same positions as shapely
    Points, saves making them again when the caller has them.

    Examples
    --------
    >>> from shapely import box
    >>> idx = build_port_index([1], [box(130.0, 42.0, 130.1, 42.1)], [1.0])
    >>> a = attribute([130.05, 130.2], [42.05, 42.05], idx)
    >>> a.port_id.tolist(), a.nearest_port_id.tolist()
    ([1, -1], [1, 1])
    >>> round(float(a.nearest_port_distance_m[1]))
    8279
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(lon)
    port_id = np.full(n, -1, dtype=np.int64)
    nearest = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    if n == 0 or len(index.ids) == 0:
        return Attribution(port_id, nearest, dist)

    if points is None:
        points = shapely.points(lon, lat)
    pt_idx, port_idx = index.tree.query(points, predicate="intersects")
    if len(pt_idx):
        # Smallest area first, then keep the first hit per point.
        order = np.lexsort((index.areas[port_idx], pt_idx))
        pt_sorted, port_sorted = pt_idx[order], port_idx[order]
        first = np.r_[True, pt_sorted[1:] != pt_sorted[:-1]]
        port_id[pt_sorted[first]] = index.ids[port_sorted[first]]
    inside = port_id >= 0
    nearest[inside] = port_id[inside]
    dist[inside] = 0.0

    outside = np.flatnonzero(~inside)
    k = min(CANDIDATES, len(index.seg_mid))
    # In blocks: the (points, k, 3) temporaries of a block stay in the processor's caches.
    for start in range(0, len(outside) if k else 0, ATTRIBUTION_BLOCK):
        out = outside[start:start + ATTRIBUTION_BLOCK]
        p = unit_vectors(lon[out], lat[out])
        cand = index.candidates(p, k)
        best, d2 = _nearest_on_segments(p[:, None, :], index.seg_a[cand], index.seg_b[cand])
        pick = np.argmin(d2, axis=1)
        rows = np.arange(len(out))
        foot = best[rows, pick]
        flon, flat = lonlat_of(foot)
        nearest[out] = index.ids[index.seg_port[cand[rows, pick]]]
        dist[out] = distance_m(lon[out], lat[out], flon, flat)
    return Attribution(port_id, nearest, dist)
