"""The notebooks as their generator writes them: what a learner reads is the code as written
(no line joined by a stray backslash), nothing printed depends on the clock or on how the
kernel split its output (so regenerating gives the same bytes), and notebook 01 shows the
`Value` code that builds the worked example."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
GENERATOR = NOTEBOOKS / "make_notebooks.py"


def code_cells(name: str) -> list[dict]:
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_no_cell_text_is_joined_by_a_backslash_at_a_line_end() -> None:
    """In a non-raw string, backslash-newline vanishes: the two lines of code become one."""
    text = GENERATOR.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING:
            prefix = re.match(r"[a-zA-Z]*", token.string).group(0).lower()  # type: ignore[union-attr]
            assert "r" in prefix or "\\\n" not in token.string, (
                f"make_notebooks.py line {token.start[0]}: a backslash at a line end inside a "
                "non-raw string joins two lines of the cell")


def test_no_notebook_prints_a_time() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in code_cells(path.name):
            text = source(cell)
            assert not re.search(r"perf_counter|time\.time\(|^\s*import time\b", text, re.M), (
                path.name, text)


def test_notebook_01_builds_the_worked_example_from_values() -> None:
    cells = code_cells("01_worked_example.ipynb")
    (cell,) = [c for c in cells if 'Value(0.1, label="w13")' in source(c)]
    text = source(cell)
    for line in ("y3 = (w13 * x1 + w23 * x2).sigmoid()", "y4 = (w14 * x1 + w24 * x2).sigmoid()",
                 "yp = (w35 * y3 + w45 * y4).sigmoid()", "E = 0.5 * (yp - ya) ** 2"):
        assert line in text
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"])
    assert "dE/dw35 = 0.027674034938717867" in printed


def test_split_prints_are_stored_as_one_output() -> None:
    """The kernel may send a cell's prints in one message or several, depending on timing."""
    nbformat = pytest.importorskip("nbformat")
    spec = importlib.util.spec_from_file_location("make_notebooks", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cell = nbformat.v4.new_code_cell("print(1); print(2)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="2\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="warn\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    module._coalesce_streams(nb)
    assert [(o["name"], o["text"]) for o in nb.cells[0].outputs] == [
        ("stdout", "1\n2\n"), ("stderr", "warn\n"), ("stdout", "3\n")]


def _site_hooks():
    pytest.importorskip("latex2mathml", reason="the site's maths needs the docs extra")
    spec = importlib.util.spec_from_file_location(
        "site_hooks", NOTEBOOKS.parent / "docs_hooks" / "site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_formula_of_the_notebooks_becomes_mathml() -> None:
    """The site writes the Markdown cells' $...$ as MathML (docs_hooks/site.py); a command the
    converter does not know would stay TeX on the page, and fails here first."""
    hooks = _site_hooks()
    count = 0
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            text = re.sub(r"`[^`]*`", "", source(cell))  # code spans are not maths
            for match in hooks._NOTEBOOK_MATH.finditer(text):
                display = match.group(1) is not None
                mathml = hooks.tex_to_mathml(match.group(1) if display else match.group(2),
                                             display, path.name)
                assert mathml.startswith("<math") and "\\" not in mathml, (path.name, mathml)
                count += 1
    assert count > 50  # notebooks 01, 04 and 05 are full of formulas


def test_the_maths_converter_writes_primes_and_matrices_and_refuses_unknown_tex() -> None:
    hooks = _site_hooks()
    prime = hooks.tex_to_mathml(r"\sigma'(z)", False, "x")
    assert "<msup>" not in prime and '<mo form="postfix" lspace="0" rspace="0">&#x02032;' in prime
    matrix = hooks.tex_to_mathml(r"\begin{pmatrix} a \\ b\end{pmatrix}", True, "x")
    assert matrix.count('stretchy="true"') == 2 and 'display="block"' in matrix
    assert "<mi>max</mi><mo" in hooks.tex_to_mathml(r"\max(0, x)", False, "x")
    with pytest.raises(ValueError, match=r"page\.md: .*\\nosuch"):
        hooks.tex_to_mathml(r"\nosuch x", False, "page.md")
