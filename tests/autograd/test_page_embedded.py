"""The site's live stepping pages open readable where they are embedded (issue 23, item 5).

The pages are made as the docs hook makes them (`docs_hooks.site.PAGES`), and embedded with the
very <iframe> tags of docs/stepping.md in a host page whose content column is 900 px wide (the
site's is about 940 px at a 1280 px window). At 1280 x 900, without touching the zoom, every
label of the picture must render at least 9 px high, and the picture must fill its frame (no
strip in a blank frame). Opened alone, the same page still fits the window's width.

With CHAINRULE_WRITE_DOCS=1 the screenshot of the framed worked example goes to
docs/screenshots/stepping_embedded_frame.png (the one of the built site, stepping_embedded.png,
is made by tests/docs/test_site.py's walk of the real site).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="needs Chromium and chromedriver (Debian: apt-get install chromium "
                              "chromium-driver; CI installs them)"),
    pytest.mark.needs_dot,
]
MIN_LABEL_PX = 9

# The picture as the reader sees it, read in the frame's document.
MEASURE = """
const frame = document.getElementById('graph'), svg = frame.querySelector('svg');
const heights = [...svg.querySelectorAll('g.node text')].map(
  (t) => t.getBoundingClientRect().height);
const box = svg.getBoundingClientRect();
return {zoom: document.body.dataset.zoom, level: document.getElementById('zoom-level').textContent,
  minLabel: Math.min(...heights), labels: heights.length,
  shownWidth: box.width, shownHeight: box.height,
  frameWidth: frame.clientWidth, frameHeight: frame.clientHeight,
  natural: svg.width.baseVal.value, window: [innerWidth, innerHeight]};
"""


def iframe_tags() -> list[str]:
    tags = re.findall(r'<iframe class="chainrule-live"[^>]*></iframe>',
                      (ROOT / "docs" / "stepping.md").read_text(encoding="utf-8"))
    assert len(tags) == 2, "docs/stepping.md embeds two live pages"
    return tags


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="the docs hook needs the docs extra "
                                         "(pip install -e \".[docs]\")")
    from docs_hooks.site import PAGES

    out = tmp_path_factory.mktemp("embedded")
    for uri, make in PAGES.items():
        (out / uri).parent.mkdir(parents=True, exist_ok=True)
        (out / uri).write_text(make(), encoding="utf-8")
    frames = "\n".join(f"<h2>page {k}</h2>\n{tag}" for k, tag in enumerate(iframe_tags()))
    (out / "stepping.html").write_text(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title>"
        "</head><body style=\"margin: 0\"><article style=\"width: 900px; margin-left: 260px\">"
        f"{frames}</article></body></html>", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def browser():
    for driver in headless_chromium(1280, 900):
        yield driver


def test_the_embedded_pages_open_readable(site: Path, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get((site / "stepping.html").as_uri())
    frames = browser.find_elements(By.CSS_SELECTOR, "iframe.chainrule-live")
    assert len(frames) == 2
    for k, frame in enumerate(frames):
        browser.execute_script("arguments[0].scrollIntoView()", frame)
        browser.switch_to.frame(frame)
        shown = browser.execute_script(MEASURE)
        print(f"\nembedded page {k}: {shown}")
        assert shown["zoom"] == "fit" and shown["labels"] > 20
        assert shown["minLabel"] >= MIN_LABEL_PX, shown
        # it fills the frame: no strip in a blank frame
        assert shown["shownHeight"] >= shown["frameHeight"] - 20, shown
        assert shown["shownWidth"] >= min(shown["frameWidth"] - 20, shown["natural"]), shown
        browser.switch_to.default_content()


def test_alone_they_still_fit_the_window(site: Path, browser) -> None:
    for uri in ("live/worked_example.html", "live/small_mlp.html"):
        browser.get((site / uri).as_uri())
        shown = browser.execute_script(MEASURE)
        print(f"\n{uri} alone: {shown}")
        assert shown["zoom"] == "fit"
        assert shown["shownWidth"] <= shown["frameWidth"]  # no horizontal scroll
        assert shown["shownWidth"] >= min(0.9 * (shown["frameWidth"] - 20), shown["natural"])
    # the MLP is wider than the window: alone it is fitted below the framed floor of 60%
    assert shown["level"] == f"fit: {round(100 * shown['shownWidth'] / shown['natural'])}%"
    assert shown["shownWidth"] / shown["natural"] < 0.6
