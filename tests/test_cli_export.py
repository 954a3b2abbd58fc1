"""``shipsight export`` through the real CLI: every format re-read with pyogrio/geopandas and compared with the store.

The log is built through the CLI (see outputs_scenario.py); what the store
holds is read back through ``--json`` listings, and each file is read with
pyogrio / geopandas / pandas directly (not through shipsight's own reader).
"""

import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from outputs_scenario import XSS, build_log
from test_export import KML, _kml_schema

FORMATS = {"gpkg": "gpkg", "geojson": "geojson", "geojsonseq": "geojsonl", "kml": "kml", "shp": "shp",
           "fgb": "fgb", "csv": "csv", "parquet": "parquet"}


@pytest.fixture
def log(run, tmp_path, ports_file):
    return build_log(run, tmp_path, ports_file)


def read_any(path, fmt, layer=None):
    """A written file back as a frame, read by the GIS libraries themselves."""
    if fmt == "parquet":
        return gpd.read_parquet(path)
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    frame = pyogrio.read_dataframe(path, layer=layer)
    if fmt == "shp":
        # The documented name map beside the .shp: field, shp_field, type, note.
        names = pd.read_csv(path.with_name(f"{path.stem}.fields.csv"), dtype=str, keep_default_na=False)
        assert (names["shp_field"].str.len() <= 10).all()
        frame = frame.rename(columns=dict(zip(names["shp_field"], names["field"])))
    if fmt == "kml":
        frame = frame.rename(columns={"Name": "kml_name"})
    return frame


def by_id(frame):
    return frame.assign(id=frame["id"].astype(int)).sort_values("id").reset_index(drop=True)


def utc(values):
    return pd.to_datetime(pd.Series(values), utc=True, format="ISO8601")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_sightings_every_format_round_trip(log, tmp_path, fmt):
    store = pd.DataFrame(log.json("sightings", "list"))
    out = tmp_path / f"sightings.{FORMATS[fmt]}"
    res = log("export", "--layer", "sightings", "--format", fmt, out)
    assert f"wrote {len(store)} sightings" in res.stdout
    back = read_any(out, fmt)
    assert len(back) == len(store) == 6
    if fmt == "kml":
        # KML: names as placemark names, time stamps, positions; fields again as ExtendedData.
        assert back["kml_name"].tolist() == store["name"].tolist() and XSS in back["kml_name"].tolist()
        assert np.allclose(back.geometry.x, store["lon"]) and np.allclose(back.geometry.y, store["lat"])
        assert (pd.to_datetime(back["timestamp"], utc=True) == utc(store["time"])).all()
        return
    back = by_id(back)
    assert back["name"].fillna("").tolist() == store["name"].fillna("").tolist()
    assert XSS in back["name"].tolist()
    assert back["imo"].fillna("").astype(str).tolist() == store["imo"].fillna("").tolist()
    if fmt == "csv":
        # CSV has no types: ISO 8601 UTC text, lon/lat and WKT.
        assert (utc(back["time"]) == utc(store["time"])).all()
        assert back["wkt"].str.startswith("POINT").all()
        assert np.allclose(back["lon"].astype(float), store["lon"])
        return
    assert np.allclose(back.geometry.x, store["lon"]) and np.allclose(back.geometry.y, store["lat"])
    assert back.crs.to_epsg() == 4326
    if fmt == "shp":
        # dBASE has no time of day: the documented ISO text, parsed back exactly.
        assert (utc(back["time"]) == utc(store["time"])).all()
    else:
        assert isinstance(back["time"].dtype, pd.DatetimeTZDtype), back["time"].dtype
        assert (back["time"].dt.tz_convert("UTC") == utc(store["time"])).all()
    assert pd.api.types.is_integer_dtype(back["id"].dtype)
    assert pd.api.types.is_integer_dtype(back["port_id"].dtype) or back["port_id"].isna().any()
    assert back["port_id"].astype("Int64").tolist() == pd.array(store["port_id"], dtype="Int64").tolist()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_flags_every_format_carry_both_sightings(log, tmp_path, fmt):
    flags = pd.DataFrame(log.json("flags", "list"))
    linked = flags["rule"].isin(["at-sanctioned-vessel-location", "ship-to-ship"])
    assert linked.sum() >= 2 and set(flags["rule"]) >= {"sanctioned-vessel", "watchlist-port", "ship-to-ship"}
    out = tmp_path / f"flags.{FORMATS[fmt]}"
    log("export", "--layer", "flags", out)
    back = read_any(out, fmt, layer="flags" if fmt == "gpkg" else None)
    assert len(back) == len(flags)
    if fmt == "kml":
        marks = ET.parse(out).getroot().findall(f".//{KML}Placemark")
        lines = [m for m in marks if m.find(f"{KML}MultiGeometry/{KML}LineString") is not None]
        assert len(lines) == linked.sum()
        return
    back = by_id(back)
    assert back["rule"].tolist() == flags["rule"].tolist()
    assert np.allclose(back["related_lon"].astype(float), flags["related_lon"].astype(float), equal_nan=True)
    assert np.allclose(back["lat"].astype(float), flags["lat"].astype(float))
    if fmt in ("geojson", "geojsonseq", "parquet"):
        kinds = back.geometry.geom_type
        assert (kinds[linked.to_numpy()] == "LineString").all() and (kinds[~linked.to_numpy()] == "Point").all()
    if fmt == "gpkg":
        assert len(pyogrio.read_dataframe(out, layer="flags_links")) == linked.sum()


