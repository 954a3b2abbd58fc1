"""AIS behaviour rules on synthetic tracks: each threshold just inside and just outside, midnight,
the antimeridian, an encounter in port, two ships on one MMSI; reruns; the real MarineCadastre day."""

import collections
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import shapely

from shipsight.ais import open_archive, positions_table
from shipsight.ais.behaviour.params import BehaviourParams
from shipsight.ais.behaviour.run import run_behaviour
from shipsight.ais.behaviour.shore import distance_to_shore_m
from shipsight.store import open_store
from tests.conftest import shared

T0 = int(dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc).timestamp() * 1000)
MIN = 60_000
HOUR = 60 * MIN
OCEAN = (-140.0, 10.0)  # mid-Pacific: no land within 100 km
M_PER_DEG = 111_195.0  # metres per degree of a great circle on the mean sphere


def track(mmsi, minutes, lon, lat, sog=10.0):
    """Positions of one MMSI at ``minutes`` after T0 (arrays or scalars broadcast)."""
    minutes = np.asarray(minutes, dtype=float)
    lon, lat, sog = (np.broadcast_to(np.asarray(v, dtype=float), minutes.shape) for v in (lon, lat, sog))
    return pd.DataFrame({"mmsi": mmsi, "time": (T0 + minutes * MIN).astype(np.int64), "lon": lon, "lat": lat,
                         "sog": sog})


def moving(mmsi, start_min, end_min, every_min, lon0, lat0, knots, *, east=True):
    """A vessel steaming east (or north) at ``knots`` from (lon0, lat0), a report every ``every_min``."""
    minutes = np.arange(start_min, end_min + 1e-9, every_min)
    deg = (minutes - start_min) / 60.0 * knots * 1852.0 / M_PER_DEG
    if east:
        return track(mmsi, minutes, lon0 + deg / np.cos(np.radians(lat0)), lat0, knots)
    return track(mmsi, minutes, lon0, lat0 + deg, knots)


def run(tmp_path, *frames, ports=None, workers=1, name="x", **params):
    """Write the tracks to a new archive and store, run the behaviour job, return the active flags."""
    store, archive = setup(tmp_path, *frames, ports=ports, name=name)
    result = run_behaviour(store, archive, analyst="test", params=BehaviourParams(**params), workers=workers)
    return store.flags(), result, store


