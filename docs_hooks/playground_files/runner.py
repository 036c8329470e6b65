"""The playground's runner: what Pyodide executes for each press of Run (playground.js calls
`run(code)` and gets JSON back). It runs the same way in CPython, where the tests call it.

A run: the program is executed in a fresh namespace, with what it prints captured; if its last
statement is an expression, that is evaluated too (as in a notebook cell). The Value drawn is
the one `show(v)` named last (drawn as it was then), else the last line's value if it is a
Value. For it the result
holds the stepping page's parts (autograd.page.page_parts: the DOT source and the step data,
laid out in the browser), `explain()`'s text and the code `autograd.compile` writes.

An error is one line, the engine's own message with its type and the program's line, never a
traceback. Operations a program defines with define_op are removed before the next run, and
what it sets on the Value classes (the lecture's `Value.tanh = tanh`) is put back after it, so
each run starts from chainrule as it is and the same program runs the same way twice.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import sys
import traceback
from typing import Any

FILENAME = "<playground>"
# What the playground leaves out of the install, and what needs it.
NO_NUMPY = ("numpy is not in the playground (nn.matrix, compile(...).batched and the numpy "
            "examples need it): run that with `pip install chainrule` on your computer")
_builtin_ops: set[str] | None = None


def versions() -> str:
    """Which Python and which chainrule run here: the status line's text."""
    from importlib.metadata import version

    return (f"Python {sys.version.split()[0]} ({sys.platform}), "
            f"chainrule {version('chainrule')}")


def warm() -> None:
    """Import what runs use (playground.js calls this once the page is ready, so that the
    first run does not pay for the imports)."""
    import importlib

    for name in ("graphviz", "autograd.page", "autograd.explain", "autograd.compile", "nn",
                 "nn.examples.worked_example"):
        importlib.import_module(name)


def _fresh_catalogue() -> None:
    """Remove the ops earlier runs added with define_op."""
    global _builtin_ops
    from autograd import CATALOGUE
    from autograd.define import remove_op

    if _builtin_ops is None:
        _builtin_ops = set(CATALOGUE)
    for name in [n for n in CATALOGUE if n not in _builtin_ops]:
        remove_op(name)


class _Classes:
    """What a program may set on the Value classes (the lecture's `Value.tanh = tanh`), put back
    after its run: the next program gets the classes as chainrule made them."""

    __slots__ = ("saved",)

    def __init__(self) -> None:
        import autograd
        from chainrule.micrograd import engine

        self.saved = {cls: dict(cls.__dict__) for cls in (autograd.Value, engine.Value)}

    def restore(self) -> None:
        for cls, attrs in self.saved.items():
            for name in [n for n in cls.__dict__ if n not in attrs]:
                delattr(cls, name)
            for name, value in attrs.items():
                if cls.__dict__.get(name) is not value and name not in ("__dict__",
                                                                         "__weakref__"):
                    setattr(cls, name, value)


def one_line(error: BaseException) -> str:
    """The error as one line: its type, its message's first line and the program's line."""
    if isinstance(error, ModuleNotFoundError) and (error.name or "").split(".")[0] == "numpy":
        return NO_NUMPY
    if isinstance(error, SyntaxError) and error.filename == FILENAME:
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    message = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__)
             if frame.filename == FILENAME]
    return f"{text} (line {lines[-1]})" if lines else text


def _wrt(root: Any, options: dict[str, Any]) -> Any:
    """The Value explain() differentiates by: show's wrt= (a Value or a label), else the
    highlighted Value, else the first labelled leaf (in topological order), else the first
    leaf."""
    from autograd import Value, topo_order

    order = topo_order(root)
    for chosen in (options.pop("wrt", None), options.get("highlight")):
        if isinstance(chosen, Value):
            return chosen
        if isinstance(chosen, str):  # a label, as highlight= takes one
            for node in order:
                if node.label == chosen:
                    return node
            raise ValueError(f"show: {chosen!r} is not the label of any Value in the graph")
    leaves = [node for node in order if node.is_leaf and node.op != "const"]
    labelled = [node for node in leaves if node.label]
    return (labelled or leaves or [root])[0]


def _parts(root: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The stepping page's parts, explain()'s text and compile's code, for the drawn Value."""
    from autograd import compile as compile_graph
    from autograd import explain
    from autograd.page import page_parts

    result: dict[str, Any] = {}
    wrt = _wrt(root, options)
    parts = page_parts(root, **options)  # first: it refuses a graph too big to draw
    try:
        explained = str(explain(root, wrt))
    except (TypeError, ValueError) as error:
        explained = one_line(error)
    try:
        compiled = compile_graph(root).source
    except (TypeError, ValueError) as error:
        compiled = one_line(error)
    result["page"] = {"dot": parts.dot, "data": parts.data, "title": parts.title}
    result["explain"] = explained
    result["compiled"] = compiled
    return result


def run(code: str) -> str:
    """Run a program; JSON with output, error (one line or null), page, explain, compiled."""
    from autograd import Value

    _fresh_catalogue()
    classes = _Classes()
    shown: dict[str, Any] = {}

    def show(value: Any, **options: Any) -> None:
        """Draw this Value's stepping view, as it is now (a later optimizer step does not
        change it); options: to_html's, and wrt= for explain. The last show wins."""
        if not isinstance(value, Value):
            raise TypeError(f"show: expected a Value, got {type(value).__name__}")
        shown.clear()
        shown.update(_parts(value, options))

    namespace: dict[str, Any] = {"__name__": "__main__", "show": show}
    printed = io.StringIO()
    result: dict[str, Any] = {"output": "", "error": None, "page": None, "explain": None,
                              "compiled": None}
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            tree = ast.parse(code, FILENAME)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, FILENAME, "exec"), namespace)
            value = None
            if last is not None:
                expression = ast.Expression(last.value)
                value = eval(compile(expression, FILENAME, "eval"), namespace)
            if not shown and isinstance(value, Value):
                show(value)
            elif value is not None and not isinstance(value, Value):
                print(repr(value))  # as a notebook shows a cell's last value
            result.update(shown)
        except (Exception, SystemExit) as error:  # the program's error, whatever: one line
            result["error"] = one_line(error)
        finally:
            classes.restore()
    result["output"] = printed.getvalue()
    return json.dumps(result)
