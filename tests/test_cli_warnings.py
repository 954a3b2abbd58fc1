"""Warnings reach the user as shipsight's own one-line 'warning: ...', whoever raised them."""

import logging
import warnings

import click
from click.testing import CliRunner

from shipsight.cli.main import warning_lines
from shipsight.errors import ShipsightWarning


@click.command()
def _noisy():
    with warning_lines():
        warnings.warn("layer has invalid winding order\nreversed", RuntimeWarning)   # as pyogrio does
        warnings.warn("layer has invalid winding order reversed", RuntimeWarning)    # the same, once
        logging.getLogger("rasterio._env").warning("CPLE_AppDefined in TIFFReadDirectory: unknown tag")
        logging.getLogger("rasterio._env").info("not shown")
        warnings.warn("invalid value encountered in divide", RuntimeWarning)         # as numpy does
        warnings.warn("read decimal commas in lon", ShipsightWarning)
        warnings.warn("use the new API", DeprecationWarning)                         # for developers only
        warnings.warn("will change", FutureWarning)
    click.echo("done")


def test_library_warnings_become_one_line_each():
    result = CliRunner().invoke(_noisy)
    assert result.exit_code == 0 and result.stdout == "done\n"
    assert result.stderr.splitlines() == [
        "warning: layer has invalid winding order reversed",
        "warning: CPLE_AppDefined in TIFFReadDirectory: unknown tag",
        "warning: invalid value encountered in divide",
        "warning: read decimal commas in lon",
    ]


def test_warnings_are_restored_after_the_command():
    before = warnings.showwarning
    CliRunner().invoke(_noisy)
    assert warnings.showwarning is before
    assert not any(h.__class__.__name__ == "_WarningLines" for h in logging.getLogger().handlers)


def test_a_real_command_shows_no_python_warning_format(run, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("time,position\n2024-03-05T14:22:00Z,\"42.2458, 130.2985\"\n")
    err = run("sightings", "import", path).stderr
    assert err.startswith("warning: position: 1 position(s) without hemisphere letters read as latitude, longitude")
    assert "Warning:" not in err and ".py:" not in err


def test_a_file_of_several_layers_says_which_it_read_and_names_layer(run, tmp_path):
    # pyogrio's "More than one layer found ... Specify layer parameter" reached the user raw (issue 11 user test).
    import geopandas as gpd
    import shapely

    path = tmp_path / "two.gpkg"
    points = gpd.GeoDataFrame({"time": ["2024-03-05T14:22:00Z"], "name": ["FIRST"]},
                              geometry=[shapely.Point(130.3, 42.24)], crs=4326)
    points.to_file(path, layer="mine", driver="GPKG")
    points.assign(name="SECOND", time="2024-03-06T14:22:00Z").to_file(path, layer="theirs", driver="GPKG")
    result = run("sightings", "import", path)
    assert result.stderr.splitlines() == [f"warning: {path}: has 2 layers (mine, theirs); read the first, 'mine'; "
                                          "choose another with --layer NAME"]
    assert [s["name"] for s in run.json("sightings", "list")] == ["FIRST"]
    assert run("sightings", "import", path, "--layer", "theirs").stderr == ""
    assert [s["name"] for s in run.json("sightings", "list")] == ["FIRST", "SECOND"]
    ports = tmp_path / "ports.gpkg"
    gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.box(131, 43, 131.1, 43.1)], crs=4326).to_file(ports, layer="a")
    gpd.GeoDataFrame({"name": ["B"]}, geometry=[shapely.box(132, 43, 132.1, 43.1)], crs=4326).to_file(ports, layer="b")
    assert "read the first, 'a'; choose another with --layer NAME" in run("ports", "import", ports).stderr
