"""Benchmark of the joins behind the flag rules.

    python benchmarks/bench_flag_join.py            # 100k, 300k, 1M; subsample 100k
    python benchmarks/bench_flag_join.py --quick    # 100k, 300k; subsample 30k (well under 30 s)
    python benchmarks/bench_flag_join.py --anchorage-m 300   # denser ports, harder

For each size, sightings clustered around 300 ports over a year (1 % of them
of listed vessels, see ``flagdata.make_sightings``), it times

* ``pairs_within(all, listed, distance_m=500, window_h=72)``
  (at-sanctioned-vessel-location), and
* ``self_pairs_within(all, distance_m=300, window_h=1)`` (ship-to-ship; here
  over every sighting, a harder case than the at-sea subset the rule uses),

with the peak RSS of the process during each call (``VmHWM``, reset before
the call; it includes the data and the libraries) and how much it rose over
the RSS before the call (an underestimate when the allocator reuses memory
freed earlier). Each size runs in a fresh process.

Baselines, measured in the same run on a subsample:

* ``naive geopandas``: ``to_crs(EPSG:3857)``, buffer each point by the
  distance times its Mercator scale factor ``1/cos(lat)``, ``sjoin``
  (intersects), then filter by time and by exact geodesic distance. Being
  planar it misses pairs across the antimeridian; the count is shown.
* ``3-D tree then time``: a space-only KD-tree on unit vectors
  (``sparse_distance_matrix``), then the time and exact filters: the
  prototype that PostGIS was compared with. It is run on the full sizes for
  the listed join only; for ship-to-ship its spatial candidates explode.

Correctness: on the subsample both joins are compared with an exhaustive
check: every pair inside the time window (found by sorting times) measured
with ``pyproj.Geod.inv``, nothing else pruned.
"""

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flagdata import make_sightings  # noqa: E402

from shipsight.geodesy import chord_for_m, unit_vectors  # noqa: E402
from shipsight.rules.joins import pairs_within, self_pairs_within  # noqa: E402

GEOD = Geod(ellps="WGS84")
LISTED = dict(distance_m=500.0, window_h=72.0)
STS = dict(distance_m=300.0, window_h=1.0)


# ------------------------------------------------------------------ measuring


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def measure(fn):
    """``(result, seconds, peak RSS MB, rise over the RSS before the call MB)``."""
    try:  # Linux: resets VmHWM to the current RSS
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    before = _status("VmRSS:")
    start = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - start
    peak = _status("VmHWM:")
    return out, secs, peak, peak - before


def arrays(df):
    t = df["time"].dt.tz_convert(None).to_numpy()
    return df["lon"].to_numpy(), df["lat"].to_numpy(), t


# ------------------------------------------------------------------ baselines


def _in_window_pairs(ta, tb, window_s):
    """Every (i, j) with |ta[i] - tb[j]| <= window, via sorted times."""
    order = np.argsort(tb, kind="stable")
    tbs = tb[order]
    lo = np.searchsorted(tbs, ta - window_s, side="left")
    hi = np.searchsorted(tbs, ta + window_s, side="right")
    counts = hi - lo
    ia = np.repeat(np.arange(len(ta)), counts)
    offsets = np.cumsum(counts) - counts
    ib = order[lo[ia] + (np.arange(counts.sum()) - offsets[ia])]
    return ia, ib


def exhaustive(lon_a, lat_a, ta, lon_b, lat_b, tb, distance_m, window_h, *, self_join=False):
    """Set of pairs: all pairs within the window, each measured with pyproj."""
    ta_s = ta.astype("datetime64[s]").astype(np.int64)
    tb_s = tb.astype("datetime64[s]").astype(np.int64)
    ia, ib = _in_window_pairs(ta_s, tb_s, int(window_h * 3600))
    if self_join:
        keep = ia < ib
        ia, ib = ia[keep], ib[keep]
    out = set()
    for s in range(0, len(ia), 2_000_000):
        i, j = ia[s : s + 2_000_000], ib[s : s + 2_000_000]
        _, _, d = GEOD.inv(lon_a[i], lat_a[i], lon_b[j], lat_b[j])
        keep = np.asarray(d) <= distance_m
        out.update(zip(i[keep].tolist(), j[keep].tolist()))
    return out


def naive_geopandas(lon_a, lat_a, ta, lon_b, lat_b, tb, distance_m, window_h, *, self_join=False):
    """Web Mercator + per-point buffers + sjoin, then time and geodesic filters."""
    ga = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon_a, lat_a), crs=4326).to_crs(3857)
    gb = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon_b, lat_b), crs=4326).to_crs(3857)
    # Mercator stretches lengths by 1/cos(lat); 1 % more for the ellipsoid.
    radius = distance_m * 1.01 / np.cos(np.radians(np.minimum(np.abs(lat_b), 89.999)))
    gb = gb.set_geometry(gb.buffer(radius, quad_segs=8))
    j = gpd.sjoin(ga, gb, predicate="intersects", how="inner")
    ia = j.index.to_numpy()
    ib = j["index_right"].to_numpy()
    if self_join:
        keep = ia < ib
        ia, ib = ia[keep], ib[keep]
    dt = np.abs(tb[ib] - ta[ia]) <= np.timedelta64(int(window_h * 3600), "s")
    ia, ib = ia[dt], ib[dt]
    _, _, d = GEOD.inv(lon_a[ia], lat_a[ia], lon_b[ib], lat_b[ib])
    keep = np.asarray(d) <= distance_m
    return ia[keep], ib[keep]


