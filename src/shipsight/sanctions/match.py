"""Identity matching: which sightings are listed vessels.

The evidence ranks as a sanctions analyst ranks it:

=============  =====  ==========================================================
matched on     score  why
=============  =====  ==========================================================
imo            100    the IMO number is fixed to the hull for life
mmsi            95    unique at a time, but reissued when a ship is reflagged
name (exact)    90    current name or alias, equal after :func:`normalise_name`
former name     85    names are reused: another ship may carry an old name now
name (fuzzy)   <90    ``fuzz.ratio`` x the exact score of that kind of name
=============  =====  ==========================================================

A sighting IMO that disagrees with the entry's IMO vetoes MMSI and name
matches: a ship called ANGARA with another IMO is not the listed ANGARA.

Example
-------
>>> import pandas as pd
>>> entries = pd.DataFrame({"name": ["ANGARA"], "imo": ["9179842"], "mmsi": [None],
...                         "aliases": [[]], "former_names": [[]]}, index=["37059"])
>>> sightings = pd.DataFrame({"name": ["M/V Angara", "Angara", "SASCO ANGARA"],
...                           "imo": [None, "9242986", None], "mmsi": [None] * 3},
...                          index=[11, 12, 13])
>>> match_identities(sightings, entries)[["sighting_id", "entry", "matched_on", "score"]]
   sighting_id  entry matched_on  score
0           11  37059       name   90.0
"""

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from shipsight.errors import InputError
from shipsight.sanctions.names import normalise_names, number_signature

#: Score of a match on each kind of evidence (fuzzy names scale the name scores).
SCORES = {"imo": 100.0, "mmsi": 95.0, "name": 90.0, "alias": 90.0, "former_name": 85.0}
_KIND_ORDER = {"name": 0, "alias": 1, "former_name": 2}
_ON_ORDER = {"imo": 0, "mmsi": 1, "name": 2}
_RESULT = ["sighting_id", "entry", "matched_on", "score", "matched_name", "name_kind"]
_IMO_TEXT = re.compile(r"^\s*(?:IMO)?[\s:#-]*(\d{7})\s*$", re.IGNORECASE)
_MMSI_TEXT = re.compile(r"^\s*(?:MMSI)?[\s:#-]*(\d{9})\s*$", re.IGNORECASE)
# Cells of one fuzzy block (float32): bounds the memory of cdist to ~32 MB.
_BLOCK_CELLS = 8_000_000


