"""Vessel identifiers: IMO numbers and MMSIs."""

import re

import numpy as np

from shipsight.errors import InputError

_IMO_RE = re.compile(r"^\s*(?:IMO[\s:#-]*)?(\d{7})\s*$", re.IGNORECASE)
_MMSI_RE = re.compile(r"^\s*(\d{9})\s*$")


def imo_is_valid(imo):
    """True where a seven-digit IMO number's check digit is right.

    The weights 7..2 on the first six digits, summed, end in the seventh.
    Works on a single string or an array of them.

    Examples
    --------
    >>> imo_is_valid("9179842")
    True
    >>> imo_is_valid(["9179842", "9179843"]).tolist()
    [True, False]
    """
    arr = np.asarray(imo)
    scalar = arr.ndim == 0
    arr = np.atleast_1d(arr).astype(str)
    arr = np.ascontiguousarray(arr if arr.dtype.itemsize >= 28 else arr.astype("U7"))
    # A U array is fixed-width code points a row (shorter strings padded with 0): read them as numbers.
    codes = arr.view(np.uint32).reshape(len(arr), arr.dtype.itemsize // 4)
    digits = codes[:, :7].astype(np.int64) - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1) & ~(codes[:, 7:] != 0).any(axis=1)
    checksum = (digits[:, :6] * np.arange(7, 1, -1)).sum(axis=1) % 10
    out = ok & (checksum == digits[:, 6])
    return bool(out[0]) if scalar else out


def parse_imo(value):
    """An IMO number as a seven-digit string, checked; ``None`` for blank.

    Accepts ``"9179842"``, ``"IMO 9179842"`` or an int.

    >>> parse_imo("IMO 9179842")
    '9179842'
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(int(value)) if isinstance(value, (int, np.integer)) else str(value)
    if not text.strip():
        return None
    m = _IMO_RE.match(text)
    if not m:
        raise InputError(f"IMO {text.strip()!r} is not seven digits; write it as 9179842 or 'IMO 9179842'")
    imo = m.group(1)
    if not imo_is_valid(imo):
        raise InputError(f"IMO {imo} fails its check digit; check the number against the ship's record")
    return imo


def parse_mmsi(value):
    """An MMSI as a nine-digit string; ``None`` for blank.

    >>> parse_mmsi(273456780)
    '273456780'
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(int(value)) if isinstance(value, (int, np.integer)) else str(value)
    if not text.strip():
        return None
    m = _MMSI_RE.match(text)
    if not m:
        raise InputError(f"MMSI {text.strip()!r} is not nine digits")
    return m.group(1)
