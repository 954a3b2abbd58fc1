"""``shipsight ais``: import, vessels, track, imports — through the CLI, on SQLite and PostGIS."""

import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest

from tests.conftest import Cli, is_postgis, shared, table_rows

MC_DAY = "ais/marinecadastre/AIS_2022_01_03_first99999.csv.gz"
PLAIN = "mmsi,time,lon,lat,sog,cog,heading,name,imo,call_sign,ship_type,length_m"


def _parts(folder):
    return sorted(p.relative_to(folder) for p in Path(folder).rglob("*.parquet"))


def test_marinecadastre_day_import_vessels_track(ais):
    path = shared(MC_DAY)
    out = json.loads(ais("ais", "import", path, "--json").stdout)[0]
    # 99,999 rows; 3 repeat another row exactly; 10,631 MMSIs, of which 11 broadcast no static field at all.
    assert (out["positions"], out["duplicates"], out["vessels"], out["identities_added"]) == (99_996, 3, 10_631, 10_620)
    assert out["rows"] == 99_999 and out["not_recorded"] == {"duplicates": 3}
    assert out["counts"]["positions_base_station"] == 60 and out["counts"]["positions_mob"] == 18
    assert out["days"] == ["2022-01-03"] and out["first_time"] == "2022-01-03T00:00:00Z"
    parts = _parts(ais.folder)
    sizes = [(ais.folder / p).stat().st_size for p in parts]
    # Re-importing the same file adds nothing, in the archive or the store.
    again = ais("ais", "import", path)
    assert "already imported" in again.stdout
    assert _parts(ais.folder) == parts and [(ais.folder / p).stat().st_size for p in parts] == sizes
    imports = json.loads(ais("ais", "imports", "--json").stdout)
    assert len(imports) == 1 and imports[0]["sha256"] == out["sha256"] and imports[0]["positions"] == 99_996
    # The EAGLE, IMO 8207721 (MarineCadastre row: 367379190 ... EAGLE,IMO8207721,WTD4583,31).
    eagle = json.loads(ais("ais", "vessels", "--imo", "8207721", "--json").stdout)
    assert [(v["mmsi"], v["name"], v["call_sign"], v["vessel_type"], v["flag"]) for v in eagle] == \
        [("367379190", "EAGLE", "WTD4583", "towing", "US")]
    # A placeholder IMO is never an IMO; base stations are not ships.
    assert json.loads(ais("ais", "vessels", "--imo", "0000000", "--json").stdout) == []
    stations = json.loads(ais("ais", "vessels", "--kind", "base-station", "--json").stdout)
    assert stations == []  # they broadcast no static data in this file
    ships = json.loads(ais("ais", "vessels", "--json").stdout)
    assert len(ships) == 10_620 - sum(1 for v in json.loads(ais("ais", "vessels", "--kind", "all", "--json").stdout)
                                      if v["kind"] != "ship")
    track = json.loads(ais("ais", "track", "367379190", "--json").stdout)
    assert len(track) >= 10 and {t["name"] for t in track} == {"EAGLE"}
    by_imo = json.loads(ais("ais", "track", "IMO 8207721", "--since", "2022-01-03", "--until", "2022-01-03",
                            "--json").stdout)
    assert by_imo == track
    geo = json.loads(ais("ais", "track", "367379190", "--geojson").stdout)
    kinds = [f["geometry"]["type"] for f in geo["features"]]
    assert kinds.count("LineString") == 1 and kinds.count("Point") == len(track)


def test_nmea_without_time_is_refused_and_writes_nothing(ais):
    path = shared("ais/nmea/nmea_data_sample.txt")
    result = ais("ais", "import", path, code=2)
    assert "--received-at" in result.stderr and "Traceback" not in result.stderr
    assert _parts(ais.folder) == []
    ais.run("init")
    assert json.loads(ais("ais", "imports", "--json").stdout) == []
    ok = ais("ais", "import", path, "--received-at", "2024-01-01T00:00:00Z", "--json")
    rec = json.loads(ok.stdout)[0]
    assert rec["counts"]["empty"] == 100 and rec["counts"]["time_assumed"] == 778
    assert "time_assumed" in ok.stderr or "--received-at" in ok.stderr