def setup(tmp_path, *frames, ports=None, name="x"):
    store = open_store(tmp_path / f"{name}.db")
    archive = open_archive(tmp_path / f"{name}.ais", create=True)
    rows = pd.concat(frames, ignore_index=True).sort_values(["mmsi", "time"], kind="stable")
    with archive.writer("test") as w:
        w.write(positions_table(mmsi=rows["mmsi"].to_numpy(), time=rows["time"].to_numpy(),
                                lon=rows["lon"].to_numpy(), lat=rows["lat"].to_numpy(), sog=rows["sog"].to_numpy()))
    if ports is not None:
        from shipsight.geodesy import geodesic_area_m2

        geoms = np.asarray([g for g, _ in ports], dtype=object)
        frame = pd.DataFrame({"name": [f"port {i}" for i in range(len(ports))], "kind": "port",
                              "watchlist": [w for _, w in ports], "reason": None,
                              "area_m2": geodesic_area_m2(geoms)})
        import geopandas as gpd

        store.add_ports(gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326"), analyst="test")
    return store, archive


def of(flags, rule):
    return flags[flags["rule"] == rule].reset_index(drop=True)


def evidence(flag):
    import json

    return json.loads(flag["evidence"])


# -- ais-gap ------------------------------------------------------------------------------------
def gap_track(mmsi, gap_h, *, before_every_min=45, lon=OCEAN[0], lat=OCEAN[1], start_min=0):
    """12 h of reports every ``before_every_min`` minutes, a silence of ``gap_h``, then 2 h more."""
    a = moving(mmsi, start_min, start_min + 12 * 60, before_every_min, lon, lat, 10)
    resume = start_min + 12 * 60 + gap_h * 60
    b = moving(mmsi, resume, resume + 120, 10, a["lon"].iat[-1] + 0.5, lat, 10)
    return pd.concat([a, b])


def test_gap_thresholds_hours_and_positions(tmp_path):
    # 12 h gaps need 14 positions in the 12 h before: every 45 min from 0 to 720 gives 17 (reported as
    # 14, what the rule needs); every 55 min 14; every 60 min 13 (the gap start's own position counts).
    flags, _, _ = run(tmp_path,
                      gap_track(273000001, 12.0),            # just inside: 12 h
                      gap_track(273000002, 11.9),            # just outside: 11.9 h
                      gap_track(273000003, 13.0, before_every_min=55),   # 14 positions
                      gap_track(273000004, 13.0, before_every_min=60))   # 13 positions
    gaps = of(flags, "ais-gap")
    assert sorted(gaps["mmsi"]) == ["273000001", "273000003"]
    ev = {m: evidence(f) for m, (_, f) in zip(gaps["mmsi"], gaps.iterrows())}
    assert ev["273000003"]["positions_before"] == 14 and ev["273000001"]["positions_before"] == 14
    assert gaps.loc[gaps["mmsi"] == "273000001", "hours_apart"].iat[0] == pytest.approx(12.0)


def test_gap_across_midnight_and_days_and_the_antimeridian(tmp_path):
    # Silent from 20:00 on 1 March to 10:00 on 3 March, reporting before and after; and a ship
    # crossing the antimeridian while silent (179.5 E to 179.5 W).
    across = gap_track(273000005, 38.0, start_min=8 * 60)
    dateline = gap_track(273000006, 14.0, lon=177.0, lat=-30.0)
    dateline.loc[dateline["time"] > T0 + 13 * HOUR, "lon"] = -179.5
    flags, result, _ = run(tmp_path, across, dateline)
    gaps = of(flags, "ais-gap").set_index("mmsi")
    assert set(gaps.index) == {"273000005", "273000006"}
    g = gaps.loc["273000005"]
    assert g["time"] == pd.Timestamp("2024-03-01T20:00Z") and g["related_time"] == pd.Timestamp("2024-03-03T10:00Z")
    assert g["hours_apart"] == pytest.approx(38.0)
    d = gaps.loc["273000006"]
    assert d["lon"] > 179 and d["related_lon"] == pytest.approx(-179.5)
    assert 50_000 < d["distance_m"] < 120_000  # across the line, not around the world
    assert result.partitions == 3 and result.passes == {"vessels": 3, "encounters": 3}  # 3 days, two passes
    assert result.positions == len(across) + len(dateline)  # each position counted once


def test_gap_ends_near_shore_are_not_flagged_and_the_distance_is_an_option(tmp_path):
    # 30 km west of Point Conception's coast, California: under 50 nm from shore.
    near = (-120.8, 34.2)
    d = float(distance_to_shore_m([near[0]], [near[1]])[0])
    assert 10_000 < d < 60_000
    frames = [gap_track(273000007, 13.0, lon=near[0], lat=near[1]).assign(lon=near[0], lat=near[1])]
    flags, _, _ = run(tmp_path, *frames, name="a")
    assert of(flags, "ais-gap").empty
    inside, _, _ = run(tmp_path, *frames, name="b", gap_shore_nm=d / 1852 - 0.01)
    outside, _, _ = run(tmp_path, *frames, name="c", gap_shore_nm=d / 1852 + 0.01)
    assert len(of(inside, "ais-gap")) == 1 and of(outside, "ais-gap").empty


def test_gap_near_a_watchlisted_port(tmp_path):
    # A 2 h silence starting 40 nm from a watch-listed port (a lower severity), and one 60 nm away.
    port = shapely.box(OCEAN[0] - 0.01, OCEAN[1] - 0.01, OCEAN[0] + 0.01, OCEAN[1] + 0.01)
    lat40 = OCEAN[1] + 0.01 + 40 * 1852 / M_PER_DEG
    lat60 = OCEAN[1] + 0.01 + 60 * 1852 / M_PER_DEG
    near = pd.concat([track(273000008, [0, 10], OCEAN[0], lat40), track(273000008, [130, 140], OCEAN[0], lat40)])
    far = pd.concat([track(273000009, [0, 10], OCEAN[0], lat60), track(273000009, [130, 140], OCEAN[0], lat60)])
    short = pd.concat([track(273000010, [0, 10], OCEAN[0], lat40), track(273000010, [50, 60], OCEAN[0], lat40)])
    flags, _, _ = run(tmp_path, near, far, short, ports=[(port, True)])
    hits = of(flags, "ais-gap-near-watchlist")
    assert hits["mmsi"].tolist() == ["273000008"]
    assert hits["severity"].iat[0] < 0.5 and 39 < evidence(hits.iloc[0])["start_watchlist_port_nm"] < 41


# -- ais-encounter --------------------------------------------------------------------------------
def pair(a, b, start_min, end_min, *, apart_m, knots=0.5, lon=OCEAN[0], lat=OCEAN[1]):
    """Two vessels side by side ``apart_m`` apart, drifting north at ``knots``, reporting every 3 min."""
    one = moving(a, start_min, end_min, 3, lon, lat, knots, east=False)
    two = moving(b, start_min + 1, end_min + 1, 3, lon + apart_m / (M_PER_DEG * np.cos(np.radians(lat))), lat,
                 knots, east=False)
    return one, two


def test_encounter_thresholds(tmp_path):
    frames = [*pair(538000001, 538000002, 60, 60 + 135, apart_m=400),             # inside
              *pair(538000003, 538000004, 60, 60 + 110, apart_m=400, lat=11.0),   # 1 h 50: too short
              *pair(538000005, 538000006, 60, 60 + 135, apart_m=600, lat=12.0),   # too far apart
              *pair(538000007, 538000008, 60, 60 + 135, apart_m=400, knots=2.5, lat=13.0)]  # too fast
    flags, _, _ = run(tmp_path, *frames)
    enc = of(flags, "ais-encounter")
    assert list(zip(enc["mmsi"], enc["related_mmsi"])) == [("538000001", "538000002")]
    e = evidence(enc.iloc[0])
    assert e["hours"] >= 2 and e["median_knots"] < 2 and 390 < e["median_distance_m"] < 410
    # Resampled on the clock: 01:10 is the first 10-minute time both vessels cover.
    assert enc["time"].iat[0] == pd.Timestamp("2024-03-01T01:10Z")


def test_encounter_across_midnight_and_in_port(tmp_path):
    across = pair(538000011, 538000012, 23 * 60, 26 * 60, apart_m=200)
    in_port = pair(538000013, 538000014, 60, 300, apart_m=200, lat=20.0)
    port = shapely.box(OCEAN[0] - 0.05, 19.95, OCEAN[0] + 0.05, 20.1)
    flags, _, _ = run(tmp_path, *across, *in_port, ports=[(port, False)])
    enc = of(flags, "ais-encounter")
    assert enc["mmsi"].tolist() == ["538000011"]  # none in port
    assert enc["time"].iat[0] == pd.Timestamp("2024-03-01T23:10Z")
    assert enc["related_time"].iat[0] == pd.Timestamp("2024-03-02T02:00Z")


def test_encounter_never_interpolates_across_an_hour(tmp_path):
    one, two = pair(538000021, 538000022, 0, 300, apart_m=300)
    # The second vessel is silent from 01:00 to 02:10: no position for it in between.
    two = two[(two["time"] < T0 + 60 * MIN) | (two["time"] > T0 + 130 * MIN)]
    flags, _, _ = run(tmp_path, one, two)
    enc = of(flags, "ais-encounter")
    # Its first report after the silence is at 02:13, so 02:20 is the first time both are placed.
    assert enc["time"].tolist() == [pd.Timestamp("2024-03-01T02:20Z")]


# -- loitering ------------------------------------------------------------------------------------
def test_loitering_thresholds(tmp_path):
    frames = [moving(412000001, 0, 135, 5, OCEAN[0], OCEAN[1], 1.5),        # inside: 2 h 15 at 1.5 kn
              moving(412000002, 0, 105, 5, OCEAN[0], 11.0, 1.5),            # 1 h 45: too short
              moving(412000003, 0, 240, 5, OCEAN[0], 12.0, 2.1)]            # too fast
    flags, _, _ = run(tmp_path, *frames)
    loit = of(flags, "loitering")
    assert loit["mmsi"].tolist() == ["412000001"]
    e = evidence(loit.iloc[0])
    assert e["mean_knots"] == pytest.approx(1.5, abs=0.02) and e["hours"] >= 2 and e["shore_nm"] is None


def test_loitering_is_never_read_across_a_silence(tmp_path):
    # SANTIAGO (MMSI 210059000) on the real day: two pings 9.6 h apart, 12.6 kn at both ends, a few
    # hundred metres apart; the old rule made that 9.6 h of loitering from one position.
    two_pings = track(210059000, [0, 9.6 * 60], [OCEAN[0], OCEAN[0] + 0.005], OCEAN[1], 12.6)
    # Just outside the step limit: pings 61 min apart at 1 kn for 4 h; just inside: 59 min apart.
    sparse = moving(412000011, 0, 4 * 61, 61, OCEAN[0], 11.0, 1.0)
    dense = moving(412000012, 0, 4 * 59, 59, OCEAN[0], 12.0, 1.0)
    flags, _, _ = run(tmp_path, two_pings, sparse, dense)
    loit = of(flags, "loitering")
    assert loit["mmsi"].tolist() == ["412000012"]
    assert evidence(loit.iloc[0])["positions"] >= 3


def test_loitering_needs_its_slow_positions(tmp_path):
    # 2 h 15 at 1.5 kn from positions every 45 min: 4 positions. Needing 5 leaves it out; 4 keeps it.
    frame = moving(412000013, 0, 135, 45, OCEAN[0], OCEAN[1], 1.5)
    assert len(frame) == 4
    four, _, _ = run(tmp_path, frame, name="four", loiter_positions=4)
    five, _, _ = run(tmp_path, frame, name="five", loiter_positions=5)
    assert of(four, "loitering")["mmsi"].tolist() == ["412000013"] and of(five, "loitering").empty


def test_loitering_near_shore_is_not_flagged(tmp_path):
    near = (-120.8, 34.2)
    flags, _, _ = run(tmp_path, moving(412000004, 0, 240, 5, near[0], near[1], 0.5))
    assert of(flags, "loitering").empty


# -- spoofing -------------------------------------------------------------------------------------
def test_two_ships_sharing_an_mmsi_and_same_second_reports(tmp_path):
    a = moving(563000001, 0, 600, 10, OCEAN[0], OCEAN[1], 12)
    b = moving(563000001, 5, 605, 10, OCEAN[0] + 2.0, OCEAN[1], 12)   # 220 km east, same MMSI
    same = pd.concat([track(563000002, [60, 60, 70], [-130.0, -129.985, -130.0], 5.0),   # 1.66 km in one second
                      track(563000003, [60, 60, 70], [-131.0, -130.995, -131.0], 5.0)])  # 550 m: GPS noise
    flags, _, _ = run(tmp_path, a, b, same)
    spoof = of(flags, "ais-spoofing").set_index("mmsi")
    assert set(spoof.index) == {"563000001", "563000002"}
    assert evidence(spoof.loc["563000001"])["kind"] == "interleaved"
    assert evidence(spoof.loc["563000001"])["segments"] == 2
    assert evidence(spoof.loc["563000002"])["kind"] == "simultaneous"
    # Each ship's own track is whole: no gap or loitering from the two tracks zig-zagging.
    assert of(flags, "ais-gap").empty and of(flags, "loitering").empty


def test_jump_thresholds(tmp_path):
    # 12 km in 10 minutes is 39 kn: impossible; 9 km in 1 minute is under the 10 km floor (noise);
    # 12 km in 30 minutes is 13 kn: a ship.
    jump = pd.concat([track(563000004, [0, 10], [OCEAN[0], OCEAN[0] + 12_000 / M_PER_DEG / np.cos(np.radians(10))],
                           OCEAN[1]), track(563000004, [20], OCEAN[0] + 0.2, OCEAN[1])])
    noise = track(563000005, [0, 1], [OCEAN[0], OCEAN[0] + 9_000 / M_PER_DEG / np.cos(np.radians(10))], 10.0)
    ship = track(563000006, [0, 30], [OCEAN[0], OCEAN[0] + 12_000 / M_PER_DEG / np.cos(np.radians(10))], 10.0)
    flags, _, _ = run(tmp_path, jump, noise, ship)
    assert of(flags, "ais-spoofing")["mmsi"].tolist() == ["563000004"]


def test_on_land_excursion_the_track_cannot_reach_is_spoofing(tmp_path):
    from shipsight.ais.behaviour.shore import on_land

    # At sea off Los Angeles at 10 kn, one report every minute; at minute 5 a report 5 km inland
    # (LAX), a minute from sea fixes on both sides: about 160 kn onto land and back.
    sea = track(367000001, np.arange(0, 11), np.linspace(-118.50, -118.47, 11), 33.90)
    spoofed = sea.copy()
    spoofed.loc[5, ["lon", "lat"]] = (-118.40, 33.94)
    assert not on_land(sea["lon"].to_numpy(), sea["lat"].to_numpy()).any() and on_land([-118.40], [33.94])[0]
    flags, _, _ = run(tmp_path, spoofed)
    spoof = of(flags, "ais-spoofing")
    assert spoof["mmsi"].tolist() == ["367000001"]
    e = evidence(spoof.iloc[0])
    assert e["kind"] == "on-land" and e["positions_on_land"] == 1 and e["excursions"] == 1
    assert [s["step"] for s in e["unreachable_steps"]] == ["onto", "off"]
    assert all(s["knots"] > 30 for s in e["unreachable_steps"])


def test_tracks_over_gshhg_land_are_not_spoofing(tmp_path):
    # GSHHG calls rivers, lakes and ship channels land. A ship that moves along them at its own speed,
    # stays put on one, or starts its day on one and sails out is not spoofing (the real day's 4,844
    # on-land flags were such ships: Mississippi, Houston Ship Channel, Great Lakes, SF Bay).
    river = moving(367000002, 0, 120, 2, -115.20, 36.17, 10.0)              # 2 h "through Las Vegas"
    moored = track(367000003, [0, 10, 20], -115.14, 36.17, 0.0)
    slow_in = moving(367000004, 0, 60, 1, -118.40, 33.94, 4.0)                # on land, plausible steps
    flags, _, _ = run(tmp_path, river, moored, slow_in)
    assert of(flags, "ais-spoofing").empty


def test_on_land_excursion_within_reach_is_not_spoofing(tmp_path):
    # The same detour onto land, but 30 minutes either side: 10 kn, a ship could (and on a waterway does).
    sea = track(367000005, [0, 30, 60], [-118.50, -118.40, -118.50], [33.90, 33.94, 33.90])
    flags, _, _ = run(tmp_path, sea)
    assert of(flags, "ais-spoofing").empty


# -- port calls from AIS --------------------------------------------------------------------------
def test_port_calls_from_ais_feed_port_calls_and_say_their_source(tmp_path):
    port = shapely.box(OCEAN[0] - 0.05, OCEAN[1] - 0.05, OCEAN[0] + 0.05, OCEAN[1] + 0.05)
    stay = pd.concat([moving(311000001, 0, 60, 10, OCEAN[0] - 0.2, OCEAN[1], 10),
                      track(311000001, np.arange(70, 70 + 75, 5), OCEAN[0], OCEAN[1], 0.2),   # 70 min stopped
                      moving(311000001, 150, 240, 10, OCEAN[0] + 0.06, OCEAN[1], 10)])
    brief = track(311000002, np.arange(0, 50, 5), OCEAN[0], OCEAN[1], 0.2)                   # 45 min
    _, result, store = run(tmp_path, stay, brief, ports=[(port, True)])
    assert result.port_calls == 1
    calls = store.ais_port_calls()
    assert calls["mmsi"].tolist() == ["311000001"] and calls["stopped_hours"].iat[0] == pytest.approx(70 / 60)
    from shipsight.portcalls import store_port_calls

    layer = store_port_calls(store)
    assert layer["source"].tolist() == ["ais"] and layer["vessel"].tolist() == ["MMSI 311000001"]


# -- identity-change ------------------------------------------------------------------------------
def test_identity_changes_within_30_days():
    from shipsight.ais.behaviour.identity_change import identity_changes

    runs = pd.DataFrame({
        "mmsi": ["273000001", "273000001", "273000002", "273000002", "273000003", "412000001", "222000001"],
        "name": ["ANGARA", "HAI XING", "SPARTA", "SPARTA IV", "ANGARA", "X", None],
        "imo": ["9179842", "9179842", None, None, "9179842", "9000000", None],
        "valid_from": pd.to_datetime(["2024-01-01", "2024-01-25", "2024-01-01", "2024-03-15", "2024-02-01",
                                      "2024-01-01", "2024-01-01"], utc=True),
        "valid_to": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-02-01", "2024-03-20", "2024-02-02",
                                    "2024-01-02", "2024-01-02"], utc=True)})
    entries = pd.DataFrame({"imo": ["9179842"], "flag": ["Panama"]})
    e = identity_changes(runs, entries, BehaviourParams())
    kinds = sorted((ev["kind"], str(m)) for ev, m in zip(e["evidence"], e["mmsi"]))
    # 273000002: renamed 42 days after its last report as SPARTA: outside the 30 days.
    assert kinds == [("imo-on-mmsis", "273000001"), ("mid-flag", "273000001"), ("mid-flag", "273000003"),
                     ("mid-unallocated", "222000001"), ("name", "273000001")]


