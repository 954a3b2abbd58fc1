"""The embedded store: one SQLite file, WAL mode, foreign keys on.

Spatial work runs in process (:mod:`shipsight.attribution`, shapely, numpy);
indexes narrow bounding-box queries (an R*Tree for ports and scenes, latitude
bands for sightings: :mod:`shipsight.store.sqlite_schema`). What the SQL is the
same for on PostGIS lives in :class:`~shipsight.store.sql.SQLStore`.
"""

import itertools
import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError, StoreError
from shipsight.store.base import SCHEMA_VERSION, check_table, os_user
from shipsight.store.convert import nullable, now_utc, time_text, times_text
from shipsight.store.portrows import PORT_IDENTITY, port_audit_values, port_identity_values, select_port
from shipsight.store.sql import SIGHTING_FIELDS, SQLStore
from shipsight.store.sqlite_schema import LAT_BAND_SQL, LAT_BANDS_PER_DEGREE, MIGRATIONS

#: Writers wait this long for each other rather than failing with "database is locked".
BUSY_TIMEOUT_S = 120


class SQLiteStore(SQLStore):
    """The embedded default store, in one file.

    >>> import tempfile, os
    >>> store = SQLiteStore(os.path.join(tempfile.mkdtemp(), "log.db"))
    >>> store.schema_version() == SCHEMA_VERSION
    True
    """

    kind = "sqlite"
    PARAM = TIME_PARAM = GEOM_PARAM = "?"

    def __init__(self, path, *, create=True):
        self.path = Path(path)
        self.url = str(self.path)
        if not create and not self.path.exists():
            raise InputError(f"no store at {self.path}; create one with 'shipsight init' or name another with --db")
        if self.path.parent and not self.path.parent.exists():
            raise InputError(f"folder {self.path.parent} does not exist; create it or choose another --db")
        try:
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            # A 64 MiB page cache: bulk imports touch many R*Tree and index pages.
            self.conn.execute("PRAGMA cache_size = -65536")
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path} is not a shipsight store ({exc}); choose another --db") from None
        self._depth = 0
        self._port_index = None
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} is at schema version {version}, newer than this shipsight knows "
                f"({SCHEMA_VERSION}); upgrade shipsight"
            )
        if create and version < SCHEMA_VERSION:
            self.migrate()
        elif version < SCHEMA_VERSION:
            raise InputError(f"{self.path} is at schema version {version}; run 'shipsight init' to upgrade it")

    # -- schema --------------------------------------------------------------
    def schema_version(self):
        try:
            row = self.conn.execute("SELECT version FROM schema_version").fetchone()
        except sqlite3.OperationalError:
            return 0
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path} is not a shipsight store ({exc}); choose another --db") from None
        return row[0] if row else 0

    def migrate(self):
        with self.transaction():
            self._apply_migrations(MIGRATIONS)
        return SCHEMA_VERSION

    # -- hooks of SQLStore ---------------------------------------------------
    @contextmanager
    def _write_transaction(self):
        # IMMEDIATE takes the write lock up front, so concurrent writers queue
        # (busy_timeout) instead of failing when a read upgrades to a write.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._port_index = None
            raise
        self.conn.execute("COMMIT")

    def _audit_many(self, rows):
        at, user = time_text(now_utc()), os_user()
        self.conn.executemany(
            "INSERT INTO audit (at, analyst, db_user, action, entity, entity_id, old, new, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(at, a, user, act, ent, None if eid is None else str(eid), o, n, r) for a, act, ent, eid, o, n, r in rows],
        )

    def _audit_inserted(self, entity, table, columns, start, reason, *, at, analyst):
        # Built inside SQLite from the rows just written: one pass.
        new = "json_object(" + ", ".join(f"'{c}', {c}" for c in columns) + ")"
        self.conn.execute(
            "INSERT INTO audit (at, analyst, db_user, action, entity, entity_id, old, new, reason)"
            f" SELECT ?, ?, ?, 'insert', ?, id, NULL, {new}, ? FROM {table} WHERE id >= ?",
            (at, analyst, os_user(), entity, reason, int(start)))

    def _query(self, sql, params=()):
        cur = self.conn.execute(sql, params)
        return pd.DataFrame.from_records(cur.fetchall(), columns=[d[0] for d in cur.description])

    def _one(self, sql, params=()):
        return self.conn.execute(sql, params).fetchone()

    def _executemany(self, sql, rows):
        self.conn.executemany(sql, rows)

    def _insert_rows(self, table, columns, rows):
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                              rows)

    def _time(self, expr):
        return expr  # stored as the UTC text already

    def _wkb(self, expr):
        return expr  # stored as WKB already

    def _id_in(self, column, ids):
        # "0": SQLite reads an integer as a truth value, and an empty list matches nothing. Many ids go
        # as one JSON array: a placeholder each would pass SQLite's limit on variables (32,766).
        if not ids:
            return "0", []
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(ids), default=lambda v: v.item())]

    def _place_clauses(self, q):
        if q.bbox is None:
            return [], []  # the port is filtered in process: see _within_port
        minx, miny, maxx, maxy = q.bbox
        boxes = [(minx, maxx)] if minx <= maxx else [(minx, 180.0), (-180.0, maxx)]
        bands = list(range(int((miny + 90) * LAT_BANDS_PER_DEGREE), int((maxy + 90) * LAT_BANDS_PER_DEGREE) + 1))
        band_sql = LAT_BAND_SQL.replace("lat", "b.lat")
        ors, params = [], []
        for lo, hi in boxes:
            # Band IN (...) with a longitude range: one index seek per band.
            ors.append(f"s.id IN (SELECT b.id FROM sightings b WHERE {band_sql} IN ({', '.join('?' * len(bands))})"
                       " AND b.lon BETWEEN ? AND ? AND b.lat BETWEEN ? AND ?)")
            params += [*bands, lo, hi, miny, maxy]
        return ["(" + " OR ".join(ors) + ")"], params

    def _within_port(self, frame, port):
        if port is None:
            return frame
        # A port's sightings include those in the berths and terminals inside it.
        area = port_filter(self.ports(), port)
        return frame[shapely.intersects(area, shapely.points(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)))]

    def _index_scene(self, scene_id, footprint):
        minx, miny, maxx, maxy = footprint.bounds
        self.conn.execute("INSERT INTO scenes_rtree (minx, maxx, miny, maxy, scene_id) VALUES (?, ?, ?, ?, ?)",
                          (minx, maxx, miny, maxy, scene_id))

    def _update_sighting(self, sighting_id, row, updates):
        if "lon" in updates or "lat" in updates:
            from shipsight.attribution import attribute

            lon = float(updates.get("lon", row["lon"]))
            lat = float(updates.get("lat", row["lat"]))
            att = attribute([lon], [lat], self._index())
            updates["geom"] = shapely.to_wkb(shapely.points(lon, lat))
            updates["port_id"] = int(att.port_id[0]) if att.port_id[0] >= 0 else None
            updates["nearest_port_id"] = int(att.nearest_port_id[0]) if att.nearest_port_id[0] >= 0 else None
            d = att.nearest_port_distance_m[0]
            updates["nearest_port_distance_m"] = None if np.isnan(d) else float(d)
        sets = ", ".join(f"{k} = ?" for k in updates)
        self.conn.execute(f"UPDATE sightings SET {sets} WHERE id = ?", (*updates.values(), int(sighting_id)))

    def _withdraw_flags(self, ids, at):
        self.conn.executemany("UPDATE flags SET active = 0, updated_at = ? WHERE id = ?", [(at, i) for i in ids])

    # -- ports ---------------------------------------------------------------
    def _index_structures(self, ids, geoms):
        b = shapely.bounds(geoms)
        self.conn.executemany("INSERT INTO structures_rtree VALUES (?, ?, ?, ?, ?)",
                              zip(np.asarray(ids).tolist(), b[:, 0].tolist(), b[:, 2].tolist(), b[:, 1].tolist(),
                                  b[:, 3].tolist()))

    def _structure_boxes(self, boxes):
        one = "(r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?)"
        clause = ("id IN (SELECT r.id FROM structures_rtree r WHERE " + " OR ".join([one] * len(boxes)) + ")")
        return clause, [v for minx, miny, maxx, maxy in boxes for v in (maxx, minx, maxy, miny)]

    def _write_ports(self, ports, *, analyst, source):
        from shipsight.geodesy import geodesic_area_m2

        geoms = np.asarray(ports.geometry.values, dtype=object)
        areas = geodesic_area_m2(geoms)
        bounds = shapely.bounds(geoms)
        created = time_text(now_utc())
        with self.transaction():
            start = self._next_id("ports")
            ids = np.arange(start, start + len(ports), dtype=np.int64)
            rows = list(zip(
                ids.tolist(), nullable(ports["name"]), nullable(ports["kind"]),
                [int(bool(w)) for w in ports["watchlist"]], nullable(ports["reason"]), *port_identity_values(ports),
                areas.tolist(), [source] * len(ports), shapely.to_wkb(geoms).tolist(), [created] * len(ports),
            ))
            self.conn.executemany(
                f"INSERT INTO ports (id, name, kind, watchlist, reason, {', '.join(PORT_IDENTITY)}, area_m2, source,"
                " geom, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.executemany(
                "INSERT INTO ports_rtree VALUES (?, ?, ?, ?, ?)",
                zip(ids.tolist(), bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(), bounds[:, 3].tolist()),
            )
            self._audit_many([(analyst, "insert", "port", int(i), None, new, f"imported from {source}" if source else None)
                              for i, new in zip(ids, port_audit_values(ports, areas))])
            self._port_index = None
            self._reattribute(analyst=analyst)
        return ids

    def _index(self):
        # Attribution (and pyproj) is loaded by the commands that write sightings only.
        from shipsight.attribution import build_port_index

        if self._port_index is None:
            # Read raw, not as a GeoDataFrame: a single 'log' need not import geopandas.
            rows = self.conn.execute("SELECT id, area_m2, geom FROM ports ORDER BY id").fetchall()
            ids, areas, wkb = zip(*rows) if rows else ((), (), ())
            self._port_index = build_port_index(np.asarray(ids, dtype=np.int64), shapely.from_wkb(list(wkb)),
                                                np.asarray(areas, dtype=float))
        return self._port_index

    def _reattribute(self, *, analyst):
        """Attribute every sighting afresh after the ports changed; audit each change."""
        df = self._query("SELECT id, lon, lat, port_id, nearest_port_id, nearest_port_distance_m FROM sightings")
        if df.empty:
            return
        from shipsight.attribution import attribute

        att = attribute(df["lon"].to_numpy(), df["lat"].to_numpy(), self._index())
        new_port = np.where(att.port_id >= 0, att.port_id, -1)
        new_near = np.where(att.nearest_port_id >= 0, att.nearest_port_id, -1)
        old_port = df["port_id"].fillna(-1).to_numpy(dtype=np.int64)
        old_near = df["nearest_port_id"].fillna(-1).to_numpy(dtype=np.int64)
        old_dist = df["nearest_port_distance_m"].to_numpy(dtype=float)
        changed = (new_port != old_port) | (new_near != old_near) | ~np.isclose(att.nearest_port_distance_m, old_dist, equal_nan=True)
        if not changed.any():
            return
        idx = np.flatnonzero(changed)

        def opt(v):
            return None if v < 0 else int(v)

        rows = [(opt(new_port[i]), opt(new_near[i]), None if np.isnan(att.nearest_port_distance_m[i]) else float(att.nearest_port_distance_m[i]), int(df["id"].iat[i])) for i in idx]
        audit = [
            (analyst, "reattribute", "sighting", int(df["id"].iat[i]),
             json.dumps({"port_id": opt(old_port[i]), "nearest_port_id": opt(old_near[i]),
                         "nearest_port_distance_m": None if np.isnan(old_dist[i]) else float(old_dist[i])}),
             json.dumps({"port_id": r[0], "nearest_port_id": r[1], "nearest_port_distance_m": r[2]}),
             "ports changed")
            for i, r in zip(idx, rows)
        ]
        self.conn.executemany(
            "UPDATE sightings SET port_id = ?, nearest_port_id = ?, nearest_port_distance_m = ? WHERE id = ?", rows)
        self._audit_many(audit)

    # -- sightings -----------------------------------------------------------
    def _sighting_rows(self, frame):
        lon = frame["lon"].to_numpy(dtype=float)
        lat = frame["lat"].to_numpy(dtype=float)
        points = shapely.points(lon, lat)
        columns = {
            "time": times_text(frame["time"]).tolist(),
            "lon": lon.tolist(), "lat": lat.tolist(),
            "geom": shapely.to_wkb(points).tolist(),
            **{c: nullable(frame[c]) for c in SIGHTING_FIELDS},
        }
        return lon, lat, points, columns

    def _write_sightings(self, rows, *, start, import_id, created, progress=None):
        lon, lat, points, columns = rows
        n = len(lon)
        from shipsight.attribution import attribute

        # Attributed under the write lock: against the ports as they are now.
        att = attribute(lon, lat, self._index(), points=points)
        columns = {
            **columns,
            "port_id": nullable(np.where(att.port_id >= 0, att.port_id, None)),
            "nearest_port_id": nullable(np.where(att.nearest_port_id >= 0, att.nearest_port_id, None)),
            "nearest_port_distance_m": nullable(att.nearest_port_distance_m),
            "import_id": [import_id] * n, "created_at": [created] * n,
        }
        stored = start - 1  # ids are MAX(id) + 1: a bound on the rows already stored
        with _sized_for(self.conn, stored + n), _indexes_after(self.conn, "sightings", rebuild=n >= stored):
            last = _insert_columns(self.conn, "sightings", columns, progress=progress)
        if last != start + n - 1:
            raise StoreError(f"sighting ids {start}..{last} are not the {n} expected; the store may be damaged")

    # -- whole-log copy ------------------------------------------------------
    def record_copy(self, *, source, added, updated, analyst):
        self.conn.execute(
            "INSERT INTO copies (at, analyst, db_user, source, added, updated) VALUES (?, ?, ?, ?, ?, ?)",
            (time_text(now_utc()), analyst, os_user(), str(source), json.dumps(added), json.dumps(updated)))

    def dump_table(self, name):
        check_table(name)
        cur = self.conn.execute(f"SELECT * FROM {name} ORDER BY id")
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)

    def load_rows(self, name, frame, *, replace=False):
        check_table(name)
        if len(frame) == 0:
            return
        columns = list(frame.columns)
        rows = list(zip(*(nullable(frame[c]) for c in columns)))
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if replace:
            # An upsert, never INSERT OR REPLACE: that deletes, which the sightings trigger refuses.
            sql += " ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        with self.transaction():
            self.conn.executemany(sql, rows)
            ids = [r[columns.index("id")] for r in rows]
            # The R*Trees beside the polygon tables are derived: rebuild the rows written.
            if name == "ports":
                bounds = shapely.bounds(shapely.from_wkb(frame["geom"].to_numpy()))
                self.conn.executemany("DELETE FROM ports_rtree WHERE id = ?", [(i,) for i in ids])
                self.conn.executemany("INSERT INTO ports_rtree VALUES (?, ?, ?, ?, ?)", zip(
                    ids, bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(), bounds[:, 3].tolist()))
                self._port_index = None
            elif name == "structures":
                self.conn.executemany("DELETE FROM structures_rtree WHERE id = ?", [(i,) for i in ids])
                self._index_structures(ids, shapely.from_wkb(frame["geom"].to_numpy()))
            elif name == "scenes":
                bounds = shapely.bounds(shapely.from_wkb(frame["geom"].to_numpy()))
                self.conn.executemany("DELETE FROM scenes_rtree WHERE scene_id = ?", [(i,) for i in ids])
                self.conn.executemany(
                    "INSERT INTO scenes_rtree (minx, maxx, miny, maxy, scene_id) VALUES (?, ?, ?, ?, ?)",
                    zip(bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(), bounds[:, 3].tolist(), ids))


