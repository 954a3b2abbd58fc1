"""Bring back sightings edited in a GIS: ``shipsight sightings sync FILE``.

An analyst exports sightings (GeoPackage, GeoJSON, KML, CSV...), moves and
edits them in QGIS, adds new ones, and syncs the file back. Features are
matched on ``id``: a changed field becomes an audited edit (a moved point is
re-attributed to its port), a feature without an id becomes a new sighting,
and nothing is deleted or retracted by leaving a feature out.

A feature without an id that is already in the log by the rule
``sightings import`` uses for duplicates (same time, position, identity and
source: :meth:`shipsight.store.base.Store.add_sightings`) is not added again,
so syncing the same file twice changes nothing the second time.

Conflicts are found as a three-way merge whose base is the sighting as it was
exported. The export writes ``revision``, the store's audit position at that
moment; the audit log then tells each field's value at export time (the old
value of its first edit after that position). A field the file changed that
the store also changed since the export is a conflict: the sync is refused
and every conflict listed, so neither analyst's edit is lost silently. A field
only the store changed keeps the store's value.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shipsight.errors import InputError, RowErrors, names_the_file
from shipsight.model.sightings import FIELDS, validate_sightings

#: Fields validation fills in when a file leaves them blank: blank there means "as before".
_DEFAULTED = ("analyst", "confidence")
#: Times written by GIS formats keep milliseconds (GeoPackage): closer than this is the same time.
_TIME_TOLERANCE = pd.Timedelta(milliseconds=1)
#: Degrees (about 0.1 mm) and other numbers closer than this are the same value.
_FLOAT_TOLERANCE = 1e-9


@dataclass
class SyncResult:
    """What a sync did: ``edited`` maps sighting id to the fields changed, ``added`` the new ids,
    ``duplicates`` counts the features without an id that were already in the log (not added)."""

    edited: dict = field(default_factory=dict)
    added: list = field(default_factory=list)
    unchanged: int = 0
    duplicates: int = 0

    @property
    def changed(self):
        """Whether the sync wrote anything."""
        return bool(self.edited or self.added)


def _same(a, b):
    if a is None or (not isinstance(a, str) and pd.isna(a)):
        return b is None or (not isinstance(b, str) and pd.isna(b))
    if b is None or (not isinstance(b, str) and pd.isna(b)):
        return False
    if isinstance(a, (pd.Timestamp, np.datetime64)) or isinstance(b, (pd.Timestamp, np.datetime64)):
        return abs(pd.Timestamp(a) - pd.Timestamp(b)) < _TIME_TOLERANCE
    if isinstance(a, (float, int, np.floating, np.integer)) and isinstance(b, (float, int, np.floating, np.integer)):
        return abs(float(a) - float(b)) <= _FLOAT_TOLERANCE * max(1.0, abs(float(a)))
    return str(a) == str(b)


def _base_values(store, sighting_id, mark):
    """The fields the store changed after audit position ``mark``: field -> value at the mark.

    A retraction since the mark is reported as the field ``status``.
    """
    history = store.history(entity="sighting", entity_id=sighting_id)
    later = history[history["id"] > mark]
    base = {}
    for _, entry in later.iterrows():
        if entry["action"] == "retract":
            base.setdefault("status", "active")
        if entry["action"] != "edit" or not entry["old"]:
            continue
        for key, value in json.loads(entry["old"]).items():
            if key == "time" and value is not None:
                value = pd.Timestamp(value)
            base.setdefault(key, value)
    return base, later


@names_the_file
def sync_sightings(store, path, *, analyst, layer=None, encoding=None, tz=None, time_format=None,
                   allow_duplicates=False):
    """Apply a file of exported (and edited) sightings to the store, in one transaction.

    Parameters
    ----------
    store : Store
    path : path
        A file ``shipsight export --layer sightings`` wrote, edited elsewhere:
        it needs the ``id`` and ``revision`` columns of the export. New
        features have no id.
    analyst : str
        Who syncs; the edits and new sightings are audited under this name.
    layer, encoding, tz, time_format, allow_duplicates
        As for :func:`shipsight.sightings.import_sightings`: features without
        an id that are already in the log are skipped and counted unless
        ``allow_duplicates``.

    Returns
    -------
    SyncResult

    Raises
    ------
    RowErrors
        Bad values, ids the store does not have, or conflicts with edits made
        in the store since the export (each listed; nothing written).

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.store import open_store
    >>> from shipsight.layers import layer_frame
    >>> from shipsight.io.export import write_layer
    >>> from shipsight.sightings import log_sighting
    >>> d = tempfile.mkdtemp()
    >>> store = open_store(os.path.join(d, "log.db"))
    >>> log_sighting(store, {"time": "2024-01-05T03:00:00Z", "lon": 130.3, "lat": 42.24, "name": "A"}, analyst="kim")
    1
    >>> out = write_layer(layer_frame(store, "sightings"), os.path.join(d, "s.csv"), layer="sightings")
    >>> text = open(out).read().replace(",A,", ",ANGARA,")
    >>> _ = open(out, "w").write(text)
    >>> sync_sightings(store, out, analyst="lee").edited
    {1: ['name']}
    >>> sync_sightings(store, out, analyst="lee").changed  # the same file again
    False
    """
    from shipsight.digest import sha256_file
    from shipsight.io.sightings import read_sightings_file
    from shipsight.sightings import check_header
    from shipsight.store import SightingQuery

    path = Path(path)
    raw = read_sightings_file(path, layer=layer, encoding=encoding)
    if raw.empty:
        raise InputError("holds no sightings", where=str(path))
    check_header(raw, path)
    for needed in ("id", "revision"):
        if needed not in raw.columns:
            raise InputError(f"has no {needed!r} column; sync takes a file written by 'shipsight export --layer "
                             "sightings' (for new sightings alone use 'sightings import')", where=str(path))
    rows = raw.pop("row").to_numpy()
    ids = pd.to_numeric(raw["id"].astype("string").str.strip().replace("", None), errors="coerce")
    marks = pd.to_numeric(raw["revision"].astype("string").str.strip().replace("", None), errors="coerce")
    clean, problems = validate_sightings(raw, tz=tz, analyst=analyst, time_format=time_format,
                                         source=str(path))
    present = set(raw.columns) | {"lon", "lat"}
    compared = [f for f in FIELDS if f in present or (f == "scene_id" and "scene" in present)]
    blank = {f: raw[f].astype("string").str.strip().fillna("").eq("").to_numpy() for f in _DEFAULTED if f in raw}

    existing = store.sightings(SightingQuery(ids=tuple(int(i) for i in ids.dropna().unique()),
                                             include_retracted=True)).set_index("id")
    edits, new_rows = {}, []
    bad_pos = {p[0] for p in problems}
    result = SyncResult()
    for pos in range(len(raw)):
        if pos in bad_pos:
            continue
        sid = ids.iat[pos]
        if pd.isna(sid):
            new_rows.append(pos)
            continue
        sid = int(sid)
        if sid not in existing.index:
            problems.append((pos, "id", f"id {sid} is not a sighting of this store; remove the id to add the "
                                        "feature as a new sighting"))
            continue
        now = existing.loc[sid]
        changed = {}
        for f in compared:
            if f in blank and blank[f][pos]:
                continue
            value = clean.at[pos, f]
            if not _same(value, now[f]):
                changed[f] = value
        if not changed:
            result.unchanged += 1
            continue
        mark = marks.iat[pos]
        if pd.isna(mark):
            problems.append((pos, "revision", "revision is empty, so edits made in the store since the export "
                                              "cannot be told; export again and redo the edit"))
            continue
        base, later = _base_values(store, sid, int(mark))
        if "status" in base or now["status"] == "retracted":
            problems.append((pos, "id", f"sighting {sid} was retracted ({now['retracted_reason']}); it cannot be "
                                        "edited"))
            continue
        for f in list(changed):
            if f not in base:
                continue  # the store did not touch it since the export: the file's edit applies
            if _same(changed[f], base[f]):
                del changed[f]  # the file kept the exported value: the store's newer one stands
                continue
            who = later.iloc[-1]
            problems.append((pos, f, f"conflict: changed in the store since the export (now {_show(now[f])}, by "
                                     f"{who['analyst']} at {who['at']:%Y-%m-%dT%H:%M:%SZ}) and in the file "
                                     f"(to {_show(changed[f])}); edit it with 'sightings edit' or export again"))
        if changed and not any(p[0] == pos for p in problems):
            edits[sid] = changed
        elif not changed:
            result.unchanged += 1
    if problems:
        problems.sort(key=lambda p: p[0])
        raise RowErrors(str(path), [(int(rows[pos]), f, why) for pos, f, why in problems])

    reason = f"synced from {path.name}"
    with store.transaction():
        for sid, changed in edits.items():
            typed = {k: (v.to_pydatetime() if isinstance(v, pd.Timestamp) else
                         None if v is None or (not isinstance(v, str) and pd.isna(v)) else
                         float(v) if isinstance(v, np.floating) else v) for k, v in changed.items()}
            store.edit_sighting(sid, typed, reason=reason, analyst=analyst)
            result.edited[sid] = sorted(changed)
        if new_rows:
            added = store.add_sightings(clean.loc[new_rows], analyst=analyst, source=str(path),
                                        sha256=sha256_file(path), duplicates="keep" if allow_duplicates else "skip")
            result.added = [int(i) for i in added]
            result.duplicates = len(new_rows) - len(added)
    return result


def _show(value):
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    return repr(value) if isinstance(value, str) else str(value)
