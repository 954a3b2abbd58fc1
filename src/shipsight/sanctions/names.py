"""Vessel names in one comparable form, as the field compares them.

Registers, AIS, lists and reports write one hull's name many ways: ``M/V
Angara``, ``ANGARA``, ``АНГАРА``; ``NAM SAN NO.8``, ``NAM SAN Nº 8``,
``NAM SAN 8``; ``SPARTA IV`` and ``SPARTA 4``; ``CHON MA SAN`` and
``CHONMASAN``. :func:`normalise_names` maps a name to its *normalised form*
(shown to analysts: ``NAM SAN 8``) and :func:`name_keys` that form to the
*key* names are joined and fuzzily compared on (``NAMSAN8``).

The rules follow Global Fishing Watch's vessel identity matching
(GlobalFishingWatch/identity-matching issue #1: drop "No."/"Nº", Roman
numerals to numbers, move leading numbers) and the register/AIS pairs of
dataforgoodfr/12_bloom issue #447 (``JEANMARIECHRISTIAN7`` vs ``F/V
J.M.CHRISTIAN 7``):

1. Script: a word mixing Latin with look-alike letters of another script
   (a Cyrillic ``А`` in ``АNGARA``) has those letters replaced by their Latin
   confusable (Unicode TR39 confusables, via ``confusable_homoglyphs``); any
   other non-ASCII text is transliterated to Latin (``anyascii``: Cyrillic
   ``АНГАРА`` -> ``ANGARA``, Hangul ``천마산`` -> ``CHEON MA SAN``, accents
   dropped).
2. Upper case; apostrophes dropped; other punctuation becomes a space;
   letters and digits apart (``YU8683`` -> ``YU 8683``).
3. Leading craft prefixes (:data:`VESSEL_PREFIXES`: ``M/V``, ``MT``, ``SS``...)
   dropped while a name remains.
4. ``NO``/``NR`` before a number dropped (``NO.8``, ``Nº 8``, ``No 8`` -> ``8``).
5. A Roman numeral I..XX ending a name of several words becomes a number
   (``SPARTA IV`` -> ``SPARTA 4``); elsewhere a lone ``V`` or ``I`` is a letter.
6. The key removes the spaces (``KUM UN SAN 3`` and ``KUMUNSAN 3`` ->
   ``KUMUNSAN3``) after moving a leading number to the end.

Everything after step 1 runs on whole arrays of distinct names (Arrow
compute regular expressions); step 1 only touches names with non-ASCII text.

Example
-------
>>> normalise_name("M/V  Sea-Star III"), normalise_name("NAM SAN Nº 8"), normalise_name("АНГАРА")
('SEA STAR 3', 'NAM SAN 8', 'ANGARA')
>>> name_keys(["KUM UN SAN 3", "KUMUNSAN 3"]).tolist()
['KUMUNSAN3', 'KUMUNSAN3']
"""

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

#: Leading tokens that name the kind of craft, not the craft: motor vessel,
#: motor tanker, steamship, fishing vessel, motor/sailing yacht, research
#: vessel, motor ship (German "MS"). Deliberately short: a word like TANKER or
#: IRIS (Iranian navy) may be part of a listed name and is never dropped.
VESSEL_PREFIXES = ("MV", "MT", "SS", "FV", "MY", "SY", "RV", "MS")

#: Roman numerals read as numbers when they end a name of several words.
ROMAN = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8,
    "IX": 9, "X": 10, "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15,
    "XVI": 16, "XVII": 17, "XVIII": 18, "XIX": 19, "XX": 20,
}

_DOTTED_PREFIX = "^ *(?:" + "|".join(f"{p[0]} *[./] *{p[1]}" for p in VESSEL_PREFIXES) + r")\b\.?"
_PREFIX_RUN = "^(?:(?:" + "|".join(VESSEL_PREFIXES) + ") )+"
_NUMBER_WORD = r"(^| )(?:(?:NO|NR) )+([0-9])"
_ROMAN_END = " (?:" + "|".join(ROMAN) + ")$"
_HANGUL = re.compile("[\uac00-\ud7a3]+")
_N_DEGREE = re.compile(r"([Nn]) *[°º]")


@lru_cache(maxsize=None)
def _char(ch):
    """(script, Latin look-alike or None) of one character (Unicode TR39 confusables)."""
    from confusable_homoglyphs import categories, confusables

    if not ch.isalpha():
        return "COMMON", None
    script = categories.alias(ch)
    if script == "LATIN":
        return script, None
    for item in confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"]) or []:
        for glyph in item["homoglyphs"]:
            if len(glyph["c"]) == 1 and glyph["n"].startswith("LATIN") and glyph["c"].isascii():
                return script, glyph["c"]
    return script, None


def _unconfuse(word):
    """A word mostly in Latin letters with look-alikes from another script, in Latin letters."""
    info = [_char(ch) for ch in word]
    letters = [script for script, _ in info if script != "COMMON"]
    latin = letters.count("LATIN")
    if latin == 0 or latin == len(letters) or latin * 2 < len(letters):
        return word  # one script, or mostly another script: transliterate it instead
    return "".join(look or ch for ch, (_, look) in zip(word, info))


