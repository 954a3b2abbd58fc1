"""Scenes and pixels: read_scene, pixel <-> lon/lat, check_pixel_in_scene.

Every raster here is a small GeoTIFF written by rasterio in tmp_path; expected
coordinates are computed independently with pyproj from the affine transform.
The real-data tests read ../shared/data/imagery (see its README) and skip
when it is absent.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from rasterio.transform import from_origin

from shipsight.errors import InputError
from shipsight.geodesy import geodesic_area_m2
from shipsight.imagery.pixels import (
    check_pixel_in_scene,
    ground_pixel_size,
    lonlat_to_pixel,
    pixel_to_lonlat,
)
from shipsight.digest import sha256_file
from shipsight.imagery.scene import parse_tag_time, read_scene

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GEOD = Geod(ellps="WGS84")


def write_tif(path, *, crs, transform, width=64, height=48, count=1, dtype="uint16", nodata=None,
              data=None, tags=None, driver="GTiff", **extra):
    if data is None:
        rng = np.random.default_rng(0)
        data = rng.integers(100, 1000, size=(count, height, width)).astype(dtype)
    with rasterio.open(path, "w", driver=driver, width=width, height=height, count=count, dtype=dtype,
                       crs=crs, transform=transform, nodata=nodata, **extra) as ds:
        ds.write(data)
        if tags:
            ds.update_tags(**tags)
    return Path(path)


def expected_lonlat(transform, crs, row, col):
    """Independent: continuous pixel -> CRS x/y by hand, then pyproj."""
    x = transform.c + col * transform.a
    y = transform.f + row * transform.e
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return (lon + 180.0) % 360.0 - 180.0, lat


# ------------------------------------------------------------ pixels <-> lon/lat

CASES = [
    ("EPSG:32652", from_origin(500000.0, 4000000.0, 10.0, 10.0)),  # UTM 52N, Korea Strait
    ("EPSG:3857", from_origin(14362154.5, 4181755.1, 10.0, 10.0)),  # Web Mercator, Busan
    ("EPSG:4326", from_origin(129.7, 42.4, 0.0001, 0.0001)),  # Rajin area
]


@pytest.mark.parametrize("crs,transform", CASES)
def test_pixel_to_lonlat_matches_pyproj(crs, transform):
    rows, cols = np.array([0, 10, 47]), np.array([0, 33, 63])
    lon, lat = pixel_to_lonlat(transform, crs, rows, cols)
    elon, elat = expected_lonlat(transform, crs, rows + 0.5, cols + 0.5)  # integer = centre
    assert np.max(np.abs(lon - elon)) < 1e-9
    assert np.max(np.abs(lat - elat)) < 1e-9
    # Floats are continuous coordinates: 0.0 is the corner of the first pixel.
    lon0, lat0 = pixel_to_lonlat(transform, crs, 0.0, 0.0)
    clon, clat = expected_lonlat(transform, crs, 0.0, 0.0)
    assert abs(lon0 - clon) < 1e-9 and abs(lat0 - clat) < 1e-9


@pytest.mark.parametrize("crs,transform", CASES)
def test_lonlat_to_pixel_round_trip(crs, transform):
    rows, cols = np.array([0, 5, 40]), np.array([1, 17, 60])
    lon, lat = pixel_to_lonlat(transform, crs, rows, cols)
    r, c = lonlat_to_pixel(transform, crs, lon, lat)
    np.testing.assert_allclose(r, rows + 0.5, atol=1e-6)
    np.testing.assert_allclose(c, cols + 0.5, atol=1e-6)
    ri, ci = lonlat_to_pixel(transform, crs, lon, lat, as_index=True)
    assert ri.tolist() == rows.tolist() and ci.tolist() == cols.tolist()


def test_integer_pixels_are_centres_floats_are_taken_as_is():
    crs, t = CASES[0]
    assert pixel_to_lonlat(t, crs, 3, 4) == pixel_to_lonlat(t, crs, 3.5, 4.5)
    assert pixel_to_lonlat(t, crs, 3, 4) != pixel_to_lonlat(t, crs, 3.0, 4.0)
    assert isinstance(pixel_to_lonlat(t, crs, 3, 4)[0], float)


def test_accepts_six_numbers_and_rasterio_crs():
    crs, t = CASES[0]
    a = pixel_to_lonlat(tuple(t)[:6], rasterio.crs.CRS.from_string(crs), 7, 9)
    b = pixel_to_lonlat(t, crs, 7, 9)
    assert a == b


@settings(max_examples=60, deadline=None)
@given(row=st.floats(-50, 5000), col=st.floats(-50, 5000), case=st.sampled_from(CASES))
def test_round_trip_property(row, col, case):
    crs, t = case
    lon, lat = pixel_to_lonlat(t, crs, row, col)
    assert -180.0 <= lon < 180.0
    r, c = lonlat_to_pixel(t, crs, lon, lat, width=5000)
    assert abs(r - row) < 1e-5 and abs(c - col) < 1e-5


def test_rotated_transform_and_vectorised_ground_size():
    from affine import Affine

    t = Affine.translation(500000.0, 4000000.0) * Affine.rotation(30.0) * Affine.scale(10.0, -10.0)
    lon, lat = pixel_to_lonlat(t, "EPSG:32652", 4, 7)
    x, y = t * (7.5, 4.5)
    elon, elat = Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True).transform(x, y)
    assert abs(lon - elon) < 1e-9 and abs(lat - elat) < 1e-9
    assert lonlat_to_pixel(t, "EPSG:32652", lon, lat, as_index=True) == (4, 7)
    gx, gy = ground_pixel_size(t, "EPSG:32652", np.array([0.5, 100.5]), np.array([0.5, 200.5]))
    np.testing.assert_allclose(gx, 10 / 0.9996, rtol=1e-3)
    np.testing.assert_allclose(gy, 10 / 0.9996, rtol=1e-3)


def test_unknown_crs_is_input_error():
    with pytest.raises(InputError, match="unknown coordinate reference system"):
        pixel_to_lonlat(CASES[0][1], "EPSG:999999", 0, 0)


# ----------------------------------------------------------------- read_scene


def test_read_scene_utm(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    p = write_tif(tmp_path / "utm.tif", crs="EPSG:32652", transform=t, count=3)
    info = read_scene(p)
    assert info.id == "utm"
    assert info.path == str(p.resolve())
    assert info.crs == "EPSG:32652"
    assert info.transform == tuple(t)[:6]
    assert (info.width, info.height, info.count, info.dtypes) == (64, 48, 3, ("uint16",) * 3)
    # On the central meridian the UTM scale factor is 0.9996: 10 grid m = 10.004 ground m.
    assert info.gsd_m == pytest.approx(10 / 0.9996, rel=1e-3)
    assert info.sha256 == hashlib.sha256(p.read_bytes()).hexdigest() == sha256_file(p)
    assert info.acquired is None and info.acquired_source is None
    # The whole image is valid: its footprint holds every corner pixel centre.
    lon, lat = pixel_to_lonlat(t, "EPSG:32652", [0, 0, 47, 47], [0, 63, 0, 63])
    assert shapely.contains_xy(info.footprint, lon, lat).all()
    area = geodesic_area_m2([info.footprint])[0]
    assert area == pytest.approx(640 * 480 / 0.9996**2, rel=0.01)
    rec = info.to_record()
    assert json.loads(json.dumps(rec, allow_nan=False))["footprint"].startswith("POLYGON")


def test_gsd_is_ground_metres_in_web_mercator_and_lonlat(tmp_path):
    # Web Mercator "10 m" pixels at 35 N are ~8.2 m of ground (the sen2ships case).
    t = from_origin(14362154.5, 4181755.1, 10.0, 10.0)
    info = read_scene(write_tif(tmp_path / "merc.tif", crs="EPSG:3857", transform=t))
    _, lat = pixel_to_lonlat(t, "EPSG:3857", 24.0, 32.0)
    assert info.gsd_m == pytest.approx(10 * np.cos(np.radians(lat)), rel=0.01)
    assert info.gsd_m < 8.5
    # EPSG:4326 at 60 N: a square-degree pixel is half as wide as it is tall.
    t = from_origin(10.0, 60.0, 0.001, 0.001)
    info = read_scene(write_tif(tmp_path / "geo.tif", crs="EPSG:4326", transform=t))
    lon0, lat0 = 10.0 + 32 * 0.001, 60.0 - 24 * 0.001
    _, _, gx = GEOD.inv(lon0, lat0, lon0 + 0.001, lat0)
    _, _, gy = GEOD.inv(lon0, lat0, lon0, lat0 - 0.001)
    assert info.gsd_xy_m == pytest.approx((gx, gy), rel=1e-3)
    assert info.gsd_xy_m[1] / info.gsd_xy_m[0] == pytest.approx(2.0, rel=0.01)


def test_nodata_corner_is_outside_footprint(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    data = np.full((1, 48, 64), 500, dtype="uint16")
    data[0, :24, :32] = 0  # top-left quarter is nodata
    p = write_tif(tmp_path / "corner.tif", crs="EPSG:32652", transform=t, data=data, nodata=0)
    info = read_scene(p)
    lon, lat = pixel_to_lonlat(t, "EPSG:32652", [5, 40, 40, 5], [5, 5, 60, 60])
    assert shapely.contains_xy(info.footprint, lon, lat).tolist() == [False, True, True, True]
    assert geodesic_area_m2([info.footprint])[0] == pytest.approx(0.75 * 640 * 480 / 0.9996**2, rel=0.02)
    with pytest.raises(InputError, match="nodata"):
        check_pixel_in_scene(info, 5, 5)
    assert check_pixel_in_scene(info, 40, 40) == pixel_to_lonlat(t, "EPSG:32652", 40, 40)
    with pytest.raises(InputError, match="outside scene corner"):
        check_pixel_in_scene(info, 48, 3)
    with pytest.raises(InputError, match="outside scene"):
        check_pixel_in_scene(info, 3, -1)
    # From a stored record, file gone: the footprint decides.
    rec = info.to_record() | {"path": str(tmp_path / "gone.tif")}
    with pytest.raises(InputError, match="nodata"):
        check_pixel_in_scene(rec, 5, 5)
    assert check_pixel_in_scene(rec, 40, 40)


def test_cog_with_overviews(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    rng = np.random.default_rng(1)
    data = rng.integers(1, 1000, size=(1, 600, 700)).astype("uint16")
    data[0, :200, :200] = 0
    p = write_tif(tmp_path / "scene_cog.tif", crs="EPSG:32652", transform=t, width=700, height=600,
                  data=data, nodata=0, driver="COG", blocksize=256)
    with rasterio.open(p) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG" and ds.overviews(1)
    info = read_scene(p, footprint_grid=64)  # a coarse grid: read from overviews
    lon, lat = pixel_to_lonlat(t, "EPSG:32652", [50, 400], [50, 400])
    assert shapely.contains_xy(info.footprint, lon, lat).tolist() == [False, True]
    assert geodesic_area_m2([info.footprint])[0] == pytest.approx((7000 * 6000 - 2000 * 2000) / 0.9996**2, rel=0.03)


def test_antimeridian_lonlat_grid(tmp_path):
    # EPSG:4326 with x running from 179.5 to 180.5 (the GDAL way to cross 180).
    t = from_origin(179.5, -16.0, 1 / 64, 1 / 64)
    p = write_tif(tmp_path / "fiji_geo.tif", crs="EPSG:4326", transform=t, width=64, height=32)
    info = read_scene(p)
    assert info.footprint.geom_type == "MultiPolygon"
    minx, _, maxx, _ = info.footprint.bounds
    assert minx == pytest.approx(-180.0) and maxx == pytest.approx(180.0)
    lon, lat = pixel_to_lonlat(t, "EPSG:4326", 10, 48)  # east of 180
    assert lon == pytest.approx(-180 + 48.5 / 64 - 0.5, abs=1e-9)
    assert shapely.contains_xy(info.footprint, lon, lat)
    r, c = lonlat_to_pixel(t, "EPSG:4326", lon, lat)
    assert (r, c) == pytest.approx((10.5, 48.5), abs=1e-9)
    r, c = lonlat_to_pixel(t, "EPSG:4326", 179.75, lat)  # west of 180
    assert c == pytest.approx(16.0, abs=1e-9)
    # Just west of the image: without its width, wrapped far east; with it, just west.
    assert lonlat_to_pixel(t, "EPSG:4326", 179.4, lat)[1] > 64 * 300
    assert lonlat_to_pixel(t, "EPSG:4326", 179.4, lat, width=64)[1] == pytest.approx(-6.4, abs=1e-9)


def test_antimeridian_utm(tmp_path):
    # UTM 60S around Fiji: x 800-870 km crosses 180 (about 333 km east of 177 E at -17).
    t = from_origin(800000.0, 8120000.0, 1000.0, 1000.0)
    p = write_tif(tmp_path / "fiji_utm.tif", crs="EPSG:32760", transform=t, width=70, height=50)
    info = read_scene(p)
    assert info.footprint.geom_type == "MultiPolygon"
    assert all(g.bounds[0] >= -180 and g.bounds[2] <= 180 for g in info.footprint.geoms)
    lon, lat = pixel_to_lonlat(t, "EPSG:32760", [25, 25], [2, 68])
    assert lon[0] > 170 and lon[1] < -170
    elon, elat = expected_lonlat(t, "EPSG:32760", np.array([25.5, 25.5]), np.array([2.5, 68.5]))
    assert np.max(np.abs(lon - elon)) < 1e-6 and np.max(np.abs(lat - elat)) < 1e-6
    assert shapely.contains_xy(info.footprint, lon, lat).all()
    k = 1.0011  # UTM scale factor ~330 km off the central meridian
    assert geodesic_area_m2([info.footprint])[0] == pytest.approx(70e3 * 50e3 / k**2, rel=0.005)


# ------------------------------------------------------------- time and sensor


def test_stac_item_gives_id_time_sensor(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    p = write_tif(tmp_path / "b04.tif", crs="EPSG:32652", transform=t, tags={"TIFFTAG_DATETIME": "2024:01:01 00:00:00"})
    lon, lat = pixel_to_lonlat(t, "EPSG:32652", 24, 32)
    item = {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": "S2B_52SCE_20230414_0_L2A",
        "geometry": shapely.geometry.mapping(shapely.Point(lon, lat).buffer(0.01)),
        "bbox": [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01],
        "properties": {"datetime": "2023-04-14T02:13:09.024000Z", "platform": "sentinel-2b",
                       "constellation": "sentinel-2", "instruments": ["msi"]},
        "links": [],
        "assets": {},
    }
    sp = tmp_path / "item.json"
    sp.write_text(json.dumps(item))
    info = read_scene(p, stac=sp)
    assert info.id == "S2B_52SCE_20230414_0_L2A"
    assert info.acquired.isoformat() == "2023-04-14T02:13:09.024000+00:00"
    assert info.acquired_source == "stac"
    assert info.sensor == "sentinel-2b"
    # Explicit arguments win.
    info = read_scene(p, stac=item, acquired="2023-04-14T11:13:09+09:00", sensor="S2B MSI", scene_id="mine")
    assert (info.id, info.sensor, info.acquired_source) == ("mine", "S2B MSI", "argument")
    assert info.acquired.isoformat() == "2023-04-14T02:13:09+00:00"
    # An Item somewhere else is the wrong Item.
    far = dict(item, geometry=shapely.geometry.mapping(shapely.box(0, 0, 1, 1)))
    with pytest.raises(InputError, match="does not overlap"):
        read_scene(p, stac=far)
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(InputError, match="not a STAC Item"):
        read_scene(p, stac=bad)
    with pytest.raises(InputError, match="no time zone"):
        read_scene(p, acquired="2023-04-14 02:13")


def test_time_from_tags(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    p = write_tif(tmp_path / "a.tif", crs="EPSG:32652", transform=t, tags={"TIFFTAG_DATETIME": "2021:11:04 17:07:49"})
    info = read_scene(p)
    assert info.acquired.isoformat() == "2021-11-04T17:07:49+00:00"
    assert info.acquired_source == "tag:TIFFTAG_DATETIME"
    # An acquisition tag beats the file-creation time of TIFFTAG_DATETIME.
    p = write_tif(tmp_path / "b.tif", crs="EPSG:32652", transform=t,
                  tags={"TIFFTAG_DATETIME": "2024:01:01 00:00:00", "ACQUISITION_START_TIME": "2021-11-04T17:07:49.5Z",
                        "SATELLITEID": "WV03"})
    info = read_scene(p)
    assert info.acquired.isoformat() == "2021-11-04T17:07:49.500000+00:00"
    assert info.acquired_source == "tag:ACQUISITION_START_TIME"
    assert info.sensor == "WV03"


def test_parse_tag_time():
    assert parse_tag_time("20211104T170749").isoformat() == "2021-11-04T17:07:49+00:00"
    assert parse_tag_time("2021-11-04").isoformat() == "2021-11-04T00:00:00+00:00"
    assert parse_tag_time("2021-11-04T17:07:49-0500").isoformat() == "2021-11-04T22:07:49+00:00"
    assert parse_tag_time("yesterday") is None
    assert parse_tag_time("2021:13:40 00:00:00") is None


# ----------------------------------------------------------------- bad input


def test_text_file_is_not_a_raster(tmp_path):
    p = tmp_path / "notes.tif"
    p.write_text("IMO 9154050 seen off Nampo\n")
    with pytest.raises(InputError, match="cannot be read as a raster") as e:
        read_scene(p)
    assert str(p.resolve()) in str(e.value) and "\n" not in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_scene(tmp_path / "nope.tif")


def test_ungeoreferenced_tif(tmp_path):
    p = tmp_path / "plain.tif"
    with rasterio.open(p, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8") as ds:
        ds.write(np.ones((1, 8, 8), dtype="uint8"))
    with pytest.raises(InputError, match="no georeferencing") as exc:
        read_scene(p)
    # Never the advice that would invent a map position (issue 13).
    assert "gdal_edit" not in str(exc.value) and "-a_ullr" not in str(exc.value)
    p2 = tmp_path / "crs_only.tif"
    with rasterio.open(p2, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8", crs="EPSG:32652") as ds:
        ds.write(np.ones((1, 8, 8), dtype="uint8"))
    with pytest.raises(InputError, match="no georeferencing"):
        read_scene(p2)


def test_engineering_crs_is_refused(tmp_path):
    p = tmp_path / "local.tif"
    wkt = 'LOCAL_CS["harbour grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    write_tif(p, crs=rasterio.crs.CRS.from_wkt(wkt), transform=from_origin(0, 100, 1, 1))
    with pytest.raises(InputError, match="not tied to the Earth|unknown coordinate reference system|no coordinate"):
        read_scene(p)


def test_truncated_tif(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    rng = np.random.default_rng(2)
    data = rng.integers(0, 60000, size=(1, 256, 256)).astype("uint16")
    full = write_tif(tmp_path / "full.tif", crs="EPSG:32652", transform=t, width=256, height=256, data=data)
    cut = tmp_path / "cut.tif"
    raw = full.read_bytes()
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError, match="truncated or corrupt|cannot be read as a raster"):
        read_scene(cut)


def test_all_nodata_is_refused(tmp_path):
    t = from_origin(500000.0, 4000000.0, 10.0, 10.0)
    p = write_tif(tmp_path / "empty.tif", crs="EPSG:32652", transform=t, data=np.zeros((1, 48, 64), "uint16"), nodata=0)
    with pytest.raises(InputError, match="no valid pixels"):
        read_scene(p)


# ------------------------------------------------------------------- real data

S2 = DATA / "imagery" / "sentinel2"
S1 = DATA / "imagery" / "sentinel1" / "port_la_2021-01-05_db.tif"


@pytest.mark.parametrize("port", ["busan", "casablanca", "honolulu", "san_francisco"])
def test_sen2ships_labels_round_trip(port):
    tif, labels = S2 / f"{port}_rgb.tif", S2 / f"{port}_labels_coco.json"
    if not tif.exists():
        pytest.skip(f"real data absent: {tif}")
    info = read_scene(tif)
    coco = json.loads(labels.read_text())
    # The COCO files carry no georeferencing (no bounds or transform, date_captured 0),
    # only the image size: it must be this raster's.
    for image in coco["images"]:
        assert (image["width"], image["height"]) == (info.width, info.height)
    boxes = np.array([a["bbox"] for a in coco["annotations"]], dtype=float)
    assert len(boxes) == {"busan": 54, "casablanca": 15, "honolulu": 12, "san_francisco": 6}[port]  # README counts
    rows = boxes[:, 1] + boxes[:, 3] / 2  # COCO bbox = [x, y, w, h] in continuous pixels
    cols = boxes[:, 0] + boxes[:, 2] / 2
    lon, lat = pixel_to_lonlat(info.transform, info.crs, rows, cols)
    r, c = lonlat_to_pixel(info.transform, info.crs, lon, lat)
    np.testing.assert_allclose(r, rows, atol=1e-6)
    np.testing.assert_allclose(c, cols, atol=1e-6)
    assert shapely.contains_xy(info.footprint, lon, lat).all()
    # Web Mercator "10 m" pixels: ground GSD is smaller, by cos(latitude).
    assert info.crs == "EPSG:3857"
    assert 6.0 < info.gsd_m < 10.0


def test_sentinel1_san_pedro_bay():
    if not S1.exists():
        pytest.skip(f"real data absent: {S1}")
    info = read_scene(S1)
    assert info.crs == "EPSG:32611"
    assert info.gsd_m == pytest.approx(30.0, rel=0.01)  # README: 30 m pixels
    assert info.footprint.contains(shapely.Point(-118.2, 33.72))  # Long Beach
    # The swath edge cuts the north-east corner (nodata 0 there), so the footprint is not the full frame.
    ne_lon, ne_lat = pixel_to_lonlat(info.transform, info.crs, 2, info.width - 3)
    assert not info.footprint.contains(shapely.Point(ne_lon, ne_lat))
    assert info.dtypes == ("float64",) and info.nodata == 0.0
