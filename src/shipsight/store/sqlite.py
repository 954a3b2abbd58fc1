"""The embedded store: one SQLite file, WAL mode, foreign keys on.

Spatial work runs in process (:mod:`shipsight.attribution`, shapely, numpy);
indexes narrow bounding-box queries (an R*Tree for ports and scenes, latitude
bands for sightings: :mod:`shipsight.store.sqlite_schema`).
"""

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from shipsight.attribution import attribute, build_port_index
from shipsight.errors import InputError, NotFoundError, StoreError
from shipsight.geodesy import geodesic_area_m2
from shipsight.store.base import EDITABLE, SCHEMA_VERSION, SightingQuery, Store, os_user
from shipsight.store.convert import nullable, now_utc, text_times, time_text, times_text
from shipsight.store.flagsync import FLAG_EVIDENCE, plan_flag_sync, typed_flags
from shipsight.store.lists import entry_rows, same_entries, typed_entries
from shipsight.store.portrows import port_audit_values
from shipsight.store.sqlite_schema import LAT_BAND_SQL, LAT_BANDS_PER_DEGREE, MIGRATIONS

#: Writers wait this long for each other rather than failing with "database is locked".
BUSY_TIMEOUT_S = 120

#: The analyst-entered particulars of a vessel (table ``vessels``), beside id and updated_at.
VESSEL_COLUMNS = ("imo", "mmsi", "name", "vessel_type", "deadweight", "gross_tonnage", "note")
_AUDITED = EDITABLE + ("port_id", "nearest_port_id", "nearest_port_distance_m", "status")
_SIGHTING_JSON = "json_object(" + ", ".join(f"'{c}', {c}" for c in _AUDITED) + ")"


