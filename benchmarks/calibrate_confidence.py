"""Fit the detection confidence model (shipsight.imagery.objects._COEF) on labelled objects.

Run::

    python benchmarks/calibrate_confidence.py          # about two minutes

The model is a logistic regression of P(ship) on five features of a CFAR
object (:func:`shipsight.imagery.objects.confidence_features`): score (mean
over clutter, dB), peak over clutter (dB), log2 of its pixels, length/width
and width in pixels. Ships and non-ships are weighted equally (so 0.5 means
even odds) and the coefficients, on standardised features, carry an L2
penalty of 1; contrast and size may only raise the odds.

- SAR: the objects that survive the rules (``suppressed`` empty at
  ``min_confidence=0``) in synthetic harbour scenes (ships at 8, 10 and 12 dB
  over K clutter of shape 1.5, 3 and 6; fixed seeds; objects near the
  structures and ambiguities left out: those are the rules' work) and in the
  real Sentinel-1 crop of San Pedro Bay with the analyst labels in
  tests/data (ship = 1; unlabelled = 0; near a doubtful or structure label:
  left out).
- Optical: the same on the Sentinel-2 harbour crops against their COCO
  vessel labels (200 m, one-to-one), with the peak over the water alone
  (46 objects in four crops are too few for the shape terms).

It prints the coefficients to paste into ``_COEF`` and a leave-one-out check
on the real objects (each real object scored by a model fitted without it).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from shipsight.imagery.detect import detect
from shipsight.imagery.evaluate import coco_labels, read_labels
from shipsight.imagery.objects import confidence_features
from shipsight.imagery.synth import match_points
from shipsight.imagery.synth_harbour import make_harbour_scene

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "imagery"
S1 = DATA / "sentinel1" / "port_la_2021-01-05_db.tif"
S1_LABELS = ROOT / "tests" / "data" / "s1_port_la_2021-01-05_labels.geojson"


def features(found):
    """The confidence features of a detect() frame (its values back in linear units)."""
    lin = (lambda v: 10.0 ** (np.asarray(v, dtype=float) / 10.0)) if found.attrs["input_db"] else np.asarray
    obj = dict(mean=lin(found["mean"]), peak=lin(found["peak"]), background=lin(found["background"]),
               n=found["n_pixels"].to_numpy(float), length_m=found["length_m"].to_numpy(),
               width_m=found["width_m"].to_numpy())
    return confidence_features(obj, px_m=found.attrs["pixel_m"])


def candidates(path, **kw):
    found = detect(path, keep_suppressed=True, min_confidence=0.0, **kw)
    return found[found["suppressed"] == ""].reset_index(drop=True)


def labelled(found, ships, exclude=None, tol_m=200.0):
    """(features, y) of detections: 1 when matched to a ship; unmatched ones near ``exclude`` left out."""
    ti, fi, _ = match_points(ships, found, tol_m=tol_m)
    y = np.zeros(len(found))
    y[fi] = 1.0
    keep = np.ones(len(found), dtype=bool)
    if exclude is not None and len(exclude) and len(found):
        import geopandas as gpd

        aeqd = f"+proj=aeqd +lat_0={found.lat.median()} +lon_0={found.lon.median()} +datum=WGS84 +units=m"
        ex = gpd.GeoSeries(exclude, crs="EPSG:4326").to_crs(aeqd)
        pts = found.to_crs(aeqd).geometry
        near = np.array([ex.distance(p).min() <= tol_m for p in pts])
        keep = (y == 1) | ~near
    return features(found)[keep], y[keep]


def synthetic_sar(tmp):
    X, Y = [], []
    for db in (8.0, 10.0, 12.0):
        for k_shape in (1.5, 3.0, 6.0):
            seed = int(100 + db * 10 + k_shape * 2)
            path = tmp / f"cal_{db}_{k_shape}.tif"
            truth = make_harbour_scene(path, seed=seed, ship_db=db, k_shape=k_shape)
            found = candidates(path, use_landmask=False)
            near = list(truth.attrs["structures"].geometry) + list(truth.attrs["ambiguities"].geometry)
            x, y = labelled(found, truth, near, tol_m=150.0)
            X.append(x)
            Y.append(y)
    return np.concatenate(X), np.concatenate(Y)


def real_sar():
    labels = read_labels(S1_LABELS)
    found = candidates(S1)
    ships = labels[labels["class"] == "ship"]
    truth = pd.DataFrame({"lon": ships.geometry.x, "lat": ships.geometry.y})
    return labelled(found, truth, list(labels[labels["class"] != "ship"].geometry))


def real_optical():
    X, Y, G = [], [], []
    for tif in sorted((DATA / "sentinel2").glob("*_rgb.tif")):
        labels = coco_labels(tif.with_name(tif.name.replace("_rgb.tif", "_labels_coco.json")), tif)
        truth = pd.DataFrame({"lon": labels.geometry.x, "lat": labels.geometry.y})
        x, y = labelled(candidates(tif), truth)
        X.append(x)
        Y.append(y)
        G += [tif.stem] * len(y)
    return np.concatenate(X), np.concatenate(Y), np.array(G)


def fit(X, y, lam=1.0, use=(True,) * 5):
    """Class-balanced, L2-penalised logistic regression; coefficients on the raw features.

    Contrast and size may only raise the odds (score, peak and pixel count
    have coefficients >= 0): a model fitted on few objects must not learn
    that a brighter or bigger object is less likely a ship.
    """
    mu, sd = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-9)
    Z = np.column_stack([np.ones(len(X)), (X - mu) / sd])
    w = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))

    def loss(b):
        z = Z @ b
        grad = Z.T @ (w * (1.0 / (1.0 + np.exp(-z)) - y))
        grad[1:] += 2 * lam * b[1:]
        return (w * (np.logaddexp(0.0, z) - y * z)).sum() + lam * (b[1:] ** 2).sum(), grad

    bounds = [(None, None), (0, None), (0, None), (0, None), (None, None), (None, None)]
    bounds = [bounds[0]] + [b if u else (0, 0) for b, u in zip(bounds[1:], use)]
    b = minimize(loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds).x
    coef = b[1:] / sd
    return np.r_[b[0] - (mu * coef).sum(), coef]


def prob(b, X):
    return 1.0 / (1.0 + np.exp(-(b[0] + X @ b[1:])))


def held_out(X, y, groups, real, use):
    """P(ship) of each real object from a model fitted without it (its group, for optical)."""
    p = np.full(len(y), np.nan)
    for g in np.unique(groups[real]):
        out = groups == g
        p[out] = prob(fit(X[~out], y[~out], use=use), X[out])
    return p


def report(name, X, y, groups, real, use=(True,) * 5):
    b = fit(X, y, use=use)
    p = prob(b, X)
    h = held_out(X, y, groups, real, use)
    print(f"{name}: {len(y)} objects ({int(y.sum())} ships), {int(real.sum())} real")
    print(f"    {name!r}: ({', '.join(f'{v:.4g}' for v in b)}),")
    for label, q in (("in-sample", p[real]), ("held out", h[real])):
        yr = y[real]
        print(f"  real, {label}: ships below 0.5: {int((q[yr == 1] < 0.5).sum())}/{int(yr.sum())}, "
              f"non-ships at 0.5 or more: {int((q[yr == 0] >= 0.5).sum())}/{int((yr == 0).sum())}")
    syn = ~real
    if syn.any():
        print(f"  synthetic ships below 0.5: {int((p[syn & (y == 1)] < 0.5).sum())}/{int((syn & (y == 1)).sum())}")


def main():
    np.seterr(all="ignore")
    with tempfile.TemporaryDirectory() as tmp:
        Xs, ys = synthetic_sar(Path(tmp))
    Xr, yr = real_sar()
    X, y = np.vstack([Xs, Xr]), np.r_[ys, yr]
    real = np.r_[np.zeros(len(ys), bool), np.ones(len(yr), bool)]
    # Each real object is its own group (leave one out); the synthetic ones always stay in.
    groups = np.r_[np.full(len(ys), "syn", dtype=object), np.arange(len(yr)).astype(str).astype(object)]
    report("sar", X, y, groups, real)
    Xo, yo, go = real_optical()
    # Four crops hold too few objects for shape terms: contrast alone (the peak over the water).
    report("optical", Xo, yo, go, np.ones(len(yo), bool), use=(False, True, False, False, False))


if __name__ == "__main__":
    sys.exit(main())
