"""The whole ``flag`` run (all four rules, matching, and the sync with the store).

Run:  python benchmarks/bench_flag.py [--quick] [--sizes 100000,300000,1000000]

For each size a SQLite store is built (not timed) from synthetic sightings
clustered around 300 ports (flagdata.make_sightings: awkward ports near ±180,
the Arctic and the pole included; 1 % of sightings of listed vessels, 10 % of
ports watch-listed), then ``run_flags`` runs in a fresh process: seconds and
peak RSS of that process. On a subsample the same run is compared with a
naive geopandas approach (Web Mercator buffers + sjoin for the joins, sjoin
for ports) in the same process, and the co-location flags are checked against
an exact pyproj.Geod brute force at the thresholds.
Targets: 1M sightings under 10 s and 2 GB, close to linear.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from flagdata import make_ports, make_sightings  # noqa: E402

N_PORTS = 300


def imo_for(k):
    """A valid IMO number for vessel ``k`` (check digit computed)."""
    six = np.char.zfill((100000 + np.asarray(k) % 900000).astype(str), 6)
    digits = six.view("U1").reshape(-1, 6).astype(int)
    check = (digits * np.arange(7, 1, -1)).sum(axis=1) % 10
    return np.char.add(six, check.astype(str))


def build(db, n, seed=0):
    """A store with ports, a list and ``n`` sightings; returns the sightings frame."""
    import geopandas as gpd

    from shipsight.geodesy import geodesic_circle
    from shipsight.lists import import_list
    from shipsight.model.sightings import validate_sightings
    from shipsight.store import open_store

    df = make_sightings(n, n_ports=N_PORTS, seed=seed)
    lon, lat = make_ports(N_PORTS, seed=seed)
    ports = gpd.GeoDataFrame(
        {"name": [f"port {i}" for i in range(N_PORTS)], "kind": "port",
         "watchlist": np.arange(N_PORTS) % 10 == 0, "reason": "benchmark"},
        geometry=[geodesic_circle(x, y, 2000) for x, y in zip(lon, lat)], crs=4326)
    imo = imo_for(df["vessel_id"].to_numpy())
    raw = pd.DataFrame({"time": df["time"], "lon": df["lon"], "lat": df["lat"],
                        "imo": np.where(df["listed"] | (df["vessel_id"] % 3 == 0), imo, None),
                        "name": "V" + df["vessel_id"].astype(str)})
    clean, problems = validate_sightings(raw, analyst="bench")
    assert not problems, problems[:3]
    listed_ids = np.unique(df.loc[df["listed"], "vessel_id"])
    list_csv = Path(db).with_suffix(".list.csv")
    pd.DataFrame({"name": "V" + pd.Series(listed_ids).astype(str), "imo": imo_for(listed_ids),
                  "program": "BENCH"}).to_csv(list_csv, index=False)
    with open_store(db) as store:
        store.add_ports(ports, analyst="bench")
        for start in range(0, n, 200_000):
            store.add_sightings(clean.iloc[start:start + 200_000], analyst="bench")
        import_list(store, list_csv, list_name="bench", analyst="bench")
    return df


def timed_flag_run(db):
    """In this (fresh) process: the flag run's seconds and the process's peak RSS."""
    from shipsight.rules.engine import run_flags
    from shipsight.store import open_store

    with open_store(db) as store:
        t = time.perf_counter()
        run = run_flags(store, analyst="bench")
        seconds = time.perf_counter() - t
    return {"seconds": seconds, "rss_mb": peak_rss_mb(), "found": run.found}


def peak_rss_mb():
    """This process's own peak resident memory (VmHWM; ru_maxrss can carry a parent's peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive(db):
    """The four rules done the obvious geopandas way, for the ratio (no store writes)."""
    import geopandas as gpd

    from bench_flag_join import naive_geopandas
    from shipsight.store import open_store

    with open_store(db) as store:
        s = store.flag_inputs()
        entries = store.list_entries()
        ports = store.ports()
    t = time.perf_counter()
    listed = s.merge(entries[["imo", "name"]].rename(columns={"name": "listed_name"}), on="imo")
    ta = s["time"].to_numpy("datetime64[us]")
    tb = listed["time"].to_numpy("datetime64[us]")
    naive_geopandas(s["lon"].to_numpy(), s["lat"].to_numpy(), ta, listed["lon"].to_numpy(),
                    listed["lat"].to_numpy(), tb, 500.0, 72.0)
    pts = gpd.GeoDataFrame(s, geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs=4326)
    gpd.sjoin(pts, ports[ports["watchlist"]], predicate="within")
    sea = pts[~pts.index.isin(gpd.sjoin(pts, ports, predicate="within").index)]
    ts = sea["time"].to_numpy("datetime64[us]")
    naive_geopandas(sea["lon"].to_numpy(), sea["lat"].to_numpy(), ts, sea["lon"].to_numpy(), sea["lat"].to_numpy(),
                    ts, 300.0, 1.0, self_join=True)
    return time.perf_counter() - t


def exact_check(db):
    """The stored co-location flags equal a brute-force pyproj.Geod check at 500 m / 72 h."""
    from bench_flag_join import exhaustive
    from shipsight.store import open_store

    with open_store(db) as store:
        s = store.flag_inputs()
        entries = store.list_entries()
        got = store.flags(rule="at-sanctioned-vessel-location")
    listed = s[s["imo"].isin(entries["imo"])]
    pairs = exhaustive(s["lon"].to_numpy(), s["lat"].to_numpy(), s["time"].to_numpy("datetime64[us]"),
                       listed["lon"].to_numpy(), listed["lat"].to_numpy(), listed["time"].to_numpy("datetime64[us]"),
                       500.0, 72.0)
    ids_a, ids_b = s["id"].to_numpy(), listed["id"].to_numpy()
    vessel = s.set_index("id")["name"]
    want = {(int(ids_a[i]), int(ids_b[j])) for i, j in pairs if vessel[ids_a[i]] != vessel[ids_b[j]]}
    have = set(zip(got["sighting_id"].astype(int), got["related_sighting_id"].astype(int)))
    return want == have, len(want)


def child(args):
    print(json.dumps(timed_flag_run(args.child)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k and 300k only, small subsample")
    parser.add_argument("--sizes", default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else (
        [100_000, 300_000] if args.quick else [100_000, 300_000, 1_000_000])
    sub = 20_000 if args.quick else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'sightings':>10} {'flag run s':>10} {'peak RSS MB':>12}  flags found")
        rows = []
        for n in sizes:
            db = os.path.join(tmp, f"s{n}.db")
            build(db, n)
            out = subprocess.run([sys.executable, __file__, "--child", db], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append((n, r["seconds"]))
            print(f"{n:>10,} {r['seconds']:>10.2f} {r['rss_mb']:>12,.0f}  {r['found']}")
        if len(rows) > 1:
            (n0, t0), (n1, t1) = rows[0], rows[-1]
            print(f"scaling {n0:,} -> {n1:,}: time x{t1 / t0:.1f} for sightings x{n1 / n0:.0f}")
        db = os.path.join(tmp, "sub.db")
        build(db, sub, seed=1)
        t = time.perf_counter()
        timed_flag_run(db)
        ours = time.perf_counter() - t
        theirs = naive(db)
        ok, n_pairs = exact_check(db)
        print(f"subsample {sub:,}: shipsight flag run {ours:.2f} s, naive geopandas {theirs:.2f} s "
              f"(naive / ours = {theirs / ours:.1f}); co-location flags equal exact pyproj.Geod check: {ok} "
              f"({n_pairs} pairs)")


if __name__ == "__main__":
    main()
