"""Damaged rasters: a file cut short, a corrupt tile inside, an empty file, a JP2 that is not one.

GDAL decodes blocks lazily, so a damaged file often opens and fails only in
the middle of a windowed read. Whatever reads it (``scenes add``, ``detect``,
``chip``, ``log --pixel``), the analyst gets one line naming the file and
what is wrong, exit 2, and nothing in the store. Files are written by
rasterio and then damaged.
"""

import numpy as np
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio.enums import Resampling

from shipsight.errors import InputError
from shipsight.imagery.products import open_dataset
from shipsight.imagery.synth import make_scene
from test_cli_scenes import one_line_error

T_SCENE = "2023-10-05T02:10:00Z"
TILE = 256


def _scene(path, *, size=3 * TILE, overviews=False, nodata=None):
    """A tiled, deflated SAR scene (ships in the middle tile), its time in its tags."""
    mid = size // 2
    make_scene(path, width=size, height=size, n_ships=0, seed=3, nodata=nodata,
               ships=[{"row": mid, "col": mid, "length_m": 150.0}, {"row": mid - 60, "col": mid + 40}])
    with rasterio.open(path, "r+") as ds:
        ds.update_tags(ACQUISITION_START_TIME=T_SCENE)
        if overviews:
            ds.build_overviews([2, 4], Resampling.average)
    return path


def _truncate(path):
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    return path


def _corrupt_middle_tile(path):
    """Overwrite the compressed bytes of the centre tile: the header, corners and overviews stay intact."""
    with rasterio.open(path) as ds:
        mid = ds.width // TILE // 2
        off = int(ds.get_tag_item(f"BLOCK_OFFSET_{mid}_{mid}", "TIFF", bidx=1))
        size = int(ds.get_tag_item(f"BLOCK_SIZE_{mid}_{mid}", "TIFF", bidx=1))
    raw = bytearray(path.read_bytes())
    raw[off: off + size] = np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(raw))
    return path


def _assert_nothing_stored(run):
    assert run.json("scenes", "list") == []
    assert run.json("sightings", "list") == []
    assert [h for h in run.json("history") if h["entity"] in ("scene", "sighting")] == []


def test_the_undamaged_scene_finds_its_ships(run, tmp_path):
    # The baseline the damaged copies below are cut from: it reads, and detect finds ships.
    tif = _scene(tmp_path / "whole.tif", overviews=True)
    res = run.json("detect", tif, "--save")
    assert len(res["saved_ids"]) >= 2


@pytest.mark.parametrize("command", [["detect", "--save"], ["scenes", "add"]])
def test_truncated_geotiff_one_line_exit_2_nothing_stored(run, tmp_path, command):
    tif = _truncate(_scene(tmp_path / "cut.tif"))
    err = one_line_error(run(*command, tif, code=2))
    assert err.startswith(f"Error: {tif.resolve()}: is truncated or corrupt: "), err
    _assert_nothing_stored(run)


def test_corrupt_tile_found_during_detection_one_line_exit_2_nothing_stored(run, tmp_path):
    # The header, the corner tiles and the overviews are intact: the damage shows only when
    # detection reads the middle tile, deep in the tiled read.
    tif = _corrupt_middle_tile(_scene(tmp_path / "bad_tile.tif", overviews=True))
    err = one_line_error(run("detect", tif, "--save", code=2))
    assert err.startswith(f"Error: {tif.resolve()}: is truncated or corrupt: ")
    assert "IReadBlock failed at X offset 1, Y offset 1" in err, err
    _assert_nothing_stored(run)


@pytest.mark.parametrize("workers", [1, 2])
def test_corrupt_tile_read_ahead_or_in_a_worker_process_is_input_error(tmp_path, workers):
    # Small detection tiles: the damaged one is read by the read-ahead thread (1) or a spawned worker (2).
    from shipsight.imagery.detect import detect

    tif = _corrupt_middle_tile(_scene(tmp_path / "bad_tile.tif", overviews=True))
    with pytest.raises(InputError, match="is truncated or corrupt: .*IReadBlock failed") as exc:
        detect(tif, tile=256, workers=workers, use_landmask=False)
    assert str(exc.value).startswith(f"{tif.resolve()}: ")


