"""Second and third derivatives against PyTorch in float64, to 1e-12 relative:
`torch.autograd.grad(..., create_graph=True)` and `torch.autograd.functional.hessian`.

Every operation (second derivatives, and third for the smooth ones), random composites with
shared subexpressions, the worked example's 6x6 Hessian, and a Hessian-vector product of
micrograd's demo loss. Skipped only where torch is not installed (CI installs it).
"""

from __future__ import annotations

import ast
import math
from itertools import product
from pathlib import Path

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from autograd import CATALOGUE, Value, grad, hessian, hvp, topo_order
from nn.examples import worked_example as we
from tests.autograd.test_higher import _node
from tests.autograd.test_torch import REL, TORCH_LIB, TORCH_OPS, _close, _leaves
from tests.strategies import op_arguments, recipes

torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch==2.13.0")

# The operations whose derivative has no kink: their third derivatives are compared too.
SMOOTH = sorted(name for name, op in CATALOGUE.items() if not op.kinks)


def _torch_partials(out, inputs, order):
    """Every partial derivative of `out` up to `order`, flattened level by level (an output
    that does not require grad, or an input it does not use, gives 0)."""
    level, flat = [out], []
    for k in range(order):
        nxt = []
        for y in level:
            if not y.requires_grad:
                nxt.extend(torch.zeros((), dtype=torch.float64) for _ in inputs)
                continue
            gs = torch.autograd.grad(y, inputs, create_graph=k + 1 < order, retain_graph=True,
                                     allow_unused=True)
            nxt.extend(torch.zeros((), dtype=torch.float64) if g is None else g for g in gs)
        level = nxt
        flat.extend(g.detach().item() for g in nxt)
    return flat


def _our_partials(out, inputs, order):
    """The same, with autograd.grad(create_graph=True)."""
    level, flat = [out], []
    for k in range(order):
        nxt = []
        for y in level:
            gs = grad(y, inputs, allow_unused=True, create_graph=k + 1 < order)
            nxt.extend(Value(0.0) if g is None else g if isinstance(g, Value) else Value(g)
                       for g in gs)
        level = nxt
        flat.extend(g.data for g in nxt)
    return flat


def _torch_node(name, args):
    theirs = _leaves(args)
    if name == "pow":
        return TORCH_OPS[name](*theirs), theirs[:1]
    return TORCH_OPS[name](*theirs), theirs


def _torch_masks_vpow(name, args, order):
    # torch.pow's backward masks the base's derivative where the exponent is 0
    # (where(b == 0, 0, b * a**(b-1))), and its derivatives meet the exponents b - 1, b - 2, ...
    # so at an integer b in [0, order - 1] it drops terms in b: at b = 0, d/db d/da is 0 and its
    # Hessian is not symmetric. Ours keeps them (1/a both ways at b = 0), as finite differences
    # and the formulas do (test_higher.py).
    return name == "vpow" and args[1] in [float(k) for k in range(order)]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@given(data=st.data())
def test_every_operations_higher_derivatives_match_torch(name, data):
    args = data.draw(op_arguments(CATALOGUE[name]), label="args")
    order = 3 if name in SMOOTH else 2
    if _torch_masks_vpow(name, args, order):
        args = (args[0], args[1] + 0.5)
    out, inputs = _node(name, args)
    t_out, t_inputs = _torch_node(name, args)
    ours, theirs = _our_partials(out, inputs, order), _torch_partials(t_out, t_inputs, order)
    assert len(ours) == len(theirs) == sum(len(inputs) ** k for k in range(1, order + 1))
    for k, (a, b) in enumerate(zip(ours, theirs)):
        note(f"partial {k}: ours {a!r}, torch {b!r}")
        assert _close(a, b), (k, a, b)


def test_the_kinks_second_derivatives_are_torchs_zero():
    for name in ("relu", "abs"):
        for at in (-1.0, 0.0, 1.0):
            out, inputs = _node(name, (at,))
            t_out, t_inputs = _torch_node(name, (at,))
            assert _our_partials(out, inputs, 2) == _torch_partials(t_out, t_inputs, 2)


def _torch_hessian(recipe):
    def f(x):
        return recipe.build(*x.unbind(), lib=TORCH_LIB)

    x = torch.tensor(recipe.inputs, dtype=torch.float64)
    return torch.autograd.functional.hessian(f, x).tolist()