def test_flag_filters(log, tmp_path):
    flags = pd.DataFrame(log.json("flags", "list"))
    log("export", "--layer", "flags", "--rule", "ship-to-ship", tmp_path / "sts.geojson")
    sts = pyogrio.read_dataframe(tmp_path / "sts.geojson")
    assert len(sts) == (flags["rule"] == "ship-to-ship").sum() >= 1
    assert (sts.geometry.geom_type == "LineString").all()
    log("export", "--layer", "flags", "--port", "Rajin Pier 3", tmp_path / "pier.geojson")
    pier = pyogrio.read_dataframe(tmp_path / "pier.geojson")
    assert set(pier["sighting_id"]) == {1, 2}
    log("export", "--layer", "flags", "--since", "2024-01-01", tmp_path / "late.geojson")
    late = pyogrio.read_dataframe(tmp_path / "late.geojson")
    assert set(late["sighting_id"]) == {6} and set(late["rule"]) == {"watchlist-port"}
    log("export", "--layer", "flags", "--bbox", "131,41,132,43", tmp_path / "box.geojson")
    assert set(pyogrio.read_dataframe(tmp_path / "box.geojson")["rule"]) == {"ship-to-ship"}


def test_sighting_filters_and_antimeridian_bbox(log, tmp_path):
    log("export", "--layer", "sightings", "--bbox", "179,-17,-179,-16", tmp_path / "dl.gpkg")
    assert pyogrio.read_dataframe(tmp_path / "dl.gpkg")["name"].tolist() == ["DATELINE"]
    log("export", "--layer", "sightings", "--port", "Rajin", "--until", "2023-12-31", tmp_path / "rajin.csv")
    assert sorted(pd.read_csv(tmp_path / "rajin.csv")["id"]) == [1, 2]
    log("export", "--layer", "ports", "--port", "Rajin", tmp_path / "rajin_ports.geojson")
    assert sorted(pyogrio.read_dataframe(tmp_path / "rajin_ports.geojson")["name"]) == ["Rajin", "Rajin Pier 3"]


