"""The team store: PostgreSQL with PostGIS, behind the same interface as SQLite.

The spatial work runs in the database: port attribution (ST_Covers on
geometry for the containing port, KNN ``<->`` then ST_Distance on geography
for the nearest one), the port filter, bounding boxes, and the
spatial-temporal joins of the flag rules (an n-D GiST index on each
sighting's unit vector and time, then ST_DWithin on geography). Frames come
out with the same columns and dtypes as from :class:`~shipsight.store.sqlite.SQLiteStore`.

Writers take one advisory lock per database for the length of their
transaction (as SQLite's ``BEGIN IMMEDIATE`` does), so ids are allocated as
``MAX(id) + 1`` exactly as on SQLite: the same commands give the same ids on
both back ends, and a copied log keeps its ids.

>>> store = PostgisStore("postgresql://postgres@127.0.0.1:54329/shipsight_test")  # doctest: +SKIP
>>> store.schema_version()  # doctest: +SKIP
1
"""

import json
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError, NotFoundError, StoreError
from shipsight.geodesy import chord_for_m
from shipsight.store.base import EDITABLE, SCHEMA_VERSION, SightingQuery, Store, _pairs_frame
from shipsight.store.convert import nullable, now_utc, text_times, time_text, times_text
from shipsight.store.flagsync import FLAG_EVIDENCE, plan_flag_sync, typed_flags
from shipsight.store.lists import entry_rows, same_entries, typed_entries
from shipsight.store.postgis_schema import MIGRATIONS, TIME_SCALE
from shipsight.store.sqlite import VESSEL_COLUMNS, _finish_copies, _finish_sightings, _plain

#: Advisory lock key held by every write transaction ("shipsight" in ASCII, as a bigint).
WRITE_LOCK = 0x7368697073696768
#: Seconds to wait for a server before giving up, unless the URL says otherwise.
CONNECT_TIMEOUT_S = 10

# A timestamptz as the SQLite store's text, so frames are typed by the same code on both back ends.
_TEXT_TIME = "to_char(({}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def _tt(expr):
    return _TEXT_TIME.format(expr)


_AUDITED = EDITABLE + ("port_id", "nearest_port_id", "nearest_port_distance_m", "status")
_SIGHTING_JSON = "json_build_object(" + ", ".join(
    f"'{c}', {_tt(c) if c == 'time' else c}" for c in _AUDITED) + ")::text"
_FIELDS = ("name", "imo", "mmsi", "vessel_type", "length_m", "heading", "confidence", "source", "scene_id",
           "pixel_row", "pixel_col", "analyst", "note")
_STAGE_SIGHTINGS = (
    "CREATE TEMP TABLE IF NOT EXISTS _stage_sightings (ord BIGINT, time TEXT, lon FLOAT8, lat FLOAT8,"
    " name TEXT, imo TEXT, mmsi TEXT, vessel_type TEXT, length_m FLOAT8, heading FLOAT8, confidence TEXT,"
    " source TEXT, scene_id TEXT, pixel_row FLOAT8, pixel_col FLOAT8, analyst TEXT, note TEXT)"
    " ON COMMIT DELETE ROWS")


def _attribution_joins(geom, geog):
    """LATERAL joins giving ``c.id`` (smallest port covering ``geom``) and ``n.id``, ``n.d``
    (nearest port and its spheroid distance in metres, only where no port covers it).

    Containment is planar on geometry, as shapely's is in the embedded store.
    The nearest port: the geography KNN index gives the distance ``k.kd`` to
    the nearest port on the sphere; every port within 1 % more of it (the
    sphere and the spheroid differ by well under that) is then measured on the
    spheroid, and the nearest wins. Measuring only those few is what keeps a
    100,000-row import fast: a spheroid distance to a polygon is costly.
    """
    return (
        f" LEFT JOIN LATERAL (SELECT p.id FROM ports p WHERE ST_Covers(p.geom, {geom})"
        f" ORDER BY p.area_m2, p.id LIMIT 1) c ON true"
        f" LEFT JOIN LATERAL (SELECT p.geog <-> {geog} AS kd FROM ports p WHERE c.id IS NULL"
        f" ORDER BY p.geog <-> {geog} LIMIT 1) k ON true"
        f" LEFT JOIN LATERAL (SELECT p.id, ST_Distance(p.geog, {geog}) AS d FROM ports p"
        f" WHERE ST_DWithin(p.geog, {geog}, k.kd * 1.01 + 1, false) ORDER BY 2, 1 LIMIT 1) n ON true"
    )


_PORT_ID = "c.id"
_NEAR_ID = "COALESCE(c.id, n.id)"
_NEAR_D = "CASE WHEN c.id IS NOT NULL THEN 0.0 ELSE n.d END"


