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

from typing import Any, Callable, Iterable, Sequence

from . import higher, ops
from .ops import CATALOGUE, Op
from .value import Value

__all__ = ["define_op", "remove_op", "user_ops"]

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

    The expressions may use numbers, the operands, `inf`, `nan`, + - * / ** and unary -,
    `p if c else q`, and the catalogue's functions by name (exp, log, tanh, sqrt, abs, relu,
    ..., and ops defined earlier). A condition (the `c` of `p if c else q`, and `domain`)
    compares numbers with < <= > >= and joins comparisons with and, or, not; nowhere else do
    these appear, so the code means the same on floats, on Values and on arrays. An expression
    holds at most 2000 characters, 400 parts and 40 levels of nesting. Any mistake is a
    one-line error now, not at the first backward pass.

    Names are read as Python reads them (NFKC: fullwidth 'ｔａｎｈ' is 'tanh'). The ops of
    define_op a definition calls are bound when it is made. Defining a name of define_op's
    again replaces that op: ops defined on top of it are made again on the new one (or, if one
    no longer checks, nothing changes and the error says which); the same definition again
    gives back the same function. Values made before a replacement keep the old op:
    backward() and grad() compute with it; compile and higher derivatives refuse them.

    Args:
        name: one word, not taken (not a catalogue op, not `a`, `b`, `out`, `inf`, ...).
        forward: its value as an expression in the operand `a` (unary) or `a` and `b`
            (binary); or a Python function of floats (math.sin), one argument per local_grads
            entry. A function's errors are named after the op (an overflow is an error, since
            a function does not say which sign it overflowed to; write it as code to get inf).
        local_grads: d out / d a (and d out / d b), one expression each, in `a`, `b` and `out`
            (the value already computed); they may call the op itself (sin's is
            `sin(a + 1.5707963267948966)`).
        domain: optional condition on the operands ("a > 0.0"); outside it the forward raises
            DomainError naming the op.
        doc: optional one-line description (the docs table and `explain` show it).
        interval: where tests (`autograd.testing.check_op`) draw operands: (low, high) for all,
            or one pair per operand.
        kinks: points where the derivative jumps, which finite differences must avoid.

    Returns:
        The function applying the op to Values (or numbers); its `op` attribute is the
        catalogue entry. A replaced op's function follows the new definition.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: a name taken or unusable, code outside the whitelist or over the limits,
            or a replacement that an op defined on top of it does not survive.

    Examples:
        >>> from autograd import Value, define_op, remove_op
        >>> cube = define_op("cube", forward="a * a * a", local_grads=["3.0 * a * a"])
        >>> y = cube(Value(2.0)); y.data
        8.0
        >>> define_op("ｔａｎｈ", forward="2.0 * a", local_grads=["2.0"])
        Traceback (most recent call last):
        ...
        ValueError: define_op: the name 'ｔａｎｈ' (Python reads it as 'tanh', ...) is ...
        >>> remove_op("cube")
    """
    kinks = tuple(kinks)
    source = (forward, tuple(local_grads) if isinstance(local_grads, (list, tuple)) else
              local_grads, domain, doc, repr(interval), repr(kinks))
    folded = ops.fold_name(name, "define_op")
    if folded in _functions and _sources.get(folded) == source:
        return _functions[folded]  # the same definition run again (a notebook cell re-run)
    old = CATALOGUE.get(folded)
    if old is not None and old.user and folded in _arguments:
        arguments = (forward, tuple(local_grads) if isinstance(local_grads, list)
                     else local_grads, domain, doc, interval, kinks)
        return _replace(old, arguments, source)
    op = ops.make_op(name, forward, local_grads, domain, doc, interval, kinks)
    ops.register(op)
    _arguments[op.name] = (forward, tuple(local_grads), domain, doc, interval, kinks)
    _sources[op.name] = source
    fn = _functions[op.name] = _function(op)
    return fn


_functions: dict[str, Callable[..., Value]] = {}
_sources: dict[str, tuple[object, ...]] = {}
_arguments: dict[str, tuple[Any, ...]] = {}  # what each op was defined with, to make it again
_current: dict[str, list[Op | None]] = {}  # per name, the op its function applies (None: removed)
_retired: list[Op] = []  # removed ops stay alive, so no new op reuses their id() in caches


def _dependents(op: Op) -> list[Op]:
    """The user's ops defined on top of `op`, directly or through others, in catalogue order."""
    found: set[Op] = {op}
    result = []
    for other in user_ops():  # an op is defined after the ops it uses: one pass finds them all
        if other is not op and any(used in found for used in other.uses):
            found.add(other)
            result.append(other)
    return result


