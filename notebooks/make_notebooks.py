"""Write (and run) the teaching notebooks from this one file, so their code is reviewed as code.

    python notebooks/make_notebooks.py            # write the .ipynb files, then execute them
    python notebooks/make_notebooks.py --no-run   # write them with no outputs

Each notebook tells one story, stays short (well under a minute), and is seeded. CI executes
them all, top to bottom, with `pytest notebooks/` (notebooks/conftest.py turns nbmake on).

The files are deterministic: writing them twice gives the same bytes. Each cell's id is a hash
of its text (so adding a cell changes no other cell's id), outputs lose object addresses
(`<... at 0x7f...>`), and no timings are recorded. Each notebook's metadata says what it needs
beyond the core install (`chainrule.requires`: REQUIRES below, plus matplotlib or scikit-learn
when a cell imports them), so that pytest skips it, saying why, where that is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str):
    return new_code_cell(text.strip("\n"))


# --- 1. the worked example --------------------------------------------------------------------

WORKED_EXAMPLE = [
    md(r"""
# 1. The worked example: the chain rule, one factor at a time

The blog post behind this project (a Chinese post on backpropagation, "例如更新 $w_{53}$")
takes a 2-2-1 network and updates one weight by hand. Inputs $x_1 = 0.35$, $x_2 = 0.9$, target
$y_a = 0.5$, no biases, the sigmoid $f(x) = 1/(1+e^{-x})$ on both layers:

$$z_3 = w_{13}x_1 + w_{23}x_2,\quad z_4 = w_{14}x_1 + w_{24}x_2,\quad y_3 = f(z_3),\quad y_4 = f(z_4)$$
$$z_5 = w_{35}y_3 + w_{45}y_4,\quad y_p = f(z_5),\quad E = \tfrac12 (y_p - y_a)^2$$

This notebook does what the post does, then lets `autograd` do it, and checks that the two agree
to the last bit. (The post calls the output weight $w_{53}$; its code keys it `(3, 5)`. Same weight.)
"""),
    code("""
%matplotlib inline
import matplotlib.pyplot as plt

from autograd import draw_dot, explain
from nn.examples import worked_example as we

we.START
"""),
    md("""
## The forward pass, in `Value`s

The whole network is a few lines of arithmetic on `autograd.Value`s: each number the engine
must differentiate is a `Value`, and every operation on them records itself in a graph.
"""),
    code("""
from autograd import Value

x1, x2, ya = Value(0.35, label="x1"), Value(0.9, label="x2"), 0.5
w13, w23 = Value(0.1, label="w13"), Value(0.8, label="w23")
w14, w24 = Value(0.4, label="w14"), Value(0.6, label="w24")
w35, w45 = Value(0.3, label="w35"), Value(0.9, label="w45")
y3 = (w13 * x1 + w23 * x2).sigmoid()       # hidden neuron 3
y4 = (w14 * x1 + w24 * x2).sigmoid()       # hidden neuron 4
yp = (w35 * y3 + w45 * y4).sigmoid()       # the output
E = 0.5 * (yp - ya) ** 2                   # the error
E.backward()
print("yp =", yp.data, " E =", E.data, " dE/dw35 =", w35.grad)
"""),
    md("""
`we.forward(weights)` builds this same graph from a dict of weights, and keeps every
intermediate node under the name the post gives it ($z_3$, $y_3$, ...): the rest of the
notebook uses it.
"""),
    code("""
g = we.forward(we.START)
assert (g.yp.data, g.error.data) == (yp.data, E.data)   # the same graph, the same bits
for node in (g.z3, g.y3, g.z4, g.y4, g.z5, g.yp, g.error):
    print(f"{node.label:>2} = {node.data!r}")

# The post prints these two numbers for step 1:
assert g.yp.data == 0.6902834929076443 and g.error.data == 0.01810390383656677
"""),
    md(r"""
## The $w_{53}$ chain

$E$ does not mention $w_{35}$ directly, so the post goes through the nodes in between:

$$\frac{\partial E}{\partial w_{35}} = \frac{\partial E}{\partial y_p}\cdot
\frac{\partial y_p}{\partial z_5}\cdot\frac{\partial z_5}{\partial w_{35}}
= (y_p - y_a)\cdot y_p(1 - y_p)\cdot y_3$$

Each factor is a *local* derivative: how one node moves when the node just below it moves.
First by hand, with the numbers of the forward pass:
"""),
    code("""
dE_dyp = g.yp.data - we.YA                 # E = 1/2 (yp - ya)^2
dyp_dz5 = g.yp.data * (1 - g.yp.data)      # the sigmoid's derivative, f(z)(1 - f(z))
dz5_dw35 = g.y3.data                       # z5 = w35*y3 + w45*y4
by_hand = dE_dyp * dyp_dz5 * dz5_dw35
print(dE_dyp, dyp_dz5, dz5_dw35, by_hand, sep="\\n")
"""),
    md("""
Now `backward()` computes every gradient at once, and `explain` writes out the chain for one
of them, reading the same graph: which nodes lie between $w_{35}$ and $E$, and the local
derivative of each step (the unnamed nodes of $\\tfrac12(y_p - 0.5)^2$ are folded into
$\\partial E/\\partial y_p$).
"""),
    code("""
g.error.backward()
chain = explain(g.error, g.weights["w35"])
print(chain)
chain   # Jupyter shows the LaTeX form
"""),
    code("""
assert [f.value for f in chain.paths[0].factors] == [dE_dyp, dyp_dz5, dz5_dw35]
assert chain.value == g.weights["w35"].grad == by_hand == w35.grad == 0.027674034938717867
"""),
    md("""
The hidden-layer weights have longer chains, through the output weight that connects them:
"""),
    code("""
for name in ("w45", "w13", "w23", "w14", "w24"):
    print(explain(g.error, g.weights[name]))
"""),
    md("""
## The graph

One box per `Value` (label, data, grad), one oval per operation. The red path is the one the
$w_{35}$ chain multiplies along; each arrow carries its local derivative. The constants 0.5 and
2 of $E$ are written inside their operations.
"""),
    code("""
import shutil

if shutil.which("dot"):
    display(draw_dot(g.error, highlight="w35", show_local_grads=True, hide_constants=True))
else:
    print("(graphviz's dot program is not installed: no picture)")
"""),
    md("""
## Watch `backward()` step by step

The picture shows the finished graph. `to_html` replays how it was filled in: first each
Value's data in topological order, then the backward pass one chain-rule update at a time,
`operand.grad += local_grad × upstream`, in exactly the order `backward()` performs them. Step
with Next, the arrow keys or the slider; a node is outlined in green once its gradient is complete.
`page.save("worked.html")` writes the same page as a file to open in a browser.
"""),
    code("""
from autograd import to_html

