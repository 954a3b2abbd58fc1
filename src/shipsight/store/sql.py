"""What the SQLite and PostGIS stores share: the Store methods whose SQL is the same on both.

:class:`SQLStore` writes each of those methods once. A back end fills in small
hooks: its parameter mark, how a time or geometry column is read (SQLite keeps
text and WKB, PostGIS ``timestamptz`` and ``geometry``), how rows are fetched
and bulk-written (``executemany`` or ``COPY``), how audit rows are written, and
where the spatial work happens (in process on SQLite, in SQL on PostGIS).
"""

import json
from abc import abstractmethod
from contextlib import contextmanager

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError, NotFoundError
from shipsight.rules import SIGHTING_RULES
from shipsight.store.aismatches import AISMatchRows
from shipsight.store.aisrows import AISRows
from shipsight.store.base import EDITABLE, SCHEMA_VERSION, SightingQuery, Store
from shipsight.store.convert import nullable, now_utc, plain, text_times, time_text, times_text
from shipsight.store.flagsync import FLAG_EVIDENCE, plan_flag_sync, typed_flags
from shipsight.store.lists import ENTRY_COLUMNS, entry_rows, same_entries, typed_entries
from shipsight.store.portrows import PORT_IDENTITY, stored_already

#: The analyst-entered particulars of a vessel (table ``vessels``), beside id and updated_at.
VESSEL_COLUMNS = ("imo", "mmsi", "name", "vessel_type", "deadweight", "gross_tonnage", "note")
#: A structure's fields as the table holds them (beside id, geometry and times).
STRUCTURE_COLUMNS = ("name", "kind", "status", "radius_sar_m", "radius_optical_m", "source", "evidence", "analyst")
#: A sighting's fields as its audit entries record them.
_AUDITED = EDITABLE + ("port_id", "nearest_port_id", "nearest_port_distance_m", "status")
#: The fields of a sighting an import writes as given (beside time, position and attribution).
SIGHTING_FIELDS = ("name", "imo", "mmsi", "vessel_type", "length_m", "heading", "confidence", "source", "scene_id",
                   "pixel_row", "pixel_col", "analyst", "note")
#: What makes an imported row the same as a sighting already in the log (issue 11: "no silent doubles").
DUPLICATE_KEY = ("time", "lon", "lat", "name", "imo", "mmsi", "source")
#: What an import does with such rows: leave them out (counted) or write them again.
DUPLICATES = ("keep", "skip")
#: Positions are compared to 1e-7 degree (about a centimetre): what a CSV's decimals carry back.
_POSITION_DECIMALS = 7


def _duplicate_keys(times, frame):
    """The :data:`DUPLICATE_KEY` columns of ``frame`` as comparable values (times as the store's text)."""
    keys = {"time": pd.Series(times, dtype=object).to_numpy()}
    for c in ("lon", "lat"):
        keys[c] = np.round(frame[c].to_numpy(dtype=float), _POSITION_DECIMALS)
    for c in DUPLICATE_KEY[3:]:
        # One marker for "no value" on both sides: None, NaN and NA alike.
        keys[c] = pd.Series(frame[c], dtype=object).where(pd.notna(frame[c]), "\x00").astype(str).to_numpy()
    return pd.DataFrame(keys)


