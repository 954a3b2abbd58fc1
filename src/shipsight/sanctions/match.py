"""Identity matching: which identities (sightings, AIS vessels, names typed in) are listed vessels.

The evidence ranks as a sanctions analyst ranks it:

================  =====  =========================================================
matched on        score  why
================  =====  =========================================================
``imo``           100    the IMO number is fixed to the hull for life
``mmsi``           95    unique at a time, but reissued when a ship is reflagged
``name``           90    the listed name, equal after normalisation
``alias``          90    an a.k.a. of the entry
``former-name``    85    names are reused: another ship may carry an old name now
``call-sign``      80    reissued with the flag, and short
``fuzzy-name``    <90    a near spelling: ``fuzz.ratio`` x the score of the name hit
================  =====  =========================================================

A *conflicting* identifier (the identity has an IMO, MMSI or call sign, the
entry lists some of that kind, and none is the identity's) lowers a match
by :data:`PENALTIES`; it never throws away a hit on another identifier of the
same entry, and an identifier the entry lists is never a conflict (an entry
with two IMOs conflicts with neither). A ship called ANGARA with another IMO
thus scores 55 on the listed ANGARA: below the flag rule's bar (60), kept
for search and for :func:`match_identities` with ``keep="all"``.

Example
-------
>>> import pandas as pd
>>> entries = pd.DataFrame({"name": ["ANGARA"], "imos": [["9179842", "9417127"]]}, index=["37059"])
>>> ids = pd.DataFrame({"name": ["M/V Angara", "Angara", "SASCO ANGARA", None],
...                     "imo": [None, "9242986", None, "9417127"]}, index=[11, 12, 13, 14])
>>> match_identities(ids, entries, keep="all")[["identity", "matched_on", "score", "conflict"]]
   identity matched_on  score                                       conflict
0        11       name   90.0                                           None
1        12       name   55.0  IMO 9242986 is not the listed 9179842/9417127
2        14        imo  100.0                                           None
"""

import numpy as np
import pandas as pd

from shipsight.errors import InputError
from shipsight.model.identity import clean_call_signs, clean_imos, clean_mmsis
from shipsight.sanctions.names import name_keys, normalise_names

#: Score of a match on each kind of evidence (fuzzy names scale the name scores).
SCORES = {"imo": 100.0, "mmsi": 95.0, "name": 90.0, "alias": 90.0, "former-name": 85.0, "call-sign": 80.0}
#: The least score the ``sanctioned-vessel`` rule flags: a name whose identity carries
#: a conflicting IMO (90 - 35) stays below it, an MMSI hit with one (95 - 35) reaches it.
MIN_FLAG_SCORE = 60.0
#: The least score of a ``high`` match: a listed identifier or an exact listed name, nothing
#: against it but a reissued MMSI or call sign. Every weak kind of evidence scores less.
HIGH_SCORE = 90.0
#: Least ratio of a fuzzy name that :func:`match_query` reports (a human reads the list).
SEARCH_FUZZY_THRESHOLD = 60.0
#: How much a conflicting identifier of each kind lowers a match on other evidence.
PENALTIES = {"imo": 35.0, "mmsi": 10.0, "call-sign": 5.0}
#: Every value of ``matched_on``, strongest first (ties in score are broken in this order).
MATCHED_ON = ("imo", "mmsi", "name", "alias", "former-name", "call-sign", "fuzzy-name")
#: Columns of :func:`match_identities`' result.
RESULT = ("identity", "entry", "matched_on", "score", "matched_value", "matched_kind", "identity_form",
          "listed_form", "ratio", "conflict")
_RANK = {k: i for i, k in enumerate(MATCHED_ON)}
_ID_KINDS = (("imo", "imos", "imo"), ("mmsi", "mmsis", "mmsi"), ("call-sign", "call_signs", "call_sign"))
_NAME_KINDS = (("name", "name"), ("alias", "aliases"), ("former-name", "former_names"))
# Keys are hashed to this many characters for the fuzzy candidate search (longer keys are cut).
_KEY_WIDTH = 40
_P = 1099511628211  # the FNV-1 64-bit prime: odd, so invertible modulo 2**64


