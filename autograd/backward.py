"""The backward pass: a topological order of the graph, then the chain rule over it in reverse.

Everything here walks the graph with an explicit stack, never by recursion, so a chain of a
million operations is as safe as a chain of three.
"""

from __future__ import annotations

import gc
import itertools
import math
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, overload

if TYPE_CHECKING:
    from .ops import Op
    from .value import Value

__all__ = [
    "topo_order", "backward", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "AnomalyError", "gc_paused",
]

# What operations do right now, as bit flags in one context variable (so threads and asyncio
# tasks each have their own): RECORD builds the graph, CHECK raises on non-finite values.
RECORD = 1
CHECK = 2
mode: ContextVar[int] = ContextVar("chainrule_autograd_mode", default=RECORD)


class AnomalyError(FloatingPointError):
    """A non-finite number (inf or NaN) appeared under `detect_anomaly()`.

    A `FloatingPointError`; its message names the operation and its operands.

    Examples:
        >>> from autograd import Value, detect_anomaly
        >>> with detect_anomaly():
        ...     Value(1000.0).exp()
        Traceback (most recent call last):
            ...
        autograd.backward.AnomalyError: exp: ...
    """


@contextmanager
def no_grad() -> Iterator[None]:
    """Operations inside record no graph: results are leaves, as `torch.no_grad()`.

    Returns:
        A context manager; the previous mode comes back when the block ends.

    Examples:
        >>> from autograd import Value, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.data, y.is_leaf
        (4.0, True)
    """
    token = mode.set(mode.get() & ~RECORD)
    try:
        yield
    finally:
        mode.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a `no_grad()` block.

    Returns:
        A context manager; the previous mode comes back when the block ends.

    Examples:
        >>> from autograd import Value, enable_grad, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     with enable_grad():
        ...         y = x * x
        >>> y.op
        'mul'
    """
    token = mode.set(mode.get() | RECORD)
    try:
        yield
    finally:
        mode.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations record the graph here (False inside `no_grad()`).

    Returns:
        True outside `no_grad()` (or inside `enable_grad()`).

    Examples:
        >>> from autograd import is_grad_enabled, no_grad
        >>> with no_grad():
        ...     print(is_grad_enabled())
        False
        >>> is_grad_enabled()
        True
    """
    return bool(mode.get() & RECORD)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Make any inf or NaN an error that names the operation (`torch.autograd.detect_anomaly`).

    Inside, any operation whose value, or whose gradient in `backward()`, is inf or NaN
    raises `AnomalyError` naming the operation and its operands.

    Returns:
        A context manager; the previous mode comes back when the block ends.

    Examples:
        >>> from autograd import Value, detect_anomaly
        >>> x = Value(0.0)
        >>> y = x.sqrt()          # sqrt's slope at 0 is vertical: d/dx = inf
        >>> with detect_anomaly():
        ...     y.backward()
        Traceback (most recent call last):
            ...
        autograd.backward.AnomalyError: ...
    """
    token = mode.set(mode.get() | CHECK)
    try:
        yield
    finally:
        mode.reset(token)


# Each walk of the graph takes a fresh number from this counter and writes it into the nodes it
# reaches (`Value._mark`), instead of keeping a `seen` set: one slot write per node, no hashing.
# A fresh number per walk keeps nested walks apart (a walk never mistakes another's mark for its
# own). The lock keeps threads apart: a walk calls no user code, so holding it is short.
# A backward pass that consumes the graph (the default, as PyTorch) writes the negative of its
# number, and leaves it there: a later pass meeting a negative mark on an operation node knows
# an earlier pass consumed it. Walks that consume nothing keep a negative mark negative.
_walks = itertools.count(1)
_walk_lock = threading.Lock()


class gc_paused:
    """Keep CPython's cyclic garbage collector off while you build and differentiate graphs.

    Why: Values never form reference cycles, so reference counting frees every dropped graph at
    once; but the cyclic collector still walks every live node each time it runs, and a
    training step keeps tens of thousands of them alive, so it can take half of each step
    (bench/engine.py, bench/demo.py measure it). `nn.fit` does this for you.

    On leaving the block, by any path (an exception, KeyboardInterrupt), the collector is
    enabled again if it was on before (nested blocks, and blocks in several threads, restore it
    when the last one ends). Reference cycles your own code makes inside are collected once it
    is back on; `collect_young()` collects the young ones inside the block (fit does, each
    step, once the step's graph is dropped: a collection walks every young object still
    alive, so with the graph alive it walks the whole graph).

    Examples:
        >>> import gc
        >>> from autograd import Value, gc_paused
        >>> w = Value(0.0)
        >>> with gc_paused():
        ...     for step in range(3):
        ...         loss = (w - 1.0) ** 2
        ...         loss.backward()
        ...         w.data -= 0.25 * w.grad; w.zero_grad()
        ...     print(gc.isenabled())
        False
        >>> w.data, gc.isenabled()
        (0.875, True)
    """

    _depth = 0
    _was_enabled = False
    _lock = threading.Lock()

    def __enter__(self) -> None:
        cls = gc_paused
        with cls._lock:
            if cls._depth == 0:
                cls._was_enabled = gc.isenabled()
                gc.disable()
            cls._depth += 1

    def __exit__(self, *exc: object) -> None:
        cls = gc_paused
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0 and cls._was_enabled:
                gc.enable()

    @staticmethod
    def collect_young() -> None:
        """Collect the youngest generation (the objects made since the last collection).

        It is cheap once a step's graph has been dropped: it frees the cycles made in that step.
        """
        gc.collect(0)


def topo_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each listed after all of its operands.

    Depth-first with an explicit stack. A node is expanded the first time it is popped: it goes
    back on the stack under a marker (None), with its operands above it, so it is listed when
    the marker comes off, after everything above it (or at once, when its operands are all
    listed already: the marker would come off next). Operands are taken in their recorded
    order, so the order, and every sum of gradients that follows it, is the same in every run.

    Args:
        root: The Value whose graph to list (the loss, usually).

    Returns:
        The nodes, each once, operands before results; `root` is last.

    Examples:
        >>> from autograd import Value, topo_order
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = a * b; c.label = "c"
        >>> d = c + a; d.label = "d"
        >>> [node.label for node in topo_order(d)]
        ['a', 'b', 'c', 'd']
    """
    with _walk_lock:
        walk = next(_walks)
        back = -walk
        order: list[Value] = []
        stack: list[Value | None] = [root]
        push, pop, done = stack.append, stack.pop, order.append
        while stack:
            node = pop()
            if node is None:  # a marker: the node under it has all its operands listed
                done(pop())  # type: ignore[arg-type]  # under a marker is always a node
                continue
            m = node._mark
            if m == walk or m == back:  # already listed by this walk
                continue
            node._mark = back if m < 0 else walk  # a consumed node stays consumed
            a, b = node._a, node._b
            if a is None:
                if b is None:  # a leaf
                    done(node)
                    continue
                push(node)  # many operands, in a tuple
                push(None)
                push_all(stack, reversed(b))
                continue
            # One or two operands: when every one is listed already (in a graph without
            # cycles, a marked operand is a listed one), the node is next: listed now, with no
            # trip through the stack. The order is the same.
            ma = a._mark
            if b is None:
                if ma == walk or ma == back:
                    done(node)
                    continue
            else:
                mb = b._mark
                if (ma == walk or ma == back) and (mb == walk or mb == back):
                    done(node)
                    continue
            push(node)
            push(None)
            if b is not None:
                push(b)
            push(a)
        return order


