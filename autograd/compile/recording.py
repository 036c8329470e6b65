"""Recording and guards: what a trace recorded, and what it depends on that the graph does not show.

A trace records ONE path through the Python control flow of the code that built the graph.
This module owns the two ways of seeing the rest:

- the path check of `trace(..., check=...)`: each node of the recorded graph as (op, operands,
  number or input) (`_shape`); a checked call re-runs the function on the eager engine and
  raises `TraceMismatchError` naming the first node that differs (`_check_call`);
- `watch()`: what code does with its Values' numbers while it is traced: each comparison on a
  Value (the branches the trace followed) and each number taken out of one (`.data`,
  `float(v)`, work under no_grad: constants of the trace). `fit(compile=True)` re-checks the
  comparisons on every sample of every step and refuses the numbers (nn/compiled.py).
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ..backward import grad as _eager_grad
from ..backward import is_grad_enabled, topo_order
from ..value import Value

if TYPE_CHECKING:
    from .compiled import Compiled

__all__ = ["TraceMismatchError", "Watched", "watch"]


class TraceMismatchError(ValueError):
    """A call of a traced function took another path than the trace (see `trace`'s check=).

    The message names the call, the first node that differs (its line in the code) and what it
    was and is now. A ValueError, so code that catches bad input catches it too.

    Examples:
        >>> from autograd import TraceMismatchError, trace
        >>> compiled = trace(lambda a: a if a > 0 else -a, 1.0, check=True)
        >>> try:
        ...     compiled(-2.0)
        ... except TraceMismatchError as error:
        ...     print(str(error)[:57])
        compiled: call 0 took another path than the trace: node 1
    """


# --- the path a trace took, checked on later calls (trace(..., check=...)) -----------------


def _parameter_names(fn: Callable[..., Any], n: int) -> list[str]:
    import inspect

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            names.extend(f"{p.name}{i}" for i in range(n - len(names)))
    names = names[:n]
    names.extend(f"x{i}" for i in range(len(names), n))
    return names


def _check_schedule(check: object) -> Callable[[int], bool] | None:
    if check is False or check is None:
        return None
    if check is True:
        return lambda call: True
    if isinstance(check, int) and not isinstance(check, bool):
        if check < 1:
            raise ValueError(f"trace: check must be True, an int >= 1 or call numbers, got {check}")
        every = check
        return lambda call: call % every == 0
    if isinstance(check, Collection):
        calls = set(check)
        return lambda call: call in calls
    raise TypeError(f"trace: check must be a bool, an int or a collection of call numbers, got "
                    f"{type(check).__name__}")


def _shape(output: Value, leaves: Sequence[Value]) -> list[tuple[Any, ...]]:
    """Each node as (op, operand positions, number or input position): what a path is."""
    order = topo_order(output)
    index = {id(v): i for i, v in enumerate(order)}
    arg = {id(v): k for k, v in enumerate(leaves)}
    shape: list[tuple[Any, ...]] = []
    for node in order:
        if node.is_leaf:
            shape.append(("input", arg[id(node)]) if id(node) in arg
                         else ("number", repr(float(node.data))))
        else:
            shape.append((node.op, tuple(index[id(x)] for x in node.operands)))
    return shape


def _describe(item: tuple[Any, ...], names: Sequence[str]) -> str:
    if item[0] == "input":
        return f"the input {names[item[1]]}"
    if item[0] == "number":
        return f"the number {item[1]}"
    return f"{item[0]} of nodes {', '.join(map(str, item[1]))}"


def _check_call(fn: Callable[..., Value], compiled: Compiled, shape: list[tuple[Any, ...]],
                call: int, values: tuple[float, ...], upstream: float,
                result: tuple[float, tuple[float, ...]], wrt: list[int]) -> None:
    leaves = [Value(float(v), label=name) for v, name in zip(values, compiled.inputs)]
    output = fn(*leaves)
    now = _shape(output, leaves) if isinstance(output, Value) else []
    advice = ("a trace records one path through the function's Python control flow (an "
              "`if x.data > 0:`, or a number computed from .data, is baked in as it was at "
              "trace time); trace again for these inputs, or write the choice with graph "
              "operations (relu, abs)")
    for i in range(max(len(shape), len(now))):
        was = shape[i] if i < len(shape) else None
        got = now[i] if i < len(now) else None
        if was != got:
            line = compiled._plan.atom[i] if i < len(shape) else "(none)"
            raise TraceMismatchError(
                f"compiled: call {call} took another path than the trace: node {i} of "
                f"{len(shape)} ({line} in the code) was "
                f"{_describe(was, compiled.inputs) if was else 'absent'}, now it is "
                f"{_describe(got, compiled.inputs) if got else 'absent'}; {advice}")
    want = [0.0 if g is None else g  # an unused input: the compiled code's 0.0
            for g in _eager_grad(output, [leaves[k] for k in wrt], float(upstream),
                                 allow_unused=True)]
    out, grads = result
    same = _same(out, output.data) and all(_same(g, w) for g, w in zip(grads, want))
    if not same:  # pragma: no cover - the code generator's own bug, if ever
        raise TraceMismatchError(f"compiled: call {call} gave {result!r}, the eager engine "
                                 f"{(output.data, want)!r} on the same path")


def _same(x: float, y: float | None) -> bool:
    return y is not None and (repr(x) == repr(y) or (math.isnan(x) and math.isnan(y)))


# --- watching a traced function: what it does with its Values' numbers ----------------------


class Watched:
    """What code did with the numbers of Values while `watch()` was on.

    Attributes:
        comparisons: Every `<`, `<=`, `>`, `>=` made on a Value, and every `bool(v)` (`if v:`,
            recorded as `v != 0.0`, where Value defines `__bool__`), in order, as (left,
            symbol, right, result): left a Value, right a Value or a float. Python control
            flow on the result is a branch the recorded graph does not show.
        reads: Every number taken out of a Value by code outside the engine (`.data`,
            `float(v)`, a format), and every operation run under no_grad(), in words: a number
            that enters the recorded graph as a constant, fixed at its traced value.

    Examples:
        >>> from autograd import Value
        >>> with watch() as seen:
        ...     x = Value(2.0, label="x")
        ...     y = x * 3.0 if x > 1.0 else x
        >>> [(v.label, symbol, right, result) for v, symbol, right, result in seen.comparisons]
        [('x', '>', 1.0, True)]
    """

    __slots__ = ("comparisons", "reads")

    def __init__(self) -> None:
        self.comparisons: list[tuple[Value, str, Value | float, bool]] = []
        self.reads: list[str] = []


_WATCHED: ContextVar[Watched | None] = ContextVar("chainrule_watched", default=None)
_PATCH_LOCK = threading.Lock()
_patched = [0]  # how many watch() blocks are open (in any thread)
_ORIGINALS: dict[str, Any] = {}
# Frames of the engine that read .data for the caller: converting a Value to a number.
_CONVERSIONS = {"__float__", "__int__", "__index__", "__round__", "__trunc__", "__floor__",
                "__ceil__", "__complex__", "__bool__", "__format__"}


def _who(v: Value) -> str:
    name = f"{v.label!r}" if v.label else f"a {v.op} node" if v.op else "a leaf"
    return f"{name} (Value(data={_ORIGINALS['data'].__get__(v, type(v))!r}))"


def _read_data(self: Value) -> float:
    number: float = _ORIGINALS["data"].__get__(self, type(self))
    seen = _WATCHED.get()
    if seen is not None:
        frame = sys._getframe(1)
        module = frame.f_globals.get("__name__", "")
        engine = module == "autograd" or module.startswith("autograd.")
        if not is_grad_enabled():
            seen.reads.append(f"an operation on {_who(self)} under no_grad()")
        elif not engine or frame.f_code.co_name in _CONVERSIONS:
            how = f"{frame.f_code.co_name}()" if engine else ".data"
            seen.reads.append(f"{how} of {_who(self)}")
    return number


def _write_data(self: Value, number: float) -> None:
    _ORIGINALS["data"].__set__(self, number)


def _comparison(name: str, symbol: str) -> Callable[[Value, object], Any]:
    def compare(self: Value, other: object) -> Any:
        result = _ORIGINALS[name](self, other)
        seen = _WATCHED.get()
        if seen is not None and result is not NotImplemented:
            right = other if isinstance(other, Value) else float(other)  # type: ignore[arg-type]
            seen.comparisons.append((self, symbol, right, bool(result)))
        return result

    compare.__name__ = name
    return compare


_COMPARISONS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


def _truth(self: Value) -> bool:
    """`bool(v)` (`if v:`) while watched: the comparison `v != 0` it is, recorded as one.

    Whatever Value.__bool__ does is what runs (it reads the number for this comparison, which
    is not a constant taken out, so that read is not recorded as one).
    """
    token = _WATCHED.set(None)
    try:
        result = bool(_ORIGINALS["__bool__"](self))
    finally:
        _WATCHED.reset(token)
    seen = _WATCHED.get()
    if seen is not None:
        seen.comparisons.append((self, "!=", 0.0, result))
    return result


def _patched_names() -> list[str]:
    """What watch() wraps: .data, the order comparisons, and __bool__ where Value defines one.

    Without __bool__, every Value is true: `if v:` reads no number and needs no guard.
    """
    names = ["data", *_COMPARISONS]
    if "__bool__" in Value.__dict__:
        names.append("__bool__")
    return names


@contextmanager
def watch() -> Iterator[Watched]:
    """Record what the code inside does with Values' numbers, in this thread or task only.

    The order comparisons, `bool()` (where Value defines it) and `.data` of Value are wrapped
    while any watch is open (the graph's numbers and gradients are unchanged; operations are
    slower).

    Yields:
        A `Watched`, filled in as the code inside runs.

    Examples:
        >>> from autograd import Value
        >>> with watch() as seen:
        ...     text = format(Value(0.5, label="w"), ".1f")
        >>> seen.reads
        ["__format__() of 'w' (Value(data=0.5))"]
    """
    seen = Watched()
    with _PATCH_LOCK:
        if not _patched[0]:
            for name in _patched_names():
                _ORIGINALS[name] = Value.__dict__[name]  # for data, the slot itself
            setattr(Value, "data", property(_read_data, _write_data))  # noqa: B010
            for name, symbol in _COMPARISONS.items():
                setattr(Value, name, _comparison(name, symbol))
            if "__bool__" in _ORIGINALS:
                setattr(Value, "__bool__", _truth)  # noqa: B010
        _patched[0] += 1
    token = _WATCHED.set(seen)
    try:
        yield seen
    finally:
        _WATCHED.reset(token)
        with _PATCH_LOCK:
            _patched[0] -= 1
            if not _patched[0]:
                for name in list(_ORIGINALS):
                    setattr(Value, name, _ORIGINALS.pop(name))
