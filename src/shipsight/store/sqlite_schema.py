"""The SQLite schema, as numbered migrations (version N is ``MIGRATIONS[N - 1]``).

Geometry is WKB in EPSG:4326. Ports and scenes (polygons) have an R*Tree of
bounding boxes beside them; sightings (points) have a banded B-tree, see
:data:`LAT_BANDS_PER_DEGREE`. Times are ISO 8601 text in UTC (``...Z``), which
sorts as time. The audit log is append-only and sightings are never deleted:
triggers refuse.
"""

#: Sightings are indexed on (latitude band, longitude): a box query seeks each
#: band it spans and scans its longitude range. Bands are a tenth of a degree
#: (11 km), so a query reads little beyond its box.
LAT_BANDS_PER_DEGREE = 10
#: The band of a sighting, as the index and the queries that use it spell it.
LAT_BAND_SQL = f"CAST((lat + 90) * {LAT_BANDS_PER_DEGREE} AS INTEGER)"


_V1 = [
    """CREATE TABLE ports (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'port'
            CHECK (kind IN ('port', 'terminal', 'anchorage', 'shipyard', 'berth')),
        watchlist INTEGER NOT NULL DEFAULT 0 CHECK (watchlist IN (0, 1)),
        reason TEXT,
        area_m2 REAL NOT NULL,
        source TEXT,
        geom BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE VIRTUAL TABLE ports_rtree USING rtree(id, minx, maxx, miny, maxy)",
    """CREATE TABLE scenes (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        sensor TEXT,
        acquired TEXT,
        crs TEXT NOT NULL,
        transform TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        count INTEGER NOT NULL,
        dtypes TEXT NOT NULL,
        nodata REAL,
        gsd_m REAL,
        sha256 TEXT NOT NULL,
        stac TEXT,
        geom BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE VIRTUAL TABLE scenes_rtree USING rtree(rid, minx, maxx, miny, maxy, +scene_id TEXT)",
    """CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        source TEXT,
        sha256 TEXT,
        rows INTEGER NOT NULL,
        analyst TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    """CREATE TABLE sightings (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
        lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
        geom BLOB NOT NULL,
        name TEXT,
        imo TEXT CHECK (imo IS NULL OR length(imo) = 7),
        mmsi TEXT CHECK (mmsi IS NULL OR length(mmsi) = 9),
        vessel_type TEXT,
        length_m REAL,
        heading REAL,
        confidence TEXT NOT NULL CHECK (confidence IN ('confirmed', 'probable', 'possible')),
        source TEXT,
        scene_id TEXT REFERENCES scenes(id),
        pixel_row REAL,
        pixel_col REAL,
        analyst TEXT NOT NULL,
        note TEXT,
        port_id INTEGER REFERENCES ports(id),
        nearest_port_id INTEGER REFERENCES ports(id),
        nearest_port_distance_m REAL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retracted')),
        retracted_reason TEXT,
        import_id INTEGER REFERENCES imports(id),
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX sightings_time ON sightings(time)",
    "CREATE INDEX sightings_imo ON sightings(imo)",
    "CREATE INDEX sightings_mmsi ON sightings(mmsi)",
    "CREATE INDEX sightings_scene ON sightings(scene_id)",
    "CREATE VIRTUAL TABLE sightings_rtree USING rtree(id, minx, maxx, miny, maxy)",
    """CREATE TRIGGER sightings_never_deleted BEFORE DELETE ON sightings
        BEGIN SELECT RAISE(ABORT, 'sightings are never deleted; retract them with a reason'); END""",
    """CREATE TABLE list_versions (
        id INTEGER PRIMARY KEY,
        list TEXT NOT NULL,
        version INTEGER NOT NULL,
        format TEXT NOT NULL,
        source TEXT,
        sha256 TEXT NOT NULL,
        entries INTEGER NOT NULL,
        bad_imos INTEGER NOT NULL,
        analyst TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        UNIQUE (list, version),
        UNIQUE (list, sha256)
    )""",
    """CREATE TABLE list_entries (
        id INTEGER PRIMARY KEY,
        list_version_id INTEGER NOT NULL REFERENCES list_versions(id),
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
        gross_tonnage REAL,
        deadweight REAL,
        call_sign TEXT,
        remarks TEXT,
        UNIQUE (list_version_id, entry_id)
    )""",
    "CREATE INDEX list_entries_imo ON list_entries(imo)",
    """CREATE TABLE vessels (
        id INTEGER PRIMARY KEY,
        imo TEXT UNIQUE,
        mmsi TEXT,
        name TEXT,
        vessel_type TEXT,
        deadweight REAL,
        gross_tonnage REAL,
        note TEXT,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE flags (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        rule TEXT NOT NULL,
        severity REAL NOT NULL,
        sighting_id INTEGER NOT NULL REFERENCES sightings(id),
        related_sighting_id INTEGER REFERENCES sightings(id),
        list_entry_id INTEGER REFERENCES list_entries(id),
        matched_on TEXT,
        score REAL,
        port_id INTEGER REFERENCES ports(id),
        distance_m REAL,
        hours_apart REAL,
        active INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
        review_note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX flags_sighting ON flags(sighting_id)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        analyst TEXT NOT NULL,
        db_user TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT,
        old TEXT,
        new TEXT,
        reason TEXT
    )""",
    "CREATE INDEX audit_entity ON audit(entity, entity_id)",
    """CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]

# Version 2: a point needs no bounding box, and an R*Tree insert costs about
# 6 us against 1.5 us for a B-tree entry: it was a quarter of a bulk import.
# Most sightings come without IMO, MMSI or scene, so those indexes skip NULLs
# (the same statements in both back ends).
SKIP_NULL_INDEXES = [
    statement
    for column, index in (("imo", "sightings_imo"), ("mmsi", "sightings_mmsi"), ("scene_id", "sightings_scene"))
    for statement in (f"DROP INDEX {index}", f"CREATE INDEX {index} ON sightings({column}) WHERE {column} IS NOT NULL")
]
# The copy log (shipsight.copy): each store's own record of the copies written
# into it. It is not copied itself, so it can never clash with the source's ids.
_V2 = [
    "DROP TABLE sightings_rtree",
    f"CREATE INDEX sightings_band ON sightings({LAT_BAND_SQL}, lon)",
    *SKIP_NULL_INDEXES,
    """CREATE TABLE copies (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        analyst TEXT NOT NULL,
        db_user TEXT NOT NULL,
        source TEXT NOT NULL,
        added TEXT NOT NULL,
        updated TEXT NOT NULL
    )""",
    """CREATE TRIGGER copies_append_only_update BEFORE UPDATE ON copies
        BEGIN SELECT RAISE(ABORT, 'the copy log is append-only'); END""",
    """CREATE TRIGGER copies_append_only_delete BEFORE DELETE ON copies
        BEGIN SELECT RAISE(ABORT, 'the copy log is append-only'); END""",
]

# Version 3: AIS. The positions live in the AIS archive beside the store (shipsight.ais.archive);
# the store keeps each import (file, SHA-256, counts) and each MMSI's identity runs over time.
_V3 = [  # AIS imports and identities
    """CREATE TABLE ais_imports (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        archive TEXT NOT NULL,
        tag TEXT NOT NULL,
        received_at TEXT,
        first_time TEXT,
        last_time TEXT,
        positions INTEGER NOT NULL,
        statics INTEGER NOT NULL,
        vessels INTEGER NOT NULL,
        counts TEXT NOT NULL,
        analyst TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    """CREATE TABLE ais_identities (
        id INTEGER PRIMARY KEY,
        mmsi TEXT NOT NULL,
        name TEXT,
        imo TEXT CHECK (imo IS NULL OR length(imo) = 7),
        call_sign TEXT,
        ship_type INTEGER,
        vessel_type TEXT,
        length_m REAL,
        valid_from TEXT NOT NULL,
        valid_to TEXT NOT NULL,
        reports INTEGER NOT NULL,
        import_id INTEGER NOT NULL REFERENCES ais_imports(id),
        updated_import_id INTEGER REFERENCES ais_imports(id)
    )""",
    "CREATE INDEX ais_identities_mmsi ON ais_identities(mmsi, valid_from)",
    "CREATE INDEX ais_identities_imo ON ais_identities(imo) WHERE imo IS NOT NULL",
]

# Products read as they are delivered (shipsight.imagery.products): a scene may span a time
# range (a STAC range, a radar datatake) and carries how it was read (format, polarisation,
# georeferencing by GCPs or RPCs, fill), so it is reopened the same way.
_V4 = [  # imagery products
    "ALTER TABLE scenes ADD COLUMN time_start TEXT",
    "ALTER TABLE scenes ADD COLUMN time_end TEXT",
    "ALTER TABLE scenes ADD COLUMN product TEXT",
]

# Version 5 (ports kept apart): a World Port Index import keeps each port's country,
# UN/LOCODE, WPI number and alternate name, so that ports sharing a name (two
# Victorias) stay distinct and --port can select one by id or UN/LOCODE.
PORT_IDENTITY_COLUMNS = [
    *(f"ALTER TABLE ports ADD COLUMN {column} TEXT" for column in ("country", "locode", "wpi_number", "alternate_name")),
    "CREATE INDEX ports_locode ON ports(locode) WHERE locode IS NOT NULL",
]
_V5 = [*PORT_IDENTITY_COLUMNS]  # ports kept apart

def screening_migration(array_of, id_type):
    """Version 6, screening, in both back ends: ``array_of`` makes a one-element JSON array of
    a column (SQLite ``json_array({})``), ``id_type`` is the type of a row id.

    Every identifier a list gives (several IMOs, MMSIs, call signs, flags, other ids) as JSON
    lists beside the first IMO/MMSI; listing date, risk and source datasets; the import report
    of a version (rows kept out by kind, company IMO numbers, placeholders). A flag records how
    it matched: the listed value hit and its kind, the normalised forms compared, a conflicting
    identifier, the list entry row (version) holding the value, and every designation of the vessel.
    """
    arrays = ("imos", "mmsis", "call_signs", "flags", "other_ids", "datasets")
    return [
        "ALTER TABLE list_versions ADD COLUMN report TEXT",
        *(f"ALTER TABLE list_entries ADD COLUMN {c} TEXT NOT NULL DEFAULT '[]'" for c in arrays),
        "ALTER TABLE list_entries ADD COLUMN listed_on TEXT",
        "ALTER TABLE list_entries ADD COLUMN risk TEXT",
        *(f"UPDATE list_entries SET {many} = {array_of.format(one)} WHERE {one} IS NOT NULL"
          for many, one in (("imos", "imo"), ("mmsis", "mmsi"), ("call_signs", "call_sign"), ("flags", "flag"))),
        "CREATE INDEX list_entries_mmsi ON list_entries(mmsi) WHERE mmsi IS NOT NULL",
        *(f"ALTER TABLE flags ADD COLUMN {c} TEXT" for c in ("matched_value", "matched_kind", "sighting_form",
                                                             "listed_form", "match_conflict", "designations")),
        f"ALTER TABLE flags ADD COLUMN match_entry_id {id_type} REFERENCES list_entries(id)",
    ]


_V6 = screening_migration("json_array({})", "INTEGER")  # screening
# Version 7: a bulk import is audited once (the file, its SHA-256, the analyst,
# the ids it created and the rows it skipped as already in the log) instead of
# one audit row per sighting, which cost as much as writing the sightings. Each
# import's id range lives beside it; the ranges of older imports are filled in.
IMPORT_RANGES = [
    "ALTER TABLE imports ADD COLUMN first_id BIGINT",
    "ALTER TABLE imports ADD COLUMN last_id BIGINT",
    "ALTER TABLE imports ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0",
    """UPDATE imports SET first_id = r.first_id, last_id = r.last_id
        FROM (SELECT import_id, MIN(id) AS first_id, MAX(id) AS last_id FROM sightings
              WHERE import_id IS NOT NULL GROUP BY import_id) AS r
        WHERE r.import_id = imports.id""",
]
_V7 = [*IMPORT_RANGES]  # one audit entry per import

# Version 8: AIS correlation. One row per correlated scene (its coverage, counts, the AIS-only
# vessels and the parameters) and one per sighting (status, vessel, evidence, and the identity the
# correlation wrote into the sighting, so that a later run can tell it from an analyst's).
_V8 = [  # AIS correlation
    """CREATE TABLE ais_correlations (
        id INTEGER PRIMARY KEY,
        scene_id TEXT NOT NULL UNIQUE REFERENCES scenes(id),
        time TEXT NOT NULL,
        coverage INTEGER NOT NULL,
        placed INTEGER NOT NULL,
        counts TEXT NOT NULL,
        ais_only TEXT NOT NULL,
        params TEXT NOT NULL,
        analyst TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE ais_matches (
        id INTEGER PRIMARY KEY,
        sighting_id INTEGER NOT NULL UNIQUE REFERENCES sightings(id),
        scene_id TEXT NOT NULL REFERENCES scenes(id),
        status TEXT NOT NULL CHECK (status IN ('matched', 'ambiguous', 'dark', 'no-coverage')),
        mmsi TEXT,
        identity_id INTEGER REFERENCES ais_identities(id),
        distance_m REAL,
        gate_m REAL,
        evidence TEXT NOT NULL,
        applied TEXT,
        analyst TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX ais_matches_scene ON ais_matches(scene_id)",
    "CREATE INDEX ais_matches_mmsi ON ais_matches(mmsi) WHERE mmsi IS NOT NULL",
    # A dark-vessel flag's evidence: the listed vessel's last AIS ping before it went silent, and its reach.
    "ALTER TABLE flags ADD COLUMN last_ping TEXT",
]

# Version 9: AIS behaviour. A behaviour flag concerns an MMSI over a span of time, not a sighting:
# sighting_id becomes optional (SQLite cannot drop a NOT NULL, so the table is rebuilt with its
# rows and ids), and a flag gains the MMSI(s), the identity broadcast then, the span, where, and
# the rule's evidence as JSON. AIS port calls are derived from the archive by the behaviour job.
_FLAG_COLUMNS_V8 = ("id, key, rule, severity, sighting_id, related_sighting_id, list_entry_id, matched_on, score,"
                    " port_id, distance_m, hours_apart, active, status, review_note, created_at, updated_at,"
                    " matched_value, matched_kind, sighting_form, listed_form, match_conflict, designations,"
                    " match_entry_id, last_ping")
_V9 = [  # AIS behaviour flags and AIS port calls
    # Copied aside and back rather than renamed: an ALTER TABLE RENAME opens SQLite's temporary
    # schema, after which this connection could not change temp_store inside a transaction.
    f"CREATE TABLE flags_v8 AS SELECT {_FLAG_COLUMNS_V8} FROM flags",
    "DROP TABLE flags",
    """CREATE TABLE flags (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        rule TEXT NOT NULL,
        severity REAL NOT NULL,
        sighting_id INTEGER REFERENCES sightings(id),
        related_sighting_id INTEGER REFERENCES sightings(id),
        list_entry_id INTEGER REFERENCES list_entries(id),
        matched_on TEXT,
        score REAL,
        port_id INTEGER REFERENCES ports(id),
        distance_m REAL,
        hours_apart REAL,
        active INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
        review_note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        matched_value TEXT,
        matched_kind TEXT,
        sighting_form TEXT,
        listed_form TEXT,
        match_conflict TEXT,
        designations TEXT,
        match_entry_id INTEGER REFERENCES list_entries(id),
        last_ping TEXT,
        mmsi TEXT,
        related_mmsi TEXT,
        ais_name TEXT,
        ais_imo TEXT,
        related_ais_name TEXT,
        related_ais_imo TEXT,
        start_time TEXT,
        end_time TEXT,
        lon REAL,
        lat REAL,
        related_lon REAL,
        related_lat REAL,
        evidence TEXT,
        CHECK (sighting_id IS NOT NULL OR (mmsi IS NOT NULL AND start_time IS NOT NULL AND end_time IS NOT NULL))
    )""",
    f"INSERT INTO flags ({_FLAG_COLUMNS_V8}) SELECT {_FLAG_COLUMNS_V8} FROM flags_v8",
    "DROP TABLE flags_v8",
    "CREATE INDEX flags_sighting ON flags(sighting_id)",
    "CREATE INDEX flags_ais_end ON flags(rule, end_time) WHERE mmsi IS NOT NULL",
    "CREATE INDEX flags_mmsi ON flags(mmsi) WHERE mmsi IS NOT NULL",
    """CREATE TABLE ais_port_calls (
        id INTEGER PRIMARY KEY,
        mmsi TEXT NOT NULL,
        port_id INTEGER NOT NULL REFERENCES ports(id),
        entry TEXT NOT NULL,
        exit TEXT NOT NULL,
        hours REAL NOT NULL,
        stopped_hours REAL NOT NULL,
        positions INTEGER NOT NULL,
        name TEXT,
        imo TEXT,
        vessel_type TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (mmsi, port_id, entry)
    )""",
    "CREATE INDEX ais_port_calls_exit ON ais_port_calls(exit)",
]

# Version 10: fixed structures (shipsight.infra): breakwaters, piers, platforms, wind
# turbines, buoys... imported from GIS files or learned from persistent targets. A
# learned one is a candidate until an analyst accepts it; none is ever deleted
# (rejected instead), so a detection suppressed by one can always be traced to it.
# The table and its triggers come again harmlessly: a store rolled back to an earlier version
# (tests do: the indexes go, the table stays) upgrades again.
_V10 = [  # infrastructure layer
    """CREATE TABLE IF NOT EXISTS structures (
        id INTEGER PRIMARY KEY,
        name TEXT,
        kind TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'accepted' CHECK (status IN ('accepted', 'candidate', 'rejected')),
        radius_sar_m REAL NOT NULL CHECK (radius_sar_m >= 0),
        radius_optical_m REAL NOT NULL CHECK (radius_optical_m >= 0),
        source TEXT,
        evidence TEXT,
        analyst TEXT NOT NULL,
        geom BLOB NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX structures_status ON structures(status)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS structures_rtree USING rtree(id, minx, maxx, miny, maxy)",
    """CREATE TRIGGER IF NOT EXISTS structures_never_deleted BEFORE DELETE ON structures
        BEGIN SELECT RAISE(ABORT, 'structures are never deleted; reject them with a reason'); END""",
]

MIGRATIONS = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10]
