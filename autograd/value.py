"""`Value`: one scalar in the graph, with the operation and operands that made it.

Each node stores `_opdef` (the entry of the catalogue in `ops.py`, shared by every node of that
operation) and its operands, in order, in two slots: `_a` and `_b` for a binary operation, `_a`
alone for a unary one, and for an operation of many operands `_a = None` and the tuple in `_b`.
Two slots instead of a tuple make a node one object, not two: half the work for the cyclic GC,
which looks at every new container object. `operands` gives them as a tuple either way.
No closure per node and no reference back from an operand to its result: a dropped graph is
freed at once by reference counting.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, Callable, Iterable, Union

from . import backward as _backward
from .backward import CHECK, RECORD, AnomalyError, mode
from .ops import CATALOGUE, CONST, Op

__all__ = ["Value", "Number", "sum", "logsumexp", "mean"]

Number = Union[int, float]
_get_mode = mode.get


def _as_float(data: object, where: str) -> float:
    """A real number as a Python float, or a TypeError that names what came instead."""
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)  # int, bool, fractions, numpy integer and floating scalars
    kind = type(data).__name__
    hint = " (complex numbers are not supported)" if isinstance(data, numbers.Complex) else ""
    if isinstance(data, Value):
        hint = " (it is already a Value: use it directly, or its .data)"
    raise TypeError(f"{where}: needs a real number (int or float), got {kind} {data!r}{hint}")


def _checked(op: Op, data: float, operands: tuple[Value, ...]) -> float:
    if not math.isfinite(data):
        raise AnomalyError(
            f"{op.name}: gave the non-finite value {data!r} from operands "
            f"{[x.data for x in operands]!r}"
        )
    return data


def _short(x: float) -> str:
    """Six significant digits, still reading as a float (1.0, not 1)."""
    text = f"{x:.6g}"
    return text if any(c in text for c in ".enai") else text + ".0"


class Value:
    """A scalar that remembers how it was computed, so `backward()` can apply the chain rule.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a.exp()
    >>> c.backward(); a.grad, b.grad
    (4.38905609893065, 2.0)
    """

    __slots__ = ("data", "grad", "label", "_opdef", "_a", "_b", "__weakref__")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected operators

    data: float
    grad: float
    label: str
    # None on a leaf. Typed as Op for the readers (backward, draw, explain) that reach it only
    # on a node with operands, which always has one.
    _opdef: Op
    _a: Value | None
    _b: Any  # the second operand, or the tuple of all operands when _a is None (see above)

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r}")
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self._opdef = None  # type: ignore[assignment]  # a leaf (see the annotation above)
        self._a = self._b = None

    # --- what a graph reader needs ---------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that made this Value ('' for a leaf, 'const' for a number)."""
        return self._opdef.name if self._opdef is not None else ""

    @property
    def operands(self) -> tuple[Value, ...]:
        """The operands this Value was computed from, in order (() for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return () if b is None else b
        return (a,) if b is None else (a, b)

    @property
    def is_leaf(self) -> bool:
        return self._a is None and self._b is None

    # --- micrograd's names, so code written for micrograd reads our graphs unchanged ----------

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the operands as a set (`operands` keeps their order). As in
        micrograd, x ** 2 has x alone: a constant exponent is part of the operation."""
        if self._opdef is _POW:
            return {self._a} if self._a is not None else set()
        return set(self.operands)

    @property
    def _op(self) -> str:
        """micrograd's name: the operation as a string, '' for a leaf ('+', '*', 'ReLU', '**2',
        'exp', ...; `op` is our name for it, `_opdef` the catalogue entry)."""
        if self._a is None and self._b is None:
            return ""
        name = self._opdef.name
        if name == "pow":  # micrograd writes the constant exponent into the name
            return f"**{self._b.data:g}"
        return _MICROGRAD_OP.get(name, self._opdef.symbol)

    def _backward(self) -> None:
        """micrograd's step by hand: add this node's share into its operands' grads,
        operand.grad += local_grad * self.grad (what `backward()` does for every node, in
        order)."""
        operands = self.operands
        if operands:
            upstream = self.grad
            local = self._opdef.local_grads(self.data, *[x.data for x in operands])
            for x, dx in zip(operands, local):
                x.grad += dx * upstream

    def __repr__(self) -> str:
        text = f"Value(data={_short(self.data)}, grad={_short(self.grad)}"
        if self._opdef is not None:
            text += f", op={self._opdef.name!r}"
        if self.label:
            text += f", label={self.label!r}"
        return text + ")"

    def __float__(self) -> float:
        return self.data

    def backward(self, upstream: float = 1.0) -> None:
        """Fill `.grad` of every Value this one depends on with d self / d that Value."""
        _backward.backward(self, _as_float(upstream, "backward"))

    def zero_grad(self) -> None:
        """Set this Value's grad to 0.0 (optimizers zero all their parameters at once)."""
        self.grad = 0.0

    def detach(self) -> Value:
        """The same number as a new leaf, cut from the graph."""
        return Value(self.data, self.label)

    if TYPE_CHECKING:  # the operators are made from the catalogue below; their types, for mypy

        def __add__(self, other: Value | Number) -> Value: ...
        def __radd__(self, other: Value | Number) -> Value: ...
        def __sub__(self, other: Value | Number) -> Value: ...
        def __rsub__(self, other: Value | Number) -> Value: ...
        def __mul__(self, other: Value | Number) -> Value: ...
        def __rmul__(self, other: Value | Number) -> Value: ...
        def __truediv__(self, other: Value | Number) -> Value: ...
        def __rtruediv__(self, other: Value | Number) -> Value: ...
        def __pow__(self, exponent: Value | Number) -> Value: ...
        def __rpow__(self, other: Value | Number) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def abs(self) -> Value: ...
        def softplus(self) -> Value: ...