push_all = list.extend


def _consuming_order(root: Value) -> tuple[list[Value], list[tuple[Value, float]]]:
    """The topo_order of a backward pass that consumes the graph, with its first chore done.

    The pass's first chore is done on the way: the same order (the same walk, written again
    for its other mark), each node marked with the negative of this walk's number, and every
    gradient zeroed, the leaves' earlier ones returned beside the order (see `backward`).
    Meeting an operation node an earlier consuming pass marked is an error.

    This is the walk of every `loss.backward()`, so it is written for speed: an operand that is
    a leaf (a weight, an input) is listed at once instead of going through the stack, and a
    node whose operands are all listed is listed at once too (each would be popped next
    anyway: the order is the same as topo_order's, which a test holds it to).
    """
    with _walk_lock:
        back = -next(_walks)
        order: list[Value] = []
        earlier: list[tuple[Value, float]] = []
        stack: list[Value | None] = [root]
        push, pop, done, keep = stack.append, stack.pop, order.append, earlier.append
        try:
            while stack:
                node = pop()
                if node is None:
                    done(pop())  # type: ignore[arg-type]
                    continue
                m = node._mark
                if m == back:
                    continue
                node._mark = back
                a, b = node._a, node._b
                if a is None:
                    if b is None:  # a leaf: never consumed, a new graph may use it
                        if node.grad:
                            keep((node, node.grad))
                            node.grad = 0.0
                        done(node)
                        continue
                    if m < 0:
                        raise _consumed(node)
                    if node.grad:
                        node.grad = 0.0
                    push(node)
                    push(None)
                    push_all(stack, reversed(b))
                    continue
                if m < 0:
                    raise _consumed(node)
                if node.grad:
                    node.grad = 0.0
                if a._mark != back:
                    if a._a is None and a._b is None:  # a leaf, listed now (see above)
                        a._mark = back
                        if a.grad:
                            keep((a, a.grad))
                            a.grad = 0.0
                        done(a)
                    else:  # expanded first, as the stack would
                        push(node)
                        push(None)
                        if b is not None and b._mark != back:
                            push(b)
                        push(a)
                        continue
                if b is not None and b._mark != back:
                    if b._a is None and b._b is None:  # a leaf: it would be popped next
                        b._mark = back
                        if b.grad:
                            keep((b, b.grad))
                            b.grad = 0.0
                        done(b)
                    else:
                        push(node)
                        push(None)
                        push(b)
                        continue
                # Every operand listed already (in a graph without cycles a marked operand is
                # a listed one): the node is next, with no trip through the stack.
                done(node)
        except BaseException:  # an error or KeyboardInterrupt mid-walk: nothing is consumed
            _unconsume(order, back)
            _unconsume(stack, back)
            for leaf, old in earlier:
                leaf.grad = old
            raise
        return order, earlier


