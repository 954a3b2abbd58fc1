"""KML 2.2 for Google Earth: one placemark per feature, escaped descriptions, a time slider.

GDAL's KML drivers write valid KML, but give no say over the balloon text or
time stamps, so this small writer builds the document with
:mod:`xml.etree.ElementTree` (which XML-escapes every string) and follows the
element order of the OGC KML 2.2 schema, against which the tests validate it.

Google Earth treats ``<description>`` as HTML. Every value is therefore
HTML-escaped *before* the document is XML-escaped, so a vessel named
``<script>`` shows as that text in the balloon and never runs.
"""

import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import numpy as np
import pandas as pd
import shapely

KML_NS = "http://www.opengis.net/kml/2.2"

# Characters that XML 1.0 forbids outright; a stray one in a note would make
# the whole file unreadable, so they are dropped.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: Styles by id: KML colours are aabbggrr.
STYLES = {
    "sighting-confirmed": {"icon": "ff3c14dc", "scale": 1.0},
    "sighting-probable": {"icon": "ff008cff", "scale": 0.9},
    "sighting-possible": {"icon": "ff00d7ff", "scale": 0.8},
    "sighting-retracted": {"icon": "80808080", "scale": 0.7},
    "flag": {"icon": "ff0000ff", "scale": 1.2, "line": "ff0000ff", "width": 3},
    "port": {"line": "ffb48246", "width": 2, "poly": "40b48246"},
    "port-watchlist": {"line": "ff0000ff", "width": 3, "poly": "500000ff"},
    "scene": {"line": "ff00ff00", "width": 1, "poly": "1000ff00"},
    "port-call": {"line": "ffff00ff", "width": 2, "poly": "30ff00ff"},
}

# What a placemark is called, by layer.
_NAME_COLUMNS = {
    "sightings": ("name", "mmsi", "imo"),
    "flags": ("name", "imo", "mmsi"),
    "ports": ("name",),
    "scenes": ("id",),
    "port_calls": ("name", "vessel"),
}


def _clean(text):
    return _XML_BAD.sub("", text)


def _is_missing(value):
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, geometries
        return False


