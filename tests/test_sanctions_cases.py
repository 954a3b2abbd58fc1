"""The field cases of ../shared/cases/sanctions, each expected value a test, through the real CLI on both back ends.

Inputs are read from the cases folder (skipped with a message when it is absent);
what each case expects is in its README.md.
"""

import pytest

from conftest import ROOT, write_csv

CASES = ROOT.parent / "shared" / "cases" / "sanctions"


def case(relative):
    path = CASES / relative
    if not path.exists():
        pytest.skip(f"field case not present: {path} (see shared/cases/README.md)")
    return path


def flags_by_sighting(run, rule="sanctioned-vessel"):
    return {f["sighting_id"]: f for f in run.json("flags", "list", "--rule", rule)}


def screened(run, folder):
    """Import the case's sdn.csv and sightings.csv, run the rules, return the sanctioned-vessel flags by sighting."""
    run("sanctions", "import", folder / "sdn.csv")
    run("sightings", "import", folder / "sightings.csv")
    run("flag")
    return flags_by_sighting(run)


def test_01_opensanctions_maritime_csv(run):
    folder = case("01-opensanctions-maritime-csv")
    first = run("sanctions", "import", folder / "maritime.csv")
    assert "OpenSanctions version 1: 4 vessels" in first.stdout
    assert "1 organization row in" in first.stderr and "is not a vessel" in first.stderr
    assert "1 non-vessel entry carries an IMO company number" in first.stderr
    assert "unchanged" in run("sanctions", "import", folder / "maritime.csv", "--format", "opensanctions").stdout
    listed = {e["name"]: e for e in run.json("sanctions", "list")}
    assert sorted(listed) == ["ANGARA", "CHON MA SAN", "SASCO ANGARA", "SHELLEST"]
    chon = listed["CHON MA SAN"]
    assert chon["entry_id"] == "NK-example-chonmasan"
    assert (chon["imos"], chon["mmsis"], chon["aliases"]) == (["8660313", "9417127"], ["445111000", "457222000"],
                                                              ["CHONMASAN"])
    assert chon["risk"] == "sanction" and chon["datasets"] == ["un_1718_vessels", "us_ofac_sdn"]
    for query in ("457222000", "9417127"):
        assert [h["name"] for h in run.json("sanctions", "search", query)] == ["CHON MA SAN"]
    run("sightings", "import", folder / "sightings.csv")
    run("flag")
    got = flags_by_sighting(run)
    assert sorted(got) == [1, 2]  # sighting 3 is the listed company's name: a company is not a ship
    assert (got[1]["listed_name"], got[1]["matched_on"]) == ("ANGARA", "imo")
    assert (got[2]["listed_name"], got[2]["matched_on"], got[2]["matched_value"]) == ("CHON MA SAN", "mmsi",
                                                                                      "457222000")
    same_as_search(run, got)


def test_02_un1718_several_mmsi(run):
    folder = case("02-un1718-several-mmsi")
    run("sanctions", "import", folder / "un1718.ftm.json", "--list", "OS FtM")
    run("sanctions", "import", folder / "targets.simple.csv", "--list", "OS simple")
    listed = {e["list"]: e for e in run.json("sanctions", "list")}
    for entry in listed.values():
        assert entry["name"] == "CHON MA SAN" and entry["imos"] == ["8660313"]
        assert entry["mmsis"] == ["445111000", "457222000"] and "EXAMPLE STAR 3" in entry["aliases"]
    assert listed["OS FtM"]["flags"] == ["kp", "mn"] and listed["OS FtM"]["call_signs"] == ["HMXX1", "JVXX2"]
    # the simple CSV does not say which identifiers are call signs: kept, and searchable
    assert listed["OS simple"]["other_ids"] == ["HMXX1", "JVXX2"]
    for query in ("457222000", "445111000", "JVXX2"):
        assert sorted(h["list"] for h in run.json("sanctions", "search", query)) == ["OS FtM", "OS simple"], query
    # an MMSI hit scores 95 on both lists, though the FtM entry also lists call signs (the query is not one)
    for hit in run.json("sanctions", "search", "457222000"):
        assert (hit["score"], hit["level"], hit["match_conflict"]) == (95.0, "high", None)
        assert hit["explanation"].endswith("(MMSI 457222000, 95).")
    run("sightings", "import", folder / "sightings.csv")
    run("flag")
    got = flags_by_sighting(run)
    assert sorted(got) == [1, 2, 3]
    assert (got[1]["matched_on"], got[1]["matched_value"]) == ("mmsi", "457222000")
    assert (got[2]["matched_on"], got[2]["matched_value"]) == ("mmsi", "445111000")
    assert got[3]["matched_on"] in ("name", "alias") and got[3]["matched_value"] == "EXAMPLE STAR 3"
    for f in got.values():
        assert f["listed_name"] == "CHON MA SAN"
        # one vessel on two lists: every flag cites both
        assert f["lists"] == "OS FtM; OS simple" and len(f["designations"]) == 2
    same_as_search(run, got)