def test_identities_over_time_across_files_and_mmsis(ais, tmp_path):
    day1 = tmp_path / "day1.csv"
    day1.write_text("\n".join([
        PLAIN,
        "273456780,2024-03-01T00:00:00Z,130.30,42.25,0.1,,511,ANGARA,IMO 9179842,UBCF2,80,120",
        "273456780,2024-03-01T06:00:00Z,130.31,42.25,0.0,,,ANGARA,9179842,UBCF2,80,120",
        "412000111,2024-03-01T03:00:00+09:00,121.5,31.2,12.5,90,91,SOME SHIP,0,,cargo,",
    ]) + "\n")
    day2 = tmp_path / "day2.csv"
    # The next day the tanker is on a new MMSI under a new name, with the same IMO; the old MMSI goes on.
    day2.write_text("\n".join([
        PLAIN,
        "273456780,2024-03-02T00:00:00Z,130.32,42.25,0.0,,,ANGARA,9179842,UBCF2,80,120",
        "620999001,2024-03-02T12:00:00Z,129.90,42.10,8.0,180,180,HAI XING,9179842,,80,120",
    ]) + "\n")
    first = json.loads(ais("ais", "import", day1, "--json").stdout)[0]
    assert first["identities_added"] == 2 and first["positions"] == 3
    second = json.loads(ais("ais", "import", day2, "--json").stdout)[0]
    assert (second["identities_added"], second["identities_extended"]) == (1, 1)
    runs = json.loads(ais("ais", "vessels", "--imo", "9179842", "--json").stdout)
    assert [(r["mmsi"], r["name"], r["flag"], r["valid_from"], r["valid_to"], r["reports"]) for r in runs] == [
        ("273456780", "ANGARA", "RU", "2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", 3),
        ("620999001", "HAI XING", "KM", "2024-03-02T12:00:00Z", "2024-03-02T12:00:00Z", 1)]
    some = json.loads(ais("ais", "vessels", "--name", "some", "--json").stdout)
    assert [(s["imo"], s["vessel_type"], s["country"]) for s in some] == [(None, "cargo", "China")]
    assert json.loads(ais("ais", "vessels", "--country", "KP", "--json").stdout) == []
    # By IMO the track follows the vessel onto its new MMSI.
    track = json.loads(ais("ais", "track", "9179842", "--json").stdout)
    assert [(t["mmsi"], t["name"]) for t in track] == [("273456780", "ANGARA")] * 3 + [("620999001", "HAI XING")]
    assert track[0]["heading"] is None and track[0]["cog"] is None
    assert json.loads(ais("ais", "track", "412000111", "--json").stdout)[0]["time"] == "2024-02-29T18:00:00Z"
    missing = ais("ais", "track", "9999997", code=2)
    assert "no AIS identity" in missing.stderr or "check digit" in missing.stderr


def test_track_prints_the_precision_ais_carries(ais, tmp_path):
    """Degrees to 5 decimals in the table (about a metre); JSON and GeoJSON as written, not float32 noise."""
    path = tmp_path / "p.csv"
    path.write_text("\n".join([PLAIN, "273456780,2024-03-01T00:00:00Z,130.123456,42.654321,10.3,238.6,237,A,,,80,",
                               "273456780,2024-03-01T00:10:00Z,130.133456,42.664321,10.1,238.7,,A,,,80,"]) + "\n")
    ais("ais", "import", path)
    table = ais("ais", "track", "273456780").stdout
    assert "130.12346" in table and "42.65432" in table and "238.6" in table
    first, second = json.loads(ais("ais", "track", "273456780", "--json").stdout)
    assert (first["lon"], first["lat"], first["sog"], first["cog"], first["heading"]) == \
        (130.123456, 42.654321, 10.3, 238.6, 237)
    assert (second["sog"], second["cog"], second["heading"]) == (10.1, 238.7, None)
    features = json.loads(ais("ais", "track", "273456780", "--geojson").stdout)["features"]
    assert features[0]["geometry"]["coordinates"] == [130.123456, 42.654321]
    assert (features[0]["properties"]["cog"], features[1]["properties"]["sog"]) == (238.6, 10.1)
    assert features[-1]["properties"]["positions"] == 2


