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

from shipsight.sanctions.match import SCORES, match_identities
from shipsight.sanctions.names import VESSEL_PREFIXES, name_keys, normalise_name, normalise_names, number_signature
from shipsight.sanctions.ofac import parse_remarks as parse_ofac_remarks
from shipsight.sanctions.readers import COLUMNS, FORMATS, bad_imo_count, read_list

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
