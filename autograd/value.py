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

__all__ = ["Value", "Number", "logsumexp", "mean"]  # not sum: it would shadow the builtin

Number = Union[int, float]
_get_mode = mode.get


def _as_float(data: object, where: str) -> float:
    """A real number as a Python float, or a TypeError that names what came instead."""
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return _to_float(data, where)  # int, bool, fractions, numpy integer and floating scalars
    kind = type(data).__name__
    hint = " (complex numbers are not supported)" if isinstance(data, numbers.Complex) else ""
    if isinstance(data, Value):
        hint = " (it is already a Value: use it directly, or its .data)"
    elif _is_array(data):
        hint = f" {_ELEMENTWISE}"
    raise TypeError(f"{where}: needs a real number (int or float), got {kind} {_brief(data)}{hint}")


def _to_float(x: numbers.Real, where: str) -> float:
    """float(x), or a ValueError naming the number's size where float() would overflow."""
    try:
        return float(x)
    except OverflowError:
        if isinstance(x, numbers.Integral):
            bits = int(x).bit_length()
            size = f"an int of {bits} bits (about 10**{int(bits * 0.30103)})"
        else:
            size = f"the {type(x).__name__} {_brief(x)}"
        raise ValueError(
            f"{where}: {size} is too large for a float (the largest is about 1.8e308); "
            f"scale it down first"
        ) from None


# What a Value says to someone holding an array: it is one number, and how to map over many.
_ELEMENTWISE = (
    "(a Value holds one number; to apply it elementwise use numpy.vectorize, e.g. "
    "numpy.vectorize(lambda x: x * v)(array), or an object array of Values, "
    "numpy.array([Value(x) for x in array], dtype=object), whose operations apply to each)"
)


def _is_array(x: object) -> bool:
    """A numpy array (or anything with numpy's array protocol), without importing numpy."""
    return hasattr(x, "__array_interface__") or hasattr(x, "__array__")


def _brief(x: object) -> str:
    """repr(x) cut to 60 characters, with an array's shape instead of its numbers."""
    shape = getattr(x, "shape", None)
    if _is_array(x) and shape is not None:
        return f"of shape {tuple(shape)}"
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _not_a_number(where: str, operands: Iterable[object]) -> None:
    """After an operation failed: a TypeError if some operand's .data is not a number.

    A .data assigned by hand (`p.data = ...`) gets an error saying which and what; else this
    returns (the failure was the operation's own, e.g. log(0)).
    """
    for i, x in enumerate(operands):
        data = getattr(x, "data", 0.0)
        if not isinstance(data, numbers.Real):
            raise TypeError(
                f"{where}: operand {i} ({_label(x)}) has .data = {type(data).__name__} "
                f"{_brief(data)}, not a number; a Value holds one float, so assign one "
                f"(p.data = float(x))"
            ) from None


def _label(x: object) -> str:
    label = getattr(x, "label", "")
    return f"the Value labelled {label!r}" if label else "a Value"


def _checked(op: Op, data: float, operands: tuple[Value, ...]) -> float:
    if not math.isfinite(data):
        raise AnomalyError(
            f"{op.name}: gave the non-finite value {data!r} from operands "
            f"{[x.data for x in operands]!r}"
        )
    return data


def _short(x: float) -> str:
    """Six significant digits, still reading as a float (1.0, not 1)."""
    if not isinstance(x, numbers.Real):  # .data or .grad assigned by hand: say so, don't fail
        return f"<not a number: {type(x).__name__} {_brief(x)}>"
    text = f"{float(x):.6g}"
    return text if any(c in text for c in ".enai") else text + ".0"


