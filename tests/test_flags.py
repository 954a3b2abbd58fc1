"""The flag rules through the real CLI, on hand-made scenarios whose flags are written down."""

import pytest

from conftest import SAMPLES, shared, write_csv
from shipsight.geodesy import WGS84

LIST_HEADER = "name,imo,mmsi,program,former_names,aliases,deadweight"


def offset(lon, lat, metres, azimuth=90.0):
    """The point ``metres`` away on the ellipsoid."""
    x, y, _ = WGS84.fwd(lon, lat, azimuth, metres)
    return round(float(x), 9), round(float(y), 9)


@pytest.fixture
def listed(run, tmp_path):
    """A plain CSV list with ANGARA, SASCO ANGARA, a former name, and an entry with a bad IMO."""
    path = write_csv(tmp_path / "list.csv", LIST_HEADER, [
        "ANGARA,9179842,,RUSSIA-EO14024,HYUNDAI 105,,",
        "SASCO ANGARA,9242986,,RUSSIA-EO14024,,,",
        "EBANO,7406784,,CUBA,ANA I; SAND SWAN,,",
        "BROKEN,1234568,,TEST,,,",
        "NOIMO TANKER,,273111222,DPRK4,,NT,5000",
    ])
    out = run("sanctions", "import", path, "--list", "test list")
    assert "1 IMO number in" in out.stderr and "fails the check digit" in out.stderr
    return path


def log(run, lon, lat, time, **identity):
    args = ["log", "--lon", lon, "--lat", lat, "--time", time]
    for key, value in identity.items():
        args += [f"--{key.replace('_', '-')}", value]
    return int(run(*args).stdout)


def flags_of(run, rule=None):
    args = ["flags", "list"] + (["--rule", rule] if rule else [])
    return run.json(*args)


def test_identity_rules(run, listed):
    log(run, 130.3, 42.24, "2024-01-01T00:00:00Z", name="ANGARA", imo="9179842")        # 1: by IMO
    log(run, 131.3, 42.24, "2024-01-02T00:00:00Z", name="ANGARA", imo="9240641")        # 2: other IMO
    log(run, 132.3, 42.24, "2024-01-03T00:00:00Z", name="SASCO ANGARA")                 # 3: name only
    log(run, 133.3, 42.24, "2024-01-04T00:00:00Z", name="M/V Sand Swan")                # 4: former name
    log(run, 134.3, 42.24, "2024-01-05T00:00:00Z", mmsi="273111222")                    # 5: by MMSI
    log(run, 135.3, 42.24, "2024-01-06T00:00:00Z", name="BROKEN")                       # 6: bad-IMO entry by name
    log(run, 136.3, 42.24, "2024-01-07T00:00:00Z", name="ANGAR")                        # 7: fuzzy
    run("flag")
    got = {f["sighting_id"]: f for f in flags_of(run, "sanctioned-vessel")}
    assert set(got) == {1, 3, 4, 5, 6, 7}
    assert (got[1]["listed_name"], got[1]["matched_on"], got[1]["score"]) == ("ANGARA", "imo", 100)
    assert got[1]["listed_imo"] == "9179842" and got[1]["list"] == "test list"
    assert got[1]["program"] == "RUSSIA-EO14024"
    assert got[3]["listed_name"] == "SASCO ANGARA" and got[3]["matched_on"] == "name"
    assert got[4]["listed_name"] == "EBANO" and got[4]["score"] < 90
    assert got[5]["listed_name"] == "NOIMO TANKER" and got[5]["matched_on"] == "mmsi"
    assert got[6]["listed_imo"] == "1234568"  # kept though its check digit is wrong
    assert got[7]["listed_name"] == "ANGARA" and got[7]["score"] < got[3]["score"]
    assert "ANGARA (IMO 9179842)" in got[1]["explanation"] and "test list" in got[1]["explanation"]
    record = got[1]
    for field in ("id", "rule", "severity", "sighting_id", "related_sighting_id", "name", "imo", "mmsi",
                  "listed_name", "listed_imo", "list", "program", "matched_on", "score", "port", "distance_m",
                  "hours_apart", "status", "explanation"):
        assert field in record


