"""Bulk import of 100,000 sightings: rows per second, against a plain executemany.

Run:  python benchmarks/bench_import.py [--rows N]

The baseline reads the same CSV with the csv module and inserts its rows with
one ``executemany`` into a bare SQLite table, in one transaction. The import
does everything ``shipsight sightings import`` does: parse and validate every
field, attribute each sighting to its port (containing and nearest, geodesic
metres), insert into the indexed table and write one audit row per sighting.
Target: the import runs at at least half the raw insert rate.

A third figure is the floor under any import into this schema: the finished
rows and their audit rows copied from the imported store into an empty one
inside SQLite (INSERT ... SELECT from an attached file), with no Python at all.
"""

import argparse
import csv
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
from shipsight.sightings import import_sightings  # noqa: E402
from shipsight.store import open_store  # noqa: E402


def make_csv(path, n, seed=0):
    """Sightings scattered around the sample ports and at sea, 2023-2024."""
    rng = np.random.default_rng(seed)
    ports = read_ports(ROOT / "samples" / "ports.geojson")
    centres = np.array([(g.centroid.x, g.centroid.y) for g in ports.geometry])
    pick = rng.integers(0, len(centres), n)
    spread = np.where(rng.random(n) < 0.7, 0.01, 0.5)
    lon = centres[pick, 0] + rng.normal(0, 1, n) * spread
    lat = centres[pick, 1] + rng.normal(0, 1, n) * spread
    t0 = np.datetime64("2023-01-01T00:00:00")
    times = t0 + rng.integers(0, 2 * 365 * 86400, n).astype("timedelta64[s]")
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


def baseline(csv_path, db_path):
    t = time.perf_counter()
    with open(csv_path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"CREATE TABLE raw ({', '.join(header)})")
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(header))})", rows)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t


def ours(csv_path, db_path, ports):
    with open_store(db_path) as store:
        store.add_ports(ports.drop(columns=["repaired"]), analyst="bench")
        t = time.perf_counter()
        result = import_sightings(store, csv_path, analyst="bench")
        elapsed = time.perf_counter() - t
        assert len(result.ids) == n_rows(csv_path)
        attributed = store.conn.execute("SELECT COUNT(*) FROM sightings WHERE nearest_port_id IS NOT NULL").fetchone()[0]
        assert attributed == len(result.ids)
    return elapsed


def store_floor(imported_db, db_path):
    """SQLite's own work for the rows an import writes: copy them, with their audit rows, in C."""
    with open_store(db_path) as store:
        conn = store.conn
        conn.execute("ATTACH ? AS src", (str(imported_db),))
        conn.execute("INSERT INTO ports SELECT * FROM src.ports")
        conn.execute("INSERT INTO imports SELECT * FROM src.imports")
        t = time.perf_counter()
        with store.transaction():
            conn.execute("INSERT INTO sightings SELECT * FROM src.sightings")
            conn.execute("INSERT INTO audit SELECT * FROM src.audit WHERE entity = 'sighting'")
        return time.perf_counter() - t


def n_rows(path):
    with open(path) as f:
        return sum(1 for _ in f) - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ports = make_csv(tmp / "s.csv", args.rows)
        raw = min(baseline(tmp / "s.csv", tmp / f"raw{i}.db") for i in range(3))
        mine = min(ours(tmp / "s.csv", tmp / f"ours{i}.db", ports) for i in range(3))
        floor = min(store_floor(tmp / "ours0.db", tmp / f"floor{i}.db") for i in range(3))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows:                      {args.rows:,}")
    print(f"plain executemany:         {raw:.3f} s  {args.rows / raw:,.0f} rows/s")
    print(f"shipsight import:          {mine:.3f} s  {args.rows / mine:,.0f} rows/s "
          f"(validation, port attribution, indexes, audit)")
    print(f"import rate / raw rate:    {raw / mine:.2f}  (target >= 0.5)")
    print(f"store writes alone:        {floor:.3f} s  {args.rows / floor:,.0f} rows/s "
          f"(finished rows + audit rows, copied inside SQLite)")
    print(f"floor rate / raw rate:     {raw / floor:.2f}  (no import into this schema can beat it)")
    print(f"peak RSS:                  {rss:,.0f} MB")


if __name__ == "__main__":
    main()