def match_identities(identities, entries, *, fuzzy_threshold=90, keep="best", lenient=False, fuzzy_search="one-edit"):
    """Match a frame of identities to listed vessels on identifiers and names.

    Parameters
    ----------
    identities : pandas.DataFrame
        Index = identity id (a sighting id, an MMSI, anything unique);
        columns any of ``name``, ``imo``, ``mmsi``, ``call_sign`` (at least
        one). IMO as ``9179842``/``IMO 9179842``/int, MMSI as nine digits;
        placeholders (:func:`~shipsight.model.identity.clean_imos`) count as blank.
    entries : pandas.DataFrame
        Index = entry key (unique), e.g. ``read_list(...).set_index("entry_id")``;
        columns ``name`` and any of ``imos``, ``mmsis``, ``call_signs``,
        ``aliases``, ``former_names`` (lists of str), or scalar ``imo``,
        ``mmsi``, ``call_sign`` where the list column is absent.
    fuzzy_threshold : float or None, keyword-only
        Least :func:`rapidfuzz.fuzz.ratio` (0-100) between name keys for a
        fuzzy match; ``None`` or 100 turns fuzzy matching off. A whole-string
        ratio on purpose: subset scorers (``WRatio``, ``token_set_ratio``)
        would equate SASCO ANGARA with ANGARA. Fuzzy matches also need the
        same numbers in both names (``NAM SAN 6`` is not ``NAM SAN 8``), and
        are searched among names one typing error apart (a deletion,
        insertion, substitution or swap; the symmetric-deletion candidate
        search of Garbe's SymSpell), then scored.
    fuzzy_search : {"one-edit", "every-name"}, keyword-only
        Which listed names a fuzzy name is scored against: those one typing
        error apart (above; cost grows with distinct names) or every listed
        name (for a handful of typed queries, as :func:`match_query` does;
        quadratic). The score of a pair is the same either way.
    keep : {"best", "all"}, keyword-only
        ``"best"``: per identity, the entries at its highest score (ties all
        kept: two entries sharing an IMO are both reported). ``"all"``:
        every matched entry, at its best evidence.
    lenient : bool, keyword-only
        False: a malformed IMO or MMSI of an identity (letters, wrong length)
        is an :class:`~shipsight.errors.InputError` naming it. True: read as
        unknown (for feeds such as AIS, whose garbage is not the user's fault).

    Returns
    -------
    pandas.DataFrame
        One row per (identity, entry) match, sorted by identity (input
        order) then score descending, on a RangeIndex, columns :data:`RESULT`:
        ``matched_on`` (one of :data:`MATCHED_ON`), ``score`` (float, after
        conflicts), ``matched_value`` (the listed IMO, MMSI, call sign or
        name string hit), ``matched_kind`` (kind of that listed value:
        ``imo``, ``mmsi``, ``call-sign``, ``name``, ``alias``,
        ``former-name``), ``identity_form``/``listed_form`` (the normalised
        forms compared), ``ratio`` (100 for exact), ``conflict`` (a sentence
        naming conflicting identifiers, or None).

    Raises
    ------
    InputError
        A malformed IMO or MMSI (unless ``lenient``), a bad threshold or
        ``keep``, entries without a ``name`` column, with duplicate index
        labels, or with a list column that holds something else.

    Notes
    -----
    Vectorised: identifiers are cleaned and names normalised once per
    distinct value; exact hits are hash joins; fuzzy candidates come from
    hashed deletion variants of the keys (numpy), scored with
    :func:`rapidfuzz.process.cpdist`. Cost grows with distinct names, not
    with identities.
    """
    _check_arguments(identities, entries, fuzzy_threshold, keep)
    if fuzzy_search not in ("one-edit", "every-name"):
        raise InputError(f"fuzzy_search={fuzzy_search!r} is not one of 'one-edit', 'every-name'")
    n_e = len(entries)
    listed_ids = _listed_identifiers(entries)
    parts = []
    own = {}
    for kind, _, column in _ID_KINDS:
        values = _identity_values(identities, column, kind, lenient)
        own[kind] = values
        hits = _identifier_hits(values, listed_ids[listed_ids["kind"] == kind], kind)
        if hits is not None:
            parts.append(hits)
    if "name" in identities.columns and len(identities) and n_e:
        names = _name_hits(identities["name"], _listed_names(entries), fuzzy_threshold, fuzzy_search)
        if names is not None:
            parts.append(names)
    if not parts:
        return _empty()
    cand = pd.concat(parts, ignore_index=True)
    cand = _apply_conflicts(cand, own, listed_ids, n_e)
    # Among equal scores: the listed form written exactly as the identity's (SEASTAR III hits the
    # alias SEASTAR III, not the name SEA STAR III it shares a key with), then the stronger kind.
    differs = (cand["identity_form"] != cand["listed_form"]).to_numpy(dtype=int)
    cand = cand.assign(rank=differs * len(_RANK) + cand["matched_on"].map(_RANK).to_numpy())
    cand = cand.sort_values(["pos", "score", "rank"], ascending=[True, False, True], kind="stable")
    cand = cand.drop_duplicates(["pos", "epos"])
    if keep == "best":
        top = cand.groupby("pos")["score"].transform("max")
        cand = cand[cand["score"] == top]
    out = pd.DataFrame({
        "identity": identities.index.to_numpy()[cand["pos"].to_numpy()],
        "entry": entries.index.to_numpy()[cand["epos"].to_numpy()],
    })
    for column in RESULT[2:]:
        values = cand[column].to_numpy()
        out[column] = pd.Series(values, dtype="float64" if column in ("score", "ratio") else object)
        if column not in ("score", "ratio"):
            out[column] = out[column].where(out[column].notna(), None)
    return out