@pytest.mark.parametrize("lon,lat", [(130.3, 42.24), (179.9999, -16.5), (15.0, 80.0), (-60.0, -75.0)])
def test_colocation_thresholds_at_any_latitude(run, listed, lon, lat):
    anchor = log(run, lon, lat, "2024-03-01T00:00:00Z", name="ANGARA", imo="9179842")
    east = 0 if lon < 179 else 180  # straddle the antimeridian when there
    near = log(run, *offset(lon, lat, 499, 90 + east), "2024-03-03T23:54:00Z")     # 499 m, 71.9 h later
    far = log(run, *offset(lon, lat, 501, 90 + east), "2024-03-01T01:00:00Z")      # 501 m
    late = log(run, *offset(lon, lat, 100, 0), "2024-03-04T00:06:00Z")             # 72.1 h later
    early = log(run, *offset(lon, lat, 100, 180), "2024-02-27T00:06:00Z")          # 71.9 h before
    run("flag")
    colo = flags_of(run, "at-sanctioned-vessel-location")
    assert {f["sighting_id"] for f in colo} == {near, early}
    assert all(f["related_sighting_id"] == anchor for f in colo)
    by_id = {f["sighting_id"]: f for f in colo}
    assert by_id[near]["distance_m"] == pytest.approx(499, abs=0.01)
    assert by_id[near]["hours_apart"] == pytest.approx(71.9, abs=1e-6)
    assert by_id[early]["severity"] > by_id[near]["severity"]  # closer in space and time
    assert far not in by_id and late not in by_id


def test_colocation_options_and_own_sightings(run, listed):
    a = log(run, 130.3, 42.24, "2024-03-01T00:00:00Z", name="ANGARA", imo="9179842")
    log(run, *offset(130.3, 42.24, 50), "2024-03-01T05:00:00Z", name="ANGARA", imo="9179842")  # itself again
    b = log(run, *offset(130.3, 42.24, 700), "2024-03-01T10:00:00Z")
    run("flag")
    assert flags_of(run, "at-sanctioned-vessel-location") == []
    run("flag", "--distance-m", 800, "--window-h", 12)
    colo = flags_of(run, "at-sanctioned-vessel-location")
    # 700 m and 10 h from the first ANGARA sighting, 650 m and 5 h from the second: one flag for the
    # one listed vessel, with the closer encounter as evidence.
    assert [(f["sighting_id"], f["related_sighting_id"]) for f in colo] == [(b, a + 1)]
    assert colo[0]["distance_m"] == pytest.approx(650, abs=0.5) and colo[0]["hours_apart"] == 5


def test_watchlist_port_and_nesting(run, ports_file, listed):
    run("ports", "import", ports_file)
    inner = log(run, 130.2985, 42.2452, "2024-01-01T00:00:00Z")  # berth (not watch-listed) inside Rajin
    outer = log(run, 130.285, 42.235, "2024-01-01T00:00:00Z")
    log(run, 131.5, 42.0, "2024-01-01T00:00:00Z")
    run("flag")
    wl = {f["sighting_id"]: f for f in flags_of(run, "watchlist-port")}
    assert set(wl) == {inner, outer}
    assert wl[inner]["port"] == "Rajin" and "DPRK port" in wl[inner]["explanation"]


def test_ship_to_ship_only_at_sea(run, ports_file, listed):
    run("ports", "import", ports_file)
    a = log(run, 131.0, 41.0, "2024-04-28T02:20:00Z", name="TANKER ONE")
    b = log(run, *offset(131.0, 41.0, 299), "2024-04-28T03:19:00Z")                  # 299 m, 59 min
    log(run, *offset(131.0, 41.0, 301, 0), "2024-04-28T02:20:00Z")                   # 301 m
    log(run, *offset(131.0, 41.0, 100, 180), "2024-04-28T03:22:00Z")                 # 62 min
    log(run, 130.2985, 42.2452, "2024-05-01T00:00:00Z")                              # a pair inside a port
    log(run, *offset(130.2985, 42.2452, 50), "2024-05-01T00:10:00Z")
    log(run, *offset(131.0, 41.0, 10, 270), "2024-04-28T02:21:00Z", name="TANKER ONE")  # the same ship again
    run("flag")
    sts = flags_of(run, "ship-to-ship")
    assert [(f["sighting_id"], f["related_sighting_id"]) for f in sts] == [(a, b)]
    assert sts[0]["distance_m"] == pytest.approx(299, abs=0.01)
    assert "ship-to-ship" in sts[0]["explanation"]


