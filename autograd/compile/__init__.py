"""The backward pass as code: straight-line Python written from a recorded graph.

`compile(output, inputs)` reads the graph under `output` once and writes two Python functions,
one statement per node, in topological order: `forward(...)` and `forward_backward(...)`, whose
backward half is the chain rule in its own words, from the root down:

    g_E = upstream
    g_z5 = g_yp * (yp * (1.0 - yp))
    g_w35 = g_z5 * y3

Every expression comes from the catalogue (`ops.py`): the forward from `Op.forward_code`, each
local derivative from `Op.local_grad_code`, the same text `backward()` runs compiled. The code
does the same float operations in the same order as building the graph and calling
`backward()`, so its results are bit for bit the eager engine's: `log` of 0 still raises
`DomainError` naming the op and its operand. `trace(fn, *example)` records `fn` once on example
numbers and compiles what it recorded.

The limit: a trace records ONE path through the Python control flow of the code that built the
graph. An `if x.data > 0:` taken at trace time would be baked in, and so would any number
computed from `.data` in Python. `trace` watches for both (`watch()`) and refuses them unless
`trace(..., check=...)` re-runs the function on the eager engine on chosen calls, raising
`TraceMismatchError` naming the first node whose operation, operands or constant differ.

The package, by concern (each module's docstring says what it owns):

- `recording`  what a trace recorded and the guards on it: the path check of
               `trace(check=...)`, `TraceMismatchError`, and `watch()` (`Watched`);
- `writing`    the graph read once and written as Python text: names, templates, the plan;
- `replay`     the numpy form of that text, run over a batch, one entry per sample;
- `compiled`   the `Compiled` object: the written functions, checked at each call;
- here         the two ways in, `compile()` and `trace()`.

`autograd.compile` is the function `compile` below (autograd/__init__.py binds it over this
package's name); `from autograd.compile import ...` reaches the package, and
`from autograd.compile import recording` a module of it (`import autograd.compile.recording as
m` does not: it goes through the attribute `autograd.compile`, which is the function).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from ..backward import topo_order
from ..ops import CONST
from ..value import Value
from .compiled import Compiled, _real
from .recording import (
    TraceMismatchError,
    Watched,
    _check_call,
    _check_schedule,
    _parameter_names,
    _shape,
    watch,
)
from .replay import _BATCH_HELPERS as _BATCH_HELPERS  # for the tests that read the templates
from .writing import _op_code as _op_code  # one by one, as before the package split
from .writing import sanitize, scalar_namespace

__all__ = ["Compiled", "TraceMismatchError", "Watched", "compile", "sanitize", "scalar_namespace",
           "trace", "watch"]


def compile(
    output: Value,
    inputs: Sequence[Value] | None = None,
    wrt: Sequence[Value] | None = None,
) -> Compiled:
    """Compile the recorded graph under `output` into straight-line Python.

    The graph is read once and written as two functions, one statement per node in
    topological order: `forward(...)` and `forward_backward(...)`, whose backward half is the
    chain rule from the root down. They do the eager engine's float operations in its order,
    so their results are the eager engine's bit for bit.

    Args:
        output: The Value at the root of the recorded graph: what each call computes.
        inputs: The leaf Values whose numbers each call passes in (default: every leaf Value
            of the graph, in topological order); every other leaf is written into the code as
            the number it holds now. An input the output does not use has gradient 0.0.
        wrt: The inputs whose gradients each call returns (default: all of them).

    Returns:
        A `Compiled`: call it as `compiled(*values)` for `(output, gradients)`.

    Raises:
        TypeError: `output`, or an item of `inputs` or `wrt`, is not a Value.
        ValueError: An input is computed (not a leaf) or given twice; an item of `wrt` is not
            one of the inputs; an op's code uses a name the generated code does not have.

    Examples:
        >>> from autograd import Value, compile
        >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
        >>> z = x * y + x
        >>> f = compile(z, [x, y])
        >>> f
        <Compiled 4 nodes: inputs x, y; gradients of x, y>
        >>> f(2.0, 3.0)  # z, (dz/dx, dz/dy)
        (8.0, (4.0, 2.0))
        >>> f(x=1.0, y=5.0)
        (6.0, (6.0, 1.0))
    """
    if not isinstance(output, Value):
        raise TypeError(f"compile: output must be a Value, got {type(output).__name__}")
    order = topo_order(output)
    if inputs is None:
        inputs = [v for v in order if v.is_leaf and v._opdef is not CONST]
    inputs = _values(inputs, "inputs")
    seen: set[int] = set()
    for i, v in enumerate(inputs):
        if not v.is_leaf:
            raise ValueError(f"compile: inputs[{i}] ({v!r}) is computed, not a leaf: pass the "
                             f"leaves its value comes from")
        if id(v) in seen:
            raise ValueError(f"compile: inputs[{i}] ({v!r}) is given twice")
        seen.add(id(v))
    wrt_list = list(inputs) if wrt is None else _values(wrt, "wrt")
    for i, v in enumerate(wrt_list):
        if id(v) not in seen:
            raise ValueError(f"compile: wrt[{i}] ({v!r}) is not one of the inputs")
    return Compiled(output, inputs, wrt_list)


def _values(items: Sequence[Value], what: str) -> list[Value]:
    if isinstance(items, Value):
        items = [items]
    out = list(items)
    for i, v in enumerate(out):
        if not isinstance(v, Value):
            raise TypeError(f"compile: {what}[{i}] must be a Value, got {type(v).__name__}")
    return out


def trace(
    fn: Callable[..., Value],
    *example: float,
    wrt: Sequence[int] | None = None,
    check: bool | int | Collection[int] = False,
) -> Compiled:
    """Run `fn` once on Values holding the `example` numbers, and compile what it recorded.

    Each argument becomes an input named after fn's parameter.

    A trace records ONE path through fn's Python control flow: an `if x > 0:` (or `if x:`) or a
    number computed from `.data` is baked in as it was for the example. fn runs under
    `watch()`, so trace knows when that happened; it then needs `check=`, which re-runs fn on
    the eager engine and compares, node by node, raising TraceMismatchError at the first node
    that differs. Without it such a trace is refused (a ValueError naming the first comparison
    or number read), never compiled to silently follow the example's path.

    Args:
        fn: The function to trace: it takes one Value per example number and returns a Value.
        *example: The numbers fn is run on once, one per argument.
        wrt: The positions of the arguments whose gradients each call returns (default: all).
        check: When a call re-runs fn on the eager engine to check the path: True on every
            call, an int n on calls 0, n, 2n, ... (counted from 0), or a collection of call
            numbers; False never.

    Returns:
        A `Compiled` whose inputs are fn's arguments, in order.

    Raises:
        TypeError: fn is not callable or does not return a Value, an example is not a number,
            or check is not a bool, an int or a collection.
        ValueError: An item of `wrt` is not an argument's position, check is an int below 1,
            or, without `check`, fn's Python code compared Values or took a number out of one.

    Examples:
        >>> from autograd import trace
        >>> def f(a, b):
        ...     return a * b + b
        >>> compiled = trace(f, 2.0, 3.0)
        >>> compiled(1.0, 2.0)  # f, (df/da, df/db)
        (4.0, (2.0, 2.0))

        A branch in Python is followed as the example took it; `check=True` catches a call
        that goes the other way:

        >>> def g(a):
        ...     return a * 2.0 if a > 0 else -a
        >>> compiled = trace(g, 1.0, check=True)
        >>> compiled(3.0)
        (6.0, (2.0,))
        >>> compiled(-1.0)
        Traceback (most recent call last):
        ...
        autograd.compile.recording.TraceMismatchError: compiled: call 1 took another path ...
    """
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
    when = _check_schedule(check)
    names = _parameter_names(fn, len(example))
    leaves = [Value(_float(x, f"trace: example {names[i]}"), label=names[i])
              for i, x in enumerate(example)]
    with watch() as seen:
        output = fn(*leaves)
    if not isinstance(output, Value):
        raise TypeError(f"trace: fn must return a Value, got {type(output).__name__}")
    picks = range(len(leaves)) if wrt is None else list(wrt)
    for k in picks:
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(leaves):
            raise ValueError(f"trace: wrt must hold argument positions 0..{len(leaves) - 1}, "
                             f"got {k!r}")
    shape = _shape(output, leaves)
    checker = None
    if when is not None:
        def checker(compiled: Compiled, call: int, values: tuple[float, ...], upstream: float,
                    result: tuple[float, tuple[float, ...]]) -> None:
            if when(call):
                _check_call(fn, compiled, shape, call, values, upstream, result,
                            [leaves.index(v) for v in compiled._wrt])
    compiled = Compiled(output, leaves, [leaves[k] for k in picks], checker)
    # after Compiled, whose refusals (a _backward closure, which reads .data) say more
    if when is None and (seen.comparisons or seen.reads):
        raise ValueError(_unchecked_path(seen))
    return compiled


def _unchecked_path(seen: Watched) -> str:
    """The refusal, by trace, of a recording whose path depends on the example's numbers."""
    if seen.comparisons:
        left, symbol, right, result = seen.comparisons[0]
        what = (f"it compared Values ({_named(left)} {symbol} {_named(right)} was {result}, "
                f"the first of {len(seen.comparisons)})")
    else:
        what = f"it took a number out of a Value ({seen.reads[0]})"
    return (f"trace: fn's Python code depends on the example's numbers: {what}, so the "
            f"compiled code would follow the example's path for every call. Pass check=True "
            f"(or check=n) to re-run fn on the eager engine and raise TraceMismatchError when a "
            f"call's path differs, or keep the choice in the graph (relu, abs, an op of "
            f"define_op)")


def _named(v: Value | float) -> str:
    if not isinstance(v, Value):
        return repr(v)
    return v.label or f"a {v.op or 'leaf'} node"


def _float(x: object, where: str) -> float:
    if not _real(x):
        raise TypeError(f"{where} must be a number, got {type(x).__name__}")
    return float(x)
