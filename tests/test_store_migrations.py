"""A store made by an older shipsight upgrades in place: the migration that gives ports their
country, UN/LOCODE, WPI number and alternate name (whatever its number after others' migrations)."""

import re
import sqlite3

import shapely

from shipsight.store import SCHEMA_VERSION, open_store
from shipsight.store.sqlite_schema import MIGRATIONS, PORT_IDENTITY_COLUMNS

#: The schema version just before the port identity columns.
BEFORE = next(k for k, migration in enumerate(MIGRATIONS) if migration == PORT_IDENTITY_COLUMNS)


def test_older_store_gains_port_identity_columns(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in [s for migration in MIGRATIONS[:BEFORE] for s in migration]:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (BEFORE,))
    conn.execute("INSERT INTO ports (id, name, kind, watchlist, area_m2, geom, created_at) VALUES "
                 "(1, 'Rajin', 'port', 1, 1.0, ?, '2024-01-01T00:00:00.000000Z')",
                 (shapely.to_wkb(shapely.box(130.28, 42.23, 130.32, 42.26)),))
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        port = store.ports().iloc[0]
        assert port["name"] == "Rajin" and port["country"] is None and port["locode"] is None


def test_older_postgis_store_upgrades(pg_url):
    import psycopg

    with open_store(pg_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
    # Back to the schema before the port identity columns, as an older shipsight left it: the
    # columns and indexes that migration and any later one added go again.
    from shipsight.store.postgis_schema import MIGRATIONS as PG_MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in reversed([s for migration in PG_MIGRATIONS[BEFORE:] for s in migration]):
            added = re.match(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", statement)
            index = re.match(r"CREATE INDEX (\w+)", statement)
            table = re.match(r"\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)", statement)
            constraint = re.match(r"ALTER TABLE (\w+) ADD CONSTRAINT (\w+)", statement)
            optional = re.match(r"ALTER TABLE (\w+) ALTER COLUMN (\w+) DROP NOT NULL", statement)
            if added:
                conn.execute(f"ALTER TABLE {added.group(1)} DROP COLUMN {added.group(2)}")
            elif index:
                conn.execute(f"DROP INDEX {index.group(1)}")
            elif table:
                conn.execute(f"DROP TABLE {table.group(1)} CASCADE")
            elif constraint:
                conn.execute(f"ALTER TABLE {constraint.group(1)} DROP CONSTRAINT {constraint.group(2)}")
            elif optional:
                conn.execute(f"ALTER TABLE {optional.group(1)} ALTER COLUMN {optional.group(2)} SET NOT NULL")
        conn.execute("UPDATE schema_version SET version = %s", (BEFORE,))
    with open_store(pg_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert {"country", "locode", "wpi_number", "alternate_name"} <= set(store.ports().columns)


def test_sqlite_flags_keep_their_rows_when_sighting_id_becomes_optional(tmp_path):
    # The AIS behaviour migration rebuilds SQLite's flags table (a NOT NULL cannot be dropped):
    # a flag from before keeps its id, evidence, the screening columns and its last AIS ping.
    from shipsight.store.sqlite_schema import MIGRATIONS as SQLITE

    rebuild = next(k for k, migration in enumerate(SQLITE) if any("CREATE TABLE flags_v8" in s for s in migration))
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in [s for migration in SQLITE[:rebuild] for s in migration]:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (rebuild,))
    conn.execute("INSERT INTO sightings (id, time, lon, lat, confidence, analyst, geom, created_at, status)"
                 " VALUES (1, '2024-01-01T00:00:00.000000Z', 130.3, 42.2, 'possible', 'kim', x'00',"
                 " '2024-01-01T00:00:00.000000Z', 'active')")
    conn.execute("INSERT INTO flags (id, key, rule, severity, sighting_id, matched_on, score, matched_value,"
                 " last_ping, created_at, updated_at) VALUES (7, 'k', 'sanctioned-vessel', 1.0, 1, 'imo', 100,"
                 " '9179842', '{}', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z')")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        row = store.conn.execute("SELECT id, key, sighting_id, matched_value, last_ping, mmsi FROM flags").fetchall()
        assert row == [(7, "k", 1, "9179842", "{}", None)]