def _replace(old: Op, arguments: tuple[Any, ...],
             source: tuple[object, ...]) -> Callable[..., Value]:
    """Define `old.name` again; remake the ops defined on top of it, or change nothing."""
    above = _dependents(old)
    saved = dict(CATALOGUE)
    made: list[Op] = []
    try:
        for gone in [old, *above]:
            del CATALOGUE[gone.name]
        for name, args in [(old.name, arguments)] + [(o.name, _arguments[o.name]) for o in above]:
            try:
                op = ops.make_op(name, *args)
            except (TypeError, ValueError) as error:
                if name == old.name:
                    raise
                raise ValueError(f"define_op: {old.name!r} cannot be replaced so: {name!r}, "
                                 f"defined on top of it, no longer checks ({error}); "
                                 f"remove_op({name!r}) first, or define it again after") from None
            ops.register(op)
            made.append(op)
    except BaseException:
        CATALOGUE.clear()
        CATALOGUE.update(saved)
        raise
    for gone, op in zip([old, *above], made):
        _retire(gone)
        _current[op.name][0] = op
        _functions[op.name].__dict__["op"] = op
        _functions[op.name].__doc__ = f"{op.name}: {op.formula}"
    _arguments[old.name] = arguments
    _sources[old.name] = source
    return _functions[old.name]


def _retire(op: Op) -> None:
    higher.forget(op)
    ops.retire(op)
    _retired.append(op)


def _function(op: Op) -> Callable[..., Value]:
    """The function applying the op of this name.

    The current one (it follows a replacement), an error once removed.
    """
    apply, name = higher.apply, op.name
    cell = _current[name] = [op]

    def current() -> Op:
        now = cell[0]
        if now is None:
            raise ValueError(f"{name}: this op was removed (remove_op); define it again with "
                             f"define_op")
        return now

    def fn(*operands: Operand) -> Value:  # any count: a replacement may change the arity
        return apply(current(), *operands)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{name}: {op.formula}"
    fn.__dict__["op"] = op  # the catalogue entry, for check_op and the curious
    return fn


def remove_op(name: str) -> None:
    """Take a user's op out of the catalogue again (tests, and notebooks that start over).

    Values already made with it keep computing with it in backward() and grad(); compile and
    higher derivatives refuse them, and its function refuses to make new ones.

    Args:
        name: the name given to define_op (read in NFKC form, as Python reads names).

    Raises:
        TypeError: name is not a str.
        ValueError: no op of define_op has that name, or other ops are defined on top of it
            (the error names them: remove those first).

    Examples:
        >>> from autograd import define_op, remove_op
        >>> sq = define_op("sq", forward="a * a", local_grads=["2.0 * a"])
        >>> quad = define_op("quad", forward="sq(sq(a))", local_grads=["4.0 * a * sq(a)"])
        >>> remove_op("sq")
        Traceback (most recent call last):
        ...
        ValueError: remove_op: 'quad' is defined on top of 'sq' (it calls it): remove it first
        >>> remove_op("quad"); remove_op("sq")
    """
    name = ops.fold_name(name, "remove_op")
    op = CATALOGUE.get(name)
    if op is None or not op.user:
        raise ValueError(f"remove_op: {name!r} is not an operation made by define_op")
    above = [other.name for other in user_ops() if op in other.uses]
    if above:
        listed = ", ".join(map(repr, above))
        one = len(above) == 1
        raise ValueError(f"remove_op: {listed} {'is' if one else 'are'} defined on top of "
                         f"{name!r} (it calls it): remove {'it' if one else 'them'} first")
    del CATALOGUE[name]
    _retire(op)
    _functions.pop(name, None)
    _sources.pop(name, None)
    _arguments.pop(name, None)
    cell = _current.pop(name, None)
    if cell is not None:
        cell[0] = None


def user_ops() -> list[Op]:
    """The operations made by define_op, in the order they were defined."""
    return [op for op in CATALOGUE.values() if op.user]
