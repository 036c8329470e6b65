"""The page's two hosts: to_html's static page, and a host page that inserts `view_markup()` and
calls `window.chainrulePage.mount(data, svgText)` with an SVG laid out elsewhere (here by the `dot`
program, as text with its XML prolog, as the playground's @viz-js/viz gives it). Both must show
the same steps; a second mount replaces the first without binding the keys twice."""

from __future__ import annotations

import html
import json

import graphviz
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from autograd import topo_order
from autograd.page import asset, page_parts, to_html, view_markup
from nn.examples.worked_example import START, forward
from tests.autograd.pages import hostile_graph
from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium

pytestmark = [pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; "
           "CI installs them)",
), pytest.mark.needs_dot]

# What the view shows, read back in one round trip.
STATE = """
const text = (id) => document.getElementById(id).textContent;
const boxes = [...document.querySelectorAll('#graph g.node.value')].map((g) => [g.dataset.node,
  [...g.querySelectorAll('text')].map((t) => t.textContent).join('|'), g.className.baseVal]);
return {counter: text('counter'), headline: text('headline'), running: text('running'),
  status: text('status'), legend: text('legend'),
  lit: [...document.querySelectorAll('#graph g.edge.lit')].map((g) => g.dataset.dot),
  rows: [...document.querySelectorAll('#values tbody tr')].map(
    (tr) => [...tr.children].map((td) => td.textContent)),
  boxes, steps: document.body.dataset.steps, svgs: document.querySelectorAll('svg').length};
"""


def host_page(title: str) -> str:
    """A blank host page: the view's markup, its style and script, and nothing to mount yet."""
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>host</title>"
            f"<style>{asset('page.css')}</style></head><body>{view_markup(title)}"
            f"<script>{asset('page.js')}</script></body></html>")


def svg_text(dot: str) -> str:
    """The layout made outside the page: dot's whole SVG file, prolog and comments included."""
    return graphviz.pipe_string("dot", "svg", dot, encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    for driver in headless_chromium(1400, 900, logs=True):
        yield driver


def walk(driver, steps: int) -> list[dict]:
    """Every state from the start to the end, one right-arrow key press at a time."""
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.HOME)
    states = [driver.execute_script(STATE)]
    for _ in range(steps):
        body.send_keys(Keys.ARROW_RIGHT)
        states.append(driver.execute_script(STATE))
    return states


def test_mount_on_a_host_page_shows_what_the_static_page_shows(browser, tmp_path):
    root = forward(START).error
    kwargs = dict(highlight="w35", show_local_grads=True)
    static = to_html(root, **kwargs).save(tmp_path / "static.html")
    browser.get(static.as_uri())
    steps = int(browser.execute_script("return document.body.dataset.steps"))
    expected = walk(browser, steps)

    host = tmp_path / "host.html"
    host.write_text(host_page("hosted"), encoding="utf-8")
    browser.get(host.as_uri())
    assert browser.execute_script("return typeof window.chainrulePage.mount") == "function"
    assert browser.execute_script("return document.querySelectorAll('#graph svg').length") == 0
    parts = page_parts(root, **kwargs)
    json.dumps(parts.data)  # JSON-able as it is
    browser.execute_script("window.chainrulePage.mount(arguments[0], arguments[1])",
                           parts.data, svg_text(parts.dot))
    got = walk(browser, steps)
    assert got == expected  # step for step: panel, boxes, lit arrow, table
    assert got[-1]["rows"][-1][4] == "1.0"
    w35 = next(row for row in got[-1]["rows"] if row[1] == "w35")
    assert w35[4] == "0.027674034938717867"

    # A second mount (another graph) replaces the first: one picture, one set of key handlers.
    other = hostile_graph()
    parts2 = page_parts(other, title="again")
    browser.execute_script("window.chainrulePage.mount(arguments[0], arguments[1])",
                           parts2.data, svg_text(parts2.dot))
    state = browser.execute_script(STATE)
    n = len(topo_order(other))
    assert state["svgs"] == 1 and len(state["rows"]) == n and state["legend"] == ""
    assert state["steps"] == str(n + 1 + len(parts2.trace.updates))
    assert state["counter"] == f"step 0 of {state['steps']}"
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)  # one press, one step (not two: no handler bound twice)
    assert browser.execute_script(STATE)["counter"] == f"step 1 of {state['steps']}"
    browser.find_element(By.ID, "next").click()
    assert browser.execute_script(STATE)["counter"] == f"step 2 of {state['steps']}"
    body.send_keys(Keys.END)
    rows = browser.execute_script(STATE)["rows"]
    assert [row[4] for row in rows] == [repr(g) for g in parts2.trace.grads]
    # The same graph mounted again (its data as JSON text, as Python's json.dumps writes it)
    # starts from the start, as the static page does.
    browser.execute_script("window.chainrulePage.mount(arguments[0], arguments[1])",
                           json.dumps(parts.data), svg_text(parts.dot))
    assert walk(browser, steps) == expected
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_mount_refuses_what_is_not_an_svg(browser, tmp_path):
    host = tmp_path / "host.html"
    host.write_text(host_page("hosted"), encoding="utf-8")
    browser.get(host.as_uri())
    parts = page_parts(forward(START).error)
    error = browser.execute_script("""
        try { window.chainrulePage.mount(arguments[0], '<p>not a picture</p>'); }
        catch (e) { return e.message; }
        return null;""", parts.data)
    assert error is not None and "chainrulePage.mount" in error
    assert html.escape("hosted") in browser.find_element(By.TAG_NAME, "h1").text
