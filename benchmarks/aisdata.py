"""Synthetic AIS for the benchmarks: vessels sailing straight courses, written hour by hour.

``write_synthetic(archive, positions=..., vessels=..., days=...)`` streams the
positions into the archive's writer one hour at a time, so memory stays flat
whatever the total. A third of the vessels sail within two degrees of one of
twenty busy spots (ports, straits), the rest anywhere between 60 S and 70 N:
a scene box on a busy spot holds many vessels, as real imagery of a port does.
"""

from datetime import datetime, timedelta, timezone

import numpy as np

from shipsight.ais.archive import positions_table

START = datetime(2024, 3, 1, tzinfo=timezone.utc)
#: Busy spots (lon, lat): the benchmark's scene sits on the first.
HOTSPOTS = np.array([
    (130.3, 42.2), (103.8, 1.3), (4.0, 51.9), (-118.2, 33.7), (121.5, 31.2), (56.3, 26.6), (32.5, 30.0),
    (-79.9, 9.1), (139.8, 35.5), (-5.6, 36.0), (29.0, 41.0), (151.2, -33.9), (18.4, -33.9), (-43.2, -22.9),
    (72.8, 18.9), (114.2, 22.3), (179.5, -16.8), (-70.0, 41.0), (10.0, 54.0), (50.0, 29.0)])


def vessels_for(vessels, seed=1):
    """Start positions, courses and speeds of ``vessels`` synthetic ships."""
    rng = np.random.default_rng(seed)
    busy = rng.random(vessels) < 1 / 3
    spot = HOTSPOTS[rng.integers(0, len(HOTSPOTS), vessels)]
    lon = np.where(busy, spot[:, 0] + rng.uniform(-2, 2, vessels), rng.uniform(-180, 180, vessels))
    lat = np.where(busy, spot[:, 1] + rng.uniform(-2, 2, vessels), rng.uniform(-60, 70, vessels))
    return {
        "mmsi": (rng.choice(np.arange(200_000, 800_000), vessels, replace=False) * 1000 + 1).astype(np.int64),
        "lon": (lon + 180) % 360 - 180, "lat": lat,
        "cog": rng.uniform(0, 360, vessels),
        "sog": np.where(rng.random(vessels) < 0.4, rng.uniform(0, 0.5, vessels), rng.uniform(5, 20, vessels)),
        "phase": rng.random(vessels),
    }


def write_synthetic(archive, *, positions, vessels, days, tag="synthetic", start=START, seed=1, progress=None,
                    **writer_options):
    """Write about ``positions`` reports of ``vessels`` ships over ``days`` days; return the writer summary."""
    fleet = vessels_for(vessels, seed)
    hours = days * 24
    interval_s = vessels * hours * 3600 / positions
    per_hour = 3600 / interval_s
    rad = np.radians(fleet["cog"])
    # Degrees per second of the straight course (small-distance approximation).
    dlat = fleet["sog"] * 1852 / 3600 * np.cos(rad) / 111_320
    dlon = fleet["sog"] * 1852 / 3600 * np.sin(rad) / (111_320 * np.maximum(np.cos(np.radians(fleet["lat"])), 0.2))
    t0 = int(start.timestamp())
    with archive.writer(tag, **writer_options) as writer:
        for h in range(hours):
            # Report k of vessel i is at (phase_i + k) * interval seconds from the start.
            k0 = np.ceil(h * per_hour - fleet["phase"]).astype(np.int64)
            k1 = np.ceil((h + 1) * per_hour - fleet["phase"]).astype(np.int64)
            counts = np.maximum(k1 - k0, 0)
            vid = np.repeat(np.arange(vessels), counts)
            k = np.repeat(k0, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
            t = (fleet["phase"][vid] + k) * interval_s
            lat = fleet["lat"][vid] + dlat[vid] * t
            # Fold the latitude back at +-80 so ships stay on the map.
            lat = np.where(lat > 80, 160 - lat, np.where(lat < -80, -160 - lat, lat))
            lon = (fleet["lon"][vid] + dlon[vid] * t + 180) % 360 - 180
            writer.write(positions_table(
                mmsi=fleet["mmsi"][vid], time=((t0 + t) * 1000).astype(np.int64), lon=lon, lat=lat,
                sog=fleet["sog"][vid], cog=fleet["cog"][vid], heading=fleet["cog"][vid],
                nav_status=np.zeros(len(vid), np.int8), msg_type=np.ones(len(vid), np.int8)))
            if progress:
                progress(h + 1, hours)
        return writer.close()


def scene_box(size_deg=2.5, spot=0):
    """A scene-sized box (``size_deg`` square, about a Sentinel-1 IW swath) on a busy spot."""
    lon, lat = HOTSPOTS[spot]
    return tuple(float(v) for v in (lon - size_deg / 2, lat - size_deg / 2, lon + size_deg / 2, lat + size_deg / 2))


def scene_time(day=5):
    """A scene time in the middle of the archive, off the hour."""
    return START + timedelta(days=day, hours=2, minutes=37)
