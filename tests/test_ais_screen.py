"""``shipsight ais screen`` and the AIS flag rules (dark-vessel, identity-mismatch), on SQLite and PostGIS.

The real MarineCadastre day (99,999 positions off the US, 2022-01-03) screened
against the real OFAC SDN list of 2024-05-03: exactly two listed vessels are
really there. VIKTOR BAKAEV (MMSI 636015565, IMO 9610810, a tanker) is listed
by OFAC (entry 46611, RUSSIA-EO14024) with that IMO and MMSI; MAGUS (MMSI
374208000) broadcasts IMO 9018464, which OFAC lists as FREEDOM (entry 29485,
VENEZUELA-EO13850): an identity mismatch. Some eighty other vessels share a
listed name (FREEDOM, PATRIOT, HERCULES, DESTINY...) and are never matches.
"""

import datetime as dt
import json

from tests.conftest import shared
from tests.test_ais_correlate import T, Fleet, _log, ais, at, imo, write_scene  # noqa: F401 (ais: the fixture)

MC_DAY = "ais/marinecadastre/AIS_2022_01_03_first99999.csv.gz"
OFAC = "sanctions/ofac_sdn_2024-05-03.csv"


def test_marinecadastre_day_screened_against_ofac(ais, run):
    ais("ais", "import", shared(MC_DAY))
    ais("sanctions", "import", shared(OFAC))
    out = ais.json("ais", "screen")
    got = [(r["status"], r["mmsi"], r["name"], r["imo"], r["listed_name"]) for r in out]
    assert got == [("identity-mismatch", "374208000", "MAGUS", "9018464", "FREEDOM"),
                   ("listed", "636015565", "VIKTOR BAKAEV", "9610810", "VIKTOR BAKAEV")]
    mismatch, listed = out
    assert mismatch["mismatch"] == "broadcasts IMO 9018464 of the listed FREEDOM under the name MAGUS"
    # VIKTOR BAKAEV broadcasts both of its listed numbers: both are said.
    assert listed["matched_on"] == "imo+mmsi" and listed["listed_mmsis"] == ["636015565"]
    assert mismatch["matched_on"] == "imo"
    assert listed["vessel_type"] == "tanker"
    # Designations are data in the JSON, not JSON text inside it.
    assert isinstance(listed["designations"], list) and listed["designations"]
    assert all(isinstance(d, dict) for d in listed["designations"])
    # Name-only coincidences are listed only when asked, and never as matches.
    names = ais.json("ais", "screen", "--names")
    only = [r for r in names if r["status"] == "name-only"]
    assert len(only) >= 80 and {"FREEDOM", "PATRIOT", "HERCULES"} <= {r["name"] for r in only}
    assert [r for r in names if r["status"] != "name-only"] == out
    text = ais("ais", "screen").stdout
    assert "1 listed, 1 identity mismatch" in text
    # Partitions of vessels on a LocalCluster of two workers: the same answer as one process.
    from shipsight.ais.screen import screen_ais
    from shipsight.cli.output import records
    from shipsight.store import open_store

    with open_store(run.db) as store:
        one = screen_ais(store, names=True)
        cluster = screen_ais(store, names=True, workers=2, partition_size=1500)
    assert len(one) >= 80 and records(one) == records(cluster)  # as printed: a blank is null either way
    assert ais.json("ais", "screen", "--workers", "2") == out


def _lists(tmp_path, rows):
    path = tmp_path / "team.csv"
    path.write_text("name,imo,mmsi,program\n" + "\n".join(rows) + "\n")
    return path


