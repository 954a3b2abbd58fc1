"""AIS correlation: synthetic scenes with ships at known positions and synthetic AIS around them.

Every sighting's expected status is known by construction: ships on crossing
tracks, close neighbours told apart by length or not, gaps in the pings, a
ship with its AIS off, an AIS position with no ship, a scene with no AIS at
all; identities written as audited edits, never over an analyst's; re-runs
idempotent; late AIS turning dark into matched. Through the CLI, on SQLite and
PostGIS.
"""

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import rasterio
from pyproj import Geod
from rasterio.transform import from_origin

from shipsight.ais.correlate import CorrelationParams, assign, correlate, place_vessels
from shipsight.ais.correlate_sar import SarGeometry, azimuth_shift, ground_track_heading, sar_geometry
from shipsight.geodesy import distance_m
from test_report_html import browser  # noqa: F401  (the browser fixture, reused)

GEOD = Geod(ellps="WGS84")
T = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
PLAIN = "mmsi,time,lon,lat,sog,cog,heading,name,imo,call_sign,ship_type,length_m"
KN = 1852 / 3600


def imo(six):
    """A valid IMO number from six digits (check digit appended)."""
    s = sum(int(d) * w for d, w in zip(six, range(7, 1, -1)))
    return f"{six}{s % 10}"


def at(lon, lat, cog, sog, minutes):
    """Where a ship at (lon, lat) at the scene time is ``minutes`` later on a straight course."""
    x, y, _ = GEOD.fwd(lon, lat, cog, sog * KN * minutes * 60)
    return float(x), float(y)


def write_scene(path, west, north, *, width=1000, height=600, px=0.0005):
    rng = np.random.default_rng(0)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(west, north, px, px)) as ds:
        ds.write(rng.gamma(4, 0.05 / 4, (height, width)).astype("float32"), 1)
    return path