def match_level(score):
    """``"high"``, ``"medium"`` or ``"low"`` for each match score of :func:`match_identities`.

    ``high`` (>= :data:`HIGH_SCORE`): a listed IMO, MMSI or exact listed name or
    alias. ``medium`` (>= :data:`MIN_FLAG_SCORE`, what the ``sanctioned-vessel``
    rule flags): weak evidence (a former name, a call sign, a near spelling) or
    a match lowered by a conflicting identifier. ``low``: below the flag rule's
    bar. So the level never reads stronger than the explanation's words.

    >>> match_level([100, 90, 84.7, 55]).tolist()
    ['high', 'high', 'medium', 'low']
    """
    score = np.asarray(score, dtype=float)
    return np.where(score >= HIGH_SCORE, "high", np.where(score >= MIN_FLAG_SCORE, "medium", "low"))


def match_query(text, entries, *, fuzzy_threshold=SEARCH_FUZZY_THRESHOLD, min_score=MIN_FLAG_SCORE):
    """The listed vessels one typed query (an IMO, MMSI, call sign or name) finds, best first.

    The query is read each way it can be read: an IMO number, an MMSI, a call
    sign, a name. Each reading is matched by :func:`match_identities` as an
    identity holding that one value, so a reading never conflicts with
    another and a hit scores what a sighting with the same value scores in
    the ``sanctioned-vessel`` rule. Fuzzy names are scored against every
    listed name (``fuzzy_search="every-name"``) down to ``fuzzy_threshold``.

    Parameters
    ----------
    text : str
        What was typed: ``9179842``, ``IMO 9179842``, ``273456780``, ``UBCF2``, ``NAM SAN NO.8``.
    entries : pandas.DataFrame
        As for :func:`match_identities`.
    fuzzy_threshold : float, keyword-only
        Least fuzzy ratio (default :data:`SEARCH_FUZZY_THRESHOLD`).
    min_score : float, keyword-only
        Least score reported (default :data:`MIN_FLAG_SCORE`, the flag rule's).

    Returns
    -------
    pandas.DataFrame
        One row per matched entry, columns :data:`RESULT` (``identity`` the
        reading: ``imo``, ``mmsi``, ``call-sign`` or ``name``), ``level``
        (:func:`match_level`) and ``would_flag`` (bool: whether the
        ``sanctioned-vessel`` rule, at its default fuzzy threshold of 90 over
        names one edit apart, would flag a sighting with that value: a search
        reaches further than a flag, down to ``fuzzy_threshold`` over every
        name), sorted by score descending, then the stronger kind.

    Examples
    --------
    >>> entries = pd.DataFrame({"name": ["ANGARA"], "imos": [["9179842"]], "call_signs": [["UBCF2"]]}, index=["e1"])
    >>> match_query("IMO 9179842", entries)[["matched_on", "score", "level"]].values.tolist()
    [['imo', 100.0, 'high']]
    >>> match_query("ANGARRA", entries)[["matched_on", "score", "level", "would_flag"]].values.tolist()
    [['fuzzy-name', 83.1, 'medium', True]]
    >>> match_query("ANGELA", entries)[["matched_on", "score", "would_flag"]].values.tolist()
    [['fuzzy-name', 60.0, False]]
    """
    text = str(text).strip()
    imo, mmsi = clean_imos([text]).values[0], clean_mmsis([text]).values[0]
    readings = pd.DataFrame({"name": [None, None, None, text], "imo": [imo, None, None, None],
                             "mmsi": [None, mmsi, None, None], "call_sign": [None, None, text, None]},
                            index=["imo", "mmsi", "call-sign", "name"])
    hits = match_identities(readings, entries, fuzzy_threshold=fuzzy_threshold, keep="all", lenient=True,
                            fuzzy_search="every-name")
    hits = hits[hits["score"] >= min_score]
    # The flag rule's own matcher on the same readings: what a sighting carrying the value would get.
    flagged = match_identities(readings, entries, keep="all", lenient=True)
    flagged = flagged[flagged["score"] >= MIN_FLAG_SCORE]
    hits = hits.assign(would_flag=pd.MultiIndex.from_frame(hits[["identity", "entry"]]).isin(
        pd.MultiIndex.from_frame(flagged[["identity", "entry"]])))
    hits = hits.assign(rank=hits["matched_on"].map(_RANK))
    hits = hits.sort_values(["score", "rank"], ascending=[False, True], kind="stable").drop_duplicates("entry")
    return hits.drop(columns="rank").assign(level=match_level(hits["score"])).reset_index(drop=True)

