"""Coordinates as reports write them: DMS, degrees and decimal minutes, hemisphere letters, decimal commas."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shipsight.model.coords import parse_coordinates, parse_positions


@st.composite
def written_coordinates(draw):
    """A coordinate in whole seconds (or minutes to 1e-4) and one way of writing it."""
    axis = draw(st.sampled_from(["lat", "lon"]))
    top = 90 if axis == "lat" else 180
    deg = draw(st.integers(0, top - 1))
    minutes = draw(st.integers(0, 59))
    seconds = draw(st.integers(0, 59))
    negative = draw(st.booleans())
    value = deg + minutes / 60 + seconds / 3600
    pos, neg = ("N", "S") if axis == "lat" else ("E", "W")
    letter = neg if negative else pos
    forms = {
        "dms_symbols": (f"{deg}°{minutes}'{seconds}\"", value),
        "dms_spaces": (f"{deg} {minutes:02d} {seconds:02d}", value),
        "dms_colons": (f"{deg}:{minutes:02d}:{seconds:02d}", value),
        "dms_typographic": (f"{deg}º {minutes}′ {seconds}″", value),
        "dm": (f"{deg} {minutes + seconds / 60:.4f}", deg + round(minutes + seconds / 60, 4) / 60),
        "dd": (f"{value:.6f}", round(value, 6)),
    }
    body, value = forms[draw(st.sampled_from(sorted(forms)))]
    writings = {"letter_after": f"{body}{letter}", "letter_after_space": f"{body} {letter}",
                "letter_before": f"{letter}{body}", "sign": f"-{body}" if negative else body}
    text = writings[draw(st.sampled_from(sorted(writings)))]
    return axis, text, -value if negative else value


@settings(max_examples=400, deadline=None)
@given(written_coordinates())
def test_any_dms_form_parses_to_the_decimal_value(case):
    axis, text, value = case
    parsed = parse_coordinates([text], axis)
    assert not parsed.bad[0], parsed.reasons[0]
    assert parsed.values[0] == pytest.approx(value, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(written_coordinates(), written_coordinates())
def test_a_position_column_gives_the_same_values(a, b):
    axis_a, text_a, value_a = a
    axis_b, text_b, value_b = b
    if axis_a == axis_b or not any(c in text_a + text_b for c in "NSEW"):
        return  # one of each axis, told apart by their letters
    # Both letters after their coordinates, or both before: how positions are written.
    if not ((text_a[-1] in "NSEW" and text_b[-1] in "NSEW") or (text_a[0] in "NSEW" and text_b[0] in "NSEW")):
        return
    lon, lat = parse_positions([f"{text_a} {text_b}"])
    assert not lon.bad[0], lon.reasons[0]
    got = {"lat": lat.values[0], "lon": lon.values[0]}
    assert got[axis_a] == pytest.approx(value_a, abs=1e-9) and got[axis_b] == pytest.approx(value_b, abs=1e-9)


def test_case_04_forms():
    """shared/cases/gis/04-dms-hemisphere: the four ways one position is written."""
    lat = parse_coordinates(["42°14'43\"N", "42.2452N", "42 14.71 N", "N42 14 43"], "lat")
    lon = parse_coordinates(["130°17'55\"E", "130.2985E", "130 17.91 E", "E130 17 55"], "lon")
    assert lat.values.round(6).tolist() == [42.245278, 42.2452, 42.245167, 42.245278]
    assert lon.values.round(6).tolist() == [130.298611, 130.2985, 130.2985, 130.298611]
    south = parse_coordinates(["41°25'01\"S", "41 25 01S", "S41 25.117"], "lat")
    assert south.values.round(6).tolist() == [-41.416944, -41.416944, -41.418617]


@pytest.mark.parametrize("text, axis, words", [
    ("-42 14 43 N", "lat", "both a sign and a hemisphere letter"),
    ("N42S", "lat", "two hemisphere letters"),
    ("42E", "lat", "other axis"),
    ("130 17 55 N", "lon", "other axis"),
    ("42.5 14 N", "lat", "fractional degrees and minutes"),
    ("42 14.5 30 N", "lat", "fractional minutes and seconds"),
    ("42 61 00 N", "lat", "60 or more"),
    ("forty-two north", "lat", "is not a latitude"),
])
def test_ambiguous_or_malformed_values_are_refused_with_the_value(text, axis, words):
    parsed = parse_coordinates([text], axis, field="position")
    assert parsed.bad[0]
    assert words in parsed.reasons[0] and repr(text) in parsed.reasons[0]


def test_decimal_commas_are_counted():
    parsed = parse_coordinates(["130,2985", "130.5", "-0,5"], "lon")
    assert parsed.values.tolist() == [130.2985, 130.5, -0.5]
    assert parsed.decimal_commas == 2


def test_positions_without_letters_are_iso_6709_latitude_first():
    with pytest.warns(UserWarning, match="ISO 6709"):
        lon, lat = parse_positions(["42.2458, 130.2985", "-33.8688 151.2093"])
    assert lat.values.tolist() == [42.2458, -33.8688] and lon.values.tolist() == [130.2985, 151.2093]
    lon, lat = parse_positions(["42N 130N"])
    assert lon.bad[0] and "which part is the latitude" in lon.reasons[0]
    assert np.isnan(lat.values[0])


def test_decimal_commas_in_other_numbers_and_ambiguous_thousands():
    import pandas as pd

    from shipsight.model.sightings import validate_sightings

    raw = pd.DataFrame({"time": ["2024-03-05T14:22:00Z"] * 3, "lon": ["130,2985"] * 3, "lat": ["42,2452"] * 3,
                        "length_m": ["139,5", "1,500", "139"]})
    with pytest.warns(UserWarning, match="decimal commas in lon and lat"):
        clean, problems = validate_sightings(raw, analyst="kim")
    assert clean["length_m"].tolist() == [139.5, 139.0]
    assert [(p[0], p[1]) for p in problems] == [(1, "length_m")] and "ambiguous" in problems[0][2]
