"""Hypothesis strategies for the engine's tests, each documented with what it draws and why.

The catalogue in `autograd/ops.py` says each operation's domain and kinks; these strategies read
it, so a new operation is tested the moment it is added to the catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from hypothesis import assume, note
from hypothesis import strategies as st

import autograd
from autograd import Op, Value

# n-ary operations are tested with 1 to 5 operands.
MAX_NARY = 5


def operand(low: float, high: float, kinks: tuple[float, ...] = (), margin: float = 1e-3):
    """A float in [low, high], at least `margin` away from every kink (where finite differences
    straddle a jump in the derivative and would disagree with any correct backward)."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False).filter(
        lambda x: all(abs(x - k) > margin for k in kinks)
    )


@st.composite
def op_arguments(draw, op: Op) -> tuple[float, ...]:
    """Operands for `op`, each drawn from the op's own domain interval, clear of its kinks.

    For n-ary ops (arity -1) a count from 1 to MAX_NARY, all from the first interval. For `pow`
    the exponent is drawn as an integer half the time, so integer powers are covered too.
    """
    if op.arity == -1:
        n = draw(st.integers(1, MAX_NARY), label="n")
        low, high = op.domain[0]
        return tuple(draw(operand(low, high, op.kinks), label=f"x{i}") for i in range(n))
    args = []
    for i, (low, high) in enumerate(op.domain):
        if op.name in ("pow", "vpow") and i == 1 and draw(st.booleans(), label="integer exponent"):
            args.append(float(draw(st.integers(int(low), int(high)), label="exponent")))
        else:
            args.append(draw(operand(low, high, op.kinks), label=f"x{i}"))
    return tuple(args)


# --- random composite expressions ---------------------------------------------------------

# Steps a random expression is built from. Each keeps every operation inside its domain whatever
# the operands (log and sqrt of a*a + 0.5, division by b*b + 1, bases a*a + 0.5, exp of a bounded
# number), so every drawn expression is differentiable and finite; relu and abs are kept clear of
# their kink by `recipes`. They use only what Values and torch tensors share, plus `lib` for the
# rest, so one recipe runs on both.
UNARY_STEPS: dict[str, Callable] = {
    "neg": lambda a, lib: -a,
    "exp": lambda a, lib: (a.tanh() * 2).exp(),
    "tanh": lambda a, lib: a.tanh(),
    "sigmoid": lambda a, lib: a.sigmoid(),
    "relu": lambda a, lib: a.relu(),
    "abs": lambda a, lib: abs(a),
    "softplus": lambda a, lib: lib["softplus"](a),
    "log": lambda a, lib: (a * a + 0.5).log(),
    "sqrt": lambda a, lib: (a * a + 0.5).sqrt(),
}
BINARY_STEPS: dict[str, Callable] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "vpow": lambda a, b: (a * a + 0.5) ** b.tanh(),
    "rsub": lambda a, b: 1.5 - a,  # a number on the left
    "rdiv": lambda a, b: 2.0 / (a * a + 1),
}
NARY_STEPS = ("sum", "logsumexp", "mean")
KINKED = ("relu", "abs")
POW_EXPONENTS = (-2.0, -1.0, -0.5, 0.5, 1.5, 2.0, 3.0)

ENGINE = {
    "softplus": lambda a: a.softplus(),
    "sum": autograd.sum,
    "logsumexp": autograd.logsumexp,
    "mean": autograd.mean,
}


@dataclass(frozen=True)
class Recipe:
    """A random expression as a straight-line program over a pool of values.

    `inputs` are the leaf values; each step appends one value to the pool, computed from earlier
    pool entries by index, so later steps can reuse any earlier result (shared subexpressions,
    several paths from a leaf to the output). The last pool entry is the output.
    Steps: ("unary", name, (i,)), ("pow", c, (i,)), ("binary", name, (i, j)), ("nary", name, idx).
    """

    inputs: tuple[float, ...]
    steps: tuple[tuple, ...]

    def build(self, *leaves, lib: dict = ENGINE):
        """Evaluate on the given leaves (Values, or torch tensors with a torch `lib`)."""
        pool = list(leaves)
        for step in self.steps:
            pool.append(_apply(step, pool, lib))
        return pool[-1]

    def kink_distance(self) -> float:
        """How close any relu/abs input comes to 0 at the recipe's inputs (inf if none)."""
        pool = [Value(x) for x in self.inputs]
        closest = math.inf
        with autograd.no_grad():
            for step in self.steps:
                if step[0] == "unary" and step[1] in KINKED:
                    closest = min(closest, abs(pool[step[2][0]].data))
                pool.append(_apply(step, pool, ENGINE))
        return closest


def _apply(step: tuple, pool: list, lib: dict):
    kind, name, args = step
    xs = [pool[i] for i in args]
    if kind == "unary":
        return UNARY_STEPS[name](xs[0], lib)
    if kind == "pow":
        return (xs[0] * xs[0] + 0.5) ** name
    if kind == "binary":
        return BINARY_STEPS[name](*xs)
    return lib[name](xs)


@st.composite
def recipes(draw, max_inputs: int = 4, max_steps: int = 10) -> Recipe:
    """A random expression: 1..max_inputs leaves in [-2, 2], then 1..max_steps steps, each a
    unary, binary or n-ary operation on earlier results (indices drawn from the whole pool, so
    results are shared). Rejects draws whose output is not finite or exceeds 1e6 in magnitude,
    and those that come within 1e-3 of a relu/abs kink."""
    n_in = draw(st.integers(1, max_inputs), label="inputs")
    inputs = tuple(draw(operand(-2.0, 2.0), label=f"x{i}") for i in range(n_in))
    steps = []
    for k in range(draw(st.integers(1, max_steps), label="steps")):
        size = n_in + k
        index = st.integers(0, size - 1)
        kind = draw(st.sampled_from(["unary", "binary", "binary", "nary"]), label="kind")
        if kind == "unary" and draw(st.integers(0, len(UNARY_STEPS))) == 0:
            steps.append(("pow", draw(st.sampled_from(POW_EXPONENTS)), (draw(index),)))
        elif kind == "unary":
            name = draw(st.sampled_from(sorted(UNARY_STEPS)))
            steps.append(("unary", name, (draw(index),)))
        elif kind == "binary":
            name = draw(st.sampled_from(sorted(BINARY_STEPS)))
            steps.append(("binary", name, (draw(index), draw(index))))
        else:
            name = draw(st.sampled_from(NARY_STEPS))
            args = tuple(draw(st.lists(index, min_size=1, max_size=4)))
            steps.append(("nary", name, args))
    recipe = Recipe(inputs, tuple(steps))
    with autograd.no_grad():
        out = recipe.build(*[Value(x) for x in inputs]).data
    assume(math.isfinite(out) and abs(out) < 1e6)
    assume(recipe.kink_distance() > 1e-3)
    note(f"recipe: {recipe}")
    return recipe