def _torch_drops_terms(out: Value, order: int) -> bool:
    """A `vpow` whose exponent is an integer in [0, order - 1]: there torch's pow drops terms in
    the exponent (see above), so torch is no reference; finite differences still are."""
    return any(n.op == "vpow" and n.operands[1].data in range(order) for n in topo_order(out))


@given(recipes())
def test_random_expressions_hessians_match_torch(recipe):
    xs = [Value(x) for x in recipe.inputs]
    out = recipe.build(*xs)
    assume(not _torch_drops_terms(out, 2))
    ours = hessian(out, xs)
    theirs = _torch_hessian(recipe)
    for i, j in product(range(len(xs)), repeat=2):
        assert _close(ours[i][j], theirs[i][j]), (i, j, ours[i][j], theirs[i][j])


@given(recipes(max_inputs=3, max_steps=6))
def test_random_expressions_third_derivatives_match_torch(recipe):
    xs = [Value(x) for x in recipe.inputs]
    out = recipe.build(*xs)
    assume(not _torch_drops_terms(out, 3))
    ours = _our_partials(out, xs, 3)
    t_xs = _leaves(recipe.inputs)
    theirs = _torch_partials(recipe.build(*t_xs, lib=TORCH_LIB), t_xs, 3)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert math.isclose(a, b, rel_tol=REL, abs_tol=1e-13), (k, a, b)


# --- the worked example: E as a function of the six weights ---------------------------------


def _torch_error(w):
    w13, w23, w14, w24, w35, w45 = w.unbind()
    y3 = torch.sigmoid(w13 * we.X1 + w23 * we.X2)
    y4 = torch.sigmoid(w14 * we.X1 + w24 * we.X2)
    yp = torch.sigmoid(w35 * y3 + w45 * y4)
    return 0.5 * (yp - we.YA) ** 2


def test_the_worked_examples_hessian_matches_torch():
    g = we.forward(we.START)
    weights = list(g.weights.values())
    assert list(g.weights) == ["w13", "w23", "w14", "w24", "w35", "w45"]
    ours = hessian(g.error, weights)
    w = torch.tensor([we.START[name] for name in g.weights], dtype=torch.float64)
    theirs = torch.autograd.functional.hessian(_torch_error, w).tolist()
    for i, j in product(range(6), repeat=2):
        assert _close(ours[i][j], theirs[i][j]), (i, j, ours[i][j], theirs[i][j])
    assert all(ours[i][j] == ours[j][i] or _close(ours[i][j], ours[j][i])
               for i, j in product(range(6), repeat=2))
    assert all(ours[i][i] != 0.0 for i in range(6))


# --- micrograd's demo loss: a Hessian-vector product ----------------------------------------


def _bench_loss_builders():
    """bench/engine.py's data, weights and loss, read from the file without running its module
    code (which raises the recursion limit, for micrograd's recursive walk)."""
    path = Path(__file__).resolve().parents[2] / "bench" / "engine.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keep = [node for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name in
            ("make_data", "make_weights", "build_loss")
            or isinstance(node, ast.Assign) and "N_POINTS" in ast.unparse(node)]
    namespace = {"random": __import__("random")}
    exec(compile(ast.Module(keep, []), str(path), "exec"), namespace)  # noqa: S102
    return namespace


def test_micrograds_demo_loss_hessian_vector_product_matches_torch():
    bench = _bench_loss_builders()
    xs, ys = bench["make_data"]()
    weights = bench["make_weights"]()
    params = []
    loss = bench["build_loss"](Value, weights, xs, ys, lambda z: z.relu(), params)
    v = [math.sin(1.0 + i) for i in range(len(params))]  # a fixed, dense direction
    ours = hvp(loss, params, v)

    t_params = []
    t_loss = bench["build_loss"](
        lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True), weights, xs, ys,
        torch.relu, t_params)
    assert len(t_params) == len(params) == 337
    assert _close(loss.data, t_loss.item())
    gs = torch.autograd.grad(t_loss, t_params, create_graph=True)
    dot = sum(g * vi for g, vi in zip(gs, v))
    theirs = [float(h) for h in torch.autograd.grad(dot, t_params)]
    assert any(h != 0.0 for h in ours)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert _close(a, b), (i, a, b)