# ---------------------------------------------------------------- arguments

def _check_arguments(identities, entries, fuzzy_threshold, keep):
    if not isinstance(identities, pd.DataFrame) or not isinstance(entries, pd.DataFrame):
        raise InputError("identities and entries must be pandas DataFrames")
    if not {"name", "imo", "mmsi", "call_sign"} & set(identities.columns):
        raise InputError("identities have none of the columns name, imo, mmsi, call_sign; nothing to match on")
    if "name" not in entries.columns:
        raise InputError("entries lack column(s) name; pass a read_list() frame")
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


def _empty():
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("score", "ratio") else object) for c in RESULT})


def _list_column(entries, column, scalar):
    """An entries column as lists (from the list column, else the scalar one, else empty)."""
    if column in entries.columns:
        values = entries[column]
    elif scalar and scalar in entries.columns:
        values = entries[scalar].map(lambda v: [] if v is None or (isinstance(v, float) and np.isnan(v)) else [v])
    else:
        return pd.Series([[]] * len(entries), index=entries.index, dtype=object)
    bad = ~values.map(lambda v: isinstance(v, (list, tuple, np.ndarray)) or v is None)
    if bad.any():
        label = entries.index[int(np.flatnonzero(bad.to_numpy())[0])]
        raise InputError(f"entry {label}: {column} is not a list; decode it before matching")
    return values.map(lambda v: list(v) if v is not None else [])


def _long(entries, column, scalar):
    """(epos, raw value) rows of a list column."""
    lists = _list_column(entries, column, scalar)
    exploded = pd.Series(lists.to_numpy(dtype=object), index=np.arange(len(entries))).explode().dropna()
    return exploded.index.to_numpy(dtype=np.int64), exploded.to_numpy(dtype=object)


# ---------------------------------------------------------------- identifiers

def _listed_identifiers(entries):
    """(epos, kind, value) of every usable listed IMO, MMSI and call sign."""
    frames = []
    for kind, column, scalar in _ID_KINDS:
        epos, raw = _long(entries, column, scalar)
        if kind == "imo":
            checked = clean_imos(raw)
            values = checked.values
        elif kind == "mmsi":
            values = clean_mmsis(raw).values
        else:
            values = clean_call_signs(raw)
        keep = pd.notna(values)
        frames.append(pd.DataFrame({"epos": epos[keep], "kind": kind, "value": values[keep]}))
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def _identity_values(identities, column, kind, lenient):
    if column not in identities.columns:
        return np.full(len(identities), None, dtype=object)
    raw = identities[column]
    if kind == "call-sign":
        return clean_call_signs(raw.to_numpy(dtype=object))
    checked = (clean_imos if kind == "imo" else clean_mmsis)(raw.astype(object))
    if not lenient:
        bad = np.flatnonzero(checked.status == "malformed")
        if len(bad):
            i = int(bad[0])
            width, example = ("seven", "9179842") if kind == "imo" else ("nine", "273123456")
            raise InputError(f"{kind.upper()} {checked.raw[i]!r} is not {width} digits; write it as {example} or "
                             "leave it blank", where=f"sighting {identities.index[i]}, field {column}")
    return checked.values


