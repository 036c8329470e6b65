"""The 2-2-1 network of the post "反向传播" ("例如更新 w53"; docs/worked_example.md), step by step.

Inputs x1 = 0.35, x2 = 0.9, target ya = 0.5, sigmoid on both layers, no biases,
E = 1/2 (yp - ya)^2. The post loops: forward, print "step = N: yp = ..., Error = ...",
stop once E < 1e-7, else update every weight and go again.

Two update orders:
- "autograd": one backward() gives all six gradients at the current weights, then all six
  updates. This is true gradient descent on E.
- "document": the post's own back(), which updates w35 and w45 first and then uses the *new*
  w35, w45 in the hidden-layer gradients. Its printed lines come from this order.
Both stop at step 111 with plain updates (lr = 1) and at step 11 with RMSprop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from autograd import Value

X1, X2, YA = 0.35, 0.9, 0.5
START = {"w13": 0.1, "w23": 0.8, "w14": 0.4, "w24": 0.6, "w35": 0.3, "w45": 0.9}
# The post's own update order in back().
DOCUMENT_ORDER = ("w35", "w45", "w13", "w23", "w14", "w24")
TOLERANCE = 1e-7
LR_RMSPROP, BETA, EPSILON = 0.1, 0.999, 0.01

ORDER_NOTE = {
    "autograd": "autograd order: one backward() pass gives all six gradients at the same weights, "
    "then all six updates (true gradient descent on E). From step 2 on its digits differ from "
    "the post's, whose back() updates in its own order: --order document prints those exactly.",
    "document": "document order: the post's back() updates w35 and w45 first and uses the new "
    "w35, w45 in the hidden-layer gradients, so from step 2 on its digits differ from true "
    "gradient descent; it still stops at the same step.",
}


@dataclass
class Graph:
    """One forward pass as Values: every intermediate kept, labelled as the post names them."""

    weights: dict[str, Value]
    z3: Value
    z4: Value
    y3: Value
    y4: Value
    z5: Value
    yp: Value
    error: Value


def forward(w: dict[str, float]) -> Graph:
    """Build the graph of E from the six weights (as new leaf Values)."""
    ws = {name: Value(w[name], label=name) for name in START}
    x1, x2 = Value(X1, label="x1"), Value(X2, label="x2")
    z3 = ws["w13"] * x1 + ws["w23"] * x2
    z4 = ws["w14"] * x1 + ws["w24"] * x2
    y3, y4 = z3.sigmoid(), z4.sigmoid()
    z5 = ws["w35"] * y3 + ws["w45"] * y4
    yp = z5.sigmoid()
    error = 0.5 * (yp - YA) ** 2
    for node, label in ((z3, "z3"), (z4, "z4"), (y3, "y3"), (y4, "y4"), (z5, "z5"),
                        (yp, "yp"), (error, "E")):
        node.label = label
    return Graph(ws, z3, z4, y3, y4, z5, yp, error)


@dataclass
class Optimizer:
    """The post's two update rules: plain `w -= g`, or its RMSprop."""

    kind: str = "sgd"
    s: dict[str, float] = field(default_factory=lambda: {name: 0.0 for name in START})

    def update(self, w: dict[str, float], name: str, g: float) -> None:
        if self.kind == "sgd":
            w[name] -= g
        else:
            self.s[name] = BETA * self.s[name] + (1 - BETA) * g**2
            w[name] -= LR_RMSPROP / (math.sqrt(self.s[name]) + EPSILON) * g


@dataclass
class Step:
    step: int
    yp: float
    error: float

    def line(self) -> str:
        return f"step = {self.step}: yp = {self.yp!r}, Error = {self.error!r}"


def run(optimizer: str = "sgd", order: str = "autograd", max_steps: int = 10_000) -> list[Step]:
    """The post's loop; returns one Step per forward pass, the last one the first with E < 1e-7."""
    if optimizer not in ("sgd", "rmsprop"):
        raise ValueError(f"worked example: optimizer must be 'sgd' or 'rmsprop', got {optimizer!r}")
    if order not in ("autograd", "document"):
        raise ValueError(f"worked example: order must be 'autograd' or 'document', got {order!r}")
    w = dict(START)
    opt = Optimizer(optimizer)
    steps: list[Step] = []
    for step in range(1, max_steps + 1):
        g = forward(w)
        steps.append(Step(step, g.yp.data, g.error.data))
        if g.error.data < TOLERANCE:
            return steps
        if order == "autograd":
            g.error.backward()
            grads = {name: v.grad for name, v in g.weights.items()}
            for name in START:
                opt.update(w, name, grads[name])
        else:
            _document_back(g, w, opt)
    raise RuntimeError(f"worked example: no convergence in {max_steps} steps")


def _document_back(g: Graph, w: dict[str, float], opt: Optimizer) -> None:
    # d_E(yp, ya) * d_f(z5) and d_f(z) = f(z) * (1 - f(z)), in the post's order of products.
    d_e = g.yp.data - YA
    d_f5 = g.yp.data * (1 - g.yp.data)
    d_f3 = g.y3.data * (1 - g.y3.data)
    d_f4 = g.y4.data * (1 - g.y4.data)
    y3, y4 = g.y3.data, g.y4.data
    opt.update(w, "w35", d_e * d_f5 * y3)
    opt.update(w, "w45", d_e * d_f5 * y4)
    opt.update(w, "w13", d_e * d_f5 * w["w35"] * d_f3 * X1)  # the new w35
    opt.update(w, "w23", d_e * d_f5 * w["w35"] * d_f3 * X2)
    opt.update(w, "w14", d_e * d_f5 * w["w45"] * d_f4 * X1)  # the new w45
    opt.update(w, "w24", d_e * d_f5 * w["w45"] * d_f4 * X2)


def summary(steps: list[Step], optimizer: str, order: str) -> str:
    last = steps[-1]
    return (
        f"{optimizer} ({order} order): E < {TOLERANCE:g} first at step {last.step}, after "
        f"{last.step - 1} updates: yp = {last.yp!r}, Error = {last.error!r}\n{ORDER_NOTE[order]}"
    )
