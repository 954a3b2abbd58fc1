"""The array helpers detection's speed rests on agree with the plain computations they replace."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from shipsight.imagery.detect import detect
from shipsight.imagery.detect_tile import _boxes, _equal, _extreme3, _interp_tables, block_sums
from shipsight.imagery.products.sentinel1 import Lut
from shipsight.imagery.synth import make_scene


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_extreme3_is_the_3x3_min_and_max_filter(h, w, seed):
    rng = np.random.default_rng(seed)
    a = rng.random((h, w))
    a[rng.random((h, w)) < 0.2] = np.inf
    assert np.array_equal(_extreme3(a, np.minimum), ndimage.minimum_filter(a, size=3, mode="nearest"))
    assert np.array_equal(_extreme3(a, np.maximum), ndimage.maximum_filter(a, size=3, mode="nearest"))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["uint8", "int8", "uint16", "int16", "float32"]),
       st.one_of(st.none(), st.just(float("nan")), st.integers(-70000, 70000).map(float),
                 st.floats(-1e5, 1e5, allow_nan=False),
                 st.sampled_from([65535.00000001, 255.0000001, 126.99999999, -0.0, float("inf")])))
def test_nodata_compare_in_the_stored_type_matches_float32(dtype, nd):
    info = np.iinfo(dtype) if dtype != "float32" else None
    raw = (np.arange(info.min, info.max + 1) if info and info.bits <= 8 else
           np.array([0, 1, -1, 255, 256, 65535, 32767, -32768, 7, 1000], dtype=np.int64)).astype(dtype)
    if nd is not None and not np.isnan(nd) and float(nd).is_integer() and info and info.min <= nd <= info.max:
        raw = np.append(raw, np.array(nd).astype(dtype))
    got = _equal(raw, nd)
    want = None if nd is None or np.isnan(nd) else raw.astype(np.float32) == np.float32(nd)
    if got is None:
        assert want is None or not want.any()
    else:
        assert np.array_equal(got, want)


def test_boxes_are_the_sums_over_each_square():
    rng = np.random.default_rng(1)
    a = rng.random((23, 31)) * 49
    for r, box in zip((3, 1), _boxes(a, (3, 1))):
        padded = np.pad(a, r)
        brute = np.array([[padded[i:i + 2 * r + 1, j:j + 2 * r + 1].sum() for j in range(31)] for i in range(23)])
        np.testing.assert_allclose(box, brute, rtol=1e-12)


def test_interp_tables_is_np_interp_on_an_even_grid():
    grid = np.log(np.geomspace(0.5, 50.0, 400))
    v1, v2 = np.sqrt(np.exp(grid)), np.cos(grid)
    x = np.random.default_rng(2).uniform(grid[0], grid[-1], 5000)
    x[:3] = grid[0], grid[-1], grid[17]
    a, b = _interp_tables(x, ((grid, v1), (grid, v2)))
    np.testing.assert_allclose(a, np.interp(x, grid, v1), rtol=1e-12)
    np.testing.assert_allclose(b, np.interp(x, grid, v2), rtol=1e-12, atol=1e-14)


def test_block_sums_are_sums_per_block():
    rng = np.random.default_rng(5)
    B = 7
    x = rng.random((4 * B, 6 * B)).astype(np.float32)
    valid = rng.random(x.shape) > 0.1
    x[~valid] = 0.0
    s1, s2, n, nb = block_sums(x, B, valid, np.float32(0.7), scratch=np.empty(x.shape, bool))
    blocks = x.astype(np.float64).reshape(4, B, 6, B)
    np.testing.assert_allclose(s1, blocks.sum(axis=(1, 3)), rtol=1e-6)
    np.testing.assert_allclose(s2, (blocks ** 2).sum(axis=(1, 3)), rtol=1e-6)
    assert np.array_equal(n, valid.reshape(4, B, 6, B).sum(axis=(1, 3)))
    assert np.array_equal(nb, (x > np.float32(0.7)).reshape(4, B, 6, B).sum(axis=(1, 3)))


def test_lut_at_rows_in_any_order_is_bilinear():
    lines = np.array([-10.0, 40.0, 95.0, 200.0])
    pixels = np.array([0.0, 30.0, 80.0])
    values = np.array([[1.0, 2.0, 4.0], [3.0, 3.5, 1.0], [5.0, 1.0, 2.0], [2.0, 2.0, 9.0]])
    lut = Lut(lines, pixels, values)
    rows = np.random.default_rng(0).permutation(np.arange(-20.0, 230.0, 3.0))  # unsorted, past both ends
    cols = np.arange(0.0, 90.0, 7.0)
    got = lut.at(rows, cols, out=np.empty((rows.size, cols.size), np.float32))
    along = np.array([np.interp(cols, pixels, v) for v in values])
    want = np.array([[np.interp(r, lines, along[:, j]) for j in range(cols.size)] for r in rows])
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_stage_seconds_account_for_the_call_without_double_counting(tmp_path):
    path = tmp_path / "s.tif"
    make_scene(path, width=900, height=700, n_ships=3, ship_db=12, seed=1)
    t = time.perf_counter()
    found = detect(path, tile=256)
    elapsed = time.perf_counter() - t
    stages = found.attrs["stage_seconds"]
    assert set(stages) == {"main", "tiles", "read_ahead"}
    assert {"valid mask, block sums", "CFAR background statistics", "thresholding"} <= set(stages["tiles"])
    assert "read (GDAL)" in stages["read_ahead"] and "open product" in stages["main"]
    seconds = [v for part in stages.values() for v in part.values()]
    assert all(v >= 0 for v in seconds)
    # The main thread's stages and the tiles' run one after the other: together no more than the call.
    assert sum(stages["main"].values()) + sum(stages["tiles"].values()) <= elapsed + 1e-3
