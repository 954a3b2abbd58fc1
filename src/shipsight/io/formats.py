"""The file formats and layers shipsight reads and writes, by name.

Kept free of heavy imports: the CLI builds its ``--format`` and ``--layer``
choices from these before it knows which command runs; the readers and
writers check their arguments against the same names.
"""

#: Sighting import formats; ``auto`` picks by extension.
SIGHTING_FORMATS = ("auto", "csv", "geojson", "gpkg", "shp", "fgb", "kml", "xview3")

#: Sanctions list layouts :func:`shipsight.sanctions.read_list` reads: name -> what it is.
LIST_FORMAT_NAMES = {
    "ofac-sdn": "OFAC's legacy sdn.csv",
    "ofac-xml": "OFAC's SDN.XML or advanced SDN_ADVANCED.XML",
    "un": "UN Security Council consolidated list XML",
    "uk": "UK Sanctions List XML or CSV",
    "eu": "EU consolidated financial sanctions list XML or CSV",
    "opensanctions": "OpenSanctions FtM JSON lines, targets.simple.csv or maritime.csv",
    "csv": "a plain CSV with a name column",
}
#: Sanctions list formats, ``auto`` first (it tells the others apart by content).
LIST_FORMATS = ("auto", *LIST_FORMAT_NAMES)

#: Export formats: name -> extensions (the first is the usual one), OGR driver, description.
EXPORT_FORMATS = {
    "gpkg": {"extensions": (".gpkg",), "driver": "GPKG", "description": "OGC GeoPackage (several layers, spatial index)"},
    "geojson": {"extensions": (".geojson", ".json"), "driver": "GeoJSON", "description": "GeoJSON (RFC 7946)"},
    "geojsonseq": {
        "extensions": (".geojsonl", ".geojsons", ".ndjson"),
        "driver": "GeoJSONSeq",
        "description": "newline-delimited GeoJSON, one feature a line",
    },
    "kml": {"extensions": (".kml",), "driver": "KML", "description": "KML 2.2 for Google Earth, with time stamps"},
    "shp": {"extensions": (".shp",), "driver": "ESRI Shapefile", "description": "ESRI Shapefile (+ OUT.fields.csv name map)"},
    "fgb": {"extensions": (".fgb",), "driver": "FlatGeobuf", "description": "FlatGeobuf"},
    "csv": {"extensions": (".csv",), "driver": "CSV", "description": "CSV with a WKT column (and lon/lat for points)"},
    "parquet": {"extensions": (".parquet", ".geoparquet"), "driver": "GeoParquet", "description": "GeoParquet (pyarrow)"},
}

#: The layers the store hands out for export, the map report and evidence packs.
LAYER_NAMES = ("sightings", "flags", "ports", "scenes", "port-calls")
