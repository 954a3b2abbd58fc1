"""Each MMSI's identity over time, from the static data AIS broadcasts.

An *identity statement* is what one static message (types 5, 19, 24) or one
CSV row says a vessel is: name, IMO, call sign, ship type, length. Statements
are cleaned (:mod:`shipsight.model.identity`, :mod:`shipsight.ais.fields`), and a message that does not carry
a field (24A has only the name, 24B only call sign, type and size) takes it
from the vessel's statement before. Consecutive equal statements of one MMSI
make an *identity run*: the identity with the first and last time it was
broadcast (``valid_from``, ``valid_to``) and how many reports said it. A
vessel that changes name, or stops sending its IMO, starts a new run.

>>> import pandas as pd
>>> st = pd.DataFrame({"time": [0, 60_000, 120_000], "mmsi": [273456780] * 3, "msg_type": [5, 5, 5],
...                    "name": ["ANGARA", "ANGARA", "HAI XING"], "imo": [9179842, 9179842, 0],
...                    "call_sign": ["UBCF2"] * 3, "ship_type": [70] * 3, "length_m": [100.0] * 3})
>>> runs = final_runs([statement_runs(st)])
>>> runs[["name", "imo", "reports"]].values.tolist()
[['ANGARA', '9179842', 2], ['HAI XING', None, 1]]
"""

from collections import Counter

import numpy as np
import pandas as pd

from shipsight.ais.fields import clean_text, vessel_type_text
from shipsight.model.identity import clean_call_signs, clean_imos, mmsi_text

#: The fields of an identity, in the store's ``ais_identities`` order.
IDENTITY_FIELDS = ("name", "imo", "call_sign", "ship_type", "vessel_type", "length_m")
RUN_COLUMNS = ("mmsi", *IDENTITY_FIELDS, "valid_from", "valid_to", "reports")
# "Carried but not known" while runs are built; None ("not carried") is filled from the statement before.
_UNKNOWN_TEXT = ""
_UNKNOWN_NUMBER = -1.0
#: The longest hull afloat is under 460 m; AIS can say up to 1,022 m (511 + 511).
MAX_LENGTH_M = 600.0


def _carried(values):
    return pd.Series(values, dtype=object).notna().to_numpy()


RAW_FIELDS = ("name", "imo", "call_sign", "ship_type", "length_m")


def clean_statements(st, counts=None):
    """The identity fields of statements (or raw runs of them) cleaned.

    Fields a message does not carry (None) stay NA, to be filled from the
    statement before; carried but unknown ones become a sentinel. Placeholder
    and invalid IMO numbers are counted (weighted by ``reports``) in ``counts``.
    """
    counts = Counter() if counts is None else counts
    n = len(st)
    weight = st["reports"].to_numpy() if "reports" in st else np.ones(n, dtype=np.int64)
    out = pd.DataFrame({"mmsi": st["mmsi"].to_numpy(np.int64)})

    def raw(field):
        return st[field].to_numpy(dtype=object)

    for f, clean in (("name", clean_text), ("call_sign", clean_call_signs)):
        carried = _carried(raw(f))
        text = clean(raw(f))
        out[f] = np.where(carried, np.where(pd.isna(text), _UNKNOWN_TEXT, text), None)
    carried = _carried(raw("imo"))
    checked = clean_imos(np.where(carried, raw("imo"), ""))
    # 0 is AIS's own "not available" (ITU-R M.1371-5, message 5): unknown, but not a placeholder to count.
    not_available = pd.Series(raw("imo"), dtype=object).astype("string").str.strip().isin(["0", "0.0"]).to_numpy(
        dtype=bool, na_value=False)
    counts["imo_placeholder"] += int(weight[carried & (checked.status == "placeholder") & ~not_available].sum())
    invalid = np.isin(checked.status, ["bad-check-digit", "malformed"])
    counts["imo_invalid"] += int(weight[carried & invalid].sum())
    imo = np.where(checked.status == "valid", checked.values, None)
    out["imo"] = np.where(carried, np.where(pd.isna(imo), _UNKNOWN_TEXT, imo), None)
    types = raw("ship_type")
    carried = _carried(types)
    code = pd.to_numeric(pd.Series(types, dtype=object), errors="coerce").to_numpy(float)
    words = vessel_type_text(np.where(np.isnan(code), -1, code))
    text = clean_text(types)
    # A word given instead of a code (a plain CSV's "tanker") is the vessel type itself.
    worded = carried & np.isnan(code) & pd.notna(text)
    words = np.where(worded, pd.Series(text, dtype=object).str.lower().to_numpy(dtype=object), words)
    code = np.where((code >= 1) & (code <= 9999), code, _UNKNOWN_NUMBER)
    out["ship_type"] = np.where(carried, code, np.nan)
    out["vessel_type"] = np.where(carried, np.where(pd.isna(words), _UNKNOWN_TEXT, words), None)
    lengths = raw("length_m")
    carried = _carried(lengths)
    length = pd.to_numeric(pd.Series(lengths, dtype=object), errors="coerce").to_numpy(float)
    length = np.where((length > 0) & (length <= MAX_LENGTH_M), length, _UNKNOWN_NUMBER)
    out["length_m"] = np.where(carried, length, np.nan)
    for c in ("valid_from", "valid_to", "reports"):
        if c in st:
            out[c] = st[c].to_numpy()
    return out


