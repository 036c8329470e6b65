"""The docstrings' examples run, so the API reference cannot drift from the code.

Every `>>>` example in the modules of `autograd`, `nn` and `chainrule` (found by walking the
packages, so a new module is included without a line here) runs as one test, in its module's
names, with the catalogue restored afterwards (`fresh`): an example may `define_op`. The
docstrings are read from the source, as the API reference reads them, so the methods that
`Value` writes from the catalogue at import (typed under `if TYPE_CHECKING:`) run too. The
demos of `nn.examples` are scripts, run by their own tests. An example that draws with
Graphviz's `dot` (`render`, `pipe`, `to_html`, `_repr_svg_`) asks for it through
tests/needs.py, so it skips, saying why, where dot is missing, and fails under CI.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from tests.needs import require_dot

PACKAGES = ("autograd", "nn", "chainrule")
SKIP = ("nn.examples",)  # scripts: their tests run them
NEEDS_DOT = re.compile(r"\.(render|pipe|_repr_svg_)\(|\bto_html\(")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_DEFS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        for info in pkgutil.walk_packages(path, prefix=f"{package}."):
            if not info.name.startswith(SKIP) and not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(names)


def docstrings(tree: ast.Module, module: str) -> list[tuple[str, str, int]]:
    """(qualified name, docstring, line) of the module and every class and function in it."""
    found = []
    stack: list[tuple[ast.AST, str]] = [(tree, module)]
    while stack:  # (no recursion, as everywhere here)
        node, name = stack.pop()
        doc = ast.get_docstring(node, clean=True)  # type: ignore[arg-type]
        if doc:
            line = node.body[0].lineno if isinstance(node, ast.Module) else node.lineno
            found.append((name, doc, line))
        for child in ast.walk(node):
            if child is not node and isinstance(child, _DEFS) and _parent_def(node, child):
                stack.append((child, f"{name}.{child.name}"))
    return found


def _parent_def(parent: ast.AST, child: ast.AST) -> bool:
    """child is defined directly in parent (perhaps inside an `if`), not in a nested def."""
    todo = [c for c in ast.iter_child_nodes(parent)]
    while todo:
        node = todo.pop()
        if node is child:
            return True
        if not isinstance(node, _DEFS):
            todo.extend(ast.iter_child_nodes(node))
    return False


def examples() -> list[doctest.DocTest]:
    parser = doctest.DocTestParser()
    found = []
    for name in modules():
        module = importlib.import_module(name)
        path = Path(module.__file__ or "")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for qualname, doc, line in docstrings(tree, name):
            test = parser.get_doctest(doc, dict(vars(module)), qualname, str(path), line)
            if test.examples:
                found.append(test)
    return sorted(found, key=lambda t: t.name)


EXAMPLES = examples()


def test_the_public_modules_have_examples() -> None:
    names = {t.name for t in EXAMPLES}
    for expected in ("autograd", "nn", "autograd.define.define_op", "autograd.value.Value",
                     "autograd.value.Value.exp", "nn.matrix.MatrixMLP"):
        assert expected in names, sorted(names)


@pytest.mark.parametrize("test", EXAMPLES, ids=[t.name for t in EXAMPLES])
def test_a_docstring_example_runs(test: doctest.DocTest, fresh: None) -> None:
    source = "".join(example.source for example in test.examples)
    if NEEDS_DOT.search(source):
        require_dot(f"the example of {test.name}")
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    test.globs = dict(test.globs)  # each test starts from its module's names
    result = runner.run(test, out=report.append, clear_globs=True)
    assert result.failed == 0, "".join(report)
