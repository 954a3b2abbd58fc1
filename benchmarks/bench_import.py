"""Bulk import of sightings: rows per second against a plain executemany, time-sorted and shuffled.

Run:  python benchmarks/bench_import.py [--rows 100000,1000000] [--repeat 2]

For each size and each row order (sorted by time, or shuffled as a merged
feed arrives) the benchmark writes a CSV and imports it into a fresh store
with ``import_sightings``: everything ``shipsight sightings import`` does
(read and validate every field, check for rows already in the log, attribute
each sighting to its port, write the rows and the import's audit entry).

The baseline, in the same run: the very rows that import wrote (read back
from its store, in the file's order) inserted with one plain ``executemany``
into the same ``sightings`` table, with the same indexes, of another fresh
store, in one transaction. Targets (issue 14): the import at least 0.5x the
baseline's rate in both orders; its rate at 1,000,000 rows within 25 % of
its rate at 100,000.

The read stage (``read_sightings_file``: the CSV parse, owned by io/) is
timed on its own too, as part of the import.

Each figure is printed as wall-clock seconds and as this process's CPU
seconds (its threads included): on a machine shared with other work the wall
clock stretches with the load, the CPU time much less; the ratios are given
for both.
"""

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shipsight.io.ports import read_ports  # noqa: E402
from shipsight.io.sightings import read_sightings_file  # noqa: E402
from shipsight.sightings import import_sightings  # noqa: E402
from shipsight.store import open_store  # noqa: E402


def make_csv(path, n, seed=0, *, order="shuffled"):
    """Sightings scattered around the sample ports and at sea, 2023-2024, in time order or shuffled."""
    rng = np.random.default_rng(seed)
    ports = read_ports(ROOT / "samples" / "ports.geojson")
    centres = np.array([(g.centroid.x, g.centroid.y) for g in ports.geometry])
    pick = rng.integers(0, len(centres), n)
    spread = np.where(rng.random(n) < 0.7, 0.01, 0.5)
    lon = centres[pick, 0] + rng.normal(0, 1, n) * spread
    lat = centres[pick, 1] + rng.normal(0, 1, n) * spread
    t0 = np.datetime64("2023-01-01T00:00:00")
    times = t0 + rng.integers(0, 2 * 365 * 86400, n).astype("timedelta64[s]")
    if order == "sorted":
        times = np.sort(times)
    imo_pool = np.array(["9179842", "9161003", "9358010", "9743033", "8604917", ""])
    df = pd.DataFrame({
        "time": np.char.add(np.datetime_as_string(times, unit="s"), "Z"),
        "lon": lon.round(6), "lat": lat.round(6),
        "name": np.where(rng.random(n) < 0.5, "VESSEL " + pd.Series(rng.integers(0, 5000, n)).astype(str), ""),
        "imo": imo_pool[rng.integers(0, len(imo_pool), n)],
        "vessel_type": "cargo", "length_m": rng.integers(30, 300, n),
        "confidence": np.array(["confirmed", "probable", "possible"])[rng.integers(0, 3, n)],
        "source": "Sentinel-2", "analyst": "bench", "note": "generated",
    })
    df.to_csv(path, index=False)
    return ports


def fresh_store(path, ports):
    store = open_store(path)
    store.add_ports(ports.drop(columns=["repaired"]), analyst="bench")
    return store


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.t, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.t, time.process_time() - self.c


def best(runs):
    """The fastest of several (wall, cpu) pairs, each figure on its own."""
    return min(r[0] for r in runs), min(r[1] for r in runs)


def ours(csv_path, db_path, ports):
    with fresh_store(db_path, ports) as store:
        with Clock() as clock:
            result = import_sightings(store, csv_path, analyst="bench")
        assert len(result.ids) == n_rows(csv_path) and getattr(result, "duplicates", 0) == 0
        attributed = store.conn.execute("SELECT COUNT(*) FROM sightings WHERE nearest_port_id IS NOT NULL").fetchone()[0]
        assert attributed == len(result.ids)
    return clock.wall, clock.cpu


def baseline(imported_db, db_path, ports):
    """The rows the import wrote, in its order, by one executemany into the same indexed table."""
    src = sqlite3.connect(imported_db)
    columns = [r[1] for r in src.execute("PRAGMA table_info(sightings)")]
    imports = src.execute("SELECT * FROM imports").fetchall()
    rows = src.execute("SELECT * FROM sightings ORDER BY id").fetchall()
    src.close()
    with fresh_store(db_path, ports) as store:
        conn = store.conn
        conn.executemany(f"INSERT INTO imports VALUES ({', '.join('?' * len(imports[0]))})", imports)
        with Clock() as clock:
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO sightings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             rows)
            conn.execute("COMMIT")
        return clock.wall, clock.cpu


def read_stage(csv_path):
    with Clock() as clock:
        read_sightings_file(csv_path)
    return clock.wall, clock.cpu


def n_rows(path):
    with open(path) as f:
        return sum(1 for _ in f) - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure below 1M rows (best kept)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    rate = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Warm-up: the first import of a process loads scipy, GDAL drivers and so on.
        ports = make_csv(tmp / "warm.csv", 2000)
        ours(tmp / "warm.csv", tmp / "warm.db", ports)
        print(f"{'rows':>10} {'order':>9} {'executemany':>16} {'import':>16} {'rows/s':>9} {'ratio':>13} "
              f"{'read':>14}")
        print(f"{'':>10} {'':>9} {'wall / cpu s':>16} {'wall / cpu s':>16} {'(wall)':>9} {'wall / cpu':>13} "
              f"{'wall / cpu s':>14}")
        for n in sizes:
            repeat = args.repeat if n < 1_000_000 else 1
            for order in ("sorted", "shuffled"):
                csv_path = tmp / f"s{n}{order}.csv"
                make_csv(csv_path, n, order=order)
                mine = best([ours(csv_path, tmp / f"ours{n}{order}{i}.db", ports) for i in range(repeat)])
                raw = best([baseline(tmp / f"ours{n}{order}0.db", tmp / f"raw{n}{order}{i}.db", ports)
                            for i in range(repeat)])
                read = best([read_stage(csv_path) for _ in range(repeat)])
                rate[n, order] = (n / mine[0], n / mine[1])
                print(f"{n:>10,} {order:>9} {raw[0]:>7.2f} / {raw[1]:>6.2f} {mine[0]:>7.2f} / {mine[1]:>6.2f} "
                      f"{n / mine[0]:>9,.0f} {raw[0] / mine[0]:>5.2f} / {raw[1] / mine[1]:>5.2f} "
                      f"{read[0]:>6.2f} / {read[1]:>5.2f}", flush=True)
                for path in tmp.glob(f"*{n}{order}*"):
                    path.unlink()
    print("ratio: import rows/s / executemany rows/s of the same rows, same table and indexes (target >= 0.5)")
    print("read: the read stage alone (read_sightings_file), part of the import's time")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for order in ("sorted", "shuffled"):
            wall, cpu = (rate[large, order][k] / rate[small, order][k] for k in (0, 1))
            print(f"rows/s at {large:,} / rows/s at {small:,}, {order}: {wall:.2f} wall, {cpu:.2f} cpu "
                  "(target >= 0.75)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
