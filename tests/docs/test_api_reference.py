"""The API reference a learner reads: Google-style docstrings, rendered as tables.

- Read as mkdocstrings reads them (griffe, the Google parser, the site's options), every public
  name of `autograd`, `nn` and `nn.matrix` (their `__all__`, and the public methods and
  properties of their classes) has a summary, an `Args:` entry for every parameter of its
  signature and none that is not there, a `Returns:` section where it returns something, and
  each function and class an `Examples:` section of `>>>` lines (tests/test_doctests.py runs
  them);
- in the built site (`mkdocs build --strict`, into a temporary folder), `define_op`'s parameters
  are a table (Name, Type, Description, Default) with one row per parameter, in the
  signature's order, with their types and defaults; its Raises are a table of TypeError and
  ValueError, and its example a code block.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMEDRIVER, CHROMIUM, headless_chromium

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ("autograd", "nn", "nn.matrix")
_missing = [m for m in ("griffe", "mkdocs", "material", "mkdocstrings", "mkdocs_jupyter")
            if importlib.util.find_spec(m) is None]
needs_docs = pytest.mark.skipif(
    bool(_missing), reason=f"needs the docs extra (missing: {', '.join(_missing) or 'none'}; "
                           "pip install -e \".[docs]\")")


# --- the docstrings, as mkdocstrings parses them ---------------------------------------------


def public_objects() -> list[tuple[str, Any]]:
    """(full name, griffe object) of every public name and of its classes' public members."""
    import griffe

    loader = griffe.GriffeLoader(search_paths=[str(ROOT)], docstring_parser="google",
                                 docstring_options={"returns_multiple_items": False})
    found = []
    for module_name in PUBLIC:
        module = importlib.import_module(module_name)
        package = loader.load(module_name)
        for name in [*module.__all__, *(["sum", "compile"] if module_name == "autograd" else [])]:
            full = f"{module_name}.{name}"
            if inspect.ismodule(getattr(module, name)):
                continue
            obj = package[name]
            while obj.is_alias:
                obj = obj.final_target
            if obj.is_module:  # a function named as its module (autograd.compile, .explain)
                obj = obj[name]
            found.append((full, obj))
            if obj.is_class:
                for member_name, member in obj.members.items():
                    if member_name.startswith("_") or member.is_alias:
                        continue
                    if member.is_function or member.is_attribute and "property" in member.labels:
                        found.append((f"{full}.{member_name}", member))
    return found


def sections(obj: Any) -> dict[str, Any]:
    if obj.docstring is None:
        return {}
    return {s.kind.value: s for s in obj.docstring.parsed}


def problems(full: str, obj: Any) -> list[str]:
    said = []
    if obj.docstring is None or not obj.docstring.value.strip():
        return [f"{full}: no docstring"]
    found = sections(obj)
    summary = obj.docstring.value.strip().splitlines()[0]
    if not summary.endswith((".", "?", "!", ":")) and len(summary) > 100:
        said.append(f"{full}: the summary is not one line")
    is_property = "property" in obj.labels
    if obj.is_function and not is_property:
        params = [p.name for p in obj.parameters
                  if p.name not in ("self", "cls") and not p.name.startswith("*")]
        # `*values:` and `**named:` as the Google style writes them (griffe takes either form)
        documented = ([p.name.lstrip("*") for p in found["parameters"].value]
                      if "parameters" in found else [])
        missing = [p for p in params if p not in documented]
        extra = [p for p in documented if p not in params]
        if missing:
            said.append(f"{full}: Args misses {missing}")
        if extra:
            said.append(f"{full}: Args names {extra}, not in the signature")
        returns = str(obj.returns) if obj.returns is not None else "None"
        if returns not in ("None", "Iterator[None]") and not (
                "returns" in found or "yields" in found):
            said.append(f"{full}: returns {returns} but has no Returns section")
    if obj.is_class and not (obj.parent and obj.parent.is_class) or (
            obj.is_function and obj.parent.is_module):
        if "examples" not in found:
            said.append(f"{full}: no Examples section")
    return said


@needs_docs
def test_every_public_name_has_a_google_style_docstring() -> None:
    objects = public_objects()
    names = {full for full, _ in objects}
    # The check reaches what a learner looks up first (a catch against a walk that found little).
    for expected in ("autograd.Value", "autograd.Value.backward", "autograd.Value.exp",
                     "autograd.define_op", "autograd.sum", "autograd.compile",
                     "autograd.explain", "nn.MLP.from_weights",
                     "nn.Module.state_dict", "nn.Adam", "nn.matrix.MatrixMLP.backward"):
        assert expected in names, expected
    said = [line for full, obj in objects for line in problems(full, obj)]
    assert not said, "\n".join(said)


@needs_docs
def test_the_check_itself_finds_a_missing_argument() -> None:
    import griffe

    module = griffe.visit("example", Path("example.py"), '''
def scale(x: float, factor: float = 2.0) -> float:
    """Scale x.

    Args:
        x: The number.

    Returns:
        x times factor.
    """
''', docstring_parser="google")
    said = problems("example.scale", module["scale"])
    assert said == ["example.scale: Args misses ['factor']",
                    "example.scale: no Examples section"], said