class Value:
    """A scalar that remembers how it was computed, so `backward()` can apply the chain rule.

    The operators (`+ - * / **`, unary `-`, `abs()`) and the methods below each make one node
    of the graph from an entry of the catalogue (`autograd.CATALOGUE`, listed with its
    derivatives on the operations page). Numbers mix in freely: `2 * x` lifts the 2.
    Order comparisons (`<`, `>=`, ...) compare `.data`; there is no `==` (nodes are compared
    and hashed by identity).

    Args:
        data: The number (an int, a float, or any real number such as a numpy scalar).
        label: A name for pictures, `explain` and the repr.

    Attributes:
        data: The number, a float.
        grad: d root / d this Value after `root.backward()` (0.0 until then).
        label: The name given, or "".

    Raises:
        TypeError: `data` is not a real number (a Value, a complex, an array, a str), or
            `label` is not a str.
        ValueError: `data` is an int too large for a float.

    Examples:
        >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
        >>> c = a * b + a.exp()
        >>> c.backward(); a.grad, b.grad
        (4.38905609893065, 2.0)
        >>> c
        Value(data=1.38906, grad=1.0, op='add')
    """

    __slots__ = ("data", "grad", "label", "_opdef", "_a", "_b", "_mark", "__weakref__")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected operators

    data: float
    grad: float
    label: str
    # None on a leaf. Typed as Op for the readers (backward, draw, explain) that reach it only
    # on a node with operands, which always has one.
    _opdef: Op
    _a: Value | None
    _b: Any  # the second operand, or the tuple of all operands when _a is None (see above)
    # The number of the last graph walk that reached this node (backward.py), in place of a
    # `seen` set; negative once a backward pass has consumed it.
    _mark: int

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r}")
        self.data = data if type(data) is float else _as_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self._opdef = None  # type: ignore[assignment]  # a leaf (see the annotation above)
        self._a = self._b = None
        self._mark = 0

    # --- what a graph reader needs ---------------------------------------------------------

    @property
    def op(self) -> str:
        """The name of the operation that made this Value ('' for a leaf, 'const' for a number).

        Examples:
            >>> x = Value(2.0)
            >>> (x * 3).op, x.op
            ('mul', '')
        """
        return self._opdef.name if self._opdef is not None else ""

    @property
    def operands(self) -> tuple[Value, ...]:
        """The operands this Value was computed from, in order (() for a leaf).

        Examples:
            >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
            >>> [x.label for x in (a - b).operands]
            ['a', 'b']
        """
        a, b = self._a, self._b
        if a is None:
            return () if b is None else b
        return (a,) if b is None else (a, b)

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by `Value(...)` (or `detach()`), not by an operation.

        Examples:
            >>> x = Value(2.0)
            >>> x.is_leaf, x.exp().is_leaf
            (True, False)
        """
        return self._a is None and self._b is None

    # --- micrograd's names, so code written for micrograd reads our graphs unchanged ----------

    @property
    def _prev(self) -> set[Value]:
        """The operands as a set, micrograd's name for them (`operands` keeps their order).

        As in micrograd, x ** 2 has x alone: a constant exponent is part of the operation.
        """
        if self._opdef is _POW:
            return {self._a} if self._a is not None else set()
        return set(self.operands)

    @property
    def _op(self) -> str:
        """The operation as a string, '' for a leaf: micrograd's name for it.

        '+', '*', 'ReLU', '**2', 'exp', ...; `op` is our name for it, `_opdef` the catalogue
        entry.
        """
        if self._a is None and self._b is None:
            return ""
        name = self._opdef.name
        if name == "pow":  # micrograd writes the constant exponent into the name
            return f"**{self._b.data:g}"
        return _MICROGRAD_OP.get(name, self._opdef.symbol)

    def _backward(self) -> None:
        """Micrograd's step by hand: add this node's share into its operands' grads.

        operand.grad += local_grad * self.grad (what `backward()` does for every node, in
        order).
        """
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

    # float(v), and so every math.* function, is refused: math.exp(x) would give a bare float,
    # cut from the graph, and x * math.exp(x) a silently wrong derivative (micrograd refuses too).
    def __float__(self) -> float:
        raise TypeError(
            f"a Value is not converted to a float (math.* functions and float() ask for one): "
            f"the result would be cut from the graph and get no gradient. Use the Value's own "
            f"methods (x.exp(), x.log(), x.tanh(), ...) to stay in the graph, or x.data for "
            f"the number ({self!r})"
        )

    def __int__(self) -> int:
        raise TypeError(f"a Value is not converted to an int; use int(x.data) for the number "
                        f"({self!r})")

    def __round__(self, ndigits: int | None = None) -> float:
        # torch's round gives a tensor in the graph (with gradient 0); a float here would look
        # like a Value's result and drop the graph, so say where the number is.
        raise TypeError(f"round() of a Value: use round(x.data, ndigits) for the number "
                        f"({self!r})")

    def __format__(self, spec: str) -> str:
        """f"{loss:.4f}" formats the number, as a 0-d tensor does; f"{loss}" is the repr."""
        if not spec:
            return repr(self)
        try:
            return format(self.data, spec)
        except (TypeError, ValueError) as error:
            raise type(error)(f"format of a Value: {error} (the spec {spec!r} is applied to "
                              f"its .data, the float {self.data!r})") from None

    # Order comparisons compare the numbers (`.data`) and give a bool, so code like the catalogue's
    # `1.0 if a > 0.0 else 0.0` runs on Values too (higher derivatives). There is no `==`: nodes
    # are compared and hashed by identity (they live in sets and dicts during backward).
    def __lt__(self, other: object) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data < x

    def __le__(self, other: object) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data <= x

    def __gt__(self, other: object) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data > x

    def __ge__(self, other: object) -> bool:
        x = _compared(other)
        return NotImplemented if x is None else self.data >= x

    def backward(
        self, upstream: float = 1.0, create_graph: bool = False,
        retain_graph: bool | None = None,
    ) -> dict[Value, Value] | None:
        """Fill `.grad` of every Value this one depends on with d self / d that Value.

        With `create_graph=True`, `.grad` gets the same floats, and the result maps each leaf
        to its gradient as a Value with a graph of its own (to differentiate again). Those Values
        are not stored in `.grad`: a leaf would then hold a graph that holds the leaf, a
        reference cycle (PyTorch warns of exactly this).

        As in PyTorch, a pass consumes the graph: a second backward() through any operation
        it went through raises a RuntimeError, instead of adding the same gradients into the
        leaves twice. Pass `retain_graph=True` to go through it again on purpose (the leaves
        then accumulate both passes). Leaves accumulate across new graphs until zeroed.
        `retain_graph` defaults to `create_graph`, as in PyTorch.

        A Value computed under `no_grad()` records no graph: its backward() is a ValueError,
        as PyTorch's (there would be nothing to fill).

        Args:
            upstream: d root / d self, the seed of the pass (1.0: this Value is the root).
            create_graph: Also build the gradients as Values with graphs of their own, to
                differentiate again (`hessian`, `hvp` and `grad` use it).
            retain_graph: Keep the graph for another pass; defaults to `create_graph`.

        Returns:
            None; with `create_graph=True`, a dict from each leaf to its gradient as a Value.

        Raises:
            TypeError: `upstream` is not a real number, or this Value's data is not one.
            ValueError: This Value was computed under `no_grad()`, or `create_graph=True`
                comes with `retain_graph=False`.
            RuntimeError: The pass goes through an operation an earlier pass consumed
                (pass `retain_graph=True` the first time).

        Examples:
            >>> x = Value(3.0, label="x")
            >>> y = x * x
            >>> y.backward()
            >>> x.grad
            6.0
            >>> y.backward()
            Traceback (most recent call last):
                ...
            RuntimeError: backward: ...
        """
        if type(self) is _NoGraph:
            raise ValueError(
                f"backward: {self!r} was computed under no_grad(), so it records no graph "
                f"and no gradient can reach any Value it came from; compute it outside "
                f"no_grad() (or inside enable_grad())"
            )
        if not isinstance(self.data, numbers.Real):
            _not_a_number("backward", (self,))
        upstream = _as_float(upstream, "backward")
        if create_graph:
            if retain_graph is False:
                raise ValueError("backward: create_graph=True keeps the graph for the gradient's "
                                 "own graph; retain_graph=False cannot go with it")
            from .higher import backward_graph

            return backward_graph(self, upstream)
        _backward.backward(self, upstream, bool(retain_graph))
        return None

    def zero_grad(self) -> None:
        """Set this Value's grad to 0.0 (optimizers zero all their parameters at once).

        Examples:
            >>> x = Value(3.0)
            >>> (x * x).backward(); x.grad
            6.0
            >>> x.zero_grad(); x.grad
            0.0
        """
        self.grad = 0.0

    def detach(self) -> Value:
        """The same number as a new leaf, cut from the graph.

        Returns:
            A new leaf Value with this one's data and label (and grad 0.0).

        Examples:
            >>> x = Value(2.0, label="x")
            >>> y = (x * x).detach()
            >>> y.is_leaf, y.data
            (True, 4.0)
        """
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
        def exp(self) -> Value:
            """The exponential e ** self; d(e^a)/da = e^a.

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(0.0).exp().data
                1.0
            """
        def log(self) -> Value:
            """The natural logarithm; d(ln a)/da = 1/a.

            A DomainError (a ValueError) for a <= 0.

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(1.0).log().data
                0.0
            """
        def tanh(self) -> Value:
            """The hyperbolic tangent; its derivative is 1 - tanh^2.

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(0.0).tanh().data
                0.0
            """
        def sigmoid(self) -> Value:
            """1 / (1 + e ** -self); d(s(a))/da = s(a) * (1 - s(a)).

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(0.0).sigmoid().data
                0.5
            """
        def relu(self) -> Value:
            """max(self, 0); its derivative is 1 where a > 0, else 0 (0 at the kink, as PyTorch).

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(-2.0).relu().data
                0.0
            """
        def sqrt(self) -> Value:
            """The square root; d(sqrt a)/da = 1/(2*sqrt(a)).

            A DomainError for a < 0.

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(9.0).sqrt().data
                3.0
            """
        def abs(self) -> Value:
            """|self| (also `abs(x)`); its derivative is sign(a), 0 at the kink.

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> Value(-2.0).abs().data
                2.0
            """
        def softplus(self) -> Value:
            """ln(1 + e ** self), a smooth relu; its derivative is sigmoid(a).

            Returns:
                A new Value, one node of the graph, whose operand is this Value.

            Examples:
                >>> round(Value(0.0).softplus().data, 6)
                0.693147
            """


# micrograd's spelling where it differs from the catalogue's symbol.
_MICROGRAD_OP = {"relu": "ReLU", "vpow": "**"}

class _NoGraph(Value):
    """The result of an operation under `no_grad()`: a leaf that remembers it was computed.

    So backward() on it can say why no gradient would flow. Otherwise a Value like any other.
    """

    __slots__ = ()


_new = object.__new__


def _compared(other: object) -> float | None:
    """The number a Value is compared with: a Value's data, or a real number (else None)."""
    if isinstance(other, Value):
        return other.data
    if isinstance(other, numbers.Real):
        return float(other)
    return None


