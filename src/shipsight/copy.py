"""Copy a whole log between stores: SQLite to the team's PostGIS server, or back.

Every table moves row for row (:data:`~shipsight.store.base.TABLES`): ids are
kept, and so is the audit log, copied rather than re-audited, so each row's
history still says who logged or changed it, when, and as which database
user. The copy is one transaction on the destination: all of it or none, and
the destination notes it in its copy log (who, when, from where, how many
rows per table; :meth:`~shipsight.store.base.Store.copies`).

Copying again is safe. Rows already there unchanged are skipped; rows new in
the source are added. A row present on both sides with different content is

* taken from the source when the destination has not moved on since the last
  copy: its audit log holds nothing the source's lacks (the source simply
  edited, retracted or reviewed more), and the table is one whose rows change
  in place (sightings, flags, vessels, structures); otherwise
* a conflict, reported with its table and id, and nothing is written: both
  sides were written independently and keeping ids would overwrite one of them.

Examples
--------
>>> import tempfile, os
>>> from shipsight.store import open_store
>>> from shipsight.sightings import log_sighting
>>> tmp = tempfile.mkdtemp()
>>> with open_store(os.path.join(tmp, "a.db")) as a, open_store(os.path.join(tmp, "b.db")) as b:
...     _ = log_sighting(a, {"time": "2024-01-05T03:00:00Z", "lon": 130.3, "lat": 42.24}, analyst="kim")
...     copy_log(a, b).added["sightings"], copy_log(a, b).added["sightings"]
(1, 0)
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shipsight.errors import InputError
from shipsight.model.sightings import default_analyst
from shipsight.store.base import TABLES

#: Tables whose rows are changed in place by the log (edits, retraction, re-attribution, reviews).
MUTABLE = ("sightings", "flags", "vessels", "structures", "ais_correlations", "ais_matches")


@dataclass
class CopyResult:
    """Per table: rows added, rows updated from the source, rows already there unchanged."""

    added: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)

    @property
    def total_added(self):
        return sum(self.added.values())

    @property
    def total_updated(self):
        return sum(self.updated.values())


def _normalised(frame):
    """Values comparable across back ends: NaN and NA as None, numpy scalars as Python."""
    out = {}
    for c in frame.columns:
        arr = np.array(frame[c].to_numpy(dtype=object), dtype=object)
        arr[pd.isna(arr)] = None
        out[c] = arr
    return out


@dataclass
class _Diff:
    new: pd.DataFrame
    changed: pd.DataFrame
    unchanged: int
    first_changed: object = None


def _diff(src, dst):
    """Rows of ``src`` missing from ``dst``, and those present in both with other content."""
    if dst.empty:
        return _Diff(src, src.iloc[0:0], 0)
    in_dst = src["id"].isin(set(dst["id"]))
    new = src[~in_dst]
    both = src[in_dst].reset_index(drop=True)
    if both.empty:
        return _Diff(new, both, 0)
    other = dst.set_index("id").reindex(both["id"]).reset_index()
    columns = [c for c in src.columns if c in other.columns]
    a, b = _normalised(both[columns]), _normalised(other[columns])
    differs = np.zeros(len(both), dtype=bool)
    for c in columns:
        differs |= a[c] != b[c]
    changed = both[differs]
    first = changed["id"].iat[0] if len(changed) else None
    return _Diff(new, changed, int((~differs).sum()), first)


def copy_log(src, dst, *, analyst=None, progress=None):
    """Copy every table of store ``src`` into store ``dst``, keeping ids and history.

    Parameters
    ----------
    src, dst : Store
        Open stores (see :func:`shipsight.store.open_store`), of either kind.
    analyst : str, optional
        Who copies, for the destination's copy log (default: the OS user).
    progress : callable, optional
        ``progress(done, total)``: called as each table is compared, then as each is written.

    Returns
    -------
    CopyResult

    Raises
    ------
    InputError
        ``src`` and ``dst`` are the same store, or a row conflicts (see the
        module notes); then nothing is written.
    """
    if src.url == dst.url:
        raise InputError(f"--from and --to both name {src.url}; copy to another store")
    steps = 2 * len(TABLES)
    tick = progress or (lambda done, total: None)
    result = CopyResult()
    with dst.transaction():
        diffs, audits = {}, {}
        for k, name in enumerate(TABLES, 1):
            a, b = src.dump_table(name), dst.dump_table(name)
            diffs[name] = _diff(a, b)
            tick(k, steps)
            if name == "audit":
                audits = {"src": a, "dst": b}
        audit = diffs["audit"]
        if len(audit.changed):
            raise InputError(
                f"{dst.url} holds a different history from {src.url} (audit entry {audit.first_changed} "
                "differs); both were written since they were last copied, so ids cannot be kept. "
                "Copy into a new, empty store instead")
        # The destination moved on if it holds history the source lacks.
        diverged = not audits["dst"]["id"].isin(set(audits["src"]["id"])).all()
        for name in TABLES:
            d = diffs[name]
            if len(d.changed) and (name not in MUTABLE or diverged):
                why = ("has been written since it was last copied" if diverged
                       else "holds a different row with the same id")
                raise InputError(
                    f"{dst.url} {why}: {name} {d.first_changed} differs from {src.url}; ids cannot be kept, "
                    "so nothing was copied. Copy into a new, empty store instead")
        for k, name in enumerate(TABLES, len(TABLES) + 1):
            d = diffs[name]
            if len(d.new):
                dst.load_rows(name, d.new)
            if len(d.changed):
                dst.load_rows(name, d.changed, replace=True)
            tick(k, steps)
            result.added[name] = len(d.new)
            result.updated[name] = len(d.changed)
            result.unchanged[name] = d.unchanged
        if result.total_added or result.total_updated:
            dst.record_copy(source=src.url, analyst=analyst or default_analyst(),
                            added={k: n for k, n in result.added.items() if n},
                            updated={k: n for k, n in result.updated.items() if n})
    return result


def copy_stores(source, target, *, analyst=None, progress=None):
    """Open ``source`` (must exist) and ``target`` (created if missing) by path or URL and copy.

    >>> import tempfile, os
    >>> tmp = tempfile.mkdtemp()
    >>> from shipsight.store import open_store
    >>> open_store(os.path.join(tmp, "a.db")).close()
    >>> copy_stores(os.path.join(tmp, "a.db"), os.path.join(tmp, "b.db")).total_added
    0
    """
    from shipsight.store import open_store

    with open_store(source, create=False) as src, open_store(target, create=True) as dst:
        return copy_log(src, dst, analyst=analyst, progress=progress)
