"""What the CLI prints: degrees to 5 fixed decimals and metres to a tenth in every table, JSON numbers
to the precision they carry, the store untouched; through the real CLI on SQLite (and PostGIS)."""

import json
import re

import pytest

from conftest import stored_positions, table_rows
from shipsight.cli.output import is_degrees, presented
from shipsight.geodesy import WGS84

T = "2024-04-28T02:20:00Z"
FIVE = re.compile(r"-?\d{1,3}\.\d{5}")
METRES = re.compile(r"\d{1,3}(,\d{3})*\.\d")


def degree_cells(rows):
    """Every cell of a longitude or latitude column, which must be there."""
    cells = [v for row in rows for k, v in row.items() if is_degrees(k)]
    assert cells, f"no lon/lat column in {list(rows[0]) if rows else rows}"
    return cells


def offset(lon, lat, metres, azimuth=90.0):
    x, y, _ = WGS84.fwd(lon, lat, azimuth, metres)
    return round(float(x), 9), round(float(y), 9)


def log(run, lon, lat, time=T, *args):
    return int(run("log", "--lon", lon, "--lat", lat, "--time", time, *args).stdout)


def test_sightings_tables_show_degrees_to_five_decimals_and_metres(run, ports_file):
    run("ports", "import", ports_file)
    first = log(run, 130.3, 42.24527777777778)
    log(run, -118.2, 33.7)
    log(run, 179.95, -16.55)             # in the antimeridian anchorage
    log(run, 4.1, 51.9)                  # 8,000 km from the nearest port
    rows = table_rows(run("sightings", "list").stdout)
    assert len(rows) == 4
    assert all(FIVE.fullmatch(c) for c in degree_cells(rows))
    by_id = {int(r["id"]): r for r in rows}
    assert (by_id[first]["lon"], by_id[first]["lat"]) == ("130.30000", "42.24528")
    assert {(r["lon"], r["lat"]) for r in rows} >= {("-118.20000", "33.70000"), ("179.95000", "-16.55000")}
    distances = [r["nearest_port_distance_m"] for r in rows]
    assert all(METRES.fullmatch(d) for d in distances) and "0.0" in distances
    far = max(float(d.replace(",", "")) for d in distances)
    assert 7e6 < far < 9e6  # metres, not kilometres, with the thousands apart
    # One sighting for people: the same formats, field by field.
    shown = dict(line.split(None, 1) for line in run("sightings", "show", first).stdout.splitlines()
                 if len(line.split(None, 1)) == 2)
    assert (shown["lon"], shown["lat"]) == ("130.30000", "42.24528")
    assert METRES.fullmatch(shown["nearest_port_distance_m"])


def test_flags_tables_metres_and_degrees(run):
    a = log(run, 131.0, 41.0, T, "--name", "TANKER ONE")
    b = log(run, *offset(131.0, 41.0, 299), "2024-04-28T03:19:00Z")
    run("flag")
    rows = table_rows(run("flags", "list").stdout)
    sts = [r for r in rows if r["rule"] == "ship-to-ship"]
    assert len(sts) == 1 and sts[0]["distance_m"] == "299.0"
    # Any position a flags table gives (none today) is in degrees to 5 decimals.
    assert all(FIVE.fullmatch(v) for row in rows for k, v in row.items() if is_degrees(k))
    flag_id = sts[0]["id"]
    shown = dict(line.split(None, 1) for line in run("flags", "show", flag_id).stdout.splitlines()
                 if len(line.split(None, 1)) == 2)
    assert (shown["lon"], shown["lat"]) == ("131.00000", "41.00000")
    assert FIVE.fullmatch(shown["related_lon"]) and shown["related_lat"] == "41.00000"
    assert shown["distance_m"] == "299.0"
    record = run.json("flags", "show", flag_id)
    assert record["distance_m"] == 299.0 and (record["sighting_id"], record["related_sighting_id"]) == (a, b)
    assert record["related_lon"] == round(offset(131.0, 41.0, 299)[0], 6)


