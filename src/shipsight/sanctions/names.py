"""Vessel names in one comparable form.

Lists and analysts spell a ship's name in many ways: ``M/V Angara``,
``MV ANGARA``, ``Angara.``, ``ÅNGARA``. :func:`normalise_name` maps them all
to ``ANGARA`` so names can be joined exactly and compared fuzzily.

Example
-------
>>> normalise_name("M/V  Sea-Star III")
'SEA STAR III'
"""

import re
import unicodedata

import numpy as np
import pandas as pd

#: Leading tokens that name the kind of craft, not the craft: motor vessel,
#: motor tanker, steamship, fishing vessel, motor/sailing yacht, research
#: vessel, motor ship (German "MS"). Deliberately short: a word like TANKER or
#: IRIS (Iranian navy) may be part of a listed name and is never dropped.
VESSEL_PREFIXES = frozenset({"MV", "MT", "SS", "FV", "MY", "SY", "RV", "MS"})

# Letters that NFKD leaves whole because they are not "letter + accent".
_FOLD = str.maketrans({
    "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
    "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Þ": "TH", "þ": "th", "ı": "i",
    "Ð": "D", "ð": "d", "Ħ": "H", "ħ": "h",
})
# "M.V." / "M/V" / "M. V" at the very start become one token "MV" before the
# punctuation goes, so they are recognised as prefixes; elsewhere a slash or
# dot is just a separator.
_DOTTED_PREFIX = re.compile(r"^\s*([A-Z])\s*[./]\s*([A-Z])\b\.?")
_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[\W_]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_ROMAN = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8,
    "IX": 9, "X": 10, "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15,
    "XVI": 16, "XVII": 17, "XVIII": 18, "XIX": 19, "XX": 20,
}


def _fold(text):
    # NFKD then drop combining marks: accents go, compatibility forms
    # (ligatures, superscripts, full-width letters) become plain letters.
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _join_prefix(match):
    pair = match.group(1) + match.group(2)
    return pair + " " if pair in VESSEL_PREFIXES else match.group(0)


def normalise_name(name):
    """One vessel name in a comparable form.

    Folds accents (Unicode NFKD, combining marks dropped), upper-cases, drops
    apostrophes, turns other punctuation into spaces, separates letters from
    digits (``YU8683`` -> ``YU 8683``), collapses spaces and removes leading
    craft prefixes listed in :data:`VESSEL_PREFIXES` (``M/V``, ``MT``, ``SS``...)
    as long as a name remains. Non-Latin scripts are kept, upper-cased, not
    transliterated. The result is idempotent.

    Parameters
    ----------
    name : str or None

    Returns
    -------
    str
        The normalised name; ``""`` for a blank or missing name.

    Examples
    --------
    >>> normalise_name("m.v. Ångara")
    'ANGARA'
    >>> normalise_name("FU YUAN YU8683")
    'FU YUAN YU 8683'
    >>> normalise_name("MT")  # a lone prefix is the name itself
    'MT'
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return ""
    text = _fold(_fold(str(name)).upper())
    text = _DOTTED_PREFIX.sub(_join_prefix, text)
    text = _APOSTROPHES.sub("", text)
    text = _NOT_WORD.sub(" ", text)
    text = _LETTER_DIGIT.sub(" ", text)
    tokens = text.split()
    start = 0
    while start < len(tokens) - 1 and tokens[start] in VESSEL_PREFIXES:
        start += 1
    return " ".join(tokens[start:])


def normalise_names(names):
    """:func:`normalise_name` over a Series or array, computed once per distinct name.

    Parameters
    ----------
    names : pandas.Series or array-like

    Returns
    -------
    pandas.Series
        Object dtype, same index as ``names`` (a new RangeIndex for arrays);
        ``""`` where the name is missing.

    Examples
    --------
    >>> normalise_names(pd.Series(["MV Angara", None, "angara"])).tolist()
    ['ANGARA', '', 'ANGARA']
    """
    series = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # Millions of sightings carry a few thousand distinct names: normalise
    # the distinct ones and broadcast back through the factor codes.
    table = np.array([normalise_name(u) for u in uniques] + [""], dtype=object)
    return pd.Series(table[codes], index=series.index, dtype=object)


def number_signature(normalised):
    """The numbers in a normalised name, as a canonical string.

    Arabic numerals and Roman numerals I..XX both count (``III`` -> ``3``),
    sorted. Sister ships and fishing fleets differ only in their numbers
    (``ARK II``/``ARK III``, ``FU YUAN YU 8682``/``8683``), so fuzzy name
    matches are only accepted between names with the same signature.

    >>> number_signature("SEA STAR III"), number_signature("FU YUAN YU 8683 2")
    ('3', '2 8683')
    """
    numbers = []
    for token in str(normalised).split():
        if token.isdecimal():
            numbers.append(int(token))
        elif token in _ROMAN:
            numbers.append(_ROMAN[token])
    return " ".join(str(n) for n in sorted(numbers))
