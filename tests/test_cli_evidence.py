"""``shipsight evidence`` through the real CLI: the pack's files, its manifest hashes, the zip.

The log is built through the CLI (outputs_scenario.py): ANGARA and the vessel
beside it were logged from a registered GeoTIFF, so their chips can be cut;
the ship-to-ship pair at sea has no scene, which the pack must say.
"""

import csv
import hashlib
import io
import json
import zipfile

import pytest

from outputs_scenario import SCENE_ID, XSS, build_log


@pytest.fixture
def log(run, tmp_path, ports_file):
    build_log(run, tmp_path, ports_file)
    run("sightings", "edit", 2, "--confidence", "confirmed", "--reason", "hull marking read")
    flags = {f["rule"]: f for f in run.json("flags", "list")}
    run("flags", "review", flags["at-sanctioned-vessel-location"]["id"], "--status", "confirmed",
        "--note", "alongside the listed ship")
    return run, flags


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def check_manifest(files):
    """``files``: path -> bytes of a whole pack. Every file but the two indexes is listed, with its hash."""
    manifest = json.loads(files["manifest.json"])
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "SHA256SUMS"}
    for path, entry in listed.items():
        assert entry["sha256"] == sha256(files[path]) and entry["bytes"] == len(files[path])
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert sums == {p: e["sha256"] for p, e in listed.items()}
    return manifest


def test_pack_folder(log, tmp_path):
    run, flags = log
    flag = flags["at-sanctioned-vessel-location"]
    out = tmp_path / "pack"
    res = run("evidence", flag["id"], out)
    assert str(out) in res.stdout
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert set(files) == {"README.md", "flag.json", "sightings.geojson", "scenes.json", "list_entry.json",
                          "audit.csv", "chips/sighting-1.png", "chips/sighting-2.png", "manifest.json", "SHA256SUMS"}
    manifest = check_manifest(files)
    assert manifest["flag_id"] == flag["id"] and manifest["rule"] == "at-sanctioned-vessel-location"

    recorded = json.loads(files["flag.json"])
    assert recorded["explanation"] == flag["explanation"] and recorded["status"] == "confirmed"
    assert recorded["related_sighting_id"] == 1 and recorded["sighting_id"] == 2
    sightings = json.loads(files["sightings.geojson"])
    assert sorted(f["properties"]["id"] for f in sightings["features"]) == [1, 2]
    assert XSS in [f["properties"]["name"] for f in sightings["features"]]
    (scene,) = json.loads(files["scenes.json"])
    registered = run.json("scenes", "show", SCENE_ID)
    assert scene["id"] == SCENE_ID and scene["sha256"] == registered["sha256"]
    entry = json.loads(files["list_entry.json"])
    assert (entry["name"], entry["imo"], entry["list"]) == ("ANGARA", "9179842", "OFAC SDN")
    audit = list(csv.DictReader(io.StringIO(files["audit.csv"].decode())))
    seen = {(a["entity"], a["entity_id"], a["action"]) for a in audit}
    # Sightings 1 and 2 came in with one import: its entry (file, SHA-256, ids) is listed once.
    assert {("flag", str(flag["id"]), "insert"), ("flag", str(flag["id"]), "review"), ("import", "1", "import"),
            ("sighting", "2", "edit")} <= seen
    assert [a["entity"] for a in audit].count("import") == 1
    assert all(a["entity"] in ("flag", "sighting", "import") for a in audit)
    for chip in ("chips/sighting-1.png", "chips/sighting-2.png"):
        assert files[chip][:8] == b"\x89PNG\r\n\x1a\n"
    readme = files["README.md"].decode()
    assert flag["explanation"].split(" was ")[0].replace("<", "\\<").replace(">", "\\>") in readme
    assert "<script>" not in readme


def test_pack_zip_and_no_scene_noted(log, tmp_path):
    run, flags = log
    flag = flags["ship-to-ship"]
    out = tmp_path / "sts.zip"
    run("evidence", flag["id"], out)
    with zipfile.ZipFile(out) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    check_manifest(files)
    assert not any(name.startswith("chips/") for name in files)
    readme = files["README.md"].decode()
    assert "not made for sighting 3: logged without a scene" in readme
    assert "not made for sighting 4: logged without a scene" in readme
    assert json.loads(files["list_entry.json"]) is None
    assert "--overwrite" in run("evidence", flag["id"], out, code=2).stderr
    run("evidence", flag["id"], out, "--overwrite")


def test_changed_scene_file_noted_not_hidden(log, tmp_path):
    run, flags = log
    with open(tmp_path / "in" / f"{SCENE_ID}.tif", "ab") as fh:
        fh.write(b"tampered")
    out = tmp_path / "pack"
    run("evidence", flags["sanctioned-vessel"]["id"], out)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "not made for sighting 1" in readme and "changed" in readme
    assert not (out / "chips").exists()


def test_refusals(log, tmp_path):
    run, flags = log
    assert "no flag 999" in run("evidence", 999, tmp_path / "x", code=2).stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep")
    err = run("evidence", flags["sanctioned-vessel"]["id"], busy, "--overwrite", code=2).stderr
    assert "not an evidence pack" in err and (busy / "mine.txt").read_text() == "keep"
    assert not (tmp_path / "x").exists()
