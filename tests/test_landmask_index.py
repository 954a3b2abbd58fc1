"""The shipped coarse coast index never contradicts the GSHHG coastline it was built from."""

import numpy as np

from shipsight.imagery.landmask import gshhg_cells, on_land


def test_index_agrees_with_gshhg_at_random_points():
    rng = np.random.default_rng(7)
    lon = rng.uniform(-179.9, 179.9, 4000)
    lat = rng.uniform(-75, 80, 4000)
    states = np.array([gshhg_cells(x - 0.01, y - 0.01, x + 0.01, y + 0.01) for x, y in zip(lon, lat)])
    land = np.asarray(on_land(lon, lat))
    assert not land[states == "sea"].any(), "a point the index calls open sea is on GSHHG land"
    assert land[states == "land"].all(), "a point the index calls land is at sea in GSHHG"
    assert (states == "sea").sum() > 1000 and (states == "land").sum() > 200
