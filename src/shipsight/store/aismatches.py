"""AIS correlation in the store: a row per correlated scene and per sighting, on every SQL back end.

:func:`shipsight.ais.correlate_scene.correlate_scene` decides; this writes.
``ais_correlations`` keeps a scene's coverage, counts, AIS-only vessels and
parameters; ``ais_matches`` a sighting's status, vessel, evidence and the
identity the correlation wrote into it (``applied``, with the values it
replaced). Every change is audited (entities ``ais_correlation``,
``ais_match``, and ``sighting`` for identities written, with the reason
``ais: ...``); rows equal to the stored ones write nothing.
"""

import json

import pandas as pd

from shipsight.store.convert import now_utc, text_times, time_text

MATCH_COLUMNS = ("sighting_id", "scene_id", "status", "mmsi", "identity_id", "distance_m", "gate_m", "evidence",
                 "applied")
CORRELATION_COLUMNS = ("scene_id", "time", "coverage", "placed", "counts", "ais_only", "params")
#: What an audit entry of a match keeps (the evidence is in the row).
_AUDITED = ("status", "mmsi", "distance_m")
_IDENTITY = ("name", "imo", "mmsi", "vessel_type")


def _dumps(value):
    # allow_nan=False: evidence is read by browsers and other tools, where NaN is not JSON.
    return None if value is None else json.dumps(value, sort_keys=True, default=str, allow_nan=False)


