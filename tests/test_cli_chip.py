"""``shipsight chip`` through the real CLI: the PNG is looked at, the crop read back, a changed file refused.

Scenes are small GeoTIFFs written by rasterio in tmp_path with a bright
"ship" at a known pixel; the sighting is logged from that pixel.
"""

import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer

from conftest import shared, stored_positions
from test_imagery_chips import SHIP, make_scene, red_mask, ship_lonlat

T_SCENE = "2023-04-14T02:13:09Z"


@pytest.fixture
def logged(run, tmp_path):
    """A registered scene and a sighting logged from the ship's pixel (id 1)."""
    tif = make_scene(tmp_path / "rajin_s2.tif", count=3)
    run("scenes", "add", tif, "--acquired", T_SCENE, "--sensor", "sentinel-2b")
    run("log", "--scene", "rajin_s2", "--pixel", *SHIP, "--name", "CHON MA SAN", "--imo", "9154050",
        "--mmsi", "445999000", "--confidence", "probable")
    return tif


def test_chip_png_size_marker_scale_bar_and_caption(run, logged, tmp_path):
    out = tmp_path / "chip.png"
    res = run.json("chip", 1, out, "--size-m", 1000, "--px", 400)
    img = Image.open(out)
    # Width is --px; height adds the caption strip (8 px padding each side, 20 px a line at the 14 px font).
    assert img.size == (400, res["height"]) == (res["width"], 400 + 16 + 20 * len(res["caption"]))
    # 1000 m of 10 m pixels (ground ~10.004 m in UTM): a 100-pixel window around the ship, read as a window.
    assert res["window"][2:] == [100, 100]
    assert res["pixel"] == pytest.approx([SHIP[0] + 0.5, SHIP[1] + 0.5], abs=1e-6)
    # The red marker ring is centred on the image area.
    ys, xs = np.nonzero(red_mask(img)[:400])
    assert len(xs) > 200
    assert abs(xs.mean() - 200) < 3 and abs(ys.mean() - 200) < 3
    # The 3x3-pixel ship under the marker's open centre is stretched to white.
    assert (np.asarray(img)[198:206, 198:206] == 255).all()
    assert res["scale_bar_m"] == 200.0
    # The caption: scene, sensor, time, position, vessel identity, the sighting; and it is drawn.
    text = "\n".join(res["caption"])
    lon, lat = ship_lonlat()
    for expected in ("Scene rajin_s2", "sentinel-2b", "2023-04-14 02:13:09 UTC", f"{lat:.6f}, {lon:.6f}",
                     "CHON MA SAN", "IMO 9154050", "MMSI 445999000", "Sighting 1", "confidence probable",
                     "pixel row 120, col 90"):
        assert expected in text, expected
    strip = np.asarray(img.convert("L"))[400:]
    assert (strip < 100).sum() > 500  # dark text on white
    assert res["sha256"] == run.json("scenes", "show", "rajin_s2")["sha256"]
    # The people's output says what was written.
    assert "wrote" in run("chip", 1, tmp_path / "again.png").stdout


def test_geotiff_crop_is_georeferenced_on_the_sighting(run, logged, tmp_path):
    out = tmp_path / "chip.png"
    res = run.json("chip", 1, out, "--size-m", 600, "--geotiff")
    crop = tmp_path / "chip.tif"
    assert res["geotiff"] == str(crop) and crop.exists()
    slon, slat = stored_positions(run.db)[1]
    row0, col0, nrows, ncols = res["window"]
    with rasterio.open(crop) as ds, rasterio.open(logged) as src:
        assert ds.crs == src.crs and (ds.height, ds.width) == (nrows, ncols) == (60, 60)
        assert ds.count == 3 and ds.dtypes[0] == "uint16"
        # The sighting's pixel in the crop is (near) its centre, and maps to the sighting's lon/lat.
        r, c = SHIP[0] - row0, SHIP[1] - col0
        assert abs(r + 0.5 - ds.height / 2) <= 1 and abs(c + 0.5 - ds.width / 2) <= 1
        x, y = ds.transform * (c + 0.5, r + 0.5)
        lon, lat = Transformer.from_crs(ds.crs.to_wkt(), "EPSG:4326", always_xy=True).transform(x, y)
        assert lon == pytest.approx(slon, abs=1e-9) and lat == pytest.approx(slat, abs=1e-9)
        # Original values, not the stretched display.
        assert ds.read(1)[r, c] == 4000
        assert ds.tags()["SHIPSIGHT_SOURCE_SHA256"] == res["sha256"]


def test_changed_scene_file_is_refused_and_nothing_written(run, logged, tmp_path):
    with rasterio.open(logged, "r+") as ds:
        ds.write(np.full((3, 200, 200), 9, dtype="uint16"))
    out = tmp_path / "chip.png"
    err = run("chip", 1, out, "--geotiff", code=2).stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "scene rajin_s2 changed since it was registered" in err and "scenes add" in err
    assert not out.exists() and not out.with_suffix(".tif").exists()
    logged.unlink()
    err = run("chip", 1, out, code=2).stderr
    assert "missing" in err and "restore" in err


def test_outputs_are_not_replaced_without_overwrite(run, logged, tmp_path):
    out = tmp_path / "chip.png"
    out.write_bytes(b"an earlier chip")
    err = run("chip", 1, out, code=2).stderr
    assert "already exists" in err and "--overwrite" in err
    assert out.read_bytes() == b"an earlier chip"
    run("chip", 1, out, "--overwrite")
    assert Image.open(out).size[0] == 640


def test_sighting_without_scene_needs_one_named(run, logged, tmp_path):
    lon, lat = ship_lonlat(pixel=(60, 60))
    run("log", "--lon", lon, "--lat", lat, "--time", T_SCENE)  # id 2, logged by hand
    err = run("chip", 2, tmp_path / "c.png", code=2).stderr
    assert "not logged from a scene" in err and "rajin_s2" in err
    res = run.json("chip", 2, tmp_path / "c.png", "--scene", "rajin_s2", "--px", 200)
    assert res["scene_id"] == "rajin_s2" and res["width"] == 200
    assert "no sighting 9" in run("chip", 9, tmp_path / "d.png", code=2).stderr
    assert "unknown scene" in run("chip", 2, tmp_path / "d.png", "--scene", "nope", code=2).stderr
    # A point off the named scene is refused.
    run("log", "--lon", 0.5, "--lat", 0.5, "--time", T_SCENE)
    assert "outside the image" in run("chip", 3, tmp_path / "e.png", "--scene", "rajin_s2", code=2).stderr


def test_real_sentinel1_chip(run, tmp_path):
    tif = shared("imagery/sentinel1/port_la_2021-01-05_db.tif")
    run("scenes", "add", tif, "--acquired", "2021-01-05T13:50:00Z", "--sensor", "sentinel-1")
    run("log", "--scene", "port_la_2021-01-05_db", "--pixel", 300, 200, "--name", "TEST")
    res = run.json("chip", 1, tmp_path / "la.png", "--size-m", 1500, "--px", 300)
    img = Image.open(tmp_path / "la.png")
    assert img.size == (300, res["height"])
    ys, xs = np.nonzero(red_mask(img)[:300])
    assert abs(xs.mean() - 150) < 4 and abs(ys.mean() - 150) < 4
    assert any("dB" in line for line in res["caption"])  # SAR in dB, shown as such
