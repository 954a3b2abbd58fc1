"""`shipsight ports import/list` on a real SQLite file."""

import json

import geopandas as gpd
import pytest
import shapely

from conftest import shared, write_csv


def test_import_geojson_and_list(run, ports_file):
    out = run("ports", "import", ports_file)
    assert "imported 3 ports" in out.stdout
    ports = run.json("ports", "list")
    assert [p["name"] for p in ports] == ["Rajin", "Rajin Pier 3", "Dateline Anchorage"]
    assert [p["watchlist"] for p in ports] == [True, False, False]
    assert ports[0]["reason"] == "DPRK port"
    assert ports[1]["kind"] == "berth"
    # Rajin is about 3.3 km x 3.3 km: its geodesic area in square metres.
    assert 9e6 < ports[0]["area_m2"] < 1.2e7


def test_csv_points_need_a_buffer(run, tmp_path):
    run("init")
    csv = write_csv(tmp_path / "p.csv", "name,lon,lat,watchlist,reason", ["Nampo,125.38,38.73,yes,DPRK oil"])
    err = run("ports", "import", csv, code=2)
    assert "--buffer-m" in err.stderr and "row 2" in err.stderr
    assert run.json("ports", "list") == []
    run("ports", "import", csv, "--buffer-m", 2000)
    port = run.json("ports", "list")[0]
    # A 2 km circle: pi * r^2 within 0.5 % (72-gon).
    assert port["area_m2"] == pytest.approx(3.14159 * 2000**2, rel=0.005)
    assert port["watchlist"] is True and port["reason"] == "DPRK oil"


def test_csv_wkt_and_field_options(run, tmp_path):
    csv = write_csv(tmp_path / "p.csv", "port_name,type,wkt",
                    ['Dunai,port,"POLYGON ((132.33 42.878, 132.352 42.878, 132.355 42.892, 132.335 42.895, 132.33 42.878))"'])
    run("ports", "import", csv, "--name-field", "port_name", "--kind-field", "type", "--watchlist", "--reason", "arms")
    port = run.json("ports", "list")[0]
    assert (port["name"], port["kind"], port["watchlist"], port["reason"]) == ("Dunai", "port", True, "arms")


def test_reprojects_from_declared_crs(run, tmp_path):
    # A GeoPackage in UTM 52N: the stored polygon must come back in lon/lat.
    poly = shapely.box(130.28, 42.23, 130.32, 42.26)
    gdf = gpd.GeoDataFrame({"name": ["Rajin"]}, geometry=[poly], crs=4326).to_crs(32652)
    path = tmp_path / "utm.gpkg"
    gdf.to_file(path)
    run("ports", "import", path)
    wkt = run.json("ports", "list")[0]["wkt"]
    assert shapely.from_wkt(wkt).buffer(0).symmetric_difference(poly).area < 1e-7


def test_shapefile(run, tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["Chongjin"], "kind": ["port"]}, geometry=[shapely.box(129.78, 41.74, 129.83, 41.77)], crs=4326)
    gdf.to_file(tmp_path / "ports.shp")
    run("ports", "import", tmp_path / "ports.shp")
    assert run.json("ports", "list")[0]["name"] == "Chongjin"


def test_invalid_polygon_repaired_with_a_warning(run, tmp_path):
    bowtie = "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"
    csv = write_csv(tmp_path / "p.csv", "name,wkt", [f'Bowtie,"{bowtie}"'])
    out = run("ports", "import", csv)
    assert "repaired" in out.stderr
    geom = shapely.from_wkt(run.json("ports", "list")[0]["wkt"])
    assert geom.is_valid and geom.area == pytest.approx(0.5)


def test_unrepairable_and_bad_rows_write_nothing(run, tmp_path):
    csv = write_csv(tmp_path / "p.csv", "name,kind,wkt",
                    ['Good,port,"POLYGON ((0 0, 1 0, 1 1, 0 0))"',
                     'Line,port,"LINESTRING (0 0, 1 1)"',
                     ',port,"POLYGON ((0 0, 1 0, 1 1, 0 0))"',
                     'Odd,harbour,"POLYGON ((0 0, 1 0, 1 1, 0 0))"'])
    run("init")
    err = run("ports", "import", csv, code=2)
    assert "Traceback" not in err.stderr
    assert "row 3, field geometry" in err.stderr
    assert "row 4, field name" in err.stderr
    assert "row 5, field kind" in err.stderr
    assert run.json("ports", "list") == []


