"""Screening against every list in the store: entries over time, vessels over lists.

Two facts the matcher alone does not know:

* **Identifiers over time.** A list's next version may drop a ship's old MMSI
  or name. A 2023 sighting under the old one is still the listed ship, so an
  entry is screened with every identifier and name it had in any version
  (an old primary name counts as a former name), and a match says which
  version held the value it hit (:func:`screening_entries`).
* **One vessel, several designations.** OFAC, the UN and the UK may each list
  the same hull. Entries sharing an IMO number (in any version), or an MMSI
  when neither lists an IMO, are one vessel; its flag cites every list and program that names it, whatever the
  order the lists were imported in (:func:`screen`).

Example
-------
>>> import tempfile, os
>>> from shipsight.store import open_store
>>> store = open_store(os.path.join(tempfile.mkdtemp(), "log.db"))
>>> screening_entries(store.list_entries(version="all")).empty
True
"""

import json

import numpy as np
import pandas as pd

from shipsight.sanctions.match import MATCHED_ON, MIN_FLAG_SCORE, match_identities
from shipsight.sanctions.records import unique

#: Columns of :func:`screen`'s result.
SCREEN_COLUMNS = ("identity", "list_entry_id", "list_key", "matched_on", "score", "matched_value", "matched_kind",
                  "sighting_form", "listed_form", "match_conflict", "match_entry_id", "designations")
_RANK = {k: i for i, k in enumerate(MATCHED_ON)}


def screening_entries(history):
    """One row per entry present in the latest version of its list, with its identifiers over time.

    Parameters
    ----------
    history : pandas.DataFrame
        Every version's rows, as ``store.list_entries(version="all")`` gives them.

    Returns
    -------
    pandas.DataFrame
        Index ``key`` (``"list/entry_id"``); ``name`` (the latest),
        ``imos``, ``mmsis``, ``call_signs``, ``aliases``, ``former_names``
        (union over versions, latest first; earlier primary names join the
        former names), ``id`` (row of the latest version), ``first_id`` (the
        entry's first row: the order entries entered the store), ``list``,
        ``entry_id``, ``program``, ``listed_on``, ``imo``, ``version``;
        ``attrs["provenance"]``: a Series (key, listed value) -> row id of the
        latest version holding that identifier or name.
    """
    columns = ["name", "imos", "mmsis", "call_signs", "aliases", "former_names", "id", "first_id", "list",
               "entry_id", "program", "listed_on", "imo", "version"]
    if history.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in columns}, index=pd.Index([], name="key"))
        out.attrs["provenance"] = pd.Series(dtype="int64")
        return out
    h = history.assign(key=history["list"].astype(str) + "/" + history["entry_id"].astype(str))
    current = h[h["latest"]]
    h = h[h["key"].isin(current["key"])].sort_values(["key", "version"], ascending=[True, False], kind="stable")
    first_id = h.groupby("key")["id"].min()
    latest = current.set_index("key")
    names = latest["name"]
    rows = []
    for key, group in h.groupby("key", sort=False):
        name = names[key]
        past_names = [n for n in group["name"] if n != name]
        rows.append({
            "key": key,
            "imos": unique(v for vs in group["imos"] for v in vs),
            "mmsis": unique(v for vs in group["mmsis"] for v in vs),
            "call_signs": unique(v for vs in group["call_signs"] for v in vs),
            "aliases": unique((v for vs in group["aliases"] for v in vs), drop=(name,)),
            "former_names": unique([v for vs in group["former_names"] for v in vs] + past_names, drop=(name,)),
        })
    out = pd.DataFrame(rows).set_index("key")
    out = out.join(latest[["name", "id", "list", "entry_id", "program", "listed_on", "imo", "version"]])
    out["first_id"] = first_id.reindex(out.index)
    out = out[columns]
    # Which row (version) last held each value: newest rows first, first holder wins.
    long = []
    for column in ("imos", "mmsis", "call_signs", "aliases", "former_names"):
        e = h[["key", "id", column]].explode(column).dropna()
        long.append(pd.DataFrame({"key": e["key"], "value": e[column], "id": e["id"]}))
    long.append(pd.DataFrame({"key": h["key"], "value": h["name"], "id": h["id"]}))
    prov = pd.concat(long, ignore_index=True).drop_duplicates(["key", "value"])
    out.attrs["provenance"] = prov.set_index(["key", "value"])["id"]
    return out


