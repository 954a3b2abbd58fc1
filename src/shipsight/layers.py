"""The store's contents as GIS layers, with the list filters applied.

One place that says what each exported layer holds, shared by export, the map
report and evidence packs.

Filters (all optional, all layers unless said otherwise):

- ``since``/``until``: sightings and flags by the (flagged) sighting's time,
  scenes by acquisition time, port calls by the sightings they are built from;
- ``bbox``: ``(minlon, minlat, maxlon, maxlat)``, minlon > maxlon crossing the
  antimeridian; a flag is kept when either of its sightings is inside;
- ``port``: a port's id or name, including the berths and terminals inside
  it; a flag is kept when either of its sightings is inside, a scene when its
  footprint touches the port;
- ``rule``: flags only (refused for other layers rather than ignored).
"""

import json

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError
from shipsight.io.formats import LAYER_NAMES
from shipsight.rules import RULES
from shipsight.rules.severity import severity_label
from shipsight.store import SightingQuery


#: The filters each layer takes.
FILTERS = {
    "sightings": ("since", "until", "bbox", "port"),
    "flags": ("since", "until", "bbox", "port", "rule"),
    "ports": ("bbox", "port"),
    "scenes": ("since", "until", "bbox", "port"),
    "port-calls": ("since", "until", "bbox", "port"),
}

#: The fields of a flag record, in the order scripts see them (``flags list --json``, the flags layer).
FLAG_RECORD = ["id", "rule", "severity", "level", "sighting_id", "related_sighting_id", "name", "imo", "mmsi",
               "listed_name", "listed_imo", "list", "program", "matched_on", "score", "matched_value", "matched_kind",
               "sighting_form", "listed_form", "match_conflict", "matched_version", "matched_version_date", "lists",
               "programs", "designations", "port", "distance_m", "hours_apart", "status", "explanation", "identity_source",
               "ais_status", "ais_mmsi", "ais_scene", "last_ping", "time",
               "lon", "lat", "related_time", "related_lon", "related_lat", "review_note", "active", "created_at",
               "updated_at", "related_mmsi", "end_time", "evidence"]


def flag_records(frame):
    """Flags as :meth:`Store.flags` gives them, cut to :data:`FLAG_RECORD` with a ``level``.

    ``level`` is :func:`~shipsight.rules.severity.severity_label` of the
    severity, but for ``sanctioned-vessel`` flags the level of their match
    (:func:`~shipsight.sanctions.match.match_level`, as ``sanctions search`` gives it).

    >>> import pandas as pd
    >>> row = {c: [None] for c in FLAG_RECORD if c != "level"} | {"severity": [0.8]}
    >>> flag_records(pd.DataFrame(row))["level"].tolist()
    ['high']
    """
    from shipsight.sanctions.match import match_level

    level = severity_label(frame["severity"].to_numpy(float)) if len(frame) else np.array([], dtype=object)
    if len(frame) and "score" in frame.columns:
        # A flag that rests on an identity match reads as strong as the match (weak evidence is never "high").
        matched = (frame["rule"] == "sanctioned-vessel").to_numpy(dtype=bool) & frame["score"].notna().to_numpy()
        level = np.where(matched, match_level(frame["score"].to_numpy(float)), level)
    frame = frame.assign(level=level)
    if "designations" not in frame.columns:
        frame = frame.assign(designations=[[] for _ in range(len(frame))])
    # Every list and program naming the vessel, whatever the order the lists were imported in.
    cited = [d if isinstance(d, list) and d else ([{"list": li, "program": p}] if isinstance(li, str) else [])
             for d, li, p in zip(frame["designations"], frame["list"], frame["program"])]
    frame = frame.assign(
        lists=["; ".join(dict.fromkeys(str(d["list"]) for d in c)) or None for c in cited],
        programs=["; ".join(dict.fromkeys(p for d in c for p in str(d.get("program") or "").split("; ") if p)) or None
                  for c in cited])
    for column in FLAG_RECORD:
        if column not in frame.columns:
            frame[column] = None
    return frame[FLAG_RECORD]


