"""Correlation of a scene's sightings with AIS: which vessel each one is, and which are dark.

The method, step by step (every number is a :class:`CorrelationParams` field
and a ``shipsight ais correlate`` option):

1. **Place every vessel at the scene time** from its pings in the archive
   (:func:`place_vessels`): on the great circle between the last ping before
   and the first after when both lie within ``interpolate_minutes`` (60) of
   the scene; else by dead reckoning (speed and course over ground) from the
   nearer ping when it lies within ``reckon_minutes`` (30); a ping with no
   usable speed or course is *held* where it was. Any other vessel is
   unplaceable and takes no part.
2. **Shift for SAR** (:mod:`shipsight.ais.correlate_sar`): a moving ship
   appears displaced along the satellite track; the placed position is moved
   to where the image shows it when the scene's geometry is known.
3. **Gate**: a vessel is a candidate for a sighting within ``gate_m``
   (1,500 m) when its nearest ping is within ``gate_minutes`` (10) of the
   scene, the gate growing by ``gate_growth_m_per_min`` (500 m a minute)
   beyond, to at most ``gate_max_m`` (5 km). Skylight (Ai2) matches a
   detection to the AIS closest in time and space within 1,500 m and
   disregards pings further away (Skylight help, "AIS Correlation / Dark
   Vessels"); Global Fishing Watch lets a vessel's reach grow with the time
   to its nearest ping (Paolo et al., Nature 625, 2024, whose probability
   rasters spread with the minutes from the ping); xView3 counts a detection
   within 200 m of the truth as correct (its metric's ``distance_tolerance``).
4. **Cost**: the geodesic distance over the vessel's gate, plus
   ``length_weight * e`` where ``e`` is the relative disagreement of the
   detected and the AIS length (``|Ls - La| / max(Ls, La)``; unknown counts
   as ``length_unknown``). Added rather than multiplied, so that length tells
   apart neighbours a few metres apart as well as far ones. Length orders
   candidates; it never vetoes one: a sighting left unmatched costs more than
   any candidate in its gate.
5. **One-to-one assignment** with :func:`scipy.optimize.linear_sum_assignment`
   (as xView3's scorer and GFW assign), each sighting also offered "no
   vessel" at that cost.
6. **Status**: ``matched`` when assigned and no other assignment is nearly as
   good: exchanging the vessel for another candidate (and giving its own to
   the sighting that held that one) must cost at least ``ambiguity`` (0.1 of
   a gate, 150 m at the base gate) more, else both sightings are
   ``ambiguous`` and their candidates are listed. Close neighbours are common:
   on the real MarineCadastre day about 59% of vessels have another within
   100 m. A sighting with no candidate left is ``dark`` when other vessels'
   AIS covers the footprint within ``coverage_minutes`` (30) of the scene,
   and ``no-coverage`` otherwise: no AIS there and then is never called dark.
7. **AIS-only**: vessels placed inside the footprint with no sighting in
   their gate and longer than ``ais_only_min_px`` (3) pixels: a miss or a spoof.

Everything is whole-array work: the archive read is one pruned query
(:meth:`shipsight.ais.archive.Archive.positions`), candidates come from a
KD-tree of unit vectors, distances from :func:`shipsight.geodesy.distance_m`.
"""

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from shipsight.errors import InputError
from shipsight.geodesy import WGS84, chord_for_m, distance_m, lonlat_of, unit_vectors
from shipsight.model.vocab import AIS_CORRELATION, AIS_STATUSES

