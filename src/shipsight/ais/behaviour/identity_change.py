"""``identity-change``: what a vessel says it is, changing under it, from the store's AIS identities.

Four kinds, each a flag of the MMSI over the time it concerns:

``name`` / ``imo``
    An MMSI broadcast two names (or two IMO numbers) within ``identity_days``
    of each other: the last report of the one and the first of the next. A
    missing name or IMO is not a change (a ship that stops sending its IMO is
    not another ship).
``imo-on-mmsis``
    One IMO number broadcast under two MMSIs within ``identity_days``: two
    transponders claiming one hull (a flag hop, or a stolen identity).
``mid-unallocated``
    A ship's MMSI whose Maritime Identification Digits (its first three, ITU-R
    M.585) are allocated to no country.
``mid-flag``
    The MID's country is not the flag a sanctions list gives the vessel of that
    IMO (country names read with pycountry; a flag it cannot read is not compared).
"""

import numpy as np
import pandas as pd

from shipsight.ais.behaviour.vessel import EVENT_COLUMNS, events_frame

DAY_MS = 86_400_000


def _ms(series):
    return pd.to_datetime(series, utc=True).astype("datetime64[ms, UTC]").astype("int64").to_numpy()


def identity_changes(identities, entries, p):
    """``identity-change`` events from identity runs (``Store.ais_identities()``) and list entries.

    Examples
    --------
    >>> from shipsight.ais.behaviour.params import BehaviourParams
    >>> runs = pd.DataFrame({"mmsi": ["273456780", "273456780"], "name": ["ANGARA", "HAI XING"],
    ...                      "imo": ["9179842", "9179842"],
    ...                      "valid_from": pd.to_datetime(["2024-01-01", "2024-01-20"], utc=True),
    ...                      "valid_to": pd.to_datetime(["2024-01-15", "2024-02-01"], utc=True)})
    >>> e = identity_changes(runs, pd.DataFrame(), BehaviourParams())
    >>> e["evidence"].iat[0]["kind"], e["evidence"].iat[0]["old"], e["evidence"].iat[0]["new"]
    ('name', 'ANGARA', 'HAI XING')
    """
    if identities.empty:
        return events_frame([])
    runs = identities.assign(start=_ms(identities["valid_from"]), end=_ms(identities["valid_to"]))
    runs = runs.sort_values(["mmsi", "start"], kind="stable").reset_index(drop=True)
    window = p.identity_days * DAY_MS
    out = [_changes(runs, field, window) for field in ("name", "imo")]
    out.append(_imo_on_mmsis(runs, window))
    out.append(_mids(runs, entries))
    frame = pd.concat([f for f in out if len(f)], ignore_index=True) if any(len(f) for f in out) else events_frame([])
    return frame[EVENT_COLUMNS]


def _changes(runs, field, window):
    rows = []
    known = runs[runs[field].notna() & (runs[field].astype(str).str.strip() != "")]
    m = known["mmsi"].to_numpy()
    v = known[field].astype(str).to_numpy()
    start, end = known["start"].to_numpy(), known["end"].to_numpy()
    change = np.flatnonzero((m[1:] == m[:-1]) & (v[1:] != v[:-1]) & (start[1:] - end[:-1] <= window)) + 1
    for k in change:
        rows.append({"rule": "identity-change", "mmsi": int(m[k]), "start": int(min(end[k - 1], start[k])),
                     "end": int(start[k]), "severity": 0.6,
                     "hours": (int(start[k]) - int(min(end[k - 1], start[k]))) / 3.6e6,
                     "evidence": {"kind": field, "old": v[k - 1], "new": v[k],
                                  "old_last_report_ms": int(end[k - 1]), "new_first_report_ms": int(start[k])}})
    return events_frame(rows)


def _imo_on_mmsis(runs, window):
    known = runs[runs["imo"].notna()].sort_values(["imo", "start"], kind="stable")
    imo = known["imo"].astype(str).to_numpy()
    m = known["mmsi"].to_numpy()
    start, end = known["start"].to_numpy(), known["end"].to_numpy()
    # The latest end so far of the same IMO: a run starting within the window of it pairs with it.
    rows, seen = [], set()
    for k in np.flatnonzero((imo[1:] == imo[:-1]) & (m[1:] != m[:-1])) + 1:
        if start[k] - end[k - 1] > window:
            continue
        a, b = sorted((int(m[k - 1]), int(m[k])))
        if (imo[k], a, b) in seen:
            continue
        seen.add((imo[k], a, b))
        rows.append({"rule": "identity-change", "mmsi": int(m[k - 1]), "related_mmsi": int(m[k]),
                     "start": int(min(end[k - 1], start[k])), "end": int(start[k]), "severity": 0.7,
                     "hours": (int(start[k]) - int(min(end[k - 1], start[k]))) / 3.6e6,
                     "evidence": {"kind": "imo-on-mmsis", "imo": imo[k], "mmsis": [str(m[k - 1]), str(m[k])]}})
    return events_frame(rows)


def _mids(runs, entries):
    from shipsight.model.identity import MMSI_KINDS, mmsi_kind_codes
    from shipsight.model.mid import mid_allocated, mid_country, mid_flag

    first = runs.groupby("mmsi", sort=True).agg(start=("start", "min"), end=("end", "max")).reset_index()
    mmsi = first["mmsi"].astype(np.int64).to_numpy()
    mid = mmsi // 1_000_000
    ship_like = (mmsi >= 200_000_000) & (mmsi <= 799_999_999)
    invalid = mmsi_kind_codes(mmsi)[0] == MMSI_KINDS.index("invalid")
    rows = []
    for k in np.flatnonzero(ship_like & invalid & ~mid_allocated(mid)):
        rows.append({"rule": "identity-change", "mmsi": int(mmsi[k]), "start": int(first["start"].iat[k]),
                     "end": int(first["end"].iat[k]), "severity": 0.5,
                     "hours": (int(first["end"].iat[k]) - int(first["start"].iat[k])) / 3.6e6,
                     "evidence": {"kind": "mid-unallocated", "mid": int(mid[k])}})
    if entries is not None and len(entries) and "flag" in entries.columns:
        listed = entries[entries["imo"].notna() & entries["flag"].notna()]
        flags = {str(i): f for i, f in zip(listed["imo"], listed["flag"])}
        withimo = runs[runs["imo"].astype(str).isin(flags)].drop_duplicates(["mmsi", "imo"])
        for r in withimo.itertuples():
            listed_flag = flags[str(r.imo)]
            code = country_code(listed_flag)
            m = int(r.mmsi)
            own = mid_flag(m // 1_000_000)
            if code is None or own is None or code in str(own).split("/"):
                continue
            rows.append({"rule": "identity-change", "mmsi": m, "start": int(r.start), "end": int(r.end),
                         "severity": 0.5, "hours": (int(r.end) - int(r.start)) / 3.6e6,
                         "evidence": {"kind": "mid-flag", "imo": str(r.imo), "mid": int(m // 1_000_000),
                                      "mid_country": mid_country(m // 1_000_000), "listed_flag": listed_flag}})
    return events_frame(rows)


def country_code(name):
    """The ISO 3166-1 alpha-2 code of a country as a list writes it, or None if unreadable.

    >>> country_code("Democratic People's Republic of Korea"), country_code("Russia"), country_code("-0-")
    ('KP', 'RU', None)
    """
    import pycountry

    text = str(name).strip()
    if not text or not any(ch.isalpha() for ch in text):
        return None
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        pass
    try:
        hits = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return None
    return hits[0].alpha_2 if len(hits) == 1 else None
