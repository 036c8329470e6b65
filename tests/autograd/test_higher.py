"""Gradients of gradients (autograd/higher.py): the catalogue's derivative code on Values, the
helpers hessian, hvp and gradgradcheck, backward(create_graph=True), and memory.

The PyTorch cross-checks are in test_higher_torch.py; here everything is checked against the
float path, against finite differences of the first derivative, and against known formulas.
"""

from __future__ import annotations

import gc
import math
import weakref

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import autograd
from autograd import (
    CATALOGUE,
    GradcheckError,
    Value,
    grad,
    gradgradcheck,
    hessian,
    hvp,
    ops,
    topo_order,
)
from autograd.higher import VALUE_NAMESPACE, value_local_grads
from autograd.ops import CONST
from tests.autograd.test_ops import _apply_through_value
from tests.strategies import op_arguments, recipes

OPS = sorted(CATALOGUE)


def _data(x):
    return x if type(x) is float else x.data


def _same_bits(x: float, y: float) -> bool:
    both_nan = math.isnan(x) and math.isnan(y)
    return type(x) is float and type(y) is float and (x.hex() == y.hex() or both_nan)


def _node(name, args):
    """The op applied to leaf Values, and the inputs to differentiate in (pow's exponent is a
    number, not an input)."""
    leaves = [Value(a) for a in args]
    out = _apply_through_value(name, leaves)
    return out, leaves[:1] if name == "pow" else leaves


# --- one source: the Value form of each local derivative is the float form ------------------


def test_the_value_namespace_names_what_the_float_one_names():
    assert set(VALUE_NAMESPACE) == set(ops.GRAD_NAMESPACE)


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_value_form_of_the_local_grads_is_the_float_form_bit_for_bit(name, data):
    op = CATALOGUE[name]
    args = data.draw(op_arguments(op), label="args")
    out, _ = _node(name, args)
    want = op.local_grads(out.data, *args)
    # as the engine calls it (a constant operand as its float), and with every operand a Value
    engine_args = [x.data if x._opdef is CONST else x for x in out.operands]
    for operands in (engine_args, list(out.operands)):
        got = value_local_grads(op)(out, *operands)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            note(f"{name}: Value form {g!r}, float form {w!r}")
            assert _same_bits(_data(g), w)


