"""The sightings' spatial index answers box queries exactly, and old stores upgrade to it."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

from shipsight.errors import InputError
from shipsight.model.sightings import validate_sightings
from shipsight.store import SCHEMA_VERSION, SightingQuery, open_store
from shipsight.store.sqlite_schema import MIGRATIONS


def _random_sightings(n, seed=1):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180, 180, n)
    lat = rng.uniform(-90, 90, n)
    # Points on band edges, the poles and the antimeridian, where an off-by-one would show.
    edges = np.array([[0.0, 0.0], [12.3, -0.1], [12.3, 0.1], [-45.0, 42.0], [179.99, -16.5], [-180.0, -16.5],
                      [180.0, 90.0], [-180.0, -90.0], [130.0, 41.9999999]])
    lon[: len(edges)], lat[: len(edges)] = edges[:, 0], edges[:, 1]
    raw = pd.DataFrame({"time": "2024-01-05T03:00:00Z", "lon": lon, "lat": lat})
    clean, problems = validate_sightings(raw, analyst="kim")
    assert not problems
    return clean


@pytest.mark.parametrize("box", [
    (129.0, 41.9, 131.5, 42.0),      # bottom edge on a band edge
    (-20.0, -0.1, 20.0, 0.1),        # across the equator
    (170.0, -30.0, -170.0, 10.0),    # across the antimeridian
    (-180.0, -90.0, 180.0, 90.0),    # the world
    (179.99, -16.5, 179.99, -16.5),  # a single point
    (-60.0, 80.0, 60.0, 90.0),       # up to the pole
])
def test_box_query_matches_brute_force(db, box):
    frame = _random_sightings(3000)
    with open_store(db) as store:
        store.add_sightings(frame, analyst="kim")
        got = set(store.sightings(SightingQuery(bbox=box))["id"].astype(int))
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    minx, miny, maxx, maxy = box
    in_lon = (lon >= minx) & (lon <= maxx) if minx <= maxx else (lon >= minx) | (lon <= maxx)
    want = set((np.flatnonzero(in_lon & (lat >= miny) & (lat <= maxy)) + 1).tolist())
    assert got == want and (want or box[0] == box[2])


def test_box_query_seeks_the_band_index(tmp_path):
    with open_store(tmp_path / "log.db") as store:
        where, params = store._where(SightingQuery(bbox=(129.0, 42.0, 131.0, 42.5)))
        plan = " ".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN SELECT s.id FROM sightings s" + where, params))
    assert "USING INDEX sightings_band" in plan


def test_version_1_sqlite_store_upgrades_and_keeps_its_sightings(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("INSERT INTO sightings (id, time, lon, lat, geom, confidence, analyst, created_at)"
                 " VALUES (7, '2024-01-05T03:00:00Z', 130.3, 42.24, X'00', 'probable', 'kim', '2024-01-05T03:00:00Z')")
    conn.execute("INSERT INTO sightings_rtree VALUES (7, 130.3, 130.3, 42.24, 42.24)")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="schema version 1; run 'shipsight init'"):
        open_store(path, create=False)
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.sightings(SightingQuery(bbox=(130, 42, 131, 43)))["id"].tolist() == [7]
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert "sightings_rtree" not in tables and "sightings_band" in tables


def test_version_1_postgis_store_upgrades(empty_pg_url):
    import psycopg

    from shipsight.store.postgis_schema import MIGRATIONS as PG_MIGRATIONS

    with psycopg.connect(empty_pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for statement in PG_MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1)")
    with open_store(empty_pg_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
    with psycopg.connect(empty_pg_url) as conn:
        partial = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'sightings_imo'").fetchone()[0]
    assert "WHERE (imo IS NOT NULL)" in partial


def test_id_lists_longer_than_sqlites_variable_limit(db):
    # A flag run over 300,000 sightings asks for their correlations by id: past SQLite's 32,766 variables.
    with open_store(db) as store:
        assert store.ais_matches(sighting_ids=range(100_000)).empty
        assert store.ais_matches(sighting_ids=np.arange(3)).empty and store.ais_matches(sighting_ids=[]).empty
        assert store.structures(ids=range(40_000)).empty
