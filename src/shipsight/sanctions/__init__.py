"""Sanctions lists and identity matching.

Read a list (OFAC sdn.csv, OpenSanctions JSON lines or simple CSV, a plain
CSV) into one row per listed vessel, then match sightings to it on IMO, MMSI
and normalised or fuzzy names.

Example
-------
>>> from shipsight.sanctions import read_list, match_identities  # doctest: +SKIP
>>> entries = read_list("sdn.csv").set_index("entry_id")         # doctest: +SKIP
>>> match_identities(sightings, entries)                          # doctest: +SKIP
"""

from shipsight.sanctions.match import SCORES, match_identities
from shipsight.sanctions.names import VESSEL_PREFIXES, normalise_name, normalise_names, number_signature
from shipsight.sanctions.readers import (
    COLUMNS,
    FORMATS,
    bad_imo_count,
    parse_ofac_remarks,
    read_list,
)

__all__ = [
    "COLUMNS",
    "FORMATS",
    "SCORES",
    "VESSEL_PREFIXES",
    "bad_imo_count",
    "match_identities",
    "normalise_name",
    "normalise_names",
    "number_signature",
    "parse_ofac_remarks",
    "read_list",
]
