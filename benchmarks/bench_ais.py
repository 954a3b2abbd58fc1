"""AIS: import rate of the real MarineCadastre CSV, and a scene query over 100,000,000 positions.

Run:  python benchmarks/bench_ais.py [--positions N] [--vessels V] [--days D] [--keep]

1. Import: ``shipsight ais import`` of the MarineCadastre day in ../shared/data
   (99,999 rows) into a fresh SQLite store and archive: rows per second, and
   the ratio to a bare ``pyarrow.csv.read_csv`` of the same file in the same run
   (best of three each).
2. Query: a synthetic archive of ``--positions`` (default 100,000,000) reports
   of 20,000 vessels over 10 days is written under /tmp straight through the
   archive's writer an hour at a time (peak memory printed: it stays flat), then
   the positions of a scene-sized box (2.5 degrees, on a busy spot) within
   +-60 minutes of a scene time are read: seconds, compressed bytes of the
   column chunks read, bytes the process read from files (/proc/self/io), row
   groups read of those considered. Target: under 2 s, as the correlation of
   1,000 detections needs one such query per scene. The baseline is pyarrow's
   own dataset scan with the same filter over the same files, in the same run.
   Ten scenes of 100 detections (ten queries) are timed too. The archive is
   deleted at the end unless ``--keep``.
"""

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from aisdata import HOTSPOTS, scene_box, scene_time, write_synthetic  # noqa: E402

from shipsight.ais.archive import open_archive  # noqa: E402

MC_DAY = ROOT.parent / "shared" / "data" / "ais" / "marinecadastre" / "AIS_2022_01_03_first99999.csv.gz"
COLUMNS = ["mmsi", "time", "lon", "lat", "sog", "cog"]


def rchar():
    """Bytes this process has read through read() calls so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_import():
    import pyarrow.csv as pcsv

    from shipsight.ais.imports import import_ais
    from shipsight.store import open_store

    if not MC_DAY.exists():
        print(f"import: skipped, {MC_DAY} not present")
        return
    bare, table = best(lambda: pcsv.read_csv(MC_DAY))
    rows = table.num_rows

    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        # Fresh stores made beforehand: the figure is the import's, not the schema's creation.
        stores = [open_store(Path(d) / f"b{k}.db") for k in range(3)]
        archives = [open_archive(Path(d) / f"b{k}.ais", create=True) for k in range(3)]

        def one():
            store, archive = stores.pop(), archives.pop()
            return import_ais(store, archive, [MC_DAY], analyst="bench")

        ours, result = best(one)
        for store in stores:
            store.close()
    print(f"import of the MarineCadastre day ({rows:,} rows, {MC_DAY.stat().st_size / 1e6:.1f} MB gzip):")
    print(f"  pyarrow read_csv alone  {bare:6.3f} s  {rows / bare:12,.0f} rows/s")
    print(f"  shipsight ais import    {ours:6.3f} s  {rows / ours:12,.0f} rows/s   "
          f"({ours / bare:.1f}x the bare read; {result[0].positions:,} positions, "
          f"{result[0].identities_added:,} identities)")


def bench_query(positions, vessels, days, keep):
    import pyarrow as pa
    import pyarrow.dataset as ds

    root = Path(tempfile.mkdtemp(prefix="shipsight-ais-bench-", dir="/tmp"))
    try:
        archive = open_archive(root / "bench.ais", create=True)
        t = time.perf_counter()
        last = [0.0]

        def progress(done, total):
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                print(f"  ... hour {done}/{total}, peak RSS {peak_mb():,.0f} MB", flush=True)

        summary = write_synthetic(archive, positions=positions, vessels=vessels, days=days, progress=progress)
        took = time.perf_counter() - t
        info = archive.summary()
        print(f"synthetic archive: {info['positions']:,} positions of {vessels:,} vessels over {days} days, "
              f"{info['parts']} parts, {info['bytes'] / 1e9:.2f} GB, written in {took:.0f} s "
              f"({info['positions'] / took:,.0f} positions/s), peak RSS {peak_mb():,.0f} MB")
        assert summary.rows == info["positions"]

        scene = scene_time()
        box = scene_box()
        since, until = scene - timedelta(minutes=60), scene + timedelta(minutes=60)
        fresh = open_archive(archive.path)
        before = rchar()
        t = time.perf_counter()
        first = fresh.positions(since, until, bbox=box, columns=COLUMNS)
        cold = time.perf_counter() - t
        cold_bytes = rchar() - before
        warm, got = best(lambda: fresh.positions(since, until, bbox=box, columns=COLUMNS), repeat=5)
        scan = fresh.last_scan
        before = rchar()
        fresh.positions(since, until, bbox=box, columns=COLUMNS)
        warm_bytes = rchar() - before
        assert first.num_rows == got.num_rows

        # Baseline: pyarrow's dataset scan over the same day folders, same filter.
        files = [str(p) for p in fresh.parts(since, until)]
        dataset = ds.dataset(files, format="parquet")
        ts = pa.scalar(since, pa.timestamp("ms", tz="UTC")), pa.scalar(until, pa.timestamp("ms", tz="UTC"))
        expr = ((ds.field("time") >= ts[0]) & (ds.field("time") <= ts[1]) & (ds.field("lon") >= box[0])
                & (ds.field("lon") <= box[2]) & (ds.field("lat") >= box[1]) & (ds.field("lat") <= box[3]))
        before = rchar()
        base, base_table = best(lambda: dataset.to_table(columns=COLUMNS, filter=expr), repeat=3)
        base_bytes = (rchar() - before) / 3
        assert base_table.num_rows == got.num_rows, (base_table.num_rows, got.num_rows)

        print(f"scene query: {box} (2.5 deg box), {since:%Y-%m-%d %H:%M}..{until:%H:%M} UTC -> {got.num_rows:,} positions "
              f"of {len(set(got.column('mmsi').to_pylist())):,} vessels")
        print(f"  first query (footers not cached)  {cold:7.3f} s   {cold_bytes / 1e6:8.2f} MB read from files")
        print(f"  next queries                      {warm:7.3f} s   {warm_bytes / 1e6:8.2f} MB read from files; "
              f"{scan.bytes / 1e6:.2f} MB of column chunks, {scan.row_groups} of {scan.row_groups_considered} "
              f"row groups, {scan.rows_read:,} rows read of {info['positions']:,} "
              f"({info['bytes'] / max(scan.bytes, 1):,.0f}x less than the archive)")
        print(f"  pyarrow dataset, same filter      {base:7.3f} s   {base_bytes / 1e6:8.2f} MB read from files "
              f"(ours {base / warm:.1f}x faster)")
        target = "met" if cold < 2 else "NOT met"
        print(f"  target under 2 s for the scene of 1,000 detections: {target}")

        # Ten scenes of 100 detections each: one query a scene, at ten busy spots and times.
        def ten():
            n = 0
            for k in range(10):
                lon, lat = HOTSPOTS[k]
                when = scene_time(day=k % days) + timedelta(hours=k)
                n += fresh.positions(when - timedelta(minutes=60), when + timedelta(minutes=60),
                                     bbox=(lon - 1.25, lat - 1.25, lon + 1.25, lat + 1.25), columns=COLUMNS).num_rows
            return n

        tens, n = best(ten, repeat=3)
        print(f"  ten scenes (ten queries)          {tens:7.3f} s   {n:,} positions")
    finally:
        if keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=100_000_000)
    parser.add_argument("--vessels", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic archive")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    if not args.skip_import:
        bench_import()
    bench_query(args.positions, args.vessels, args.days, args.keep)


if __name__ == "__main__":
    main()