class SQLiteStore(Store):
    """The embedded default store, in one file.

    >>> import tempfile, os
    >>> store = SQLiteStore(os.path.join(tempfile.mkdtemp(), "log.db"))
    >>> store.schema_version() == SCHEMA_VERSION
    True
    """

    kind = "sqlite"

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

    def close(self):
        self.conn.close()

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
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = self.schema_version()  # re-read under the write lock: another process may have migrated
            for number in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1]:
                    self.conn.execute(statement)
            if current == 0:
                self.conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            else:
                self.conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
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
        # IMMEDIATE takes the write lock up front, so concurrent writers queue
        # (busy_timeout) instead of failing when a read upgrades to a write.
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            self._port_index = None
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def _audit_many(self, rows):
        """Append audit rows: (analyst, action, entity, entity_id, old, new, reason)."""
        at, user = time_text(now_utc()), os_user()
        self.conn.executemany(
            "INSERT INTO audit (at, analyst, db_user, action, entity, entity_id, old, new, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(at, a, user, act, ent, None if eid is None else str(eid), o, n, r) for a, act, ent, eid, o, n, r in rows],
        )

    def _query(self, sql, params=()):
        cur = self.conn.execute(sql, params)
        return pd.DataFrame.from_records(cur.fetchall(), columns=[d[0] for d in cur.description])

    # -- ports ---------------------------------------------------------------
    def add_ports(self, ports, *, analyst, source=None):
        if len(ports) == 0:
            return np.array([], dtype=np.int64)
        geoms = np.asarray(ports.geometry.values, dtype=object)
        areas = geodesic_area_m2(geoms)
        bounds = shapely.bounds(geoms)
        created = time_text(now_utc())
        with self.transaction():
            start = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM ports").fetchone()[0]
            ids = np.arange(start, start + len(ports), dtype=np.int64)
            rows = list(zip(
                ids.tolist(), nullable(ports["name"]), nullable(ports["kind"]),
                [int(bool(w)) for w in ports["watchlist"]], nullable(ports["reason"]),
                areas.tolist(), [source] * len(ports), shapely.to_wkb(geoms).tolist(), [created] * len(ports),
            ))
            self.conn.executemany(
                "INSERT INTO ports (id, name, kind, watchlist, reason, area_m2, source, geom, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.executemany(
                "INSERT INTO ports_rtree VALUES (?, ?, ?, ?, ?)",
                zip(ids.tolist(), bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(), bounds[:, 3].tolist()),
            )
            self._audit_many([(analyst, "insert", "port", int(i), None, new, f"imported from {source}" if source else None)
                              for i, new in zip(ids, port_audit_values(ports, areas))])
            self._port_index = None
            self._reattribute(analyst=analyst)
        return ids

    def ports(self):
        df = self._query("SELECT id, name, kind, watchlist, reason, area_m2, source, geom FROM ports ORDER BY id")
        wkb = df.pop("geom").to_numpy()  # popped even when empty: no raw WKB column beside the geometry
        geom = shapely.from_wkb(wkb) if len(df) else []
        df["watchlist"] = df["watchlist"].astype(bool)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))

    def _index(self):
        if self._port_index is None:
            ports = self.ports()
            self._port_index = build_port_index(ports["id"].to_numpy(), ports.geometry.values, ports["area_m2"].to_numpy())
        return self._port_index

    def _reattribute(self, *, analyst):
        """Attribute every sighting afresh after the ports changed; audit each change."""
        df = self._query("SELECT id, lon, lat, port_id, nearest_port_id, nearest_port_distance_m FROM sightings")
        if df.empty:
            return
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

    # -- scenes --------------------------------------------------------------
    def add_scene(self, record, *, analyst):
        footprint = record["footprint"]
        minx, miny, maxx, maxy = footprint.bounds
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
            if self.conn.execute("SELECT 1 FROM scenes WHERE id = ?", (values["id"],)).fetchone():
                raise InputError(f"scene {values['id']!r} is already registered; choose another --id")
            cols = ", ".join(values)
            self.conn.execute(f"INSERT INTO scenes ({cols}) VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
            self.conn.execute("INSERT INTO scenes_rtree (minx, maxx, miny, maxy, scene_id) VALUES (?, ?, ?, ?, ?)",
                              (minx, maxx, miny, maxy, values["id"]))
            audit_new = {k: v for k, v in values.items() if k not in ("geom", "stac")}
            audit_new["footprint_wkt"] = footprint.wkt
            self._audit_many([(analyst, "insert", "scene", values["id"], None, json.dumps(audit_new), None)])
        return values["id"]

    def scenes(self, ids=None):
        sql = "SELECT * FROM scenes"
        params = ()
        if ids is not None:
            ids = list(ids)
            sql += f" WHERE id IN ({', '.join('?' * len(ids))})"
            params = tuple(ids)
        df = self._query(sql + " ORDER BY acquired, id", params)
        wkb = df.pop("geom").to_numpy()  # popped even when empty: no raw WKB column beside the geometry
        geom = shapely.from_wkb(wkb) if len(df) else []
        df["acquired"] = text_times(df["acquired"])
        df["transform"] = df["transform"].map(json.loads)
        df["dtypes"] = df["dtypes"].map(json.loads)
        df["stac"] = df["stac"].map(lambda s: json.loads(s) if s else None)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))

    def scene_ids(self):
        return {r[0] for r in self.conn.execute("SELECT id FROM scenes")}

    # -- sightings -----------------------------------------------------------
    def add_sightings(self, frame, *, analyst, source=None, sha256=None):
        n = len(frame)
        if n == 0:
            return np.array([], dtype=np.int64)
        lon = frame["lon"].to_numpy(dtype=float)
        lat = frame["lat"].to_numpy(dtype=float)
        self._check_scenes(frame["scene_id"])
        created = time_text(now_utc())
        with self.transaction():
            att = attribute(lon, lat, self._index())
            import_id = None
            if source is not None:
                cur = self.conn.execute(
                    "INSERT INTO imports (kind, source, sha256, rows, analyst, at) VALUES ('sightings', ?, ?, ?, ?, ?)",
                    (str(source), sha256, n, analyst, created))
                import_id = cur.lastrowid
            start = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sightings").fetchone()[0]
            columns = {
                "time": times_text(frame["time"]).tolist(),
                "lon": lon.tolist(), "lat": lat.tolist(),
                "geom": shapely.to_wkb(shapely.points(lon, lat)).tolist(),
                **{c: nullable(frame[c]) for c in ("name", "imo", "mmsi", "vessel_type", "length_m", "heading",
                                                   "confidence", "source", "scene_id", "pixel_row", "pixel_col",
                                                   "analyst", "note")},
                "port_id": nullable(np.where(att.port_id >= 0, att.port_id, None)),
                "nearest_port_id": nullable(np.where(att.nearest_port_id >= 0, att.nearest_port_id, None)),
                "nearest_port_distance_m": nullable(att.nearest_port_distance_m),
                "import_id": [import_id] * n, "created_at": [created] * n,
            }
            last = _insert_columns(self.conn, "sightings", columns)
            if last != start + n - 1:
                raise StoreError(f"sighting ids {start}..{last} are not the {n} expected; the store may be damaged")
            ids = np.arange(start, start + n, dtype=np.int64)
            # Audit rows are built inside SQLite from the rows just written: one pass.
            self.conn.execute(
                "INSERT INTO audit (at, analyst, db_user, action, entity, entity_id, old, new, reason)"
                f" SELECT ?, ?, ?, 'insert', 'sighting', id, NULL, {_SIGHTING_JSON}, ?"
                " FROM sightings WHERE id >= ?",
                (created, analyst, os_user(), f"imported from {source}" if source else None, int(start)),
            )
        return ids

    def _check_scenes(self, scene_ids):
        wanted = {s for s in scene_ids if s is not None}
        if wanted:
            missing = wanted - self.scene_ids()
            if missing:
                raise NotFoundError(
                    f"unknown scene {sorted(missing)[0]!r}; register it first with 'shipsight scenes add IMAGE'")

    def _where(self, q):
        clauses, params = [], []
        if not q.include_retracted:
            clauses.append("s.status = 'active'")
        if q.ids is not None:
            ids = [int(i) for i in q.ids]
            clauses.append(f"s.id IN ({', '.join('?' * len(ids))})" if ids else "0")
            params += ids
        if q.since is not None:
            clauses.append("s.time >= ?")
            params.append(time_text(q.since))
        if q.until is not None:
            clauses.append("s.time <= ?")
            params.append(time_text(q.until))
        if q.vessel is not None:
            v = str(q.vessel).strip()
            key = v.upper().removeprefix("IMO").strip()
            clauses.append("(upper(s.name) = ? OR s.imo = ? OR s.mmsi = ?)")
            params += [v.upper(), key, key]
        if q.bbox is not None:
            minx, miny, maxx, maxy = q.bbox
            boxes = [(minx, maxx)] if minx <= maxx else [(minx, 180.0), (-180.0, maxx)]
            bands = list(range(int((miny + 90) * LAT_BANDS_PER_DEGREE), int((maxy + 90) * LAT_BANDS_PER_DEGREE) + 1))
            band_sql = LAT_BAND_SQL.replace("lat", "b.lat")
            ors = []
            for lo, hi in boxes:
                # Band IN (...) with a longitude range: one index seek per band.
                ors.append(f"s.id IN (SELECT b.id FROM sightings b WHERE {band_sql} IN ({', '.join('?' * len(bands))})"
                           " AND b.lon BETWEEN ? AND ? AND b.lat BETWEEN ? AND ?)")
                params += [*bands, lo, hi, miny, maxy]
            clauses.append("(" + " OR ".join(ors) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def sightings(self, query=SightingQuery()):
        where, params = self._where(query)
        df = self._query(
            "SELECT s.id, s.time, s.lon, s.lat, s.name, s.imo, s.mmsi, s.vessel_type, s.length_m, s.heading,"
            " s.confidence, s.source, s.scene_id, s.pixel_row, s.pixel_col, s.analyst, s.note,"
            " s.port_id, p.name AS port, s.nearest_port_id, np.name AS nearest_port, s.nearest_port_distance_m,"
            " s.status, s.retracted_reason, s.import_id, s.created_at"
            " FROM sightings s LEFT JOIN ports p ON p.id = s.port_id"
            " LEFT JOIN ports np ON np.id = s.nearest_port_id" + where + " ORDER BY s.time, s.id",
            params,
        )
        return _finish_sightings(df, self.ports() if query.port is not None else None, query.port)

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
            if "lon" in updates or "lat" in updates:
                lon = float(updates.get("lon", row["lon"]))
                lat = float(updates.get("lat", row["lat"]))
                att = attribute([lon], [lat], self._index())
                updates["geom"] = shapely.to_wkb(shapely.points(lon, lat))
                updates["port_id"] = int(att.port_id[0]) if att.port_id[0] >= 0 else None
                updates["nearest_port_id"] = int(att.nearest_port_id[0]) if att.nearest_port_id[0] >= 0 else None
                d = att.nearest_port_distance_m[0]
                updates["nearest_port_distance_m"] = None if np.isnan(d) else float(d)
            old = {k: _plain(row[k]) for k in changes}
            old_time = old.get("time")
            if old_time is not None:
                old["time"] = time_text(old_time)
            new = {k: (updates[k] if k == "time" else _plain(v)) for k, v in changes.items()}
            sets = ", ".join(f"{k} = ?" for k in updates)
            self.conn.execute(f"UPDATE sightings SET {sets} WHERE id = ?", (*updates.values(), int(sighting_id)))
            self._audit_many([(analyst, "edit", "sighting", sighting_id, json.dumps(old), json.dumps(new), reason)])

    def retract_sighting(self, sighting_id, *, reason, analyst):
        with self.transaction():
            row = self.sighting(sighting_id).iloc[0]
            if row["status"] == "retracted":
                raise InputError(f"sighting {sighting_id} is already retracted ({row['retracted_reason']})")
            self.conn.execute("UPDATE sightings SET status = 'retracted', retracted_reason = ? WHERE id = ?",
                              (reason, int(sighting_id)))
            self._audit_many([(analyst, "retract", "sighting", sighting_id,
                               json.dumps({"status": "active"}), json.dumps({"status": "retracted"}), reason)])

    def history(self, *, entity=None, entity_id=None):
        sql, params = "SELECT * FROM audit", []
        if entity is not None:
            sql += " WHERE entity = ?"
            params.append(entity)
            if entity_id is not None:
                sql += " AND entity_id = ?"
                params.append(str(entity_id))
        df = self._query(sql + " ORDER BY id", params)
        df["at"] = text_times(df["at"])
        return df

    # -- sanctions lists -----------------------------------------------------
    def add_list_version(self, list_name, entries, *, format, source, sha256, analyst):
        with self.transaction():
            same = self.conn.execute("SELECT version FROM list_versions WHERE list = ? AND sha256 = ?",
                                     (list_name, sha256)).fetchone()
            if same:
                return same[0], False
            latest = self.list_entries(list_name=list_name) if self.list_versions(list_name).shape[0] else None
            if latest is not None and same_entries(latest, entries):
                return int(latest["version"].iat[0]), False
            version = self.conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM list_versions WHERE list = ?",
                                        (list_name,)).fetchone()[0]
            bad = int((entries["imo"].notna() & ~entries["imo_valid"].fillna(True).astype(bool)).sum())
            at = time_text(now_utc())
            cur = self.conn.execute(
                "INSERT INTO list_versions (list, version, format, source, sha256, entries, bad_imos, analyst, imported_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (list_name, version, format, str(source), sha256, len(entries), bad, analyst, at))
            version_id = cur.lastrowid
            rows = entry_rows(entries)
            self.conn.executemany(
                "INSERT INTO list_entries (list_version_id, entry_id, name, imo, imo_valid, mmsi, aliases, former_names,"
                " program, flag, vessel_type, gross_tonnage, deadweight, call_sign, remarks)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(version_id, *r) for r in rows])
            self._audit_many([(analyst, "insert", "list", f"{list_name} v{version}", None,
                               json.dumps({"list": list_name, "version": version, "format": format,
                                           "source": str(source), "sha256": sha256, "entries": len(entries),
                                           "bad_imos": bad}), None)])
        return version, True

    def list_versions(self, list_name=None):
        sql, params = "SELECT * FROM list_versions", ()
        if list_name is not None:
            sql, params = sql + " WHERE list = ?", (list_name,)
        df = self._query(sql + " ORDER BY list, version", params)
        df["imported_at"] = text_times(df["imported_at"])
        return df

    def list_entries(self, *, list_name=None, version=None):
        where, params = [], []
        if list_name is not None:
            where.append("v.list = ?")
            params.append(list_name)
        if version is not None:
            where.append("v.version = ?")
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
            cur = self.conn.execute(f"SELECT id, {', '.join(VESSEL_COLUMNS)} FROM vessels WHERE imo = ?", (str(imo),))
            row = cur.fetchone()
            at = time_text(now_utc())
            if row is None:
                new = {"imo": str(imo), **given}
                cols = list(new)
                vid = self.conn.execute(
                    f"INSERT INTO vessels ({', '.join(cols)}, updated_at) VALUES ({', '.join('?' * len(cols))}, ?)",
                    [*new.values(), at]).lastrowid
                self._audit_many([(analyst, "insert", "vessel", str(imo), None, json.dumps(new), None)])
                return vid
            vid, old_values = row[0], dict(zip(VESSEL_COLUMNS, row[1:]))
            changed = {k: v for k, v in given.items() if old_values.get(k) != v}
            if changed:
                self.conn.execute(f"UPDATE vessels SET {', '.join(f'{k} = ?' for k in changed)}, updated_at = ? WHERE id = ?",
                                  [*changed.values(), at, vid])
                self._audit_many([(analyst, "update", "vessel", str(imo),
                                   json.dumps({k: old_values.get(k) for k in changed}), json.dumps(changed), None)])
            return vid

    def vessels(self):
        df = self._query(f"SELECT id, {', '.join(VESSEL_COLUMNS)}, updated_at FROM vessels ORDER BY imo, id")
        for c in ("deadweight", "gross_tonnage"):
            df[c] = df[c].astype(float)
        df["updated_at"] = text_times(df["updated_at"])
        return df

    # -- flags ---------------------------------------------------------------
    def flag_inputs(self, query=SightingQuery()):
        where, params = self._where(query)
        df = self._query("SELECT s.id, s.time, s.lon, s.lat, s.name, s.imo, s.mmsi, s.port_id FROM sightings s"
                         + where + " ORDER BY s.id", params)
        df["time"] = text_times(df["time"])
        df["port_id"] = df["port_id"].astype("Int64")
        if query.port is not None:
            area = port_filter(self.ports(), query.port)
            df = df[shapely.intersects(area, shapely.points(df["lon"].to_numpy(float), df["lat"].to_numpy(float)))]
        return df.reset_index(drop=True)

    def sync_flags(self, flags, *, scope_ids, analyst):
        at = time_text(now_utc())
        with self.transaction():
            existing = self._query(f"SELECT id, key, active, {', '.join(FLAG_EVIDENCE)} FROM flags")
            plan = plan_flag_sync(existing, flags, scope_ids=scope_ids)
            counts = {k: len(v) for k, v in plan.items()}
            new = plan["new"]
            if len(new):
                start = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM flags").fetchone()[0]
                cols = ["key", *FLAG_EVIDENCE]
                values = [nullable(new[c]) for c in cols]
                self.conn.executemany(
                    f"INSERT INTO flags (id, {', '.join(cols)}, active, status, created_at, updated_at)"
                    f" VALUES (?, {', '.join('?' * len(cols))}, 1, 'open', ?, ?)",
                    [(start + i, *row, at, at) for i, row in enumerate(zip(*values))])
                evidence = ", ".join(f"'{c}', {c}" for c in FLAG_EVIDENCE)
                self.conn.execute(
                    "INSERT INTO audit (at, analyst, db_user, action, entity, entity_id, old, new, reason)"
                    f" SELECT ?, ?, ?, 'insert', 'flag', id, NULL, json_object({evidence}), 'flag run'"
                    " FROM flags WHERE id >= ?", (at, analyst, os_user(), int(start)))
            changed = plan["updated"]
            if len(changed):
                sets = ", ".join(f"{c} = ?" for c in FLAG_EVIDENCE)
                self.conn.executemany(
                    f"UPDATE flags SET {sets}, active = 1, updated_at = ? WHERE id = ?",
                    [(*row, at, int(i)) for row, i in zip(zip(*(nullable(changed[c]) for c in FLAG_EVIDENCE)), changed["id"])])
                self._audit_many([(analyst, "update", "flag", int(i), o, n, "flag run: evidence changed")
                                  for i, o, n in zip(changed["id"], changed["old"], changed["new"])])
            gone = plan["withdrawn"]
            if len(gone):
                self.conn.executemany("UPDATE flags SET active = 0, updated_at = ? WHERE id = ?",
                                      [(at, int(i)) for i in gone["id"]])
                self._audit_many([(analyst, "withdraw", "flag", int(i), json.dumps({"active": True}),
                                   json.dumps({"active": False}), "flag run: no longer found") for i in gone["id"]])
        return counts

    def flags(self, *, ids=None, rule=None, status=None, include_withdrawn=False):
        where, params = [], []
        if ids is not None:
            ids = [int(i) for i in ids]
            where.append(f"f.id IN ({', '.join('?' * len(ids))})" if ids else "0")
            params += ids
        if rule is not None:
            where.append("f.rule = ?")
            params.append(rule)
        if status is not None:
            where.append("f.status = ?")
            params.append(status)
        if not include_withdrawn:
            where.append("f.active = 1")
        df = self._query(
            "SELECT f.id, f.rule, f.severity, f.sighting_id, f.related_sighting_id,"
            " s.name, s.imo, s.mmsi, s.time, s.lon, s.lat, r.name AS related_name, r.imo AS related_imo,"
            " r.mmsi AS related_mmsi, r.time AS related_time, r.lon AS related_lon, r.lat AS related_lat,"
            " e.name AS listed_name, e.imo AS listed_imo, v.list, e.program, e.entry_id AS list_entry,"
            " f.matched_on, f.score, p.name AS port, p.reason AS port_reason, f.port_id, f.distance_m,"
            " f.hours_apart, f.status, f.review_note, f.active, f.list_entry_id, f.created_at, f.updated_at"
            " FROM flags f JOIN sightings s ON s.id = f.sighting_id"
            " LEFT JOIN sightings r ON r.id = f.related_sighting_id"
            " LEFT JOIN list_entries e ON e.id = f.list_entry_id"
            " LEFT JOIN list_versions v ON v.id = e.list_version_id"
            " LEFT JOIN ports p ON p.id = f.port_id"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY f.id", params)
        return typed_flags(df)

    def review_flag(self, flag_id, *, status, note, analyst):
        with self.transaction():
            row = self.conn.execute("SELECT status, review_note FROM flags WHERE id = ?", (int(flag_id),)).fetchone()
            if row is None:
                raise NotFoundError(f"no flag {flag_id}; list them with 'shipsight flags list'")
            self.conn.execute("UPDATE flags SET status = ?, review_note = ?, updated_at = ? WHERE id = ?",
                              (status, note, time_text(now_utc()), int(flag_id)))
            self._audit_many([(analyst, "review", "flag", int(flag_id),
                               json.dumps({"status": row[0], "review_note": row[1]}),
                               json.dumps({"status": status, "review_note": note}), note)])

    # -- whole-log copy ------------------------------------------------------
    def record_copy(self, *, source, added, updated, analyst):
        self.conn.execute(
            "INSERT INTO copies (at, analyst, db_user, source, added, updated) VALUES (?, ?, ?, ?, ?, ?)",
            (time_text(now_utc()), analyst, os_user(), str(source), json.dumps(added), json.dumps(updated)))

    def copies(self):
        return _finish_copies(self._query("SELECT * FROM copies ORDER BY id"))

    def dump_table(self, name):
        _check_table(name)
        cur = self.conn.execute(f"SELECT * FROM {name} ORDER BY id")
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)

    def load_rows(self, name, frame, *, replace=False):
        _check_table(name)
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
            elif name == "scenes":
                bounds = shapely.bounds(shapely.from_wkb(frame["geom"].to_numpy()))
                self.conn.executemany("DELETE FROM scenes_rtree WHERE scene_id = ?", [(i,) for i in ids])
                self.conn.executemany(
                    "INSERT INTO scenes_rtree (minx, maxx, miny, maxy, scene_id) VALUES (?, ?, ?, ?, ?)",
                    zip(bounds[:, 0].tolist(), bounds[:, 2].tolist(), bounds[:, 1].tolist(), bounds[:, 3].tolist(), ids))


def _insert_columns(conn, table, columns):
    """Insert rows given as columns (name: list of values); returns the last rowid.

    Columns that hold one value in every row are written as a literal (quoted
    by SQLite itself) and all-NULL ones are left to their default: binding a
    parameter costs more than the row's other work, and a feed's analyst,
    source or note is often one value for the whole file.

    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b, c)")
    >>> _insert_columns(conn, "t", {"a": [1, 2], "b": ["x", "x"], "c": [None, None]})
    2
    >>> conn.execute("SELECT a, b, c FROM t").fetchall()
    [(1, 'x', None), (2, 'x', None)]
    """
    distinct = {name: set(column) for name, column in columns.items()}
    given = {name: column for name, column in columns.items() if distinct[name] != {None}}
    constant = {name for name in given if len(distinct[name]) == 1}
    if constant == set(given):
        constant.discard(next(iter(given)))  # one bound column carries the number of rows
    values = [conn.execute("SELECT quote(?)", (given[name][0],)).fetchone()[0] if name in constant else "?"
              for name in given]
    bound = [column for name, column in given.items() if name not in constant]
    names = list(given)
    conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})", zip(*bound))
    return conn.execute("SELECT last_insert_rowid()").fetchone()[0]


