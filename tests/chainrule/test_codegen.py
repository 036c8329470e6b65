"""`chainrule codegen`: the worked example's backward pass as code, the functions it calls, and
its numpy form with --batched."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import _batched
from autograd.compile import scalar_namespace
from chainrule.cli import codegen, main
from nn.examples import worked_example

MARK = "# The functions it calls"


def printed(capsys, *argv: str) -> tuple[str, str]:
    """The code and the definitions printed after it."""
    assert main(["codegen", *argv]) == 0
    out = capsys.readouterr().out
    code, _, definitions = out.partition(MARK)
    assert definitions, out
    # the comments and the generated code, without the imports the saved module needs
    code = "".join(line for line in code.splitlines(keepends=True)
                   if not line.startswith(("import ", "from ")))
    return code, definitions.split("\n", 1)[1]  # after the rest of the heading's line


def eager():
    g = worked_example.forward(worked_example.START)
    g.error.backward()
    return g.error.data, [g.weights[n].grad for n in worked_example.START]


def test_codegen_prints_the_post_s_back_pass_in_its_names(capsys):
    source, _ = printed(capsys)
    for line in ("    y3 = sigmoid(z3)", "    yp = sigmoid(z5)", "    g_E = upstream",
                 "    g_z5 = g_yp * (yp * (1.0 - yp))", "    g_w35 = g_z5 * y3",
                 "    g_y3 = g_z5 * w35", "    g_w13 = g_z3 * x1", "    x1 = 0.35"):
        assert line + "\n" in source or line + "  #" in source, line
    scope: dict = {"__builtins__": {}, **scalar_namespace()}
    exec(source, scope)  # noqa: S102 - what it prints runs, and gives backward()'s numbers
    out, grads = scope["forward_backward"](*worked_example.START.values())
    assert (out, list(grads)) == eager()


def test_the_functions_the_code_calls_are_printed(capsys):
    source, definitions = printed(capsys)
    called = codegen.called(source)
    assert called == ["sigmoid", "pow", "dpow_dbase"]
    ast.parse(definitions)  # Python, as printed
    for name, where in (("sigmoid", "autograd.ops.sigmoid"), ("pow", "autograd.ops.pow_"),
                        ("dpow_dbase", "autograd.ops.dpow_dbase")):
        assert f"# {name}: {where}" in definitions
    assert "def sigmoid(a: float) -> float:" in definitions
    assert "def dpow_dbase(a: float, b: float) -> float:" in definitions
    assert "def _power(" in definitions  # what pow_ calls in turn, from the same module
    # One name for each helper: ops.pow_ is printed as the code's pow, and dpow_dbase's call
    # of pow_ follows it.
    assert "def pow(a: float, b: float) -> float:" in definitions
    assert not re.search(r"\bpow_\b", definitions.replace("autograd.ops.pow_", ""))


def test_batched_prints_the_numpy_code_and_the_array_functions(capsys):
    scalar = "".join(printed(capsys))
    source, definitions = printed(capsys, "--batched")
    assert source + definitions != scalar
    assert "Compiled.batched runs this over numpy arrays" in source
    assert "# sigmoid: autograd._batched.sigmoid" in definitions
    assert "np.where" in definitions and "math.exp" not in definitions
    np = pytest.importorskip("numpy")
    scope: dict = {"__builtins__": {}, **_batched.namespace()}
    exec(source, scope)  # noqa: S102 - the printed code runs over arrays, sample by sample
    w = dict(worked_example.START)
    batch = np.array([w["w35"], w["w35"] + 0.25])
    args = [batch if name == "w35" else value for name, value in w.items()]
    with np.errstate(all="ignore"):
        out, grads = scope["forward_backward"](*args)
    assert float(out[0]) == eager()[0]
    assert float(grads[4][0]) == eager()[1][4]
    moved = dict(w, w35=w["w35"] + 0.25)
    g = worked_example.forward(moved)
    g.error.backward()
    assert float(out[1]) == pytest.approx(g.error.data, rel=1e-14)


def test_batched_with_the_document_order_is_refused_in_one_line(capsys):
    assert main(["codegen", "--batched", "--order", "document"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("chainrule codegen: --batched cannot be used with --order "
                                   "document")


def test_the_document_order_code_prints_the_post_s_own_lines(capsys):
    from nn.examples import codegen as example

    source, definitions = printed(capsys, "--order", "document")
    # w35 is updated before g_y3 reads it: the post's back(), not true gradient descent.
    assert source.index("    w35 -= lr * (g_w35 + 0.0)") < source.index("    g_y3 = g_z5 * w35")
    assert "def sigmoid(" in definitions
    got = [s.line() for s in example.run_document_order()]
    assert got == [s.line() for s in worked_example.run("sgd", order="document")]
    assert len(got) == 111


# --- what is printed is a module (issue 23 item 6) ------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def saved(capsys, tmp_path: Path, name: str, *argv: str) -> Path:
    """`chainrule codegen ARGV > NAME.py`, in a folder of its own."""
    assert main(["codegen", *argv]) == 0
    path = tmp_path / f"{name}.py"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def python(tmp_path: Path, *argv: str) -> str:
    """A fresh interpreter in tmp_path (the repository importable, as when installed)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    done = subprocess.run([sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


POINTS = [list(worked_example.START.values()), [0.5, -1.25, 2.0, 0.125, -0.75, 3.5],
          [-2.0, 0.3, 1e-3, -0.6, 4.0, -1.5]]


def eager_at(w: list[float]) -> tuple[float, list[float]]:
    g = worked_example.forward(dict(zip(worked_example.START, w)))
    g.error.backward()
    return g.error.data, [g.weights[n].grad for n in worked_example.START]


def test_the_printed_code_saved_as_a_file_is_a_module_giving_the_eager_numbers(capsys, tmp_path):
    saved(capsys, tmp_path, "f")
    out = python(tmp_path, "-c", f"""
from f import forward_backward
for w in {POINTS!r}:
    E, grads = forward_backward(*w)
    print(repr(E), *map(repr, grads))
""")
    got = [line.split() for line in out.splitlines()]
    want = [[repr(e), *map(repr, grads)] for e, grads in map(eager_at, POINTS)]
    assert got == want  # bit for bit, in a fresh interpreter that imported only the file


def test_the_document_order_saved_and_run_prints_the_post_s_lines(capsys, tmp_path):
    saved(capsys, tmp_path, "g", "--order", "document")
    lines = python(tmp_path, "g.py").splitlines()
    want = [s.line() for s in worked_example.run("sgd", order="document")]
    assert lines == want and len(lines) == 111


def test_the_batched_code_saved_as_a_file_is_a_module_too(capsys, tmp_path):
    pytest.importorskip("numpy")
    saved(capsys, tmp_path, "b", "--batched")
    columns = [list(c) for c in zip(*POINTS)]  # one array per weight, one entry per point
    out = python(tmp_path, "-c", f"""
import numpy as np
from b import forward_backward
E, grads = forward_backward(*[np.array(c) for c in {columns!r}])
for k in range(len(E)):
    print(repr(float(E[k])), *[repr(float(g[k])) for g in grads])
""")
    for line, (e, grads) in zip(out.splitlines(), map(eager_at, POINTS), strict=True):
        numbers = [float(x) for x in line.split()]
        assert numbers == pytest.approx([e, *grads], rel=1e-13, abs=1e-300)
