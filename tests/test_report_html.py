"""The HTML map report, checked in a real headless Chromium over the DevTools protocol.

The browser is /usr/bin/chromium (or $SHIPSIGHT_CHROMIUM); the tests skip with
a message when it or the ``websocket-client`` package is missing. A
screenshot is saved to $SHIPSIGHT_ARTIFACTS (default tests/artifacts/)
as report.png.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import shapely

from shipsight.errors import InputError
from shipsight.report.html import coastline, render_html, render_report, safe_json, wrap_longitude
from shipsight.report.sample import XSS_NAME, sample_layers

CHROMIUM = os.environ.get("SHIPSIGHT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("SHIPSIGHT_ARTIFACTS", Path(__file__).parent / "artifacts"))

IMG_XSS = '<img src=x onerror="alert(2)">'
PORT_XSS = "</script><script>alert(3)</script>"


@pytest.fixture(scope="module")
def layers():
    L = sample_layers()
    L["sightings"].loc[L["sightings"]["id"] == 2, "note"] = IMG_XSS
    L["ports"].loc[L["ports"]["id"] == 2, "name"] = PORT_XSS
    L["sightings"].loc[L["sightings"]["port_id"] == 2, "port"] = PORT_XSS
    return L


@pytest.fixture(scope="module")
def report(tmp_path_factory, layers):
    out = tmp_path_factory.mktemp("report") / "report.html"
    return render_report(out, ports=layers["ports"], sightings=layers["sightings"], flags=layers["flags"],
                         title="Nampo <b>March</b> & after")


# --------------------------------------------------------- without a browser


def test_safe_json_cannot_close_script():
    text = safe_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_page_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "url(images/" not in page  # Leaflet's CSS images are inlined
    assert page.count("<script") == 4  # guard, data, Leaflet, report
    assert "Content-Security-Policy" in page and "connect-src 'none'" in page


def test_data_strings_never_raw_in_page(report):
    page = report.read_text(encoding="utf-8")
    for evil in (XSS_NAME, IMG_XSS, PORT_XSS, "<b>March</b>"):
        assert evil not in page
    assert "<title>Nampo &lt;b&gt;March&lt;/b&gt; &amp; after</title>" in page


def test_report_refuses_existing_when_asked(tmp_path, layers):
    out = tmp_path / "r.html"
    out.write_text("keep")
    with pytest.raises(InputError, match="overwrite"):
        render_report(out, ports=layers["ports"], sightings=layers["sightings"], flags=layers["flags"],
                      coast=None, overwrite=False)
    assert out.read_text() == "keep"


def test_coastline_is_land():
    land = coastline((124.5, 38.3, 126.0, 39.3))
    assert land.geom_type in ("Polygon", "MultiPolygon")
    assert land.contains(shapely.Point(125.75, 39.03))  # Pyongyang
    assert not land.contains(shapely.Point(124.9, 38.8))  # Korea Bay
    assert shapely.get_num_coordinates(land) <= 61_000


# -------------------------------------------------------------- the browser


class Chromium:
    """A headless Chromium and one page, driven over the DevTools protocol."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--window-size=1300,1100"]

    def __init__(self, profile):
        import websocket

        self.proc = subprocess.Popen(
            [CHROMIUM, *self.FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                pytest.fail("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            targets = json.load(resp)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg):
        self.events.append(msg)
        if msg.get("method") == "Page.javascriptDialogOpening":
            # An alert() ran: record it (the test fails on it) and close it so the page goes on.
            self.ws.send(json.dumps({"id": 10**9, "method": "Page.handleJavaScriptDialog", "params": {"accept": True}}))

    def open(self, url, *, timeout=30):
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = self.eval("document.documentElement && document.documentElement.getAttribute('data-ready')")
            if ready == "1" and any(e.get("method") == "Page.loadEventFired" for e in self.events):
                return
            time.sleep(0.1)
        pytest.fail(f"the report did not finish loading; errors: {self.errors()}")

    def eval(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def errors(self):
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"]["text"])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
        return out

    def dialogs(self):
        return [e["params"]["message"] for e in self.events if e.get("method") == "Page.javascriptDialogOpening"]

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.ws.close()
        except Exception:  # the socket may never have opened
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM}; install Debian's chromium to run the browser tests")
    pytest.importorskip("websocket", reason="the browser tests need the websocket-client package")
    b = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def loaded(browser, report):
    browser.open(report.as_uri())
    return browser


def test_page_loads_without_errors(loaded):
    assert loaded.errors() == []
    assert loaded.eval("document.documentElement.getAttribute('data-errors')") == "0"
    assert loaded.eval("document.getElementById('errors').textContent") == ""
    assert loaded.eval("typeof L") == "object"  # Leaflet ran, inlined


def test_no_network(loaded):
    urls = loaded.requests()
    assert urls, "navigation itself should show as a request"
    assert all(u.startswith(("file:", "data:")) for u in urls), urls


def test_markers_ports_links(loaded, layers):
    assert loaded.eval("document.querySelectorAll('path.ss-sighting').length") == len(layers["sightings"])
    assert loaded.eval("document.documentElement.getAttribute('data-markers')") == str(len(layers["sightings"]))
    assert loaded.eval("document.querySelectorAll('path.ss-port').length") == len(layers["ports"])
    assert loaded.eval("document.querySelectorAll('path.ss-port-watchlist').length") == 2
    assert loaded.eval("document.querySelectorAll('path.ss-link').length") == 2
    assert loaded.eval("document.querySelectorAll('path.ss-state-confirmed').length") == 2  # sightings 1 and 2
    assert loaded.eval("document.querySelectorAll('path.ss-retracted').length") == 1
    assert loaded.eval("document.querySelectorAll('#flags tbody tr').length") == len(layers["flags"])
    assert loaded.eval("document.querySelectorAll('#timeline circle').length") == len(layers["sightings"])


def test_xss_shown_as_text_not_run(loaded):
    assert loaded.dialogs() == []
    assert loaded.eval("document.scripts.length") == 4
    assert loaded.eval("document.querySelectorAll('img').length") == 0
    cells = loaded.eval("Array.from(document.querySelectorAll('#flags td')).map(td => td.textContent)")
    assert XSS_NAME in cells
    assert loaded.eval("document.title") == "Nampo <b>March</b> & after"
    loaded.eval("window.shipsightMarkers[2].openPopup(), true")
    popup = loaded.eval("document.querySelector('.leaflet-popup-content').textContent")
    assert XSS_NAME in popup and IMG_XSS in popup
    assert "Sentinel-2" in popup and "confirmed" in popup.lower() and "jdoe" in popup
    assert "at-sanctioned-vessel-location" in popup
    assert loaded.eval("document.querySelectorAll('.leaflet-popup-content img, .leaflet-popup-content b').length") == 0
    labels = loaded.eval("Array.from(document.querySelectorAll('#timeline text')).map(t => t.textContent)")
    assert PORT_XSS in labels
    time.sleep(0.3)
    assert loaded.dialogs() == [] and loaded.errors() == []


def test_screenshot(loaded):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = loaded.screenshot(ARTIFACTS / "report.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_guard_reports_errors_for_real(browser, tmp_path, layers):
    # The harness must see errors when there are some: break the page on purpose.
    page = render_html(ports=layers["ports"], sightings=layers["sightings"], flags=layers["flags"], coast=None)
    broken = tmp_path / "broken.html"
    broken.write_text(page.replace('id="report-data">', 'id="report-data">{oops', 1), encoding="utf-8")
    browser.events.clear()
    browser.call("Page.navigate", url=broken.as_uri())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and browser.eval("document.documentElement && document.documentElement.getAttribute('data-errors')") in (None, "0"):
        time.sleep(0.1)
    assert browser.eval("document.documentElement.getAttribute('data-errors')") == "1"
    assert "SyntaxError" in " ".join(browser.errors())


def _moved_east(layers, degrees):
    """The sample layers moved east, wrapping at 180: 128 E + 52 sits on the antimeridian."""
    def move(geoms):
        return shapely.transform(geoms, lambda xy: np.column_stack([(xy[:, 0] + degrees + 180.0) % 360.0 - 180.0, xy[:, 1]]))

    out = {k: v.copy() for k, v in layers.items()}
    for name in ("ports", "sightings"):
        out[name] = out[name].set_geometry(move(out[name].geometry.array))
    out["sightings"]["lon"] = out["sightings"].geometry.x
    return out


def test_data_across_the_antimeridian_are_drawn_side_by_side(browser, tmp_path, layers):
    moved = _moved_east(layers, 52.0)
    lons = moved["sightings"]["lon"]
    assert (lons > 170).any() and (lons < -170).any()
    out = render_report(tmp_path / "dateline.html", ports=moved["ports"], sightings=moved["sightings"],
                        flags=moved["flags"])
    browser.open(out.as_uri())
    assert browser.errors() == []
    # Every marker, port and link in view at a regional zoom (not the whole world, data at both edges).
    assert browser.eval("Object.values(window.shipsightMarkers).every(m => m._map.getBounds().contains(m.getLatLng()))")
    assert browser.eval("Object.values(window.shipsightMarkers)[0]._map.getZoom()") >= 4
    assert browser.eval("document.querySelectorAll('path.ss-link').length") == 2
    # Land is drawn on both sides of 180 degrees, and popups give the true longitude.
    assert browser.eval("document.querySelectorAll('.leaflet-overlay-pane path').length") > len(moved["ports"])
    west = int(moved["sightings"].loc[lons.idxmin(), "id"])
    browser.eval(f"window.shipsightMarkers[{west}].openPopup(), true")
    assert f"{lons.min():.4f}"[:8] in browser.eval("document.querySelector('.leaflet-popup-content').textContent")


def test_wrap_longitude_gives_the_narrowest_view():
    rng = np.random.default_rng(3)
    for _ in range(200):
        centre, spread = rng.uniform(-180, 180), rng.uniform(0.1, 170)
        lons = (centre + rng.uniform(-spread / 2, spread / 2, 20) + 180.0) % 360.0 - 180.0
        wrap = wrap_longitude(lons)
        shown = lons if wrap is None else np.where(lons < wrap, lons + 360.0, lons)
        assert shown.max() - shown.min() <= spread + 1e-9


def test_empty_report_loads(browser, tmp_path, layers):
    out = render_report(tmp_path / "empty.html", ports=layers["ports"].iloc[:0], sightings=layers["sightings"].iloc[:0],
                        flags=layers["flags"].iloc[:0], coast=None)
    browser.open(out.as_uri())
    assert browser.errors() == []
    assert browser.eval("document.querySelectorAll('path.ss-sighting').length") == 0
    assert "No flags" in browser.eval("document.querySelector('#flags tbody').textContent")
