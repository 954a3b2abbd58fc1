"""The spatial-temporal joins behind the flag rules, checked against brute force on the ellipsoid."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from shipsight.errors import InputError
from shipsight.rules import joins
from shipsight.rules.joins import pairs_within, self_pairs_within
from shipsight.rules.severity import severity, severity_label

GEOD = Geod(ellps="WGS84")  # the reference, used independently of shipsight.geodesy
T0 = np.datetime64("2024-03-01T00:00:00", "s")
HOUR = np.timedelta64(3600, "s")


def at(lon, lat, az, metres):
    """The point ``metres`` from (lon, lat) along azimuth ``az``, on the ellipsoid."""
    lo, la, _ = GEOD.fwd(lon, lat, az, metres)
    return float(lo), float(la)


def secs(hours):
    return T0 + np.timedelta64(int(round(hours * 3600)), "s")


def brute(lon_a, lat_a, t_a, lon_b, lat_b, t_b, distance_m, window_s):
    """Every (a, b) pair measured with pyproj, no index: the truth."""
    ia, ib = np.meshgrid(np.arange(len(lon_a)), np.arange(len(lon_b)), indexing="ij")
    ia, ib = ia.ravel(), ib.ravel()
    _, _, dist = GEOD.inv(lon_a[ia], lat_a[ia], lon_b[ib], lat_b[ib])
    dt = t_b[ib] - t_a[ia]
    keep = (np.asarray(dist) <= distance_m) & (np.abs(dt) <= window_s)
    return set(zip(ia[keep].tolist(), ib[keep].tolist()))


def clustered(rng, n, spread_m=1500.0, days=10):
    """Points scattered around awkward places: the antimeridian, the pole, 80°N, the south."""
    centres = np.array([[180.0, 0.0], [0.0, 89.998], [10.0, 80.0], [-60.0, -65.0], [120.0, 30.0]])
    c = centres[rng.integers(0, len(centres), n)]
    lon, lat, _ = GEOD.fwd(c[:, 0], c[:, 1], rng.uniform(-180, 180, n), rng.uniform(0, spread_m, n))
    lon = (np.asarray(lon) + 180.0) % 360.0 - 180.0
    t = rng.integers(0, days * 86400, n).astype(np.int64) + 1_700_000_000
    return lon, np.asarray(lat), t


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    "lon, lat",
    [(0.0, 0.0), (179.9999, 0.0), (-179.9999, -10.0), (30.0, 80.0), (45.0, 89.9999), (0.0, -89.999)],
)
@pytest.mark.parametrize("az", [0.0, 45.0, 90.0, 200.0])
def test_distance_threshold_499_in_501_out(lon, lat, az):
    near = at(lon, lat, az, 499.0)
    far = at(lon, lat, az, 501.0)
    t = np.array([T0, T0 + HOUR])
    ia, ib, d, h = pairs_within([lon], [lat], t[:1], [near[0], far[0]], [near[1], far[1]], t, distance_m=500, window_h=72)
    assert ib.tolist() == [0]
    assert d[0] == pytest.approx(499.0, abs=1e-6)
    assert h.tolist() == [0.0]


def test_time_threshold_71_9_in_72_1_out_and_72_exact_in():
    t_b = np.array([secs(71.9), secs(72.1), secs(-72.0), secs(-72.1)])
    ia, ib, d, h = pairs_within([10.0], [10.0], np.array([T0]), [10.0] * 4, [10.0] * 4, t_b, distance_m=500, window_h=72)
    assert ib.tolist() == [0, 2]
    assert h.tolist() == pytest.approx([71.9, -72.0])
    assert d.tolist() == [0.0, 0.0]


def test_one_microsecond_past_the_window_is_out_whatever_the_units():
    t_a = np.array(["2024-03-01T00:00:00"], dtype="datetime64[s]")
    t_b = np.array(["2024-03-04T00:00:00.000000", "2024-03-04T00:00:00.000001"], dtype="datetime64[us]")
    _, ib, _, _ = pairs_within([5.0], [5.0], t_a, [5.0, 5.0], [5.0, 5.0], t_b, distance_m=10, window_h=72)
    assert ib.tolist() == [0]


def test_fractional_window_is_not_floored_below_itself():
    # 0.3 h is 1079.9999... s in binary floating point; a pair exactly 18 min apart is in.
    t = np.array([T0, T0 + np.timedelta64(18 * 60, "s")])
    i, j, _, _ = self_pairs_within([1.0, 1.0], [1.0, 1.0], t, distance_m=1, window_h=0.3)
    assert (i.tolist(), j.tolist()) == ([0], [1])


def test_sts_thresholds_300m_and_1h():
    lon0, lat0 = 56.3, 26.5  # Strait of Hormuz
    pts = [(lon0, lat0), at(lon0, lat0, 10.0, 299.0), at(lon0, lat0, 10.0, 301.0), at(lon0, lat0, 190.0, 250.0)]
    lon, lat = np.array(pts).T
    t = np.array([T0, T0 + np.timedelta64(59, "m"), T0, T0 + np.timedelta64(61, "m")]).astype("datetime64[s]")
    i, j, d, h = self_pairs_within(lon, lat, t, distance_m=300, window_h=1)
    # 0-1: 299 m, 59 min: in.  0-2: 301 m: out.  0-3: 61 min: out.
    # 1-2: ~2 m apart, 59 min: in.  2-3: ~551 m: out.  1-3: 2 min but ~549 m: out.
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (1, 2)]
    assert d[0] == pytest.approx(299.0, abs=1e-6)
    assert h.tolist() == pytest.approx([59 / 60, -59 / 60])


# ---------------------------------------------------------------- awkward places


def test_antimeridian():
    t = np.array([T0])
    ia, ib, d, _ = pairs_within([179.999], [0.0], t, [-179.999], [0.0], t, distance_m=500, window_h=1)
    assert ia.tolist() == [0] and d[0] == pytest.approx(222.639, abs=1e-3)
    # Same point written as +180 and -180, with a zero distance threshold.
    _, ib, d, _ = pairs_within([180.0], [12.0], t, [-180.0], [12.0], t, distance_m=0, window_h=0)
    assert ib.tolist() == [0] and d[0] == pytest.approx(0.0, abs=1e-6)
    # Far off across the line is still out.
    _, ib, _, _ = pairs_within([179.99], [0.0], t, [-179.99], [0.0], t, distance_m=500, window_h=1)
    assert ib.size == 0


def test_high_latitude_degree_of_longitude_is_short():
    # At 80°N a degree of longitude is about 19.4 km: 0.02° is ~388 m, 0.03° ~582 m.
    t = np.array([T0])
    _, ib, d, _ = pairs_within([20.0], [80.0], t, [20.02, 20.03], [80.0, 80.0], np.repeat(t, 2), distance_m=500, window_h=1)
    assert ib.tolist() == [0]
    assert d[0] == pytest.approx(GEOD.inv(20.0, 80.0, 20.02, 80.0)[2])
    assert 380 < d[0] < 395


def test_pole():
    t = np.repeat(np.array([T0]), 4)
    # The pole itself at two longitudes, and two points 0.001° off it on opposite meridians.
    lon = np.array([0.0, 123.0, 0.0, 180.0])
    lat = np.array([90.0, 90.0, 89.999, 89.999])
    i, j, d, _ = self_pairs_within(lon, lat, t, distance_m=200, window_h=0)
    pairs = dict(zip(zip(i.tolist(), j.tolist()), d.tolist()))
    assert pairs[(0, 1)] == pytest.approx(0.0, abs=1e-6)
    assert pairs[(0, 2)] == pytest.approx(111.69, abs=0.05)
    # 2 and 3 are ~223 m apart across the pole: beyond 200 m.
    assert (2, 3) not in pairs
    assert set(pairs) == {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)}


def test_duplicates_pair_with_each_other_not_themselves():
    lon, lat = np.full(3, 129.7), np.full(3, 42.3)
    t = np.repeat(np.array([T0]), 3)
    i, j, d, h = self_pairs_within(lon, lat, t, distance_m=300, window_h=1)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2), (1, 2)]
    assert d.tolist() == [0.0, 0.0, 0.0] and h.tolist() == [0.0, 0.0, 0.0]
    ia, ib, _, _ = pairs_within(lon, lat, t, lon[:2], lat[:2], t[:2], distance_m=300, window_h=1)
    assert len(ia) == 6


@pytest.mark.parametrize("na, nb", [(0, 0), (0, 3), (3, 0)])
def test_empty_inputs(na, nb):
    ia, ib, d, h = pairs_within(
        np.zeros(na), np.zeros(na), np.repeat(T0, na), np.zeros(nb), np.zeros(nb), np.repeat(T0, nb),
        distance_m=500, window_h=72,
    )
    assert ia.shape == ib.shape == d.shape == h.shape == (0,)
    assert ia.dtype == np.intp and d.dtype == np.float64


@pytest.mark.parametrize("n", [0, 1])
def test_self_with_fewer_than_two(n):
    i, j, d, h = self_pairs_within([0.0] * n, [0.0] * n, [0] * n, distance_m=300, window_h=1)
    assert i.size == j.size == d.size == h.size == 0


# ---------------------------------------------------------------- times


def test_time_types_agree():
    rng = np.random.default_rng(3)
    lon, lat, t = clustered(rng, 120, days=4)
    expected = pairs_within(lon, lat, t, lon[:40], lat[:40], t[:40], distance_m=500, window_h=24)
    assert len(expected[0]) > 0
    dt64 = t.astype("datetime64[s]")
    tokyo = pd.Series(pd.to_datetime(t, unit="s", utc=True)).dt.tz_convert("Asia/Tokyo")
    variants = [
        (dt64, dt64[:40]),
        (dt64.astype("datetime64[ns]"), dt64[:40].astype("datetime64[ms]")),
        (tokyo, pd.DatetimeIndex(tokyo[:40])),
    ]
    for ta, tb in variants:
        got = pairs_within(lon, lat, ta, lon[:40], lat[:40], tb, distance_m=500, window_h=24)
        for e, g in zip(expected, got):
            np.testing.assert_array_equal(e, g)


@pytest.mark.parametrize(
    "bad",
    [
        np.array(["2024-01-01", "NaT"], dtype="datetime64[s]"),
        np.array([1.7e9, 1.7e9]),
        np.array(["2024-01-01T00:00", "2024-01-01T01:00"]),
        np.array([0]),
    ],
)
def test_bad_times_are_input_errors(bad):
    with pytest.raises(InputError, match="time"):
        self_pairs_within([0.0, 0.0], [0.0, 0.0], bad, distance_m=300, window_h=1)


@pytest.mark.parametrize(
    "lon, lat, kwargs, match",
    [
        ([0.0, np.nan], [0.0, 0.0], {}, "finite"),
        ([0.0, 0.0], [0.0, 91.0], {}, r"\[-90, 90\]"),
        ([0.0, 0.0], [0.0], {}, "latitudes"),
        ([0.0, 0.0], [0.0, 0.0], {"distance_m": -1}, "distance_m"),
        ([0.0, 0.0], [0.0, 0.0], {"window_h": float("inf")}, "window_h"),
        ([0.0, 0.0], [0.0, 0.0], {"window_h": "soon"}, "window_h"),
    ],
)
def test_bad_inputs_are_input_errors(lon, lat, kwargs, match):
    with pytest.raises(InputError, match=match):
        pairs_within(lon, lat, [0, 0], [0.0], [0.0], [0], **{"distance_m": 500, "window_h": 72, **kwargs})


def test_policy_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        pairs_within([0.0], [0.0], [0], [0.0], [0.0], [0], 500, 72)


# ---------------------------------------------------------------- against brute force


@pytest.fixture(params=[False, True], ids=["one-block", "many-blocks"])
def blocks(request, monkeypatch):
    """Run once as is and once with tiny blocks and slices, to exercise the chunked paths."""
    if request.param:
        monkeypatch.setattr(joins, "_BLOCK", 37)
        monkeypatch.setattr(joins, "_SLICE", 11)
    return request.param


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pairs_within_equals_brute_force(seed, blocks):
    rng = np.random.default_rng(seed)
    lon_a, lat_a, t_a = clustered(rng, 500)
    lon_b, lat_b, t_b = clustered(rng, 300)
    # Exact duplicates across the sides.
    lon_b[:5], lat_b[:5], t_b[:5] = lon_a[:5], lat_a[:5], t_a[:5]
    ia, ib, d, h = pairs_within(lon_a, lat_a, t_a, lon_b, lat_b, t_b, distance_m=500, window_h=72)
    truth = brute(lon_a, lat_a, t_a, lon_b, lat_b, t_b, 500, 72 * 3600)
    assert len(truth) > 100  # the test data do produce pairs
    assert set(zip(ia.tolist(), ib.tolist())) == truth
    assert len(ia) == len(truth)  # no pair twice
    assert (np.diff(ia) >= 0).all()
    np.testing.assert_allclose(d, GEOD.inv(lon_a[ia], lat_a[ia], lon_b[ib], lat_b[ib])[2], rtol=0, atol=1e-6)
    np.testing.assert_allclose(h, (t_b[ib] - t_a[ia]) / 3600.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_pairs_within_is_symmetric(seed):
    rng = np.random.default_rng(seed)
    lon_a, lat_a, t_a = clustered(rng, 300)
    lon_b, lat_b, t_b = clustered(rng, 100)
    ab = pairs_within(lon_a, lat_a, t_a, lon_b, lat_b, t_b, distance_m=800, window_h=48)
    ba = pairs_within(lon_b, lat_b, t_b, lon_a, lat_a, t_a, distance_m=800, window_h=48)
    key = np.lexsort((ba[0], ba[1]))
    np.testing.assert_array_equal(ab[0], ba[1][key])
    np.testing.assert_array_equal(ab[1], ba[0][key])
    np.testing.assert_allclose(ab[2], ba[2][key], atol=1e-6)
    np.testing.assert_array_equal(ab[3], -ba[3][key])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_self_pairs_within_equals_brute_force(seed, blocks):
    rng = np.random.default_rng(seed)
    lon, lat, t = clustered(rng, 600, spread_m=1000.0, days=2)
    lon[-4:], lat[-4:], t[-4:] = lon[:4], lat[:4], t[:4]  # duplicates
    i, j, d, h = self_pairs_within(lon, lat, t, distance_m=300, window_h=1)
    truth = {(a, b) for a, b in brute(lon, lat, t, lon, lat, t, 300, 3600) if a < b}
    assert len(truth) > 50
    assert list(zip(i.tolist(), j.tolist())) == sorted(truth)
    np.testing.assert_allclose(d, GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2], rtol=0, atol=1e-6)
    np.testing.assert_allclose(h, (t[j] - t[i]) / 3600.0)


@settings(max_examples=60, deadline=None)
@given(
    pts=st.lists(
        st.tuples(
            st.floats(-0.01, 0.01),  # degrees around the centre
            st.floats(-0.005, 0.005),
            st.integers(0, 6 * 3600),  # seconds
        ),
        min_size=0,
        max_size=25,
    ),
    centre=st.sampled_from([(180.0, 0.0), (0.0, 89.995), (-75.0, 80.0), (30.0, -40.0)]),
    distance=st.sampled_from([0.0, 150.0, 300.0, 700.0]),
    window=st.sampled_from([0.0, 0.5, 1.0, 3.0]),
)
def test_self_pairs_property(pts, centre, distance, window):
    arr = np.array(pts, dtype=float).reshape(-1, 3)
    lon = (centre[0] + arr[:, 0] + 180.0) % 360.0 - 180.0
    lat = np.clip(centre[1] + arr[:, 1], -90.0, 90.0)
    t = arr[:, 2].astype(np.int64)
    i, j, d, _ = self_pairs_within(lon, lat, t, distance_m=distance, window_h=window)
    truth = {(a, b) for a, b in brute(lon, lat, t, lon, lat, t, distance, window * 3600) if a < b}
    assert set(zip(i.tolist(), j.tolist())) == truth
    assert (d <= distance).all()


# ---------------------------------------------------------------- severity


def test_severity_range_and_monotone():
    d = np.linspace(0, 500, 51)
    h = np.linspace(0, 72, 37)
    s = severity(d[:, None], h[None, :], max_distance_m=500, max_hours=72)
    assert s.max() == 1.0 and s.min() == pytest.approx(0.25)
    assert (np.diff(s, axis=0) < 0).all() and (np.diff(s, axis=1) < 0).all()
    # Sign of the time difference does not matter.
    np.testing.assert_array_equal(s, severity(d[:, None], -h[None, :], max_distance_m=500, max_hours=72))


def test_severity_labels_and_limits():
    s = severity([0, 0, 500, 500], [0, 36, 0, 72], max_distance_m=500, max_hours=72)
    assert s.tolist() == [1.0, 0.75, 0.5, 0.25]
    assert severity_label(s).tolist() == ["high", "high", "medium", "low"]
    # A zero threshold (duplicates at distance 0) scores as on the spot, not NaN.
    assert severity([0.0], [0.0], max_distance_m=0, max_hours=0).tolist() == [1.0]
    with pytest.raises(InputError, match="max_hours"):
        severity([1.0], [1.0], max_distance_m=500, max_hours=-1)
