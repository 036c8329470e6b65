"""Array versions of the catalogue's functions, for `Compiled.batched` (numpy, float64).

Each takes floats or 1-D arrays (one entry per sample) and computes, sample by sample, what the
float function of ops.py computes: the same formula, in the same order, with the same two-form
tricks (sigmoid, softplus, logsumexp). + - * / and sqrt are exact in IEEE 754, so they give the
eager engine's bits; exp, log, tanh, log1p are numpy's and may differ from `math` in the last
place. Where the float function raises (log of 0, division by zero, a negative base to a
fractional power), the array version finds the first bad sample and calls the float function on
it, so the error is the eager engine's own, with "(sample i of the batch)" added.

A user's op (define_op) is written with its conditionals lazy: `p if c else q` becomes
`where(c, lambda: p, lambda: q)` and `c and d` becomes `logical_and(c, lambda: d)`. Each branch
then runs for the samples that take it only (`_MASKS`: the samples a branch is evaluated for),
so a sample raises an error exactly where the float code, which evaluates one branch, raises.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops

Array = Any  # a float or a numpy float64 array


# The samples the branch being evaluated is taken for (innermost last, each within the one
# before); empty outside any lazy branch: every sample counts.
_MASKS: list[Array] = []


def _first_bad(bad: Array, fn: Callable[..., float], *args: Array) -> None:
    """Raise the float function's own error for the first sample where `bad` holds (among the
    samples the current branch is taken for)."""
    if _MASKS:
        bad = np.logical_and(bad, _MASKS[-1])
    if not np.any(bad):
        return
    shape = np.broadcast(bad, *[np.asarray(a) for a in args]).shape
    i = int(np.argmax(np.broadcast_to(bad, shape))) if shape else 0
    row = [float(np.broadcast_to(a, shape)[i]) if shape else float(a) for a in args]
    try:
        fn(*row)
    except (ValueError, ZeroDivisionError) as error:
        raise type(error)(f"{error} (sample {i} of the batch)") from None
    raise RuntimeError(f"{fn.__name__}: sample {i} was flagged bad but computes")  # a bug


def div(a: Array, b: Array) -> Array:
    _first_bad(np.equal(b, 0.0), ops.div, a, b)
    return np.divide(a, b)


def _power(fn: Callable[..., float], a: Array, b: Array) -> Array:
    bad = np.logical_or(
        np.logical_and(np.equal(a, 0.0), np.less(b, 0.0)),
        np.logical_and(np.less(a, 0.0),
                       np.logical_and(np.not_equal(b, np.floor(b)), np.isfinite(b))))
    _first_bad(bad, fn, a, b)
    with np.errstate(over="ignore"):
        return np.power(a, b)  # an overflow is +-inf, as the float version


def pow(a: Array, b: Array) -> Array:
    return _power(ops.pow_, a, b)


def vpow(a: Array, b: Array) -> Array:
    return _power(ops.vpow, a, b)


def exp(a: Array) -> Array:
    with np.errstate(over="ignore"):
        return np.exp(a)


def log(a: Array) -> Array:
    _first_bad(np.less_equal(a, 0.0), ops.log, a)
    return np.log(a)


def tanh(a: Array) -> Array:
    return np.tanh(a)


def sigmoid(a: Array) -> Array:
    # ops.sigmoid's two forms, both computed, each kept where the float version uses it.
    with np.errstate(over="ignore", invalid="ignore"):
        e_neg, e_pos = np.exp(np.negative(a)), np.exp(a)
        return np.where(np.greater_equal(a, 0.0), 1.0 / (1.0 + e_neg), e_pos / (1.0 + e_pos))


def relu(a: Array) -> Array:
    return np.where(np.less(a, 0.0), 0.0, a)  # as ops.relu: NaN and -0.0 pass through


def sqrt(a: Array) -> Array:
    _first_bad(np.less(a, 0.0), ops.sqrt, a)
    return np.sqrt(a)


def abs(a: Array) -> Array:
    return np.abs(a)


def softplus(a: Array) -> Array:
    return np.where(np.greater(a, 0.0), a, 0.0) + np.log1p(np.exp(np.negative(np.abs(a))))


def sum(*xs: Array) -> Array:
    total: Array = 0.0
    for x in xs:  # left to right, as ops.sum_
        total = total + x
    return total


def logsumexp(*xs: Array) -> Array:
    if not xs:
        raise ValueError("logsumexp: needs at least one value")
    stack = np.stack(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs]))
    top = np.argmax(stack, axis=0)  # the first largest, as xs.index(max(xs))
    m = np.take_along_axis(stack, top[None], axis=0)[0]
    total: Array = 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        for i in range(len(xs)):  # the others, in order; the top one adds an exact 0.0
            total = total + np.where(top == i, 0.0, np.exp(stack[i] - m))
        return np.where(np.isinf(m), m, m + np.log1p(total))


def dpow_dbase(a: Array, b: Array) -> Array:
    with np.errstate(all="ignore"):
        general = b * np.power(a, b - 1.0)
    return np.where(np.equal(b, 0.0), 0.0,
                    np.where(np.logical_and(np.equal(a, 0.0), np.less(b, 1.0)), np.inf, general))


def dpow_dexp(out: Array, a: Array) -> Array:
    with np.errstate(all="ignore"):
        general = out * np.log(a)
    # out * 0.0 at a == 0, as the float form: NaN when the exponent is NaN (0 ** nan)
    return np.where(np.greater(a, 0.0), general, np.where(np.equal(a, 0.0), out * 0.0, np.nan))


def _branch(mask: Array, branch: Callable[[], Array]) -> Array:
    """A lazy branch, evaluated for the samples of `mask` (within the enclosing branch's); 0.0,
    unevaluated, where no sample takes it."""
    if _MASKS:
        mask = np.logical_and(mask, _MASKS[-1])
    if not np.any(mask):
        return 0.0
    _MASKS.append(mask)
    try:
        return branch()
    finally:
        _MASKS.pop()


def where(test: Array, body: Any, orelse: Any) -> Array:
    """np.where; with lazy branches (callables), each evaluated only for the samples taking it."""
    if not callable(body):
        return np.where(test, body, orelse)
    if np.ndim(test) == 0:  # the same branch for every sample
        return body() if test else orelse()
    return np.where(test, _branch(test, body), _branch(np.logical_not(test), orelse))


def logical_and(left: Array, right: Any) -> Array:
    """np.logical_and; a lazy right side is evaluated only where the left holds (as `and`)."""
    if not callable(right):
        return np.logical_and(left, right)
    if np.ndim(left) == 0:
        return right() if left else left
    return np.logical_and(left, _branch(left, right))


def logical_or(left: Array, right: Any) -> Array:
    """np.logical_or; a lazy right side is evaluated only where the left fails (as `or`)."""
    if not callable(right):
        return np.logical_or(left, right)
    if np.ndim(left) == 0:
        return left if left else right()
    return np.logical_or(left, _branch(np.logical_not(left), right))


def per_sample(fn: Callable[..., float]) -> Callable[..., Array]:
    """A float function run sample by sample (the samples of the current branch only), its
    errors the float function's own with "(sample i of the batch)" added."""
    def each(*args: Array) -> Array:
        shape = np.broadcast(*[np.asarray(a) for a in args], *_MASKS[-1:]).shape
        if not shape:
            return fn(*[float(a) for a in args])
        columns = [np.broadcast_to(np.asarray(a, dtype=float), shape) for a in args]
        out = np.full(shape, np.nan)
        rows = (np.flatnonzero(np.broadcast_to(_MASKS[-1], shape)) if _MASKS
                else range(shape[0]))
        for i in rows:
            try:
                out[i] = fn(*[float(c[i]) for c in columns])
            except (ValueError, ZeroDivisionError, OverflowError) as error:
                raise type(error)(f"{error} (sample {i} of the batch)") from None
        return out
    each.__name__ = getattr(fn, "__name__", "per_sample")
    each.__dict__["pyfunc"] = fn  # the float function, where np.vectorize keeps it (for codegen)
    return each


def namespace() -> dict[str, object]:
    """The names batched code may use: the ones scalar code uses, over arrays. A helper or an
    op without an array version here runs its float function sample by sample (per_sample:
    slow, but the same numbers), so a new entry of the catalogue works batched at once."""
    names: dict[str, object] = {
        "add": np.add, "sub": np.subtract, "mul": np.multiply, "neg": np.negative, "div": div,
        "pow": pow, "vpow": vpow, "exp": exp, "log": log, "tanh": tanh,
        "sigmoid": sigmoid, "relu": relu, "sqrt": sqrt, "abs": abs, "softplus": softplus,
        "sum": sum, "logsumexp": logsumexp, "dpow_dbase": dpow_dbase, "dpow_dexp": dpow_dexp,
        "inf": ops.inf, "nan": ops.nan,
        "where": where, "logical_and": logical_and, "logical_or": logical_or,
        "logical_not": np.logical_not,
    }
    floats: dict[str, object] = {op.name: op.forward for op in ops.CATALOGUE.values()}
    floats.update(ops.GRAD_NAMESPACE)
    for key, value in floats.items():
        if key not in names:
            names[key] = per_sample(value) if callable(value) else value
    return names


def call(fn: Callable[..., Any], values: tuple[Any, ...], upstream: Any,
         names: Sequence[str] = (), where: str = "compiled.batched") -> Any:
    """Run batched code (upstream None: the forward alone): inputs as float64 (arrays stay
    arrays), warnings of inf/NaN silenced (the values follow IEEE 754, as the float code's).

    Every array must be 1-D and real, and all of them (upstream too) one entry per sample:
    a length that differs is an error naming the inputs, never a numpy broadcast."""
    names = list(names) or [f"input {k}" for k in range(len(values))]
    args = [_column(v, f"{where}: input {name}") for v, name in zip(values, names)]
    labelled = [(f"input {name}", a) for name, a in zip(names, args)]
    if upstream is not None:
        upstream = _column(upstream, f"{where}: upstream")
        labelled.append(("upstream", upstream))
    first: tuple[str, int] | None = None
    for what, a in labelled:
        if isinstance(a, np.ndarray):
            if first is None:
                first = (what, len(a))
            elif len(a) != first[1]:
                raise ValueError(f"{where}: {what} has {len(a)} samples but {first[0]} has "
                                 f"{first[1]}; every array must hold one entry per sample (a "
                                 f"float stands for the same value in every sample)")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return fn(*args) if upstream is None else fn(*args, upstream=upstream)


def _column(v: Any, what: str) -> Any:
    """A float, or a 1-D float64 array of real numbers (never a silent cast of complex)."""
    if not (hasattr(v, "dtype") or isinstance(v, (list, tuple))):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{what} must be a float or a 1-D array, got {type(v).__name__}")
        return float(v)
    a = np.asarray(v)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{what} must hold real numbers, got an array of dtype {a.dtype}")
    if a.ndim == 0:
        return float(a)
    if a.ndim > 1:
        raise ValueError(f"{what} must be a float or a 1-D array over the samples, got shape "
                         f"{a.shape}")
    return a.astype(float, copy=False)
