"""The documentation site, built as CI builds it (`mkdocs build --strict`, into a temporary
folder) and walked in headless Chromium (Debian's `chromium` and `chromium-driver`, through
Selenium, as tests/autograd/test_page_browser.py does):

- every page loads from disk (file://) with no console error, and nothing on it comes from the
  network (no http(s):// script, stylesheet, image or frame, in the HTML or loaded at runtime);
- every relative link and resource of every page resolves to a file of the site (and a link to
  an anchor of another page, to an element with that id);
- the embedded stepping pages step, with the keys and the buttons, to backward()'s gradients;
- the same site served over HTTP loads with no console error;
- no page shows raw TeX: the formulas are MathML (BP1-BP4 on the matrix page), and the
  operations table says, cell for cell, what the catalogue says (no Markdown emphasis in it);
- search works from disk and served: the box is visible and "hessian" finds every page that
  says it, and only those;
- the Python examples of the learner's pages run and print no False.

Screenshots of three pages go to the test's temporary folder (the ones in docs/screenshots/
are made by docs_hooks/screenshots.py).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import io
import re
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium
from tests.needs import require_dot

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MKDOCS_MISSING = [name for name in ("mkdocs", "material", "mkdocstrings", "mkdocs_jupyter")
                  if importlib.util.find_spec(name) is None]
_no_mkdocs = pytest.mark.skipif(
    bool(MKDOCS_MISSING),
    reason=f"the site needs the docs extra (missing: {', '.join(MKDOCS_MISSING) or 'none'}; "
           "pip install -e \".[docs]\")",
)


def needs_mkdocs(test: Any) -> Any:
    """The docs extra, and Graphviz's dot for the site's stepping pages."""
    return pytest.mark.needs_dot(_no_mkdocs(test))
needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; "
           "CI installs them)",
)
# The learner's pages whose ```python blocks run here, each page in one namespace.
EXAMPLE_PAGES = ["index.md", "worked_example.md", "pictures.md", "stepping.md", "higher.md",
                 "compile.md", "nn.md", "micrograd.md", "pytorch.md", "own_op.md",
                 "performance.md", "engine.md"]


# --- the built site ---------------------------------------------------------------------------


# `site`: the built site, once per test session (tests/docs/conftest.py).


def pages(site: Path) -> list[Path]:
    """Every page but 404.html, which a server shows at any path, so its links are absolute
    (/assets/...): it is checked served, in the HTTP test."""
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site) != Path("404.html"))


class _Refs(HTMLParser):
    """Every href and src of a page (with the tag and its rel), and every id."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append((tag, a.get("rel", ""), a[key]))


@functools.lru_cache(maxsize=None)
def parsed(path: Path) -> _Refs:
    refs = _Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


@needs_mkdocs
def test_the_site_has_every_page_of_the_nav(site: Path) -> None:
    for name in ("index", "worked_example", "stepping", "operations", "api/autograd", "api/nn",
                 "api/nn_matrix", "maintainers/benchmarks", "own_op", "performance"):
        assert (site / f"{name}.html").is_file(), name
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert (site / "notebooks" / f"{notebook.stem}.html").is_file(), notebook.name
    assert (site / "live" / "worked_example.html").is_file()
    assert (site / "live" / "small_mlp.html").is_file()


@needs_mkdocs
def test_the_api_reference_shows_every_public_name(site: Path) -> None:
    import autograd
    import nn
    import nn.matrix

    for page, module in (("autograd", autograd), ("nn", nn), ("nn_matrix", nn.matrix)):
        ids = parsed(site / "api" / f"{page}.html").ids
        for name in module.__all__:
            # autograd.explain and autograd.compile are functions of the same-named modules
            full = f"{module.__name__}.{name}"
            assert full in ids or f"{full}.{name}" in ids, full
        top = {i.split(".")[-1] for i in ids if re.fullmatch(rf"{module.__name__}\.\w+", i)}
        assert top <= set(module.__all__), top - set(module.__all__)  # nothing else, no _private
        assert not any(re.search(r"\.__(slots|array_ufunc|weakref)__$", i) for i in ids)


