"""Spatial-temporal joins behind the flag rules: which sightings were near which, and when.

Both joins find every pair of sightings within a geodesic distance (metres,
WGS 84 ellipsoid) *and* a time window (hours), with no special case at the
poles or across the antimeridian.

How
---
Each sighting becomes a point in four dimensions: its 3-D unit vector on the
sphere, and its time scaled so that the time window spans the same length as
the chord that covers the distance (:func:`shipsight.geodesy.chord_for_m`).
A :class:`scipy.spatial.cKDTree` in the Chebyshev (max) norm then returns, in
one search, the pairs inside a box that holds both the chord ball and the time
window. Space and time are pruned together, so a busy anchorage with thousands
of ships over a year does not yield millions of spatial neighbours that the
time filter would throw away: candidates are a small multiple of the answer.

Candidates are then checked exactly, in this order: the time difference in
integers, the chord (cheap, drops the corners of the box), and last the
ellipsoidal distance with :data:`shipsight.geodesy.WGS84` for the survivors
only. Every reported distance is the ellipsoidal one.

Memory stays proportional to the answer: the larger side is cut into blocks
of consecutive times, each block searched against a tree, and candidates are
checked in slices.

Times
-----
``t`` arguments take any of

* numpy ``datetime64`` of any unit, read as UTC (numpy has no zone);
* pandas ``datetime64[.., tz]`` Series / Index (converted to UTC);
* integer arrays, read as seconds since 1970-01-01T00:00:00Z.

Times are compared as integers in the finest unit of the two inputs (at least
seconds), so a pair exactly ``window_h`` apart is in and one a microsecond
more is out, whatever the inputs' units. NaT, floats and strings are refused
with :class:`~shipsight.errors.InputError`.
"""

import math

import numpy as np
from scipy.spatial import cKDTree

from shipsight.errors import InputError
from shipsight.geodesy import chord_for_m, distance_m as _geodesic_m, unit_vectors

__all__ = ["pairs_within", "self_pairs_within"]

# Points per tree block. Big enough that per-block overhead is nothing, small
# enough that a block's raw candidates stay a few hundred MB at worst.
_BLOCK = 1 << 18
# Candidates checked exactly per slice, bounding the temporaries of the check.
_SLICE = 1 << 20


def pairs_within(lon_a, lat_a, t_a, lon_b, lat_b, t_b, *, distance_m=500.0, window_h=72.0):
    """Every pair (a, b) within ``distance_m`` metres and ``window_h`` hours.

    Parameters
    ----------
    lon_a, lat_a : array_like of float, shape (n_a,)
        Degrees, WGS 84. Longitudes may be any finite value (they wrap).
    t_a : array_like, shape (n_a,)
        Times of the ``a`` sightings; see the module notes for accepted types.
    lon_b, lat_b, t_b : array_like, shape (n_b,)
        The same for the ``b`` sightings (e.g. those of listed vessels).
    distance_m : float, keyword-only
        Largest geodesic distance in metres, inclusive. Default 500.
    window_h : float, keyword-only
        Largest ``|t_a - t_b|`` in hours, inclusive. Default 72.

    Returns
    -------
    ia, ib : ndarray of intp, shape (k,)
        Positions into the ``a`` and ``b`` inputs, sorted by ``(ia, ib)``.
    dist_m : ndarray of float64, shape (k,)
        Geodesic distance of each pair on the WGS 84 ellipsoid, metres.
    hours : ndarray of float64, shape (k,)
        ``t_b - t_a`` in hours: positive when ``b`` was seen after ``a``.

    Raises
    ------
    InputError
        Arrays of unequal length, non-finite or out-of-range coordinates,
        unreadable or missing times, or a negative or non-finite threshold.

    Examples
    --------
    Two sightings 222 m apart across the antimeridian, 30 hours apart:

    >>> import numpy as np
    >>> t = np.array(["2024-03-01T00:00", "2024-03-02T06:00"], dtype="datetime64[s]")
    >>> ia, ib, d, h = pairs_within([179.999], [0.0], t[:1], [-179.999], [0.0], t[1:],
    ...                             distance_m=500, window_h=72)
    >>> ia.tolist(), ib.tolist(), round(float(d[0]), 1), float(h[0])
    ([0], [0], 222.6, 30.0)
    """
    distance_m, window_h = _thresholds(distance_m, window_h)
    lon_a, lat_a = _coords(lon_a, lat_a, "a")
    lon_b, lat_b = _coords(lon_b, lat_b, "b")
    (ta, tb), per_s = _times((t_a, len(lon_a), "a"), (t_b, len(lon_b), "b"))
    if len(lon_a) == 0 or len(lon_b) == 0:
        return _empty()

    # The big side is cut into time-ordered blocks; the small side is one
    # tree. Time-compact blocks let the dual-tree search prune most of the
    # other tree at once.
    swap = len(lon_a) < len(lon_b)
    if swap:
        lon_a, lat_a, ta, lon_b, lat_b, tb = lon_b, lat_b, tb, lon_a, lat_a, ta
    va, vb = unit_vectors(lon_a, lat_a), unit_vectors(lon_b, lat_b)
    r, win, t0, scale = _search_params(distance_m, window_h, per_s, ta, tb)
    tree_b = _tree(vb, tb, t0, scale)

    order = np.argsort(ta, kind="stable") if len(ta) > _BLOCK else np.arange(len(ta))
    found = []
    for start in range(0, len(order), _BLOCK):
        rows = order[start : start + _BLOCK]
        block = _tree(va[rows], ta[rows], t0, scale)
        cand = block.sparse_distance_matrix(tree_b, r, p=np.inf, output_type="ndarray")
        ci, cj = rows[cand["i"]], cand["j"].astype(np.intp)
        del cand
        found.append(_exact(ci, cj, (lon_a, lat_a, ta, va), (lon_b, lat_b, tb, vb), r, win, distance_m))
    ia, ib, dist, dt = _concat(found)
    if swap:
        ia, ib, dt = ib, ia, -dt
    key = np.lexsort((ib, ia))
    return ia[key], ib[key], dist[key], dt[key] / (3600.0 * per_s)


