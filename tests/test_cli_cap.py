"""``shipsight cap`` and ``shipsight vessels`` through the real CLI, on a hand-made year of tanker calls.

With --barrels-per-tonne 10 and scenarios 50% and 100%, each counted call is
capacity x 10 x laden barrels, so every figure below is worked out by hand:

====  ========  ===================  ===============================  ============  ==========
call  month     vessel               capacity (where from)            100% bbl      50% bbl
====  ========  ===================  ===============================  ============  ==========
1     Jan 10    ALPHA 9179842        10,000 dwt (list; table's 1 no)  100,000       50,000
2     Feb 5     BRAVO 9358010        20,000 dwt (vessels table)       200,000       100,000
      (at the berth inside Nampo)
3     Mar 1     CHARLIE 9743033      5,000 GT x 1.6 = 8,000           80,000        40,000
4     Mar 20    FOXTROT 9242986      30,000 dwt; type from the table  300,000       150,000
5     Jun 1     GOLF 9161003         list GT 5,000, table dwt 6,000   60,000        30,000
6     Sep 1     ALPHA                10,000                           100,000       50,000
7     Nov 10    BRAVO                20,000                           200,000       100,000
====  ========  ===================  ===============================  ============  ==========

Totals 1,040,000 (100%) and 520,000 (50%). Cumulative 100%: 100k, 300k, 680k
in March -> the cap of 500,000 is passed in 2024-03; 50%: ... 420k by
September, 520k in November -> passed in 2024-11. Not counted: ALPHA's call
from 2023-12-30 to 2024-01-02 (it began in 2023), a tanker of unknown
capacity (listed), a general-cargo ship, BRAVO at a port not chosen.
"""

import json

import pytest

from conftest import write_csv

PORTS = [
    ("Nampo", "port", True, (125.30, 38.68, 125.40, 38.76)),
    ("Nampo Oil Berth", "berth", False, (125.35, 38.70, 125.36, 38.71)),
    ("Vostochny", "port", False, (133.00, 42.70, 133.10, 42.78)),
    ("Busan", "port", False, (129.00, 35.00, 129.10, 35.10)),
]
NAMPO, BERTH, VOSTOCHNY, BUSAN = (125.33, 38.72), (125.355, 38.705), (133.05, 42.74), (129.05, 35.05)

SIGHTINGS = [
    # time, (lon, lat), name, imo, vessel_type
    ("2023-12-30T02:00:00Z", NAMPO, "ALPHA", "9179842", "tanker"),
    ("2024-01-02T02:00:00Z", NAMPO, "ALPHA", "9179842", "tanker"),      # same call: began in 2023
    ("2024-01-10T02:00:00Z", NAMPO, "ALPHA", "9179842", "tanker"),      # 8 days later: a new call
    ("2024-01-11T02:00:00Z", NAMPO, "ALPHA", "9179842", "tanker"),      # same call
    ("2024-02-05T02:00:00Z", BERTH, "BRAVO", "9358010", "tanker"),
    ("2024-03-01T02:00:00Z", NAMPO, "CHARLIE", "9743033", "tanker"),
    ("2024-03-20T02:00:00Z", NAMPO, "FOXTROT", "9242986", ""),          # type only in the vessels table
    ("2024-04-01T02:00:00Z", NAMPO, "MYSTERY", "9066978", "tanker"),    # capacity unknown
    ("2024-04-02T02:00:00Z", NAMPO, "ECHO", "8604917", "general cargo"),
    ("2024-05-01T02:00:00Z", BUSAN, "BRAVO", "9358010", "tanker"),      # not a chosen port
    ("2024-06-01T02:00:00Z", NAMPO, "GOLF", "9161003", "tanker"),
    ("2024-07-01T02:00:00Z", VOSTOCHNY, "CHARLIE", "9743033", "tanker"),
    ("2024-09-01T02:00:00Z", NAMPO, "ALPHA", "9179842", "tanker"),
    ("2024-11-10T02:00:00Z", NAMPO, "BRAVO", "9358010", "tanker"),
    ("2025-01-05T02:00:00Z", NAMPO, "BRAVO", "9358010", "tanker"),      # next year
]


