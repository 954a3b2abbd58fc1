"""A bulk import is audited once, and re-importing rows already in the log adds nothing (issue 11, 14)."""

import json
import sqlite3

import pytest

from conftest import is_postgis, write_csv
from shipsight.store import open_store
from shipsight.store.sqlite_schema import MIGRATIONS

ROWS = [
    "2023-08-19T02:00:00Z,130.2985,42.2452,ANGARA,9179842,,Maxar",
    "2023-08-20T02:00:00Z,130.3001,42.2460,,,273456780,Maxar",
    "2023-08-21T02:00:00Z,-179.9990,51.0000,SASCO ANGARA,,,Sentinel-2",
]
HEADER = "time,lon,lat,name,imo,mmsi,source"


def test_one_audit_entry_per_import_and_history_of_a_sighting(run, tmp_path):
    run("log", "--lon", 130.3, "--lat", 42.24, "--time", "2023-08-18T00:00:00Z", "--analyst", "a.kim")
    feed = write_csv(tmp_path / "feed.csv", HEADER, ROWS)
    run("sightings", "import", feed, "--analyst", "b.lee")
    entries = run.json("history")
    assert [(e["action"], e["entity"], e["entity_id"]) for e in entries] == [
        ("insert", "sighting", "1"), ("import", "import", "1")]
    new = entries[1]["new"]
    assert new["source"] == str(feed) and new["rows"] == 3 and (new["first_id"], new["last_id"]) == (2, 4)
    assert len(new["sha256"]) == 64 and entries[1]["analyst"] == "b.lee"

    run("sightings", "edit", 3, "--name", "ANGARA", "--reason", "hull marking read", "--analyst", "c.park")
    history = run.json("history", 3)
    assert [h["action"] for h in history] == ["import", "edit"]
    assert history[1]["old"] == {"name": None} and history[1]["new"] == {"name": "ANGARA"}
    # The import entry is that sighting's, not every sighting's.
    assert [h["action"] for h in run.json("history", 1)] == ["insert"]
    assert [h["new"]["last_id"] for h in run.json("history", "import:1")] == [4]


def test_reimport_and_own_csv_export_add_nothing(run, tmp_path):
    feed = write_csv(tmp_path / "feed.csv", HEADER, ROWS)
    first = json.loads(run("sightings", "import", feed, "--json").stdout)
    assert first["imported"] == 3 and first["duplicates"] == 0

    again = run("sightings", "import", feed)
    assert "imported 0 sightings" in again.stdout and "3 rows already in the log" in again.stderr

    out = tmp_path / "export.csv"
    run("export", "--layer", "sightings", "--format", "csv", out)
    res = json.loads(run("sightings", "import", out, "--json").stdout)
    assert (res["imported"], res["duplicates"], res["first_id"]) == (0, 3, None)
    assert len(run.json("sightings", "list")) == 3
    # A retracted sighting is still in the log: importing it again does not bring it back.
    run("sightings", "retract", 1, "--reason", "cloud shadow")
    assert json.loads(run("sightings", "import", feed, "--json").stdout)["duplicates"] == 3

    # A file with some new rows: only those are written, and the import entry says how many were skipped.
    more = write_csv(tmp_path / "more.csv", HEADER, ROWS + ["2023-08-21T02:00:00Z,130.2985,42.2452,ANGARA,9179842,,Maxar",
                                                          "2023-08-19T02:00:00Z,130.2985,42.2452,ANGARA,9179842,,Planet"])
    res = json.loads(run("sightings", "import", more, "--json").stdout)
    assert (res["imported"], res["duplicates"], res["first_id"], res["last_id"]) == (2, 3, 4, 5)
    assert run.json("history")[-1]["new"]["duplicates_skipped"] == 3

    kept = json.loads(run("sightings", "import", feed, "--allow-duplicates", "--json").stdout)
    assert (kept["imported"], kept["duplicates"]) == (3, 0)
    assert len(run.json("sightings", "list", "--retracted")) == 8