#: A sighting's correlation status.
STATUSES = AIS_STATUSES
#: How a vessel was placed at the scene time.
METHODS = ("interpolated", "reckoned", "held")
#: Fastest vessel the search box allows for between a ping and the scene (knots).
SEARCH_SPEED_KN = 30.0
_KNOT_MS = 1852.0 / 3600.0
_MS_PER_MIN = 60_000
#: Candidates listed in a sighting's evidence.
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class CorrelationParams:
    """The knobs of :func:`correlate`, with their published sources in the module's docstring.

    >>> CorrelationParams().gate_for([5.0, 10.0, 12.0, 30.0]).tolist()
    [1500.0, 1500.0, 2500.0, 5000.0]
    """

    interpolate_minutes: float = AIS_CORRELATION["interpolate_minutes"][0]
    reckon_minutes: float = AIS_CORRELATION["reckon_minutes"][0]
    gate_m: float = AIS_CORRELATION["gate_m"][0]
    gate_minutes: float = AIS_CORRELATION["gate_minutes"][0]
    gate_growth_m_per_min: float = AIS_CORRELATION["gate_growth_m_per_min"][0]
    gate_max_m: float = AIS_CORRELATION["gate_max_m"][0]
    length_weight: float = AIS_CORRELATION["length_weight"][0]
    length_unknown: float = AIS_CORRELATION["length_unknown"][0]
    ambiguity: float = AIS_CORRELATION["ambiguity"][0]
    coverage_minutes: float = AIS_CORRELATION["coverage_minutes"][0]
    ais_only_min_px: float = AIS_CORRELATION["ais_only_min_px"][0]
    azimuth_shift: bool = True

    def __post_init__(self):
        for name in ("interpolate_minutes", "reckon_minutes", "gate_m", "gate_max_m", "coverage_minutes"):
            if not getattr(self, name) > 0:
                raise InputError(f"--{name.replace('_', '-')} must be positive, not {getattr(self, name)}")
        for name in ("gate_minutes", "gate_growth_m_per_min", "length_weight", "ambiguity", "ais_only_min_px"):
            if not getattr(self, name) >= 0:
                raise InputError(f"--{name.replace('_', '-')} must not be negative, not {getattr(self, name)}")
        if not 0 <= self.length_unknown <= 1:
            raise InputError(f"--length-unknown must be between 0 and 1, not {self.length_unknown}")
        if self.gate_max_m < self.gate_m:
            raise InputError(f"--gate-max-m ({self.gate_max_m:g}) is less than --gate-m ({self.gate_m:g})")

    def gate_for(self, gap_minutes):
        """The gate (m) for vessels whose nearest ping is ``gap_minutes`` from the scene."""
        gap = np.asarray(gap_minutes, dtype=float)
        grown = self.gate_m + self.gate_growth_m_per_min * np.maximum(gap - self.gate_minutes, 0.0)
        return np.minimum(grown, self.gate_max_m)

    @property
    def unmatched_cost(self):
        """What leaving a sighting without a vessel costs: more than any candidate in its gate."""
        return (1.0 + self.length_weight) * 1.000001 + 1e-9

    @property
    def window_minutes(self):
        """How far from the scene time pings are read."""
        return max(self.interpolate_minutes, self.reckon_minutes, self.coverage_minutes)

    @property
    def search_pad_m(self):
        """How far outside the footprint a ping may lie and its vessel still be placed inside."""
        return SEARCH_SPEED_KN * _KNOT_MS * self.window_minutes * 60 + self.gate_max_m

    def as_record(self):
        return asdict(self)


@dataclass
class CorrelationResult:
    """What :func:`correlate` found for one scene.

    ``matches`` has one row per sighting: ``sighting_id``, ``status``,
    ``mmsi`` (nine-digit text of the assigned vessel, matched or ambiguous,
    else None), ``identity_id`` (its ``ais_identities`` row), ``name``,
    ``imo``, ``call_sign``, ``vessel_type``, ``length_m`` (the identity in
    force), ``distance_m``, ``gate_m``, ``cost`` and ``evidence`` (a dict:
    pings used, placed and apparent point, shift, gate, distance, candidates,
    coverage). ``ais_only`` lists vessels placed inside the footprint with no
    sighting in their gate (mmsi, identity, point, length, evidence).
    """

    matches: pd.DataFrame
    ais_only: pd.DataFrame
    coverage: int
    placed: int
    unplaceable: int
    unknown_length: int = 0
    geometry: dict | None = None
    counts: dict = field(default_factory=dict)


