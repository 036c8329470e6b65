"""gradcheck: does backward() agree with central finite differences?"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from .backward import grad, no_grad
from .value import Value, _as_float

__all__ = ["gradcheck", "numerical_grad", "GradcheckError"]


class GradcheckError(RuntimeError):
    """backward() and finite differences disagree (as `torch.autograd.gradcheck`'s error)."""


def numerical_grad(f: Callable[..., Value], inputs: Sequence[float], i: int, eps: float) -> float:
    """(f(x + eps) - f(x - eps)) / (2 eps) in input i: the chain rule's independent witness."""
    def at(shift: float) -> float:
        args = [Value(x) for x in inputs]
        args[i] = Value(inputs[i] + shift)
        with no_grad():
            out = f(*args)
        return out.data if isinstance(out, Value) else float(out)

    return (at(eps) - at(-eps)) / (2.0 * eps)


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check `backward()` against central differences for a function of floats.

    `f` takes one Value per input and returns a Value. Passes when, for every input,
    |analytic - numeric| <= atol + rtol * |numeric|. Otherwise raises `GradcheckError` naming the
    input, both values and the tolerance (or returns False with `raise_exception=False`).
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if isinstance(inputs, (int, float)):
        inputs = [inputs]
    xs = [_as_float(x, f"gradcheck: inputs[{i}]") for i, x in enumerate(inputs)]
    if eps <= 0.0 or atol < 0.0 or rtol < 0.0:
        raise ValueError(
            f"gradcheck: need eps > 0, atol >= 0, rtol >= 0; got {eps}, {atol}, {rtol}"
        )
    args = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytic = grad(out, args, allow_unused=True)
    for i, x in enumerate(xs):
        a = analytic[i] or 0.0  # None: f does not use this input
        n = numerical_grad(f, xs, i, eps)
        tolerance = atol + rtol * abs(n)
        if not (abs(a - n) <= tolerance) or math.isnan(a) != math.isnan(n):
            if not raise_exception:
                return False
            raise GradcheckError(
                f"gradcheck: the gradient for input {i} (x{i} = {x!r}) disagrees: backward() "
                f"gives {a!r}, central differences (eps={eps}) give {n!r}; the difference "
                f"{abs(a - n)!r} exceeds atol + rtol*|numeric| = {atol} + {rtol}*{abs(n)!r} = "
                f"{tolerance!r}"
            )
    return True