def test_detect_table_degrees_and_metres(run, tmp_path):
    from shipsight.imagery.synth import make_scene

    image = tmp_path / "sea.tif"
    make_scene(image, width=300, height=300, seed=21,
               ships=[{"row": 100, "col": 120, "length_m": 180, "heading_deg": 30, "db": 13},
                      {"row": 220, "col": 200, "length_m": 120, "heading_deg": 100, "db": 13}])
    rows = table_rows(run("detect", image).stdout)
    assert len(rows) == 2
    assert all(FIVE.fullmatch(c) for c in degree_cells(rows))
    assert all(METRES.fullmatch(r[c]) for r in rows for c in ("length_m", "width_m"))
    assert all(re.fullmatch(r"\d+\.\d", r["row"]) and re.fullmatch(r"[01]\.\d\d", r["confidence"]) for r in rows)
    found = run.json("detect", image)["detections"]
    table_lons = sorted(r["lon"] for r in rows)
    assert sorted(f"{d['lon']:.5f}" for d in found) == table_lons
    # JSON: degrees to 1e-6, metres to a tenth, scores as they are.
    assert all(d["lon"] == round(d["lon"], 6) and d["length_m"] == round(d["length_m"], 1) for d in found)


def test_json_gives_the_precision_values_carry_and_the_store_keeps_all(run, db):
    sid = log(run, 130.29851234567, 42.24527777777778, T, "--length-m", 139.25)
    listed = run("sightings", "list", "--json")
    assert '"lat": 42.245278' in listed.stdout and '"lon": 130.298512' in listed.stdout
    row = json.loads(listed.stdout)[0]
    assert (row["lat"], row["lon"]) == (42.245278, 130.298512) and isinstance(row["heading"], (float, type(None)))
    assert run.json("sightings", "show", sid)["lat"] == 42.245278
    geo = json.loads(run("sightings", "list", "--geojson").stdout)["features"][0]
    assert geo["properties"]["lat"] == 42.245278
    # Geometry is exported as stored; only the printed fields are rounded.
    assert geo["geometry"]["coordinates"][1] == pytest.approx(42.24527777777778, abs=1e-12)
    # What the store holds, and what the audit log shows, is the value as given.
    assert stored_positions(db)[sid] == (130.29851234567, 42.24527777777778)
    # The audit log prints its values unrounded (it holds them to 15 significant digits).
    logged = run.json("history", sid)[0]
    assert logged["new"]["lat"] == pytest.approx(42.24527777777778, abs=1e-12) and logged["new"]["lat"] != 42.245278


def test_presented_rounds_by_field_name_and_declared_subtrees():
    data = {"lat": 42.24527777777778, "related_lon": -0.0000001, "distance_m": 59.68778600687983,
            "capacity_t": 4989.210000000001, "hours_apart": 23.866666666666667, "severity": 0.6120415550806544,
            "latest": 1.23456789, "heading": 25.4, "n": 3,
            "totals": {"33%": 7982.370000000001, "90%": 258602.40000000002},
            "scenarios": {"33%": 0.333}, "points": [{"lon": 130.123456789, "score": 12.3456789}]}
    out = presented(data, decimals={"totals": 2})
    assert out == {"lat": 42.245278, "related_lon": 0.0, "distance_m": 59.7, "capacity_t": 4989.21,
                   "hours_apart": 23.87, "severity": 0.612, "latest": 1.23456789, "heading": 25.0,
                   "n": 3, "totals": {"33%": 7982.37, "90%": 258602.4}, "scenarios": {"33%": 0.333},
                   "points": [{"lon": 130.123457, "score": 12.346}]}
    assert json.dumps(out["related_lon"]) == "0.0" and isinstance(out["heading"], float)


def test_cap_json_gives_barrels_and_tonnes_to_two_decimals(tmp_path):
    from click.testing import CliRunner

    from shipsight.cli.main import cli

    db = str(tmp_path / "demo.db")
    assert CliRunner().invoke(cli, ["demo", "--out", db]).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", db, "cap", "--year", "2024", "--laden", "0.333,0.9", "--json"])
    assert result.exit_code == 0, result.output
    cap = json.loads(result.stdout)
    assert cap["scenarios"] == {"33.3%": 0.333, "90%": 0.9}  # a parameter as given, not rounded
    figures = [v for k in ("totals",) for v in cap[k].values()]
    figures += [v for k in ("monthly", "tankers", "calls") for r in cap[k] for c, v in r.items() if "%" in c]
    figures += [r["capacity_t"] for r in cap["tankers"]]
    assert figures and all(isinstance(v, float) and v == round(v, 2) for v in figures)
    assert all(len(repr(v).split(".")[1]) <= 2 for v in figures)
