"""Vessel identifiers: IMO numbers, MMSIs and call signs, and the values that only pretend to be one.

The one home of identifier hygiene: sanctions lists, sightings, screening
and AIS all clean IMO numbers, MMSIs and call signs here.

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
from shipsight.model.mid import mid_allocated

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
#: Call-sign fill values seen in real feeds and lists (MarineCadastre 2022: ``N/A``, ``0``, ``.``).
CALL_SIGN_PLACEHOLDERS = frozenset({"", "0", "NA", "NONE", "UNKNOWN", "NULL", "NAN"})


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


def _texts(values, width=None):
    """(codes, distinct texts) of a column: ints and whole floats as digits, text stripped.

    A number has lost its leading zeros (a spreadsheet or AIS's binary field):
    non-negative ones are written back to ``width`` digits (AIS's IMO 12 is ``0000012``).
    """
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(list(values) if not isinstance(
        values, np.ndarray) else values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = []
    for u in uniques:
        if isinstance(u, (bool, np.bool_)):
            texts.append(str(u))
        elif isinstance(u, (int, np.integer)) or (isinstance(u, (float, np.floating)) and np.isfinite(u)
                                                   and float(u).is_integer()):
            texts.append(str(int(u)).zfill(width or 0) if u >= 0 else str(int(u)))
        else:
            texts.append(str(u).strip())
    return codes, np.array(texts + [""], dtype=object)


def _classify(values, prefix, width, placeholders):
    """What both identifiers share: (codes, texts, digits, blank, numeric, full width, placeholder) of the distinct values.

    ``digits`` are the texts without a ``prefix`` word (``IMO``, ``MMSI``) or a trailing ``.0``; a
    placeholder is a run of one repeated digit no longer than ``width``, or one of ``placeholders``.
    """
    codes, texts = _texts(values, width)
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
        repeated digit up to seven long (``0000000``, ``9999999``),
        ``1234567`` and seven digits with fewer than seven significant ones
        (``0000001``, ``0123456``: IMO numbers have seven, and AIS sends small
        numbers for unknown ones); digits of another length, letters or a
        cut-off number are ``malformed``. Blank texts are :data:`BLANK_TEXTS`.

    Notes
    -----
    Each distinct value is parsed once (``pandas.factorize``), then broadcast.
    A number (int or whole float) is read with its lost leading zeros put
    back: the integer 12 is ``0000012``, a placeholder.

    Examples
    --------
    >>> clean_imos([0, "1", "9999999", "IMO0000000", 9179842.0]).status.tolist()
    ['placeholder', 'placeholder', 'placeholder', 'placeholder', 'valid']
    >>> clean_imos(["91798420", "917984", "0000001", 12]).status.tolist()
    ['malformed', 'malformed', 'placeholder', 'placeholder']
    """
    codes, texts, digits, blank, numeric, seven, placeholder = _classify(values, "IMO", 7, IMO_PLACEHOLDERS)
    placeholder |= seven & np.array([d.startswith("0") for d in digits], dtype=bool)
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
        ``valid`` is a ship station (:func:`mmsi_kind` ``ship``: nine digits,
        a Maritime Identification Digit allocated to a country, ITU-R M.585).
        ``not-ship``: nine digits naming a group or coast station, a SAR
        aircraft, a handheld radio, a craft of a parent ship, an aid to
        navigation, a distress beacon, or an unallocated MID.
        ``placeholder``: ``0``, runs of one repeated digit
        (``111111111``), :data:`MMSI_PLACEHOLDERS`. Other digit counts or
        letters are ``malformed``. Numbers get their lost leading zeros back
        (3669884 is the coast station 003669884).

    Examples
    --------
    >>> clean_mmsis([273456780, "0", "000000000", "123456789", "992351234", "2734567"]).status.tolist()
    ['valid', 'placeholder', 'placeholder', 'placeholder', 'not-ship', 'malformed']
    """
    codes, texts, digits, blank, numeric, nine, placeholder = _classify(values, "MMSI", 9, MMSI_PLACEHOLDERS)
    number = np.array([int(d) if n else -1 for d, n in zip(digits, nine)], dtype=np.int64)
    ship = nine & (mmsi_kind_codes(number)[0] == MMSI_KINDS.index("ship"))
    status = np.full(len(texts), "malformed", dtype=object)
    status[nine] = "not-ship"
    status[ship] = "valid"
    status[placeholder] = "placeholder"
    status[blank] = "blank"
    return _checked(codes, texts, status, np.where(status == "valid", digits, None))


#: The kinds of station an MMSI can name, in the order of their codes (0 = invalid).
MMSI_KINDS = ("invalid", "ship", "group", "base-station", "sar-aircraft", "handheld", "craft", "aton",
              "sart", "mob", "epirb")
_KIND = {k: i for i, k in enumerate(MMSI_KINDS)}


def mmsi_kind_codes(mmsi):
    """The kind code (index into :data:`MMSI_KINDS`) and MID of each MMSI (as integers).

    The nine digits say what kind of station transmits (ITU-R M.585-9, Annex 1-2):

    =================  ===============  =========================================
    kind               digits           what it is
    =================  ===============  =========================================
    ``ship``           ``MIDXXXXXX``    a ship station (MID 2xx-7xx, allocated)
    ``group``          ``0MIDXXXXX``    a group of ship stations
    ``base-station``   ``00MIDXXXX``    a coast station (AIS base stations use these)
    ``sar-aircraft``   ``111MIDXXX``    a search-and-rescue aircraft
    ``handheld``       ``8MIDXXXXX``    a handheld VHF with DSC and GNSS
    ``craft``          ``98MIDXXXX``    a craft associated with a parent ship (tender, lifeboat)
    ``aton``           ``99MIDXXXX``    an aid to navigation
    ``sart``           ``970XXYYYY``    an AIS search-and-rescue transmitter
    ``mob``            ``972XXYYYY``    a man-overboard device
    ``epirb``          ``974XXYYYY``    an EPIRB with AIS
    ``invalid``        anything else    including MIDs not allocated (placeholders
                                        such as 000000000, 123456789, 111111111 or
                                        999999999 all land here)
    =================  ===============  =========================================

    Returns
    -------
    kind : ndarray of int8
    mid : ndarray of int16, 0 where the kind carries no MID or it is not allocated.

    >>> [MMSI_KINDS[k] for k in mmsi_kind_codes([273456780, 3669884, 123456789])[0]]
    ['ship', 'base-station', 'invalid']
    """
    v = np.asarray(mmsi, dtype=np.int64)
    d1 = v // 100_000_000
    d2 = v // 10_000_000
    d3 = v // 1_000_000
    kind = np.zeros(v.shape, dtype=np.int8)
    mid = np.zeros(v.shape, dtype=np.int64)
    in_range = (v >= 0) & (v <= 999_999_999)

    def put(mask, code, mids):
        kind[mask] = code
        mid[mask] = mids[mask]

    put(in_range & (d1 >= 2) & (d1 <= 7), _KIND["ship"], d3)
    put(in_range & (d1 == 0) & (d2 > 0), _KIND["group"], v // 100_000)
    put(in_range & (d2 == 0), _KIND["base-station"], v // 10_000)
    put(in_range & (d3 == 111), _KIND["sar-aircraft"], (v // 1_000) % 1000)
    put(in_range & (d1 == 8), _KIND["handheld"], (v // 100_000) % 1000)
    put(in_range & (d2 == 98), _KIND["craft"], (v // 10_000) % 1000)
    put(in_range & (d2 == 99), _KIND["aton"], (v // 10_000) % 1000)
    for code, prefix in (("sart", 970), ("mob", 972), ("epirb", 974)):
        kind[in_range & (d3 == prefix)] = _KIND[code]
    carries_mid = np.isin(kind, [_KIND[k] for k in ("ship", "group", "base-station", "sar-aircraft", "handheld",
                                                   "craft", "aton")])
    unallocated = carries_mid & ~mid_allocated(mid)
    kind[unallocated] = _KIND["invalid"]
    mid[~carries_mid | unallocated] = 0
    return kind, mid.astype(np.int16)


def mmsi_kind(mmsi):
    """The kind of station (one of :data:`MMSI_KINDS`) each MMSI (an integer) names.

    >>> mmsi_kind([273456780, 3669884, 992351234, 970012345, 123456789]).tolist()
    ['ship', 'base-station', 'aton', 'sart', 'invalid']
    """
    return np.asarray(MMSI_KINDS, dtype=object)[mmsi_kind_codes(mmsi)[0]]


def mmsi_text(mmsi):
    """MMSIs (integers) as their nine-digit text; values past nine digits as they are.

    A numeric MMSI column drops leading zeros: 3669884 is the coast station 003669884.

    >>> mmsi_text([3669884, 273456780]).tolist()
    ['003669884', '273456780']
    """
    import pandas as pd

    return pd.Series(np.asarray(mmsi, dtype=np.int64)).astype(str).str.zfill(9).to_numpy(dtype=object)


def clean_call_signs(values):
    """Call signs as compared and stored: upper case, letters and digits only; None for blanks and fill values.

    A call sign is up to seven letters and digits (ITU Radio Regulations,
    Article 19); feeds pad it (AIS's ``@``) or fill it with ``N/A``, ``0``,
    ``.`` (:data:`CALL_SIGN_PLACEHOLDERS`), and lists write ``HMXX-1``.

    >>> clean_call_signs(["hmxx-1", "UBCF2@@@", "N/A", ".", "0", None]).tolist()
    ['HMXX1', 'UBCF2', None, None, None, None]
    """
    import pandas as pd

    text = pd.Series(np.asarray(values, dtype=object), dtype=object).astype("string").str.upper()
    text = text.str.replace(r"[^A-Z0-9]", "", regex=True)
    text = text.mask(text.isin(list(CALL_SIGN_PLACEHOLDERS)))
    return text.astype(object).where(text.notna(), None).to_numpy(dtype=object)


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
        raise InputError(f"IMO {out.raw[0]!r} is not seven digits; an IMO number is seven digits, written 1234567 or 'IMO 1234567'")
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
