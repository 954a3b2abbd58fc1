"""Logging, importing, listing, editing and retracting sightings through the real CLI."""

import json
import sqlite3

import geopandas as gpd
import pytest
import shapely

from conftest import is_postgis, write_csv
from shipsight.store import SCHEMA_VERSION

T = "2023-10-05T02:10:00Z"


@pytest.fixture
def with_ports(run, ports_file):
    run("ports", "import", ports_file)
    return run


def test_log_prints_id_and_attributes_smallest_port(with_ports):
    run = with_ports
    assert run("log", "--lon", 130.2985, "--lat", 42.2452, "--time", T, "--name", "ANGARA",
               "--imo", "9179842").stdout.strip() == "1"
    assert run("log", "--wkt", "POINT (130.285 42.235)", "--time", T).stdout.strip() == "2"
    rows = run.json("sightings", "list")
    assert [r["port"] for r in rows] == ["Rajin Pier 3", "Rajin"]
    assert rows[0]["nearest_port"] == "Rajin Pier 3" and rows[0]["nearest_port_distance_m"] == 0
    assert rows[0]["imo"] == "9179842" and rows[0]["time"] == "2023-10-05T02:10:00Z"
    assert rows[0]["analyst"]  # the OS user by default
    for field in ("id", "time", "lon", "lat", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
                  "confidence", "source", "scene_id", "analyst", "note", "port", "nearest_port",
                  "nearest_port_distance_m", "status"):
        assert field in rows[0]


def test_nearest_port_distance_is_geodesic(with_ports):
    run = with_ports
    # 0.1 degree east of Rajin's east edge (130.32) along 42.245 N.
    run("log", "--lon", 130.42, "--lat", 42.245, "--time", T)
    row = run.json("sightings", "list")[0]
    assert row["port"] is None and row["nearest_port"] == "Rajin"
    from shipsight.geodesy import distance_m

    assert row["nearest_port_distance_m"] == pytest.approx(float(distance_m(130.42, 42.245, 130.32, 42.245)), abs=2)


def test_antimeridian_port_and_distance(with_ports):
    run = with_ports
    run("log", "--lon", -179.95, "--lat", -16.55, "--time", T)  # inside the east part
    run("log", "--lon", 179.95, "--lat", -16.55, "--time", T)  # inside the west part
    run("log", "--lon", -179.85, "--lat", -16.55, "--time", T)  # 0.05 degree east of it
    rows = run.json("sightings", "list")
    assert [r["port"] for r in rows] == ["Dateline Anchorage", "Dateline Anchorage", None]
    # 0.05 degree of longitude at 16.55 S is about 5.34 km, not 360 degrees away.
    assert rows[2]["nearest_port"] == "Dateline Anchorage"
    assert rows[2]["nearest_port_distance_m"] == pytest.approx(5336, abs=15)
    boxed = run.json("sightings", "list", "--bbox", "179.9,-17,-179.9,-16")
    assert len(boxed) == 2


@pytest.mark.parametrize("args,where", [
    (["--lon", 181, "--lat", 0], "--lon"),
    (["--lon", 0, "--lat", -91], "--lat"),
    (["--lon", 0, "--lat", 0, "--imo", "9179843"], "--imo"),
    (["--lon", 0, "--lat", 0, "--imo", "917984"], "--imo"),
    (["--lon", 0, "--lat", 0, "--mmsi", "27312345"], "--mmsi"),
    (["--lon", 0, "--lat", 0, "--heading", 360], "--heading"),
    (["--lon", 0, "--lat", 0, "--length-m", -5], "--length-m"),
    (["--wkt", "LINESTRING (0 0, 1 1)"], "--wkt"),
    (["--lon", 0, "--lat", 0, "--scene", "S2A_NOPE"], "scene"),
])
def test_log_rejects_bad_values(run, args, where):
    run("init")
    err = run("log", "--time", T, *args, code=2).stderr
    assert where in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert run.json("sightings", "list") == []


def test_time_zone_rules(run):
    run("init")
    err = run("log", "--lon", 0, "--lat", 0, "--time", "2023-10-05T11:10:00", code=2).stderr
    assert "no zone" in err or "zone" in err
    run("log", "--lon", 0, "--lat", 0, "--time", "2023-10-05T11:10:00", "--tz", "Asia/Pyongyang")
    assert run.json("sightings", "list")[0]["time"] == "2023-10-05T02:10:00Z"
    run("log", "--lon", 0, "--lat", 0, "--time", "2023-10-05T11:10:00+09:00")
    assert run.json("sightings", "list")[1]["time"] == "2023-10-05T02:10:00Z"


