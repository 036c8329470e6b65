"""Practice mode of the stepping page (issue 25, item 4), in headless Chromium from file://.

Ticked, the page asks at each backward update, before showing it, for the number the update
adds (local_grad x upstream) in input#answer; Enter checks it; #feedback says right or wrong, and
when wrong shows the product with its factors and puts the right number in data-answer; the
score counts each step once, by its first answer; Hint shows the catalogue's formula of the op.
The expected numbers here come from the engine (trace_backward), not from the page.

With CHAINRULE_WRITE_DOCS=1 the screenshot of a wrong answer with its hint goes to
docs/screenshots/practice.png; otherwise to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from autograd import CATALOGUE, Value, to_html, trace_backward
from autograd.naming import node_names
from nn.examples.worked_example import START, forward
from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium

pytestmark = [pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; "
           "CI installs them)",
), pytest.mark.needs_dot]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUIZ = """
const f = document.getElementById('feedback'), a = document.getElementById('answer');
return {quiz: !document.getElementById('quiz').hidden, feedback: f.textContent,
  cls: f.className, answer: f.dataset.answer === undefined ? null : f.dataset.answer,
  focused: document.activeElement === a, disabled: a.disabled,
  score: document.getElementById('score').textContent,
  counter: document.getElementById('counter').textContent,
  headline: document.getElementById('headline').textContent,
  hint: document.getElementById('hint-text').hidden ? null
    : document.getElementById('hint-text').textContent,
  grads: [...document.querySelectorAll('#values td.grad')].map((t) => t.textContent)};
