"""Accuracy of ship detection: synthetic scenes with known ships, and real scenes.

Run::

    python benchmarks/accuracy_detect.py           # full grid, about a minute
    python benchmarks/accuracy_detect.py --quick   # 10 dB only, a few seconds

Synthetic: 3,000 x 3,000 px scenes at 10 m (gamma and K clutter, 4 looks,
side-lobe crosses on, a textured land mass with bright urban points on the
left) with 40 ships each, for every signal-to-clutter level and ship size
class. Detections are matched one-to-one to the truth within 200 m
(Hungarian assignment on geodesic distance); the table gives precision,
recall, F1, the median relative length error of matched ships and the
number of detections on the synthetic land (must be 0). Target: F1 >= 0.95
for ships of 4 pixels and longer at 10 dB.

Real: the Sentinel-1 scene of San Pedro Bay (no labels: counts, and how many
fall on GSHHG land) and the labelled Sentinel-2 harbour crops (precision,
recall and F1 against the centres of the COCO boxes, within 200 m and 50 m),
read from ../shared/data when present.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio

from shipsight.imagery.detect import detect
from shipsight.imagery.landmask import on_land
from shipsight.imagery.synth import make_scene, match_points

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SIZES = {"2-4 px (20-40 m)": (20, 40), "4-8 px (40-80 m)": (40, 80),
         "8-15 px (80-150 m)": (80, 150), "15-30 px (150-300 m)": (150, 300)}


def prf(n_true, n_found, n_match):
    p = n_match / n_found if n_found else float("nan")
    r = n_match / n_true if n_true else float("nan")
    f = 2 * p * r / (p + r) if n_found and n_true and (p + r) > 0 else 0.0
    return p, r, f


def synthetic(levels, clutters, tmp):
    rows = []
    for clutter in clutters:
        for db in levels:
            for name, (lo, hi) in SIZES.items():
                path = tmp / f"acc_{clutter}_{db}_{lo}.tif"
                truth = make_scene(path, width=3000, height=3000, n_ships=40, ship_db=db,
                                   lengths=(lo, hi), land=True, clutter=clutter,
                                   seed=1000 + int(db * 10) + lo, min_separation_m=800)
                found = detect(path, use_landmask=False)
                on = found.geometry.within(truth.attrs["land"]).to_numpy()
                ti, fi, _ = match_points(truth, found, tol_m=200)
                p, r, f = prf(len(truth), len(found), len(ti))
                rel = found.length_m.to_numpy()[fi] / truth.length_m.to_numpy()[ti] - 1
                rows.append(dict(clutter=clutter, scr_db=db, size=name, ships=len(truth),
                                 found=len(found), precision=p, recall=r, f1=f,
                                 len_err_med=float(np.median(rel)) if len(rel) else np.nan,
                                 on_land=int(on.sum())))
                path.unlink()
    return pd.DataFrame(rows)


def sentinel1():
    path = DATA / "imagery" / "sentinel1" / "port_la_2021-01-05_db.tif"
    if not path.exists():
        print(f"(skipped: {path} not found)")
        return
    t = time.perf_counter()
    found = detect(path)
    t = time.perf_counter() - t
    land = on_land(found.lon.to_numpy(), found.lat.to_numpy())
    anch = found[(found.row > 260) & (found.col > 250)]
    print(f"Sentinel-1 San Pedro Bay (dB, 30 m, 756 x 550): {len(found)} detections in {t:.1f} s; "
          f"{len(anch)} in the anchorage (rows > 260, cols > 250); {int(land.sum())} on GSHHG land; "
          f"length median {found.length_m.median():.0f} m (range {found.length_m.min():.0f}-"
          f"{found.length_m.max():.0f} m). No labels: compare the circles by eye "
          "(about 40 ships at anchor are visible).")


def sentinel2():
    folder = DATA / "imagery" / "sentinel2"
    if not folder.exists():
        print(f"(skipped: {folder} not found)")
        return None
    rows = []
    for tif in sorted(folder.glob("*_rgb.tif")):
        labels = json.loads(tif.with_name(tif.name.replace("_rgb.tif", "_labels_coco.json")).read_text())
        boxes = np.array([a["bbox"] for a in labels["annotations"]], dtype=float)
        with rasterio.open(tif) as src:
            # COCO boxes: x, y (top-left corner), w, h in pixels -> centre in index convention.
            cols = boxes[:, 0] + boxes[:, 2] / 2 - 0.5
            rws = boxes[:, 1] + boxes[:, 3] / 2 - 0.5
            xs, ys = rasterio.transform.xy(src.transform, rws, cols, offset="center")
            from pyproj import Transformer

            lon, lat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
        truth = pd.DataFrame({"lon": lon, "lat": lat})
        t = time.perf_counter()
        found = detect(tif)
        t = time.perf_counter() - t
        for tol in (200, 50):
            ti, fi, _ = match_points(truth, found, tol_m=tol)
            p, r, f = prf(len(truth), len(found), len(ti))
            rows.append(dict(scene=tif.stem.replace("_rgb", ""), tol_m=tol, labels=len(truth),
                             found=len(found), matched=len(ti), precision=p, recall=r, f1=f,
                             seconds=t))
    return pd.DataFrame(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 dB, gamma clutter only")
    args = ap.parse_args()
    levels = (10,) if args.quick else (3, 5, 7, 10, 13)
    clutters = ("gamma",) if args.quick else ("gamma", "k")
    pd.set_option("display.width", 160)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        table = synthetic(levels, clutters, Path(tmp))
    print(f"Synthetic scenes (3000 x 3000 px, 10 m, 40 ships each, 200 m matching), "
          f"{time.perf_counter() - t:.0f} s:")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    at10 = table[(table.scr_db == 10) & ~table["size"].str.startswith("2-4")]
    for clutter, grp in at10.groupby("clutter"):
        f1 = prf(grp.ships.sum(), grp.found.sum(), (grp.recall * grp.ships).round().sum())[2]
        print(f"{clutter}: F1 at 10 dB for ships >= 4 px = {f1:.3f} (target >= 0.95: "
              f"{'met' if f1 >= 0.95 else 'NOT met'})")
    print(f"detections on synthetic land: {int(table.on_land.sum())} (target 0)\n")
    sentinel1()
    s2 = sentinel2()
    if s2 is not None:
        print("\nSentinel-2 harbour crops (RGB brightness, optical CFAR) against sen2ships labels:")
        print(s2.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
