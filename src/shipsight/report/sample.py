"""A small, made-up set of layers shaped like the store's, for examples, docs and tests.

Names and numbers are invented (the IMO numbers pass their check digit but
are not meant to be real ships). One vessel name is an HTML injection
attempt on purpose, so every output that shows names can be tested for
escaping.
"""

from datetime import datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

XSS_NAME = "<script>alert(1)</script>"


def _utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def sample_layers():
    """Sightings, ports, flags, port calls and scenes around Nampo and Vostochny.

    Returns
    -------
    dict of str -> geopandas.GeoDataFrame
        Keys ``sightings``, ``ports``, ``flags``, ``port_calls``, ``scenes``,
        columns as the store gives them, EPSG:4326.

    Examples
    --------
    >>> layers = sample_layers()
    >>> sorted(layers), len(layers["sightings"])
    (['flags', 'port_calls', 'ports', 'scenes', 'sightings'], 6)
    """
    ports = gpd.GeoDataFrame(
        {
            "id": [1, 2, 3],
            "name": ["Nampo West Dock", "Nampo anchorage", "Vostochny"],
            "kind": ["port", "anchorage", "port"],
            "watchlist": [True, True, False],
            "reason": ["UNSC 2397 ¶9 refined-product deliveries", "STS transfers reported by the Panel", None],
            "area_m2": [np.nan, np.nan, np.nan],
        },
        geometry=[
            shapely.box(125.36, 38.70, 125.40, 38.73),
            shapely.MultiPolygon([shapely.box(125.20, 38.64, 125.26, 38.68), shapely.box(125.27, 38.64, 125.29, 38.66)]),
            shapely.box(133.02, 42.72, 133.10, 42.77),
        ],
        crs=4326,
    )
    from shipsight.geodesy import geodesic_area_m2

    ports["area_m2"] = geodesic_area_m2(ports.geometry.array)

    t0 = _utc(2024, 3, 1, 2, 15)
    lon = [125.38, 125.381, 125.23, 125.2305, 133.06, 125.50]
    lat = [38.715, 38.716, 38.66, 38.6605, 42.75, 38.60]
    sightings = gpd.GeoDataFrame(
        {
            "id": np.arange(1, 7),
            "time": pd.to_datetime(
                [t0, t0, t0 + timedelta(days=12), t0 + timedelta(days=12), t0 + timedelta(days=40), t0 + timedelta(days=41, seconds=1)],
                utc=True,
            ).as_unit("us"),
            "lon": lon,
            "lat": lat,
            "name": ["NEW KONK", XSS_NAME, "YU PHYONG 5", "CHON MA SAN", "SKY & SEA", None],
            "imo": ["9036387", None, "8605026", "8660313", None, None],
            "mmsi": [None, "445123000", None, None, "273456780", None],
            "vessel_type": ["tanker", "tanker", "tanker", "tanker", "cargo", None],
            "length_m": [110.0, 95.0, 104.0, 98.5, 130.0, np.nan],
            "heading": [45.0, 225.0, np.nan, 90.0, 180.0, np.nan],
            "confidence": ["confirmed", "probable", "probable", "possible", "confirmed", "possible"],
            "source": ["Sentinel-2", "Sentinel-2", "Planet", "Planet", "Sentinel-1", "Sentinel-1"],
            "scene_id": ["S2A_20240301", "S2A_20240301", "PS_20240313", "PS_20240313", "S1A_20240410", "S1A_20240411"],
            "pixel_row": pd.array([1012, 1040, 88, 91, None, 5001], dtype="Int64"),
            "pixel_col": pd.array([2210, 2216, 431, 436, None, 77], dtype="Int64"),
            "analyst": ["jdoe", "jdoe", "akim", "akim", "jdoe", "akim"],
            "note": ["alongside the oil jetty", "note with <b>markup</b> & \"quotes\"", "hose visible", None, "", "dark target"],
            "port_id": pd.array([1, 1, 2, 2, 3, None], dtype="Int64"),
            "port": ["Nampo West Dock", "Nampo West Dock", "Nampo anchorage", "Nampo anchorage", "Vostochny", None],
            "nearest_port": ["Nampo West Dock", "Nampo West Dock", "Nampo anchorage", "Nampo anchorage", "Vostochny", "Nampo anchorage"],
            "nearest_port_distance_m": [0.0, 0.0, 0.0, 0.0, 0.0, 23_500.0],
            "status": ["active", "active", "active", "active", "active", "retracted"],
            "created_at": pd.to_datetime([t0 + timedelta(days=60)] * 6, utc=True).as_unit("us"),
        },
        geometry=shapely.points(np.column_stack([lon, lat])),
        crs=4326,
    )
    pts = sightings.geometry.array
    flags = gpd.GeoDataFrame(
        {
            "id": [1, 2, 3, 4],
            "rule": ["sanctioned-vessel", "at-sanctioned-vessel-location", "ship-to-ship", "watchlist-port"],
            "severity": [1.0, 0.8, 0.7, 0.5],
            "sighting_id": [1, 2, 3, 5],
            "related_sighting_id": pd.array([None, 1, 4, None], dtype="Int64"),
            "name": ["NEW KONK", XSS_NAME, "YU PHYONG 5", "SKY & SEA"],
            "imo": ["9036387", None, "8605026", None],
            "mmsi": [None, "445123000", None, "273456780"],
            "listed_name": ["NEW KONK", None, "YU PHYONG 5", None],
            "listed_imo": ["9036387", None, "8605026", None],
            "list": ["UN 1718", None, "UN 1718", None],
            "program": ["DPRK", None, "DPRK", None],
            "matched_on": ["imo", None, "imo", None],
            "score": [100.0, np.nan, 100.0, np.nan],
            "port": ["Nampo West Dock", "Nampo West Dock", "Nampo anchorage", "Vostochny"],
            "distance_m": [np.nan, 130.2, 55.0, np.nan],
            "hours_apart": [np.nan, 0.0, 0.0, np.nan],
            "status": ["open", "confirmed", "open", "dismissed"],
            "explanation": [
                "IMO 9036387 is on the UN 1718 list (remark: <i>designated 2018</i>)",
                "within 130 m of sanctioned NEW KONK at the same time",
                "alongside CHON MA SAN, 55 m apart",
                "at watch-listed port Vostochny",
            ],
            "time": sightings["time"].iloc[[0, 1, 2, 4]].to_numpy(),
            "related_geometry": [None, pts[0], pts[3], None],
        },
        geometry=[pts[0], pts[1], pts[2], pts[4]],
        crs=4326,
    )
    flags["time"] = pd.to_datetime(flags["time"], utc=True)
    port_calls = gpd.GeoDataFrame(
        {
            "vessel": ["imo:9036387", "mmsi:445123000", "imo:8605026", "imo:8660313", "imo:9036387"],
            "name": ["NEW KONK", XSS_NAME, "YU PHYONG 5", "CHON MA SAN", "NEW KONK"],
            "imo": ["9036387", None, "8605026", "8660313", "9036387"],
            "mmsi": [None, "445123000", None, None, None],
            "vessel_type": ["tanker"] * 5,
            "port_id": [1, 1, 2, 2, 1],
            "port": ["Nampo West Dock", "Nampo West Dock", "Nampo anchorage", "Nampo anchorage", "Nampo West Dock"],
            "first_seen": pd.to_datetime([t0, t0, t0 + timedelta(days=12), t0 + timedelta(days=12), t0 + timedelta(days=100)], utc=True).as_unit("us"),
            "last_seen": pd.to_datetime([t0 + timedelta(hours=5), t0, t0 + timedelta(days=13), t0 + timedelta(days=12), t0 + timedelta(days=101)], utc=True).as_unit("us"),
            "n_sightings": [2, 1, 2, 1, 3],
            "deadweight_t": [3_300.0, np.nan, 2_900.0, np.nan, 3_300.0],
            "gross_tonnage": [2_000.0, np.nan, 1_800.0, 1_500.0, 2_000.0],
        },
        geometry=[ports.geometry.iloc[0], ports.geometry.iloc[0], ports.geometry.iloc[1], ports.geometry.iloc[1], ports.geometry.iloc[0]],
        crs=4326,
    )
    scenes = gpd.GeoDataFrame(
        {
            "id": ["S2A_20240301", "PS_20240313", "S1A_20240410"],
            "path": ["/data/S2A_20240301.tif", "/data/PS_20240313.tif", "/data/S1A_20240410.tif"],
            "sensor": ["Sentinel-2", "PlanetScope", "Sentinel-1"],
            "acquired": pd.to_datetime([t0, t0 + timedelta(days=12), t0 + timedelta(days=40)], utc=True).as_unit("us"),
            "gsd_m": [10.0, 3.0, 10.0],
            "width": [10980, 8000, 25000],
            "height": [10980, 4000, 16000],
            "crs": ["EPSG:32651", "EPSG:32651", "EPSG:4326"],
            "sha256": ["a" * 64, "b" * 64, "c" * 64],
        },
        geometry=[shapely.box(125.0, 38.4, 125.6, 38.9), shapely.box(125.1, 38.55, 125.35, 38.7), shapely.box(132.5, 42.5, 133.5, 43.0)],
        crs=4326,
    )
    return {"sightings": sightings, "ports": ports, "flags": flags, "port_calls": port_calls, "scenes": scenes}