def test_03_several_imo_veto(run):
    folder = case("03-several-imo-veto")
    run("sanctions", "import", folder / "vessels.ftm.json", "--list", "OS FtM")
    run("sanctions", "import", folder / "targets.simple.csv", "--list", "OS simple")
    for entry in run.json("sanctions", "list"):
        assert entry["name"] == "ANGARA" and entry["imos"] == ["9179842", "9417127"]
    assert {h["name"] for h in run.json("sanctions", "search", "9417127")} == {"ANGARA"}
    run("sightings", "import", folder / "sightings.csv")
    run("flag")
    got = flags_by_sighting(run)
    assert sorted(got) == [1, 2, 3]
    assert [(got[i]["matched_on"], got[i]["matched_value"]) for i in (1, 2, 3)] == [
        ("imo", "9417127"), ("imo", "9417127"), ("imo", "9179842")]
    assert all(f["listed_name"] == "ANGARA" and f["match_conflict"] is None for f in got.values())
    same_as_search(run, got)


def test_03_an_imo_the_entry_lists_is_no_conflict_for_its_name():
    import pandas as pd

    from shipsight.sanctions import match_identities, read_list

    entries = read_list(case("03-several-imo-veto") / "vessels.ftm.json").set_index("entry_id")
    out = match_identities(pd.DataFrame({"name": ["ANGARA"], "imo": ["9417127"]}), entries, keep="all")
    # the name match stands beside the IMO match (the same entry, its best evidence reported)
    assert out["matched_on"].tolist() == ["imo"] and out["conflict"].tolist() == [None]
    names_only = match_identities(pd.DataFrame({"name": ["ANGARA"], "imo": ["9417127"]}),
                                  entries.drop(columns="imos").assign(imos=[["9179842", "9417127"]]), keep="all")
    assert names_only["score"].tolist() == [100.0]


NAMES_04 = {1: ("NAM SAN 8", "8122347"), 2: ("NAM SAN 8", "8122347"), 3: ("YU JONG 2", "8604917"),
            4: ("KUM UN SAN 3", "8705539"), 5: ("KUM UN SAN 3", "8705539"), 6: ("RYE SONG GANG 1", "7389704"),
            7: ("CHON MA SAN", "8660313"), 8: ("SPARTA IV", "9743033"), 9: ("SEA STAR III", "9569205"),
            11: ("KUM UN SAN", "8720436")}


def test_04_name_numbers_spacing(run):
    got = screened(run, case("04-name-numbers-spacing"))
    assert {i: (f["listed_name"], f["listed_imo"]) for i, f in got.items()} == NAMES_04  # 10 (NAM SAN 6): none
    from shipsight.sanctions.match import MIN_FLAG_SCORE

    for query, name in (("NAM SAN NO.8", "NAM SAN 8"), ("SPARTA 4", "SPARTA IV")):
        hits = run.json("sanctions", "search", query)
        assert hits[0]["name"] == name and hits[0]["score"] >= MIN_FLAG_SCORE
    assert "written another way: 'SPARTA 4' = 'SPARTA IV', 90)" in got[8]["explanation"]
    same_as_search(run, got)


def test_07_imo_placeholders(run):
    folder = case("07-imo-placeholders")
    out = run("sanctions", "import", folder / "team-list.csv", "--list", "team list")
    assert "3 vessels" in out.stdout and "2 placeholder IMO numbers" in out.stderr
    listed = {e["name"]: e for e in run.json("sanctions", "list")}
    assert listed["KOTI"]["imo"] is None and listed["EXAMPLE TRADER"]["imo"] is None
    assert listed["KOTI"]["imos"] == [] and listed["YU JONG 2"]["imo"] == "8604917"
    assert run.json("sanctions", "search", "0000000") == []
    out = run("sightings", "import", folder / "ais-feed.csv")
    assert "imported 4 sightings" in out.stdout and "3 placeholder IMO numbers" in out.stderr
    sightings = {s["name"]: s for s in run.json("sightings", "list")}
    for name, mmsi in (("SOME SHIP", "412000111"), ("OTHER SHIP", "412000222"), ("THIRD SHIP", "412000333")):
        assert sightings[name]["imo"] is None and sightings[name]["mmsi"] == mmsi
    run("flag")
    got = flags_by_sighting(run)
    assert list(got) == [3] and (got[3]["listed_name"], got[3]["matched_on"]) == ("KOTI", "name")
    assert got[3]["match_conflict"] is None  # the listed KOTI has no IMO: nothing to conflict with
    same_as_search(run, got)
    everything = run("flags", "list").stdout + run("sanctions", "list").stdout + str(run.json("flags", "list"))
    assert "0000000" not in everything


