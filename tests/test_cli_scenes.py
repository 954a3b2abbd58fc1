"""Scenes through the real CLI: register, list, show, log from a pixel, coverage, detector imports.

Every raster is a small GeoTIFF written by rasterio in tmp_path. Expected
positions are computed independently here: pixel centre -> CRS x/y from the
affine transform by hand, then pyproj to lon/lat. Real-data tests read
../shared/data (see its README) and skip when it is absent.
"""

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin

from conftest import shared, stored_positions, write_csv

T_SCENE = "2023-04-14T02:13:09Z"


def write_tif(path, *, crs, transform, width=64, height=48, count=1, dtype="uint16", nodata=None, data=None,
              tags=None, driver="GTiff", **extra):
    if data is None:
        data = np.random.default_rng(0).integers(100, 1000, size=(count, height, width)).astype(dtype)
    with rasterio.open(path, "w", driver=driver, width=width, height=height, count=data.shape[0],
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata, **extra) as ds:
        ds.write(data)
        if tags:
            ds.update_tags(**tags)
    return path


def centre_lonlat(transform, crs, row, col):
    """Independent answer: the centre of integer pixel (row, col)."""
    x = transform.c + (col + 0.5) * transform.a + (row + 0.5) * transform.b
    y = transform.f + (col + 0.5) * transform.d + (row + 0.5) * transform.e
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return (lon + 180.0) % 360.0 - 180.0, lat


def one_line_error(result):
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


# name, crs, transform, (width, height), pixels to log
CRS_CASES = [
    ("utm52n", "EPSG:32652", from_origin(500000.0, 4000000.0, 10.0, 10.0), (64, 48), [(0, 0), (10, 33), (47, 63)]),
    ("webmerc", "EPSG:3857", from_origin(14362154.5, 4181755.1, 10.0, 10.0), (64, 48), [(0, 0), (20, 40)]),
    ("lonlat", "EPSG:4326", from_origin(129.7, 42.4, 0.0001, 0.0001), (64, 48), [(0, 0), (47, 63)]),
    # x from 179.5 to 180.5: the GDAL way to cross the antimeridian in EPSG:4326.
    ("dateline", "EPSG:4326", from_origin(179.5, -16.0, 1 / 64, 1 / 64), (64, 32), [(10, 10), (10, 48)]),
    # UTM 60S around Fiji: x 800-870 km crosses 180.
    ("fiji_utm", "EPSG:32760", from_origin(800000.0, 8120000.0, 1000.0, 1000.0), (70, 50), [(25, 2), (25, 68)]),
]


@pytest.mark.parametrize("name,crs,transform,size,pixels", CRS_CASES, ids=[c[0] for c in CRS_CASES])
def test_add_then_log_pixels_with_known_answers(run, tmp_path, name, crs, transform, size, pixels):
    width, height = size
    tif = write_tif(tmp_path / f"{name}.tif", crs=crs, transform=transform, width=width, height=height, count=3)
    rec = run.json("scenes", "add", tif, "--acquired", T_SCENE, "--sensor", "test-sat")
    assert rec["id"] == name and rec["crs"] == crs
    assert (rec["width"], rec["height"], rec["count"], rec["dtypes"]) == (width, height, 3, ["uint16"] * 3)
    assert rec["transform"] == pytest.approx(list(transform)[:6])
    assert rec["sha256"] == hashlib.sha256(tif.read_bytes()).hexdigest()
    assert rec["acquired"] == "2023-04-14T02:13:09+00:00" and rec["acquired_source"] == "argument"
    assert rec["gsd_m"] > 0
    footprint = shapely.from_wkt(rec["footprint"])
    if name in ("dateline", "fiji_utm"):
        assert footprint.geom_type == "MultiPolygon"  # split at +-180

    for row, col in pixels:
        sid = run.json("log", "--scene", name, "--pixel", row, col, "--name", "ANGARA")["id"]
        s = run.json("sightings", "list")[-1]
        assert s["id"] == sid
        elon, elat = centre_lonlat(transform, crs, row, col)
        slon, slat = stored_positions(run.db)[sid]
        assert slon == pytest.approx(elon, abs=1e-9) and slat == pytest.approx(elat, abs=1e-9)
        assert (s["lon"], s["lat"]) == (round(slon, 6), round(slat, 6))  # printed to 1e-6 degree
        assert s["time"] == T_SCENE  # defaulted to the scene's
        assert (s["scene_id"], s["pixel_row"], s["pixel_col"]) == (name, row, col)
        assert s["source"] == "test-sat"  # defaulted to the scene's sensor
        assert footprint.covers(shapely.Point(s["lon"], s["lat"]))
        # The scene covers its own sighting, by point and by sighting id.
        assert [r["id"] for r in run.json("scenes", "covering", "--lon", s["lon"], "--lat", s["lat"])] == [name]
        by_sighting = run.json("scenes", "covering", "--sighting", sid)
        assert [r["id"] for r in by_sighting] == [name] and by_sighting[0]["hours_from_sighting"] == 0

    if name == "dateline":
        lons = [r["lon"] for r in run.json("sightings", "list")]
        assert lons[0] > 179 and lons[1] < -179  # both sides of 180, both from one scene


