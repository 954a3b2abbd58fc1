"""Evidence chips: window read, marker at the sighting, scale bar, caption, crop, hash check.

Scenes are small GeoTIFFs written by rasterio in tmp_path with a bright
"ship" at a known pixel; its lon/lat is computed independently with pyproj.
"""

from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer
from rasterio.transform import from_origin

from shipsight.errors import InputError
from shipsight.imagery.chips import MARKER_RGB, nice_length, render_chip
from shipsight.digest import sha256_file
from shipsight.imagery.scene import read_scene

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
T_UTM = from_origin(500000.0, 4000000.0, 10.0, 10.0)
SHIP = (120, 90)  # row, col of the bright target


def make_scene(path, *, dtype="uint16", count=1, values=None, transform=T_UTM, crs="EPSG:32652",
               size=(200, 200), nodata=None, tags=None):
    h, w = size
    rng = np.random.default_rng(3)
    if values is None:
        data = rng.integers(200, 400, size=(count, h, w)).astype(dtype)
        data[:, SHIP[0] - 1 : SHIP[0] + 2, SHIP[1] - 1 : SHIP[1] + 2] = 4000
    else:
        data = values
        count = data.shape[0]
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype=data.dtype,
                       crs=crs, transform=transform, nodata=nodata) as ds:
        ds.write(data)
        if tags:
            ds.update_tags(**tags)
    return Path(path)


def ship_lonlat(transform=T_UTM, crs="EPSG:32652", pixel=SHIP):
    x = transform.c + (pixel[1] + 0.5) * transform.a
    y = transform.f + (pixel[0] + 0.5) * transform.e
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)


def red_mask(img):
    a = np.asarray(img.convert("RGB")).astype(int)
    return (a[..., 0] == MARKER_RGB[0]) & (a[..., 1] == MARKER_RGB[1]) & (a[..., 2] == MARKER_RGB[2])


def test_chip_size_marker_scale_and_caption(tmp_path):
    scene = make_scene(tmp_path / "s.tif", tags={"TIFFTAG_DATETIME": "2023:04:14 02:13:09"})
    lon, lat = ship_lonlat()
    out = tmp_path / "chip.png"
    res = render_chip(scene, lon, lat, out, size_m=1000, out_px=400,
                      caption_lines=["IMO 9154050 CHON MA SAN (probable)", "analyst: jk"])
    img = Image.open(out)
    # Width is out_px; height is out_px + the caption strip (8 px padding, 20 px a line at 14 px).
    assert img.size == (res.width, res.height) == (400, 400 + 16 + 20 * len(res.caption))
    # 1000 m of 10 m pixels: a 100-pixel window centred on the ship.
    assert res.window[2:] == (100, 100)
    assert res.pixel == pytest.approx((SHIP[0] + 0.5, SHIP[1] + 0.5), abs=1e-6)
    # The marker ring is centred on the middle of the image area.
    ys, xs = np.nonzero(red_mask(img)[:400])
    assert len(xs) > 200
    assert abs(xs.mean() - 200) < 3 and abs(ys.mean() - 200) < 3
    assert res.marker_xy == pytest.approx((200, 200), abs=4)
    # The ship, under the open centre of the marker, is stretched to white.
    centre = np.asarray(img)[198:206, 198:206]  # the 3x3-pixel ship, 4x enlarged
    assert (centre == 255).all()
    # A scale bar: 1-2-5 length about a third of the chip, labelled.
    assert res.scale_bar_m == 200.0
    # The caption carries the facts and the vessel identity, and is drawn.
    text = "\n".join(res.caption)
    assert "Scene s" in text and "2023-04-14 02:13:09 UTC" in text
    assert f"{lat:.6f}, {lon:.6f}" in text
    assert "IMO 9154050 CHON MA SAN (probable)" in text
    strip = np.asarray(img.convert("L"))[400:]
    assert (strip < 100).sum() > 500  # dark text on white
    assert (strip == 255).mean() > 0.5


def test_chip_at_image_edge_pads_with_nodata_grey(tmp_path):
    scene = make_scene(tmp_path / "s.tif")
    lon, lat = ship_lonlat(pixel=(2, 3))
    res = render_chip(scene, lon, lat, tmp_path / "edge.png", size_m=600, out_px=300)
    a = np.asarray(Image.open(tmp_path / "edge.png").convert("RGB"))
    assert (a[5, 5] == (40, 40, 40)).all()  # off the image, top-left
    assert not (a[290, 290] == (40, 40, 40)).all()  # on the image, bottom-right
    assert res.window[0] < 0 and res.window[1] < 0
    ys, xs = np.nonzero(red_mask(Image.open(tmp_path / "edge.png"))[:300])
    assert abs(xs.mean() - 150) < 4 and abs(ys.mean() - 150) < 4


def test_outside_point_and_bad_options(tmp_path):
    scene = make_scene(tmp_path / "s.tif")
    with pytest.raises(InputError, match="outside the image"):
        render_chip(scene, 100.0, 10.0, tmp_path / "x.png")
    lon, lat = ship_lonlat()
    with pytest.raises(InputError, match="positive number of metres"):
        render_chip(scene, lon, lat, tmp_path / "x.png", size_m=-5)
    with pytest.raises(InputError, match="scale must be"):
        render_chip(scene, lon, lat, tmp_path / "x.png", scale="log")
    with pytest.raises(InputError, match="smaller size_m"):
        render_chip(scene, lon, lat, tmp_path / "x.png", size_m=100_000)
    with pytest.raises(InputError, match="folder does not exist"):
        render_chip(scene, lon, lat, tmp_path / "no" / "x.png")
    with pytest.raises(InputError, match="folder does not exist"):  # nothing written, not even the PNG
        render_chip(scene, lon, lat, tmp_path / "x.png", geotiff=tmp_path / "no" / "x.tif")
    assert not (tmp_path / "x.png").exists()


