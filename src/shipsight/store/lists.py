"""Sanctions-list rows as both back ends store them (list columns as JSON text)."""

import json

import numpy as np
import pandas as pd

from shipsight.sanctions.records import LIST_COLUMNS
from shipsight.store.convert import nullable

#: The reader's columns in the order the ``list_entries`` table is written.
ENTRY_COLUMNS = ("entry_id", "name", "imo", "imo_valid", "mmsi", "imos", "mmsis", "call_signs", "flags", "aliases",
                 "former_names", "program", "flag", "vessel_type", "gross_tonnage", "deadweight", "call_sign",
                 "listed_on", "other_ids", "risk", "datasets", "remarks")
_COMPARED = tuple(c for c in ENTRY_COLUMNS if c != "imo_valid")


def entry_rows(entries):
    """Tuples for an insert, in :data:`ENTRY_COLUMNS` order."""
    columns = []
    for c in ENTRY_COLUMNS:
        if c in LIST_COLUMNS:
            values = entries[c] if c in entries.columns else [[]] * len(entries)
            columns.append([json.dumps(list(v) if v is not None else []) for v in values])
        elif c == "imo_valid":
            columns.append([None if pd.isna(v) else int(bool(v)) for v in entries[c]])
        elif c not in entries.columns:
            columns.append([None] * len(entries))
        else:
            columns.append(nullable(entries[c]))
    return list(zip(*columns))


def typed_entries(df):
    """Stored rows back to the reader's types: lists, booleans, floats."""
    df = df.copy()
    for c in LIST_COLUMNS:
        if c in df.columns:
            df[c] = df[c].map(lambda v: json.loads(v) if isinstance(v, str) else list(v or []))
    df["imo_valid"] = df["imo_valid"].map(lambda v: None if pd.isna(v) else bool(v))
    for c in ("gross_tonnage", "deadweight"):
        df[c] = df[c].astype(float)
    return df


def _canonical(frame):
    out = pd.DataFrame({c: frame[c].map(lambda v: json.dumps(sorted(v)) if isinstance(v, (list, tuple, np.ndarray))
                                        else (None if pd.isna(v) else str(v)))
                        for c in _COMPARED})
    return out.sort_values("entry_id").reset_index(drop=True)


def same_entries(stored, entries):
    """True when a new reading of a list holds exactly the stored version's entries."""
    if len(stored) != len(entries):
        return False
    return _canonical(stored).equals(_canonical(entries))
