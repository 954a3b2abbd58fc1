"""Products as delivered: Sentinel-1 GRD (SAFE, zip, measurement TIFF), Sentinel-2 SAFE, STAC, GCP/RPC grids.

The Sentinel-1 product is built from ESA's real annotation, calibration and
noise files in shared/data/imagery/sentinel1_safe (issue 13) with synthetic
backscatter and ships at known lon/lat (tests/s1grd.py).
"""

import json
import math
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.control import GroundControlPoint
from rasterio.crs import CRS
from rasterio.transform import from_origin

from conftest import shared
from s1grd import build_grd, parse_lut_files
from shipsight.errors import InputError
from shipsight.geodesy import distance_m
from shipsight.imagery.detect import detect
from shipsight.imagery.georef import Georef
from shipsight.imagery.products import open_product
from shipsight.imagery.products.fill import undeclared_fill
from shipsight.imagery.products.stac import item_times, load_item
from shipsight.imagery.radiometry import classify_kind, infer_sar_units
from shipsight.imagery.synth import make_scene

SHIPS = [(11.0, 46.4, 15.0, 4, 2), (10.5, 46.8, 12.0, 4, 2), (11.6, 46.0, 10.0, 4, 2)]
S1_FAST = dict(use_landmask=False, guard_m=2000.0, background_m=6000.0, max_length_m=3000.0)


@pytest.fixture(scope="module")
def grd(tmp_path_factory):
    real = shared("imagery/sentinel1_safe")
    out = tmp_path_factory.mktemp("grd")
    safe, meas, truth = build_grd(real, out, k=16, ships=SHIPS, seed=4)
    return safe, meas, truth


def _hand_sigma0_lut(safe):
    """sigmaNought vectors read by hand from the calibration XML: {line: (pixels, values)}."""
    root = ET.parse(next((Path(safe) / "annotation" / "calibration").glob("calibration-*.xml"))).getroot()
    return {float(v.findtext("line")): (np.array(v.findtext("pixel").split(), float),
                                        np.array(v.findtext("sigmaNought").split(), float))
            for v in root.iter("calibrationVector")}


def _hand_a(lut, row, col):
    """A at a pixel by hand: linear along each bracketing vector's pixels, then linear between the two lines."""
    lines = np.array(sorted(lut))
    i = int(np.clip(np.searchsorted(lines, row, side="right") - 1, 0, len(lines) - 2))
    (p0, v0), (p1, v1) = lut[lines[i]], lut[lines[i + 1]]
    a0, a1 = np.interp(col, p0, v0), np.interp(col, p1, v1)
    t = min(max((row - lines[i]) / (lines[i + 1] - lines[i]), 0.0), 1.0)  # held at the LUT's first/last line
    return a0 + (a1 - a0) * t


