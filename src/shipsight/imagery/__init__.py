"""Imagery: scene metadata and footprints, pixel <-> lon/lat, evidence chips.

The modules are imported on demand (``from shipsight.imagery.scene import
read_scene``) so that importing :mod:`shipsight` stays light: rasterio and
Pillow load only when imagery is used.

- :mod:`shipsight.imagery.scene` -- :func:`read_scene`, :class:`SceneInfo`,
  :func:`shipsight.digest.sha256_file`.
- :mod:`shipsight.imagery.pixels` -- :func:`pixel_to_lonlat`,
  :func:`lonlat_to_pixel`, :func:`check_pixel_in_scene`.
- :mod:`shipsight.imagery.chips` -- :func:`render_chip`, :class:`ChipResult`.
"""