def test_dark_vessel_and_identity_mismatch_flags(ais, tmp_path, ports_file):
    """A listed tanker goes silent six hours before the scene at 10 kn (111 km of reach, capped at 50 km); a dark
    ship 17 km from its last position is flagged, one 73 km away is not; a dark ship in a watch-listed port is
    flagged; a detection matched to AIS broadcasting a listed IMO under another name is an identity mismatch."""
    write_scene(tmp_path / "rajin.tif", 130.0, 42.6, width=1200, height=1200, px=0.001)
    ais("scenes", "add", tmp_path / "rajin.tif", "--acquired", T.isoformat(), "--id", "rajin")
    ais("ports", "import", ports_file)
    listed_imo, spoofed_imo, honest_imo = imo("917984"), imo("934567"), imo("912345")
    ais("sanctions", "import", _lists(tmp_path, [f"SILENT STAR,{listed_imo},273999990,TEST",
                                                 f"GENUINE,{spoofed_imo},,TEST", f"HONEST,{honest_imo},,TEST"]),
        "--format", "csv", "--list", "team")
    fleet = Fleet()
    # SILENT STAR: last heard at 130.05, 42.30, six hours before the scene, steaming east at 10 kn.
    fleet.add(273999990, *at(130.05, 42.30, 90, 10, 360), cog=90, sog=10, minutes=(-370, -365, -360),
              name="SILENT STAR", imo_=listed_imo, length=180)
    # Other vessels cover the footprint at the scene time.
    fleet.add(273111110, 130.5, 42.5, minutes=(-2, 2), name="COVER", length=90)
    # A ship broadcasting GENUINE's IMO under the name IMPOSTOR, matched by a detection.
    fleet.add(273555550, 130.40, 42.40, minutes=(-2, 2), name="IMPOSTOR", imo_=spoofed_imo, length=120)
    # SILENT STAR's sister, listed too and broadcasting honestly; and a fishing boat that happens to be called
    # GENUINE (no IMO): a name alone broadcast in AIS is a coincidence, not a match.
    fleet.add(273999991, 130.45, 42.45, minutes=(-2, 2), name="HONEST", imo_=honest_imo, length=150)
    fleet.add(367000001, 130.15, 42.55, minutes=(-2, 2), name="GENUINE", length=20)
    ais("ais", "import", fleet.write(tmp_path / "f.csv"))
    honest = _log(ais, 130.45, 42.45, scene="rajin", length=150)
    boat = _log(ais, 130.15, 42.55, scene="rajin", length=20)
    near = _log(ais, 130.25, 42.25, scene="rajin", length=180)     # 17 km from SILENT STAR's last ping
    far = _log(ais, 130.9, 42.1, scene="rajin", length=180)        # 73 km: beyond the 50 km cap
    in_port = _log(ais, 130.30, 42.245, scene="rajin", length=150)  # Rajin, watch-listed
    spoof = _log(ais, 130.40, 42.40, scene="rajin", length=120)
    ais("ais", "correlate", "rajin")
    assert ais("flag").stderr == ""  # no warning of a time zone numpy cannot hold
    flags = ais.json("flags", "list")
    by = {(f["rule"], f["sighting_id"]) for f in flags}
    assert ("dark-vessel", near) in by and ("dark-vessel", in_port) in by
    assert not any(f["rule"] == "dark-vessel" and f["sighting_id"] == far for f in flags)
    assert ("identity-mismatch", spoof) in by and ("sanctioned-vessel", spoof) not in by
    dark = next(f for f in flags if f["rule"] == "dark-vessel" and f["sighting_id"] == near)
    shown = ais.json("flags", "show", dark["id"])
    assert "SILENT STAR" in shown["explanation"] and 15_000 < shown["distance_m"] < 20_000
    assert abs(shown["hours_apart"] - 6.0) < 0.01 and '"reach_m": 50000' in shown["last_ping"]
    # Every time printed is UTC with a Z: the last ping's in the evidence, the explanation, the table.
    last_ping = (T - dt.timedelta(minutes=360)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(shown["last_ping"])["last_ping"] == last_ping and f"{last_ping})" in shown["explanation"]
    assert f'"last_ping": "{last_ping}"' in ais("flags", "show", dark["id"]).stdout
    assert json.loads(dark["last_ping"])["last_ping"] == last_ping
    mism = next(f for f in flags if f["rule"] == "identity-mismatch")
    assert "IMPOSTOR" in ais.json("flags", "show", mism["id"])["explanation"]
    # The identity rules fire on detections identified by AIS, and say so; a name alone from AIS does not.
    assert ais.json("flags", "show", mism["id"])["identity_source"] == "ais"
    hit = next(f for f in flags if f["rule"] == "sanctioned-vessel" and f["sighting_id"] == honest)
    shown = ais.json("flags", "show", hit["id"])
    assert shown["identity_source"] == "ais" and shown["ais_mmsi"] == "273999991"
    assert "The sighting's identity is from AIS: MMSI 273999991 matched it in scene rajin." in shown["explanation"]
    assert ais.json("sightings", "show", boat)["name"] == "GENUINE"
    assert not any(f["sighting_id"] == boat for f in flags)
    # A re-run finds the same flags and changes nothing.
    assert ais.json("flag")["changes"]["new"] == 0