def test_import_csv_round_trip_and_filters(with_ports, tmp_path):
    run = with_ports
    csv = write_csv(tmp_path / "s.csv", "time,lon,lat,name,imo,mmsi,vessel_type,length_m,heading,confidence,source,analyst,note", [
        "2023-08-19T02:12:00Z,130.2985,42.2452,ANGARA,9179842,,ro-ro,139,25,probable,Planet,a.kim,at the pier",
        "2023-09-01T02:12:00Z,130.31,42.25,LADY R,IMO 9161003,273000000,ro-ro,120,30,confirmed,Maxar,a.kim,",
        "2023-10-01T02:12:00Z,131.0,42.0,,,,,,,,Sentinel-1,b.lee,at sea",
    ])
    out = run("sightings", "import", csv)
    assert "imported 3 sightings" in out.stdout
    rows = run.json("sightings", "list")
    assert [r["name"] for r in rows] == ["ANGARA", "LADY R", None]
    assert rows[1]["imo"] == "9161003" and rows[1]["mmsi"] == "273000000"
    assert rows[0]["length_m"] == 139 and rows[0]["heading"] == 25 and rows[0]["note"] == "at the pier"
    assert rows[2]["confidence"] == "possible" and rows[2]["analyst"] == "b.lee"

    assert [r["id"] for r in run.json("sightings", "list", "--port", "Rajin")] == [1, 2]
    assert [r["id"] for r in run.json("sightings", "list", "--port", "rajin pier 3")] == [1]
    assert [r["id"] for r in run.json("sightings", "list", "--vessel", "9161003")] == [2]
    assert [r["id"] for r in run.json("sightings", "list", "--vessel", "angara")] == [1]
    assert [r["id"] for r in run.json("sightings", "list", "--vessel", "273000000")] == [2]
    assert [r["id"] for r in run.json("sightings", "list", "--since", "2023-09-01")] == [2, 3]
    assert [r["id"] for r in run.json("sightings", "list", "--until", "2023-09-01")] == [1, 2]
    assert [r["id"] for r in run.json("sightings", "list", "--since", "2023-08-20T00:00:00+09:00",
                                      "--until", "2023-09-30T23:59:59Z")] == [2]
    assert [r["id"] for r in run.json("sightings", "list", "--bbox", "130.9,41.9,131.1,42.1")] == [3]
    assert "unknown port" in run("sightings", "list", "--port", "Atlantis", "--json", code=2).stderr

    fc = json.loads(run("sightings", "list", "--geojson").stdout)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 3
    assert fc["features"][0]["geometry"] == {"type": "Point", "coordinates": [130.2985, 42.2452]}
    assert fc["features"][0]["properties"]["port"] == "Rajin Pier 3"

    table = run("sightings", "list").stdout
    assert "ANGARA" in table and "Rajin Pier 3" in table


def test_import_geojson_and_gpkg(run, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"time": ["2024-02-15T02:30:00Z", "2024-03-20T02:28:00Z"], "name": ["ANGARA", "ANGARA"],
         "imo": ["9179842", "9179842"], "confidence": ["confirmed", "probable"]},
        geometry=[shapely.Point(122.17, 29.962), shapely.Point(122.171, 29.9615)], crs=4326)
    gdf.to_file(tmp_path / "s.geojson", driver="GeoJSON")
    gdf.to_crs(32651).to_file(tmp_path / "s.gpkg")  # a projected GeoPackage comes back in lon/lat
    run("sightings", "import", tmp_path / "s.geojson")
    # The same two sightings, through a projected CRS and back: already in the log.
    assert "2 rows already in the log" in run("sightings", "import", tmp_path / "s.gpkg").stderr
    assert len(run.json("sightings", "list")) == 2
    run("sightings", "import", tmp_path / "s.gpkg", "--allow-duplicates")
    rows = run.json("sightings", "list")
    assert len(rows) == 4
    assert rows[1]["lon"] == pytest.approx(122.17, abs=1e-9) and rows[1]["lat"] == pytest.approx(29.962, abs=1e-9)