def test_s1_sigma0_is_dn2_over_a2_at_sample_pixels(grd):
    safe, meas, _ = grd
    product = open_product(safe)
    lut = _hand_sigma0_lut(safe)
    rng = np.random.default_rng(7)
    with rasterio.open(meas) as ds:
        rows = rng.integers(0, ds.height, 25)
        cols = rng.integers(ds.width // 50, ds.width, 25)
        for r, c in zip(rows, cols):
            dn = float(ds.read(1, window=((int(r), int(r) + 1), (int(c), int(c) + 1)))[0, 0])
            x = np.array([[dn]], dtype=np.float32)
            product.radiometry.apply(x, int(r), int(c))
            a = _hand_a(lut, float(r), float(c))
            assert x[0, 0] == pytest.approx(dn * dn / (a * a), rel=1e-4)
    # At a LUT node A is the tabulated value itself.
    line = next(k for k in sorted(lut) if k >= 0)
    p, v = lut[line]
    assert product.radiometry.calibration.at(np.array([line]), p[3:4])[0, 0] == pytest.approx(v[3], rel=1e-6)


def test_s1_thermal_noise_is_subtracted_before_calibration(grd):
    safe, meas, _ = grd
    plain, denoised = open_product(safe), open_product(safe, denoise=True)
    cal, noise = parse_lut_files(safe)
    r, c = 300, 500
    with rasterio.open(meas) as ds:
        dn = float(ds.read(1, window=((r, r + 1), (c, c + 1)))[0, 0])
    a = float(cal.at(np.array([r]), np.array([c]))[0, 0])
    n = float(noise.at(np.array([r]), np.array([c]))[0, 0])
    x1, x2 = np.array([[dn]], np.float32), np.array([[dn]], np.float32)
    plain.radiometry.apply(x1, r, c)
    denoised.radiometry.apply(x2, r, c)
    assert x1[0, 0] == pytest.approx(dn * dn / a / a, rel=1e-5)
    assert x2[0, 0] == pytest.approx(max(dn * dn - n, 0.0) / a / a, rel=1e-4, abs=1e-9)
    assert n > 0 and x2[0, 0] < x1[0, 0]


def test_s1_product_facts_from_annotation(grd):
    safe, _, truth = grd
    p = open_product(safe)
    assert p.format == "sentinel-1-grd" and p.kind == "sar" and p.options["polarisation"] == "VV"
    assert p.sensor == "Sentinel-1B"
    assert p.acquired.isoformat() == "2021-04-01T05:26:23.794457+00:00"
    assert p.time_range[1].isoformat() == "2021-04-01T05:26:48.793373+00:00"
    import shapely

    # The footprint is the geolocation grid's outline: the ships lie inside it, Munich does not.
    assert all(p.footprint.covers(shapely.Point(t["lon"], t["lat"])) for t in truth)
    assert not p.footprint.covers(shapely.Point(11.58, 48.14))


def test_s1_detections_within_one_pixel_of_known_lonlat(grd):
    safe, _, truth = grd
    found = detect(safe, **S1_FAST)
    assert len(found) == len(truth)
    assert found.attrs["georef"] == "gcp" and "calibration LUT" in found.attrs["radiometry"]
    for t in truth:
        d = np.hypot(found.row - (t["row"] - 0.5), found.col - (t["col"] - 0.5))
        i = int(np.argmin(d))
        assert d.iloc[i] <= 1.0
        pixel_m = found.attrs["pixel_m"]
        assert distance_m(found.lon.iloc[i], found.lat.iloc[i], t["lon"], t["lat"]) <= pixel_m


def test_s1_zip_reads_like_the_folder(grd, tmp_path):
    safe, _, truth = grd
    z = tmp_path / (safe.name[:-5] + ".zip")
    with zipfile.ZipFile(z, "w") as out:
        for f in safe.rglob("*"):
            if f.is_file():
                out.write(f, f"{safe.name}/{f.relative_to(safe).as_posix()}")
    p = open_product(z)
    assert p.raster.startswith("/vsizip/") and p.acquired == open_product(safe).acquired
    found = detect(z, **S1_FAST)
    assert len(found) == len(truth)


def test_s1_polarisation_choice(grd):
    safe, _, _ = grd
    with pytest.raises(InputError, match="no VH measurement; it holds VV"):
        open_product(safe, polarisation="VH")


def _bad_products(tmp_path, safe):
    no_meas = tmp_path / safe.name
    shutil.copytree(safe, no_meas)
    shutil.rmtree(no_meas / "measurement")
    other_zip = tmp_path / "holiday.zip"
    with zipfile.ZipFile(other_zip, "w") as out:
        out.writestr("photos/beach.txt", "not a product")
    few = tmp_path / "two_gcps.tif"
    with rasterio.open(few, "w", driver="GTiff", width=50, height=50, count=1, dtype="uint16") as dst:
        dst.gcps = ([GroundControlPoint(0, 0, 130.0, 42.0), GroundControlPoint(49, 49, 130.1, 42.1)],
                    CRS.from_epsg(4326))
        dst.write(np.ones((1, 50, 50), "uint16"))
    return [(no_meas, "without a measurement image"), (other_zip, "zip of something else"),
            (few, "2 ground control points; at least 3")]


def test_bad_products_one_line_exit_2_nothing_stored(grd, run, tmp_path):
    safe, _, _ = grd
    for path, words in _bad_products(tmp_path, safe):
        for args in (("scenes", "add", path), ("detect", path, "--no-landmask")):
            res = run(*args, code=2)
            lines = res.stderr.strip().splitlines()
            assert len(lines) == 1 and words in lines[0], res.stderr
            assert "Traceback" not in res.stderr
    assert run.json("scenes", "list") == []


def test_s1_safe_registers_logs_and_chips(grd, run, tmp_path):
    safe, meas, truth = grd
    out = run.json("scenes", "add", safe)
    assert out["georef"] == "gcp" and out["transform"] is None and out["product"]["polarisation"] == "VV"
    assert out["time_start"].startswith("2021-04-01T05:26:23") and out["time_end"].startswith("2021-04-01T05:26:48")
    sid = out["id"]
    t = truth[0]
    r, c = int(math.floor(t["row"])), int(math.floor(t["col"]))
    new = run.json("log", "--scene", sid, "--pixel", r, c, "--name", "SHIP")
    rec = run.json("sightings", "show", new["id"])
    assert distance_m(rec["lon"], rec["lat"], t["lon"], t["lat"]) < 160.0 * 1.5  # within a (decimated) pixel
    res = run("chip", new["id"], tmp_path / "c.png", "--size-m", "5000", "--geotiff")
    assert "c.png" in res.stdout
    from PIL import Image

    png = np.asarray(Image.open(tmp_path / "c.png"))
    assert png.shape[1] == 640
    with rasterio.open(tmp_path / "c.tif") as crop:  # the crop keeps the radar grid with shifted GCPs
        assert crop.gcps[0] and crop.crs is None
        g = Georef.from_dataset(crop)
        lon, lat = g.lonlat(crop.height / 2.0, crop.width / 2.0)
        assert abs(lon - t["lon"]) < 0.05 and abs(lat - t["lat"]) < 0.05
    saved = run.json("detect", "--scene", sid, "--no-landmask", "--guard-m", "2000", "--background-m", "6000",
                     "--max-length-m", "3000", "--save")
    assert len(saved["saved_ids"]) == 3 and saved["units"] == "amplitude"


def _assert_orbit(orbit):
    # ESA's annotation: pass Descending, platformHeading -165.651, incidence 30.7-46.0 over the swath.
    assert orbit["pass"] == "descending" and orbit["look"] == "right"
    assert orbit["platform_heading_deg"] == pytest.approx(-165.651, abs=1e-3)
    assert 35 < orbit["incidence_deg"] < 42


def test_s1_orbit_stored_at_registration_shown_and_used_by_ais_correlation(grd, run):
    from shipsight.ais.correlate_sar import sar_geometry

    safe, _, _ = grd
    added = run.json("scenes", "add", safe)
    _assert_orbit(added["product"]["orbit"])
    shown = run.json("scenes", "show", added["id"])
    assert shown["pass"] == "descending" and shown["platform_heading_deg"] == pytest.approx(-165.651, abs=1e-3)
    _assert_orbit(shown["product"]["orbit"])
    text = run("scenes", "show", added["id"]).stdout
    assert re.search(r"^pass\s+descending$", text, re.M) and re.search(r"^platform_heading_deg\s+-165\.65", text, re.M)
    # The correlation takes the stored heading: no product file needed (a team's copy of the log).
    g = sar_geometry({"product": shown["product"], "path": "/elsewhere/" + safe.name, "stac": None})
    assert g.heading_deg == pytest.approx(-165.651, abs=1e-3) and g.assumed == ()
    assert g.incidence_deg == pytest.approx(shown["product"]["orbit"]["incidence_deg"])


def test_s1_orbit_stored_when_detect_save_registers_the_product(grd, run):
    safe, _, _ = grd
    saved = run.json("detect", safe, "--no-landmask", "--guard-m", "2000", "--background-m", "6000",
                     "--max-length-m", "3000", "--save")
    assert len(saved["saved_ids"]) == 3
    _assert_orbit(run.json("scenes", "show", saved["scene_id"])["product"]["orbit"])


def test_optical_and_plain_scenes_have_no_orbit(run, tmp_path):
    tif = tmp_path / "plain.tif"
    make_scene(tif, width=256, height=256, n_ships=1, seed=2)
    shown = run.json("scenes", "show", run.json("scenes", "add", tif, "--acquired", "2023-10-05T02:10:00Z")["id"])
    assert "orbit" not in shown["product"] and "pass" not in shown


# ----------------------------------------------------------------- Sentinel-2


_MTD = """<?xml version="1.0" encoding="UTF-8"?>
<n1:Level-2A_User_Product xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd">
  <n1:General_Info><Product_Info>
    <PRODUCT_START_TIME>2023-10-05T02:16:01.024Z</PRODUCT_START_TIME>
    <PROCESSING_BASELINE>{baseline}</PROCESSING_BASELINE>
    <Datatake><SPACECRAFT_NAME>Sentinel-2B</SPACECRAFT_NAME></Datatake>
  </Product_Info>
  <Product_Image_Characteristics>
    <QUANTIFICATION_VALUES_LIST><BOA_QUANTIFICATION_VALUE unit="none">10000</BOA_QUANTIFICATION_VALUE></QUANTIFICATION_VALUES_LIST>
    {offsets}
  </Product_Image_Characteristics></n1:General_Info>
</n1:Level-2A_User_Product>
"""


def _s2_safe(root, name, offset):
    safe = root / f"{name}.SAFE"
    img = safe / "GRANULE" / "L2A_T52TGN_A000000_20231005T021601" / "IMG_DATA" / "R10m"
    img.mkdir(parents=True)
    offsets = ("" if offset == 0 else "<BOA_ADD_OFFSET_VALUES_LIST>" + "".join(
        f'<BOA_ADD_OFFSET band_id="{i}">{-offset}</BOA_ADD_OFFSET>' for i in range(13)) + "</BOA_ADD_OFFSET_VALUES_LIST>")
    (safe / "MTD_MSIL2A.xml").write_text(_MTD.format(baseline="05.09" if offset else "03.01", offsets=offsets))
    rng = np.random.default_rng(3)
    refl = rng.normal(0.015, 0.003, size=(300, 300))
    for (r, c), v in zip([(60, 60), (150, 150), (240, 220)], (0.3, 0.12, 0.05)):
        refl[r - 2:r + 3, c - 8:c + 8] = v
    dn = np.clip(np.round(refl * 10000 + offset), 1, 65535).astype("uint16")
    band = img / "T52TGN_20231005T021601_B08_10m.jp2"
    with rasterio.open(band, "w", driver="JP2OpenJPEG", width=300, height=300, count=1, dtype="uint16",
                       crs="EPSG:32652", transform=from_origin(700000, 4700000, 10, 10), QUALITY=100,
                       REVERSIBLE="YES") as dst:
        dst.write(dn, 1)
    return safe


def test_s2_safe_offset_removed_scores_comparable(tmp_path):
    old = _s2_safe(tmp_path, "S2B_MSIL2A_20211005T021601_N0301_R003_T52TGN_20211005T040000", 0)
    new = _s2_safe(tmp_path, "S2B_MSIL2A_20231005T021601_N0509_R003_T52TGN_20231005T040000", 1000)
    p = open_product(new)
    assert p.format == "sentinel-2" and p.kind == "optical" and p.sensor == "Sentinel-2B"
    assert p.radiometry.offset == -1000 and p.radiometry.scale == pytest.approx(1e-4)
    assert p.acquired.isoformat() == "2023-10-05T02:16:01.024000+00:00"
    kw = dict(use_landmask=False, guard_m=300.0, background_m=600.0)
    a, b = detect(old, **kw), detect(new, **kw)
    assert a.attrs["kind"] == b.attrs["kind"] == "optical"
    assert len(a) == len(b) == 3
    assert np.allclose(a.score.to_numpy(), b.score.to_numpy(), atol=0.5)
    raw = detect(new, offset=0.0, scale=1.0, **kw)  # the offset left in: the scores drop
    assert raw.score.max() < b.score.max() - 3.0


# ---------------------------------------------------------- units, kinds, fill


@settings(max_examples=25, deadline=None)
@given(looks=st.floats(1.0, 12.0), mean=st.floats(1e-4, 10.0), units=st.sampled_from(["intensity", "amplitude", "db"]),
       seed=st.integers(0, 10_000))
def test_sar_units_inferred_from_speckle(looks, mean, units, seed):
    rng = np.random.default_rng(seed)
    sigma0 = rng.gamma(looks, mean / looks, size=(256, 256))
    data = {"intensity": sigma0, "amplitude": np.sqrt(sigma0), "db": 10 * np.log10(sigma0)}[units]
    choice = infer_sar_units([data])
    assert choice.units == units, choice.source


def test_kind_from_tags_and_bands():
    assert classify_kind({"SPACECRAFT_NAME": "Sentinel-2B"}, 1, "uint16")[0] == "optical"
    assert classify_kind({"MISSION": "SENTINEL-1A"}, 1, "uint16")[0] == "sar"
    assert classify_kind({}, 1, "uint16", ("B08",))[0] == "optical"
    assert classify_kind({}, 4, "uint16")[0] == "optical"
    assert classify_kind({}, 1, "float32")[0] == "sar"


def test_undeclared_zero_border_is_fill_interior_zeros_are_not(tmp_path):
    t = from_origin(500000, 4700000, 10, 10)
    rng = np.random.default_rng(0)
    a = rng.integers(50, 500, size=(200, 200)).astype("uint16")
    a[:, :20] = 0
    inner = a.copy()
    inner[:, :20] = 7
    inner[rng.integers(0, 200, 50), rng.integers(30, 200, 50)] = 0  # scattered zeros in the data
    for name, arr, expect in (("border", a, 0.0), ("inner", inner, None)):
        with rasterio.open(tmp_path / f"{name}.tif", "w", driver="GTiff", width=200, height=200, count=1,
                           dtype="uint16", crs="EPSG:32652", transform=t) as dst:
            dst.write(arr, 1)
        with rasterio.open(tmp_path / f"{name}.tif") as ds:
            assert undeclared_fill(ds)[0] == expect


def test_zero_border_sar_found_and_searched(run, tmp_path):
    """Issue 13: a SAR scene with an undeclared 0 border gave 0 ships; the same pixels with nodata give 3 of 3."""
    declared, bare = tmp_path / "declared.tif", tmp_path / "bare.tif"
    ships = [{"row": 150 + 120 * i, "col": 300, "length_m": 150, "heading_deg": 30, "db": 12} for i in range(3)]
    blank = [(0, 0, 600, 120), (0, 480, 600, 600)]
    make_scene(declared, width=600, height=600, ships=ships, blank=blank, nodata=0.0, seed=5)
    with rasterio.open(declared) as ds:
        profile, data = ds.profile, ds.read(1)
    profile.update(nodata=None)
    with rasterio.open(bare, "w", **profile) as dst:  # the same pixels, the 0 border not declared
        dst.write(data, 1)
    with rasterio.open(bare) as ds:
        assert ds.nodata is None and (ds.read(1)[:, :100] == 0).all()
    a = run.json("detect", declared, "--no-landmask")
    b = run.json("detect", bare, "--no-landmask")
    assert len(a["detections"]) == len(b["detections"]) == 3
    assert any("undeclared fill" in n for n in b["notes"])
    fa = run.json("scenes", "add", bare, "--acquired", "2024-01-01T00:00:00Z")
    assert fa["nodata"] == 0.0


def test_detect_warns_when_nothing_found_in_a_large_scene(run, tmp_path):
    sea = tmp_path / "sea.tif"
    make_scene(sea, width=400, height=400, n_ships=0, seed=1)
    res = run("detect", sea, "--no-landmask")
    assert "warning: no ships found" in res.stderr
    out = run.json("detect", sea, "--no-landmask")
    assert out["detections"] == [] and any("no ships found" in w for w in out["warnings"])


def test_detect_warns_when_little_water_was_searched(run, tmp_path):
    img = tmp_path / "mostly_masked.tif"
    make_scene(img, width=400, height=400, n_ships=1, seed=2)
    import geopandas as gpd
    import shapely

    with rasterio.open(img) as ds:
        b = ds.bounds
        land = shapely.box(b.left, b.bottom, b.left + 0.9 * (b.right - b.left), b.top)
    gpd.GeoDataFrame(geometry=[land], crs="EPSG:32652").to_file(tmp_path / "land.gpkg")
    out = run.json("detect", img, "--no-landmask", "--land", tmp_path / "land.gpkg")
    assert any(w.startswith("searched") for w in out["warnings"]), out["warnings"]


# ------------------------------------------------------------------- STAC


def _item(**props):
    return {"type": "Feature", "id": "x", "properties": props, "geometry": None, "assets": {}}


def test_stac_times():
    instant = item_times(_item(datetime="2023-10-05T11:10:31+09:00"))
    assert instant[0].isoformat() == "2023-10-05T02:10:31+00:00" and instant[1] is None
    strip = item_times(_item(datetime=None, start_datetime="2023-10-05T02:10:31Z", end_datetime="2023-10-05T02:14:02Z"))
    assert strip[0] == strip[1] and strip[2].minute == 14
    month = item_times(_item(datetime=None, start_datetime="2023-10-01T00:00:00Z", end_datetime="2023-10-31T23:59:59Z"))
    assert month[0] is None and month[1].day == 1 and month[2].day == 31
    with pytest.raises(InputError, match="no time zone; give the time with --acquired 2023-10-05T11:10:31Z"):
        item_times(_item(datetime="2023-10-05T11:10:31"))


def test_stac_feature_collection_of_two_is_refused(tmp_path):
    p = tmp_path / "many.json"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [_item(), _item()]}))
    with pytest.raises(InputError, match="FeatureCollection of 2 Items"):
        load_item(p)