def test_marinecadastre_2025_layout_zst_and_legacy_zip(ais, tmp_path):
    header = ("mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,vessel_type,status,"
              "length,width,draft,cargo,transceiver")
    rows = ["368382440,2025-12-31 00:00:00,-76.43,36.96,4.7,321.6,327,PATRICIA B. MORAN,IMO1079618,WDP7519,52,0,26,"
            "11,5.0,52,A", "368382440,2025-12-31 00:01:00,-76.44,36.97,4.6,,,PATRICIA B. MORAN,,WDP7519,52,0,26,11,,52,A"]
    zst = tmp_path / "ais-2025-12-31.csv.zst"
    with pa.CompressedOutputStream(str(zst), "zstd") as out:
        out.write(("\n".join([header, *rows]) + "\n").encode())
    legacy = tmp_path / "AIS_2022_06_20.zip"
    with zipfile.ZipFile(legacy, "w") as z:
        z.writestr("AIS_2022_06_20.csv", "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,"
                   "VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass\n"
                   "538009563,2022-06-20T00:00:04,29.23668,-116.63519,20.4,149.9,152.0,DEL MONTE PRIDE,IMO9869693,"
                   "V7A4893,70,0,192,30,7.6,70,A\n")
    recs = json.loads(ais("ais", "import", zst, legacy, "--json").stdout)
    assert [(r["format"], r["positions"]) for r in recs] == [("marinecadastre2025", 2), ("marinecadastre", 1)]
    moran = json.loads(ais("ais", "vessels", "--mmsi", "368382440", "--json").stdout)
    # IMO1079618 (check digit 1*7+0+7*5+9*4+6*3+1*2 = 98 -> 8); the next row sends none: a second identity.
    assert [(v["name"], v["imo"], v["vessel_type"], v["length_m"], v["reports"]) for v in moran] == \
        [("PATRICIA B. MORAN", "1079618", "tug", 26.0, 1), ("PATRICIA B. MORAN", None, "tug", 26.0, 1)]
    pride = json.loads(ais("ais", "vessels", "--imo", "9869693", "--json").stdout)
    assert [(p["name"], p["flag"]) for p in pride] == [("DEL MONTE PRIDE", "MH")]


