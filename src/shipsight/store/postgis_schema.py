"""The PostgreSQL + PostGIS schema, as numbered migrations matching the SQLite ones.

Version N here is the same schema as ``sqlite_schema.MIGRATIONS[N - 1]``:
the same tables and the same column names, so that a log moves between the
back ends row for row (:mod:`shipsight.copy`). Only the types differ where
PostgreSQL has a better one: geometry is ``geometry(..., 4326)`` with a GiST
index on it and another on its ``geography`` (distances in metres on the
spheroid), times are ``timestamptz``. Flags that SQLite keeps as 0/1 stay
integers, so frames come out the same from both back ends.

The flag rules' spatial-temporal joins are hash joins on grid cells of
latitude band, longitude cell and time bucket (version 2;
``shipsight_band_cells``); version 1 had an n-D GiST index on each sighting
as a 4-D point instead.

The audit log is append-only and sightings are never deleted: triggers refuse
(UPDATE/DELETE/TRUNCATE on the audit log; DELETE/TRUNCATE on sightings).
"""

from shipsight.store.sqlite_schema import IMPORT_RANGES, PORT_IDENTITY_COLUMNS, SKIP_NULL_INDEXES, screening_migration

#: Version 1's 4-D index: unit-sphere length per second of time; one hour spans about 1e-5,
#: the chord of some 60 m, so that boxes of the flag windows (300-500 m, 1-72 h)
#: are not too lopsided for the R-tree. Correctness does not depend on it.
TIME_SCALE = 1e-5 / 3600.0