# micrograd's spelling where it differs from the catalogue's symbol.
_MICROGRAD_OP = {"relu": "ReLU", "vpow": "**"}

_new = object.__new__


def _node(
    op: Op | None, data: float, a: Value | None, b: Value | tuple[Value, ...] | None
) -> Value:
    """A Value built in place: `data` is already a float, so Value.__init__'s checks are skipped
    (this runs once per operation)."""
    out = _new(Value)
    out.data, out.grad, out.label, out._a, out._b = data, 0.0, "", a, b
    out._opdef = op  # type: ignore[assignment]  # None for a constant leaf
    return out


def _lift(x: object) -> Value | None:
    """An operand as a Value: a number becomes a constant leaf; anything else gives None."""
    if isinstance(x, Value):
        return x
    if type(x) is float or isinstance(x, numbers.Real):
        return _node(CONST, float(x), None, None)
    return None


def _make(op: Op, data: float, a: Value | None, b: Value | tuple[Value, ...] | None) -> Value:
    """The result of `op` in any mode: a node that records its operands, a leaf under no_grad,
    and under detect_anomaly an error if the value is not finite."""
    state = _get_mode()
    if state & CHECK:
        _checked(op, data, _node(op, data, a, b).operands)
    return _node(op, data, a, b) if state & RECORD else Value(data)


def _binary(op: Op, reflected: bool = False) -> Callable[[Value, object], Value]:
    forward = op.forward

    if reflected:  # other <op> self: the number on the left stays on the left

        def method(self: Value, other: object) -> Value:
            left = _lift(other)
            if left is None:
                return NotImplemented  # type: ignore[no-any-return]
            data = forward(left.data, self.data)
            if _get_mode() != RECORD:
                return _make(op, data, left, self)
            out = _new(Value)
            out.data, out.grad, out.label, out._opdef, out._a, out._b = (
                data, 0.0, "", op, left, self)
            return out

    else:

        def method(self: Value, other: object) -> Value:
            if type(other) is not Value:
                other = _lift(other)
                if other is None:
                    return NotImplemented  # type: ignore[no-any-return]
            data = forward(self.data, other.data)
            if _get_mode() != RECORD:
                return _make(op, data, self, other)
            # _node(op, data, self, other), written out: this is the hottest line of the engine.
            out = _new(Value)
            out.data, out.grad, out.label, out._opdef, out._a, out._b = (
                data, 0.0, "", op, self, other)
            return out

    method.__name__ = op.name
    method.__doc__ = f"{op.name}: {op.formula}"
    return method


def _unary(op: Op) -> Callable[[Value], Value]:
    forward = op.forward

    def method(self: Value) -> Value:
        data = forward(self.data)
        if _get_mode() != RECORD:
            return _make(op, data, self, None)
        out = _new(Value)
        out.data, out.grad, out.label, out._opdef, out._a, out._b = data, 0.0, "", op, self, None
        return out

    method.__name__ = op.name
    method.__doc__ = f"{op.name}: {op.formula}"
    return method


def _pow(self: Value, exponent: object) -> Value:
    """self ** exponent: a number exponent is a constant (`pow`); a Value one is differentiated
    too (`vpow`)."""
    if isinstance(exponent, Value):
        return _vpow(self, exponent)
    return _pow_const(self, exponent)


_POW = CATALOGUE["pow"]
_pow_const = _binary(_POW)
_vpow = _binary(CATALOGUE["vpow"])

Value.__add__ = _binary(CATALOGUE["add"])
Value.__radd__ = _binary(CATALOGUE["add"], reflected=True)  # other + self
Value.__sub__ = _binary(CATALOGUE["sub"])
Value.__rsub__ = _binary(CATALOGUE["sub"], reflected=True)  # other - self
Value.__mul__ = _binary(CATALOGUE["mul"])
Value.__rmul__ = _binary(CATALOGUE["mul"], reflected=True)  # other * self
Value.__truediv__ = _binary(CATALOGUE["div"])
Value.__rtruediv__ = _binary(CATALOGUE["div"], reflected=True)  # other / self
Value.__pow__ = _pow
Value.__rpow__ = _binary(CATALOGUE["vpow"], reflected=True)  # other ** self
Value.__neg__ = _unary(CATALOGUE["neg"])
Value.__abs__ = _unary(CATALOGUE["abs"])
for _name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "softplus"):
    setattr(Value, _name, _unary(CATALOGUE[_name]))


def _nary(op: Op, values: Iterable[Value | Number]) -> Value:
    lifted = []
    for i, x in enumerate(values):
        v = _lift(x)
        if v is None:
            raise TypeError(
                f"{op.name}: item {i} must be a Value or a real number, got {type(x).__name__}"
            )
        lifted.append(v)
    operands = tuple(lifted)
    return _make(op, op.forward(*[x.data for x in operands]), None, operands)


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 - as torch.sum
    """One node for a1 + a2 + ... + an (builtin sum would build n - 1 add nodes).
    The sum of nothing is 0.0."""
    return _nary(CATALOGUE["sum"], values)


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """log(e^a1 + ... + e^an) in one stable node; its gradient is the softmax."""
    items = list(values)
    if not items:
        raise ValueError("logsumexp: needs at least one value, got none")
    return _nary(CATALOGUE["logsumexp"], items)


def mean(values: Iterable[Value | Number]) -> Value:
    """(a1 + ... + an) / n."""
    items = list(values)
    if not items:
        raise ValueError("mean: needs at least one value, got none")
    return sum(items) / len(items)