def self_pairs_within(lon, lat, t, *, distance_m=300.0, window_h=1.0):
    """Every pair (i, j), i < j, of one set within ``distance_m`` metres and ``window_h`` hours.

    Used for ship-to-ship transfers: pass only the sightings outside every
    port polygon. A sighting never pairs with itself; two sightings at the
    same place and time (duplicates) do pair, with distance 0.

    Parameters
    ----------
    lon, lat : array_like of float, shape (n,)
        Degrees, WGS 84.
    t : array_like, shape (n,)
        Times; see the module notes for accepted types.
    distance_m : float, keyword-only
        Largest geodesic distance in metres, inclusive. Default 300.
    window_h : float, keyword-only
        Largest ``|t_i - t_j|`` in hours, inclusive. Default 1.

    Returns
    -------
    i, j : ndarray of intp, shape (k,)
        Positions into the inputs, ``i < j``, sorted by ``(i, j)``.
    dist_m : ndarray of float64, shape (k,)
        Geodesic distance on the WGS 84 ellipsoid, metres.
    hours : ndarray of float64, shape (k,)
        ``t_j - t_i`` in hours (may be negative).

    Raises
    ------
    InputError
        As :func:`pairs_within`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array(["2024-03-01T00:00", "2024-03-01T00:30", "2024-03-01T00:10"],
    ...              dtype="datetime64[m]")
    >>> i, j, d, h = self_pairs_within([56.0, 56.002, 60.0], [26.0, 26.0, 26.0], t,
    ...                                distance_m=300, window_h=1)
    >>> i.tolist(), j.tolist(), round(float(d[0])), float(h[0])
    ([0], [1], 200, 0.5)
    """
    distance_m, window_h = _thresholds(distance_m, window_h)
    lon, lat = _coords(lon, lat, "")
    (ts,), per_s = _times((t, len(lon), ""))
    n = len(lon)
    if n < 2:
        return _empty()

    v = unit_vectors(lon, lat)
    r, win, t0, scale = _search_params(distance_m, window_h, per_s, ts, ts)
    # Work in time order: a block's partners are itself and the next few
    # blocks' worth of points up to one window later, found by searchsorted.
    order = np.argsort(ts, kind="stable") if n > _BLOCK else np.arange(n)
    lon_s, lat_s, t_s, v_s = lon[order], lat[order], ts[order], v[order]
    side = (lon_s, lat_s, t_s, v_s)
    found = []
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        block = _tree(v_s[start:stop], t_s[start:stop], t0, scale)
        inner = block.query_pairs(r, p=np.inf, output_type="ndarray").astype(np.intp, copy=False)
        found.append(_exact(inner[:, 0] + start, inner[:, 1] + start, side, side, r, win, distance_m))
        del inner
        # Later points within one window of this block's last time.
        last = int(t_s[stop - 1]) + int(win)
        end = int(np.searchsorted(t_s, min(last, np.iinfo(np.int64).max), side="right"))
        if end > stop:
            tail = _tree(v_s[stop:end], t_s[stop:end], t0, scale)
            cand = block.sparse_distance_matrix(tail, r, p=np.inf, output_type="ndarray")
            ci = cand["i"].astype(np.intp) + start
            cj = cand["j"].astype(np.intp) + stop
            del cand
            found.append(_exact(ci, cj, side, side, r, win, distance_m))
    si, sj, dist, dt = _concat(found)
    i, j = order[si], order[sj]
    flip = i > j
    i, j = np.where(flip, j, i), np.where(flip, i, j)
    dt = np.where(flip, -dt, dt)
    key = np.lexsort((j, i))
    return i[key], j[key], dist[key], dt[key] / (3600.0 * per_s)


# --------------------------------------------------------------------------- helpers