def _text(value):
    """A value as it reads in a balloon or ExtendedData."""
    if _is_missing(value):
        return ""
    if isinstance(value, (pd.Timestamp, datetime)):
        return _when(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return _clean(str(value))


def _when(value):
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    ts = ts.tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond:
        text += f".{ts.microsecond:06d}".rstrip("0")
    return text + "Z"


def _coords(seq):
    return " ".join(f"{float(x)!r},{float(y)!r}" for x, y, *_ in seq)


def _geometry(parent, geom):
    """Append the KML geometry of a shapely geometry; empty geometries add nothing."""
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _coords(geom.coords)
    elif kind in ("LineString", "LinearRing"):
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _coords(geom.coords)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        outer = ET.SubElement(ET.SubElement(poly, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(outer, "coordinates").text = _coords(geom.exterior.coords)
        for ring in geom.interiors:
            inner = ET.SubElement(ET.SubElement(poly, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(inner, "coordinates").text = _coords(ring.coords)
    else:  # Multi* and GeometryCollection
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)


def _style(document, style_id, spec):
    style = ET.SubElement(document, "Style", id=style_id)
    if "icon" in spec:
        icon = ET.SubElement(style, "IconStyle")
        ET.SubElement(icon, "color").text = spec["icon"]
        ET.SubElement(icon, "scale").text = str(spec["scale"])
    if "line" in spec:
        line = ET.SubElement(style, "LineStyle")
        ET.SubElement(line, "color").text = spec["line"]
        ET.SubElement(line, "width").text = str(spec["width"])
    if "poly" in spec:
        poly = ET.SubElement(style, "PolyStyle")
        ET.SubElement(poly, "color").text = spec["poly"]


def _style_for(layer, row):
    if layer == "sightings":
        if row.get("status") == "retracted":
            return "sighting-retracted"
        conf = row.get("confidence")
        return f"sighting-{conf}" if conf in ("confirmed", "probable", "possible") else "sighting-possible"
    if layer == "flags":
        return "flag"
    if layer == "ports":
        return "port-watchlist" if row.get("watchlist") is True or row.get("watchlist") == 1 else "port"
    if layer == "scenes":
        return "scene"
    if layer == "port_calls":
        return "port-call"
    return None


def _placemark_name(layer, row, index):
    if layer == "flags":
        who = next((_text(row.get(c)) for c in _NAME_COLUMNS["flags"] if _text(row.get(c))), "")
        return f"{_text(row.get('rule'))}: {who}".strip(": ")
    if layer == "port_calls":
        return f"{_text(row.get('name')) or _text(row.get('vessel'))} at {_text(row.get('port'))}"
    for col in _NAME_COLUMNS.get(layer, ("name", "id")):
        if _text(row.get(col)):
            return _text(row.get(col))
    return f"{layer} {index}"


def _description(row):
    # HTML for the balloon; each value HTML-escaped here, the whole then
    # XML-escaped by ElementTree: two layers, so data never becomes markup.
    cells = "".join(
        f"<tr><th align='left'>{html.escape(str(k))}</th><td>{html.escape(_text(v))}</td></tr>"
        for k, v in row.items()
        if not _is_missing(v)
    )
    return f"<table>{cells}</table>"


def kml_document(gdf, *, layer, time_column=None, span_columns=None, name=None):
    """Build the KML document of a GeoDataFrame as an :class:`~xml.etree.ElementTree.Element`.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features in EPSG:4326.
    layer : str
        Which shipsight layer this is (``sightings``, ``flags``, ``ports``,
        ``scenes``, ``port_calls`` or any other name); picks styles and
        placemark names.
    time_column : str, optional
        Column written as each placemark's ``<TimeStamp>``.
    span_columns : tuple of str, optional
        ``(begin, end)`` columns written as ``<TimeSpan>`` instead.
    name : str, optional
        The document's name; the layer name by default.

    Returns
    -------
    xml.etree.ElementTree.Element

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"name": ["<b>A</b>"]}, geometry=[shapely.Point(1, 2)], crs=4326)
    >>> root = kml_document(g, layer="sightings")
    >>> root.find("Document/Placemark/name").text
    '<b>A</b>'
    """
    # Elements are built unqualified under an explicit default xmlns, so the
    # written file is plain KML (no ns0: prefixes) in the KML 2.2 namespace.
    root = ET.Element("kml", xmlns=KML_NS)
    document = ET.SubElement(root, "Document")
    ET.SubElement(document, "name").text = _clean(name or layer)
    used = {_style_for(layer, row) for row in _rows(gdf)} - {None}
    for style_id in sorted(used):
        _style(document, style_id, STYLES[style_id])
    geoms = gdf.geometry.array if hasattr(gdf, "geometry") else [None] * len(gdf)
    for i, (row, geom) in enumerate(zip(_rows(gdf), geoms)):
        mark = ET.SubElement(document, "Placemark")
        ET.SubElement(mark, "name").text = _placemark_name(layer, row, i)
        ET.SubElement(mark, "description").text = _description(row)
        # Element order follows the KML 2.2 schema: TimePrimitive, styleUrl, ExtendedData, geometry.
        if span_columns is not None:
            begin, end = (row.get(c) for c in span_columns)
            if not (_is_missing(begin) and _is_missing(end)):
                span = ET.SubElement(mark, "TimeSpan")
                if not _is_missing(begin):
                    ET.SubElement(span, "begin").text = _when(begin)
                if not _is_missing(end):
                    ET.SubElement(span, "end").text = _when(end)
        elif time_column is not None and not _is_missing(row.get(time_column)):
            ET.SubElement(ET.SubElement(mark, "TimeStamp"), "when").text = _when(row[time_column])
        style_id = _style_for(layer, row)
        if style_id:
            ET.SubElement(mark, "styleUrl").text = f"#{style_id}"
        extended = ET.SubElement(mark, "ExtendedData")
        for key, value in row.items():
            data = ET.SubElement(extended, "Data", name=_clean(str(key)))
            ET.SubElement(data, "value").text = _text(value)
        _geometry(mark, geom)
    return root


def _rows(gdf):
    """Attribute rows as dicts (without the active geometry)."""
    cols = [c for c in gdf.columns if c != getattr(gdf, "_geometry_column_name", None)]
    frame = pd.DataFrame(gdf[cols])
    return frame.to_dict("records")


def write_kml(gdf, path, *, layer, time_column=None, span_columns=None, name=None):
    """Write a GeoDataFrame as a KML 2.2 file (UTF-8). See :func:`kml_document`.

    >>> import geopandas as gpd, shapely, tempfile, os
    >>> g = gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.Point(1, 2)], crs=4326)
    >>> p = os.path.join(tempfile.mkdtemp(), "a.kml")
    >>> _ = write_kml(g, p, layer="sightings")
    >>> open(p, encoding="utf-8").read().count("<Placemark>")
    1
    """
    root = kml_document(gdf, layer=layer, time_column=time_column, span_columns=span_columns, name=name)
    tree = ET.ElementTree(root)
    ET.indent(tree, space=" ")
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    return path
