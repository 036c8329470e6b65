"""Gradient checks: backward() and its second derivatives against central finite differences.

gradcheck: does backward() agree with central finite differences? gradgradcheck: do the
second derivatives agree with central differences of the first?
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from .backward import grad, no_grad
from .higher import hessian
from .value import Value, _as_float

__all__ = ["gradcheck", "gradgradcheck", "numerical_grad", "GradcheckError"]


class GradcheckError(RuntimeError):
    """backward() and finite differences disagree (as `torch.autograd.gradcheck`'s error).

    Its message names the input, both values and the tolerance.

    Examples:
        >>> from autograd import gradcheck
        >>> def wrong(x):
        ...     return x * x.detach()    # the detach hides half of d(x^2)/dx from backward()
        >>> gradcheck(wrong, [3.0])
        Traceback (most recent call last):
            ...
        autograd.check.GradcheckError: gradcheck: the gradient for input 0 (x0 = 3.0) disagrees: ...
    """


def numerical_grad(f: Callable[..., Value], inputs: Sequence[float], i: int, eps: float) -> float:
    """(f(x + eps) - f(x - eps)) / (2 eps) in input i: the chain rule's independent witness.

    Args:
        f: A function of one Value per input, returning a Value (or a number).
        inputs: The point, one float per input.
        i: Which input to move.
        eps: The step.

    Returns:
        The central difference, a float; f runs under `no_grad()`, so no graph is kept.

    Examples:
        >>> from autograd import numerical_grad
        >>> round(numerical_grad(lambda x, y: x * x * y, [3.0, 4.0], 0, 1e-6), 4)  # 2xy
        24.0
    """
    def at(shift: float) -> float:
        args = [Value(x) for x in inputs]
        args[i] = Value(inputs[i] + shift)
        with no_grad():
            out = f(*args)
        return out.data if isinstance(out, Value) else float(out)

    return (at(eps) - at(-eps)) / (2.0 * eps)


def _tolerances(name: str, eps: float, atol: float, rtol: float) -> None:
    """Eps a finite number > 0, atol and rtol finite numbers >= 0; else the error naming which.

    A NaN would fail every comparison, and so look like a wrong derivative.
    """
    for what, x, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        number = _as_float(x, f"{name}: {what}")
        if not math.isfinite(number) or number < 0.0 or (what == "eps" and number == 0.0):
            raise ValueError(f"{name}: need eps > 0, atol >= 0, rtol >= 0, all finite; got "
                             f"{what} = {x!r} (it must be a finite number {low})")


def _checked_call(
    name: str, f: Callable[..., Value], inputs: Sequence[float] | float, eps: float, atol: float,
    rtol: float,
) -> tuple[list[float], Value, list[Value]]:
    """The checks' arguments checked, and f called once on one Value per input."""
    if not callable(f):
        raise TypeError(f"{name}: f must be callable, got {type(f).__name__}")
    if isinstance(inputs, (int, float)):
        inputs = [inputs]
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            raise TypeError(
                f"{name}: inputs[{i}] is a Value ({x!r}); {name} takes the input numbers "
                f"as floats and makes the Values itself (pass {x.data!r}, i.e. its .data)"
            )
    xs = [_as_float(x, f"{name}: inputs[{i}]") for i, x in enumerate(inputs)]
    _tolerances(name, eps, atol, rtol)
    args = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"{name}: f must return a Value, got {type(out).__name__}")
    return xs, out, args


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

    Args:
        f: A function of one Value per input, returning a Value.
        inputs: The point, as numbers (one per input; a single number for one input).
        eps: The finite-difference step, > 0.
        atol: The absolute tolerance, >= 0.
        rtol: The relative tolerance, >= 0.
        raise_exception: Raise on a disagreement (True) or return False.

    Returns:
        True when every gradient agrees; False at the first one that does not, with
        `raise_exception=False`.

    Raises:
        GradcheckError: A gradient disagrees (and `raise_exception` is True).
        TypeError: `f` is not callable or does not return a Value, or an input is a Value or
            not a real number.
        ValueError: `eps`, `atol` or `rtol` is not finite, or negative (`eps` zero).

    Examples:
        >>> from autograd import gradcheck
        >>> gradcheck(lambda x, y: (x * y).tanh() + x.exp(), [0.5, -1.5])
        True
    """
    xs, out, args = _checked_call("gradcheck", f, inputs, eps, atol, rtol)
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


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives against central differences of the first.

    The second derivatives are `hessian`'s, i.e. `grad(..., create_graph=True)` applied twice;
    the differences are of `grad()` at x + eps and x - eps.
    As `gradcheck`: passes when every entry has |analytic - numeric| <= atol + rtol * |numeric|;
    otherwise raises `GradcheckError` naming both inputs, both values and the tolerance (or
    returns False with `raise_exception=False`).

    Args:
        f: A function of one Value per input, returning a Value.
        inputs: The point, as numbers (one per input; a single number for one input).
        eps: The finite-difference step, > 0.
        atol: The absolute tolerance, >= 0.
        rtol: The relative tolerance, >= 0.
        raise_exception: Raise on a disagreement (True) or return False.

    Returns:
        True when every second derivative agrees; False at the first one that does not, with
        `raise_exception=False`.

    Raises:
        GradcheckError: A second derivative disagrees (and `raise_exception` is True).
        TypeError: `f` is not callable or does not return a Value, or an input is a Value or
            not a real number.
        ValueError: `eps`, `atol` or `rtol` is not finite, or negative (`eps` zero).

    Examples:
        >>> from autograd import gradgradcheck
        >>> gradgradcheck(lambda x, y: x * x * y + y.sigmoid(), [0.5, -1.5])
        True
    """
    xs, out, args = _checked_call("gradgradcheck", f, inputs, eps, atol, rtol)
    analytic = hessian(out, args)

    def first(j: int, shift: float) -> list[float]:
        shifted = [Value(x, label=f"x{k}") for k, x in enumerate(xs)]
        shifted[j] = Value(xs[j] + shift, label=f"x{j}")
        out = f(*shifted)
        return [0.0 if g is None else g for g in grad(out, shifted, allow_unused=True)]

    for j in range(len(xs)):
        up, down = first(j, eps), first(j, -eps)
        for i in range(len(xs)):
            a, n = analytic[i][j], (up[i] - down[i]) / (2.0 * eps)
            tolerance = atol + rtol * abs(n)
            if not (abs(a - n) <= tolerance) or math.isnan(a) != math.isnan(n):
                if not raise_exception:
                    return False
                at = f"x{i} = {xs[i]!r}" + ("" if i == j else f", x{j} = {xs[j]!r}")
                raise GradcheckError(
                    f"gradgradcheck: the second derivative for inputs {i}, {j} (d2/dx{i}dx{j} at "
                    f"{at}) disagrees: grad(create_graph=True) "
                    f"twice gives {a!r}, central differences of grad() (eps={eps}) give {n!r}; "
                    f"the difference {abs(a - n)!r} exceeds atol + rtol*|numeric| = {atol} + "
                    f"{rtol}*{abs(n)!r} = {tolerance!r}"
                )
    return True