def test_cog_footprint_follows_the_mask_and_nodata_pixel_is_refused(run, tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    data = np.random.default_rng(1).integers(1, 1000, size=(1, 600, 700)).astype("uint16")
    data[0, :200, :200] = 0  # the top-left corner is nodata
    tif = write_tif(tmp_path / "scene_cog.tif", crs="EPSG:32652", transform=t, width=700, height=600, data=data,
                    nodata=0, driver="COG", blocksize=256)
    with rasterio.open(tif) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    run("scenes", "add", tif, "--acquired", T_SCENE)
    shown = run.json("scenes", "show", "scene_cog")
    footprint = shapely.from_wkt(shown["footprint"])
    assert not footprint.covers(shapely.Point(centre_lonlat(t, "EPSG:32652", 50, 50)))
    assert footprint.covers(shapely.Point(centre_lonlat(t, "EPSG:32652", 400, 400)))
    assert shown["file"] == "unchanged"
    # Area: the frame less the nodata corner (ground m2; UTM scale 0.9996 near the central meridian).
    assert shown["footprint_area_km2"] == pytest.approx((7000 * 6000 - 2000 * 2000) / 0.9996**2 / 1e6, rel=0.03)
    err = one_line_error(run("log", "--scene", "scene_cog", "--pixel", 50, 50, code=2))
    assert "nodata" in err
    assert run.json("log", "--scene", "scene_cog", "--pixel", 400, 400)["id"] == 1


def test_stac_item_gives_id_time_sensor_and_is_kept(run, tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    tif = write_tif(tmp_path / "b04.tif", crs="EPSG:32652", transform=t,
                    tags={"TIFFTAG_DATETIME": "2024:01:01 00:00:00"})
    lon, lat = centre_lonlat(t, "EPSG:32652", 24, 32)
    item = {
        "type": "Feature", "stac_version": "1.0.0", "id": "S2B_52SCE_20230414_0_L2A",
        "geometry": shapely.geometry.mapping(shapely.Point(lon, lat).buffer(0.01)),
        "bbox": [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01],
        "properties": {"datetime": "2023-04-14T02:13:09.024000Z", "platform": "sentinel-2b"},
        "links": [], "assets": {},
    }
    (tmp_path / "item.json").write_text(json.dumps(item))
    out = run("scenes", "add", tif, "--stac", tmp_path / "item.json")
    assert "registered scene S2B_52SCE_20230414_0_L2A" in out.stdout and "sentinel-2b" in out.stdout
    assert "(from stac)" in out.stdout
    shown = run.json("scenes", "show", "S2B_52SCE_20230414_0_L2A")
    assert shown["acquired"] == "2023-04-14T02:13:09.024000Z" and shown["sensor"] == "sentinel-2b"
    assert shown["stac_id"] == "S2B_52SCE_20230414_0_L2A"
    # A STAC Item of somewhere else is refused, nothing stored.
    item["geometry"] = shapely.geometry.mapping(shapely.box(0, 0, 1, 1))
    item["id"] = "elsewhere"
    (tmp_path / "far.json").write_text(json.dumps(item))
    assert "does not overlap" in one_line_error(run("scenes", "add", tif, "--stac", tmp_path / "far.json", code=2))
    assert [s["id"] for s in run.json("scenes", "list")] == ["S2B_52SCE_20230414_0_L2A"]


def test_acquired_option_tags_and_warnings(run, tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    tagged = write_tif(tmp_path / "tagged.tif", crs="EPSG:32652", transform=t,
                       tags={"TIFFTAG_DATETIME": "2021:11:04 17:07:49"})
    res = run("scenes", "add", tagged)
    # TIFFTAG_DATETIME is used, but said to be possibly the file's creation time.
    assert "TIFFTAG_DATETIME" in res.stderr and "warning" in res.stderr
    assert run.json("scenes", "show", "tagged")["acquired"] == "2021-11-04T17:07:49Z"
    # --acquired in another zone is stored in UTC and overrides tags.
    run("scenes", "add", tagged, "--id", "tagged2", "--acquired", "2021-11-05T02:07:49+09:00")
    assert run.json("scenes", "show", "tagged2")["acquired"] == "2021-11-04T17:07:49Z"
    # A time without a zone is refused.
    err = one_line_error(run("scenes", "add", tagged, "--id", "tagged3", "--acquired", "2021-11-04 17:07", code=2))
    assert "zone" in err
    # No time at all: registered with a warning; logging a pixel then asks for --time.
    plain = write_tif(tmp_path / "plain.tif", crs="EPSG:32652", transform=t)
    assert "no acquisition time" in run("scenes", "add", plain).stderr
    err = one_line_error(run("log", "--scene", "plain", "--pixel", 3, 4, code=2))
    assert "--time" in err
    sid = run.json("log", "--scene", "plain", "--pixel", 3, 4, "--time", "2021-11-04T17:00:00Z")["id"]
    assert run.json("sightings", "list")[0]["id"] == sid
    # The same id twice is refused.
    assert "already registered" in one_line_error(run("scenes", "add", plain, code=2))
    assert sorted(s["id"] for s in run.json("scenes", "list")) == ["plain", "tagged", "tagged2"]


def _ungeoreferenced(path):
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8") as ds:
        ds.write(np.ones((1, 8, 8), dtype="uint8"))
    return path


def _truncated(path):
    full = write_tif(path.with_name("full.tif"), crs="EPSG:32652", transform=from_origin(500000.0, 4000000.0, 10, 10),
                     width=256, height=256,
                     data=np.random.default_rng(2).integers(0, 60000, size=(1, 256, 256)).astype("uint16"))
    raw = full.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    return path


def _engineering_crs(path):
    wkt = 'LOCAL_CS["harbour grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    return write_tif(path, crs=rasterio.crs.CRS.from_wkt(wkt), transform=from_origin(0, 100, 1, 1))


def _text(path):
    path.write_text("IMO 9154050 seen off Nampo\n")
    return path


@pytest.mark.parametrize("make,expect", [
    (_text, "cannot be read as a raster"),
    (_ungeoreferenced, "no georeferencing"),
    (_truncated, "truncated or corrupt|cannot be read as a raster"),
    (_engineering_crs, "not tied to the Earth|unknown coordinate reference system|no coordinate"),
], ids=["text", "ungeoreferenced", "truncated", "unknown-crs"])
def test_bad_files_one_line_exit_2_nothing_stored(run, tmp_path, make, expect):
    import re

    path = make(tmp_path / "bad.tif")
    err = one_line_error(run("scenes", "add", path, "--acquired", T_SCENE, code=2))
    assert re.search(expect, err), err
    assert str(path.resolve()) in err  # says which file
    assert run.json("scenes", "list") == []
    assert [h for h in run.json("history") if h["entity"] == "scene"] == []


@pytest.fixture
def utm_scene(run, tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    data = np.full((1, 48, 64), 500, dtype="uint16")
    data[0, :10, :10] = 0
    tif = write_tif(tmp_path / "utm.tif", crs="EPSG:32652", transform=t, data=data, nodata=0)
    run("scenes", "add", tif, "--acquired", T_SCENE)
    return tif, t


@pytest.mark.parametrize("args,expect", [
    (["--scene", "utm", "--pixel", 48, 3], "outside scene utm"),
    (["--scene", "utm", "--pixel", 3, 64], "outside scene utm"),
    (["--scene", "utm", "--pixel", -1, 3], "outside scene utm"),
    (["--scene", "utm", "--pixel", 2, 2], "nodata"),
    (["--pixel", 20, 20], "needs its scene"),
    (["--scene", "nope", "--pixel", 20, 20], "unknown scene 'nope'"),
    (["--scene", "utm", "--pixel", 20, 20, "--lon", 129, "--lat", 36], "not both"),
    (["--scene", "utm", "--pixel", 20, 20.5], "not a valid integer"),
], ids=["below", "right", "above", "nodata", "no-scene", "unknown-scene", "two-positions", "fraction"])
def test_bad_pixels_exit_2_nothing_written(run, utm_scene, args, expect):
    err = run("log", *args, code=2).stderr
    assert expect in err and "Traceback" not in err
    assert run.json("sightings", "list") == []


def test_explicit_time_wins_over_the_scene_time(run, utm_scene):
    run("log", "--scene", "utm", "--pixel", 20, 20, "--time", "2023-04-14T11:20:00+09:00", "--source", "Maxar")
    s = run.json("sightings", "list")[0]
    assert s["time"] == "2023-04-14T02:20:00Z" and s["source"] == "Maxar"


def test_changed_or_missing_scene_file_is_refused_for_pixel_logging(run, utm_scene):
    tif, _ = utm_scene
    run("log", "--scene", "utm", "--pixel", 20, 20)
    with rasterio.open(tif, "r+") as ds:  # someone edits the file after registration
        ds.write(np.full((1, 48, 64), 7, dtype="uint16"))
    err = one_line_error(run("log", "--scene", "utm", "--pixel", 21, 21, code=2))
    assert "changed since it was registered" in err and "scenes add" in err
    shown = run("scenes", "show", "utm")
    assert "CHANGED" in shown.stdout and "changed" in shown.stderr
    tif.unlink()
    err = one_line_error(run("log", "--scene", "utm", "--pixel", 21, 21, code=2))
    assert "missing" in err and "restore" in err
    assert run.json("scenes", "show", "utm")["file"] == "missing"
    assert len(run.json("sightings", "list")) == 1


def test_covering_and_sightings_in_scene(run, tmp_path):
    # Two overlapping UTM scenes, a third far away; nodata in the west half of the second.
    t1 = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    t2 = from_origin(500320.0, 4000000.0, 10.0, 10.0)  # 32 columns east of the first
    write_tif(tmp_path / "a.tif", crs="EPSG:32652", transform=t1)
    d2 = np.full((1, 48, 64), 300, dtype="uint16")
    d2[:, :, :16] = 0
    write_tif(tmp_path / "b.tif", crs="EPSG:32652", transform=t2, data=d2, nodata=0)
    write_tif(tmp_path / "c.tif", crs="EPSG:32652", transform=from_origin(600000.0, 4000000.0, 10.0, 10.0))
    run("scenes", "add", tmp_path / "a.tif", "--acquired", "2023-04-14T02:00:00Z")
    run("scenes", "add", tmp_path / "b.tif", "--acquired", "2023-04-15T02:00:00Z")
    run("scenes", "add", tmp_path / "c.tif", "--acquired", "2023-04-16T02:00:00Z")

    lon, lat = centre_lonlat(t1, "EPSG:32652", 20, 56)  # in a, and in b's valid part (column 24 of b)
    assert [r["id"] for r in run.json("scenes", "covering", "--lon", lon, "--lat", lat)] == ["a", "b"]
    lon2, lat2 = centre_lonlat(t1, "EPSG:32652", 20, 40)  # in a, and in b's nodata stripe (column 8 of b)
    assert [r["id"] for r in run.json("scenes", "covering", "--lon", lon2, "--lat", lat2)] == ["a"]
    assert run.json("scenes", "covering", "--lon", 0, "--lat", 0) == []
    assert "none" in run("scenes", "covering", "--lon", 0, "--lat", 0).stdout

    sid = run.json("log", "--scene", "a", "--pixel", 20, 56)["id"]
    run("log", "--lon", lon2, "--lat", lat2, "--time", "2023-04-15T00:00:00Z")  # by hand, no scene
    run("log", "--lon", 0.5, "--lat", 0.5, "--time", "2023-04-15T00:00:00Z")  # nowhere near
    rows = run.json("scenes", "covering", "--sighting", sid)
    assert [(r["id"], r["hours_from_sighting"]) for r in rows] == [("a", 0), ("b", 24)]

    inside_a = run.json("scenes", "sightings", "a")
    assert [(r["id"], r["from_scene"]) for r in inside_a] == [(1, True), (2, False)]
    assert [(r["id"], r["from_scene"]) for r in run.json("scenes", "sightings", "b")] == [(1, False)]
    assert run.json("scenes", "sightings", "c") == []
    assert run.json("scenes", "show", "a")["sightings_inside"] == 2
    assert "unknown scene" in one_line_error(run("scenes", "sightings", "zzz", code=2))
    assert "--sighting" in one_line_error(run("scenes", "covering", "--lon", 1, code=2))
    assert "no sighting 99" in one_line_error(run("scenes", "covering", "--sighting", 99, code=2))


def test_covering_across_the_antimeridian(run, tmp_path):
    t = from_origin(179.5, -16.0, 1 / 64, 1 / 64)
    write_tif(tmp_path / "fiji.tif", crs="EPSG:4326", transform=t, width=64, height=32)
    run("scenes", "add", tmp_path / "fiji.tif", "--acquired", T_SCENE)
    for lon in (179.9, -179.9, 180.0, -180.0):
        assert [r["id"] for r in run.json("scenes", "covering", "--lon", lon, "--lat", -16.2)] == ["fiji"], lon
    assert run.json("scenes", "covering", "--lon", -179.4, "--lat", -16.2) == []
    run("log", "--lon", -179.95, "--lat", -16.2, "--time", T_SCENE)
    run("log", "--lon", 179.95, "--lat", -16.2, "--time", T_SCENE)
    run("log", "--lon", 170.0, "--lat", -16.2, "--time", T_SCENE)
    assert [r["id"] for r in run.json("scenes", "sightings", "fiji")] == [1, 2]


def test_list_and_show_formats(run, utm_scene):
    table = run("scenes", "list").stdout
    assert "utm" in table and "EPSG:32652" in table
    gj = json.loads(run("scenes", "list", "--geojson").stdout)
    assert gj["features"][0]["properties"]["id"] == "utm"
    assert gj["features"][0]["geometry"]["type"] == "Polygon"
    shown = run("scenes", "show", "utm").stdout
    assert "sha256" in shown and "unchanged" in shown
    assert "unknown scene 'x'" in one_line_error(run("scenes", "show", "x", code=2))
    assert [h["action"] for h in run.json("history", "scene:utm")] == ["insert"]


# ---------------------------------------------------------- detector imports


def test_xview3_rows_of_unregistered_scenes_keep_the_detector_scene_in_the_note(run, tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    write_tif(tmp_path / "b7d5.tif", crs="EPSG:32652", transform=t)
    run("scenes", "add", tmp_path / "b7d5.tif", "--acquired", T_SCENE, "--id", "b7d5c0ffee")
    lon, lat = centre_lonlat(t, "EPSG:32652", 10, 12)
    csv = write_csv(tmp_path / "labels.csv",
                    "detect_lat,detect_lon,detect_scene_row,detect_scene_column,scene_id,is_vessel,"
                    "vessel_length_m,confidence",
                    [f"{lat},{lon},10,12,b7d5c0ffee,True,120.5,HIGH",  # registered scene, no time in its id
                     "36.1,129.2,400,300,S1A_IW_GRDH_1SDV_20200803T211510_X,True,,MEDIUM",  # unknown scene
                     "36.1,129.2,1,1,S1A_IW_GRDH_1SDV_20200803T211510_X,False,,LOW"])  # a buoy: left out
    out = run("sightings", "import", "--format", "xview3", csv)
    assert "imported 2 sightings" in out.stdout
    first, second = sorted(run.json("sightings", "list"), key=lambda r: r["id"])
    assert (first["scene_id"], first["pixel_row"], first["pixel_col"]) == ("b7d5c0ffee", 10, 12)
    assert first["time"] == T_SCENE  # from the registered scene: the hashed id has no time
    assert first["confidence"] == "possible" and first["length_m"] == 120.5
    assert second["scene_id"] is None and second["pixel_row"] is None
    assert second["time"] == "2020-08-03T21:15:10Z"
    assert second["note"].startswith("detector scene S1A_IW_GRDH_1SDV_20200803T211510_X, pixel row 400 col 300")
    assert "xview3 confidence MEDIUM" in second["note"]


@pytest.mark.parametrize("n", [1, 2])
def test_xview3_import_of_real_ai2_predictions(run, n):
    path = shared(f"detections/allenai_sentinel{n}_predictions.csv")
    src = pd.read_csv(path)  # Ai2 vessel-detection-sentinels output (Apache-2.0): 2 and 1 rows
    out = run.json("sightings", "import", "--format", "xview3", path)
    assert out["imported"] == len(src) and out["rejected"] == 0
    rows = run.json("sightings", "list")
    assert sorted(r["lon"] for r in rows) == pytest.approx(sorted(src["lon"]))
    for r in rows:
        assert r["scene_id"] is None and r["confidence"] == "possible"
        assert r["source"] == "detector: ai2 vessel-detection-sentinels"
        assert r["note"].startswith(f"detector scene S{n}")
        assert r["time"].startswith("2021-11-")  # from the Sentinel product name


# ------------------------------------------------------------------ real data


@pytest.mark.parametrize("port,count", [("busan", 54), ("casablanca", 15), ("honolulu", 12), ("san_francisco", 6)])
def test_sen2ships_vessels_logged_by_pixel(run, port, count):
    tif = shared(f"imagery/sentinel2/{port}_rgb.tif")
    coco = json.loads(shared(f"imagery/sentinel2/{port}_labels_coco.json").read_text())
    rec = run.json("scenes", "add", tif, "--acquired", T_SCENE, "--sensor", "sentinel-2")
    assert rec["crs"] == "EPSG:3857"
    footprint = shapely.from_wkt(rec["footprint"])
    boxes = np.array([a["bbox"] for a in coco["annotations"]], dtype=float)
    assert len(boxes) == count  # vessel counts from shared/data/README.md
    # COCO bbox = [x, y, w, h] in continuous pixels: the pixel holding the box centre.
    rows = np.floor(boxes[:, 1] + boxes[:, 3] / 2).astype(int)
    cols = np.floor(boxes[:, 0] + boxes[:, 2] / 2).astype(int)
    t = rasterio.Affine(*rec["transform"])
    for r, c in zip(rows, cols):
        run("log", "--scene", rec["id"], "--pixel", r, c)
    logged = run.json("sightings", "list")
    assert len(logged) == count
    stored = stored_positions(run.db)
    got = sorted((s["pixel_row"], s["pixel_col"], *stored[s["id"]]) for s in logged)
    for (r, c, lon, lat) in got:
        elon, elat = centre_lonlat(t, "EPSG:3857", r, c)
        assert lon == pytest.approx(elon, abs=1e-9) and lat == pytest.approx(elat, abs=1e-9)
        assert footprint.covers(shapely.Point(lon, lat))
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(g[0], g[1]) for g in got]


def test_sentinel1_san_pedro_bay_registers_with_its_footprint(run):
    tif = shared("imagery/sentinel1/port_la_2021-01-05_db.tif")
    rec = run.json("scenes", "add", tif, "--acquired", "2021-01-05T13:50:00Z", "--sensor", "sentinel-1")
    # shared/data/README.md: 756 x 550 px, 30 m, EPSG:32611, float64 dB, nodata 0.
    assert (rec["width"], rec["height"], rec["crs"], rec["dtypes"], rec["nodata"]) == (
        756, 550, "EPSG:32611", ["float64"], 0.0)
    assert rec["gsd_m"] == pytest.approx(30.0, rel=0.01)
    long_beach = run.json("scenes", "covering", "--lon", -118.2, "--lat", 33.72)
    assert [r["id"] for r in long_beach] == [rec["id"]]
    footprint = shapely.from_wkt(rec["footprint"])
    frame = shapely.box(*footprint.bounds)
    # The swath edge cuts the north-east corner: the footprint is smaller than its frame, and pixel logging refuses it.
    assert footprint.area < 0.99 * frame.area
    assert "nodata" in one_line_error(run("log", "--scene", rec["id"], "--pixel", 2, 753, code=2))


def test_the_time_advice_of_scenes_add_works(run, tmp_path):
    # The user test: the zone-less --acquired advised a --tz that scenes add did not have, and a STAC Item with a
    # zone-less datetime stayed refused after following its advice (--acquired ...Z).
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    tif = write_tif(tmp_path / "scene.tif", crs="EPSG:32652", transform=t)
    err = one_line_error(run("scenes", "add", tif, "--acquired", "2023-10-05 02:10", code=2))
    assert "--tz" in err
    run("scenes", "add", tif, "--acquired", "2023-10-05 02:10", "--tz", "UTC")
    assert run.json("scenes", "show", "scene")["acquired"] == "2023-10-05T02:10:00Z"
    run("scenes", "add", tif, "--id", "seoul", "--acquired", "2023-10-05 11:10", "--tz", "Asia/Seoul")
    assert run.json("scenes", "show", "seoul")["acquired"] == "2023-10-05T02:10:00Z"

    lon, lat = centre_lonlat(t, "EPSG:32652", 24, 32)
    item = {"type": "Feature", "stac_version": "1.0.0", "id": "zoneless",
            "geometry": shapely.geometry.mapping(shapely.Point(lon, lat).buffer(0.01)),
            "properties": {"datetime": "2023-10-05T02:10:00"}, "links": [], "assets": {}}
    (tmp_path / "item.json").write_text(json.dumps(item))
    err = one_line_error(run("scenes", "add", tif, "--stac", tmp_path / "item.json", code=2))
    assert "--acquired 2023-10-05T02:10:00Z" in err and "--tz" in err and str(tmp_path / "item.json") in err
    # Following either piece of advice registers it.
    run("scenes", "add", tif, "--stac", tmp_path / "item.json", "--acquired", "2023-10-05T02:10Z")
    shown = run.json("scenes", "show", "zoneless")
    assert shown["acquired"] == "2023-10-05T02:10:00Z" and shown["stac_id"] == "zoneless"
    item["id"] = "zoneless-seoul"
    (tmp_path / "item2.json").write_text(json.dumps(item))
    run("scenes", "add", tif, "--stac", tmp_path / "item2.json", "--tz", "Asia/Seoul")
    assert run.json("scenes", "show", "zoneless-seoul")["acquired"] == "2023-10-04T17:10:00Z"
