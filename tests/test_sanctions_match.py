"""Name normalisation and identity matching of sightings against sanctions lists."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from shipsight.errors import InputError
from shipsight.sanctions import (
    SCORES,
    match_identities,
    name_keys,
    normalise_name,
    normalise_names,
    number_signature,
    read_list,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OFAC_REAL = SHARED / "sanctions" / "ofac_sdn_2024-05-03.csv"
RESULT = ["identity", "entry", "matched_on", "score", "matched_value", "matched_kind", "identity_form",
          "listed_form", "ratio", "conflict"]


# ---------------------------------------------------------------- normalise_name

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("M/V Angara", "ANGARA"),
        ("MV ANGARA", "ANGARA"),
        ("m.v. angara", "ANGARA"),
        ("M.V.ANGARA", "ANGARA"),
        ("M/T  Sea-Star  III.", "SEA STAR 3"),
        ("NAM SAN NO.8", "NAM SAN 8"),
        ("NAM SAN Nº 8", "NAM SAN 8"),
        ("NAM SAN N°8", "NAM SAN 8"),
        ("YU JONG NO. 2", "YU JONG 2"),
        ("KUM UN SAN No 3", "KUM UN SAN 3"),
        ("SPARTA IV", "SPARTA 4"),
        ("SРARTA IV", "SPARTA 4"),  # a Cyrillic Р among Latin letters (a confusable)
        ("АNGARA", "ANGARA"),  # a Cyrillic А first
        ("ЧОН МА САН", "CHON MA SAN"),
        ("천마산", "CHEON MA SAN"),
        ("ＡＮＧＡＲＡ", "ANGARA"),  # full-width letters
        ("MT Ark", "ARK"),
        ("S.S. Great Britain", "GREAT BRITAIN"),
        ("F/V Fu Yuan Yu 8683", "FU YUAN YU 8683"),
        ("FU YUAN YU8683", "FU YUAN YU 8683"),
        ("Ångara", "ANGARA"),
        ("Østerøy", "OSTEROY"),
        ("SEÑORA DEL MAR", "SENORA DEL MAR"),
        ("King's Pride", "KINGS PRIDE"),
        ("Ангара", "ANGARA"),  # Cyrillic transliterated
        ("TANKER ANGARA", "TANKER ANGARA"),  # not a craft prefix
        ("IRIS MAKRAN", "IRIS MAKRAN"),  # Iranian navy prefix is part of the listed name
        ("MT", "MT"),  # a lone prefix is the name
        ("MVANGARA", "MVANGARA"),
        ("S.V. Angara", "S V ANGARA"),  # S/V is not in the prefix list
        ("ANA I", "ANA 1"),
        ("I", "I"),  # a lone numeral-like word is a name
        ("", ""),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_normalise_name_is_idempotent(text):
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert once == once.strip() and "  " not in once


@given(st.lists(st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["MV Angara", "angara"])), max_size=30))
@settings(max_examples=100, deadline=None)
def test_normalise_names_equals_scalar(values):
    series = pd.Series(values, dtype=object, index=np.arange(len(values)) * 7)
    out = normalise_names(series)
    assert out.index.equals(series.index)
    assert out.tolist() == [normalise_name(v) for v in values]


@pytest.mark.parametrize("variants", [
    ["NAM SAN 8", "NAM SAN NO.8", "NAM SAN Nº 8", "M/V NAM SAN NO 8", "nam san no. 8", "NAMSAN 8"],
    ["KUM UN SAN 3", "KUMUNSAN 3", "KUM UN SAN No 3", "KUM UN SAN III", "Kum-Un-San 3"],
    ["SPARTA IV", "SPARTA 4", "MV SPARTA IV", "SРARTA 4", "sparta no.4"],
    ["CHON MA SAN", "CHONMASAN", "Chon-Ma-San", "ЧОН МА САН", "M.V. CHON MA SAN"],
    ["ANGARA", "АНГАРА", "Ангара", "M/V Angara", "АNGARA", "ANGARA."],
])
def test_variants_share_one_key(variants):
    assert len(set(name_keys(normalise_names(variants)))) == 1


@given(st.from_regex(r"[A-Z]{2,8}( [A-Z]{2,8}){0,2}", fullmatch=True), st.integers(1, 20))
@settings(max_examples=200, deadline=None)
def test_written_forms_of_a_numbered_name_share_one_key(word, number):
    """A name and its numbered variants (NO./Nº/No, Roman, spacing, case, prefixes) map to one key."""
    from hypothesis import assume

    from shipsight.sanctions.names import ROMAN, VESSEL_PREFIXES

    # A craft prefix or NO/NR as the whole leading name is not a name this property is about.
    assume(not set(word.split()) & {*VESSEL_PREFIXES, "NO", "NR"} and word.split()[-1] not in ROMAN)
    roman = {v: k for k, v in ROMAN.items()}[number]
    forms = [f"{word} {number}", f"{word} NO.{number}", f"{word} Nº {number}", f"{word} No {number}",
             f"{word} {roman}", f"M/V {word} {number}", f"{word.lower()} no. {number}", f"{word.replace(' ', '')} {number}"]
    assert len(set(name_keys(normalise_names(forms)))) == 1
    assert number_signature(normalise_name(forms[0])) == str(number)


def test_number_signature():
    assert number_signature("ARK 2") != number_signature("ARK 3")
    assert number_signature(normalise_name("SEA STAR 3")) == number_signature(normalise_name("SEA STAR III")) == "3"
    assert number_signature("FU YUAN YU 8683") != number_signature("FU YUAN YU 8682")
    assert number_signature("ANGARA") == ""


# ---------------------------------------------------------------- match_identities

def _entries():
    return pd.DataFrame(
        {
            "name": ["ANGARA", "SASCO ANGARA", "ARK III", "SEA STAR III", "NO IMO SHIP", "TWIN A", "TWIN B",
                     "CHON MA SAN"],
            "imos": [["9179842", "9417127"], ["9242986"], ["9187655"], ["9569205"], [], ["9187629"], ["9187629"],
                     ["8660313"]],
            "mmsis": [[], ["273123456"], [], [], ["572469210"], [], [], ["445111000", "457222000"]],
            "call_signs": [[], [], [], [], [], [], [], ["HMXX1"]],
            "aliases": [[], [], [], ["SEASTAR III"], [], [], [], []],
            "former_names": [[], [], ["ABADEH", "CRYSTAL"], ["CARNATION"], [], [], [], []],
        },
        index=pd.Index(["37059", "44245", "15037", "15076", "90001", "T-A", "T-B", "KP-1"], name="entry_id"),
    )


def _match(rows, **kw):
    identities = pd.DataFrame(rows, columns=["sid", "name", "imo", "mmsi"]).set_index("sid")
    return match_identities(identities, _entries(), **kw)


def _pairs(out):
    return sorted(zip(out["identity"], out["entry"], out["matched_on"]))


def test_every_kind_of_evidence_and_what_it_hit():
    out = _match([
        (1, None, "IMO 9179842", None),          # IMO
        (2, None, "9417127", None),              # the entry's second IMO
        (3, None, None, "457222000"),            # the entry's second MMSI
        (4, "m/v Angara", None, None),           # exact normalised primary name
        (5, "Seastar III", None, None),          # alias, written as listed
        (6, "Crystal", None, None),              # former name
        (7, "SEA STARR III", None, None),        # near spelling
        (8, "NOBODY", "9999993", "111111111"),   # nothing (a bad check digit, a non-ship MMSI)
    ])
    assert list(out.columns) == RESULT
    assert _pairs(out) == [(1, "37059", "imo"), (2, "37059", "imo"), (3, "KP-1", "mmsi"), (4, "37059", "name"),
                           (5, "15076", "alias"), (6, "15037", "former-name"), (7, "15076", "fuzzy-name")]
    by = out.set_index("identity")
    assert by.loc[1, "score"] == SCORES["imo"] == 100 and by.loc[2, "matched_value"] == "9417127"
    assert (by.loc[3, "score"], by.loc[3, "matched_value"]) == (95, "457222000")
    assert (by.loc[5, "matched_value"], by.loc[5, "listed_form"]) == ("SEASTAR III", "SEASTAR 3")
    assert (by.loc[6, "score"], by.loc[6, "matched_kind"], by.loc[6, "matched_value"]) == (85, "former-name", "CRYSTAL")
    assert by.loc[7, "matched_kind"] == "name" and by.loc[7, "matched_value"] == "SEA STAR III"
    assert (by.loc[7, "identity_form"], by.loc[7, "listed_form"]) == ("SEA STARR 3", "SEA STAR 3")
    assert by.loc[7, "score"] == pytest.approx(0.9 * fuzz.ratio("SEASTARR3", "SEASTAR3"), abs=0.05)
    assert by["conflict"].isna().all()


def test_call_sign_match():
    identities = pd.DataFrame({"call_sign": ["hmxx-1", "ZZZZ9"]}, index=["a", "b"])
    out = match_identities(identities, _entries())
    assert _pairs(out) == [("a", "KP-1", "call-sign")] and out["score"].tolist() == [SCORES["call-sign"]]


def test_sasco_angara_is_not_angara():
    # The trap: a subset scorer equates them; whole-string ratio does not.
    assert fuzz.WRatio("SASCO ANGARA", "ANGARA") >= 90
    assert fuzz.token_set_ratio("SASCO ANGARA", "ANGARA") == 100
    out = _match([(1, "Sasco Angara", None, None), (2, "ANGARA", None, None)], fuzzy_threshold=60)
    assert _pairs(out) == [(1, "44245", "name"), (2, "37059", "name")]


def test_conflicting_identifier_lowers_never_vetoes():
    out = _match([
        (1, "ANGARA", "9242986", None),           # the name of 37059 but the IMO of 44245
        (2, "ANGARA", "9087037", None),           # unlisted IMO: the name hit stands, lowered
        (3, "ANGARA", "9179842", None),           # agreeing IMO
        (4, "ANGARA", "9417127", None),           # the entry's other IMO: no conflict
        (5, None, "9179842", "273123456"),        # MMSI of 44245 but IMO of 37059
        (6, "NO IMO SHIP", "9179842", None),      # entry has no IMO: no conflict possible
    ], keep="all")
    by = {(i, e): (on, sc, c) for i, e, on, sc, c in zip(out["identity"], out["entry"], out["matched_on"],
                                                          out["score"], out["conflict"])}
    assert by[(1, "44245")][:2] == ("imo", 100) and by[(1, "37059")] == (
        "name", 90 - 35, "IMO 9242986 is not the listed 9179842/9417127")
    assert by[(2, "37059")][:2] == ("name", 55)
    assert by[(3, "37059")] == ("imo", 100, None) and by[(4, "37059")] == ("imo", 100, None)
    # the MMSI hit of 44245 is kept, lowered by its IMO conflict; the IMO hit of 37059 is lowered by the MMSI's
    assert by[(5, "44245")] == ("mmsi", 60, "IMO 9179842 is not the listed 9242986")
    assert by[(5, "37059")][:2] == ("imo", 100)  # 37059 lists no MMSI: no conflict
    assert by[(6, "90001")] == ("name", 90, None) and by[(6, "37059")][:2] == ("imo", 100)
    best = _match([(1, "ANGARA", "9242986", None), (2, "ANGARA", "9087037", None)])
    assert _pairs(best) == [(1, "44245", "imo"), (2, "37059", "name")]


def test_best_keeps_strongest_and_ties():
    out = _match([
        (1, "SASCO ANGARA", "9179842", None),     # IMO of 37059 beats the lowered name of 44245
        (2, "SEA STAR III", None, "273123456"),   # MMSI (95) of 44245 beats name (90) of 15076
        (3, None, "9187629", None),               # two entries share the IMO: both kept
    ])
    assert _pairs(out) == [(1, "37059", "imo"), (2, "44245", "mmsi"), (3, "T-A", "imo"), (3, "T-B", "imo")]
    every = _match([(2, "SEA STAR III", None, "273123456")], keep="all")
    assert _pairs(every) == [(2, "15076", "name"), (2, "44245", "mmsi")]
    assert every["score"].tolist() == [95, 90]  # sorted by score within an identity


def test_fuzzy_names_scaled_and_numbered():
    out = _match([
        (1, "ANGRA", None, None),                 # one letter dropped
        (2, "ARK II", None, None),                # sister ship: numbers differ
        (3, "ABADEEH", None, None),               # former name, fuzzy
        (4, "SEA STAR II", None, None),
    ])
    assert _pairs(out) == [(1, "37059", "fuzzy-name"), (3, "15037", "fuzzy-name")]
    by = out.set_index("identity")
    assert by.loc[1, "score"] == pytest.approx(0.9 * fuzz.ratio("ANGRA", "ANGARA"), abs=0.05)
    assert by.loc[3, "matched_kind"] == "former-name" and by.loc[3, "score"] < SCORES["former-name"]
    assert fuzz.ratio("ARK 2", "ARK 3") >= 70  # close by letters, stopped by the numbers
    assert _pairs(_match([(1, "ANGRA", None, None)], fuzzy_threshold=None)) == []
    assert _pairs(_match([(1, "ANGRA", None, None)], fuzzy_threshold=95)) == []


@given(st.from_regex(r"[A-Z]{4,12}", fullmatch=True), st.integers(0, 100), st.sampled_from("ABCDEFGHXYZ"),
       st.sampled_from(["delete", "insert", "replace", "swap"]))
@settings(max_examples=200, deadline=None)
def test_fuzzy_search_finds_every_name_one_typing_error_away(name, where, letter, how):
    """The deletion-variant candidate search misses no pair a single edit apart (SymSpell's guarantee)."""
    i = where % len(name)
    typo = {"delete": name[:i] + name[i + 1:], "insert": name[:i] + letter + name[i:],
            "replace": name[:i] + letter + name[i + 1:],
            "swap": name[:i] + name[i + 1:i + 2] + name[i] + name[i + 2:]}[how]
    entries = pd.DataFrame({"name": [name]}, index=["E"])
    out = match_identities(pd.DataFrame({"name": [typo]}), entries, fuzzy_threshold=1)
    if typo != name and normalise_name(typo):
        assert out["entry"].tolist() == ["E"]
        assert out["ratio"].iat[0] == pytest.approx(fuzz.ratio(typo, name), abs=0.06)


def test_identifier_forms_and_placeholders():
    identities = pd.DataFrame({"imo": [9179842, 9179842.0, np.nan, "0000000", "imo:9179842", "1", 0],
                               "mmsi": [None, None, 273123456, "000000000", None, "123456789", None]},
                              index=list("abcdefg"))
    out = match_identities(identities, _entries())
    assert _pairs(out) == [("a", "37059", "imo"), ("b", "37059", "imo"),
                           ("c", "44245", "mmsi"), ("e", "37059", "imo")]
    # A listed placeholder is never matched either.
    entries = pd.DataFrame({"name": ["KOTI"], "imos": [["0000000"]]}, index=["K"])
    assert match_identities(pd.DataFrame({"imo": ["0000000"]}), entries).empty


def test_bad_input_raises_input_error():
    with pytest.raises(InputError, match=r"sighting x, field imo: IMO '12345' is not seven digits"):
        match_identities(pd.DataFrame({"imo": ["9179842", "12345"]}, index=["w", "x"]), _entries())
    with pytest.raises(InputError, match="MMSI"):
        match_identities(pd.DataFrame({"mmsi": ["2731"]}), _entries())
    assert match_identities(pd.DataFrame({"mmsi": ["2731"]}), _entries(), lenient=True).empty
    with pytest.raises(InputError, match="none of the columns"):
        match_identities(pd.DataFrame({"ship": ["A"]}), _entries())
    with pytest.raises(InputError, match="duplicate index"):
        match_identities(pd.DataFrame({"name": ["A"]}), _entries().set_index(pd.Index(["dup"] * 8)))
    as_json = _entries().assign(aliases='["X"]')
    with pytest.raises(InputError, match="entry 37059: aliases is not a list"):
        match_identities(pd.DataFrame({"name": ["A"]}), as_json)
    with pytest.raises(InputError, match="lack column"):
        match_identities(pd.DataFrame({"name": ["A"]}), _entries().drop(columns="name"))
    for bad in (0, 150, "high"):
        with pytest.raises(InputError, match="fuzzy threshold"):
            match_identities(pd.DataFrame({"name": ["A"]}), _entries(), fuzzy_threshold=bad)
    with pytest.raises(InputError, match="keep="):
        match_identities(pd.DataFrame({"name": ["A"]}), _entries(), keep="first")


def test_empty_and_unmatched_give_typed_empty_frame():
    for identities in (pd.DataFrame({"name": [], "imo": [], "mmsi": []}),
                       pd.DataFrame({"name": [None, ""], "imo": [None, None]})):
        out = match_identities(identities, _entries())
        assert list(out.columns) == RESULT and len(out) == 0


def test_pandas_string_and_categorical_columns():
    for dtype in ("str", "category"):
        identities = pd.DataFrame({"name": pd.Series(["MV Angara", None, "Crystal"], dtype=dtype),
                                   "imo": pd.Series([None, "9242986", None], dtype=dtype)})
        out = match_identities(identities, _entries())
        assert _pairs(out) == [(0, "37059", "name"), (1, "44245", "imo"), (2, "15037", "former-name")]


def test_read_list_frame_matches_directly():
    # A read_list frame on its RangeIndex works too; entry is then the row position.
    entries = read_list(Path(__file__).resolve().parent / "data" / "sanctions_plain.csv")
    out = match_identities(pd.DataFrame({"name": ["Halit Bey"], "imo": [None]}), entries)
    assert out["entry"].tolist() == [0] and out["matched_on"].tolist() == ["former-name"]


# ---------------------------------------------------------------- against the real list

def test_real_ofac_angara_family():
    if not OFAC_REAL.exists():
        pytest.skip(f"real OFAC list not found at {OFAC_REAL}; shared data absent")
    # entry numbers and IMOs from shared/data/sanctions/ofac_sdn_2024-05-03.csv
    entries = read_list(OFAC_REAL).set_index("entry_id")
    identities = pd.DataFrame({
        "name": ["M/V Sasco Angara", "Angara", "ANGARA", "Ark", "Crystal", "АНГАРА"],
        "imo": [None, None, "9242986", None, None, None],
    }, index=[101, 102, 103, 104, 105, 106])
    out = match_identities(identities, entries)
    assert _pairs(out) == [(101, "44245", "name"), (102, "37059", "name"), (103, "44245", "imo"),
                           (104, "15037", "former-name"), (105, "15037", "former-name"), (106, "37059", "name")]


def test_many_identities_few_names():
    # 300,000 identities over ~3,000 distinct names against 1,000 entries: exact hits are exactly
    # the identities carrying a listed name (speed is measured in benchmarks/bench_screening.py).
    rng = np.random.default_rng(7)
    syllables = np.array(["KA", "RO", "MI", "SAN", "TO", "NA", "LU", "VE", "ZI", "PO", "GANG", "HO"])
    words = np.array(["".join(rng.choice(syllables, 3)) for _ in range(4000)], dtype=object)
    entry_names = np.unique(words)[:1000]
    entries = pd.DataFrame({"name": entry_names}, index=[f"E{i}" for i in range(len(entry_names))])
    pool = np.concatenate([words[:2500], [w + " 2" for w in words[2500:3000]]])
    n = 300_000
    identities = pd.DataFrame({"name": pool[rng.integers(0, len(pool), n)]})
    out = match_identities(identities, entries)
    exact = identities["name"].isin(set(entry_names))
    assert set(out.loc[out["score"] == 90, "identity"]) == set(identities.index[exact])


# ---------------------------------------------------------------- match_query (sanctions search)

def _one_value_identity(column, value):
    return pd.DataFrame({c: [value if c == column else None] for c in ("name", "imo", "mmsi", "call_sign")},
                        index=["s"])


@pytest.mark.parametrize("column, value", [
    ("imo", "9179842"), ("imo", "9417127"), ("mmsi", "457222000"), ("mmsi", "445111000"), ("call_sign", "HMXX1"),
    ("name", "CHONMASAN"), ("name", "Seastar III"), ("name", "Crystal"), ("name", "SEA STARR III"),
    ("name", "m/v Angara"), ("name", "ARK 3"),
])
def test_search_scores_as_the_flag_rule_does(column, value):
    """A typed query scores, per entry, what an identity holding that one value scores (entries with call signs too)."""
    from shipsight.sanctions.match import match_level, match_query

    entries = _entries()
    searched = match_query(value, entries).set_index("entry")
    flagged = match_identities(_one_value_identity(column, value), entries, keep="all")
    assert len(flagged)
    for row in flagged.itertuples():
        hit = searched.loc[row.entry]
        assert (hit["score"], hit["matched_on"], hit["matched_value"]) == (row.score, row.matched_on,
                                                                         row.matched_value)
        assert hit["level"] == match_level([row.score])[0]
        assert hit["conflict"] is None


def test_search_finds_nothing_by_placeholder_and_reads_each_way():
    from shipsight.sanctions.match import match_query

    assert match_query("0000000", _entries()).empty and match_query("000000000", _entries()).empty
    # a looser fuzzy search than the flag rule's, scored the same way
    hit = match_query("SEA STAR 2", _entries())
    assert hit.empty  # another number is another ship
    hit = match_query("SEE STARR III", _entries()).iloc[0]
    assert (hit["entry"], hit["matched_on"], hit["level"]) == ("15076", "fuzzy-name", "medium")
    assert hit["score"] == pytest.approx(0.9 * fuzz.ratio("SEESTARR3", "SEASTAR3"), abs=0.1)


def test_levels_follow_the_scores():
    from shipsight.sanctions.match import HIGH_SCORE, MIN_FLAG_SCORE, PENALTIES, match_level

    assert match_level([100, 95, 90, 89.9, 85, 80, 60, 59.9]).tolist() == ["high"] * 3 + ["medium"] * 4 + ["low"]
    # every weak kind scores below "high"; an exact name with a conflicting call sign drops to medium
    assert all(SCORES[k] < HIGH_SCORE for k in ("former-name", "call-sign"))
    assert SCORES["name"] - PENALTIES["call-sign"] < HIGH_SCORE
    assert SCORES["name"] - PENALTIES["imo"] < MIN_FLAG_SCORE <= SCORES["mmsi"] - PENALTIES["imo"]


@pytest.mark.parametrize("row, lead, detail", [
    ({"matched_on": "imo", "matched_value": "9179842", "score": 100.0}, "matches ", "(IMO 9179842, 100)"),
    ({"matched_on": "mmsi", "matched_value": "273123456", "score": 95.0}, "matches ", "(MMSI 273123456, 95)"),
    ({"matched_on": "call-sign", "matched_value": "HMXX1", "score": 80.0}, "matches ",
     "(call sign HMXX1, 80; weak evidence: call signs are reissued with the flag)"),
    ({"matched_on": "name", "matched_value": "ANGARA", "score": 90.0, "identity_name": "ANGARA",
      "listed_name": "ANGARA"}, "matches ", "(name, 90)"),
    ({"matched_on": "name", "matched_value": "SPARTA IV", "score": 90.0, "identity_name": "SPARTA 4",
      "listed_name": "SPARTA IV"}, "matches ", "(name written another way: 'SPARTA 4' = 'SPARTA IV', 90)"),
    ({"matched_on": "alias", "matched_value": "SEASTAR III", "score": 90.0, "identity_name": "SEASTAR III",
      "listed_name": "SEA STAR III"}, "matches alias SEASTAR III of ", "(alias, 90)"),
    ({"matched_on": "former-name", "matched_value": "CARNATION", "score": 85.0, "identity_name": "Carnation",
      "listed_name": "SEA STAR III"}, "matches former name CARNATION of ",
     "(former name, 85; weak evidence: a former name may now be carried by another ship)"),
    ({"matched_on": "fuzzy-name", "matched_kind": "name", "matched_value": "NAM SAN NO.8", "score": 82.0,
      "identity_name": "NAM SAN 8", "listed_name": "NAM SAN NO.8"}, "nearly matches ",
     "(fuzzy: name 'NAM SAN 8' is close to listed name 'NAM SAN NO.8', 82; weak evidence: a near spelling, "
     "not a listed name)"),
    ({"matched_on": "fuzzy-name", "matched_kind": "former-name", "matched_value": "CARNATION", "score": 76.5,
      "identity_name": None, "sighting_form": "CARNATON", "listed_name": "SEA STAR III"}, "nearly matches ",
     "(fuzzy: name 'CARNATON' is close to listed former name 'CARNATION', 76; weak evidence: a near spelling, "
     "not a listed name)"),
    ({"matched_on": "name", "matched_value": "ANGARA", "score": 55.0, "identity_name": "ANGARA",
      "listed_name": "ANGARA", "match_conflict": "IMO 9242986 is not the listed 9179842"}, "matches ",
     "(name, 55; against it: IMO 9242986 is not the listed 9179842)"),
])
def test_every_kind_of_match_reads_naturally(row, lead, detail):
    from shipsight.sanctions.evidence import match_phrase

    assert match_phrase(row) == (lead, detail)
    # the listed value is never said twice ("name X of X")
    said = lead + row["listed_name"] if "listed_name" in row else lead
    assert f"{row['matched_value']} of {row['matched_value']}" not in said


def test_older_version_is_said_after_the_value():
    from shipsight.sanctions.evidence import match_phrase

    held = ", listed in version 1 of 2024-01-05 and no longer in the latest"
    assert match_phrase({"matched_on": "mmsi", "matched_value": "445111000", "score": 95.0}, held=held) == (
        "matches ", "(MMSI 445111000, listed in version 1 of 2024-01-05 and no longer in the latest, 95)")