page = to_html(g.error, highlight="w35", show_local_grads=True, hide_constants=True)
# The page's gradients are backward()'s, bit for bit.
assert all(page.trace.grad(w) == w.grad for w in g.weights.values())
print(page)
page
"""),
    md(r"""
## One update, by hand and by `backward()`

Plain gradient descent with learning rate 1: $w_{35} \leftarrow w_{35} - \partial E/\partial w_{35}$.
"""),
    code("""
w35 = g.weights["w35"]
new_by_hand = we.START["w35"] - by_hand
new_by_backward = w35.data - w35.grad
print(new_by_hand, new_by_backward)
assert new_by_hand == new_by_backward == 0.27232596506128215

# Update all six weights from the same backward pass: E goes down.
step2 = we.forward({name: v.data - v.grad for name, v in g.weights.items()})
print(f"E: {g.error.data!r} -> {step2.error.data!r}")
"""),
    md("""
## The post's update order against true gradient descent

The post's `back()` updates $w_{35}$ and $w_{45}$ first and then uses the *new* values in the
hidden-layer gradients. That is not quite gradient descent on $E$: the digits differ from
step 2 on. An autograd engine takes all six gradients from one backward pass at the same
weights, then updates. Both reach $E < 10^{-7}$ at the same step, 111.
"""),
    code("""
post = we.run("sgd", order="document")
true = we.run("sgd", order="autograd")
print(post[1].line(), "(post's order)")
print(true[1].line(), "(true gradient descent)")
print(post[-1].line())
print(true[-1].line())
assert post[1].yp == 0.6820312027460466 and true[1].yp == 0.6820185832642942
assert post[-1].step == true[-1].step == 111

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
ax1.semilogy([s.step for s in post], [s.error for s in post], label="post's order")
ax1.semilogy([s.step for s in true], [s.error for s in true], "--", label="true gradient descent")
ax1.axhline(we.TOLERANCE, color="grey", lw=0.8)
ax1.set(xlabel="step", ylabel="E", title="E, plain updates (lr = 1)")
ax1.legend()
ax2.plot([s.step for s in true], [t.yp - p.yp for t, p in zip(true, post)])
ax2.set(xlabel="step", ylabel="difference in yp", title="true minus post's order")
fig.tight_layout()
"""),
    md("""
## SGD against RMSprop

The post's RMSprop (lr 0.1, $\\beta$ = 0.999, $\\epsilon$ = 0.01; PyTorch's
`RMSprop(lr=0.1, alpha=0.999, eps=1e-2)`) scales each step by a running size of its gradient.
Gradients this small get big steps: $E < 10^{-7}$ at step 11 instead of 111.
"""),
    code("""
runs = {
    "SGD, lr 1": we.run("sgd"),
    "RMSprop, lr 0.1": we.run("rmsprop"),
}
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for name, steps in runs.items():
    ax.semilogy([s.step for s in steps], [s.error for s in steps], marker=".", label=f"{name}: {steps[-1].step} steps")
ax.axhline(we.TOLERANCE, color="grey", lw=0.8)
ax.set(xlabel="step", ylabel="E", title="The worked example: SGD against RMSprop")
ax.legend()
print({name: steps[-1].step for name, steps in runs.items()})
assert [steps[-1].step for steps in runs.values()] == [111, 11]
"""),
]


# --- 2. moons -----------------------------------------------------------------------------------

MOONS = [
    md("""
# 2. micrograd's moons demo, trained with chainrule

karpathy's micrograd ends with a demo: 100 points of scikit-learn's two moons, a multi-layer
perceptron `MLP(2, [16, 16, 1])`, a hinge loss, 100 steps of gradient descent, and a picture of
the decision boundary. Here is the same demo through chainrule's `nn` package. With seed 1337
the points and the starting weights are micrograd's own (drawn from private seeded generators,
not the global ones), so the run is the same every time, bit for bit.
"""),
    code("""
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import nn
from autograd import explain
from nn.examples import moons

X, y = moons.make_data(n_samples=100, noise=0.1, seed=moons.SEED)   # labels -1 / +1
Xa, ya = np.array(X), np.array(y)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(Xa[:, 0], Xa[:, 1], c=ya, cmap="coolwarm", edgecolors="k", s=25)
ax.set(title="two moons, 100 points (seed 1337)", xlabel="x0", ylabel="x1");
"""),
    md(r"""
## The model and the loss

Two hidden layers of 16 ReLU neurons and one linear output: 337 parameters, each a `Value`
labelled with its name. The loss is micrograd's: the mean hinge loss
$\frac1n\sum_i \max(0, 1 - y_i s_i)$ on the scores $s_i$, plus $10^{-4}\sum p^2$.
The learning rate falls linearly from 1.0 to 0.1 over the 100 steps (`nn.LinearLR`).
"""),
    code("""
model = nn.MLP(2, [16, 16, 1], seed=moons.SEED)
print(model)
print(len(model.parameters()), "parameters, e.g.", model.parameters()[0])
"""),
    code("""
optimizer = nn.SGD(model.parameters(), lr=1.0)
schedule = nn.LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)
history = nn.fit(model, X, y, loss=nn.hinge_loss, optimizer=optimizer, epochs=100,
                 scheduler=schedule, l2=1e-4, seed=moons.SEED, progress=False)
print(f"after {history.epochs} steps: loss {history.loss[-1]:.4f}, "
      f"accuracy {history['accuracy'][-1]:.0%} (seed {moons.SEED})")
assert history["accuracy"][-1] >= 0.95
"""),
    md("""
## The same training, written by hand

`fit` is a loop you could write yourself, micrograd's way: score every point, add up the
hinge losses with Python's `sum`, `backward()`, step each parameter. Inside
`autograd.gc_paused()` Python's cyclic garbage collector stays off the graph while it is built
and differentiated (Values never form cycles, so it has nothing to find; `fit` does the same),
which makes each step about twice as fast. The same starting weights give the same losses.
"""),
    code("""
import autograd