def _loads(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else json.loads(value)


class AISMatchRows:
    """The correlation methods of :class:`~shipsight.store.sql.SQLStore` (see :class:`~shipsight.store.base.Store`)."""

    def ais_matches(self, *, sighting_ids=None, scene_id=None, status=None):
        """Stored correlation of sightings: id, sighting_id, scene_id, status, mmsi, identity_id,
        distance_m, gate_m, evidence and applied (dicts), analyst, updated_at; by sighting id."""
        where, params = [], []
        if sighting_ids is not None:
            clause, more = self._id_in("sighting_id", [int(i) for i in sighting_ids])
            where.append(clause)
            params += more
        for column, value in (("scene_id", scene_id), ("status", status)):
            if value is not None:
                where.append(f"{column} = {self.PARAM}")
                params.append(str(value))
        df = self._query(
            f"SELECT id, {', '.join(MATCH_COLUMNS)}, analyst, {self._time('updated_at')} AS updated_at"
            " FROM ais_matches" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY sighting_id",
            params)
        df["evidence"] = df["evidence"].map(_loads)
        df["applied"] = df["applied"].map(_loads).astype(object)
        df["updated_at"] = text_times(df["updated_at"])
        for c in ("distance_m", "gate_m"):
            df[c] = df[c].astype(float)
        df["mmsi"] = df["mmsi"].astype(object).where(df["mmsi"].notna(), None)
        df["identity_id"] = df["identity_id"].astype("Int64")
        return df

    def ais_correlations(self, *, scene_ids=None):
        """Correlated scenes: id, scene_id, time, coverage, placed, counts, ais_only (list of dicts),
        params, analyst, updated_at; by scene id."""
        where, params = "", []
        if scene_ids is not None:
            where, params = self._id_in("scene_id", [str(s) for s in scene_ids])
            where = " WHERE " + where
        t = self._time
        df = self._query(
            f"SELECT id, scene_id, {t('time')} AS time, coverage, placed, counts, ais_only, params, analyst,"
            f" {t('updated_at')} AS updated_at FROM ais_correlations{where} ORDER BY scene_id", params)
        for c in ("counts", "ais_only", "params"):
            df[c] = df[c].map(_loads)
        for c in ("time", "updated_at"):
            df[c] = text_times(df[c])
        return df

    def save_ais_correlation(self, record, matches, edits, *, analyst):
        """Write one scene's correlation in one transaction; only what changed, each change audited.

        Parameters
        ----------
        record : dict
            The scene's row: :data:`CORRELATION_COLUMNS` (``time`` aware, the rest plain or JSON-able).
        matches : DataFrame
            One row per sighting, :data:`MATCH_COLUMNS` (``evidence``/``applied`` dicts or None).
        edits : DataFrame
            Identities to write into sightings: ``sighting_id``, ``old`` and ``new`` (dicts of the
            fields that change among name, imo, mmsi, vessel_type) and ``reason``.

        Returns
        -------
        dict
            ``matches_new``, ``matches_changed``, ``unchanged``, ``identities_written``, ``scene_changed``.
        """
        p, tp = self.PARAM, self.TIME_PARAM
        at = time_text(now_utc())
        out = {"matches_new": 0, "matches_changed": 0, "unchanged": 0, "identities_written": 0,
               "scene_changed": False}
        with self.transaction():
            # The scene's row.
            values = {k: record[k] for k in CORRELATION_COLUMNS}
            values["time"] = time_text(values["time"])
            for k in ("counts", "ais_only", "params"):
                values[k] = _dumps(values[k])
            old = self._one(f"SELECT id, coverage, placed, counts, ais_only, params FROM ais_correlations"
                            f" WHERE scene_id = {p}", (values["scene_id"],))
            if old is None:
                self._insert("ais_correlations", {**values, "analyst": analyst, "updated_at": at})
                self._audit_many([(analyst, "insert", "ais_correlation", values["scene_id"], None,
                                   json.dumps({"coverage": values["coverage"], "counts": record["counts"]}), None)])
                out["scene_changed"] = True
            elif (old[1], old[2], old[3], old[4], old[5]) != (values["coverage"], values["placed"], values["counts"],
                                                              values["ais_only"], values["params"]):
                sets = ", ".join(f"{k} = {tp if k == 'time' else p}" for k in values if k != "scene_id")
                self.conn.execute(
                    f"UPDATE ais_correlations SET {sets}, analyst = {p}, updated_at = {tp} WHERE id = {p}",
                    [*(v for k, v in values.items() if k != "scene_id"), analyst, at, int(old[0])])
                self._audit_many([(analyst, "update", "ais_correlation", values["scene_id"],
                                   json.dumps({"coverage": old[1], "counts": _loads(old[3])}),
                                   json.dumps({"coverage": values["coverage"], "counts": record["counts"]}), None)])
                out["scene_changed"] = True

            # The sightings' rows.
            # The stored rows as text: compared as written, with no JSON parsed again.
            stored = {}
            if len(matches):
                clause, params = self._id_in("sighting_id", [int(i) for i in matches["sighting_id"]])
                rows = self._query(f"SELECT sighting_id, status, mmsi, distance_m, evidence, applied FROM ais_matches"
                                   f" WHERE {clause}", params)
                stored = {int(r["sighting_id"]): r for r in rows.to_dict("records")}
            inserts, updates, audits = [], [], []
            for row in matches.itertuples(index=False):
                sid = int(row.sighting_id)
                new = {c: getattr(row, c) for c in MATCH_COLUMNS}
                new["distance_m"] = None if pd.isna(new["distance_m"]) else round(float(new["distance_m"]), 3)
                new["gate_m"] = None if pd.isna(new["gate_m"]) else float(new["gate_m"])
                new["identity_id"] = None if new["identity_id"] is None or pd.isna(new["identity_id"]) \
                    else int(new["identity_id"])
                new["mmsi"] = None if new["mmsi"] is None or pd.isna(new["mmsi"]) else str(new["mmsi"])
                text = {**new, "evidence": _dumps(new["evidence"]), "applied": _dumps(new["applied"])}
                if sid in stored:
                    was = stored[sid]
                    same = (was["status"] == new["status"] and _none(was["mmsi"]) == new["mmsi"]
                            and was["evidence"] == text["evidence"] and _none(was["applied"]) == text["applied"])
                    if same:
                        out["unchanged"] += 1
                        continue
                    updates.append(text)
                    audits.append((analyst, "update", "ais_match", sid,
                                   json.dumps({k: _plain(was[k]) for k in _AUDITED}),
                                   json.dumps({k: new[k] for k in _AUDITED}), None))
                else:
                    inserts.append(text)
                    audits.append((analyst, "insert", "ais_match", sid, None,
                                   json.dumps({k: new[k] for k in _AUDITED}), None))
            if inserts:
                start = self._next_id("ais_matches")
                cols = ["id", *MATCH_COLUMNS, "analyst", "updated_at"]
                rows = [(start + k, *(r[c] for c in MATCH_COLUMNS), analyst, at) for k, r in enumerate(inserts)]
                self._insert_rows("ais_matches", cols, rows)
            if updates:
                sets = ", ".join(f"{c} = {p}" for c in MATCH_COLUMNS if c != "sighting_id")
                self._executemany(
                    f"UPDATE ais_matches SET {sets}, analyst = {p}, updated_at = {tp} WHERE sighting_id = {p}",
                    [(*(r[c] for c in MATCH_COLUMNS if c != "sighting_id"), analyst, at, int(r["sighting_id"]))
                     for r in updates])
            out["matches_new"], out["matches_changed"] = len(inserts), len(updates)

            # Identities written into (or taken back from) sightings: audited edits with the reason "ais: ...".
            for field in _IDENTITY:
                rows = [(e.new[field], int(e.sighting_id)) for e in edits.itertuples(index=False) if field in e.new]
                if rows:
                    self._executemany(f"UPDATE sightings SET {field} = {p} WHERE id = {p}", rows)
            audits += [(analyst, "edit", "sighting", int(e.sighting_id), json.dumps(e.old), json.dumps(e.new),
                        e.reason) for e in edits.itertuples(index=False)]
            out["identities_written"] = len(edits)
            if audits:
                self._audit_many(audits)
        return out


def _none(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _plain(value):
    value = _none(value)
    return float(value) if isinstance(value, float) else value