# --- the rendered page -----------------------------------------------------------------------


# The built site: the session's `site` fixture (tests/docs/conftest.py), built once.


class _Sections(HTMLParser):
    """The section titles of one object's documentation, each with the rows of its table (cell
    text, header row first) or the text of its code block."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, Any] = {}
        self._title: str | None = None
        self._in_title = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._code: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if "doc-section-title" in classes:
            self._in_title, self._title = True, ""
        elif tag == "table" and self._title:
            self.sections[self._title] = []
        elif tag == "tr" and self._title in self.sections:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "code" and self._title and self._title not in self.sections:
            self._code = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._in_title:
            self._in_title = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._title:
            self.sections[self._title].append(self._row)
            self._row = None
        elif tag == "code" and self._code is not None and self._title:
            self.sections[self._title] = "".join(self._code)
            self._code = None

    def handle_data(self, data: str) -> None:
        if self._in_title and self._title is not None:
            self._title += data.strip()
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code.append(data)


def documented(page: Path, object_id: str) -> dict[str, Any]:
    """The sections of one object on a built API page: from its heading to the next one."""
    text = page.read_text(encoding="utf-8")
    start = text.index(f'id="{object_id}"')
    after = re.search(r'<h\d id="[^"]+" class="doc doc-heading"', text[start + 1:])
    parser = _Sections()
    parser.feed(text[start:start + 1 + after.start()] if after else text[start:])
    return parser.sections


@needs_docs
def test_define_ops_parameters_render_as_a_table(site: Path) -> None:
    from autograd import define_op

    found = documented(site / "api" / "autograd.html", "autograd.define_op")
    table = found.get("Parameters:")
    assert isinstance(table, list), f"no Parameters table; sections: {sorted(found)}"
    header, *rows = table
    assert header == ["Name", "Type", "Description", "Default"]
    signature = inspect.signature(define_op)
    assert [row[0] for row in rows] == list(signature.parameters)
    by_name = {row[0]: row for row in rows}
    assert by_name["name"][1] == "str" and by_name["name"][3] == "required"
    assert by_name["forward"][1] == "str | Callable[..., float]"
    assert by_name["interval"][3] == "(-5.0, 5.0)"
    assert by_name["doc"][3] == "''"
    assert all(row[2] for row in rows), "a parameter without a description"
    assert "one expression each" in by_name["local_grads"][2]
    raises = found.get("Raises:")
    assert isinstance(raises, list) and [row[0] for row in raises[1:]] == ["TypeError",
                                                                           "ValueError"]
    example = found.get("Examples:")
    assert isinstance(example, str) and " = define_op(" in example, example


@needs_docs
@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="needs Chromium and chromedriver (Debian: apt-get install chromium "
                           "chromium-driver; CI installs them)")
def test_define_ops_table_is_laid_out_at_1280x900(site: Path, tmp_path: Path) -> None:
    """In Chromium at 1280x900, the table is on screen within the page's column, one row per
    parameter, each name in its own cell (not one paragraph); the screenshot goes to the test's
    folder, or to docs/screenshots/api_define_op.png with CHAINRULE_WRITE_DOCS=1."""
    from selenium.webdriver.common.by import By

    for driver in headless_chromium(1280, 900):
        driver.get((site / "api" / "autograd.html").as_uri())
        heading = driver.find_element(By.CSS_SELECTOR, "[id='autograd.define_op']")
        driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                              " + window.scrollY - 70)", heading)
        time.sleep(0.5)  # the header's title changes with the scroll, animated
        box = driver.execute_script("""
            const heading = arguments[0];
            const table = [...document.querySelectorAll('table')].find((t) =>
                heading.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
            const rows = [...table.querySelectorAll('tbody tr')].map((r) => {
                const b = r.cells[0].getBoundingClientRect();
                return [r.cells[0].textContent.trim(), b.top, b.height];
            });
            const t = table.getBoundingClientRect();
            const main = document.querySelector('.md-content').getBoundingClientRect();
            return {left: t.left, right: t.right, top: t.top, main: [main.left, main.right],
                    rows: rows};""", heading)
        assert [name for name, _, _ in box["rows"]][:3] == ["name", "forward", "local_grads"]
        assert box["main"][0] <= box["left"] < box["right"] <= box["main"][1] + 1, box
        assert 0 < box["top"] < 900, box  # on the first screen under the heading
        tops = [top for _, top, _ in box["rows"]]
        assert tops == sorted(tops) and len(set(tops)) == len(tops), box  # one row each
        out = ROOT / "docs" / "screenshots" if os.environ.get("CHAINRULE_WRITE_DOCS") else tmp_path
        out.mkdir(exist_ok=True)
        assert driver.save_screenshot(str(out / "api_define_op.png"))
        print(f"screenshot: {out / 'api_define_op.png'}")
