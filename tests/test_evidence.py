"""Evidence packs: every file present, hashes true, names safe, nothing half-written."""

import hashlib
import json
import subprocess
import shutil
import zipfile

import pandas as pd
import pytest
from PIL import Image

from shipsight.errors import InputError
from shipsight.io.export import read_layer
from shipsight.report.evidence import build_evidence
from shipsight.report.sample import XSS_NAME, sample_layers

FILES = {"README.md", "flag.json", "sightings.geojson", "scenes.json", "list_entry.json", "audit.csv",
         "manifest.json", "SHA256SUMS"}


@pytest.fixture
def pack_args():
    L = sample_layers()
    flag = L["flags"].iloc[1]  # at-sanctioned-vessel-location: sightings 2 (XSS name) and 1
    sightings = L["sightings"][L["sightings"]["id"].isin([1, 2])]
    scenes = L["scenes"][L["scenes"]["id"].isin(sightings["scene_id"])]
    entry = {"name": "NEW KONK", "imo": "9036387", "list": "UN 1718", "program": "DPRK",
             "remarks": "designated <2018> | see S/2018/171"}
    audit = pd.DataFrame({
        "at": pd.to_datetime(["2024-04-30T10:00:00Z", "2024-05-01T08:00:00Z"], utc=True),
        "who": ["jdoe", "akim"], "table": ["sightings", "flags"], "row_id": [2, 2],
        "field": ["note", "status"], "old": [None, "open"], "new": ["alongside", "confirmed"],
    })
    return dict(flag=flag, sightings=sightings, scenes=scenes, entry=entry, audit=audit)


def fake_chip(row, out_png):
    if row["id"] == 2:
        return None  # its scene is "not on this machine"
    Image.new("RGB", (64, 64), (20, 40, 60)).save(out_png)
    return out_png


def check_manifest(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert listed == on_disk - {"manifest.json", "SHA256SUMS"}
    for f in manifest["files"]:
        data = (folder / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert len(data) == f["bytes"]
    return manifest


def test_folder_pack(tmp_path, pack_args):
    out = build_evidence(tmp_path / "flag-2", chip=fake_chip, **pack_args)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == FILES | {"chips/sighting-1.png"}
    manifest = check_manifest(out)
    assert manifest["flag_id"] == 2 and manifest["rule"] == "at-sanctioned-vessel-location"
    flag = json.loads((out / "flag.json").read_text())
    assert flag["related_sighting_id"] == 1 and flag["time"] == "2024-03-01T02:15:00Z"
    assert flag["related_geometry"]["type"] == "Point"
    sights = read_layer(out / "sightings.geojson")
    assert sorted(sights["id"].tolist()) == [1, 2] and XSS_NAME in sights["name"].tolist()
    scenes = json.loads((out / "scenes.json").read_text())
    assert scenes[0]["id"] == "S2A_20240301" and scenes[0]["sha256"] == "a" * 64
    assert scenes[0]["footprint"]["type"] == "Polygon"
    assert json.loads((out / "list_entry.json").read_text())["imo"] == "9036387"
    audit = pd.read_csv(out / "audit.csv")
    assert audit["new"].tolist() == ["alongside", "confirmed"] and audit["at"][0] == "2024-04-30T10:00:00Z"


def test_audit_csv_text_is_inert_in_a_spreadsheet(tmp_path, pack_args):
    pack_args["audit"].loc[0, "new"] = "=cmd|' /C calc'!A0"
    out = build_evidence(tmp_path / "p", chip=fake_chip, **pack_args)
    audit = pd.read_csv(out / "audit.csv", dtype=str)
    assert audit["new"].tolist() == ["'=cmd|' /C calc'!A0", "confirmed"]


def test_readme_explains_and_escapes(tmp_path, pack_args):
    out = build_evidence(tmp_path / "p", chip=fake_chip, **pack_args)
    readme = (out / "README.md").read_text()
    assert "within 130 m of sanctioned NEW KONK" in readme
    assert "S2A\\_20240301" in readme and "jdoe" in readme
    assert "not made for sighting 2" in readme
    assert "<script>" not in readme and "\\<script\\>" in readme  # markup in data is inert
    assert "designated \\<2018\\> \\| see" in readme  # a pipe cannot break the layout
    assert "sha256sum -c SHA256SUMS" in readme


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum missing")
def test_sha256sums_checks(tmp_path, pack_args):
    out = build_evidence(tmp_path / "p", chip=fake_chip, **pack_args)
    run = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    (out / "audit.csv").write_text("tampered\n")
    run = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, timeout=30)
    assert run.returncode != 0


def test_zip_pack(tmp_path, pack_args):
    out = build_evidence(tmp_path / "flag-2.zip", chip=fake_chip, **pack_args)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert set(zf.namelist()) == FILES | {"chips/sighting-1.png"}
        zf.extractall(tmp_path / "x")
    check_manifest(tmp_path / "x")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_without_entry_chips_or_audit(tmp_path, pack_args):
    args = {**pack_args, "entry": None, "audit": None}
    out = build_evidence(tmp_path / "p", **args)
    assert json.loads((out / "list_entry.json").read_text()) is None
    assert not (out / "chips").exists()
    check_manifest(out)


def test_refuses_non_empty_folder(tmp_path, pack_args):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(InputError, match="not empty"):
        build_evidence(out, **pack_args)
    with pytest.raises(InputError, match="not an evidence pack"):
        build_evidence(out, overwrite=True, **pack_args)
    assert (out / "thesis.docx").read_text() == "precious"


def test_overwrite_pack_and_empty_folder(tmp_path, pack_args):
    out = tmp_path / "p"
    out.mkdir()
    build_evidence(out, **pack_args)  # an empty folder is fine
    with pytest.raises(InputError, match="overwrite"):
        build_evidence(out, **pack_args)
    build_evidence(out, overwrite=True, chip=fake_chip, **pack_args)
    assert (out / "chips" / "sighting-1.png").exists()
    zipped = tmp_path / "p.zip"
    build_evidence(zipped, **pack_args)
    with pytest.raises(InputError, match="exists"):
        build_evidence(zipped, **pack_args)


def test_failure_leaves_nothing(tmp_path, pack_args):
    def broken_chip(row, out_png):
        raise RuntimeError("imagery bug")

    with pytest.raises(RuntimeError):
        build_evidence(tmp_path / "p.zip", chip=broken_chip, **pack_args)
    assert list(tmp_path.iterdir()) == []


def test_chip_input_error_noted(tmp_path, pack_args):
    def missing(row, out_png):
        raise InputError("scene file /data/S2A_20240301.tif not found")

    out = build_evidence(tmp_path / "p", chip=missing, **pack_args)
    assert "scene file /data/S2A\\_20240301.tif not found" in (out / "README.md").read_text()
