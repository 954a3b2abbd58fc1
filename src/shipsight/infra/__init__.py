"""Fixed infrastructure: the structures that return like ships and are not.

Breakwaters, piers, jetties, quays, offshore platforms, wind turbines,
buoys and lights are bright in SAR and optical scenes and stay where they
are. shipsight keeps them as a layer in the store and suppresses detections
near them (:func:`shipsight.imagery.detect.detect`'s ``structures``), the
way Skylight drops Sentinel-1 detections within 200 m of known offshore
infrastructure (50 m for Sentinel-2):

- :mod:`~shipsight.infra.read` reads structures from any GIS file pyogrio
  reads -- an OpenStreetMap extract (``man_made=breakwater``, ``pier``,
  ``offshore_platform``, wind generators, seamarks...) or the analyst's own
  layer -- as points, lines and polygons;
- :mod:`~shipsight.infra.learn` finds candidates the way Global Fishing
  Watch removes fixed infrastructure: targets bright at the same place in
  several scenes on different days;
- :mod:`~shipsight.infra.layer` puts both in the store: imported structures
  are accepted, learned ones are candidates an analyst accepts or rejects
  (audited), and gives detection the accepted ones near a scene.
"""
