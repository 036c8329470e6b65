"""Write (and run) the teaching notebooks from this one file, so their code is reviewed as code.

    python notebooks/make_notebooks.py            # write the .ipynb files, then execute them
    python notebooks/make_notebooks.py --no-run   # write them with no outputs

Each notebook tells one story, stays short (well under a minute), and is seeded. CI executes
them all, top to bottom, with `pytest --nbmake notebooks/`.
"""

from __future__ import annotations

import argparse
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
## The forward pass

`we.forward(weights)` builds the graph of $E$ out of `autograd.Value`s, one per number, each
labelled as the post names it.
"""),
    code("""
g = we.forward(we.START)
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
assert chain.value == g.weights["w35"].grad == by_hand == 0.027674034938717867
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
draw_dot(g.error, highlight="w35", show_local_grads=True, hide_constants=True)
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


NOTEBOOKS = {"01_worked_example.ipynb": WORKED_EXAMPLE}


def build(cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="write without executing")
    parser.add_argument("names", nargs="*", help="only these notebooks (default: all)")
    args = parser.parse_args()
    for name, cells in NOTEBOOKS.items():
        if args.names and name not in args.names:
            continue
        nb = build(cells)
        if not args.no_run:
            from nbclient import NotebookClient

            NotebookClient(nb, timeout=120, kernel_name="python3",
                           resources={"metadata": {"path": str(HERE)}}).execute()
        nbformat.write(nb, HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
