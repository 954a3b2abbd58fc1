"""The AIS behaviour rules over a synthetic archive: one process vs a LocalCluster of 2 workers.

    python benchmarks/bench_behaviour.py                 # 50,000,000 positions, 5,000 vessels, 10 days
    python benchmarks/bench_behaviour.py --quick         # 1,000,000 positions, 1,000 vessels, 2 days

Writes the archive under a temporary folder (deleted at the end) with the
benchmarks' synthetic fleet (:mod:`aisdata`), then times, each in a fresh
process so that peak memory is its own:

1. a bare pyarrow read of the columns the rules read, every day (the baseline);
2. ``run_behaviour`` in one process (every rule, port calls, the store writes);
3. ``run_behaviour`` on a LocalCluster of 2 worker processes: the client's and
   each worker's peak memory;
4. the same on the first fifth of the days: per-worker peak memory must not
   grow with the archive, since each worker holds one partition at a time.

Prints seconds, positions/s and peak RSS (VmHWM) of each, the ratios to the
baseline and between the two ways of running.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_rss_mb():
    """This process's own peak resident memory in MB (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode, folder, days):
    """One measurement, in this (fresh) process; prints a JSON line."""
    from datetime import datetime, timedelta, timezone

    from shipsight.ais import open_archive
    from shipsight.store import open_store

    archive = open_archive(Path(folder) / "bench.ais")
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    until = start + timedelta(days=days) - timedelta(milliseconds=1)
    if mode == "baseline":
        import pyarrow.parquet as pq

        t = time.perf_counter()
        rows = 0
        for part in archive.parts(start, until):
            rows += pq.read_table(part, columns=["time", "mmsi", "lon", "lat", "sog"]).num_rows
        print(json.dumps({"seconds": time.perf_counter() - t, "positions": rows, "rss_mb": peak_rss_mb()}))
        return
    from shipsight.ais.behaviour.run import run_behaviour
    from shipsight.cluster import dask_client

    db = Path(folder) / f"{mode}-{days}.db"
    db.unlink(missing_ok=True)
    store = open_store(db)
    workers = 2 if mode == "cluster" else 1
    t = time.perf_counter()
    with dask_client(workers=workers) as client:
        result = run_behaviour(store, archive, analyst="bench", since=start, until=until, client=client)
        worker_mb = sorted(client.run(peak_rss_mb).values()) if client is not None else []
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "positions": result.positions, "rss_mb": peak_rss_mb(),
                      "worker_mb": worker_mb, "found": result.found, "port_calls": result.port_calls}))


def measure(mode, folder, days):
    out = subprocess.run([sys.executable, __file__, "--child", mode, folder, str(days)], capture_output=True, text=True,
                         check=False)
    if out.returncode:
        sys.exit(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=50_000_000)
    parser.add_argument("--vessels", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="1M positions, 1,000 vessels, 2 days")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, folder, days = args.child
        return child(mode, folder, int(days))
    if args.quick:
        args.positions, args.vessels, args.days = 1_000_000, 1_000, 2
    sys.path.insert(0, str(HERE))
    from aisdata import write_synthetic

    from shipsight.ais import open_archive

    folder = tempfile.mkdtemp(prefix="bench-behaviour-", dir="/tmp")
    try:
        t = time.perf_counter()
        info = write_synthetic(open_archive(Path(folder) / "bench.ais", create=True), positions=args.positions,
                               vessels=args.vessels, days=args.days)
        print(f"archive: {info.rows:,} positions of {args.vessels:,} vessels over {args.days} days "
              f"written in {time.perf_counter() - t:.0f} s")
        small = max(1, args.days // 5)
        base = measure("baseline", folder, args.days)
        one = measure("process", folder, args.days)
        two = measure("cluster", folder, args.days)
        part = measure("cluster", folder, small)
        n = one["positions"]
        print(f"baseline  pyarrow read of the rules' columns: {base['seconds']:7.1f} s, "
              f"{base['positions'] / base['seconds']:>12,.0f} positions/s, peak {base['rss_mb']:,.0f} MB")
        print(f"1 process  behaviour rules:                  {one['seconds']:7.1f} s, "
              f"{n / one['seconds']:>12,.0f} positions/s, peak {one['rss_mb']:,.0f} MB "
              f"({one['seconds'] / base['seconds']:.1f} x the read)")
        print(f"cluster    2 workers:                        {two['seconds']:7.1f} s, "
              f"{two['positions'] / two['seconds']:>12,.0f} positions/s, client peak {two['rss_mb']:,.0f} MB, "
              f"worker peaks {', '.join(f'{m:,.0f}' for m in two['worker_mb'])} MB "
              f"({one['seconds'] / two['seconds']:.2f} x one process)")
        print(f"cluster    2 workers, {small} of {args.days} days:          {part['seconds']:7.1f} s, "
              f"worker peaks {', '.join(f'{m:,.0f}' for m in part['worker_mb'])} MB: per-worker peak at "
              f"{args.days} days / at {small}: {max(two['worker_mb']) / max(part['worker_mb']):.2f}")
        print(f"flags: {one['found']}; same on the cluster: {one['found'] == two['found']}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
