"""The playground (playground.html: chainrule's own wheel in Pyodide), built into the site as CI
builds it (`npm ci`, then `mkdocs build --strict`; the build is shared with test_site.py) and
driven in headless Chromium through Selenium, served from 127.0.0.1 at a port the system picks
(chainrule play's own request handler, in a thread of this process):

- the page loads the engine (#run enabled, window.playground.ready) with no console error, and
  nothing it loads comes from anywhere but that server;
- programs drawn from autograd.testing's recipes, typed into the page, give CPython's gradients
  (to 1e-13 relative: WebAssembly's libm may differ in the last place), in #output and in the
  stepping view's table;
- a program that raises shows one line, the same one as in CPython; numpy says it is missing;
- every one-click example runs and draws its stepping view, explain() and compile's code;
- practice mode marks a wrong number wrong and the page's own data-answer right, and counts;
- opened from disk, the page says in one line that it needs a server, and how to start one;
- `chainrule play` serves it (and stops on Ctrl+C).

The runner (what Pyodide executes per run) is also tested here in CPython, without a browser.
Screenshots go to the test's temporary folder, or to docs/screenshots/ with
CHAINRULE_WRITE_DOCS=1.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FILES = ROOT / "docs_hooks" / "playground_files"
MKDOCS_MISSING = [name for name in ("mkdocs", "material", "mkdocstrings", "mkdocs_jupyter")
                  if importlib.util.find_spec(name) is None]
READY_SECONDS = 180  # the shared 2-core machine can be slow; the benchmark times it properly
RUN_SECONDS = 60


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def runner() -> ModuleType:
    """runner.py, as Pyodide imports it (chainrule_playground)."""
    return _load("chainrule_playground", FILES / "runner.py")


def examples() -> list[tuple[str, str]]:
    return list(_load("playground_examples", FILES / "examples.py").EXAMPLES.items())


def cpython(code: str) -> dict[str, Any]:
    """The runner's result in this CPython."""
    result: dict[str, Any] = json.loads(runner().run(code))
    return result


# --- the runner in CPython ------------------------------------------------------------------


def test_the_runner_draws_the_last_lines_value_or_what_show_names(fresh: None) -> None:
    code = ("from autograd import Value\nx = Value(0.7, label='x')\n"
            "y = (x * x).tanh() + x.exp()\ny.label = 'y'\nprint('made y')\ny\n")
    result = cpython(code)
    assert result["error"] is None and result["output"] == "made y\n"
    assert result["page"]["dot"].startswith("digraph") and "x" in result["explain"]
    assert "def " in result["compiled"]
    # show() wins over the last line, with to_html's options; wrt= picks explain's gradient.
    shown = cpython(code.replace("y\n", "show(y, rankdir='TB', wrt=x)\n3 * 2\n"))
    assert shown["output"] == "made y\n6\n"  # a last value that is not a Value is printed
    assert "rankdir=TB" in shown["page"]["dot"].replace(" ", "")
    assert shown["explain"].startswith("dy/dx")
    assert cpython(code.replace("y\n", "show(y, wrt='x')\n"))["explain"] == shown["explain"]
    assert cpython(code.replace("y\n", "show(y, wrt='z')\n"))["error"] == (
        "ValueError: show: 'z' is not the label of any Value in the graph (line 6)")
    # No Value: no page.
    assert cpython("print(1 + 1)") == {"output": "2\n", "error": None, "page": None,
                                       "explain": None, "compiled": None}


def test_the_runner_says_an_error_in_one_line(fresh: None) -> None:
    result = cpython("from autograd import Value\nprint('before')\nValue(-1.0).log()\n")
    assert result["output"] == "before\n"
    assert re.fullmatch(r"DomainError: log: .* \(line 3\)", result["error"]), result["error"]
    assert cpython("x = (\n")["error"].startswith("SyntaxError: ")
    assert cpython("show(3)")["error"] == "TypeError: show: expected a Value, got int (line 1)"
    missing = ModuleNotFoundError("No module named 'numpy'", name="numpy")
    assert runner().one_line(missing) == runner().NO_NUMPY
    for result in (cpython("raise ValueError('two\\nlines')"), cpython("raise SystemExit(3)")):
        assert "\n" not in result["error"] and "Traceback" not in result["error"]