def vessel_groups(entries):
    """The vessel each entry belongs to: entries linked by a shared IMO number are one vessel.

    Entries that list no IMO are also linked by a shared MMSI (an MMSI is
    reissued, so it never joins entries whose IMOs say otherwise). Returns a
    Series on ``entries.index`` holding, per vessel, the key of the entry that
    entered the store first (stable as lists are added).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(entries)
    if n == 0:
        return pd.Series([], index=entries.index, dtype=object)
    no_imo = entries["imos"].map(len) == 0
    links = pd.concat([("imo:" + entries["imos"].explode().dropna().astype(str)),
                       ("mmsi:" + entries.loc[no_imo, "mmsis"].explode().dropna().astype(str))])
    epos = entries.index.get_indexer(links.index)
    imo_codes, _ = pd.factorize(links.to_numpy(dtype=object))
    m = int(imo_codes.max()) + 1 if len(imo_codes) else 0
    # A bipartite graph: entries 0..n-1, IMO numbers n..n+m-1.
    graph = coo_matrix((np.ones(len(epos)), (epos, n + imo_codes)), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    labels = labels[:n]
    first = pd.DataFrame({"label": labels, "first_id": entries["first_id"].to_numpy(dtype="int64"),
                          "key": entries.index.to_numpy()})
    leader = first.sort_values("first_id").drop_duplicates("label").set_index("label")["key"]
    return pd.Series(leader.reindex(labels).to_numpy(), index=entries.index, dtype=object)


def _designations(entries, groups):
    """Per vessel (group key): a JSON list of every list entry naming it, sorted by list and entry id."""
    frame = entries.assign(group=groups)[["group", "list", "entry_id", "program", "listed_on", "name", "imo"]]
    frame = frame.sort_values(["group", "list", "entry_id"])
    out = {}
    for group, rows in frame.groupby("group", sort=False):
        out[group] = json.dumps([{k: (None if pd.isna(v) else v) for k, v in row.items() if k != "group"}
                                 for row in rows.to_dict("records")])
    return pd.Series(out, dtype=object)


def screen(identities, entries, *, fuzzy_threshold=90, min_score=MIN_FLAG_SCORE, lenient=False):
    """The best listed vessel for each identity that matches one, with the evidence of the match.

    Parameters
    ----------
    identities : pandas.DataFrame
        As for :func:`~shipsight.sanctions.match.match_identities`.
    entries : pandas.DataFrame
        A :func:`screening_entries` frame.
    fuzzy_threshold, lenient
        Passed to :func:`~shipsight.sanctions.match.match_identities`.
    min_score : float, keyword-only
        Matches scoring less are not reported (default
        :data:`~shipsight.sanctions.match.MIN_FLAG_SCORE`).

    Returns
    -------
    pandas.DataFrame
        One row per matched identity, columns :data:`SCREEN_COLUMNS`:
        ``list_entry_id`` the store row of the best entry's latest version,
        ``list_key`` the vessel (the key of its first-imported entry),
        the match evidence of :func:`~shipsight.sanctions.match.match_identities`
        (``identity_form`` as ``sighting_form``, ``conflict`` as
        ``match_conflict``), ``match_entry_id`` the row of the latest version
        that held the value hit, ``designations`` a JSON list of every entry
        of the vessel (list, entry_id, program, listed_on, name, imo).
        The best match: highest score, then the stronger kind of evidence,
        then list name and entry id (so the result does not depend on import order).
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SCREEN_COLUMNS})
    if identities.empty or entries.empty:
        return empty
    m = match_identities(identities, entries, fuzzy_threshold=fuzzy_threshold, keep="all", lenient=lenient)
    m = m[m["score"] >= min_score]
    if m.empty:
        return empty
    groups = vessel_groups(entries)
    facts = entries[["id", "list", "entry_id"]].assign(group=groups)
    m = m.join(facts, on="entry")
    m = m.assign(rank=m["matched_on"].map(_RANK))
    m = m.sort_values(["identity", "score", "rank", "list", "entry_id"], ascending=[True, False, True, True, True],
                      kind="stable").drop_duplicates("identity")
    provenance = entries.attrs.get("provenance")
    held = provenance.reindex(pd.MultiIndex.from_arrays([m["entry"], m["matched_value"]])).to_numpy() \
        if provenance is not None and len(provenance) else np.full(len(m), np.nan)
    designations = _designations(entries, groups)
    return pd.DataFrame({
        "identity": m["identity"].to_numpy(),
        "list_entry_id": m["id"].to_numpy(dtype="int64"),
        "list_key": m["group"].to_numpy(dtype=object),
        "matched_on": m["matched_on"].to_numpy(dtype=object),
        "score": m["score"].to_numpy(dtype="float64"),
        "matched_value": m["matched_value"].to_numpy(dtype=object),
        "matched_kind": m["matched_kind"].to_numpy(dtype=object),
        "sighting_form": m["identity_form"].to_numpy(dtype=object),
        "listed_form": m["listed_form"].to_numpy(dtype=object),
        "match_conflict": m["conflict"].to_numpy(dtype=object),
        "match_entry_id": pd.array(np.where(pd.isna(held), m["id"].to_numpy(dtype="float64"), held), dtype="Int64"),
        "designations": designations.reindex(m["group"].to_numpy()).to_numpy(dtype=object),
    })
