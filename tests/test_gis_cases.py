"""The field cases of shared/cases/gis/, each expected value checked through the CLI on both back ends."""

import json

import geopandas as gpd
import pyogrio
import pytest
import shapely

from conftest import SAMPLES, case_files, write_csv


def _store_with_sample_ports(run, sightings=False):
    run("ports", "import", SAMPLES / "ports.geojson")
    if sightings:
        run("sightings", "import", SAMPLES / "sightings.csv")


def _one(run, sighting_id):
    return run.json("sightings", "show", sighting_id)


# -- 01 Excel / LibreOffice CSV ------------------------------------------------------------------

def test_case_01_excel_csv(run, tmp_path):
    d = case_files("gis/01-excel-csv", tmp_path)
    _store_with_sample_ports(run)
    # a) BOM, CRLF, capitalised headers
    run("sightings", "import", d / "a_bom_crlf.csv")
    a = _one(run, 1)
    assert (a["time"], a["lon"], a["lat"], a["port"]) == ("2024-03-05T14:22:00Z", 130.2985, 42.2452, "Rajin Pier 3")
    # b) ';' and decimal commas: the dialect is recognised, and the guess said
    # The same ANGARA row in every form: kept each time (--allow-duplicates), so each form is a sighting to check.
    out = run("sightings", "import", d / "b_semicolon_decimal_comma.csv", "--allow-duplicates")
    assert "b_semicolon_decimal_comma.csv: read decimal commas in lon and lat" in out.stderr
    b1, b2 = _one(run, 2), _one(run, 3)
    assert (b1["name"], b1["time"], b1["lon"], b1["lat"], b1["port"]) == (
        "ANGARA", "2024-03-05T14:22:00Z", 130.2985, 42.2452, "Rajin Pier 3")
    assert (b2["name"], b2["time"], b2["lon"], b2["lat"], b2["port"]) == (
        "TEST VESSEL", "2024-03-06T02:10:00Z", 132.342, 42.885, "Dunai")
    # c) a ports file in the same dialect: a 2 km circle, about 12.6 km², watch-listed
    run("ports", "import", d / "c_ports_semicolon.csv", "--buffer-m", 2000)
    harbour = next(p for p in run.json("ports", "list") if p["name"] == "Test Harbour")
    assert harbour["area_m2"] / 1e6 == pytest.approx(12.6, abs=0.05) and harbour["watchlist"] is True
    centre = shapely.from_wkt(harbour["wkt"]).centroid
    assert (round(centre.x, 3), round(centre.y, 3)) == (132.89, 42.8)
    # d) ',' separator with decimal commas in quotes
    run("sightings", "import", d / "d_quoted_decimal_comma.csv", "--allow-duplicates")
    assert (_one(run, 4)["lon"], _one(run, 4)["lat"]) == (130.2985, 42.2452)
    # e) Windows-1252: refused with the row and what to do, then read with --encoding
    err = run("sightings", "import", d / "e_windows1252.csv", code=2).stderr
    assert "e_windows1252.csv, row 2" in err and "CSV UTF-8" in err and "--encoding" in err
    assert len(err.strip().splitlines()) == 1
    run("sightings", "import", d / "e_windows1252.csv", "--encoding", "cp1252", "--allow-duplicates")
    assert _one(run, 5)["note"] == "vu près du quai"
    # f) Excel's display time: refused with row and value (day/month ambiguous), then read with its layout
    err = run("sightings", "import", d / "f_excel_time.csv", "--tz", "UTC", code=2).stderr
    assert "row 2, field time" in err and "'05/03/2024 14:22'" in err and "ambiguous" in err
    run("sightings", "import", d / "f_excel_time.csv", "--tz", "UTC", "--time-format", "%d/%m/%Y %H:%M",
        "--allow-duplicates")
    assert _one(run, 6)["time"] == "2024-03-05T14:22:00Z"
    assert len(run.json("sightings", "list")) == 6  # nothing was written by the refusals


