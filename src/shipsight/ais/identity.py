"""Identity hygiene for AIS: what kind of station an MMSI is, IMO numbers, names, missing values.

Everything here works on whole columns (numpy / pandas), since an AIS day holds
millions of rows.

MMSI structure (ITU-R M.585-9, Annex 1-2): the nine digits say what kind of
station transmits:

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

>>> mmsi_kind([273456780, 3669884, 992351234, 970012345, 123456789]).tolist()
['ship', 'base-station', 'aton', 'sart', 'invalid']
"""

import numpy as np
import pandas as pd

from shipsight.ais.mid import mid_allocated
from shipsight.model.identity import imo_is_valid

#: The kinds of station an MMSI can name, in the order of their codes (0 = invalid).
MMSI_KINDS = ("invalid", "ship", "group", "base-station", "sar-aircraft", "handheld", "craft", "aton",
              "sart", "mob", "epirb")
_CODE = {k: i for i, k in enumerate(MMSI_KINDS)}


def mmsi_kind_codes(mmsi):
    """The kind code (index into :data:`MMSI_KINDS`) and MID of each MMSI (as integers).

    Returns
    -------
    kind : ndarray of int8
    mid : ndarray of int16, 0 where the kind carries no MID or it is not allocated.
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

    put(in_range & (d1 >= 2) & (d1 <= 7), _CODE["ship"], d3)
    put(in_range & (d1 == 0) & (d2 > 0), _CODE["group"], v // 100_000)
    put(in_range & (d2 == 0), _CODE["base-station"], v // 10_000)
    put(in_range & (d3 == 111), _CODE["sar-aircraft"], (v // 1_000) % 1000)
    put(in_range & (d1 == 8), _CODE["handheld"], (v // 100_000) % 1000)
    put(in_range & (d2 == 98), _CODE["craft"], (v // 10_000) % 1000)
    put(in_range & (d2 == 99), _CODE["aton"], (v // 10_000) % 1000)
    for code, prefix in (("sart", 970), ("mob", 972), ("epirb", 974)):
        kind[in_range & (d3 == prefix)] = _CODE[code]
    carries_mid = np.isin(kind, [_CODE[k] for k in ("ship", "group", "base-station", "sar-aircraft", "handheld",
                                                   "craft", "aton")])
    unallocated = carries_mid & ~mid_allocated(mid)
    kind[unallocated] = _CODE["invalid"]
    mid[~carries_mid | unallocated] = 0
    return kind, mid.astype(np.int16)


def mmsi_kind(mmsi):
    """The kind of station (one of :data:`MMSI_KINDS`) each MMSI names."""
    return np.asarray(MMSI_KINDS, dtype=object)[mmsi_kind_codes(mmsi)[0]]


def mmsi_text(mmsi):
    """MMSIs (integers) as their nine-digit text; values past nine digits as they are.

    A numeric MMSI column drops leading zeros: 3669884 is the coast station 003669884.

    >>> mmsi_text([3669884, 273456780]).tolist()
    ['003669884', '273456780']
    """
    return pd.Series(np.asarray(mmsi, dtype=np.int64)).astype(str).str.zfill(9).to_numpy(dtype=object)


#: Outcome of :func:`clean_imo` for each value.
IMO_STATUS = ("missing", "valid", "placeholder", "invalid")


def clean_imo(values):
    """IMO numbers as broadcast (text or integers), cleaned: ``(imo, status)``.

    ``imo`` is the seven-digit text where the number is a real IMO number
    (seven digits, right check digit), else None. ``status`` (index into
    :data:`IMO_STATUS`) says why not: ``missing`` (blank, or 0 as AIS sends
    when not known), ``placeholder`` (fewer than seven significant digits:
    ``IMO0000000``, ``0000001``, ``111``; one digit repeated; ``1234567``:
    none is a real number, though ``0000000``, ``5555555`` and ``1234567`` pass
    the check digit), ``invalid`` (letters, more than seven digits, a wrong
    check digit). An ``IMO`` prefix is allowed.

    >>> imo, status = clean_imo(["IMO9179842", "IMO0000000", "", "9179843", "IMO929709600", 0])
    >>> imo.tolist(), [IMO_STATUS[s] for s in status]
    (['9179842', None, None, None, None, None], ['valid', 'placeholder', 'missing', 'invalid', 'invalid', 'missing'])
    """
    text = pd.Series(np.asarray(values, dtype=object)).astype("string").str.strip().str.upper()
    text = text.str.removeprefix("IMO").str.strip().fillna("")
    status = np.full(len(text), IMO_STATUS.index("invalid"), dtype=np.int8)
    digits = text.str.fullmatch(r"\d+").to_numpy(dtype=bool)
    significant = text.str.lstrip("0").str.len().to_numpy()
    status[(text == "").to_numpy() | (text == "0").to_numpy()] = IMO_STATUS.index("missing")
    status[digits & (significant < 7) & (text != "0").to_numpy()] = IMO_STATUS.index("placeholder")
    filler = (text.str.fullmatch(r"(\d)\1{6}") | (text == "1234567")).to_numpy(dtype=bool)
    status[filler] = IMO_STATUS.index("placeholder")
    seven = digits & (significant == 7) & (text.str.len() == 7).to_numpy() & ~filler
    good = np.zeros(len(text), dtype=bool)
    if seven.any():
        good[seven] = imo_is_valid(text[seven].to_numpy(dtype=str))
    status[good] = IMO_STATUS.index("valid")
    imo = text.to_numpy(dtype=object)
    imo[~good] = None
    return imo, status


def clean_text(values, *, placeholders=("0",)):
    """Names and call signs as broadcast, cleaned: stripped, AIS ``@`` padding and runs of
    spaces removed; blank, ``placeholders`` and values with no letter or digit become None.

    >>> clean_text(["ANGARA@@@@", "  ", ".", "N/A", "0", "KOTI  "], placeholders=("0", "N/A")).tolist()
    ['ANGARA', None, None, None, None, 'KOTI']
    """
    text = pd.Series(np.asarray(values, dtype=object)).astype("string")
    text = text.str.replace("@", " ", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()
    blank = text.isna() | ~text.str.contains(r"[0-9A-Za-z]", regex=True).fillna(False)
    blank |= text.str.upper().isin([p.upper() for p in placeholders]).fillna(False)
    out = text.to_numpy(dtype=object)
    out[blank.to_numpy(dtype=bool)] = None
    return out


#: Call-sign fill values seen in real feeds (MarineCadastre 2022: ``N/A``, ``0``, ``.``).
CALL_SIGN_PLACEHOLDERS = ("0", "N/A", "NA", "NONE", "UNKNOWN")


def missing_to_nan(values, sentinel, *, low=None, high=None):
    """A kinematic column with AIS's "not available" values as NaN.

    ITU-R M.1371-5 reserves heading 511, SOG 102.3 kn and COG 360 for "not
    available"; values outside ``[low, high]`` are not possible and are dropped too.

    >>> missing_to_nan([12.5, 102.3, -1], 102.3, low=0, high=102.2).tolist()
    [12.5, nan, nan]
    """
    v = np.array(values, dtype=np.float64)
    bad = np.isclose(v, sentinel, atol=1e-6)
    if low is not None:
        bad |= v < low
    if high is not None:
        bad |= v > high
    v[bad] = np.nan
    return v


def sog_knots(values):
    """Speed over ground in knots, 102.3 (not available) and impossible values as NaN."""
    return missing_to_nan(values, 102.3, low=0, high=102.2)


def cog_degrees(values):
    """Course over ground in degrees, 360 (not available) and values outside [0, 360) as NaN."""
    return missing_to_nan(values, 360.0, low=0, high=359.99)


def heading_degrees(values):
    """True heading in degrees, 511 (not available) and values outside [0, 359] as NaN."""
    return missing_to_nan(values, 511, low=0, high=359)


def vessel_type_text(ship_type):
    """The AIS ship-type code (ITU-R M.1371-5, Table 53) as a word or two; None where not defined.

    The second digit of 20-29, 40-49, 70-79 and 80-89 (hazardous cargo category)
    is left out: every 8x is ``tanker``, as the cap tracker expects.

    >>> vessel_type_text([80, 84, 30, 70, 0, 1004]).tolist()
    ['tanker', 'tanker', 'fishing', 'cargo', None, None]
    """
    code = np.asarray(pd.to_numeric(pd.Series(np.asarray(ship_type, dtype=object)), errors="coerce")
                      .fillna(-1).astype(np.int64))
    words = np.full(100, None, dtype=object)
    words[20:30] = "wing in ground"
    words[[30, 31, 32, 33, 34, 35, 36, 37]] = ["fishing", "towing", "towing (large)", "dredging", "diving",
                                               "military", "sailing", "pleasure craft"]
    words[40:50] = "high-speed craft"
    words[[50, 51, 52, 53, 54, 55, 58, 59]] = ["pilot", "search and rescue", "tug", "port tender",
                                               "anti-pollution", "law enforcement", "medical transport",
                                               "noncombatant"]
    words[60:70] = "passenger"
    words[70:80] = "cargo"
    words[80:90] = "tanker"
    words[90:100] = "other"
    out = np.full(code.shape, None, dtype=object)
    ok = (code >= 0) & (code < 100)
    out[ok] = words[code[ok]]
    return out