def _node(
    op: Op | None, data: float, a: Value | None, b: Value | tuple[Value, ...] | None
) -> Value:
    """A Value built in place: `data` is already a float, so Value.__init__'s checks are skipped.

    This runs once per operation.
    """
    out = _new(Value)
    out.data, out.grad, out.label, out._a, out._b, out._mark = data, 0.0, "", a, b, 0
    out._opdef = op  # type: ignore[assignment]  # None for a constant leaf
    return out


def _lift(x: object, where: str = "Value") -> Value | None:
    """An operand as a Value: a number becomes a constant leaf; anything else gives None.

    An array is a TypeError saying how to apply a Value elementwise (numpy's own fallback
    message speaks of ufuncs or concatenation).
    """
    if isinstance(x, Value):
        return x
    if type(x) is float:
        return _node(CONST, x, None, None)
    if isinstance(x, numbers.Real):
        return _node(CONST, _to_float(x, where), None, None)
    if _is_array(x) and getattr(getattr(x, "dtype", None), "kind", "") != "O":
        raise TypeError(f"{where}: cannot combine a Value with {type(x).__name__} "
                        f"{_brief(x)} {_ELEMENTWISE}")
    return None


def _elementwise(method: Callable[[Value, object], Value], self: Value, x: object) -> Any:
    """`method` applied to each element of an object array (of Values or numbers).

    As numpy would if a Value did not stop numpy's ufuncs; NotImplemented for anything else.
    """
    if getattr(getattr(x, "dtype", None), "kind", "") != "O":
        return NotImplemented
    import numpy

    return numpy.frompyfunc(lambda item: method(self, item), 1, 1)(x)


