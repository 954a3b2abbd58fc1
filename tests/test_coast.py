"""The coastline's tile cache: same land as roaring-landmask's GSHHG, read by tile, rebuilt with its source."""

import subprocess
import sys

import numpy as np
import pyogrio.raw
import pytest
import shapely

from shipsight import coast
from shipsight.coast import cache as coast_cache
from shipsight.coast.cache import TILE_DEG, _cut_to_tiles
from shipsight.geodesy import distance_m


def test_cut_to_tiles_keeps_the_land_and_each_piece_in_one_tile():
    rng = np.random.default_rng(5)
    ring = shapely.Polygon(np.column_stack([10 + 7 * np.cos(a := np.linspace(0, 2 * np.pi, 400, endpoint=False))
                                            * (1 + 0.2 * rng.random(400)), 40 + 4 * np.sin(a)]))
    with_hole = shapely.Polygon(ring.exterior.coords, [shapely.box(8.2, 39.3, 11.7, 41.6).exterior.coords])
    small = shapely.box(30.1, 5.1, 30.4, 5.6)
    across = shapely.box(179.2, -17.2, 179.99, -16.1)
    polys = np.array([with_hole, small, across], dtype=object)
    seen = []
    pieces = _cut_to_tiles(polys, TILE_DEG, progress=lambda done, total: seen.append((done, total)))
    b = shapely.bounds(pieces)
    assert (np.ceil(b[:, 2]) - np.floor(b[:, 0]) <= 1).all() and (np.ceil(b[:, 3]) - np.floor(b[:, 1]) <= 1).all()
    assert shapely.area(pieces).sum() == pytest.approx(shapely.area(polys).sum(), rel=1e-12)
    assert shapely.union_all(pieces).symmetric_difference(shapely.union_all(polys)).area < 1e-9
    assert small in list(pieces)  # a polygon inside one tile is kept whole
    assert seen[-1] == (2, 2)


def test_on_land_agrees_with_roaring_landmask(tmp_path):
    """Points around San Pedro Bay, Busan and Fiji (across 180): the same answers as roaring-landmask itself."""
    rng = np.random.default_rng(11)
    lon = np.concatenate([rng.uniform(-118.4, -118.0, 400), rng.uniform(128.8, 129.3, 400),
                          rng.uniform(179.5, 180.5, 400)])
    lat = np.concatenate([rng.uniform(33.6, 33.85, 400), rng.uniform(34.9, 35.3, 400),
                          rng.uniform(-17.0, -16.5, 400)])
    ours = coast.on_land(lon, lat)
    probe = ("import sys, numpy as np; from roaring_landmask import Shapes, LandmaskProvider;"
             "lon, lat = np.load(sys.argv[1]).T; lon = ((lon + 180) % 360) - 180;"
             "sys.stdout.write(''.join('1' if v else '0' for v in Shapes.new(LandmaskProvider.Gshhg)"
             ".contains_many(np.ascontiguousarray(lon), np.ascontiguousarray(lat))))")
    np.save(tmp_path / "points.npy", np.column_stack([lon, lat]))
    # In a child process: roaring-landmask's polygons take some 900 MB while loaded.
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "points.npy")], capture_output=True, check=True)
    theirs = np.frombuffer(out.stdout, dtype=np.uint8) == ord("1")
    assert 200 < ours.sum() < 1000 and (ours == theirs).all()


def test_land_polygons_reads_only_the_tiles_touched():
    small = coast.land_polygons((-118.3, 33.7, -118.2, 33.8))
    b = shapely.bounds(small)
    assert len(small) and (b[:, 0] >= -119 - 1e-9).all() and (b[:, 2] <= -117 + 1e-9).all()
    # Across the antimeridian: Fiji's Taveuni (179.9 W-E) from both sides.
    both = coast.land_polygons((179.8, -17.0, -179.8, -16.6))
    assert (shapely.bounds(both)[:, 0] < 0).any() and (shapely.bounds(both)[:, 2] > 0).any()


def test_distance_to_shore_is_geodesic():
    # Straight out to sea from the tip of a breakwater is hard to pin; instead: the nearest
    # land point found by brute force over the pieces' vertices bounds our distance from above.
    lon = np.array([-118.25, -118.20, -118.30, 179.99, -125.0])
    lat = np.array([34.05, 33.70, 33.60, -16.7, 30.0])
    d = coast.distance_to_shore_m(lon, lat, max_distance_m=30_000)
    assert d[0] == 0.0 and np.isinf(d[4])
    land = coast.land_polygons((-118.6, 33.3, -117.9, 34.0))
    xy = shapely.get_coordinates(land)
    for i in (1, 2):
        nearest_vertex = distance_m(lon[i], lat[i], xy[:, 0], xy[:, 1]).min()
        assert 500 < d[i] <= nearest_vertex + 1e-6 and d[i] > nearest_vertex - 1_000
    assert 0 < d[3] < 30_000  # just east of 180, Fiji's islands on both sides of it


