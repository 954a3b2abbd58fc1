"""``shipsight copy`` between two SQLite files: the destination's history says how rows came.

(The round trips through PostGIS are in test_postgis.py.)
"""

from conftest import Cli

T = "2024-01-05T03:00:00Z"


def test_copy_is_in_the_destination_history_and_not_copied_on(tmp_path):
    a, b, c = (Cli(str(tmp_path / f"{name}.db")) for name in "abc")
    a("log", "--lon", 130.3, "--lat", 42.24, "--time", T, "--name", "ANGARA")
    a("copy", "--from", a.db, "--to", b.db, "--analyst", "kim")
    a("copy", "--from", a.db, "--to", b.db)  # nothing new: nothing to note
    [entry] = [e for e in b.json("history") if e["action"] == "copy"]
    assert entry["analyst"] == "kim" and entry["entity"] == "store" and entry["id"] is None
    assert entry["new"] == {"from": a.db, "added": {"sightings": 1, "audit": 1}, "updated": {}}
    assert [e["action"] for e in b.json("history")] == ["insert", "copy"]
    assert b.json("history", 1) == a.json("history", 1)

    # Each store keeps its own copy log: copying b on does not carry b's copy log with it,
    # so c's ids can never clash with b's.
    b("copy", "--from", b.db, "--to", c.db)
    assert [e["new"]["from"] for e in c.json("history") if e["action"] == "copy"] == [b.db]
    table = b("history").stdout
    assert "copy" in table and "store" in table