def test_07_malformed_imo_still_refused(run, tmp_path):
    bad = write_csv(tmp_path / "feed.csv", "time,lon,lat,name,imo",
                    ["2024-07-01T02:00:00Z,123,32,A,0", "2024-07-01T02:00:00Z,123,32,B,91798420",
                     "2024-07-01T02:00:00Z,123,32,C,ABC1234"])
    err = run("sightings", "import", bad, code=2).stderr
    assert "row 3, field imo: IMO '91798420' is not seven digits" in err
    assert "row 4, field imo: IMO 'ABC1234' is not seven digits" in err and "row 2" not in err
    bad_list = write_csv(tmp_path / "list.csv", "name,imo", ["KOTI,0000000", "BAD,IMO 12AB567"])
    err = run("sanctions", "import", bad_list, code=2).stderr
    assert "row 3, field imo" in err and "not seven digits" in err
    assert run.json("sanctions", "versions") == [] and run.json("sightings", "list") == []


WHICH_10 = {1: ("SEA STAR III", "former-name", "CARNATION"), 2: ("SEA STAR III", "fuzzy-name", "SEA STAR III"),
            3: ("SEA STAR III", "alias", "SEASTAR III"), 4: ("SEA STAR III", "name", "SEA STAR III"),
            5: ("ARTAVIL", "former-name", "ALPHA")}


def test_10_which_name_matched(run):
    got = screened(run, case("10-which-name-matched"))
    assert {i: (f["listed_name"], f["matched_on"], f["matched_value"]) for i, f in got.items()} == WHICH_10
    assert got[2]["score"] < 90 and (got[2]["sighting_form"], got[2]["listed_form"]) == ("SEA STARR 3", "SEA STAR 3")
    assert ("matches former name CARNATION of SEA STAR III (IMO 9569205) on OFAC SDN under IRAN (former name, 85; "
            "weak evidence") in got[1]["explanation"]
    assert ("nearly matches SEA STAR III (IMO 9569205) on OFAC SDN under IRAN (fuzzy: name 'SEA STARR III' is close "
            "to listed name 'SEA STAR III', 85; weak evidence: a near spelling, not a listed name).") in got[2]["explanation"]
    assert "name SEA STAR III of SEA STAR III" not in got[2]["explanation"]
    assert "matches alias SEASTAR III of SEA STAR III (IMO 9569205) on OFAC SDN under IRAN (alias, 90)." in \
        got[3]["explanation"]
    assert "matches SEA STAR III (IMO 9569205) on OFAC SDN under IRAN (name, 90)." in got[4]["explanation"]
    assert "weak" not in got[4]["explanation"] and "former name ALPHA of ARTAVIL" in got[5]["explanation"]
    # weak evidence never reads "high": a former name or a near spelling is medium, a listed name or alias high
    assert {i: f["level"] for i, f in got.items()} == {1: "medium", 2: "medium", 3: "high", 4: "high", 5: "medium"}
    shown = run("flags", "show", got[1]["id"]).stdout
    assert "former-name" in shown and "former name CARNATION of SEA STAR III" in shown
    assert run.json("sanctions", "search", "CARNATION")[0]["matched_on"] == "former-name"
    same_as_search(run, got)


def same_as_search(run, flags):
    """``sanctions search`` of each flagged sighting's value scores, levels and words it as its flag does."""
    sightings = {s["id"]: s for s in run.json("sightings", "list")}
    for sighting_id, f in flags.items():
        s = sightings[sighting_id]
        query = {"imo": s["imo"], "mmsi": s["mmsi"]}.get(f["matched_on"], s["name"])
        hit = next(h for h in run.json("sanctions", "search", query, "--limit", "50")
                   if (h["list"], h["name"]) == (f["list"], f["listed_name"]))
        assert (hit["score"], hit["level"], hit["matched_on"], hit["matched_name"]) == (
            f["score"], f["level"], f["matched_on"], f["matched_value"]), (query, hit, f)
        assert hit["explanation"].startswith(repr(query) + " ")
        evidence = hit["explanation"][len(repr(query)) + 1:]
        if len(f["designations"]) == 1:
            assert f["explanation"].endswith(" " + evidence), (f["explanation"], evidence)


def test_11_uk_sanctions_list_xml(run, tmp_path):
    folder = case("11-uk-sanctions-list-xml")
    assert "UK Sanctions List version 1: 1 vessel" in run("sanctions", "import", folder / "UK_Sanctions_List.xml").stdout
    (ship,) = run.json("sanctions", "list")
    assert (ship["name"], ship["imo"], ship["aliases"], ship["flag"]) == ("ANGARA", "9179842", ["EXAMPLE FORMER NAME"],
                                                                          "Russia")
    assert (ship["vessel_type"], ship["entry_id"], ship["listed_on"]) == ("Ro-Ro cargo", "RUS9999", "2024-02-01")
    assert ship["program"] == "The Russia (Sanctions) (EU Exit) Regulations 2019"
    assert run.json("sanctions", "search", "9179842")[0]["entry_id"] == "RUS9999"
    assert "UK Sanctions List XML or CSV" in " ".join(run("sanctions", "import", "--help").stdout.split())
    unknown = tmp_path / "other.xml"
    unknown.write_text('<?xml version="1.0"?><records><record/></records>')
    err = run("sanctions", "import", unknown, code=2).stderr
    assert err.count("\n") == 1 and "UK Sanctions List" in err and "ofac-sdn" in err and "Traceback" not in err
