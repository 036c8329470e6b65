"""`chainrule codegen`: the worked example's forward and backward pass, written as Python.

autograd.compile reads the recorded graph of E (the 2-2-1 network of the post, labelled z3, y3,
..., E as the post names them) and writes one line per node: the forward in topological order,
then the chain rule from E down, each local derivative taken from the operation catalogue. It
is the post's back(), derived rather than written by hand, and it gives the eager engine's
numbers bit for bit. The functions the code calls (sigmoid, pow, dpow_dbase) are printed after
it, from the catalogue's own source, under the names the code calls; with --batched, their
numpy versions. Saved as a file (chainrule codegen > f.py) the output is a module: from f import
forward_backward. With --order document it is a program too: python g.py prints the post's lines.
"""

from __future__ import annotations

import argparse
import ast
import inspect
from collections.abc import Callable, Collection, Mapping

from ._args import fail

DESCRIPTION = __doc__ or ""


def add_arguments(p: argparse.ArgumentParser, argv: list[str]) -> None:
    p.add_argument("--order", choices=["autograd", "document"], default="autograd",
                   help="autograd: forward_backward, every gradient at the same weights; "
                        "document: the post's back(), each weight updated (w -= g) as soon as "
                        "its gradient is known, so later lines use the new w35, w45")
    p.add_argument("--batched", action="store_true",
                   help="print the numpy version instead (each name an array over samples) "
                        "with the array versions of the functions it calls")


def called(source: str) -> list[str]:
    r"""The names `source` calls and does not define, in the order they first appear.

    Args:
        source: Python code (generated code, or a helper's source).

    Returns:
        The called names, each once, ordered by where they are first written.

    Example:
        >>> called("def f(a):\n    return g(h(a)) + g(a)\n")
        ['g', 'h']
    """
    tree = ast.parse(source)
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    names: list[str] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id not in defined and node.func.id not in names):
            names.append(node.func.id)
    # ast.walk is breadth first: sort by where each call is written
    where = {name: source.find(f"{name}(") for name in names}
    return sorted(names, key=lambda name: where[name])


def _globals_read(text: str) -> list[str]:
    """The names the functions in `text` read from their module (not their parameters, locals,
    the builtins or annotations), in the order they first appear."""
    import builtins

    tree = ast.parse(text)
    local: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local.add(node.name)
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                        node.args.vararg, node.args.kwarg]:
                if arg is not None:
                    local.add(arg.arg)
                    arg.annotation = None
            node.returns = None
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            local.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            local.add(node.name)
    names: list[str] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                and node.id not in local and node.id not in names
                and not hasattr(builtins, node.id)):
            names.append(node.id)
    return sorted(names, key=text.find)


def _renamed(text: str, names: Mapping[str, str]) -> str:
    """`text` with each NAME token in `names` replaced (never an attribute after a dot)."""
    import io
    import tokenize

    lines = text.splitlines(keepends=True)
    spots: list[tuple[int, int, str]] = []
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string in names and previous != ".":
            spots.append((*token.start, token.string))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string
    for row, col, name in reversed(spots):  # from the end: earlier columns stay valid
        line = lines[row - 1]
        lines[row - 1] = line[:col] + names[name] + line[col + len(name):]
    return "".join(lines)


def helpers(source: str, namespace: Mapping[str, object]) -> tuple[list[str], str]:
    r"""What `source` needs to run as a module: its imports and its helpers' source.

    Every function `source` calls from `namespace` is printed from its source, and so are the
    functions of the same module those use in turn, each headed by where it lives. A helper the
    code calls by another name than its own (the code's `pow` is autograd.ops's `pow_`) is
    printed under the code's name, and the other helpers' calls follow: one name for each
    helper. A numpy function with no Python source is imported under the code's name; the
    modules, constants and classes the helpers read are imported from where they live.

    Args:
        source: The generated code.
        namespace: What the generated code's names mean (`scalar_namespace()`, or
            `_batched.namespace()` for the array code).

    Returns:
        The import lines (grouped, `import x` first) and the helpers' source, as text.

    Example:
        >>> from autograd.compile import scalar_namespace
        >>> imports, text = helpers("def f(t):\n    return pow(t, 2.0)\n", scalar_namespace())
        >>> imports
        ['import math', 'from autograd.ops import DomainError, inf']
        >>> "def pow(a: float, b: float) -> float:" in text
        True
    """
    out: list[str] = []
    imports: dict[str, None] = {}  # ordered set
    done: set[object] = set()
    printed: dict[str, object] = {}  # name in the printed module -> the function
    # The code's name for each helper whose own name differs (pow -> pow_).
    rename: dict[str, str] = {}
    todo = [(name, namespace[name]) for name in called(source) if name in namespace]
    for name, fn in todo:
        own = getattr(getattr(fn, "pyfunc", None) or fn, "__name__", name)
        if inspect.isfunction(fn) and own != name:
            rename[own] = name
    while todo:
        name, fn = todo.pop(0)
        if fn in done:
            continue
        done.add(fn)
        target: Callable[..., object] | None = getattr(fn, "pyfunc", None) or (
            fn if inspect.isfunction(fn) else None)
        if target is None:  # numpy's own (a ufunc): no Python source to show
            own = getattr(fn, "__name__", name)
            imports[f"from numpy import {own}" + (f" as {name}" if own != name else "")] = None
            out.append(f"# {name} is numpy.{own}\n")
            continue
        module = inspect.getmodule(target)
        where = f"{module.__name__}.{target.__name__}" if module else target.__name__
        try:
            text = inspect.getsource(target)
        except (OSError, TypeError):
            imports[f"from {module.__name__ if module else 'builtins'} import "
                    f"{target.__name__}" + (f" as {name}" if target.__name__ != name else "")
                    ] = None
            out.append(f"# {name} is {where} (its source is not available: imported)\n")
            continue
        notes = [f"printed as {name}, the name the code calls"] if name != target.__name__ else []
        vectorized = ""
        if fn is not target:  # a float function the array code runs sample by sample
            notes.append("run sample by sample by np.vectorize")
            imports["import numpy as np"] = None
            vectorized = f"{name} = np.vectorize({name}, otypes=[float])\n"
        note = f" ({'; '.join(notes)})" if notes else ""
        out.append(f"# {name}: {where}{note}\n{_renamed(text, rename)}{vectorized}")
        printed[name] = target
        scope = vars(module) if module else {}
        for inner in _globals_read(text):
            value = scope.get(inner)
            if inner in printed or value is None:
                continue
            if inspect.ismodule(value):
                base = value.__name__
                if base == inner:
                    imports[f"import {base}"] = None
                elif base.rpartition(".")[2] == inner:
                    imports[f"from {base.rpartition('.')[0]} import {inner}"] = None
                else:
                    imports[f"import {base} as {inner}"] = None
            elif inspect.isfunction(value) and module and value.__module__ == module.__name__:
                if value not in done:
                    todo.append((rename.get(inner, inner), value))
            elif module:
                imports[f"from {module.__name__} import {inner}"] = None
    return _grouped(imports), "\n".join(out)


