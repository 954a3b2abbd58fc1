"""The synthetic scene generator: its files and its truth."""

import numpy as np
import pandas as pd
import pytest
import rasterio

from shipsight.errors import InputError
from shipsight.imagery.synth import make_scene, match_points


def test_scene_file_layout_and_truth(tmp_path):
    p = tmp_path / "s.tif"
    truth = make_scene(p, width=600, height=500, n_ships=5, seed=3)
    with rasterio.open(p) as src:
        assert (src.width, src.height, src.count) == (600, 500, 1)
        assert src.dtypes[0] == "float32"
        assert src.crs.to_epsg() == 32652
        assert src.profile["tiled"] and src.profile["blockxsize"] == 256
        assert src.compression.value.lower() == "deflate"
        a = src.read(1)
    assert len(truth) == 5
    assert truth.crs.to_epsg() == 4326
    # Clutter mean is the requested 0.05 (gamma, 4 looks): ships are a tiny share of pixels.
    assert abs(np.median(a) / 0.05 - 0.92) < 0.05  # median of Gamma(4)/4 is 0.918
    # Every ship is brighter than the clutter around it at its centre.
    r, c = truth.row.round().astype(int), truth.col.round().astype(int)
    assert (a[r, c] > 0.05 * 3).all()


def test_explicit_ship_and_db_output(tmp_path):
    p = tmp_path / "db.tif"
    ship = {"row": 100, "col": 120, "length_m": 180, "width_m": 30, "heading_deg": 200, "db": 15}
    truth = make_scene(p, width=256, height=256, ships=[ship], db=True, sidelobes=False)
    assert truth.heading_axis_deg.iloc[0] == pytest.approx(20.0)
    with rasterio.open(p) as src:
        a = src.read(1)
    assert np.median(a) < -10  # dB of 0.05 is -13
    assert a[100, 120] > np.median(a) + 10


def test_land_blank_and_nodata(tmp_path):
    p = tmp_path / "land.tif"
    truth = make_scene(p, width=800, height=600, n_ships=6, land=True, seed=1,
                       blank=[(0, 700, 100, 100)], nodata=-9999.0)
    with rasterio.open(p) as src:
        a = src.read(1)
        assert src.nodata == -9999.0
    assert (a[:100, 700:] == -9999.0).all()
    assert truth.attrs["land"] is not None
    # Land (left) is brighter than sea (right) by about land_db = 8 dB.
    assert 10 * np.log10(np.median(a[300, :50]) / np.median(a[300, 400:600])) > 5
    # No ship on land: every ship is right of the coast polygon.
    assert not truth.geometry.within(truth.attrs["land"]).any()


def test_strips_are_deterministic(tmp_path):
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    make_scene(a, width=300, height=700, n_ships=2, seed=9, clutter="k")
    make_scene(b, width=300, height=700, n_ships=2, seed=9, clutter="k")
    with rasterio.open(a) as sa, rasterio.open(b) as sb:
        assert np.array_equal(sa.read(1), sb.read(1))


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="clutter"):
        make_scene(tmp_path / "x.tif", width=10, height=10, clutter="weibull")
    with pytest.raises(InputError, match="could place only"):
        make_scene(tmp_path / "x.tif", width=100, height=100, n_ships=50, min_separation_m=2000)


def test_match_points_is_one_to_one():
    t = pd.DataFrame({"lon": [130.0, 130.001], "lat": [39.0, 39.0]})
    f = pd.DataFrame({"lon": [130.0005, 131.0], "lat": [39.0, 39.0]})
    ti, fi, d = match_points(t, f, tol_m=200)
    assert len(ti) == 1 and fi.tolist() == [0]
    assert d[0] < 50
