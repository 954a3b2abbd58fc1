// The shipsight map report. All data comes from the JSON block; every string
// from data reaches the page through textContent (never innerHTML), so names,
// notes and list remarks are always shown as text.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var STATE_COLOURS = { confirmed: "#b10026", open: "#f03b20", dismissed: "#969696", none: "#2b83ba" };
  var STATE_LABELS = { confirmed: "flag confirmed", open: "flag open", dismissed: "flag dismissed", none: "no flag" };
  var LINK_COLOURS = { "ship-to-ship": "#7a0177", "at-sanctioned-vessel-location": "#e7298a" };
  var AIS_COLOURS = { "matched": "#1f6fb2", "candidate": "#6b8fb0", "ais-only": "#d95f02" };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function fmtTime(iso) { return iso ? iso.replace("T", " ").replace("Z", " UTC") : "—"; }
  function fmtNum(x, digits) { return (x === null || x === undefined) ? "—" : Number(x).toFixed(digits); }
  function orDash(x) { return (x === null || x === undefined || x === "") ? "—" : x; }
  function addRow(dl, key, value) {
    dl.appendChild(el("dt", key));
    dl.appendChild(el("dd", orDash(value)));
  }

  // Flags by the sightings they involve.
  var flagsBySighting = {};
  data.flags.forEach(function (f) {
    [f.sighting_id, f.related_sighting_id].forEach(function (sid) {
      if (sid === null || sid === undefined) { return; }
      (flagsBySighting[sid] = flagsBySighting[sid] || []).push(f);
    });
  });

  function sightingPopup(s) {
    var box = el("div", null, "ss-popup");
    box.appendChild(el("h3", s.name || "unidentified vessel"));
    var dl = el("dl");
    addRow(dl, "IMO", s.imo);
    addRow(dl, "MMSI", s.mmsi);
    addRow(dl, "type", s.vessel_type);
    addRow(dl, "length", s.length_m === null ? null : fmtNum(s.length_m, 0) + " m");
    addRow(dl, "time", fmtTime(s.time));
    addRow(dl, "scene", [s.scene_id, s.source].filter(Boolean).join(" · "));
    addRow(dl, "pixel", s.pixel_row === null ? null : "row " + s.pixel_row + ", col " + s.pixel_col);
    addRow(dl, "position", fmtNum(s.lat, 5) + ", " + fmtNum(s.lon, 5));
    addRow(dl, "confidence", s.confidence);
    addRow(dl, "status", s.status);
    addRow(dl, "port", s.port || (s.nearest_port ? "near " + s.nearest_port + " (" +
      fmtNum((s.nearest_port_distance_m || 0) / 1000, 1) + " km)" : null));
    addRow(dl, "analyst", s.analyst);
    addRow(dl, "note", s.note);
    addRow(dl, "AIS", s.ais_status ? s.ais_status + (s.ais_mmsi ? " · MMSI " + s.ais_mmsi : "") +
      (s.ais_distance_m !== null && s.ais_distance_m !== undefined ? " · " + fmtNum(s.ais_distance_m, 0) + " m" : "") : null);
    box.appendChild(dl);
    var flags = flagsBySighting[s.id] || [];
    box.appendChild(el("h4", flags.length ? "Flags" : "No flags"));
    if (flags.length) {
      var ul = el("ul");
      flags.forEach(function (f) {
        ul.appendChild(el("li", f.rule + " (" + f.status + ", severity " + fmtNum(f.severity, 2) + "): " + (f.explanation || "")));
      });
      box.appendChild(ul);
    }
    return box;
  }

  function portPopup(p) {
    var box = el("div", null, "ss-popup");
    box.appendChild(el("h3", p.name));
    var dl = el("dl");
    addRow(dl, "kind", p.kind);
    addRow(dl, "watch-listed", p.watchlist ? "yes" : "no");
    addRow(dl, "reason", p.reason);
    addRow(dl, "area", p.area_m2 === null ? null : fmtNum(p.area_m2 / 1e6, 2) + " km²");
    box.appendChild(dl);
    return box;
  }

  // ------------------------------------------------------------------ map
  // Data across the antimeridian are drawn side by side: west of data.wrap_lon, 360 degrees further east.
  function mapLon(lon) { return data.wrap_lon !== null && lon < data.wrap_lon ? lon + 360 : lon; }
  function coordsToLatLng(c) { return L.latLng(c[1], mapLon(c[0])); }
  function mapLatLng(latLon) { return [latLon[0], mapLon(latLon[1])]; }
  var map = L.map("map", { zoomSnap: 0.25, worldCopyJump: false });
  map.attributionControl.setPrefix("Leaflet");
  if (data.coast) {
    // Land is filled without an outline (its pieces meet along tile lines); the shore is drawn on its own.
    L.geoJSON(data.coast, {
      coordsToLatLng: coordsToLatLng,
      interactive: false,
      style: { stroke: false, fillColor: "#efe8d8", fillOpacity: 1 }
    }).addTo(map);
    if (data.shore) {
      L.geoJSON(data.shore, {
        coordsToLatLng: coordsToLatLng,
        interactive: false,
        style: { color: "#8c7b5e", weight: 0.8, fill: false }
      }).addTo(map);
    }
    map.attributionControl.addAttribution("Coastline: GSHHG");
  }
  var bounds = L.latLngBounds([]);

  var portLayer = L.featureGroup().addTo(map);
  data.ports.forEach(function (p) {
    if (!p.geometry) { return; }
    var layer = L.geoJSON(p.geometry, {
      coordsToLatLng: coordsToLatLng,
      style: p.watchlist
        ? { color: "#d7191c", weight: 2.5, dashArray: "6 4", fillColor: "#d7191c", fillOpacity: 0.12, className: "ss-port ss-port-watchlist" }
        : { color: "#2c7fb8", weight: 1.5, fillColor: "#2c7fb8", fillOpacity: 0.10, className: "ss-port" }
    });
    layer.bindPopup(function () { return portPopup(p); });
    layer.bindTooltip(function () { return el("span", p.name + (p.watchlist ? " (watch-listed)" : "")); });
    layer.addTo(portLayer);
    bounds.extend(layer.getBounds());
  });

  var linkLayer = L.featureGroup().addTo(map);
  data.links.forEach(function (k) {
    L.polyline([mapLatLng(k.from), mapLatLng(k.to)], {
      color: LINK_COLOURS[k.rule] || "#000", weight: 3, dashArray: k.rule === "ship-to-ship" ? null : "4 4",
      className: "ss-link ss-link-" + k.rule
    }).bindTooltip(function () { return el("span", k.rule + " (flag " + k.flag_id + ", " + k.status + ")"); }).addTo(linkLayer);
  });

  // AIS beside the detections: each correlated scene's tracks around its time, and the AIS-only vessels.
  var aisLayer = L.featureGroup().addTo(map);
  (data.ais_tracks || []).forEach(function (t) {
    var line = L.polyline(t.coords.map(mapLatLng), {
      color: AIS_COLOURS[t.role] || "#1f6fb2", weight: t.role === "matched" ? 2.5 : 1.5,
      dashArray: t.role === "candidate" ? "3 3" : null, opacity: 0.85, className: "ss-ais-track ss-ais-" + t.role
    });
    line.bindTooltip(function () {
      return el("span", "AIS " + t.mmsi + (t.name ? " " + t.name : "") + " (" + t.role + ", scene " + t.scene_id +
        ") " + fmtTime(t.time_from) + " to " + fmtTime(t.time_to));
    });
    line.addTo(aisLayer);
    bounds.extend(line.getBounds());
  });
  (data.ais_only || []).forEach(function (v) {
    L.circleMarker([v.lat, mapLon(v.lon)], {
      radius: 5, color: AIS_COLOURS["ais-only"], weight: 2, fillOpacity: 0, className: "ss-ais-only"
    }).bindTooltip(function () {
      return el("span", "AIS-only " + v.mmsi + (v.name ? " " + v.name : "") + ": placed in scene " + v.scene_id +
        ", no detection in its gate");
    }).addTo(aisLayer);
  });

  var markers = {};
  var sightingLayer = L.featureGroup().addTo(map);
  data.sightings.forEach(function (s) {
    if (s.lat === null || s.lon === null) { return; }
    var retracted = s.status === "retracted";
    var colour = STATE_COLOURS[s.flag_state] || STATE_COLOURS.none;
    var m = L.circleMarker([s.lat, mapLon(s.lon)], {
      radius: s.confidence === "confirmed" ? 8 : s.confidence === "probable" ? 6.5 : 5,
      color: retracted ? "#555" : "#222", weight: 1.2, fillColor: colour,
      fillOpacity: retracted ? 0 : 0.9, dashArray: retracted ? "2 2" : null,
      className: "ss-sighting ss-state-" + s.flag_state + (retracted ? " ss-retracted" : "")
    });
    m.bindPopup(function () { return sightingPopup(s); }, { maxWidth: 360 });
    m.bindTooltip(function () { return el("span", (s.name || "unidentified") + " · " + fmtTime(s.time)); });
    m.addTo(sightingLayer);
    markers[s.id] = m;
    bounds.extend(m.getLatLng());
  });
  window.shipsightMarkers = markers;

  if (bounds.isValid()) { map.fitBounds(bounds.pad(0.15), { maxZoom: 13 }); } else { map.setView([20, 0], 2); }
  L.control.scale({ imperial: false }).addTo(map);
  L.control.layers(null, { "Ports": portLayer, "Flag links": linkLayer, "AIS": aisLayer, "Sightings": sightingLayer }, { collapsed: true }).addTo(map);

  // --------------------------------------------------------------- legend
  var legend = document.getElementById("legend");
  legend.appendChild(el("h2", "Legend"));
  Object.keys(STATE_COLOURS).forEach(function (k) {
    var row = el("div", null, "ss-legend-row");
    var dot = el("span", null, "ss-dot"); dot.style.background = STATE_COLOURS[k];
    row.appendChild(dot); row.appendChild(el("span", STATE_LABELS[k]));
    legend.appendChild(row);
  });
  [["ss-swatch ss-swatch-port", "port"], ["ss-swatch ss-swatch-watch", "watch-listed port"],
   ["ss-line ss-line-sts", "ship-to-ship"], ["ss-line ss-line-coloc", "at sanctioned vessel's location"],
   ["ss-dot ss-dot-hollow", "retracted sighting"], ["ss-line ss-line-ais", "AIS track of the matched vessel"],
   ["ss-line ss-line-ais-candidate", "AIS track of another candidate"],
   ["ss-dot ss-dot-ais-only", "AIS-only: no detection in its gate"]].forEach(function (pair) {
    var row = el("div", null, "ss-legend-row");
    row.appendChild(el("span", null, pair[0])); row.appendChild(el("span", pair[1]));
    legend.appendChild(row);
  });
  legend.appendChild(el("p", "Marker size: confirmed > probable > possible.", "ss-small"));

  // ---------------------------------------------------------------- summary
  var open = data.flags.filter(function (f) { return f.status === "open"; }).length;
  document.getElementById("summary").textContent =
    data.sightings.length + " sightings · " + data.ports.length + " ports · " + data.flags.length +
    " flags (" + open + " open) · generated " + fmtTime(data.generated);
  document.getElementById("footer").textContent =
    "Self-contained report made by shipsight; map drawn with Leaflet" +
    (data.coast_source ? "; land: " + data.coast_source : "") + ". All times UTC.";

  // ----------------------------------------------------------- flags table
  var tbody = document.querySelector("#flags tbody");
  var byId = {};
  data.sightings.forEach(function (s) { byId[s.id] = s; });
  data.flags.slice().sort(function (a, b) { return (b.severity || 0) - (a.severity || 0); }).forEach(function (f) {
    var tr = el("tr", null, "ss-flag-row ss-flag-" + f.status);
    [f.id, f.rule, fmtNum(f.severity, 2), f.status, orDash(f.name), orDash(f.imo), orDash(f.port), fmtTime(f.time),
     orDash(f.explanation)].forEach(function (v) { tr.appendChild(el("td", v)); });
    tr.title = "Show sighting " + f.sighting_id + " on the map";
    tr.addEventListener("click", function () {
      var m = markers[f.sighting_id];
      if (m) { map.setView(m.getLatLng(), Math.max(map.getZoom(), 12)); m.openPopup(); }
    });
    tbody.appendChild(tr);
  });
  if (!data.flags.length) {
    var tr0 = el("tr"); var td0 = el("td", "No flags."); td0.colSpan = 9; tr0.appendChild(td0); tbody.appendChild(tr0);
  }

  // -------------------------------------------------------------- timeline
  (function timeline() {
    var box = document.getElementById("timeline");
    var rows = {};
    data.sightings.forEach(function (s) {
      if (!s.time) { return; }
      var key = s.port || "(not in a port)";
      (rows[key] = rows[key] || []).push(s);
    });
    var names = Object.keys(rows).sort();
    if (!names.length) { box.appendChild(el("p", "No sightings.")); return; }
    var times = data.sightings.filter(function (s) { return s.time; }).map(function (s) { return Date.parse(s.time); });
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    if (t1 === t0) { t0 -= 86400000; t1 += 86400000; }
    var NS = "http://www.w3.org/2000/svg";
    var left = 190, right = 20, rowH = 26, top = 10, width = 960, height = top + rowH * names.length + 30;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("class", "ss-timeline");
    function x(t) { return left + (width - left - right) * (t - t0) / (t1 - t0); }
    function svgEl(tag, attrs, text) {
      var e = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) { e.textContent = String(text); }
      return e;
    }
    names.forEach(function (name, i) {
      var y = top + rowH * i + rowH / 2;
      svg.appendChild(svgEl("line", { x1: left, x2: width - right, y1: y, y2: y, "class": "ss-tl-row" }));
      svg.appendChild(svgEl("text", { x: left - 8, y: y + 4, "text-anchor": "end", "class": "ss-tl-label" }, name));
      rows[name].forEach(function (s) {
        var c = svgEl("circle", { cx: x(Date.parse(s.time)), cy: y, r: 5, fill: STATE_COLOURS[s.flag_state] || STATE_COLOURS.none,
                                  "class": "ss-tl-dot" });
        c.appendChild(svgEl("title", {}, (s.name || "unidentified") + " · " + fmtTime(s.time)));
        c.addEventListener("click", function () { var m = markers[s.id]; if (m) { map.setView(m.getLatLng(), 12); m.openPopup(); } });
        svg.appendChild(c);
      });
    });
    var yAxis = top + rowH * names.length + 6;
    svg.appendChild(svgEl("line", { x1: left, x2: width - right, y1: yAxis, y2: yAxis, "class": "ss-tl-axis" }));
    for (var k = 0; k <= 4; k++) {
      var t = t0 + (t1 - t0) * k / 4;
      svg.appendChild(svgEl("text", { x: x(t), y: yAxis + 16, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle", "class": "ss-tl-tick" },
                            new Date(t).toISOString().slice(0, 10)));
    }
    box.appendChild(svg);
  })();

  document.documentElement.setAttribute("data-markers", String(Object.keys(markers).length));
  document.documentElement.setAttribute("data-ready", "1");
})();
