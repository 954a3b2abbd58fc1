"""A Sentinel-1 GRD product for tests, built from the real annotation in shared/data.

The manifest, VV annotation (geolocation grid, times, mission) and the
calibration and noise LUTs are ESA's own (see shared/data/README.md); the
image is decimated by ``k`` (every line/pixel number in the XML divided by
``k``) so a test writes a small measurement TIFF instead of 430 million
pixels. The backscatter is synthetic: gamma speckle at ``sea_sigma0`` with
ships ``ship_db`` brighter at known lon/lat, written as ESA writes GRD data:
``DN = A * sqrt(sigma0)`` (uint16 amplitude, A the sigmaNought LUT), the
GCPs of the geolocation grid in the TIFF, DN 0 borders, no CRS.
"""

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import rasterio
from rasterio.control import GroundControlPoint
from rasterio.crs import CRS

from shipsight.imagery.georef import Georef
from shipsight.imagery.products.sentinel1 import parse_calibration, parse_noise

SAFE_NAME = "S1B_IW_GRDH_1SDV_20210401T052623_20210401T052648_026269_032297_ECC8.SAFE"
BASE = "s1b-iw-grd-vv-20210401t052623-20210401t052648-026269-032297-001"


def _scale_ints(text, k):
    vals = np.array(text.split(), dtype=float) / k
    return " ".join(f"{v:.6g}" for v in vals)


def _rewrite(src, dst, k, tags):
    tree = ET.parse(src)
    root = tree.getroot()
    for el in root.iter():
        if el.tag in ("numberOfLines", "numberOfSamples"):
            el.text = str(int(el.text) // k)  # sizes stay whole numbers
        elif el.tag in tags and el.text and el.text.strip():
            el.text = _scale_ints(el.text, k)
    tree.write(dst, xml_declaration=True, encoding="UTF-8")


def build_grd(real_dir, out_dir, *, k=16, ships=(), seed=0, sea_sigma0=0.02, looks=4.4):
    """Write a decimated GRD SAFE folder; return (safe path, measurement path, truth list).

    ``ships`` are ``(lon, lat, db, length_px, width_px)``; truth rows are
    ``dict(lon, lat, row, col)`` with row/col the continuous pixel of the
    ship's centre.
    """
    real = Path(real_dir) / SAFE_NAME
    slc = Path(real_dir) / "S1B_IW_SLC_calibration_examples"
    safe = Path(out_dir) / SAFE_NAME
    (safe / "annotation" / "calibration").mkdir(parents=True)
    (safe / "measurement").mkdir()
    shutil.copy(real / "manifest.safe", safe / "manifest.safe")
    grid_tags = {"line", "pixel", "firstAzimuthLine", "lastAzimuthLine",
                 "firstRangeSample", "lastRangeSample"}
    _rewrite(real / "annotation" / f"{BASE}.xml", safe / "annotation" / f"{BASE}.xml", k, grid_tags)
    cal = next(slc.glob("calibration-*.xml"))
    noise = next(slc.glob("noise-*.xml"))
    _rewrite(cal, safe / "annotation" / "calibration" / f"calibration-{BASE}.xml", k, {"line", "pixel"})
    _rewrite(noise, safe / "annotation" / "calibration" / f"noise-{BASE}.xml", k, grid_tags)

    ann = ET.parse(safe / "annotation" / f"{BASE}.xml").getroot()
    h = int(ann.findtext("imageAnnotation/imageInformation/numberOfLines"))
    w = int(ann.findtext("imageAnnotation/imageInformation/numberOfSamples"))
    grid = [(float(p.findtext("line")), float(p.findtext("pixel")), float(p.findtext("longitude")),
             float(p.findtext("latitude")), float(p.findtext("height"))) for p in ann.iter("geolocationGridPoint")]
    georef = Georef.from_gcps(grid, "EPSG:4326", h, w)
    lut = parse_calibration((safe / "annotation" / "calibration" / f"calibration-{BASE}.xml").read_bytes())
    a = lut.at(np.arange(h, dtype=float), np.arange(w, dtype=float)).astype(np.float64)

    rng = np.random.default_rng(seed)
    sigma0 = rng.gamma(looks, sea_sigma0 / looks, size=(h, w))
    truth = []
    yy, xx = np.mgrid[0:h, 0:w]
    for lon, lat, db, length_px, width_px in ships:
        r, c = georef.pixel(lon, lat)
        hull = ((yy + 0.5 - r) / (length_px / 2.0)) ** 2 + ((xx + 0.5 - c) / (width_px / 2.0)) ** 2 <= 1.0
        sigma0[hull] = sea_sigma0 * 10 ** (db / 10.0) * rng.gamma(looks, 1 / looks, size=int(hull.sum()))
        truth.append(dict(lon=lon, lat=lat, row=r, col=c))
    dn = np.clip(np.round(a * np.sqrt(sigma0)), 1, 65535).astype("uint16")
    dn[:, : max(1, w // 100)] = 0  # near-range border without data, as in GRD products
    meas = safe / "measurement" / f"{BASE}.tiff"
    gcps = [GroundControlPoint(row=g[0], col=g[1], x=g[2], y=g[3], z=g[4]) for g in grid]
    with rasterio.open(meas, "w", driver="GTiff", height=h, width=w, count=1, dtype="uint16") as dst:
        dst.gcps = (gcps, CRS.from_epsg(4326))
        dst.write(dn, 1)
    return safe, meas, truth


def parse_lut_files(safe):
    base = Path(safe) / "annotation" / "calibration"
    cal = parse_calibration(next(base.glob("calibration-*.xml")).read_bytes())
    noise = parse_noise(next(base.glob("noise-*.xml")).read_bytes())
    return cal, noise
