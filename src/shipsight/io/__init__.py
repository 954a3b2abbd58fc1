"""Readers and writers of GIS files and CSV (geopandas/pyogrio), and detector outputs."""