def _runs(df, *, ffill, bfill=False, fields=IDENTITY_FIELDS):
    """Collapse consecutive equal identities of an MMSI (rows sorted by mmsi, then time)."""
    fields = list(fields)
    if ffill:
        df[fields] = df.groupby("mmsi", sort=False)[fields].ffill()
    if bfill:
        df[fields] = df.groupby("mmsi", sort=False)[fields].bfill()
    keyed = df[fields].astype(object).where(df[fields].notna(), "\x00")
    change = (df["mmsi"] != df["mmsi"].shift()) | (keyed != keyed.shift()).any(axis=1)
    run = change.cumsum().to_numpy()
    g = df.groupby(run, sort=False)
    return pd.DataFrame({
        "mmsi": g["mmsi"].first().to_numpy(),
        **{f: g[f].first().to_numpy() for f in fields},
        "valid_from": g["valid_from"].min().to_numpy(),
        "valid_to": g["valid_to"].max().to_numpy(),
        "reports": g["reports"].sum().to_numpy(),
    })


def statement_runs(statements, counts=None):
    """The identity runs of one batch of statements (a reader's table or frame: time in ms, mmsi,
    and the raw fields, null where a message does not carry one).

    Runs of the raw values are found first on integer codes (a feed repeats each
    vessel's static data thousands of times), and only those are cleaned.
    """
    import pyarrow as pa

    if statements is None or len(statements) == 0:
        return pd.DataFrame(columns=RUN_COLUMNS)
    if isinstance(statements, pd.DataFrame):
        statements = pa.Table.from_pandas(statements, preserve_index=False)
    mmsi = statements.column("mmsi").to_numpy().astype(np.int64)
    time = statements.column("time").to_numpy().astype(np.int64)
    order = np.lexsort((time, mmsi))
    mmsi, time = mmsi[order], time[order]
    n = len(order)
    first_of_vessel = np.r_[True, mmsi[1:] != mmsi[:-1]]
    vessel_start = np.maximum.accumulate(np.where(first_of_vessel, np.arange(n), 0))
    change = first_of_vessel.copy()
    values = {}
    for f in RAW_FIELDS:
        column = statements.column(f).take(pa.array(order))
        encoded = column.dictionary_encode().combine_chunks()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        # A field a message does not carry (null) is the vessel's value before.
        last = np.maximum.accumulate(np.where(codes >= 0, np.arange(n), -1))
        filled = np.where(last >= vessel_start, codes[np.maximum(last, 0)], -1)
        change[1:] |= filled[1:] != filled[:-1]
        values[f] = (encoded.dictionary.to_numpy(zero_copy_only=False), filled)
    starts = np.flatnonzero(change)
    raw = {"mmsi": mmsi[starts],
           "valid_from": time[starts],
           "valid_to": np.maximum.reduceat(time, starts),
           "reports": np.diff(np.r_[starts, n])}
    for f, (dictionary, filled) in values.items():
        codes = filled[starts]
        picked = np.full(len(starts), None, dtype=object)
        picked[codes >= 0] = dictionary.astype(object)[codes[codes >= 0]] if len(dictionary) else None
        raw[f] = picked
    cleaned = clean_statements(pd.DataFrame(raw), counts)
    return _runs(cleaned, ffill=False)