def test_stac_item_asset_by_role_and_absolute_href(run, tmp_path):
    img = tmp_path / "data" / "scene.tif"
    img.parent.mkdir()
    make_scene(img, width=200, height=200, n_ships=0, seed=1)
    item = _item(datetime="2024-02-01T01:02:03Z", platform="examplesat")
    item["assets"] = {"thumb": {"href": "thumb.png", "type": "image/png"},
                      "b": {"href": str(img), "roles": ["data"], "type": "image/tiff"}}
    (tmp_path / "item.json").write_text(json.dumps(item))
    out = run.json("scenes", "add", tmp_path / "item.json")
    assert out["id"] == "x" and out["acquired"] == "2024-02-01T01:02:03+00:00" and out["sensor"] == "examplesat"
    assert out["path"] == str(img.resolve())


# ------------------------------------------------------ grids: 180 deg, poles


def test_epsg4326_scene_past_180_normalised(run, tmp_path):
    p = tmp_path / "dateline.tif"
    ships = [{"row": 100, "col": 80, "length_m": 200, "heading_deg": 0, "db": 15},
             {"row": 100, "col": 320, "length_m": 200, "heading_deg": 0, "db": 15}]
    make_scene(p, width=400, height=200, ships=ships, seed=2)
    with rasterio.open(p) as ds:
        data = ds.read(1)
    with rasterio.open(p, "w", driver="GTiff", width=400, height=200, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(179.98, 10.0, 1e-4, 1e-4)) as dst:  # x runs 179.98 .. 180.02
        dst.write(data, 1)
    scene = run.json("scenes", "add", p, "--acquired", "2024-01-01T00:00:00Z")
    import shapely

    fp = shapely.from_wkt(scene["footprint"])
    assert fp.geom_type == "MultiPolygon" and fp.bounds[0] >= -180 and fp.bounds[2] <= 180
    out = run.json("detect", "--scene", scene["id"], "--no-landmask", "--guard-m", "400", "--background-m", "700",
                   "--save")
    lons = sorted(d["lon"] for d in out["detections"])
    assert len(lons) == 2 and -180 <= lons[0] < -179.98 and 179.98 < lons[1] <= 180
    assert len(out["saved_ids"]) == 2