def _unconsume(nodes: list[Value] | list[Value | None], back: int) -> None:
    """Undo a consuming walk's marks (its backward pass failed: the graph may be used again)."""
    for node in nodes:
        if node is not None and node._mark == back:
            node._mark = -back


def _consumed(node: Value) -> RuntimeError:
    return RuntimeError(
        f"backward: trying to go backward through the graph a second time: {node!r} was "
        f"already used by an earlier backward(), which consumed the graph (gradients would be "
        f"added twice). Build the graph again (run the forward pass again), or pass "
        f"retain_graph=True to the first backward() to go through it again on purpose, as "
        f"in PyTorch"
    )


def _inline_chain_rule() -> Callable[[list[Value]], None]:
    """The chain rule loop, with the most used operations' local derivatives written in.

    They are written into it from the catalogue's `local_grad_code` (the same text, the same
    arithmetic: the same bits), so those nodes skip a call of `local_grads` and the tuple it
    returns. Any other operation, user-defined ones included, takes the general path through
    `local_grads`.
    """
    from .ops import CATALOGUE, GRAD_NAMESPACE

    lines = [
        "def chain_rule(order):",
        "    for node in reversed(order):",
        "        op = node._opdef",
        "        if op is None:",
        "            continue  # a leaf",
        "        upstream = node.grad",
    ]
    scope: dict[str, object] = dict(GRAD_NAMESPACE)
    scope["__name__"] = __name__  # the generated loop is the engine's own code
    for k, name in enumerate(_INLINED):
        op = CATALOGUE.get(name)
        if op is None:
            continue
        scope[f"op{k}"] = op
        lines.append(f"        {'if' if k == 0 else 'elif'} op is op{k}:  # {name}")
        body = []
        used: set[str] = set()
        for code in op.local_grad_code:
            used.update(compile(code, name, "eval").co_names)
        if op.arity == -1:
            (dx,) = op.local_grad_code
            if "out" in used:
                body.append("out = node.data")
            if "x" in used:  # a derivative per operand
                body += ["for o in node._b:", "    x = o.data",
                         f"    o.grad += ({dx}) * upstream"]
            else:  # the same product for every operand, computed once as local_grads does
                body += [f"d = ({dx}) * upstream", "for o in node._b:", "    o.grad += d"]
        else:
            names = ("a", "b")[:op.arity]
            body += [f"{n}_ = node._{n}" for n in names]
            body += [f"{n} = {n}_.data" for n in names if n in used]
            if "out" in used:
                body.append("out = node.data")
            # local_grads computes every local derivative before any grad changes; so here
            # (a grad never feeds a local derivative, and x * x has both operands the same)
            body += [f"d{n} = {code}" for n, code in zip(names, op.local_grad_code)]
            body += [f"{n}_.grad += d{n} * upstream" for n in names]
        lines += [f"            {line}" for line in body]
    lines += [
        "        else:",
        "            generic(node, op, upstream)",
    ]
    scope["generic"] = _generic_node
    exec("\n".join(lines), scope)  # noqa: S102 - code made from the catalogue's own text
    return scope["chain_rule"]  # type: ignore[return-value]


# The operations the chain rule loop applies inline, most used first (each test costs a little
# for the ones after it).
_INLINED = ("mul", "add", "relu", "sum", "tanh", "sub", "neg", "exp", "sigmoid", "pow", "div")


