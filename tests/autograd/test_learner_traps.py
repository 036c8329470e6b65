"""Issue 24, item 10: what a learner's first code meets, as PyTorch does it.

`if v:` tests the number (as `bool` of a 0-d tensor), gradcheck takes one point as a numpy
scalar, and the derivatives of x**0.5 at 0 are infinite at every order, with PyTorch's signs.
Each failed on a7b7a6a.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value, grad, gradcheck, gradgradcheck

NUMBERS = [0.0, -0.0, 1.0, -2.5, 1e-300, -1e-320, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("x", NUMBERS)
def test_bool_of_a_value_is_bool_of_its_number(x):
    """On a7b7a6a bool(Value(0.0)) was True, so `if v:` was always taken."""
    assert bool(Value(x)) is (x != 0.0)
    assert bool(Value(x) * 1.0) is (x * 1.0 != 0.0)  # an operation's result too
    taken = "yes" if Value(x) else "no"
    assert taken == ("no" if x == 0.0 else "yes")


@pytest.mark.parametrize("x", NUMBERS)
def test_bool_matches_a_0d_tensor(x):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch")
    assert bool(Value(x)) is bool(torch.tensor(x, dtype=torch.float64))


@pytest.mark.parametrize("point", [np.int64(1), np.int32(2), np.float32(1.5), np.float64(0.5),
                                   np.array(2.0), np.array(3)])
def test_gradcheck_takes_one_point_as_a_numpy_scalar(point):
    """On a7b7a6a gradcheck(f, np.int64(1)) raised "'numpy.int64' object is not iterable"."""
    assert gradcheck(lambda x: x * x.exp(), point)
    assert gradgradcheck(lambda x: x * x * x, point)
    assert gradcheck(lambda x, y: x * y, np.array([1.0, 2.0]))  # a 1-d array: two inputs


def test_the_derivatives_of_sqrt_at_zero_are_infinite_at_every_order():
    """x**0.5 at 0: +inf, -inf, +inf, -inf for the first four derivatives, as PyTorch. On
    a7b7a6a the second derivative was a constant, so the third raised "not used"."""
    x = Value(0.0)
    g, seen = x**0.5, []
    for _ in range(4):
        (g,) = grad(g, x, create_graph=True)
        seen.append(g.data)
    assert seen == [math.inf, -math.inf, math.inf, -math.inf]


@pytest.mark.parametrize("exponent", [0.5, 0.25, 0.75, 1 / 3])
def test_the_derivatives_of_a_fractional_power_at_zero_match_pytorch(exponent):
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install torch")
    x = Value(0.0)
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    ours, theirs = x**exponent, t**exponent
    for order in range(1, 5):
        (ours,) = grad(ours, x, create_graph=True)
        (theirs,) = torch.autograd.grad(theirs, t, create_graph=True)
        assert ours.data == theirs.item(), (order, ours.data, theirs.item())