hand = nn.MLP(2, [16, 16, 1], seed=moons.SEED)      # the same starting weights as above
losses = []
with autograd.gc_paused():
    for k in range(100):
        scores = [hand(row)[0] for row in X]
        data_loss = sum((1 - yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(y))
        loss = data_loss + 1e-4 * sum(p * p for p in hand.parameters())
        hand.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in hand.parameters():
            p.data -= learning_rate * p.grad
        losses.append(loss.data)
gap = max(abs(a - b) / b for a, b in zip(losses, history.loss))
print(f"by hand: final loss {losses[-1]:.4f}; fit's losses within {gap:.0e} relative")
assert gap < 1e-12    # mean as sum * (1/n) here, sum / n in fit: the last bit may differ
"""),
    code("""
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
ax1.plot(history.loss)
ax1.set(xlabel="step", ylabel="loss", title="hinge loss + L2", yscale="log")
ax2.plot(history["accuracy"], color="C2")
ax2.set(xlabel="step", ylabel="training accuracy", title="accuracy", ylim=(0.4, 1.02))
fig.tight_layout()
"""),
    md("""
## The decision boundary

The trained model scores every point of a grid (under `no_grad`, through `nn.predict`); the
boundary is where the score crosses 0.
"""),
    code("""
h = 0.05
xx, yy = np.meshgrid(np.arange(-2.0, 2.5, h), np.arange(-1.0, 1.5, h))
grid = np.c_[xx.ravel(), yy.ravel()]
scores = np.array(nn.predict(model, grid))[:, 0].reshape(xx.shape)

fig, ax = plt.subplots(figsize=(6, 4))
ax.contourf(xx, yy, scores > 0, cmap="coolwarm", alpha=0.35)
ax.contour(xx, yy, scores, levels=[0.0], colors="k", linewidths=1)
ax.scatter(Xa[:, 0], Xa[:, 1], c=ya, cmap="coolwarm", edgecolors="k", s=25)
ax.set(title="decision boundary after 100 steps", xlabel="x0", ylabel="x1");
"""),
    md("""
## One gradient, from the inside

In the worked example each weight reached the error along one path. Here a first-layer weight
reaches the score through every neuron of the second layer: 16 paths, one per neuron, and the
chain rule sums them. Paths through a ReLU that is off at this point contribute 0. `explain`
writes the sum out and gets the number `backward()` gets.
"""),
    code("""
neuron = model.layers[0].neurons[0]
w = neuron.w[0]                                   # layers.0.neurons.0.w.0
# A point where this neuron is on (its ReLU passes the gradient through):
x = next(row for row in X if w.data * row[0] + neuron.w[1].data * row[1] + neuron.b.data > 0)
model.zero_grad()
(score,) = model(x)
score.label = "score"
score.backward()
chain = explain(score, w)
print(chain)
print(f"\\n{chain.n_paths} paths; backward() gives {w.label}.grad = {w.grad!r}")
assert chain.value == w.grad
"""),
]


# --- 3. optimizers ------------------------------------------------------------------------------

OPTIMIZERS = [
    md(r"""
# 3. Optimizers side by side

`backward()` says which way is downhill; the optimizer decides how far to go. chainrule's
optimizers follow `torch.optim`, names and formulas:

- **SGD**: $p \leftarrow p - \eta g$
- **SGD with momentum**: $b \leftarrow \mu b + g$, $p \leftarrow p - \eta b$ (a running direction)
- **RMSprop**: $v \leftarrow \alpha v + (1-\alpha) g^2$, $p \leftarrow p - \eta\, g / (\sqrt v + \epsilon)$
  (each parameter's step divided by the size of its recent gradients)
- **Adam**: momentum and RMSprop together, with their start-up bias corrected.

Two problems: the worked example of notebook 1 and micrograd's moons of notebook 2.
"""),
    code("""
%matplotlib inline
import matplotlib.pyplot as plt

import nn
from nn.examples import moons
from nn.examples import worked_example as we
"""),
    md("""
## The worked example

The same 2-2-1 network, now as an `nn.MLP` with the post's weights, trained until
$E < 10^{-7}$ (counting steps as the post does: the step whose forward pass first gets there).
"""),
    code("""
def worked_example(make_optimizer, max_steps=2000):
    model = nn.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
                                activation="sigmoid", output_activation="sigmoid")
    optimizer = make_optimizer(model.parameters())
    errors = []
    for step in range(1, max_steps + 1):
        (yp,) = model([we.X1, we.X2])
        error = 0.5 * (yp - we.YA) ** 2
        errors.append(error.data)
        if error.data < we.TOLERANCE:
            return errors
        optimizer.zero_grad()
        error.backward()
        optimizer.step()
    raise RuntimeError("no convergence")


CHOICES = {
    "SGD, lr 1": lambda p: nn.SGD(p, lr=1.0),
    "SGD + momentum 0.9, lr 1": lambda p: nn.SGD(p, lr=1.0, momentum=0.9),
    "RMSprop, lr 0.1 (the post's)": lambda p: nn.RMSprop(p, lr=0.1, alpha=0.999, eps=1e-2),
    "Adam, lr 0.05": lambda p: nn.Adam(p, lr=0.05),
}
curves = {name: worked_example(make) for name, make in CHOICES.items()}
for name, errors in curves.items():
    print(f"{name:30} E < 1e-7 at step {len(errors)}")
# nn's SGD and RMSprop reproduce the post's counts, and true gradient descent's last digits.
assert len(curves["SGD, lr 1"]) == 111 and curves["SGD, lr 1"][-1] == 9.439725980743902e-08
assert len(curves["RMSprop, lr 0.1 (the post's)"]) == 11

fig, ax = plt.subplots(figsize=(7, 3.8))
for name, errors in curves.items():
    ax.semilogy(range(1, len(errors) + 1), errors, label=f"{name}: {len(errors)} steps")
ax.axhline(we.TOLERANCE, color="grey", lw=0.8)
ax.set(xlabel="step", ylabel="E", title="the worked example")
ax.legend(fontsize=8);
"""),
    md("""
The gradients here are small (about 0.03 at the start, then smaller). SGD's steps shrink with
them; RMSprop divides each gradient by its own running size, so its steps stay large until the
end. Momentum and Adam build up speed, overshoot a little, and settle.

## Moons

micrograd's data and starting weights (seed 1337), 40 full-batch steps each, a constant
learning rate in each optimizer's usual range.
"""),
    code("""
X, y = moons.make_data(seed=moons.SEED)
CHOICES = {
    "SGD, lr 1": lambda p: nn.SGD(p, lr=1.0),
    "SGD + momentum 0.9, lr 0.1": lambda p: nn.SGD(p, lr=0.1, momentum=0.9),
    "RMSprop, lr 0.01": lambda p: nn.RMSprop(p, lr=0.01),
    "Adam, lr 0.02": lambda p: nn.Adam(p, lr=0.02),
}
histories = {}
for name, make in CHOICES.items():
    model = nn.MLP(2, [16, 16, 1], seed=moons.SEED)
    histories[name] = nn.fit(model, X, y, loss=nn.hinge_loss, optimizer=make(model.parameters()),
                             epochs=40, l2=1e-4, seed=moons.SEED, progress=False)
    print(f"{name:28} loss {histories[name].loss[-1]:.4f}, "
          f"accuracy {histories[name]['accuracy'][-1]:.0%}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for name, history in histories.items():
    ax1.plot(history.loss, label=name)
    ax2.plot(history["accuracy"], label=name)
ax1.set(xlabel="step", ylabel="loss", title="moons: hinge loss + L2", yscale="log")
ax2.set(xlabel="step", ylabel="training accuracy", title="moons: accuracy")
ax1.legend(fontsize=8)
fig.tight_layout()
"""),
    md("""
No optimizer wins everywhere: on the worked example's tiny gradients the adaptive ones are far
ahead; on moons, with a well-chosen learning rate, plain SGD holds its own. What matters is
the size of the step each one takes, relative to the gradient it is given.
"""),
]


# --- 4. from scalars to matrices -------------------------------------------------------------

SCALARS_TO_MATRICES = [
    md(r"""
# 4. From scalars to matrices: BP1-BP4

The scalar engine applies the chain rule one number at a time. Four of the five source posts
write the same thing with matrices. For a fully connected network (loss $C$, layer $l$, last
layer $L$, $\odot$ the element-wise product) post 002 lists four equations:

$$\delta^L = \nabla_a C \odot \sigma'(z^L) \qquad \text{(BP1, the error of the last layer)}$$
$$\delta^l = \big((W^{l+1})^T \delta^{l+1}\big) \odot \sigma'(z^l) \qquad \text{(BP2, a layer's error from the next)}$$
$$\frac{\partial C}{\partial b^l_j} = \delta^l_j \qquad \text{(BP3)} \qquad\qquad
  \frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k\, \delta^l_j \qquad \text{(BP4)}$$