def to_latin(text):
    """Non-ASCII text in Latin letters: confusables in mixed words, then transliteration.

    >>> to_latin("SРARTA"), to_latin("Ангара"), to_latin("천마산"), to_latin("Ñº 8")
    ('SPARTA', 'Angara', 'Cheon Ma San', 'No 8')
    """
    from anyascii import anyascii

    text = unicodedata.normalize("NFC", text)
    text = _N_DEGREE.sub(r"\1o", text)
    text = " ".join(_unconfuse(word) for word in text.split())
    # Hangul syllables one by one, so a name keeps its syllable breaks (천마산 -> Cheon Ma San).
    text = _HANGUL.sub(lambda m: " " + " ".join(anyascii(ch) for ch in m.group(0)) + " ", text)
    return anyascii(text).strip()


def _ascii_forms(texts):
    """Steps 2-5 of the module on an Arrow array of ASCII names."""
    import pyarrow.compute as pc

    def sub(arr, pattern, replacement):
        return pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)

    a = pc.ascii_upper(texts)
    a = sub(a, "[\t\r\n]", " ")
    stripped_prefix = sub(a, _DOTTED_PREFIX, " ")
    a = sub(stripped_prefix, "['`]", "")
    a = sub(a, "[^A-Z0-9]+", " ")
    a = sub(a, "([A-Z])([0-9])", r"\1 \2")
    a = sub(a, "([0-9])([A-Z])", r"\1 \2")
    a = pc.ascii_trim_whitespace(sub(a, " +", " "))
    a = sub(a, _PREFIX_RUN, "")
    a = sub(a, _NUMBER_WORD, r"\1\2")
    a = pc.ascii_trim_whitespace(a)
    # The few names ending in a Roman numeral are found in one pass and rewritten here.
    roman = pc.match_substring_regex(a, _ROMAN_END).to_numpy(zero_copy_only=False)
    if roman.any():
        out = np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)
        out[roman] = [f"{head} {ROMAN[tail]}" for head, tail in (t.rsplit(" ", 1) for t in out[roman])]
        return out
    return np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)


def _distinct(names):
    """(codes, distinct names as str) of a Series or array-like; missing names are ''."""
    series = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    texts = ["" if u is None or u is pd.NA or (isinstance(u, float) and np.isnan(u)) else str(u) for u in uniques]
    return series, codes, texts


def _normalise_distinct(texts):
    import pyarrow as pa

    latin = [t if t.isascii() else to_latin(t) for t in texts]
    forms = _ascii_forms(pa.array(latin, type=pa.string()))
    # A lone craft prefix ("MT", "M/V") is the name itself.
    empty = (forms == "") & np.array([bool(t.strip()) for t in latin], dtype=bool)
    if empty.any():
        fallback = _ascii_forms(pa.array([re.sub(r"[^A-Za-z0-9]+", "", t) for t in np.array(latin, dtype=object)[empty]]))
        forms[empty] = fallback
    return np.asarray(forms, dtype=object)


def normalise_names(names):
    """Normalised forms of a Series or array of names, computed once per distinct name.

    Parameters
    ----------
    names : pandas.Series or array-like of str or None

    Returns
    -------
    pandas.Series
        Object dtype, same index as ``names`` (a new RangeIndex for arrays);
        ``""`` where the name is missing or has no letters or digits.

    Examples
    --------
    >>> normalise_names(pd.Series(["MV Angara", None, "angara", "YU JONG NO. 2"])).tolist()
    ['ANGARA', '', 'ANGARA', 'YU JONG 2']
    """
    series, codes, texts = _distinct(names)
    table = np.append(_normalise_distinct(texts) if texts else np.array([], dtype=object), "")
    return pd.Series(table[codes], index=series.index, dtype=object)


def normalise_name(name):
    """One vessel name in its normalised form (see the module); ``""`` for a missing name.

    The result is idempotent: ``normalise_name(normalise_name(x)) == normalise_name(x)``.

    Examples
    --------
    >>> normalise_name("m.v. Ångara"), normalise_name("FU YUAN YU8683"), normalise_name("MT")
    ('ANGARA', 'FU YUAN YU 8683', 'MT')
    >>> normalise_name("SРARTA IV")  # a Cyrillic Р among Latin letters
    'SPARTA 4'
    """
    return normalise_names([name]).iat[0]


def name_keys(forms):
    """Join keys of normalised forms: a leading number moved to the end, spaces removed.

    Parameters
    ----------
    forms : array-like of str
        Outputs of :func:`normalise_names`.

    Returns
    -------
    numpy.ndarray of object

    >>> name_keys(["CHON MA SAN", "7 SEAS", "SEAS 7"]).tolist()
    ['CHONMASAN', 'SEAS7', 'SEAS7']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array([str(f) for f in forms], type=pa.string())
    arr = pc.replace_substring_regex(arr, pattern="^([0-9]+) (.*[A-Z].*)$", replacement=r"\2 \1")
    arr = pc.replace_substring(arr, pattern=" ", replacement="")
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def number_signature(normalised):
    """The numbers in a normalised name, as a canonical string (sorted).

    Sister ships and fishing fleets differ only in their numbers (``ARK 2``/
    ``ARK 3``, ``FU YUAN YU 8682``/``8683``, ``NAM SAN 6``/``NAM SAN 8``), so a
    fuzzy name match is only accepted between names with the same signature.

    >>> number_signature("SEA STAR 3"), number_signature("FU YUAN YU 8683 2"), number_signature("ANGARA")
    ('3', '2 8683', '')
    """
    numbers = [int(token) for token in str(normalised).split() if token.isdecimal()]
    return " ".join(str(n) for n in sorted(numbers))
