"""Reading a bulk import's columns: times, coordinates and the CSV itself, against pandas alone.

Run:  python benchmarks/bench_parse.py [--rows N]     (default 1,000,000)

Each figure is the time shipsight takes over the time of the plainest pandas
call that reads the same column without any of shipsight's checks, in the
same process:

- times: :func:`shipsight.model.times.parse_times` (zone detection, the
  PostgreSQL ``+09`` form, truncation count, reasons for bad values) against
  ``pd.to_datetime(format="ISO8601", utc=True)``; and zone-less times with
  ``--tz`` against ``tz_localize``;
- coordinates: :func:`shipsight.model.coords.parse_coordinates` on decimal
  degrees against ``pd.to_numeric``, and on DMS text (no pandas baseline: per
  1,000 values);
- CSV: :func:`shipsight.io.csvfile.read_csv_text` (delimiter sniffed, encoding
  checked) against ``pd.read_csv`` told the delimiter.

Target: every ratio under 3 (the column-wise work stays a small multiple of
pandas' C parsers; no Python call per row on regular data).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shipsight.io.csvfile import read_csv_text  # noqa: E402
from shipsight.model.coords import parse_coordinates  # noqa: E402
from shipsight.model.times import parse_times  # noqa: E402


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    n = ap.parse_args().rows
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2023-01-01", tz="UTC")
    instants = start + pd.to_timedelta(rng.integers(0, 2 * 365 * 86400, n), unit="s")
    iso = pd.Series(instants.strftime("%Y-%m-%dT%H:%M:%SZ"), dtype="str")
    pg = pd.Series((instants + pd.Timedelta(hours=9)).strftime("%Y-%m-%d %H:%M:%S+09"), dtype="str")
    naive = pd.Series(instants.strftime("%Y-%m-%d %H:%M:%S"), dtype="str")
    lon = pd.Series(np.round(rng.uniform(-180, 180, n), 6).astype(str), dtype="str")
    dms_n = min(n, 100_000)
    deg = rng.integers(0, 90, dms_n)
    dms = pd.Series([f"{d}°{m}'{s}\"N" for d, m, s in zip(deg, rng.integers(0, 60, dms_n), rng.integers(0, 60, dms_n))],
                    dtype="str")

    rows = []
    base = best(lambda: pd.to_datetime(iso, format="ISO8601", utc=True))
    ours = best(lambda: parse_times(iso))
    rows.append(("times ISO 8601 Z", base, ours))
    ours = best(lambda: parse_times(pg))
    rows.append(("times PostgreSQL +09", base, ours))
    base = best(lambda: pd.to_datetime(naive, format="ISO8601").dt.tz_localize("Asia/Seoul"))
    ours = best(lambda: parse_times(naive, tz="Asia/Seoul"))
    rows.append(("times zone-less + --tz", base, ours))
    base = best(lambda: pd.to_numeric(lon))
    ours = best(lambda: parse_coordinates(lon, "lon"))
    rows.append(("longitudes, decimal", base, ours))
    dms_s = best(lambda: parse_coordinates(dms, "lat"), repeat=1)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.csv"
        pd.DataFrame({"time": iso, "lon": lon, "lat": lon.str.slice(0, 6), "name": "ANGARA"}).to_csv(
            path, sep=";", index=False)
        base = best(lambda: pd.read_csv(path, sep=";", dtype=str, keep_default_na=False))
        ours = best(lambda: read_csv_text(path))
        rows.append(("CSV read (';', sniffed)", base, ours))

    print(f"{n:,} rows; time in seconds, best of 3")
    print(f"{'column':28s} {'pandas':>8s} {'shipsight':>10s} {'ratio':>6s}")
    for name, b, o in rows:
        print(f"{name:28s} {b:8.3f} {o:10.3f} {o / b:6.2f}")
    print(f"{'latitudes, DMS text':28s} {'-':>8s} {dms_s:10.3f}   ({dms_s / dms_n * 1e6:.2f} us per value, "
          f"{dms_n:,} values)")


if __name__ == "__main__":
    main()