# -- reruns and the cluster -----------------------------------------------------------------------
def test_rerun_adds_nothing_and_withdraws_what_is_gone(tmp_path):
    frames = [gap_track(273000001, 13.0), *pair(538000001, 538000002, 60, 200, apart_m=300)]
    flags, first, store = run(tmp_path, *frames)
    assert first.changes["new"] == len(flags) >= 2
    archive = open_archive(tmp_path / "x.ais")
    again = run_behaviour(store, archive, analyst="test")
    assert again.changes == {"new": 0, "updated": 0, "withdrawn": 0, "unchanged": len(flags)}
    # Stricter thresholds: the gap is no longer one; its flag is withdrawn, not deleted.
    stricter = run_behaviour(store, archive, analyst="test", params=BehaviourParams(gap_hours=14))
    assert stricter.changes["withdrawn"] == 1
    assert of(store.flags(), "ais-gap").empty and len(of(store.flags(include_withdrawn=True), "ais-gap")) == 1


def test_local_cluster_of_two_workers_gives_the_same_flags(tmp_path):
    frames = [gap_track(273000001, 13.0, start_min=20 * 60), *pair(538000001, 538000002, 23 * 60, 26 * 60,
                                                                   apart_m=300),
              moving(412000001, 0, 60 * 30, 5, OCEAN[0], 15.0, 1.0)]
    one, r1, _ = run(tmp_path, *frames, name="one")
    two, r2, _ = run(tmp_path, *frames, name="two", workers=2)
    cols = ["rule", "mmsi", "related_mmsi", "time", "related_time", "lon", "lat", "evidence"]
    assert len(one) >= 3 and one[cols].equals(two[cols])
    assert r1.as_record() == r2.as_record()


