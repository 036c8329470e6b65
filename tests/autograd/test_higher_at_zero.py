"""Second derivatives where the first is infinite: sqrt and a ** c (0 < c < 1) at 0.

The slope there is inf and falls at the rate -inf (the limit of -0.5/x^1.5 for sqrt), as
PyTorch says; a local derivative written as the bare number inf recorded nothing, so the
second derivative came out 0.0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value, compile, grad, hessian

CASES = {
    "sqrt": lambda x: x.sqrt(),
    "x ** 0.5": lambda x: x**0.5,
    "x ** 0.3": lambda x: x**0.3,
    "x ** Value(0.5)": lambda x: x ** Value(0.5),
}


@pytest.mark.parametrize("name", CASES)
def test_the_second_derivative_at_zero_is_minus_inf(name):
    x = Value(0.0)
    (g,) = grad(CASES[name](x), x, create_graph=True)
    (h,) = grad(g, x)
    assert (g.data, h) == (math.inf, -math.inf)
    assert hessian(CASES[name](x), [x]) == [[-math.inf]]


def test_sqrt_third_derivative_at_zero_and_the_usual_values_elsewhere():
    x = Value(0.0)
    (g,) = grad(x.sqrt(), x, create_graph=True)
    (h,) = grad(g, x, create_graph=True)
    assert grad(h, x) == (math.inf,)  # 3/8 x^-2.5
    x = Value(4.0)
    (g,) = grad(x.sqrt(), x, create_graph=True)
    assert (g.data, grad(g, x)) == (0.25, (-0.03125,))


@pytest.mark.parametrize("name", CASES)
def test_as_pytorch_says(name):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    fn = {"sqrt": torch.sqrt, "x ** 0.5": lambda t: t**0.5, "x ** 0.3": lambda t: t**0.3,
          "x ** Value(0.5)": lambda t: t ** torch.tensor(0.5, dtype=torch.float64)}[name]
    (tg,) = torch.autograd.grad(fn(t), t, create_graph=True)
    (th,) = torch.autograd.grad(tg, t)
    x = Value(0.0)
    (g,) = grad(CASES[name](x), x, create_graph=True)
    assert (g.data, grad(g, x)[0]) == (tg.item(), th.item())


def test_the_compiled_and_batched_first_derivative_at_zero_is_still_inf():
    x = Value(0.0, label="x")
    compiled = compile(x.sqrt(), [x])
    assert compiled(0.0) == (0.0, (math.inf,))
    _, (g,) = compiled.batched(np.array([0.0, 4.0]))
    assert list(g) == [math.inf, 0.25]