def test_each_run_starts_from_chainrule_as_it_is(fresh: None) -> None:
    """define_op's ops are gone before the next run; what a program sets on the Value classes
    (the lecture's `Value.tanh = tanh`) is put back after it."""
    import autograd
    from chainrule.micrograd import engine

    before = {cls: dict(cls.__dict__) for cls in (autograd.Value, engine.Value)}
    for title, code in examples():
        if "define_op" in code or "_backward" in code:
            first, second = cpython(code), cpython(code)
            assert first["error"] is None and first == second, title
    assert {cls: dict(cls.__dict__) for cls in before} == before


# --- the built site, served -----------------------------------------------------------------


def _hook() -> ModuleType:
    return _load("playground_hook", ROOT / "docs_hooks" / "playground.py")


@pytest.fixture(scope="module")
def playground_site(request: pytest.FixtureRequest) -> Path:
    if MKDOCS_MISSING:
        pytest.skip(f"the site needs the docs extra (missing: {', '.join(MKDOCS_MISSING)}; "
                    "pip install -e \".[docs]\")")
    site: Path = request.getfixturevalue("site")
    if not (site / "playground" / "pyodide" / "pyodide.asm.wasm").is_file():
        why = (f"the playground needs the npm packages ({', '.join(_hook().missing_packages())} "
               "missing: run `npm ci`)")
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI installs them, so they must be here")
        pytest.skip(why)
    return site


def test_the_site_holds_this_checkouts_wheel_and_only_what_pyodide_loads(
        playground_site: Path) -> None:
    import zipfile

    folder = playground_site / "playground"
    (wheel,) = folder.glob("chainrule-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        for name in ("autograd/page.py", "autograd/value.py", "nn/__init__.py",
                     "chainrule/micrograd/engine.py", "autograd/page.js"):
            assert archive.read(name) == (ROOT / name).read_bytes(), name
        assert not [n for n in archive.namelist() if "__pycache__" in n]
    assert sorted(p.name for p in (folder / "pyodide").iterdir()) == sorted(_hook().PYODIDE_FILES)
    text = (playground_site / "playground.html").read_text(encoding="utf-8")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    assert csp and "connect-src 'self'" in csp.group(1) and "http" not in csp.group(1)
    assert "'unsafe-eval'" not in csp.group(1)