def _generic_node(node: Value, op: Op, upstream: float) -> None:
    """One node's step of the chain rule through its operation's `local_grads`."""
    a = node._a
    if a is None:
        operands = node._b
        if operands:  # many operands
            local = op.local_grads(node.data, *[x.data for x in operands])
            for x, dx in zip(operands, local):
                x.grad += dx * upstream
        return  # else a constant
    b = node._b
    if b is None:
        (da,) = op.local_grads(node.data, a.data)
        a.grad += da * upstream
    else:
        da, db = op.local_grads(node.data, a.data, b.data)
        a.grad += da * upstream
        b.grad += db * upstream


def _chain_rule_generic(order: list[Value]) -> None:
    """The chain rule loop with every node through `local_grads`.

    What the inline loop must equal bit for bit; the tests hold it to that.
    """
    for node in reversed(order):
        op = node._opdef
        if op is not None:
            _generic_node(node, op, node.grad)


_chain_rule_inline: Callable[[list[Value]], None] | None = None


def _chain_rule(order: list[Value], upstream: float) -> None:
    """Add d root / d node into every node's grad (callers zero them first).

    `order` ends with the root. Walking it backwards, each node's gradient is complete before it
    is passed on: operand.grad += local_grad * upstream.
    """
    global _chain_rule_inline
    state = mode.get()
    if state & CHECK:
        if not math.isfinite(upstream):
            raise AnomalyError(f"backward: the upstream gradient is {upstream!r}, not finite")
        order[-1].grad += upstream
        return _chain_rule_checked(order)
    order[-1].grad += upstream
    if _chain_rule_inline is None:  # made at first use: ops.py is imported by then
        _chain_rule_inline = _inline_chain_rule()
    _chain_rule_inline(order)


def _chain_rule_checked(order: list[Value]) -> None:
    """The same loop, checking every contribution and every sum.

    Slower; only under `detect_anomaly()`.
    """
    isfinite = math.isfinite
    for node in reversed(order):
        operands = node.operands
        if not operands:
            continue
        upstream = node.grad
        local = node._opdef.local_grads(node.data, *[x.data for x in operands])
        for i, (x, dx) in enumerate(zip(operands, local)):
            contribution = dx * upstream
            if not isfinite(contribution):
                raise AnomalyError(
                    f"backward: {node._opdef.name} gave the non-finite gradient {contribution!r} "
                    f"for its operand {i} (local gradient {dx!r} times upstream {upstream!r}); "
                    f"operands {[y.data for y in operands]!r}, output {node.data!r}"
                )
            before = x.grad
            x.grad = total = before + contribution
            if not isfinite(total):
                raise AnomalyError(
                    f"backward: the gradient of {x!r} became {total!r} when {node._opdef.name} "
                    f"added {contribution!r} for its operand {i} to the {before!r} gathered so "
                    f"far (the sum of finite gradients overflowed)"
                )


def backward(root: Value, upstream: float = 1.0, retain_graph: bool = True) -> None:
    """Apply the chain rule from `root` down, as `torch.Tensor.backward()`.

    Leaves (Values you made) accumulate: their grad grows by this pass's gradient until zeroed.
    Intermediate nodes hold this pass's gradient only. With `retain_graph=False` (what
    `Value.backward()` passes by default, as PyTorch) the pass consumes the graph: a second
    pass through any of its operation nodes raises instead of adding the gradients again.
    """
    if retain_graph:
        order = topo_order(root)
        earlier = []  # leaves that carry gradient from earlier passes
        for node in order:
            if node.grad:
                if node._a is None and node._b is None:
                    earlier.append((node, node.grad))
                node.grad = 0.0
    else:
        order, earlier = _consuming_order(root)
    try:
        _chain_rule(order, upstream)
        for leaf, old in earlier:
            leaf.grad = old + leaf.grad  # this pass's gradient, summed on its own, then added
    except BaseException as error:  # a failed pass consumes no node, leaves no partial sum
        if not retain_graph:
            with _walk_lock:
                _unconsume(order, _mark_of(order))
        diagnosis = _diagnose_grads(order, earlier) if isinstance(error, TypeError) else None
        for node in order:
            node.grad = 0.0
        for leaf, old in earlier:
            leaf.grad = old
        if diagnosis is not None:
            raise diagnosis from error
        raise
    if mode.get() & CHECK:
        for leaf, _ in earlier:
            if not math.isfinite(leaf.grad):
                raise AnomalyError(
                    f"backward: the gradient of {leaf!r} became {leaf.grad!r} when this pass's "
                    f"gradient was added to the one it held (the sum overflowed)"
                )


