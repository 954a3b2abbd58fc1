"""Times as exports write them: every zoned ISO 8601 / RFC 3339 form, layouts, epoch seconds, zones."""

import json
import warnings
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from shipsight.errors import InputError, ShipsightWarning
from shipsight.model.times import parse_time, parse_times

UTC = timezone.utc


def _offset_forms(minutes):
    """Every way ISO 8601 writes one UTC offset (hours-only only when it has no minutes)."""
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    forms = [f"{sign}{h:02d}:{m:02d}", f"{sign}{h:02d}{m:02d}"]
    if m == 0:
        forms.append(f"{sign}{h:02d}")
        if minutes == 0:
            forms += ["Z", "z"]
    return forms


@st.composite
def written_times(draw):
    """An instant and one way of writing it with a zone."""
    instant = draw(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)))
    instant = instant.replace(tzinfo=UTC)
    offset = draw(st.sampled_from([0, 60, 540, 570, 345, -480, -210, 840, -720]) | st.integers(-14 * 60, 14 * 60))
    zone = draw(st.sampled_from(_offset_forms(offset)))
    local = instant.astimezone(timezone(timedelta(minutes=offset)))
    digits = draw(st.integers(0, 12))
    sep = draw(st.sampled_from(["T", " ", "t"]))
    basic = draw(st.booleans())
    date = local.strftime("%Y%m%d" if basic else "%Y-%m-%d")
    clock = local.strftime("%H%M%S" if basic else "%H:%M:%S")
    frac = ""
    if digits:
        extra = draw(st.text(alphabet="0123456789", min_size=max(0, digits - 6), max_size=max(0, digits - 6)))
        frac = draw(st.sampled_from([".", ","])) + f"{local.microsecond:06d}"[:digits] + extra
    if sep == " " and basic:
        sep = "T"  # the basic format keeps its T
    text = f"{date}{sep}{clock}{frac}{zone}"
    kept = local.microsecond if digits >= 6 else int(f"{local.microsecond:06d}"[:digits].ljust(6, "0") or 0)
    return text, instant.replace(microsecond=kept)


@settings(max_examples=300, deadline=None)
@given(written_times())
def test_any_zoned_form_parses_to_the_same_instant(case):
    text, instant = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ShipsightWarning)
        parsed = parse_times([text])
        assert not parsed.bad[0], parsed.reasons[0]
        assert parsed.times.iat[0].to_pydatetime() == instant
        # A --tz never moves a value that carries its own zone.
        assert parse_times([text], tz="Asia/Seoul").times.iat[0].to_pydatetime() == instant
        assert parse_time(text) == instant


@pytest.mark.parametrize("text", [
    "2024-03-05 14:22:00+09", "2024-03-05 14:22:00+0900", "2024-03-05T14:22:00+09:00", "2024-03-05T05:22:00Z",
    "2024-03-05T05:22:00.000Z", "2024-03-04 21:22:00-08", "2024-03-04T21:22:00-0800", "20240305T052200Z",
    "2024-W10-2T05:22:00Z", "2024-065T05:22:00Z", "2024-03-05T05:22:00,0Z", "2024-03-05 14:22:00 +09:00",
])
def test_the_forms_of_one_instant(text):
    assert parse_time(text) == datetime(2024, 3, 5, 5, 22, tzinfo=UTC)


def test_long_fractions_are_truncated_to_the_microsecond_and_said():
    values = ["2024-03-05T05:22:00.1234567Z", "2024-03-05T05:22:00.123456789Z", "2024-03-05T05:22:00.9999999Z",
              "2024-03-05T05:22:00.1234560Z"]
    with pytest.warns(ShipsightWarning, match="3 times had fractional seconds beyond the microsecond"):
        parsed = parse_times(values)
    assert [t.microsecond for t in parsed.times] == [123456, 123456, 999999, 123456]
    assert parsed.truncated == 3  # trailing zeros lose nothing


def test_zoneless_needs_tz_and_tz_does_not_touch_zoned_values():
    parsed = parse_times(["2024-03-05 14:22:00+09", "2024-03-05 15:22:00"])
    assert parsed.bad.tolist() == [False, True]
    assert "no time zone" in parsed.reasons[1] and "--tz" in parsed.reasons[1]
    parsed = parse_times(["2024-03-05 14:22:00+09", "2024-03-05 15:22:00"], tz="Asia/Seoul")
    assert [str(t) for t in parsed.times] == ["2024-03-05 05:22:00+00:00", "2024-03-05 06:22:00+00:00"]


def test_daylight_saving_gaps_and_overlaps_are_refused_with_a_reason():
    parsed = parse_times(["2024-03-10 02:30:00", "2024-11-03 01:30:00", "2024-11-03 03:30:00"], tz="America/New_York")
    assert parsed.bad.tolist() == [True, True, False]
    assert "daylight-saving" in parsed.reasons[0] and "daylight-saving" in parsed.reasons[1]
    assert str(parsed.times.iat[2]) == "2024-11-03 08:30:00+00:00"


def test_layout_and_epoch():
    parsed = parse_times(["05/03/2024 14:22", "31/12/2024 23:59", "13/13/2024 00:00"],
                         time_format="%d/%m/%Y %H:%M", tz="UTC")
    assert [str(t) for t in parsed.times[:2]] == ["2024-03-05 14:22:00+00:00", "2024-12-31 23:59:00+00:00"]
    assert parsed.bad.tolist() == [False, False, True] and "does not match" in parsed.reasons[2]
    # A layout with %z carries its own offset; without %z it needs --tz.
    assert str(parse_times(["05/03/2024 14:22 +0900"], time_format="%d/%m/%Y %H:%M %z").times.iat[0]) == \
        "2024-03-05 05:22:00+00:00"
    assert "no time zone" in parse_times(["05/03/2024 14:22"], time_format="%d/%m/%Y %H:%M").reasons[0]
    epoch = parse_times(["1709648520", "1709648520.25", "1709648520000", "soon"], time_format="epoch")
    assert [str(t) for t in epoch.times[:2]] == ["2024-03-05 14:22:00+00:00", "2024-03-05 14:22:00.250000+00:00"]
    assert "milliseconds" in epoch.reasons[2] and "Unix seconds" in epoch.reasons[3]


