"""The oil-cap tracker: numbers checked by hand, unknown capacities listed, chart drawn."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from shipsight.errors import InputError
from shipsight.report.cap import cap_tracker, plot_cap
from shipsight.report.sample import sample_layers


def calls(rows):
    cols = ["vessel", "name", "vessel_type", "port", "first_seen", "deadweight_t", "gross_tonnage"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["first_seen"] = pd.to_datetime(frame["first_seen"], utc=True)
    return frame


@pytest.fixture
def year_of_calls():
    # Tanker T1, 7,000 dwt, calls monthly Jan-Dec; T2 known only by GT (2,000);
    # a cargo ship (not counted); a tanker of unknown size; an untyped ship; a 2023 call.
    rows = [("imo:1", "T1", "Oil Tanker", "Nampo", f"2024-{m:02d}-10T06:00:00Z", 7000.0, np.nan) for m in range(1, 13)]
    rows += [
        ("imo:2", "T2", "tanker", "Nampo", "2024-03-01T00:00:00Z", np.nan, 2000.0),
        ("imo:3", "C", "cargo", "Nampo", "2024-03-02T00:00:00Z", 9000.0, np.nan),
        ("imo:4", "T4", "product tanker", "Nampo", "2024-04-01T00:00:00Z", np.nan, np.nan),
        ("imo:5", "X", None, "Nampo", "2024-05-01T00:00:00Z", 3000.0, np.nan),
        ("imo:1", "T1", "tanker", "Nampo", "2023-12-31T23:00:00Z", 5000.0, np.nan),
    ]
    return calls(rows)


def test_totals_by_hand(year_of_calls):
    r = cap_tracker(year_of_calls, year=2024)
    # 12 x 7,000 t + 2,000 GT x 1.6 = 87,200 t; x 7.33 bbl/t
    tonnes = 12 * 7000 + 2000 * 1.6
    assert r.totals()["33%"] == pytest.approx(tonnes * 7.33 * 0.33)
    assert r.totals()["50%"] == pytest.approx(tonnes * 7.33 * 0.5)
    assert r.totals()["90%"] == pytest.approx(tonnes * 7.33 * 0.9)
    assert list(r.scenarios) == ["33%", "50%", "90%"]
    assert len(r.calls) == 13


def test_month_the_cap_was_passed(year_of_calls):
    r = cap_tracker(year_of_calls, year=2024)
    # 90%: 46,179 bbl per T1 call; March adds T2's 21,110 -> 529,079 after November
    per_call = 7000 * 7.33 * 0.9
    cumulative = np.cumsum([per_call] * 12) + np.where(np.arange(1, 13) >= 3, 2000 * 1.6 * 7.33 * 0.9, 0)
    expected_month = int(np.argmax(cumulative > 500_000)) + 1
    assert expected_month == 11
    assert r.passed["90%"] == "2024-11"
    assert r.passed["50%"] is None  # 87,200 t x 7.33 x 0.5 = 319,588 bbl, under the cap
    assert r.passed["33%"] is None
    assert r.monthly.loc[12, "90% cumulative"] == pytest.approx(cumulative[-1])
    assert r.monthly.loc[3, "90%"] == pytest.approx(per_call + 2000 * 1.6 * 7.33 * 0.9)


def test_unknown_capacity_listed_not_dropped(year_of_calls):
    r = cap_tracker(year_of_calls, year=2024)
    reasons = dict(zip(r.unknown["vessel"], r.unknown["reason"]))
    assert reasons["imo:4"].startswith("capacity unknown")
    assert reasons["imo:5"] == "vessel type unknown"
    assert "imo:3" not in reasons and "imo:3" not in set(r.calls["vessel"])  # cargo: not a tanker


def test_capacity_sources_and_tankers(year_of_calls):
    r = cap_tracker(year_of_calls, year=2024, gt_to_dwt=1.5)
    src = dict(zip(r.calls["vessel"], r.calls["capacity_source"]))
    assert src["imo:1"] == "deadweight"
    assert src["imo:2"] == "gross tonnage x 1.5"
    t1 = r.tankers.set_index("vessel").loc["imo:1"]
    assert t1["calls"] == 12 and t1["capacity_t"] == 7000.0


def test_year_boundary_in_utc():
    c = calls([("imo:1", "T1", "tanker", "Nampo", "2024-01-01T08:00:00+09:00", 1000.0, np.nan)])
    assert len(cap_tracker(c, year=2024).calls) == 0  # 2023-12-31 23:00 UTC
    assert len(cap_tracker(c, year=2023).calls) == 1


def test_custom_scenarios_and_factor(year_of_calls):
    r = cap_tracker(year_of_calls, year=2024, laden=(1.0,), barrels_per_tonne=7.0, cap_barrels=100_000)
    assert list(r.scenarios) == ["100%"]
    assert r.passed["100%"] == "2024-03"  # 49,000 x 2 = 98,000; March adds 49,000 + 22,400


def test_to_dict_is_json(year_of_calls):
    d = json.loads(json.dumps(cap_tracker(year_of_calls, year=2024).to_dict()))
    assert d["cap_barrels"] == 500_000 and d["barrels_per_tonne"] == 7.33
    assert d["calls"][0]["first_seen"] == "2024-01-10T06:00:00Z"
    assert len(d["monthly"]) == 12 and d["monthly"][0]["month"] == 1
    assert {u["vessel"] for u in d["unknown"]} == {"imo:4", "imo:5"}
    assert "Panel of Experts" in d["method"]


@pytest.mark.parametrize(
    "kwargs, needle",
    [({"laden": (0.0,)}, "laden"), ({"laden": (1.5,)}, "laden"), ({"barrels_per_tonne": -1}, "barrels_per_tonne"),
     ({"cap_barrels": 0}, "cap_barrels"), ({"year": "last"}, "year")],
)
def test_bad_figures_refused(year_of_calls, kwargs, needle):
    kwargs = {"year": 2024, **kwargs}
    with pytest.raises(InputError, match=needle):
        cap_tracker(year_of_calls, **kwargs)


def test_missing_columns_and_naive_times(year_of_calls):
    with pytest.raises(InputError, match="first_seen"):
        cap_tracker(year_of_calls.drop(columns="first_seen"), year=2024)
    naive = year_of_calls.assign(first_seen=year_of_calls["first_seen"].dt.tz_localize(None))
    with pytest.raises(InputError, match="time zone"):
        cap_tracker(naive, year=2024)


def test_store_port_calls_accepted():
    pc = sample_layers()["port_calls"]
    r = cap_tracker(pc, year=2024)
    assert len(r.calls) + len(r.unknown) == len(pc)
    assert "mmsi:445123000" in set(r.unknown["vessel"])


def test_plot(tmp_path, year_of_calls):
    out = plot_cap(cap_tracker(year_of_calls, year=2024), tmp_path / "cap.png")
    img = Image.open(out)
    assert img.format == "PNG" and img.size == (960, 540)
    # not a blank canvas: lines of several colours were drawn
    colours = img.convert("RGB").getcolors(maxcolors=100_000)
    assert len(colours) > 50