#: Rows per ``executemany`` of a bulk insert: progress is reported between them.
CHUNK_ROWS = 65_536
#: Page cache and memory map per row of a table whose indexes an import extends:
#: the sightings' five indexes take some 100 bytes a row; the rest is headroom.
CACHE_BYTES_PER_ROW = 160
#: Never less cache than the connection's own default, nor more than this.
CACHE_MIN_BYTES, CACHE_MAX_BYTES = 64 << 20, 1 << 30


@contextmanager
def _sized_for(conn, rows):
    """Page cache and memory-mapped I/O big enough for the indexes of a ``rows``-row table.

    Inserts land at random places in a time or position index when rows come in
    a merged feed's order; with every index page in memory such an insert costs
    what an append does. The connection's own sizes come back afterwards.
    """
    size = int(min(max(rows * CACHE_BYTES_PER_ROW, CACHE_MIN_BYTES), CACHE_MAX_BYTES))
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-(size >> 10)}")
    conn.execute(f"PRAGMA mmap_size = {size}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")


@contextmanager
def _indexes_after(conn, table, *, rebuild):
    """With ``rebuild``, drop ``table``'s secondary indexes for the block and build them after it.

    Building an index sorts its keys once, whatever order the rows came in;
    worth it when the rows written are at least as many as those already there.
    Inside the caller's transaction: readers never see the table without them.
    """
    if not rebuild:
        yield
        return
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                           " AND sql IS NOT NULL", (table,)).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    # The builds sort in memory, with a helper thread, rather than through temporary files.
    before = [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("temp_store", "threads")]
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA threads = 2")
    try:
        for _, sql in indexes:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA temp_store = {before[0]}")
        conn.execute(f"PRAGMA threads = {before[1]}")


