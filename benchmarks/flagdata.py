"""Synthetic sightings for the flag benchmarks: ships clustered around ports.

Reusable by any benchmark of the flag rules (the joins alone, or a whole
``flag`` run through the store)::

    from flagdata import make_sightings
    df = make_sightings(100_000, n_listed=1_000, n_ports=300, seed=1)

Ports lie anywhere on Earth, with some forced to awkward places (within a few
kilometres of the antimeridian, above 78°N, one a few kilometres from the
North Pole, some deep south). Traffic per port follows a Zipf-like law, so a
handful of ports are very busy: that is what makes a naive spatial-only join
explode. Each sighting sits at a distance from its port drawn from a mix of a
tight anchorage (mean 1.5 km by default) and a wider approach (about 15 km), at a
uniformly random azimuth, measured on the WGS 84 ellipsoid.
"""

import numpy as np
import pandas as pd
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")
YEAR_S = 365 * 24 * 3600


def make_ports(n_ports, *, seed=0):
    """``(lon, lat)`` arrays of ``n_ports`` port positions, awkward ones included."""
    rng = np.random.default_rng(seed)
    # Uniform on the sphere, but ships do not sail the high Antarctic plateau.
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-70)), np.sin(np.radians(82)), n_ports)))
    lon = rng.uniform(-180.0, 180.0, n_ports)
    k = max(n_ports // 30, 1)
    # Within a few km of ±180 (either side), above 78°N, one by the pole.
    lon[:k] = np.where(np.arange(k) % 2 == 0, 179.99, -179.99) + rng.uniform(-0.005, 0.005, k)
    lat[k : 2 * k] = rng.uniform(78.0, 81.0, k)
    lat[2 * k] = 89.98
    lat[2 * k + 1 : 3 * k] = rng.uniform(-68.0, -60.0, max(k - 1, 0))
    return lon, lat


def make_sightings(n, n_listed=None, n_ports=300, seed=0, *, start="2024-01-01T00:00:00Z", anchorage_m=1500.0):
    """``n`` synthetic sightings over one year around ``n_ports`` ports.

    Parameters
    ----------
    n : int
        Number of sightings.
    n_listed : int, optional
        How many of them are of sanctions-listed vessels (default 1 %).
    n_ports : int
        Number of ports the traffic clusters around.
    seed : int
        Seed; the same arguments give the same frame.
    start : str
        The year of sightings starts here (UTC).
    anchorage_m : float
        Mean distance from the port of the 70 % of sightings in its tight
        cluster; smaller makes busy ports denser and the joins harder.

    Returns
    -------
    pandas.DataFrame
        One row per sighting: ``sighting_id`` (0..n-1), ``vessel_id``,
        ``listed`` (bool, exactly ``n_listed`` True), ``port_id`` (the port it
        clusters around), ``lon``, ``lat`` (degrees, lon in [-180, 180)),
        ``time`` (``datetime64[us, UTC]``, whole seconds).

    Examples
    --------
    >>> df = make_sightings(1000, n_listed=10, n_ports=5, seed=1)
    >>> len(df), int(df.listed.sum())
    (1000, 10)
    """
    if n_listed is None:
        n_listed = n // 100
    rng = np.random.default_rng(seed)
    plon, plat = make_ports(n_ports, seed=seed + 1)
    weight = 1.0 / np.arange(1, n_ports + 1) ** 0.8
    port = rng.choice(n_ports, size=n, p=weight / weight.sum())

    wide = rng.random(n) < 0.3
    dist = np.where(wide, rng.exponential(15_000.0, n), rng.exponential(anchorage_m, n))
    az = rng.uniform(-180.0, 180.0, n)
    lon, lat, _ = _GEOD.fwd(plon[port], plat[port], az, dist)
    lon = (np.asarray(lon) + 180.0) % 360.0 - 180.0

    # A fleet of about one vessel per 50 sightings; listed vessels are their own
    # small fleet, so every sighting of a listed vessel is flagged as such.
    n_vessels = max(n // 50, 1)
    n_listed_vessels = max(n_listed // 100, 1) if n_listed else 0
    listed = np.zeros(n, dtype=bool)
    listed[rng.choice(n, size=n_listed, replace=False)] = True
    vessel = rng.integers(n_listed_vessels, n_listed_vessels + n_vessels, n)
    if n_listed:
        vessel[listed] = rng.integers(0, n_listed_vessels, n_listed)

    t0 = np.datetime64(pd.Timestamp(start).tz_convert("UTC").tz_localize(None), "s")
    secs = rng.integers(0, YEAR_S, n)
    time = pd.Series(t0 + secs.astype("timedelta64[s]")).astype("datetime64[us]").dt.tz_localize("UTC")

    return pd.DataFrame(
        {
            "sighting_id": np.arange(n, dtype=np.int64),
            "vessel_id": vessel.astype(np.int64),
            "listed": listed,
            "port_id": port.astype(np.int64),
            "lon": lon,
            "lat": np.asarray(lat, dtype=float),
            "time": time.array,
        }
    )