$\delta^l_j$ is $\partial C / \partial z^l_j$: the gradient that the scalar engine leaves on the
node $z^l_j$ of its graph. This notebook checks that on the worked example, then runs the
posts' experiments with `nn.matrix`, which writes BP1-BP4 in numpy.

**Layout.** `nn.matrix` follows posts 003 and 004: one *row* per sample and weights stored
(inputs, outputs), so a layer is `Z = A @ W + b`. Post 002 (and `nn.MLP`, and PyTorch) store
(outputs, inputs) and multiply columns: that matrix is our `W.T`, which is why BP2 reads
`delta @ W.T` in code and $(W^{l+1})^T\delta^{l+1}$ on paper. With a batch, BP3 sums the rows of
$\delta$ and BP4 becomes `A_prev.T @ delta`.
"""),
    code("""
%matplotlib inline
import shutil

import matplotlib.pyplot as plt
import numpy as np

from autograd import Value, draw_dot
from nn.examples import digits_matrix, moons_matrix
from nn.examples import worked_example as we
from nn.matrix import MatrixMLP

np.set_printoptions(precision=6, suppress=False)
"""),
    md(r"""
## 1. One small network, both ways

The worked example (notebook 1): inputs $x_1 = 0.35$, $x_2 = 0.9$, target $0.5$, no biases,
sigmoid on both layers, $E = \frac12 (y_p - y_a)^2$. First the scalar engine: one graph, one
`backward()`. The red path is the chain that gives $\partial E / \partial w_{35}$.
"""),
    code("""
g = we.forward(we.START)
g.error.backward()
scalar = {name: v.grad for name, v in g.weights.items()}
for name, grad in scalar.items():
    print(f"dE/d{name} = {grad!r}")
print("grads on the z nodes:", g.z3.grad, g.z4.grad, g.z5.grad)
if shutil.which("dot"):
    display(draw_dot(g.error, highlight="w35", hide_constants=True))
else:
    print("(graphviz's dot program is not installed: no picture)")
"""),
    md(r"""
Now BP1-BP4 by hand, in numpy, on the same numbers. The hidden layer's weight matrix in our
layout has one column per hidden unit: $W^1 = \begin{pmatrix} w_{13} & w_{14} \\ w_{23} & w_{24}\end{pmatrix}$,
and $W^2 = \begin{pmatrix} w_{35} \\ w_{45}\end{pmatrix}$.
"""),
    code("""
w = we.START
x = np.array([[we.X1, we.X2]])            # one row: one sample
y = np.array([[we.YA]])
W1 = np.array([[w["w13"], w["w14"]], [w["w23"], w["w24"]]])
W2 = np.array([[w["w35"]], [w["w45"]]])
sigmoid = lambda z: 1 / (1 + np.exp(-z))

a1 = sigmoid(x @ W1)                      # forward: (1, 2)
a2 = sigmoid(a1 @ W2)                     # (1, 1): y_p

delta2 = (a2 - y) * a2 * (1 - a2)         # BP1: dE/da times sigma'(z), sigma' = a(1 - a)
delta1 = (delta2 @ W2.T) * a1 * (1 - a1)  # BP2: the next layer's delta back through W2
dW2 = a1.T @ delta2                       # BP4: a_prev times delta
dW1 = x.T @ delta1

print("delta2 =", delta2, "  z5.grad =", g.z5.grad)
print("delta1 =", delta1, "  z3.grad, z4.grad =", g.z3.grad, g.z4.grad)
matrix = {"w13": dW1[0, 0], "w23": dW1[1, 0], "w14": dW1[0, 1], "w24": dW1[1, 1],
          "w35": dW2[0, 0], "w45": dW2[1, 0]}
matrix = {name: float(v) for name, v in matrix.items()}
print(f"{'weight':>7} {'scalar engine':>24} {'BP1-BP4':>24}  relative difference")
for name in scalar:
    diff = abs(matrix[name] - scalar[name]) / abs(scalar[name])
    print(f"{name:>7} {scalar[name]!r:>24} {matrix[name]!r:>24}  {diff:.1e}")
"""),
    md(r"""
The deltas *are* the gradients on the $z$ nodes, and every weight gradient agrees to a few
units in the last place (numpy's `exp` and Python's `math.exp` may round differently). The
tests hold `nn.matrix` to the scalar engine to $10^{-12}$ relative for thousands of random
networks (sizes, activations, batches, losses). `nn.matrix` does the same in one call:
"""),
    code("""
net = MatrixMLP.from_weights([W1, W2], None, "sigmoid")
grads = net.backward(x, y, "half_sse")    # the posts' 1/2 sum of squares
print(grads.weights[0], grads.weights[1], sep="\\n")
print("loss", grads.loss, "= E", g.error.data)
"""),
    md(r"""
## 2. Post 003: why the starting weights must differ

Post 003 notes that if every weight starts equal, every hidden unit computes the same value,
receives the same delta (BP2) and the same update (BP4), so the units stay identical forever and
the hidden layer acts as **one** neuron. We try it on post 004's 2-25-50-25-2 network: all
weights 0.1, all biases 0, five epochs on the moons.
"""),
    code("""
data = moons_matrix.load()
sizes = [2, 25, 50, 25, 2]

def spread(net):
    \"\"\"Per hidden layer: how far apart its units' incoming weights are (0: identical).\"\"\"
    return [float(np.ptp(w, axis=1).max()) for w in net.weights[:-1]]

same = MatrixMLP.from_weights([np.full((i, o), 0.1) for i, o in zip(sizes, sizes[1:])],
                              [np.zeros(o) for o in sizes[1:]], "sigmoid")