def kd3_then_time(lon_a, lat_a, ta, lon_b, lat_b, tb, distance_m, window_h):
    """Space-only KD-tree on unit vectors, then time, then the ellipsoid."""
    r = float(chord_for_m(distance_m))
    cand = cKDTree(unit_vectors(lon_b, lat_b)).sparse_distance_matrix(
        cKDTree(unit_vectors(lon_a, lat_a)), r, output_type="ndarray"
    )
    ib, ia = cand["i"], cand["j"]
    del cand
    keep = np.abs(tb[ib] - ta[ia]) <= np.timedelta64(int(window_h * 3600), "s")
    ia, ib = ia[keep], ib[keep]
    _, _, d = GEOD.inv(lon_a[ia], lat_a[ia], lon_b[ib], lat_b[ib])
    keep = np.asarray(d) <= distance_m
    return ia[keep], ib[keep]


# ------------------------------------------------------------------ the run


def run_size(n, seed, anchorage_m):
    df = make_sightings(n, n_listed=n // 100, n_ports=300, seed=seed, anchorage_m=anchorage_m)
    base = _status("VmRSS:")
    lon, lat, t = arrays(df)
    L = df["listed"].to_numpy()
    a = (lon, lat, t)
    b = (lon[L], lat[L], t[L])
    rows = []
    res, s, peak, rise = measure(lambda: pairs_within(*a, *b, **LISTED))
    rows.append(("pairs_within 500 m / 72 h", n, len(res[0]), s, peak, rise))
    res, s, peak, rise = measure(lambda: self_pairs_within(*a, **STS))
    rows.append(("self_pairs_within 300 m / 1 h", n, len(res[0]), s, peak, rise))
    k = rows[0][2]
    # The baseline last: what it frees stays in the allocator and would hide
    # the rise of anything measured after it.
    res3, s3, peak3, rise3 = measure(lambda: kd3_then_time(*a, *b, **LISTED))
    assert len(res3[0]) == k, "3-D baseline disagrees"
    rows.append(("  baseline: 3-D tree then time", n, len(res3[0]), s3, peak3, rise3))
    return rows, {"pw": rows[0][3], "kd3": rows[2][3], "base": base}


def run_subsample(n, seed, anchorage_m):
    df = make_sightings(n, n_listed=n // 100, n_ports=300, seed=seed, anchorage_m=anchorage_m)
    lon, lat, t = arrays(df)
    L = df["listed"].to_numpy()
    a = (lon, lat, t)
    b = (lon[L], lat[L], t[L])
    lines, ok = [], True
    cases = (
        ("pairs_within", lambda: pairs_within(*a, *b, **LISTED),
         lambda: naive_geopandas(*a, *b, **LISTED), lambda: exhaustive(*a, *b, **LISTED)),
        ("self_pairs", lambda: self_pairs_within(*a, **STS),
         lambda: naive_geopandas(*a, *a, **STS, self_join=True), lambda: exhaustive(*a, *a, **STS, self_join=True)),
    )
    for label, run_ours, run_naive, run_exhaustive in cases:
        ours, s_ours, _, _ = measure(run_ours)
        naive, s_naive, p_naive, _ = measure(run_naive)
        truth = run_exhaustive()
        got = set(zip(ours[0].tolist(), ours[1].tolist()))
        nv = set(zip(naive[0].tolist(), naive[1].tolist()))
        lines.append(
            f"{label:<16} n={n:>9,}  ours {s_ours:7.3f} s  naive geopandas {s_naive:7.3f} s "
            f"(peak {p_naive:,.0f} MB)  naive/ours = {s_naive / s_ours:6.1f}x"
        )
        lines.append(
            f"  exact check: {len(truth):,} pairs; ours {'EQUAL' if got == truth else 'DIFFERENT'}"
            f" ({len(got - truth)} extra, {len(truth - got)} missing); naive misses {len(truth - nv)}"
        )
        ok &= got == truth
    return lines, ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100k and 300k, 30k subsample")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--anchorage-m", type=float, default=1500.0,
        help="scale of the tight cluster at each port (smaller = denser, harder)",
    )
    args = p.parse_args(argv)
    sizes = [100_000, 300_000] if args.quick else [100_000, 300_000, 1_000_000]
    sub = 30_000 if args.quick else 100_000

    start = time.perf_counter()
    print(f"subsample of {sub:,} sightings ({sub // 100:,} listed), against baselines and an exact check")
    # Each part in a fresh process, so its peak RSS is its own.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        lines, ok = pool.apply(run_subsample, (sub, args.seed, args.anchorage_m))
    print("\n".join(lines))

    print(f"\n{'join':<34}{'sightings':>11}{'pairs':>10}{'seconds':>9}{'peak RSS MB':>13}{'rise MB':>9}")
    for n in sizes:
        with ctx.Pool(1) as pool:
            rows, t = pool.apply(run_size, (n, args.seed, args.anchorage_m))
        print(f"{'  (RSS with the data made)':<34}{n:>11,}{'':>10}{'':>9}{t['base']:>13,.0f}")
        for name, size, k, s, peak, rise in rows:
            print(f"{name:<34}{size:>11,}{k:>10,}{s:>9.3f}{peak:>13,.0f}{rise:>9,.0f}")
        print(f"{'  3-D tree / ours':<34}{'':>11}{'':>10}{t['kd3'] / t['pw']:>8.2f}x")
    print(f"\ntotal {time.perf_counter() - start:.1f} s; exact check {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