@needs_mkdocs
def test_every_relative_link_resolves_and_nothing_comes_from_the_network(site: Path) -> None:
    broken, remote = [], []
    for page in pages(site):
        for tag, rel, ref in parsed(page).refs:
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https") or ref.startswith("//"):
                # A link to follow is fine; a resource the page loads is not.
                if tag != "a" and not (tag == "link" and rel in ("canonical",)):
                    remote.append(f"{page.relative_to(site)}: <{tag}> {ref}")
                continue
            if parts.scheme or not (parts.path or parts.fragment):
                continue  # mailto:, data:, javascript:, an empty href
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {ref}")
            elif parts.fragment and target.suffix == ".html" and tag == "a":
                if unquote(parts.fragment) not in parsed(target).ids:
                    broken.append(f"{page.relative_to(site)}: {ref} (no such anchor)")
    assert not remote, remote
    assert not broken, broken


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    for driver in headless_chromium(1400, 1000, logs=True):
        driver.set_page_load_timeout(60)
        yield driver


def load(browser, url: str) -> list[str]:
    """Open url, wait until it and its frames have loaded; the console errors it logged."""
    browser.get_log("browser")  # drop what came before
    browser.get(url)
    for _ in range(100):
        if browser.execute_script(
                "return document.readyState === 'complete' && [...document.querySelectorAll("
                "'iframe')].every((f) => f.contentDocument === null "
                "|| f.contentDocument.readyState === 'complete')"):
            break
        time.sleep(0.05)
    time.sleep(0.2)  # scripts run on load
    return [f"{e['message']}" for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def remote_resources(browser, served_from: str = "") -> list[str]:
    """What the page loaded over the network (from anywhere but served_from)."""
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => /^(https?:)?\\/\\//.test(n))")
    return [url for url in loaded if not (served_from and url.startswith(served_from + "/"))]


# TeX a reader should never see: a formula left as its source.
RAW_TEX = re.compile(r"\$\\|\$\$|\\\(|\\\[|\\(?:frac|tfrac|partial|delta|odot|nabla|sigma|sum|sqrt|"
                     r"cdot|qquad|quad|text|begin|leftarrow|epsilon|beta|eta|lambda)\b")


def raw_tex(browser) -> list[str]:
    """The page's visible text (its frames' and its code's aside: code may show TeX as code)
    around each piece of TeX in it."""
    text = browser.execute_script("""
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const shown = [];
        for (let node; (node = walk.nextNode()); ) {
          const parent = node.parentElement;
          if (parent.closest('code, pre, kbd, samp, script, style, math')
              || !parent.checkVisibility()) continue;
          shown.push(node.textContent);
        }
        return shown.join('')""")
    return [text[max(0, m.start() - 30):m.end() + 30] for m in RAW_TEX.finditer(text)]


@needs_mkdocs
@needs_browser
def test_every_page_loads_from_disk_without_a_console_error(site: Path, browser) -> None:
    failures = {}
    for page in pages(site):
        errors = load(browser, page.as_uri())
        errors += [f"loaded from the network: {url}" for url in remote_resources(browser)]
        errors += [f"raw TeX on the page: {text!r}" for text in raw_tex(browser)]
        if errors:
            failures[str(page.relative_to(site))] = errors
        assert browser.title, page
    assert not failures, failures


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@needs_mkdocs
@needs_browser
def test_the_site_served_over_http_loads_without_a_console_error(site: Path, browser) -> None:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for name in ("index.html", "api/autograd.html", "notebooks/01_worked_example.html",
                     "404.html", "stepping.html"):
            assert load(browser, f"{base}/{name}") == [], name
            assert remote_resources(browser, base) == [], name
        grads = step_to_the_end(browser, 0)
        assert grads == expected_worked_example()
        assert load(browser, f"{base}/index.html") == []
        assert search(browser, "hessian", base) == pages_saying(site, "hessian")
    finally:
        browser.switch_to.default_content()
        server.shutdown()
        server.server_close()


def expected_worked_example() -> list[str]:
    from autograd import topo_order
    from nn.examples.worked_example import START, forward

    root = forward(START).error
    root.backward()
    return [repr(node.grad) for node in topo_order(root)]


def expected_small_mlp() -> list[str]:
    import nn
    from autograd import topo_order

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    (score,) = model([0.5, -1.0])
    loss = nn.mse_loss([score], [1.0])
    loss.backward()
    return [repr(node.grad) for node in topo_order(loss)]


def step_to_the_end(browser, frame: int) -> list[str]:
    """In the frame-th embedded page: Home, a key and a button step one at a time, then End;
    the gradients of the table at the end."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.switch_to.default_content()
    iframe = browser.find_elements(By.CSS_SELECTOR, "iframe.chainrule-live")[frame]
    browser.execute_script("arguments[0].scrollIntoView()", iframe)
    browser.switch_to.frame(iframe)
    last = int(browser.execute_script("return document.body.dataset.steps"))
    counter = browser.find_element(By.ID, "counter")
    browser.find_element(By.ID, "next").click()  # a click gives the frame the keyboard, too
    assert counter.text == f"step 1 of {last}"
    keys = ActionChains(browser)
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    assert counter.text == f"step 2 of {last}"
    keys.send_keys(Keys.HOME).perform()
    assert counter.text == f"step 0 of {last}"
    keys.send_keys(Keys.END).perform()
    assert counter.text == f"step {last} of {last}"
    assert browser.find_element(By.ID, "next").get_attribute("disabled") is not None
    grads = browser.execute_script(
        "return [...document.querySelectorAll('#values td.grad')].map((t) => t.textContent)")
    browser.switch_to.default_content()
    return grads


@needs_mkdocs
@needs_browser
def test_the_embedded_stepping_pages_step_to_backwards_gradients(site: Path, browser,
                                                                  tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    assert load(browser, (site / "stepping.html").as_uri()) == []
    assert len(browser.find_elements(By.CSS_SELECTOR, "iframe.chainrule-live")) == 2
    assert step_to_the_end(browser, 0) == expected_worked_example()
    assert step_to_the_end(browser, 1) == expected_small_mlp()

    # The screenshots: the stepper mid-backward (the update into w35), the home page, the
    # worked example's page.
    out = tmp_path
    iframe = browser.find_elements(By.CSS_SELECTOR, "iframe.chainrule-live")[0]
    browser.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                           " + window.scrollY - 80)", iframe)
    browser.switch_to.frame(iframe)
    browser.find_element(By.ID, "reset").click()
    headline = browser.find_element(By.ID, "headline")
    for _ in range(int(browser.execute_script("return document.body.dataset.steps"))):
        ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
        if headline.text.startswith("g(w35) +="):
            break
    assert headline.text == "g(w35) += 0.6803 × 0.04068 = 0.02767"
    browser.switch_to.default_content()
    shots = {"stepping.png": None}
    assert browser.save_screenshot(str(out / "stepping.png"))
    # The home page; the API reference at Value; notebook 2 at its first plot.
    for name, page, at in (("home.png", "index.html", None),
                           ("api.png", "api/autograd.html", "[id='autograd.Value']"),
                           ("notebook.png", "notebooks/02_moons.html", ".jp-OutputArea img")):
        assert load(browser, (site / page).as_uri()) == []
        if at is not None:
            element = browser.find_element(By.CSS_SELECTOR, at)
            browser.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                                   " + window.scrollY - 80)", element)
            time.sleep(0.5)  # the header's title changes with the scroll, animated
        assert browser.save_screenshot(str(out / name))
        shots[name] = None
    for name in shots:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshots: {', '.join(str(out / name) for name in shots)}")


# --- what a reader sees: maths, the operations table, search -----------------------------------


@needs_mkdocs
@needs_browser
def test_bp1_to_bp4_are_typeset_on_the_matrix_page(site: Path, browser) -> None:
    assert load(browser, (site / "matrix.html").as_uri()) == []
    rows = browser.execute_script("""
        return [...document.querySelectorAll('article table tbody tr')].map((tr) => {
          const cells = [...tr.querySelectorAll('td')];
          const maths = [...cells[1].querySelectorAll('math')];
          return [cells[0].innerText, cells[1].innerText, maths.map((m) => m.textContent),
                  maths.map((m) => m.getBoundingClientRect().height)];
        })""")
    symbols = {"BP1": "δ∇⊙σ′", "BP2": "δW⊙σ′", "BP3": "∂Cbδ", "BP4": "∂Cwaδ"}
    seen = {}
    for name, text, maths, heights in rows:
        if name in symbols:
            assert len(maths) == 1, (name, text)  # one formula, as MathML
            assert set(symbols[name]) <= set(maths[0]), (name, maths[0])
            assert "\\" not in text and "$" not in text, (name, text)
            assert heights[0] >= 14, (name, heights)  # laid out: sub- and superscripts
            seen[name] = maths[0]
    assert sorted(seen) == sorted(symbols), rows
    # The formulas are laid out with the math font shipped in the site (from disk too).
    fonts = browser.execute_script(
        "return [...document.fonts].filter((f) => f.family.replace(/\"/g, '') === "
        "'Latin Modern Math').map((f) => f.status)")
    assert "loaded" in fonts, fonts

    # The notebook's display maths: fractions in two levels, BP1-BP4 named beside them.
    assert load(browser, (site / "notebooks" / "04_scalars_to_matrices.html").as_uri()) == []
    shown = browser.execute_script("""
        return [...document.querySelectorAll('.jp-RenderedMarkdown math[display="block"]')]
          .map((m) => [m.textContent, [...m.querySelectorAll('mfrac')].map((f) => {
            const [top, bottom] = [...f.children].map((c) => c.getBoundingClientRect());
            return top.bottom <= bottom.top + 1; })])""")
    text = " ".join(t for t, _ in shown)
    for name in ("BP1", "BP2", "BP3", "BP4"):
        assert name in text, text
    fractions = [above for _, fracs in shown for above in fracs]
    assert fractions and all(fractions), shown


@needs_mkdocs
@needs_browser
def test_the_operations_table_says_what_the_catalogue_says(site: Path, browser) -> None:
    from autograd.ops import CATALOGUE

    assert load(browser, (site / "operations.html").as_uri()) == []
    heads, rows, emphasis = browser.execute_script("""
        const table = document.querySelector('article table');
        return [[...table.querySelectorAll('thead th')].map((th) => th.innerText),
                [...table.querySelectorAll('tbody tr')].map(
                  (tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText)),
                [...document.querySelectorAll('td em, td strong, th em, th strong')]
                  .map((e) => e.closest('tr').innerText)]""")
    assert emphasis == []  # Markdown took no `*` of a formula for emphasis
    assert heads == ["operation", "operands", "written", "local derivatives", "as code",
                     "domain errors"]
    shown = {cells[0]: cells for cells in rows}
    built_in = [op for op in CATALOGUE.values() if not op.user]
    assert sorted(shown) == sorted(op.name for op in built_in)
    for op in built_in:
        _, _, written, formula, code, _ = shown[op.name]
        assert written == op.symbol, op.name
        assert formula == op.formula, op.name
        assert code == ", ".join(op.local_grad_code), op.name


def pages_saying(site: Path, word: str) -> list[str]:
    """The pages (404.html and the stepping pages aside) whose article has `word` (or its
    plural) as a word of its text: what search should find."""
    found = []
    for page in pages(site):
        html = page.read_text(encoding="utf-8")
        article = re.search(r"<article\b.*?</article>", html, re.S)
        if article is None:
            continue
        text = re.sub(r"<[^>]+>", " ", article.group(0))
        if re.search(rf"(?<![\w]){word}s?(?![\w])", text, re.I):
            found.append(page.relative_to(site).as_posix())
    return sorted(found)


def search(browser, query: str, base: str) -> list[str]:
    """Type query into the header's search box (it must be visible); the pages found, as paths
    under base (the page now open must be one of base's)."""
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.CSS_SELECTOR, ".md-search__input")
    assert box.is_displayed(), "the search box is hidden"
    box.click()
    box.send_keys(query)
    found: list[str] = []
    for _ in range(100):  # until the results stop changing
        time.sleep(0.1)
        now = browser.execute_script(
            "return [...document.querySelectorAll('.md-search-result__item > a')]"
            ".map((a) => a.href)")
        if now and now == found:
            break
        found = now
    return sorted({unquote(urlsplit(url).path).removeprefix(urlsplit(base).path + "/")
                   for url in found})


@needs_mkdocs
@needs_browser
def test_search_works_from_disk(site: Path, browser) -> None:
    mentioning = pages_saying(site, "hessian")
    assert {"higher.html", "api/autograd.html", "notebooks/05_higher_derivatives.html"} <= set(
        mentioning)
    assert load(browser, (site / "index.html").as_uri()) == []
    assert search(browser, "hessian", site.as_uri()) == mentioning


# --- the examples of the learner's pages -----------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_PAGES)
def test_the_python_examples_of_a_page_run(name: str, fresh: None) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"{name} has no python example"
    if "draw_dot" in text:
        require_dot(f"{name}'s draw_dot example")
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # (`fresh` takes the pages' define_op ops away)
        for k, block in enumerate(blocks):
            exec(compile(block, f"<docs/{name}: example {k + 1}>", "exec"), namespace)
    printed = out.getvalue()
    assert printed and "False" not in printed, printed
    # A result written beside a print (`print(x)   # 0.0276...`) is what it prints.
    for block in blocks:
        for line in block.splitlines():
            said = re.match(r"print\(.*\)\s+# ([-\d.e ]+)$", line)
            if said and re.fullmatch(r"[-\d.e]+( [-\d.e]+)*", said.group(1).strip()):
                assert said.group(1).strip() in printed, line