def test_many_scenes_on_a_local_dask_cluster_one_damaged_is_one_line(tmp_path):
    """Each scene is its own task and transaction: the damaged one is one line and leaves nothing.

    A real process, so the Dask workers' own stderr is seen too. (Whether the intact scene was saved
    first depends on which task finished first.)
    """
    import json
    import subprocess
    import sys

    good = _scene(tmp_path / "good.tif")
    bad = _corrupt_middle_tile(_scene(tmp_path / "bad.tif", overviews=True))
    db = tmp_path / "log.db"
    main = "import sys; from shipsight.cli.main import cli; sys.exit(cli())"
    subprocess.run([sys.executable, "-c", main, "--db", str(db), "init"], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", main, "--db", str(db), "detect", str(good), str(bad), "--save",
                          "--workers", "2"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == (f"Error: {bad.resolve()}: is truncated or corrupt: bad.tif, band 1: IReadBlock "
                                  "failed at X offset 1, Y offset 1: TIFFReadEncodedTile() failed. (copy it again "
                                  "from its source)"), out.stderr
    listed = subprocess.run([sys.executable, "-c", main, "--db", str(db), "scenes", "list", "--json"],
                            capture_output=True, text=True, check=True).stdout
    assert "bad" not in {s["id"] for s in json.loads(listed)}  # the damaged scene left nothing


def test_a_read_error_survives_pickling_as_input_error(tmp_path):
    # What a Dask worker does with an exception: GDAL's own error must not ride along as its context.
    import pickle

    from distributed.protocol.pickle import dumps, loads

    bad = _corrupt_middle_tile(_scene(tmp_path / "bad.tif", overviews=True))
    with pytest.raises(InputError) as exc:
        with open_dataset(bad) as ds:
            ds.read(1)
    assert exc.value.__context__ is None and exc.value.__cause__ is None
    for back in (pickle.loads(pickle.dumps(exc.value)), loads(dumps(exc.value))):
        assert type(back) is InputError and str(back) == str(exc.value)


# 9 x 9 tiles: registration reads the corners and the overviews only, so a damaged
# middle tile (4, 4) registers, and shows when a pixel read reaches it.
BIG = 9 * TILE


def test_chip_of_a_corrupt_tile_writes_nothing(run, tmp_path):
    # A file damaged after registration is refused as changed; this one was damaged before.
    bad = _corrupt_middle_tile(_scene(tmp_path / "damaged.tif", size=BIG, overviews=True))
    run("scenes", "add", bad, "--acquired", T_SCENE)
    run("log", "--scene", "damaged", "--pixel", 10, 10, "--name", "TEST")
    # A sighting beside the damaged tile: its chip window reaches into it.
    run("log", "--scene", "damaged", "--pixel", 4 * TILE + 128, 5 * TILE + 5, "--name", "TEST")
    png = tmp_path / "chip.png"
    err = one_line_error(run("chip", 2, png, "--geotiff", code=2))
    assert f"{bad.resolve()}: is truncated or corrupt: " in err, err
    assert not png.exists() and not png.with_suffix(".tif").exists()
    run("chip", 1, tmp_path / "good.png")  # a chip of an intact part still works


def test_log_pixel_on_a_corrupt_tile_is_refused(run, tmp_path):
    # With nodata declared, the pixel's validity is read from the data: the damaged tile fails.
    bad = _corrupt_middle_tile(_scene(tmp_path / "damaged.tif", size=BIG, overviews=True, nodata=0))
    run("scenes", "add", bad, "--acquired", T_SCENE)
    err = one_line_error(run("log", "--scene", "damaged", "--pixel", 4 * TILE + 100, 4 * TILE + 100, "--name", "X",
                             code=2))
    assert "is truncated or corrupt" in err and str(bad.resolve()) in err
    assert run.json("sightings", "list") == []


def test_corrupt_middle_tile_is_refused_at_registration_when_it_reads_every_tile(run, tmp_path):
    # Under 1024 px the footprint is read at full resolution, so registration meets the damage.
    bad = _corrupt_middle_tile(_scene(tmp_path / "small.tif", overviews=True))
    err = one_line_error(run("scenes", "add", bad, "--acquired", T_SCENE, code=2))
    assert "IReadBlock failed at X offset 1, Y offset 1" in err
    _assert_nothing_stored(run)


@pytest.mark.parametrize("command", [["detect", "--save"], ["scenes", "add"]])
def test_empty_file(run, tmp_path, command):
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    err = one_line_error(run(*command, empty, code=2))
    assert f"{empty.resolve()}: is empty (0 bytes)" in err
    _assert_nothing_stored(run)


def test_jp2_that_is_not_one_and_a_truncated_jp2(run, tmp_path):
    fake = tmp_path / "T52TGN_B08.jp2"
    fake.write_bytes(b"<html>Access denied</html>\n" * 40)  # what a failed download leaves
    err = one_line_error(run("detect", fake, "--save", code=2))
    assert f"{fake.resolve()}: cannot be read as a raster" in err
    jp2 = tmp_path / "cut.jp2"
    with rasterio.open(jp2, "w", driver="JP2OpenJPEG", width=512, height=512, count=1, dtype="uint16",
                       crs="EPSG:32652", transform=rasterio.transform.from_origin(500000, 4000000, 10, 10)) as ds:
        ds.write(np.random.default_rng(0).integers(0, 4000, (1, 512, 512)).astype("uint16"))
    _truncate(jp2)
    err = one_line_error(run("scenes", "add", jp2, "--acquired", T_SCENE, code=2))
    assert f"{jp2.resolve()}: is truncated or corrupt: " in err, err
    _assert_nothing_stored(run)


@pytest.fixture(scope="module")
def whole_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("whole") / "whole.tif"
    with rasterio.open(path, "w", driver="GTiff", width=512, height=512, count=1, dtype="float32", tiled=True,
                       blockxsize=TILE, blockysize=TILE, compress="deflate", nodata=-1.0) as ds:
        ds.write(np.random.default_rng(1).random((1, 512, 512), dtype="float32"))
    return path.read_bytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0.0, 0.999))
def test_any_cut_fails_as_input_error_naming_the_file(tmp_path, whole_bytes, fraction):
    """Wherever a copy stops, every read path fails as InputError naming the file, never a rasterio error."""
    cut = tmp_path / "cut.tif"
    cut.write_bytes(whole_bytes[: int(len(whole_bytes) * fraction)])
    with pytest.raises(InputError) as exc:
        with open_dataset(cut) as ds:
            ds.dataset_mask()
            ds.read_masks(1)
            ds.read(1)
    assert str(exc.value).startswith(f"{cut}: ") and "\n" not in str(exc.value)
