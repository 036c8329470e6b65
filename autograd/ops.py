"""The catalogue: every operation once, its value and its local derivatives side by side.

Each entry is plain functions of floats, testable on their own:

    forward(a, b)            -> the value of the operation
    local_grads(out, a, b)   -> (d out/d a, d out/d b), given the value `out` already computed

The chain rule then needs one multiplication per operand: operand.grad += local_grad * upstream.
`Value` turns these entries into operators and methods; the tests, the graph pictures and
`explain` read the same entries. This module imports nothing else of chainrule's.

Non-finite numbers follow IEEE 754, as in PyTorch: an overflow gives inf (never OverflowError),
NaN propagates. Run under `autograd.detect_anomaly()` to make any non-finite value an error that
names the operation. A true domain error (log of 0, a negative base to a fractional power,
division by zero) is always an error, never a NaN or a complex number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Op", "DomainError", "CATALOGUE", "CONST"]

inf = math.inf
nan = math.nan


class DomainError(ValueError):
    """An operation was asked for a value outside its domain (log(-1), (-8) ** 0.5, ...)."""


@dataclass(frozen=True, eq=False)
class Op:
    """One operation: what it computes, its local derivatives, and what a test needs to know.

    arity        number of operands; -1 for any number (sum, logsumexp)
    symbol       how pictures and explanations write it ("*", "exp", ...)
    formula      the local derivatives in words, for the docs and for `explain`
    domain       per operand, the (low, high) interval tests draw from
    kinks        points where the derivative jumps; finite differences must stay clear of them
    bad_inputs   operands outside the domain, each with the exception it must raise
    """

    name: str
    arity: int
    symbol: str
    forward: Callable[..., float]
    local_grads: Callable[..., tuple[float, ...]]
    formula: str
    domain: tuple[tuple[float, float], ...] = ()
    kinks: tuple[float, ...] = ()
    bad_inputs: tuple[tuple[tuple[float, ...], type], ...] = field(default=())

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _fmt(x: float) -> str:
    return repr(float(x))


# --- binary -------------------------------------------------------------------------------


def add(a: float, b: float) -> float:
    return a + b


def add_back(out: float, a: float, b: float) -> tuple[float, float]:
    return 1.0, 1.0


def sub(a: float, b: float) -> float:
    return a - b


def sub_back(out: float, a: float, b: float) -> tuple[float, float]:
    return 1.0, -1.0


def mul(a: float, b: float) -> float:
    return a * b


def mul_back(out: float, a: float, b: float) -> tuple[float, float]:
    return b, a


def div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: cannot divide {_fmt(a)} by zero ({_fmt(a)} / {_fmt(b)})")
    return a / b


def div_back(out: float, a: float, b: float) -> tuple[float, float]:
    # d(a/b)/db = -a/b**2 = -out/b
    return 1.0 / b, -out / b


def _power(name: str, a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"{name}: 0.0 ** {_fmt(b)} divides by zero (a negative power of 0)")
    if a < 0.0 and b != math.floor(b) and math.isfinite(b):
        raise DomainError(
            f"{name}: {_fmt(a)} ** {_fmt(b)} has no real value (a negative base needs an "
            f"integer exponent)"
        )
    try:
        return a**b
    except OverflowError:
        # IEEE 754 would give +-inf; so do we (the sign is that of a**b for an integer b).
        return -inf if (a < 0.0 and b % 2.0 == 1.0) else inf


def pow_(a: float, b: float) -> float:
    return _power("pow", a, b)


def _dpow_dbase(a: float, b: float) -> float:
    # b * a**(b-1); at a == 0 with b < 1 the slope is infinite (sqrt at 0), not an error.
    if b == 0.0:
        return 0.0
    if a == 0.0 and b < 1.0:
        return inf
    return b * _power("pow", a, b - 1.0)


def pow_back(out: float, a: float, b: float) -> tuple[float, float]:
    # The exponent is a constant (x ** 2): no gradient flows to it, as torch.pow(Tensor, Scalar).
    return _dpow_dbase(a, b), 0.0


def vpow(a: float, b: float) -> float:
    return _power("vpow", a, b)


def vpow_back(out: float, a: float, b: float) -> tuple[float, float]:
    # d(a**b)/db = a**b * log(a): defined for a > 0; 0 at a == 0 (b > 0); none for a < 0.
    if a > 0.0:
        dexp = out * math.log(a)
    elif a == 0.0:
        dexp = 0.0
    else:
        dexp = nan  # a < 0: a**b exists only at integer b, so no derivative in b (as PyTorch)
    return _dpow_dbase(a, b), dexp


# --- unary --------------------------------------------------------------------------------


def neg(a: float) -> float:
    return -a


def neg_back(out: float, a: float) -> tuple[float]:
    return (-1.0,)


def exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return inf


def exp_back(out: float, a: float) -> tuple[float]:
    return (out,)


def log(a: float) -> float:
    if a <= 0.0:
        raise DomainError(f"log: log({_fmt(a)}) is undefined; log needs a value > 0")
    return math.log(a)


def log_back(out: float, a: float) -> tuple[float]:
    return (1.0 / a,)


def tanh(a: float) -> float:
    return math.tanh(a)


def tanh_back(out: float, a: float) -> tuple[float]:
    return (1.0 - out * out,)


def sigmoid(a: float) -> float:
    # Two forms so exp never overflows: for a >= 0, 1/(1+e^-a); for a < 0, e^a/(1+e^a).
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid_back(out: float, a: float) -> tuple[float]:
    return (out * (1.0 - out),)


def relu(a: float) -> float:
    return a if a > 0.0 else 0.0


def relu_back(out: float, a: float) -> tuple[float]:
    return (1.0 if a > 0.0 else 0.0,)  # 0 at the kink, as PyTorch


def sqrt(a: float) -> float:
    if a < 0.0:
        raise DomainError(f"sqrt: sqrt({_fmt(a)}) has no real value; sqrt needs a value >= 0")
    return math.sqrt(a)


def sqrt_back(out: float, a: float) -> tuple[float]:
    return (0.5 / out if out > 0.0 else inf,)


def abs_(a: float) -> float:
    return abs(a)


def abs_back(out: float, a: float) -> tuple[float]:
    return (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0,)  # sign(a); 0 at the kink


def softplus(a: float) -> float:
    # log(1 + e^a), written so neither exp nor log1p overflows.
    return (a if a > 0.0 else 0.0) + math.log1p(math.exp(-abs(a)))


def softplus_back(out: float, a: float) -> tuple[float]:
    return (sigmoid(a),)


# --- any number of operands ---------------------------------------------------------------


def sum_(*xs: float) -> float:
    total = 0.0
    for x in xs:  # left to right, always: the same order gives the same bits
        total += x
    return total


def sum_back(out: float, *xs: float) -> tuple[float, ...]:
    return (1.0,) * len(xs)


def logsumexp(*xs: float) -> float:
    if not xs:
        raise ValueError("logsumexp: needs at least one value")
    # Shift by the largest, m: log(sum e^x) = m + log1p(sum over the others of e^(x - m)).
    top = xs.index(max(xs))
    m = xs[top]
    if math.isinf(m):
        return m
    return m + math.log1p(sum_(*[math.exp(x - m) for i, x in enumerate(xs) if i != top]))


def logsumexp_back(out: float, *xs: float) -> tuple[float, ...]:
    # d/dx_i log(sum e^x) = e^x_i / sum e^x = softmax_i
    return tuple(math.exp(x - out) for x in xs)


def const() -> float:  # pragma: no cover - constants are made, not computed
    raise TypeError("const has no forward: it is a number lifted into the graph")


def const_back(out: float) -> tuple[()]:
    return ()


# --- the catalogue ------------------------------------------------------------------------

_WIDE = (-50.0, 50.0)
_POS = (1e-3, 50.0)

CONST = Op("const", 0, "const", const, const_back, "a number lifted into the graph; a leaf")

CATALOGUE: dict[str, Op] = {
    op.name: op
    for op in [
        Op("add", 2, "+", add, add_back, "d(a+b)/da = 1, d(a+b)/db = 1", (_WIDE, _WIDE)),
        Op("sub", 2, "-", sub, sub_back, "d(a-b)/da = 1, d(a-b)/db = -1", (_WIDE, _WIDE)),
        Op("mul", 2, "*", mul, mul_back, "d(a*b)/da = b, d(a*b)/db = a", (_WIDE, _WIDE)),
        Op("div", 2, "/", div, div_back, "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2",
           (_WIDE, (0.1, 50.0)), bad_inputs=(((1.0, 0.0), ZeroDivisionError),)),
        Op("pow", 2, "**", pow_, pow_back,
           "d(a^c)/da = c*a^(c-1); c is a constant number, not differentiated",
           ((0.1, 5.0), (-3.0, 3.0)),
           bad_inputs=(((-8.0, 0.5), DomainError), ((0.0, -1.0), ZeroDivisionError))),
        Op("vpow", 2, "**", vpow, vpow_back,
           "d(a^b)/da = b*a^(b-1), d(a^b)/db = a^b*ln(a); both operands are Values",
           ((0.1, 5.0), (-3.0, 3.0)),
           bad_inputs=(((-8.0, 0.5), DomainError), ((0.0, -1.0), ZeroDivisionError))),
        Op("neg", 1, "-", neg, neg_back, "d(-a)/da = -1", (_WIDE,)),
        Op("exp", 1, "exp", exp, exp_back, "d(e^a)/da = e^a", ((-30.0, 30.0),)),
        Op("log", 1, "log", log, log_back, "d(ln a)/da = 1/a", (_POS,),
           bad_inputs=(((0.0,), DomainError), ((-1.0,), DomainError))),
        Op("tanh", 1, "tanh", tanh, tanh_back, "d(tanh a)/da = 1 - tanh(a)^2", ((-10.0, 10.0),)),
        Op("sigmoid", 1, "sigmoid", sigmoid, sigmoid_back, "d(s(a))/da = s(a)*(1 - s(a))",
           ((-30.0, 30.0),)),
        Op("relu", 1, "relu", relu, relu_back, "d(relu a)/da = 1 if a > 0 else 0", (_WIDE,),
           kinks=(0.0,)),
        Op("sqrt", 1, "sqrt", sqrt, sqrt_back, "d(sqrt a)/da = 1/(2*sqrt(a))", (_POS,),
           bad_inputs=(((-1.0,), DomainError),)),
        Op("abs", 1, "abs", abs_, abs_back, "d|a|/da = sign(a)", (_WIDE,), kinks=(0.0,)),
        Op("softplus", 1, "softplus", softplus, softplus_back,
           "d ln(1+e^a)/da = sigmoid(a)", (_WIDE,)),
        Op("sum", -1, "sum", sum_, sum_back, "d(a1+...+an)/dai = 1", (_WIDE,)),
        Op("logsumexp", -1, "logsumexp", logsumexp, logsumexp_back,
           "d ln(sum e^ai)/dai = e^ai / sum e^aj (softmax)", ((-30.0, 30.0),)),
    ]
}


def catalogue_table() -> str:
    """The catalogue as a Markdown table: the docs page docs/operations.md is this, verbatim."""
    rows = [
        "| operation | operands | written | local derivatives | domain errors |",
        "|---|---|---|---|---|",
    ]
    for op in CATALOGUE.values():
        arity = "any number" if op.arity == -1 else str(op.arity)
        errors = ", ".join(
            f"`{op.name}{tuple(args)}` → {error.__name__}" for args, error in op.bad_inputs
        )
        rows.append(f"| `{op.name}` | {arity} | `{op.symbol}` | {op.formula} | {errors or '-'} |")
    return "\n".join(rows) + "\n"