def test_unmatched_header_names_what_was_found_and_needed(run, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("when|where|what\n2024-03-05T14:22:00Z|somewhere|ANGARA\n")
    err = run("sightings", "import", path, code=2).stderr
    assert "has no time, lon, lat column" in err and "'when', 'where', 'what'" in err and "pipe-separated" in err
    assert "position column" in err


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_every_delimiter(run, tmp_path, sep):
    rows = [["time", "lon", "lat", "name"], ["2024-03-05T14:22:00Z", "130.2985", "42.2452", "ANGARA, ex SEA"]]
    text = "\n".join(sep.join(f'"{v}"' if sep in v else v for v in r) for r in rows) + "\n"
    path = tmp_path / "s.csv"
    path.write_text(text)
    run("sightings", "import", path)
    assert _one(run, 1)["name"] == "ANGARA, ex SEA"


# -- 02 PostgreSQL offsets -------------------------------------------------------------------------

def test_case_02_postgres_short_offsets(run, tmp_path):
    d = case_files("gis/02-postgres-short-offset", tmp_path)
    _store_with_sample_ports(run)
    run("sightings", "import", d / "d_control_plus0900.csv")
    run("sightings", "import", d / "a_pg_plus09.csv")
    run("sightings", "import", d / "b_pg_plus00.csv")
    # --tz does not move a time that has a zone: the same instant, so the same rows as already in the log.
    assert "1 row already in the log" in run("sightings", "import", d / "a_pg_plus09.csv", "--tz", "UTC").stderr
    run("sightings", "import", d / "a_pg_plus09.csv", "--tz", "UTC", "--allow-duplicates")
    out = run("sightings", "import", d / "c_mixed.csv", "--tz", "Asia/Seoul", "--allow-duplicates")
    assert "Traceback" not in out.stderr
    run("log", "--lon", 130.2985, "--lat", 42.2452, "--time", "2024-03-05 14:22:00+09", "--name", "PG")
    run("log", "--lon", 130.2985, "--lat", 42.2452, "--time", "2024-03-05 14:22:00+0900", "--name", "PG4")
    run("log", "--lon", 130.2985, "--lat", 42.2452, "--time", "2024-03-04 21:22:00-08", "--name", "PG-08")
    got = {(s["id"], s["name"]): s["time"] for s in run.json("sightings", "list")}
    assert got == {(1, "CONTROL"): "2024-03-05T05:22:00Z", (2, "PG NINE"): "2024-03-05T05:22:00Z",
                   (3, "PG ZERO"): "2024-03-05T05:22:00Z", (4, "PG NINE"): "2024-03-05T05:22:00Z",
                   (5, "PG NINE"): "2024-03-05T05:22:00Z", (6, "LOCAL"): "2024-03-05T06:22:00Z",
                   (7, "PG"): "2024-03-05T05:22:00Z", (8, "PG4"): "2024-03-05T05:22:00Z",
                   (9, "PG-08"): "2024-03-05T05:22:00Z"}
    # Without --tz the zone-less row is one reported row; --on-invalid skip writes it to the rejects file.
    err = run("sightings", "import", d / "c_mixed.csv", code=2).stderr
    assert "row 3, field time" in err and "no time zone" in err
    out = run("sightings", "import", d / "c_mixed.csv", "--on-invalid", "skip")
    assert "1 bad row skipped" in out.stderr
    rejects = (d / "c_mixed.rejects.csv").read_text()
    assert "LOCAL" in rejects and "no time zone" in rejects and "PG NINE" not in rejects


def test_nanosecond_exports_are_kept_to_the_microsecond_and_said(run, tmp_path):
    path = write_csv(tmp_path / "ns.csv", "time,lon,lat,name",
                     ["2024-03-05T05:22:00.123456789Z,130.2985,42.2452,NS", "2024-03-05T05:22:00.1234567Z,130.2985,42.2452,NET"])
    out = run("sightings", "import", path)
    assert "warning: 2 times had fractional seconds beyond the microsecond" in out.stderr
    assert [s["time"] for s in run.json("sightings", "list")] == ["2024-03-05T05:22:00.123456Z"] * 2


def test_epoch_seconds(run, tmp_path):
    path = write_csv(tmp_path / "epoch.csv", "time,lon,lat", ["1709648520,130.2985,42.2452"])
    assert "time-format" in run("sightings", "import", path, code=2).stderr
    run("sightings", "import", path, "--time-format", "epoch")
    assert _one(run, 1)["time"] == "2024-03-05T14:22:00Z"


# -- 04 DMS --------------------------------------------------------------------------------------

def test_case_04_dms_and_hemisphere_letters(run, tmp_path):
    d = case_files("gis/04-dms-hemisphere", tmp_path)
    _store_with_sample_ports(run)
    run("sightings", "import", d / "dms.csv")
    got = {s["name"]: (round(s["lat"], 6), round(s["lon"], 6)) for s in run.json("sightings", "list")}
    assert got == {"D1": (42.245278, 130.298611), "D2": (42.2452, 130.2985), "D3": (42.245167, 130.2985),
                   "D4": (42.245278, 130.298611)}
    sid = run("log", "--lat", "42°14'43\"N", "--lon", "130°17'55\"E", "--time", "2024-03-05T14:22:00Z").stdout
    s = _one(run, int(sid))
    assert (round(s["lat"], 6), round(s["lon"], 6)) == (42.245278, 130.298611)
    sid = run("log", "--lat", "41°25'01\"S", "--lon", "70°30'W", "--time", "2024-03-05T14:22:00Z").stdout
    s = _one(run, int(sid))
    assert (round(s["lat"], 6), round(s["lon"], 6)) == (-41.416944, -70.5)
    bad = write_csv(tmp_path / "bad.csv", "time,lat,lon", ["2024-03-05T14:22:00Z,-42 14 43 N,130.2985"])
    err = run("sightings", "import", bad, code=2).stderr
    assert "row 2, field lat" in err and "'-42 14 43 N'" in err


def test_position_column(run, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('time,position,name\n2024-03-05T14:22:00Z,"42°14\'45""N 130°17\'55""E",P1\n'
                    '2024-03-05T14:22:00Z,"42.2458N, 130.2985E",P2\n')
    run("sightings", "import", path)
    got = {s["name"]: (round(s["lat"], 6), round(s["lon"], 6)) for s in run.json("sightings", "list")}
    assert got == {"P1": (42.245833, 130.298611), "P2": (42.2458, 130.2985)}


# -- 07 Shapefile encodings and .prj -----------------------------------------------------------------

NAMES_RU = ["Тестовый терминал", "Тестовая гавань"]


def test_case_07_shapefile_cpg_and_prj(run, tmp_path):
    d = case_files("gis/07-shapefile-cpg-prj", tmp_path)
    run("ports", "import", d / "ru_cp1251.shp")
    assert [p["name"] for p in run.json("ports", "list")] == NAMES_RU


@pytest.mark.parametrize("name", ["ru_cp1251_nocpg.shp", "ru_cp1251_nocpg.zip"])
def test_case_07_without_cpg(run, tmp_path, name):
    d = case_files("gis/07-shapefile-cpg-prj", tmp_path / "in")
    run("ports", "import", d / name, "--encoding", "cp1251")
    assert [p["name"] for p in run.json("ports", "list")] == NAMES_RU
    run("log", "--lon", 133.06, "--lat", 42.735, "--time", "2024-03-05T14:22:00Z", "--name", "IN TERMINAL")
    listed = run.json("sightings", "list", "--port", "Тестовый терминал")
    assert [s["name"] for s in listed] == ["IN TERMINAL"]


def test_case_07_no_silent_mojibake(run, tmp_path):
    d = case_files("gis/07-shapefile-cpg-prj", tmp_path)
    out = run("ports", "import", d / "ru_cp1251_nocpg.shp")
    lines = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1
    assert "ISO-8859-1" in lines[0] and "mojibake" in lines[0] and "--encoding cp1251" in lines[0]
    assert "Тестовый терминал" in lines[0]
    assert ".py:" not in out.stderr  # shipsight's own line, not Python's warning format


def test_case_07_no_prj_refused(run, tmp_path):
    d = case_files("gis/07-shapefile-cpg-prj", tmp_path)
    err = run("ports", "import", d / "utm_noprj.shp", code=2).stderr
    assert len(err.strip().splitlines()) == 1
    assert "no .prj" in err and "not longitudes and latitudes" in err


# -- 09 KML ----------------------------------------------------------------------------------------

def test_case_09_kml_export_and_imports(run, tmp_path):
    d = case_files("gis/09-kml-google-earth")
    _store_with_sample_ports(run, sightings=True)
    s_kml, pc_kml = tmp_path / "s.kml", tmp_path / "pc.kml"
    run("export", "--layer", "sightings", s_kml)
    run("export", "--layer", "port-calls", pc_kml)
    text = s_kml.read_text()
    assert text.count("<Placemark") == text.count("<TimeStamp>") == text.count("<ExtendedData>") == 37
    assert "<when>2023-08-19T02:12:00Z</when>" in text.split("<TimeStamp>")[1]
    calls = pc_kml.read_text()
    assert calls.count("<Placemark") == calls.count("<TimeSpan>") == 27
    fields = dict(pyogrio.read_info(pc_kml, layer="port_calls")["fields"].tolist() and
                  zip(*[pyogrio.read_info(pc_kml, layer="port_calls")[k] for k in ("fields", "dtypes")]))
    assert fields["begin"].startswith("datetime") and fields["end"].startswith("datetime")

    run("ports", "import", d / "ge_port_area.kml")
    terminal = next(p for p in run.json("ports", "list") if p["name"] == "Test Oil Terminal")
    assert shapely.from_wkt(terminal["wkt"]).equals(shapely.box(133.04, 42.72, 133.08, 42.75))
    run("sightings", "import", d / "ge_sightings.kml")
    tanker = run.json("sightings", "list", "--vessel", "TEST TANKER")[0]
    assert (tanker["time"], tanker["lon"], tanker["lat"], tanker["imo"], tanker["confidence"], tanker["port"]) == (
        "2024-03-05T14:22:00Z", 133.06, 42.735, "9179842", "probable", "Test Oil Terminal")


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_case_09_own_kml_round_trips(run, tmp_path, suffix):
    import zipfile

    from conftest import Cli

    source = Cli(str(tmp_path / "source.db"))
    _store_with_sample_ports(source, sightings=True)
    s_kml = tmp_path / "s.kml"
    source("export", "--layer", "sightings", s_kml)
    path = s_kml
    if suffix == ".kmz":
        path = tmp_path / "s.kmz"
        with zipfile.ZipFile(path, "w") as z:
            z.write(s_kml, "doc.kml")
    _store_with_sample_ports(run)
    run("sightings", "import", path)
    listed = run.json("sightings", "list")
    assert len(listed) == 37
    first = listed[0]
    assert (first["time"], first["lon"], first["lat"], first["name"]) == ("2023-08-19T02:12:00Z", 130.2985, 42.2452,
                                                                           "ANGARA")
    assert [s["time"] for s in listed] == [s["time"] for s in source.json("sightings", "list")]


# -- 10 GeoParquet -----------------------------------------------------------------------------------

def test_case_10_geoparquet_export(run, tmp_path):
    import pyarrow.parquet as pq

    _store_with_sample_ports(run, sightings=True)
    out = tmp_path / "s.parquet"
    run("export", "--layer", "sightings", out)
    geo = json.loads(pq.read_metadata(out).metadata[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    assert geo["version"] == "1.1.0" and column["encoding"] == "WKB" and column["geometry_types"] == ["Point"]
    assert len(column["bbox"]) == 4 and column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    schema = pq.read_schema(out)
    assert [f.name for f in schema if str(f.type) == "null"] == []
    for name in ("mmsi", "scene_id", "retracted_reason"):
        assert "string" in str(schema.field(name).type)
    assert pq.read_metadata(out).num_rows == 37
    assert len(gpd.read_parquet(out)) == 37


# -- 11 World Port Index -----------------------------------------------------------------------------

def test_case_11_wpi_current_layout_and_two_victorias(run, tmp_path):
    d = case_files("gis/11-wpi-layouts-duplicate-names", tmp_path)
    run("ports", "import", d / "UpdatedPub150_test.csv")
    ports = {p["locode"]: p for p in run.json("ports", "list")}
    assert sorted(ports) == ["XA VIC", "XB VIC", "XC TLH"]
    assert [(p["name"], p["country"], p["wpi_number"], p["alternate_name"]) for p in ports.values()] == [
        ("Victoria", "Testland", "90001", None), ("Victoria", "Otherland", "90002", "Port Victoria"),
        ("Test Large Harbour", "Thirdland", "90003", None)]
    # Buffered by harbour size: Medium 4 km, Small 2 km, Large 8 km.
    for locode, km in (("XA VIC", 4), ("XB VIC", 2), ("XC TLH", 8)):
        geom = shapely.from_wkt(ports[locode]["wkt"])
        assert ports[locode]["area_m2"] == pytest.approx(3.1416 * (km * 1000) ** 2, rel=0.01)
        assert geom.geom_type == "Polygon"

    err = run("ports", "import", d / "UpdatedPub150_blankpos.csv", code=2).stderr
    assert "row 2, field Latitude" in err and "empty" in err
    assert len(run.json("ports", "list")) == 3
    out = run("ports", "import", d / "UpdatedPub150_blankpos.csv", "--on-invalid", "skip", code=2)
    assert "no features" in out.stderr or "row 2" in out.stderr

    run("log", "--lon", -123.37, "--lat", 48.42, "--time", "2024-03-05T00:00:00Z", "--name", "SHIP IN CANADA")
    run("log", "--lon", 55.45, "--lat", -4.62, "--time", "2024-03-05T00:00:00Z", "--name", "SHIP IN SEYCHELLES")
    for args in (("sightings", "list", "--port", "Victoria"),
                 ("report", tmp_path / "v.html", "--port", "Victoria", "--title", "Victoria"),
                 ("export", "--layer", "sightings", tmp_path / "v.gpkg", "--port", "victoria"),
                 ("port-calls", "--port", "Victoria")):
        err = run(*args, code=2).stderr
        assert "matches 2 ports" in err and "id 1 (Testland, XA VIC)" in err and "id 2 (Otherland, XB VIC)" in err
    assert not (tmp_path / "v.html").exists()
    for key in ("XA VIC", "xavic", str(ports["XA VIC"]["id"])):
        assert [s["name"] for s in run.json("sightings", "list", "--port", key)] == ["SHIP IN CANADA"]
    assert [s["name"] for s in run.json("sightings", "list", "--port", "XB VIC")] == ["SHIP IN SEYCHELLES"]


def test_case_11_wpi_older_layout(run, tmp_path):
    d = case_files("gis/11-wpi-layouts-duplicate-names", tmp_path)
    run("ports", "import", d / "WPI_old_layout.csv")
    ports = {p["name"]: p for p in run.json("ports", "list")}
    assert sorted(ports) == ["TEST LARGE HARBOUR", "VICTORIA"]
    assert ports["VICTORIA"]["area_m2"] == pytest.approx(3.1416 * 4000 ** 2, rel=0.01)
    assert ports["TEST LARGE HARBOUR"]["area_m2"] == pytest.approx(3.1416 * 8000 ** 2, rel=0.01)
    assert (ports["VICTORIA"]["country"], ports["VICTORIA"]["wpi_number"]) == ("XA", "90001")


def test_case_11_older_layout_with_name_field(run, tmp_path):
    d = case_files("gis/11-wpi-layouts-duplicate-names", tmp_path)
    run("ports", "import", d / "WPI_old_layout.csv", "--name-field", "PORT_NAME")
    areas = {p["name"]: p["area_m2"] for p in run.json("ports", "list")}
    assert areas["VICTORIA"] == pytest.approx(3.1416 * 4000 ** 2, rel=0.01)
    assert areas["TEST LARGE HARBOUR"] == pytest.approx(3.1416 * 8000 ** 2, rel=0.01)


def test_real_world_port_index_keeps_ports_apart(run):
    from conftest import shared

    # NGA World Port Index, Pub 150 (shared/data/README.md): three ports are named Victoria.
    wpi = shared("ports/world_port_index_pub150.csv")
    run("ports", "import", wpi, "--buffer-m", 1500)
    victorias = [p for p in run.json("ports", "list") if p["name"] == "Victoria"]
    assert len(victorias) == 3
    assert {p["country"] for p in victorias} == {"Malaysia", "Guinea", "Seychelles"}
    assert next(p for p in victorias if p["country"] == "Seychelles")["locode"] == "SC POV"
    err = run("sightings", "list", "--port", "Victoria", code=2).stderr
    assert "matches 3 ports" in err and "(Seychelles, SC POV)" in err
    assert run.json("sightings", "list", "--port", "SC POV") == []


def test_kml_schema_data_fields_and_folders(run, tmp_path):
    """SimpleData fields (as ogr2ogr and My Maps write them) and placemarks in several folders."""
    path = tmp_path / "folders.kml"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="s" id="s"><SimpleField name="imo" type="string"/><SimpleField name="note" type="string"/></Schema>
<Folder><name>March</name>
  <Placemark><name>ONE</name><TimeStamp><when>2024-03-05T14:22:00+09:00</when></TimeStamp>
    <ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="imo">9179842</SimpleData>
    <SimpleData name="note">Тестовая гавань</SimpleData></SchemaData></ExtendedData>
    <Point><coordinates>130.2985,42.2452,0</coordinates></Point></Placemark>
</Folder>
<Folder><name>April</name>
  <Placemark><name>TWO</name><TimeStamp><when>2024-04-05T00:00:00Z</when></TimeStamp>
    <Point><coordinates>132.342,42.885</coordinates></Point></Placemark>
</Folder></Document></kml>""", encoding="utf-8")
    _store_with_sample_ports(run)
    run("sightings", "import", path)
    got = {s["name"]: s for s in run.json("sightings", "list")}
    assert (got["ONE"]["time"], got["ONE"]["imo"], got["ONE"]["note"], got["ONE"]["port"]) == (
        "2024-03-05T05:22:00Z", "9179842", "Тестовая гавань", "Rajin Pier 3")
    assert (got["TWO"]["time"], got["TWO"]["port"]) == ("2024-04-05T00:00:00Z", "Dunai")
