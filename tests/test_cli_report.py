"""``shipsight report`` through the real CLI, the page opened in a real headless Chromium.

The browser harness (``Chromium``, the ``browser`` fixture, $SHIPSIGHT_ARTIFACTS)
is the one of test_report_html.py; the log is built through the CLI with a
vessel named ``<script>alert(1)</script>`` (see outputs_scenario.py). A
screenshot is saved as cli-report.png.
"""

import re

import pandas as pd
import pytest

from outputs_scenario import NOTE_XSS, XSS, build_log
from test_report_html import ARTIFACTS, browser  # noqa: F401  (the browser fixture, reused)


@pytest.fixture
def log(run, tmp_path, ports_file):
    return build_log(run, tmp_path, ports_file)


def test_report_self_contained_and_in_chromium(log, tmp_path, request):
    out = tmp_path / "log.html"
    res = log("report", out, "--title", "Rajin <b>2023</b>")
    sightings = pd.DataFrame(log.json("sightings", "list"))
    flags = pd.DataFrame(log.json("flags", "list"))
    assert res.stdout.strip() == f"wrote {out}: 6 sightings, {len(flags)} flags, 3 ports"
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)[^>]*\bsrc=", page, re.I) and not re.search(r"<link\b", page, re.I)
    # Nothing to fetch: no CSS resource from the network (the browser below watches the requests too).
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", page, re.I)
    for evil in (XSS, NOTE_XSS, "<b>2023</b>"):
        assert evil not in page

    browser = request.getfixturevalue("browser")  # skips here, after the checks above, without Chromium
    browser.open(out.as_uri())
    assert browser.errors() == []
    assert browser.eval("document.documentElement.getAttribute('data-errors')") == "0"
    assert all(u.startswith(("file:", "data:")) for u in browser.requests())
    assert browser.eval("document.querySelectorAll('path.ss-sighting').length") == len(sightings) == 6
    assert browser.eval("document.querySelectorAll('path.ss-port').length") == 3
    assert browser.eval("document.querySelectorAll('path.ss-port-watchlist').length") == 1
    linked = flags["rule"].isin(["at-sanctioned-vessel-location", "ship-to-ship"]).sum()
    assert browser.eval("document.querySelectorAll('path.ss-link').length") == linked >= 2
    assert browser.eval("document.querySelectorAll('#flags tbody tr').length") == len(flags)
    # The XSS vessel: text in the table and in its popup, never run.
    cells = browser.eval("Array.from(document.querySelectorAll('#flags td')).map(td => td.textContent)")
    assert XSS in cells
    browser.eval("window.shipsightMarkers[2].openPopup(), true")
    popup = browser.eval("document.querySelector('.leaflet-popup-content').textContent")
    assert XSS in popup and NOTE_XSS in popup and "rajin_s2" in popup and "analyst.b" in popup
    assert browser.eval("document.querySelectorAll('img').length") == 0
    assert browser.eval("document.title") == "Rajin <b>2023</b>"
    assert browser.dialogs() == [] and browser.errors() == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = browser.screenshot(ARTIFACTS / "cli-report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_filters_and_overwrite(log, tmp_path):
    # Small areas: the coastline is clipped to the data, so these render quickly.
    out = tmp_path / "sts.html"
    res = log("report", out, "--rule", "ship-to-ship", "--since", "2023-11-01", "--until", "2023-11-30",
              "--bbox", "129,41,133,44")
    assert res.stdout.strip() == f"wrote {out}: 2 sightings, 1 flag, 2 ports"
    assert "--overwrite" in log("report", out, "--port", "Rajin", code=2).stderr  # kept
    res = log("report", out, "--port", "Rajin", "--overwrite")
    assert res.stdout.strip() == f"wrote {out}: 3 sightings, {len(log.json('flags', 'list')) - 1} flags, 2 ports"
    assert "unknown port" in log("report", tmp_path / "x.html", "--port", "Atlantis", code=2).stderr
    assert "end OUT_HTML in .html" in log("report", tmp_path / "x.pdf", code=2).stderr
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "x.pdf").exists()
