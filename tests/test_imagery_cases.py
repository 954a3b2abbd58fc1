"""Every expected value of the field cases in shared/cases/imagery (issue 13), through the real CLI.

Inputs are read from ../shared/cases/imagery/<case>/inputs (skipped when
absent); derived files (a GDAL-warped or orthorectified copy) are written
by the test with rasterio.
"""

import csv
import json
import math
import warnings

import numpy as np
import pytest
import rasterio
import shapely

from conftest import case
from shipsight.geodesy import distance_m

C01 = "imagery/01-s1-grd-gcp-only/inputs"
SAFE01 = f"{C01}/S1A_IW_GRDH_1SDV_20231005T093012_20231005T093037_050612_0618AB_1C2D.SAFE"
MEAS01 = f"{SAFE01}/measurement/s1a-iw-grd-vv-20231005t093012-20231005t093037-050612-0618ab-001.tiff"
TRUTH01 = [(80, 120, 134.812037, 41.009324), (150, 260, 134.826605, 41.018089), (230, 200, 134.817639, 41.023998)]


def _truth(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _nearest(dets, lon, lat):
    d = [distance_m(x["lon"], x["lat"], lon, lat) for x in dets]
    i = int(np.argmin(d))
    return dets[i], d[i]


def _warp(src, dst, crs, res, **kw):
    """What `gdalwarp -t_srs CRS -tr RES RES [-srcnodata 0 -dstnodata 0 | -rpc]` does, with rasterio."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(src) as s:
        gcps = s.gcps[0] or None
        rpcs = s.rpcs if not gcps else None
        src_crs = s.gcps[1] if gcps else (None if rpcs else s.crs)
        transform, w, h = calculate_default_transform(src_crs or "EPSG:4326", crs, s.width, s.height,
                                                      gcps=gcps, rpcs=rpcs, resolution=res)
        profile = dict(driver="GTiff", width=w, height=h, count=s.count, dtype=s.dtypes[0], crs=crs,
                       transform=transform, nodata=kw.get("nodata"))
        with rasterio.open(dst, "w", **profile) as d:
            for b in range(1, s.count + 1):
                reproject(rasterio.band(s, b), rasterio.band(d, b), gcps=gcps, rpcs=rpcs, src_crs=src_crs,
                          src_nodata=kw.get("nodata"), dst_nodata=kw.get("nodata"), resampling=Resampling.nearest)
    return dst


# ------------------------------------------------------------------ case 01


def test_case01_measurement_tiff_registers_through_gcps(run):
    meas = case(MEAS01)
    out = run.json("scenes", "add", meas, "--acquired", "2023-10-05T09:30:12Z", "--sensor", "sentinel-1a")
    assert out["georef"] == "gcp" and out["acquired"] == "2023-10-05T09:30:12+00:00"
    assert out["sensor"] == "sentinel-1a"
    show = run.json("scenes", "show", out["id"])
    x0, y0, x1, y1 = show["footprint_bounds"]
    assert 134.79 <= x0 and x1 <= 134.85 and 41.00 <= y0 and y1 <= 41.04
    # About 4 x 3 km less the DN 0 border (12 and 18 columns, 6 lines): the border is left out.
    assert 10.0 < show["footprint_area_km2"] < 11.5
    for r, c, lon, lat in TRUTH01:
        new = run.json("log", "--scene", out["id"], "--pixel", r, c)
        rec = run.json("sightings", "show", new["id"])
        assert distance_m(rec["lon"], rec["lat"], lon, lat) < 1.0
        assert rec["time"] == "2023-10-05T09:30:12Z"
    assert "nodata" in run("log", "--scene", out["id"], "--pixel", 2, 100, code=2).stderr


def test_case01_detect_finds_the_three_ships_within_a_pixel(run):
    out = run.json("detect", case(MEAS01), "--no-landmask")
    assert len(out["detections"]) == 3 and out["georef"] == "gcp" and out["units"] == "amplitude"
    for _, _, lon, lat in TRUTH01:
        _, d = _nearest(out["detections"], lon, lat)
        assert d <= 10.0


def test_case01_safe_folder_registers_the_same_image(run):
    meas = run.json("scenes", "add", case(MEAS01), "--acquired", "2023-10-05T09:30:12Z", "--id", "measurement")
    safe = run.json("scenes", "add", case(SAFE01), "--acquired", "2023-10-05T09:30:12Z", "--sensor", "sentinel-1a",
                    "--id", "safe_folder")
    assert safe["sha256"] == meas["sha256"] and safe["path"] == meas["path"]
    assert safe["product"]["polarisation"] == "VV" and safe["width"] == 400 and safe["height"] == 300


def test_case01_refusal_never_suggests_a_false_position(tmp_path):
    """Whatever refuses a GCP image must not advise gdal_edit -a_srs / -a_ullr (it would mirror the pass)."""
    import pathlib

    src = pathlib.Path(__file__).resolve().parents[1] / "src" / "shipsight"
    text = "\n".join(p.read_text() for p in src.rglob("*.py"))
    assert "gdal_edit.py -a_srs" not in text and "-a_ullr" not in text


def test_case01_warped_copy_detects_the_same_ships(run, tmp_path):
    warped = _warp(case(MEAS01), tmp_path / "warped_nodata0.tif", "EPSG:32653", 10.0, nodata=0)
    run("scenes", "add", warped, "--id", "S1A_20231005_vv_warped", "--acquired", "2023-10-05T09:30:12Z",
        "--sensor", "sentinel-1a")
    out = run.json("detect", "--scene", "S1A_20231005_vv_warped", "--no-landmask")
    assert len(out["detections"]) == 3
    for _, _, lon, lat in TRUTH01:
        assert _nearest(out["detections"], lon, lat)[1] <= 10.0


# ------------------------------------------------------------------ case 03


def test_case03_five_scalings_same_ships_same_scores(run):
    base = "imagery/03-sar-amplitude-intensity-db/inputs"
    truth = _truth(case(f"{base}/truth.csv"))
    want_units = {"a_intensity_f32": "intensity", "b_amplitude_f32": "amplitude", "c_amplitude_dn_u16": "amplitude",
                  "d_sigma0_db_f32": "db", "e_dn_db_f32": "db"}
    scores = {}
    for name, units in want_units.items():
        out = run.json("detect", case(f"{base}/{name}.tif"), "--no-landmask")
        assert out["units"] == units and out["units_source"]  # reported, with how it was known
        dets = out["detections"]
        assert len(dets) == 4, name
        row = []
        for t in truth:
            d = min(dets, key=lambda x: math.hypot(x["row"] - int(t["row"]), x["col"] - int(t["col"])))
            assert math.hypot(d["row"] - int(t["row"]), d["col"] - int(t["col"])) <= 2.0
            row.append(d["score"])
        scores[name] = np.array(row)
    ref = scores["a_intensity_f32"]
    assert np.allclose(ref, [14.7, 9.6, 8.1, 6.3], atol=0.3)
    for name, s in scores.items():
        assert np.allclose(s, ref, atol=0.5), name


def test_case03_units_can_be_said(run):
    f = case("imagery/03-sar-amplitude-intensity-db/inputs/b_amplitude_f32.tif")
    said = run.json("detect", f, "--no-landmask", "--units", "intensity")  # wrong on purpose: the weak ships go
    assert said["units"] == "intensity" and said["units_source"] == "--units"
    assert len(said["detections"]) < 4


# ------------------------------------------------------------------ case 04


def test_case04_sentinel2_band_is_optical_offset_removed(run):
    base = "imagery/04-s2-l2a-single-band-offset/inputs"
    truth = _truth(case(f"{base}/truth.csv"))
    scores = []
    for name in ("T52TGN_20211005T021601_B08_10m", "T52TGN_20231005T021601_B08_10m"):
        for kind in ("auto", "optical"):
            out = run.json("detect", case(f"{base}/{name}.tif"), "--kind", kind, "--no-landmask")
            assert out["kind"] == "optical"
            dets = out["detections"]
            assert len(dets) == 5
            s = []
            for t in truth:
                d = min(dets, key=lambda x: math.hypot(x["row"] - int(t["row"]), x["col"] - int(t["col"])))
                assert math.hypot(d["row"] - int(t["row"]), d["col"] - int(t["col"])) <= 2.0
                s.append(d["score"])
            scores.append(s)
    assert np.allclose(scores[0], scores[2], atol=0.5)
    out = run.json("scenes", "add", case(f"{base}/T52TGN_20231005T021601_B08_10m.tif"))
    assert out["sensor"] == "Sentinel-2B" and out["acquired"] == "2023-10-05T02:16:01+00:00"


# ------------------------------------------------------------------ case 05


def test_case05_stac_items(run):
    base = "imagery/05-stac-null-datetime-hrefs/inputs"
    scene = case(f"{base}/scene.tif")

    def add(item, code=0):
        return run("scenes", "add", scene, "--stac", case(f"{base}/{item}.json"), "--id", f"t_{item}", "--json",
                   code=code)

    import json

    strip = json.loads(add("item_null_datetime").stdout)
    assert strip["acquired"] == "2023-10-05T02:10:31+00:00" and strip["time_end"] == "2023-10-05T02:14:02+00:00"
    assert json.loads(add("item_offset_datetime").stdout)["acquired"] == "2023-10-05T02:10:31+00:00"
    for item in ("item_naive_datetime", "item_null_naive_start"):
        err = add(item, code=2).stderr.strip().splitlines()
        assert len(err) == 1 and "no time zone" in err[0] and "--acquired 2023-10-05T" in err[0]
    month = json.loads(add("item_monthly_mosaic").stdout)
    assert month["acquired"] is None
    assert month["time_start"] == "2023-10-01T00:00:00+00:00" and month["time_end"] == "2023-10-31T23:59:59+00:00"
    assert json.loads(add("search_results").stdout)["acquired"] == "2023-10-05T02:10:31+00:00"
    assert "does not overlap" in add("item_other_place", code=2).stderr
    as_image = run.json("scenes", "add", case(f"{base}/item_null_datetime.json"))
    assert as_image["path"] == str(scene.resolve()) and as_image["acquired"] == "2023-10-05T02:10:31+00:00"

    err = run("log", "--scene", "t_item_monthly_mosaic", "--pixel", 92, 100, "--name", "UNKNOWN TANKER", code=2).stderr
    assert "2023-10-01T00:00:00Z - 2023-10-31T23:59:59Z" in err and "--time" in err
    new = run.json("log", "--scene", "t_item_monthly_mosaic", "--pixel", 92, 100, "--name", "UNKNOWN TANKER",
                   "--time", "2023-10-17T02:10:00Z")
    assert run.json("sightings", "show", new["id"])["time"] == "2023-10-17T02:10:00Z"
    assert len(run.json("sightings", "list")) == 1


# ------------------------------------------------------------------ case 06


def test_case06_fill_masks_alpha(run, tmp_path):
    base = "imagery/06-nodata-nan-and-masks/inputs"
    areas = {"a_vv_db_nan_declared": 6.60, "b_vv_db_nan_undeclared": 6.60, "c_rgb_jpeg_mask": 0.066,
             "d_rgba_alpha": 0.066}
    for name, km2 in areas.items():
        run("scenes", "add", case(f"{base}/{name}.tif"), "--id", name)
        assert run.json("scenes", "show", name)["footprint_area_km2"] == pytest.approx(km2, rel=0.01)
    for name, (r, c) in {"a_vv_db_nan_declared": (150, 10), "b_vv_db_nan_undeclared": (150, 10),
                         "c_rgb_jpeg_mask": (150, 290), "d_rgba_alpha": (10, 150)}.items():
        assert "nodata" in run("log", "--scene", name, "--pixel", r, c, code=2).stderr
    ids = {}
    for name, (r, c), label in (("c_rgb_jpeg_mask", (146, 140), "c"), ("d_rgba_alpha", (146, 140), "d"),
                                ("a_vv_db_nan_declared", (150, 187), "a")):
        ids[label] = run.json("log", "--scene", name, "--pixel", r, c, "--name", label)["id"]
    want = {"c": 0.76, "d": 0.73, "a": 0.84}
    for label, size in (("c", 300), ("d", 300), ("a", 3000)):
        run("chip", ids[label], tmp_path / f"{label}.png", "--size-m", size, "--geotiff")
        src = case(f"{base}/" + {"c": "c_rgb_jpeg_mask", "d": "d_rgba_alpha", "a": "a_vv_db_nan_declared"}[label]
                   + ".tif")
        with rasterio.open(tmp_path / f"{label}.tif") as crop, rasterio.open(src) as ds:
            win = ds.window(*crop.bounds)
            src_valid = (ds.dataset_mask(window=win) > 0).mean()
            crop_valid = (crop.dataset_mask() > 0).mean()
        assert crop_valid == pytest.approx(src_valid, abs=0.01) and crop_valid == pytest.approx(want[label], abs=0.01)
        from PIL import Image

        assert (np.asarray(Image.open(tmp_path / f"{label}.png"))[:640] == 40).all(axis=2).any()


def test_case06_detect_one_ship_each_no_python_warnings(run):
    base = "imagery/06-nodata-nan-and-masks/inputs"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("a_vv_db_nan_declared", "b_vv_db_nan_undeclared"):
            res = run("detect", case(f"{base}/{name}.tif"), "--no-landmask", "--json")
            assert "Warning" not in res.stderr
            import json

            dets = json.loads(res.stdout)["detections"]
            assert len(dets) == 1
            d = dets[0]
            assert d["row"] == pytest.approx(150, abs=1) and d["col"] == pytest.approx(186.5, abs=1)
            assert distance_m(d["lon"], d["lat"], 131.3286, 42.3251) < 15 and d["length_m"] == pytest.approx(140, rel=0.15)
        for name in ("c_rgb_jpeg_mask", "d_rgba_alpha"):
            out = run.json("detect", case(f"{base}/{name}.tif"), "--no-landmask", "--guard-m", "120",
                           "--background-m", "200")
            assert len(out["detections"]) == 1
            d = out["detections"][0]
            assert d["row"] == pytest.approx(145.5, abs=1) and d["col"] == pytest.approx(139.5, abs=1)
            assert distance_m(d["lon"], d["lat"], 131.4259, 42.2452) < 6 and d["length_m"] == pytest.approx(80, rel=0.15)


# ------------------------------------------------------------------ case 08


SAFE_ID = "S1A_IW_GRDH_1SDV_20231005T093012_20231005T093037_050612_0618AB_1C2D.SAFE"


def test_case08_nothing_registered(run):
    base = "imagery/08-xview3-ai2-csv-variants/inputs"
    pred = case(f"{base}/xview3_reference_pred.csv")
    err = run("sightings", "import", "--format", "xview3", pred, code=2).stderr
    assert len(err.strip().splitlines()) == 1 and "7e3f2a9c41d08b55v" in err and "register" in err
    assert "lon" not in err.split("(no lon/lat)")[-1]  # not "missing lon/lat columns"
    assert err.startswith(f"Error: {pred}: ")  # the error names the file it came from (issue 11 user test)
    labels = case(f"{base}/xview3_labels.csv")
    err = run("sightings", "import", "--format", "xview3", labels, code=2).stderr
    assert "scene 7e3f2a9c41d08b55v carries no time" in err and "--id 7e3f2a9c41d08b55v --acquired" in err
    assert err.startswith(f"Error: {labels}: ")
    run("sightings", "import", "--format", "xview3", case(f"{base}/ai2_predictions.csv"))
    rows = run.json("sightings", "list")
    assert len(rows) == 3 and all(r["time"] == "2023-10-05T09:30:12Z" for r in rows)
    assert all(r["scene_id"] is None and r["note"].startswith(f"detector scene {SAFE_ID}, pixel row") for r in rows)


def test_case08_stored_pixels_are_the_registered_scenes(run, tmp_path):
    base = "imagery/08-xview3-ai2-csv-variants/inputs"
    run("scenes", "add", case(f"{base}/warped_vv.tif"), "--id", SAFE_ID, "--acquired", "2023-10-05T09:30:12Z",
        "--sensor", "sentinel-1a")
    run("sightings", "import", "--format", "xview3", case(f"{base}/ai2_predictions.csv"))
    got = sorted((r["pixel_row"], r["pixel_col"]) for r in run.json("scenes", "sightings", SAFE_ID))
    assert got == sorted([(271, 163), (174, 285), (108, 210)])
    first = run.json("sightings", "show", 1)
    assert "detector pixel row" in first["note"]  # the raw radar-geometry pixel kept in the note only
    res = run("chip", 1, tmp_path / "chip1.png", "--size-m", 800)
    assert res.exit_code == 0


def test_case08_hashed_scene_id(run):
    base = "imagery/08-xview3-ai2-csv-variants/inputs"
    run("scenes", "add", case(f"{base}/warped_vv.tif"), "--id", "7e3f2a9c41d08b55v", "--acquired",
        "2023-10-05T09:30:12Z")
    res = run("sightings", "import", "--format", "xview3", case(f"{base}/xview3_labels.csv"))
    assert "1 row with is_vessel false skipped" in res.stdout
    rows = run.json("sightings", "list")
    assert len(rows) == 2 and all(r["time"] == "2023-10-05T09:30:12Z" for r in rows)
    for r in rows:
        assert 0 <= r["pixel_row"] < 375 and 0 <= r["pixel_col"] < 454
        assert (r["pixel_row"], r["pixel_col"]) not in ((1523, 8812), (2290, 431))
    err = run("sightings", "import", "--format", "xview3", case(f"{base}/xview3_reference_pred.csv"), code=2).stderr
    assert "row 2" in err and "(row 1523, col 8812) lies off scene 7e3f2a9c41d08b55v" in err
    assert len(run.json("sightings", "list")) == 2  # nothing stored at a made-up position


# ------------------------------------------------------------------ case 09


RPC09 = "imagery/09-rpc-only-optical/inputs/23OCT05021031-M1BS-000000000010_01_P001.TIF"


def test_case09_rpc_image_registers_and_logs_through_its_rpcs(run):
    out = run.json("scenes", "add", case(RPC09))
    assert out["georef"] == "rpc" and out["acquired"] == "2023-10-05T02:10:31+00:00" and out["sensor"] == "WV03"
    x0, y0, x1, y1 = run.json("scenes", "show", out["id"])["footprint_bounds"]
    assert abs(x0 - 130.2973) < 2e-4 and abs(x1 - 130.2997) < 2e-4 and abs(y0 - 42.2445) < 2e-4
    assert abs(y1 - 42.2459) < 2e-4
    new = run.json("log", "--scene", "23OCT05021031-M1BS-000000000010_01_P001", "--pixel", 150, 200, "--name", "HULL")
    rec = run.json("sightings", "show", new["id"])
    assert distance_m(rec["lon"], rec["lat"], 130.2985, 42.2452) < 1.0


def test_case09_orthorectified_copy_registers(run, tmp_path):
    ortho = _warp(case(RPC09), tmp_path / "ortho.tif", "EPSG:32652", 0.5)
    out = run.json("scenes", "add", ortho, "--id", "wv03_rajin_ortho", "--acquired", "2023-10-05T02:10:31Z")
    assert abs(out["width"] - 407) <= 2 and abs(out["height"] - 308) <= 2
    assert out["count"] == 4 and out["dtypes"] == ["uint16"] * 4 and out["crs"] == "EPSG:32652"
    assert out["gsd_m"] == pytest.approx(0.5, abs=0.01)
    assert out["acquired"] == "2023-10-05T02:10:31+00:00"
    got = run.json("detect", "--scene", "wv03_rajin_ortho")["detections"]  # its nodata border is not water
    assert len(got) == 1 and distance_m(got[0]["lon"], got[0]["lat"], 130.2985, 42.2452) < 3.0


def test_case09_detect_finds_the_one_hull(run):
    """A 200 x 150 m scene (smaller than the 800 m CFAR window) wholly inside GSHHG's harbour "land"."""
    run("scenes", "add", case(RPC09))
    res = run("detect", case(RPC09), "--json", code=0)
    got = json.loads(res.stdout)["detections"]
    assert len(got) == 1
    assert distance_m(got[0]["lon"], got[0]["lat"], 130.2985, 42.2452) < 3.0
    assert got[0]["length_m"] == pytest.approx(140.0, rel=0.1)
    assert "smaller than the 800 m background window" in res.stderr and "sigma-clipped" in res.stderr
    assert "GSHHG calls 100% of the scene land" in res.stderr


# ------------------------------------------------------------------ case 10


def test_case10_edges_and_rotated_grid(run, tmp_path):
    base = "imagery/10-edges-and-rotated-grid/inputs"
    run("scenes", "add", case(f"{base}/edge.tif"))
    run("scenes", "add", case(f"{base}/rotated.tif"))
    last = run.json("log", "--scene", "edge", "--pixel", 299, 299, "--name", "last")["id"]
    assert "outside scene edge, which is 300 rows x 300 cols" in run("log", "--scene", "edge", "--pixel", 300, 0,
                                                                     code=2).stderr
    corner = run.json("log", "--scene", "edge", "--pixel", 0, 299, "--name", "corner")["id"]
    rot = run.json("log", "--scene", "rotated", "--pixel", 150, 150, "--name", "rot centre")["id"]
    for sid, lon, lat in ((last, 131.70155, 42.21341), (corner, 131.702698, 42.240309), (rot, 131.691119, 42.235666)):
        rec = run.json("sightings", "show", sid)
        assert rec["lon"] == pytest.approx(lon, abs=1e-5) and rec["lat"] == pytest.approx(lat, abs=1e-5)

    run("chip", corner, tmp_path / "corner.png", "--size-m", 600, "--geotiff")
    with rasterio.open(case(f"{base}/edge.tif")) as s, rasterio.open(tmp_path / "corner.tif") as c:
        r, col = s.index(c.transform.c + 1, c.transform.f - 1)
        assert (c.width, c.height, r, col) == (31, 30, 0, 269)
        assert np.array_equal(c.read(1), s.read(1)[r:r + c.height, col:col + c.width])

    edge = run.json("detect", case(f"{base}/edge.tif"), "--no-landmask")["detections"]
    assert len(edge) == 3 and _nearest(edge, 131.70215, 42.240232)[1] < 15
    rotd = run.json("detect", case(f"{base}/rotated.tif"), "--no-landmask")["detections"]
    assert len(rotd) == 1 and distance_m(rotd[0]["lon"], rotd[0]["lat"], 131.691119, 42.235666) < 2
    assert min(rotd[0]["heading_axis_deg"], 180 - rotd[0]["heading_axis_deg"]) < 4

    run("chip", rot, tmp_path / "rot.png", "--size-m", 400)
    from PIL import Image

    a = np.asarray(Image.open(tmp_path / "rot.png"))[:640]
    ys, xs = np.nonzero((a == 255).all(axis=2))
    keep = (abs(xs - 320) < 200) & (abs(ys - 320) < 200)
    ev, evec = np.linalg.eigh(np.cov(np.vstack([xs[keep], -ys[keep]])))
    axis = np.degrees(np.arctan2(evec[0, 1], evec[1, 1])) % 180
    assert min(axis, 180 - axis) < 5  # north-up: the N-S hull is drawn upright
    assert shapely is not None