def _fake_package(folder, mtime):
    """A roaring_landmask module folder as another virtualenv would hold it: same files, its own path and times."""
    import os
    from importlib.machinery import ModuleSpec

    folder.mkdir(parents=True)
    for name, size in (("__init__.py", 120), ("roaring_landmask.abi3.so", 4096)):
        (folder / name).write_bytes(b"x" * size)
        os.utime(folder / name, ns=(mtime, mtime))
    spec = ModuleSpec("roaring_landmask", None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    return spec


def test_cache_name_is_source_name_version_and_format_never_the_install(tmp_path, monkeypatch):
    from importlib.metadata import version

    monkeypatch.setenv("SHIPSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    real = coast_cache.cache_path()
    assert real.name == f"gshhg-land-roaring-landmask-{version('roaring-landmask')}-format{coast_cache.CACHE_FORMAT}.fgb"
    # Two virtualenvs: the same release installed in two places at two times share one cache.
    names = {}
    for venv, mtime in (("venv-a", 1_600_000_000_000_000_000), ("venv-b", 1_700_000_000_123_456_789)):
        spec = _fake_package(tmp_path / venv / "roaring_landmask", mtime)
        monkeypatch.setattr(coast_cache, "find_spec", lambda name, spec=spec: spec)
        names[venv] = coast_cache.cache_path()
    assert names["venv-a"] == names["venv-b"] == real
    # Another release, or another cache format, is another file.
    monkeypatch.setattr(coast_cache, "version", lambda dist: "0.12.0")
    assert coast_cache.cache_path().name == f"gshhg-land-roaring-landmask-0.12.0-format{coast_cache.CACHE_FORMAT}.fgb"
    monkeypatch.setattr(coast_cache, "CACHE_FORMAT", coast_cache.CACHE_FORMAT + 1)
    assert coast_cache.cache_path().name.endswith(f"-0.12.0-format{coast_cache.CACHE_FORMAT}.fgb")


def test_cache_key_without_package_metadata_uses_file_names_and_sizes(tmp_path, monkeypatch):
    from importlib.metadata import PackageNotFoundError

    def no_metadata(dist):
        raise PackageNotFoundError(dist)

    monkeypatch.setattr(coast_cache, "version", no_metadata)
    keys = []
    for venv, mtime in (("a", 1_600_000_000_000_000_000), ("b", 1_700_000_000_000_000_000)):
        spec = _fake_package(tmp_path / venv / "roaring_landmask", mtime)
        monkeypatch.setattr(coast_cache, "find_spec", lambda name, spec=spec: spec)
        keys.append(coast_cache.source_key())
    assert keys[0] == keys[1] and keys[0].startswith("roaring-landmask-unreleased-")
    (tmp_path / "b" / "roaring_landmask" / "roaring_landmask.abi3.so").write_bytes(b"y" * 5000)
    assert coast_cache.source_key() != keys[0]


def test_builders_at_once_each_write_their_own_temporary_file_and_the_cache_is_whole(tmp_path, monkeypatch):
    """Four builders at the same moment (threads of one process: same pid) through the real build_cache."""
    import threading

    import roaring_landmask

    land = [shapely.box(10.2, 40.2, 13.7, 42.9), shapely.box(-0.5, 50.1, 0.5, 50.6)]

    class FakeShapes:
        @staticmethod
        def wkb(provider):
            return shapely.to_wkb(shapely.MultiPolygon(land))

    monkeypatch.setattr(roaring_landmask, "Shapes", FakeShapes)
    monkeypatch.setenv("SHIPSIGHT_CACHE_DIR", str(tmp_path))
    start, written, errors = threading.Barrier(4), threading.Barrier(4, timeout=60), []
    real_write = pyogrio.raw.write

    def write_then_wait(path, *args, **kwargs):
        # Every builder has written its file before any renames: the moment a shared name would clash.
        real_write(path, *args, **kwargs)
        written.wait()

    monkeypatch.setattr(pyogrio.raw, "write", write_then_wait)

    def builder():
        start.wait()
        try:
            coast_cache.build_cache(coast_cache.cache_path())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=builder) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == [coast_cache.cache_path().name]  # no temporary file left
    _, _, geoms, _ = pyogrio.raw.read(coast_cache.cache_path())
    pieces = shapely.from_wkb(geoms)
    assert shapely.union_all(pieces).symmetric_difference(shapely.union_all(land)).area < 1e-9


def test_cache_is_named_for_its_source_and_rebuilt_when_it_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIPSIGHT_CACHE_DIR", str(tmp_path))
    built = []

    def fake_build(path, *, progress=None):
        built.append(path.name)
        pyogrio.raw.write(path, np.array([shapely.to_wkb(shapely.box(0, 0, 1, 1))], dtype=object), [], [],
                          driver="FlatGeobuf", crs="EPSG:4326", geometry_type="Polygon")
        return path

    monkeypatch.setattr(coast_cache, "build_cache", fake_build)
    first = coast_cache.ensure_cache()
    assert first.parent == tmp_path and first.exists()
    assert coast_cache.ensure_cache() == first and len(built) == 1  # kept
    monkeypatch.setattr(coast_cache, "source_key", lambda: "roaring-landmask 99, 0123456789abcdef")
    second = coast_cache.ensure_cache()
    assert second != first and len(built) == 2 and "0123456789abcdef" in second.name
    assert coast.on_land([0.5, 1.5], [0.5, 0.5]).tolist() == [True, False]
