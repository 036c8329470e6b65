"""The playground's one-click examples: title -> the program (each runs as written on chainrule;
the tests run every one in CPython and in the page)."""

EXAMPLES = {
    "Worked example (2-2-1)": '''\
# The worked example's 2-2-1 network at the post's
# starting weights: one forward pass, then backward().
from nn.examples.worked_example import START, forward

g = forward(START)   # the Values, named as in the post
g.error.backward()
print("E       =", g.error.data)
print("dE/dw35 =", g.weights["w35"].grad)
# Draw E, the path from w35 in red, top to bottom:
show(g.error, highlight="w35", show_local_grads=True,
     rankdir="TB")
''',
    "The lecture's tanh neuron": '''\
# The neuron of micrograd's lecture:
# o = tanh(x1*w1 + x2*w2 + b)
from autograd import Value

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
print("x1.grad =", x1.grad, " w1.grad =", w1.grad)
o   # the last line's Value is the one drawn
''',
    "A closure op (micrograd door)": '''\
# The lecture's way to add an operation: a _backward
# closure, on chainrule's micrograd door. backward()
# runs it; the page shows the numbers it gives, and
# compile refuses it (a closure is not a formula).
import math
from chainrule.micrograd.engine import Value

def tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,), "tanh")
    def _backward():
        self.grad += (1 - t**2) * out.grad
    out._backward = _backward
    return out

Value.tanh = tanh
x = Value(0.8, label="x")
w = Value(-1.5, label="w")
y = (x * w).tanh()
y.label = "y"
y.backward()
print("x.grad =", x.grad, " w.grad =", w.grad)
y
''',
    "Your own op: define_op": '''\
# An operation of your own, in the catalogue:
# its forward and local derivative as formulas.
from autograd import Value, define_op

softsign = define_op("softsign", forward="a / (1.0 + abs(a))",
                     local_grads=["1.0 / ((1.0 + abs(a)) * (1.0 + abs(a)))"])
x, w = Value(0.5, label="x"), Value(-1.5, label="w")
y = softsign(x * w) + x * x
y.label = "y"
y.backward()
print("dy/dx =", x.grad, " dy/dw =", w.grad)
y
''',
    "One nn.MLP step": '''\
# One SGD step of a small MLP: forward, loss,
# backward, step.
import nn

model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
opt = nn.SGD(model.parameters(), lr=0.1)
(score,) = model([0.5, -1.0])  # a list of Values
loss = nn.mse_loss([score], [1.0])
loss.label = "loss"
opt.zero_grad()
loss.backward()
show(loss, rankdir="TB")  # drawn now, before the step
opt.step()
(after,) = model([0.5, -1.0])
print("loss before:", loss.data)
print("after a step:", nn.mse_loss([after], [1.0]).data)
''',
}
