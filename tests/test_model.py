"""Validation of identifiers, coordinates and times, including property tests."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from shipsight.errors import InputError
from shipsight.model import check_lonlat, imo_is_valid, parse_imo, parse_mmsi, parse_time, to_utc_series
from shipsight.model.sightings import validate_sightings


def with_check_digit(six):
    total = sum(int(d) * w for d, w in zip(six, range(7, 1, -1)))
    return six + str(total % 10)


@pytest.mark.parametrize("imo", ["9179842", "9161003", "9358010", "9743033", "9242986"])
def test_real_listed_imos_pass(imo):
    assert imo_is_valid(imo)
    assert parse_imo(f"IMO {imo}") == imo


@given(st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_imo_check_digit_property(six):
    def placeholder(imo):
        # 0000000 and 5555555 pass the check digit, as may numbers with a leading zero: all mean "unknown".
        return imo.startswith("0") or len(set(imo)) == 1 or imo == "1234567"

    good = with_check_digit(six)
    assert imo_is_valid(good)
    assert parse_imo(good) == (None if placeholder(good) else good)
    wrong = good[:6] + str((int(good[6]) + 1) % 10)
    assert not imo_is_valid(wrong)
    if placeholder(wrong):
        assert parse_imo(wrong) is None
    else:
        with pytest.raises(InputError, match="check digit"):
            parse_imo(wrong)


@given(st.lists(st.text(max_size=9), max_size=5))
def test_imo_check_is_exactly_seven_ascii_digits_with_their_check_digit(texts):
    want = [len(t) == 7 and t.isascii() and t.isdigit() and with_check_digit(t[:6]) == t for t in texts]
    assert imo_is_valid(texts).tolist() == want
    assert [imo_is_valid(t) for t in texts] == want


@given(st.text(max_size=12))
def test_imo_parser_never_crashes(text):
    try:
        out = parse_imo(text)
    except InputError:
        return
    assert out is None or (len(out) == 7 and imo_is_valid(out))


@given(st.integers(min_value=0, max_value=10**12))
def test_mmsi_is_nine_digits(n):
    text = str(n)
    placeholder = (len(set(text)) == 1 and len(text) <= 9) or text in ("123456789", "012345678", "987654321")
    if placeholder:
        assert parse_mmsi(text) is None
    elif len(text) == 9:
        assert parse_mmsi(text) == text  # a ship, or another station asked for by its MMSI
    else:
        with pytest.raises(InputError):
            parse_mmsi(text)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_coordinates_in_range_or_refused(lon, lat):
    ok = np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
    if ok:
        assert check_lonlat(lon, lat) == (lon, lat)
    else:
        with pytest.raises(InputError):
            check_lonlat(lon, lat)


def test_property_tests_have_no_deadline():
    # conftest's profile: a timed hypothesis example fails at random on a loaded machine (issue 11 user test).
    assert settings.default.deadline is None


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_time_round_trip_to_utc(naive, offset_min):
    zone = timezone(timedelta(minutes=offset_min))
    aware = naive.replace(tzinfo=zone)
    parsed = parse_time(aware.isoformat())
    assert parsed.tzinfo == timezone.utc
    assert parsed == aware
    # The vectorised parser agrees with the scalar one.
    series, bad = to_utc_series(pd.Series([aware.isoformat()]))
    assert not bad[0]
    assert series.iloc[0].to_pydatetime() == parsed


def test_time_without_zone_needs_tz():
    with pytest.raises(InputError, match="no time zone"):
        parse_time("2024-03-01T09:30:00")
    assert parse_time("2024-03-01T09:30:00", tz="Asia/Vladivostok").hour == 23  # UTC+10
    _, bad = to_utc_series(pd.Series(["2024-03-01T09:30:00"]))
    assert bad.tolist() == [True]


def test_validate_reports_every_bad_value_with_its_field():
    raw = pd.DataFrame({
        "time": ["2024-01-05T03:00:00Z", "yesterday", "2024-01-05T03:00:00Z", "2024-01-05T03:00:00Z"],
        "lon": ["130.3", "130.3", "181", "130.3"],
        "lat": ["42.2", "42.2", "42.2", "42.2"],
        "imo": ["9179842", "", "9179843", ""],
        "mmsi": ["", "", "", "12345"],
        "confidence": ["", "probable", "sure", ""],
    })
    clean, problems = validate_sightings(raw, analyst="kim")
    assert clean.index.tolist() == [0]
    assert clean["confidence"].tolist() == ["possible"]
    assert [(p[0], p[1]) for p in problems] == [
        (1, "time"), (2, "lon"), (2, "imo"), (2, "confidence"), (3, "mmsi")]


# ---------------------------------------------------------------- identifier hygiene

@pytest.mark.parametrize("value, status", [
    ("9179842", "valid"), ("IMO 9179842", "valid"), ("IMO9179842", "valid"), (9179842, "valid"),
    (9179842.0, "valid"), ("9179842.0", "valid"),
    ("0", "placeholder"), (0, "placeholder"), ("0000000", "placeholder"), ("IMO0000000", "placeholder"),
    ("1", "placeholder"), ("9999999", "placeholder"), ("1111111", "placeholder"), ("1234567", "placeholder"),
    ("9179843", "bad-check-digit"),
    ("ABC1234", "malformed"), ("91798420", "malformed"), ("917984", "malformed"), ("IMO 91798", "malformed"),
    (None, "blank"), ("", "blank"), (float("nan"), "blank"), ("N/A", "blank"), ("-0-", "blank"),
])
def test_clean_imos_classes(value, status):
    from shipsight.model.identity import clean_imos

    out = clean_imos([value])
    assert out.status[0] == status
    assert (out.values[0] is not None) == (status in ("valid", "bad-check-digit"))


@pytest.mark.parametrize("value, status", [
    ("273456780", "valid"), (273456780, "valid"), (273456780.0, "valid"), ("MMSI 445111000", "valid"),
    ("0", "placeholder"), ("000000000", "placeholder"), ("123456789", "placeholder"), ("999999999", "placeholder"),
    ("002734567", "not-ship"), ("111273456", "not-ship"), ("992731234", "not-ship"), ("970123456", "not-ship"),
    ("827312345", "not-ship"), ("200123456", "not-ship"), ("776123456", "not-ship"),
    ("27345678", "malformed"), ("2734567801", "malformed"), ("27345678X", "malformed"),
    (None, "blank"), ("", "blank"),
])
def test_clean_mmsis_classes(value, status):
    from shipsight.model.identity import clean_mmsis

    out = clean_mmsis([value])
    assert out.status[0] == status
    assert (out.values[0] is not None) == (status == "valid")


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10**10), st.text(max_size=11)), max_size=40))
def test_identifier_hygiene_is_elementwise(values):
    """The vectorised classification equals classifying each value alone, and values come only from valid ones."""
    from shipsight.model.identity import clean_imos, clean_mmsis

    for clean in (clean_imos, clean_mmsis):
        whole = clean(values)
        assert len(whole.status) == len(values)
        for i, v in enumerate(values):
            one = clean([v])
            assert whole.status[i] == one.status[0] and whole.values[i] == one.values[0]
            if whole.values[i] is not None:
                assert whole.values[i].isdigit()
        assert set(whole.status) <= {"valid", "blank", "placeholder", "bad-check-digit", "malformed", "not-ship"}
