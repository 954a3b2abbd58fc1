"""Bringing stored flags in line with a fresh run of the rules, the same way on every back end."""

import json

import numpy as np
import pandas as pd

from shipsight.explain import explain
from shipsight.store.convert import text_times

#: A flag's evidence: what a run computes and what a later run compares. The sentence that
#: explains a flag is rendered from it when read (:mod:`shipsight.explain`), not stored.
FLAG_EVIDENCE = ("rule", "severity", "sighting_id", "related_sighting_id", "list_entry_id", "matched_on", "score",
                 "port_id", "distance_m", "hours_apart", "matched_value", "matched_kind", "sighting_form",
                 "listed_form", "match_conflict", "match_entry_id", "designations", "last_ping", "mmsi", "related_mmsi", "ais_name",
                 "ais_imo", "related_ais_name", "related_ais_imo", "start_time", "end_time", "lon", "lat",
                 "related_lon", "related_lat", "evidence")
_FLOATS = ("severity", "score", "distance_m", "hours_apart", "lon", "lat", "related_lon", "related_lat")
_INTS = ("sighting_id", "related_sighting_id", "list_entry_id", "port_id", "match_entry_id")


def _json_value(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    return v.item() if isinstance(v, np.generic) else v


def _differs(old, new):
    """Element-wise: does the evidence column differ (floats compared to 1e-6)?"""
    if old.name in _FLOATS:
        a, b = old.astype(float).to_numpy(), new.astype(float).to_numpy()
        return ~(np.isclose(a, b, rtol=0, atol=1e-6) | (np.isnan(a) & np.isnan(b)))
    a = old.astype(object).where(old.notna(), None).to_numpy()
    b = new.astype(object).where(new.notna(), None).to_numpy()
    if old.name in _INTS:
        a = np.array([None if v is None else int(v) for v in a], dtype=object)
        b = np.array([None if v is None else int(v) for v in b], dtype=object)
    return a != b


def plan_flag_sync(existing, flags, *, scope_ids=None, in_scope=None):
    """What to insert, update and withdraw to make ``existing`` match ``flags``.

    Both frames carry ``key`` and the :data:`FLAG_EVIDENCE` columns; ``existing``
    (the stored flags of the rules run) also ``id`` and ``active``. Only flags
    touching a sighting of ``scope_ids`` (None: all), and where ``in_scope``
    (a boolean per row of ``existing``) is True, are withdrawn when a run no
    longer finds them. Returns frames ``new``, ``updated`` (with ``id``,
    ``old`` and ``new`` JSON of the changed fields), ``withdrawn`` (``id``)
    and ``unchanged``.
    """
    existing = existing.assign(in_scope=True if in_scope is None else np.asarray(in_scope, dtype=bool))
    # Sighting rules leave the AIS columns out: they are empty.
    flags = flags.assign(**{c: None for c in FLAG_EVIDENCE if c not in flags.columns})
    both = existing.merge(flags, on="key", how="outer", suffixes=("_old", ""), indicator=True)
    new = both[both["_merge"] == "right_only"][["key", *FLAG_EVIDENCE]]
    gone = (both["_merge"] == "left_only") & (both["active"] == 1) & both["in_scope"].fillna(False).astype(bool)
    if scope_ids is not None:
        scope = np.asarray(scope_ids)
        gone &= both["sighting_id_old"].isin(scope) | both["related_sighting_id_old"].isin(scope)
    withdrawn = both[gone][["id"]]
    kept = both[both["_merge"] == "both"].reset_index(drop=True)
    diff = {c: _differs(kept[f"{c}_old"], kept[c]) for c in FLAG_EVIDENCE}
    reactivated = (kept["active"] != 1).to_numpy()
    any_diff = np.logical_or.reduce([*diff.values(), reactivated]) if len(kept) else np.zeros(0, bool)
    updated = kept[any_diff].copy()
    idx = np.flatnonzero(any_diff)
    updated["old"] = [json.dumps({c: _json_value(kept.at[i, f"{c}_old"]) for c in FLAG_EVIDENCE if diff[c][i]}
                                 | ({"active": False} if reactivated[i] else {})) for i in idx]
    updated["new"] = [json.dumps({c: _json_value(kept.at[i, c]) for c in FLAG_EVIDENCE if diff[c][i]}
                                 | ({"active": True} if reactivated[i] else {})) for i in idx]
    return {"new": new, "updated": updated[["id", *FLAG_EVIDENCE, "old", "new"]] if len(updated) else updated,
            "withdrawn": withdrawn, "unchanged": kept[~any_diff]}


def typed_flags(df):
    """Flag rows as queried, with times as UTC datetimes, ids as nullable integers, and
    each flag's ``explanation``."""
    for c in ("time", "related_time", "end_time", "created_at", "updated_at"):
        df[c] = text_times(df[c])
    for c in ("sighting_id", "related_sighting_id", "port_id", "list_entry_id", "listed_version", "matched_version"):
        df[c] = df[c].astype("Int64")
    df["matched_version_date"] = text_times(df["matched_version_date"])
    df["designations"] = df["designations"].map(lambda v: json.loads(v) if isinstance(v, str) else [])
    # Where the sighting's identity came from: the AIS correlation wrote it (and nobody changed it since).
    applied = df["ais_applied"].map(lambda v: json.loads(v) if isinstance(v, str) else None)
    from_ais = [bool(a) and a["fields"].get("mmsi") == m for a, m in zip(applied, df["mmsi"])]
    df["identity_source"] = pd.Series(["ais" if f else None for f in from_ais], index=df.index, dtype=object)
    df = df.drop(columns=["ais_applied"])
    df["active"] = df["active"].astype(bool)
    df["explanation"] = explain(df)
    return df