@pytest.mark.parametrize("content,message", [
    (b"\x00\x01binary", "cannot read"),
    (b"", "cannot read"),
])
def test_bad_gis_files(run, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    err = run("ports", "import", path, code=2)
    assert message in err.stderr and str(path) in err.stderr


def test_unknown_extension_refused(run, tmp_path):
    path = tmp_path / "ports.txt"
    path.write_text("x")
    assert ".geojson" in run("ports", "import", path, code=2).stderr


def test_world_port_index(run):
    # NGA World Port Index, Pub 150: 3,768 ports (shared/data/README.md).
    wpi = shared("ports/world_port_index_pub150.csv")
    run("ports", "import", wpi, "--buffer-m", 1500)
    ports = run.json("ports", "list")
    assert len(ports) == 3768
    maurer = next(p for p in ports if p["name"] == "Maurer")
    center = shapely.from_wkt(maurer["wkt"]).centroid
    assert center.x == pytest.approx(-74.25, abs=1e-3) and center.y == pytest.approx(40.5333, abs=1e-3)


def test_osm_port_of_los_angeles(run):
    la = shared("ports/osm_port_of_los_angeles.geojson")
    err = run("ports", "import", la, code=2).stderr
    # The OSM export holds the boundary and, as row 2, its unnamed label point.
    assert "row 2, field name" in err
    out = run("ports", "import", la, "--on-invalid", "skip")
    assert "row 2, field geometry: skipped" in out.stderr
    port = run.json("ports", "list")[0]
    assert shapely.from_wkt(port["wkt"]).contains(shapely.Point(-118.27, 33.73))
    assert json.dumps(port)  # JSON-able


def test_reimporting_the_same_ports_adds_nothing(run, tmp_path):
    # The user test: a second 'ports import' of one file doubled every port, then '--port Rajin' was ambiguous.
    from conftest import SAMPLES, case_files

    first = run("ports", "import", SAMPLES / "ports.geojson", "--json")
    stored = run.json("ports", "list")
    audit = run.json("history")
    again = run("ports", "import", SAMPLES / "ports.geojson")
    assert again.stdout.strip() == f"imported 0 ports from {SAMPLES / 'ports.geojson'}"
    assert f"{len(stored)} ports already stored" in again.stderr and "skipped" in again.stderr
    assert run.json("ports", "list") == stored
    assert run.json("history") == audit  # nothing written, nothing audited
    run("sightings", "list", "--port", "Rajin")  # not ambiguous
    assert json.loads(first.stdout)["duplicates"] == 0

    # Identity fields count: a WPI file again adds nothing; one port changed (watch-listed) is added beside it.
    wpi = case_files("gis/11-wpi-layouts-duplicate-names", tmp_path) / "UpdatedPub150_test.csv"
    assert json.loads(run("ports", "import", wpi, "--json").stdout)["imported"] == 3
    assert json.loads(run("ports", "import", wpi, "--json").stdout) == {"imported": 0, "ids": [], "duplicates": 3}
    changed = run("ports", "import", wpi, "--watchlist", "--json")
    assert json.loads(changed.stdout)["imported"] == 3 and json.loads(changed.stdout)["duplicates"] == 0
    # Not silent: each port now sharing its name, country and UN/LOCODE with a stored one is named.
    assert f"warning: {wpi}: port 'Victoria' differs from the stored port of that name (id " in changed.stderr
    assert "give --port the id or UN/LOCODE" in changed.stderr
    # --allow-duplicates writes them again, audited as every import.
    forced = json.loads(run("ports", "import", SAMPLES / "ports.geojson", "--allow-duplicates", "--json").stdout)
    assert forced["imported"] == len(stored)
    inserts = [a for a in run.json("history") if a["action"] == "insert" and a["entity"] == "port"]
    assert {int(a["entity_id"]) for a in inserts} >= set(forced["ids"])
