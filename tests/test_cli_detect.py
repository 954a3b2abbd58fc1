"""``shipsight detect`` through the real CLI on generated scenes, on SQLite (and PostGIS when present)."""

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from shipsight.imagery.synth import make_scene

SHIPS = [{"row": 120, "col": 150, "length_m": 180, "heading_deg": 30, "db": 13},
         {"row": 330, "col": 380, "length_m": 120, "heading_deg": 100, "db": 13},
         {"row": 400, "col": 120, "length_m": 220, "heading_deg": 160, "db": 13}]
TIME = "2024-03-01T09:30:00Z"


@pytest.fixture(scope="module")
def sea(tmp_path_factory):
    """500 x 500 px at 10 m in the open Sea of Japan, three known ships."""
    path = tmp_path_factory.mktemp("sea") / "sea.tif"
    truth = make_scene(path, width=500, height=500, ships=SHIPS, seed=21)
    return path, truth


def _pixels(features):
    return sorted((round(f["properties"]["row"]), round(f["properties"]["col"])) for f in features)


def _near_truth(rows_cols, truth, tol=4):
    want = truth[["row", "col"]].to_numpy(float)
    return all(np.hypot(*(want - rc).T).min() <= tol for rc in np.asarray(rows_cols, float))


def test_out_geojson_holds_every_ship_with_its_measures(run, sea, tmp_path):
    image, truth = sea
    out = tmp_path / "ships.geojson"
    res = run("detect", image, "--out", out)
    assert "3 ships" in res.stdout and "GSHHG not needed (open sea)" in res.stdout
    doc = json.loads(out.read_text())
    feats = doc["features"]
    assert len(feats) == 3 and {f["geometry"]["type"] for f in feats} == {"Point"}
    assert _near_truth([(f["properties"]["row"], f["properties"]["col"]) for f in feats], truth)
    for f in feats:
        p = f["properties"]
        assert {"lon", "lat", "length_m", "width_m", "heading_axis_deg", "peak", "mean", "score"} <= set(p)
        assert f["geometry"]["coordinates"] == pytest.approx([p["lon"], p["lat"]])
        assert 80 < p["length_m"] < 300 and p["width_m"] < p["length_m"] and p["score"] > 5
    # An existing output is kept unless --overwrite, and nothing is detected first.
    err = run("detect", image, "--out", out, code=2)
    assert "--overwrite" in err.stderr
    run("detect", image, "--out", out, "--overwrite", "--json")
    # stdout of --json is one JSON document, nothing else (progress goes to stderr).
    data = json.loads(run("detect", image, "--json").stdout)
    assert len(data["detections"]) == 3 and data["scene_id"] is None


def test_save_links_scene_and_pixel_and_rerun_adds_nothing(run, sea):
    image, truth = sea
    run("scenes", "add", image, "--acquired", TIME, "--id", "sea")
    res = run("detect", "--scene", "sea", "--save", "--analyst", "kim")
    assert "saved 3 candidate sightings" in res.stdout
    got = run.json("sightings", "list")
    assert len(got) == 3
    for s in got:
        assert s["scene_id"] == "sea" and s["confidence"] == "possible"
        assert s["source"] == "detector: shipsight-cfar" and s["analyst"] == "kim"
        assert s["time"].startswith("2024-03-01T09:30:00") and "score" in s["note"]
        assert 0 <= s["heading"] < 180 and s["length_m"] > 0
    assert _near_truth([(s["pixel_row"], s["pixel_col"]) for s in got], truth)
    # The same file named as IMAGE (found by path), and again: nothing twice.
    again = run.json("detect", image, "--save")
    assert again["saved_ids"] == [] and again["already_saved"] == 3 and again["scene_id"] == "sea"
    # A dismissed (retracted) candidate stays dismissed on a re-run.
    run("sightings", "retract", got[0]["id"], "--reason", "wake, not a ship")
    third = run.json("detect", "--scene", "sea", "--save")
    assert third["saved_ids"] == [] and third["already_saved"] == 3
    assert len(run.json("sightings", "list")) == 2


