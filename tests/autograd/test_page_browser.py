"""The to_html page in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium. The page is opened from a file; every step of the worked
example is taken with the keyboard and the buttons, and what the page shows is read from the DOM
and compared with the engine (topo_order, the catalogue's local derivatives, backward()).

The screenshot of the README (docs/watch_backward.png) is taken here: set
CHAINRULE_WRITE_DOCS=1 to write it there; otherwise it goes to the test's temporary directory.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import chainrule.cli
from autograd import CATALOGUE, topo_order, trace_backward
from autograd.naming import node_names as _names
from autograd.naming import printable
from autograd.page import to_html
from nn.examples.worked_example import START, forward
from tests.autograd.pages import HOSTILE, big_graph, hostile_graph
from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium

pytestmark = [pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; "
           "CI installs them)",
), pytest.mark.needs_dot]
DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREENSHOT = "watch_backward.png"

# Everything the page shows, in one round trip: the panel, every box, the lit arrow, the table.
SNAPSHOT = """
const text = (id) => document.getElementById(id).textContent;
const spans = {};
for (const s of document.querySelectorAll('#panel span')) spans[s.className] = s.textContent;
const boxes = {};
for (const g of document.querySelectorAll('#graph g.node.value')) {
  const t = [...g.querySelectorAll('text')].map((e) => e.textContent);
  boxes[g.dataset.node] = {label: t.slice(0, -2).join('\\n'), data: t[t.length - 2],
    grad: t[t.length - 1], classes: [...g.classList].sort().join(' ')};
}
const lit = [...document.querySelectorAll('#graph g.edge.lit')].map((g) => g.dataset.dot);
const rows = [...document.querySelectorAll('#values tbody tr')].map(
  (tr) => [...tr.children].map((td) => td.textContent));
return {phase: text('phase'), headline: text('headline'), running: text('running'),
  status: text('status'), counter: text('counter'), slider: document.getElementById('slider').value,
  spans, boxes, lit, rows};
"""


def fmt(x: float) -> str:
    """The page's 4 significant digits, written here independently of autograd."""
    return format(x + 0.0, ".4g")


@pytest.fixture(scope="module")
def browser():
    for driver in headless_chromium(1500, 1000):
        driver.set_script_timeout(120)
        yield driver


def no_alert(driver) -> bool:
    try:
        driver.switch_to.alert.text  # noqa: B018 - raises when no dialog is open
    except NoAlertPresentException:
        return True
    return False


def expected_steps(root):
    """What each step must show, from the engine itself: the forward pass in topo_order, then
    the seed and, node by node in reverse, one update per operand with the catalogue's local
    derivative and the node's gradient from backward() as upstream."""
    order = topo_order(root)
    root.backward()
    names = _names(order)
    steps = [("forward", i, node) for i, node in enumerate(order)]
    running = {order[-1]: 1.0}
    for k in reversed(range(len(order))):
        node = order[k]
        if not node.operands:
            continue
        local = CATALOGUE[node.op].local_grads(node.data, *[x.data for x in node.operands])
        for p, x in enumerate(node.operands):
            before = running.get(x, 0.0)
            running[x] = before + local[p] * node.grad
            steps.append(("update", k, order.index(x), local[p], node.grad, before, running[x]))
    for node in order:
        assert running[node] == node.grad  # the walk above is backward()'s, bit for bit
    return order, names, steps


def g_name(name: str) -> str:
    return f"g({name[1:-1] if name.startswith('(') and name.endswith(')') else name})"