def test_spreadsheet_dates_are_refused_as_ambiguous_with_the_layout_to_give():
    reason = parse_times(["05/03/2024 14:22"], tz="UTC").reasons[0]
    assert "day and month are ambiguous" in reason and "--time-format '%d/%m/%Y %H:%M'" in reason


def test_unknown_zone_is_one_error():
    with pytest.raises(InputError, match="unknown time zone"):
        parse_times(["2024-03-05 14:22"], tz="Mars/Olympus")


def test_typed_datetimes_from_gis_files():
    aware = pd.Series(pd.to_datetime(["2024-03-05T05:22:00Z"], utc=True))
    assert str(parse_times(aware).times.iat[0]) == "2024-03-05 05:22:00+00:00"
    naive = pd.Series(pd.to_datetime(["2024-03-05T14:22:00"]))
    assert parse_times(naive).bad.tolist() == [True]
    assert str(parse_times(naive, tz="Asia/Seoul").times.iat[0]) == "2024-03-05 05:22:00+00:00"


@settings(max_examples=200, deadline=None)
@given(st.integers(-2 * 10**15, 4 * 10**15))
def test_epoch_seconds_keep_every_microsecond(micros):
    whole, micro = divmod(abs(micros), 1_000_000)
    text = f"{'-' if micros < 0 else ''}{whole}.{micro:06d}"
    got = parse_times([text], time_format="epoch").times.iat[0]
    assert got == pd.Timestamp(0, tz="UTC") + pd.Timedelta(microseconds=micros)


@given(st.one_of(st.text(max_size=40), st.datetimes(timezones=st.none()).map(lambda d: d.isoformat()),
                 st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat())))
def test_a_time_option_reads_iso_or_a_date_and_names_no_other_option(text):
    """--since, --until, --received-at: an aware UTC time, or one line on how to write the value itself
    (never the --tz or --time-format that only some commands have, for their files' times)."""
    import click

    from shipsight.cli.options import TimeType

    try:
        value = TimeType().convert(text, None, None)
    except click.BadParameter as exc:
        assert "--" not in exc.message.replace(repr(text.strip()), "") and "\n" not in exc.message
        assert "2024-03-01T09:30:00Z" in exc.message or "has no time zone; add one, e.g." in exc.message
    else:
        assert value.utcoffset() == timedelta(0)


@pytest.mark.parametrize("values, kwargs", [
    (["0001-01-01T00:00Z", "3000-01-01T00:00:00+02:00"], {}),
    (["0001-01-01 00:00", "3000-01-01T00:00"], {"tz": "UTC"}),
    (["01/01/0001 00:00", "01/01/3000 00:00"], {"tz": "UTC", "time_format": "%d/%m/%Y %H:%M"}),
    (["01/01/0001 00:00 +0000"], {"time_format": "%d/%m/%Y %H:%M %z"}),
])
def test_years_beyond_nanosecond_times_are_refused_not_wrapped(values, kwargs):
    """numpy wraps a year-1 or year-3000 time silently to some date in 1754 or 1830: refuse it, saying why."""
    parsed = parse_times(values, **kwargs)
    assert parsed.bad.all()
    assert all("is not between the years 1678 and 2261" in r for r in parsed.reasons)


def test_epoch_seconds_beyond_2262_are_refused():
    parsed = parse_times(["99999999999", "1709648520"], time_format="epoch")
    assert parsed.bad.tolist() == [True, False] and "too large" in parsed.reasons[0]


@given(written_times(), st.sampled_from(["hours", "minutes", "seconds"]), st.booleans())
def test_a_time_cut_short_is_malformed_not_zoneless(case, field, with_tz):
    # The user test's 2024-03-05T14:2 was reported as "no time zone". Cut one field of an extended-format
    # time to its first digit, with the zone (if any) kept or dropped: always "malformed", naming the field.
    text, _ = case
    date, clock = text[:10], text[11:]
    if not clock[:8].count(":") == 2 or date.count("-") != 2:
        return  # the basic format (20240305T052200) has no field boundaries to cut at
    hh, mm, ss = clock[:2], clock[3:5], clock[6:8]
    cut = {"hours": f"{hh[0]}", "minutes": f"{hh}:{mm[0]}", "seconds": f"{hh}:{mm}:{ss[0]}"}[field]
    bad = f"{date}T{cut}{'Z' if with_tz else ''}"
    for tz in (None, "UTC"):
        parsed = parse_times([bad], tz=tz)
        assert parsed.bad[0]
        assert f"time {bad!r} is malformed or truncated: its {field}" in parsed.reasons[0]
        assert "time zone" not in parsed.reasons[0]


def test_truncated_time_names_the_row_and_field(run, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("time,lon,lat,name\n2024-03-05T14:22:00Z,130.3,42.24,A\n2024-03-05T14:2,130.3,42.24,B\n")
    result = run("sightings", "import", str(path), code=2)
    assert f"{path}" in result.stderr
    assert "row 3, field time: time '2024-03-05T14:2' is malformed or truncated: its minutes ('2')" in result.stderr
    assert "time zone" not in result.stderr
    assert json.loads(run("sightings", "list", "--json").stdout) == []