def test_without_the_npm_packages_the_page_says_what_to_run(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if MKDOCS_MISSING:
        pytest.skip("needs the docs extra")
    hook = _hook()
    monkeypatch.setattr(hook, "NODE_MODULES", tmp_path)
    assert hook.missing_packages() == [f"{name}@{version}"
                                       for name, version in hook.pinned_versions().items()]
    assert set(hook.pinned_versions()) == {"pyodide", "@viz-js/viz"}
    page_text = hook.page_html(None, "run `npm ci`")
    assert 'data-note="run `npm ci`"' in page_text and 'data-wheel=""' in page_text


@pytest.fixture(scope="module")
def base_url(playground_site: Path) -> Iterator[str]:
    from chainrule.cli.play import serve

    server = serve(playground_site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[Any]:
    """The playground, loaded once and ready."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("needs Chromium and chromedriver (Debian: apt-get install chromium "
                    "chromium-driver; CI installs them)")
    for driver in headless_chromium(1500, 1150, logs=True):
        driver.set_page_load_timeout(120)
        driver.set_script_timeout(RUN_SECONDS)
        driver.get(f"{base_url}/playground.html")
        run = driver.find_element("id", "run")
        deadline = time.monotonic() + READY_SECONDS
        while True:  # (one script: the page may become ready between two)
            ready, disabled = driver.execute_script(
                "return [Boolean(window.playground && window.playground.ready),"
                " document.getElementById('run').disabled]")
            if ready:
                break
            assert disabled  # disabled until loaded
            assert time.monotonic() < deadline, driver.find_element("id", "loading").text
            time.sleep(0.1)
        assert run.get_attribute("disabled") is None
        assert clean(driver, base_url) == []
        yield driver


def clean(browser: Any, base_url: str) -> list[str]:
    """Console errors (SEVERE) since the last call, and anything loaded from elsewhere."""
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    loaded = browser.execute_script(
        "return [location.href, ...performance.getEntriesByType('resource')"
        ".map((e) => e.name)]")
    return errors + [f"loaded from elsewhere: {url}" for url in loaded
                     if not url.startswith(base_url + "/")]


def run_program(browser: Any, code: str) -> dict[str, Any]:
    """Type `code` in (setCode), press Run, wait for the run; what the page shows."""
    runs = browser.execute_script("return window.playground.runs")
    browser.execute_script("window.playground.setCode(arguments[0])", code)
    browser.find_element("id", "run").click()
    return _after_run(browser, runs)


def _after_run(browser: Any, runs: int) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_SECONDS
    while browser.execute_script("return window.playground.runs") == runs:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.02)
    shown: dict[str, Any] = browser.execute_script("""
        const error = document.querySelector('#output .error');
        const out = document.getElementById('output');
        return {
          output: out.textContent.slice(0, out.textContent.length
                                        - (error ? error.textContent.length : 0)),
          error: error ? error.textContent : null,
          explain: document.getElementById('explain-text').textContent,
          compiled: document.getElementById('compiled-code').textContent,
          drawn: !document.querySelector('.play-view').classList.contains('empty'),
          steps: Number(document.getElementById('slider').max),
        };""")
    return shown


def step_to_the_end(browser: Any) -> list[str]:
    """The stepping view at its last step (the End key); the #values table's gradients."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.find_element("id", "next").click()
    ActionChains(browser).send_keys(Keys.END).perform()
    counter = browser.find_element("id", "counter").text
    last = browser.find_element("id", "slider").get_attribute("max")
    assert counter.endswith(f"{last} of {last}"), counter
    grads: list[str] = browser.execute_script(
        "return [...document.querySelectorAll('#values td.grad')].map((t) => t.textContent)")
    return grads


def grads_printed(output: str) -> list[float]:
    return [float(word) for word in output.split()]


def recipe_program(recipe: Any) -> str:
    """A program that builds `recipe` on labelled leaves, runs backward() and prints the
    leaves' gradients; its last line is the output Value (drawn)."""
    return ("from autograd import Value\n"
            "from autograd.testing import Recipe\n"
            f"recipe = {recipe!r}\n"
            "xs = [Value(x, label=f'x{i}') for i, x in enumerate(recipe.inputs)]\n"
            "out = recipe.build(*xs)\n"
            "out.label = 'out'\n"
            "out.backward()\n"
            "print(*[repr(x.grad) for x in xs])\n"
            "out\n")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-300)


def same_numbers(printed: str, expected: str) -> bool:
    """The same text, but numbers equal to 1e-13 relative (WebAssembly's libm, as in tanh,
    may differ from this machine's in the last place)."""
    ours, theirs = printed.split(), expected.split()

    def same(a: str, b: str) -> bool:
        try:
            return _close(float(a), float(b))
        except ValueError:
            return a == b

    return len(ours) == len(theirs) and all(map(same, ours, theirs))


def test_programs_drawn_from_the_recipes_give_cpythons_gradients(page: Any, base_url: str,
                                                                 fresh: None) -> None:
    from hypothesis import HealthCheck, given, settings

    from autograd import topo_order
    from autograd.testing import recipes

    seen: list[str] = []
    table_checked = 0

    @settings(max_examples=24, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(recipes())
    def check(recipe: Any) -> None:
        nonlocal table_checked
        code = recipe_program(recipe)
        here = cpython(code)
        there = run_program(page, code)
        assert there["error"] is None, (code, there["error"])
        ours, theirs = grads_printed(here["output"]), grads_printed(there["output"])
        assert len(ours) == len(theirs) and all(map(_close, ours, theirs)), (code, ours, theirs)
        assert there["drawn"] and there["steps"] > 0
        if len(seen) % 4 == 0:  # the view's table too, on every fourth program
            namespace: dict[str, Any] = {}
            exec(code.rsplit("print", 1)[0], namespace)
            want = [node.grad for node in topo_order(namespace["out"])]
            got = [float(text) for text in step_to_the_end(page)]
            assert len(got) == len(want) and all(map(_close, want, got)), (code, want, got)
            table_checked += 1
        seen.append(code)

    check()
    print(f"\n{len(set(seen))} programs drawn from the recipes, run in the page: CPython's "
          f"gradients; the view's table checked on {table_checked}")
    assert len(set(seen)) >= 20, len(set(seen))
    assert table_checked >= 5
    assert clean(page, base_url) == []


def test_a_program_that_raises_shows_one_line(page: Any, base_url: str, fresh: None) -> None:
    for code in ("from autograd import Value\nprint('before')\nx = Value(-1.0)\ny = x.log()\n",
                 "from autograd import Value\nValue(1.0) + 'a'\n",
                 "def f(:\n    pass\n",
                 "import nn.matrix\n"):
        there = run_program(page, code)
        assert there["error"] is not None and "\n" not in there["error"], there
        assert "Traceback" not in there["output"] + there["error"]
        if "numpy" not in there["error"]:  # CPython here has numpy; the playground has not
            assert there["error"] == cpython(code)["error"]
            assert same_numbers(there["output"], cpython(code)["output"])
    assert there["error"] == runner().NO_NUMPY
    # What needs no numpy runs: nn.fit (without its progress bar: tqdm is not there either).
    fit = ("import nn\nmodel = nn.MLP(2, [3, 1], seed=0)\n"
           "history = nn.fit(model, [[0.1, 0.2], [0.3, -0.1]], [1.0, -1.0], loss='mse',\n"
           "    optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False,\n"
           "    metrics=())\nprint(*history.loss)\n")
    there = run_program(page, fit)
    assert there["error"] is None and same_numbers(there["output"], cpython(fit)["output"])
    assert clean(page, base_url) == []


def test_every_example_runs_and_draws_its_stepping_view(page: Any, base_url: str,
                                                        fresh: None, tmp_path: Path) -> None:
    from autograd import topo_order
    from nn.examples.worked_example import START, forward

    buttons = page.find_elements("css selector", "button.example")
    assert [b.text for b in buttons] == [title for title, _ in examples()]
    for button, (title, code) in zip(buttons, examples()):
        runs = page.execute_script("return window.playground.runs")
        button.click()  # one click: the example is loaded and run
        there = _after_run(page, runs)
        assert page.execute_script("return document.getElementById('code').value") == code
        assert there["error"] is None, (title, there["error"])
        assert same_numbers(there["output"], cpython(code)["output"]), title
        assert there["drawn"] and there["steps"] > 0, title
        assert there["explain"].strip(), title
        if "_backward" in code:  # a closure is no code: compile says so, in one line
            assert "define_op" in there["compiled"] and "\n" not in there["compiled"].strip()
        else:
            assert "def " in there["compiled"], title
    assert clean(page, base_url) == []

    # The worked example: its table at the end holds backward()'s gradients, repr for repr.
    page.find_elements("css selector", "button.example")[0].click()
    root = forward(START).error
    root.backward()
    time.sleep(0.5)
    assert step_to_the_end(page) == [repr(node.grad) for node in topo_order(root)]
    # The screenshot: mid-backward, at the update into w35.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(page).send_keys(Keys.HOME).perform()
    headline = page.find_element("id", "headline")
    for _ in range(int(page.find_element("id", "slider").get_attribute("max"))):
        ActionChains(page).send_keys(Keys.ARROW_RIGHT).perform()
        if headline.text.startswith("g(w35) +="):
            break
    assert headline.text.startswith("g(w35) +=")
    out = DOCS / "screenshots" if os.environ.get("CHAINRULE_WRITE_DOCS") else tmp_path
    page.execute_script("window.scrollTo(0, 0)")
    assert page.save_screenshot(str(out / "playground.png"))
    print(f"screenshot: {out / 'playground.png'}")
    assert clean(page, base_url) == []


QUIZ = """
const f = document.getElementById('feedback');
return {quiz: !document.getElementById('quiz').hidden, cls: f.className,
  answer: f.dataset.answer === undefined ? null : f.dataset.answer,
  score: document.getElementById('score').textContent};
"""


def test_practice_mode_marks_answers_and_keeps_the_score(page: Any, base_url: str, fresh: None,
                                                         tmp_path: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    from autograd import trace_backward
    from nn.examples.worked_example import START, forward

    updates = trace_backward(forward(START).error).updates
    runs = page.execute_script("return window.playground.runs")
    page.find_elements("css selector", "button.example")[0].click()  # the worked example
    _after_run(page, runs)
    page.find_element("id", "reset").click()
    page.find_element("id", "practice").click()
    assert page.execute_script(QUIZ)["score"] == "0 of 0 right"
    body = page.find_element("tag name", "body")
    for _ in range(int(page.find_element("id", "slider").get_attribute("max"))):
        if page.execute_script(QUIZ)["quiz"]:
            break
        body.send_keys(Keys.ARROW_RIGHT)
    assert page.execute_script(QUIZ)["quiz"]  # the first update is asked, not shown

    def answer(text: str) -> dict[str, Any]:
        field = page.find_element("id", "answer")
        field.clear()
        field.send_keys(text + Keys.ENTER)
        state: dict[str, Any] = page.execute_script(QUIZ)
        return state

    state = answer("12345")  # wrong: marked so, with the right number to go on with
    assert state["cls"] == "wrong" and state["score"] == "0 of 1 right"
    assert _close(float(state["answer"]), updates[0].contribution)
    page.find_element("id", "hint").click()
    out = DOCS / "screenshots" if os.environ.get("CHAINRULE_WRITE_DOCS") else tmp_path
    page.execute_script("window.scrollTo(0, 0)")
    assert page.save_screenshot(str(out / "playground_practice.png"))
    print(f"screenshot: {out / 'playground_practice.png'}")
    state = answer(state["answer"])  # the page's own data-answer: right
    assert state["cls"] == "right" and state["score"] == "0 of 1 right"
    body.send_keys(Keys.ARROW_RIGHT)  # the next update, answered right at once: it counts
    assert page.execute_script(QUIZ)["quiz"]
    state = answer(format(updates[1].local_grad * updates[1].upstream, ".4g"))
    assert state["cls"] == "right" and state["score"] == "1 of 2 right"
    page.find_element("id", "practice").click()  # practice off again for the other tests
    assert clean(page, base_url) == []


# --- from disk, and `chainrule play` --------------------------------------------------------


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None, reason="needs Chromium")
def test_from_disk_the_page_says_it_needs_a_server(playground_site: Path) -> None:
    for driver in headless_chromium(1200, 800, logs=True):
        driver.get((playground_site / "playground.html").as_uri())
        time.sleep(0.5)
        said = driver.find_element("id", "loading").text
        assert "\n" not in said and "WebAssembly" in said and "file://" in said
        assert "chainrule play" in said and "python -m http.server -d site" in said
        assert driver.find_element("id", "run").get_attribute("disabled") is not None
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def test_chainrule_play_serves_the_playground_until_ctrl_c(playground_site: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "play", "--site", str(playground_site),
         "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = server.stdout.readline() if server.stdout else ""
        url = re.search(r"at (http://127\.0\.0\.1:\d+/playground\.html) ", line)
        assert url, line
        with urllib.request.urlopen(url.group(1), timeout=30) as response:
            assert b'id="run"' in response.read()
        base = url.group(1).rsplit("/", 1)[0]
        for name, kind in (("playground/pyodide/pyodide.asm.wasm", "application/wasm"),
                           ("playground/pyodide/pyodide.mjs", "text/javascript")):
            with urllib.request.urlopen(f"{base}/{name}", timeout=30) as response:
                assert response.headers["Content-Type"] == kind, name
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
        assert server.returncode == 0 and out.strip() == "stopped" and err == "", (out, err)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()


def test_chainrule_play_refuses_a_folder_without_the_playground(tmp_path: Path) -> None:
    # tmp_path has no site/: the default --site is refused as an explicit one is.
    for argv in (["play", "--site", str(tmp_path)], ["play"], ["play", "--port", "70000"]):
        done = subprocess.run([sys.executable, "-m", "chainrule", *argv], capture_output=True,
                              text=True, cwd=tmp_path, check=False, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 2 and done.stdout == "", done
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("chainrule play: --")