def test_worked_example_step_by_step(browser, tmp_path):
    path = tmp_path / "worked.html"
    assert chainrule.cli.main(["graph", "--html", str(path), "--highlight", "w35",
                        "--local-grads"]) == 0
    browser.get(path.as_uri())
    root = forward(START).error
    order, names, steps = expected_steps(root)
    n = len(order)
    last = n + 1 + (len(steps) - n)
    snap = browser.execute_script(SNAPSHOT)
    assert snap["counter"] == f"step 0 of {last}"
    assert all(box["data"] == "data ?" and "pending" in box["classes"]
               for box in snap["boxes"].values())
    drawn = {int(i) for i in snap["boxes"]}
    assert drawn == {i for i, node in enumerate(order) if node.op != "const"}  # constants folded
    for i in drawn:
        assert snap["boxes"][str(i)]["label"] == order[i].label
    assert len(snap["rows"]) == n
    assert "highlight" in snap["boxes"][str(order.index(forward_w35(order)))]["classes"]

    snapshots = [snap]
    body = browser.find_element(By.TAG_NAME, "body")
    next_button = browser.find_element(By.ID, "next")
    complete = 0
    screenshot_step = None
    for k in range(1, last + 1):
        if k % 2:
            body.send_keys(Keys.ARROW_RIGHT)
        else:
            next_button.click()
        snap = browser.execute_script(SNAPSHOT)
        snapshots.append(snap)
        assert snap["counter"] == f"step {k} of {last}" and snap["slider"] == str(k)
        if k <= n:  # forward: node k-1's value appears, and nothing after it yet
            node = order[k - 1]
            assert snap["spans"]["name"] == names[node]
            assert snap["spans"]["value"] == fmt(node.data)
            assert snap["rows"][k - 1][3] == repr(node.data)
            assert float(snap["rows"][k - 1][3]) == node.data
            if str(k - 1) in snap["boxes"]:
                assert snap["boxes"][str(k - 1)]["data"] == f"data {fmt(node.data)}"
                assert "current" in snap["boxes"][str(k - 1)]["classes"]
            for j in range(k, n):
                assert snap["rows"][j][3] == ""
                if str(j) in snap["boxes"]:
                    assert snap["boxes"][str(j)]["data"] == "data ?"
        elif k == n + 1:  # the seed
            assert snap["phase"] == "Backward pass: the seed"
            assert snap["spans"]["target"] == "g(E)" and snap["spans"]["after"] == "1"
            assert snap["rows"][n - 1][4] == "1.0" and snap["rows"][n - 1][5] == "yes"
            complete = 1
        else:
            _, node, target, local, upstream, before, after = steps[k - 2]
            is_last = all(s[2] != target for s in steps[k - 1:] if s[0] == "update")
            complete += is_last
            spans = snap["spans"]
            assert spans["target"] == g_name(names[order[target]])
            assert spans["local"] == fmt(local) and spans["upstream"] == fmt(upstream)
            assert spans["contribution"] == fmt(local * upstream)
            assert spans["before"] == fmt(before) and spans["after"] == fmt(after)
            assert snap["headline"] == (f"{g_name(names[order[target]])} += {fmt(local)} × "
                                        f"{fmt(upstream)} = {fmt(local * upstream)}")
            assert snap["rows"][target][4] == repr(after)
            assert (snap["rows"][target][5] == "yes") == is_last
            assert ("done" in spans) == is_last
            if str(target) in snap["boxes"]:
                box = snap["boxes"][str(target)]
                assert box["grad"] == f"grad {fmt(after)}" and "current" in box["classes"]
                assert ("complete" in box["classes"]) == is_last
                assert snap["lit"] == [f"v{target}->v{node}_op"]  # the arrow of this update
            else:  # a folded constant: no arrow to light
                assert order[target].op == "const" and snap["lit"] == []
            if order[target].label == "w35":
                screenshot_step = k
        assert snap["status"] == f"complete: {complete} of {n} Values"

    # The end: every gradient, all digits, is backward()'s.
    final = snapshots[-1]
    assert browser.find_element(By.ID, "next").get_attribute("disabled") is not None
    for i, node in enumerate(order):
        assert final["rows"][i][4] == repr(node.grad) and float(final["rows"][i][4]) == node.grad
        assert final["rows"][i][5] == "yes"
        if str(i) in final["boxes"]:
            assert final["boxes"][str(i)]["grad"] == f"grad {fmt(node.grad)}"
            assert "complete" in final["boxes"][str(i)]["classes"]
    by_label = {row[1]: row[4] for row in final["rows"]}
    assert by_label["w35"] == "0.027674034938717867"
    titles = browser.execute_script(
        "return [...document.querySelectorAll('#graph g.node.value > title')]"
        ".map((t) => t.textContent)")
    assert "w35\ndata 0.3\ngrad 0.027674034938717867 (after backward)" in titles  # on hover

    # Back again: the left arrow and the Prev button retrace the same states.
    prev_button = browser.find_element(By.ID, "prev")
    for k in range(last - 1, last - 8, -1):
        (body.send_keys(Keys.ARROW_LEFT) if k % 2 else prev_button.click())
        assert browser.execute_script(SNAPSHOT) == snapshots[k]
    # The slider jumps, both ways; Home and End; Reset.
    for k in (n // 2, last, 3, n + 5, screenshot_step, 0, last - 1):
        browser.execute_script(
            "const s = document.getElementById('slider'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input', {bubbles: true}));", k)
        assert browser.execute_script(SNAPSHOT) == snapshots[k], k
    body.send_keys(Keys.HOME)
    assert browser.execute_script(SNAPSHOT) == snapshots[0]
    body.send_keys(Keys.END)
    assert browser.execute_script(SNAPSHOT) == snapshots[last]
    browser.find_element(By.ID, "reset").click()
    assert browser.execute_script(SNAPSHOT) == snapshots[0]
    assert no_alert(browser)

    # The README's picture: mid-backward, at the update into w35, the picture at its natural
    # size (the page starts fitted to the window, which makes the worked example small).
    for _ in range(20):
        if browser.execute_script("return document.body.dataset.zoom") == "1":
            break
        browser.find_element(By.ID, "zoom-in").click()
    assert browser.execute_script("return document.body.dataset.zoom") == "1"
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));", screenshot_step)
    out = (DOCS if os.environ.get("CHAINRULE_WRITE_DOCS") else tmp_path) / SCREENSHOT
    assert browser.save_screenshot(str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot of step {screenshot_step} of {last}: {out}")


def forward_w35(order):
    return next(node for node in order if node.label == "w35")


def test_hostile_labels_run_nothing_and_show_as_text(browser, tmp_path):
    root = hostile_graph()
    path = to_html(root, show_local_grads=True).save(tmp_path / "hostile.html")
    browser.get(path.as_uri())
    assert no_alert(browser)
    body = browser.find_element(By.TAG_NAME, "body")
    last = int(browser.execute_script("return document.body.dataset.steps"))
    seen = ""
    for _ in range(last):  # every label passes through the panel on the way
        body.send_keys(Keys.ARROW_RIGHT)
        assert no_alert(browser)
        seen += browser.find_element(By.ID, "panel").get_attribute("textContent") + "\n"
    for label in HOSTILE:
        assert printable(label) in seen
    state = browser.execute_script("""return {
        pwned: window.__pwned === undefined ? null : window.__pwned,
        imgs: document.querySelectorAll('img').length,
        scripts: document.querySelectorAll('script').length,
        handlers: document.querySelectorAll('[onerror], [onload]').length,
        nested: document.querySelectorAll('svg svg').length,
        svgTexts: [...document.querySelectorAll('#graph text')].map((t) => t.textContent),
        names: [...document.querySelectorAll('#values td.name')].map((t) => t.textContent)}""")
    assert state["pwned"] is None and state["imgs"] == 0 and state["handlers"] == 0
    assert state["scripts"] == 2 and state["nested"] == 0  # the data block and the stepper
    for label in HOSTILE:
        shown = printable(label)  # the line separator U+2028 is shown as \u2028
        assert shown in state["svgTexts"] and shown in state["names"]
    assert no_alert(browser)


def test_500_values_page_size_and_time_per_step(browser, tmp_path):
    root = big_graph(500)
    start = time.perf_counter()
    page = to_html(root)
    built = time.perf_counter() - start
    size = len(page.html.encode("utf-8"))
    assert len(page.trace.order) == 500
    assert size < 2_000_000
    path = page.save(tmp_path / "big.html")
    browser.get(path.as_uri())
    last = int(browser.execute_script("return document.body.dataset.steps"))
    assert last == 500 + 1 + len(page.trace.updates)
    # In the page: each key press handled, style and layout brought up to date (no paint) ...
    times = browser.execute_script("""
        const out = [];
        for (let k = 0; k < arguments[0]; k++) {
          const t = performance.now();
          document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'}));
          document.body.getBoundingClientRect();
          out.push(performance.now() - t);
        }
        return out;""", last)
    # ... and, for 100 steps from the start, the time from the key press to the next frame drawn.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.HOME)
    frames = browser.execute_async_script("""
        const done = arguments[arguments.length - 1], out = [];
        (async () => {
          for (let k = 0; k < 100; k++) {
            const t = performance.now();
            document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'}));
            await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
            out.push(performance.now() - t);
          }
          done(out);
        })();""")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
    assert browser.find_element(By.ID, "counter").text == f"step {last} of {last}"
    jump = browser.execute_script("""
        const s = document.getElementById('slider'), t = performance.now();
        s.value = 0; s.dispatchEvent(new Event('input'));
        s.value = arguments[0]; s.dispatchEvent(new Event('input'));
        document.body.getBoundingClientRect();
        return performance.now() - t;""", last)
    # Through WebDriver, as a user would: a key press, then the counter read back.
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.HOME)
    trips = []
    for k in range(1, 31):
        t = time.perf_counter()
        body.send_keys(Keys.ARROW_RIGHT)
        assert browser.find_element(By.ID, "counter").text == f"step {k} of {last}"
        trips.append(1000 * (time.perf_counter() - t))
    body.send_keys(Keys.END)
    grads = browser.execute_script(
        "return [...document.querySelectorAll('#values td.grad')].map((t) => t.textContent)")
    root.backward()
    assert grads == [repr(node.grad) for node in topo_order(root)]
    print(f"\n500 Values, {last} steps: page {size} bytes ({size / 1e6:.2f} MB), built in "
          f"{built:.2f} s; per step in the page (handler + layout): median "
          f"{statistics.median(times):.2f} ms, max {max(times):.1f} ms; key press to next frame "
          f"(100 steps): median {statistics.median(frames):.1f} ms, max {max(frames):.1f} ms; "
          f"slider 0 -> {last} and back: {jump:.1f} ms; "
          f"key press + read back through WebDriver: median {statistics.median(trips):.1f} ms")
    assert trace_backward(root).grads == page.trace.grads


