"""Vessel identifiers: IMO numbers and MMSIs, and the values that only pretend to be one.

Real feeds and lists fill unknown identifiers with placeholders: AIS static
reports send IMO ``0`` when the number is not known, registers write
``0000000``, feeds pass on ``1`` or ``123456789`` (aisstream issue #127;
opensanctions/rigour issue #249, where ``0000000`` even passes the IMO check
digit). A placeholder means *unknown*: it is never an error and never matches
anything, and every import counts them. A genuinely malformed value (letters,
eight digits) is still an error.

:func:`clean_imos` and :func:`clean_mmsis` sort a whole column at once into
these classes (see :data:`IMO_STATUSES`, :data:`MMSI_STATUSES`); they parse each
distinct value once, so a million AIS messages cost about what their few
thousand distinct identifiers cost.

Example
-------
>>> out = clean_imos(["IMO 9179842", "0", "0000000", "9179843", "ABC", None])
>>> out.values.tolist()
['9179842', None, None, '9179843', None, None]
>>> out.status.tolist()
['valid', 'placeholder', 'placeholder', 'bad-check-digit', 'malformed', 'blank']
"""

import re
from dataclasses import dataclass

import numpy as np

from shipsight.errors import InputError

_IMO_RE = re.compile(r"^\s*(?:IMO[\s:#-]*)?(\d{7})\s*$", re.IGNORECASE)
_MMSI_RE = re.compile(r"^\s*(\d{9})\s*$")

#: What :func:`clean_imos` says of each value.
IMO_STATUSES = ("valid", "blank", "placeholder", "bad-check-digit", "malformed")
#: What :func:`clean_mmsis` says of each value (``not-ship``: a well-formed MMSI of
#: a coast station, aircraft, handheld radio, aid to navigation or distress beacon).
MMSI_STATUSES = ("valid", "blank", "placeholder", "not-ship", "malformed")
#: Statuses that mean "the identifier is unknown" (never an error, never matched).
UNKNOWN = frozenset({"placeholder", "not-ship"})

#: Cell texts that mean "nothing given" in lists and feeds.
BLANK_TEXTS = frozenset({"", "nan", "none", "null", "n/a", "na", "-", "-0-", "unknown", "<na>"})
#: Seven-digit IMO placeholders besides the runs of one repeated digit.
IMO_PLACEHOLDERS = frozenset({"1234567"})
#: Nine-digit MMSI placeholders besides the runs of one repeated digit.
MMSI_PLACEHOLDERS = frozenset({"123456789", "012345678", "987654321"})
#: Maritime Identification Digits allocated to countries run from 201 to 775
#: (ITU-R M.585, Annex 1; ITU's MID table); a ship station's MMSI is ``MIDXXXXXX``.
SHIP_MID_RANGE = (201, 775)


@dataclass(frozen=True)
class IdentifierCheck:
    """The outcome of :func:`clean_imos` / :func:`clean_mmsis`, aligned with the input.

    Attributes
    ----------
    values : numpy.ndarray of object
        The identifier as a digit string where it is usable (``valid``, and
        ``bad-check-digit`` IMOs, which a list may still print), else None.
    status : numpy.ndarray of str
        One of :data:`IMO_STATUSES` / :data:`MMSI_STATUSES` per value.
    raw : numpy.ndarray of object
        The value as given, stripped, for messages (None where blank).
    """

    values: np.ndarray
    status: np.ndarray
    raw: np.ndarray

    def count(self, *statuses):
        """How many values have one of ``statuses``."""
        return int(np.isin(self.status, list(statuses)).sum())

    @property
    def unknown(self):
        """Boolean mask of placeholders (and non-ship MMSIs): values that mean "unknown"."""
        return np.isin(self.status, list(UNKNOWN))


def imo_is_valid(imo):
    """True where a seven-digit IMO number's check digit is right.

    The weights 7..2 on the first six digits, summed, end in the seventh
    (IMO Resolution A.1117(30), the ship identification number scheme).
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


def _texts(values):
    """(codes, distinct texts) of a column: ints and whole floats as digits, text stripped."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(list(values) if not isinstance(
        values, np.ndarray) else values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = []
    for u in uniques:
        if isinstance(u, (bool, np.bool_)):
            texts.append(str(u))
        elif isinstance(u, (int, np.integer)):
            texts.append(str(int(u)))
        elif isinstance(u, (float, np.floating)):
            texts.append(str(int(u)) if np.isfinite(u) and float(u).is_integer() else str(u))
        else:
            texts.append(str(u).strip())
    return codes, np.array(texts + [""], dtype=object)


def _classify(values, prefix, width, placeholders):
    """What both identifiers share: (codes, texts, digits, blank, numeric, full width, placeholder) of the distinct values.

    ``digits`` are the texts without a ``prefix`` word (``IMO``, ``MMSI``) or a trailing ``.0``; a
    placeholder is a run of one repeated digit no longer than ``width``, or one of ``placeholders``.
    """
    codes, texts = _texts(values)
    pattern = re.compile(rf"^{prefix}[\s:#-]*", re.IGNORECASE)
    digits = np.array([pattern.sub("", t).removesuffix(".0") for t in texts], dtype=object)
    blank = np.array([t.lower() in BLANK_TEXTS for t in texts], dtype=bool)
    numeric = np.array([d.isascii() and d.isdigit() for d in digits], dtype=bool)
    lengths = np.array([len(d) for d in digits])
    run = np.array([d == d[:1] * len(d) for d in digits], dtype=bool)
    placeholder = numeric & ~blank & ((run & (lengths <= width)) | np.isin(digits, list(placeholders)))
    return codes, texts, digits, blank, numeric, numeric & (lengths == width), placeholder


