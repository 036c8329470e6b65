"""micrograd's `engine`: `Value(data, _children=(), _op='', label='')` and `_backward` closures.

The lecture's way of adding an operation runs here as written:

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), 'tanh')
        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

This `Value` is a subclass of chainrule's `autograd.Value` (which itself has no closure slot:
its nodes stay one small object each). Operations on it give this class too, recorded from the
catalogue as usual. A node made by the constructor with children records them as its operands,
and its operation is a closure: `backward()` walks chainrule's topological order (an explicit
stack, never recursion) and calls, per node, the closure where one was assigned, else the
catalogue's chain rule. draw_dot, explain and to_html show such a node under its `_op` name and
read its local derivatives by running the closure once (with out.grad = 1); compile, batched
replay and higher derivatives need the derivative as code, so they refuse such a graph and say
to write the op with `autograd.define_op`.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Iterable

import autograd
import autograd.value as _value_module
from autograd.backward import _chain_rule, topo_order

__all__ = ["Value"]

_Core = autograd.Value
_core_step = _Core._backward  # the catalogue's chain rule for one node
_core_op = _Core._op


class ClosureOp:
    """The operation of a node whose local derivative is a `_backward` closure.

    One per such node (this door only), holding what micrograd adds to a node: `function`, the
    closure (None for micrograd's default, which does nothing), and `mg_op`, the `_op` string
    it was given. The nodes themselves stay the core's size. Readers that ask for the local
    derivatives (`local_grads`, as of any catalogue entry) get them by running the closure with
    out.grad = 1.0 on zeroed operand grads, everything restored after. `closure = True`
    tells compile and the higher derivatives to refuse it (autograd.ops.refuse_closures).
    """

    __slots__ = ("name", "symbol", "arity", "formula", "_node", "function", "mg_op")
    closure = True
    user = False
    local_grad_code: tuple[str, ...] = ()
    forward_code = ""
    domain: tuple[tuple[float, float], ...] = ()
    kinks: tuple[float, ...] = ()
    bad_inputs: tuple[Any, ...] = ()

    def __init__(self, node: Value, mg_op: str, arity: int) -> None:
        self.name = self.symbol = name = mg_op or "closure"
        self.mg_op = mg_op
        self.function: Callable[[], Any] | None = None
        self.arity = arity
        self.formula = (f"{name}: its local derivative is a _backward closure, which cannot be "
                        f"shown as a formula (its numbers are read by running it)")
        self._node = weakref.ref(node)

    def local_grads(self, out: float, *operands: float) -> tuple[float, ...]:
        node = self._node()
        if node is None:  # pragma: no cover - a node's op outlived by its node: never read
            raise ValueError(f"{self.name}: the node of this closure is gone")
        xs = node.operands
        closure = self.function
        if closure is None:  # micrograd's default _backward does nothing
            return (0.0,) * len(xs)
        saved, saved_out = [x.grad for x in xs], node.grad
        try:
            for x in xs:
                x.grad = 0.0
            node.grad = 1.0
            closure()
            return tuple(x.grad for x in xs)
        finally:
            node.grad = saved_out
            for x, g in zip(xs, saved):
                x.grad = g

    def __repr__(self) -> str:
        return f"ClosureOp({self.name!r})"


class Value(_Core):
    """micrograd's Value: `Value(data, _children=(), _op='', label='')`, `_backward` assignable.

    >>> a = Value(2.0, label='a')
    >>> out = Value(a.data * 3, (a,), 'triple')
    >>> def _backward():
    ...     a.grad += 3 * out.grad
    >>> out._backward = _backward
    >>> out.backward(); a.grad
    3.0
    """

    # No slot of its own: what micrograd adds to a node lives on its ClosureOp (only the
    # constructor's nodes, and nodes given a _backward, have one), so every node the operators
    # make is the core's size and costs the cyclic collector no more.
    __slots__ = ()

    def __init__(self, data: float, _children: Iterable[_Core] = (), _op: str = "",
                 label: str = "") -> None:
        super().__init__(data, label)
        if type(_op) is not str:
            raise TypeError(f"Value: _op must be a str, got {type(_op).__name__} {_op!r}")
        if isinstance(_children, (str, bytes)) or not isinstance(_children, Iterable):
            raise TypeError(f"Value: _children must be a tuple of Values, got "
                            f"{type(_children).__name__} {_children!r} (micrograd's order is "
                            f"Value(data, _children=(), _op='', label=''); name it with label=)")
        children: list[_Core] = []
        for i, child in enumerate(_children):
            if not isinstance(child, _Core):
                raise TypeError(f"Value: _children[{i}] must be a Value, got "
                                f"{type(child).__name__}")
            if not any(child is c for c in children):  # as micrograd's set: each child once
                children.append(child)
        if children:
            if len(children) == 1:
                self._a = children[0]
            elif len(children) == 2:
                self._a, self._b = children
            else:
                self._b = tuple(children)
            arity = len(children) if len(children) <= 2 else -1
            self._opdef = ClosureOp(self, _op, arity)  # type: ignore[assignment]
            _closure_nodes.add(self)
        elif _op:
            _leaf_ops[self] = _op

    @property
    def _closure(self) -> Callable[[], Any] | None:
        """The `_backward` closure assigned to this node, if any."""
        op = _closure_op(self)
        return op.function if op is not None else None

    @property
    def _backward(self) -> Callable[[], Any]:
        """micrograd's step: the closure assigned, else the catalogue's chain rule."""
        op = _closure_op(self)
        if op is not None:
            return op.function or _nothing
        return _core_step.__get__(self)  # type: ignore[no-any-return]

    @_backward.setter
    def _backward(self, closure: Callable[[], Any]) -> None:
        if not callable(closure):
            raise TypeError(f"Value: _backward must be a function of no arguments, got "
                            f"{type(closure).__name__}")
        op = _closure_op(self)
        if op is None:  # an operator's node (or a leaf): its derivative is the closure from
            a, b = self._a, self._b  # now on, under micrograd's name for it
            arity = -1 if a is None and b is not None else (a is not None) + (b is not None)
            op = ClosureOp(self, self._op, arity)
            self._opdef = op  # type: ignore[assignment]
        op.function = closure
        _closure_nodes.add(self)

    @property
    def _op(self) -> str:
        """micrograd's name of the operation ('' for a leaf)."""
        op = _closure_op(self)
        if op is not None:
            return op.mg_op
        if self._a is None and self._b is None:
            return _leaf_ops.get(self, "")
        return _core_op.fget(self)  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        """micrograd's repr, `Value(data=..., grad=...)`, with each number written in full.

        micrograd's grad starts as the int 0, so a gradient no backward pass has reached is
        written `0`, as there; the data is always a float here (micrograd keeps an int it is
        given, `Value(1)` showing `data=1` where this shows `data=1.0`).

        Returns:
            The text micrograd prints for the same Value.

        Example:
            >>> Value(0.1) + Value(0.2)
            Value(data=0.30000000000000004, grad=0)
        """
        grad: object = self.grad
        if self._mark == 0 and type(grad) is float and grad == 0.0:
            grad = 0  # never reached by a graph walk: micrograd's untouched int 0
        return f"Value(data={self.data}, grad={grad})"

    def backward(self, upstream: float = 1.0, create_graph: bool = False,
                 retain_graph: bool | None = None) -> dict[_Core, _Core] | None:
        """Fill `.grad` as `autograd.Value.backward()` does, calling each node's `_backward`
        closure where it has one (in chainrule's topological order, no recursion). As
        micrograd, a second pass through the same graph is allowed (`retain_graph` is taken
        for the core's signature and changes nothing here)."""
        if create_graph:  # refused if any node is a closure (autograd.higher)
            return super().backward(upstream, create_graph=True)
        if not _closure_nodes:  # no closure anywhere: the core's pass, the graph kept
            super().backward(upstream, retain_graph=True)
            self._int_root(upstream)
            return None
        order = topo_order(self)
        earlier = []  # leaves that carry gradient from earlier passes
        for node in order:
            if node.grad:
                if node.is_leaf:
                    earlier.append((node, node.grad))
                node.grad = 0.0
        if not any(_closure_op(node) is not None for node in order):
            # no hand-written _backward: the core's chain rule (inlined from the catalogue)
            _chain_rule(order, float(upstream))
        else:
            order[-1].grad += float(upstream)
            for node in reversed(order):
                closure_op = _closure_op(node)
                if closure_op is not None:
                    if closure_op.function is not None:
                        closure_op.function()
                elif node._opdef is not None:
                    _core_step(node)
        for leaf, old in earlier:
            leaf.grad = old + leaf.grad
        self._int_root(upstream)
        return None

    def _int_root(self, upstream: float) -> None:
        """micrograd seeds the root with the int 1 (`self.grad = 1`): the same number, kept
        as micrograd's type so the root's repr reads `grad=1` as there."""
        if upstream == 1.0 and self.grad == 1.0:
            self.grad = 1


def _nothing() -> None:
    return None


def _closure_op(node: _Core) -> ClosureOp | None:
    """The node's ClosureOp; None for a catalogue operation's node or a plain leaf."""
    op: Any = node._opdef
    return op if type(op) is ClosureOp else None


# The nodes that have a ClosureOp (made by the constructor with children, or given a
# _backward) and are still alive. While there are none, no graph can hold one, and
# backward() skips looking.
_closure_nodes: weakref.WeakSet[Value] = weakref.WeakSet()

# A micrograd leaf given an `_op` string (`Value(1.0, (), 'x')`): its name, kept beside it so
# the leaf stays a plain leaf (compile and higher derivatives take it as any input).
_leaf_ops: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()

# The core's operators, written from the same catalogue, making this class's nodes.
_value_module._install_operators(Value, made=Value)