def test_save_unregistered_file(run, sea, tmp_path):
    image, _ = sea
    # No acquisition time in its tags: refused, and nothing written (no scene, no sightings).
    res = run("detect", image, "--save", code=2)
    assert "register it first" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert run.json("scenes", "list") == [] and run.json("sightings", "list") == []
    # With an acquisition tag it is registered under its file name.
    tagged = tmp_path / "tagged.tif"
    tagged.write_bytes(image.read_bytes())
    with rasterio.open(tagged, "r+") as ds:
        ds.update_tags(ACQUISITION_START_TIME="2024-03-02T01:02:03Z")
    res = run("detect", tagged, "--save")
    assert "registered" in res.stderr and "saved 3" in res.stdout
    assert [s["id"] for s in run.json("scenes", "list")] == ["tagged"]
    assert {s["scene_id"] for s in run.json("sightings", "list")} == {"tagged"}


def test_scene_file_must_match(run, sea, tmp_path):
    image, _ = sea
    run("scenes", "add", image, "--acquired", TIME, "--id", "sea")
    other = tmp_path / "other.tif"
    make_scene(other, width=200, height=200, n_ships=1, seed=3)
    res = run("detect", other, "--scene", "sea", "--save", code=2)
    assert "not the file registered as scene sea" in res.stderr
    assert "unknown scene" in run("detect", "--scene", "nope", code=2).stderr


def test_bad_input_one_line_exit_2(run, tmp_path):
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    bare = tmp_path / "bare.tif"
    with rasterio.open(bare, "w", driver="GTiff", width=64, height=64, count=1, dtype="float32") as dst:
        dst.write(np.ones((1, 64, 64), dtype="float32"))
    empty = tmp_path / "empty.tif"
    make_scene(empty, width=100, height=100, n_ships=0, blank=[(0, 0, 100, 100)], nodata=0.0)
    for path, words in ((text, "not a raster"), (bare, "no georeferencing"), (empty, "no valid pixels"),
                        (tmp_path / "missing.tif", "no such file")):
        res = run("detect", path, "--no-landmask", code=2)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and str(path.name) in lines[0], res.stderr
        assert res.stdout == ""
    assert "pfa" in run("detect", empty, "--pfa", "0.5", code=2).stderr


def test_land_file_masks_ships_under_it(run, sea, tmp_path):
    image, truth = sea
    # Land over the first ship only.
    first = truth.iloc[int(np.argmin(truth["row"]))]
    land = tmp_path / "land.geojson"
    gpd.GeoDataFrame(geometry=[first.geometry.buffer(0.005)], crs="EPSG:4326").to_file(land)
    got = run.json("detect", image, "--land", land)["detections"]
    assert len(got) == 2
    assert all(abs(d["row"] - first["row"]) > 20 for d in got)


def test_ports_let_the_image_decide_where_gshhg_says_land(run, tmp_path):
    # The same open-water clutter placed where GSHHG has land (Seoul, UTM 52N). GSHHG calls it all
    # land, so the image decides and says so; inside a port polygon GSHHG is not trusted and the
    # image (all water here) decides, outside it GSHHG masks.
    image = tmp_path / "harbour.tif"
    ships = [{"row": 150, "col": 60, "length_m": 150, "heading_deg": 20, "db": 13},
             {"row": 150, "col": 240, "length_m": 150, "heading_deg": 70, "db": 13}]
    truth = make_scene(image, width=300, height=300, ships=ships, seed=6, origin=(323_000.0, 4_160_000.0))
    res = run("detect", image, "--json", code=0)
    assert len(json.loads(res.stdout)["detections"]) == 2
    assert "GSHHG calls 100% of the scene land" in res.stderr and "port polygon" in res.stderr
    with rasterio.open(image) as src:
        from rasterio.warp import transform_bounds

        w, s, e, n = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    # A port over the right half only: the ship on the left stays masked by GSHHG.
    port = shapely.box((w + e) / 2, s, e, n)
    ports = tmp_path / "ports.geojson"
    gpd.GeoDataFrame({"name": ["Test harbour"], "kind": ["port"]}, geometry=[port], crs="EPSG:4326").to_file(ports)
    run("ports", "import", ports)
    got = run.json("detect", image)
    assert len(got["detections"]) == 1
    right = truth[truth["col"] > 150].iloc[0]
    assert abs(got["detections"][0]["col"] - right["col"]) < 4
    # --no-ports: back to GSHHG land everywhere, so the image decides again; --land polygons
    # still mask inside ports.
    assert len(run.json("detect", image, "--no-ports")["detections"]) == 2
    land = tmp_path / "land.geojson"
    gpd.GeoDataFrame(geometry=[port], crs="EPSG:4326").to_file(land)
    assert run.json("detect", image, "--land", land)["detections"] == []