def test_hash_check(tmp_path):
    scene = make_scene(tmp_path / "s.tif")
    lon, lat = ship_lonlat()
    sha = sha256_file(scene)
    res = render_chip(scene, lon, lat, tmp_path / "ok.png", expected_sha256=sha)
    assert res.sha256 == sha and any(sha in line for line in res.caption)
    with pytest.raises(InputError, match="changed since it was registered"):
        render_chip(scene, lon, lat, tmp_path / "bad.png", expected_sha256="0" * 64)
    assert not (tmp_path / "bad.png").exists()


def test_geotiff_crop_keeps_values_and_georeferencing(tmp_path):
    scene = make_scene(tmp_path / "s.tif", count=3, tags={"ACQUISITION_START_TIME": "2023-04-14T02:13:09Z"})
    lon, lat = ship_lonlat()
    info = read_scene(scene)
    res = render_chip(scene, lon, lat, tmp_path / "c.png", size_m=400, geotiff=tmp_path / "c.tif", scene=info)
    with rasterio.open(tmp_path / "c.tif") as crop, rasterio.open(scene) as src:
        assert crop.crs == src.crs and crop.count == 3
        r0, c0, nr, nc = res.window
        assert crop.transform == src.window_transform(rasterio.windows.Window(c0, r0, nc, nr))
        row, col = crop.index(*Transformer.from_crs("EPSG:4326", "EPSG:32652", always_xy=True).transform(lon, lat))
        assert crop.read()[:, row, col].tolist() == [4000, 4000, 4000]
        tags = crop.tags()
        assert tags["SHIPSIGHT_SOURCE_SHA256"] == info.sha256
        assert tags["ACQUISITION_START_TIME"] == "2023-04-14T02:13:09Z"
    assert "bands 1/2/3 as RGB" in " ".join(res.caption)


def test_sar_linear_and_db(tmp_path):
    rng = np.random.default_rng(4)
    lin = rng.gamma(1.0, 0.02, size=(1, 200, 200)).astype("float32")
    lin[0, SHIP[0], SHIP[1]] = 5.0
    p = make_scene(tmp_path / "lin.tif", values=lin)
    lon, lat = ship_lonlat()
    res = render_chip(p, lon, lat, tmp_path / "lin.png", size_m=500, out_px=200)
    assert "linear power shown in dB" in " ".join(res.caption)
    a = np.asarray(Image.open(tmp_path / "lin.png").convert("L"))
    assert a[100, 100] == 255  # the bright scatterer at the centre
    db = (10 * np.log10(lin)).astype("float32")
    p = make_scene(tmp_path / "db.tif", values=db)
    res = render_chip(p, lon, lat, tmp_path / "db.png", size_m=500, out_px=200)
    assert "SAR band 1, dB" in " ".join(res.caption)
    b = np.asarray(Image.open(tmp_path / "db.png").convert("L"))
    # The same picture either way: dB data is not logged twice.
    assert np.abs(a[:200].astype(int) - b[:200].astype(int)).mean() < 2
    # Complex samples (SLC): power |z|^2 in dB.
    z = (np.sqrt(lin) * np.exp(1j * rng.uniform(0, 6.28, lin.shape))).astype("complex64")
    p = make_scene(tmp_path / "slc.tif", values=z)
    res = render_chip(p, lon, lat, tmp_path / "slc.png", size_m=500, out_px=200)
    c = np.asarray(Image.open(tmp_path / "slc.png").convert("L"))
    assert "linear power shown in dB" in " ".join(res.caption)
    assert np.abs(a[:200].astype(int) - c[:200].astype(int)).mean() < 2


def test_lonlat_chip_is_square_on_the_ground(tmp_path):
    t = from_origin(130.0, 60.2, 0.0002, 0.0002)  # at 60 N a pixel is ~11 m wide, ~22 m tall
    p = make_scene(tmp_path / "g.tif", transform=t, crs="EPSG:4326")
    lon, lat = ship_lonlat(t, "EPSG:4326")
    res = render_chip(p, lon, lat, tmp_path / "g.png", size_m=1000, out_px=200)
    _, _, nr, nc = res.window
    assert nc / nr == pytest.approx(2.0, rel=0.05)
    assert res.size_m == pytest.approx(1000, rel=0.02)


def test_nice_length():
    assert [nice_length(v) for v in (9.9, 10, 35, 400, 7000)] == [5.0, 10.0, 20.0, 200.0, 5000.0]


def test_real_sentinel1_chip(tmp_path):
    s1 = DATA / "imagery" / "sentinel1" / "port_la_2021-01-05_db.tif"
    if not s1.exists():
        pytest.skip(f"real data absent: {s1}")
    res = render_chip(s1, -118.196, 33.712, tmp_path / "s1.png", size_m=3000,
                      caption_lines=["Contains modified Copernicus Sentinel-1 data (2021)"])
    assert (res.width, res.gsd_m) == (640, pytest.approx(30.0, rel=0.01))
    assert "SAR band 1, dB" in " ".join(res.caption)  # README: the file is in dB already
    assert red_mask(Image.open(tmp_path / "s1.png")).sum() > 200
