"""The AIS archive: writer and queries on synthetic data (antimeridian, poles, days, pruning) and the real day."""

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely

from shipsight.ais.archive import (Partition, default_archive_path, hilbert_cell, open_archive, positions_table)
from shipsight.errors import InputError
from tests.conftest import shared

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from aisdata import scene_box, scene_time, write_synthetic  # noqa: E402

T0 = datetime(2024, 1, 5, 23, 30, tzinfo=timezone.utc)


def _table(rows):
    mmsi, minutes, lon, lat = zip(*rows)
    return positions_table(mmsi=list(mmsi), time=[T0 + timedelta(minutes=m) for m in minutes], lon=list(lon),
                           lat=list(lat), sog=[10.0] * len(rows), heading=[511.0] * len(rows))


@pytest.fixture
def archive(tmp_path):
    return open_archive(tmp_path / "log.ais", create=True)


def test_antimeridian_poles_and_midnight(archive):
    rows = [(273456780, 0, 179.99, 10.0), (273456780, 45, -179.99, 10.01), (412000111, 10, 0.0, 89.99),
            (412000111, 20, 0.0, -89.99), (999000001, 5, 179.0, 10.0), (538000001, 60, -179.5, 10.0)]
    with archive.writer("t1") as w:
        w.write(_table(rows))
    # 23:30 + 45 min is the next UTC day: two day partitions.
    assert archive.days() == [T0.date(), T0.date() + timedelta(days=1)]
    window = (T0 - timedelta(hours=1), T0 + timedelta(hours=2))
    across = archive.positions(*window, bbox=(179.5, 9, -179.6, 11))
    assert across.column("mmsi").to_pylist() == [273456780, 273456780]
    assert across.column("lon").to_pylist() == [179.99, -179.99]
    # A footprint split at +-180 into two polygons.
    footprint = shapely.MultiPolygon([shapely.box(179.5, 9, 180, 11), shapely.box(-180, 9, -179.4, 11)])
    inside = archive.positions(*window, within=footprint)
    assert sorted(inside.column("mmsi").to_pylist()) == [273456780, 273456780, 538000001]
    poles = archive.positions(*window, bbox=(-1, 89.9, 1, 90))
    assert poles.column("lat").to_pylist() == [89.99]
    assert archive.positions(*window, mmsi=[412000111], columns=["lat"]).column("lat").to_pylist() == [89.99, -89.99]
    # Only ships: 999000001 (an MMSI with no allocated MID) is kept apart.
    ships = archive.positions(*window, kinds=("ship",))
    assert 999000001 not in ships.column("mmsi").to_pylist() and ships.num_rows == 5
    # Times are inclusive; heading 511 written through positions_table stays as given (cleaning is the readers').
    assert archive.positions(T0, T0, columns=["mmsi"]).column("mmsi").to_pylist() == [273456780]
    with pytest.raises(InputError):
        archive.positions(*window, columns=["nope"])


def test_rewriting_a_tag_replaces_it_and_abort_leaves_nothing(archive):
    with archive.writer("same") as w:
        w.write(_table([(273456780, 0, 1.0, 1.0)]))
    with archive.writer("same") as w:
        w.write(_table([(273456780, 0, 1.0, 1.0), (273456780, 1, 1.0, 1.0)]))
    assert archive.summary()["positions"] == 2
    with pytest.raises(RuntimeError):
        with archive.writer("other", buffer_rows=1) as w:
            w.write(_table([(273456780, 5, 2.0, 2.0)]))
            assert len(w.summary.parts) == 1
            raise RuntimeError("boom")
    assert archive.tags() == ["same"]
    assert archive.summary()["positions"] == 2


def test_duplicates_dropped_and_parts_sorted(archive):
    rows = [(273456780, 3, 5.0, 5.0), (273456780, 3, 5.0, 5.0), (273456780, 1, 5.0, 5.0), (273456781, 1, 50.0, 5.0)]
    with archive.writer("dup") as w:
        w.write(_table(rows))
    assert w.summary.duplicates == 1 and w.summary.rows == 3
    t = archive.positions(T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert t.column("mmsi").to_pylist() == [273456780, 273456780, 273456781]
    assert t.column("time").to_pylist() == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=3),
                                            T0 + timedelta(minutes=1)]


def test_hilbert_neighbours():
    # Along the curve consecutive cells touch: the 16 cells of order 2 in curve order are all adjacent.
    n = 4
    x, y = np.meshgrid(np.arange(n), np.arange(n))
    lon = (x.ravel() + 0.5) / n * 360 - 180
    lat = (y.ravel() + 0.5) / n * 180 - 90
    d = hilbert_cell(lon, lat, order=2)
    assert sorted(d.tolist()) == list(range(16))
    order = np.argsort(d)
    steps = np.abs(np.diff(x.ravel()[order])) + np.abs(np.diff(y.ravel()[order]))
    assert (steps == 1).all()