def _make(op: Op, data: float, a: Value | None, b: Value | tuple[Value, ...] | None) -> Value:
    """The result of `op` in any mode.

    A node that records its operands, a leaf under no_grad, and under detect_anomaly an error
    if the value is not finite.
    """
    state = _get_mode()
    if state & CHECK:
        _checked(op, data, _node(op, data, a, b).operands)
    if state & RECORD:
        return _node(op, data, a, b)
    out = _new(_NoGraph)
    out.data, out.grad, out.label, out._a, out._b, out._mark = data, 0.0, "", None, None, 0
    out._opdef = None  # type: ignore[assignment]  # a leaf
    return out


# A binary operator's method, as code: `EXPR` is the catalogue's `forward_code` when it is plain
# arithmetic on `a` and `b` (`a * b`: the same float operation as `ops.mul`, one call fewer on
# the hottest path of the forward pass), else a call of the op's forward function.
_BINARY_SOURCE = """
def method(self, other):
    if type(other) is not Value:
        lifted = _lift(other, name)
        if lifted is None:
            return _elementwise(method, self, other)
        other = lifted
    a = self.data
    b = other.data
    try:
        data = EXPR
    except (TypeError, ValueError):  # zero cost until raised (Python 3.11)
        _not_a_number(name, (self, other))
        raise
    if _get_mode() != RECORD:
        return _make(op, data, self, other)
    # _node(op, data, self, other), written out: this is the hottest line of the engine.
    out = _new(Value)
    out.data, out.grad, out.label, out._opdef, out._a, out._b, out._mark = (
        data, 0.0, "", op, self, other, 0)
    return out
"""

