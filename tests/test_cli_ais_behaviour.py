"""``shipsight ais behaviour`` and many-scene ``detect`` through the CLI, on SQLite and PostGIS:
flags of an MMSI over a span listed, shown, reviewed, exported and packed; AIS port calls beside
imagery calls; partitions on a LocalCluster of two workers write what one process writes."""

import json
import re
import socket

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from shipsight.ais import open_archive, positions_table
from shipsight.imagery.synth import make_scene
from tests.test_ais_behaviour import OCEAN, gap_track, moving, pair, track


@pytest.fixture
def behaviour(run, tmp_path):
    """An archive with a gap, an encounter across midnight and a port call; the watch-listed port."""
    folder = tmp_path / "team.ais"
    port = shapely.box(OCEAN[0] - 0.05, OCEAN[1] - 0.05, OCEAN[0] + 0.05, OCEAN[1] + 0.05)
    ports = tmp_path / "ports.geojson"
    gpd.GeoDataFrame({"name": ["Testport"], "watchlist": [True], "reason": ["test"]}, geometry=[port],
                     crs="EPSG:4326").to_file(ports)
    run("ports", "import", ports)
    rows = pd.concat([gap_track(273000001, 13.0, lon=-150.0, lat=20.0),
                      *pair(538000001, 538000002, 23 * 60, 26 * 60, apart_m=300, lon=-130.0, lat=0.0),
                      moving(311000001, 0, 60, 10, OCEAN[0] - 0.2, OCEAN[1], 10),
                      track(311000001, range(70, 150, 5), OCEAN[0], OCEAN[1], 0.2)])
    rows = rows.sort_values(["mmsi", "time"], kind="stable")
    with open_archive(folder, create=True).writer("test") as w:
        w.write(positions_table(mmsi=rows["mmsi"].to_numpy(), time=rows["time"].to_numpy(), lon=rows["lon"].to_numpy(),
                                lat=rows["lat"].to_numpy(), sog=rows["sog"].to_numpy()))

    def call(*args, code=0):
        return run("--ais", folder, *args, code=code)

    call.run = run
    return call


def test_behaviour_flags_through_every_command(behaviour, tmp_path):
    out = json.loads(behaviour("ais", "behaviour", "--json").stdout)
    assert out["found"]["ais-gap"] == 1 and out["found"]["ais-encounter"] == 1 and out["port_calls"] == 1
    assert out["changes"]["new"] == sum(out["found"].values())
    again = json.loads(behaviour("ais", "behaviour", "--json").stdout)
    assert again["changes"]["new"] == 0 and again["changes"]["unchanged"] == out["changes"]["new"]

    run = behaviour.run
    flags = run.json("flags", "list")
    by_rule = {f["rule"]: f for f in flags}
    gap = by_rule["ais-gap"]
    assert gap["sighting_id"] is None and gap["mmsi"] == "273000001"
    assert gap["time"] < gap["end_time"] and gap["explanation"].startswith("MMSI 273000001 sent no AIS for 13.0 h")
    assert re.search(r"went silent (over )?[\d.]+ nm and came back (over )?[\d.]+ nm from shore", gap["explanation"])
    enc = by_rule["ais-encounter"]
    assert (enc["mmsi"], enc["related_mmsi"]) == ("538000001", "538000002")
    assert json.loads(enc["evidence"])["hours"] >= 2
    shown = run.json("flags", "show", gap["id"])
    assert shown["explanation"] == gap["explanation"]
    run("flags", "review", gap["id"], "--status", "dismissed", "--note", "coverage hole")
    # A rerun keeps the analyst's decision.
    behaviour("ais", "behaviour")
    assert run.json("flags", "show", gap["id"])["status"] == "dismissed"
    assert [f["rule"] for f in run.json("flags", "list", "--rule", "ais-gap")] == ["ais-gap"]

    geo = tmp_path / "flags.geojson"
    run("export", "--layer", "flags", geo)
    features = json.loads(geo.read_text())["features"]
    gap_feature = next(f for f in features if f["properties"]["rule"] == "ais-gap")
    assert gap_feature["geometry"]["coordinates"][1] == pytest.approx(20.0)
    pack = tmp_path / "gap"
    run("evidence", gap["id"], pack)
    assert "sent no AIS" in (pack / "README.md").read_text()
    run("report", tmp_path / "r.html")

    calls = run.json("port-calls")
    assert [(c["vessel"], c["source"], c["port"]) for c in calls] == [("MMSI 311000001", "ais", "Testport")]


