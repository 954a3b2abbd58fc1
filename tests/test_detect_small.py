"""Detection in scenes smaller than the CFAR background window, and in scenes GSHHG calls land."""

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from shipsight.coast import on_land
from shipsight.imagery.detect import detect
from shipsight.imagery.detect_tile import scene_clutter
from shipsight.imagery.synth import make_scene

UTM52 = "EPSG:32652"
RAJIN = (130.2985, 42.2500)  # inside Rajin harbour, which GSHHG fills in as land
INLAND = (129.50, 43.00)  # far inland (the coarse index: all land), in the same UTM zone


def _optical(path, centre, *, width, height, pixel_m, hull=None, seed=0):
    """A 4-band uint16 VHR optical GeoTIFF centred on ``centre`` (lon, lat): water with one bright hull.

    ``hull``: (row0, row1, col0, col1) in pixels. Returns the hull centre's lon/lat.
    """
    rng = np.random.default_rng(seed)
    img = (300 + 30 * rng.standard_normal((4, height, width))).clip(1, 4095).astype("uint16")
    if hull is not None:
        r0, r1, c0, c1 = hull
        img[:, r0:r1, c0:c1] = 2600
    x, y = Transformer.from_crs("EPSG:4326", UTM52, always_xy=True).transform(*centre)
    transform = from_origin(x - width * pixel_m / 2, y + height * pixel_m / 2, pixel_m, pixel_m)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=4, dtype="uint16",
                       crs=UTM52, transform=transform) as dst:
        dst.write(img)
    if hull is None:
        return None
    r0, r1, c0, c1 = hull
    cx, cy = transform * ((c0 + c1) / 2, (r0 + r1) / 2)
    return Transformer.from_crs(UTM52, "EPSG:4326", always_xy=True).transform(cx, cy)


def _metres(lon0, lat0, lon1, lat1):
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2]


def test_scene_clutter_ignores_the_ship_the_plain_statistics_would_count():
    rng = np.random.default_rng(1)
    water = rng.normal(300.0, 30.0, (300, 400))
    water[140:160, 60:340] = 2600.0  # 4.7 % of the pixels
    mu, var, n = scene_clutter(water)
    assert mu == pytest.approx(300.0, abs=2.0) and var ** 0.5 == pytest.approx(30.0, abs=1.5)
    assert water.size - n >= 280 * 20  # every hull pixel clipped
    # The plain statistics: the hull's own threshold would lie above the hull.
    assert water.mean() + 4.75 * water.std() > 2600.0
    assert scene_clutter(np.full(10, 1.0))[2] == 0  # too few to measure


def test_small_optical_scene_finds_its_hull_with_the_scene_clutter(tmp_path):
    """A 200 x 150 m, 0.5 m scene in open water (east of Rajin): smaller than the 800 m window."""
    p = tmp_path / "small.tif"
    lon, lat = _optical(p, (130.45, 42.20), width=400, height=300, pixel_m=0.5, hull=(140, 160, 60, 340))
    assert not on_land(np.array([lon]), np.array([lat]))[0]
    d = detect(p)
    assert len(d) == 1
    assert _metres(d.lon.iloc[0], d.lat.iloc[0], lon, lat) < 2.0
    # A hull longer than the scene's half width, not cut by the guard or merge reach.
    assert d.length_m.iloc[0] == pytest.approx(140.0, rel=0.1)
    assert any("smaller than the 800 m background window" in n and "sigma-clipped" in n for n in d.attrs["notes"])
    assert d.attrs["searched_fraction"] > 0.9
    assert not any("searched" in w for w in d.attrs["warnings"])


def test_small_scene_without_a_ship_finds_nothing(tmp_path):
    p = tmp_path / "empty.tif"
    _optical(p, (130.45, 42.20), width=400, height=300, pixel_m=0.5, seed=3)
    d = detect(p)
    assert len(d) == 0 and d.attrs["searched_fraction"] > 0.9


def test_small_sar_scene_finds_its_ship_in_gamma_clutter(tmp_path):
    p = tmp_path / "sar.tif"
    truth = make_scene(p, width=300, height=300, pixel_m=1.0, origin=None, n_ships=0, land=False,
                       ships=[{"row": 150, "col": 150, "length_m": 120, "heading_deg": 30, "db": 14}],
                       sidelobes=False, seed=4)
    d = detect(p)
    assert len(d) == 1 and len(truth) == 1
    assert abs(d.row.iloc[0] - 150) < 5 and abs(d.col.iloc[0] - 150) < 5
    assert any("sigma-clipped" in n for n in d.attrs["notes"])


def test_scene_larger_than_the_window_keeps_the_ring():
    """Only scenes smaller than the window in both directions use the scene's clutter."""
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "strip.tif"
    _optical(p, (130.45, 42.20), width=1800, height=300, pixel_m=0.5, hull=(140, 160, 800, 1080))
    d = detect(p)
    assert not any("sigma-clipped" in n for n in d.attrs["notes"])


@pytest.fixture(scope="module")
def harbour_scene(tmp_path_factory):
    """A 1000 m, 2 m scene wholly inside Rajin harbour, which GSHHG calls land: water and one hull."""
    p = tmp_path_factory.mktemp("harbour") / "rajin.tif"
    lon, lat = _optical(p, RAJIN, width=500, height=500, pixel_m=2.0, hull=(245, 255, 200, 270))
    return p, lon, lat


def test_scene_wholly_inside_gshhg_land_lets_the_image_decide(harbour_scene):
    p, lon, lat = harbour_scene
    grid_lon, grid_lat = np.meshgrid(np.linspace(RAJIN[0] - 0.006, RAJIN[0] + 0.006, 9),
                                     np.linspace(RAJIN[1] - 0.0045, RAJIN[1] + 0.0045, 9))
    assert on_land(grid_lon, grid_lat).all()  # the premise: GSHHG calls the whole scene land
    d = detect(p)
    assert len(d) == 1 and _metres(d.lon.iloc[0], d.lat.iloc[0], lon, lat) < 3.0
    assert d.attrs["gshhg"].startswith("overruled by the image")
    (w,) = [w for w in d.attrs["warnings"] if "GSHHG calls 100% of the scene land" in w]
    assert "port polygon" in w and "--land FILE" in w and "--no-landmask" in w


def test_gshhg_land_scene_without_image_water_keeps_gshhg(harbour_scene):
    p, _, _ = harbour_scene
    d = detect(p, water_from_image=False)
    assert len(d) == 0 and d.attrs["gshhg"] == "used"


def test_gshhg_land_scene_with_a_port_polygon_is_searched_without_a_warning(harbour_scene):
    import shapely

    p, lon, lat = harbour_scene
    port = shapely.box(RAJIN[0] - 0.02, RAJIN[1] - 0.02, RAJIN[0] + 0.02, RAJIN[1] + 0.02)
    d = detect(p, harbours=[port])
    assert len(d) == 1 and d.attrs["gshhg"] == "used"
    assert not any("GSHHG calls" in w for w in d.attrs["warnings"])


def test_inland_scene_keeps_gshhg(tmp_path):
    """Far from any coast (the coarse index says land), GSHHG is right that nothing floats."""
    p = tmp_path / "inland.tif"
    _optical(p, INLAND, width=500, height=500, pixel_m=2.0, hull=(245, 255, 200, 270))
    d = detect(p)
    assert len(d) == 0 and d.attrs["gshhg"] == "used"
    assert not any("GSHHG calls" in w for w in d.attrs["warnings"])