def _thresholds(distance_m, window_h):
    out = []
    for name, value in (("distance_m", distance_m), ("window_h", window_h)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be a number, got {value!r}") from None
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{name} must be a finite number >= 0, got {value!r}")
        out.append(value)
    return out


def _coords(lon, lat, side):
    where = f"side {side}" if side else None
    lon = np.asarray(lon, dtype=float).reshape(-1)
    lat = np.asarray(lat, dtype=float).reshape(-1)
    if lon.shape != lat.shape:
        raise InputError(f"{lon.size} longitudes but {lat.size} latitudes", where=where)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InputError("coordinates must be finite numbers (no NaN or inf)", where=where)
    if lat.size and np.abs(lat).max() > 90.0:
        raise InputError("latitudes must lie in [-90, 90]", where=where)
    return lon, lat


def _as_datetime64(t, side):
    """Any accepted time array as numpy ``datetime64`` (UTC, naive)."""
    where = f"times of side {side}" if side else "times"
    if getattr(getattr(t, "dtype", None), "tz", None) is not None:
        import pandas as pd  # only here: pandas objects carry their own zone

        t = pd.DatetimeIndex(t).tz_convert("UTC").tz_localize(None).to_numpy()
    arr = np.asarray(t).reshape(-1)
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            raise InputError("a time is missing (NaT); every sighting needs a time", where=where)
        return arr
    if arr.dtype.kind in "iu" or (arr.size == 0 and arr.dtype.kind in "fO"):
        return arr.astype("int64").astype("datetime64[s]")
    raise InputError(
        f"times must be numpy datetime64, a zone-aware pandas datetime column, or integer "
        f"epoch seconds; got dtype {arr.dtype}",
        where=where,
    )


def _times(*pairs):
    """Time arrays as int64 counts of one common unit, and that unit's count per second.

    ``pairs`` are ``(t, n, side)``: the times, how many positions they go with,
    and the side's name for messages.
    """
    arrs = []
    for t, n, side in pairs:
        arr = _as_datetime64(t, side)
        if len(arr) != n:
            raise InputError(f"{len(arr)} times for {n} positions", where=f"side {side}" if side else None)
        arrs.append(arr)
    # The finest unit of all, and never coarser than seconds (epoch ints).
    unit = np.dtype("datetime64[s]")
    for arr in arrs:
        unit = np.promote_types(unit, arr.dtype)
    per_s = int(np.timedelta64(1, "s") // np.timedelta64(1, np.datetime_data(unit)[0]))
    return [arr.astype(unit).view("int64") for arr in arrs], per_s


def _search_params(distance_m, window_h, per_s, ta, tb):
    """Chord radius, integer window, time origin and time scale of the 4-D search."""
    # A hair above the chord so that identical positions written differently
    # (lon 180 vs -180, any lon at a pole) still meet when distance_m is 0.
    r = float(chord_for_m(distance_m)) + 1e-12
    # Round first so 0.3 h means 1080 s, not 1079.999... floored to 1079.
    win = math.floor(round(window_h * 3600.0 * per_s, 6))
    t0 = int(min(ta.min(), tb.min()))
    span = float(max(ta.max(), tb.max()) - t0)
    # The window maps to a little less than r, so float rounding of the scaled
    # times can never drop a true pair; the integer check follows.
    slack = max(win * 1e-6, span * 1e-9, 1.0)
    scale = r / (win + slack)
    return r, win, t0, scale


def _tree(v, t, t0, scale):
    pts = np.empty((len(v), 4))
    pts[:, :3] = v
    pts[:, 3] = (t - t0).astype(float) * scale
    # Sliding-midpoint trees build twice as fast as balanced ones and search
    # faster on clustered sightings; leafsize 32 measured best at 1M points.
    return cKDTree(pts, leafsize=32, balanced_tree=False, compact_nodes=False)


def _exact(ci, cj, side_a, side_b, r, win, distance_m):
    """Keep candidate pairs truly within the window and the geodesic distance."""
    lon_a, lat_a, ta, va = side_a
    lon_b, lat_b, tb, vb = side_b
    out = []
    for s in range(0, len(ci), _SLICE):
        i, j = ci[s : s + _SLICE], cj[s : s + _SLICE]
        dt = tb[j] - ta[i]
        keep = np.abs(dt) <= win
        i, j, dt = i[keep], j[keep], dt[keep]
        diff = va[i] - vb[j]
        keep = np.einsum("ij,ij->i", diff, diff) <= r * r
        i, j, dt = i[keep], j[keep], dt[keep]
        dist = _geodesic_m(lon_a[i], lat_a[i], lon_b[j], lat_b[j])
        keep = dist <= distance_m
        out.append((i[keep], j[keep], dist[keep], dt[keep]))
    return _concat(out)


def _concat(parts):
    if not parts:
        return (np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0), np.empty(0, np.int64))
    return tuple(np.concatenate(col) for col in zip(*parts))


def _empty():
    return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0), np.empty(0)