def _identifier_hits(values, listed, kind):
    has = pd.notna(values)
    if not has.any() or listed.empty:
        return None
    left = pd.DataFrame({"pos": np.flatnonzero(has), "value": values[has]})
    hits = left.merge(listed[["epos", "value"]], on="value")
    if hits.empty:
        return None
    return pd.DataFrame({
        "pos": hits["pos"].to_numpy(), "epos": hits["epos"].to_numpy(), "matched_on": kind,
        "score": SCORES[kind], "matched_value": hits["value"].to_numpy(), "matched_kind": kind,
        "identity_form": hits["value"].to_numpy(), "listed_form": hits["value"].to_numpy(), "ratio": 100.0,
    })


def _apply_conflicts(cand, own, listed_ids, n_e):
    """Lower each candidate by the identifiers of other kinds that disagree, and say which."""
    pos, epos = cand["pos"].to_numpy(), cand["epos"].to_numpy()
    code = pos.astype(np.int64) * max(n_e, 1) + epos
    score = cand["score"].to_numpy(dtype="float64").copy()
    notes = np.full(len(cand), None, dtype=object)
    for kind, _, _ in _ID_KINDS:
        listed = listed_ids[listed_ids["kind"] == kind]
        if listed.empty:
            continue
        entry_has = np.zeros(n_e, dtype=bool)
        entry_has[listed["epos"].to_numpy()] = True
        mine = own[kind][pos]
        hit = cand[cand["matched_on"] == kind]
        agreed = np.isin(code, hit["pos"].to_numpy().astype(np.int64) * max(n_e, 1) + hit["epos"].to_numpy())
        conflict = pd.notna(mine) & entry_has[epos] & ~agreed
        if not conflict.any():
            continue
        score[conflict] -= PENALTIES[kind]
        joined = listed.groupby("epos")["value"].agg(lambda v: "/".join(sorted(v)))
        label = {"imo": "IMO", "mmsi": "MMSI", "call-sign": "call sign"}[kind]
        text = (label + " " + pd.Series(mine[conflict], dtype=object).astype(str) + " is not the listed "
                + joined.reindex(epos[conflict]).astype(str).to_numpy())
        idx = np.flatnonzero(conflict)
        notes[idx] = [t if n is None else f"{n}; {t}" for n, t in zip(notes[idx], text)]
    return cand.assign(score=np.maximum(score, 0.0), conflict=notes)


# ---------------------------------------------------------------- names

def _listed_names(entries):
    """One row per (epos, distinct key): kind (best kind first), raw, form, key."""
    frames = []
    for kind, column in _NAME_KINDS:
        if column == "name":
            epos, raw = np.arange(len(entries)), entries["name"].to_numpy(dtype=object)
        elif column in entries.columns:
            epos, raw = _long(entries, column, None)
        else:
            continue
        frames.append(pd.DataFrame({"epos": epos, "kind": kind, "raw": raw}))
    names = pd.concat(frames, ignore_index=True)
    names["form"] = normalise_names(names["raw"]).to_numpy()
    names = names[names["form"] != ""]
    names["key"] = name_keys(names["form"].to_numpy())
    names = names.assign(rank=names["kind"].map(_RANK)).sort_values(["epos", "rank"], kind="stable")
    return names.drop_duplicates(["epos", "form"]).drop(columns="rank").reset_index(drop=True)