def _checked(codes, texts, status, usable):
    status[-1] = "blank"  # the NA sentinel of the factor codes
    raw = np.where(status == "blank", None, texts)
    return IdentifierCheck(values=usable[codes],
                           status=status[codes].astype(str), raw=raw[codes])


def clean_imos(values):
    """Sort IMO numbers into valid, blank, placeholder, bad check digit and malformed.

    Parameters
    ----------
    values : array-like or pandas.Series
        Raw IMO values: ``9179842``, ``"IMO 9179842"``, ``"IMO9179842"``,
        ``9179842.0``, None, blank text.

    Returns
    -------
    IdentifierCheck
        ``values`` holds the seven digits for ``valid`` and ``bad-check-digit``
        numbers, None otherwise. Placeholders are ``0``, ``1``, any run of one
        repeated digit up to seven long (``0000000``, ``9999999``) and
        ``1234567``; digits of another length, letters or a cut-off number are
        ``malformed``. Blank texts are :data:`BLANK_TEXTS`.

    Notes
    -----
    Each distinct value is parsed once (``pandas.factorize``), then broadcast.

    Examples
    --------
    >>> clean_imos([0, "1", "9999999", "IMO0000000", 9179842.0]).status.tolist()
    ['placeholder', 'placeholder', 'placeholder', 'placeholder', 'valid']
    >>> clean_imos(["91798420", "917984"]).status.tolist()
    ['malformed', 'malformed']
    """
    codes, texts, digits, blank, numeric, seven, placeholder = _classify(values, "IMO", 7, IMO_PLACEHOLDERS)
    check = np.zeros(len(texts), dtype=bool)
    if seven.any():
        check[seven] = imo_is_valid(digits[seven].astype("U7"))
    status = np.full(len(texts), "malformed", dtype=object)
    status[seven & ~check] = "bad-check-digit"
    status[seven & check] = "valid"
    status[placeholder] = "placeholder"
    status[blank] = "blank"
    return _checked(codes, texts, status, np.where(np.isin(status, ["valid", "bad-check-digit"]), digits, None))


def clean_mmsis(values):
    """Sort MMSIs into valid ship stations, blank, placeholder, not a ship and malformed.

    Parameters
    ----------
    values : array-like or pandas.Series
        Raw MMSIs: ``273456780``, ``"273456780"``, ``273456780.0``, None, blank text.

    Returns
    -------
    IdentifierCheck
        ``values`` holds the nine digits of ``valid`` MMSIs, None otherwise.
        ``valid`` is a ship station: nine digits, a Maritime Identification
        Digit (the first three) in :data:`SHIP_MID_RANGE` (ITU-R M.585).
        ``not-ship``: nine digits naming a group or coast station (leading
        ``0``), a SAR aircraft (``111``), a handheld radio (``8``), an aid to
        navigation, a craft of a parent ship or a distress beacon (``9``), or
        an unallocated MID. ``placeholder``: ``0``, runs of one repeated
        digit, :data:`MMSI_PLACEHOLDERS`. Other digit counts or letters are
        ``malformed``.

    Examples
    --------
    >>> clean_mmsis([273456780, "0", "000000000", "123456789", "992351234", "2734567"]).status.tolist()
    ['valid', 'placeholder', 'placeholder', 'placeholder', 'not-ship', 'malformed']
    """
    codes, texts, digits, blank, numeric, nine, placeholder = _classify(values, "MMSI", 9, MMSI_PLACEHOLDERS)
    mid = np.array([int(d[:3]) if n else -1 for d, n in zip(digits, nine)])
    ship = nine & (mid >= SHIP_MID_RANGE[0]) & (mid <= SHIP_MID_RANGE[1])
    status = np.full(len(texts), "malformed", dtype=object)
    status[nine] = "not-ship"
    status[ship] = "valid"
    status[placeholder] = "placeholder"
    status[blank] = "blank"
    return _checked(codes, texts, status, np.where(status == "valid", digits, None))


def parse_imo(value):
    """An IMO number as a seven-digit string, checked; ``None`` for blank or a placeholder.

    Accepts ``"9179842"``, ``"IMO 9179842"`` or an int.

    Raises
    ------
    InputError
        Not seven digits, or a failing check digit.

    >>> parse_imo("IMO 9179842"), parse_imo("0000000")
    ('9179842', None)
    """
    out = clean_imos([value])
    status = out.status[0]
    if status == "malformed":
        raise InputError(f"IMO {out.raw[0]!r} is not seven digits; write it as 9179842 or 'IMO 9179842'")
    if status == "bad-check-digit":
        raise InputError(f"IMO {out.values[0]} fails its check digit; check the number against the ship's record")
    return out.values[0]


def parse_mmsi(value):
    """An MMSI as a nine-digit string; ``None`` for blank or a placeholder.

    A well-formed MMSI of a station that is not a ship (a coast station, an aid
    to navigation) is returned as it is: asked for by name, it is what was meant.

    Raises
    ------
    InputError
        Not nine digits.

    >>> parse_mmsi(273456780), parse_mmsi("000000000"), parse_mmsi("992351234")
    ('273456780', None, '992351234')
    """
    out = clean_mmsis([value])
    status = out.status[0]
    if status == "malformed":
        raise InputError(f"MMSI {out.raw[0]!r} is not nine digits")
    return out.raw[0] if status == "not-ship" else out.values[0]