# other <op> self: the number on the left stays on the left.
_REFLECTED_SOURCE = """
def method(self, other):
    left = _lift(other, name)
    if left is None:
        return _elementwise(method, self, other)
    a = left.data
    b = self.data
    try:
        data = EXPR
    except (TypeError, ValueError):
        _not_a_number(name, (left, self))
        raise
    if _get_mode() != RECORD:
        return _make(op, data, left, self)
    out = _new(Value)
    out.data, out.grad, out.label, out._opdef, out._a, out._b, out._mark = (
        data, 0.0, "", op, left, self, 0)
    return out
"""


def _binary(op: Op, reflected: bool = False,
            made: type[Value] | None = None) -> Callable[[Value, object], Value]:
    """The operator method for `op`, written from its forward_code.

    `made`: the class of the nodes it makes, when a subclass (chainrule.micrograd's Value)
    wants its own without a copy.
    """
    code = op.forward_code
    if not set(compile(code, op.name, "eval").co_names) <= {"a", "b"}:
        code = "forward(a, b)"
    scope: dict[str, Any] = {
        "__name__": __name__,  # the generated method is the engine's (compile.watch reads this)
        "Value": Value, "_lift": _lift, "_elementwise": _elementwise, "_make": _make,
        "_not_a_number": _not_a_number, "_get_mode": _get_mode, "RECORD": RECORD,
        "_new": _new, "op": op, "name": op.name, "forward": op.forward,
    }
    source = (_REFLECTED_SOURCE if reflected else _BINARY_SOURCE).replace("EXPR", code)
    if made is not None:  # the subclass's nodes; its operands and the core's need no lifting
        scope["Made"] = made
        source = source.replace("out = _new(Value)", "out = _new(Made)").replace(
            "if type(other) is not Value:",
            "if type(other) is not Made and type(other) is not Value:").replace(
            "left = _lift(other, name)",
            "left = other if type(other) is Value else _lift(other, name)")
    exec(compile(source, f"<Value.{op.name}>", "exec"), scope)  # noqa: S102 - from the catalogue
    method: Callable[[Value, object], Value] = scope["method"]
    method.__name__ = op.name
    method.__doc__ = f"{op.name}: {op.formula}"
    return method


def _unary(op: Op, made: type[Value] | None = None) -> Callable[[Value], Value]:
    """The method for a one-operand `op`; `made` as for `_binary`."""
    forward = op.forward
    cls = Value if made is None else made

    def method(self: Value) -> Value:
        try:
            data = forward(self.data)
        except (TypeError, ValueError):
            _not_a_number(op.name, (self,))
            raise
        if _get_mode() != RECORD:
            return _make(op, data, self, None)
        out = _new(cls)
        out.data, out.grad, out.label, out._opdef, out._a, out._b, out._mark = (
            data, 0.0, "", op, self, None, 0)
        return out

    method.__name__ = op.name
    method.__doc__ = f"{op.name}: {op.formula}"
    return method


def _power(made: type[Value] | None = None) -> Callable[[Value, object], Value]:
    """`__pow__`; `made` as for `_binary`."""
    pow_const, vpow = _binary(CATALOGUE["pow"], made=made), _binary(CATALOGUE["vpow"], made=made)

    def _pow(self: Value, exponent: object) -> Value:
        """Raise self to `exponent`: a number exponent is a constant (`pow`).

        A Value exponent is differentiated too (`vpow`).
        """
        if isinstance(exponent, Value):
            return vpow(self, exponent)
        return pow_const(self, exponent)

    return _pow


_POW = CATALOGUE["pow"]

