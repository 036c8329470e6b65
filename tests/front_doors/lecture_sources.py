"""The lecture's way of adding operations, written in our own words: `tanh` and `exp` as
`_backward` closures attached to micrograd's Value, a neuron written with them, and the small
MLP trained on the lecture's four samples. The same text runs against micrograd from PyPI and,
with `micrograd_sources.as_chainrule` changing the import only, against chainrule.micrograd.
"""

CLOSURE_OPS = """\
import math
from micrograd.engine import Value

def tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), 'tanh')

    def _backward():
        self.grad += (1 - t ** 2) * out.grad
    out._backward = _backward
    return out

def exp(self):
    out = Value(math.exp(self.data), (self,), 'exp')

    def _backward():
        self.grad += out.data * out.grad
    out._backward = _backward
    return out

Value.tanh = tanh
Value.exp = exp
"""

# One neuron, its activation written twice: tanh in one closure, and tanh from exp.
NEURON = CLOSURE_OPS + """\
x1, x2 = Value(2.0), Value(0.0)
w1, w2 = Value(-3.0), Value(1.0)
b = Value(6.8813735870195432)
n = x1 * w1 + x2 * w2 + b
o = n.tanh()
o.backward()
print(o.data, x1.grad, w1.grad, x2.grad, w2.grad)
for v in (x1, x2, w1, w2, b):
    v.grad = 0.0
n = x1 * w1 + x2 * w2 + b
e = (2 * n).exp()
o = (e - 1) / (e + 1)
o.backward()
print(o.data, x1.grad, w1.grad, x2.grad, w2.grad)
"""

TRAIN = CLOSURE_OPS + """\
import random

class Neuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self):
        return self.w + [self.b]

class Layer:
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

class MLP:
    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

random.seed(1337)
net = MLP(3, [4, 4, 1])
xs = [[2, 3, -1], [3, -1, 0.5], [0.5, 1, -1], [1, 1, -1]]
ys = [1, -1, -1, 1]
for k in range(20):
    ypred = [net(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in net.parameters():
        p.grad = 0.0
    loss.backward()
    for p in net.parameters():
        p.data += -0.05 * p.grad
    print(k, repr(loss.data))
"""