def place_vessels(mmsi, time_ms, lon, lat, sog, cog, *, at_ms, params=CorrelationParams()):
    """Every vessel's position at ``at_ms`` from its pings.

    Parameters
    ----------
    mmsi, time_ms, lon, lat, sog, cog : array_like, shape (n,)
        Pings sorted by (mmsi, time); time in UTC milliseconds, speed in
        knots and course in degrees (NaN when missing).
    at_ms : int
        The scene time, UTC milliseconds.
    params : CorrelationParams

    Returns
    -------
    DataFrame
        One row per placeable vessel: ``mmsi``, ``lon``, ``lat`` (degrees),
        ``method`` (:data:`METHODS`), ``gap_min`` (minutes from the scene to
        the nearest ping used), ``gate_m``, ``sog``, ``cog`` (velocity at the
        scene time), ``before``/``after`` (row numbers of the pings used, -1
        for none). ``attrs["unplaceable"]`` counts the others.

    Examples
    --------
    A vessel steaming north at 12 kn, pinged ten minutes either side of noon:

    >>> t = np.array([0, 20]) * 60_000
    >>> p = place_vessels([1, 1], t, [0.0, 0.0], [0.0, 0.0660], [12.0, 12.0], [0.0, 0.0], at_ms=10 * 60_000)
    >>> p["method"].iat[0], round(float(p["lat"].iat[0]), 4), float(p["gate_m"].iat[0])
    ('interpolated', 0.033, 1500.0)
    """
    mmsi = np.asarray(mmsi, dtype=np.int64)
    t = np.asarray(time_ms, dtype=np.int64)
    lon, lat, sog, cog = (np.asarray(a, dtype=float) for a in (lon, lat, sog, cog))
    n = len(mmsi)
    empty = pd.DataFrame({c: pd.Series([], dtype=d) for c, d in (
        ("mmsi", "int64"), ("lon", float), ("lat", float), ("method", object), ("gap_min", float),
        ("gate_m", float), ("sog", float), ("cog", float), ("before", "int64"), ("after", "int64"))})
    if n == 0:
        empty.attrs["unplaceable"] = 0
        return empty
    first = np.r_[True, mmsi[1:] != mmsi[:-1]]
    vid = np.cumsum(first) - 1
    nv = int(vid[-1]) + 1
    rows = np.arange(n)
    is_before = t <= at_ms
    before = np.full(nv, -1, dtype=np.int64)
    np.maximum.at(before, vid[is_before], rows[is_before])
    after = np.full(nv, n, dtype=np.int64)
    np.minimum.at(after, vid[~is_before], rows[~is_before])
    after[after == n] = -1
    gap_b = np.where(before >= 0, (at_ms - t[np.maximum(before, 0)]) / _MS_PER_MIN, np.inf)
    gap_a = np.where(after >= 0, (t[np.maximum(after, 0)] - at_ms) / _MS_PER_MIN, np.inf)

    interp = (gap_b <= params.interpolate_minutes) & (gap_a <= params.interpolate_minutes)
    use_after = gap_a < gap_b
    near = np.where(use_after, after, before)
    near_gap = np.minimum(gap_b, gap_a)
    reckon = ~interp & (near_gap <= params.reckon_minutes)
    keep = interp | reckon
    out_lon = np.full(nv, np.nan)
    out_lat = np.full(nv, np.nan)
    v_sog = np.where(near >= 0, sog[np.maximum(near, 0)], np.nan)
    v_cog = np.where(near >= 0, cog[np.maximum(near, 0)], np.nan)

    # Great-circle interpolation (slerp of unit vectors) between the pings either side.
    i = np.flatnonzero(interp)
    if len(i):
        b, a = before[i], after[i]
        u0, u1 = unit_vectors(lon[b], lat[b]), unit_vectors(lon[a], lat[a])
        span = gap_b[i] + gap_a[i]
        f = np.divide(gap_b[i], span, out=np.zeros(len(i)), where=span > 0)
        omega = np.arccos(np.clip(np.einsum("ij,ij->i", u0, u1), -1.0, 1.0))
        s = np.sin(omega)
        small = s < 1e-12
        w0 = np.where(small, 1.0 - f, np.sin((1.0 - f) * omega) / np.where(small, 1.0, s))
        w1 = np.where(small, f, np.sin(f * omega) / np.where(small, 1.0, s))
        out_lon[i], out_lat[i] = lonlat_of(w0[:, None] * u0 + w1[:, None] * u1)
        # Velocity where a ping has none: the segment's own.
        az, _, dist = WGS84.inv(lon[b], lat[b], lon[a], lat[a])
        seg_kn = np.divide(np.asarray(dist), span * 60 * _KNOT_MS, out=np.zeros(len(i)), where=span > 0)
        missing = ~np.isfinite(v_sog[i]) | ~np.isfinite(v_cog[i])
        v_sog[i] = np.where(missing, seg_kn, v_sog[i])
        v_cog[i] = np.where(missing, np.mod(np.asarray(az), 360.0), v_cog[i])

    # Dead reckoning from the nearer ping: forward from one before, backward from one after.
    r = np.flatnonzero(reckon)
    method = np.full(nv, "", dtype=object)
    method[i] = "interpolated"
    if len(r):
        p = near[r]
        moving = np.isfinite(sog[p]) & np.isfinite(cog[p])
        dt_s = np.abs(at_ms - t[p]) / 1000.0
        dist = np.where(moving, sog[p] * _KNOT_MS * dt_s, 0.0)
        az = np.where(use_after[r], cog[p] + 180.0, cog[p])
        rl, rt, _ = WGS84.fwd(lon[p], lat[p], np.nan_to_num(az), dist)
        out_lon[r], out_lat[r] = np.asarray(rl, dtype=float), np.asarray(rt, dtype=float)
        method[r] = np.where(moving, "reckoned", "held")
    gap = np.where(interp, np.minimum(gap_b, gap_a), near_gap)
    frame = pd.DataFrame({
        "mmsi": mmsi[first][keep], "lon": out_lon[keep], "lat": out_lat[keep], "method": method[keep],
        "gap_min": gap[keep], "gate_m": params.gate_for(gap[keep]), "sog": v_sog[keep], "cog": v_cog[keep],
        "before": np.where(interp | (reckon & ~use_after), before, -1)[keep],
        "after": np.where(interp | (reckon & use_after), after, -1)[keep]})
    frame.attrs["unplaceable"] = int(nv - keep.sum())
    return frame


