"""The worked example's forward and backward pass, written as Python (`chainrule codegen`).

autograd.compile reads the recorded graph of E (the 2-2-1 network of the post, labelled z3, y3,
..., E as the post names them) and writes one line per node: the forward in topological order,
then the chain rule from E down, each local derivative taken from the operation catalogue. It
is the post's back(), derived rather than written by hand, and it gives the eager engine's
numbers bit for bit.
"""

from __future__ import annotations

from autograd.compile import Compiled, compile

from . import worked_example


def compiled_worked_example() -> tuple[Compiled, Compiled]:
    """E and yp of the worked example, compiled with the six weights as inputs (x1, x2 and the
    target stay the post's numbers, written into the code)."""
    g = worked_example.forward(worked_example.START)
    weights = [g.weights[name] for name in worked_example.START]
    return compile(g.error, weights), compile(g.yp, weights)


def run_document_order(max_steps: int = 10_000) -> list[worked_example.Step]:
    """worked_example.run("sgd", order="document") through the generated sgd_step: the
    post's own back(), derived from the graph. Same Steps, digit for digit."""
    error, yp = compiled_worked_example()
    w = list(worked_example.START.values())
    steps: list[worked_example.Step] = []
    for step in range(1, max_steps + 1):
        e, new = error.sgd_step(*w)
        steps.append(worked_example.Step(step, yp.forward(*w), e))
        if e < worked_example.TOLERANCE:
            return steps
        w = list(new)
    raise RuntimeError(f"codegen: no convergence in {max_steps} steps")


def run_compiled(optimizer: str = "sgd",
                 max_steps: int = 10_000) -> list[worked_example.Step]:
    """worked_example.run(optimizer, order="autograd") through the compiled code: the graph is
    recorded once, and every step calls the generated function. Same Steps, digit for digit."""
    if optimizer not in ("sgd", "rmsprop"):
        raise ValueError(f"codegen: optimizer must be 'sgd' or 'rmsprop', got {optimizer!r}")
    error, yp = compiled_worked_example()
    names = list(worked_example.START)
    w = dict(worked_example.START)
    opt = worked_example.Optimizer(optimizer)
    steps: list[worked_example.Step] = []
    for step in range(1, max_steps + 1):
        values = [w[name] for name in names]
        e, grads = error.fn(*values)
        steps.append(worked_example.Step(step, yp.forward(*values), e))
        if e < worked_example.TOLERANCE:
            return steps
        for name, g in zip(names, grads):
            opt.update(w, name, g)
    raise RuntimeError(f"codegen: no convergence in {max_steps} steps")
