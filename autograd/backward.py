"""The backward pass: a topological order of the graph, then the chain rule over it in reverse.

Everything here walks the graph with an explicit stack, never by recursion, so a chain of a
million operations is as safe as a chain of three.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Iterator, Literal, Sequence, overload

if TYPE_CHECKING:
    from .value import Value

__all__ = [
    "topo_order", "backward", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "AnomalyError",
]

# What operations do right now, as bit flags in one context variable (so threads and asyncio
# tasks each have their own): RECORD builds the graph, CHECK raises on non-finite values.
RECORD = 1
CHECK = 2
mode: ContextVar[int] = ContextVar("chainrule_autograd_mode", default=RECORD)


class AnomalyError(FloatingPointError):
    """A non-finite number (inf or NaN) appeared under `detect_anomaly()`."""


@contextmanager
def no_grad() -> Iterator[None]:
    """Operations inside record no graph: results are leaves, as `torch.no_grad()`."""
    token = mode.set(mode.get() & ~RECORD)
    try:
        yield
    finally:
        mode.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a `no_grad()` block."""
    token = mode.set(mode.get() | RECORD)
    try:
        yield
    finally:
        mode.reset(token)


def is_grad_enabled() -> bool:
    return bool(mode.get() & RECORD)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside, any operation whose value, or whose gradient in `backward()`, is inf or NaN
    raises `AnomalyError` naming the operation and its operands
    (as `torch.autograd.detect_anomaly`).
    """
    token = mode.set(mode.get() | CHECK)
    try:
        yield
    finally:
        mode.reset(token)


def topo_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each listed after all of its operands.

    Depth-first with an explicit stack. A node is expanded the first time it is popped: it goes
    back on the stack under a marker (None), with its operands above it, so it is listed when
    the marker comes off, after everything above it. Operands are taken in their recorded
    order, so the order, and every sum of gradients that follows it, is the same in every run.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop, mark, done = stack.append, stack.pop, seen.add, order.append
    while stack:
        node = pop()
        if node is None:  # a marker: the node under it has all its operands listed
            done(pop())  # type: ignore[arg-type]  # under a marker is always a node
            continue
        if node in seen:
            continue
        mark(node)
        a, b = node._a, node._b
        if a is None and b is None:  # a leaf
            done(node)
            continue
        push(node)
        push(None)
        if a is None:  # many operands, in a tuple
            for x in reversed(b):
                if x not in seen:
                    push(x)
            continue
        if b is not None and b not in seen:
            push(b)
        if a not in seen:
            push(a)
    return order


def _chain_rule(order: list[Value], upstream: float) -> None:
    """Add d root / d node into every node's grad (callers zero them first).

    `order` ends with the root. Walking it backwards, each node's gradient is complete before it
    is passed on: operand.grad += local_grad * upstream.
    """
    order[-1].grad += upstream
    if mode.get() & CHECK:
        return _chain_rule_checked(order)
    for node in reversed(order):
        a = node._a
        if a is None:
            operands = node._b
            if operands:  # many operands
                upstream = node.grad
                local = node._opdef.local_grads(node.data, *[x.data for x in operands])
                for x, dx in zip(operands, local):
                    x.grad += dx * upstream
            continue  # else a leaf
        upstream = node.grad
        b = node._b
        if b is None:
            (da,) = node._opdef.local_grads(node.data, a.data)
            a.grad += da * upstream
        else:
            da, db = node._opdef.local_grads(node.data, a.data, b.data)
            a.grad += da * upstream
            b.grad += db * upstream


def _chain_rule_checked(order: list[Value]) -> None:
    """The same loop, checking every contribution (slower; only under `detect_anomaly()`)."""
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
            x.grad += contribution


def backward(root: Value, upstream: float = 1.0) -> None:
    """Apply the chain rule from `root` down, as `torch.Tensor.backward()`.

    Leaves (Values you made) accumulate: their grad grows by this pass's gradient until zeroed,
    so two passes give exactly twice one. Intermediate nodes hold this pass's gradient only.
    """
    order = topo_order(root)
    earlier = []  # leaves that carry gradient from earlier passes
    for node in order:
        if node.grad:
            if node._a is None and node._b is None:
                earlier.append((node, node.grad))
            node.grad = 0.0
    _chain_rule(order, upstream)
    for leaf, old in earlier:
        leaf.grad = old + leaf.grad  # this pass's gradient, summed on its own, then added


def unused_input(i: int, x: Value) -> ValueError:
    """grad()'s error for an input the output does not depend on (with or without create_graph)."""
    return ValueError(
        f"grad: inputs[{i}] ({x!r}) is not used to compute the output; "
        f"pass allow_unused=True to get None for it"
    )


@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], upstream: float = ...,
    allow_unused: bool = ..., create_graph: Literal[False] = ...,
) -> tuple[float | None, ...]: ...
@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], upstream: float = ...,
    allow_unused: bool = ..., *, create_graph: Literal[True],
) -> tuple[Value | None, ...]: ...
@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], upstream: float = ...,
    allow_unused: bool = ..., create_graph: bool = ...,
) -> tuple[Value | float | None, ...]: ...


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    upstream: float = 1.0,
    allow_unused: bool = False,
    create_graph: bool = False,
) -> tuple[Any, ...]:
    """d output / d input for each input, as `torch.autograd.grad`; no `.grad` is changed.

    An input that `output` does not depend on is an error, or None with `allow_unused=True`.
    The gradients are floats; with `create_graph=True` they are Values whose own graph records
    how they were computed, so `grad` applies to them again (second derivatives, mixed
    partials). A gradient that depends on no Value (d(2*x)/dx) is then a leaf Value, and one
    may be a Value of the graph itself (d(x*y)/dx is y).
    """
    from .value import Value

    if isinstance(inputs, Value):
        inputs = (inputs,)
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
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