def test_reruns_are_idempotent_and_follow_changes(run, listed):
    anchor = log(run, 130.3, 42.24, "2024-03-01T00:00:00Z", name="ANGARA", imo="9179842")
    near = log(run, *offset(130.3, 42.24, 200), "2024-03-01T02:00:00Z")
    run("flag")
    first = flags_of(run)
    assert len(first) == 2
    second = run.json("flag")
    assert second["changes"] == {"new": 0, "updated": 0, "withdrawn": 0, "unchanged": 2}
    assert flags_of(run) == first

    colo = next(f for f in first if f["rule"] == "at-sanctioned-vessel-location")
    run("flags", "review", colo["id"], "--status", "dismissed", "--note", "pilot boat", "--analyst", "c.park")
    run("sightings", "edit", near, "--lon", offset(130.3, 42.24, 300)[0], "--reason", "re-measured")
    changes = run.json("flag")["changes"]
    assert changes["updated"] == 1
    moved = next(f for f in flags_of(run) if f["rule"] == "at-sanctioned-vessel-location")
    assert moved["id"] == colo["id"] and moved["status"] == "dismissed"
    assert moved["distance_m"] == pytest.approx(300, abs=1)

    run("sightings", "retract", anchor, "--reason", "misidentified")
    assert run.json("flag")["changes"]["withdrawn"] == 2
    assert flags_of(run) == []
    withdrawn = run.json("flags", "list", "--withdrawn")
    assert len(withdrawn) == 2 and not any(f["active"] for f in withdrawn)
    actions = [h["action"] for h in run.json("history", f"flag:{colo['id']}")]
    assert actions == ["insert", "review", "update", "withdraw"]


def test_scoped_run_leaves_other_flags(run, listed):
    log(run, 130.3, 42.24, "2023-03-01T00:00:00Z", name="ANGARA", imo="9179842")
    log(run, 130.3, 42.24, "2024-03-01T00:00:00Z", name="ANGARA", imo="9179842")
    run("flag", "--since", "2024-01-01")
    assert [f["sighting_id"] for f in flags_of(run)] == [2]
    run("flag", "--until", "2023-12-31")
    assert sorted(f["sighting_id"] for f in flags_of(run)) == [1, 2]
    run("flag", "--bbox", "0,0,1,1")
    assert len(flags_of(run)) == 2


def test_review_errors(run, listed):
    run("init")
    assert "no flag 9" in run("flags", "review", 9, "--status", "confirmed", "--note", "x", code=2).stderr
    assert run("flags", "review", 9, "--status", "maybe", "--note", "x", code=2).exit_code == 2


