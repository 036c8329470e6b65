"""Neuron, Layer and MLP on scalar `Value`s: micrograd's shapes, PyTorch's layout and names.

A neuron computes act(w . x + b) as ONE n-ary `sum` node over the products (and the bias), not
a chain of additions: a smaller graph to draw, and fewer nodes for backward() to walk.

Calling a Layer or an MLP always returns a `list[Value]`, even for one output (micrograd returns
a bare Value when a layer has width 1; here the type never depends on the width). A Neuron
returns one Value. The list is an `Outputs`: a list that refuses arithmetic with an error that
says `(score,) = model(x)`, so micrograd's `1 + -y * model(x)` cannot go wrong silently
(`chainrule.micrograd` has micrograd's own classes, bare Value and all).

Weights are laid out as PyTorch's `nn.Linear.weight`: one row per neuron, one column per input,
so `weights[l][j][k]` is the weight of layer l, neuron j, input k.
"""

from __future__ import annotations

import math
import numbers
import random
from typing import Any, Callable, Sequence, Union

import autograd
from autograd import Value

from ._checks import is_flag, quote
from .module import Module

__all__ = ["Neuron", "Layer", "MLP", "Outputs", "ACTIVATIONS", "INITS"]

Number = Union[int, float]
Input = Sequence[Union[Value, Number]]

# name -> the Value method applied to w . x + b (None: linear, the sum itself).
ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "linear": None,
}
"""The activations by name: the Value method applied to w . x + b (None: linear, the sum)."""
INITS = ("uniform", "torch", "xavier")
"""The weight draws: micrograd's U(-1, 1), PyTorch's nn.Linear, and Xavier (Glorot) uniform."""

_sum = autograd.sum
_mul = Value.__mul__


def _check_activation(activation: object, where: str, argument: str = "activation") -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"{where}: {argument} must be one of {', '.join(map(repr, ACTIVATIONS))}, "
                         f"got {quote(activation)}")
    return activation


def _refuse_nonlin(nonlin: object, where: str) -> None:
    """Refuse micrograd's `nonlin=` flag, saying how this package says it (or use micrograd's)."""
    if nonlin is not None:
        raise TypeError(f"{where}: nonlin= is micrograd's flag; here say activation=\"relu\" "
                        f"(nonlin=True) or activation=\"linear\" (nonlin=False), or use "
                        f"micrograd's own classes: from chainrule.micrograd.nn import {where}")


