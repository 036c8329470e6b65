"""explain(): the chain rule of one gradient, checked against backward() on the worked example
and on random graphs with shared subexpressions (several paths from a leaf to the output)."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, note

import autograd
from autograd import Explanation, Value, explain, topo_order
from nn.examples.worked_example import START, forward
from tests.strategies import recipes

# The post's numbers for the w53 (w35) chain, docs/worked_example.md.
DE_DYP = 0.19028349290764435
DYP_DZ5 = 0.21379219232686647
DZ5_DW35 = 0.6802671966986485
STEP1_GRADS = {
    "w35": 0.027674034938717867, "w45": 0.027001636991007414, "w13": 0.0009290711608096597,
    "w23": 0.002389040127796268, "w14": 0.002860075772445454, "w24": 0.007354480557716883,
}


def worked():
    g = forward(START)
    g.error.backward()
    return g


def labelled(root: Value) -> dict[str, Value]:
    return {node.label: node for node in topo_order(root) if node.label}


def test_w35_reads_as_in_the_post():
    g = worked()
    e = explain(g.error, g.weights["w35"])
    assert e.text == (
        "dE/dw35 = dE/dyp * dyp/dz5 * dz5/dw35 = 0.1903 * 0.2138 * 0.6803 = 0.02767"
    )
    assert str(e) == e.text
    assert e.mode == "paths" and e.n_paths == 1
    (path,) = e.paths
    assert [(f.upper, f.lower) for f in path.factors] == [("E", "yp"), ("yp", "z5"), ("z5", "w35")]
    # The factors are the true local derivatives (the collapsed mul/pow/sub give dE/dyp exactly).
    assert [f.value for f in path.factors] == [DE_DYP, DYP_DZ5, DZ5_DW35]
    assert e.value == path.value == STEP1_GRADS["w35"]


def test_every_weight_equals_backward_bit_for_bit():
    g = worked()
    for name, w in g.weights.items():
        e = explain(g.error, w)
        assert e.n_paths == 1, name
        assert e.value == w.grad == STEP1_GRADS[name], name
        assert e.path_sum == w.grad, name  # one path, multiplied in the engine's order
        factors = e.paths[0].factors
        assert e.text.startswith(f"dE/d{name} = dE/dyp * dyp/dz5 * "), e.text
        assert factors[-1].lower == name


def test_hidden_weight_chain_goes_through_the_other_weight():
    g = worked()
    e = explain(g.error, g.weights["w13"])
    assert e.text == (
        "dE/dw13 = dE/dyp * dyp/dz5 * dz5/dy3 * dy3/dz3 * dz3/dw13 = "
        "0.1903 * 0.2138 * 0.3 * 0.2175 * 0.35 = 0.0009291"
    )
    values = [f.value for f in e.paths[0].factors]
    assert values[2] == 0.3 and values[4] == 0.35  # dz5/dy3 = w35, dz3/dw13 = x1
    assert values[3] == g.y3.data * (1 - g.y3.data)


def test_every_labelled_node_of_the_worked_example():
    g = worked()
    for name, node in labelled(g.error).items():
        e = explain(g.error, node)
        assert e.value == node.grad, name
        assert math.isclose(e.path_sum, node.grad, rel_tol=1e-12), name


def test_an_input_has_two_paths_and_their_sum():
    g = worked()
    x1 = labelled(g.error)["x1"]
    e = explain(g.error, x1)
    assert e.n_paths == 2 and len(e.paths) == 2
    assert [p.factors[2].lower for p in e.paths] == ["y3", "y4"]
    assert e.value == x1.grad
    assert math.isclose(e.paths[0].value + e.paths[1].value, x1.grad, rel_tol=1e-12)
    lines = e.text.splitlines()
    assert lines[0] == "dE/dx1 = sum over the 2 paths from x1 to E:"
    assert lines[1].startswith("  path 1: dE/dyp * dyp/dz5 * dz5/dy3 * dy3/dz3 * dz3/dx1 = ")
    assert lines[-1] == "dE/dx1 = 0.0002654 + 0.003269 = 0.003534"


def test_no_collapse_shows_every_local_derivative():
    g = worked()
    e = explain(g.error, g.weights["w35"], collapse=False)
    values = [f.value for f in e.paths[0].factors]
    # 0.5 * t, t = s ** 2, s = yp - 0.5, yp = sigmoid(z5), z5 = m + ..., m = w35 * y3
    assert values == [0.5, 2 * DE_DYP, 1.0, DYP_DZ5, 1.0, DZ5_DW35]
    assert e.value == STEP1_GRADS["w35"]
    assert "d(yp - 0.5)/dyp" in e.text and "d(w35*y3)/dw35" in e.text


def test_self_use_gives_two_paths():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    e = explain(y, x)
    assert e.n_paths == 2
    assert [p.value for p in e.paths] == [3.0, 3.0]
    assert e.value == 6.0
    assert "dy/dx (via the left operand)" in e.text and "dy/dx (via the right operand)" in e.text


def test_fan_out_and_direct_edge():
    x = Value(-2.0, label="x")
    y = x + x
    z = y + y
    assert explain(z, x).n_paths == 4 and explain(z, x).value == 4.0
    # z = x * x + x: two paths through the product, one straight edge.
    x = Value(3.0, label="x")
    z = x * x + x
    z.label = "z"
    e = explain(z, x)
    assert e.n_paths == 3 and e.value == 7.0
    # not to be read as the whole dz/dx:
    assert "path 3: dz/dx (via the right operand) = 1" in e.text
    assert e.text.splitlines()[-1] == "dz/dx = 3 + 3 + 1 = 7"


def test_negative_numbers_read_as_arithmetic():
    x = Value(2.0, label="x")
    y = x * -2.0
    y.label = "y"
    z = y * 3.0
    z.label = "z"
    assert explain(z, x).text == "dz/dx = dz/dy * dy/dx = 3 * (-2) = -6"
    w = x * -3.0 + x * 0.5
    w.label = "w"
    assert explain(w, x).text.splitlines()[-1] == "dw/dx = -3 + 0.5 = -2.5"
    v = x * -3.0 - x * 0.5
    v.label = "v"
    assert explain(v, x).text.splitlines()[-1] == "dv/dx = -3 - 0.5 = -3.5"


def test_past_max_paths_it_accumulates_node_by_node():
    x = Value(0.5, label="x")
    y = x
    for _ in range(10):
        y = y + y
    y.label = "y"
    e = explain(y, x, max_paths=16)
    assert e.mode == "nodes" and e.n_paths == 1024 and e.paths == ()
    assert e.value == 1024.0
    assert e.text.startswith("dy/dx: 1024 paths from x to y, more than max_paths=16;")
    assert e.text.splitlines()[-1] == "dy/dx = 1024"
    assert [s.value for s in e.steps] == [2.0**k for k in range(1, 11)]
    assert math.isnan(e.path_sum)
    assert e.latex.startswith(r"\begin{aligned}\frac{\partial y}{\partial x} &: \text{1024 paths")
    assert e.latex.endswith(r"\frac{\partial y}{\partial x} &= 1024\end{aligned}")
    every = explain(y, x, max_paths=1024)
    assert every.mode == "paths" and len(every.paths) == 1024 and every.path_sum == 1024.0


def test_explain_changes_no_gradient():
    g = worked()
    before = [(node, node.grad) for node in topo_order(g.error)]
    explain(g.error, g.weights["w13"])
    explain(g.error, labelled(g.error)["x2"], max_paths=1)
    assert all(node.grad == grad for node, grad in before)


def test_output_itself():
    g = worked()
    e = explain(g.error, g.error)
    assert e.text == "dE/dE = 1" and e.value == 1.0 and e.n_paths == 1


def test_deep_chain_has_no_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(20_000):
        y = (y * 0.999).tanh() + 0.001
    y.label = "y"
    e = explain(y, x)
    y.backward()
    assert e.n_paths == 1 and e.value == x.grad
    assert len(e.paths[0].factors) == 1  # the unlabelled run collapses into one factor
    every = explain(y, x, collapse=False)
    assert len(every.paths[0].factors) == 60_000 and every.value == x.grad
    assert every.paths[0].value == x.grad  # one path, multiplied edge by edge as backward() does


def test_latex():
    g = worked()
    e = explain(g.error, g.weights["w35"])
    assert e.latex == (
        r"\frac{\partial E}{\partial w_{35}} = \frac{\partial E}{\partial y_{p}} \cdot "
        r"\frac{\partial y_{p}}{\partial z_{5}} \cdot \frac{\partial z_{5}}{\partial w_{35}} = "
        r"0.1903 \cdot 0.2138 \cdot 0.6803 = 0.02767"
    )
    assert e._repr_latex_() == f"$${e.latex}$$"
    two = explain(g.error, labelled(g.error)["x1"])
    assert two.latex.startswith(r"\begin{aligned}") and two.latex.endswith(r"\end{aligned}")
    assert r"\sum_{\text{2 paths}}" in two.latex
    # TeX's special characters in a label are escaped, not interpreted.
    a = Value(1.0, label="a_b{c}%$")
    assert r"\mathrm{a\_b\{c\}\%\$}" in explain(a * 2, a).latex


def test_digits_and_repr():
    g = worked()
    e = explain(g.error, g.weights["w35"], digits=8)
    assert e.text.endswith("= 0.19028349 * 0.21379219 * 0.6802672 = 0.027674035")
    assert repr(e) == "<Explanation dE/dw35 = 0.027674034938717867 (1 path)>"
    assert isinstance(e, Explanation)
    assert autograd.explain is explain


def test_bad_arguments():
    x = Value(1.0)
    y = x * 2
    with pytest.raises(TypeError, match="explain: output must be a Value"):
        explain(2.0, x)
    with pytest.raises(TypeError, match="explain: wrt must be a Value"):
        explain(y, 1.0)
    with pytest.raises(ValueError, match="is not used to compute the output"):
        explain(y, Value(1.0))
    with pytest.raises(ValueError, match="max_paths must be >= 1, got 0"):
        explain(y, x, max_paths=0)
    with pytest.raises(TypeError, match="max_paths must be an int"):
        explain(y, x, max_paths=2.5)
    with pytest.raises(ValueError, match="digits must be >= 1"):
        explain(y, x, digits=0)


@given(recipes(max_inputs=3, max_steps=12))
def test_random_graphs_match_backward(recipe):
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(recipe.inputs)]
    out = recipe.build(*leaves)
    out.backward()
    for node in topo_order(out):
        paths = explain(out, node, max_paths=64)
        nodes = explain(out, node, max_paths=1)
        note(f"{paths.n_paths} paths to {paths.wrt}")
        # The number is backward()'s, bit for bit, whichever way it is written out.
        assert paths.value == node.grad
        assert nodes.value == node.grad
        if paths.n_paths > 1:
            assert nodes.mode == "nodes"
            assert math.isclose(nodes.steps[-1].value, node.grad, rel_tol=1e-12,
                                abs_tol=1e-12 * max(1.0, abs(node.grad)))
        if paths.mode == "paths":
            # The sum over paths regroups the same products: equal to rounding. Terms can cancel,
            # so the tolerance is relative to the sum of their sizes. Below the smallest normal
            # float, products underflow in either grouping (5e-324 ** 2 is 0): that is no error.
            scale = sum(abs(p.value) for p in paths.paths)
            assert math.isclose(paths.path_sum, node.grad, rel_tol=1e-12,
                                abs_tol=max(1e-12 * scale, sys.float_info.min))
            for p in paths.paths:
                product = 1.0
                for f in p.factors:
                    product *= f.value
                assert math.isclose(product, p.value, rel_tol=1e-12, abs_tol=1e-300)


def test_unlabelled_nodes_read_as_their_expressions():
    """Unlabelled results are named by their expression, with only the brackets it needs
    (products tight, sums spaced), so the chain reads as one would write it by hand."""
    g = worked()
    e = explain(g.error, g.weights["w35"], collapse=False)
    assert "dz5/d(w35*y3) * d(w35*y3)/dw35" in e.text
    assert "dE/d((yp - 0.5)**2) * d((yp - 0.5)**2)/d(yp - 0.5)" in e.text
    x = Value(3.0, label="x")
    w = Value(2.0, label="w")
    z = (x * w + w * x).relu()
    path = explain(z, w).text
    assert path.startswith("d(relu(x*w + w*x))/dw = sum over the 2 paths from w to relu(x*w + w*x)")
    assert "drelu" not in path
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(4.0, label="c")
    names = [explain(y, a).output for y in (a - (b - c), (a - b) - c, a / (b * c), -(a + b),
                                            (a * b) ** 2, a * -2.0, a + b + c)]
    assert names == ["a - (b - c)", "a - b - c", "a/(b*c)", "-(a + b)", "(a*b)**2", "a*-2",
                     "a + b + c"]


def test_long_expressions_and_unlabelled_leaves_get_stable_names():
    u, v = Value(0.5), Value(-1.5)  # unlabelled leaves: v0, v1 in topological order
    y = ((u * v).tanh() * (u + v).exp() + u * v * u * v).sigmoid()
    e = explain(y, u)
    # the sum is too long to write out: it is the 2nd add (in topological order), add#2
    assert e.output == "sigmoid(add#2)" and e.wrt == "v0"
    assert "d(sigmoid(add#2))/d(add#2) * d(add#2)/d(tanh(v0*v1)*exp(v0 + v1))" in e.text
    assert e.text == explain(y, u).text  # the same names every time
    y.backward()
    assert e.value == u.grad


def test_which_operand_is_said_in_words():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    e = explain(y, x)
    assert "(operand" not in e.text
    assert "dy/dx (via the left operand) = 3" in e.text
    assert r"\big|_{\text{via the right operand}}" in e.latex
    s = autograd.sum([x, x, x])
    s.label = "s"
    assert "ds/dx (via operand 2) = 1" in explain(s, x).text


def test_latex_escapes_every_special_in_a_label():
    for label, tex in [
        ("<img src=x onerror=alert(1)>", r"\mathrm{\lt img\ src=x\ onerror=alert(1)\gt }"),
        ("a{b", r"\mathrm{a\{b}"),
        ("a_b", r"\mathrm{a\_b}"),
        (r"\end{aligned}", r"\mathrm{\backslash end\{aligned\}}"),
        ("50% & #1 ~ $x$", r"\mathrm{50\%\ \&\ \#1\ \sim \ \$x\$}"),
        ("x^2", r"\mathrm{x\hat{}2}"),
    ]:
        a = Value(1.0, label=label)
        latex = explain(a * 2.0, a).latex
        assert tex in latex, (label, latex)
        assert "<" not in latex and ">" not in latex
    # the expression names of unlabelled nodes are escaped the same way
    a = Value(1.0, label="a_1")
    assert r"\mathrm{a\_1*2}" in explain((a * 2.0).exp(), a, collapse=False).latex
