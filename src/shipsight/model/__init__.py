"""Plain types and validation: IMO and MMSI numbers, coordinates, UTC times.

The names below are loaded on first use (PEP 562), so that importing
:mod:`shipsight.model.vocab` for a command's choices does not import pandas.
"""

_HOMES = {
    "imo_is_valid": "identity",
    "parse_imo": "identity",
    "parse_mmsi": "identity",
    "check_lonlat": "coords",
    "parse_time": "times",
    "to_utc_series": "times",
    "CONFIDENCE": "vocab",
    "PORT_KINDS": "vocab",
    "parse_bool": "vocab",
}

__all__ = list(_HOMES)


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'shipsight.model' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"shipsight.model.{home}"), name)