def test_suppressed_kept_with_reasons_confidence_and_ambiguities(run, tmp_path):
    from shipsight.imagery.synth_harbour import make_harbour_scene

    path = tmp_path / "harbour.tif"
    make_harbour_scene(path, seed=2)
    plain = run.json("detect", path, "--no-landmask")
    assert plain["ships"] == len(plain["detections"]) and plain["suppressed"]
    assert all(d["suppressed"] == "" for d in plain["detections"])
    conf = [d["confidence"] for d in plain["detections"]]
    assert conf == sorted(conf, reverse=True)  # review order: the most confident first
    out = tmp_path / "all.geojson"
    shown = run.json("detect", path, "--no-landmask", "--show-suppressed", "--out", out)
    assert len(shown["detections"]) == plain["ships"] + sum(plain["suppressed"].values())
    layer = gpd.read_file(out)
    assert set(layer.suppressed) >= {"", "line", "land"} and (layer.suppressed_reason[layer.suppressed != ""] != "").all()
    amb = run.json("detect", path, "--no-landmask", "--ambiguity-m", "3000")
    assert amb["suppressed"].get("ambiguity", 0) >= 3 and amb["ships"] < plain["ships"]
    floor = run.json("detect", path, "--no-landmask", "--min-confidence", "0.25")
    assert all(d["confidence"] >= 0.25 for d in floor["detections"])
    strict = run.json("detect", path, "--no-landmask", "--min-confidence", "1")
    assert strict["ships"] == 0 and strict["suppressed"]["low_confidence"] == plain["ships"]
    text = run("detect", path, "--no-landmask").stdout
    assert "suppressed" in text and "--show-suppressed lists them" in text
    bad = tmp_path / "annotation.xml"
    bad.write_text("not xml")
    err = run("detect", path, "--ambiguity-from", bad, code=2).stderr.strip().splitlines()
    assert len(err) == 1 and "annotation" in err[0]
    assert "--min-confidence" in run("detect", path, "--min-confidence", "2", code=2).stderr
    assert "not both" in run("detect", path, "--ambiguity-m", "3000", "--ambiguity-from", bad, code=2).stderr


def test_ambiguity_from_another_products_annotation_refused(run, tmp_path):
    from shipsight.imagery.synth_harbour import make_harbour_scene
    from tests.conftest import shared

    xml = next(shared("imagery/sentinel1_safe").glob("*.SAFE/annotation/s1b-iw-grd-vv-*.xml"))
    path = tmp_path / "harbour.tif"
    make_harbour_scene(path, seed=2)  # not where the annotation's product lies
    err = run("detect", path, "--no-landmask", "--ambiguity-from", xml, code=2).stderr.strip().splitlines()
    assert len(err) == 1 and "does not overlap" in err[0] and str(xml) in err[0]


def test_unsearched_on_a_store_without_scenes_says_none_is_registered(run):
    err = run("detect", "--unsearched").stderr
    assert "none is registered; add one with 'shipsight scenes add IMAGE'" in err and "has been searched" not in err