def test_box_query_reads_only_the_row_groups_it_needs(tmp_path):
    archive = open_archive(tmp_path / "synth.ais", create=True)
    summary = write_synthetic(archive, positions=400_000, vessels=2_000, days=2, row_group_rows=1024)
    assert summary.rows == archive.summary()["positions"] > 390_000
    t = scene_time(day=1)
    window = (t - timedelta(minutes=60), t + timedelta(minutes=60))
    box = scene_box()
    got = archive.positions(*window, bbox=box, columns=["mmsi", "time", "lon", "lat"])
    scan = archive.last_scan
    # The same answer from reading everything (pyarrow, no pruning).
    every = pq.read_table(archive.path / "positions").to_pandas()
    tms = (every["time"].dt.tz_convert("UTC") - datetime(1970, 1, 1, tzinfo=timezone.utc)).dt.total_seconds() * 1000
    want = every[(tms >= window[0].timestamp() * 1000) & (tms <= window[1].timestamp() * 1000)
                 & every["lon"].between(box[0], box[2]) & every["lat"].between(box[1], box[3])]
    assert got.num_rows == len(want) > 0
    assert sorted(got.column("mmsi").to_pylist()) == sorted(want["mmsi"].tolist())
    # Two hours of one day in a 2.5 degree box: a small share of the day's row groups.
    assert scan.row_groups < scan.row_groups_considered / 20
    assert scan.rows_read < 0.02 * summary.rows


def test_partitions_by_day_and_vessel(tmp_path):
    archive = open_archive(tmp_path / "p.ais", create=True)
    write_synthetic(archive, positions=50_000, vessels=100, days=2)
    parts = archive.partitions(vessel_buckets=3)
    assert len(parts) == 6 and parts[0] == Partition(archive.days()[0], 0, 3)
    tables = [archive.read_partition(p, columns=["mmsi", "time"]) for p in parts]
    assert sum(t.num_rows for t in tables) == archive.summary()["positions"]
    for p, t in zip(parts, tables):
        mmsi = t.column("mmsi").to_numpy()
        assert ((mmsi % 3) == p.bucket).all()
        # Ordered by vessel then time.
        time = t.column("time").cast("int64").to_numpy()
        assert (np.lexsort((time, mmsi)) == np.arange(len(mmsi))).all()


def test_real_marinecadastre_day_through_the_archive(tmp_path):
    from collections import Counter

    import pandas as pd

    from shipsight.ais.csvfiles import read_csv_ais

    path = shared("ais/marinecadastre/AIS_2022_01_03_first99999.csv.gz")
    archive = open_archive(tmp_path / "mc.ais", create=True)
    counts = Counter()
    with archive.writer("mc", row_group_rows=2048) as w:
        for positions, _ in read_csv_ais(path, layout="marinecadastre", counts=counts):
            w.write(positions)
    raw = pd.read_csv(path, dtype={"MMSI": "int64"})
    # 3 rows of the file repeat another row exactly (MMSI, time, position).
    assert w.summary.rows == len(raw) - raw.duplicated(["MMSI", "BaseDateTime", "LAT", "LON"]).sum() == 99_996
    # The lower Mississippi by New Orleans, 00:05-00:15 UTC (the file's rows are mostly the day's first minutes).
    box, since, until = (-90.5, 29.5, -89.5, 30.5), datetime(2022, 1, 3, 0, 5, tzinfo=timezone.utc), \
        datetime(2022, 1, 3, 0, 15, tzinfo=timezone.utc)
    got = archive.positions(since, until, bbox=box)
    t = pd.to_datetime(raw["BaseDateTime"]).dt.tz_localize("UTC")
    want = raw[(t >= since) & (t <= until) & raw["LON"].between(box[0], box[2]) & raw["LAT"].between(box[1], box[3])]
    want = want.drop_duplicates(["MMSI", "BaseDateTime", "LAT", "LON"])
    assert got.num_rows == len(want) > 0
    assert sorted(set(got.column("mmsi").to_pylist())) == sorted(set(want["MMSI"]))
    # Heading 511, SOG 102.3 and COG 360 (not available) and impossible values read as missing.
    every = archive.positions(datetime(2022, 1, 3, tzinfo=timezone.utc), datetime(2022, 1, 4, tzinfo=timezone.utc))
    kept = raw.drop_duplicates(["MMSI", "BaseDateTime", "LAT", "LON"])
    assert (kept["Heading"] == 511).sum() == 52_247
    assert every.column("heading").null_count == (~kept["Heading"].between(0, 359)).sum()
    assert every.column("sog").null_count == (~kept["SOG"].between(0, 102.2)).sum() >= (kept["SOG"] == 102.3).sum()
    assert every.column("cog").null_count == (~kept["COG"].between(0, 359.99)).sum() >= 14_000


def test_archive_location():
    assert default_archive_path("work/team.db") == Path("work/team.ais")
    assert default_archive_path("postgresql://kim@db/x", "/srv/ais") == Path("/srv/ais")
    with pytest.raises(InputError, match="--ais"):
        default_archive_path("postgresql://kim@db/x")
    with pytest.raises(InputError, match="no AIS archive"):
        open_archive("/nonexistent/x.ais")
