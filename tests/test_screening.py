"""Screening over list versions and over lists: identifiers over time, one vessel with several designations."""

from conftest import write_csv

HEADER = "id,name,imo,mmsi,program,former_names"


def _flags(run):
    return {f["sighting_id"]: f for f in run.json("flags", "list", "--rule", "sanctioned-vessel")}


def test_identifiers_over_time_survive_a_new_version(run, tmp_path):
    v1 = write_csv(tmp_path / "v1.csv", HEADER, ["K1,CHON MA SAN,8660313,445111000,DPRK,"])
    v2 = write_csv(tmp_path / "v2.csv", HEADER, ["K1,NEW STAR,8660313,457222000,DPRK,"])
    run("sanctions", "import", v1, "--list", "L")
    run("sanctions", "import", v2, "--list", "L")
    # 2023 sightings under the old MMSI and the old name, after the list moved on
    run("log", "--lon", 130.3, "--lat", 42.2, "--time", "2023-05-01T00:00:00Z", "--mmsi", "445111000")
    run("log", "--lon", 131.3, "--lat", 42.2, "--time", "2023-05-02T00:00:00Z", "--name", "CHON MA SAN")
    run("log", "--lon", 132.3, "--lat", 42.2, "--time", "2024-05-02T00:00:00Z", "--mmsi", "457222000")
    run("flag")
    got = _flags(run)
    assert sorted(got) == [1, 2, 3]
    assert all(f["listed_name"] == "NEW STAR" for f in got.values())  # the entry as it is now
    assert (got[1]["matched_on"], got[1]["matched_value"], got[1]["matched_version"]) == ("mmsi", "445111000", 1)
    assert (got[2]["matched_on"], got[2]["matched_value"], got[2]["matched_version"]) == ("former-name",
                                                                                          "CHON MA SAN", 1)
    assert got[3]["matched_version"] == 2
    assert "listed in version 1 of" in got[1]["explanation"] and "no longer in the latest" in got[1]["explanation"]
    assert "version" not in got[3]["explanation"]
    # search finds the entry by its old MMSI too
    assert [h["name"] for h in run.json("sanctions", "search", "445111000")] == ["NEW STAR"]


def _lists(tmp_path):
    ofac = write_csv(tmp_path / "ofac.csv", "id,name,imo,program", ["37059,ANGARA,9179842,RUSSIA-EO14024"])
    uk = write_csv(tmp_path / "uk.csv", "id,name,imo,program",
                   ["RUS9999,ANGARA,IMO 9179842,The Russia (Sanctions) (EU Exit) Regulations 2019"])
    un = write_csv(tmp_path / "un.csv", "id,name,imo,mmsi,program", ["KPe.1,EXAMPLE NEW NAME,9179842,273111000,DPRK"])
    return {"OFAC SDN": ofac, "UK Sanctions List": uk, "UN SC": un}


def test_one_vessel_on_several_lists_cites_them_all_in_any_order(tmp_path):
    from conftest import Cli

    seen = []
    for order in (["OFAC SDN", "UK Sanctions List", "UN SC"], ["UN SC", "UK Sanctions List", "OFAC SDN"]):
        run = Cli(str(tmp_path / f"{order[0]}.db"))
        files = _lists(tmp_path)
        for name in order:
            run("sanctions", "import", files[name], "--list", name)
        run("log", "--lon", 130.3, "--lat", 42.2, "--time", "2024-05-01T00:00:00Z", "--name", "ANGARA")
        run("log", "--lon", 131.3, "--lat", 42.2, "--time", "2024-05-01T00:00:00Z", "--mmsi", "273111000")
        run("flag")
        got = _flags(run)
        assert sorted(got) == [1, 2] and len(run.json("flags", "list")) == 2  # one flag per sighting, not per list
        for f in got.values():
            assert f["lists"] == "OFAC SDN; UK Sanctions List; UN SC"
            assert f["programs"] == "RUSSIA-EO14024; The Russia (Sanctions) (EU Exit) Regulations 2019; DPRK"
            assert [d["list"] for d in f["designations"]] == ["OFAC SDN", "UK Sanctions List", "UN SC"]
            assert "on OFAC SDN under RUSSIA-EO14024 and on UK Sanctions List under" in f["explanation"]
        seen.append({i: (f["listed_name"], f["list"], f["matched_on"], f["explanation"]) for i, f in got.items()})
        # a later run changes nothing
        assert "0 new, 0 updated, 0 withdrawn, 2 unchanged" in run("flag").stdout
    assert seen[0] == seen[1]  # the same flags whatever the import order