def _identity_columns(identities, mmsi, at):
    """The identity in force at ``at`` for each MMSI: a frame of id, name, imo, call_sign, vessel_type, length_m."""
    from shipsight.ais.identities import identity_at

    cols = ["id", "name", "imo", "call_sign", "vessel_type", "length_m"]
    n = len(mmsi)
    if identities is None or len(identities) == 0 or n == 0:
        out = pd.DataFrame({c: pd.Series(np.full(n, None, dtype=object), dtype=object) for c in cols})
        out["length_m"] = np.full(n, np.nan)
        return out
    identities = identities.reset_index(drop=True)
    row = identity_at(identities, mmsi, pd.Series(pd.Timestamp(at)).repeat(n).reset_index(drop=True))
    out = {}
    for c in cols:
        # Missing as None, never NaN: these go into JSON evidence.
        values = identities[c].astype(object).where(identities[c].notna(), None).to_numpy(dtype=object)
        v = np.full(n, None, dtype=object)
        v[row >= 0] = values[row[row >= 0]]
        out[c] = v
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in out.items()})
    frame["length_m"] = pd.to_numeric(frame["length_m"], errors="coerce").astype(float)
    frame["id"] = frame["id"].map(lambda x: None if x is None or pd.isna(x) else int(x))
    return frame


def _pair_costs(s_len, v_len, dist, gate, params):
    """Cost of each candidate pair: distance over gate plus the weighted length disagreement."""
    known = np.isfinite(s_len) & np.isfinite(v_len) & (s_len > 0) & (v_len > 0)
    e = np.full(len(dist), params.length_unknown)
    e[known] = np.abs(s_len[known] - v_len[known]) / np.maximum(s_len[known], v_len[known])
    return dist / gate + params.length_weight * e, np.where(known, e, np.nan)