def _grouped(lines: Collection[str]) -> list[str]:
    """Import lines in isort's order: `import x` first, then one `from m import a, b` per m."""
    plain = sorted(line for line in lines if line.startswith("import "))
    names: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("from "):
            module, _, name = line[len("from "):].partition(" import ")
            names.setdefault(module, []).append(name)
    return plain + [f"from {module} import {', '.join(sorted(names[module]))}"
                    for module in sorted(names)]


def definitions(source: str, namespace: Mapping[str, object]) -> str:
    r"""The source of the helpers `source` calls, as `helpers` prints them (without imports).

    Args:
        source: The generated code.
        namespace: What the generated code's names mean.

    Returns:
        Each helper's source, headed by where it lives.

    Example:
        >>> from autograd.compile import scalar_namespace
        >>> text = definitions("def f(t):\n    return sigmoid(t)\n", scalar_namespace())
        >>> print(text.splitlines()[1])
        def sigmoid(a: float) -> float:
    """
    return helpers(source, namespace)[1]


# The post's loop, for --order document: what `python g.py` runs (worked_example.run's lines).
_MAIN = """

if __name__ == "__main__":
    # The post's loop: the forward, its line, stop once E < {tolerance!r}, else back().
    w = ({start})
    for step in range(1, 10_001):
        E, new_w = sgd_step(*w)
        print(f"step = {{step}}: yp = {{forward(*w)!r}}, Error = {{E!r}}")
        if E < {tolerance!r}:
            break
        w = new_w
"""


def run(args: argparse.Namespace) -> int:
    if args.batched and args.order == "document":
        return fail("chainrule codegen", "--batched cannot be used with --order document: the "
                    "document order updates each weight in place, one example at a time; "
                    "--batched prints --order autograd's code over arrays", 2)
    from autograd.compile import scalar_namespace
    from nn.examples import worked_example
    from nn.examples.codegen import compiled_worked_example

    error, yp = compiled_worked_example()
    namespace: Mapping[str, object] = scalar_namespace()
    head = ["# The worked example (2-2-1, sigmoid, E = 1/2 (yp - ya)^2), generated by",
            "# autograd.compile from the recorded graph: g_n is dE/dn; x1, x2 and ya are fixed."]
    if args.order == "document":
        head += ["# --order document: sgd_step updates each weight the moment its gradient is",
                 "# complete, as the post's back() does; it returns E and the six new weights.",
                 "# forward gives yp alone. Run as a program, it prints the post's lines."]
        source = error.sgd_source + "\n\n" + yp.forward_source
    elif args.batched:
        from autograd import _batched

        head += ["# It returns E and (dE/dw13, dE/dw23, dE/dw14, dE/dw24, dE/dw35, dE/dw45).",
                 "# --batched: Compiled.batched runs this over numpy arrays: each input is a float",
                 "# or a 1-D array with one entry per sample, and every line computes all samples",
                 "# at once (in numpy's names below; + - * / give the float code's bits)."]
        source, namespace = error.batched_source, _batched.namespace()
    else:
        head += ["# It returns E and (dE/dw13, dE/dw23, dE/dw14, dE/dw24, dE/dw35, dE/dw45)."]
        source = error.source
    imports, defs = helpers(source, namespace)
    if args.batched:  # the array helpers' annotations (Array) are never evaluated
        imports.insert(0, "from __future__ import annotations")
    print("\n".join(head))
    print("# Saved as a file it is a module: the imports, the code, the functions it calls.")
    print()
    if imports:
        print("\n".join(imports))
        print()
        print()
    print(source, end="")
    print()
    print("# The functions it calls, as the catalogue defines them"
          + (" for arrays" if args.batched else "") + ":")
    print()
    print(defs, end="")
    if args.order == "document":
        start = ", ".join(repr(w) for w in worked_example.START.values())
        print(_MAIN.format(start=start, tolerance=worked_example.TOLERANCE), end="")
    return 0