ZOOM_STATE = """
const frame = document.getElementById('graph'), svg = frame.querySelector('svg');
return {zoom: document.body.dataset.zoom, level: document.getElementById('zoom-level').textContent,
  frame: frame.clientWidth, scroll: frame.scrollWidth, shown: svg.getBoundingClientRect().width,
  natural: svg.width.baseVal.value, naturalHeight: svg.height.baseVal.value};
"""


def test_the_page_fits_a_1400_pixel_window_and_zooms(browser, tmp_path):
    path = tmp_path / "worked.html"
    assert chainrule.cli.main(["graph", "--html", str(path), "--local-grads"]) == 0
    size = browser.get_window_size()
    browser.set_window_size(1400, 900)
    try:
        browser.get(path.as_uri())
        fit = browser.execute_script(ZOOM_STATE)
        # the picture is wider than the window at its natural size; fitted, it has no scroll bar
        assert fit["natural"] > fit["frame"]
        assert fit["zoom"] == "fit" and fit["level"].startswith("fit: ")
        assert fit["shown"] <= fit["frame"] and fit["scroll"] <= fit["frame"]
        assert fit["shown"] > 0.9 * (fit["frame"] - 20)  # fills the width, not shrunk further

        browser.find_element(By.ID, "zoom-in").click()
        bigger = browser.execute_script(ZOOM_STATE)
        assert float(bigger["zoom"]) > fit["shown"] / fit["natural"]
        assert bigger["shown"] > fit["shown"] and bigger["scroll"] > bigger["frame"]
        assert bigger["level"] == f"{round(float(bigger['zoom']) * 100)}%"
        body = browser.find_element(By.TAG_NAME, "body")
        body.send_keys("+")
        assert browser.execute_script(ZOOM_STATE)["shown"] > bigger["shown"]
        body.send_keys("0")  # fit again
        assert browser.execute_script(ZOOM_STATE) == fit
        body.send_keys("-")
        smaller = browser.execute_script(ZOOM_STATE)
        assert smaller["shown"] < fit["shown"] and smaller["zoom"] != "fit"
        browser.find_element(By.ID, "fit").click()
        assert browser.execute_script(ZOOM_STATE) == fit
        # stepping still works and keeps the current box in view after a zoom
        body.send_keys("+")
        body.send_keys(Keys.END)
        last = int(browser.execute_script("return document.body.dataset.steps"))
        assert browser.find_element(By.ID, "counter").text == f"step {last} of {last}"
        assert no_alert(browser)
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_hover_shows_names_not_dot_ids(browser, tmp_path):
    path = tmp_path / "tb.html"
    assert chainrule.cli.main(["graph", "--html", str(path), "--rankdir", "TB"]) == 0
    browser.get(path.as_uri())
    hover = browser.execute_script("""
        const XL = 'http://www.w3.org/1999/xlink', out = {};
        for (const g of document.querySelectorAll('#graph g.node, #graph g.edge')) {
          const a = g.querySelector('a');
          out[g.dataset.dot] = [g.querySelector('title').textContent,
                                a ? a.getAttributeNS(XL, 'title') : null];
        }
        return out;""")
    assert hover, "no node or edge found"
    for dot_name, (title, link) in hover.items():
        assert title == link, dot_name  # the <title> and the tooltip browsers show agree
        assert not re.match(r"v\d+", title), (dot_name, title)  # never dot's own id
    order = topo_order(forward(START).error)
    names = _names(order)
    for i, node in enumerate(order):
        if node.op in ("const",):
            continue
        assert hover[f"v{i}"][0].startswith(names[node] + "\n"), i
        if node.operands:
            assert hover[f"v{i}_op"][0] == f"{node.op} → {names[node]}"
    w35 = order.index(forward_w35(order))
    edges = {k: v[0] for k, v in hover.items() if k.startswith(f"v{w35}->")}
    assert list(edges.values()) == ["w35 → w35*y3 (operand 0 of mul)"]