# -- the real MarineCadastre day ------------------------------------------------------------------
def test_marinecadastre_day_finds_the_mmsis_in_two_places_at_once(tmp_path):
    from shipsight.ais.imports import import_ais

    path = shared("ais/marinecadastre/AIS_2022_01_03_first99999.csv.gz")
    store = open_store(tmp_path / "mc.db")
    archive = open_archive(tmp_path / "mc.ais", create=True)
    import_ais(store, archive, [path], analyst="test")
    run = run_behaviour(store, archive, analyst="test")
    spoof = of(store.flags(), "ais-spoofing")
    same = {int(m) for m, e in zip(spoof["mmsi"], spoof["evidence"]) if '"simultaneous"' in e}
    # From the file itself: the MMSIs with two rows of the same second more than 1 km apart (geodesic).
    assert same == {220580000, 311000923, 316020871, 366755010, 366760680, 366764730, 366943940, 367375360,
                    367578740, 367625810, 367661930, 368084540, 371218000, 372367000, 477699100, 538002946,
                    538004586, 538006167, 538008861, 563358000}
    kinds = collections.Counter(json.loads(e)["kind"] for e in spoof["evidence"])
    # Before the on-land redesign: 4,844 on-land flags, ships on rivers, lakes and channels. The jump
    # and interleaved ones are the segmenter's and stay.
    assert kinds["simultaneous"] == 20 and kinds["jump"] == 21 and kinds["interleaved"] == 6
    assert kinds["on-land"] <= 5
    # SANTIAGO's two pings 9.6 h apart are no loitering; the day's positions are counted once.
    assert "210059000" not in of(store.flags(), "loitering")["mmsi"].tolist()
    assert run.positions == 99_720 and run.partitions == 1 and run.passes == {"vessels": 1, "encounters": 1}


def test_encounters_searched_in_slices_of_a_day_are_the_same(tmp_path):
    frames = [*pair(538000031, 538000032, 5 * 60, 9 * 60, apart_m=300),        # across 06:00
              *pair(538000033, 538000034, 22 * 60, 27 * 60, apart_m=200, lat=11.0)]  # across midnight
    store, archive = setup(tmp_path, *frames)
    whole = run_behaviour(store, archive, analyst="test")
    cols = ["rule", "mmsi", "related_mmsi", "time", "related_time", "evidence"]
    before = of(store.flags(), "ais-encounter")[cols]
    sliced = run_behaviour(store, archive, analyst="test", encounter_chunks=4)
    assert len(before) == 2 and whole.found == sliced.found
    assert sliced.changes["new"] == 0 and sliced.changes["withdrawn"] == 0
    assert of(store.flags(), "ais-encounter")[cols].equals(before)