def match_identities(sightings, entries, *, fuzzy_threshold=90, keep="best"):
    """Match sightings to listed vessels on IMO, MMSI and names.

    Parameters
    ----------
    sightings : pandas.DataFrame
        Index = sighting id; columns ``name``, ``imo``, ``mmsi`` (a missing
        column counts as all blank; at least one must be there). IMO as
        ``9179842``/``IMO 9179842``/int, MMSI as nine digits; all-zero
        placeholders count as blank.
    entries : pandas.DataFrame
        A :func:`~shipsight.sanctions.read_list` frame (or rows from the store
        with its columns ``name, imo, mmsi, aliases, former_names``); its index
        labels are reported in ``entry`` and must be unique, e.g.
        ``entries.set_index("entry_id")``.
    fuzzy_threshold : float or None, keyword-only
        Least :func:`rapidfuzz.fuzz.ratio` (0-100) between normalised names
        for a fuzzy match; ``None`` or 100 turns fuzzy matching off. The
        ratio is a whole-string similarity on purpose: subset scorers
        (``WRatio``, ``token_set_ratio``, ``partial_ratio``) would equate
        SASCO ANGARA with ANGARA. Fuzzy matches also need the same numbers in
        both names (``ARK II`` is not ``ARK III``).
    keep : {"best", "all"}, keyword-only
        ``"best"``: per sighting, the entries at its highest score; ties are
        all kept (two entries sharing an IMO are both reported, the analyst
        decides). ``"all"``: every matched entry, at its best evidence.

    Returns
    -------
    pandas.DataFrame
        One row per (sighting, entry) match, sorted by sighting (input order)
        then score descending, on a RangeIndex, with columns ``sighting_id``,
        ``entry``, ``matched_on`` (``"imo"``, ``"mmsi"`` or ``"name"``),
        ``score`` (float, see :data:`SCORES`), ``matched_name`` (the listed
        name, alias or former name that matched; the entry's name for IMO and
        MMSI matches) and ``name_kind`` (``"name"``, ``"alias"``,
        ``"former_name"``, or None for IMO and MMSI matches).

    Raises
    ------
    InputError
        A malformed IMO or MMSI in ``sightings`` (naming the sighting), a bad
        threshold or ``keep``, entries without the needed columns or with
        duplicate index labels.

    Notes
    -----
    Vectorised: IMO, MMSI and exact names are pandas merges; names are
    normalised once per distinct name; fuzzy scores come from
    :func:`rapidfuzz.process.cdist` over distinct normalised names only.
    """
    _check_arguments(sightings, entries, fuzzy_threshold, keep)
    n = len(sightings)
    s_imo = _identifiers(sightings, "imo", _IMO_TEXT, "seven", "9179842")
    s_mmsi = _identifiers(sightings, "mmsi", _MMSI_TEXT, "nine", "273123456")
    e_imo = _identifiers(entries, "imo", _IMO_TEXT, "seven", "9179842", lenient=True)
    e_mmsi = _identifiers(entries, "mmsi", _MMSI_TEXT, "nine", "273123456", lenient=True)
    e_name = entries["name"].to_numpy(dtype=object)

    found = [
        _id_matches(s_imo, e_imo, "imo", e_name),
        _id_matches(s_mmsi, e_mmsi, "mmsi", e_name),
    ]
    if "name" in sightings.columns and n:
        found.append(_name_matches(sightings["name"], entries, fuzzy_threshold))
    cand = pd.concat([f for f in found if len(f)] or [_empty()], ignore_index=True)
    cand = cand.astype({"pos": "int64", "epos": "int64", "score": "float64"})

    # An IMO on both sides that disagrees vetoes MMSI and name evidence.
    si, ei = s_imo[cand["pos"].to_numpy()], e_imo[cand["epos"].to_numpy()]
    conflict = pd.notna(si) & pd.notna(ei) & (si != ei)
    cand = cand[~conflict]

    cand = cand.assign(on_rank=cand["matched_on"].map(_ON_ORDER))
    cand = cand.sort_values(["pos", "score", "on_rank"], ascending=[True, False, True], kind="stable")
    cand = cand.drop_duplicates(["pos", "epos"])
    if keep == "best":
        top = cand.groupby("pos")["score"].transform("max")
        cand = cand[cand["score"] == top]
    kind = cand["name_kind"].to_numpy(dtype=object, copy=True)
    kind[pd.isna(kind)] = None  # concat turned the None of IMO/MMSI rows into NaN
    columns = {
        "sighting_id": sightings.index.to_numpy()[cand["pos"].to_numpy()],
        "entry": entries.index.to_numpy()[cand["epos"].to_numpy()],
        "matched_on": cand["matched_on"].to_numpy(dtype=object),
        "score": cand["score"].to_numpy(dtype="float64"),
        "matched_name": cand["matched_name"].to_numpy(dtype=object),
        "name_kind": kind,
    }
    # dtype=object keeps None as None (pandas 3 would infer its str dtype and NaN)
    out = pd.DataFrame({k: pd.Series(v, dtype=v.dtype if k in ("sighting_id", "entry", "score") else object)
                        for k, v in columns.items()})
    return out


# ---------------------------------------------------------------- helpers