def port_area(store, port):
    """The area a ``port`` filter means: the named port's polygon (id, UN/LOCODE or name).

    Raises
    ------
    NotFoundError
        No port of that id, UN/LOCODE or name.
    InputError
        A name several ports share (see :func:`shipsight.store.portrows.select_port`).
    """
    from shipsight.store.portrows import select_port

    return select_port(store.ports(), port).geometry


def ports_within(store, port):
    """Ids of the port named and of the ports (berths, terminals) inside it."""
    frame = store.ports()
    area = port_area(store, port)
    return frame["id"][shapely.covered_by(frame.geometry.values, shapely.buffer(area, 1e-9))].tolist()


def _bbox_area(bbox):
    minx, miny, maxx, maxy = bbox
    if minx <= maxx:
        return shapely.box(minx, miny, maxx, maxy)
    # minlon > maxlon: the box crosses the antimeridian.
    return shapely.union_all([shapely.box(minx, miny, 180, maxy), shapely.box(-180, miny, maxx, maxy)])


def _bbox_mask(gdf, bbox):
    return shapely.intersects(_bbox_area(bbox), gdf.geometry.values)


def _check_rule(rule):
    if rule is not None and rule not in RULES:
        raise InputError(f"unknown rule {rule!r}; use one of {', '.join(RULES)}", where="--rule")


def flags_layer(store, *, since=None, until=None, bbox=None, port=None, rule=None, status=None,
                include_withdrawn=False):
    """The flags as a layer: :data:`FLAG_RECORD` fields, the flagged sighting's point as
    ``geometry`` and the related sighting's point (or None) as ``related_geometry``.

    ``since``/``until`` apply to the flagged sighting's time; ``bbox`` and ``port``
    keep a flag when either of its sightings is inside (a ship-to-ship pair
    half in the area belongs to it).

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> flags_layer(open_store(os.path.join(tempfile.mkdtemp(), "x.db"))).columns[-2:].tolist()
    ['geometry', 'related_geometry']
    """
    import geopandas as gpd

    _check_rule(rule)
    frame = flag_records(store.flags(rule=rule, status=status, include_withdrawn=include_withdrawn))
    frame = frame.reset_index(drop=True)
    # GIS formats hold no nested records: the designations travel as JSON text.
    frame["designations"] = frame["designations"].map(lambda d: json.dumps(d) if d else None).astype(object)
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    rlon, rlat = frame["related_lon"].to_numpy(float), frame["related_lat"].to_numpy(float)
    point = shapely.points(np.column_stack([lon, lat])) if len(frame) else np.empty(0, dtype=object)
    related = np.full(len(frame), None, dtype=object)
    has = np.isfinite(rlon) & np.isfinite(rlat)
    if has.any():
        related[has] = shapely.points(np.column_stack([rlon[has], rlat[has]]))
    keep = np.ones(len(frame), dtype=bool)
    if since is not None:
        keep &= (frame["time"] >= pd.Timestamp(since)).to_numpy()
    if until is not None:
        keep &= (frame["time"] <= pd.Timestamp(until)).to_numpy()
    for area in ([_bbox_area(bbox)] if bbox is not None else []) + ([port_area(store, port)] if port is not None else []):
        # shapely treats None as missing: intersects(area, None) is False.
        keep &= shapely.intersects(area, point) | shapely.intersects(area, related)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(point, crs="EPSG:4326", index=frame.index))
    gdf["related_geometry"] = gpd.GeoSeries(related, crs="EPSG:4326", index=frame.index)
    return gdf[keep].reset_index(drop=True)