def test_polar_scene_footprint_and_detections(run, tmp_path):
    p = tmp_path / "polar.tif"
    truth = make_scene(p, width=400, height=400, crs="EPSG:3413", origin=(0.0, -1_000_000.0), n_ships=2,
                       ship_db=14, seed=6)
    scene = run.json("scenes", "add", p, "--acquired", "2024-01-01T00:00:00Z")
    assert scene["footprint"].startswith("POLYGON")
    out = run.json("detect", p, "--no-landmask")
    assert len(out["detections"]) == 2
    assert all(-180 <= d["lon"] <= 180 and d["lat"] > 80 for d in out["detections"])
    got = sorted((round(d["lon"], 3), round(d["lat"], 3)) for d in out["detections"])
    want = sorted((round(lon, 3), round(lat, 3)) for lon, lat in zip(truth["lon"], truth["lat"]))
    assert np.allclose(got, want, atol=0.02)


def test_georef_gcp_and_rpc_round_trip():
    gcps = [(r, c, 130.0 + c * 1e-4, 42.0 - r * 1e-4, 0.0) for r in (0, 50, 100) for c in (0, 50, 100)]
    g = Georef.from_gcps(gcps, "EPSG:4326", 100, 100)
    lon, lat = g.lonlat(np.array([10.5, 70.25]), np.array([20.5, 5.75]))
    r, c = g.pixel(lon, lat)
    assert np.allclose(r, [10.5, 70.25], atol=1e-6) and np.allclose(c, [20.5, 5.75], atol=1e-6)
    assert abs(g.north_angle()) < 1e-6 or abs(g.north_angle() - 360) < 1e-6
    with pytest.raises(InputError, match="all on one line"):
        Georef.from_gcps([(i, i, 130 + i, 42 + i, 0) for i in range(5)], "EPSG:4326", 10, 10)