def _check_arguments(sightings, entries, fuzzy_threshold, keep):
    if not isinstance(sightings, pd.DataFrame) or not isinstance(entries, pd.DataFrame):
        raise InputError("sightings and entries must be pandas DataFrames")
    if not {"name", "imo", "mmsi"} & set(sightings.columns):
        raise InputError("sightings have none of the columns name, imo, mmsi; nothing to match on")
    missing = {"name", "imo", "mmsi", "aliases", "former_names"} - set(entries.columns)
    if missing:
        raise InputError(f"entries lack column(s) {', '.join(sorted(missing))}; pass a read_list() frame")
    if not entries.index.is_unique:
        raise InputError("entries have duplicate index labels; use entries.set_index('entry_id')")
    if keep not in ("best", "all"):
        raise InputError(f"keep={keep!r} is not one of 'best', 'all'")
    if fuzzy_threshold is not None:
        try:
            ok = 0 < float(fuzzy_threshold) <= 100
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"fuzzy threshold {fuzzy_threshold!r} is not a number in (0, 100]; try 90")


def _one_identifier(value, pattern):
    """(digits or None, ok) for one raw IMO/MMSI value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, True
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None, True
        if not float(value).is_integer():
            return None, False
        value = int(value)
    text = str(int(value)) if isinstance(value, (int, np.integer)) else str(value).strip()
    if not text:
        return None, True
    m = pattern.match(text)
    if not m:
        return None, False
    digits = m.group(1)
    return (None if set(digits) == {"0"} else digits), True


def _identifiers(frame, column, pattern, width, example, *, lenient=False):
    """The column as an object array of digit strings or None, parsed once per distinct value."""
    if column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    parsed = [_one_identifier(u, pattern) for u in uniques]
    bad = [i for i, (_, ok) in enumerate(parsed) if not ok]
    if bad and not lenient:
        row = int(np.flatnonzero(codes == bad[0])[0])
        raise InputError(
            f"{column.upper()} {uniques[bad[0]]!r} is not {width} digits; write it as {example} or leave it blank",
            where=f"sighting {frame.index[row]}, field {column}",
        )
    table = np.array([digits for digits, _ in parsed] + [None], dtype=object)
    return table[codes]


def _empty():
    return pd.DataFrame({
        "pos": pd.Series(dtype="int64"), "epos": pd.Series(dtype="int64"),
        "matched_on": pd.Series(dtype=object), "score": pd.Series(dtype="float64"),
        "matched_name": pd.Series(dtype=object), "name_kind": pd.Series(dtype=object),
    })


def _id_matches(s_ids, e_ids, kind, e_name):
    s_has, e_has = pd.notna(s_ids), pd.notna(e_ids)
    if not (s_has.any() and e_has.any()):
        return _empty()
    left = pd.DataFrame({"pos": np.flatnonzero(s_has), "key": s_ids[s_has]})
    right = pd.DataFrame({"epos": np.flatnonzero(e_has), "key": e_ids[e_has]})
    pairs = left.merge(right, on="key")[["pos", "epos"]]
    return pairs.assign(
        matched_on=kind,
        score=SCORES[kind],
        matched_name=e_name[pairs["epos"].to_numpy()],
        name_kind=None,
    )


def _name_list(value):
    """A list of names from a list-like cell; None for anything else (an error upstream)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return None


def _entry_names(entries):
    """One row per (entry position, listed name): epos, kind, raw, norm."""
    parts = []
    epos = np.arange(len(entries))
    for kind, values in (("name", entries["name"]), ("alias", entries["aliases"]), ("former_name", entries["former_names"])):
        if kind == "name":
            raw = pd.Series(values.to_numpy(dtype=object), index=epos)
        else:
            lists = values.map(_name_list)
            if lists.isna().any():
                label = entries.index[int(np.flatnonzero(lists.isna().to_numpy())[0])]
                column = "aliases" if kind == "alias" else "former_names"
                raise InputError(f"entry {label}: {column} is not a list of names; decode it before matching")
            raw = pd.Series(lists.to_numpy(dtype=object), index=epos).explode().dropna()
        parts.append(pd.DataFrame({"epos": raw.index.to_numpy(), "kind": kind, "raw": raw.to_numpy(dtype=object)}))
    names = pd.concat(parts, ignore_index=True)
    names["norm"] = normalise_names(names["raw"]).to_numpy()
    names = names[names["norm"] != ""]
    names = names.assign(rank=names["kind"].map(_KIND_ORDER)).sort_values(["epos", "rank"], kind="stable")
    return names.drop_duplicates(["epos", "norm"]).drop(columns="rank").reset_index(drop=True)