@pytest.fixture
def year(run, tmp_path):
    features = [{"type": "Feature", "properties": {"name": n, "kind": k, "watchlist": w},
                 "geometry": {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}}
                for n, k, w, (a, b, c, d) in PORTS]
    ports = tmp_path / "ports.geojson"
    ports.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    run("ports", "import", ports)
    listed = write_csv(tmp_path / "list.csv", "name,imo,vessel_type,gross_tonnage,deadweight", [
        "ALPHA,9179842,Crude Oil Tanker,,10000",
        "GOLF,9161003,Tanker,5000,",
    ])
    run("sanctions", "import", listed, "--format", "csv", "--list", "LISTA")
    vessels = write_csv(tmp_path / "vessels.csv", "imo,name,vessel_type,deadweight,gross_tonnage,note", [
        "9358010,BRAVO,tanker,20000,,registry",
        "9743033,CHARLIE,tanker,,5000,GT only",
        "9242986,FOXTROT,oil products tanker,30000,,",
        "9179842,ALPHA,tanker,1,,a wrong figure the list overrides",
        "9161003,GOLF,,6000,,",
    ])
    run("vessels", "import", vessels)
    rows = [f"{t},{lon},{lat},{name},{imo},{vtype}" for t, (lon, lat), name, imo, vtype in SIGHTINGS]
    run("sightings", "import", write_csv(tmp_path / "s.csv", "time,lon,lat,name,imo,vessel_type", rows))
    return run


def cap_json(run, *args):
    return json.loads(run("cap", "--year", 2024, "--barrels-per-tonne", 10, "--laden", "0.5,1", *args,
                          "--json").stdout)


def test_totals_and_month_passed_per_scenario(year):
    r = cap_json(year)
    assert r["ports"] == ["Nampo"]
    assert r["totals"] == {"50%": pytest.approx(520_000), "100%": pytest.approx(1_040_000)}
    assert r["passed"] == {"50%": "2024-11", "100%": "2024-03"}
    cumulative = [m["100% cumulative"] for m in r["monthly"]]
    assert cumulative[:3] == pytest.approx([100_000, 300_000, 680_000])
    assert [m["50% cumulative"] for m in r["monthly"]][8:11] == pytest.approx([420_000, 420_000, 520_000])
    calls = [(c["name"], c["first_seen"][:10], c["capacity_t"]) for c in r["calls"]]
    assert calls == [("ALPHA", "2024-01-10", 10_000), ("BRAVO", "2024-02-05", 20_000),
                     ("CHARLIE", "2024-03-01", 8_000), ("FOXTROT", "2024-03-20", 30_000),
                     ("GOLF", "2024-06-01", 6_000), ("ALPHA", "2024-09-01", 10_000),
                     ("BRAVO", "2024-11-10", 20_000)]
    tankers = {t["name"]: t for t in r["tankers"]}
    assert tankers["ALPHA"]["calls"] == 2 and tankers["ALPHA"]["100%"] == pytest.approx(200_000)
    assert tankers["ALPHA"]["capacity_from"] == "list LISTA"  # the list wins over the table's 1 t
    assert tankers["GOLF"]["capacity_source"] == "deadweight" and tankers["GOLF"]["capacity_from"] == "vessels table"
    assert tankers["CHARLIE"]["capacity_source"] == "gross tonnage x 1.6"
    assert [(u["name"], u["reason"]) for u in r["unknown"]] == [
        ("MYSTERY", "capacity unknown (no deadweight or gross tonnage)")]


def test_named_ports_and_defaults(year):
    r = cap_json(year, "--ports", "Nampo,vostochny")
    assert r["ports"] == ["Nampo", "Vostochny"]
    assert r["totals"]["100%"] == pytest.approx(1_120_000)  # + CHARLIE at Vostochny
    assert cap_json(year, "--ports", "Busan")["totals"]["100%"] == pytest.approx(200_000)
    default = json.loads(year("cap", "--year", 2024, "--json").stdout)
    assert default["barrels_per_tonne"] == 7.33 and list(default["scenarios"]) == ["33%", "50%", "90%"]
    assert default["totals"]["90%"] == pytest.approx(104_000 * 7.33 * 0.9)
    assert default["passed"] == {"33%": None, "50%": None, "90%": "2024-09"}  # 554,097 bbl by September