@pytest.fixture
def dashboard_port_taken():
    """Port 8787, Dask's default dashboard port, held as another cluster on the host would hold it."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", 8787))
            sock.listen()
        except OSError:
            pass  # already taken by something else: as good
        yield


def test_behaviour_on_a_local_cluster_writes_what_one_process_writes(behaviour, dashboard_port_taken):
    run = behaviour.run
    res = behaviour("ais", "behaviour", "--workers", "2")
    # Only shipsight's own lines: no Dask port or unclosed-socket warnings.
    assert res.stderr == "", res.stderr
    on_cluster = [(f["rule"], f["mmsi"], f["time"], f["end_time"], f["evidence"]) for f in run.json("flags", "list")]
    assert len(on_cluster) >= 3
    out = json.loads(behaviour("ais", "behaviour", "--json").stdout)
    assert out["changes"]["new"] == 0 and out["changes"]["updated"] == 0 and out["changes"]["withdrawn"] == 0
    assert [(f["rule"], f["mmsi"], f["time"], f["end_time"], f["evidence"])
            for f in run.json("flags", "list")] == on_cluster


def test_behaviour_refusals(behaviour):
    res = behaviour("ais", "behaviour", "--gap-hours", "-1", code=2)
    assert "--gap-hours" in res.stderr and "Traceback" not in res.stderr
    res = behaviour("ais", "behaviour", "--scheduler", "nowhere", code=2)
    assert "tcp://HOST:8786" in res.stderr


def test_detect_many_scenes_once_each(run, tmp_path):
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    make_scene(a, width=300, height=300, n_ships=2, ship_db=14, seed=3)
    make_scene(b, width=300, height=300, n_ships=3, ship_db=14, seed=4, origin=(330_000.0, 4_170_000.0))
    run("scenes", "add", a, "--acquired", "2024-03-01T09:30:00Z", "--id", "a")
    run("scenes", "add", b, "--acquired", "2024-03-02T09:30:00Z", "--id", "b")
    first = run.json("detect", a, b, "--save", "--no-landmask", "--workers", "2")
    assert [(r["scene_id"], r["detections"], len(r["saved_ids"])) for r in first] == [("a", 2, 2), ("b", 3, 3)]
    again = run.json("detect", "--unsearched", "--save", "--no-landmask")
    assert again == []
    assert run.json("detect", a, b, "--save", "--no-landmask")[1]["already_saved"] == 3
    assert len(run.json("sightings", "list")) == 5
    c = tmp_path / "c.tif"
    make_scene(c, width=200, height=200, n_ships=1, ship_db=14, seed=5)
    run("scenes", "add", c, "--acquired", "2024-03-03T09:30:00Z", "--id", "c")
    only_c = run.json("detect", "--unsearched", "--save", "--no-landmask")
    assert [(r["scene_id"], len(r["saved_ids"])) for r in only_c] == [("c", 1)]


def test_copy_carries_behaviour_flags(behaviour, db, tmp_path):
    from tests.conftest import Cli

    behaviour("ais", "behaviour")
    home = behaviour.run
    source = str(tmp_path / "home-copy.db")
    # The flags go from this store (SQLite, or PostGIS) to a new SQLite file.
    Cli(db)("copy", "--from", db, "--to", source)
    theirs = Cli(source).json("flags", "list")
    ours = home.json("flags", "list")
    keys = ["id", "rule", "mmsi", "related_mmsi", "time", "end_time", "evidence", "explanation"]
    assert [{k: f[k] for k in keys} for f in theirs] == [{k: f[k] for k in keys} for f in ours]
    assert any(f["rule"] == "ais-gap" for f in theirs)