def _check_size(n: object, where: str, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{where}: {what} must be an int, got {type(n).__name__} {quote(n)}")
    if n < 1:
        raise ValueError(f"{where}: {what} must be at least 1, got {quote(n)}")
    return int(n)


def _rng(seed: int | random.Random, where: str) -> random.Random:
    """A private generator: one seed gives the same draws on every run, whatever else runs."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{where}: seed must be an int or a random.Random, got "
                        f"{type(seed).__name__} {quote(seed)}")
    return random.Random(int(seed))


def _as_inputs(x: Any, nin: int, where: str) -> list[Value]:  # Any: checked here
    """The input as Values (numbers become leaves once, not a constant per product)."""
    if isinstance(x, (Value, numbers.Number, str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{where}: expected a sequence of {nin} inputs (Values or numbers), got "
                        f"{type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{where}: expected an input of length {nin}, got length {len(x)}")
    out = []
    for i, v in enumerate(x):
        if isinstance(v, Value):
            out.append(v)
        elif isinstance(v, numbers.Real):
            out.append(Value(float(v)))
        else:
            raise TypeError(f"{where}: input {i} must be a Value or a real number, got "
                            f"{type(v).__name__} {quote(v)}")
    return out


class Outputs(list):  # type: ignore[type-arg]  # list[Value]; subscripted, it could not be a base
    """What calling a Layer or an MLP returns: a list of Values, one per output, even for one.

    A plain list would meet arithmetic with a puzzling error (`1 + [v]`: unsupported operand
    types for +: 'int' and 'list') or none at all (`np.int64(-1) * [v]` is `[]`, `2 * [v]` is
    `[v, v]`). This list refuses every arithmetic operator and every Value attribute with a
    TypeError (AttributeError) that says how to take the Value out: `(score,) = model(x)`.
    Everything a list does (indexing, unpacking, len, iteration, ==, list + list) still works.
    """

    __slots__ = ()
    __array_ufunc__ = None  # numpy scalars on the left defer to the operators below

    def _why(self) -> str:
        n = len(self)
        which = ("take the Value out first: (score,) = model(x)" if n == 1 else
                 "take the Values out first: (score,) = model(x) for a model with one output, "
                 "model(x)[j] for output j")
        return (f"the model returned a list of {n} Value{'s' if n != 1 else ''} (Layer and MLP "
                f"always return a list, even for one output), not a Value; {which}")

    def _refuse(self, symbol: str) -> TypeError:
        return TypeError(f"unsupported operand for {symbol}: {self._why()}")

    def __add__(self, other: object) -> Any:
        if isinstance(other, list):  # list + list: still concatenation
            return list(self) + other
        raise self._refuse("+")

    def __radd__(self, other: object) -> Any:
        if isinstance(other, list):
            return other + list(self)
        raise self._refuse("+")

    def __iadd__(self, other: object) -> Any:
        if isinstance(other, list):
            return list.__iadd__(self, other)
        raise self._refuse("+=")

    def __mul__(self, other: object) -> Any:
        raise self._refuse("*")

    def __lt__(self, other: object) -> Any:
        if isinstance(other, list):
            return list.__lt__(self, other)
        raise self._refuse("<")

    def __le__(self, other: object) -> Any:
        if isinstance(other, list):
            return list.__le__(self, other)
        raise self._refuse("<=")

    def __gt__(self, other: object) -> Any:
        if isinstance(other, list):
            return list.__gt__(self, other)
        raise self._refuse(">")

    def __ge__(self, other: object) -> Any:
        if isinstance(other, list):
            return list.__ge__(self, other)
        raise self._refuse(">=")

    def __float__(self) -> float:
        raise TypeError(f"float() needs a number: {self._why()}")

    def __getattr__(self, name: str) -> Any:
        # Only for names a list lacks: `model(x).data`, `.backward()`, `.relu()`, ...
        if name in _VALUE_NAMES:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute {quote(name)}: "
                                 f"{self._why()}")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {quote(name)}")


def _refuser(symbol: str) -> Callable[..., Any]:
    def refuse(self: Outputs, *other: object) -> Any:
        raise self._refuse(symbol)

    return refuse


for _name, _symbol in (("__rmul__", "*"), ("__imul__", "*="), ("__sub__", "-"),
                       ("__rsub__", "-"), ("__truediv__", "/"), ("__rtruediv__", "/"),
                       ("__floordiv__", "//"), ("__rfloordiv__", "//"), ("__mod__", "%"),
                       ("__rmod__", "%"), ("__pow__", "**"), ("__rpow__", "**"),
                       ("__matmul__", "@"), ("__rmatmul__", "@"), ("__neg__", "unary -"),
                       ("__pos__", "unary +"), ("__abs__", "abs")):
    setattr(Outputs, _name, _refuser(_symbol))

# The names a learner reaches for on a Value (model(x).data, .grad, .backward(), .relu(), ...).
_VALUE_NAMES = frozenset(n for n in dir(Value) if not n.startswith("__")) | {"data", "grad"}


def _as_number(x: object, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or isinstance(x, Value):
        raise TypeError(f"{where} must be a real number, got {type(x).__name__} {quote(x)}")
    return float(x)


class Neuron(Module):
    """One neuron, act(w . x + b): `w` a list of Values (one per input), `b` a Value or None.

    Its weights are drawn as a one-neuron `Layer`'s, from `random.Random(seed)`.

    Args:
        nin: The number of inputs (and weights).
        activation: One of `ACTIVATIONS`: "relu", "sigmoid", "tanh" or "linear".
        bias: Give it a bias `b` (False: `b` is None).
        init: One of `INITS` (see `MLP`).
        seed: An int, or a `random.Random` to draw from.
        nonlin: micrograd's flag, refused with a message saying how to write it here.

    Attributes:
        w: The weights, one Value per input.
        b: The bias, a Value, or None.
        activation: The activation's name.

    Raises:
        TypeError: `nin` or `seed` has the wrong type, `bias` is not a bool, or `nonlin` is
            given.
        ValueError: `nin` < 1, or `activation` or `init` is not one of the names.

    Examples:
        >>> import nn
        >>> n = nn.Neuron(3, activation="tanh", seed=0)
        >>> n
        Neuron(3, activation='tanh')
        >>> n([1.0, 2.0, 3.0])
        Value(data=0.846618, grad=0.0, op='tanh')
    """

    activation: str
    _act: Callable[[Value], Value] | None

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        bias: bool = True,
        init: str = "uniform",
        seed: int | random.Random = 0,
        *,
        nonlin: object = None,
    ) -> None:
        _refuse_nonlin(nonlin, "Neuron")
        layer = Layer(nin, 1, activation=activation, bias=bias, init=init, seed=seed)
        (neuron,) = layer.neurons
        self.w: list[Value] = neuron.w
        self.b: Value | None = neuron.b
        self.activation = neuron.activation
        self._act = neuron._act
        _label(self)

    @classmethod
    def from_weights(
        cls, w: Sequence[Number], b: Number | None = None, activation: str = "relu"
    ) -> Neuron:
        """A neuron with these input weights and bias (None: no bias).

        Args:
            w: The weights, one number per input.
            b: The bias, or None for none.
            activation: One of `ACTIVATIONS`.

        Returns:
            The Neuron, its parameters new leaf Values.

        Raises:
            TypeError: `w` is not a sequence of real numbers, or `b` is not one.
            ValueError: `w` is empty, or `activation` is not one of the names.

        Examples:
            >>> import nn
            >>> n = nn.Neuron.from_weights([0.5, -1.0], b=0.25, activation="linear")
            >>> n([2.0, 1.0]).data              # 0.5*2 - 1*1 + 0.25
            0.25
        """
        where = "Neuron.from_weights"
        _check_activation(activation, where)
        if isinstance(w, (str, bytes, numbers.Number, Value)) or not hasattr(w, "__len__"):
            raise TypeError(f"{where}: w must be a sequence of numbers, got {type(w).__name__}")
        if len(w) == 0:
            raise ValueError(f"{where}: w must hold at least one weight, got none")
        self = cls.__new__(cls)
        self.w = [Value(_as_number(x, f"{where}: w[{k}]")) for k, x in enumerate(w)]
        self.b = None if b is None else Value(_as_number(b, f"{where}: b"))
        self.activation = activation
        self._act = ACTIVATIONS[activation]
        _label(self)
        return self

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.w)

    def __call__(self, x: Input) -> Value:
        """The neuron's output for one input: act(w . x + b), one Value.

        Args:
            x: A sequence of `nin` Values or numbers.

        Returns:
            One Value: a `sum` node over the products and the bias, through the activation.

        Raises:
            TypeError: `x` is not a sequence, or an item is neither a Value nor a real number.
            ValueError: `x` does not have `nin` items.
        """
        return self._forward(_as_inputs(x, len(self.w), "Neuron"))

    def _forward(self, xs: list[Value]) -> Value:
        # Inputs already checked and made Values by the caller.
        terms = list(map(_mul, self.w, xs))
        if self.b is not None:
            terms.append(self.b)
        act = _sum(terms)
        return act if self._act is None else self._act(act)

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"Neuron({len(self.w)}, activation={self.activation!r}{bias})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; calling it returns a list of nout Values.

    Args:
        nin: The number of inputs.
        nout: The number of neurons (outputs).
        activation: One of `ACTIVATIONS`: "relu", "sigmoid", "tanh" or "linear".
        bias: Give each neuron a bias.
        init: One of `INITS` (see `MLP`).
        seed: An int, or a `random.Random` to draw from.
        nonlin: micrograd's flag, refused with a message saying how to write it here.

    Attributes:
        neurons: The Neurons, in order.
        activation: The activation's name.

    Raises:
        TypeError: `nin`, `nout` or `seed` has the wrong type, `bias` is not a bool, or
            `nonlin` is given.
        ValueError: `nin` or `nout` < 1, or `activation` or `init` is not one of the names.

    Examples:
        >>> import nn
        >>> layer = nn.Layer(2, 3, seed=0)
        >>> layer
        Layer(2, 3, activation='relu')
        >>> len(layer([1.0, -1.0])), layer.nin, layer.nout
        (3, 2, 3)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        bias: bool = True,
        init: str = "uniform",
        seed: int | random.Random = 0,
        *,
        nonlin: object = None,
    ) -> None:
        where = "Layer"
        _refuse_nonlin(nonlin, where)
        nin = _check_size(nin, where, "nin")
        nout = _check_size(nout, where, "nout")
        _check_activation(activation, where)
        if not is_flag(bias):
            raise TypeError(f"{where}: bias must be True or False, got {type(bias).__name__}")
        bias = bool(bias)
        if init not in INITS:
            raise ValueError(f"{where}: init must be one of {', '.join(map(repr, INITS))}, got "
                             f"{quote(init)}")
        rng = _rng(seed, where)
        weights, biases = _draw(rng, nin, nout, init, bias)
        self._build(weights, biases, activation)

    def _build(self, weights: list[list[float]], biases: list[float] | None,
               activation: str) -> None:
        self.activation = activation
        self.neurons: list[Neuron] = []
        act = ACTIVATIONS[activation]
        for j, row in enumerate(weights):
            n = Neuron.__new__(Neuron)
            n.w = [Value(x) for x in row]
            n.b = None if biases is None else Value(biases[j])
            n.activation = activation
            n._act = act
            self.neurons.append(n)
        _label(self)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[Number]],
        biases: Sequence[Number] | None = None,
        activation: str = "relu",
    ) -> Layer:
        """A layer from weight rows (PyTorch's out x in layout) and optional biases.

        Args:
            weights: One row per neuron, one weight per input in each.
            biases: One number per neuron, or None for no biases.
            activation: One of `ACTIVATIONS`.

        Returns:
            The Layer, its parameters new leaf Values.

        Raises:
            TypeError: `weights` is not a list of rows of real numbers, or `biases` is not a
                list of real numbers.
            ValueError: A row is empty or ragged, `biases` has not one entry per neuron, or
                `activation` is not one of the names.

        Examples:
            >>> import nn
            >>> layer = nn.Layer.from_weights([[1.0, 2.0], [3.0, 4.0]], biases=[0.5, -0.5],
            ...                               activation="linear")
            >>> [y.data for y in layer([1.0, 1.0])]
            [3.5, 6.5]
        """
        where = "Layer.from_weights"
        _check_activation(activation, where)
        rows = _check_rows(weights, None, where, "weights")
        bias = None if biases is None else _check_biases(biases, len(rows), where, "biases")
        self = cls.__new__(cls)
        self._build(rows, bias, activation)
        return self

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        """The number of neurons (outputs)."""
        return len(self.neurons)

    def __call__(self, x: Input) -> list[Value]:
        """Always a list of `nout` Values, even when nout is 1 (an `Outputs`).

        Args:
            x: A sequence of `nin` Values or numbers.

        Returns:
            The neurons' outputs, an `Outputs` list, one Value per neuron.

        Raises:
            TypeError: `x` is not a sequence, or an item is neither a Value nor a real number.
            ValueError: `x` does not have `nin` items.
        """
        return Outputs(self._forward(_as_inputs(x, self.nin, "Layer")))

    def _forward(self, xs: list[Value]) -> list[Value]:
        return [n._forward(xs) for n in self.neurons]

    def __repr__(self) -> str:
        bias = "" if self.neurons[0].b is not None else ", bias=False"
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r}{bias})"


class MLP(Module):
    """Layers in a row: a multi-layer perceptron.

    `MLP(2, [16, 16, 1])` is micrograd's model: ReLU hidden layers, a linear output, weights
    drawn from U(-1, 1) and zero biases.
    All weights come from one `random.Random(seed)`, drawn layer by layer, row by row, so one
    seed gives the same model bit for bit (and seed 1337 gives micrograd's demo model exactly).
    `init="torch"` draws weights and biases from U(-1/sqrt(nin), 1/sqrt(nin)) as
    `torch.nn.Linear`; `init="xavier"` draws weights from U(-a, a), a = sqrt(6/(nin + nout)),
    with zero biases.

    Args:
        nin: The number of inputs.
        nouts: The width of each layer, in order; the last is the number of outputs.
        activation: The hidden layers' activation, one of `ACTIVATIONS`.
        output_activation: The last layer's activation, one of `ACTIVATIONS`.
        bias: Give every neuron a bias.
        init: One of `INITS`: "uniform", "torch" or "xavier".
        seed: An int, or a `random.Random` to draw from.

    Attributes:
        layers: The Layers, in order.

    Raises:
        TypeError: `nin`, a width or `seed` has the wrong type, `nouts` is not a list, or
            `bias` is not a bool.
        ValueError: `nin` or a width < 1, `nouts` is empty, or an activation or `init` is not
            one of the names.

    Examples:
        >>> import nn
        >>> model = nn.MLP(2, [16, 16, 1], seed=1337)     # micrograd's demo model
        >>> model
        MLP(
          (0): Layer(2, 16, activation='relu')
          (1): Layer(16, 16, activation='relu')
          (2): Layer(16, 1, activation='linear')
        )
        >>> (score,) = model([0.5, -1.0])                  # a list, even for one output
        >>> score
        Value(data=-0.666216, grad=0.0, op='sum')
        >>> len(model.parameters())
        337
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        init: str = "uniform",
        seed: int | random.Random = 0,
    ) -> None:
        where = "MLP"
        nin = _check_size(nin, where, "nin")
        if hasattr(nouts, "tolist") and getattr(nouts, "ndim", None) == 1:
            nouts = nouts.tolist()  # a numpy array of widths, as a list
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"{where}: nouts must be a list of layer widths such as [16, 16, 1], "
                            f"got {type(nouts).__name__} {quote(nouts)}")
        if len(nouts) == 0:
            raise ValueError(f"{where}: nouts must list at least one layer width, got []")
        sizes = [nin] + [_check_size(n, where, f"nouts[{i}]") for i, n in enumerate(nouts)]
        _check_activation(activation, where)
        _check_activation(output_activation, where, "output_activation")
        rng = _rng(seed, where)
        self.layers: list[Layer] = [
            Layer(sizes[i], sizes[i + 1],
                  activation=activation if i < len(nouts) - 1 else output_activation,
                  bias=bias, init=init, seed=rng)
            for i in range(len(nouts))
        ]
        _label(self)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[Sequence[Number]]],
        biases: Sequence[Sequence[Number] | None] | None = None,
        activation: str = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """A model from explicit weights: `weights[l][j][k]` is layer l, neuron j, input k.

        `biases` is None (no biases anywhere) or one entry per layer: a list of nout numbers,
        or None for a layer without biases.

        Args:
            weights: One list of rows per layer (PyTorch's out x in layout in each).
            biases: None, or one entry per layer: a list of nout numbers, or None.
            activation: The hidden layers' activation, one of `ACTIVATIONS`.
            output_activation: The last layer's activation, one of `ACTIVATIONS`.

        Returns:
            The MLP, its parameters new leaf Values.

        Raises:
            TypeError: `weights` or `biases` (or a row, or an entry) has the wrong type.
            ValueError: `weights` is empty, a layer's rows do not fit the layer before,
                `biases` has not one entry per layer (or per neuron), or an activation is not
                one of the names.

        Examples:
            >>> import nn
            >>> model = nn.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
            ...                             activation="sigmoid", output_activation="sigmoid")
            >>> model                                  # the worked example's 2-2-1 network
            MLP(
              (0): Layer(2, 2, activation='sigmoid', bias=False)
              (1): Layer(2, 1, activation='sigmoid', bias=False)
            )
            >>> [p.label for p in model.layers[1].parameters()]  # named, for the pictures
            ['layers.1.neurons.0.w.0', 'layers.1.neurons.0.w.1']
        """
        where = "MLP.from_weights"
        _check_activation(activation, where)
        _check_activation(output_activation, where, "output_activation")
        if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
            raise TypeError(f"{where}: weights must be a list of layers (each a list of rows), "
                            f"got {type(weights).__name__}")
        if len(weights) == 0:
            raise ValueError(f"{where}: weights must hold at least one layer, got none")
        if biases is not None:
            if isinstance(biases, (str, bytes)) or not isinstance(biases, Sequence):
                raise TypeError(f"{where}: biases must be None or a list with one entry per "
                                f"layer, got {type(biases).__name__}")
            if len(biases) != len(weights):
                raise ValueError(f"{where}: biases has {len(biases)} entries, expected one per "
                                 f"layer ({len(weights)})")
        self = cls.__new__(cls)
        self.layers = []
        nin = None
        for i, layer_weights in enumerate(weights):
            rows = _check_rows(layer_weights, nin, where, f"weights[{i}]")
            layer_bias = None if biases is None or biases[i] is None else _check_biases(
                biases[i], len(rows), where, f"biases[{i}]")
            layer = Layer.__new__(Layer)
            act = activation if i < len(weights) - 1 else output_activation
            layer._build(rows, layer_bias, act)
            self.layers.append(layer)
            nin = len(rows)
        _label(self)
        return self

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return self.layers[0].nin

    @property
    def nout(self) -> int:
        """The number of outputs (the last layer's width)."""
        return self.layers[-1].nout

    def __call__(self, x: Input) -> list[Value]:
        """The outputs of the last layer: always a list of Values, even for one output.

        Args:
            x: A sequence of `nin` Values or numbers.

        Returns:
            An `Outputs` list of `nout` Values; `(score,) = model(x)` takes one out.

        Raises:
            TypeError: `x` is not a sequence, or an item is neither a Value nor a real number.
            ValueError: `x` does not have `nin` items.
        """
        xs = _as_inputs(x, self.layers[0].nin, "MLP")
        for layer in self.layers:
            xs = layer._forward(xs)
        return Outputs(xs)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + "\n)"