_MTD_L1C = """<?xml version="1.0" encoding="UTF-8"?>
<n1:Level-1C_User_Product xmlns:n1="https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-1C.xsd">
  <n1:General_Info><Product_Info>
    <PRODUCT_START_TIME>2023-10-05T02:16:01.024Z</PRODUCT_START_TIME>
    <PROCESSING_BASELINE>05.09</PROCESSING_BASELINE>
    <Datatake><SPACECRAFT_NAME>Sentinel-2A</SPACECRAFT_NAME></Datatake>
  </Product_Info>
  <Product_Image_Characteristics>
    <QUANTIFICATION_VALUE unit="none">10000</QUANTIFICATION_VALUE>
    <Radiometric_Offset_List><RADIO_ADD_OFFSET band_id="7">-1000</RADIO_ADD_OFFSET></Radiometric_Offset_List>
  </Product_Image_Characteristics></n1:General_Info>
</n1:Level-1C_User_Product>
"""


def test_s2_l1c_safe_and_band_file(tmp_path, run):
    safe = tmp_path / "S2A_MSIL1C_20231005T021601_N0509_R003_T52TGN_20231005T040000.SAFE"
    img = safe / "GRANULE" / "L1C_T52TGN_A000000_20231005T021601" / "IMG_DATA"
    img.mkdir(parents=True)
    (safe / "MTD_MSIL1C.xml").write_text(_MTD_L1C)
    band = img / "T52TGN_20231005T021601_B08.jp2"
    with rasterio.open(band, "w", driver="JP2OpenJPEG", width=64, height=64, count=1, dtype="uint16",
                       crs="EPSG:32652", transform=from_origin(700000, 4700000, 10, 10), QUALITY=100,
                       REVERSIBLE="YES") as dst:
        dst.write(np.full((1, 64, 64), 1150, "uint16"))
    for given in (safe, band):  # the SAFE, or one band file inside it, read with the product's metadata
        p = open_product(given)
        assert p.kind == "optical" and p.sensor == "Sentinel-2A" and p.radiometry.offset == -1000
        x = np.array([[1150.0]], np.float32)
        assert p.radiometry.apply(x)[0, 0] == pytest.approx(0.015)
    out = run.json("scenes", "add", safe)
    assert out["id"] == safe.name[:-5] and out["acquired"].startswith("2023-10-05T02:16:01")


