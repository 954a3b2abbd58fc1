"""The QGIS round trip: export to GeoPackage, edit the file (pyogrio), 'sightings sync' it back."""

import json

import geopandas as gpd
import pyogrio
import shapely

from conftest import SAMPLES


def _export(run, tmp_path, name="s.gpkg"):
    out = tmp_path / name
    run("export", "--layer", "sightings", out)
    return out


def _edit_in_a_gis(path, edit):
    """Read, change and write the file back as QGIS would (same layer, same fields)."""
    gdf = pyogrio.read_dataframe(path, layer="sightings")
    gdf = edit(gdf)
    pyogrio.write_dataframe(gdf, path, layer="sightings", driver="GPKG")


def test_round_trip_move_rename_add(run, tmp_path):
    run("ports", "import", SAMPLES / "ports.geojson")
    run("sightings", "import", SAMPLES / "sightings.csv")
    before = {s["id"]: s for s in run.json("sightings", "list")}
    first = before[1]
    assert first["port"] == "Rajin Pier 3"
    out = _export(run, tmp_path)

    def edit(gdf):
        i = gdf.index[gdf["id"] == 1][0]
        # Moved out of Rajin Pier 3 into Vladivostok's port area; the lon/lat fields go stale, as in QGIS.
        gdf.loc[i, "geometry"] = shapely.Point(131.89, 43.11)
        j = gdf.index[gdf["id"] == 2][0]
        gdf.loc[j, "name"] = "RENAMED IN QGIS"
        new = gdf.iloc[[0]].copy()
        new["id"] = None
        new["name"] = "ADDED IN QGIS"
        new["geometry"] = [shapely.Point(130.2985, 42.2452)]
        return gpd.GeoDataFrame(gpd.pd.concat([gdf, new], ignore_index=True), crs=gdf.crs)

    _edit_in_a_gis(out, edit)
    result = run("sightings", "sync", out, "--json", "--analyst", "lee")
    assert "warning:" in result.stderr and "geometry is the position" in result.stderr
    summary = json.loads(result.stdout)
    assert summary == {"edited": {"1": ["lat", "lon"], "2": ["name"]}, "added": [38], "unchanged": 35,
                       "duplicates": 0}

    after = {s["id"]: s for s in run.json("sightings", "list")}
    assert (after[1]["lon"], after[1]["lat"]) == (131.89, 43.11)
    assert after[1]["port"] == "Vladivostok"  # attributed afresh
    assert after[2]["name"] == "RENAMED IN QGIS"
    assert after[38]["name"] == "ADDED IN QGIS" and after[38]["port"] == "Rajin Pier 3"
    assert len(after) == 38  # nothing deleted
    for sid in range(3, 38):
        assert {k: after[sid][k] for k in ("time", "lon", "lat", "name")} == \
            {k: before[sid][k] for k in ("time", "lon", "lat", "name")}

    audit = run.json("history", "1")
    edit = [a for a in audit if a["action"] == "edit"][-1]
    assert edit["analyst"] == "lee" and "synced from s.gpkg" in edit["reason"]
    assert edit["new"] == {"lat": 43.11, "lon": 131.89}
    assert edit["old"] == {"lat": first["lat"], "lon": first["lon"]}
    renamed = [a for a in run.json("history", "2") if a["action"] == "edit"][-1]
    assert renamed["old"] == {"name": before[2]["name"]}

    # The same file synced again changes nothing and says so: its id-less feature is already in the log by the
    # import's duplicate rule (same time, position, identity, source), so it is not added a second time.
    audit_before = run.json("history")
    again = run("sightings", "sync", out)
    assert again.stdout.strip() == f"synced {out}: nothing changed (0 edited, 0 new, 37 unchanged, 1 already in the log)"
    assert "1 new feature already in the log" in again.stderr and "--allow-duplicates" in again.stderr
    assert len(run.json("sightings", "list")) == 38
    assert run.json("history") == audit_before  # nothing written, not even an empty import
    # A fresh export syncs back as unchanged.
    fresh = _export(run, tmp_path, "again.gpkg")
    assert json.loads(run("sightings", "sync", fresh, "--json").stdout) == {
        "edited": {}, "added": [], "unchanged": 38, "duplicates": 0}
    # --allow-duplicates adds the feature again, as 'sightings import --allow-duplicates' would.
    assert json.loads(run("sightings", "sync", out, "--allow-duplicates", "--json").stdout)["added"] == [39]