def _mark_of(order: list[Value]) -> int:
    return order[-1]._mark if order else 0


def _diagnose_grads(order: list[Value], earlier: list[tuple[Value, Any]]) -> TypeError | None:
    """After a TypeError in the pass: the error naming a `.grad` that is not a number.

    That is `x.grad = None`, with the fix; None if the TypeError was something else.
    """
    import numbers

    for node, grad in [*((n, n.grad) for n in order), *earlier]:
        if not isinstance(grad, numbers.Real):
            return TypeError(
                f"backward: {node!r} has .grad = {grad!r}, not a number, so gradients "
                f"cannot be added to it; set x.grad = 0.0 (or call zero_grad()) instead"
            )
    return None


def unused_input(i: int, x: Value) -> ValueError:
    """grad()'s error for an input the output does not depend on (with or without create_graph)."""
    return ValueError(
        f"grad: inputs[{i}] ({x!r}) is not used to compute the output; "
        f"pass allow_unused=True to get None for it"
    )


@overload
def grad(
    output: Value, inputs: Value | Iterable[Value], upstream: float = ...,
    allow_unused: bool = ..., create_graph: Literal[False] = ...,
) -> tuple[float | None, ...]: ...
@overload
def grad(
    output: Value, inputs: Value | Iterable[Value], upstream: float = ...,
    allow_unused: bool = ..., *, create_graph: Literal[True],
) -> tuple[Value | None, ...]: ...
@overload
def grad(
    output: Value, inputs: Value | Iterable[Value], upstream: float = ...,
    allow_unused: bool = ..., create_graph: bool = ...,
) -> tuple[Value | float | None, ...]: ...


def grad(
    output: Value,
    inputs: Value | Iterable[Value],
    upstream: float = 1.0,
    allow_unused: bool = False,
    create_graph: bool = False,
) -> tuple[Any, ...]:
    """The gradient d output / d input for each input, as `torch.autograd.grad`.

    No `.grad` is changed.

    An input that `output` does not depend on is an error, or None with `allow_unused=True`.
    The gradients are floats; with `create_graph=True` they are Values whose own graph records
    how they were computed, so `grad` applies to them again (second derivatives, mixed
    partials). A gradient that depends on no Value (`d(2*x)/dx`) is then a leaf Value, and one
    may be a Value of the graph itself (`d(x*y)/dx` is y).

    Args:
        output: The Value to differentiate.
        inputs: One Value, or an iterable of Values, to differentiate with respect to.
        upstream: d root / d output, if `output` is part of a bigger expression (1.0: it is
            the root).
        allow_unused: Give None for an input `output` does not depend on, instead of an error.
        create_graph: Give the gradients as Values with graphs of their own.

    Returns:
        A tuple, one gradient per input, in order: floats (Values with `create_graph=True`;
        None for an unused input with `allow_unused=True`).

    Raises:
        TypeError: `output` or an input is not a Value, or `upstream` is not a real number.
        ValueError: `output` does not depend on an input (and `allow_unused` is False).

    Examples:
        >>> from autograd import Value, grad
        >>> x, y = Value(3.0), Value(4.0)
        >>> f = x * x * y
        >>> grad(f, [x, y])                              # (2xy, x^2)
        (24.0, 9.0)
        >>> (dx,) = grad(f, x, create_graph=True)
        >>> grad(dx, [x, y])                             # (2y, 2x)
        (8.0, 6.0)
        >>> x.grad                                       # no .grad is changed
        0.0
    """
    from .value import Value, _as_float

    if isinstance(inputs, Value):
        inputs = (inputs,)
    elif isinstance(inputs, Iterable):
        inputs = tuple(inputs)  # once: a generator would be empty the second time
    else:
        raise TypeError(f"grad: inputs must be a Value or an iterable of Values, got "
                        f"{type(inputs).__name__}")
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    upstream = _as_float(upstream, "grad: upstream")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")
    if create_graph:
        from .higher import grad_graph

        return grad_graph(output, inputs, upstream, allow_unused)
    order = topo_order(output)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        _chain_rule(order, upstream)
        in_graph = set(order)
        result: list[float | None] = []
        for i, x in enumerate(inputs):
            if x in in_graph:
                result.append(x.grad)
            elif allow_unused:
                result.append(None)
            else:
                raise unused_input(i, x)
    finally:
        for node, g in zip(order, saved):
            node.grad = g
    return tuple(result)
