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

from shipsight.digest import sha256_file
from shipsight.errors import InputError, NotFoundError, names_the_file
from shipsight.sanctions import read_list

#: List names given when none is said, by the format the file was read as.
DEFAULT_NAMES = {"ofac-sdn": "OFAC SDN", "ofac-xml": "OFAC SDN", "un": "UN SC Consolidated",
                 "uk": "UK Sanctions List", "eu": "EU Consolidated", "opensanctions": "OpenSanctions"}
_COMPARED = ["name", "imo", "mmsi", "imos", "mmsis", "call_signs", "aliases", "former_names", "program", "flag",
             "vessel_type", "gross_tonnage", "deadweight", "listed_on"]


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
    #: What the file held besides its vessels (see :func:`shipsight.sanctions.records.entries_frame`).
    report: dict


@names_the_file
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
                      added=added, removed=removed, changed=changed, report=entries.attrs.get("report", {}))


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


def search_entries(store, query, *, list_name=None, limit=10, min_score=None):
    """Listed vessels found by any identifier (IMO, MMSI, call sign, other ids) or name form of ``query``.

    Scored by the flag rule's matcher (:func:`~shipsight.sanctions.match.match_query`):
    a hit scores, and reads, what a sighting carrying the same value would
    get in a ``sanctioned-vessel`` flag. Names are normalised (case,
    punctuation, prefixes, NO./Nº, Roman numerals, spacing, script) and
    compared exactly and fuzzily (down to a ratio of 60, same numbers
    required) over every name, alias and former name an entry has had in any
    version. Placeholders (``0000000``) find nothing.

    Returns
    -------
    pandas.DataFrame
        The entries (latest version), best first, with ``score``, ``level``
        (high, medium, low: :func:`~shipsight.sanctions.match.match_level`),
        ``would_flag`` (whether the flag rule would flag a sighting with this
        value: :func:`~shipsight.sanctions.match.match_query`),
        ``matched_on``, ``matched_name`` (the listed value hit),
        ``matched_kind``, ``query_form``/``listed_form`` (the normalised forms
        compared), ``match_conflict`` and ``explanation`` (the sentence a flag
        would say).
    """
    from shipsight.explain import listed_text
    from shipsight.sanctions.evidence import match_phrase
    from shipsight.sanctions.match import MIN_FLAG_SCORE, match_query
    from shipsight.sanctions.screening import screening_entries

    text = str(query).strip()
    if not text:
        raise InputError("the search is empty; give an IMO number, MMSI, call sign or name")
    entries = store.list_entries(list_name=list_name)
    columns = ["score", "level", "would_flag", "matched_on", "matched_name", "matched_kind", "query_form", "listed_form",
               "match_conflict", "explanation"]
    if entries.empty:
        return entries.assign(**{c: [] for c in columns})
    history = store.list_entries(list_name=list_name, version="all")
    screened = screening_entries(history)
    # Identifiers a list gives without saying their kind are searched like call signs.
    others = history.assign(key=history["list"] + "/" + history["entry_id"]).groupby("key")["other_ids"].sum()
    screened["call_signs"] = [cs + [o for o in others.get(k, []) if o not in cs]
                              for k, cs in zip(screened.index, screened["call_signs"])]
    hits = match_query(text, screened, min_score=MIN_FLAG_SCORE if min_score is None else min_score)
    hits["id"] = screened["id"].reindex(hits["entry"]).to_numpy()
    out = entries.merge(hits.drop(columns="entry"), on="id").rename(columns={"conflict": "match_conflict"})
    said = out.assign(listed_name=out["name"], listed_imo=out["imo"])
    phrases = [match_phrase({**row, "identity_name": text}) for row in said.to_dict("records")]
    out["explanation"] = [f"{text!r} {lead}{listed} {detail}" + ("." if flags else
                          f"; a sighting named {text!r} would not be flagged (the flag rule's fuzzy match needs"
                          " a ratio of 90 between names one typing error apart).")
                          for (lead, detail), listed, flags in zip(phrases, listed_text(said), out["would_flag"])]
    out = out.rename(columns={"matched_value": "matched_name", "identity_form": "query_form"})
    out = out.sort_values(["score", "list", "entry_id"], ascending=[False, True, True]).head(limit)
    return out[[*columns, *[c for c in entries.columns if c not in columns]]].reset_index(drop=True)
