"""AIS in the store: the import log and each MMSI's identities over time, on every SQL back end.

Positions live in the AIS archive (:mod:`shipsight.ais.archive`), beside the
store; the store keeps what is small, queried by value and shared with the
team: one row per import (file, SHA-256, counts) and one row per identity run
(MMSI, name, IMO, call sign, ship type, length, valid from/to), so that
``ais vessels``, screening against the lists and the correlation's identity
lookups are indexed SQL, copied by ``shipsight copy``, and written in the same
transaction as the import's record.

A new import's identity runs are merged into the stored ones
(:func:`plan_identity_merge`): a run that continues a vessel's stored run with
the same identity extends it; any other run is a new row. Stored rows are
never merged with each other or deleted.
"""

import json

import numpy as np
import pandas as pd

from shipsight.store.convert import now_utc, nullable, text_times, time_text, times_text

#: The fields of an identity, as ``ais_identities`` stores them.
IDENTITY_FIELDS = ("name", "imo", "call_sign", "ship_type", "vessel_type", "length_m")
IMPORT_COLUMNS = ("source", "sha256", "format", "archive", "tag", "received_at", "first_time", "last_time",
                  "positions", "statics", "vessels", "counts", "analyst", "at")
#: MMSIs per query when reading a batch of vessels' stored identities.
_CHUNK = 20_000


def _ms_texts(ms):
    """UTC milliseconds as the store's time text, vectorised."""
    return times_text(pd.Series(pd.to_datetime(np.asarray(ms, dtype=np.int64), unit="ms", utc=True)))


def plan_identity_merge(existing, runs):
    """How to merge an import's identity ``runs`` into the ``existing`` rows of the same MMSIs.

    Both frames hold ``mmsi``, the :data:`IDENTITY_FIELDS`, ``valid_from``,
    ``valid_to`` (UTC ms) and ``reports``; ``existing`` also ``id``. Rows of
    both are ordered by (mmsi, valid_from); a run that follows a stored row (or
    a run) of the same identity with nothing else between joins it. Returns
    ``(updates, inserts)``: ``updates`` are stored rows whose valid_from,
    valid_to or reports grow (``id`` and the new values), ``inserts`` the new rows.

    >>> cols = ["mmsi", "name", "imo", "call_sign", "ship_type", "vessel_type", "length_m"]
    >>> old = pd.DataFrame([["273456780", "ANGARA", None, None, None, None, None]], columns=cols)
    >>> old = old.assign(id=7, valid_from=0, valid_to=10, reports=2)
    >>> new = pd.DataFrame([["273456780", "ANGARA", None, None, None, None, None],
    ...                     ["273456780", "HAI XING", None, None, None, None, None]], columns=cols)
    >>> new = new.assign(valid_from=[20, 30], valid_to=[25, 40], reports=[1, 3])
    >>> up, ins = plan_identity_merge(old, new)
    >>> up[["id", "valid_to", "reports"]].values.tolist(), ins["name"].tolist()
    ([[7, 25, 3]], ['HAI XING'])
    """
    fields = list(IDENTITY_FIELDS)
    old = existing.assign(stored=True)
    new = runs.assign(stored=False, id=-1)
    both = pd.concat([old, new], ignore_index=True) if len(old) else new.copy()
    both = both.sort_values(["mmsi", "valid_from", "stored", "id"], ascending=[True, True, False, True],
                            kind="stable").reset_index(drop=True)
    keyed = both[fields].astype(object).where(both[fields].notna(), "\x00")
    # Numbers compare as numbers (a stored 120.0 and a run's 120 are one length).
    for f in ("ship_type", "length_m"):
        keyed[f] = pd.to_numeric(both[f], errors="coerce").round(3).astype(object).where(both[f].notna(), "\x00")
    change = ((both["mmsi"] != both["mmsi"].shift()) | (keyed != keyed.shift()).any(axis=1)).to_numpy()
    stored = both["stored"].to_numpy(dtype=bool)
    # Stored rows are never merged with each other: a second stored row of an identity starts its own group.
    rank = pd.Series(stored.astype(int)).groupby(np.cumsum(change)).cumsum().to_numpy()
    both["group"] = np.cumsum(change | (stored & (rank > 1)))
    both["new"] = ~stored
    g = both.groupby("group", sort=False)
    agg = pd.DataFrame({
        "id": g["id"].max(),
        "valid_from": g["valid_from"].min(),
        "valid_to": g["valid_to"].max(),
        "reports": g["reports"].sum(),
        "has_new": g["new"].any(),
    })
    first = both.drop_duplicates("group").set_index("group")
    agg = agg.join(first[["mmsi", *fields]])
    agg = agg[agg["has_new"]]
    stored = agg[agg["id"] >= 0]
    if len(existing):
        before = existing.set_index("id").loc[stored["id"], ["valid_from", "valid_to", "reports"]]
        grew = ((stored["valid_from"].to_numpy() != before["valid_from"].to_numpy())
                | (stored["valid_to"].to_numpy() != before["valid_to"].to_numpy())
                | (stored["reports"].to_numpy() != before["reports"].to_numpy()))
        stored = stored[grew]
    updates = stored[["id", "valid_from", "valid_to", "reports"]].reset_index(drop=True)
    inserts = agg[agg["id"] < 0][["mmsi", *fields, "valid_from", "valid_to", "reports"]]
    return updates, inserts.sort_values(["mmsi", "valid_from"]).reset_index(drop=True)


