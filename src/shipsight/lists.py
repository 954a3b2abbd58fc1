"""Sanctions lists in the store: dated versions, what changed between them, search.

>>> import tempfile, os
>>> from shipsight.store import open_store
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "log.db"))
>>> import_list(store, "samples/sanctions_sdn.csv", analyst="kim").version   # doctest: +SKIP
1
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from shipsight.digest import sha256_file
from shipsight.errors import InputError, NotFoundError
from shipsight.sanctions import normalise_name, read_list

#: List names given when none is said, by the format the file was read as.
DEFAULT_NAMES = {"ofac-sdn": "OFAC SDN", "opensanctions": "OpenSanctions"}
_COMPARED = ["name", "imo", "mmsi", "aliases", "former_names", "program", "flag", "vessel_type",
             "gross_tonnage", "deadweight"]


@dataclass(frozen=True)
class ListImport:
    """The outcome of importing a list file."""

    list: str
    version: int
    created: bool
    entries: int
    bad_imos: int
    added: int
    removed: int
    changed: int


def import_list(store, path, *, format="auto", list_name=None, analyst):
    """Import a list file as the next dated version of a named list.

    The same file again, or one with the same entries, changes nothing.
    """
    entries = read_list(path, format=format)
    fmt = entries.attrs.get("format", format)
    name = list_name or DEFAULT_NAMES.get(fmt) or Path(path).stem
    version, created = store.add_list_version(name, entries, format=fmt, source=str(path),
                                              sha256=sha256_file(path), analyst=analyst)
    added = removed = changed = 0
    if created and version > 1:
        d = diff_versions(store, name, version - 1, version)
        added, removed, changed = len(d["added"]), len(d["removed"]), len(d["changed"])
    elif created:
        added = len(entries)
    bad = int(entries.attrs.get("bad_imo", (entries["imo"].notna() & ~entries["imo_valid"].fillna(True)).sum()))
    return ListImport(list=name, version=version, created=created, entries=len(entries), bad_imos=bad,
                      added=added, removed=removed, changed=changed)


def _one_list(store, list_name):
    versions = store.list_versions(list_name)
    if list_name is None:
        names = versions["list"].unique().tolist()
        if len(names) != 1:
            raise InputError(f"say which list with --list; there are {len(names)}: {', '.join(names) or 'none'}")
        list_name = names[0]
    elif versions.empty:
        raise NotFoundError(f"no list named {list_name!r}; see 'shipsight sanctions versions'")
    return list_name, versions[versions["list"] == list_name]


def diff_versions(store, list_name=None, old=None, new=None):
    """Entries added, removed and changed between two versions (default: the last two).

    Entries are matched by the list's own id (OFAC's ent_num, OpenSanctions' id).
    Returns a dict of DataFrames ``added``, ``removed``, ``changed`` (the new
    version's rows, with ``fields`` naming what changed) and the two versions.
    """
    list_name, versions = _one_list(store, list_name)
    numbers = versions["version"].tolist()
    new = numbers[-1] if new is None else int(new)
    old = (numbers[-2] if len(numbers) > 1 else None) if old is None else int(old)
    for v in (old, new):
        if v is not None and v not in numbers:
            raise NotFoundError(f"{list_name} has no version {v}; it has {', '.join(map(str, numbers))}")
    after = store.list_entries(list_name=list_name, version=new)
    before = store.list_entries(list_name=list_name, version=old) if old is not None else after.iloc[0:0]
    added = after[~after["entry_id"].isin(before["entry_id"])]
    removed = before[~before["entry_id"].isin(after["entry_id"])]
    both = after.merge(before, on="entry_id", suffixes=("", "_before"))
    fields = pd.Series([[] for _ in range(len(both))], index=both.index, dtype=object)
    for c in _COMPARED:
        # repr() so that two missing values compare equal.
        a = both[c].map(lambda v: repr(_comparable(v)))
        b = both[f"{c}_before"].map(lambda v: repr(_comparable(v)))
        for i in both.index[a != b]:
            fields[i] = fields[i] + [c]
    changed = both[fields.map(bool)].assign(fields=fields[fields.map(bool)])[list(after.columns) + ["fields"]]
    return {"list": list_name, "old": old, "new": new, "added": added, "removed": removed, "changed": changed}


def _comparable(v):
    if isinstance(v, (list, tuple)):
        return tuple(sorted(v))
    return None if pd.isna(v) else v


def search_entries(store, query, *, list_name=None, limit=10, min_score=60):
    """Listed vessels whose name, alias or former name resembles ``query`` (or whose IMO/MMSI is it).

    Scores are rapidfuzz ratios of normalised names (0-100), best first.
    """
    entries = store.list_entries(list_name=list_name)
    if entries.empty:
        return entries.assign(score=[], matched_name=[])
    digits = str(query).upper().removeprefix("IMO").strip()
    exact = entries[(entries["imo"] == digits) | (entries["mmsi"] == digits)].assign(score=100.0, matched_name=None)
    names = entries[["id", "name", "aliases", "former_names"]].assign(
        candidates=lambda d: d.apply(lambda r: [r["name"], *r["aliases"], *r["former_names"]], axis=1))
    long = names[["id", "candidates"]].explode("candidates").dropna()
    found = process.extract(normalise_name(query), long["candidates"].map(normalise_name).tolist(),
                            scorer=fuzz.ratio, limit=None, score_cutoff=min_score)
    hits = pd.DataFrame([(long["id"].iat[i], long["candidates"].iat[i], score) for _, score, i in found],
                        columns=["id", "matched_name", "score"])
    hits = hits.sort_values("score", ascending=False).drop_duplicates("id")
    out = pd.concat([exact, entries.merge(hits, on="id")], ignore_index=True)
    return out.sort_values("score", ascending=False).drop_duplicates("id").head(limit).reset_index(drop=True)
