"""``shipsight infra``: the structures layer (import, learn, review) and its use by ``detect``, on both back ends."""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from shipsight.errors import InputError, RowErrors
from shipsight.imagery.synth import make_scene
from shipsight.imagery.synth_harbour import make_harbour_series
from shipsight.infra.read import osm_kind, read_structures
from shipsight.model.vocab import STRUCTURE_KINDS

SHIP = {"row": 250, "col": 250, "length_m": 150, "heading_deg": 40, "db": 14}


def _feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _write(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture
def osm(tmp_path):
    """An Overpass-style extract: OSM tags as properties."""
    return _write(tmp_path / "osm.geojson", [
        _feature({"man_made": "breakwater", "name": "Long Beach Breakwater", "@id": "way/1"},
                 {"type": "LineString", "coordinates": [[-118.19, 33.723], [-118.14, 33.723]]}),
        _feature({"man_made": "offshore_platform", "name": "Esther"},
                 {"type": "Point", "coordinates": [-118.07, 33.68]}),
        _feature({"power": "generator", "generator:source": "wind"},
                 {"type": "Point", "coordinates": [1.5, 51.6]}),
        _feature({"man_made": "pier", "name": "Pier 400"},
                 {"type": "Polygon", "coordinates": [[[-118.25, 33.73], [-118.24, 33.73], [-118.24, 33.74],
                                                      [-118.25, 33.74], [-118.25, 33.73]]]}),
        _feature({"seamark:type": "buoy_lateral", "seamark:name": "LB 3"},
                 {"type": "Point", "coordinates": [-118.2, 33.70]}),
    ])


@pytest.fixture(scope="module")
def sea(tmp_path_factory):
    """500 x 500 px at 10 m in the open Sea of Japan with one ship at (250, 250)."""
    path = tmp_path_factory.mktemp("infra_sea") / "sea.tif"
    truth = make_scene(path, width=500, height=500, ships=[SHIP], seed=5)
    return path, truth


def test_import_osm_extract_kinds_radii_and_audit(run, osm):
    out = run("infra", "import", osm).stdout
    assert "imported 5 structures" in out and "1 breakwater" in out
    rows = run.json("infra", "list")
    assert [r["kind"] for r in rows] == ["breakwater", "platform", "wind turbine", "pier", "buoy"]
    assert [r["name"] for r in rows] == ["Long Beach Breakwater", "Esther", None, "Pier 400", "LB 3"]
    assert {r["status"] for r in rows} == {"accepted"}
    assert all(r["radius_sar_m"] == 200 and r["radius_optical_m"] == 50 for r in rows)
    assert rows[0]["wkt"].startswith("LINESTRING") and rows[3]["wkt"].startswith("POLYGON")
    history = [h for h in run.json("history") if h.get("entity") == "structure"]
    assert len(history) == 5 and all(h["action"] == "insert" for h in history)
    assert "imported from" in history[0]["reason"]
    geo = json.loads(run("infra", "list", "--geojson").stdout)
    assert len(geo["features"]) == 5
    # The same file again doubles nothing, and a rejected structure stays rejected.
    run("infra", "reject", "2", "--reason", "decommissioned")
    again = run("infra", "import", osm).stdout
    assert "imported 0 structures" in again and "5 already in the layer, not added again" in again
    assert [(r["id"], r["status"]) for r in run.json("infra", "list")][:2] == [(1, "accepted"), (2, "rejected")]
    assert len(run.json("infra", "list")) == 5
    assert "no structure 999" in run("history", "structure:999", code=2).stderr


def test_import_options_override_radius_and_kind(run, tmp_path):
    path = _write(tmp_path / "mine.geojson", [
        _feature({"label": "A"}, {"type": "Point", "coordinates": [130.3, 42.2]}),
        _feature({"label": "B", "radius_sar_m": 500}, {"type": "Point", "coordinates": [130.4, 42.2]})])
    run("infra", "import", path, "--name-field", "label", "--kind", "platform", "--radius-optical-m", "80")
    rows = run.json("infra", "list")
    assert [(r["name"], r["kind"], r["radius_sar_m"], r["radius_optical_m"]) for r in rows] == [
        ("A", "platform", 200, 80), ("B", "platform", 500, 80)]


def test_bad_files_one_line_exit_2_nothing_written(run, tmp_path):
    bad = _write(tmp_path / "bad.geojson", [
        _feature({"kind": "lighthouse-ish"}, {"type": "Point", "coordinates": [130.3, 42.2]}),
        _feature({"kind": "buoy"}, None),
        _feature({"kind": "buoy"}, {"type": "Point", "coordinates": [130.31, 42.2]})])
    res = run("infra", "import", bad, code=2)
    assert "2 bad values; nothing was written" in res.stderr
    assert "row 1, field kind" in res.stderr and "row 2, field geometry" in res.stderr
    assert run.json("infra", "list") == []
    res = run("infra", "import", bad, "--on-invalid", "skip")
    assert "imported 1 structure" in res.stdout and res.stderr.count("skipped") == 2
    for args, words in ((("infra", "import", tmp_path / "missing.geojson"), "no such file"),
                        (("infra", "import", tmp_path / "x.csv"), "no such file"),
                        (("infra", "import", bad, "--name-field", "nom"), "has no field 'nom'")):
        lines = run(*args, code=2).stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0]
    csv = tmp_path / "points.csv"
    csv.write_text("lon,lat\n130,42\n")
    assert "ogr2ogr" in run("infra", "import", csv, code=2).stderr


