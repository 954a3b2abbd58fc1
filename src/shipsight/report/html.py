"""The map report: one self-contained HTML file that works with no network at all.

Why it is built this way:

- **Leaflet, inlined from a package.** The map is drawn by Leaflet 1.9, whose
  ``leaflet.js`` and ``leaflet.css`` come from the ``XStatic-Leaflet`` wheel
  (a pure data package with no dependencies) and are copied into the page at
  render time; nothing is vendored into this repository and nothing is
  fetched when the page opens. The three images the CSS names are inlined as
  ``data:`` URIs.
- **No tiles; a coastline from data a package ships.** There is no tile
  server to reach offline, so land is drawn from the GSHHG full-resolution
  shorelines inside ``roaring-landmask`` (``Shapes.wkb``), clipped to the
  area of the report and simplified to the map's scale.
- **Data as JSON, text only through textContent.** Every record is embedded
  once as ``<script type="application/json">`` with ``<``, ``>``, ``&`` and
  the line separators escaped as ``\\uXXXX``, so no string can close the
  script element; the page's script builds popups, tables and the timeline
  with ``textContent`` only, so a vessel called ``<script>alert(1)</script>``
  is shown as text. A Content-Security-Policy allows only the page's own two
  scripts (by SHA-256) and no connection anywhere, as a second wall.
- **One view across the antimeridian.** Data either side of 180° (the Bering
  Sea, Fiji) are drawn side by side, not at the two edges of the world: see
  :func:`wrap_longitude`. Popups still give the true longitude.
- **Errors visible.** The page records ``window.onerror``, unhandled
  rejections and ``console.error`` in a ``#errors`` element, which the
  headless-browser tests read.
"""

import base64
import hashlib
import html
import json
import math
import os
import uuid
from datetime import datetime
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from shipsight.errors import InputError

_FLAG_ORDER = {"confirmed": 3, "open": 2, "dismissed": 1}
_LINKED_RULES = ("at-sanctioned-vessel-location", "ship-to-ship")


# --------------------------------------------------------------------- assets


