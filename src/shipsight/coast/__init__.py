"""The GSHHG coastline, from a local tile cache: land in a box, land at points, distance to shore.

The land polygons come from roaring-landmask's GSHHG full-resolution data,
cut once into one-degree tile pieces in a FlatGeobuf file in the user cache
folder (:mod:`shipsight.coast.cache`; built on first use, a minute or so,
and again when roaring-landmask changes). Each question reads only the tiles
it touches (:mod:`shipsight.coast.query`): detect's land mask, the report's
map and behaviour rules that need a distance to shore share it.

Example
-------
>>> on_land([-118.25], [34.05]).tolist()   # downtown Los Angeles
[True]
"""

from shipsight.coast.cache import cache_path, ensure_cache
from shipsight.coast.query import distance_to_shore_m, land_polygons, on_land

__all__ = ["land_polygons", "on_land", "distance_to_shore_m", "ensure_cache", "cache_path"]