def assign(ns, nv, si, vi, cost, *, unmatched_cost):
    """One-to-one assignment of ``ns`` sightings to ``nv`` vessels over candidate pairs.

    Parameters
    ----------
    ns, nv : int
    si, vi, cost : ndarray, shape (k,)
        Candidate pairs (sighting row, vessel row) and their costs.
    unmatched_cost : float
        What leaving a sighting unmatched costs (more than any pair's cost, so
        every sighting with a free candidate gets one).

    Returns
    -------
    match_v : ndarray of int, shape (ns,)
        The vessel row of each sighting, -1 for none.

    Examples
    --------
    Two sightings both near vessel 0; only the first is near vessel 1:

    >>> assign(2, 2, np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.1, 0.5, 0.2]), unmatched_cost=2.0).tolist()
    [1, 0]
    """
    from scipy.optimize import linear_sum_assignment

    match_v = np.full(ns, -1, dtype=np.int64)
    if len(si) == 0:
        return match_v
    rows, ri = np.unique(si, return_inverse=True)
    cols, ci = np.unique(vi, return_inverse=True)
    nr, nc = len(rows), len(cols)
    # Each sighting may also take its own "no vessel" column; forbidden cells cost more than any real choice.
    forbidden = unmatched_cost * (nr + 1) * 4
    m = np.full((nr, nc + nr), forbidden)
    m[ri, ci] = cost
    m[np.arange(nr), nc + np.arange(nr)] = unmatched_cost
    r, c = linear_sum_assignment(m)
    real = c < nc
    match_v[rows[r[real]]] = cols[c[real]]
    return match_v


def _ambiguous(ns, nv, si, vi, cost, match_v, unmatched_cost, margin):
    """Sightings for which another assignment costs less than ``margin`` more.

    For every candidate pair not chosen, the alternative is: the sighting takes
    that vessel, and the sighting that held it (if any) takes the sighting's
    old vessel when that is its candidate, else goes without.
    """
    amb = np.zeros(ns, dtype=bool)
    if len(si) == 0:
        return amb
    match_s = np.full(nv, -1, dtype=np.int64)
    has = match_v >= 0
    match_s[match_v[has]] = np.flatnonzero(has)
    key = si * nv + vi
    order = np.argsort(key)
    skey, scost = key[order], cost[order]

    def lookup(s, v):
        k = s * nv + v
        pos = np.clip(np.searchsorted(skey, k), 0, len(skey) - 1)
        found = (s >= 0) & (v >= 0) & (skey[pos] == k)
        return np.where(found, scost[pos], np.nan)

    alt = match_v[si] != vi
    s, v, c = si[alt], vi[alt], cost[alt]
    vs, sv = match_v[s], match_s[v]
    old_s = np.where(vs >= 0, lookup(s, vs), unmatched_cost)
    swap = lookup(sv, vs)
    other_new = np.where(sv >= 0, np.where(np.isnan(swap), unmatched_cost, swap), 0.0)
    other_old = np.where(sv >= 0, lookup(sv, v), 0.0)
    delta = c + other_new - old_s - other_old
    hit = delta < margin
    amb[s[hit]] = True
    holders = sv[hit]
    amb[holders[holders >= 0]] = True
    return amb