rand = moons_matrix.make_net(seed=0)
h_same = moons_matrix.train(same, data, epochs=5)
h_rand = moons_matrix.train(rand, data, epochs=5)
print(f"equal start:  spread of hidden units {spread(same)}, "
      f"test accuracy {h_same.test_accuracy[-1]:.2%}")
print(f"random start: spread of hidden units {[round(s, 3) for s in spread(rand)]}, "
      f"test accuracy {h_rand.test_accuracy[-1]:.2%}")
"""),
    md(r"""
The equal start's hidden units are still identical (here to the bit; in general up to the
last bit, since numpy's matrix product may add different columns in different orders), and
after five epochs it is still at chance. So the network *is* a 2-1-1-1-2
network: keep one unit per hidden layer and multiply its outgoing weights by the width it
stands for, and the outputs are the same.
"""),
    code("""
one = MatrixMLP.from_weights(
    [same.weights[0][:, :1], same.weights[1][:1, :1] * 25, same.weights[2][:1, :1] * 50,
     same.weights[3][:1] * 25],
    [same.biases[0][:1], same.biases[1][:1], same.biases[2][:1], same.biases[3]], "sigmoid")
print(one)
print("largest difference of the outputs on the test set:",
      np.abs(one(data.X_test) - same(data.X_test)).max())
"""),
    md(r"""
The scalar engine shows the same thing, and there the units stay equal bit for bit (each is
computed by exactly the same operations): a 2-3-1 network of `Value`s, all weights 0.5, ten
plain gradient steps.
"""),
    code("""
W = [[[Value(0.5) for j in range(3)] for k in range(2)], [[Value(0.5)] for k in range(3)]]
params = [v for layer in W for row in layer for v in row]

def scalar_net(x):
    h = [sum((W[0][k][j] * x[k] for k in range(2)), Value(0.0)).sigmoid() for j in range(3)]
    return sum((W[1][j][0] * h[j] for j in range(3)), Value(0.0)).sigmoid()

rng = np.random.default_rng(0)
for x_, y_ in zip(rng.normal(size=(10, 2)).tolist(), rng.uniform(size=10).tolist()):
    loss = 0.5 * (scalar_net(x_) - y_) ** 2
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= 1.0 * p.grad
print("hidden units' incoming weights:", [[W[0][k][j].data for j in range(3)] for k in range(2)])
print("outgoing weights:", [W[1][j][0].data for j in range(3)])
"""),
    md(r"""
## 3. Post 004: 2-25-50-25-2 on 2000 moons

As the post: `make_moons(n_samples=2000, noise=0.2, random_state=100)`, a 70/30 split,
sigmoid everywhere, one-hot targets, squared error, learning rate 0.01, **one update per
sample**. Our one change is the start: Glorot's uniform range times 4 (his advice for sigmoid
layers), seeded. With the post's own start (`init="post004"`) the network sits near 89% for
hundreds of epochs; from this one it passes 95% at epoch 39 (seed 0). We also update the biases,
which the post forgets. (`chainrule demo moons-matrix` runs the same, with a progress bar.)
"""),
    code("""
net = moons_matrix.make_net(seed=0)
history = moons_matrix.train(net, data, epochs=60)
print(net)
print(f"after 60 epochs: train MSE {history.train_mse[-1]:.4f}, "
      f"test accuracy {history.test_accuracy[-1]:.2%}")

epochs = np.arange(1, 61)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.plot(epochs, history.train_mse)
left.set(xlabel="epoch", ylabel="train MSE", title="post 004: mean of (a - y)^2")
right.plot(epochs, history.test_accuracy, color="C1")
right.axhline(0.95, color="grey", lw=0.8, ls="--")
right.set(xlabel="epoch", ylabel="test accuracy", title="600 test points")
plt.tight_layout()
plt.show()
"""),
    code("""
xx, yy = np.meshgrid(np.linspace(-2, 3, 300), np.linspace(-1.5, 2, 220))
grid = np.column_stack([xx.ravel(), yy.ravel()])
p1 = net(grid)[:, 1].reshape(xx.shape)   # the output for class 1

fig, ax = plt.subplots(figsize=(7, 5))
ax.contourf(xx, yy, p1, 25, cmap=plt.cm.Spectral, alpha=0.8)
ax.contour(xx, yy, p1, levels=[0.5], colors="k", linewidths=1)
ax.scatter(data.X_test[:, 0], data.X_test[:, 1], c=data.y_test, cmap=plt.cm.Spectral,
           edgecolors="k", linewidths=0.3, s=18)
ax.set(xlabel="$x_1$", ylabel="$x_2$", title="decision boundary on the test points")
plt.show()
"""),
    md(r"""
## 4. Post 000, adapted: one hidden layer of 30 on scikit-learn's digits

Post 000 trains a 784-30-10 sigmoid network with squared error on Fashion-MNIST, which it
downloads. Offline, we use the 8x8 digits that ship with scikit-learn (1797 images, 10 classes),
so the network is 64-30-10; the rest is the post's where it can be (see `docs/matrix.md` for each
change and why: batches of 10, learning rate 0.1 on the summed gradient, Glorot's start).
"""),
    code("""
digits = digits_matrix.load()
dnet = digits_matrix.make_net(seed=0)
dhist = digits_matrix.train(dnet, digits, epochs=30, seed=0)
print(dnet)
print(f"after 30 epochs: train {dhist.train_accuracy[-1]:.2%}, test {dhist.test_accuracy[-1]:.2%}")

fig, ax = plt.subplots(figsize=(7, 3.8))
ep = np.arange(1, 31)
ax.plot(ep, dhist.train_accuracy, "o", ms=4, label="train accuracy")
ax.plot(ep, dhist.test_accuracy, "-", label="test accuracy")
ax.set(xlabel="epoch", ylabel="accuracy", title="64-30-10 sigmoid, squared error, digits")
ax.legend()
plt.show()
"""),
    md(r"""
## 5. Why matrices

The scalar engine builds a graph node for every multiplication; BP1-BP4 do a whole layer in
one matrix product. `bench/matrix.py` times one per-sample step of post 004's network four
ways in one run (the scalar engine, PyTorch in float64, a hand-written numpy loop and
`nn.matrix`) and checks that all four end on the same weights. Run it by hand:

    python bench/matrix.py
"""),
]


# --- 5. gradients of gradients: Newton's method ----------------------------------------------

HIGHER_DERIVATIVES = [
    md(r"""
# 5. The derivative of the derivative: Hessians and Newton's method

`backward()` gives numbers: $\partial E/\partial w$ at one point. With `create_graph=True`,
`autograd.grad` gives the gradient as a `Value` instead, with a graph of its own that records
how it was computed from the forward's nodes. So it can be differentiated again: second
derivatives, mixed partials, a whole Hessian, and Newton's method, which uses them.

The second derivatives come from the same catalogue as the first: each operation's local
derivative is one Python expression (`out * (1.0 - out)` for the sigmoid), computed on floats
for `backward()` and evaluated on Values here, so it is itself recorded.
"""),
    code("""
