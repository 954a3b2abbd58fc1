"""AIS identity hygiene: MMSI kinds and MIDs, IMO cleaning as AIS needs it, names, missing kinematics.

Identifiers are cleaned by shipsight.model.identity for every source; these
tests hold the AIS rules to it (IMO 0 is "not available", placeholders and bad
check digits are unknown and counted, placeholder MMSIs are no ship).
"""

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipsight.ais.fields import clean_text, cog_degrees, heading_degrees, sog_knots, vessel_type_text
from shipsight.model.identity import (MMSI_KINDS, clean_call_signs, clean_imos, clean_mmsis, mmsi_kind,
                                      mmsi_kind_codes, mmsi_text)
from shipsight.model.mid import mid_allocated, mid_country, mid_flag, mid_table
from tests.conftest import shared


def test_mid_table_matches_the_reference_copy():
    # ../shared/data/reference/mmsi_mid.csv: the ITU table as published (MID, Allocated_to).
    path = shared("reference/mmsi_mid.csv")
    with open(path, encoding="utf-8") as f:
        reference = {}
        for row in csv.DictReader(f):
            reference.setdefault(int(row["MID"]), []).append(row["Allocated_to"])
    ours = {mid: (flag, name) for mid, flag, name in mid_table()}
    assert set(ours) == set(reference)
    # Each name shares the start of its first word with the reference's (Korea, Panama, Argentin...).
    wrong = {mid: (name, reference[mid]) for mid, (flag, name) in ours.items()
             if not any(name.split()[0][:5].lower() in text.lower() for text in reference[mid])}
    assert wrong == {}


def test_mid_lookups():
    assert mid_country([445, 273, 701]).tolist() == ["Korea (Democratic People's Republic of)",
                                                     "Russian Federation", "Argentina"]
    assert mid_flag([306, 477, 999]).tolist() == ["BQ/CW/SX", "HK", None]
    assert mid_allocated([201, 200, -5, 1000]).tolist() == [True, False, False, False]


@pytest.mark.parametrize("mmsi, kind, mid", [
    (273456780, "ship", 273), (445123456, "ship", 445), (35712345, "group", 357), (3669884, "base-station", 366),
    (111273100, "sar-aircraft", 273), (827312345, "handheld", 273), (982731234, "craft", 273),
    (992731234, "aton", 273), (970012345, "sart", 0), (972971214, "mob", 0), (974123456, "epirb", 0),
    # Placeholders and unallocated MIDs.
    (0, "invalid", 0), (123456789, "invalid", 0), (111111111, "invalid", 0), (999999999, "invalid", 0),
    (200000000, "invalid", 0), (1072211352, "invalid", 0), (-1, "invalid", 0), (12345678, "invalid", 0),
])
def test_mmsi_kinds(mmsi, kind, mid):
    codes, mids = mmsi_kind_codes([mmsi])
    assert MMSI_KINDS[codes[0]] == kind
    assert mids[0] == mid


@given(st.sampled_from([m for m, _, _ in mid_table()]), st.integers(0, 999_999))
def test_every_ship_mmsi_with_an_allocated_mid_is_a_ship(mid, serial):
    mmsi = mid * 1_000_000 + serial
    assert mmsi_kind([mmsi]).tolist() == ["ship"]
    assert mmsi_text([mmsi]).tolist() == [f"{mmsi:09d}"]


def _check_digit(six):
    return sum(int(d) * w for d, w in zip(six, range(7, 1, -1))) % 10


@given(st.integers(100_000, 999_999).filter(lambda six: six not in (123_456, 555_555, 111_111)))
def test_imo_clean_accepts_exactly_the_right_check_digit(six):
    text = str(six)
    good = text + str(_check_digit(text))
    if len(set(good)) == 1:
        return
    bad = text + str((_check_digit(text) + 1) % 10)
    out = clean_imos([good, "IMO" + good, bad, int(good)])
    assert out.values.tolist() == [good, good, bad, good]  # a list may print a bad one: AIS keeps only valid ones
    assert out.status.tolist() == ["valid", "valid", "bad-check-digit", "valid"]