def test_text_output_and_chart(year, tmp_path):
    chart = tmp_path / "cap.png"
    out = year("cap", "--year", 2024, "--barrels-per-tonne", 10, "--laden", "0.5,1", "--chart", chart).stdout
    assert "100% laden: 1,040,000 bbl (208% of the cap), cap passed in 2024-03" in out
    assert "50% laden: 520,000 bbl (104% of the cap), cap passed in 2024-11" in out
    assert "MYSTERY" in out and "capacity unknown" in out and "ECHO" not in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "--overwrite" in year("cap", "--year", 2024, "--chart", chart, code=2).stderr
    year("cap", "--year", 2024, "--chart", chart, "--overwrite")


@pytest.mark.parametrize("args, needle", [
    (["--laden", "0.5,1.5"], "(0, 1]"),
    (["--laden", "half"], "comma-separated"),
    (["--ports", "Atlantis"], "unknown port 'Atlantis'"),
])
def test_bad_options(year, args, needle):
    assert needle in year("cap", "--year", 2024, *args, code=2).stderr


def test_vessels_set_list_history(run):
    run("vessels", "set", "--imo", "IMO 8604917", "--deadweight", 3300, "--vessel-type", "tanker", "--analyst", "kim")
    run("vessels", "set", "--imo", "8604917", "--gross-tonnage", 2000, "--note", "Panel report")
    run("vessels", "set", "--imo", "8604917", "--gross-tonnage", 2000)  # no change, no audit row
    (row,) = run.json("vessels", "list")
    assert (row["imo"], row["deadweight"], row["gross_tonnage"], row["vessel_type"], row["note"]) == (
        "8604917", 3300.0, 2000.0, "tanker", "Panel report")
    history = run.json("history", "vessel:8604917")
    assert [h["action"] for h in history] == ["insert", "update"]
    assert history[1]["old"] == {"gross_tonnage": None, "note": None}
    assert history[0]["analyst"] == "kim"
    assert "check digit" in run("vessels", "set", "--imo", "8604918", "--deadweight", 1, code=2).stderr
    assert "positive" in run("vessels", "set", "--imo", "8604917", "--deadweight", -5, code=2).stderr
    assert "nothing to set" in run("vessels", "set", "--imo", "8604917", code=2).stderr


def test_vessels_import_all_or_nothing(run, tmp_path):
    bad = write_csv(tmp_path / "v.csv", "imo,deadweight", ["8604917,3300", "1234568,100", "8660313,lots"])
    run("init")
    err = run("vessels", "import", bad, code=2).stderr
    assert "row 3, field imo" in err and "row 4, field deadweight" in err
    assert run.json("vessels", "list") == []
    good = write_csv(tmp_path / "w.csv", "imo,deadweight", ["8604917,3300", "8660313,4800"])
    assert "2 vessel records" in run("vessels", "import", good).stdout
    assert [v["deadweight"] for v in run.json("vessels", "list")] == [3300.0, 4800.0]


def test_each_call_says_its_source(year, tmp_path):
    """AIS calls count beside imagery calls; a call both saw is one, ``imagery+ais``."""
    rows = []
    for minute in range(0, 181, 10):  # 3 h stopped at Nampo: BRAVO's imagery call of Nov 10, and HOTEL's
        t = f"2024-11-10T{1 + minute // 60:02d}:{minute % 60:02d}:00Z"
        rows.append(f"273111111,{t},{NAMPO[0]},{NAMPO[1]},0.1,,,BRAVO,9358010,,80,")
        rows.append(f"273222222,{t},{NAMPO[0] + 0.01},{NAMPO[1]},0.1,,,HOTEL,9247730,,80,")
    plain = write_csv(tmp_path / "ais.csv", "mmsi,time,lon,lat,sog,cog,heading,name,imo,call_sign,ship_type,length_m",
                      rows)
    archive = tmp_path / "team.ais"
    year("--ais", archive, "ais", "import", plain)
    year("--ais", archive, "ais", "behaviour")
    r = cap_json(year)
    assert {(c["name"], c["first_seen"][:10], c["source"]) for c in r["calls"]} >= {
        ("BRAVO", "2024-11-10", "imagery+ais"), ("ALPHA", "2024-01-10", "imagery")}
    assert r["totals"]["100%"] == pytest.approx(1_040_000)  # BRAVO's call seen twice counts once
    assert [(u["name"], u["source"]) for u in r["unknown"] if u["name"] == "HOTEL"] == [("HOTEL", "ais")]
    out = year("cap", "--year", 2024).stdout
    assert "source" in out and "imagery+ais" in out
