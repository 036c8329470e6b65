"""Every operation and random composite against PyTorch in float64, to 1e-12 relative.

Skipped only where torch is not installed (CI installs it: `pip install torch==2.13.0`).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import CATALOGUE, Value
from tests.autograd.test_ops import _apply_through_value
from tests.strategies import op_arguments, recipes

torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch==2.13.0")

REL, ABS = 1e-12, 1e-13


def _stack(xs):
    return torch.stack(list(xs))


TORCH_LIB = {
    "softplus": lambda a: torch.logaddexp(a, torch.zeros_like(a)),  # F.softplus cuts off at 20
    "sum": lambda xs: _stack(xs).sum(),
    "logsumexp": lambda xs: torch.logsumexp(_stack(xs), 0),
    "mean": lambda xs: _stack(xs).mean(),
}

TORCH_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b.item(),  # a number exponent: torch.pow(Tensor, Scalar)
    "vpow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "softplus": TORCH_LIB["softplus"],
    "sum": lambda *xs: TORCH_LIB["sum"](xs),
    "logsumexp": lambda *xs: TORCH_LIB["logsumexp"](xs),
}


def _leaves(args):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]


def _close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=ABS)


def test_every_operation_has_a_torch_twin():
    assert set(TORCH_OPS) == set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@given(data=st.data())
def test_operation_matches_torch(name, data):
    args = data.draw(op_arguments(CATALOGUE[name]), label="args")
    ours = [Value(a) for a in args]
    out = _apply_through_value(name, ours)
    out.backward()
    theirs = _leaves(args)
    t_out = TORCH_OPS[name](*theirs)
    t_out.backward()
    assert _close(out.data, t_out.item()), (out.data, t_out.item())
    for i, (x, t) in enumerate(zip(ours, theirs)):
        if name == "pow" and i == 1:
            continue  # a constant exponent: torch takes it as a Python number, no gradient
        assert _close(x.grad, t.grad.item()), (i, x.grad, t.grad.item())


@given(recipes())
def test_random_expressions_match_torch(recipe):
    ours = [Value(x) for x in recipe.inputs]
    out = recipe.build(*ours)
    out.backward()
    theirs = _leaves(recipe.inputs)
    t_out = recipe.build(*theirs, lib=TORCH_LIB)
    t_out.backward()
    assert _close(out.data, t_out.item()), (out.data, t_out.item())
    for i, (x, t) in enumerate(zip(ours, theirs)):
        t_grad = 0.0 if t.grad is None else t.grad.item()
        assert _close(x.grad, t_grad), (i, x.grad, t_grad)