POW_CASES = [(2.0, 3.0), (2.0, 0.0), (0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (-2.0, 3.0), (-2.0, -1.0),
             (0.5, -2.5), (3.0, 1.0), (-0.0, 0.0), (-2.0, 0.0)]


@pytest.mark.parametrize("a, b", POW_CASES)
def test_the_pow_helpers_on_values_are_the_float_helpers(a, b):
    want_base = ops.dpow_dbase(a, b)
    for x, y in ((Value(a), b), (Value(a), Value(b)), (a, Value(b))):
        assert _same_bits(_data(ops.dpow_dbase_value(x, y)), want_base), (x, y)
    out = a**b if not (a == 0.0 and b < 0.0) else math.inf
    want_exp = ops.dpow_dexp(out, a)
    for o, x in ((Value(out), Value(a)), (Value(out), a)):
        assert _same_bits(_data(ops.dpow_dexp_value(o, x)), want_exp), (o, x)


def test_the_derivative_of_a_to_the_b_in_b_survives_at_b_zero():
    a, b = Value(2.0), Value(0.0)
    h = hessian(a**b, [a, b])
    assert h[0][1] == h[1][0] == 0.5  # 1/a both ways (PyTorch's pow gives 0 for d/db d/da)
    # d3(a^b)/da2 db = ((2b - 1) + b (b - 1) ln a) a^(b-2): at a = 1, b = 1 it is 1
    a, b = Value(1.0), Value(1.0)
    (da,) = grad(a**b, a, create_graph=True)
    (daa,) = grad(da, a, create_graph=True)
    assert grad(daa, b) == (1.0,)


def test_a_constant_exponent_stays_a_constant_exponent():
    x = Value(1.5)
    (g,) = grad(x**3, x, create_graph=True)
    assert "vpow" not in {n.op for n in topo_order(g)}  # 3 * x ** 2.0, no vpow of a constant
    (h,) = grad(g, x, create_graph=True)
    (k,) = grad(h, x)
    assert (g.data, h.data, k) == (3 * 1.5**2, 6 * 1.5, 6.0)


@pytest.mark.parametrize("name", [op.name for op in CATALOGUE.values() if op.kinks])
def test_kinked_derivatives_are_numbers_on_both_sides_and_at_the_kink(name):
    # so the second derivative is 0 everywhere, PyTorch's convention (relu'' = 0, abs'' = 0)
    op = CATALOGUE[name]
    for kink in op.kinks:
        for a in (kink - 0.5, kink, kink + 0.5):
            x = Value(a)
            out = _apply_through_value(name, [x])
            (local,) = value_local_grads(op)(out, x)
            assert type(local) is float
            assert hessian(out * 1.0, [x]) == [[0.0]]
            (g,) = grad(out, x, create_graph=True)
            assert g.is_leaf  # a gradient that depends on no input: a leaf, no graph


# --- create_graph gives the same first derivatives ------------------------------------------


@given(recipes())
def test_create_graph_gives_the_same_gradients_as_the_float_path(recipe):
    xs = [Value(x) for x in recipe.inputs]
    out = recipe.build(*xs)
    floats = grad(out, xs, allow_unused=True)
    values = grad(out, xs, allow_unused=True, create_graph=True)
    for f, v in zip(floats, values):
        assert (f is None) == (v is None)
        if f is not None:
            assert v.data == f or (math.isnan(f) and math.isnan(v.data)), (v.data, f)


# --- second derivatives against finite differences of the first -----------------------------


def _first(name, args, j, shift):
    shifted = list(args)
    shifted[j] += shift
    out, inputs = _node(name, shifted)
    return grad(out, inputs)


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_second_derivatives_match_differences_of_the_first(name, data):
    args = data.draw(op_arguments(CATALOGUE[name]), label="args")
    out, inputs = _node(name, args)
    analytic = hessian(out, inputs)
    for j in range(len(inputs)):
        h = 1e-6 * max(1.0, abs(args[j]))
        up, down = _first(name, args, j, h), _first(name, args, j, -h)
        for i in range(len(inputs)):
            numeric = (up[i] - down[i]) / (2 * h)
            note(f"d2/dx{i}dx{j}: analytic {analytic[i][j]!r}, numeric {numeric!r}")
            assert math.isclose(analytic[i][j], numeric, rel_tol=1e-5, abs_tol=1e-6)


def test_known_higher_derivatives():
    x, y = Value(0.7), Value(-1.2)
    f = x**4 * y + (x * y).exp()
    (fx,) = grad(f, x, create_graph=True)
    (fxx, fxy) = grad(fx, [x, y], create_graph=True)
    (fxxx,) = grad(fxx, x)
    e = math.exp(0.7 * -1.2)
    assert math.isclose(fx.data, 4 * 0.7**3 * -1.2 + -1.2 * e, rel_tol=1e-14)
    assert math.isclose(fxx.data, 12 * 0.7**2 * -1.2 + 1.44 * e, rel_tol=1e-14)
    assert math.isclose(fxy.data, 4 * 0.7**3 + e + 0.7 * -1.2 * e, rel_tol=1e-14)
    assert math.isclose(fxxx, 24 * 0.7 * -1.2 + (-1.2) ** 3 * e, rel_tol=1e-14)


def test_a_constant_asked_for_as_an_input_is_differentiated():
    x = Value(2.0)
    y = x * 3.0
    c = y.operands[1]
    assert c.op == "const"
    z = y * y  # x^2 c^2
    (dc,) = grad(z, c, create_graph=True)  # 2 x^2 c
    assert dc.data == 24.0
    assert grad(dc, [c, x]) == (8.0, 24.0)  # 2 x^2, 4 x c


# --- hessian and hvp ------------------------------------------------------------------------


def test_hessian_entries_that_do_not_depend_on_an_input_are_zero():
    x, y, z = Value(2.0), Value(3.0), Value(5.0)
    h = hessian(x * y + z, [x, y, z])
    assert h == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert all(type(e) is float for row in h for e in row)
    unused = Value(1.0)
    assert hessian(x * x, [x, unused]) == [[2.0, 0.0], [0.0, 0.0]]


def test_hessian_with_create_graph_gives_values_to_differentiate_again():
    x, y = Value(0.3), Value(0.8)
    h = hessian((x * y).tanh(), [x, y], create_graph=True)
    assert all(isinstance(e, Value) for row in h for e in row)
    (third,) = grad(h[0][0], x)  # d3 tanh(xy) / dx3 = y^3 tanh'''(xy)
    t = math.tanh(0.24)
    assert math.isclose(third, 0.8**3 * (-2 + 8 * t * t - 6 * t**4), rel_tol=1e-12)


def test_hvp_is_the_hessian_times_the_vector():
    xs = [Value(v) for v in (0.3, -0.7, 1.1)]
    f = (xs[0] * xs[1]).sigmoid() + xs[2].exp() * xs[0] + xs[1] ** 3
    v = [0.5, -2.0, 1.5]
    h = hessian(f, xs)
    want = [sum(h[i][j] * v[j] for j in range(3)) for i in range(3)]
    got = hvp(f, xs, v)
    assert all(math.isclose(g, w, rel_tol=1e-13) for g, w in zip(got, want))
    assert all(isinstance(e, Value) for e in hvp(f, xs, v, create_graph=True))
    assert hvp(xs[0] + xs[1], xs, v) == [0.0, 0.0, 0.0]


def test_hessian_and_hvp_reject_bad_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="hessian: output must be a Value"):
        hessian(1.0, [x])
    with pytest.raises(TypeError, match=r"hessian: inputs\[1\] must be a Value"):
        hessian(x * x, [x, 2.0])
    with pytest.raises(ValueError, match="hvp: v has 2 entries for 1 inputs"):
        hvp(x * x, [x], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"hvp: v\[0\]"):
        hvp(x * x, [x], ["a"])