def test_failed_import_leaves_store_unchanged_and_reports_every_row(with_ports, tmp_path):
    run = with_ports
    run("log", "--lon", 130.3, "--lat", 42.24, "--time", T)
    before = run.json("sightings", "list")
    history_before = run.json("history")
    csv = write_csv(tmp_path / "bad.csv", "time,lon,lat,imo,confidence", [
        "2023-08-19T02:12:00Z,130.2985,42.2452,9179842,probable",
        "2023-08-19T02:12:00,130.2985,42.2452,,",
        "2023-08-19T02:12:00Z,230.0,42.2452,,",
        "2023-08-19T02:12:00Z,130.2985,42.2452,1234568,",
        "2023-08-19T02:12:00Z,130.2985,42.2452,,sure",
    ])
    err = run("sightings", "import", csv, code=2).stderr
    lines = err.strip().splitlines()
    assert "4 bad values; nothing was written" in lines[0]
    assert "row 3, field time" in lines[1]
    assert "row 4, field lon" in lines[2]
    assert "row 5, field imo" in lines[3]
    assert "row 6, field confidence" in lines[4]
    assert run.json("sightings", "list") == before
    assert run.json("history") == history_before


def test_on_invalid_skip_writes_rejects_beside_input(run, tmp_path):
    csv = write_csv(tmp_path / "feed.csv", "time,lon,lat,mmsi", [
        "2023-08-19T02:12:00Z,130.2985,42.2452,273000000",
        "2023-08-19T02:12:00Z,130.2985,42.2452,12",
        "not a time,130.2985,42.2452,",
    ])
    out = run("sightings", "import", csv, "--on-invalid", "skip")
    assert "imported 1 sighting from" in out.stdout and "2 bad rows skipped" in out.stderr
    rejects = (tmp_path / "feed.rejects.csv").read_text().splitlines()
    assert rejects[0].startswith("row,field,reason,time")
    assert rejects[1].startswith("3,mmsi,") and rejects[2].startswith("4,time,")
    assert len(run.json("sightings", "list")) == 1


def test_unknown_scene_in_import_is_a_row_error(run, tmp_path):
    csv = write_csv(tmp_path / "s.csv", "time,lon,lat,scene", ["2023-08-19T02:12:00Z,130.2,42.2,S2B_MISSING"])
    run("init")
    err = run("sightings", "import", csv, code=2).stderr
    assert "row 2, field scene: unknown scene 'S2B_MISSING'" in err


def test_edit_and_retract_are_audited_never_deleted(with_ports):
    run = with_ports
    run("log", "--lon", 130.2985, "--lat", 42.2452, "--time", T, "--name", "ANGRA", "--analyst", "a.kim")
    run("sightings", "edit", 1, "--name", "ANGARA", "--imo", "9179842", "--reason", "hull marking read",
        "--analyst", "b.lee")
    run("sightings", "edit", 1, "--lon", 131.0, "--lat", 42.0, "--reason", "moved: georeferencing fixed",
        "--analyst", "b.lee")
    shown = json.loads(run("sightings", "show", 1, "--json").stdout)
    assert shown["name"] == "ANGARA" and shown["imo"] == "9179842"
    assert shown["port"] is None and shown["nearest_port"] == "Rajin"
    assert "--reason" in run("sightings", "edit", 1, "--name", "X", code=2).stderr
    err = run("sightings", "edit", 1, "--imo", "9179843", "--reason", "typo", code=2).stderr
    assert "check digit" in err

    run("sightings", "retract", 1, "--reason", "cloud shadow", "--analyst", "c.park")
    assert run.json("sightings", "list") == []
    assert run.json("sightings", "list", "--retracted")[0]["status"] == "retracted"
    assert "already retracted" in run("sightings", "retract", 1, "--reason", "again", code=2).stderr

    history = run.json("history", 1)
    assert [h["action"] for h in history] == ["insert", "edit", "edit", "retract"]
    assert history[0]["new"]["name"] == "ANGRA" and history[0]["analyst"] == "a.kim"
    assert history[1]["old"] == {"name": "ANGRA", "imo": None}
    assert history[1]["new"] == {"name": "ANGARA", "imo": "9179842"}
    assert history[1]["analyst"] == "b.lee" and history[1]["reason"] == "hull marking read"
    assert history[2]["old"]["lon"] == 130.2985 and history[2]["new"]["lon"] == 131.0
    assert history[3]["reason"] == "cloud shadow" and history[3]["db_user"]

    if is_postgis(run.db):
        import psycopg

        with psycopg.connect(run.db, autocommit=True) as conn:
            for sql, message in [("DELETE FROM sightings WHERE id = 1", "never deleted"),
                                 ("TRUNCATE sightings CASCADE", "never deleted"),
                                 ("UPDATE audit SET reason = 'nothing happened'", "append-only"),
                                 ("DELETE FROM audit", "append-only"),
                                 ("TRUNCATE audit", "append-only")]:
                with pytest.raises(psycopg.Error, match=message):
                    conn.execute(sql)
        return
    conn = sqlite3.connect(run.db)
    with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
        conn.execute("DELETE FROM sightings WHERE id = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET reason = 'nothing happened'")


