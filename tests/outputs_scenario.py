"""A small log built through the real CLI, shared by the tests of export, report and evidence.

Ports from conftest's ``ports_file`` (Rajin, watch-listed; Rajin Pier 3 inside
it; an anchorage across the antimeridian), one registered GeoTIFF scene over
Rajin, the sample OFAC list, and six sightings chosen so that every rule
fires: the listed ANGARA at Rajin Pier 3 (from the scene), an unidentified
vessel named ``<script>alert(1)</script>`` beside it (co-location), two ships
alongside at sea (ship-to-ship), one at the antimeridian and one late in Rajin.
"""

import csv

import numpy as np
import rasterio
from rasterio.transform import from_origin

from conftest import SAMPLES

XSS = "<script>alert(1)</script>"
NOTE_XSS = '<img src=x onerror="alert(2)"> & "quotes"'
SCENE_ID = "rajin_s2"
SCENE_TIME = "2023-10-05T02:10:00Z"
#: 0.0001 degree pixels from 130.29 E, 42.255 N: 200 x 200 covers all of Rajin Pier 3.
SCENE_TRANSFORM = from_origin(130.29, 42.255, 0.0001, 0.0001)

SIGHTINGS = [
    # time, lon, lat, name, imo, mmsi, vessel_type, length_m, heading, confidence, source, scene, analyst, note
    (SCENE_TIME, 130.2985, 42.2452, "ANGARA", "9179842", "", "ro-ro", 139, 25, "confirmed", "Sentinel-2", SCENE_ID,
     "analyst.a", "alongside Pier 3"),
    (SCENE_TIME, 130.2995, 42.2448, XSS, "", "273456780", "general cargo", 90, 200, "probable", "Sentinel-2",
     SCENE_ID, "analyst.b", NOTE_XSS),
    ("2023-11-01T03:00:00Z", 131.5, 42.0, "SEA ONE", "", "", "tanker", 100, 0, "possible", "Planet", "",
     "analyst.a", "at sea"),
    ("2023-11-01T03:20:00Z", 131.5010, 42.0005, "SEA TWO", "", "", "tanker", 80, 180, "possible", "Planet", "",
     "analyst.a", "alongside SEA ONE"),
    ("2024-01-01T00:00:00Z", 179.95, -16.55, "DATELINE", "", "", "", "", "", "possible", "Sentinel-1", "",
     "analyst.c", ""),
    ("2024-02-01T00:00:00Z", 130.31, 42.25, "LATE", "", "", "cargo", 120, 90, "probable", "Maxar", "",
     "analyst.c", "late in the year"),
]


def write_scene(path):
    """A 3-band GeoTIFF over Rajin with a bright target at ANGARA's position."""
    data = np.random.default_rng(5).integers(200, 400, size=(3, 200, 200)).astype("uint16")
    row, col = int((42.255 - 42.2452) / 0.0001), int((130.2985 - 130.29) / 0.0001)
    data[:, row - 1:row + 2, col - 1:col + 2] = 4000
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=3, dtype="uint16",
                       crs="EPSG:4326", transform=SCENE_TRANSFORM) as ds:
        ds.write(data)
    return path


def build_log(run, tmp_path, ports_file):
    """Ports, the scene, the list, the sightings and a flag run, all through the CLI.

    Input files go to ``tmp_path / "in"``, so tests have ``tmp_path`` for outputs.
    """
    tmp_path = tmp_path / "in"
    tmp_path.mkdir()
    run("ports", "import", ports_file)
    run("scenes", "add", write_scene(tmp_path / f"{SCENE_ID}.tif"), "--acquired", SCENE_TIME, "--sensor", "sentinel-2b")
    run("sanctions", "import", SAMPLES / "sanctions_sdn.csv")
    with open(tmp_path / "sightings.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["time", "lon", "lat", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
                         "confidence", "source", "scene", "analyst", "note"])
        writer.writerows(SIGHTINGS)
    run("sightings", "import", tmp_path / "sightings.csv")
    run("flag")
    return run