def _ms(value):
    return int(pd.Timestamp(value).tz_convert("UTC").value // 1_000_000)


def _num(x, nd=1):
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _nums(values, nd=1):
    """:func:`_num` over an array, as a list (rounded in numpy; NaN and inf as None)."""
    a = np.asarray(values, dtype=float)
    return [x if f else None for x, f in zip(np.round(a, nd).tolist(), np.isfinite(a).tolist())]


def correlate(sightings, positions, *, at, footprint, gsd_m=None, identities=None, params=CorrelationParams(),
              geometry=None):
    """Correlate one scene's sightings with the AIS positions around its time.

    Parameters
    ----------
    sightings : DataFrame
        ``id``, ``lon``, ``lat`` (degrees) and ``length_m`` (NaN when unknown).
    positions : pyarrow.Table or DataFrame
        Pings around the scene (``mmsi``, ``time``, ``lon``, ``lat``, ``sog``,
        ``cog``), as :meth:`~shipsight.ais.archive.Archive.positions` returns
        them: sorted by (mmsi, time), within ``params.window_minutes`` of ``at``
        and ``params.search_pad_m`` of the footprint.
    at : datetime
        The scene time (aware).
    footprint : shapely geometry
        The scene's valid-data footprint (EPSG:4326).
    gsd_m : float, optional
        Pixel size; AIS-only vessels must be longer than ``ais_only_min_px`` of them.
    identities : DataFrame, optional
        ``ais_identities`` rows of the MMSIs (names, IMO, length).
    params : CorrelationParams
    geometry : SarGeometry, optional
        The SAR viewing geometry; None for optical scenes or when unknown.

    Returns
    -------
    CorrelationResult

    Examples
    --------
    >>> import shapely
    >>> from datetime import datetime, timezone
    >>> at = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    >>> t0 = int(at.timestamp() * 1000)
    >>> pings = pd.DataFrame({"mmsi": [273456780, 273456780, 273000001], "time": [t0 - 60_000, t0 + 60_000, t0],
    ...                       "lon": [130.30, 130.30, 130.40], "lat": [42.20, 42.21, 42.30],
    ...                       "sog": [10.0, 10.0, 0.0], "cog": [0.0, 0.0, 0.0]})
    >>> s = pd.DataFrame({"id": [1, 2], "lon": [130.301, 130.10], "lat": [42.205, 42.10], "length_m": [90.0, np.nan]})
    >>> r = correlate(s, pings, at=at, footprint=shapely.box(130, 42, 130.5, 42.5))
    >>> r.matches[["sighting_id", "status", "mmsi"]].values.tolist()
    [[1, 'matched', '273456780'], [2, 'dark', None]]
    >>> r.coverage, len(r.ais_only)
    (2, 0)
    """
    import pyarrow as pa
    import shapely
    from scipy.spatial import cKDTree

    from shipsight.model.identity import mmsi_text

    at_ms = _ms(at)
    if isinstance(positions, pa.Table):
        cols = {c: positions.column(c) for c in ("mmsi", "time", "lon", "lat", "sog", "cog")}
        t = cols["time"].cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        arr = {c: cols[c].to_numpy(zero_copy_only=False) for c in ("mmsi", "lon", "lat", "sog", "cog")}
    else:
        tt = positions["time"]
        t = (tt.to_numpy(dtype=np.int64) if np.issubdtype(tt.dtype, np.integer)
             else pd.to_datetime(tt, utc=True).astype("datetime64[ms, UTC]").astype("int64").to_numpy())
        arr = {c: positions[c].to_numpy() for c in ("mmsi", "lon", "lat", "sog", "cog")}
    mmsi = np.asarray(arr["mmsi"], dtype=np.int64)
    lon, lat = np.asarray(arr["lon"], dtype=float), np.asarray(arr["lat"], dtype=float)
    sog = np.asarray(pd.to_numeric(pd.Series(arr["sog"]), errors="coerce"), dtype=float)
    cog = np.asarray(pd.to_numeric(pd.Series(arr["cog"]), errors="coerce"), dtype=float)
    order = np.lexsort((t, mmsi))
    if len(order) and not (np.all(np.diff(order) == 1)):
        mmsi, t, lon, lat, sog, cog = (a[order] for a in (mmsi, t, lon, lat, sog, cog))

    # Coverage: vessels with a ping inside the footprint within +-coverage_minutes.
    near_t = np.abs(t - at_ms) <= params.coverage_minutes * _MS_PER_MIN
    inside = np.zeros(len(t), dtype=bool)
    if near_t.any():
        inside[near_t] = shapely.contains_xy(footprint, lon[near_t], lat[near_t]) | shapely.intersects_xy(
            footprint.boundary, lon[near_t], lat[near_t])
    coverage = int(len(np.unique(mmsi[inside])))

    placed = place_vessels(mmsi, t, lon, lat, sog, cog, at_ms=at_ms, params=params)
    nv = len(placed)
    v_lon, v_lat = placed["lon"].to_numpy(), placed["lat"].to_numpy()
    shift = np.zeros(nv)
    a_lon, a_lat = v_lon, v_lat
    use_shift = geometry is not None and params.azimuth_shift
    if use_shift and nv:
        from shipsight.ais.correlate_sar import azimuth_shift

        a_lon, a_lat, shift = azimuth_shift(v_lon, v_lat, placed["sog"].to_numpy(), placed["cog"].to_numpy(),
                                            geometry)
    ident = _identity_columns(identities, placed["mmsi"].to_numpy(), at)
    v_len = ident["length_m"].to_numpy(dtype=float)
    gate = placed["gate_m"].to_numpy()

    s_id = sightings["id"].to_numpy()
    ns = len(s_id)
    s_lon, s_lat = sightings["lon"].to_numpy(dtype=float), sightings["lat"].to_numpy(dtype=float)
    s_len = pd.to_numeric(sightings["length_m"], errors="coerce").to_numpy(dtype=float) if "length_m" in sightings \
        else np.full(ns, np.nan)

    # Candidate pairs: a KD-tree over unit vectors finds pairs within the largest gate; each is then
    # measured on the ellipsoid and kept within its own vessel's gate.
    si = vi = np.array([], dtype=np.int64)
    dist = np.array([], dtype=float)
    if ns and nv:
        tree_s = cKDTree(unit_vectors(s_lon, s_lat))
        tree_v = cKDTree(unit_vectors(a_lon, a_lat))
        pairs = tree_s.sparse_distance_matrix(tree_v, float(chord_for_m(gate.max())), output_type="ndarray")
        si, vi = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
        dist = distance_m(s_lon[si], s_lat[si], a_lon[vi], a_lat[vi])
        ok = dist <= gate[vi]
        si, vi, dist = si[ok], vi[ok], dist[ok]
    cost, len_e = _pair_costs(s_len[si], v_len[vi], dist, gate[vi], params)
    u = params.unmatched_cost
    match_v = assign(ns, nv, si, vi, cost, unmatched_cost=u)
    amb = _ambiguous(ns, nv, si, vi, cost, match_v, u, params.ambiguity)

    # Nearest ping of any vessel within the coverage window: how far from AIS a dark sighting lies.
    nearest = np.full(ns, np.nan)
    if ns and near_t.any():
        d_ch, j = cKDTree(unit_vectors(lon[near_t], lat[near_t])).query(unit_vectors(s_lon, s_lat), k=1)
        nearest = distance_m(s_lon, s_lat, lon[near_t][j], lat[near_t][j])

    assigned = match_v >= 0
    status = np.where(amb, "ambiguous", np.where(assigned, "matched",
                                                 np.where(coverage > 0, "dark", "no-coverage"))).astype(object)
    mm_text = mmsi_text(placed["mmsi"].to_numpy()) if nv else np.array([], dtype=object)
    mv = np.maximum(match_v, 0)
    pair_key = si * max(nv, 1) + vi
    chosen_key = np.arange(ns) * max(nv, 1) + match_v
    pair_pos = pd.Series(np.arange(len(si)), index=pair_key)
    chosen = np.where(assigned, pair_pos.reindex(chosen_key).fillna(-1).to_numpy(dtype=np.int64), -1)

    # Evidence is plain data per sighting: columns turned into Python lists once, then indexed.
    L = {"mmsi": list(mm_text), "name": ident["name"].tolist(), "imo": ident["imo"].tolist(),
         "identity_id": ident["id"].tolist(), "length_m": _nums(v_len),
         "method": placed["method"].tolist(), "gap_min": _nums(placed["gap_min"]),
         "gate_m": _nums(gate, 0), "sog": _nums(placed["sog"]),
         "cog": _nums(placed["cog"]), "lon": np.round(v_lon, 6).tolist(),
         "lat": np.round(v_lat, 6).tolist(), "a_lon": np.round(a_lon, 6).tolist(),
         "a_lat": np.round(a_lat, 6).tolist(), "shift": _nums(shift),
         "before": placed["before"].tolist(), "after": placed["after"].tolist()}

    def ping(k):
        return {"time": pd.Timestamp(int(t[k]), unit="ms", tz="UTC").isoformat().replace("+00:00", "Z"),
                "lon": round(float(lon[k]), 6), "lat": round(float(lat[k]), 6), "sog": _num(sog[k]),
                "cog": _num(cog[k])}

    def vessel_record(j):
        rec = {k: L[k][j] for k in ("mmsi", "name", "imo", "identity_id", "length_m", "method", "gap_min", "gate_m")}
        rec["point"] = [L["lon"][j], L["lat"][j]]
        rec["sog"], rec["cog"] = L["sog"][j], L["cog"][j]
        if use_shift:
            rec["apparent"] = [L["a_lon"][j], L["a_lat"][j]]
            rec["shift_m"] = L["shift"][j]
        rec["pings"] = [ping(k) for k in (L["before"][j], L["after"][j]) if k >= 0]
        return rec

    # Evidence, per sighting: its candidates by cost (at most MAX_CANDIDATES), who holds each.
    holder = np.full(nv, -1, dtype=np.int64)
    holder[match_v[assigned]] = np.flatnonzero(assigned)
    order = np.lexsort((vi, cost, si))
    first = np.searchsorted(si[order], np.arange(ns + 1))
    c_v, c_d, c_c = vi[order].tolist(), _nums(dist[order]), _nums(cost[order], 3)
    held = [None if h < 0 else int(s_id[h]) for h in holder[vi[order]]] if len(order) else []
    nearest_l = _nums(nearest)
    geometry_rec = geometry.as_record() if use_shift else None
    chosen_l, mv_l, assigned_l, status_l = chosen.tolist(), mv.tolist(), assigned.tolist(), status.tolist()
    evidence = []
    for k in range(ns):
        lo, hi = int(first[k]), int(first[k + 1])
        cands = [{"mmsi": L["mmsi"][c_v[x]], "name": L["name"][c_v[x]], "distance_m": c_d[x],
                  "gate_m": L["gate_m"][c_v[x]], "cost": c_c[x], "length_m": L["length_m"][c_v[x]],
                  "held_by": held[x]} for x in range(lo, min(hi, lo + MAX_CANDIDATES))]
        ev = {"status": status_l[k], "coverage": coverage, "nearest_ais_m": nearest_l[k], "candidates": cands,
              "candidates_in_gate": hi - lo}
        if assigned_l[k]:
            p = chosen_l[k]
            ev.update(vessel=vessel_record(mv_l[k]), distance_m=_num(dist[p]), cost=_num(cost[p], 3),
                      length_disagreement=_num(len_e[p], 3))
        if geometry_rec:
            ev["sar_geometry"] = geometry_rec
        evidence.append(ev)

    take = np.where(assigned, mv, -1)

    def pick(values, fill=None):
        out = np.full(ns, fill, dtype=object)
        out[assigned] = np.asarray(values, dtype=object)[take[assigned]]
        return pd.Series(out, dtype=object)  # object, so that missing stays None (pandas 3 would make str)

    matches = pd.DataFrame({
        "sighting_id": s_id, "status": status, "mmsi": pick(mm_text), "identity_id": pick(ident["id"]),
        "name": pick(ident["name"]), "imo": pick(ident["imo"]), "call_sign": pick(ident["call_sign"]),
        "vessel_type": pick(ident["vessel_type"]),
        "length_m": np.where(assigned, v_len[mv] if nv else np.nan, np.nan),
        "distance_m": np.where(assigned, dist[np.maximum(chosen, 0)] if len(dist) else np.nan, np.nan),
        "gate_m": np.where(assigned, gate[mv] if nv else np.nan, np.nan),
        "cost": np.where(assigned, cost[np.maximum(chosen, 0)] if len(cost) else np.nan, np.nan),
        "evidence": evidence})

    # AIS-only: placed inside the footprint (where the image would show them), no sighting in the gate.
    in_gate = np.zeros(nv, dtype=bool)
    in_gate[vi] = True
    inside_v = shapely.contains_xy(footprint, a_lon, a_lat) if nv else np.zeros(0, dtype=bool)
    lonely = inside_v & ~in_gate
    min_len = params.ais_only_min_px * (gsd_m or 0.0)
    long_enough = lonely & np.isfinite(v_len) & (v_len > min_len)
    unknown_len = int((lonely & ~np.isfinite(v_len)).sum())
    j = np.flatnonzero(long_enough)
    ais_only = pd.DataFrame({
        "mmsi": mm_text[j] if nv else np.array([], dtype=object), "name": ident["name"].to_numpy()[j],
        "imo": ident["imo"].to_numpy()[j], "vessel_type": ident["vessel_type"].to_numpy()[j],
        "length_m": v_len[j], "lon": a_lon[j], "lat": a_lat[j], "method": placed["method"].to_numpy()[j],
        "gap_min": placed["gap_min"].to_numpy()[j], "gate_m": gate[j],
        "evidence": [vessel_record(x) for x in j]})
    counts = {s: int((status == s).sum()) for s in STATUSES}
    counts["ais-only"] = len(ais_only)
    return CorrelationResult(matches=matches, ais_only=ais_only, coverage=coverage, placed=nv,
                             unplaceable=int(placed.attrs["unplaceable"]), unknown_length=unknown_len,
                             geometry=geometry_rec, counts=counts)