def test_unknown_ids(run):
    run("init")
    assert "no sighting 42" in run("sightings", "show", 42, code=2).stderr
    assert "no sighting 42" in run("sightings", "retract", 42, "--reason", "x", code=2).stderr


def test_new_ports_reattribute_old_sightings(run, ports_file):
    run("log", "--lon", 130.2985, "--lat", 42.2452, "--time", T)
    assert run.json("sightings", "list")[0]["port"] is None
    run("ports", "import", ports_file)
    assert run.json("sightings", "list")[0]["port"] == "Rajin Pier 3"
    assert [h["action"] for h in run.json("history", 1)] == ["insert", "reattribute"]


def test_port_calls(with_ports, tmp_path):
    run = with_ports
    csv = write_csv(tmp_path / "s.csv", "time,lon,lat,name,imo", [
        "2023-08-19T02:00:00Z,130.2985,42.2452,ANGARA,9179842",
        "2023-08-20T02:00:00Z,130.2987,42.2450,ANGARA,9179842",
        "2023-08-24T02:00:00Z,132.0,42.8,ANGARA,9179842",
        "2023-08-30T02:00:00Z,130.2985,42.2452,ANGARA,9179842",
        "2023-10-30T02:00:00Z,130.2985,42.2452,ANGARA,9179842",
        "2023-08-19T02:00:00Z,130.2985,42.2452,,",
    ])
    run("sightings", "import", csv)
    calls = run.json("port-calls")
    # At sea on 24 Aug ends the first call; a two-month gap splits the last two.
    assert [(c["port"], c["first_seen"], c["last_seen"], c["n_sightings"]) for c in calls] == [
        ("Rajin Pier 3", "2023-08-19T02:00:00Z", "2023-08-20T02:00:00Z", 2),
        ("Rajin Pier 3", "2023-08-30T02:00:00Z", "2023-08-30T02:00:00Z", 1),
        ("Rajin Pier 3", "2023-10-30T02:00:00Z", "2023-10-30T02:00:00Z", 1),
    ]
    assert calls[0]["vessel"] == "IMO 9179842" and calls[0]["hours"] == 24
    assert len(run.json("port-calls", "--port", "Rajin")) == 3
    assert run.json("port-calls", "--port", "Dateline Anchorage") == []


