"""From what a list reader found to the frame of listed vessels, with the import report.

Every reader hands :func:`entries_frame` one dict per vessel entry (keys of
:data:`RECORD_KEYS`, identifiers as lists of raw values) and a tally of what
it kept out. Identifiers are cleaned here, once for the whole list:
placeholders are dropped and counted, malformed values are left out and
reported with their entry, bad IMO check digits are kept and counted.

Example
-------
>>> df = entries_frame([{"entry_id": "1", "name": "ANGARA", "imos": ["IMO 9179842", "0000000"]}],
...                    source="x.csv", format="csv")
>>> df.loc[0, ["imo", "imos"]].tolist(), df.attrs["report"]["placeholders"]
(['9179842', ['9179842']], {'imo': 1, 'mmsi': 0})
"""

import numpy as np
import pandas as pd

from shipsight.model.identity import BLANK_TEXTS, clean_imos, clean_mmsis, imo_is_valid

#: The columns of every frame :func:`~shipsight.sanctions.read_list` returns, in order.
COLUMNS = (
    "entry_id", "name", "imo", "imo_valid", "mmsi", "imos", "mmsis", "call_signs", "flags", "aliases",
    "former_names", "program", "flag", "vessel_type", "gross_tonnage", "deadweight", "call_sign", "listed_on",
    "other_ids", "risk", "datasets", "remarks",
)
#: Columns holding lists of strings.
LIST_COLUMNS = ("imos", "mmsis", "call_signs", "flags", "aliases", "former_names", "other_ids", "datasets")
#: What a reader may put in a record (``programs`` becomes the ``program`` text).
RECORD_KEYS = ("entry_id", "name", "imos", "mmsis", "call_signs", "flags", "aliases", "former_names", "programs",
               "vessel_type", "gross_tonnage", "deadweight", "listed_on", "other_ids", "risk", "datasets",
               "remarks")


def unique(items, drop=()):
    """Items in first-seen order without blanks, repeats or those in ``drop``.

    >>> unique(["A", "", "B", "A", None], drop=("B",))
    ['A']
    """
    out = []
    for item in items:
        if item is None:
            continue
        item = str(item).strip()
        if item and item not in out and item not in drop:
            out.append(item)
    return out


def new_report(format):
    """An empty import report for a reader to fill in."""
    return {"format": format, "vessels": 0, "kept_out": {}, "company_imos": 0, "placeholders": {"imo": 0, "mmsi": 0},
            "bad_check_digits": 0, "left_out": []}


def keep_out(report, kind, n=1):
    """Count ``n`` rows of ``kind`` (person, organization, aircraft...) that are not vessels."""
    kind = str(kind or "unknown").strip().lower() or "unknown"
    report["kept_out"][kind] = report["kept_out"].get(kind, 0) + n


def _clean_identifiers(records, key, clean, report, field):
    """Replace raw values under ``key`` by clean ones (one vectorised pass over the whole list)."""
    owners, raws = [], []
    for i, record in enumerate(records):
        for value in record.get(key) or []:
            owners.append(i)
            raws.append(value)
    for record in records:
        record[key] = []
    if not raws:
        return
    out = clean(raws)
    report["placeholders"][field] += out.count("placeholder", "not-ship")
    if field == "imo":
        report["bad_check_digits"] += out.count("bad-check-digit")
    for i, value, status, raw in zip(owners, out.values, out.status, out.raw):
        if status == "malformed":
            report["left_out"].append({"entry": records[i]["entry_id"], "field": field, "value": raw,
                                       "why": f"not {'seven' if field == 'imo' else 'nine'} digits"})
        elif value is not None and value not in records[i][key]:
            records[i][key].append(value)


def entries_frame(records, *, source, format, report=None):
    """The frame of listed vessels from reader records, with ``attrs["report"]``.

    Parameters
    ----------
    records : list of dict
        One per vessel entry, keys from :data:`RECORD_KEYS`; ``imos`` and
        ``mmsis`` raw values in any form :func:`~shipsight.model.identity.clean_imos`
        reads; every list may be missing.
    source, format : str
        The file and the layout it was read as.
    report : dict, optional
        A :func:`new_report` the reader filled (kept-out rows, company IMOs).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` on a RangeIndex: ``imo``/``mmsi`` the first of
        ``imos``/``mmsis`` (None when there is none), ``imo_valid`` whether
        that IMO passes its check digit, ``flag`` and ``call_sign`` every value
        joined by ``"; "``, list columns (:data:`LIST_COLUMNS`) lists of str,
        tonnages float. ``attrs``: ``source``, ``format``, ``bad_imo``,
        ``report`` (vessels, rows kept out by kind, company IMO numbers,
        placeholders, bad check digits, identifiers left out with entry and value).
    """
    report = report or new_report(format)
    records = [dict(r) for r in records]
    _clean_identifiers(records, "imos", clean_imos, report, "imo")
    _clean_identifiers(records, "mmsis", clean_mmsis, report, "mmsi")
    rows = []
    for r in records:
        name = str(r.get("name") or "").strip()
        aliases = unique(r.get("aliases") or [], drop=(name,))
        call_signs = unique(str(c).upper() for c in r.get("call_signs") or []
                            if c and str(c).strip().lower() not in BLANK_TEXTS)
        flags = unique(r.get("flags") or [])
        rows.append({
            "entry_id": str(r["entry_id"]).strip(),
            "name": name,
            "imo": r["imos"][0] if r["imos"] else None,
            "mmsi": r["mmsis"][0] if r["mmsis"] else None,
            "imos": r["imos"],
            "mmsis": r["mmsis"],
            "call_signs": call_signs,
            "flags": flags,
            "aliases": aliases,
            "former_names": unique(r.get("former_names") or [], drop=(name,)),
            "program": "; ".join(unique(r.get("programs") or [])) or None,
            "flag": "; ".join(flags) or None,
            "vessel_type": r.get("vessel_type") or None,
            "gross_tonnage": _tonnes(r.get("gross_tonnage")),
            "deadweight": _tonnes(r.get("deadweight")),
            "call_sign": "; ".join(call_signs) or None,
            "listed_on": r.get("listed_on") or None,
            "other_ids": unique(r.get("other_ids") or []),
            "risk": r.get("risk") or None,
            "datasets": unique(r.get("datasets") or []),
            "remarks": r.get("remarks") or None,
        })
    data = {}
    for column in COLUMNS:
        if column == "imo_valid":
            continue
        values = [row[column] for row in rows]
        if column in ("gross_tonnage", "deadweight"):
            data[column] = pd.Series(values, dtype="float64")
        else:
            # object, not pandas' str dtype: missing values stay None, lists stay lists
            data[column] = pd.Series(values, dtype=object)
    imo = data["imo"]
    has = imo.notna().to_numpy()
    valid = np.zeros(len(imo), dtype=bool)
    if has.any():
        valid[has] = imo_is_valid(imo[has].astype(str).tolist())
    data["imo_valid"] = pd.Series(valid)
    df = pd.DataFrame({column: data[column] for column in COLUMNS})
    report["vessels"] = len(df)
    df.attrs.update(source=str(source), format=format, bad_imo=report["bad_check_digits"], report=report)
    return df


def _tonnes(value):
    if value is None:
        return np.nan
    if isinstance(value, (int, float, np.number)):
        return float(value)
    try:
        return float(str(value).replace(",", "").split()[0])
    except (ValueError, IndexError):
        return np.nan
