"""The store's contents as GIS layers, with the list filters applied.

One place that says what each exported layer holds, shared by export, the map
report and evidence packs.
"""

import json

import geopandas as gpd
import shapely

from shipsight.errors import InputError
from shipsight.portcalls import store_port_calls
from shipsight.store import SightingQuery

LAYER_NAMES = ("sightings", "flags", "ports", "scenes", "port-calls")


def _bbox_mask(gdf, bbox):
    minx, miny, maxx, maxy = bbox
    boxes = [shapely.box(minx, miny, maxx, maxy)] if minx <= maxx else [
        shapely.box(minx, miny, 180, maxy), shapely.box(-180, miny, maxx, maxy)]
    return shapely.intersects(shapely.union_all(boxes), gdf.geometry.values)


def layer_frame(store, name, *, since=None, until=None, bbox=None, port=None, rule=None):
    """One layer as a GeoDataFrame in EPSG:4326.

    Filters that do not apply to a layer are refused rather than ignored
    (``rule`` only for flags).

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> layer_frame(open_store(os.path.join(tempfile.mkdtemp(), "x.db")), "ports").empty
    True
    """
    if name not in LAYER_NAMES:
        raise InputError(f"unknown layer {name!r}; use one of {', '.join(LAYER_NAMES)}")
    if rule is not None and name != "flags":
        raise InputError(f"--rule filters flags, not {name}")
    if name == "sightings":
        return store.sightings(SightingQuery(port=port, since=since, until=until, bbox=bbox))
    if name == "ports":
        frame = store.ports()
        if port is not None:
            key = str(port).lower()
            frame = frame[(frame["id"].astype(str) == key) | (frame["name"].str.lower() == key)]
        return frame[_bbox_mask(frame, bbox)] if bbox is not None and len(frame) else frame
    if name == "port-calls":
        calls = store_port_calls(store, port=port, since=since, until=until)
        ports = store.ports().set_index("id")
        geom = ports.geometry.reindex(calls["port_id"].astype("int64")).values if len(calls) else []
        frame = gpd.GeoDataFrame(calls, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=calls.index))
        frame["sighting_ids"] = frame["sighting_ids"].map(lambda ids: ",".join(map(str, ids)))
        return frame[_bbox_mask(frame, bbox)] if bbox is not None and len(frame) else frame
    if name == "scenes":
        frame = store.scenes()
        # Lists and dicts do not fit GIS fields: keep them as JSON text.
        for column in ("transform", "dtypes", "stac"):
            frame[column] = frame[column].map(lambda v: None if v is None else json.dumps(v))
        if since is not None:
            frame = frame[frame["acquired"] >= since]
        if until is not None:
            frame = frame[frame["acquired"] <= until]
        return frame[_bbox_mask(frame, bbox)] if bbox is not None and len(frame) else frame
    return store.flag_records(since=since, until=until, bbox=bbox, port=port, rule=rule)
