"""AIS identity hygiene: MMSI kinds and MIDs, IMO cleaning, names, missing kinematics."""

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipsight.ais.identity import (IMO_STATUS, MMSI_KINDS, clean_imo, clean_text, cog_degrees, heading_degrees,
                                    mmsi_kind, mmsi_kind_codes, mmsi_text, sog_knots, vessel_type_text)
from shipsight.ais.mid import mid_allocated, mid_country, mid_flag, mid_table
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
    imo, status = clean_imo([good, "IMO" + good, bad, int(good)])
    assert imo.tolist() == [good, good, None, good]
    assert [IMO_STATUS[s] for s in status] == ["valid", "valid", "invalid", "valid"]


def test_imo_placeholders_and_junk():
    # Values seen in the MarineCadastre day (IMO0000000, IMO0000001, nine-digit IMOs) and AIS (0).
    imo, status = clean_imo(["IMO0000000", "0000000", "IMO0000001", "1", 0, None, "", "IMO929709600", "IMO 9179842",
                             "ABC1234", "91798421", "5555555", "1234567"])
    assert imo.tolist() == [None] * 8 + ["9179842", None, None, None, None]
    assert [IMO_STATUS[s] for s in status] == ["placeholder", "placeholder", "placeholder", "placeholder", "missing",
                                               "missing", "missing", "invalid", "valid", "invalid", "invalid",
                                               "placeholder", "placeholder"]


def test_names_and_call_signs():
    assert clean_text(["EVER DIADEM@@@@", "SY  LUNDE ", "@@@@", "", None, "0"]).tolist() == \
        ["EVER DIADEM", "SY LUNDE", None, None, None, None]
    assert clean_text(["N/A", ".", "VRME7"], placeholders=("N/A",)).tolist() == [None, None, "VRME7"]


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
