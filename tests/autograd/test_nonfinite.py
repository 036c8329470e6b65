"""NaN and +-inf, op by op from the catalogue: the scalar engine, nn.matrix and PyTorch agree.

PyTorch's promise is the anchor: a non-finite number propagates (value and gradient) until you
ask to stop on it. Every operation of the catalogue is evaluated, with its gradients, on inputs
that hold NaN or an infinity (and, for the kinks of relu and abs, on +-0.0), and compared with
torch float64. Where the catalogue calls an input a domain error (log(-inf), x / 0, ...) the
engine raises instead of returning NaN or inf; there PyTorch must give a non-finite value.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import autograd
from autograd import CATALOGUE, DomainError, Value
from nn import matrix

torch = pytest.importorskip("torch", reason="the comparison is with PyTorch (pip install torch)")

nan, inf = math.nan, math.inf
SPECIAL = (nan, inf, -inf)
ORDINARY = (0.0, -0.0, 0.5, 2.0, -3.0)

# How each catalogue entry is written on Values and on tensors. A new operation without a line
# here fails test_every_operation_is_covered: it must be held to PyTorch too.
ON_VALUES = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": None,  # the exponent is a plain number: see CONSTANT_EXPONENT
    "vpow": lambda a, b: a ** b,
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "sqrt": lambda a: a.sqrt(),
    "abs": lambda a: abs(a),
    "softplus": lambda a: a.softplus(),
    "sum": lambda *xs: autograd.sum(xs),
    "logsumexp": lambda *xs: autograd.logsumexp(xs),
}
ON_TENSORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, c: torch.pow(a, c),
    "vpow": lambda a, b: torch.pow(a, b),
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "softplus": torch.nn.functional.softplus,  # only non-finite inputs here: the switch to x
                                                # past its threshold (20) changes nothing
    "sum": lambda *xs: torch.stack(xs).sum(),
    "logsumexp": lambda *xs: torch.logsumexp(torch.stack(xs), dim=0),
}
CONSTANT_EXPONENT = (nan, inf, -inf, 0.0, 0.5, 2.0, 3.0, -1.0)


def same(ours: float, theirs: float) -> bool:
    """Equal as IEEE numbers up to rounding: NaN matches NaN, inf its own sign; the sign of a
    zero is not compared (PyTorch's kernels and libm disagree on some -0.0)."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-300)


def cases(op_name: str) -> list[tuple[float, ...]]:
    """Inputs holding at least one non-finite number (for relu and abs also +-0.0, the kink)."""
    op = CATALOGUE[op_name]
    if op.arity == 1:
        extra = (0.0, -0.0, 1.0, -1.0) if op.kinks else ()
        return [(x,) for x in SPECIAL + extra]
    if op_name == "pow":
        return [(a, c) for a in SPECIAL + ORDINARY for c in CONSTANT_EXPONENT
                if not (math.isfinite(a) and math.isfinite(c))]
    width = 2 if op.arity == 2 else 3
    pool = SPECIAL + ORDINARY[:3]
    return [xs for xs in itertools.product(pool, repeat=width)
            if not all(math.isfinite(x) for x in xs)]


def ours(op_name: str, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    if op_name == "pow":
        a = Value(xs[0])
        out = a ** xs[1]
        out.backward()
        return out.data, [a.grad]
    leaves = [Value(x) for x in xs]
    out = ON_VALUES[op_name](*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def theirs(op_name: str, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    if op_name == "pow":
        a = torch.tensor(xs[0], dtype=torch.float64, requires_grad=True)
        out = ON_TENSORS["pow"](a, xs[1])
        out.backward()
        return out.item(), [a.grad.item()]
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = ON_TENSORS[op_name](*leaves)
    out.backward()
    return out.item(), [leaf.grad.item() for leaf in leaves]


def test_every_operation_is_covered():
    assert set(ON_VALUES) == set(CATALOGUE) == set(ON_TENSORS)


@pytest.mark.parametrize("op_name", sorted(CATALOGUE))
def test_values_and_gradients_match_pytorch(op_name):
    checked = refused = 0
    for xs in cases(op_name):
        expected = theirs(op_name, xs)
        try:
            got = ours(op_name, xs)
        except (DomainError, ZeroDivisionError):
            # A domain error of the catalogue: we raise where PyTorch gives NaN or inf.
            assert not math.isfinite(expected[0]), (op_name, xs, expected)
            refused += 1
            continue
        where = f"{op_name}{xs}: ours {got}, PyTorch {expected}"
        assert same(got[0], expected[0]), "value of " + where
        assert len(got[1]) == len(expected[1])
        for g, t in zip(got[1], expected[1]):
            assert same(g, t), "gradient of " + where
        checked += 1
    assert checked > 0, f"{op_name}: every case was a domain error; nothing compared"


@pytest.mark.parametrize("x", [nan, inf, -inf, 0.0, -0.0])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_matrix_activations_agree_with_the_engine(name, x):
    """nn.matrix writes sigma and sigma' itself (from the output a): the same numbers as the
    catalogue's entries, NaN and the infinities included."""
    v = Value(x)
    out = getattr(v, name)()
    out.backward()
    a = matrix.activate(name, np.array([[x]]))
    slope = matrix.activation_derivative(name, a)
    assert same(float(a[0, 0]), out.data), (name, x, a, out)
    assert same(float(slope[0, 0]), v.grad), (name, x, slope, v.grad)


def test_relu_lets_nan_through_as_pytorch():
    v = Value(nan)
    out = v.relu()
    out.backward()
    assert math.isnan(out.data) and v.grad == 1.0  # torch.relu: nan, gradient 1
    assert math.copysign(1.0, Value(-0.0).relu().data) == -1.0  # torch.relu(-0.0) is -0.0
    assert Value(-inf).relu().data == 0.0 and Value(inf).relu().data == inf


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_a_nan_input_reaches_the_same_gradients_in_both_engines(activation):
    """A network fed a row holding NaN: nn.matrix's BP1-BP4 and the scalar engine's backward()
    put NaN in the same weight gradients and agree on the others."""
    net = matrix.MatrixMLP([2, 3, 1], activation, init="torch", seed=1)
    X = np.array([[nan, 0.5]])
    Y = np.array([[1.0]])
    grads = net.backward(X, Y, "mse")
    mlp = net.to_mlp()
    out = mlp([nan, 0.5])
    loss = (out[0] - 1.0) ** 2
    loss.backward()
    assert math.isnan(loss.data) and math.isnan(grads.loss)
    for l, layer in enumerate(mlp.layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                assert same(w.grad, float(grads.weights[l][k, j])), (l, j, k)
            assert same(neuron.b.grad, float(grads.biases[l][j])), (l, j)
