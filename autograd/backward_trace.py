"""`trace_backward(root)`: the backward pass written down, one chain-rule update at a time.

A picture of the finished graph shows the answer; a learner needs the order too. This walks the
graph exactly as `backward()` does (`backward.py`'s `_chain_rule`): the root's gradient is
seeded, then for each node of `reversed(topo_order(root))` and each of its operands in recorded
order, `operand.grad += local_grad * upstream`, with `local_grad` from the operation's catalogue
entry. The same floats meet in the same order, so every gradient here is, bit for bit, the one
`backward()` leaves on fresh gradients. It keeps its own list of gradients: nothing in the graph
is changed, and `backward()`'s loop is not touched.
"""

from __future__ import annotations

from dataclasses import dataclass

from .backward import topo_order
from .value import Value, _as_float

__all__ = ["BackwardTrace", "Update", "trace_backward"]


@dataclass(frozen=True)
class Update:
    """One `operand.grad += local_grad * upstream`: positions are indices into `order`."""

    node: int  # the Value passing its gradient on (its turn in the reversed order)
    operand: int  # which of its operands, in recorded order (x * x has operands 0 and 1)
    target: int  # that operand, whose gradient grows
    local_grad: float  # d node / d operand, from the catalogue
    upstream: float  # the node's gradient, complete by now
    contribution: float  # local_grad * upstream
    before: float  # the target's running gradient before this update
    after: float  # and after it
    completes: bool  # the last update into target: its gradient is final from here on


@dataclass(frozen=True)
class BackwardTrace:
    """The forward pass and the backward pass, as `trace_backward` records them.

    `order` is the forward pass (every Value after its operands), `updates` the backward pass
    (in `backward()`'s order), with the seed and every final gradient.

    Attributes:
        order: Every Value of the graph, operands first; the root is last.
        upstream: The seed, d root / d root.
        updates: One `Update` per `operand.grad += local_grad * upstream`, in order.
        grads: Per position in `order`: what backward() puts in `.grad`.

    Examples:
        >>> from autograd import Value, trace_backward
        >>> x = Value(3.0, label="x")
        >>> t = trace_backward(x * x)
        >>> [(u.operand, u.local_grad, u.after) for u in t.updates]  # x * x: x is both operands
        [(0, 3.0, 3.0), (1, 3.0, 6.0)]
        >>> t.grad(x), t.root.data
        (6.0, 9.0)
    """

    order: tuple[Value, ...]
    upstream: float  # the seed: d root / d root
    updates: tuple[Update, ...]
    grads: tuple[float, ...]  # per position in `order`: what backward() puts in .grad

    @property
    def root(self) -> Value:
        """The Value the pass starts from (the last of `order`)."""
        return self.order[-1]

    def grad(self, node: Value) -> float:
        """The final gradient of `node`.

        Args:
            node: A Value of the graph.

        Returns:
            The float `backward()` leaves in `node.grad` on fresh gradients.

        Raises:
            ValueError: The root does not depend on `node`.
        """
        for i, x in enumerate(self.order):
            if x is node:
                return self.grads[i]
        raise ValueError(f"trace_backward: {node!r} is not used to compute the root")


def trace_backward(root: Value, upstream: float = 1.0) -> BackwardTrace:
    """Record what `root.backward(upstream)` does, update by update, without doing it.

    Args:
        root: The Value the backward pass would start from.
        upstream: The seed, d root / d root.

    Returns:
        A `BackwardTrace`; nothing in the graph is changed.

    Raises:
        TypeError: `root` is not a Value, or `upstream` is not a real number.

    Examples:
        >>> from autograd import Value, trace_backward
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> t = trace_backward(a * b + a)
        >>> len(t.updates), t.grad(a), t.grad(b), a.grad
        (4, -2.0, 2.0, 0.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace_backward: root must be a Value, got {type(root).__name__}")
    seed = _as_float(upstream, "trace_backward")
    order = topo_order(root)
    index = {node: i for i, node in enumerate(order)}
    # How many updates each node will receive: at zero its gradient is complete.
    remaining = [0] * len(order)
    for node in order:
        for x in node.operands:
            remaining[index[x]] += 1

    grads = [0.0] * len(order)  # backward() zeroes them first
    grads[-1] += seed
    updates: list[Update] = []
    for k in range(len(order) - 1, -1, -1):
        node = order[k]
        operands = node.operands
        if not operands:  # a leaf (or the sum of nothing): nothing to pass on
            continue
        upstream_k = grads[k]
        local = node._opdef.local_grads(node.data, *[x.data for x in operands])
        for position, (x, local_grad) in enumerate(zip(operands, local)):
            t = index[x]
            before = grads[t]
            contribution = local_grad * upstream_k
            grads[t] = before + contribution  # operand.grad += local_grad * upstream
            remaining[t] -= 1
            updates.append(Update(k, position, t, local_grad, upstream_k, contribution,
                                  before, grads[t], remaining[t] == 0))
    return BackwardTrace(tuple(order), seed, tuple(updates), tuple(grads))
