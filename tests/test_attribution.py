"""Nearest-port search: brute force for small work, a k-d tree for large, the same answers."""

import numpy as np
import shapely

from shipsight import attribution


def test_brute_force_and_tree_find_the_same_nearest_ports(monkeypatch):
    rng = np.random.default_rng(7)
    centres = rng.uniform([-179.5, -80], [179.5, 80], (200, 2))
    geoms = [shapely.buffer(shapely.points(x, y), 0.05) for x, y in centres]
    index = attribution.build_port_index(np.arange(200), geoms, np.ones(200))
    lon, lat = rng.uniform(-180, 180, 5000), rng.uniform(-85, 85, 5000)
    monkeypatch.setattr(attribution, "BRUTE_FORCE_PAIRS", 10**12)
    brute = attribution.attribute(lon, lat, index)
    monkeypatch.setattr(attribution, "BRUTE_FORCE_PAIRS", 0)
    monkeypatch.setattr(attribution, "ATTRIBUTION_BLOCK", 777)  # blocks of any size give the same answer
    tree = attribution.attribute(lon, lat, index)
    assert (brute.nearest_port_id == tree.nearest_port_id).all()
    assert np.allclose(brute.nearest_port_distance_m, tree.nearest_port_distance_m, rtol=0, atol=1e-6)


def test_fewer_segments_than_candidates():
    index = attribution.build_port_index([5], [shapely.Point(130.0, 42.0)], [0.0])
    a = attribution.attribute([130.01, 130.0], [42.0, 42.0], index)
    assert a.nearest_port_id.tolist() == [5, 5] and round(float(a.nearest_port_distance_m[0])) == 829