# The operator methods: name, catalogue op, and whether the Value is the right operand.
_BINARY_METHODS = (
    ("__add__", "add", False), ("__radd__", "add", True),  # other + self
    ("__sub__", "sub", False), ("__rsub__", "sub", True),  # other - self
    ("__mul__", "mul", False), ("__rmul__", "mul", True),  # other * self
    ("__truediv__", "div", False), ("__rtruediv__", "div", True),  # other / self
    ("__rpow__", "vpow", True),  # other ** self
)
_UNARY_METHODS = (("__neg__", "neg"), ("__abs__", "abs"), *(
    (name, name) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "softplus")))


def _install_operators(cls: type[Value], made: type[Value] | None = None) -> None:
    """Every operator method on `cls`, written from the catalogue; `made` as for `_binary`.

    chainrule.micrograd's Value installs the same set for its own nodes.
    """
    for name, op_name, reflected in _BINARY_METHODS:
        setattr(cls, name, _binary(CATALOGUE[op_name], reflected, made=made))
    cls.__pow__ = _power(made)
    for name, op_name in _UNARY_METHODS:
        setattr(cls, name, _unary(CATALOGUE[op_name], made=made))


_install_operators(Value)


def _nary(op: Op, values: Iterable[Value | Number]) -> Value:
    lifted = []
    for i, x in enumerate(values):
        v = _lift(x, op.name)
        if v is None:
            raise TypeError(
                f"{op.name}: item {i} must be a Value or a real number, got {type(x).__name__}"
            )
        lifted.append(v)
    operands = tuple(lifted)
    try:
        data = op.forward(*[x.data for x in operands])
    except (TypeError, ValueError):
        _not_a_number(op.name, operands)
        raise
    return _make(op, data, None, operands)


_SUM = CATALOGUE["sum"]


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 - as torch.sum
    """One node for a1 + a2 + ... + an (builtin sum would build n - 1 add nodes).

    The sum of nothing is 0.0.

    Args:
        values: Values and numbers (numbers are lifted into the graph).

    Returns:
        A Value whose operands are all the items; each gets gradient 1 from it.

    Raises:
        TypeError: An item is neither a Value nor a real number.

    Examples:
        >>> from autograd import Value, sum
        >>> xs = [Value(1.0), Value(2.0), 3.0]
        >>> total = sum(xs)
        >>> total.backward()
        >>> total.data, len(total.operands), xs[0].grad
        (6.0, 3, 1.0)
    """
    operands: tuple[Any, ...] = tuple(values)
    for x in operands:
        if type(x) is not Value:  # numbers to lift, or something to refuse: the general path
            return _nary(_SUM, operands)
    # All Values already (a layer's weighted inputs, a batch of losses): nothing to lift.
    try:
        data = _SUM.forward(*[x.data for x in operands])
    except (TypeError, ValueError):
        _not_a_number("sum", operands)
        raise
    if _get_mode() != RECORD:
        return _make(_SUM, data, None, operands)
    out = _new(Value)
    out.data, out.grad, out.label, out._opdef, out._a, out._b, out._mark = (
        data, 0.0, "", _SUM, None, operands, 0)
    return out


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """log(e^a1 + ... + e^an) in one stable node; its gradient is the softmax.

    Args:
        values: Values and numbers, at least one.

    Returns:
        A Value; d out / d ai = e^ai / sum e^aj.

    Raises:
        TypeError: An item is neither a Value nor a real number.
        ValueError: `values` is empty.

    Examples:
        >>> from autograd import Value, logsumexp
        >>> xs = [Value(0.0), Value(0.0)]
        >>> out = logsumexp(xs)
        >>> out.backward()
        >>> round(out.data, 6), [x.grad for x in xs]
        (0.693147, [0.5, 0.5])
    """
    items = list(values)
    if not items:
        raise ValueError("logsumexp: needs at least one value, got none")
    return _nary(CATALOGUE["logsumexp"], items)


def mean(values: Iterable[Value | Number]) -> Value:
    """(a1 + ... + an) / n, as one sum node and one division.

    Args:
        values: Values and numbers, at least one.

    Returns:
        A Value; each item gets gradient 1/n from it.

    Raises:
        TypeError: An item is neither a Value nor a real number.
        ValueError: `values` is empty.

    Examples:
        >>> from autograd import Value, mean
        >>> xs = [Value(1.0), Value(2.0), Value(6.0)]
        >>> m = mean(xs)
        >>> m.backward()
        >>> m.data, xs[0].grad
        (3.0, 0.3333333333333333)
    """
    items = list(values)
    if not items:
        raise ValueError("mean: needs at least one value, got none")
    return sum(items) / len(items)