def final_runs(batches):
    """Merge the runs of every batch of an import into its identity runs, ready to store.

    Runs that start with fields not carried take them from the vessel's run
    before (the batch before it), or after where none came before; equal neighbours merge, statements that said
    nothing at all are dropped, and the sentinels become None. Times stay in ms.
    """
    frames = [b for b in batches if len(b)]
    if not frames:
        return pd.DataFrame(columns=RUN_COLUMNS)
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["mmsi", "valid_from", "valid_to"], kind="stable").reset_index(drop=True)
    # A field no report has carried yet (a class B's 24A before its 24B) is the vessel's first value of it.
    df = _runs(df, ffill=True, bfill=True)
    for f in IDENTITY_FIELDS:
        values = df[f].to_numpy(dtype=object).copy()
        unknown = pd.isna(values) | (values == _UNKNOWN_TEXT) | (values == _UNKNOWN_NUMBER)
        values[unknown] = None
        df[f] = pd.Series(values, dtype=object, index=df.index)
    said_something = df[list(IDENTITY_FIELDS)].notna().any(axis=1)
    df = df[said_something].reset_index(drop=True)
    df["mmsi"] = mmsi_text(df["mmsi"].to_numpy(np.int64)) if len(df) else df["mmsi"].astype(object)
    df["ship_type"] = pd.array(df["ship_type"], dtype="Float64").astype("Int64") if len(df) else df["ship_type"]
    df["length_m"] = pd.to_numeric(df["length_m"]).astype(float)
    df["reports"] = df["reports"].astype(np.int64)
    return df[list(RUN_COLUMNS)]


def identity_at(identities, mmsi, time):
    """The identity in force for each position: the latest run of its MMSI that began at or before
    the time, else (before the vessel's first static report) its earliest run.

    Parameters
    ----------
    identities : DataFrame
        Rows of ``ais_identities`` (``mmsi`` as nine-digit text, ``valid_from`` as UTC datetimes).
    mmsi : array of int
    time : array of datetime64 (UTC) or pandas datetime Series

    Returns
    -------
    ndarray of int
        Row positions into ``identities``; -1 where the MMSI has no identity.
    """
    pos = pd.DataFrame({"key": mmsi_text(np.asarray(mmsi, dtype=np.int64)),
                        "t": pd.to_datetime(pd.Series(time), utc=True).astype("datetime64[ns, UTC]").to_numpy(),
                        "i": np.arange(len(mmsi))})
    out = np.full(len(pos), -1, dtype=np.int64)
    if identities.empty or pos.empty:
        return out
    ids = pd.DataFrame({"key": identities["mmsi"].astype(str).to_numpy(),
                        "t": pd.to_datetime(identities["valid_from"], utc=True)
                        .astype("datetime64[ns, UTC]").to_numpy(),
                        "row": np.arange(len(identities))})
    for direction in ("backward", "forward"):
        todo = pos[out[pos["i"].to_numpy()] < 0].sort_values("t")
        if todo.empty:
            break
        hit = pd.merge_asof(todo, ids.sort_values("t"), on="t", by="key", direction=direction)
        found = hit["row"].notna().to_numpy()
        out[hit["i"].to_numpy()[found]] = hit["row"].to_numpy()[found].astype(np.int64)
    return out
