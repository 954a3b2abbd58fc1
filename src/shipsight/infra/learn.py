"""Learning fixed structures from a time series: bright at the same place, day after day.

Global Fishing Watch removes fixed infrastructure from its SAR vessel
detections by persistence: a target detected at the same position in many
images over time is not a vessel. :func:`learn_structures` does the same
over a handful of scenes: every object the detector finds (ships, and those
suppressed as lines or shapes; not side lobes, ambiguities or land) is put
in one local metric frame; objects closer than ``tol_px`` pixels of the
coarser scene are linked, and a group seen on at least ``min_scenes``
different days, that stays within that tolerance of its centre, is a
candidate structure at the group's mean position.

A candidate is only a candidate: a ship anchored through a week-long
backlog persists too. The analyst accepts or rejects each
(``shipsight infra accept``); the evidence -- scenes, days, spread, median
score -- goes with it.

Example
-------
>>> import tempfile
>>> from shipsight.imagery.synth_harbour import make_harbour_series
>>> series = make_harbour_series(tempfile.mkdtemp(), days=3, width=800, height=800, n_anchored=4, n_berthed=0)
>>> found = learn_structures([(p, t, None) for p, t, _ in series], detect_options={"use_landmask": False})
>>> sorted(found["n_days"].tolist())[-1]
3
"""

import json

import numpy as np

__all__ = ["learn_structures", "LEARN_FROM"]

#: What the detector calls an object that may be a structure (ships, and the rules' structures).
LEARN_FROM = ("", "line", "shape", "low_confidence")


def learn_structures(scenes, *, min_scenes=3, tol_px=2.0, detect_options=None, progress=None):
    """Candidate structures from targets that persist across scenes on different days.

    Parameters
    ----------
    scenes : sequence of (path, acquired, scene_id)
        Image files, their acquisition times (timezone-aware) and ids (or None).
    min_scenes : int
        A candidate is seen on at least this many different days (UTC dates).
    tol_px : float
        Positions within this many pixels (of the coarsest scene) are one place.
    detect_options : dict, optional
        Passed to :func:`~shipsight.imagery.detect.detect`.
    progress : callable, optional
        ``progress(done, total)`` after each scene.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate: ``lon, lat``, ``n_days``, ``n_detections``,
        ``spread_m`` (largest distance of a member from the centre),
        ``median_score_db``, ``evidence`` (JSON: scenes, days, positions)
        and point geometry in EPSG:4326. ``attrs["scenes"]`` counts the
        scenes read.

    Raises
    ------
    InputError
        Fewer scenes than ``min_scenes`` on different days, or a bad scene.
    """
    import geopandas as gpd
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    from shipsight.errors import InputError
    from shipsight.imagery.detect import detect

    if int(min_scenes) != min_scenes or min_scenes < 2:
        raise InputError(f"min_scenes must be a whole number of 2 or more, not {min_scenes!r}", where="--min-scenes")
    if not (tol_px > 0):
        raise InputError(f"tol_px must be > 0, not {tol_px!r}", where="--tolerance-px")
    days = {t.date() for _, t, _ in scenes}
    if len(days) < min_scenes:
        raise InputError(f"{len(scenes)} scene(s) on {len(days)} different day(s): learning needs scenes on at least "
                         f"{min_scenes} different days", where="SCENES")
    opts = dict(detect_options or {})
    opts.update(keep_suppressed=True)
    parts, px = [], []
    for k, (path, acquired, scene_id) in enumerate(scenes):
        found = detect(path, **opts)
        found = found[found["suppressed"].isin(LEARN_FROM)]
        px.append(found.attrs["pixel_m"])
        parts.append(dict(lon=found["lon"].to_numpy(), lat=found["lat"].to_numpy(), score=found["score"].to_numpy(),
                          scene=np.full(len(found), k), day=np.full(len(found), acquired.date().toordinal())))
        if progress is not None:
            progress(k + 1, len(scenes))
    cols = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    empty = gpd.GeoDataFrame({"lon": [], "lat": [], "n_days": [], "n_detections": [], "spread_m": [],
                              "median_score_db": [], "evidence": []}, geometry=[], crs="EPSG:4326")
    empty.attrs["scenes"] = len(scenes)
    if cols["lon"].size == 0:
        return empty
    tol_m = tol_px * max(px)
    lon0, lat0 = float(np.median(cols["lon"])), float(np.median(cols["lat"]))
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    xy = np.column_stack(gpd.GeoSeries(gpd.points_from_xy(cols["lon"], cols["lat"]), crs="EPSG:4326")
                         .to_crs(aeqd).get_coordinates().to_numpy().T)
    pairs = cKDTree(xy).query_pairs(r=tol_m, output_type="ndarray")
    m = len(xy)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, group = connected_components(graph, directed=False)

    # Per group: distinct days, centre, spread -- by sorting, not a loop over detections.
    order = np.lexsort((cols["day"], group))
    g, d = group[order], cols["day"][order]
    first_of_day = np.r_[True, (g[1:] != g[:-1]) | (d[1:] != d[:-1])]
    n_days = np.bincount(g[first_of_day], minlength=group.max() + 1)
    n_det = np.bincount(group)
    cx = np.bincount(group, weights=xy[:, 0]) / n_det
    cy = np.bincount(group, weights=xy[:, 1]) / n_det
    dist = np.hypot(xy[:, 0] - cx[group], xy[:, 1] - cy[group])
    spread = np.zeros(n_det.size)
    np.maximum.at(spread, group, dist)
    keep = np.flatnonzero((n_days >= min_scenes) & (spread <= tol_m))
    if keep.size == 0:
        return empty
    members = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[members], keep)
    centre = gpd.GeoSeries(gpd.points_from_xy(cx[keep], cy[keep]), crs=aeqd).to_crs("EPSG:4326")
    evidence, median_score = [], []
    for j, start in zip(keep, bounds):  # per candidate (a few), to write its evidence
        idx = members[start:start + n_det[j]]
        median_score.append(float(np.median(cols["score"][idx])))
        evidence.append(json.dumps({
            "scenes": sorted({str(scenes[s][2] or scenes[s][0]) for s in cols["scene"][idx]}),
            "days": sorted({str(scenes[s][1].date()) for s in cols["scene"][idx]}),
            "detections": int(idx.size), "spread_m": round(float(spread[j]), 1),
            "tolerance_m": round(tol_m, 1)}))
    out = gpd.GeoDataFrame({
        "lon": centre.x.to_numpy(), "lat": centre.y.to_numpy(), "n_days": n_days[keep],
        "n_detections": n_det[keep], "spread_m": spread[keep], "median_score_db": median_score,
        "evidence": evidence}, geometry=centre.values, crs="EPSG:4326")
    out.attrs["scenes"] = len(scenes)
    return out.sort_values(["n_days", "n_detections"], ascending=False).reset_index(drop=True)