# --- gradgradcheck --------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPS)
def test_gradgradcheck_passes_on_every_operation(name):
    op = CATALOGUE[name]
    args = [(low + high) / 2 + 0.123 for low, high in op.domain]
    if op.arity == -1:
        args = [0.3, -0.2, 0.9]
    if name == "pow":
        assert gradgradcheck(lambda a: a ** args[1], args[:1])
    else:
        assert gradgradcheck(lambda *xs: _apply_through_value(name, list(xs)), args)


@given(recipes(max_inputs=3, max_steps=6))
def test_gradgradcheck_passes_on_random_expressions(recipe):
    assert gradgradcheck(lambda *xs: recipe.build(*xs), list(recipe.inputs), atol=1e-5,
                         rtol=1e-4)


def test_gradgradcheck_reports_the_inputs_both_values_and_the_tolerance():
    # x * relu(x) at the kink: the convention relu'' = 0 gives 0, differences straddle it and see 1
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda x: x * x.relu(), [0.0])
    message = str(info.value)
    assert message.startswith("gradgradcheck: the second derivative for inputs 0, 0")
    assert "x0 = 0.0" in message and "gives 0.0" in message and "give 1.0" in message
    assert "atol + rtol*|numeric| = 1e-05 + 0.001*1.0 = 0.00101" in message
    assert gradgradcheck(lambda x: x * x.relu(), [0.0], raise_exception=False) is False


def test_gradgradcheck_catches_a_wrong_second_derivative_and_names_both_inputs(monkeypatch):
    # a wrong derivative code for mul, on Values only: d(a*b)/da = b * b (first derivatives are
    # right at b = 1; the mixed partial is not)
    wrong = eval("lambda out, a, b: (b * b, a)")
    monkeypatch.setitem(autograd.higher._compiled, "mul", wrong)
    message = r"inputs 0, 1 \(d2/dx0dx1 at x0 = 2.0, x1 = 3.0\) disagrees: .* gives 6.0, "
    with pytest.raises(GradcheckError, match=message):
        gradgradcheck(lambda x, y: x * y, [2.0, 3.0])
    assert CATALOGUE["mul"].local_grads(6.0, 2.0, 3.0) == (3.0, 2.0)  # the float path is untouched


