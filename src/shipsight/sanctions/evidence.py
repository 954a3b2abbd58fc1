"""The words and level of an identity match, as flags and ``sanctions search`` both say them.

One match (a row of :func:`~shipsight.sanctions.match.match_identities`) is
said in two parts around the listed vessel: a lead (``matches``, ``matches
former name CARNATION of``, ``nearly matches``) and a parenthesis with how it
matched, the score and what weakens it. A flag's explanation and a search
hit are built from the same two parts, so the same query against the same
entry reads the same way, and the level (:func:`~shipsight.sanctions.match.match_level`)
never reads stronger than the words: every kind of evidence called weak
here scores below :data:`~shipsight.sanctions.match.HIGH_SCORE`.

Example
-------
>>> row = {"matched_on": "fuzzy-name", "matched_kind": "name", "matched_value": "NAM SAN NO.8",
...        "score": 82.0, "identity_name": "NAM SAN 8"}
>>> lead, detail = match_phrase(row)
>>> lead + "NAM SAN NO.8 (IMO 8122347) " + detail
"nearly matches NAM SAN NO.8 (IMO 8122347) (fuzzy: name 'NAM SAN 8' is close to listed name 'NAM SAN NO.8', 82; weak evidence: a near spelling, not a listed name)"
"""

import pandas as pd

#: How each identifier is written in a sentence.
ID_LABEL = {"imo": "IMO", "mmsi": "MMSI", "call-sign": "call sign"}
#: How each kind of listed name is written in a sentence.
NAME_LABEL = {"name": "name", "alias": "alias", "former-name": "former name"}
#: Why a kind of evidence is weak, as the sentence says it.
WEAK = {"former-name": "a former name may now be carried by another ship",
        "fuzzy-name": "a near spelling, not a listed name",
        "call-sign": "call signs are reissued with the flag"}


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def match_phrase(row, *, held=""):
    """The lead and the parenthesis that say how one identity matched a listed vessel.

    Parameters
    ----------
    row : mapping
        ``matched_on``, ``matched_kind``, ``matched_value``, ``score`` and
        optionally ``match_conflict`` (a sentence or None), ``identity_name``
        (the name as the sighting or query gave it), ``sighting_form`` and
        ``listed_form`` (the normalised forms compared) and ``listed_name``
        (the entry's current name).
    held : str, keyword-only
        Words on the list version that held the value (``", listed in version 1
        ... and no longer in the latest"``), said after it.

    Returns
    -------
    (str, str)
        ``lead`` to put before the listed vessel (ends in a space) and
        ``detail``, a parenthesis: ``(kind, score; weak evidence: ...; against
        it: ...)``.

    Examples
    --------
    >>> match_phrase({"matched_on": "imo", "matched_kind": "imo", "matched_value": "9179842", "score": 100.0})
    ('matches ', '(IMO 9179842, 100)')
    >>> match_phrase({"matched_on": "former-name", "matched_kind": "former-name", "matched_value": "CARNATION",
    ...               "score": 85.0, "identity_name": "Carnation"})[0]
    'matches former name CARNATION of '
    """
    on = row.get("matched_on")
    value = row.get("matched_value")
    kind = row.get("matched_kind") or on
    score = "" if pd.isna(row.get("score")) else f", {row['score']:.0f}"
    mine = _text(row.get("identity_name")) or _text(row.get("sighting_form"))
    weak = [f"weak evidence: {WEAK[on]}"] if on in WEAK else []
    if _text(row.get("match_conflict")):
        weak.append(f"against it: {row['match_conflict'].strip()}")
    if on in ID_LABEL:
        lead, how = "matches ", f"{ID_LABEL[on]} {value}{held}"
    elif on == "fuzzy-name":
        lead = "nearly matches "
        how = f"fuzzy: name '{mine}' is close to listed {NAME_LABEL.get(kind, 'name')} '{value}'{held}"
    elif on in NAME_LABEL:
        # The entry's current name is the vessel the sentence names next: say it once.
        current = on == "name" and row.get("listed_name") in (None, value)
        lead = "matches " if current else f"matches {NAME_LABEL[on]} {value} of "
        how = NAME_LABEL[on]
        if mine and mine.upper() != str(value).strip().upper():
            how += f" written another way: '{mine}' = '{value}'"
        how += held
    else:
        lead, how = "matches ", str(on)
    return lead, "(" + how + score + "".join("; " + w for w in weak) + ")"