def test_a_list_added_later_updates_the_flag_it_names(run, tmp_path):
    files = _lists(tmp_path)
    run("sanctions", "import", files["OFAC SDN"], "--list", "OFAC SDN")
    run("log", "--lon", 130.3, "--lat", 42.2, "--time", "2024-05-01T00:00:00Z", "--imo", "9179842")
    run("flag")
    (before,) = run.json("flags", "list")
    run("sanctions", "import", files["UN SC"], "--list", "UN SC")
    assert "0 new, 1 updated, 0 withdrawn" in run("flag").stdout
    (after,) = run.json("flags", "list")
    assert after["id"] == before["id"] and after["lists"] == "OFAC SDN; UN SC"
    history = run.json("history", f"flag:{after['id']}")
    assert history[-1]["action"] == "update" and "designations" in history[-1]["new"]


def test_copy_carries_screening_columns(tmp_path, pg_url):
    from conftest import Cli

    files = _lists(tmp_path)
    src = Cli(str(tmp_path / "src.db"))
    for name in ("OFAC SDN", "UN SC"):
        src("sanctions", "import", files[name], "--list", name)
    src("log", "--lon", 130.3, "--lat", 42.2, "--time", "2024-05-01T00:00:00Z", "--mmsi", "273111000")
    src("flag")
    for target in (str(tmp_path / "copy.db"), pg_url):
        src("copy", "--from", src.db, "--to", target)
        dst = Cli(target)
        assert dst.json("flags", "list") == src.json("flags", "list")
        assert dst.json("sanctions", "list") == src.json("sanctions", "list")
        assert [v["report"] for v in dst.json("sanctions", "versions")] == [
            v["report"] for v in src.json("sanctions", "versions")]


def test_vessel_groups_by_imo_and_by_mmsi_only_without_imo():
    import pandas as pd

    from shipsight.sanctions.screening import vessel_groups

    entries = pd.DataFrame({
        "imos": [["9179842"], ["9179842", "9417127"], ["9417127"], [], [], ["9242986"], []],
        "mmsis": [[], [], [], ["273385420"], ["273385420"], ["273385420"], ["445111000"]],
        "first_id": [5, 2, 9, 4, 3, 1, 7],
    }, index=["A/1", "B/1", "C/1", "D/1", "E/1", "F/1", "G/1"])
    groups = vessel_groups(entries)
    # A, B, C chained by IMOs, led by the entry imported first (B); D and E share an MMSI and no IMO;
    # F shares that MMSI but has its own IMO: another ship; G alone.
    assert groups.to_dict() == {"A/1": "B/1", "B/1": "B/1", "C/1": "B/1", "D/1": "E/1", "E/1": "E/1",
                                "F/1": "F/1", "G/1": "G/1"}


def test_a_store_from_before_screening_upgrades_with_its_identifiers(tmp_path):
    """Entries stored with one IMO and MMSI get them as their lists; the next flag run reads them."""
    import sqlite3

    from shipsight.store import SCHEMA_VERSION, open_store
    from shipsight.store.sqlite_schema import MIGRATIONS

    before = next(k for k, m in enumerate(MIGRATIONS) if "ALTER TABLE list_versions ADD COLUMN report TEXT" in m)
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in [s for migration in MIGRATIONS[:before] for s in migration]:
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (?)", (before,))
    conn.execute("INSERT INTO list_versions VALUES (1, 'L', 1, 'csv', 'l.csv', 'x', 1, 0, 'kim', "
                 "'2024-01-01T00:00:00.000000Z')")
    conn.execute("INSERT INTO list_entries (id, list_version_id, entry_id, name, imo, imo_valid, mmsi, call_sign) "
                 "VALUES (1, 1, 'K1', 'CHON MA SAN', '8660313', 1, '445111000', 'HMXX1')")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        entry = store.list_entries().iloc[0]
        assert (entry["imos"], entry["mmsis"], entry["call_signs"], entry["aliases"]) == (
            ["8660313"], ["445111000"], ["HMXX1"], [])