def redact(url):
    """A server URL fit to print: any password replaced by ``***``.

    >>> redact("postgresql://kim:s3cret@db.example:5432/log?sslmode=require&password=x")
    'postgresql://kim:***@db.example:5432/log?sslmode=require&password=***'
    """
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = parts.query
    if query:
        pairs = [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(pairs, safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _one_line(exc, secret=None):
    """A driver error as one line (libpq's are several), with no password in it."""
    lines = []
    for line in str(exc).splitlines():
        line = line.strip().removeprefix("connection failed:").strip()
        if line and line not in lines:
            lines.append(line)
    text = "; ".join(lines) or type(exc).__name__
    if secret:
        text = text.replace(secret, "***")
    return text


class PostgisStore(Store):
    """A shared log on a PostgreSQL server with PostGIS 3.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host[:port]/database[?options]``.
    create : bool, keyword-only
        Create the PostGIS extension (when permitted) and the schema, or apply
        pending migrations. With False a database without a shipsight schema is
        an error.

    Raises
    ------
    StoreError
        The server cannot be reached or refuses the login, PostGIS is missing
        and cannot be created, or the store is at a newer schema version.

    Examples
    --------
    >>> with PostgisStore("postgresql://postgres@127.0.0.1:54329/shipsight_test") as store:  # doctest: +SKIP
    ...     store.ports().empty
    True
    """

    kind = "postgis"

    def __init__(self, url, *, create=True):
        self.url = redact(url)
        try:
            import psycopg
            from psycopg.conninfo import conninfo_to_dict
        except ImportError:
            raise StoreError("the PostGIS store needs psycopg; install it with: pip install 'shipsight[postgis]'") from None
        self._psycopg = psycopg
        try:
            info = conninfo_to_dict(str(url))
        except psycopg.ProgrammingError as exc:
            raise InputError(f"{self.url} is not a valid PostgreSQL URL ({_one_line(exc)})") from None
        secret = info.get("password")
        options = {"autocommit": True, "application_name": "shipsight"}
        if "connect_timeout" not in info:
            options["connect_timeout"] = CONNECT_TIMEOUT_S
        try:
            self.conn = psycopg.connect(str(url), **options)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self.url}: {_one_line(exc, secret)}") from None
        self._depth = 0
        self._staged = set()
        try:
            # JIT compiles for a quarter of a second whenever a plan looks costly, and the
            # attribution joins always look costly: a one-row log would pay it every time.
            self.conn.execute("SET jit = off")
            self._open(create)
        except BaseException:
            self.conn.close()
            raise

    def _open(self, create):
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.url} is at schema version {version}, newer than this shipsight knows "
                f"({SCHEMA_VERSION}); upgrade shipsight")
        if not create and version < SCHEMA_VERSION:
            raise InputError(f"{self.url} is at schema version {version}; run 'shipsight init' to "
                             f"{'create' if version == 0 else 'upgrade'} it")
        self._ensure_postgis(create)
        if version < SCHEMA_VERSION:
            self.migrate()

    def _ensure_postgis(self, create):
        if self._one("SELECT 1 FROM pg_extension WHERE extname = 'postgis'"):
            return
        db, user = self._one("SELECT current_database(), current_user")
        if not create:
            raise StoreError(f"{self.url}: the PostGIS extension is not installed in database {db!r}; "
                             "ask an administrator to run CREATE EXTENSION postgis there")
        errors = self._psycopg.errors
        try:
            with self.transaction():
                self.conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except errors.InsufficientPrivilege:
            raise StoreError(f"{self.url}: the PostGIS extension is not installed in database {db!r} and "
                             f"user {user!r} may not create it; ask an administrator to run "
                             "CREATE EXTENSION postgis there") from None
        except self._psycopg.Error as exc:
            raise StoreError(f"{self.url}: PostGIS is not available on this server ({_one_line(exc)}); "
                             "install PostGIS 3 there (Debian: postgresql-15-postgis-3)") from None

    def close(self):
        self.conn.close()

    # -- plumbing ------------------------------------------------------------
    def _one(self, sql, params=None):
        return self.conn.execute(sql, params).fetchone()

    def _query(self, sql, params=None):
        """Rows as a DataFrame built as pandas builds one from sqlite3, so dtypes match."""
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            columns = [d.name for d in cur.description]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(rows, columns=columns)

    def _stage(self, ddl, name):
        """Create a per-session staging table once; its rows vanish at each commit."""
        if name not in self._staged:
            self.conn.execute(ddl)
            self._staged.add(name)

    def _copy(self, table, columns, rows):
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def _stage_ids(self, name, ids):
        """Stage ids for a join in a temporary table (inside a transaction)."""
        self._stage(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id BIGINT PRIMARY KEY) ON COMMIT DELETE ROWS", name)
        self._copy(name, ["id"], ((int(i),) for i in ids))
        self.conn.execute(f"ANALYZE {name}")

    def _next_id(self, table):
        return self._one(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")[0]

    # -- schema --------------------------------------------------------------
    def schema_version(self):
        if self._one("SELECT to_regclass('schema_version')")[0] is None:
            return 0
        row = self._one("SELECT version FROM schema_version")
        return row[0] if row else 0

    def migrate(self):
        errors = self._psycopg.errors
        try:
            with self.transaction():
                # Under the write lock: a process that got here first may have migrated already.
                self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                current = self.schema_version()
                for number in range(current + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[number - 1]:
                        self.conn.execute(statement)
                if current == 0:
                    self.conn.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION,))
                elif current < SCHEMA_VERSION:
                    self.conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))
        except errors.InsufficientPrivilege as exc:
            raise StoreError(f"{self.url}: not allowed to create the shipsight tables ({_one_line(exc)}); "
                             "ask the database owner to run 'shipsight init' once") from None
        return SCHEMA_VERSION

    @contextmanager
    def transaction(self):
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        with self.conn.transaction():
            # One writer at a time per database, as on SQLite: ids are MAX(id) + 1 and
            # an import's rows get consecutive ids whatever else is being logged.
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            self._depth = 1
            try:
                yield self
            finally:
                self._depth = 0

    def _audit_many(self, rows):
        """Append audit rows: (analyst, action, entity, entity_id, old, new, reason)."""
        if not rows:
            return
        at = time_text(now_utc())
        start = self._next_id("audit")
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO audit (id, at, analyst, action, entity, entity_id, old, new, reason)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [(start + k, at, a, act, ent, None if eid is None else str(eid), o, n, r)
                 for k, (a, act, ent, eid, o, n, r) in enumerate(rows)])

    def _audit_select(self, select_sql, params):
        """Append audit rows produced by ``select_sql``, which yields (ord, at, analyst, action,
        entity, entity_id, old, new, reason) with ``ord`` counting from 0."""
        self.conn.execute(
            "INSERT INTO audit (id, at, analyst, action, entity, entity_id, old, new, reason)"
            " SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM audit) + q.ord, q.at::timestamptz, q.analyst, q.action,"
            f" q.entity, q.entity_id, q.old, q.new, q.reason FROM ({select_sql}) q", params)

    # -- ports ---------------------------------------------------------------
    def add_ports(self, ports, *, analyst, source=None):
        if len(ports) == 0:
            return np.array([], dtype=np.int64)
        from shipsight.geodesy import geodesic_area_m2
        from shipsight.store.portrows import port_audit_values

        geoms = np.asarray(ports.geometry.values, dtype=object)
        # Areas as the embedded store measures them (pyproj), so both back ends pick the
        # same smallest port; PostGIS's ST_Area(geography) agrees to a few square metres.
        areas = geodesic_area_m2(geoms)
        created = time_text(now_utc())
        self._stage("CREATE TEMP TABLE IF NOT EXISTS _stage_ports (ord BIGINT, name TEXT, kind TEXT,"
                    " watchlist INTEGER, reason TEXT, area_m2 FLOAT8, wkb BYTEA) ON COMMIT DELETE ROWS", "_stage_ports")
        rows = list(zip(range(len(ports)), nullable(ports["name"]), nullable(ports["kind"]),
                        [int(bool(w)) for w in ports["watchlist"]], nullable(ports["reason"]), areas.tolist(),
                        shapely.to_wkb(geoms).tolist()))
        with self.transaction():
            start = self._next_id("ports")
            ids = np.arange(start, start + len(ports), dtype=np.int64)
            self._copy("_stage_ports", ["ord", "name", "kind", "watchlist", "reason", "area_m2", "wkb"], rows)
            self.conn.execute(
                "INSERT INTO ports (id, name, kind, watchlist, reason, area_m2, source, geom, created_at)"
                " SELECT %s + ord, name, COALESCE(kind, 'port'), watchlist, reason, area_m2, %s,"
                " ST_GeomFromWKB(wkb, 4326), %s::timestamptz FROM _stage_ports ORDER BY ord",
                (int(start), source, created))
            self._audit_many([(analyst, "insert", "port", int(i), None, new, f"imported from {source}" if source else None)
                              for i, new in zip(ids, port_audit_values(ports, areas))])
            self._reattribute(analyst=analyst)
        return ids

    def ports(self):
        df = self._query("SELECT id, name, kind, watchlist, reason, area_m2, source, ST_AsBinary(geom) AS geom"
                         " FROM ports ORDER BY id")
        wkb = df.pop("geom").to_numpy()  # popped even when empty: no raw WKB column beside the geometry
        geom = shapely.from_wkb(wkb) if len(df) else []
        df["watchlist"] = df["watchlist"].astype(bool)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))

    def _reattribute(self, *, analyst):
        """Attribute every sighting afresh after the ports changed, in SQL; audit each change."""
        at = time_text(now_utc())
        self.conn.execute(
            "CREATE TEMP TABLE _changed ON COMMIT DROP AS"
            " SELECT * FROM (SELECT s.id, s.port_id AS old_port, s.nearest_port_id AS old_near,"
            " s.nearest_port_distance_m AS old_d,"
            f" {_PORT_ID} AS port_id, {_NEAR_ID} AS near_id, {_NEAR_D} AS near_d"
            " FROM sightings s" + _attribution_joins("s.geom", "s.geom::geography") + ") a"
            " WHERE a.port_id IS DISTINCT FROM a.old_port OR a.near_id IS DISTINCT FROM a.old_near"
            # np.isclose(new, old, equal_nan=True), as the embedded store decides.
            " OR (a.near_d IS NULL) <> (a.old_d IS NULL)"
            " OR abs(a.near_d - a.old_d) > 1e-8 + 1e-5 * abs(a.old_d)")
        self.conn.execute(
            "UPDATE sightings s SET port_id = c.port_id, nearest_port_id = c.near_id,"
            " nearest_port_distance_m = c.near_d FROM _changed c WHERE s.id = c.id")
        self._audit_select(
            "SELECT row_number() OVER (ORDER BY id) - 1 AS ord, %s AS at, %s AS analyst, 'reattribute' AS action,"
            " 'sighting' AS entity, id::text AS entity_id,"
            " json_build_object('port_id', old_port, 'nearest_port_id', old_near,"
            " 'nearest_port_distance_m', old_d)::text AS old,"
            " json_build_object('port_id', port_id, 'nearest_port_id', near_id,"
            " 'nearest_port_distance_m', near_d)::text AS new, 'ports changed' AS reason FROM _changed",
            (at, analyst))
        self.conn.execute("DROP TABLE _changed")

    # -- scenes --------------------------------------------------------------
    def add_scene(self, record, *, analyst):
        footprint = record["footprint"]
        values = {
            "id": record["id"], "path": str(record["path"]), "sensor": record.get("sensor"),
            "acquired": time_text(record["acquired"]) if record.get("acquired") else None,
            "crs": record["crs"], "transform": json.dumps(list(record["transform"])),
            "width": int(record["width"]), "height": int(record["height"]), "count": int(record["count"]),
            "dtypes": json.dumps(list(record["dtypes"])), "nodata": record.get("nodata"),
            "gsd_m": record.get("gsd_m"), "sha256": record["sha256"],
            "stac": json.dumps(record["stac"]) if record.get("stac") else None,
            "geom": shapely.to_wkb(footprint), "created_at": time_text(now_utc()),
        }
        with self.transaction():
            if self._one("SELECT 1 FROM scenes WHERE id = %s", (values["id"],)):
                raise InputError(f"scene {values['id']!r} is already registered; choose another --id")
            marks = ", ".join("ST_GeomFromWKB(%s, 4326)" if k == "geom" else "%s" for k in values)
            self.conn.execute(f"INSERT INTO scenes ({', '.join(values)}) VALUES ({marks})", tuple(values.values()))
            audit_new = {k: v for k, v in values.items() if k not in ("geom", "stac")}
            audit_new["footprint_wkt"] = footprint.wkt
            self._audit_many([(analyst, "insert", "scene", values["id"], None, json.dumps(audit_new), None)])
        return values["id"]

    def scenes(self, ids=None):
        columns = ("id, path, sensor, " + _tt("acquired") + " AS acquired, crs, transform, width, height, count,"
                   " dtypes, nodata, gsd_m, sha256, stac, ST_AsBinary(geom) AS geom, "
                   + _tt("created_at") + " AS created_at")
        sql, params = f"SELECT {columns} FROM scenes", None
        if ids is not None:
            sql, params = sql + " WHERE id = ANY(%s)", ([str(i) for i in ids],)
        df = self._query(sql + " ORDER BY scenes.acquired, id", params)
        wkb = df.pop("geom").to_numpy()  # popped even when empty: no raw WKB column beside the geometry
        geom = shapely.from_wkb(wkb) if len(df) else []
        df["acquired"] = text_times(df["acquired"])
        df["transform"] = df["transform"].map(json.loads)
        df["dtypes"] = df["dtypes"].map(json.loads)
        df["stac"] = df["stac"].map(lambda s: json.loads(s) if s else None)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))

    def scene_ids(self):
        return {r[0] for r in self.conn.execute("SELECT id FROM scenes")}

    def _check_scenes(self, scene_ids):
        wanted = {s for s in scene_ids if s is not None}
        if wanted:
            missing = wanted - self.scene_ids()
            if missing:
                raise NotFoundError(
                    f"unknown scene {sorted(missing)[0]!r}; register it first with 'shipsight scenes add IMAGE'")

    # -- sightings -----------------------------------------------------------
    def add_sightings(self, frame, *, analyst, source=None, sha256=None):
        n = len(frame)
        if n == 0:
            return np.array([], dtype=np.int64)
        lon = frame["lon"].to_numpy(dtype=float)
        lat = frame["lat"].to_numpy(dtype=float)
        self._check_scenes(frame["scene_id"])
        created = time_text(now_utc())
        self._stage(_STAGE_SIGHTINGS, "_stage_sightings")
        columns = ["ord", "time", "lon", "lat", *_FIELDS]
        # Rows are made before the write lock is taken, so that other writers wait less.
        rows = list(zip(range(n), times_text(frame["time"]).tolist(), lon.tolist(), lat.tolist(),
                        *(nullable(frame[c]) for c in _FIELDS)))
        with self.transaction():
            import_id = None
            if source is not None:
                import_id = self._next_id("imports")
                self.conn.execute(
                    "INSERT INTO imports (id, kind, source, sha256, rows, analyst, at)"
                    " VALUES (%s, 'sightings', %s, %s, %s, %s, %s)",
                    (import_id, str(source), sha256, n, analyst, created))
            start = self._next_id("sightings")
            ids = np.arange(start, start + n, dtype=np.int64)
            self._copy("_stage_sightings", columns, rows)
            # Attribution is computed by PostGIS while the rows go in: one pass.
            self.conn.execute(
                "INSERT INTO sightings (id, time, lon, lat, geom, " + ", ".join(_FIELDS) + ","
                " port_id, nearest_port_id, nearest_port_distance_m, status, import_id, created_at)"
                " SELECT %s + t.ord, t.time::timestamptz, t.lon, t.lat, t.geom, "
                + ", ".join(f"t.{c}" for c in _FIELDS) + ","
                f" {_PORT_ID}, {_NEAR_ID}, {_NEAR_D}, 'active', %s, %s::timestamptz"
                # OFFSET 0 keeps the subquery whole, so each point and its geography is made once.
                " FROM (SELECT *, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom,"
                " ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS geog FROM _stage_sightings OFFSET 0) t"
                + _attribution_joins("t.geom", "t.geog") + " ORDER BY t.ord",
                (int(start), import_id, created))
            self._audit_select(
                f"SELECT id - %s AS ord, %s AS at, %s AS analyst, 'insert' AS action, 'sighting' AS entity,"
                f" id::text AS entity_id, NULL AS old, {_SIGHTING_JSON} AS new, %s AS reason"
                " FROM sightings WHERE id >= %s",
                (int(start), created, analyst, f"imported from {source}" if source else None, int(start)))
        return ids

    def _where(self, q):
        clauses, params = [], []
        if not q.include_retracted:
            clauses.append("s.status = 'active'")
        if q.ids is not None:
            clauses.append("s.id = ANY(%s)")
            params.append([int(i) for i in q.ids])
        if q.since is not None:
            clauses.append("s.time >= %s::timestamptz")
            params.append(time_text(q.since))
        if q.until is not None:
            clauses.append("s.time <= %s::timestamptz")
            params.append(time_text(q.until))
        if q.vessel is not None:
            v = str(q.vessel).strip()
            key = v.upper().removeprefix("IMO").strip()
            clauses.append("(upper(s.name) = %s OR s.imo = %s OR s.mmsi = %s)")
            params += [v.upper(), key, key]
        if q.bbox is not None:
            minx, miny, maxx, maxy = q.bbox
            boxes = [(minx, maxx)] if minx <= maxx else [(minx, 180.0), (-180.0, maxx)]
            clauses.append("(" + " OR ".join(["s.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"] * len(boxes)) + ")")
            for lo, hi in boxes:
                params += [lo, miny, hi, maxy]
        if q.port is not None:
            key = str(q.port).strip()
            if not self._one("SELECT 1 FROM ports WHERE id::text = %s OR lower(name) = lower(%s)", (key, key)):
                raise NotFoundError(f"unknown port {q.port!r}; see 'shipsight ports list'")
            # A port's sightings include those in the berths and terminals inside it.
            clauses.append("EXISTS (SELECT 1 FROM ports p WHERE (p.id::text = %s OR lower(p.name) = lower(%s))"
                           " AND ST_Intersects(p.geom, s.geom))")
            params += [key, key]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def sightings(self, query=SightingQuery()):
        where, params = self._where(query)
        df = self._query(
            "SELECT s.id, " + _tt("s.time") + " AS time, s.lon, s.lat, s.name, s.imo, s.mmsi, s.vessel_type,"
            " s.length_m, s.heading, s.confidence, s.source, s.scene_id, s.pixel_row, s.pixel_col, s.analyst, s.note,"
            " s.port_id, p.name AS port, s.nearest_port_id, np.name AS nearest_port, s.nearest_port_distance_m,"
            " s.status, s.retracted_reason, s.import_id, " + _tt("s.created_at") + " AS created_at"
            " FROM sightings s LEFT JOIN ports p ON p.id = s.port_id"
            " LEFT JOIN ports np ON np.id = s.nearest_port_id" + where + " ORDER BY s.time, s.id",
            params)
        return _finish_sightings(df, None, None)

    def edit_sighting(self, sighting_id, changes, *, reason, analyst):
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InputError(f"{sorted(unknown)[0]!r} cannot be edited; editable fields: {', '.join(EDITABLE)}")
        with self.transaction():
            row = self.sighting(sighting_id).iloc[0]
            if row["status"] == "retracted":
                raise InputError(f"sighting {sighting_id} is retracted; it cannot be edited")
            if "scene_id" in changes:
                self._check_scenes([changes["scene_id"]])
            updates = dict(changes)
            if "time" in updates:
                updates["time"] = time_text(updates["time"])
            old = {k: _plain(row[k]) for k in changes}
            if old.get("time") is not None:
                old["time"] = time_text(old["time"])
            new = {k: (updates[k] if k == "time" else _plain(v)) for k, v in changes.items()}
            sets = ", ".join(f"{k} = %s" for k in updates)
            self.conn.execute(f"UPDATE sightings SET {sets} WHERE id = %s",
                              (*(_plain(v) for v in updates.values()), int(sighting_id)))
            if "lon" in updates or "lat" in updates:
                self.conn.execute(
                    "UPDATE sightings SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326) WHERE id = %s",
                    (int(sighting_id),))
                self.conn.execute(
                    f"UPDATE sightings u SET port_id = {_PORT_ID}, nearest_port_id = {_NEAR_ID},"
                    f" nearest_port_distance_m = {_NEAR_D} FROM sightings s" + _attribution_joins("s.geom", "s.geom::geography")
                    + " WHERE s.id = %s AND u.id = s.id", (int(sighting_id),))
            self._audit_many([(analyst, "edit", "sighting", sighting_id, json.dumps(old), json.dumps(new), reason)])

    def retract_sighting(self, sighting_id, *, reason, analyst):
        with self.transaction():
            row = self.sighting(sighting_id).iloc[0]
            if row["status"] == "retracted":
                raise InputError(f"sighting {sighting_id} is already retracted ({row['retracted_reason']})")
            self.conn.execute("UPDATE sightings SET status = 'retracted', retracted_reason = %s WHERE id = %s",
                              (reason, int(sighting_id)))
            self._audit_many([(analyst, "retract", "sighting", sighting_id,
                               json.dumps({"status": "active"}), json.dumps({"status": "retracted"}), reason)])

    def history(self, *, entity=None, entity_id=None):
        sql = ("SELECT id, " + _tt("at") + " AS at, analyst, db_user, action, entity, entity_id, old, new, reason"
               " FROM audit")
        params = []
        if entity is not None:
            sql += " WHERE entity = %s"
            params.append(entity)
            if entity_id is not None:
                sql += " AND entity_id = %s"
                params.append(str(entity_id))
        df = self._query(sql + " ORDER BY id", params)
        df["at"] = text_times(df["at"])
        return df

    # -- sanctions lists -----------------------------------------------------
    def add_list_version(self, list_name, entries, *, format, source, sha256, analyst):
        with self.transaction():
            same = self._one("SELECT version FROM list_versions WHERE list = %s AND sha256 = %s", (list_name, sha256))
            if same:
                return same[0], False
            latest = self.list_entries(list_name=list_name) if self.list_versions(list_name).shape[0] else None
            if latest is not None and same_entries(latest, entries):
                return int(latest["version"].iat[0]), False
            version = self._one("SELECT COALESCE(MAX(version), 0) + 1 FROM list_versions WHERE list = %s",
                                (list_name,))[0]
            bad = int((entries["imo"].notna() & ~entries["imo_valid"].fillna(True).astype(bool)).sum())
            at = time_text(now_utc())
            version_id = self._next_id("list_versions")
            self.conn.execute(
                "INSERT INTO list_versions (id, list, version, format, source, sha256, entries, bad_imos, analyst,"
                " imported_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (version_id, list_name, version, format, str(source), sha256, len(entries), bad, analyst, at))
            start = self._next_id("list_entries")
            self._copy("list_entries", [
                "id", "list_version_id", "entry_id", "name", "imo", "imo_valid", "mmsi", "aliases", "former_names",
                "program", "flag", "vessel_type", "gross_tonnage", "deadweight", "call_sign", "remarks"],
                ((start + k, version_id, *r) for k, r in enumerate(entry_rows(entries))))
            self._audit_many([(analyst, "insert", "list", f"{list_name} v{version}", None,
                               json.dumps({"list": list_name, "version": version, "format": format,
                                           "source": str(source), "sha256": sha256, "entries": len(entries),
                                           "bad_imos": bad}), None)])
        return version, True

    def list_versions(self, list_name=None):
        sql = ("SELECT id, list, version, format, source, sha256, entries, bad_imos, analyst, "
               + _tt("imported_at") + " AS imported_at FROM list_versions")
        params = None
        if list_name is not None:
            sql, params = sql + " WHERE list = %s", (list_name,)
        df = self._query(sql + " ORDER BY list, version", params)
        df["imported_at"] = text_times(df["imported_at"])
        return df

    def list_entries(self, *, list_name=None, version=None):
        where, params = [], []
        if list_name is not None:
            where.append("v.list = %s")
            params.append(list_name)
        if version is not None:
            where.append("v.version = %s")
            params.append(int(version))
        else:
            where.append("v.version = (SELECT MAX(version) FROM list_versions w WHERE w.list = v.list)")
        df = self._query(
            "SELECT e.*, v.list, v.version FROM list_entries e JOIN list_versions v ON v.id = e.list_version_id"
            " WHERE " + " AND ".join(where) + " ORDER BY v.list, e.id", params)
        return typed_entries(df)

    # -- vessels -------------------------------------------------------------
    def set_vessel(self, imo, *, analyst, mmsi=None, name=None, vessel_type=None, deadweight=None,
                   gross_tonnage=None, note=None):
        given = {"mmsi": mmsi, "name": name, "vessel_type": vessel_type, "deadweight": deadweight,
                 "gross_tonnage": gross_tonnage, "note": note}
        given = {k: v for k, v in given.items() if v is not None}
        with self.transaction():
            row = self._one(f"SELECT id, {', '.join(VESSEL_COLUMNS)} FROM vessels WHERE imo = %s", (str(imo),))
            at = time_text(now_utc())
            if row is None:
                new = {"imo": str(imo), **given}
                cols = list(new)
                vid = self._next_id("vessels")
                self.conn.execute(
                    f"INSERT INTO vessels (id, {', '.join(cols)}, updated_at)"
                    f" VALUES (%s, {', '.join(['%s'] * len(cols))}, %s)", [vid, *new.values(), at])
                self._audit_many([(analyst, "insert", "vessel", str(imo), None, json.dumps(new), None)])
                return vid
            vid, old_values = row[0], dict(zip(VESSEL_COLUMNS, row[1:]))
            changed = {k: v for k, v in given.items() if old_values.get(k) != v}
            if changed:
                self.conn.execute(
                    f"UPDATE vessels SET {', '.join(f'{k} = %s' for k in changed)}, updated_at = %s WHERE id = %s",
                    [*changed.values(), at, vid])
                self._audit_many([(analyst, "update", "vessel", str(imo),
                                   json.dumps({k: old_values.get(k) for k in changed}), json.dumps(changed), None)])
            return vid

    def vessels(self):
        df = self._query(f"SELECT id, {', '.join(VESSEL_COLUMNS)}, " + _tt("updated_at")
                         + " AS updated_at FROM vessels ORDER BY imo, id")
        for c in ("deadweight", "gross_tonnage"):
            df[c] = df[c].astype(float)
        df["updated_at"] = text_times(df["updated_at"])
        return df

    # -- flags ---------------------------------------------------------------
    def flag_inputs(self, query=SightingQuery()):
        where, params = self._where(query)
        df = self._query("SELECT s.id, " + _tt("s.time") + " AS time, s.lon, s.lat, s.name, s.imo, s.mmsi, s.port_id"
                         " FROM sightings s" + where + " ORDER BY s.id", params)
        df["time"] = text_times(df["time"])
        df["port_id"] = df["port_id"].astype("Int64")
        return df.reset_index(drop=True)

    def pairs_near(self, a, b, *, distance_m, window_h):
        """Pairs of sightings of ``a`` and ``b`` within ``distance_m`` metres and ``window_h`` hours,
        found by PostGIS (see :meth:`_pairs_sql`); as :meth:`Store.pairs_near`."""
        if len(a) == 0 or len(b) == 0:
            return _pairs_frame(np.array([], np.int64), np.array([], np.int64), np.array([]), np.array([]))
        with self.conn.transaction():
            self._stage_ids("_pairs_a", a["id"])
            self._stage_ids("_pairs_b", b["id"])
            df = self._pairs_sql("_pairs_a", "_pairs_b", distance_m, window_h, self_join=False)
        return df

    def self_pairs_near(self, s, *, distance_m, window_h):
        """Pairs within ``s`` (a_id < b_id), found by PostGIS; as :meth:`Store.self_pairs_near`."""
        if len(s) < 2:
            return _pairs_frame(np.array([], np.int64), np.array([], np.int64), np.array([]), np.array([]))
        with self.conn.transaction():
            self._stage_ids("_pairs_a", s["id"])
            df = self._pairs_sql("_pairs_a", "_pairs_a", distance_m, window_h, self_join=True)
        return df

    def _pairs_sql(self, a_table, b_table, distance_m, window_h, *, self_join):
        """The spatial-temporal join in SQL.

        Each sighting is indexed (n-D GiST) as a 4-D point: its unit vector on
        the sphere and its time. For every ``b`` the index returns the ``a``
        inside a box that holds both the chord covering ``distance_m`` and the
        time window, so space and time prune together (a busy anchorage over a
        year does not yield every ship ever anchored there); the candidates are
        then checked exactly: time, then the distance on the spheroid.
        """
        chord = float(chord_for_m(distance_m))
        # The stored time coordinate is rounded: widen the box a hair; the exact check follows.
        half = window_h * 3600.0 * TIME_SCALE * (1 + 1e-9) + 1e-9
        order = "a.id < b.id AND " if self_join else ""
        df = self._query(
            "SELECT a.id AS a_id, b.id AS b_id,"
            " ST_Distance(a.geom::geography, b.geom::geography) AS distance_m,"
            " (extract(epoch FROM b.time - a.time) / 3600.0)::float8 AS hours"
            f" FROM {b_table} bb JOIN sightings b ON b.id = bb.id,"
            " LATERAL (SELECT ST_MakeLine("
            " ST_MakePoint(v.x - %(r)s, v.y - %(r)s, v.z - %(r)s, v.m - %(w)s),"
            " ST_MakePoint(v.x + %(r)s, v.y + %(r)s, v.z + %(r)s, v.m + %(w)s)) AS box"
            " FROM (SELECT ST_X(q) AS x, ST_Y(q) AS y, ST_Z(q) AS z, ST_M(q) AS m"
            " FROM shipsight_st4(b.lon, b.lat, b.time) q) v) bx"
            " JOIN sightings a ON shipsight_st4(a.lon, a.lat, a.time) &&& bx.box"
            f" JOIN {a_table} aa ON aa.id = a.id"
            # The exact checks are written so that no other index can serve them: given
            # ST_DWithin and a time range, the planner ANDed the geography and time indexes
            # instead, and took twice as long as with the 4-D index alone.
            f" WHERE {order}abs(extract(epoch FROM a.time - b.time)) <= %(win_s)s"
            " AND ST_Distance(a.geom::geography, b.geom::geography) <= %(d)s"
            " ORDER BY a.id, b.id",
            {"r": chord, "w": half, "win_s": float(window_h) * 3600.0, "d": float(distance_m)})
        return _pairs_frame(df["a_id"].to_numpy(np.int64), df["b_id"].to_numpy(np.int64),
                            df["distance_m"].to_numpy(float), df["hours"].to_numpy(float))

    def watchlist_hits(self, s):
        """Sightings of ``s`` inside watch-listed ports, with the smallest such port, in SQL."""
        if len(s) == 0:
            return pd.DataFrame({"sighting_id": pd.Series([], dtype="int64"), "port_id": pd.Series([], dtype="int64")})
        with self.conn.transaction():
            self._stage_ids("_pairs_a", s["id"])
            df = self._query(
                "SELECT DISTINCT ON (x.id) x.id AS sighting_id, p.id AS port_id"
                " FROM _pairs_a x JOIN sightings t ON t.id = x.id"
                " JOIN ports p ON p.watchlist = 1 AND ST_Intersects(p.geom, t.geom)"
                " ORDER BY x.id, p.area_m2, p.id")
        return df.astype({"sighting_id": "int64", "port_id": "int64"}).reset_index(drop=True)

    def sync_flags(self, flags, *, scope_ids, analyst):
        at = time_text(now_utc())
        with self.transaction():
            existing = self._query(f"SELECT id, key, active, {', '.join(FLAG_EVIDENCE)} FROM flags")
            plan = plan_flag_sync(existing, flags, scope_ids=scope_ids)
            counts = {k: len(v) for k, v in plan.items()}
            new = plan["new"]
            if len(new):
                start = self._next_id("flags")
                cols = ["key", *FLAG_EVIDENCE]
                values = [nullable(new[c]) for c in cols]
                self._copy("flags", ["id", *cols, "active", "status", "created_at", "updated_at"],
                           ((start + k, *row, 1, "open", at, at) for k, row in enumerate(zip(*values))))
                evidence = ", ".join(f"'{c}', {c}" for c in FLAG_EVIDENCE)
                self._audit_select(
                    "SELECT id - %s AS ord, %s AS at, %s AS analyst, 'insert' AS action, 'flag' AS entity,"
                    f" id::text AS entity_id, NULL AS old, json_build_object({evidence})::text AS new,"
                    " 'flag run' AS reason FROM flags WHERE id >= %s", (int(start), at, analyst, int(start)))
            changed = plan["updated"]
            if len(changed):
                sets = ", ".join(f"{c} = %s" for c in FLAG_EVIDENCE)
                with self.conn.cursor() as cur:
                    cur.executemany(
                        f"UPDATE flags SET {sets}, active = 1, updated_at = %s WHERE id = %s",
                        [(*row, at, int(i)) for row, i in zip(
                            zip(*(nullable(changed[c]) for c in FLAG_EVIDENCE)), changed["id"])])
                self._audit_many([(analyst, "update", "flag", int(i), o, n, "flag run: evidence changed")
                                  for i, o, n in zip(changed["id"], changed["old"], changed["new"])])
            gone = plan["withdrawn"]
            if len(gone):
                self.conn.execute("UPDATE flags SET active = 0, updated_at = %s WHERE id = ANY(%s)",
                                  (at, [int(i) for i in gone["id"]]))
                self._audit_many([(analyst, "withdraw", "flag", int(i), json.dumps({"active": True}),
                                   json.dumps({"active": False}), "flag run: no longer found") for i in gone["id"]])
        return counts

    def flags(self, *, ids=None, rule=None, status=None, include_withdrawn=False):
        where, params = [], []
        if ids is not None:
            where.append("f.id = ANY(%s)")
            params.append([int(i) for i in ids])
        if rule is not None:
            where.append("f.rule = %s")
            params.append(rule)
        if status is not None:
            where.append("f.status = %s")
            params.append(status)
        if not include_withdrawn:
            where.append("f.active = 1")
        df = self._query(
            "SELECT f.id, f.rule, f.severity, f.sighting_id, f.related_sighting_id,"
            " s.name, s.imo, s.mmsi, " + _tt("s.time") + " AS time, s.lon, s.lat, r.name AS related_name,"
            " r.imo AS related_imo, r.mmsi AS related_mmsi, " + _tt("r.time") + " AS related_time,"
            " r.lon AS related_lon, r.lat AS related_lat,"
            " e.name AS listed_name, e.imo AS listed_imo, v.list, e.program, e.entry_id AS list_entry,"
            " f.matched_on, f.score, p.name AS port, p.reason AS port_reason, f.port_id, f.distance_m,"
            " f.hours_apart, f.status,"
            " f.review_note, f.active, f.list_entry_id, " + _tt("f.created_at") + " AS created_at, "
            + _tt("f.updated_at") + " AS updated_at"
            " FROM flags f JOIN sightings s ON s.id = f.sighting_id"
            " LEFT JOIN sightings r ON r.id = f.related_sighting_id"
            " LEFT JOIN list_entries e ON e.id = f.list_entry_id"
            " LEFT JOIN list_versions v ON v.id = e.list_version_id"
            " LEFT JOIN ports p ON p.id = f.port_id"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.id", params)
        return typed_flags(df)

    def review_flag(self, flag_id, *, status, note, analyst):
        with self.transaction():
            row = self._one("SELECT status, review_note FROM flags WHERE id = %s", (int(flag_id),))
            if row is None:
                raise NotFoundError(f"no flag {flag_id}; list them with 'shipsight flags list'")
            self.conn.execute("UPDATE flags SET status = %s, review_note = %s, updated_at = %s WHERE id = %s",
                              (status, note, time_text(now_utc()), int(flag_id)))
            self._audit_many([(analyst, "review", "flag", int(flag_id),
                               json.dumps({"status": row[0], "review_note": row[1]}),
                               json.dumps({"status": status, "review_note": note}), note)])

    # -- whole-log copy ------------------------------------------------------
    def _columns(self, name):
        """``(column, data type)`` of a table, in its order."""
        from shipsight.store.sqlite import _check_table

        _check_table(name)
        rows = self.conn.execute(
            "SELECT column_name, data_type, udt_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s AND is_generated = 'NEVER'"
            " ORDER BY ordinal_position", (name,)).fetchall()
        return [(c, "geometry" if u == "geometry" else t) for c, t, u in rows]

    def record_copy(self, *, source, added, updated, analyst):
        self.conn.execute(
            "INSERT INTO copies (at, analyst, source, added, updated) VALUES (%s, %s, %s, %s, %s)",
            (time_text(now_utc()), analyst, str(source), json.dumps(added), json.dumps(updated)))

    def copies(self):
        return _finish_copies(self._query(
            "SELECT id, " + _tt("at") + " AS at, analyst, db_user, source, added, updated FROM copies ORDER BY id"))

    def dump_table(self, name):
        columns = self._columns(name)
        exprs = []
        for c, t in columns:
            if t == "geometry":
                exprs.append(f"ST_AsBinary({c}) AS {c}")
            elif t == "timestamp with time zone":
                exprs.append(f"{_tt(c)} AS {c}")
            else:
                exprs.append(c)
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT {', '.join(exprs)} FROM {name} ORDER BY id")
            rows = cur.fetchall()
        return pd.DataFrame(rows, columns=[c for c, _ in columns], dtype=object)

    def load_rows(self, name, frame, *, replace=False):
        if len(frame) == 0:
            return
        types = dict(self._columns(name))
        columns = list(frame.columns)
        unknown = [c for c in columns if c not in types]
        if unknown:
            raise InputError(f"table {name} has no column {unknown[0]!r}")
        # Staged as the neutral form (WKB, time text), converted on the way in.
        stage_types = {"geometry": "BYTEA", "timestamp with time zone": "TEXT"}
        stage = f"_load_{name}"
        with self.transaction():
            self.conn.execute(f"DROP TABLE IF EXISTS {stage}")
            self.conn.execute(f"CREATE TEMP TABLE {stage} ("
                              + ", ".join(f"{c} {stage_types.get(types[c], types[c])}" for c in columns)
                              + ") ON COMMIT DROP")
            self._copy(stage, columns, zip(*(nullable(frame[c]) for c in columns)))
            exprs = []
            for c in columns:
                if types[c] == "geometry":
                    exprs.append(f"ST_GeomFromWKB({c}, 4326)")
                elif types[c] == "timestamp with time zone":
                    exprs.append(f"{c}::timestamptz")
                else:
                    exprs.append(c)
            sql = f"INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM {stage}"
            if replace:
                sql += (" ON CONFLICT (id) DO UPDATE SET "
                        + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "id"))
            self.conn.execute(sql)
            self.conn.execute(f"DROP TABLE {stage}")