%matplotlib inline
import math
import shutil

import matplotlib.pyplot as plt
import numpy as np

from autograd import Value, draw_dot, grad, gradgradcheck, hessian, hvp
from nn.examples import worked_example as we
"""),
    md(r"""
## One variable first

For the sigmoid $s(x)$: $s' = s(1-s)$ and $s'' = s(1-s)(1-2s)$.
"""),
    code("""
x = Value(0.8, label="x")
y = x.sigmoid()
(dy,) = grad(y, x, create_graph=True)   # a Value: s(1 - s), recorded
(d2y,) = grad(dy, x)                    # a float: the derivative of that
s = y.data
print("s'  =", dy.data, " formula:", s * (1 - s))
print("s'' =", d2y, " formula:", s * (1 - s) * (1 - 2 * s))
assert math.isclose(d2y, s * (1 - s) * (1 - 2 * s), rel_tol=1e-14)
dy
"""),
    md("""
The gradient's own graph: the forward's nodes (`x`, then the sigmoid's output `out`) feed the
local derivative `out * (1.0 - out)`, the catalogue's code evaluated on Values. (The upstream
gradient at the root is the number 1, so no multiplication is recorded.) `grad` walks this graph
like any other.
"""),
    code("""
if shutil.which("dot"):
    display(draw_dot(dy))
else:
    print("(graphviz's dot program is not installed: no picture)")
"""),
    md(r"""
## The worked example's Hessian

$E$ as a function of the six weights $w_{13}, w_{23}, w_{14}, w_{24}, w_{35}, w_{45}$ at the
post's starting point: the gradient (what SGD and RMSprop use) and the $6\times6$ matrix of
second derivatives $H_{ij} = \partial^2 E / \partial w_i \partial w_j$.
"""),
    code("""
NAMES = list(we.START)


def gradient_and_hessian(w):
    g = we.forward(w)
    weights = [g.weights[name] for name in NAMES]
    return g.error.data, np.array(grad(g.error, weights)), np.array(hessian(g.error, weights))


E0, G0, H0 = gradient_and_hessian(we.START)
np.set_printoptions(precision=5, suppress=False, linewidth=110)
print("E =", E0)
print("gradient:", G0)
print("Hessian:")
print(H0)
assert np.allclose(H0, H0.T, rtol=0, atol=1e-17)
print("eigenvalues:", np.linalg.eigvalsh(H0))
"""),
    md(r"""
Two of the eigenvalues are zero (to rounding): $w_{13}$ and $w_{23}$ reach $E$ only through
$z_3 = w_{13}x_1 + w_{23}x_2$, so moving them along $(x_2, -x_1)$ changes nothing, and the same
for $w_{14}, w_{24}$. Two are negative: here $E$ curves down in some directions. Plain Newton,
$w \leftarrow w - H^{-1}\nabla E$, needs $H$ invertible and heads for a saddle when it is not
positive definite, so it cannot be used as it is.

## A damped Newton step

Damping adds $\lambda I$ before solving: $(H + \lambda I)\,d = \nabla E$, $w \leftarrow w - d$.
A large $\lambda$ gives a short gradient step ($d \approx \nabla E/\lambda$), a small one a Newton
step. Levenberg and Marquardt's rule sets it as we go: after a step that lowers $E$, divide
$\lambda$ by 10; if a step would raise $E$, multiply by 10 and solve again. Steps are counted as
in the post: the forward pass that first gets $E < 10^{-7}$.
"""),
    code("""
def damped_newton(lam=1.0, adapt=True, max_steps=500):
    w = dict(we.START)
    errors = []
    while len(errors) < max_steps:
        error, g, h = gradient_and_hessian(w)
        errors.append(error)
        if error < we.TOLERANCE:
            return errors
        while True:
            d = np.linalg.solve(h + lam * np.eye(6), g)
            trial = {name: w[name] - di for name, di in zip(NAMES, d)}
            if not adapt or we.forward(trial).error.data < error:
                w = trial
                lam = lam / 10 if adapt else lam
                break
            lam *= 10
    raise RuntimeError(f"no convergence in {max_steps} steps")


newton = damped_newton(lam=1.0)
for lam in (1.0, 0.3, 0.1):
    print(f"fixed lambda {lam}: E < 1e-7 at step {len(damped_newton(lam, adapt=False))}")
print(f"Levenberg-Marquardt from lambda 1: E < 1e-7 at step {len(newton)}")
"""),
    md("""
Against the post's two optimizers, each step one forward and one backward pass:
"""),
    code("""
sgd = [s.error for s in we.run("sgd")]
rmsprop = [s.error for s in we.run("rmsprop")]
assert (len(sgd), len(rmsprop)) == (111, 11)

fig, ax = plt.subplots(figsize=(7, 3.8))
for name, errors in (("SGD, lr 1", sgd), ("RMSprop (the post's)", rmsprop),
                     ("damped Newton", newton)):
    ax.semilogy(range(1, len(errors) + 1), errors, "o-", ms=3,
                label=f"{name}: {len(errors)} steps")
ax.axhline(we.TOLERANCE, color="grey", lw=0.8)
ax.set(xlabel="step", ylabel="E", title="the worked example: first- and second-order steps")
ax.legend(fontsize=8)
plt.show()
"""),
    md(r"""
Each Newton step is dearer: besides the backward pass it builds the gradient's graph and runs
six more backward passes, one per row of $H$, then solves a $6\times6$ system. For six weights
that is nothing; for $n$ weights the Hessian has $n^2$ entries. A network trainer then uses
Hessian-vector products instead, $Hv$ without $H$: the gradient of $\nabla E\cdot v$, one more
backward pass whatever $n$ is.
"""),
    code("""
g = we.forward(we.START)
weights = [g.weights[name] for name in NAMES]
v = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
print("H v with v = e1:", hvp(g.error, weights, v))
print("H's first column:", H0[:, 0])
assert np.allclose(hvp(g.error, weights, v), H0[:, 0], rtol=1e-13, atol=0)
"""),
    md("""
And `gradgradcheck`, beside `gradcheck`: second derivatives against central differences of the
first, at any point; it raises `GradcheckError` naming the inputs, both values and the tolerance.
"""),
    code("""
# E from six Values (we.forward takes floats and makes its own leaves)
def error_of_values(*ws):
    y3 = (ws[0] * we.X1 + ws[1] * we.X2).sigmoid()
    y4 = (ws[2] * we.X1 + ws[3] * we.X2).sigmoid()
    yp = (ws[4] * y3 + ws[5] * y4).sigmoid()
    return 0.5 * (yp - we.YA) ** 2


print(gradgradcheck(error_of_values, list(we.START.values())))
"""),
]



# --- 6. the backward pass as code -----------------------------------------------------------

COMPILE = [
    md(r"""