def test_sanctions_versions_diff_search(run, tmp_path):
    v1 = write_csv(tmp_path / "v1.csv", LIST_HEADER, ["ANGARA,9179842,,RUSSIA-EO14024,,,", "LADY R,9161003,,RUSSIA-EO14024,,,"])
    v2 = write_csv(tmp_path / "v2.csv", LIST_HEADER, ["ANGARA,9179842,,RUSSIA-EO14024; DPRK,,,",
                                                      "MAIA-1,9358010,,RUSSIA-EO14024,,,"])
    assert "version 1" in run("sanctions", "import", v1, "--list", "L").stdout
    assert "unchanged" in run("sanctions", "import", v1, "--list", "L").stdout
    assert "+1 added, -1 removed, 1 changed" in run("sanctions", "import", v2, "--list", "L").stdout
    d = run.json("sanctions", "diff", "--list", "L")
    assert [e["name"] for e in d["added"]] == ["MAIA-1"]
    assert [e["name"] for e in d["removed"]] == ["LADY R"]
    assert d["changed"][0]["fields"] == ["program"]
    assert [v["version"] for v in run.json("sanctions", "versions")] == [1, 2]
    assert [e["name"] for e in run.json("sanctions", "list")] == ["ANGARA", "MAIA-1"]
    hits = run.json("sanctions", "search", "angarra")
    assert hits[0]["name"] == "ANGARA"
    assert (hits[0]["matched_on"], hits[0]["level"], hits[0]["matched_name"]) == ("fuzzy-name", "medium", "ANGARA")
    assert "'angarra' nearly matches ANGARA (IMO 9179842) on L under RUSSIA-EO14024; DPRK (fuzzy: name 'angarra' " \
           "is close to listed name 'ANGARA', 83; weak evidence: a near spelling, not a listed name)." == \
        hits[0]["explanation"]
    assert run.json("sanctions", "search", "IMO 9358010")[0]["name"] == "MAIA-1"
    table = run("sanctions", "search", "9179842").stdout
    assert "│ 100   │ high" in table and "'9179842' matches ANGARA (IMO 9179842) on L" in table
    shown = run("sanctions", "versions").stdout  # "with their file hashes", as its help says
    assert "sha256" in shown and all(v["sha256"][:8] in shown for v in run.json("sanctions", "versions"))


@pytest.mark.parametrize("name", ["ANGELA", "ANGARRA", "ANGARA", "SASCO ANGARRA", "EBAN", "ANGAR"])
def test_search_says_whether_the_flag_rule_would_flag_the_name(run, listed, name):
    """A search reaches further than the flag rule (ratio 60 over every name); `would_flag` is what a flag run does."""
    hits = run.json("sanctions", "search", name)
    log(run, 130.3, 42.24, "2024-01-01T00:00:00Z", name=name)
    run("flag")
    flagged = {f["listed_name"] for f in flags_of(run, "sanctioned-vessel")}
    assert hits, name
    for hit in hits:
        assert hit["would_flag"] == (hit["name"] in flagged), (name, hit["name"], hit["score"])
        assert hit["explanation"].endswith("would not be flagged (the flag rule's fuzzy match needs a ratio of 90"
                                           " between names one typing error apart).") != hit["would_flag"]
    assert any(h["would_flag"] for h in hits) == bool(flagged)


def test_sanctions_search_refuses_an_empty_query_and_names_its_argument(run, tmp_path):
    run("sanctions", "import", write_csv(tmp_path / "v1.csv", LIST_HEADER, ["ANGARA,9179842,,RUSSIA-EO14024,,,"]))
    err = run("sanctions", "search", "  ", code=2).stderr
    assert err.count("\n") == 1 and "the search is empty; give an IMO number, MMSI, call sign or name" in err
    assert "sanctions search [OPTIONS] QUERY" in run("sanctions", "search", "--help").stdout


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n\x00\x00binary", b"just,some,columns\n1,2,3\n"])
def test_bad_list_files_change_nothing(run, tmp_path, content):
    run("init")
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    err = run("sanctions", "import", path, code=2).stderr
    assert str(path) in err and "Traceback" not in err
    assert run.json("sanctions", "versions") == []


def test_sample_list_and_real_ofac_file(run):
    out = run("sanctions", "import", SAMPLES / "sanctions_sdn.csv")
    assert "OFAC SDN version 1: 10 vessels" in out.stdout
    # OFAC sdn.csv of 2024-05-03: 851 vessel rows (shared/data/README.md).
    real = shared("sanctions/ofac_sdn_2024-05-03.csv")
    out = run("sanctions", "import", real)
    assert "version 2: 851 vessels" in out.stdout
    angara = run.json("sanctions", "search", "9179842")[0]
    assert angara["name"] == "ANGARA" and angara["program"] == "RUSSIA-EO14024"


def test_demo_shows_flags(tmp_path):
    from click.testing import CliRunner

    from shipsight.cli.main import cli

    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    assert "Flags: 28 sanctioned-vessel, 4 at-sanctioned-vessel-location, 26 watchlist-port, 2 ship-to-ship" in result.stdout
    assert "unidentified vessel at Rajin Pier 3" in result.stdout
    # The ANGARA with another IMO is not the listed ANGARA.
    assert "Sighting 21 " not in result.stdout