"""


def fmt(x: float) -> str:
    return format(x + 0.0, ".4g")


@pytest.fixture(scope="module")
def browser():
    for driver in headless_chromium(1400, 900, logs=True):
        yield driver


@pytest.fixture
def page(browser, tmp_path):
    root = forward(START).error
    path = to_html(root, highlight="w35", show_local_grads=True, rankdir="TB").save(
        tmp_path / "p.html")
    browser.get(path.as_uri())
    return trace_backward(root)


def jump(browser, k: int) -> None:
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));", k)


def answer(browser, text: str) -> dict:
    field = browser.find_element(By.ID, "answer")
    field.clear()
    field.send_keys(text + Keys.ENTER)
    return browser.execute_script(QUIZ)


def test_practice_asks_checks_and_scores(browser, page, tmp_path):
    trace = page
    n, last = len(trace.order), len(trace.order) + 1 + len(trace.updates)
    names = node_names(list(trace.order))
    body = browser.find_element(By.TAG_NAME, "body")
    assert browser.execute_script(QUIZ)["score"] == ""  # not practising yet
    browser.find_element(By.ID, "practice").click()
    assert browser.execute_script(QUIZ)["score"] == "0 of 0 right"

    # The forward pass and the seed are shown as before; the first update is asked.
    jump(browser, n + 1)
    body.send_keys(Keys.ARROW_RIGHT)
    state = browser.execute_script(QUIZ)
    u = trace.updates[0]
    target = trace.order[u.target]
    assert state["quiz"] and state["focused"] and not state["disabled"]
    assert state["counter"] == f"step {n + 2} of {last}: your answer?"
    assert state["headline"] == f"g({names[target]}) += ? × {fmt(u.upstream)} = ?"
    assert state["grads"][u.target] == repr(u.before)  # not shown yet
    fill = browser.execute_script(  # the box asked about is marked, in yellow
        "const g = document.querySelector('#graph g.node.value.current');"
        "return [g.dataset.node, getComputedStyle(g.querySelector('polygon')).fill];")
    assert fill == [str(u.target), "rgb(255, 230, 128)"]

    # A wrong number: marked wrong, the product with its factors, the answer to go on with.
    state = answer(browser, "12345")
    assert state["cls"] == "wrong" and state["answer"] == repr(u.contribution)
    product = f"{fmt(u.local_grad)} × {fmt(u.upstream)} = {fmt(u.contribution)}"
    assert product in state["feedback"] and repr(u.contribution) in state["feedback"]
    assert state["score"] == "0 of 1 right"
    assert state["grads"][u.target] == repr(u.before)  # still not shown
    browser.find_element(By.ID, "hint").click()
    assert browser.execute_script(QUIZ)["hint"].startswith(f"{trace.order[u.node].op}: ")
    out = (DOCS if os.environ.get("CHAINRULE_WRITE_DOCS") else tmp_path) / "practice.png"
    assert browser.save_screenshot(str(out))
    # The page's own data-answer: right, and the step is shown; it still counts as missed.
    state = answer(browser, state["answer"])
    assert state["cls"] == "right" and state["answer"] is None
    assert state["counter"] == f"step {n + 2} of {last}" and state["disabled"]
    assert state["grads"][u.target] == repr(u.after)
    assert state["score"] == "0 of 1 right"

    # The next update, answered with 4 significant digits at once: right, and it counts.
    body.send_keys(Keys.ARROW_RIGHT)
    u = trace.updates[1]
    assert browser.execute_script(QUIZ)["counter"] == f"step {n + 3} of {last}: your answer?"
    state = answer(browser, fmt(u.local_grad * u.upstream))
    assert state["cls"] == "right" and state["score"] == "1 of 2 right"
    assert state["grads"][u.target] == repr(u.after)
    # One more, off in the fourth digit: wrong (then right from data-answer, with all digits).
    body.send_keys(Keys.ARROW_RIGHT)
    u = trace.updates[2]
    assert u.contribution != 0.0
    state = answer(browser, repr(u.contribution * 1.003))  # 0.3% off: the 4th digit differs
    assert state["cls"] == "wrong" and state["score"] == "1 of 3 right"
    assert float(state["answer"]) == u.contribution
    assert answer(browser, state["answer"])["cls"] == "right"

    # Stepping back and on again over answered steps asks nothing.
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_RIGHT)
    state = browser.execute_script(QUIZ)
    assert not state["quiz"] and state["counter"] == f"step {n + 3} of {last}"
    assert state["score"] == "1 of 3 right"
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_hint_is_the_catalogues_formula(browser, page):
    trace = page
    n = len(trace.order)
    browser.find_element(By.ID, "practice").click()
    body = browser.find_element(By.TAG_NAME, "body")
    seen = set()
    for j, u in enumerate(trace.updates):
        jump(browser, n + 1 + j)
        body.send_keys(Keys.ARROW_RIGHT)
        assert browser.execute_script(QUIZ)["quiz"]
        browser.find_element(By.ID, "hint").click()
        hint = browser.execute_script(QUIZ)["hint"]
        node = trace.order[u.node]
        op = CATALOGUE[node.op]
        assert hint.startswith(f"{node.op}: {op.formula}. Here out = "), hint
        code = op.local_grad_code[min(u.operand, len(op.local_grad_code) - 1)]
        assert hint.endswith(f"is operand {u.operand}, so local_grad = {code}."), hint
        seen.add(node.op)
        browser.find_element(By.ID, "skip").click()  # shown without an answer: not scored
        state = browser.execute_script(QUIZ)
        assert not state["quiz"] and state["grads"][u.target] == repr(u.after)
    assert seen == {"add", "mul", "sigmoid", "sub", "pow"}
    assert browser.execute_script(QUIZ)["score"] == "0 of 0 right"
    # Practice off: the steps are shown at once again.
    browser.find_element(By.ID, "practice").click()
    body.send_keys(Keys.HOME)
    jump(browser, n + 1)
    body.send_keys(Keys.ARROW_RIGHT)
    state = browser.execute_script(QUIZ)
    assert not state["quiz"] and state["score"] == ""
    assert state["counter"].endswith(f"step {n + 2} of {n + 1 + len(trace.updates)}")


def test_the_typed_keys_stay_in_the_answer(browser, page):
    trace = page
    n = len(trace.order)
    browser.find_element(By.ID, "practice").click()
    jump(browser, n + 1)
    browser.find_element(By.ID, "next").click()
    field = browser.find_element(By.ID, "answer")
    field.send_keys("-0" + Keys.ARROW_LEFT + Keys.HOME + "+" + Keys.END)
    state = browser.execute_script(QUIZ)
    # "-", "0", "+", the arrows, Home and End edited the field: no zoom, no step
    assert field.get_attribute("value") == "+-0"
    assert browser.execute_script("return document.body.dataset.zoom") == "fit"
    assert state["counter"].endswith("your answer?")
    browser.find_element(By.ID, "next").click()  # Next while asked: back to the answer
    assert browser.execute_script(QUIZ)["focused"]
    state = answer(browser, "not a number")
    assert state["cls"] == "" and state["score"] == "0 of 0 right"  # not counted


def test_right_means_4_significant_digits_or_1e6_relative(browser, tmp_path):
    # out = a * b: the update into b adds local_grad (a = 0.12345) x upstream (1): 0.12345,
    # whose 4 significant digits are 0.1235 (the float is a hair above 0.12345)
    a, b = Value(0.12345, label="a"), Value(1.0, label="b")
    out = a * b
    out.label = "out"
    browser.get(to_html(out).save(tmp_path / "tol.html").as_uri())
    browser.find_element(By.ID, "practice").click()
    jump(browser, 4)  # the three Values and the seed
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert answer(browser, "1")["cls"] == "right"  # into a: b x 1
    body.send_keys(Keys.ARROW_RIGHT)
    assert answer(browser, "0.1234")["cls"] == "wrong"  # 4 digits, rounded the wrong way
    state = answer(browser, "0.12344995")  # 4 digits 0.1234 too, but 4e-7 relative: right
    assert state["cls"] == "right" and state["score"] == "1 of 2 right"
    assert state["grads"][1] == repr(0.12345)