def test_bad_files_exit_2_and_write_nothing(ais, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(PLAIN + "\n273456780,2024-03-01T00:00:00Z,130.3,42.2,,,,A,,,,\n"
                   "273456780,2024-03-01T01:00:00Z,east,42.2,,,,A,,,,\n")
    result = ais("ais", "import", bad, code=2)
    assert "row 3" in result.stderr and "lon" in result.stderr and "Traceback" not in result.stderr
    zoneless = tmp_path / "zoneless.csv"
    zoneless.write_text(PLAIN + "\n273456780,2024-03-01 09:00,130.3,42.2,,,,A,,,,\n")
    result = ais("ais", "import", zoneless, code=2)
    assert "row 2, field time" in result.stderr and "--tz" in result.stderr
    assert json.loads(ais("ais", "import", zoneless, "--tz", "Asia/Pyongyang", "--json").stdout)[0]["first_time"] \
        == "2024-03-01T00:00:00Z"
    gps = tmp_path / "gps.nmea"
    gps.write_text("$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D\n")
    assert "no AIS message in 1 line (" in ais("ais", "import", gps, code=2).stderr
    other = tmp_path / "notes.txt"
    other.write_text("just some notes\n")
    result = ais("ais", "import", other, code=2)
    assert "neither NMEA" in result.stderr
    assert len(json.loads(ais("ais", "imports", "--json").stdout)) == 1
    assert len(_parts(ais.folder)) == 1


@pytest.mark.parametrize("args, option", [
    (["ais", "import", "FILE", "--received-at", "05/03/2024 14:22"], "--received-at"),
    (["ais", "vessels", "--since", "2024-03-01 09:00"], "--since"),
    (["ais", "screen", "--until", "yesterday"], "--until"),
])
def test_a_bad_time_option_says_how_to_write_it_with_no_option_the_command_lacks(ais, tmp_path, args, option):
    path = tmp_path / "p.csv"
    path.write_text(PLAIN + "\n")
    err = ais(*[str(path) if a == "FILE" else a for a in args], code=2).stderr
    assert f"Invalid value for '{option}'" in err and "Traceback" not in err
    assert "--time-format" not in err and "--tz" not in err
    assert "2024-03-01T09:30:00Z" in err or "2024-03-01T09:00:00Z if it is UTC" in err


def test_wrong_columns_and_bad_rows_say_where_in_one_line(ais, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("MMSI,when,x,y\n273456780,2024-03-01T00:00:00Z,130.3,42.2\n")
    err = ais("ais", "import", wrong, "--format", "plain", code=2).stderr.strip()
    assert len(err.splitlines()) == 1
    assert "needs the columns mmsi, time, lon, lat" in err and "the file has MMSI, when, x, y" in err
    mc = tmp_path / "mc.csv"
    mc.write_text("MMSI,BaseDateTime,LAT,LON\n273456780,2024-03-01T00:00:00,42.2,130.3\n")
    assert "use --format marinecadastre or auto" in ais("ais", "import", mc, "--format", "plain", code=2).stderr
    one = tmp_path / "one.csv"
    one.write_text(PLAIN + "\n273456780,2024-03-01T00:00:00Z,130.3,42.2,,,,A,,,,\n"
                   "273456780,not a time,130.3,42.2,,,,A,,,,\n")
    err = ais("ais", "import", one, code=2).stderr.strip()
    assert err.splitlines() == [f"Error: {one}, row 3, field time: time 'not a time' is not ISO 8601; "
                                "write it as 2024-03-01T09:30:00Z (nothing was written)"]
    two = tmp_path / "two.csv"
    two.write_text(PLAIN + "\n273456780,2024-03-01T00:00:00Z,east,42.2,,,,A,,,,\n"
                   "273456780,2024-03-01T01:00:00Z,130.3,42.2,fast,,,A,,,,\n")
    assert ais("ais", "import", two, code=2).stderr.strip().splitlines() == [
        f"Error: {two}: 2 bad values; nothing was written",
        f"  {two}, row 2, field lon: 'east' is not a number",
        f"  {two}, row 3, field sog: 'fast' is not a number"]
    assert _parts(ais.folder) == []


def test_archive_beside_the_store_or_named(db, tmp_path, monkeypatch):
    path = shared("ais/nmea/gatehouse.nmea")
    run = Cli(db)
    if is_postgis(db):
        result = run("ais", "import", path, code=2)
        assert "--ais" in result.stderr and "SHIPSIGHT_AIS" in result.stderr
        monkeypatch.setenv("SHIPSIGHT_AIS", str(tmp_path / "env.ais"))
        run("ais", "import", path)
        assert _parts(tmp_path / "env.ais")
    else:
        run("ais", "import", path)
        assert _parts(Path(db).with_suffix(".ais"))


def test_copy_carries_imports_and_identities(db, tmp_path):
    source = str(tmp_path / "home.db")
    home = Cli(source)
    path = shared("ais/nmea/mixed.txt")
    home("ais", "import", path)
    Cli(db)("copy", "--from", source, "--to", db)
    team = Cli(db)
    archive = str(tmp_path / "home.ais")
    assert team.json("--ais", archive, "ais", "vessels", "--kind", "all") == \
        home.json("ais", "vessels", "--kind", "all")
    assert [i["sha256"] for i in team.json("--ais", archive, "ais", "imports")] == \
        [i["sha256"] for i in home.json("ais", "imports")]
    assert "already imported" in team("--ais", archive, "ais", "import", path).stdout


# -- the same AIS in another file ----------------------------------------------------------------
def test_same_marinecadastre_day_unzipped_adds_nothing(ais, tmp_path):
    import gzip

    path = shared(MC_DAY)
    ais("ais", "import", path)
    parts = _parts(ais.folder)
    flat = tmp_path / "AIS_2022_01_03.csv"
    flat.write_bytes(gzip.decompress(path.read_bytes()))
    again = ais("ais", "import", flat, "--json")
    rec = json.loads(again.stdout)[0]
    # Every row of the file is in the archive already (the 3 exact repeats within it too).
    assert rec["recorded"] is False and rec["already_archived"] == 99_999 and rec["positions"] == 0
    assert "99999 positions already in the archive" in again.stderr
    assert _parts(ais.folder) == parts
    assert len(json.loads(ais("ais", "imports", "--json").stdout)) == 1
    assert "not recorded" in ais("ais", "import", flat).stdout
    # No identity was extended by the same rows again.
    eagle = json.loads(ais("ais", "vessels", "--imo", "8207721", "--json").stdout)
    assert len(eagle) == 1


def test_overlapping_files_add_only_what_is_new(ais, tmp_path):
    rows = [f"273456780,2024-03-01T00:{m:02d}:00Z,130.{m:02d}000,42.25000,10,90,90,ANGARA,9179842,,80,120"
            for m in range(10)]
    (tmp_path / "a.csv").write_text("\n".join([PLAIN, *rows[:6]]) + "\n")
    # The second file holds rows 4-9, two of them written with more decimals (the same report), and a
    # report of the same second 30 km away (not the same report: two places at once).
    later = [rows[4].replace("130.04000", "130.0400004"), rows[5], *rows[6:],
             "273456780,2024-03-01T00:05:00Z,130.40000,42.25000,10,90,90,ANGARA,9179842,,80,120"]
    (tmp_path / "b.csv").write_text("\n".join([PLAIN, *later]) + "\n")
    ais("ais", "import", tmp_path / "a.csv")
    rec = json.loads(ais("ais", "import", tmp_path / "b.csv", "--json").stdout)[0]
    assert rec["already_archived"] == 2 and rec["positions"] == 5 and rec["recorded"] is True
    track = json.loads(ais("ais", "track", "273456780", "--json").stdout)
    assert len(track) == 11
    ident = json.loads(ais("ais", "vessels", "--mmsi", "273456780", "--json").stdout)
    assert len(ident) == 1


def test_same_nmea_sentences_in_another_file_add_no_position(ais, tmp_path):
    path = shared("ais/nmea/nmea_data_sample.txt")
    first = json.loads(ais("ais", "import", path, "--received-at", "2024-01-01T00:00:00Z", "--json").stdout)[0]
    copy = tmp_path / "copy.nmea"
    copy.write_bytes(path.read_bytes() + b"\n")  # another file (another SHA-256), the same sentences
    rec = json.loads(ais("ais", "import", copy, "--received-at", "2024-01-01T00:00:00Z", "--json").stdout)[0]
    assert rec["positions"] == 0 and rec["already_archived"] == first["positions"] + first["duplicates"]
    import pyarrow.parquet as pq

    assert sum(pq.read_metadata(ais.folder / p).num_rows for p in _parts(ais.folder)) == first["positions"]


def test_out_of_range_coordinates_are_not_taken_for_no_position(ais, tmp_path):
    rows = ["273456780,2024-03-01T00:00:00Z,181,91,,,,,,,,",            # AIS "not available"
            "273456780,2024-03-01T00:01:00Z,,,,,,,,,,",                  # blank
            "273456780,2024-03-01T00:02:00Z,-218.0,42.2,,,,,,,,",        # wrong
            "273456780,2024-03-01T00:03:00Z,130.0,95.0,,,,,,,,"]         # wrong
    (tmp_path / "bad.csv").write_text("\n".join([PLAIN, *rows]) + "\n")
    result = ais("ais", "import", tmp_path / "bad.csv", "--json")
    rec = json.loads(result.stdout)[0]
    assert rec["counts"]["no_position"] == 2 and rec["counts"]["invalid_position"] == 2
    assert "2 reports whose longitude or latitude is out of range" in result.stderr
    # Nothing was added, so nothing is recorded, and the output says so.
    assert rec["recorded"] is False and _parts(ais.folder) == []
    assert json.loads(ais("ais", "imports", "--json").stdout) == []
    assert "not recorded" in ais("ais", "import", tmp_path / "bad.csv").stdout


def test_track_table_gives_degrees_to_five_decimals_and_json_to_six(ais, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(PLAIN + "\n273456780,2024-03-01T00:00:00Z,130.3,42.24527777777778,10.25,238.6,237,ALPHA,,,,\n"
                    "273456780,2024-03-01T00:10:00Z,-0.1,42.3,10.0,238.6,237,ALPHA,,,,\n")
    ais("ais", "import", path)
    rows = table_rows(ais("ais", "track", "273456780").stdout)
    assert [(r["lon"], r["lat"]) for r in rows] == [("130.30000", "42.24528"), ("-0.10000", "42.30000")]
    track = json.loads(ais("ais", "track", "273456780", "--json").stdout)
    assert [(t["lon"], t["lat"]) for t in track] == [(130.3, 42.245278), (-0.1, 42.3)]