class AISRows:
    """The AIS methods of :class:`~shipsight.store.sql.SQLStore` (see :class:`~shipsight.store.base.Store`)."""

    def ais_import(self, sha256):
        """The stored import of the file with this SHA-256, as a dict, or None."""
        df = self.ais_imports(sha256=sha256)
        return None if df.empty else df.iloc[0].to_dict()

    def ais_imports(self, *, sha256=None):
        t = self._time
        sql = (f"SELECT id, source, sha256, format, archive, tag, {t('received_at')} AS received_at,"
               f" {t('first_time')} AS first_time, {t('last_time')} AS last_time, positions, statics, vessels,"
               f" counts, analyst, {t('at')} AS at FROM ais_imports")
        params = []
        if sha256 is not None:
            sql += f" WHERE sha256 = {self.PARAM}"
            params.append(sha256)
        df = self._query(sql + " ORDER BY id", params)
        for c in ("received_at", "first_time", "last_time", "at"):
            df[c] = text_times(df[c])
        df["counts"] = df["counts"].map(json.loads)
        return df

    def _identity_rows(self, mmsis):
        t = self._time
        frames = []
        for i in range(0, len(mmsis), _CHUNK):
            clause, params = self._id_in("mmsi", list(mmsis[i:i + _CHUNK]))
            frames.append(self._query(
                f"SELECT id, mmsi, {', '.join(IDENTITY_FIELDS)}, {t('valid_from')} AS valid_from,"
                f" {t('valid_to')} AS valid_to, reports FROM ais_identities WHERE {clause}", params))
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        for c in ("valid_from", "valid_to"):
            df[c] = text_times(df[c]).astype("datetime64[ms, UTC]").astype("int64") if len(df) else df.get(c)
        return df

    def add_ais_import(self, record, runs, *, analyst):
        """Record an AIS import and merge its identity runs, in one transaction.

        ``record`` holds the :data:`IMPORT_COLUMNS` but ``analyst`` and ``at``
        (times as aware datetimes, ``counts`` a dict); ``runs`` the frame of
        :func:`shipsight.ais.identities.final_runs` (times in UTC ms). Returns
        ``(import_id, added, extended)``; a file already imported (same SHA-256)
        changes nothing and returns its id with ``added`` None.
        """
        p = self.PARAM
        with self.transaction():
            row = self._one(f"SELECT id FROM ais_imports WHERE sha256 = {p}", (record["sha256"],))
            if row:
                return row[0], None, None
            at = now_utc()
            values = {k: record.get(k) for k in IMPORT_COLUMNS}
            values.update(analyst=analyst, at=time_text(at), counts=json.dumps(record["counts"], sort_keys=True))
            for k in ("received_at", "first_time", "last_time"):
                values[k] = time_text(values[k]) if values[k] is not None else None
            import_id = self._insert("ais_imports", values)
            mmsis = sorted(set(runs["mmsi"])) if len(runs) else []
            existing = self._identity_rows(mmsis) if mmsis else pd.DataFrame()
            if existing.empty:
                existing = pd.DataFrame(columns=["id", "mmsi", *IDENTITY_FIELDS, "valid_from", "valid_to", "reports"])
            updates, inserts = plan_identity_merge(existing, runs)
            if len(inserts):
                start = self._next_id("ais_identities")
                n = len(inserts)
                columns = {
                    "id": range(start, start + n), "mmsi": inserts["mmsi"].tolist(),
                    **{f: nullable(inserts[f]) for f in ("name", "imo", "call_sign", "vessel_type")},
                    "ship_type": [None if v is None else int(v) for v in nullable(inserts["ship_type"])],
                    "length_m": nullable(inserts["length_m"]),
                    "valid_from": _ms_texts(inserts["valid_from"]), "valid_to": _ms_texts(inserts["valid_to"]),
                    "reports": inserts["reports"].astype(int).tolist(), "import_id": [import_id] * n,
                    "updated_import_id": [import_id] * n}
                self._insert_rows("ais_identities", list(columns), zip(*columns.values()))
            if len(updates):
                self._executemany(
                    f"UPDATE ais_identities SET valid_from = {self.TIME_PARAM}, valid_to = {self.TIME_PARAM},"
                    f" reports = {p}, updated_import_id = {p} WHERE id = {p}",
                    list(zip(_ms_texts(updates["valid_from"]), _ms_texts(updates["valid_to"]),
                             updates["reports"].astype(int).tolist(), [import_id] * len(updates),
                             updates["id"].astype(int).tolist())))
            audit = {k: v for k, v in values.items() if k not in ("analyst", "at")}
            audit.update(identities_added=len(inserts), identities_extended=len(updates))
            self._audit_many([(analyst, "import", "ais_import", import_id, None, json.dumps(audit), None)])
        return import_id, len(inserts), len(updates)

    def ais_identities(self, *, mmsi=None, imo=None, name=None, since=None, until=None, ids=None):
        """Identity runs as a DataFrame (id, mmsi, name, imo, call_sign, ship_type, vessel_type,
        length_m, valid_from, valid_to as UTC datetimes, reports, import_id), by MMSI then time.

        Filters: ``mmsi`` and ``imo`` (one value or a list), ``name`` (case-insensitive
        part of the name), ``since``/``until`` (runs broadcast at some time in between).
        """
        p, t = self.PARAM, self._time
        where, params = [], []
        for column, value in (("mmsi", mmsi), ("imo", imo), ("id", ids)):
            if value is not None:
                values = [value] if isinstance(value, (str, int, np.integer)) else list(value)
                clause, more = self._id_in(column, [int(v) if column == "id" else str(v) for v in values])
                where.append(clause)
                params += more
        if name is not None:
            where.append(f"upper(name) LIKE {p}")
            params.append(f"%{str(name).strip().upper()}%")
        if since is not None:
            where.append(f"valid_to >= {self.TIME_PARAM}")
            params.append(time_text(since))
        if until is not None:
            where.append(f"valid_from <= {self.TIME_PARAM}")
            params.append(time_text(until))
        df = self._query(
            f"SELECT id, mmsi, {', '.join(IDENTITY_FIELDS)}, {t('valid_from')} AS valid_from,"
            f" {t('valid_to')} AS valid_to, reports, import_id FROM ais_identities"
            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY mmsi, valid_from, id", params)
        df["valid_from"] = text_times(df["valid_from"])
        df["valid_to"] = text_times(df["valid_to"])
        df["ship_type"] = df["ship_type"].astype("Int64")
        df["length_m"] = df["length_m"].astype(float)
        return df