class SQLStore(AISRows, AISMatchRows, Store):
    """A store on a SQL database; subclasses supply the hooks below.

    ``conn`` is a DB-API connection whose ``execute`` returns a cursor (sqlite3
    and psycopg 3 both do), in autocommit mode: :meth:`transaction` opens the
    transactions.
    """

    #: The driver's parameter mark.
    PARAM: str
    #: A parameter compared with a stored time (given as the store's UTC text).
    TIME_PARAM: str
    #: A parameter written to a geometry column, given as WKB.
    GEOM_PARAM: str

    def close(self):
        self.conn.close()

    # -- hooks ---------------------------------------------------------------
    @abstractmethod
    def _query(self, sql, params=None):
        """Rows as a DataFrame, with the columns the query names."""

    @abstractmethod
    def _one(self, sql, params=None):
        """The first row of a query, or None."""

    @abstractmethod
    def _executemany(self, sql, rows):
        """Run one statement for each of ``rows``."""

    @abstractmethod
    def _write_transaction(self):
        """A context manager: one outermost write transaction, holding the store's write lock."""

    @abstractmethod
    def _audit_many(self, rows):
        """Append audit rows: (analyst, action, entity, entity_id, old, new, reason)."""

    @abstractmethod
    def _audit_inserted(self, entity, table, columns, start, reason, *, at, analyst):
        """Append an ``insert`` audit row for each row of ``table`` with id ``start`` or more,
        its ``new`` value the JSON of its ``columns``."""

    @abstractmethod
    def _time(self, expr):
        """SQL reading the time ``expr`` as the store's UTC text (see :mod:`shipsight.store.convert`)."""

    @abstractmethod
    def _wkb(self, expr):
        """SQL reading the geometry ``expr`` as WKB in EPSG:4326."""

    @abstractmethod
    def _id_in(self, column, ids):
        """``(clause, params)``: ``column`` is one of ``ids`` (a list; may be empty)."""

    @abstractmethod
    def _place_clauses(self, q):
        """``(clauses, params)`` of a sightings query's bounding box and port, where SQL does them."""

    @abstractmethod
    def _within_port(self, frame, port):
        """The rows of ``frame`` (with lon, lat) in ``port``, where SQL has not filtered them."""

    @abstractmethod
    def _index_scene(self, scene_id, footprint):
        """Index a scene just written, where the database does not do it itself."""

    @abstractmethod
    def _sighting_rows(self, frame):
        """An import's rows made ready to write, before the write lock is taken."""

    @abstractmethod
    def _write_sightings(self, rows, *, start, import_id, created, progress=None):
        """Write rows of :meth:`_sighting_rows` with ids from ``start``, attributed to ports;
        ``progress(rows_written, rows)`` as they go."""

    @abstractmethod
    def _update_sighting(self, sighting_id, row, updates):
        """Write an edit's ``updates`` to the sighting (stored ``row``), with its geometry and
        port attribution afresh when it moved."""

    @abstractmethod
    def _insert_rows(self, table, columns, rows):
        """Bulk-write ``rows`` (tuples in ``columns`` order) into ``table``."""

    @abstractmethod
    def _withdraw_flags(self, ids, at):
        """Mark the flags ``ids`` inactive, updated ``at``."""

    @abstractmethod
    def _index_structures(self, ids, geoms):
        """Index structures just written, where the database does not do it itself."""

    @abstractmethod
    def _structure_boxes(self, boxes):
        """``(clause, params)``: a structure's bounding box meets one of ``boxes`` (lon/lat, no wrap)."""

    # -- plumbing ------------------------------------------------------------
    @contextmanager
    def transaction(self):
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        with self._write_transaction():
            self._depth = 1
            try:
                yield self
            finally:
                self._depth = 0

    def _next_id(self, table):
        """The id the next row of ``table`` gets; ids are ``MAX(id) + 1`` under the write lock on
        both back ends, so the same commands give the same ids on each."""
        return self._one(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")[0]

    def _insert(self, table, values):
        """Insert one row (``values``: column to value) with the next id; return that id."""
        row_id = self._next_id(table)
        marks = ", ".join([self.PARAM] * (len(values) + 1))
        self.conn.execute(f"INSERT INTO {table} (id, {', '.join(values)}) VALUES ({marks})",
                          [row_id, *values.values()])
        return row_id

    def _apply_migrations(self, migrations):
        """Bring the schema to :data:`SCHEMA_VERSION`; call inside :meth:`transaction`."""
        p = self.PARAM
        self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        # Re-read under the write lock: another process may have migrated already.
        current = self.schema_version()
        for number in range(current + 1, SCHEMA_VERSION + 1):
            for statement in migrations[number - 1]:
                self.conn.execute(statement)
        if current == 0:
            self.conn.execute(f"INSERT INTO schema_version VALUES ({p})", (SCHEMA_VERSION,))
        elif current < SCHEMA_VERSION:
            self.conn.execute(f"UPDATE schema_version SET version = {p}", (SCHEMA_VERSION,))

    # -- ports ---------------------------------------------------------------
    @abstractmethod
    def _write_ports(self, ports, *, analyst, source):
        """Insert ports (at least one), audit each and re-attribute sightings; return the new ids."""

    def add_ports(self, ports, *, analyst, source=None, duplicates="keep"):
        if duplicates not in DUPLICATES:
            raise InputError(f"duplicates must be one of {', '.join(DUPLICATES)}, not {duplicates!r}")
        with self.transaction():
            if duplicates == "skip" and len(ports):
                # Under the write lock, as for sightings: a concurrent import of the same file is seen.
                ports = ports[~stored_already(ports, self.ports())]
            if len(ports) == 0:
                return np.array([], dtype=np.int64)
            return self._write_ports(ports, analyst=analyst, source=source)

    def ports(self):
        df = self._query(f"SELECT id, name, kind, watchlist, reason, {', '.join(PORT_IDENTITY)}, area_m2, source,"
                         f" {self._wkb('geom')} AS geom FROM ports ORDER BY id")
        df["watchlist"] = df["watchlist"].astype(bool)
        return _geo_frame(df)

    # -- fixed structures ----------------------------------------------------
    def add_structures(self, structures, *, analyst, source=None):
        n = len(structures)
        if n == 0:
            return np.array([], dtype=np.int64)
        geoms = np.asarray(structures.geometry.values, dtype=object)
        at = time_text(now_utc())
        values = {c: (nullable(structures[c]) if c in structures else [None] * n) for c in STRUCTURE_COLUMNS}
        values["source"] = [source if v is None else v for v in values["source"]]
        values["analyst"] = [analyst] * n
        wkb = shapely.to_wkb(geoms).tolist()
        wkt = shapely.to_wkt(geoms, rounding_precision=7).tolist()
        cols = ["id", *STRUCTURE_COLUMNS, "geom", "created_at", "updated_at"]
        marks = ", ".join([self.PARAM] * (len(STRUCTURE_COLUMNS) + 1) + [self.GEOM_PARAM] + [self.PARAM] * 2)
        with self.transaction():
            start = self._next_id("structures")
            ids = np.arange(start, start + n, dtype=np.int64)
            rows = [(int(i), *r, g, at, at) for i, r, g in zip(ids, zip(*values.values()), wkb)]
            self._executemany(f"INSERT INTO structures ({', '.join(cols)}) VALUES ({marks})", rows)
            self._index_structures(ids, geoms)
            reason = f"imported from {source}" if source else None
            self._audit_many([(analyst, "insert", "structure", int(i),
                               None, json.dumps({**dict(zip(STRUCTURE_COLUMNS[:5], r[1:6])), "evidence": r[7],
                                                "geometry": g}), reason)
                              for i, r, g in zip(ids, rows, wkt)])
        return ids

    def structures(self, *, status=None, bbox=None, ids=None):
        sql = (f"SELECT id, {', '.join(STRUCTURE_COLUMNS)}, {self._time('created_at')} AS created_at,"
               f" {self._time('updated_at')} AS updated_at, {self._wkb('geom')} AS geom FROM structures")
        clauses, params = [], []
        if status is not None:
            clause, values = self._id_in("status", [status] if isinstance(status, str) else list(status))
            clauses.append(clause)
            params += values
        if ids is not None:
            clause, values = self._id_in("id", [int(i) for i in ids])
            clauses.append(clause)
            params += values
        if bbox is not None:
            minx, miny, maxx, maxy = bbox
            boxes = [(minx, miny, maxx, maxy)] if minx <= maxx else [(minx, miny, 180.0, maxy), (-180.0, miny, maxx, maxy)]
            clause, values = self._structure_boxes(boxes)
            clauses.append(clause)
            params += values
        df = self._query(sql + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY id", params)
        for c in ("created_at", "updated_at"):
            df[c] = text_times(df[c])
        for c in ("radius_sar_m", "radius_optical_m"):
            df[c] = df[c].astype(float)
        return _geo_frame(df)

    def set_structure_status(self, ids, status, *, analyst, reason=None):
        ids = [int(i) for i in ids]
        with self.transaction():
            rows = self.structures(ids=ids)
            missing = sorted(set(ids) - set(rows["id"].tolist()))
            if missing:
                raise NotFoundError(f"no structure {missing[0]}; list them with 'shipsight infra list'")
            change = rows[rows["status"] != status]
            if len(change):
                at = time_text(now_utc())
                self._executemany(f"UPDATE structures SET status = {self.PARAM}, updated_at = {self.PARAM}"
                                  f" WHERE id = {self.PARAM}", [(status, at, int(i)) for i in change["id"]])
                self._audit_many([(analyst, "review", "structure", int(i), json.dumps({"status": old}),
                                   json.dumps({"status": status}), reason)
                                  for i, old in zip(change["id"], change["status"])])
        return [int(i) for i in change["id"]]

    # -- scenes --------------------------------------------------------------
    def add_scene(self, record, *, analyst):
        footprint = record["footprint"]
        values = {
            "id": record["id"], "path": str(record["path"]), "sensor": record.get("sensor"),
            "acquired": time_text(record["acquired"]) if record.get("acquired") else None,
            "crs": record["crs"], "transform": json.dumps(None if record.get("transform") is None else list(record["transform"])),
            "width": int(record["width"]), "height": int(record["height"]), "count": int(record["count"]),
            "dtypes": json.dumps(list(record["dtypes"])), "nodata": record.get("nodata"),
            "gsd_m": record.get("gsd_m"), "sha256": record["sha256"],
            "stac": json.dumps(record["stac"]) if record.get("stac") else None,
            "geom": shapely.to_wkb(footprint), "created_at": time_text(now_utc()),
            "time_start": time_text(record["time_start"]) if record.get("time_start") else None,
            "time_end": time_text(record["time_end"]) if record.get("time_end") else None,
            "product": json.dumps(record["product"]) if record.get("product") else None,
        }
        with self.transaction():
            if self._one(f"SELECT 1 FROM scenes WHERE id = {self.PARAM}", (values["id"],)):
                raise InputError(f"scene {values['id']!r} is already registered; choose another --id")
            marks = ", ".join(self.GEOM_PARAM if k == "geom" else self.PARAM for k in values)
            self.conn.execute(f"INSERT INTO scenes ({', '.join(values)}) VALUES ({marks})", tuple(values.values()))
            self._index_scene(values["id"], footprint)
            audit_new = {k: v for k, v in values.items() if k not in ("geom", "stac")}
            audit_new["footprint_wkt"] = footprint.wkt
            self._audit_many([(analyst, "insert", "scene", values["id"], None, json.dumps(audit_new), None)])
        return values["id"]

    def scenes(self, ids=None):
        sql = (f"SELECT id, path, sensor, {self._time('acquired')} AS acquired, crs, transform, width, height, count,"
               f" dtypes, nodata, gsd_m, sha256, stac, {self._wkb('geom')} AS geom,"
               f" {self._time('created_at')} AS created_at, {self._time('time_start')} AS time_start,"
               f" {self._time('time_end')} AS time_end, product FROM scenes")
        params = []
        if ids is not None:
            clause, params = self._id_in("id", [str(i) for i in ids])
            sql += " WHERE " + clause
        df = self._query(sql + " ORDER BY scenes.acquired, id", params)
        df["acquired"] = text_times(df["acquired"])
        df["time_start"] = text_times(df["time_start"])
        df["time_end"] = text_times(df["time_end"])
        df["transform"] = df["transform"].map(json.loads)
        df["product"] = df["product"].map(lambda s: json.loads(s) if s else None)
        df["dtypes"] = df["dtypes"].map(json.loads)
        df["stac"] = df["stac"].map(lambda s: json.loads(s) if s else None)
        return _geo_frame(df)

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
    def add_sightings(self, frame, *, analyst, source=None, sha256=None, duplicates="keep", progress=None):
        if duplicates not in DUPLICATES:
            raise InputError(f"duplicates must be one of {', '.join(DUPLICATES)}, not {duplicates!r}")
        if len(frame) == 0:
            return np.array([], dtype=np.int64)
        self._check_scenes(frame["scene_id"])
        created = time_text(now_utc())
        # Rows are made before the write lock is taken, so that other writers wait less.
        rows = self._sighting_rows(frame)
        with self.transaction():
            skipped = 0
            if duplicates == "skip":
                # Checked under the write lock: a concurrent import of the same rows is seen.
                dup = self._duplicates(frame)
                skipped = int(dup.sum())
                if skipped == len(frame):
                    return np.array([], dtype=np.int64)
                if skipped:
                    frame = frame[~dup].reset_index(drop=True)
                    rows = self._sighting_rows(frame)
            n = len(frame)
            start = self._next_id("sightings")
            import_id = None
            if source is not None:
                import_id = self._insert("imports", {
                    "kind": "sightings", "source": str(source), "sha256": sha256, "rows": n, "analyst": analyst,
                    "at": created, "first_id": start, "last_id": start + n - 1, "duplicates": skipped})
            self._write_sightings(rows, start=start, import_id=import_id, created=created, progress=progress)
            if import_id is None:
                self._audit_inserted("sighting", "sightings", _AUDITED, start, None, at=created, analyst=analyst)
            else:
                # One entry for the whole import; the rows written are its values, and
                # 'history N' finds it through the sighting's import_id.
                self._audit_many([(analyst, "import", "import", import_id, None, json.dumps({
                    "source": str(source), "sha256": sha256, "analyst": analyst, "rows": n,
                    "first_id": int(start), "last_id": int(start + n - 1), "duplicates_skipped": skipped}),
                    f"imported from {source}")])
        return np.arange(start, start + n, dtype=np.int64)

    def _duplicates(self, frame):
        """True for each row of ``frame`` whose time, position, identity (name, IMO, MMSI) and
        source are those of a sighting already in the log (retracted ones too).

        Reads the stored sightings in the frame's time span (an index range) and
        matches whole keys: hashed to find candidates, then compared exactly.
        """
        stored = self._query(
            f"SELECT {self._time('time')} AS time, lon, lat, {', '.join(DUPLICATE_KEY[3:])} FROM sightings"
            f" WHERE time BETWEEN {self.TIME_PARAM} AND {self.TIME_PARAM}",
            (time_text(frame["time"].min()), time_text(frame["time"].max())))
        if stored.empty:
            return np.zeros(len(frame), dtype=bool)
        new = _duplicate_keys(times_text(frame["time"]), frame)
        old = _duplicate_keys(stored["time"], stored)
        hashed_new = pd.util.hash_pandas_object(new, index=False).to_numpy()
        hashed_old = pd.util.hash_pandas_object(old, index=False).to_numpy()
        candidate = np.isin(hashed_new, hashed_old)
        if not candidate.any():
            return candidate
        # A 64-bit hash may collide: confirm the candidates on the keys themselves.
        sure = new[candidate].reset_index().merge(old.drop_duplicates(), on=list(DUPLICATE_KEY))["index"]
        out = np.zeros(len(frame), dtype=bool)
        out[sure.to_numpy()] = True
        return out

    def _where(self, q):
        """The WHERE clause of a sightings query (table alias ``s``) and its parameters."""
        p, clauses, params = self.PARAM, [], []
        if not q.include_retracted:
            clauses.append("s.status = 'active'")
        if q.ids is not None:
            clause, ids = self._id_in("s.id", [int(i) for i in q.ids])
            clauses.append(clause)
            params += ids
        if q.since is not None:
            clauses.append(f"s.time >= {self.TIME_PARAM}")
            params.append(time_text(q.since))
        if q.until is not None:
            clauses.append(f"s.time <= {self.TIME_PARAM}")
            params.append(time_text(q.until))
        if q.vessel is not None:
            v = str(q.vessel).strip()
            key = v.upper().removeprefix("IMO").strip()
            clauses.append(f"(upper(s.name) = {p} OR s.imo = {p} OR s.mmsi = {p})")
            params += [v.upper(), key, key]
        place, place_params = self._place_clauses(q)
        clauses += place
        params += place_params
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def sightings(self, query=SightingQuery(), *, geometry=True):
        where, params = self._where(query)
        df = self._query(
            f"SELECT s.id, {self._time('s.time')} AS time, s.lon, s.lat, s.name, s.imo, s.mmsi, s.vessel_type,"
            " s.length_m, s.heading, s.confidence, s.source, s.scene_id, s.pixel_row, s.pixel_col, s.analyst, s.note,"
            " s.port_id, p.name AS port, s.nearest_port_id, np.name AS nearest_port, s.nearest_port_distance_m,"
            f" s.status, s.retracted_reason, s.import_id, {self._time('s.created_at')} AS created_at"
            " FROM sightings s LEFT JOIN ports p ON p.id = s.port_id"
            " LEFT JOIN ports np ON np.id = s.nearest_port_id" + where + " ORDER BY s.time, s.id",
            params)
        return self._within_port(_typed_sightings(df, geometry=geometry), query.port)

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
            old = {k: plain(row[k]) for k in changes}
            if old.get("time") is not None:
                old["time"] = time_text(old["time"])
            new = {k: (updates[k] if k == "time" else plain(v)) for k, v in changes.items()}
            self._update_sighting(sighting_id, row, updates)
            self._audit_many([(analyst, "edit", "sighting", sighting_id, json.dumps(old), json.dumps(new), reason)])

    def retract_sighting(self, sighting_id, *, reason, analyst):
        p = self.PARAM
        with self.transaction():
            row = self.sighting(sighting_id).iloc[0]
            if row["status"] == "retracted":
                raise InputError(f"sighting {sighting_id} is already retracted ({row['retracted_reason']})")
            self.conn.execute(f"UPDATE sightings SET status = 'retracted', retracted_reason = {p} WHERE id = {p}",
                              (reason, int(sighting_id)))
            self._audit_many([(analyst, "retract", "sighting", sighting_id,
                               json.dumps({"status": "active"}), json.dumps({"status": "retracted"}), reason)])

    def history(self, *, entity=None, entity_id=None):
        p = self.PARAM
        sql = (f"SELECT id, {self._time('at')} AS at, analyst, db_user, action, entity, entity_id, old, new, reason"
               " FROM audit")
        params = []
        if entity is not None:
            clause = f"entity = {p}"
            params.append(entity)
            if entity_id is not None:
                clause += f" AND entity_id = {p}"
                params.append(str(entity_id))
            if entity == "sighting" and (entity_id is None or str(entity_id).isdigit()):
                # An imported sighting's first entry is its import's (the rows are audited once per import).
                imported = "SELECT CAST(import_id AS TEXT) FROM sightings WHERE import_id IS NOT NULL"
                if entity_id is not None:
                    imported += f" AND id = {p}"
                    params.append(int(entity_id))
                clause = f"({clause}) OR (entity = 'import' AND entity_id IN ({imported}))"
            sql += " WHERE " + clause
        df = self._query(sql + " ORDER BY id", params)
        df["at"] = text_times(df["at"])
        return df

    def audit_mark(self):
        return int(self._one("SELECT COALESCE(MAX(id), 0) FROM audit")[0])

    # -- sanctions lists -----------------------------------------------------
    def add_list_version(self, list_name, entries, *, format, source, sha256, analyst):
        p = self.PARAM
        with self.transaction():
            same = self._one(f"SELECT version FROM list_versions WHERE list = {p} AND sha256 = {p}",
                             (list_name, sha256))
            if same:
                return same[0], False
            latest = self.list_entries(list_name=list_name) if self.list_versions(list_name).shape[0] else None
            if latest is not None and same_entries(latest, entries):
                return int(latest["version"].iat[0]), False
            version = self._one(f"SELECT COALESCE(MAX(version), 0) + 1 FROM list_versions WHERE list = {p}",
                                (list_name,))[0]
            bad = int((entries["imo"].notna() & ~entries["imo_valid"].fillna(True).astype(bool)).sum())
            report = entries.attrs.get("report")
            version_id = self._insert("list_versions", {
                "list": list_name, "version": version, "format": format, "source": str(source), "sha256": sha256,
                "entries": len(entries), "bad_imos": bad, "analyst": analyst, "imported_at": time_text(now_utc()),
                "report": json.dumps(report) if report is not None else None})
            start = self._next_id("list_entries")
            self._insert_rows("list_entries", ["id", "list_version_id", *ENTRY_COLUMNS],
                              [(start + k, version_id, *r) for k, r in enumerate(entry_rows(entries))])
            self._audit_many([(analyst, "insert", "list", f"{list_name} v{version}", None,
                               json.dumps({"list": list_name, "version": version, "format": format,
                                           "source": str(source), "sha256": sha256, "entries": len(entries),
                                           "bad_imos": bad}), None)])
        return version, True

    def list_versions(self, list_name=None):
        sql = ("SELECT id, list, version, format, source, sha256, entries, bad_imos, analyst,"
               f" {self._time('imported_at')} AS imported_at, report FROM list_versions")
        params = []
        if list_name is not None:
            sql += f" WHERE list = {self.PARAM}"
            params.append(list_name)
        df = self._query(sql + " ORDER BY list, version", params)
        df["imported_at"] = text_times(df["imported_at"])
        df["report"] = df["report"].map(lambda v: json.loads(v) if isinstance(v, str) else None)
        return df

    def list_entries(self, *, list_name=None, version=None):
        where, params = [], []
        if list_name is not None:
            where.append(f"v.list = {self.PARAM}")
            params.append(list_name)
        if version == "all":
            pass
        elif version is not None:
            where.append(f"v.version = {self.PARAM}")
            params.append(int(version))
        else:
            where.append("v.version = (SELECT MAX(version) FROM list_versions w WHERE w.list = v.list)")
        df = self._query(
            f"SELECT e.*, v.list, v.version, {self._time('v.imported_at')} AS imported_at,"
            " v.version = (SELECT MAX(version) FROM list_versions w WHERE w.list = v.list) AS latest"
            " FROM list_entries e JOIN list_versions v ON v.id = e.list_version_id"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY v.list, e.id", params)
        df["imported_at"] = text_times(df["imported_at"])
        df["latest"] = df["latest"].astype(bool)
        return typed_entries(df)

    # -- vessels -------------------------------------------------------------
    def set_vessel(self, imo, *, analyst, mmsi=None, name=None, vessel_type=None, deadweight=None,
                   gross_tonnage=None, note=None):
        p = self.PARAM
        given = {"mmsi": mmsi, "name": name, "vessel_type": vessel_type, "deadweight": deadweight,
                 "gross_tonnage": gross_tonnage, "note": note}
        given = {k: v for k, v in given.items() if v is not None}
        with self.transaction():
            row = self._one(f"SELECT id, {', '.join(VESSEL_COLUMNS)} FROM vessels WHERE imo = {p}", (str(imo),))
            at = time_text(now_utc())
            if row is None:
                new = {"imo": str(imo), **given}
                vid = self._insert("vessels", {**new, "updated_at": at})
                self._audit_many([(analyst, "insert", "vessel", str(imo), None, json.dumps(new), None)])
                return vid
            vid, old_values = row[0], dict(zip(VESSEL_COLUMNS, row[1:]))
            changed = {k: v for k, v in given.items() if old_values.get(k) != v}
            if changed:
                self.conn.execute(
                    f"UPDATE vessels SET {', '.join(f'{k} = {p}' for k in changed)}, updated_at = {p} WHERE id = {p}",
                    [*changed.values(), at, vid])
                self._audit_many([(analyst, "update", "vessel", str(imo),
                                   json.dumps({k: old_values.get(k) for k in changed}), json.dumps(changed), None)])
            return vid

    def vessels(self):
        df = self._query(f"SELECT id, {', '.join(VESSEL_COLUMNS)}, {self._time('updated_at')} AS updated_at"
                         " FROM vessels ORDER BY imo, id")
        for c in ("deadweight", "gross_tonnage"):
            df[c] = df[c].astype(float)
        df["updated_at"] = text_times(df["updated_at"])
        return df

    # -- flags ---------------------------------------------------------------
    def flag_inputs(self, query=SightingQuery()):
        where, params = self._where(query)
        df = self._query(f"SELECT s.id, {self._time('s.time')} AS time, s.lon, s.lat, s.name, s.imo, s.mmsi,"
                         " s.port_id FROM sightings s" + where + " ORDER BY s.id", params)
        df["time"] = text_times(df["time"])
        df["port_id"] = df["port_id"].astype("Int64")
        return self._within_port(df, query.port).reset_index(drop=True)

    def sync_flags(self, flags, *, scope_ids, analyst, rules=None, window=None, bucket=0, buckets=1):
        p = self.PARAM
        rules = SIGHTING_RULES if rules is None else rules
        at = time_text(now_utc())
        cols = ", ".join(self._time(c) + f" AS {c}" if c in ("start_time", "end_time") else c for c in FLAG_EVIDENCE)
        rule_in, rule_params = self._id_in("rule", list(rules))
        with self.transaction():
            if window is None:
                existing = self._query(f"SELECT id, key, active, {cols} FROM flags WHERE {rule_in}", rule_params)
                in_scope = None
            else:
                # The flags of these rules ending in the window, and any stored under a key found now.
                existing = self._query(f"SELECT id, key, active, {cols} FROM flags WHERE {rule_in}"
                                       f" AND end_time >= {self.TIME_PARAM} AND end_time < {self.TIME_PARAM}",
                                       [*rule_params, time_text(window[0]), time_text(window[1])])
                keys = [k for k in flags["key"] if k not in set(existing["key"])]
                if keys:
                    key_in, key_params = self._id_in("key", keys)
                    more = self._query(f"SELECT id, key, active, {cols} FROM flags WHERE {key_in}", key_params)
                    existing = pd.concat([existing, more], ignore_index=True) if len(existing) else more
                end = pd.to_datetime(existing["end_time"], utc=True, format="ISO8601")
                mmsi = pd.to_numeric(existing["mmsi"], errors="coerce").fillna(-1).astype("int64").to_numpy()
                in_scope = ((end >= pd.Timestamp(window[0])) & (end < pd.Timestamp(window[1]))).to_numpy() & (
                    mmsi % buckets == bucket)
            plan = plan_flag_sync(existing, flags, scope_ids=scope_ids, in_scope=in_scope)
            counts = {k: len(v) for k, v in plan.items()}
            new = plan["new"]
            if len(new):
                start = self._next_id("flags")
                cols_new = ["key", *FLAG_EVIDENCE]
                self._insert_rows("flags", ["id", *cols_new, "active", "status", "created_at", "updated_at"],
                                  [(start + k, *row, 1, "open", at, at)
                                   for k, row in enumerate(zip(*(nullable(new[c]) for c in cols_new)))])
                self._audit_inserted("flag", "flags", FLAG_EVIDENCE, start, "flag run", at=at, analyst=analyst)
            changed = plan["updated"]
            if len(changed):
                sets = ", ".join(f"{c} = {self.TIME_PARAM if c in ('start_time', 'end_time') else p}"
                                 for c in FLAG_EVIDENCE)
                self._executemany(
                    f"UPDATE flags SET {sets}, active = 1, updated_at = {p} WHERE id = {p}",
                    [(*row, at, int(i)) for row, i in zip(zip(*(nullable(changed[c]) for c in FLAG_EVIDENCE)),
                                                          changed["id"])])
                self._audit_many([(analyst, "update", "flag", int(i), o, n, "flag run: evidence changed")
                                  for i, o, n in zip(changed["id"], changed["old"], changed["new"])])
            gone = plan["withdrawn"]
            if len(gone):
                self._withdraw_flags([int(i) for i in gone["id"]], at)
                self._audit_many([(analyst, "withdraw", "flag", int(i), json.dumps({"active": True}),
                                   json.dumps({"active": False}), "flag run: no longer found") for i in gone["id"]])
        return counts

    def write_behaviour(self, flags, calls, *, rules, window, bucket, buckets, analyst):
        counts = {}
        with self.transaction():
            counts["flags"] = self.sync_flags(flags, scope_ids=None, analyst=analyst, rules=rules, window=window,
                                              bucket=bucket, buckets=buckets)
            if calls is not None:
                counts["port_calls"] = self._replace_port_calls(calls, window=window, bucket=bucket, buckets=buckets)
        return counts

    def _replace_port_calls(self, calls, *, window, bucket, buckets):
        """Replace the AIS port calls that end in ``window`` of this share of vessels (``calls``: mmsi
        and times as the store's text). Derived from the archive, they are written whole by each run."""
        p, tp = self.PARAM, self.TIME_PARAM
        old = self._query(f"SELECT id, mmsi FROM ais_port_calls WHERE exit >= {tp} AND exit < {tp}",
                          [time_text(window[0]), time_text(window[1])])
        mine = old["id"][(pd.to_numeric(old["mmsi"]).astype("int64") % buckets) == bucket].tolist() if len(old) else []
        if mine:
            clause, params = self._id_in("id", [int(i) for i in mine])
            self.conn.execute(f"DELETE FROM ais_port_calls WHERE {clause}", params)
        if len(calls):
            # A call stored by a run that saw less of it (so it ended elsewhere) is the same call.
            self._executemany(f"DELETE FROM ais_port_calls WHERE mmsi = {p} AND port_id = {p} AND entry = {tp}",
                              list(zip(calls["mmsi"], calls["port_id"].astype(int), calls["entry"])))
            start = self._next_id("ais_port_calls")
            cols = ["mmsi", "port_id", "entry", "exit", "hours", "stopped_hours", "positions", "name", "imo",
                    "vessel_type"]
            at = time_text(now_utc())
            self._insert_rows("ais_port_calls", ["id", *cols, "updated_at"],
                              [(start + k, *row, at) for k, row in enumerate(zip(*(nullable(calls[c]) for c in cols)))])
        return len(calls)

    def record_search(self, scene_id, *, detector, found, saved, analyst):
        with self.transaction():
            self._audit_many([(analyst, "search", "scene", str(scene_id), None,
                               json.dumps({"detector": detector, "found": int(found), "saved": int(saved)}),
                               f"{detector} searched the scene")])

    def searched_scenes(self, *, detector):
        p = self.PARAM
        df = self._query(f"SELECT entity_id, new FROM audit WHERE action = 'search' AND entity = 'scene'"
                         f" AND new LIKE {p}", [f'%"detector": {json.dumps(detector)}%'])
        return set(df["entity_id"].astype(str))

    def ais_port_calls(self, *, since=None, until=None, port_ids=None):
        tp, t = self.TIME_PARAM, self._time
        where, params = [], []
        if since is not None:
            where.append(f"exit >= {tp}")
            params.append(time_text(since))
        if until is not None:
            where.append(f"entry <= {tp}")
            params.append(time_text(until))
        if port_ids is not None:
            clause, more = self._id_in("port_id", [int(i) for i in port_ids])
            where.append(clause)
            params += more
        df = self._query(f"SELECT c.id, c.mmsi, c.port_id, p.name AS port, {t('c.entry')} AS entry,"
                         f" {t('c.exit')} AS exit, c.hours, c.stopped_hours, c.positions, c.name, c.imo, c.vessel_type"
                         " FROM ais_port_calls c JOIN ports p ON p.id = c.port_id"
                         + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.entry, c.mmsi", params)
        df["entry"] = text_times(df["entry"])
        df["exit"] = text_times(df["exit"])
        return df

    def flags(self, *, ids=None, rule=None, status=None, include_withdrawn=False):
        p, t = self.PARAM, self._time
        where, params = [], []
        if ids is not None:
            clause, ids = self._id_in("f.id", [int(i) for i in ids])
            where.append(clause)
            params += ids
        if rule is not None:
            where.append(f"f.rule = {p}")
            params.append(rule)
        if status is not None:
            where.append(f"f.status = {p}")
            params.append(status)
        if not include_withdrawn:
            where.append("f.active = 1")
        df = self._query(
            # A sighting's flag takes identity, time and place from its sightings; an AIS behaviour
            # flag from itself (the MMSI, the identity it broadcast, the span and where it began).
            "SELECT f.id, f.rule, f.severity, f.sighting_id, f.related_sighting_id,"
            " COALESCE(s.name, f.ais_name) AS name, COALESCE(s.imo, f.ais_imo) AS imo,"
            f" COALESCE(s.mmsi, f.mmsi) AS mmsi, COALESCE({t('s.time')}, {t('f.start_time')}) AS time,"
            " COALESCE(s.lon, f.lon) AS lon, COALESCE(s.lat, f.lat) AS lat,"
            " COALESCE(r.name, f.related_ais_name) AS related_name, COALESCE(r.imo, f.related_ais_imo) AS related_imo,"
            f" COALESCE(r.mmsi, f.related_mmsi) AS related_mmsi, COALESCE({t('r.time')}, {t('f.end_time')})"
            " AS related_time, COALESCE(r.lon, f.related_lon) AS related_lon,"
            " COALESCE(r.lat, f.related_lat) AS related_lat, f.evidence,"
            f" {t('f.end_time')} AS end_time,"
            " e.name AS listed_name, e.imo AS listed_imo, v.list, e.program, e.entry_id AS list_entry,"
            " f.matched_on, f.score, p.name AS port, p.reason AS port_reason, f.port_id, f.distance_m,"
            " f.hours_apart, f.status, f.review_note, f.active, f.list_entry_id,"
            " f.matched_value, f.matched_kind, f.sighting_form, f.listed_form, f.match_conflict, f.designations,"
            " f.last_ping, am.status AS ais_status, am.mmsi AS ais_mmsi, am.scene_id AS ais_scene,"
            " am.applied AS ais_applied,"
            f" v.version AS listed_version, mv.version AS matched_version, {t('mv.imported_at')} AS matched_version_date,"
            f" {t('f.created_at')} AS created_at, {t('f.updated_at')} AS updated_at"
            " FROM flags f LEFT JOIN sightings s ON s.id = f.sighting_id"
            " LEFT JOIN sightings r ON r.id = f.related_sighting_id"
            " LEFT JOIN list_entries e ON e.id = f.list_entry_id"
            " LEFT JOIN list_versions v ON v.id = e.list_version_id"
            " LEFT JOIN list_entries me ON me.id = f.match_entry_id"
            " LEFT JOIN list_versions mv ON mv.id = me.list_version_id"
            " LEFT JOIN ports p ON p.id = f.port_id"
            " LEFT JOIN ais_matches am ON am.sighting_id = f.sighting_id"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.id", params)
        return typed_flags(df)

    def review_flag(self, flag_id, *, status, note, analyst):
        p = self.PARAM
        with self.transaction():
            row = self._one(f"SELECT status, review_note FROM flags WHERE id = {p}", (int(flag_id),))
            if row is None:
                raise NotFoundError(f"no flag {flag_id}; list them with 'shipsight flags list'")
            self.conn.execute(f"UPDATE flags SET status = {p}, review_note = {p}, updated_at = {p} WHERE id = {p}",
                              (status, note, time_text(now_utc()), int(flag_id)))
            self._audit_many([(analyst, "review", "flag", int(flag_id),
                               json.dumps({"status": row[0], "review_note": row[1]}),
                               json.dumps({"status": status, "review_note": note}), note)])

    # -- whole-log copy ------------------------------------------------------
    def copies(self):
        df = self._query(f"SELECT id, {self._time('at')} AS at, analyst, db_user, source, added, updated"
                         " FROM copies ORDER BY id")
        df["at"] = text_times(df["at"])
        for c in ("added", "updated"):
            df[c] = df[c].map(json.loads)
        return df


def _geo_frame(df):
    """``df`` with its WKB column ``geom`` made its EPSG:4326 geometry.

    The column is popped even when empty: no raw WKB column stays beside the geometry.
    """
    import geopandas as gpd

    wkb = df.pop("geom").to_numpy()
    geom = shapely.from_wkb(wkb) if len(df) else []
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))


def _typed_sightings(df, *, geometry=True):
    """The columns of a sightings query typed, with point geometry unless ``geometry`` is False."""
    df["time"] = text_times(df["time"])
    df["created_at"] = text_times(df["created_at"])
    for c in ("port_id", "nearest_port_id", "import_id"):
        df[c] = df[c].astype("Int64")
    for c in ("length_m", "heading", "pixel_row", "pixel_col", "nearest_port_distance_m"):
        df[c] = df[c].astype(float)
    if not geometry:
        return df
    import geopandas as gpd

    geom = shapely.points(df["lon"].to_numpy(float), df["lat"].to_numpy(float)) if len(df) else []
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))