def test_upgrade_fills_in_the_id_ranges_of_older_imports(tmp_path):
    """A version 2 store (one audit row per imported sighting) upgrades: its imports get their id ranges."""
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0] + MIGRATIONS[1]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (2)")
    conn.execute("INSERT INTO imports (id, kind, source, sha256, rows, analyst, at) VALUES"
                 " (1, 'sightings', 'a.csv', 'x', 2, 'kim', '2024-01-01T00:00:00.000000Z')")
    for i, import_id in ((1, 1), (2, 1), (3, None)):
        conn.execute("INSERT INTO sightings (id, time, lon, lat, geom, confidence, analyst, import_id, created_at)"
                     " VALUES (?, '2024-01-01T00:00:00.000000Z', 0, 0, x'00', 'possible', 'kim', ?, '')",
                     (i, import_id))
    conn.commit()
    conn.close()
    with open_store(path) as store:
        rows = store.dump_table("imports")
    assert rows[["first_id", "last_id", "duplicates"]].values.tolist() == [[1, 2, 0]]


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_large_import_rebuilds_indexes_and_queries_still_use_them(tmp_path, order):
    """An import at least as large as the log builds the sightings' indexes after the rows: same indexes, same answers."""
    import numpy as np

    rng = np.random.default_rng(3)
    n = 2000
    minutes = np.sort(rng.integers(0, 500_000, n)) if order == "sorted" else rng.integers(0, 500_000, n)
    rows = [f"{(np.datetime64('2024-01-01T00:00') + np.timedelta64(int(m), 'm'))}:00Z,{lon:.5f},{lat:.5f},V{k},,"
            f"{'' if k % 3 else 273000000 + k},feed" for k, (m, lon, lat) in
            enumerate(zip(minutes, rng.uniform(-180, 180, n), rng.uniform(-80, 80, n)))]
    feed = write_csv(tmp_path / "feed.csv", HEADER, rows)
    from shipsight.sightings import import_sightings
    from shipsight.store import SightingQuery

    with open_store(tmp_path / "log.db") as store:
        before = store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sightings'"
                                    " ORDER BY name").fetchall()
        seen = []
        import_sightings(store, feed, progress=lambda done, total: seen.append((done, total)))
        after = store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sightings'"
                                   " ORDER BY name").fetchall()
        assert after == before and seen[-1] == (n, n)
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        box = store.sightings(SightingQuery(bbox=(-10, -10, 10, 10)))
        inside = [r for r in rows if -10 <= float(r.split(",")[1]) <= 10 and -10 <= float(r.split(",")[2]) <= 10]
        assert len(box) == len(inside)
        plan = " ".join(str(r) for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM sightings WHERE time BETWEEN '2024-02' AND '2024-03'").fetchall())
        assert "sightings_time" in plan


def test_duplicates_checked_on_postgis_as_on_sqlite(db, tmp_path):
    feed = write_csv(tmp_path / "feed.csv", HEADER, ROWS)
    from shipsight.sightings import import_sightings

    with open_store(db) as store:
        assert len(import_sightings(store, feed).ids) == 3
        again = import_sightings(store, feed)
        assert (again.ids, again.duplicates) == ([], 3)
        kind = "postgis" if is_postgis(db) else "sqlite"
        assert store.kind == kind


def test_every_import_error_names_its_file(run, tmp_path):
    # Errors found deep inside an import (not by the reader) named no file (issue 11 user test); an option's error
    # names the option.
    from shipsight.errors import InputError, names_the_file

    @names_the_file
    def reader(store, path, *, where=None):
        raise InputError("deep reason", where=where)

    with pytest.raises(InputError, match=r"^in\.csv, row 3: deep reason$"):
        reader(None, "in.csv", where="row 3")
    with pytest.raises(InputError, match=r"^--tz: deep reason$"):
        reader(None, "in.csv", where="--tz")
    labels = tmp_path / "labels.csv"
    labels.write_text("detect_scene_row,detect_scene_column,scene_id,is_vessel\n10,20,nosuchscene,True\n")
    err = run("sightings", "import", "--format", "xview3", labels, code=2).stderr
    assert err.startswith(f"Error: {labels}: ") and len(err.strip().splitlines()) == 1
    # The option stays the option.
    good = tmp_path / "good.csv"
    good.write_text("time,lon,lat\n2024-03-05 14:22,130.3,42.24\n")
    assert run("sightings", "import", good, "--tz", "Mars/Base", code=2).stderr.startswith("Error: --tz: ")
