"""The flag run on PostGIS (joins in SQL) against the in-process run on SQLite, same data, same run.

Run (needs a PostGIS server, e.g. ``source .ci/postgis.sh && start_postgis``):

    python benchmarks/bench_flag_postgis.py                 # 1,000,000 sightings
    python benchmarks/bench_flag_postgis.py --quick         # 100,000
    python benchmarks/bench_flag_postgis.py --sizes 300000 --pg postgresql://kim@db/postgres

For each size a SQLite store is built exactly as ``bench_flag.py`` builds it
(300 ports with 10 % watch-listed, a sanctions list, sightings clustered
around the ports with 1 % of listed vessels), then copied whole into a fresh
PostGIS database with ``shipsight.copy`` (the copy is timed too). Then
``run_flags`` runs on each store in a fresh process: seconds and peak RSS of
that process (the PostGIS server's own work is in the seconds, not the RSS).
The flags each run finds must be the same; the ratio PostGIS / SQLite is
printed. The server is the one of ``--pg`` or SHIPSIGHT_TEST_PG_URL; the
benchmark creates and drops its own database there.

A third line times PostGIS doing only the co-location join (500 m, 72 h)
of every sighting against the sightings of listed vessels, on the same
points (the listed ones found untimed first): issue 14's bar for the whole
SQLite flag run, which must be no slower (ratio <= 1).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from bench_flag import build, timed_flag_run  # noqa: E402


def database_url(server_url, name):
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def child(target):
    result = timed_flag_run(target)
    from shipsight.store import open_store

    with open_store(target) as store:
        flags = store.flags()
    # What was found, to compare the two back ends: rule, sighting, related sighting, distance.
    import pandas as pd

    result["flags"] = sorted(
        [r, int(s), None if pd.isna(rs) else int(rs), None if pd.isna(d) else float(d)]
        for r, s, rs, d in zip(flags["rule"], flags["sighting_id"], flags["related_sighting_id"], flags["distance_m"]))
    print(json.dumps(result))


def join_child(target):
    """PostGIS's 500 m / 72 h join alone, on the flag run's own inputs: seconds and pairs found."""
    from shipsight.rules.engine import _best_matches
    from shipsight.sanctions.screening import screening_entries
    from shipsight.store import open_store

    with open_store(target) as store:
        scope = store.flag_inputs()
        entries = screening_entries(store.list_entries(version="all"))
        listed = scope[scope["id"].isin(_best_matches(scope, entries, 90)["sighting_id"])]
        t = time.perf_counter()
        pairs = store.pairs_near(scope, listed, distance_m=500.0, window_h=72.0)
        seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "pairs": len(pairs)}))


def same_flags(a, b, *, tolerance_m=1e-3):
    """The same flags, their distances within a millimetre (pyproj and PostGIS's geography
    distances agree to far less, but rounding either at 0.005 m can fall either side)."""
    return len(a) == len(b) and all(
        x[:3] == y[:3] and (x[3] is None) == (y[3] is None) and (x[3] is None or abs(x[3] - y[3]) <= tolerance_m)
        for x, y in zip(a, b))


def timed_child(target, mode="--child"):
    out = subprocess.run([sys.executable, __file__, mode, target], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 sightings only")
    parser.add_argument("--sizes", default=None, help="comma-separated sizes (default 1000000)")
    parser.add_argument("--pg", default=os.environ.get("SHIPSIGHT_TEST_PG_URL"),
                        help="URL of a PostGIS server database the benchmark may CREATE DATABASE from")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--join-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    if args.join_child:
        return join_child(args.join_child)
    if not args.pg:
        raise SystemExit("name a PostGIS server with --pg or SHIPSIGHT_TEST_PG_URL "
                         "(e.g. source .ci/postgis.sh && start_postgis)")
    import psycopg

    from shipsight.copy import copy_stores

    sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else ([100_000] if args.quick else [1_000_000])
    print(f"{'sightings':>10} {'back end':>9} {'flag run s':>11} {'peak RSS MB':>12}  flags found")
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db = os.path.join(tmp, f"s{n}.db")
            t = time.perf_counter()
            build(db, n)
            built = time.perf_counter() - t
            name = f"shipsight_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            url = database_url(args.pg, name)
            try:
                t = time.perf_counter()
                copy_stores(db, url)
                copied = time.perf_counter() - t
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("VACUUM ANALYZE")
                sq = timed_child(db)
                pg = timed_child(url)
                join = timed_child(url, "--join-child")
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            for label, r in (("SQLite", sq), ("PostGIS", pg)):
                print(f"{n:>10,} {label:>9} {r['seconds']:>11.2f} {r['rss_mb']:>12,.0f}  {r['found']}")
            print(f"{n:>10,} {'PostGIS':>9} {join['seconds']:>11.2f} {'':>12}  the 500 m / 72 h join alone: "
                  f"{join['pairs']:,} pairs")
            same = same_flags(sq["flags"], pg["flags"])
            all_ok &= same
            print(f"{'':>10} PostGIS / SQLite = {pg['seconds'] / sq['seconds']:.2f}x; same flags: {same}; "
                  f"(SQLite store built in {built:.1f} s, copied to PostGIS in {copied:.1f} s)")
            print(f"{'':>10} SQLite flag run / PostGIS join alone = {sq['seconds'] / join['seconds']:.2f}x "
                  "(target <= 1)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
