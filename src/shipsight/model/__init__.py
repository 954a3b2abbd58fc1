"""Plain types and validation: IMO and MMSI numbers, coordinates, UTC times."""

from shipsight.model.identity import imo_is_valid, parse_imo, parse_mmsi
from shipsight.model.coords import check_lonlat
from shipsight.model.times import parse_time, to_utc_series
from shipsight.model.vocab import CONFIDENCE, PORT_KINDS, parse_bool

__all__ = [
    "imo_is_valid",
    "parse_imo",
    "parse_mmsi",
    "check_lonlat",
    "parse_time",
    "to_utc_series",
    "CONFIDENCE",
    "PORT_KINDS",
    "parse_bool",
]
