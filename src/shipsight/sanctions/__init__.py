"""Sanctions lists and identity matching.

Read a list (:func:`read_list`: OFAC sdn.csv and XML, UN, UK, EU,
OpenSanctions, a plain CSV) into one row per listed vessel, then match any
frame of identities (name, IMO, MMSI, call sign) against it
(:func:`match_identities`) on identifiers and normalised or fuzzy names.

Example
-------
>>> from shipsight.sanctions import read_list, match_identities  # doctest: +SKIP
>>> entries = read_list("sdn.csv").set_index("entry_id")         # doctest: +SKIP
>>> match_identities(sightings, entries)                          # doctest: +SKIP
"""

import importlib

# Imported on first use (PEP 562): the store reads the list columns of shipsight.sanctions.records, and
# every command that opens a store would otherwise pay for the readers and the matcher at start-up.
_EXPORTS = {"SCORES": "match", "match_identities": "match", "VESSEL_PREFIXES": "names", "name_keys": "names",
            "normalise_name": "names", "normalise_names": "names", "number_signature": "names",
            "parse_ofac_remarks": ("ofac", "parse_remarks"), "COLUMNS": "readers", "FORMATS": "readers",
            "bad_imo_count": "readers", "read_list": "readers"}


def __getattr__(name):
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = where if isinstance(where, tuple) else (where, name)
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


__all__ = [
    "COLUMNS",
    "FORMATS",
    "SCORES",
    "VESSEL_PREFIXES",
    "bad_imo_count",
    "match_identities",
    "name_keys",
    "normalise_name",
    "normalise_names",
    "number_signature",
    "parse_ofac_remarks",
    "read_list",
]