def test_detect_suppresses_near_structures_keeps_them_with_reason(run, sea, tmp_path):
    path, truth = sea
    lon, lat = float(truth.lon.iloc[0]), float(truth.lat.iloc[0])
    # A platform 120 m east of the ship: inside the 200 m SAR radius.
    east = lon + 120.0 / (111_320.0 * np.cos(np.radians(lat)))
    layer = _write(tmp_path / "platform.geojson", [
        _feature({"name": "Alpha", "kind": "platform"}, {"type": "Point", "coordinates": [east, lat]})])
    run("infra", "import", layer)
    out = run.json("detect", path, "--no-landmask")
    assert out["ships"] == 0 and out["suppressed"] == {"structure": 1} and out["structures_used"] == 1
    assert out["detections"] == []
    shown = run.json("detect", path, "--no-landmask", "--show-suppressed")["detections"]
    assert len(shown) == 1 and shown[0]["suppressed"] == "structure"
    assert "structure 1 (Alpha, platform)" in shown[0]["suppressed_reason"]
    assert 100 < float(shown[0]["suppressed_reason"].split()[1]) < 140  # "within N m of ..."
    text = run("detect", path, "--no-landmask").stdout
    assert "suppressed 1 (not ships): 1 structure; --show-suppressed lists them" in text
    # Several scenes: counted per scene, listed and written with --show-suppressed, never dropped silently.
    import shutil

    other = shutil.copy(path, tmp_path / "other.tif")
    many = run.json("detect", path, other, "--no-landmask")
    assert [(m["ships"], m["suppressed"], m["structures_used"]) for m in many] == [(0, {"structure": 1}, 1)] * 2
    text = run("detect", path, other, "--no-landmask", "--show-suppressed", "--out", tmp_path / "many.geojson").stdout
    assert text.count("suppressed 1 (not ships): 1 structure") == 2 and "structure 1 (Alpha, platform)" in text
    written = gpd.read_file(tmp_path / "many.geojson")
    assert list(written["suppressed"]) == ["structure", "structure"]
    # Saved candidates never include suppressed ones.
    run("scenes", "add", path, "--acquired", "2024-03-01T09:30:00Z", "--id", "sea")
    assert run.json("detect", "--scene", "sea", "--save", "--no-landmask")["saved_ids"] == []
    assert run.json("detect", path, "--no-landmask", "--infra-radius-m", "50")["ships"] == 1
    assert run.json("detect", path, "--no-landmask", "--no-infra")["ships"] == 1
    run("infra", "reject", "1", "--reason", "moved away")
    assert run.json("detect", path, "--no-landmask")["ships"] == 1


def test_learn_accept_reject_workflow(run, tmp_path):
    series = make_harbour_series(tmp_path, days=3, width=800, height=800, n_anchored=4, n_berthed=0, seed=4)
    truth = series[0][2]
    platforms = truth.attrs["structures"]
    platforms = platforms[platforms.kind.isin(["platform", "wind turbine"])]
    for path, acquired, _ in series:
        run("scenes", "add", path, "--acquired", acquired.isoformat(), "--id", path.stem)
    ids = [p.stem for p, _, _ in series]
    res = run.json("infra", "learn", *ids, "--no-landmask")
    assert res["scenes"] == 3 and len(res["candidates"]) >= 3 and res["already_known"] == 0
    cands = gpd.GeoDataFrame.from_features(json.loads(run("infra", "list", "--status", "candidate", "--geojson").stdout))
    assert set(cands["status"]) == {"candidate"}
    # Every platform and the turbine (the same on each day) is among the candidates, within 50 m.
    aeqd = f"+proj=aeqd +lat_0={platforms.centroid.y.mean()} +lon_0={platforms.centroid.x.mean()} +units=m"
    cand = cands.set_crs("EPSG:4326").to_crs(aeqd).geometry
    for geom in platforms.to_crs(aeqd).geometry:
        assert cand.distance(geom.centroid).min() < 50
    evidence = json.loads(cands["evidence"].iloc[0])
    assert len(evidence["days"]) == 3 and evidence["spread_m"] <= evidence["tolerance_m"]
    # Learning again finds the same places: nothing new.
    again = run.json("infra", "learn", *ids, "--no-landmask")
    assert again["candidates"] == [] and again["already_known"] == len(res["candidates"])
    # Candidates suppress nothing until accepted.
    before = run.json("detect", "--scene", ids[0], "--no-landmask")
    first = res["candidates"][0]
    run("infra", "accept", *res["candidates"], "--reason", "platforms")
    after = run.json("detect", "--scene", ids[0], "--no-landmask")
    assert after["suppressed"].get("structure", 0) >= 3 and after["ships"] < before["ships"]
    assert "rejected 1 structure" in run("infra", "reject", first, "--reason", "a ship").stdout
    assert "0 structures; 1 already rejected" in run("infra", "reject", first, "--reason", "again").stdout
    history = run.json("history", f"structure:{first}")
    assert [h["action"] for h in history] == ["insert", "review", "review"]
    assert history[1]["new"] == {"status": "accepted"} and history[1]["reason"] == "platforms"
    assert history[2]["reason"] == "a ship"
    assert "reason" in run("infra", "reject", first, code=2).stderr
    assert "no structure 999" in run("infra", "accept", "999", code=2).stderr