def _finish_copies(df):
    """Type the copy log as read by either back end."""
    df["at"] = text_times(df["at"])
    for c in ("added", "updated"):
        df[c] = df[c].map(json.loads)
    return df


def _check_table(name):
    from shipsight.store.base import TABLES

    if name not in TABLES:
        raise InputError(f"unknown table {name!r}; the log's tables are {', '.join(TABLES)}")


def _plain(value):
    """A value from a frame as JSON-able Python (numpy scalars, NaN, timestamps)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def port_filter(ports, port):
    """The polygon of the port named (by id or case-insensitive name) in a filter."""
    key = str(port).strip()
    hit = ports[(ports["id"].astype(str) == key) | (ports["name"].str.lower() == key.lower())]
    if hit.empty:
        raise NotFoundError(f"unknown port {port!r}; see 'shipsight ports list'")
    return shapely.union_all(hit.geometry.values)


def _finish_sightings(df, ports, port):
    """Type the columns of a sightings query and filter by port geometry."""
    df["time"] = text_times(df["time"])
    df["created_at"] = text_times(df["created_at"])
    for c in ("port_id", "nearest_port_id", "import_id"):
        df[c] = df[c].astype("Int64")
    for c in ("length_m", "heading", "pixel_row", "pixel_col", "nearest_port_distance_m"):
        df[c] = df[c].astype(float)
    geom = shapely.points(df["lon"].to_numpy(float), df["lat"].to_numpy(float)) if len(df) else []
    gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, crs="EPSG:4326", index=df.index))
    if port is not None:
        # A port's sightings include those in the berths and terminals inside it.
        area = port_filter(ports, port)
        gdf = gdf[shapely.intersects(area, gdf.geometry.values)]
    return gdf