# 6. The backward pass as code: `autograd.compile`

The post writes `forward()` and `back()` by hand, one line per quantity. `autograd` records the
same graph, so it can write that code itself: `autograd.compile` reads the graph of $E$ once and
prints one statement per node, the forward in topological order, then the chain rule from $E$
down. `g_n` is $\partial E / \partial n$; every local derivative in it is the catalogue's own
expression, the one `backward()` runs.
"""),
    code("""
from IPython.display import HTML

import autograd
from autograd import draw_dot
from nn.examples import worked_example as we

g = we.forward(we.START)
weights = [g.weights[name] for name in we.START]
compiled = autograd.compile(g.error, weights)
print(compiled.source)
"""),
    md("""
## The code beside the graph

Each box of the graph is one line of the forward; each arrow, read backwards, is one line of the
backward (`g_w35 = g_z5 * y3` is the arrow from $w_{35}$ into $w_{35} y_3$, times the upstream).
"""),
    code("""
g.error.backward()
svg = draw_dot(g.error, highlight="w35").pipe(format="svg").decode()
HTML(f'<table><tr><td style="vertical-align:top">{svg}</td>'
     f'<td style="vertical-align:top; text-align:left"><pre>{compiled.source}</pre></td>'
     f'</tr></table>')
"""),
    md("""
## The same numbers, bit for bit

The code does the same float operations in the same order as `backward()`, so the gradients are
equal, not close. The whole descent of the post (111 SGD steps, 11 RMSprop steps) runs through
the compiled function with the same printed digits as the eager engine.
"""),
    code("""
from nn.examples import codegen

E, grads = compiled(*we.START.values())
print(E == g.error.data, list(grads) == [w.grad for w in weights])
for optimizer in ("sgd", "rmsprop"):
    same = ([s.line() for s in codegen.run_compiled(optimizer)]
            == [s.line() for s in we.run(optimizer)])
    print(optimizer, "steps:", len(codegen.run_compiled(optimizer)), "same lines:", same)
"""),
    md("""
The post's own `back()` updates $w_{35}$ and $w_{45}$ first and then uses the new values for the
hidden layer. `compiled.sgd_source` writes that order: each weight is updated the moment its
gradient is complete. Run, it prints the post's lines.
"""),
    code("""
print(compiled.sgd_source)
print(codegen.run_document_order()[1].line())
print(we.run("sgd", order="document")[1].line())
"""),
    md("""
## What a trace cannot see

`autograd.trace(fn, *example)` runs `fn` once on Values and compiles what it recorded: ONE path
through `fn`'s Python. Below, the `if` took the `tanh` side for the example $x = 1$; with
`check=True` the next call re-runs `fn` on the eager engine, finds that $x = -1$ takes the other
side, and says which node differs.
"""),
    code("""
def f(x, y):
    if x.data > 0:
        return (x * y).tanh()
    return (x + y).relu()

traced = autograd.trace(f, 1.0, 2.0, check=True)
print(traced(0.5, 3.0))
try:
    traced(-1.0, 3.0)
except autograd.TraceMismatchError as error:
    print(error)
"""),
    md("""
## Many samples at once

`fit(..., compile=True)` compiles micrograd's demo model once and runs each step over numpy
arrays, one entry per sample: the same losses as the eager `fit`, step by step.
"""),
    code("""
from nn.examples import moons

_, eager = moons.train(steps=5, n_samples=50)
_, fast = moons.train(steps=5, n_samples=50, compile=True)
print("same losses:", fast.step_loss == eager.step_loss)
print("losses:", [round(loss, 6) for loss in fast.step_loss])
"""),
    md("""
How much faster depends on the machine and on what else runs on it, so the notebook prints no
times: `python bench/compile.py` measures the compiled step against the eager engine,
micrograd, PyTorch and hand-written floats, as ratios from one run.
"""),
]


NOTEBOOKS = {
    "01_worked_example.ipynb": WORKED_EXAMPLE,
    "02_moons.ipynb": MOONS,
    "03_optimizers.ipynb": OPTIMIZERS,
    "04_scalars_to_matrices.ipynb": SCALARS_TO_MATRICES,
    "05_higher_derivatives.ipynb": HIGHER_DERIVATIVES,
    "06_compile.ipynb": COMPILE,
}


# What a notebook needs beyond the core install, when its imports do not say it (its data come
# from scikit-learn through nn.examples). "dot" is Graphviz's program; the rest are modules.
REQUIRES = {
    "02_moons.ipynb": ["sklearn"],
    "03_optimizers.ipynb": ["sklearn"],
    "04_scalars_to_matrices.ipynb": ["sklearn"],
}
_IMPORTS = {"matplotlib": re.compile(r"^\s*(import|from) matplotlib", re.M),
            "sklearn": re.compile(r"^\s*(import|from) sklearn", re.M)}
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _stable_ids(nb: nbformat.NotebookNode) -> None:
    """Each cell's id from its type and text; a repeated cell gets -2, -3, ..."""
    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def _requires(name: str, nb: nbformat.NotebookNode) -> list[str]:
    found = set(REQUIRES.get(name, []))
    for cell in nb.cells:
        if cell.cell_type == "code":
            found.update(n for n, pattern in _IMPORTS.items() if pattern.search(cell.source))
    return sorted(found)


def _without_addresses(nb: nbformat.NotebookNode) -> None:
    """`<graphviz.graphs.Digraph at 0x7f...>` as `<graphviz.graphs.Digraph>`: the same on every
    run (the picture itself is in the output's svg)."""
    for cell in nb.cells:
        # One print can arrive as two stream outputs (the kernel flushed between its writes):
        # join neighbours of the same stream, so the file does not depend on that timing.
        merged: list = []
        for output in cell.get("outputs", []):
            if (merged and output.get("output_type") == "stream"
                    and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == output.get("name")):
                merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(output["text"])
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain")
            if isinstance(text, str):
                output["data"]["text/plain"] = _ADDRESS.sub("", text)
            if isinstance(output.get("text"), str):
                output["text"] = _ADDRESS.sub("", output["text"])


def _coalesce_streams(nb: nbformat.NotebookNode) -> None:
    """One stdout (or stderr) output per run of prints: how the kernel splits a cell's printing
    into messages depends on timing, so without this two runs differ."""
    for cell in nb.cells:
        merged: list = []
        for output in cell.get("outputs", []):
            if (output.get("output_type") == "stream" and merged
                    and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == output.get("name")):
                merged[-1]["text"] += output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


def build(name: str, cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["chainrule"] = {"requires": _requires(name, nb)}
    _stable_ids(nb)
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="write without executing")
    parser.add_argument("names", nargs="*", help="only these notebooks (default: all)")
    args = parser.parse_args()
    for name, cells in NOTEBOOKS.items():
        if args.names and name not in args.names:
            continue
        nb = build(name, cells)
        if not args.no_run:
            from nbclient import NotebookClient

            NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                           resources={"metadata": {"path": str(HERE)}}).execute()
            _without_addresses(nb)
            _coalesce_streams(nb)
            nb.metadata["language_info"] = {"name": "python"}  # not the kernel's version
        nbformat.write(nb, HERE / name)
        print(f"wrote {HERE / name}")


