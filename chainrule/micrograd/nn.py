"""micrograd's `nn` (Module, Neuron, Layer, MLP), built on chainrule's Value and nn.Module.

The same arithmetic in the same order as micrograd's, so the same numbers: a neuron is
`sum((wi*xi for wi,xi in zip(self.w, x)), self.b)` then ReLU unless `nonlin=False`; weights from
`random.uniform(-1, 1)` on the global generator, in micrograd's order, and zero biases.
chainrule's own `nn.Neuron`/`nn.MLP` differ on purpose (an n-ary sum node, a private seeded
generator, a list from every call); this module is for code written for micrograd.
"""

from __future__ import annotations

import random
from typing import Any, Sequence, Union

import nn as _nn
from autograd import Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]

Input = Sequence[Union[Value, float]]


class Module(_nn.Module):
    """micrograd's Module: `zero_grad()` and `parameters()` (and chainrule's state dicts)."""


class Neuron(Module):
    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Input) -> Value:
        act: Value = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Input) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    def __call__(self, x: Input) -> Any:  # a Value for one output, else a list of Values
        for layer in self.layers:
            x = layer(x)  # type: ignore[assignment]  # a bare Value from a width-1 layer
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