class Fleet:
    """Synthetic vessels: truth at the scene time, pings at given minutes, written as plain AIS CSV."""

    def __init__(self):
        self.rows = []

    def add(self, mmsi, lon, lat, *, cog=0.0, sog=0.0, minutes=(-5, 5), name=None, imo_=None, length=None,
            report_motion=True):
        for m in minutes:
            x, y = at(lon, lat, cog, sog, m)
            when = (T + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
            s, c = (f"{sog:.1f}", f"{cog:.1f}") if report_motion else ("", "")
            self.rows.append(f"{mmsi},{when},{x:.7f},{y:.7f},{s},{c},{c},{name or ''},{imo_ or ''},,70,"
                             f"{'' if length is None else length}")

    def write(self, path):
        path.write_text("\n".join([PLAIN, *self.rows]) + "\n")
        return path


@pytest.fixture
def ais(run, tmp_path):
    folder = tmp_path / "log.ais"

    def call(*args, code=0):
        return run("--ais", folder, *args, code=code)

    call.json = lambda *args: json.loads(call(*args, "--json").stdout)
    return call


def _log(ais, lon, lat, *, scene="harbour", length=None, **more):
    args = ["log", "--lon", lon, "--lat", lat, "--time", T.isoformat(), "--scene", scene]
    if length is not None:
        args += ["--length-m", length]
    for k, v in more.items():
        args += [f"--{k.replace('_', '-')}", v]
    return ais.json(*args)["id"]


def test_synthetic_scene_every_status(ais, tmp_path):
    write_scene(tmp_path / "harbour.tif", 130.0, 42.3)
    ais("scenes", "add", tmp_path / "harbour.tif", "--acquired", T.isoformat(), "--id", "harbour")
    write_scene(tmp_path / "baltic.tif", 10.0, 54.3)
    ais("scenes", "add", tmp_path / "baltic.tif", "--acquired", T.isoformat(), "--id", "baltic")
    fleet = Fleet()
    ids = {}
    # A lone ship steaming north, pinged 5 minutes either side: matched, identity written.
    fleet.add(273111110, 130.10, 42.10, cog=0, sog=12, name="ALPHA", imo_=imo("917984"), length=180)
    ids["alpha"] = _log(ais, *at(130.10, 42.10, 90, 0, 0), length=175)
    # Crossing tracks: at the scene time B has passed the crossing 400 m east, C is 400 m short of it.
    cross = (130.20, 42.15)
    b, c = at(*cross, 90, 14, 400 / (14 * KN) / 60), at(*cross, 0, 14, -400 / (14 * KN) / 60)
    fleet.add(273111121, *b, cog=90, sog=14, minutes=(-4, 4), name="BRAVO", length=120)
    fleet.add(273111132, *c, cog=0, sog=14, minutes=(-4, 4), name="CHARLIE", length=120)
    ids["bravo"], ids["charlie"] = _log(ais, *b, length=120), _log(ais, *c, length=120)
    # Close neighbours of one length, 60 m apart at anchor: no way to tell them apart.
    d = (130.30, 42.20)
    e = at(*d, 90, 60 / KN / 60, 1)  # 60 m east
    fleet.add(273111143, *d, minutes=(-3, 3), name="DELTA", length=100)
    fleet.add(273111154, *e, minutes=(-3, 3), name="ECHO", length=100)
    ids["delta"], ids["echo"] = _log(ais, *d, length=100), _log(ais, *e, length=100)
    # Close neighbours of different lengths: length tells them apart.
    f = (130.30, 42.25)
    g = at(*f, 90, 60 / KN / 60, 1)
    fleet.add(273111165, *f, minutes=(-3, 3), name="FOXTROT", length=300)
    fleet.add(273111176, *g, minutes=(-3, 3), name="GOLF", length=60)
    ids["foxtrot"], ids["golf"] = _log(ais, *f, length=290), _log(ais, *g, length=70)
    # A gap: pings 40 and 50 minutes from the scene; the ship strayed 2 km off the line: gate grown to 5 km.
    fleet.add(273111187, 130.40, 42.12, cog=0, sog=8, minutes=(-50, 40), name="HOTEL", length=90)
    ids["hotel"] = _log(ais, *at(130.40, 42.12, 90, 8, 2000 / (8 * KN) / 60), length=90)
    # Dead reckoning from one ping 20 minutes before the scene.
    fleet.add(273111198, 130.05, 42.25, cog=45, sog=10, minutes=(-20,), name="INDIA", length=140)
    ids["india"] = _log(ais, *at(130.05, 42.25, 45, 10, 0), length=140)
    # A ship with its AIS off: dark, the footprint being covered by the others.
    ids["dark"] = _log(ais, 130.45, 42.02, length=200)
    # Last heard 45 minutes before the scene, none after: unplaceable, its ship in the image is dark.
    fleet.add(273111209, 130.15, 42.02, minutes=(-45,), name="JULIETT", length=110)
    ids["juliett"] = _log(ais, 130.15, 42.02, length=110)
    # AIS with no ship in the image: a long one is AIS-only, a 20 m one is below three pixels.
    fleet.add(273111210, 130.45, 42.25, minutes=(-2, 2), name="KILO", length=150)
    fleet.add(273111221, 130.47, 42.27, minutes=(-2, 2), name="LIMA", length=20)
    # An analyst's identity at a matched ship stays.
    fleet.add(273111232, 130.35, 42.05, minutes=(-2, 2), name="MIKE", imo_=imo("934567"), length=80)
    ids["analyst"] = _log(ais, 130.35, 42.05, length=80, name="NOT MIKE", confidence="probable")
    # The Baltic scene: AIS only three hours later, so no coverage at the scene time.
    fleet.add(211111110, 10.2, 54.1, minutes=(180, 185), name="LATE", length=100)
    ids["baltic"] = _log(ais, 10.2, 54.1, scene="baltic", length=100)
    ais("ais", "import", fleet.write(tmp_path / "fleet.csv"))

    out = ais.json("ais", "correlate", "--all")
    assert [r["scene_id"] for r in out] == ["baltic", "harbour"]
    baltic, harbour = out
    status = {s["sighting_id"]: s for s in harbour["sightings"]}
    expected = {"alpha": ("matched", "273111110"), "bravo": ("matched", "273111121"),
                "charlie": ("matched", "273111132"), "delta": ("ambiguous", None), "echo": ("ambiguous", None),
                "foxtrot": ("matched", "273111165"), "golf": ("matched", "273111176"),
                "hotel": ("matched", "273111187"), "india": ("matched", "273111198"), "dark": ("dark", None),
                "juliett": ("dark", None), "analyst": ("matched", "273111232")}
    got = {k: (status[ids[k]]["status"], status[ids[k]]["mmsi"] if status[ids[k]]["status"] == "matched" else None)
           for k in expected}
    assert got == expected
    assert baltic["sightings"][0]["status"] == "no-coverage" and baltic["coverage"] == 0
    assert harbour["coverage"] >= 10 and harbour["unplaceable"] == 1
    assert [v["mmsi"] for v in harbour["ais_only"]] == ["273111210"]
    # Evidence: the pings used, the gate grown by the gap, the close neighbours listed as candidates.
    hotel = status[ids["hotel"]]
    assert hotel["evidence"]["vessel"]["method"] == "interpolated" and hotel["gate_m"] == 5000.0
    assert len(hotel["evidence"]["vessel"]["pings"]) == 2 and 1500 < hotel["distance_m"] < 2600
    assert status[ids["india"]]["evidence"]["vessel"]["method"] == "reckoned"
    assert status[ids["alpha"]]["distance_m"] < 50 and status[ids["alpha"]]["gate_m"] == 1500.0
    delta = status[ids["delta"]]["evidence"]["candidates"]
    assert {c["mmsi"] for c in delta} == {"273111143", "273111154"}
    assert status[ids["dark"]]["evidence"]["nearest_ais_m"] > 5000

    # Identities: written from AIS for matched sightings, audited; the analyst's stays.
    alpha = ais.json("sightings", "show", ids["alpha"])
    assert (alpha["name"], alpha["imo"], alpha["mmsi"]) == ("ALPHA", imo("917984"), "273111110")
    assert alpha["ais_status"] == "matched" and alpha["ais_mmsi"] == "273111110"
    mine = ais.json("sightings", "show", ids["analyst"])
    assert (mine["name"], mine["mmsi"]) == ("NOT MIKE", None) and mine["ais_status"] == "matched"
    assert ais.json("sightings", "show", ids["delta"])["name"] is None
    history = ais.json("history", ids["alpha"])
    edits = [h for h in history if h["action"] == "edit"]
    assert len(edits) == 1 and edits[0]["reason"].startswith("ais: matched MMSI 273111110 (ALPHA)")

    # Re-running with the same AIS changes nothing.
    before = len(ais.json("history"))
    again = ais.json("ais", "correlate", "--all")
    assert all(r["saved"]["matches_new"] == r["saved"]["matches_changed"] == 0 for r in again)
    assert len(ais.json("history")) == before

    # Late AIS: the dark ship's pings arrive; it is matched, its identity written, audited.
    late = Fleet()
    late.add(273111243, 130.45, 42.02, minutes=(-1, 1), name="NOVEMBER", length=200)
    ais("ais", "import", late.write(tmp_path / "late.csv"))
    third = {s["sighting_id"]: s for s in ais.json("ais", "correlate", "harbour")[0]["sightings"]}
    assert third[ids["dark"]]["status"] == "matched" and third[ids["dark"]]["mmsi"] == "273111243"
    assert ais.json("sightings", "show", ids["dark"])["name"] == "NOVEMBER"
    matches = [h for h in ais.json("history") if h["entity"] == "ais_match" and h["entity_id"] == str(ids["dark"])]
    assert [h["new"]["status"] for h in matches] == ["dark", "matched"]


def test_identity_taken_back_when_no_longer_matched_and_analyst_edit_wins(ais, tmp_path):
    write_scene(tmp_path / "s.tif", 130.0, 42.3)
    ais("scenes", "add", tmp_path / "s.tif", "--acquired", T.isoformat(), "--id", "harbour")
    fleet = Fleet()
    fleet.add(273111110, 130.10, 42.10, minutes=(-2, 2), name="ALPHA", length=100)
    ais("ais", "import", fleet.write(tmp_path / "a.csv"))
    sid = _log(ais, 130.10, 42.10, length=100)
    ais("ais", "correlate", "harbour")
    assert ais.json("sightings", "show", sid)["name"] == "ALPHA"
    # A second vessel 30 m away arrives late: the match becomes ambiguous and the AIS identity is taken back.
    more = Fleet()
    more.add(273111121, *at(130.10, 42.10, 90, 30 / KN / 60, 1), minutes=(-2, 2), name="BRAVO", length=100)
    ais("ais", "import", more.write(tmp_path / "b.csv"))
    assert ais.json("ais", "correlate", "harbour")[0]["sightings"][0]["status"] == "ambiguous"
    shown = ais.json("sightings", "show", sid)
    assert (shown["name"], shown["mmsi"]) == (None, None)
    # The analyst names it; a tighter ambiguity makes it matched to BRAVO again, but the analyst's name stays.
    ais("sightings", "edit", sid, "--name", "ALPHA", "--reason", "hull marking")
    out = ais.json("ais", "correlate", "harbour", "--ambiguity", "0.001")[0]["sightings"][0]
    assert out["status"] == "matched"
    assert ais.json("sightings", "show", sid)["name"] == "ALPHA"


def test_correlate_refuses_without_scene_or_with_both(ais, tmp_path):
    assert "name one SCENE or pass --all" in ais("ais", "correlate", code=2).stderr
    write_scene(tmp_path / "s.tif", 130.0, 42.3)
    ais("scenes", "add", tmp_path / "s.tif", "--acquired", T.isoformat(), "--id", "harbour")
    assert "unknown scene 'nope'" in ais("ais", "correlate", "nope", code=2).stderr
    assert "must be positive" in ais("ais", "correlate", "harbour", "--gate-m", "0", code=2).stderr


# ---------------------------------------------------------------- the algorithm, without a store


def test_place_vessels_interpolates_reckons_holds_and_gives_up():
    t0 = 0
    rows = []
    # 1: pings either side (interpolated); 2: one ping 20 min before (reckoned); 3: no speed (held);
    # 4: pings 70 min away (unplaceable); 5: one ping 45 min before (beyond dead reckoning).
    for m, t, lon, lat, sog, cog in [(1, -600_000, 0.0, 0.0, 10.0, 0.0), (1, 600_000, 0.0, 0.0556, 10.0, 0.0),
                                     (2, -1_200_000, 1.0, 0.0, 12.0, 90.0), (3, -300_000, 2.0, 0.0, np.nan, np.nan),
                                     (4, -4_200_000, 3.0, 0.0, 5.0, 0.0), (4, 4_200_000, 3.0, 0.1, 5.0, 0.0),
                                     (5, -2_700_000, 4.0, 0.0, 5.0, 0.0)]:
        rows.append((m, t, lon, lat, sog, cog))
    m, t, lon, lat, sog, cog = map(np.array, zip(*rows))
    p = place_vessels(m, t, lon, lat, sog, cog, at_ms=t0)
    assert p["mmsi"].tolist() == [1, 2, 3] and p.attrs["unplaceable"] == 2
    assert p["method"].tolist() == ["interpolated", "reckoned", "held"]
    assert abs(p["lat"].iat[0] - 0.0278) < 1e-3
    # 12 kn for 20 minutes east: 7,408 m.
    assert abs(distance_m(1.0, 0.0, p["lon"].iat[1], p["lat"].iat[1]) - 12 * KN * 1200) < 1
    assert p["gate_m"].tolist() == [1500.0, 5000.0, 1500.0]


def test_place_vessels_across_the_antimeridian_and_near_the_pole():
    m = np.array([1, 1, 2, 2])
    t = np.array([-60_000, 60_000, -60_000, 60_000])
    lon = np.array([179.99, -179.99, 0.0, 180.0])
    lat = np.array([0.0, 0.0, 89.99, 89.99])
    p = place_vessels(m, t, lon, lat, np.full(4, np.nan), np.full(4, np.nan), at_ms=0)
    assert abs(abs(p["lon"].iat[0]) - 180.0) < 1e-6
    # Over the pole the great circle passes the pole, not along the parallel.
    assert p["lat"].iat[1] > 89.999


def test_assignment_is_one_to_one_and_length_never_vetoes():
    # Both sightings want vessel 0; the optimum gives it to the first and vessel 1 to the second.
    assert assign(2, 2, np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([0.1, 0.2, 0.9]),
                  unmatched_cost=1.6).tolist() == [0, 1]
    # A lone candidate of the wrong length is still taken.
    s = pd_frame(ids=[1], lon=[130.0], lat=[42.0], length=[300.0])
    pings = pings_frame([(273000001, 0, 130.0005, 42.0, 0.0, 0.0)], length=None)
    r = correlate(s, pings, at=datetime.fromtimestamp(0, timezone.utc), footprint=_box(),
                  identities=_identities({273000001: 30.0}))
    assert r.matches["status"].tolist() == ["matched"]


def test_azimuth_shift_moves_ais_to_where_the_image_shows_the_ship():
    # Sentinel-1 ascending at the equator flies about -12 degrees, descending about 192.
    assert abs(ground_track_heading(0.0, "ascending") + 12.0) < 0.5
    g = SarGeometry(heading_deg=ground_track_heading(42.0, "ascending"), incidence_deg=35.0)
    lon, lat, shift = azimuth_shift([130.0], [42.0], [15.0], [g.heading_deg + 270.0], g)
    # Straight towards a right-looking radar: forward along the track by R/V * v * sin(incidence).
    want = g.range_over_velocity_s * 15 * KN * np.sin(np.radians(35.0))
    assert abs(shift[0] - want) < 1 and abs(distance_m(130.0, 42.0, lon[0], lat[0]) - want) < 1
    # Along the track: no shift.
    assert abs(azimuth_shift([130.0], [42.0], [15.0], [g.heading_deg], g)[2][0]) < 1e-6
    # A detection where the image shows a fast ship across the track is matched only with the correction.
    s = pd_frame(ids=[1], lon=[lon[0]], lat=[lat[0]], length=[np.nan])
    pings = pings_frame([(273000001, -60_000, *at(130.0, 42.0, g.heading_deg + 270, 15, -1), 15.0,
                          g.heading_deg + 270.0),
                         (273000001, 60_000, *at(130.0, 42.0, g.heading_deg + 270, 15, 1), 15.0,
                          g.heading_deg + 270.0)])
    when = datetime.fromtimestamp(0, timezone.utc)
    tight = CorrelationParams(gate_m=200.0, gate_max_m=200.0)
    assert correlate(s, pings, at=when, footprint=_box(), params=tight, geometry=g).matches["status"].iat[0] \
        == "matched"
    assert correlate(s, pings, at=when, footprint=_box(), params=tight).matches["status"].iat[0] == "dark"


def test_sar_geometry_from_stac_properties():
    import shapely

    scene = {"footprint": shapely.box(129, 41, 131, 43),
             "stac": {"properties": {"sat:orbit_state": "descending", "sar:polarizations": ["VV"]}}}
    g = sar_geometry(scene)
    assert g.look == "right" and 180 < g.heading_deg % 360 < 200 and "look side right" in g.assumed
    assert sar_geometry({"footprint": scene["footprint"], "stac": {"properties": {"eo:cloud_cover": 3}}}) is None


def pd_frame(*, ids, lon, lat, length):
    import pandas as pd

    return pd.DataFrame({"id": ids, "lon": lon, "lat": lat, "length_m": length})


def pings_frame(rows, length=None):
    import pandas as pd

    m, t, lon, lat, sog, cog = zip(*rows)
    return pd.DataFrame({"mmsi": m, "time": t, "lon": lon, "lat": lat, "sog": sog, "cog": cog})


def _identities(lengths):
    import pandas as pd

    return pd.DataFrame({"id": range(1, len(lengths) + 1), "mmsi": [str(m) for m in lengths], "name": None,
                         "imo": None, "call_sign": None, "vessel_type": None, "length_m": list(lengths.values()),
                         "valid_from": pd.Timestamp("1970-01-01", tz="UTC")})


def _box():
    import shapely

    return shapely.box(100, 30, 160, 60)


def test_detect_save_ais_correlates_the_detections(ais, tmp_path):
    from shipsight.imagery.synth import make_scene

    ships = [{"row": 120, "col": 150, "length_m": 180, "heading_deg": 30, "db": 13},
             {"row": 330, "col": 380, "length_m": 120, "heading_deg": 100, "db": 13},
             {"row": 400, "col": 120, "length_m": 220, "heading_deg": 160, "db": 13}]
    truth = make_scene(tmp_path / "sea.tif", width=500, height=500, ships=ships, seed=21)
    ais("scenes", "add", tmp_path / "sea.tif", "--acquired", T.isoformat(), "--id", "sea")
    fleet = Fleet()
    # The first two ships broadcast; the third is dark.
    for k, mmsi in ((0, 273222220), (1, 273222231)):
        fleet.add(mmsi, truth["lon"][k], truth["lat"][k], minutes=(-2, 2), name=f"SHIP {k}",
                  length=ships[k]["length_m"])
    ais("ais", "import", fleet.write(tmp_path / "f.csv"))
    assert "add --save" in ais("detect", "--scene", "sea", "--ais", code=2).stderr
    out = ais.json("detect", "--scene", "sea", "--save", "--ais")
    by_status = sorted((s["status"], s["mmsi"]) for s in out["ais"]["sightings"])
    assert by_status == [("dark", None), ("matched", "273222220"), ("matched", "273222231")]
    listed = ais.json("sightings", "list")
    assert sorted(x["mmsi"] for x in listed if x["mmsi"]) == ["273222220", "273222231"]
    text = ais("detect", "--scene", "sea", "--save", "--ais").stdout
    assert "AIS: scene sea: 2 matched, 0 ambiguous, 1 dark" in text
    # Several scenes at once (one Dask task each): each saved scene is correlated, its record says so.
    make_scene(tmp_path / "other.tif", width=300, height=300, ships=ships[:1], seed=5)
    ais("scenes", "add", tmp_path / "other.tif", "--acquired", T.isoformat(), "--id", "other")
    many = ais.json("detect", tmp_path / "sea.tif", tmp_path / "other.tif", "--save", "--ais", "--no-landmask")
    by_scene = {r["scene_id"]: r for r in many}
    assert by_scene["sea"]["ais"]["counts"]["matched"] == 2
    assert by_scene["other"]["ais"]["scene_id"] == "other"


def test_ais_in_flags_evidence_packs_and_the_map_report(ais, tmp_path, ports_file, request):
    write_scene(tmp_path / "rajin.tif", 130.2, 42.3, width=400, height=200)
    ais("scenes", "add", tmp_path / "rajin.tif", "--acquired", T.isoformat(), "--id", "rajin")
    ais("ports", "import", ports_file)
    fleet = Fleet()
    fleet.add(273111110, 130.29, 42.245, cog=0, sog=6, minutes=(-10, -5, 5, 10), name="ALPHA", length=180)
    fleet.add(273111210, 130.33, 42.21, minutes=(-2, 2), name="KILO", length=150)
    ais("ais", "import", fleet.write(tmp_path / "f.csv"))
    sid = _log(ais, 130.29, 42.245, scene="rajin", length=180)
    ais("ais", "correlate", "rajin")
    ais("flag")
    flags = ais.json("flags", "list")
    flag = next(f for f in flags if f["rule"] == "watchlist-port" and f["sighting_id"] == sid)
    shown = ais.json("flags", "show", flag["id"])
    assert shown["ais_status"] == "matched" and shown["ais_mmsi"] == "273111110" and shown["name"] == "ALPHA"
    text = ais("flags", "show", flag["id"]).stdout
    assert "ais_placed" in text and "interpolated from 2024-03-01T09:25:00Z" in text

    ais("evidence", flag["id"], tmp_path / "pack")
    packed = json.loads((tmp_path / "pack" / "ais.json").read_text())
    assert packed[0]["status"] == "matched" and len(packed[0]["evidence"]["vessel"]["pings"]) == 2
    readme = (tmp_path / "pack" / "README.md").read_text()
    assert "## AIS correlation" in readme and "**matched**, MMSI 273111110 ALPHA" in readme
    assert "ais_match" in (tmp_path / "pack" / "audit.csv").read_text()

    out = tmp_path / "r.html"
    ais("report", out)
    page = out.read_text()
    data = json.loads(page.split('id="report-data">')[1].split("</script>")[0])
    assert {(t["mmsi"], t["role"]) for t in data["ais_tracks"]} == {("273111110", "matched"), ("273111210", "ais-only")}
    assert len(next(t for t in data["ais_tracks"] if t["role"] == "matched")["coords"]) == 4
    assert [v["mmsi"] for v in data["ais_only"]] == ["273111210"]
    assert data["sightings"][0]["ais_status"] == "matched"
    browser = request.getfixturevalue("browser")
    browser.open(out.as_uri())
    assert browser.errors() == []
    assert browser.eval("document.querySelectorAll('path.ss-ais-track').length") == 2
    assert browser.eval("document.querySelectorAll('path.ss-ais-only').length") == 1
    browser.eval(f"window.shipsightMarkers[{sid}].openPopup(), true")
    assert "matched · MMSI 273111110" in browser.eval("document.querySelector('.leaflet-popup-content').textContent")


def test_correlate_across_the_antimeridian():
    import shapely

    from shipsight.ais.correlate_scene import search_box

    footprint = shapely.box(179.5, -17, 180, -16.5).union(shapely.box(-180, -17, -179.5, -16.5))
    s = pd_frame(ids=[1, 2], lon=[179.9995, -179.7], lat=[-16.8, -16.6], length=[100.0, 100.0])
    # Vessel 1 sails east across +-180 and is at 179.9995 at the scene time; nothing near sighting 2.
    a, b = at(179.9995, -16.8, 90, 12, -3), at(179.9995, -16.8, 90, 12, 3)
    pings = pings_frame([(273000001, -180_000, *a, 12.0, 90.0), (273000001, 180_000, *b, 12.0, 90.0),
                         (273000002, 0, -179.6, -16.9, 0.0, 0.0)])
    assert b[0] < -179.9 and a[0] > 179.9
    r = correlate(s, pings, at=datetime.fromtimestamp(0, timezone.utc), footprint=footprint)
    assert r.matches["status"].tolist() == ["matched", "dark"] and r.matches["distance_m"].iat[0] < 5
    lo, _, hi, _ = search_box(footprint, 10_000)
    assert lo > 179 and hi < -179  # one box across the antimeridian, not the whole globe


def test_sar_geometry_from_a_real_sentinel1_annotation():
    from tests.conftest import shared

    safe = next(shared("imagery/sentinel1_safe").glob("S1B_IW_GRDH_*.SAFE"))
    g = sar_geometry({"product": {"format": "sentinel-1-grd"}, "path": str(safe), "stac": None})
    # ESA's annotation: platformHeading -165.65 (descending), incidence 30.7-46.0 over the swath.
    assert abs(g.heading_deg + 165.651) < 1e-3 and 35 < g.incidence_deg < 42 and g.assumed == ()
    # The orbit model used when only the pass is known agrees with the annotation within 3 degrees.
    from shipsight.imagery.products.sentinel1 import parse_annotation

    ann = parse_annotation(next(safe.glob("annotation/*.xml")).read_bytes())
    model = ground_track_heading(float(ann["grid"][:, 3].mean()), "descending")
    assert abs((model - g.heading_deg + 180) % 360 - 180) < 3
    # A product not on this machine: no geometry from it, none invented.
    assert sar_geometry({"product": {"format": "sentinel-1-grd"}, "path": "/nowhere/S1A.SAFE", "stac": None}) is None


def test_copy_carries_the_correlation_and_a_recopy_follows_a_rerun(db, tmp_path):
    from tests.conftest import Cli

    source = str(tmp_path / "home.db")
    home = Cli(source)
    write_scene(tmp_path / "s.tif", 130.0, 42.3)
    home("scenes", "add", tmp_path / "s.tif", "--acquired", T.isoformat(), "--id", "harbour")
    fleet = Fleet()
    fleet.add(273111110, 130.10, 42.10, minutes=(-2, 2), name="ALPHA", length=100)
    home("ais", "import", fleet.write(tmp_path / "a.csv"))
    sid = json.loads(home("log", "--lon", 130.10, "--lat", 42.10, "--time", T.isoformat(), "--scene", "harbour",
                          "--json").stdout)["id"]
    dark = json.loads(home("log", "--lon", 130.3, "--lat", 42.2, "--time", T.isoformat(), "--scene", "harbour",
                           "--json").stdout)["id"]
    home("ais", "correlate", "harbour")
    Cli(db)("copy", "--from", source, "--to", db)
    team = Cli(db)
    shown = json.loads(team("sightings", "show", sid, "--json").stdout)
    assert (shown["ais_status"], shown["ais_mmsi"], shown["name"]) == ("matched", "273111110", "ALPHA")
    assert json.loads(team("sightings", "show", dark, "--json").stdout)["ais_status"] == "dark"
    # Late AIS at home turns the dark one matched; copying again carries the change.
    late = Fleet()
    late.add(273111121, 130.3, 42.2, minutes=(-1, 1), name="BRAVO", length=100)
    home("ais", "import", late.write(tmp_path / "b.csv"))
    home("ais", "correlate", "harbour")
    Cli(db)("copy", "--from", source, "--to", db)
    assert json.loads(team("sightings", "show", dark, "--json").stdout)["ais_status"] == "matched"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(lon=st.floats(-180, 180), lat=st.floats(-85, 85), cog=st.floats(0, 360), sog=st.floats(0.5, 25),
       before=st.floats(0.5, 60), after=st.floats(0.5, 60), single=st.floats(-30, 30))
def test_placement_follows_a_steady_ship_anywhere(lon, lat, cog, sog, before, after, single):
    """A ship on a steady geodesic course is placed where it is: interpolated within 25 m, reckoned within 1 m,
    across the antimeridian and near the poles alike."""
    truth = (lon, lat)
    b, a = at(*truth, cog, sog, -before), at(*truth, cog, sog, after)
    # Course at each ping (a geodesic's azimuth changes along it): as a ship's COG would report it.
    az_b = GEOD.inv(*b, *truth)[0] if before * sog > 0 else cog
    p = place_vessels([1, 1], [int(-before * 60_000), int(after * 60_000)], [b[0], a[0]], [b[1], a[1]],
                      [sog, sog], [az_b, cog], at_ms=0)
    assert p["method"].iat[0] == "interpolated"
    assert distance_m(p["lon"].iat[0], p["lat"].iat[0], *truth) < 25
    # One ping only, within 30 minutes: dead reckoning from it, forwards or backwards.
    x, y = at(*truth, cog, sog, single)
    # The course at the ping: towards the truth from a ping before, away from it at a ping after.
    course = (GEOD.inv(x, y, *truth)[0] + (180.0 if single > 0 else 0.0)) % 360
    q = place_vessels([1], [int(single * 60_000)], [x], [y], [sog], [course], at_ms=0)
    assert q["method"].iat[0] == "reckoned"
    assert distance_m(q["lon"].iat[0], q["lat"].iat[0], *truth) < 1.0


def test_time_assumed_positions_are_left_out_of_correlation_and_said(ais, tmp_path):
    from pyais import encode_dict

    # NMEA with no time of its own, imported at the scene's time with --received-at: the ship lies
    # exactly under the sighting, yet its time is the file's, not the report's.
    write_scene(tmp_path / "harbour.tif", 130.0, 42.3)
    ais("scenes", "add", tmp_path / "harbour.tif", "--acquired", T.isoformat(), "--id", "harbour")
    lines = encode_dict({"type": 1, "mmsi": 273111110, "lon": 130.10, "lat": 42.10, "speed": 0.0})
    (tmp_path / "feed.nmea").write_text("\n".join(lines) + "\n")
    ais("ais", "import", tmp_path / "feed.nmea", "--received-at", T.isoformat())
    sid = _log(ais, 130.10, 42.10)
    result = ais("ais", "correlate", "harbour", "--json")
    run = json.loads(result.stdout)[0]
    assert run["time_assumed_left_out"] == 1 and run["positions"] == 0
    assert {s["sighting_id"]: s["status"] for s in run["sightings"]}[sid] == "no-coverage"
    assert "1 AIS positions in the window left out" in result.stderr and "--received-at" in result.stderr
    assert ais.json("sightings", "show", sid).get("mmsi") in (None, "")