def _draw(rng: random.Random, nin: int, nout: int, init: str,
          bias: bool) -> tuple[list[list[float]], list[float] | None]:
    """Weights row by row, then the biases (drawn only by init="torch")."""
    if init == "uniform":
        bound = 1.0
    elif init == "torch":
        bound = 1.0 / math.sqrt(nin)
    else:  # xavier (Glorot) uniform, gain 1
        bound = math.sqrt(6.0 / (nin + nout))
    weights = [[rng.uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)]
    if not bias:
        return weights, None
    if init == "torch":
        return weights, [rng.uniform(-bound, bound) for _ in range(nout)]
    return weights, [0.0] * nout


def _check_rows(rows: object, nin: int | None, where: str, what: str) -> list[list[float]]:
    """Weight rows of one layer as floats.

    Ragged rows, or rows that do not fit the layer before, are a ValueError saying what was
    expected.
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(f"{where}: {what} must be a list of weight rows (one per neuron), got "
                        f"{type(rows).__name__}")
    if len(rows) == 0:
        raise ValueError(f"{where}: {what} must hold at least one row (one per neuron), got none")
    out: list[list[float]] = []
    for j, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(f"{where}: {what}[{j}] must be a list of numbers (one per input), got "
                            f"{type(row).__name__} {quote(row)}")
        expected = nin if nin is not None else len(out[0]) if out else None
        if expected is not None and len(row) != expected:
            why = ("the width of the layer before" if nin is not None
                   else f"the length of {what}[0]")
            raise ValueError(f"{where}: {what}[{j}] has {len(row)} weights, expected {expected} "
                             f"({why})")
        if len(row) == 0:
            raise ValueError(f"{where}: {what}[{j}] is empty; each row needs one weight per input")
        out.append([_as_number(x, f"{where}: {what}[{j}][{k}]") for k, x in enumerate(row)])
    return out


def _check_biases(biases: object, nout: int, where: str, what: str) -> list[float]:
    if isinstance(biases, (str, bytes)) or not isinstance(biases, Sequence):
        raise TypeError(f"{where}: {what} must be a list of numbers (one per neuron), got "
                        f"{type(biases).__name__}")
    if len(biases) != nout:
        raise ValueError(f"{where}: {what} has {len(biases)} biases, expected {nout} "
                         f"(one per neuron)")
    return [_as_number(x, f"{where}: {what}[{j}]") for j, x in enumerate(biases)]


def _label(module: Module) -> None:
    """Label each parameter with its name, so graph pictures say which weight is which."""
    for name, p in module.named_parameters():
        p.label = name