def _name_hits(names, listed, fuzzy_threshold, fuzzy_search):
    if listed.empty:
        return None
    forms = normalise_names(names)
    codes, uniques = pd.factorize(forms.to_numpy(dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    valid = np.flatnonzero(uniques != "")
    if not len(valid):
        return None
    distinct = pd.DataFrame({"ucode": valid, "identity_form": uniques[valid], "key": name_keys(uniques[valid])})

    exact = distinct.merge(listed, on="key")
    pairs = [pd.DataFrame({
        "ucode": exact["ucode"].to_numpy(), "epos": exact["epos"].to_numpy(), "matched_on": exact["kind"].to_numpy(),
        "score": exact["kind"].map(SCORES).to_numpy(dtype="float64"), "matched_value": exact["raw"].to_numpy(),
        "matched_kind": exact["kind"].to_numpy(), "identity_form": exact["identity_form"].to_numpy(),
        "listed_form": exact["form"].to_numpy(), "ratio": 100.0,
    })]
    if fuzzy_threshold is not None and float(fuzzy_threshold) < 100:
        pairs.append(_fuzzy_hits(distinct, listed, float(fuzzy_threshold), fuzzy_search))
    pairs = pd.concat([p for p in pairs if p is not None and len(p)] or [pairs[0]], ignore_index=True)
    if pairs.empty:
        return None
    # Broadcast the hits of distinct names back to the identities carrying them.
    carriers = pd.DataFrame({"pos": np.arange(len(codes)), "ucode": codes})
    carriers = carriers[carriers["ucode"].isin(pairs["ucode"].unique())]
    return carriers.merge(pairs, on="ucode").drop(columns="ucode")


def _variant_hashes(keys):
    """(owner index, hash) of each key and of each key with one character deleted."""
    keys = [k.encode("ascii", "replace")[:_KEY_WIDTH] for k in keys]
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=n)
    width = max(int(lengths.max()), 1)
    chars = np.frombuffer(np.array(keys, dtype=f"S{width}").tobytes(), dtype=np.uint8).reshape(n, width)
    powers = np.array([pow(_P, j, 2**64) for j in range(width)], dtype=np.uint64)
    with np.errstate(over="ignore"):
        weighted = chars.astype(np.uint64) * powers
        prefix = np.cumsum(weighted, axis=1, dtype=np.uint64)
        total = prefix[:, -1]
        before = np.concatenate([np.zeros((n, 1), np.uint64), prefix[:, :-1]], axis=1)
        after = total[:, None] - prefix
        deleted = before + after * np.uint64(pow(_P, -1, 2**64))
    mask = np.arange(width)[None, :] < lengths[:, None]
    owners = np.concatenate([np.arange(n), np.nonzero(mask)[0]])
    hashes = np.concatenate([total, deleted[mask]])
    return owners, hashes


def _shared_hash_pairs(a_owner, a_hash, b_owner, b_hash):
    """Distinct (a, b) owner pairs with an equal hash (a sort-merge join)."""
    order = np.argsort(b_hash, kind="stable")
    sorted_hash, sorted_owner = b_hash[order], b_owner[order]
    # Queries in order too: the binary searches then walk memory forward.
    a_order = np.argsort(a_hash)
    a_owner, a_hash = a_owner[a_order], a_hash[a_order]
    left = np.searchsorted(sorted_hash, a_hash, side="left")
    right = np.searchsorted(sorted_hash, a_hash, side="right")
    counts = right - left
    if not counts.sum():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a = np.repeat(a_owner, counts)
    starts = np.repeat(left - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    b = sorted_owner[starts + np.arange(counts.sum())]
    pairs = np.unique(a.astype(np.int64) * (int(b_owner.max()) + 1) + b)
    return pairs // (int(b_owner.max()) + 1), pairs % (int(b_owner.max()) + 1)


def _signatures(keys):
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.replace_substring_regex(pa.array(list(keys), type=pa.string()), pattern="[^0-9]", replacement="")
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def _fuzzy_hits(distinct, listed, threshold, fuzzy_search):
    from rapidfuzz import fuzz, process

    e_codes, e_keys = pd.factorize(listed["key"].to_numpy(dtype=object))
    e_keys = np.asarray(e_keys, dtype=object)
    s_keys = distinct["key"].to_numpy(dtype=object)
    if fuzzy_search == "every-name":
        si, ej = np.repeat(np.arange(len(s_keys)), len(e_keys)), np.tile(np.arange(len(e_keys)), len(s_keys))
    else:
        si, ej = _shared_hash_pairs(*_variant_hashes(s_keys), *_variant_hashes(e_keys))
    if not len(si):
        return None
    keep = (s_keys[si] != e_keys[ej]) & (_signatures(s_keys)[si] == _signatures(e_keys)[ej])
    si, ej = si[keep], ej[keep]
    if not len(si):
        return None
    ratio = process.cpdist(list(s_keys[si]), list(e_keys[ej]), scorer=fuzz.ratio, dtype=np.float32, workers=-1)
    good = ratio >= threshold
    found = pd.DataFrame({"ucode": distinct["ucode"].to_numpy()[si[good]], "ecode": ej[good],
                          "identity_form": distinct["identity_form"].to_numpy()[si[good]],
                          "ratio": ratio[good].astype("float64").round(1)})
    hits = found.merge(listed.assign(ecode=e_codes), on="ecode")
    return pd.DataFrame({
        "ucode": hits["ucode"].to_numpy(), "epos": hits["epos"].to_numpy(), "matched_on": "fuzzy-name",
        "score": (hits["kind"].map(SCORES).to_numpy(dtype="float64") * hits["ratio"].to_numpy() / 100.0).round(1),
        "matched_value": hits["raw"].to_numpy(), "matched_kind": hits["kind"].to_numpy(),
        "identity_form": hits["identity_form"].to_numpy(), "listed_form": hits["form"].to_numpy(),
        "ratio": hits["ratio"].to_numpy(),
    })