def test_s1_tile_read_is_sigma0_at_every_pixel_nan_on_fill_and_padding(grd):
    """detect's tile read (stored uint16, calibrated by chunks of rows into reused padded arrays) is DN^2/A^2."""
    from types import SimpleNamespace

    from rasterio.windows import Window

    from shipsight.imagery.detect_tile import Buffers, read_intensity

    safe, meas, _ = grd
    product = open_product(safe)
    lut = _hand_sigma0_lut(safe)
    plan = SimpleNamespace(bands=[1], nodata=[product.fill], use_mask_band=False, radiometry=product.radiometry)
    buffers = Buffers()
    rng = np.random.default_rng(3)
    with rasterio.open(meas) as ds:
        for win in (Window(0, 37, ds.width - 3, ds.height - 40), Window(11, 5, 120, 90)):  # second: a reused buffer
            dn = ds.read(1, window=win).astype(np.float64)
            x = read_intensity(ds, plan, win, buffers=buffers, pad_to=7)
            h, w = dn.shape
            assert x.dtype == np.float32 and x.shape == (-(-h // 7) * 7, -(-w // 7) * 7)
            assert np.isnan(x[h:]).all() and np.isnan(x[:h, w:]).all()
            core = x[:h, :w]
            assert np.array_equal(np.isnan(core), dn == 0)  # the DN-0 border is fill, nothing else
            for r, c in zip(rng.integers(0, h, 40), rng.integers(0, w, 40)):
                if dn[r, c] == 0:
                    continue
                a = _hand_a(lut, float(r + win.row_off), float(c + win.col_off))
                assert core[r, c] == pytest.approx(dn[r, c] ** 2 / a ** 2, rel=1e-4)
            # The same as calibrating a float32 copy of the window in place, as any other raster is.
            ref = dn.astype(np.float32)
            product.radiometry.apply(ref, int(win.row_off), int(win.col_off))
            ref[dn == 0] = np.nan
            np.testing.assert_allclose(core, ref, rtol=1e-6)