_V1 = [
    """CREATE TABLE ports (
        id BIGINT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'port'
            CHECK (kind IN ('port', 'terminal', 'anchorage', 'shipyard', 'berth')),
        watchlist INTEGER NOT NULL DEFAULT 0 CHECK (watchlist IN (0, 1)),
        reason TEXT,
        area_m2 DOUBLE PRECISION NOT NULL,
        source TEXT,
        geom geometry(Geometry, 4326) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        -- Derived, so not copied between stores; kept rather than cast per comparison,
        -- which made nearest-port search four times slower.
        geog geography(Geometry, 4326) GENERATED ALWAYS AS (geom::geography) STORED
    )""",
    "CREATE INDEX ports_geom ON ports USING gist (geom)",
    # Nearest-port search orders by geography distance (KNN <->): this index serves it.
    "CREATE INDEX ports_geog ON ports USING gist (geog)",
    """CREATE TABLE scenes (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        sensor TEXT,
        acquired TIMESTAMPTZ,
        crs TEXT NOT NULL,
        transform TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        count INTEGER NOT NULL,
        dtypes TEXT NOT NULL,
        nodata DOUBLE PRECISION,
        gsd_m DOUBLE PRECISION,
        sha256 TEXT NOT NULL,
        stac TEXT,
        geom geometry(Geometry, 4326) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX scenes_geom ON scenes USING gist (geom)",
    """CREATE TABLE imports (
        id BIGINT PRIMARY KEY,
        kind TEXT NOT NULL,
        source TEXT,
        sha256 TEXT,
        rows INTEGER NOT NULL,
        analyst TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE sightings (
        id BIGINT PRIMARY KEY,
        time TIMESTAMPTZ NOT NULL,
        lon DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
        lat DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
        geom geometry(Point, 4326) NOT NULL,
        name TEXT,
        imo TEXT CHECK (imo IS NULL OR length(imo) = 7),
        mmsi TEXT CHECK (mmsi IS NULL OR length(mmsi) = 9),
        vessel_type TEXT,
        length_m DOUBLE PRECISION,
        heading DOUBLE PRECISION,
        confidence TEXT NOT NULL CHECK (confidence IN ('confirmed', 'probable', 'possible')),
        source TEXT,
        scene_id TEXT REFERENCES scenes(id),
        pixel_row DOUBLE PRECISION,
        pixel_col DOUBLE PRECISION,
        analyst TEXT NOT NULL,
        note TEXT,
        port_id BIGINT REFERENCES ports(id),
        nearest_port_id BIGINT REFERENCES ports(id),
        nearest_port_distance_m DOUBLE PRECISION,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retracted')),
        retracted_reason TEXT,
        import_id BIGINT REFERENCES imports(id),
        created_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX sightings_time ON sightings(time)",
    "CREATE INDEX sightings_imo ON sightings(imo)",
    "CREATE INDEX sightings_mmsi ON sightings(mmsi)",
    "CREATE INDEX sightings_scene ON sightings(scene_id)",
    "CREATE INDEX sightings_geom ON sightings USING gist (geom)",
    # ST_DWithin on geography (metres) in the flag joins uses this one.
    "CREATE INDEX sightings_geog ON sightings USING gist ((geom::geography))",
    # IMMUTABLE for the index; extract(epoch) of a timestamptz does not depend on the session's zone.
    """CREATE FUNCTION shipsight_st4(lon DOUBLE PRECISION, lat DOUBLE PRECISION, t TIMESTAMPTZ)
        RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
        SELECT ST_MakePoint(cosd(lat) * cosd(lon), cosd(lat) * sind(lon), sind(lat),
                            extract(epoch FROM t)::float8 * {scale!r}) $$""".format(scale=TIME_SCALE),
    "CREATE INDEX sightings_st4 ON sightings USING gist (shipsight_st4(lon, lat, time) gist_geometry_ops_nd)",
    """CREATE FUNCTION shipsight_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER sightings_never_deleted BEFORE DELETE ON sightings FOR EACH ROW
        EXECUTE FUNCTION shipsight_refuse('sightings are never deleted; retract them with a reason')""",
    """CREATE TRIGGER sightings_never_truncated BEFORE TRUNCATE ON sightings FOR EACH STATEMENT
        EXECUTE FUNCTION shipsight_refuse('sightings are never deleted; retract them with a reason')""",
    """CREATE TABLE list_versions (
        id BIGINT PRIMARY KEY,
        list TEXT NOT NULL,
        version INTEGER NOT NULL,
        format TEXT NOT NULL,
        source TEXT,
        sha256 TEXT NOT NULL,
        entries INTEGER NOT NULL,
        bad_imos INTEGER NOT NULL,
        analyst TEXT NOT NULL,
        imported_at TIMESTAMPTZ NOT NULL,
        UNIQUE (list, version),
        UNIQUE (list, sha256)
    )""",
    """CREATE TABLE list_entries (
        id BIGINT PRIMARY KEY,
        list_version_id BIGINT NOT NULL REFERENCES list_versions(id),
        entry_id TEXT NOT NULL,
        name TEXT NOT NULL,
        imo TEXT,
        imo_valid INTEGER,
        mmsi TEXT,
        aliases TEXT NOT NULL DEFAULT '[]',
        former_names TEXT NOT NULL DEFAULT '[]',
        program TEXT,
        flag TEXT,
        vessel_type TEXT,
        gross_tonnage DOUBLE PRECISION,
        deadweight DOUBLE PRECISION,
        call_sign TEXT,
        remarks TEXT,
        UNIQUE (list_version_id, entry_id)
    )""",
    "CREATE INDEX list_entries_imo ON list_entries(imo)",
    """CREATE TABLE vessels (
        id BIGINT PRIMARY KEY,
        imo TEXT UNIQUE,
        mmsi TEXT,
        name TEXT,
        vessel_type TEXT,
        deadweight DOUBLE PRECISION,
        gross_tonnage DOUBLE PRECISION,
        note TEXT,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE flags (
        id BIGINT PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        rule TEXT NOT NULL,
        severity DOUBLE PRECISION NOT NULL,
        sighting_id BIGINT NOT NULL REFERENCES sightings(id),
        related_sighting_id BIGINT REFERENCES sightings(id),
        list_entry_id BIGINT REFERENCES list_entries(id),
        matched_on TEXT,
        score DOUBLE PRECISION,
        port_id BIGINT REFERENCES ports(id),
        distance_m DOUBLE PRECISION,
        hours_apart DOUBLE PRECISION,
        active INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
        review_note TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX flags_sighting ON flags(sighting_id)",
    """CREATE TABLE audit (
        id BIGINT PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        analyst TEXT NOT NULL,
        db_user TEXT NOT NULL DEFAULT current_user,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        old TEXT,
        new TEXT,
        reason TEXT
    )""",
    "CREATE INDEX audit_entity ON audit(entity, entity_id)",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW
        EXECUTE FUNCTION shipsight_refuse('the audit log is append-only')""",
    """CREATE TRIGGER audit_never_truncated BEFORE TRUNCATE ON audit FOR EACH STATEMENT
        EXECUTE FUNCTION shipsight_refuse('the audit log is append-only')""",
]

# Version 2, as in SQLite: most sightings come without IMO, MMSI or scene, so
# those indexes skip NULLs (SQLite also trades its sightings R*Tree for a
# banded B-tree), and the copy log. The flag joins became a hash join on grid
# cells (see PostgisStore._pairs_sql): the 4-D GiST index of version 1 goes,
# and the cell count of a latitude band comes in.
_V2 = [
    *SKIP_NULL_INDEXES,
    """CREATE TABLE copies (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        analyst TEXT NOT NULL,
        db_user TEXT NOT NULL DEFAULT current_user,
        source TEXT NOT NULL,
        added TEXT NOT NULL,
        updated TEXT NOT NULL
    )""",
    """CREATE TRIGGER copies_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON copies FOR EACH STATEMENT
        EXECUTE FUNCTION shipsight_refuse('the copy log is append-only')""",
    "DROP INDEX sightings_st4",
    "DROP FUNCTION shipsight_st4(DOUBLE PRECISION, DOUBLE PRECISION, TIMESTAMPTZ)",
    # Cells of at least band_deg degrees of latitude's length along the band's most poleward
    # parallel, so two points a cell apart in longitude are never closer than a band is tall.
    """CREATE FUNCTION shipsight_band_cells(band INTEGER, band_deg DOUBLE PRECISION)
        RETURNS INTEGER LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT greatest(1, floor(360.0 * cosd(least(90.0, greatest(abs(band * band_deg - 90.0),
                                                                  abs((band + 1) * band_deg - 90.0)))) / band_deg))::int $$""",
]

# Version 3, as in SQLite: AIS imports and each MMSI's identity runs (positions live in the archive).
_V3 = [  # AIS imports and identities
    """CREATE TABLE ais_imports (
        id BIGINT PRIMARY KEY,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        archive TEXT NOT NULL,
        tag TEXT NOT NULL,
        received_at TIMESTAMPTZ,
        first_time TIMESTAMPTZ,
        last_time TIMESTAMPTZ,
        positions BIGINT NOT NULL,
        statics BIGINT NOT NULL,
        vessels INTEGER NOT NULL,
        counts TEXT NOT NULL,
        analyst TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE ais_identities (
        id BIGINT PRIMARY KEY,
        mmsi TEXT NOT NULL,
        name TEXT,
        imo TEXT CHECK (imo IS NULL OR length(imo) = 7),
        call_sign TEXT,
        ship_type INTEGER,
        vessel_type TEXT,
        length_m DOUBLE PRECISION,
        valid_from TIMESTAMPTZ NOT NULL,
        valid_to TIMESTAMPTZ NOT NULL,
        reports BIGINT NOT NULL,
        import_id BIGINT NOT NULL REFERENCES ais_imports(id),
        updated_import_id BIGINT REFERENCES ais_imports(id)
    )""",
    "CREATE INDEX ais_identities_mmsi ON ais_identities(mmsi, valid_from)",
    "CREATE INDEX ais_identities_imo ON ais_identities(imo) WHERE imo IS NOT NULL",
]

# Products read as they are delivered: time ranges and how the product was read (see sqlite_schema).
_V4 = [  # imagery products
    "ALTER TABLE scenes ADD COLUMN time_start TIMESTAMPTZ",
    "ALTER TABLE scenes ADD COLUMN time_end TIMESTAMPTZ",
    "ALTER TABLE scenes ADD COLUMN product TEXT",
]

# Version 5, as in SQLite: each port's country, UN/LOCODE, WPI number and alternate name.
_V5 = [*PORT_IDENTITY_COLUMNS]  # ports kept apart

# Version 6, as in SQLite (screening).
_V6 = screening_migration("json_build_array({})::text", "BIGINT")  # screening

# Version 7, as in SQLite: one audit entry per bulk import, its id range kept beside it.
_V7 = [*IMPORT_RANGES]  # one audit entry per import

# Version 8, as in SQLite: AIS correlation, a row per correlated scene and per sighting.
_V8 = [  # AIS correlation
    """CREATE TABLE ais_correlations (
        id BIGINT PRIMARY KEY,
        scene_id TEXT NOT NULL UNIQUE REFERENCES scenes(id),
        time TIMESTAMPTZ NOT NULL,
        coverage INTEGER NOT NULL,
        placed INTEGER NOT NULL,
        counts TEXT NOT NULL,
        ais_only TEXT NOT NULL,
        params TEXT NOT NULL,
        analyst TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE ais_matches (
        id BIGINT PRIMARY KEY,
        sighting_id BIGINT NOT NULL UNIQUE REFERENCES sightings(id),
        scene_id TEXT NOT NULL REFERENCES scenes(id),
        status TEXT NOT NULL CHECK (status IN ('matched', 'ambiguous', 'dark', 'no-coverage')),
        mmsi TEXT,
        identity_id BIGINT REFERENCES ais_identities(id),
        distance_m DOUBLE PRECISION,
        gate_m DOUBLE PRECISION,
        evidence TEXT NOT NULL,
        applied TEXT,
        analyst TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX ais_matches_scene ON ais_matches(scene_id)",
    "CREATE INDEX ais_matches_mmsi ON ais_matches(mmsi) WHERE mmsi IS NOT NULL",
    # A dark-vessel flag's evidence: the listed vessel's last AIS ping before it went silent, and its reach.
    "ALTER TABLE flags ADD COLUMN last_ping TEXT",
]

# Version 9: AIS behaviour flags (an MMSI over a span of time) and AIS port calls.
_V9 = [  # AIS behaviour flags and AIS port calls
    "ALTER TABLE flags ALTER COLUMN sighting_id DROP NOT NULL",
    *(f"ALTER TABLE flags ADD COLUMN {column} {kind}" for column, kind in (
        ("mmsi", "TEXT"), ("related_mmsi", "TEXT"), ("ais_name", "TEXT"), ("ais_imo", "TEXT"),
        ("related_ais_name", "TEXT"), ("related_ais_imo", "TEXT"), ("start_time", "TIMESTAMPTZ"),
        ("end_time", "TIMESTAMPTZ"), ("lon", "DOUBLE PRECISION"), ("lat", "DOUBLE PRECISION"),
        ("related_lon", "DOUBLE PRECISION"), ("related_lat", "DOUBLE PRECISION"), ("evidence", "TEXT"))),
    """ALTER TABLE flags ADD CONSTRAINT flags_subject CHECK (sighting_id IS NOT NULL
        OR (mmsi IS NOT NULL AND start_time IS NOT NULL AND end_time IS NOT NULL))""",
    "CREATE INDEX flags_ais_end ON flags(rule, end_time) WHERE mmsi IS NOT NULL",
    "CREATE INDEX flags_mmsi ON flags(mmsi) WHERE mmsi IS NOT NULL",
    """CREATE TABLE ais_port_calls (
        id BIGSERIAL PRIMARY KEY,
        mmsi TEXT NOT NULL,
        port_id BIGINT NOT NULL REFERENCES ports(id),
        entry TIMESTAMPTZ NOT NULL,
        exit TIMESTAMPTZ NOT NULL,
        hours DOUBLE PRECISION NOT NULL,
        stopped_hours DOUBLE PRECISION NOT NULL,
        positions INTEGER NOT NULL,
        name TEXT,
        imo TEXT,
        vessel_type TEXT,
        updated_at TIMESTAMPTZ NOT NULL,
        UNIQUE (mmsi, port_id, entry)
    )""",
    "CREATE INDEX ais_port_calls_exit ON ais_port_calls(exit)",
]

# Version 10, as in SQLite: fixed structures (shipsight.infra); the table and triggers may come again.
_V10 = [  # infrastructure layer
    """CREATE TABLE IF NOT EXISTS structures (
        id BIGINT PRIMARY KEY,
        name TEXT,
        kind TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'candidate', 'rejected')),
        radius_sar_m DOUBLE PRECISION NOT NULL CHECK (radius_sar_m >= 0),
        radius_optical_m DOUBLE PRECISION NOT NULL CHECK (radius_optical_m >= 0),
        source TEXT,
        evidence TEXT,
        analyst TEXT NOT NULL,
        geom geometry(Geometry, 4326) NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX structures_status ON structures(status)",
    "CREATE INDEX structures_geom ON structures USING gist (geom)",
    """CREATE OR REPLACE TRIGGER structures_never_deleted BEFORE DELETE ON structures FOR EACH ROW
        EXECUTE FUNCTION shipsight_refuse('structures are never deleted; reject them with a reason')""",
    """CREATE OR REPLACE TRIGGER structures_never_truncated BEFORE TRUNCATE ON structures FOR EACH STATEMENT
        EXECUTE FUNCTION shipsight_refuse('structures are never deleted; reject them with a reason')""",
]

MIGRATIONS = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10]
