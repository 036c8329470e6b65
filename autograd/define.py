"""`define_op`: a new operation written once, in the catalogue's own terms, and known everywhere.

    >>> from autograd import Value, define_op
    >>> softsign = define_op("softsign", forward="a / (1.0 + abs(a))",
    ...                      local_grads=["1.0 / ((1.0 + abs(a)) * (1.0 + abs(a)))"])
    >>> x = Value(3.0, label="x"); y = softsign(x); y.backward(); x.grad
    0.0625

The definition becomes an entry of the catalogue (`autograd.ops.CATALOGUE`), like `exp` or
`mul`: the forward runs on floats for the Values, the local derivatives' text is compiled for
`backward()`, evaluated on Values for `grad(create_graph=True)`, `hessian` and `hvp`, and
written out by `autograd.compile` (and its numpy form for batched replay); `draw_dot`,
`explain`, `to_html` and `detect_anomaly` read the node's op as they read any other.
The text is parsed and checked by `autograd.ops.make_op` before anything runs it.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from . import higher, ops
from .ops import CATALOGUE, Op
from .value import Value

__all__ = ["define_op"]

Operand = Value | float


def define_op(
    name: str,
    forward: str | Callable[..., float],
    local_grads: Sequence[str],
    *,
    domain: str | None = None,
    doc: str = "",
    interval: Sequence[float] | Sequence[Sequence[float]] = (-5.0, 5.0),
    kinks: Iterable[float] = (),
) -> Callable[..., Value]:
    """Add an operation to the catalogue; return the function that applies it to Values.

    The expressions may use numbers, + - * / **, the comparisons < <= > >=, `p if c else q`,
    and the catalogue's functions by name (exp, log, tanh, sqrt, abs, relu, ..., and ops defined
    earlier). Any mistake is a one-line error now, not at the first backward pass.
    Defining the same name again with the very same text gives back the same function.

    Args:
        name: One word, not taken (not a catalogue op, not `a`, `b`, `out`, `inf`, ...).
        forward: Its value as an expression in the operand `a` (unary) or `a` and `b`
            (binary); or a Python function of floats (`math.sin`), one argument per
            `local_grads` entry.
        local_grads: d out / d a (and d out / d b), one expression each, in `a`, `b` and `out`
            (the value already computed). They may call the op itself (sin's is
            `sin(a + 1.5707963267948966)`).
        domain: Optional condition on the operands (`"a > 0.0"`); outside it the forward
            raises `DomainError` naming the op.
        doc: Optional one-line description (the docs table and `explain` show it).
        interval: Where tests (`autograd.testing.check_op`) draw operands: `(low, high)` for
            all, or one pair per operand.
        kinks: Points where the derivative jumps, which finite differences must avoid.

    Returns:
        The function that applies the op: `f(a)` or `f(a, b)` on Values or numbers, giving a
        Value. Its `op` attribute is the catalogue entry (`autograd.ops.Op`).

    Raises:
        TypeError: `name` is not a str, `forward` is neither a str nor a function, or
            `local_grads` (or one of its entries, or `domain`) is not code as a str.
        ValueError: The name is not one word or is taken, an expression has a syntax error, an
            unknown name or a construct outside the list above, `local_grads` does not have
            one expression per operand, `domain` is not a condition, `doc` is more than one
            line (or not a str), or `interval` is not (low, high) with low < high.

    Examples:
        >>> from autograd import Value, define_op
        >>> softsign = define_op("softsign", forward="a / (1.0 + abs(a))",
        ...                      local_grads=["1.0 / ((1.0 + abs(a)) * (1.0 + abs(a)))"])
        >>> x = Value(3.0, label="x")
        >>> y = softsign(x)
        >>> y.backward()
        >>> y.data, x.grad
        (0.75, 0.0625)
        >>> define_op("exp", forward="a", local_grads=["1.0"])
        Traceback (most recent call last):
            ...
        ValueError: define_op: the name 'exp' is already taken by the catalogue's own operation
    """
    kinks = tuple(kinks)
    source = (forward, tuple(local_grads) if isinstance(local_grads, (list, tuple)) else
              local_grads, domain, doc, repr(interval), repr(kinks))
    if isinstance(name, str) and name in _functions and _sources.get(name) == source:
        return _functions[name]  # the same definition run again (a notebook cell re-run)
    op = ops.make_op(name, forward, local_grads, domain, doc, interval, kinks)
    ops.register(op)
    fn = _function(op)
    _functions[op.name] = fn
    _sources[op.name] = source
    return fn


_functions: dict[str, Callable[..., Value]] = {}
_sources: dict[str, tuple[object, ...]] = {}
_retired: list[Op] = []  # removed ops stay alive, so no new op reuses their id() in caches


def _function(op: Op) -> Callable[..., Value]:
    apply = higher.apply
    if op.arity == 1:
        def unary(a: Operand) -> Value:
            return apply(op, a)
        fn: Callable[..., Value] = unary
    else:
        def binary(a: Operand, b: Operand) -> Value:
            return apply(op, a, b)
        fn = binary
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = f"{op.name}: {op.formula}"
    fn.__dict__["op"] = op  # the catalogue entry, for check_op and the curious
    return fn


def remove_op(name: str) -> None:
    """Take a user's op out of the catalogue again (tests and notebooks that start over).

    Values already made with it keep working; new ones cannot be made.

    Args:
        name: The name given to `define_op`.

    Raises:
        ValueError: `name` is not an operation made by `define_op`.
    """
    op = CATALOGUE.get(name)
    if op is None or not op.user:
        raise ValueError(f"remove_op: {name!r} is not an operation made by define_op")
    del CATALOGUE[name]
    higher.forget(op)
    _functions.pop(name, None)
    _sources.pop(name, None)
    _retired.append(op)


def user_ops() -> list[Op]:
    """The operations made by define_op, in the order they were defined."""
    return [op for op in CATALOGUE.values() if op.user]