def test_db_from_environment(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from shipsight.cli.main import cli

    monkeypatch.setenv("SHIPSIGHT_DB", str(tmp_path / "env.db"))
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0 and (tmp_path / "env.db").exists()


def test_store_is_wal_with_foreign_keys_and_versioned(run):
    run("init")
    if is_postgis(run.db):
        import psycopg

        with psycopg.connect(run.db, autocommit=True) as conn:
            assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
            conn.execute("UPDATE schema_version SET version = 99")
        err = run("sightings", "list", code=2).stderr
        assert "newer than this shipsight" in err and len(err.strip().splitlines()) == 1
        return
    conn = sqlite3.connect(run.db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    assert "newer than this shipsight" in run("sightings", "list", code=2).stderr


def test_not_a_store(tmp_path):
    from click.testing import CliRunner

    from shipsight.cli.main import cli

    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello, this is not sqlite" * 100)
    result = CliRunner().invoke(cli, ["--db", str(bogus), "sightings", "list"])
    assert result.exit_code == 2 and "not a shipsight store" in result.stderr


def test_table_shows_names_as_written(run):
    """Data is text in a table: no rich markup, emoji codes or highlighting applied to it."""
    run("log", "--lon", 130.3, "--lat", 42.24, "--time", T, "--name", "[red]X[/red] :ship:")
    table = run("sightings", "list").stdout
    assert "[red]X[/red] :ship:" in table


def test_list_as_table_or_json_needs_no_geopandas(tmp_path):
    """'log' and the rows of 'sightings list' need no geopandas (start-up); --geojson asks for it."""
    import subprocess
    import sys

    db = tmp_path / "log.db"
    probe = (
        "import sys, json; from click.testing import CliRunner; from shipsight.cli.main import cli;"
        f"r = CliRunner().invoke(cli, ['--db', {str(db)!r}, 'log', '--lon', '130.3', '--lat', '42.24', '--time', {T!r}]);"
        "assert r.exit_code == 0, r.output;"
        f"rows = json.loads(CliRunner().invoke(cli, ['--db', {str(db)!r}, 'sightings', 'list', '--json']).output);"
        f"table = CliRunner().invoke(cli, ['--db', {str(db)!r}, 'sightings', 'list']).output;"
        "print(json.dumps([rows[0]['lon'], 'geopandas' in sys.modules, '130.3' in table]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [130.3, False, True]


def test_counts_agree_with_their_nouns(run, tmp_path, ports_file):
    # "imported 1 sightings" (issue 11 user test): one of a thing is singular, everywhere a count is printed.
    one = tmp_path / "one.csv"
    write_csv(one, "time,lon,lat,name", ["2024-03-05T14:22:00Z,130.3,42.24,A"])
    assert run("sightings", "import", one).stdout.startswith(f"imported 1 sighting from {one} (id 1)")
    again = run("sightings", "import", one)
    assert "1 row already in the log" in again.stderr
    assert run("export", "--layer", "sightings", tmp_path / "s.csv").stdout.startswith("wrote 1 sighting to")
    bad = tmp_path / "bad.csv"
    write_csv(bad, "time,lon,lat", ["2024-03-05T14:22:00Z,400,42.24"])
    assert run("sightings", "import", bad, code=2).stderr == (
        f"Error: {bad}, row 2, field lon: lon 400 is outside [-180, 180] (nothing was written)\n")
    one_port = tmp_path / "port.csv"
    write_csv(one_port, "name,lon,lat", ["Solo,131.0,43.0"])
    assert run("ports", "import", one_port, "--buffer-m", 1000).stdout.strip() == f"imported 1 port from {one_port}"
    two = tmp_path / "two.csv"
    write_csv(two, "time,lon,lat,name", ["2024-03-06T14:22:00Z,130.3,42.24,B",
                                         "2024-03-07T14:22:00Z,130.3,42.24,C"])
    assert run("sightings", "import", two).stdout.startswith("imported 2 sightings")


def test_bad_rows_print_as_the_readme_says(run, tmp_path):
    # README "Commands": one bad value is one line; several are a summary line and one line per bad value naming
    # the file, at most 100, then one line saying how many more.
    path = tmp_path / "bad.csv"
    write_csv(path, "time,lon,lat", [f"2024-03-05T14:22:00Z,{200 + i},42.24" for i in range(103)]
              + ["2024-03-05T14:22:00,400,42.24"])
    lines = run("sightings", "import", path, code=2).stderr.splitlines()
    assert lines[0] == f"Error: {path}: 105 bad values; nothing was written"
    assert lines[1] == f"  {path}, row 2, field lon: lon 200 is outside [-180, 180]" and len(lines) == 1 + 100 + 1
    assert all(line.startswith(f"  {path}, row ") for line in lines[1:101])
    assert lines[-1].startswith("  ... and 5 more; --on-invalid skip imports the good rows")
    one = tmp_path / "one.csv"
    write_csv(one, "time,lon,lat", ["2024-03-05T14:22:00Z,130.3"])
    assert len(run("sightings", "import", one, code=2).stderr.splitlines()) == 1  # one bad value: one line
    assert run.json("sightings", "list") == []


def test_refused_input_leaves_no_new_store_behind(tmp_path):
    """Bad input writes nothing, not even the empty store the command opened for it; a store that existed stays."""
    from click.testing import CliRunner

    from shipsight.cli.main import cli

    bad = write_csv(tmp_path / "bad.csv", "time,lon,lat", ["yesterday,130.3,42.24"])
    for command in (["sightings", "import"], ["ais", "import"], ["ports", "import"]):
        db = tmp_path / "new.db"
        result = CliRunner().invoke(cli, ["--db", str(db), *command, str(bad)])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"], command
    # A mistyped --db is not an empty log with nothing to flag.
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "typo.db"), "flag"])
    assert result.exit_code == 2 and "no store at" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]
    db = tmp_path / "kept.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    assert CliRunner().invoke(cli, ["--db", str(db), "sightings", "import", str(bad)]).exit_code == 2
    assert db.exists()


def test_detect_without_save_leaves_no_store_behind(tmp_path):
    """Detection printed, not saved: nothing goes into the store, so the store it opened is not left behind."""
    from click.testing import CliRunner

    from conftest import shared
    from shipsight.cli.main import cli

    crop = shared("imagery/sentinel1/port_la_2021-01-05_db.tif")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "new.db"), "detect", str(crop), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ships"] and list(tmp_path.iterdir()) == []
