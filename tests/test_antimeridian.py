"""Areas drawn across ±180 as one ring: read as the small area they mean, everywhere."""

import json

import numpy as np
import pytest
import shapely
from hypothesis import given, settings, strategies as st

from shipsight.geodesy import WGS84, geodesic_area_m2
from shipsight.io.ports import read_ports

#: Half the Earth's surface on WGS 84, in square metres.
HEMISPHERE_M2 = 2.55e14


def _ring_file(tmp_path, ring, name="Dateline Port", extra=None):
    features = [{"type": "Feature", "properties": {"name": name, "kind": "anchorage"},
                 "geometry": {"type": "Polygon", "coordinates": [ring]}}]
    for props, coords in extra or []:
        features.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [coords]}})
    path = tmp_path / "ports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _wrap(lon):
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


@st.composite
def rings_across_the_antimeridian(draw):
    """A small convex ring around a centre near ±180, its longitudes written wrapped into [-180, 180)."""
    centre_lon = draw(st.floats(179.0, 181.0))
    centre_lat = draw(st.floats(-70.0, 70.0))
    radius = draw(st.floats(0.05, 0.9))
    n = draw(st.integers(3, 12))
    jitter = np.array(draw(st.lists(st.floats(-0.4, 0.4), min_size=n, max_size=n))) * (2 * np.pi / n)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + draw(st.floats(0, 2 * np.pi)) + jitter
    lon = centre_lon + radius * np.cos(angles)
    lat = centre_lat + radius * np.sin(angles) * 0.5
    if not (lon.min() < 180.0 < lon.max()):
        return None
    coords = np.column_stack([_wrap(lon), lat]).tolist()
    unwrapped = shapely.Polygon(np.column_stack([lon, lat]))
    return coords + [coords[0]], unwrapped


@settings(max_examples=120, deadline=None)
@given(rings_across_the_antimeridian())
def test_any_ring_across_180_is_stored_as_the_small_area(tmp_path_factory, case):
    if case is None:
        return
    ring, unwrapped = case
    path = _ring_file(tmp_path_factory.mktemp("ring"), ring)
    port = read_ports(path)
    geom = port.geometry.iat[0]
    area = geodesic_area_m2([geom])[0]
    assert area < HEMISPHERE_M2
    # The same area as the ring drawn in continuous longitudes: exactly in degrees, and on the
    # ellipsoid up to the vertices the split adds on ±180 (a lon/lat line, not a geodesic).
    assert geom.area == pytest.approx(unwrapped.area, rel=1e-9)
    assert area == pytest.approx(abs(WGS84.geometry_area_perimeter(unwrapped)[0]), rel=1e-2)
    minx, _, maxx, _ = geom.bounds
    assert -180.0 <= minx and maxx <= 180.0
    assert geom.geom_type == "MultiPolygon"  # split at ±180


def test_wide_polygons_need_allow_large(tmp_path):
    path = _ring_file(tmp_path, [[-170, 0], [170, 0], [170, 1], [-170, 1], [-170, 0]])
    # Its edges are 340 degrees long: read as the 20-degree area across ±180.
    assert geodesic_area_m2([read_ports(path).geometry.iat[0]])[0] / 1e9 == pytest.approx(246.8, abs=0.5)
    wide = _ring_file(tmp_path, [[-170, 0], [-10, 0], [90, 0], [170, 0], [170, 1], [90, 1], [-10, 1], [-170, 1],
                                 [-170, 0]])
    with pytest.raises(Exception, match="wider than a hemisphere.*--allow-large"):
        read_ports(wide)
    kept = read_ports(wide, allow_large=True)
    assert kept.geometry.iat[0].bounds[0] == -170 and kept.geometry.iat[0].bounds[2] == 170


def test_ports_attribution_export_and_report_agree(run, tmp_path):
    ring = [[179.5, -16.6], [-179.5, -16.6], [-179.5, -16.4], [179.5, -16.4], [179.5, -16.6]]
    path = _ring_file(tmp_path, ring, extra=[({"name": "Greenwich Box", "kind": "port"},
                                               [[-0.5, -16.6], [0.5, -16.6], [0.5, -16.4], [-0.5, -16.4], [-0.5, -16.6]])])
    out = run("ports", "import", path)
    assert out.stderr == ""
    port = next(p for p in run.json("ports", "list") if p["name"] == "Dateline Port")
    assert port["area_m2"] / 1e6 == pytest.approx(2 * 111.3 * 0.2 * 110.6 * np.cos(np.radians(16.5)) / 2, rel=0.02)
    for lon, name in ((179.8, "EAST OF IT"), (-179.8, "WEST OF IT"), (0.0, "OTHER SIDE OF THE EARTH")):
        run("log", "--lon", lon, "--lat", -16.5, "--time", "2024-03-05T00:00:00Z", "--name", name)
    got = {s["name"]: s["port"] for s in run.json("sightings", "list")}
    assert got == {"EAST OF IT": "Dateline Port", "WEST OF IT": "Dateline Port",
                   "OTHER SIDE OF THE EARTH": "Greenwich Box"}
    assert [s["name"] for s in run.json("sightings", "list", "--port", "Dateline Port")] == ["EAST OF IT", "WEST OF IT"]
    # Export: the stored area, split at ±180 and small, in GeoJSON and KML alike.
    run("export", "--layer", "ports", tmp_path / "p.geojson")
    exported = json.loads((tmp_path / "p.geojson").read_text())["features"]
    dateline = shapely.geometry.shape(next(f for f in exported if f["properties"]["name"] == "Dateline Port")["geometry"])
    assert dateline.geom_type == "MultiPolygon" and geodesic_area_m2([dateline])[0] == pytest.approx(port["area_m2"])
    # The report draws the same port with the sightings inside it.
    run("report", tmp_path / "r.html", "--port", "Dateline Port")
    html = (tmp_path / "r.html").read_text()
    assert "EAST OF IT" in html and "WEST OF IT" in html and "OTHER SIDE OF THE EARTH" not in html


def test_a_ring_round_a_pole_is_refused(tmp_path):
    path = _ring_file(tmp_path, [[0, 80], [90, 80], [180, 80], [-90, 80], [0, 80]])
    with pytest.raises(Exception, match="pole"):
        read_ports(path)
