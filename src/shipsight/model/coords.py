"""Coordinates (EPSG:4326, lon/lat order): checks, and reading them as analysts write them.

Accepted forms of one coordinate (whitespace optional between parts):

- decimal degrees, signed: ``-41.416944``; with a decimal comma: ``130,2985``;
- decimal degrees with a hemisphere letter before or after: ``42.2452N``, ``W 70.5``;
- degrees and decimal minutes: ``42 14.71 N``, ``42°14.71'N``, ``S41 25.117``;
- degrees, minutes and seconds: ``42°14'43"N``, ``N42 14 43``, ``41:25:01S``, ``42d14m43.5"N``,
  with the typographic marks too (``º``, ``′``, ``″``, ``’``, ``”``).

A hemisphere letter S or W always makes the value negative; N and E positive.
Refused, with the value: a sign *and* a letter (``-42N``: which one is meant?),
two letters, a letter of the other axis (``42E`` as a latitude), minutes or
seconds of 60 or more, fractional degrees followed by minutes, and anything
else. Letters, marks and separators follow the forms of ISO 6709:2022 (Annex D,
human-readable strings) and of nautical publications.
"""

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shipsight.errors import InputError, ShipsightWarning
from shipsight.model.textmatch import matches

_NUM = r"\d+(?:[.,]\d+)?"
# One coordinate; {s} makes the group names unique when two appear in one pattern.
_COORD = (r"(?P<h1{s}>[NSEW])?\s*(?P<sign{s}>[+-])?\s*(?P<deg{s}>{num})\s*(?:°|DEG|D|:)?\s*"
          r"(?:(?P<min{s}>{num})\s*(?:'|MIN|M|:)?\s*(?:(?P<sec{s}>{num})\s*(?:\"|SEC)?\s*)?)?(?P<h2{s}>[NSEW])?")
_ONE = re.compile("^" + _COORD.format(s="", num=_NUM) + "$")
_PAIR = re.compile("^" + _COORD.format(s="_a", num=_NUM) + r"\s*(?:[,;/]\s*|\s+)" + _COORD.format(s="_b", num=_NUM)
                   + "$")
_MARKS = {"º": "°", "˚": "°", "′": "'", "’": "'", "‘": "'", "´": "'", "″": '"', "”": '"', "“": '"'}
_HEMISPHERES = {"lat": ("N", "S"), "lon": ("E", "W")}
_NAMES = {"lat": "latitude", "lon": "longitude"}


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


@dataclass(frozen=True)
class ParsedCoordinates:
    """A parsed column of one axis: ``values`` (degrees, NaN where bad), ``bad``, ``reasons``
    (None where good), and ``decimal_commas``, how many were written with a decimal comma."""

    values: np.ndarray
    bad: np.ndarray
    reasons: np.ndarray
    decimal_commas: int


