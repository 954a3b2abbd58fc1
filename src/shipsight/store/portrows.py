"""Port rows as both back ends audit them."""

import json

import shapely


def port_audit_values(ports, areas):
    """The audit log's ``new`` value of each imported port: its fields and its polygon as WKT."""
    wkt = shapely.to_wkt(ports.geometry.values, rounding_precision=7)
    return [json.dumps({"name": name, "kind": kind, "watchlist": bool(watch),
                        "reason": None if reason is None or reason != reason else reason,
                        "area_m2": float(area), "geometry": geom})
            for name, kind, watch, reason, area, geom in zip(ports["name"], ports["kind"], ports["watchlist"],
                                                               ports["reason"], areas, wkt)]