def test_imo_placeholders_and_junk():
    # Values seen in the MarineCadastre day (IMO0000000, IMO0000001, nine-digit IMOs) and AIS (0, small numbers).
    out = clean_imos(["IMO0000000", "0000000", "IMO0000001", "1", 12, 0, None, "", "IMO929709600", "IMO 9179842",
                      "ABC1234", "91798421", "5555555", "1234567", "9179843"])
    assert out.status.tolist() == ["placeholder"] * 6 + ["blank", "blank", "malformed", "valid", "malformed",
                                                         "malformed", "placeholder", "placeholder", "bad-check-digit"]


def test_ais_statements_count_placeholder_and_invalid_imos():
    from collections import Counter

    import pandas as pd

    from shipsight.ais.identities import clean_statements

    raw = ["9179842", 0, "0", "IMO0000000", 1, 12, "9179843", "IMO929709600", None]
    st_ = pd.DataFrame({"mmsi": range(273000001, 273000001 + len(raw)), "name": "X", "imo": raw,
                        "call_sign": ["ubcf2@@", "N/A", "0", ".", None, "V7-AB2", "", "NONE", "X"],
                        "ship_type": 70, "length_m": 100.0})
    counts = Counter()
    out = clean_statements(st_, counts)
    # 0 is AIS's "not available": unknown, not counted; 0000000, 1 and 12 are placeholders; bad ones invalid
    assert out["imo"].tolist()[:8] == ["9179842", "", "", "", "", "", "", ""] and pd.isna(out["imo"].iat[8])
    assert (counts["imo_placeholder"], counts["imo_invalid"]) == (3, 2)
    signs = out["call_sign"].tolist()
    assert signs[:4] + signs[5:] == ["UBCF2", "", "", "", "V7AB2", "", "", "X"] and pd.isna(signs[4])


@pytest.mark.parametrize("mmsi", ["0", "000000000", "123456789", "111111111", "999999999", "2734567", "27345678X",
                                  "200123456", "992351234"])
def test_mmsi_placeholders_and_non_ships_are_no_ship(mmsi):
    assert clean_mmsis([mmsi]).values.tolist() == [None]


def test_mmsi_validity_is_the_kind_of_station():
    # A ship MMSI is exactly one whose kind is "ship": an allocated MID (217 and 776 are not).
    numbers = [273456780, 217000001, 776123456, 445111000, 3669884]
    assert [v is not None for v in clean_mmsis(numbers).values] == [k == "ship" for k in mmsi_kind(numbers)]
    assert clean_mmsis([3669884]).status.tolist() == ["not-ship"]  # the coast station 003669884


def test_names_and_call_signs():
    assert clean_text(["EVER DIADEM@@@@", "SY  LUNDE ", "@@@@", "", None, "0"]).tolist() == \
        ["EVER DIADEM", "SY LUNDE", None, None, None, None]
    assert clean_text(["N/A", ".", "VRME7"], placeholders=("N/A",)).tolist() == [None, None, "VRME7"]
    assert clean_call_signs(["N/A", ".", "VRME7", "0", "vrme7@@"]).tolist() == [None, None, "VRME7", None, "VRME7"]


def test_not_available_values_are_missing():
    assert np.isnan(heading_degrees([511, 360, -1])).all()
    assert heading_degrees([0, 359]).tolist() == [0, 359]
    assert np.isnan(sog_knots([102.3, 103, -0.1])).all()
    assert sog_knots([0, 102.2]).tolist() == [0, 102.2]
    assert np.isnan(cog_degrees([360, 360.0, 400])).all()
    assert cog_degrees([0, 359.9]).tolist() == [0, 359.9]


def test_vessel_types():
    assert vessel_type_text([80, 89, 70, 30, 52, 60, 0, 100, None]).tolist() == [
        "tanker", "tanker", "cargo", "fishing", "tug", "passenger", None, None, None]
