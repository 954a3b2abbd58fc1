"""GIS export: every format re-read with pyogrio/geopandas and compared with the input."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given, settings, strategies as st

from shipsight.errors import InputError
from shipsight.io import export
from shipsight.io.export import FORMATS, format_for, read_layer, shapefile_field_names, write_layer, write_layers
from shipsight.report.sample import XSS_NAME, sample_layers

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def layers():
    return sample_layers()


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "path, fmt, expected",
    [
        ("a.gpkg", None, "gpkg"),
        ("A.GeoJSON", None, "geojson"),
        ("a.geojsonl", None, "geojsonseq"),
        ("a.kml", None, "kml"),
        ("a.shp", None, "shp"),
        ("a.fgb", None, "fgb"),
        ("a.csv", None, "csv"),
        ("a.parquet", None, "parquet"),
        ("a.txt", "GeoJSON", "geojson"),
        ("a.gpkg", "gpkg", "gpkg"),
    ],
)
def test_format_for(path, fmt, expected):
    assert format_for(path, fmt) == expected


@pytest.mark.parametrize(
    "path, fmt, needle",
    [
        ("a.xlsx", None, "gpkg (.gpkg)"),  # unknown extension lists what is supported
        ("noext", None, "no extension"),
        ("a.gpkg", "xlsx", "unknown format 'xlsx'"),
        ("a.gpkg", "shp", "means gpkg"),  # contradiction: never silently something else
        ("a.dbf", "shp", "must end in .shp"),
    ],
)
def test_format_for_refuses(path, fmt, needle):
    with pytest.raises(InputError) as err:
        format_for(path, fmt)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_extension_writes_nothing(tmp_path, layers):
    with pytest.raises(InputError, match="shp"):
        write_layer(layers["sightings"], tmp_path / "s.xlsx", layer="sightings")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------- round trips


def _by_id(frame):
    return frame.sort_values("id").reset_index(drop=True)


ROUND_TRIP = ["gpkg", "geojson", "geojsonseq", "fgb", "shp", "parquet"]


@pytest.mark.parametrize("fmt", ROUND_TRIP)
def test_sightings_round_trip(tmp_path, layers, fmt):
    src = layers["sightings"]
    out = tmp_path / f"sightings{FORMATS[fmt]['extensions'][0]}"
    write_layer(src, out, layer="sightings")
    back = _by_id(read_layer(out))
    assert len(back) == len(src)
    assert back["id"].tolist() == src["id"].tolist()
    # integers stay integers, with their gaps
    assert pd.api.types.is_integer_dtype(back["pixel_row"].dtype)
    assert back["pixel_row"].isna().tolist() == src["pixel_row"].isna().tolist()
    assert back["pixel_row"].dropna().tolist() == src["pixel_row"].dropna().tolist()
    # UTC datetimes stay UTC datetimes
    assert isinstance(back["time"].dtype, pd.DatetimeTZDtype)
    assert str(back["time"].dt.tz) == "UTC"
    assert (back["time"] == src["time"]).all()
    assert (back["created_at"] == src["created_at"]).all()
    # text, awkward text and missing text
    assert back["name"].iloc[1] == XSS_NAME
    assert pd.isna(back["name"].iloc[5])
    assert back["note"].iloc[1] == src["note"].iloc[1]
    assert back["nearest_port_distance_m"].tolist() == src["nearest_port_distance_m"].tolist()
    assert shapely.equals_exact(np.asarray(back.geometry.array), np.asarray(src.geometry.array), tolerance=1e-9).all()


@pytest.mark.parametrize("fmt", ["gpkg", "fgb", "geojson"])
def test_field_types_in_file(tmp_path, layers, fmt):
    out = tmp_path / f"s{FORMATS[fmt]['extensions'][0]}"
    write_layer(layers["sightings"], out, layer="sightings")
    info = pyogrio.read_info(out)
    types = dict(zip(info["fields"], info["dtypes"]))
    assert types["id"].startswith("int")
    assert types["pixel_row"].startswith("int")  # nullable Int64, not float
    assert types["time"].startswith("datetime64")
    assert types["length_m"] == "float64"


@pytest.mark.parametrize("fmt", ROUND_TRIP)
@pytest.mark.parametrize("layer, key", [("ports", "ports"), ("scenes", "scenes"), ("port-calls", "port_calls")])
def test_other_layers_round_trip(tmp_path, layers, fmt, layer, key):
    src = layers[key]
    out = tmp_path / f"{key}{FORMATS[fmt]['extensions'][0]}"
    write_layer(src, out, layer=layer)
    back = read_layer(out)
    assert len(back) == len(src)
    order = "id" if "id" in src.columns else "first_seen"
    back = back.sort_values(order).reset_index(drop=True)
    src = src.sort_values(order).reset_index(drop=True)
    assert back["name" if "name" in src else "sensor"].tolist() == src["name" if "name" in src else "sensor"].tolist()
    # polygons and multipolygons keep their area
    assert np.allclose(shapely.area(np.asarray(back.geometry.array)), shapely.area(np.asarray(src.geometry.array)))
    if key == "ports":
        assert back["watchlist"].tolist() == [True, True, False]
    if key == "port_calls":
        assert (back["first_seen"] == src["first_seen"]).all()
        assert pd.api.types.is_integer_dtype(back["n_sightings"].dtype)


def test_write_layer_reprojects_to_wgs84(tmp_path, layers):
    src = layers["sightings"].to_crs(3857)
    out = write_layer(src, tmp_path / "s.geojson", layer="sightings")
    back = _by_id(read_layer(out))
    assert np.allclose(back.geometry.x, layers["sightings"]["lon"])


def test_naive_times_refused(tmp_path, layers):
    src = layers["sightings"].copy()
    src["time"] = src["time"].dt.tz_localize(None)
    with pytest.raises(InputError, match="without a time zone"):
        write_layer(src, tmp_path / "s.gpkg", layer="sightings")


def test_empty_layer(tmp_path, layers):
    out = write_layer(layers["sightings"].iloc[:0], tmp_path / "s.gpkg", layer="sightings")
    assert len(read_layer(out)) == 0
    assert "name" in pyogrio.read_info(out)["fields"]


# ------------------------------------------------------------- flags


@pytest.mark.parametrize("fmt", ["geojson", "geojsonseq", "parquet", "csv"])
def test_flags_linked_as_lines_in_mixed_formats(tmp_path, layers, fmt):
    out = tmp_path / f"flags{FORMATS[fmt]['extensions'][0]}"
    write_layer(layers["flags"], out, layer="flags")
    back = read_layer(out)
    back["id"] = back["id"].astype(int)
    back = _by_id(back)
    assert back.geometry.geom_type.tolist() == ["Point", "LineString", "LineString", "Point"]
    line = back.geometry.iloc[2]
    sights = layers["sightings"].set_index("id")
    assert line.coords[0] == sights.geometry[3].coords[0]  # flagged sighting first
    assert line.coords[1] == sights.geometry[4].coords[0]  # then the related one
    assert np.isclose(float(back["related_lon"].iloc[2]), sights.loc[4, "lon"])
    assert pd.isna(back["related_lon"].iloc[0]) or back["related_lon"].iloc[0] in ("", None)


def test_flags_gpkg_points_and_links(tmp_path, layers):
    out = write_layer(layers["flags"], tmp_path / "flags.gpkg", layer="flags")
    names = dict(pyogrio.list_layers(out))
    assert names == {"flags": "Point", "flags_links": "LineString"}
    pts = _by_id(read_layer(out, layer="flags"))
    links = _by_id(read_layer(out, layer="flags_links"))
    assert len(pts) == 4 and links["id"].tolist() == [2, 3]
    assert links["related_sighting_id"].tolist() == [1, 4]
    assert pts["related_sighting_id"].isna().tolist() == [True, False, False, True]


@pytest.mark.parametrize("fmt", ["shp", "fgb"])
def test_flags_points_only_in_single_type_formats(tmp_path, layers, fmt):
    out = write_layer(layers["flags"], tmp_path / f"flags.{fmt}", layer="flags")
    back = _by_id(read_layer(out))
    assert set(back.geometry.geom_type) == {"Point"}
    assert np.isclose(back["related_lat"].iloc[1], layers["sightings"]["lat"].iloc[0])
    assert "related_geometry" not in back.columns


# ---------------------------------------------------------- shapefile


def test_shapefile_names_and_sidecar(tmp_path, layers):
    out = write_layer(layers["sightings"], tmp_path / "s.shp", layer="sightings")
    raw = pyogrio.read_info(out)["fields"].tolist()
    assert all(len(f) <= 10 for f in raw)
    assert "npt_dist_m" in raw and "vtype" in raw
    sidecar = pd.read_csv(tmp_path / "s.fields.csv", dtype=str, keep_default_na=False)
    mapping = dict(zip(sidecar["field"], sidecar["shp_field"]))
    assert mapping["nearest_port_distance_m"] == "npt_dist_m"
    assert sidecar.loc[sidecar["field"] == "time", "type"].item() == "datetime"
    assert list(mapping.values()) == raw
    # the time is kept in full as ISO text, not cut to a date
    text = pyogrio.read_dataframe(out, columns=["time"])["time"].iloc[0]
    assert text == "2024-03-01T02:15:00Z"


def test_shapefile_field_names_examples():
    m = shapefile_field_names(["related_sighting_id", "abcdefghijk", "abcdefghijz", "ABCDEFGHIJ"])
    assert m["related_sighting_id"] == "rel_sid"
    assert m["abcdefghijk"] == "abcdefghij"
    assert m["abcdefghijz"] == "abcdefgh_1"
    assert m["ABCDEFGHIJ"] == "ABCDEFGH_2"  # dBASE names clash case-insensitively


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghij_", min_size=1, max_size=25), unique=True, max_size=15))
def test_shapefile_field_names_unique_and_short(names):
    m = shapefile_field_names(names)
    assert list(m) == names
    short = list(m.values())
    assert all(len(s) <= 10 for s in short)
    assert len({s.lower() for s in short}) == len(short)
    assert m == shapefile_field_names(names)  # deterministic


# ---------------------------------------------------------- csv


def test_csv_has_wkt_lonlat_and_iso_times(tmp_path, layers):
    out = write_layer(layers["sightings"], tmp_path / "s.csv", layer="sightings")
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert {"wkt", "lon", "lat"} <= set(raw.columns)
    assert raw["time"].iloc[0] == "2024-03-01T02:15:00Z"
    assert raw["pixel_row"].tolist()[:5] == ["1012", "1040", "88", "91", ""]  # ints stay ints, no ".0"
    assert raw["wkt"].iloc[0] == "POINT (125.38 38.715)"
    back = read_layer(out)
    assert back["name"].iloc[1] == XSS_NAME
    assert back.geometry.iloc[0].equals(layers["sightings"].geometry.iloc[0])


def test_csv_text_that_a_spreadsheet_would_run_is_inert_and_reads_back(tmp_path, layers):
    sightings = layers["sightings"].copy()
    sightings["name"] = sightings["name"].astype(object)
    sightings["note"] = sightings["note"].astype(object)
    sightings.loc[sightings.index[0], "name"] = '=HYPERLINK("http://x.example","click")'
    sightings.loc[sightings.index[1], "note"] = "-2+3"
    sightings.loc[sightings.index[2], "note"] = "'@SUM(A1)"
    sightings.loc[sightings.index[3], "lon"] = -12.5
    out = write_layer(sightings, tmp_path / "s.csv", layer="sightings")
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert raw["name"].iloc[0] == "'" + sightings["name"].iloc[0]
    assert raw["note"].iloc[1:3].tolist() == ["'-2+3", "''@SUM(A1)"]
    assert raw["lon"].iloc[3] == "-12.5"  # numbers are numbers
    assert not raw[["name", "note"]].map(lambda v: v[:1] in ("=", "+", "-", "@")).any().any()
    back = read_layer(out)
    assert back["name"].iloc[0] == sightings["name"].iloc[0]
    assert back["note"].iloc[1:3].tolist() == ["-2+3", "'@SUM(A1)"]


def test_csv_polygons_get_wkt_only(tmp_path, layers):
    out = write_layer(layers["ports"], tmp_path / "p.csv", layer="ports")
    raw = pd.read_csv(out, dtype=str)
    assert "lon" not in raw.columns
    assert shapely.from_wkt(raw["wkt"].iloc[1]).geom_type == "MultiPolygon"


# ---------------------------------------------------------- kml


def _kml_schema():
    etree = pytest.importorskip("lxml.etree")
    pytest.importorskip("pykml")
    from importlib.resources import files

    xsd = files("pykml") / "schemas" / "ogckml22.xsd"
    parser = etree.XMLParser(no_network=True)
    return etree, etree.XMLSchema(etree.parse(str(xsd), parser)), parser


@pytest.mark.parametrize("layer, key", [("sightings", "sightings"), ("flags", "flags"), ("ports", "ports"),
                                        ("scenes", "scenes"), ("port-calls", "port_calls")])
def test_kml_valid_against_ogc_schema(tmp_path, layers, layer, key):
    etree, schema, parser = _kml_schema()
    out = write_layer(layers[key], tmp_path / f"{key}.kml", layer=layer)
    doc = etree.parse(str(out), parser)
    assert schema.validate(doc), schema.error_log
    assert len(doc.findall(f".//{KML}Placemark")) == len(layers[key])


def test_kml_times_and_escaping(tmp_path, layers):
    out = write_layer(layers["sightings"], tmp_path / "s.kml", layer="sightings")
    root = ET.parse(out).getroot()
    marks = root.findall(f".//{KML}Placemark")
    whens = [m.find(f"{KML}TimeStamp/{KML}when").text for m in marks]
    assert whens[0] == "2024-03-01T02:15:00Z"
    assert whens[5] == "2024-04-11T02:15:01Z"
    xss = marks[1]
    assert xss.find(f"{KML}name").text == XSS_NAME  # a name is plain text
    desc = xss.find(f"{KML}description").text  # description is HTML for Google Earth...
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in desc  # ...so data in it is HTML-escaped
    assert "<script>" not in desc
    raw = out.read_text(encoding="utf-8")
    assert "<script>" not in raw
    calls = write_layer(layers["port_calls"], tmp_path / "c.kml", layer="port-calls")
    span = ET.parse(calls).getroot().find(f".//{KML}Placemark/{KML}TimeSpan")
    assert span.find(f"{KML}begin").text == "2024-03-01T02:15:00Z"
    assert span.find(f"{KML}end").text == "2024-03-01T07:15:00Z"


def test_kml_flags_point_and_line(tmp_path, layers):
    out = write_layer(layers["flags"], tmp_path / "f.kml", layer="flags")
    marks = ET.parse(out).getroot().findall(f".//{KML}Placemark")
    multi = marks[2].find(f"{KML}MultiGeometry")
    assert multi.find(f"{KML}Point") is not None and multi.find(f"{KML}LineString") is not None
    assert marks[0].find(f"{KML}Point") is not None


def test_kml_reread_with_gdal(tmp_path, layers):
    out = write_layer(layers["sightings"], tmp_path / "s.kml", layer="sightings")
    back = pyogrio.read_dataframe(out)
    assert len(back) == 6
    assert XSS_NAME in back["Name"].tolist()
    assert np.allclose(back.geometry.x, layers["sightings"]["lon"])
    assert back["timestamp"].notna().all()


# ---------------------------------------------------------- gpkg with all layers


@pytest.fixture(scope="module")
def all_gpkg(tmp_path_factory, layers):
    out = tmp_path_factory.mktemp("gpkg") / "all.gpkg"
    named = {"sightings": layers["sightings"], "flags": layers["flags"], "ports": layers["ports"],
             "scenes": layers["scenes"], "port-calls": layers["port_calls"]}
    return write_layers(named, out)


TABLES = ["sightings", "flags", "flags_links", "ports", "scenes", "port_calls"]


def test_gpkg_all_layers(all_gpkg, layers):
    assert [name for name, _ in pyogrio.list_layers(all_gpkg)] == TABLES
    assert len(read_layer(all_gpkg, layer="port_calls")) == len(layers["port_calls"])


def test_gpkg_spatial_index(all_gpkg):
    import sqlite3

    with sqlite3.connect(all_gpkg) as con:
        rows = con.execute("SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'").fetchall()
        assert sorted(r[0] for r in rows) == sorted(TABLES)
        version = con.execute("PRAGMA application_id").fetchone()[0]
    assert version == 0x47504B47  # 'GPKG'


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_gpkg_passes_ogrinfo(all_gpkg):
    for table in TABLES:
        run = subprocess.run(["ogrinfo", "-ro", "-so", str(all_gpkg), table], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "Feature Count" in run.stdout
        assert "ERROR" not in run.stderr
        sql = f"SELECT HasSpatialIndex('{table}', 'geom')"
        run = subprocess.run(["ogrinfo", "-ro", "-q", str(all_gpkg), "-sql", sql], capture_output=True, text=True, timeout=60)
        assert "= 1" in run.stdout, run.stdout + run.stderr
    assert "Warning" not in run.stderr  # GeoPackage 1.2 opens cleanly in older GDAL


def test_write_layers_needs_gpkg(tmp_path, layers):
    with pytest.raises(InputError, match=r"\.gpkg"):
        write_layers({"sightings": layers["sightings"]}, tmp_path / "all.geojson")


# ---------------------------------------------------------- overwrite, atomic


def test_existing_output_not_overwritten(tmp_path, layers):
    out = tmp_path / "s.geojson"
    out.write_text("keep me")
    with pytest.raises(InputError, match="overwrite"):
        write_layer(layers["sightings"], out, layer="sightings")
    assert out.read_text() == "keep me"
    write_layer(layers["sightings"], out, layer="sightings", overwrite=True)
    assert len(read_layer(out)) == 6


def test_existing_shapefile_part_blocks(tmp_path, layers):
    (tmp_path / "s.dbf").write_bytes(b"old")
    with pytest.raises(InputError, match="s.dbf exists"):
        write_layer(layers["sightings"], tmp_path / "s.shp", layer="sightings")
    write_layer(layers["sightings"], tmp_path / "s.shp", layer="sightings", overwrite=True)
    assert len(read_layer(tmp_path / "s.shp")) == 6
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["s.gpkg", "s.shp", "s.kml"])
def test_failed_write_leaves_nothing(tmp_path, layers, monkeypatch, name):
    real = export._write_one

    def half_then_fail(fmt, frames, tmp, layer, stem):
        real(fmt, frames, tmp, layer, stem)  # the file is (half) there...
        raise OSError("disk full")  # ...when something goes wrong

    monkeypatch.setattr(export, "_write_one", half_then_fail)
    with pytest.raises(OSError):
        write_layer(layers["sightings"], tmp_path / name, layer="sightings")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path, layers):
    with pytest.raises(InputError, match="does not exist"):
        write_layer(layers["sightings"], tmp_path / "nope" / "s.gpkg", layer="sightings")