def test_learn_needs_scenes_on_enough_days(run, tmp_path):
    series = make_harbour_series(tmp_path, days=2, width=700, height=700, n_anchored=2, n_berthed=0)
    files = [p for p, _, _ in series]
    err = run("infra", "learn", *files, "--no-landmask", code=2).stderr
    assert "at least 3 different days" in err
    assert "neither a registered scene nor an image file" in run("infra", "learn", "nope", code=2).stderr


def test_learn_reads_acquisition_time_from_tags_of_unregistered_files(db, tmp_path):
    from shipsight.infra.layer import learn_candidates
    from shipsight.store import open_store

    series = make_harbour_series(tmp_path, days=3, width=700, height=700, n_anchored=2, n_berthed=0, seed=6)
    with open_store(db) as store:
        result = learn_candidates(store, [str(p) for p, _, _ in series], analyst="kim",
                                  detect_options={"use_landmask": False})
        assert result.scenes == 3 and len(result.new_ids) >= 3
        assert set(store.structures()["source"]) == {"learned from 3 scenes"}


def test_structures_across_the_antimeridian(db, tmp_path):
    from shipsight.infra.layer import import_structures
    from shipsight.store import open_store

    path = _write(tmp_path / "dateline.geojson", [
        _feature({"kind": "breakwater"}, {"type": "LineString", "coordinates": [[179.99, -16.5], [180.01, -16.5]]}),
        _feature({"kind": "buoy"}, {"type": "Point", "coordinates": [10.0, 50.0]})])
    with open_store(db) as store:
        ids, frame = import_structures(store, path, analyst="kim")
        line = store.structures(ids=[ids[0]]).geometry.iloc[0]
        assert line.geom_type == "MultiLineString" and line.bounds[0] == -180.0 and line.bounds[2] == 180.0
        # A box across the antimeridian finds it, and not the buoy.
        assert store.structures(bbox=(179.9, -17.0, -179.9, -16.0))["id"].tolist() == [ids[0]]
        assert store.structures(bbox=(9.0, 49.0, 11.0, 51.0))["id"].tolist() == [ids[1]]


def test_structures_are_never_deleted(db, tmp_path, osm):
    from shipsight.errors import ShipsightError
    from shipsight.infra.layer import import_structures
    from shipsight.store import open_store

    with open_store(db) as store:
        import_structures(store, osm, analyst="kim")
        with pytest.raises(Exception, match="never deleted"):
            with store.transaction():
                store.conn.execute("DELETE FROM structures WHERE id = 1")
        assert len(store.structures()) == 5
    assert issubclass(InputError, ShipsightError)


def test_copy_carries_structures_and_their_reviews(tmp_path, osm):
    from shipsight.copy import copy_log
    from shipsight.infra.layer import import_structures
    from shipsight.store import open_store

    with open_store(tmp_path / "a.db") as a, open_store(tmp_path / "b.db") as b:
        import_structures(a, osm, analyst="kim")
        assert copy_log(a, b).added["structures"] == 5
        a.set_structure_status([2], "rejected", analyst="kim", reason="dismantled")
        assert copy_log(a, b).updated["structures"] == 1
        assert b.structures(status="rejected")["id"].tolist() == [2]
        # The R*Tree index came along: a box query on the copy finds the breakwater.
        assert b.structures(bbox=(-118.2, 33.72, -118.13, 33.73))["id"].tolist() == [1]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["man_made", "seamark:type", "power", "generator:source", "place", "name"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=20))))
def test_osm_kind_is_a_known_kind_or_none(tags):
    assert osm_kind(tags) in STRUCTURE_KINDS + (None,)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-179.9, 179.9), st.floats(-89.9, 89.9)), min_size=2, max_size=6))
def test_read_structures_keeps_any_line_in_lon_lat(tmp_path_factory, coords):
    path = tmp_path_factory.mktemp("h") / "l.geojson"
    _write(path, [_feature({"man_made": "pier"}, {"type": "LineString", "coordinates": [list(c) for c in coords]})])
    try:
        frame = read_structures(path)
    except RowErrors as exc:  # a degenerate line (all points equal) is refused, never crashes
        assert exc.problems[0][1] == "geometry"
        return
    assert frame["kind"].tolist() == ["pier"]
    assert shapely.equals_exact(frame.geometry.iloc[0], shapely.LineString(coords), tolerance=1e-9) or \
        frame.geometry.iloc[0].length > 0