def _extract(text, regex):
    """The groups of ``regex`` in each value, as :meth:`pandas.Series.str.extract` gives them (NaN where
    a group is unmatched), but matched by Arrow's RE2 in C++ rather than by ``re`` once per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.utf8_upper(pa.array(text.astype("string"), type=pa.string()))
    for mark, plain in _MARKS.items():
        arr = pc.replace_substring(arr, mark, plain)
    found = pc.extract_regex(arr, regex.pattern)
    columns = {}
    for name in regex.groupindex:
        group = found.field(name)
        group = pc.if_else(pc.equal(group, ""), pa.scalar(None, pa.string()), group)
        columns[name] = pd.Series(pd.arrays.ArrowStringArray(group.combine_chunks() if hasattr(group, "combine_chunks")
                                                             else group), index=text.index)
    return pd.DataFrame(columns, index=text.index)


def _text(values):
    text = (values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")).reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(text):
        return None, text.astype("float64")
    text = text.astype("string").str.strip()
    return text.mask(text.str.lower().isin(["", "nan", "none", "null"])), None


def parse_coordinates(values, axis, *, field=None):
    """Read a column of latitudes or longitudes written in any of the forms above.

    Plain decimal numbers are read in one vectorised pass; only the other
    values go through the pattern of degrees, minutes, seconds and letters.
    Ranges are not checked here (see :func:`check_lonlat`).

    Parameters
    ----------
    values : sequence or pandas.Series
        Numbers or text of one column.
    axis : {"lat", "lon"}
        Which axis: decides the hemisphere letters allowed.
    field : str, optional
        The column's name in messages (default ``axis``).

    Returns
    -------
    ParsedCoordinates

    Examples
    --------
    >>> p = parse_coordinates(["42°14'43\\"N", "42.2452N", "42 14.71 N", "N42 14 43", "41°25'01\\"S", "-42N"], "lat")
    >>> p.values[:5].round(6).tolist()
    [42.245278, 42.2452, 42.245167, 42.245278, -41.416944]
    >>> p.reasons[5]
    "lat '-42N' has both a sign and a hemisphere letter; write 42N or -42"
    """
    if axis not in _HEMISPHERES:
        raise ValueError(f"axis must be lat or lon, not {axis!r}")
    field = field or axis
    text, numbers = _text(values)
    if numbers is not None:
        out = numbers.to_numpy(dtype=float)
        bad = ~np.isfinite(out)
        reasons = np.where(bad, f"{field} is missing or not a number", None).astype(object)
        return ParsedCoordinates(out, bad, reasons, 0)
    n = len(text)
    out = np.full(n, np.nan)
    # Plain numbers first, found by RE2 so that to_numeric never meets text (its slow path).
    plain = matches(text, r"^(?:[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+)$")
    if plain.any():
        out[plain] = pd.to_numeric(text[plain], errors="coerce").to_numpy(dtype=float)
    reasons = np.full(n, None, dtype=object)
    rest = np.flatnonzero(np.isnan(out) & text.notna().to_numpy())
    commas = 0
    if len(rest):
        sub = text.iloc[rest]
        decimal_comma = matches(sub, r"^[+-]?\d+,\d+$")
        commas = int(decimal_comma.sum())
        if commas:
            out[rest[decimal_comma]] = pd.to_numeric(sub[decimal_comma].str.replace(",", ".", regex=False))
        rest = rest[~decimal_comma]
    if len(rest):
        parts = _extract(text.iloc[rest], _ONE)
        values, why = _from_parts(parts, "", axis, field, text.iloc[rest])
        out[rest] = values
        reasons[rest] = why
    missing = text.isna().to_numpy()
    reasons[missing] = f"{field} is missing"
    bad = np.isnan(out)
    for i in np.flatnonzero(bad & (reasons == None)):  # noqa: E711  (object array)
        reasons[i] = f"{field} {text.iat[i]!r} is not a {_NAMES[axis]}; write decimal degrees (42.2452) or DMS (42°14'43\"N)"
    return ParsedCoordinates(out, bad, reasons, commas)


def _from_parts(parts, s, axis, field, text):
    """Degrees from the groups of one coordinate pattern; reasons where they do not add up."""
    n = len(parts)
    values = np.full(n, np.nan)
    reasons = np.full(n, None, dtype=object)

    def num(name):
        return pd.to_numeric(parts[name + s].str.replace(",", ".", regex=False), errors="coerce").to_numpy(float)

    deg, minutes, seconds = num("deg"), num("min"), num("sec")
    h1, h2, sign = (parts[g + s].fillna("").to_numpy(dtype=object) for g in ("h1", "h2", "sign"))
    letter = np.where(h1 != "", h1, h2)
    matched = parts["deg" + s].notna().to_numpy()
    frac_deg = matches(parts["deg" + s], "[.,]")
    frac_min = matches(parts["min" + s], "[.,]")
    has_min, has_sec = ~np.isnan(minutes), ~np.isnan(seconds)
    allowed = _HEMISPHERES[axis]
    checks = [
        ((h1 != "") & (h2 != ""), "has two hemisphere letters"),
        ((sign != "") & (letter != ""), lambda v: f"has both a sign and a hemisphere letter; write "
                                                  f"{v.lstrip('+-').strip()} or {v[0] if v[0] in '+-' else '-'}"
                                                  f"{_strip_letters(v)}"),
        ((letter != "") & ~np.isin(letter, allowed),
         f"has a hemisphere letter of the other axis (a {_NAMES[axis]} takes {' or '.join(allowed)}); "
         "did you swap lon and lat?"),
        (frac_deg & has_min, "has fractional degrees and minutes too; write one or the other"),
        (frac_min & has_sec, "has fractional minutes and seconds too; write one or the other"),
        ((minutes >= 60) | (seconds >= 60), "has minutes or seconds of 60 or more"),
    ]
    for mask, why in checks:
        for i in np.flatnonzero(matched & mask & (reasons == None)):  # noqa: E711
            v = text.iat[i]
            reasons[i] = f"{field} {v!r} " + (why(v) if callable(why) else why)
    ok = matched & (reasons == None)  # noqa: E711
    value = deg + np.nan_to_num(minutes) / 60.0 + np.nan_to_num(seconds) / 3600.0
    negative = (sign == "-") | np.isin(letter, ("S", "W"))
    values[ok] = np.where(negative, -value, value)[ok]
    return values, reasons


def _strip_letters(v):
    return re.sub(r"[NSEWnsew]", "", v.lstrip("+-")).strip()


def parse_positions(values, *, field="position"):
    """Read a column holding both coordinates of each position, e.g. ``42°14'45"N 130°17'55"E``.

    Hemisphere letters say which coordinate is which; without them the order
    is latitude then longitude (ISO 6709, as Google Maps and reports copy it),
    said once in a :class:`~shipsight.errors.ShipsightWarning`. The two parts
    are separated by a comma, semicolon, slash or whitespace.

    Returns
    -------
    lon, lat : ParsedCoordinates
        Each with the same ``bad`` and ``reasons`` (a position is good or bad whole).

    Examples
    --------
    >>> lon, lat = parse_positions(["42°14'45\\"N 130°17'55\\"E", "130.2985E, 42.2458N"])
    >>> lon.values.round(6).tolist(), lat.values.round(6).tolist()
    ([130.298611, 130.2985], [42.245833, 42.2458])
    """
    text, numbers = _text(values)
    if numbers is not None:
        raise InputError(f"{field} holds single numbers; a position needs latitude and longitude "
                         "(e.g. 42.2458N 130.2985E), or give lon and lat columns")
    n = len(text)
    parts = _extract(text, _PAIR)
    letters_a = parts["h1_a"].fillna("") + parts["h2_a"].fillna("")
    letters_b = parts["h1_b"].fillna("") + parts["h2_b"].fillna("")
    lat_first = (letters_a.str.contains("[NS]", regex=True) | letters_b.str.contains("[EW]", regex=True)).to_numpy(bool)
    lon_first = (letters_a.str.contains("[EW]", regex=True) | letters_b.str.contains("[NS]", regex=True)).to_numpy(bool)
    no_letters = ((letters_a == "") & (letters_b == "")).to_numpy(bool) & parts["deg_a"].notna().to_numpy()
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    reasons = np.full(n, None, dtype=object)
    for first, second, which in ((("lat", "_a"), ("lon", "_b"), lat_first & ~lon_first),
                                 (("lon", "_a"), ("lat", "_b"), lon_first & ~lat_first),
                                 (("lat", "_a"), ("lon", "_b"), no_letters)):
        rows = np.flatnonzero(which)
        if not len(rows):
            continue
        for axis, s in (first, second):
            sub = parts.iloc[rows]
            v, why = _from_parts(sub, s, axis, field, text.iloc[rows])
            (lat if axis == "lat" else lon)[rows] = v
            reasons[rows] = np.where(reasons[rows] == None, why, reasons[rows])  # noqa: E711
    if no_letters.any():
        warnings.warn(f"{field}: {int(no_letters.sum())} position(s) without hemisphere letters read as "
                      "latitude, longitude (ISO 6709 order)", ShipsightWarning, stacklevel=2)
    both = lat_first & lon_first
    for i in np.flatnonzero(both):
        reasons[i] = f"{field} {text.iat[i]!r} has hemisphere letters that do not say which part is the latitude"
    missing = text.isna().to_numpy()
    reasons[missing] = f"{field} is missing"
    bad = np.isnan(lon) | np.isnan(lat)
    lon[bad] = lat[bad] = np.nan
    for i in np.flatnonzero(bad & (reasons == None)):  # noqa: E711
        reasons[i] = (f"{field} {text.iat[i]!r} is not a position; write latitude and longitude, "
                      "e.g. 42°14'45\"N 130°17'55\"E or 42.2458N 130.2985E")
    return (ParsedCoordinates(lon, bad, reasons, 0), ParsedCoordinates(lat, bad, reasons, 0))