def test_new_features_of_a_csv_synced_twice_are_added_once(run, tmp_path):
    # A file of only new features (no id in any row): the second sync adds nothing.
    run("ports", "import", SAMPLES / "ports.geojson")
    run("log", "--lon", "130.3", "--lat", "42.24", "--time", "2024-01-05T03:00:00Z", "--name", "A")
    out = tmp_path / "s.csv"
    run("export", "--layer", "sightings", out)
    text = out.read_text().splitlines()
    header = text[0].split(",")
    new = dict(zip(header, text[1].split(",")))
    new.update(id="", name="NEW ONE", time="2024-01-06T03:00:00Z")
    out.write_text("\n".join([text[0], text[1], ",".join(new[h] for h in header), ",".join(
        {**new, "name": "NEW TWO", "lon": "130.31"}[h] for h in header)]) + "\n")
    first = run("sightings", "sync", out)
    assert first.stdout.splitlines()[0] == "added 2 sightings (ids 2-3)"
    second = run("sightings", "sync", out)
    assert "nothing changed" in second.stdout and "2 new features already in the log" in second.stderr
    assert [s["name"] for s in run.json("sightings", "list")] == ["A", "NEW ONE", "NEW TWO"]


def test_edit_made_in_the_store_since_the_export_is_a_conflict(run, tmp_path):
    run("ports", "import", SAMPLES / "ports.geojson")
    run("sightings", "import", SAMPLES / "sightings.csv")
    out = _export(run, tmp_path)
    run("sightings", "edit", 2, "--name", "NAMED IN THE STORE", "--reason", "hull marking", "--analyst", "kim")
    run("sightings", "edit", 3, "--note", "store note", "--reason", "review", "--analyst", "kim")

    def edit(gdf):
        gdf.loc[gdf["id"] == 2, "name"] = "NAMED IN QGIS"      # both changed the name: a conflict
        gdf.loc[gdf["id"] == 4, "name"] = "ONLY IN QGIS"       # only the file changed it: fine
        return gdf                                             # id 3: only the store changed it: kept

    _edit_in_a_gis(out, edit)
    err = run("sightings", "sync", out, code=2).stderr
    assert "nothing was written" in err
    assert "field name: conflict" in err and "'NAMED IN THE STORE'" in err and "'NAMED IN QGIS'" in err and "kim" in err
    assert "ONLY IN QGIS" not in err and "field note" not in err
    assert run.json("sightings", "show", 4)["name"] != "ONLY IN QGIS"  # all or nothing

    # Without the conflicting edit the rest goes through, and the store's newer note on 3 stands.
    _edit_in_a_gis(out, lambda g: g.assign(name=g["name"].where(g["id"] != 2, "NAMED IN THE STORE")))
    run("sightings", "sync", out)
    assert run.json("sightings", "show", 4)["name"] == "ONLY IN QGIS"
    assert run.json("sightings", "show", 3)["note"] == "store note"
    assert run.json("sightings", "show", 2)["name"] == "NAMED IN THE STORE"


def test_sync_refuses_files_that_are_not_exports(run, tmp_path):
    run("ports", "import", SAMPLES / "ports.geojson")
    err = run("sightings", "sync", SAMPLES / "sightings.csv", code=2).stderr
    assert "has no 'id' column" in err and "sightings import" in err


def test_unknown_ids_and_bad_values_are_listed(run, tmp_path):
    run("ports", "import", SAMPLES / "ports.geojson")
    run("sightings", "import", SAMPLES / "sightings.csv")
    out = _export(run, tmp_path)

    def edit(gdf):
        gdf.loc[gdf["id"] == 5, "id"] = 999
        gdf.loc[gdf["id"] == 6, "imo"] = "1234568"
        return gdf

    _edit_in_a_gis(out, edit)
    err = run("sightings", "sync", out, code=2).stderr
    assert "id 999 is not a sighting of this store" in err and "field imo" in err