# --- 7. write your own operation (its own section: appended, registered below) ----------------

OWN_OP = [
    md(r"""
# 7. Write your own operation

micrograd's lecture adds operations by hand: `tanh`, then `exp`, then, as homework, `sin`.
chainrule has two doors for that. The lecture's door runs the lecture's code as it is written
(a `_backward` closure per node). The catalogue's door, `autograd.define_op`, takes the
operation written once, value and local derivative as code, and from then on the op is
differentiated, differentiated again, compiled, batched, drawn, explained, stepped and tested,
with nothing else to write.

This notebook does `sin` both ways, lets `autograd.testing.check_op` catch a wrong derivative,
then compiles, draws and steps the new op.
"""),
    md(r"""
## The lecture's way: a closure

`chainrule.micrograd.engine.Value` is micrograd's `Value(data, _children=(), _op='', label='')`,
with an assignable `_backward`. This is the lecture's pattern for $\sin$, whose local derivative
is $\cos$:
"""),
    code("""
import math

from chainrule.micrograd.engine import Value


def sin(self):
    out = Value(math.sin(self.data), (self,), 'sin')

    def _backward():
        self.grad += math.cos(self.data) * out.grad
    out._backward = _backward
    return out


Value.sin = sin

x = Value(0.5, label='x')
y = (x * x).sin()
y.backward()
print("dy/dx =", x.grad, " by hand:", math.cos(0.25) * 2 * 0.5)
"""),
    md(r"""
`backward()` walked chainrule's own topological order (an explicit stack, no recursion) and
called the closure for the `sin` node, the catalogue's chain rule for `*`. What a closure cannot
give is its derivative *as code*: the compiler, the batched replay and second derivatives need
that, so they refuse, and say what to do instead.
"""),
    code("""
import autograd

for attempt in (lambda: autograd.compile(y), lambda: autograd.hessian(y, [x])):
    try:
        attempt()
    except ValueError as error:
        print(error)
"""),
    md(r"""
## The catalogue's way: `define_op`

The value of $\sin$ is `math.sin` (a function of floats). Its derivative, $\cos a$, must be code in
the catalogue's terms: $\cos a = \sin(a + \pi/2)$, which calls the op itself. Operands are `a`
(and `b`), the result is `out`; the code may use numbers, `+ - * / **`, comparisons,
`p if c else q` and the catalogue's functions (`exp`, `log`, `tanh`, `sqrt`, `abs`, ...).
"""),
    code("""
from autograd import Value, define_op, grad, hessian

sine = define_op("sine", forward=math.sin, local_grads=["sine(a + 1.5707963267948966)"],
                 interval=(-3.0, 3.0), doc="sin(a); its derivative is cos(a) = sin(a + pi/2)")

x = Value(0.5, label="x")
print("dy/dx    =", grad(sine(x * x), [x])[0])
print("d2y/dx2  =", hessian(sine(x * x), [x])[0][0],
      " by hand:", 2 * math.cos(0.25) - 4 * 0.25 * math.sin(0.25))
"""),
    md(r"""
The second derivative came for free: `hessian` evaluated the same derivative text on Values,
so the derivative has a graph of its own. An op can also be pure code, with a kink or two
operands:
"""),
    code("""
softsign = define_op("softsign", forward="a / (1.0 + abs(a))",
                     local_grads=["1.0 / ((1.0 + abs(a)) * (1.0 + abs(a)))"])
hypot = define_op("hypot", forward="sqrt(a * a + b * b)", local_grads=["a / out", "b / out"],
                  interval=(0.5, 3.0))

w = Value(-1.5, label="w")
z = softsign(x * w) * hypot(x, w)
z.label = "z"
z.backward()
print(z, x.grad, w.grad)
"""),
    md(r"""
A mistake in the definition is caught when it is made, in one line:
"""),
    code("""
for bad in ({"forward": "a * c", "local_grads": ["1.0"]},
            {"forward": "a * b", "local_grads": ["b"]},
            {"forward": "__import__('os')", "local_grads": ["1.0"]}):
    try:
        define_op("oops", **bad)
    except ValueError as error:
        print(error)
"""),
    md(r"""
## `check_op`: is the derivative right?

`autograd.testing.check_op(op)` takes the ends of the op's interval and a few dozen points that
Hypothesis draws across it (clear of its kinks), and checks the first and second derivatives
against differences of the forward (the allowed difference is their own error estimate), the
compiled code against the eager engine bit for bit, and the batched replay against the float
code. With `reference=` a PyTorch function, it compares values, gradients and second
derivatives with it too. Silence means every check passed.
"""),
    code("""
from autograd.testing import check_op

check_op(sine)
check_op(softsign)
check_op(hypot)
print("all checks passed")
"""),
    md(r"""
A learner who writes $\frac{d}{da}\cos a = \sin a$ (the sign forgotten) is told so, with the
op, the check, the point and both numbers:
"""),
    code("""
from autograd.testing import OpCheckError

cosine = define_op("cosine", forward=math.cos, local_grads=["sine(a)"], interval=(-3.0, 3.0))
try:
    check_op(cosine)
except OpCheckError as error:
    print(error)
"""),
    md(r"""
Fixing the cell and running it again replaces the op: the same name with new text is a new
definition (the function `cosine` follows it, and ops defined on top of it are made again).
"""),
    code("""
cosine = define_op("cosine", forward=math.cos, local_grads=["-sine(a)"], interval=(-3.0, 3.0))
check_op(cosine)
print("cosine passes")
"""),
    md(r"""
## Compiled, drawn, stepped

The op is in the catalogue, so the compiler writes it like any other (its value is a call of
`sine`, its local derivative the text above) and the results are the eager engine's, bit for bit.
"""),
    code("""
y = sine(x * x)
compiled = autograd.compile(y, [x])
print(compiled.source)
y = sine(x * x)
print("the eager engine's bits:", compiled(0.5) == (y.data, grad(y, [x])))
"""),
    code("""
import shutil

from autograd import draw_dot, explain, to_html

print(explain(z, x))
if shutil.which("dot"):
    display(draw_dot(z, show_local_grads=True))
else:
    print("(graphviz's dot program is not installed: no picture)")
"""),
    md(r"""
The stepping page replays `backward()` one chain-rule update at a time; the new ops are steps
like any other.
"""),
    code("""
page = to_html(z, show_local_grads=True)
print(page)
page
"""),
]

NOTEBOOKS["07_own_op.ipynb"] = OWN_OP


if __name__ == "__main__":
    main()
