"""AIS message fields as broadcast: names' ``@`` padding, "not available" values, ship-type codes.

Everything here works on whole columns (numpy / pandas), since an AIS day holds
millions of rows. Identifiers (IMO numbers, MMSIs and their kinds, call
signs) are cleaned by :mod:`shipsight.model.identity`, as for every source.

>>> sog_knots([12.5, 102.3]).tolist()
[12.5, nan]
"""

import numpy as np
import pandas as pd


def clean_text(values, *, placeholders=("0",)):
    """Names (or other text) as broadcast, cleaned: stripped, AIS ``@`` padding and runs of
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