def layer_frame(store, name, *, since=None, until=None, bbox=None, port=None, rule=None):
    """One layer as a GeoDataFrame in EPSG:4326, the filters applied (see the module).

    Filters that do not apply to a layer are refused rather than ignored
    (``rule`` only for flags); an unknown port is an error, not an empty layer.

    Parameters
    ----------
    store : Store
    name : str
        One of :data:`LAYER_NAMES`.
    since, until : datetime, optional
        Aware UTC times.
    bbox : tuple of float, optional
    port : str or int, optional
    rule : str, optional

    Returns
    -------
    geopandas.GeoDataFrame

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> layer_frame(open_store(os.path.join(tempfile.mkdtemp(), "x.db")), "ports").empty
    True
    """
    if name not in LAYER_NAMES:
        raise InputError(f"unknown layer {name!r}; use one of {', '.join(LAYER_NAMES)}")
    given = {"since": since, "until": until, "bbox": bbox, "port": port, "rule": rule}
    refused = [k for k, v in given.items() if v is not None and k not in FILTERS[name]]
    if refused:
        options = "/".join(f"--{k}" for k in refused)
        raise InputError(f"{options} cannot filter {name}; it takes {', '.join('--' + f for f in FILTERS[name])}")
    if name == "flags":
        return flags_layer(store, since=since, until=until, bbox=bbox, port=port, rule=rule)
    if name == "sightings":
        frame = store.sightings(SightingQuery(port=port, since=since, until=until, bbox=bbox))
        # Where the audit log stood: 'sightings sync' tells edits made since from the file's own.
        frame["revision"] = store.audit_mark()
        return frame
    if name == "ports":
        frame = store.ports()
        if port is not None:
            # The port itself and the berths and terminals inside it.
            area = port_area(store, port)
            inside = shapely.covered_by(frame.geometry.values, shapely.buffer(area, 1e-9))
            frame = frame[inside]
        return frame[_bbox_mask(frame, bbox)] if bbox is not None and len(frame) else frame
    if name == "port-calls":
        import geopandas as gpd

        from shipsight.portcalls import store_port_calls

        calls = store_port_calls(store, port=port, since=since, until=until)
        ports = store.ports().set_index("id")
        geom = ports.geometry.reindex(calls["port_id"].astype("int64")).values if len(calls) else []
        frame = gpd.GeoDataFrame(calls, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=calls.index))
        frame["sighting_ids"] = frame["sighting_ids"].map(lambda ids: ",".join(map(str, ids)))
        frame["ais_positions"] = frame["ais_positions"].astype("int64")
        return frame[_bbox_mask(frame, bbox)] if bbox is not None and len(frame) else frame
    # scenes
    frame = store.scenes().drop(columns="geom", errors="ignore")
    if "created_at" in frame.columns and not isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype):
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    # Lists and dicts do not fit GIS fields: keep them as JSON text.
    for column in ("transform", "dtypes", "stac", "product"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: None if v is None else json.dumps(v))
    if since is not None:
        frame = frame[frame["acquired"] >= since]
    if until is not None:
        frame = frame[frame["acquired"] <= until]
    if port is not None and len(frame):
        frame = frame[shapely.intersects(port_area(store, port), frame.geometry.values)]
    elif port is not None:
        port_area(store, port)
    return frame[_bbox_mask(frame, bbox)] if bbox is not None and len(frame) else frame


def all_layers(store, *, since=None, until=None, bbox=None, port=None, rule=None):
    """Every layer, each with the filters it takes (``rule`` only narrows flags, ``since``/``until`` not ports).

    Returns
    -------
    dict of str -> geopandas.GeoDataFrame
        Keyed by :data:`LAYER_NAMES`, in that order.

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> list(all_layers(open_store(os.path.join(tempfile.mkdtemp(), "x.db"))))
    ['sightings', 'flags', 'ports', 'scenes', 'port-calls']
    """
    given = {"since": since, "until": until, "bbox": bbox, "port": port, "rule": rule}
    return {name: layer_frame(store, name, **{k: v for k, v in given.items() if k in FILTERS[name]})
            for name in LAYER_NAMES}
