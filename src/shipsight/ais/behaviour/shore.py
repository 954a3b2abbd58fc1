"""Distance to shore and land at points: the one door the behaviour rules use to the GSHHG coastline.

The rules call only :func:`distance_to_shore_m` and :func:`on_land`; both are
answered by shipsight's tiled cache of the GSHHG full-resolution shorelines
(:mod:`shipsight.coast`), which reads only the tiles a question touches.
"""

def on_land(lon, lat):
    """True where a point lies on GSHHG land (full resolution).

    >>> on_land([-118.25, -125.0], [34.05, 30.0]).tolist()   # downtown Los Angeles; the open Pacific
    [True, False]
    """
    from shipsight.coast import on_land as coast_on_land

    return coast_on_land(lon, lat)


def distance_to_shore_m(lon, lat, *, max_distance_m=100_000.0):
    """Geodesic distance in metres from each point to the nearest GSHHG shore; 0 on land, inf
    where no land lies within ``max_distance_m`` (100 km = 54 nm, past every threshold here).

    >>> d = distance_to_shore_m([-118.25, -118.2, -140.0], [34.05, 33.7, 30.0])
    >>> float(d[0]), bool(1_000 < d[1] < 10_000), float(d[2])    # downtown LA; San Pedro Bay; open Pacific
    (0.0, True, inf)
    """
    from shipsight.coast import distance_to_shore_m as coast_distance

    return coast_distance(lon, lat, max_distance_m=max_distance_m)