def test_gradgradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="gradgradcheck: f must be callable"):
        gradgradcheck(1.0, [1.0])
    with pytest.raises(ValueError, match="gradgradcheck: need eps > 0"):
        gradgradcheck(lambda x: x * x, [1.0], eps=0.0)
    with pytest.raises(TypeError, match="gradgradcheck: f must return a Value"):
        gradgradcheck(lambda x: 1.0, [1.0])


# --- backward(create_graph=True) and no_grad ------------------------------------------------


def test_backward_with_create_graph_fills_grad_with_floats_and_returns_values():
    def build():
        x, y = Value(0.4, label="x"), Value(-0.9, label="y")
        return x, y, (x * y + 2.0).sigmoid() * x + y.exp()

    x1, y1, f1 = build()
    assert f1.backward() is None
    x2, y2, f2 = build()
    got = f2.backward(create_graph=True)
    assert (x2.grad, y2.grad) == (x1.grad, y1.grad)
    assert set(got) == {x2, y2}  # leaves only, no constants
    assert got[x2].data == x2.grad and got[y2].data == y2.grad
    assert all(type(n.grad) is float for n in topo_order(f2))
    assert got[x2].backward() is None  # d/dx, d/dy of df/dx: accumulates on x2.grad, y2.grad
    assert x2.grad == x1.grad + hessian(f2, [x2, y2])[0][0]


def test_create_graph_records_inside_no_grad():
    x = Value(0.5)
    y = x.tanh() * x
    with autograd.no_grad():
        (g,) = grad(y, x, create_graph=True)
        h = hvp(y, [x], [1.0])
    assert not g.is_leaf
    assert h == hessian(y, [x])[0]


def test_draw_dot_draws_a_gradients_own_graph():
    pytest.importorskip("graphviz", reason="draw_dot returns a graphviz.Digraph")
    x = Value(0.5, label="x")
    y = (x * x).sigmoid()
    (g,) = grad(y, x, create_graph=True)
    dot = autograd.draw_dot(g)
    nodes = topo_order(g)
    assert y in nodes and x in nodes  # the derivative is built from the forward's own nodes
    assert len(nodes) > len(topo_order(y))
    assert "sigmoid" in dot.source and dot.source.count("->") >= len(nodes) - 1


# --- comparisons --------------------------------------------------------------------------


def test_values_compare_by_their_numbers_but_equal_only_themselves():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a <= 1 and a >= 1.0
    assert 0.5 < a and 3 > b and not (a > 1.0)
    assert not (Value(math.nan) < 1.0) and not (Value(math.nan) >= 1.0)
    twin = Value(1.0)
    assert a != twin and (a == twin) is False and a in {a} and len({a, twin}) == 2
    with pytest.raises(TypeError, match="'<' not supported"):
        a < "x"  # noqa: B015
    assert max([a, b]) is b


# --- memory: no reference cycles ----------------------------------------------------------


def _second_order_graph():
    x = Value(0.5)
    y = x
    for _ in range(100):
        y = (y * 1.5).sigmoid() + x.exp() * y
    (g,) = grad(y, x, create_graph=True)
    (h,) = grad(g, x, create_graph=True)
    back = h.backward(create_graph=True)
    return x, h, back


def test_a_dropped_higher_order_graph_is_freed_at_once_without_the_cyclic_gc():
    gc.collect()
    gc.disable()
    try:
        x, h, back = _second_order_graph()
        refs = [weakref.ref(n) for n in topo_order(h)] + [weakref.ref(back[x])]
        refs += [weakref.ref(n) for n in topo_order(back[x])]
        assert len(refs) > 1000
        del x, h, back
        assert sum(ref() is not None for ref in refs) == 0
    finally:
        gc.enable()


def test_higher_order_graphs_form_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        x, h, back = _second_order_graph()
        hessian(h, [x], create_graph=True)
        hvp(h, [x], [2.0], create_graph=True)
        del x, h, back
        found = gc.collect()
        assert not [o for o in gc.garbage if isinstance(o, Value)]
        assert found == 0
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