def _name_matches(names, entries, fuzzy_threshold):
    norm = normalise_names(names)
    codes, uniques = pd.factorize(norm.to_numpy(dtype=object))
    listed = _entry_names(entries)
    if listed.empty:
        return _empty()
    uniques = np.asarray(uniques, dtype=object)
    valid = np.flatnonzero(uniques != "")
    s_table = pd.DataFrame({"ucode": valid, "norm": uniques[valid]})

    # Exact: equal normalised names.
    exact = s_table.merge(listed, on="norm")[["ucode", "epos", "kind", "raw"]]
    exact = exact.assign(score=exact["kind"].map(SCORES).astype("float64"))
    pairs = [exact]

    if fuzzy_threshold is not None and float(fuzzy_threshold) < 100 and len(valid):
        pairs.append(_fuzzy_pairs(s_table, listed, float(fuzzy_threshold)))
    pairs = [p for p in pairs if len(p)]
    if not pairs:
        return _empty()
    pairs = pd.concat(pairs, ignore_index=True)

    # Broadcast the pairs of distinct names back to the sightings carrying them.
    sightings = pd.DataFrame({"pos": np.arange(len(codes)), "ucode": codes})
    sightings = sightings[sightings["ucode"].isin(pairs["ucode"].unique())]
    hits = sightings.merge(pairs, on="ucode")
    return pd.DataFrame({
        "pos": hits["pos"].to_numpy(), "epos": hits["epos"].to_numpy(),
        "matched_on": "name", "score": hits["score"].to_numpy(dtype="float64"),
        "matched_name": hits["raw"].to_numpy(dtype=object), "name_kind": hits["kind"].to_numpy(dtype=object),
    })


def _fuzzy_pairs(s_table, listed, threshold):
    """(ucode, epos, kind, raw, score) for names similar but not equal, via cdist on distinct names."""
    e_codes, e_uniques = pd.factorize(listed["norm"].to_numpy(dtype=object))
    e_uniques = list(e_uniques)
    s_uniques = s_table["norm"].tolist()
    s_sig = np.array([number_signature(x) for x in s_uniques], dtype=object)
    e_sig = np.array([number_signature(x) for x in e_uniques], dtype=object)
    rows, cols, ratios = [], [], []
    block = max(1, _BLOCK_CELLS // max(1, len(e_uniques)))
    for start in range(0, len(s_uniques), block):
        scores = process.cdist(
            s_uniques[start:start + block], e_uniques,
            scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.float32,
        )
        # Equal names scored 100 were matched exactly already.
        r, c = np.nonzero((scores >= threshold) & (scores < 100))
        rows.append(r + start)
        cols.append(c)
        ratios.append(scores[r, c])
    r, c, ratio = np.concatenate(rows), np.concatenate(cols), np.concatenate(ratios).astype("float64")
    same_numbers = s_sig[r] == e_sig[c]
    r, c, ratio = r[same_numbers], c[same_numbers], ratio[same_numbers]
    if not len(r):
        return pd.DataFrame(columns=["ucode", "epos", "kind", "raw", "score"])
    found = pd.DataFrame({"ucode": s_table["ucode"].to_numpy()[r], "ecode": c, "ratio": ratio})
    listed = listed.assign(ecode=e_codes)
    hits = found.merge(listed, on="ecode")
    score = (hits["kind"].map(SCORES).astype("float64") * hits["ratio"] / 100.0).round(1)
    return pd.DataFrame({
        "ucode": hits["ucode"].to_numpy(), "epos": hits["epos"].to_numpy(),
        "kind": hits["kind"].to_numpy(dtype=object), "raw": hits["raw"].to_numpy(dtype=object),
        "score": score.to_numpy(),
    })