def test_scenes_and_port_calls_layers(log, tmp_path):
    log("export", "--layer", "scenes", tmp_path / "scenes.geojson")
    scenes = pyogrio.read_dataframe(tmp_path / "scenes.geojson")
    assert scenes["id"].tolist() == ["rajin_s2"]
    assert scenes.geometry.iloc[0].contains(gpd.points_from_xy([130.2985], [42.2452])[0])
    assert str(scenes["acquired"].iloc[0]).startswith("2023-10-05 02:10:00")
    log("export", "--layer", "scenes", "--since", "2024-01-01", tmp_path / "none.geojson")
    assert len(pyogrio.read_dataframe(tmp_path / "none.geojson")) == 0
    calls = pd.DataFrame(log.json("port-calls"))
    log("export", "--layer", "port-calls", tmp_path / "calls.kml")
    marks = ET.parse(tmp_path / "calls.kml").getroot().findall(f".//{KML}Placemark")
    assert len(marks) == len(calls) and all(m.find(f"{KML}TimeSpan") is not None for m in marks)


def test_layer_all_one_geopackage(log, tmp_path):
    out = tmp_path / "log.gpkg"
    res = log("export", "--layer", "all", "--rule", "watchlist-port", out)
    assert "6 sightings" in res.stdout
    tables = [name for name, _ in pyogrio.list_layers(out)]
    assert tables == ["sightings", "flags", "flags_links", "ports", "scenes", "port_calls"]
    flags = pd.DataFrame(log.json("flags", "list", "--rule", "watchlist-port"))
    assert len(pyogrio.read_dataframe(out, layer="flags")) == len(flags)  # --rule narrows the flags only
    assert len(pyogrio.read_dataframe(out, layer="ports")) == 3
    with sqlite3.connect(out) as con:
        indexed = {r[0] for r in con.execute(
            "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'")}
    assert {"sightings", "flags", "ports", "scenes", "port_calls"} <= indexed
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (gdal-bin) not installed")
    for table in ("sightings", "flags", "ports", "scenes", "port_calls"):
        info = subprocess.run(["ogrinfo", "-ro", "-so", str(out), table], capture_output=True, text=True, timeout=60)
        assert info.returncode == 0 and "ERROR" not in info.stderr, info.stderr
        sql = subprocess.run(["ogrinfo", "-ro", "-q", str(out), "-sql", f"SELECT HasSpatialIndex('{table}', 'geom')"],
                             capture_output=True, text=True, timeout=60)
        assert "= 1" in sql.stdout, sql.stdout + sql.stderr


@pytest.mark.parametrize("layer", ["sightings", "flags", "ports", "scenes", "port-calls"])
def test_kml_valid_against_ogc_schema(log, tmp_path, layer):
    etree, schema, parser = _kml_schema()
    out = tmp_path / f"{layer}.kml"
    log("export", "--layer", layer, out)
    doc = etree.parse(str(out), parser)
    assert schema.validate(doc), schema.error_log
    assert "<script>" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, needle", [
    (["--format", "xlsx", "x.xlsx"], "unknown format 'xlsx'"),
    (["x.txt"], "cannot tell the format from extension '.txt'"),
    (["--format", "gpkg", "x.geojson"], "means geojson"),
    (["--layer", "all", "x.geojson"], "GeoPackage"),
    (["--layer", "sightings", "--rule", "ship-to-ship", "x.gpkg"], "--rule cannot filter sightings"),
    (["--layer", "ports", "--since", "2024-01-01", "x.gpkg"], "--since cannot filter ports"),
    (["--layer", "flags", "--port", "Atlantis", "x.gpkg"], "unknown port 'Atlantis'"),
])
def test_refusals_write_nothing(log, tmp_path, args, needle):
    before = set(tmp_path.iterdir())
    res = log("export", *[str(tmp_path / a) if a.startswith("x.") else a for a in args], code=2)
    assert needle in res.stderr and len(res.stderr.strip().splitlines()) == 1
    if "format" in needle or "extension" in needle:
        assert "gpkg (.gpkg)" in res.stderr and "parquet" in res.stderr  # the supported list
    assert set(tmp_path.iterdir()) == before


def test_existing_out_kept_without_overwrite(log, tmp_path):
    out = tmp_path / "s.geojson"
    out.write_text("keep")
    res = log("export", out, code=2)
    assert "--overwrite" in res.stderr and out.read_text() == "keep"
    log("export", out, "--overwrite")
    assert len(pyogrio.read_dataframe(out)) == 6