def _insert_columns(conn, table, columns, *, progress=None):
    """Insert rows given as columns (name: list of values); returns the last rowid.

    Columns that hold one value in every row are written as a literal (quoted
    by SQLite itself) and all-NULL ones are left to their default: binding a
    parameter costs more than the row's other work, and a feed's analyst,
    source or note is often one value for the whole file. ``progress``, if
    given, is called with the rows written and the rows in all.

    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c)")
    >>> _insert_columns(conn, "t", {"a": [1, 2], "b": ["x", "x"], "c": [None, None]})
    2
    >>> conn.execute("SELECT a, b, c FROM t").fetchall()
    [(1, 'x', None), (2, 'x', None)]
    """
    # list.count compares in C without hashing: a fraction of the cost of set() on a million floats.
    same = {name: len(column) > 0 and column.count(column[0]) == len(column) for name, column in columns.items()}
    given = {name: column for name, column in columns.items() if not (same[name] and column[0] is None)}
    constant = {name for name in given if same[name]}
    if constant == set(given):
        constant.discard(next(iter(given)))  # one bound column carries the number of rows
    values = [conn.execute("SELECT quote(?)", (given[name][0],)).fetchone()[0] if name in constant else "?"
              for name in given]
    bound = [column for name, column in given.items() if name not in constant]
    names = list(given)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})"
    total = len(bound[0])
    rows = zip(*bound)
    for done in range(0, total, CHUNK_ROWS):
        conn.executemany(sql, itertools.islice(rows, CHUNK_ROWS))
        if progress is not None:
            progress(min(done + CHUNK_ROWS, total), total)
    return conn.execute("SELECT last_insert_rowid()").fetchone()[0]


def port_filter(ports, port):
    """The polygon of the port named (by id, UN/LOCODE or name: :func:`select_port`) in a filter."""
    return select_port(ports, port).geometry
