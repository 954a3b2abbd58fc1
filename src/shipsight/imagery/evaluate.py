"""Scoring detections against an analyst's labels: ships, structures, doubtful.

Labels are points (ships, doubtful targets) and points, lines or polygons
(structures) in EPSG:4326, each with a ``class`` of ``ship``,
``structure`` or ``doubtful``, as in the labelled Sentinel-1 crop of San
Pedro Bay kept in ``tests/data``; :func:`coco_labels` turns COCO vessel
boxes (the Sentinel-2 harbour crops) into the same form.

:func:`score` matches detections one-to-one to ships within ``tol_m``
(Hungarian assignment on geodesic distance, :func:`~shipsight.imagery.synth.match_points`):
matched detections are true positives; an unmatched detection within
``tol_m`` of a doubtful label counts neither way; every other one is a false
positive. Detections within ``on_m`` of a structure are also counted apart.

Example
-------
>>> import geopandas as gpd, shapely
>>> labels = gpd.GeoDataFrame({"class": ["ship", "doubtful", "structure"]},
...     geometry=[shapely.Point(130.0, 39.0), shapely.Point(130.05, 39.0),
...               shapely.LineString([(130.1, 38.99), (130.1, 39.01)])], crs="EPSG:4326")
>>> found = gpd.GeoDataFrame({"lon": [130.0005, 130.05, 130.1]}, geometry=gpd.points_from_xy(
...     [130.0005, 130.05, 130.1], [39.0, 39.0, 39.0]), crs="EPSG:4326")
>>> s = score(found, labels)
>>> s["tp"], s["fp"], s["ignored"], s["on_structures"], s["recall"]
(1, 1, 1, 1, 1.0)
"""

import json

import numpy as np

__all__ = ["read_labels", "coco_labels", "score"]


def read_labels(path):
    """A label file (any vector format) with a ``class`` column, in EPSG:4326.

    >>> read_labels("tests/data/s1_port_la_2021-01-05_labels.geojson")["class"].value_counts()["ship"]  # doctest: +SKIP
    39
    """
    import geopandas as gpd

    return gpd.read_file(path).to_crs("EPSG:4326")


def coco_labels(coco_json, raster):
    """Ship labels at the centres of a COCO file's boxes, georeferenced through ``raster``.

    Parameters
    ----------
    coco_json : str or Path
        COCO annotations (``bbox`` = x, y of the top-left corner, width,
        height, in pixels of ``raster``).
    raster : str or Path
        The image the boxes are drawn on.

    Returns
    -------
    GeoDataFrame
        ``class`` "ship", ``row``, ``col`` (pixel centre convention), points in EPSG:4326.
    """
    import geopandas as gpd
    import rasterio
    from pyproj import Transformer

    boxes = np.array([a["bbox"] for a in json.loads(open(coco_json).read())["annotations"]], dtype=float)
    boxes = boxes.reshape(-1, 4)
    rows = boxes[:, 1] + boxes[:, 3] / 2.0 - 0.5
    cols = boxes[:, 0] + boxes[:, 2] / 2.0 - 0.5
    with rasterio.open(raster) as src:
        xs, ys = rasterio.transform.xy(src.transform, rows, cols, offset="center")
        lon, lat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    return gpd.GeoDataFrame({"class": "ship", "row": rows, "col": cols},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def score(found, labels, *, tol_m=200.0, on_m=100.0):
    """Precision, recall and F1 of detections against labels.

    Parameters
    ----------
    found : GeoDataFrame
        Detections (EPSG:4326 points).
    labels : GeoDataFrame
        ``class`` ship / structure / doubtful, EPSG:4326.
    tol_m : float
        Matching distance, metres.
    on_m : float
        A detection this close to a structure is on it.

    Returns
    -------
    dict
        ``found, ships, tp, fp, fn, ignored, on_structures, precision,
        recall, f1`` and ``fp_index`` / ``on_index`` (positions in ``found``).
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    from shipsight.imagery.synth import match_points

    ships = labels[labels["class"] == "ship"]
    t = {"lon": ships.geometry.x.to_numpy(), "lat": ships.geometry.y.to_numpy()}
    f = {"lon": found.geometry.x.to_numpy(), "lat": found.geometry.y.to_numpy()}
    ti, fi, _ = match_points(pd.DataFrame(t), pd.DataFrame(f), tol_m=tol_m)
    unmatched = np.ones(len(found), dtype=bool)
    unmatched[fi] = False
    near_doubt = np.zeros(len(found), dtype=bool)
    on = np.zeros(len(found), dtype=bool)
    if len(found):
        lon0, lat0 = float(np.median(f["lon"])), float(np.median(f["lat"]))
        aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
        pts = np.asarray(gpd.GeoSeries(found.geometry.values, crs="EPSG:4326").to_crs(aeqd).values, dtype=object)
        for cls, dist, out in (("doubtful", tol_m, near_doubt), ("structure", on_m, on)):
            g = labels[labels["class"] == cls]
            if len(g):
                geoms = np.asarray(g.geometry.to_crs(aeqd).values, dtype=object)
                pi, _ = shapely.STRtree(geoms).query(pts, predicate="dwithin", distance=dist)
                out[np.unique(pi)] = True
    fp = unmatched & ~near_doubt
    tp, nfp = len(ti), int(fp.sum())
    precision = tp / (tp + nfp) if tp + nfp else float("nan")
    recall = tp / len(ships) if len(ships) else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return dict(found=len(found), ships=len(ships), tp=tp, fp=nfp, fn=len(ships) - tp,
                ignored=int((unmatched & near_doubt).sum()), on_structures=int(on.sum()),
                precision=precision, recall=recall, f1=f1,
                fp_index=np.flatnonzero(fp), on_index=np.flatnonzero(on))
