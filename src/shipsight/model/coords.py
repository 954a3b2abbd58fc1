"""Coordinate checks (EPSG:4326, lon/lat order)."""

import math

from shipsight.errors import InputError


def check_lonlat(lon, lat):
    """Return ``(lon, lat)`` as floats, or raise when out of range.

    >>> check_lonlat("129.7", 42.2)
    (129.7, 42.2)
    """
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InputError(f"position ({lon!r}, {lat!r}) is not a pair of numbers") from None
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise InputError(f"longitude {lon} is outside [-180, 180]; did you swap lon and lat?")
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InputError(f"latitude {lat} is outside [-90, 90]; did you swap lon and lat?")
    return lon, lat