def _leaflet_assets():
    """Leaflet's script and stylesheet from the XStatic-Leaflet wheel, images inlined."""
    from xstatic.pkg import leaflet

    base = Path(leaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    for name in ("layers.png", "layers-2x.png", "marker-icon.png"):
        data = base64.b64encode((base / "images" / name).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{data})")
    # Drop the source-map comment: the map file is not shipped with the page.
    js = "\n".join(line for line in js.splitlines() if not line.startswith("//# sourceMappingURL"))
    return js, css


def coastline(bounds, *, max_vertices=60_000):
    """Land polygons (GSHHG full resolution, from roaring-landmask) clipped to ``bounds``.

    Read from the coastline's tile cache (:mod:`shipsight.coast`): only the
    tiles inside ``bounds``.

    Parameters
    ----------
    bounds : tuple of float
        ``(minlon, minlat, maxlon, maxlat)``.
    max_vertices : int
        Simplify until the result has about this many vertices, so the page
        stays small whatever the area.

    Returns
    -------
    shapely.Geometry or None
        A MultiPolygon of land, as the cache's tile pieces (pieces of one
        landmass meet along tile lines), or ``None`` when roaring-landmask is
        absent.

    Examples
    --------
    >>> land = coastline((125.0, 38.5, 125.6, 38.9))
    >>> land is None or land.geom_type == "MultiPolygon"
    True
    """
    found = _coast(bounds, max_vertices=max_vertices)
    return None if found is None else found[0]


def _coast(bounds, *, max_vertices=60_000):
    """``(land, shore)`` in ``bounds``, or None without roaring-landmask.

    ``land`` as in :func:`coastline`; ``shore`` the MultiLineString to draw as
    the coast: the pieces' outlines less the tile lines they were cut along and
    the edges of ``bounds``, so no line is drawn across land. Both are
    simplified (Douglas-Peucker) to about ``max_vertices`` together.
    """
    from shipsight.coast import land_polygons

    minx, miny, maxx, maxy = bounds
    try:
        hits = land_polygons((minx, miny, maxx, maxy))
    except InputError:  # roaring-landmask is not installed
        return None
    clipped = shapely.clip_by_rect(hits, minx, miny, maxx, maxy) if len(hits) else hits
    clipped = shapely.get_parts(clipped[~shapely.is_empty(clipped)])
    tolerance = max(maxx - minx, maxy - miny) / 4000.0
    # Islets smaller than a few pixels of the map cannot be seen; dropping them
    # first keeps a wide area (a report that spans the antimeridian covers the
    # world) from simplifying 180,000 polygons at full resolution.
    clipped = clipped[(shapely.get_type_id(clipped) == 3) & (shapely.area(clipped) >= (2.0 * tolerance) ** 2)]
    if not len(clipped):
        return shapely.MultiPolygon(), shapely.MultiLineString()
    shore = _shore_lines(clipped, bounds)
    while True:
        land = shapely.simplify(clipped, tolerance, preserve_topology=True)
        lines = shapely.simplify(shore, tolerance)
        if int(shapely.get_num_coordinates(land).sum() + shapely.get_num_coordinates(lines).sum()) <= max_vertices:
            break
        tolerance *= 2.0
    land = shapely.get_parts(land)
    return shapely.multipolygons(land[shapely.get_type_id(land) == 3]), shapely.multilinestrings(lines)


def _shore_lines(pieces, bounds):
    """The outlines of ``pieces`` less every segment along a tile line or an edge of ``bounds``.

    A segment is dropped when both its ends lie on the same such line (clipping
    puts them there exactly). What is left runs along real coast; consecutive
    kept segments of a ring become one line.
    """
    from shipsight.coast.cache import TILE_DEG

    coords, ring = shapely.get_coordinates(shapely.get_rings(pieces), return_index=True)
    x, y = coords[:, 0], coords[:, 1]
    minx, miny, maxx, maxy = bounds
    same_ring = ring[:-1] == ring[1:]
    along_x = (x[:-1] == x[1:]) & ((np.mod(x[:-1], TILE_DEG) == 0) | (x[:-1] == minx) | (x[:-1] == maxx))
    along_y = (y[:-1] == y[1:]) & ((np.mod(y[:-1], TILE_DEG) == 0) | (y[:-1] == miny) | (y[:-1] == maxy))
    kept = np.flatnonzero(same_ring & ~along_x & ~along_y)
    if not len(kept):
        return np.array([], dtype=object)
    start = np.r_[True, kept[1:] != kept[:-1] + 1]
    line = np.cumsum(start) - 1
    last = np.r_[start[1:], True]
    # Each kept segment gives its first point; the last segment of a line its end point too.
    points = np.concatenate([kept, kept[last] + 1])
    owner = np.concatenate([line, line[last]])
    order = np.lexsort((points, owner))
    return shapely.linestrings(coords[points[order]], indices=owner[order])


# ------------------------------------------------------------------ JSON data


def _plain(value):
    """A value as JSON can hold it: ISO UTC text for times, None for missing."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.isoformat().replace("+00:00", "Z")
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, shapely.Geometry):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value) if not isinstance(value, (int, str)) else value


def _records(frame, columns):
    cols = [c for c in columns if c in frame.columns]
    data = pd.DataFrame(frame[cols]).to_dict("records")
    return [{k: _plain(v) for k, v in row.items()} for row in data]


def _geojson_geometry(geom, digits=6, mode="valid_output"):
    if geom is None or geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 10.0**-digits, mode=mode)))


def safe_json(obj):
    """JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` and the
    JavaScript line separators are escaped, so no value can end the element.

    >>> safe_json({"name": "</script><b>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return text


_SIGHTING_COLUMNS = [
    "id", "time", "lon", "lat", "name", "imo", "mmsi", "vessel_type", "length_m", "heading",
    "confidence", "source", "scene_id", "pixel_row", "pixel_col", "analyst", "note",
    "port", "nearest_port", "nearest_port_distance_m", "status",
]
_FLAG_COLUMNS = [
    "id", "rule", "severity", "sighting_id", "related_sighting_id", "name", "imo", "mmsi",
    "listed_name", "listed_imo", "list", "program", "matched_on", "score", "port",
    "distance_m", "hours_apart", "status", "explanation", "time",
]
_PORT_COLUMNS = ["id", "name", "kind", "watchlist", "reason", "area_m2"]


def _flag_state(sightings, flags):
    """The strongest state of the flags on each sighting: confirmed > open > dismissed > none."""
    state = pd.Series("none", index=sightings["id"].to_numpy(), dtype=object)
    if len(flags) == 0:
        return state
    rank = flags["status"].map(_FLAG_ORDER).fillna(0).to_numpy()
    ids = pd.concat([flags["sighting_id"], flags.get("related_sighting_id", pd.Series(dtype="Int64"))])
    ranks = np.concatenate([rank, rank])
    both = pd.DataFrame({"sid": pd.to_numeric(ids, errors="coerce").to_numpy(), "rank": ranks}).dropna()
    best = both.groupby("sid")["rank"].max()
    names = {v: k for k, v in _FLAG_ORDER.items()}
    for sid, r in best.items():
        if int(sid) in state.index and r in names:
            state[int(sid)] = names[r]
    return state


def _report_data(*, ports, sightings, flags, title, coast, shore=None, ais=None):
    sightings = sightings.copy()
    if "lon" not in sightings.columns or "lat" not in sightings.columns:
        sightings["lon"], sightings["lat"] = sightings.geometry.x, sightings.geometry.y
    state = _flag_state(sightings, flags)
    srec = _records(sightings, _SIGHTING_COLUMNS)
    status = (ais or {}).get("status", {})
    for row in srec:
        row["flag_state"] = state.get(row["id"], "none")
        row.update(status.get(row["id"], {"ais_status": None, "ais_mmsi": None, "ais_distance_m": None}))
    frec = _records(flags, _FLAG_COLUMNS)
    prec = _records(ports, _PORT_COLUMNS)
    for row, geom in zip(prec, ports.geometry.array):
        row["geometry"] = _geojson_geometry(geom)
    by_id = {row["id"]: row for row in srec}
    links = []
    for row in frec:
        rel = row.get("related_sighting_id")
        if row.get("rule") in _LINKED_RULES and rel is not None and rel in by_id and row.get("sighting_id") in by_id:
            a, b = by_id[row["sighting_id"]], by_id[rel]
            links.append({"flag_id": row["id"], "rule": row["rule"], "status": row.get("status"),
                          "from": [a["lat"], a["lon"]], "to": [b["lat"], b["lon"]]})
    return {
        "title": title,
        "generated": _plain(pd.Timestamp.now(tz="UTC").floor("s")),
        "sightings": srec,
        "flags": frec,
        "ports": prec,
        "links": links,
        "ais_tracks": (ais or {}).get("tracks", []),
        "ais_only": (ais or {}).get("ais_only", []),
        # Pointwise rounding: the land is tile pieces side by side, not one valid polygon to repair.
        "coast": _geojson_geometry(coast, digits=5, mode="pointwise") if coast is not None else None,
        "shore": _geojson_geometry(shore, digits=5, mode="pointwise") if shore is not None else None,
        "coast_source": "GSHHG full resolution via roaring-landmask" if coast is not None else None,
    }


def _data_longitudes(ports, sightings):
    """Longitudes of the sightings and of the ports' vertices (their outline is what is drawn)."""
    geoms = np.concatenate([np.asarray(ports.geometry.array, dtype=object), np.asarray(sightings.geometry.array, dtype=object)])
    geoms = geoms[~shapely.is_missing(geoms)]
    geoms = geoms[~shapely.is_empty(geoms)]
    if not len(geoms):
        return np.empty(0), np.empty(0)
    xy = shapely.get_coordinates(geoms)
    return xy[:, 0], xy[:, 1]


def wrap_longitude(lons):
    """Where the map should cut the world, or None to keep -180..180.

    When the data sit across the antimeridian (a Bering Sea transfer, a Fiji
    anchorage), the widest empty stretch of longitude is not the one at 180°.
    The map then shows longitudes west of the middle of that stretch 360°
    further east, so the data are drawn side by side and the view fits them.

    >>> wrap_longitude([179.5, -179.5, 178.0])
    -0.75
    >>> wrap_longitude([125.0, 131.9]) is None
    True
    """
    lons = np.unique(np.asarray(lons, dtype=float))
    if len(lons) < 2:
        return None
    gaps = np.diff(lons)
    widest = int(np.argmax(gaps))
    if gaps[widest] <= lons[0] + 360.0 - lons[-1]:
        return None
    return float((lons[widest] + lons[widest + 1]) / 2.0)


def _shown(lons, wrap):
    return lons if wrap is None else np.where(lons < wrap, lons + 360.0, lons)


def _coast_boxes(lons, lats, wrap):
    """Boxes of land to draw, in -180..180, around the data as the map shows them."""
    if not len(lons):
        return []
    x = _shown(lons, wrap)
    minx, maxx, miny, maxy = x.min(), x.max(), lats.min(), lats.max()
    # Generous: the map's frame is rarely the data's shape, and land cut off
    # inside the view would read as sea.
    pad = max(1.0, 1.0 * max(maxx - minx, maxy - miny))
    miny, maxy = max(-90.0, miny - pad), min(90.0, maxy + pad)
    if wrap is None:
        return [(max(-180.0, minx - pad), miny, min(180.0, maxx + pad), maxy)]
    # Either side of 180, never past the cut (land there would be drawn 360 degrees away).
    return [(max(wrap, minx - pad), miny, 180.0, maxy), (-180.0, miny, min(wrap, maxx + pad - 360.0), maxy)]


# ------------------------------------------------------------------- the page


def _asset(name):
    return (resources.files("shipsight.report") / "static" / name).read_text(encoding="utf-8")


def _sha256_b64(text):
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def render_html(*, ports, sightings, flags, title="shipsight report", coast="auto", ais=None):
    """The report page as a string. See :func:`render_report`.

    ``coast`` is ``"auto"`` (GSHHG land clipped to the data), ``None`` (no
    land drawn) or a shapely geometry of land to draw.
    """
    for name, frame in (("ports", ports), ("sightings", sightings), ("flags", flags)):
        if not hasattr(frame, "columns"):
            raise InputError(f"{name} must be a GeoDataFrame, not {type(frame).__name__}")
    lons, lats = _data_longitudes(ports, sightings)
    wrap = wrap_longitude(lons)
    if isinstance(coast, str):
        if coast != "auto":
            raise InputError(f"coast must be 'auto', None or a geometry, not {coast!r}")
        found = [_coast(box) for box in _coast_boxes(lons, lats, wrap)]
        if not found or any(f is None for f in found):
            coast = shore = None
        else:
            # Boxes either side of 180: their pieces side by side, no overlay needed.
            coast = shapely.multipolygons(np.concatenate([shapely.get_parts(land) for land, _ in found]))
            shore = shapely.multilinestrings(np.concatenate([shapely.get_parts(lines) for _, lines in found]))
    else:
        shore = None if coast is None else shapely.boundary(coast)
    data = _report_data(ports=ports, sightings=sightings, flags=flags, title=str(title), coast=coast, shore=shore,
                        ais=ais)
    data["wrap_lon"] = wrap
    leaflet_js, leaflet_css = _leaflet_assets()
    app_js = _asset("report.js")
    app_css = _asset("report.css")
    guard_js = _asset("guard.js")
    csp = (
        "default-src 'none'; "
        f"script-src 'sha256-{_sha256_b64(guard_js)}' 'sha256-{_sha256_b64(leaflet_js)}' 'sha256-{_sha256_b64(app_js)}'; "
        "style-src 'unsafe-inline'; img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    esc_title = html.escape(str(title))
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc_title}</title>",
        f"<script>{guard_js}</script>",
        f"<style>{leaflet_css}</style>",
        f"<style>{app_css}</style>",
        "</head><body>",
        f'<header><h1>{esc_title}</h1><p id="summary"></p></header>',
        '<main><div id="map" role="region" aria-label="map"></div>',
        '<aside id="legend"></aside></main>',
        '<section><h2>Flags</h2><table id="flags"><thead><tr><th>#</th><th>rule</th><th>severity</th>'
        "<th>status</th><th>vessel</th><th>IMO</th><th>port</th><th>time (UTC)</th><th>explanation</th>"
        "</tr></thead><tbody></tbody></table></section>",
        '<section><h2>Sightings per port over time</h2><div id="timeline"></div></section>',
        '<footer id="footer"></footer>',
        '<pre id="errors" hidden></pre>',
        f'<script type="application/json" id="report-data">{safe_json(data)}</script>',
        f"<script>{leaflet_js}</script>",
        f"<script>{app_js}</script>",
        "</body></html>",
    ])


def render_report(out_html, *, ports, sightings, flags, title="shipsight report", coast="auto", overwrite=True,
                  ais=None):
    """Write the map report: ONE self-contained HTML file that needs no network.

    The page shows the ports (watch-listed ones in red, dashed), the
    sightings coloured by the strongest state of their flags (confirmed,
    open, dismissed, none; retracted sightings hollow), lines for
    co-location and ship-to-ship flags, a popup per sighting (identity, time,
    scene, confidence, flags, analyst, note), a table of flags (click a row
    to go to the sighting) and a timeline of sightings per port.

    Parameters
    ----------
    out_html : str or os.PathLike
        The file to write (its folder must exist).
    ports, sightings, flags : geopandas.GeoDataFrame
        The store's layers (EPSG:4326); any may be empty.
    title : str
        Shown as the page's title and heading (escaped).
    coast : "auto", None or shapely geometry
        Land to draw: ``"auto"`` clips GSHHG (from roaring-landmask) to the
        data's area plus a margin.
    overwrite : bool, default True
        A report is a derived view, so by default it is replaced.
    ais : dict, optional
        AIS beside the sightings (:func:`shipsight.ais.correlate_scene.report_ais`):
        tracks around each correlated scene's time, AIS-only vessels, and each
        sighting's correlation status (shown in its popup).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, os
    >>> from shipsight.report.sample import sample_layers
    >>> L = sample_layers()
    >>> out = render_report(os.path.join(tempfile.mkdtemp(), "r.html"), ports=L["ports"],
    ...                     sightings=L["sightings"], flags=L["flags"], coast=None)
    >>> "https://" in out.read_text(encoding="utf-8").split('id="report-data"')[0].split("<script>")[0]
    False
    """
    out = Path(out_html)
    if out.exists() and not overwrite:
        raise InputError(f"{out} exists; pass overwrite=True (--overwrite) to replace it", where=str(out))
    if not out.parent.is_dir():
        raise InputError(f"folder {out.parent} does not exist; create it first", where=str(out))
    page = render_html(ports=ports, sightings=sightings, flags=flags, title=title, coast=coast, ais=ais)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
