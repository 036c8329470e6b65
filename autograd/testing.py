"""The kit that tests an operation: Hypothesis strategies, and `check_op`.

    >>> from autograd import define_op
    >>> from autograd.testing import check_op
    >>> cube = define_op("cube", forward="a * a * a", local_grads=["3.0 * a * a"])
    >>> check_op(cube)          # silent when every check passes; one error naming the first failure

`check_op(op)` runs, at a few points drawn from the op's own domain (clear of its kinks):
  first derivatives   backward() against central finite differences of the forward
  second derivatives  hessian() (grad with create_graph, twice) against central
                      differences of grad() (gradgradcheck)
  compiled            autograd.compile's code, bit for bit the eager engine's, at new points
  batched             the compiled numpy replay against the float code, to 1e-12 (relative,
                      absolute below 1: numpy's tanh may differ from math's in the last bit)
  reference           with `reference=` (a function of torch tensors) and PyTorch installed:
                      values and gradients against it in float64, to 1e-10 relative
A failure raises `OpCheckError` naming the op, the check, the input and both numbers.

The strategies (they need Hypothesis, which the `test` extra installs; `check_op` does not):
  operand(low, high, kinks)   a float in [low, high], clear of the kinks
  op_arguments(op)            operands for `op` from its domain (integer exponents for pow too)
  recipes()                   random expressions with shared subexpressions and repeated operands,
                              as `Recipe`s that build on Values or on torch tensors
The catalogue says each op's domain and kinks; the strategies read it, so a new op (built in, or
made by define_op) is drawn correctly the moment it exists.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence


from .backward import grad, no_grad
from .check import GradcheckError
from .compile import compile as compile_graph
from .higher import apply, hessian
from .ops import CATALOGUE, Op
from .value import Value
from .value import logsumexp as _logsumexp
from .value import mean as _mean
from .value import sum as _sum

__all__ = [
    "OpCheckError", "check_op", "mutated", "operand", "op_arguments", "recipes", "Recipe",
    "MAX_NARY", "UNARY_STEPS", "BINARY_STEPS", "NARY_STEPS", "KINKED", "POW_EXPONENTS", "ENGINE",
]


def _st() -> Any:
    """Hypothesis's strategies, imported where a strategy is made (check_op does not need it)."""
    try:
        from hypothesis import strategies
    except ImportError:  # pragma: no cover - the test extra installs it
        raise ImportError("autograd.testing's strategies need Hypothesis: pip install "
                          "hypothesis (or chainrule[test])") from None
    return strategies


# --- strategies ---------------------------------------------------------------------------

# n-ary operations are tested with 1 to 5 operands.
MAX_NARY = 5


def operand(low: float, high: float, kinks: tuple[float, ...] = (), margin: float = 1e-3) -> Any:
    """A float in [low, high], at least `margin` away from every kink.

    Near a kink finite differences straddle a jump in the derivative and would disagree with
    any correct backward.
    """
    st = _st()
    return st.floats(low, high, allow_nan=False, allow_infinity=False).filter(
        lambda x: all(abs(x - k) > margin for k in kinks)
    )


def op_arguments(op: Op) -> Any:
    """Operands for `op`, each drawn from the op's own domain interval, clear of its kinks.

    For n-ary ops (arity -1) a count from 1 to MAX_NARY, all from the first interval. For `pow`
    the exponent is drawn as an integer half the time, so integer powers are covered too.
    """
    st = _st()

    @st.composite  # type: ignore[untyped-decorator]
    def draw_arguments(draw: Any) -> tuple[float, ...]:
        if op.arity == -1:
            n = draw(st.integers(1, MAX_NARY), label="n")
            low, high = op.domain[0]
            return tuple(draw(operand(low, high, op.kinks), label=f"x{i}") for i in range(n))
        args = []
        for i, (low, high) in enumerate(op.domain):
            if op.name in ("pow", "vpow") and i == 1 and draw(st.booleans(),
                                                               label="integer exponent"):
                args.append(float(draw(st.integers(int(low), int(high)), label="exponent")))
            else:
                args.append(draw(operand(low, high, op.kinks), label=f"x{i}"))
        return tuple(args)

    return draw_arguments()


# Steps a random expression is built from. Each keeps every operation inside its domain whatever
# the operands (log and sqrt of a*a + 0.5, division by b*b + 1, bases a*a + 0.5, exp of a bounded
# number), so every drawn expression is differentiable and finite; relu and abs are kept clear of
# their kink by `recipes`. They use only what Values and torch tensors share, plus `lib` for the
# rest, so one recipe runs on both.
UNARY_STEPS: dict[str, Callable[..., Any]] = {
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
BINARY_STEPS: dict[str, Callable[..., Any]] = {
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

ENGINE: dict[str, Callable[..., Any]] = {
    "softplus": lambda a: a.softplus(),
    "sum": _sum,
    "logsumexp": _logsumexp,
    "mean": _mean,
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
    steps: tuple[tuple[Any, ...], ...]

    def build(self, *leaves: Any, lib: dict[str, Callable[..., Any]] = ENGINE) -> Any:
        """Evaluate on the given leaves (Values, or torch tensors with a torch `lib`)."""
        pool = list(leaves)
        for step in self.steps:
            pool.append(_apply(step, pool, lib))
        return pool[-1]

    def kink_distance(self) -> float:
        """How close any relu/abs input comes to 0 at the recipe's inputs (inf if none)."""
        pool: list[Any] = [Value(x) for x in self.inputs]
        closest = math.inf
        with no_grad():
            for step in self.steps:
                if step[0] == "unary" and step[1] in KINKED:
                    closest = min(closest, abs(pool[step[2][0]].data))
                pool.append(_apply(step, pool, ENGINE))
        return closest


def _apply(step: tuple[Any, ...], pool: list[Any], lib: dict[str, Callable[..., Any]]) -> Any:
    kind, name, args = step
    xs = [pool[i] for i in args]
    if kind == "unary":
        return UNARY_STEPS[name](xs[0], lib)
    if kind == "pow":
        return (xs[0] * xs[0] + 0.5) ** name
    if kind == "binary":
        return BINARY_STEPS[name](*xs)
    return lib[name](xs)


def recipes(max_inputs: int = 4, max_steps: int = 10) -> Any:
    """A random expression, as a `Recipe` that builds on Values or on torch tensors.

    1..max_inputs leaves in [-2, 2], then 1..max_steps steps, each a unary, binary or n-ary
    operation on earlier results (indices drawn from the whole pool, so results are shared).
    Rejects draws whose output is not finite or exceeds 1e6 in magnitude, and those that come
    within 1e-3 of a relu/abs kink.
    """
    st = _st()
    from hypothesis import assume, note

    @st.composite  # type: ignore[untyped-decorator]
    def draw_recipe(draw: Any) -> Recipe:
        n_in = draw(st.integers(1, max_inputs), label="inputs")
        inputs = tuple(draw(operand(-2.0, 2.0), label=f"x{i}") for i in range(n_in))
        steps: list[tuple[Any, ...]] = []
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
        with no_grad():
            out = recipe.build(*[Value(x) for x in inputs]).data
        assume(math.isfinite(out) and abs(out) < 1e6)
        assume(recipe.kink_distance() > 1e-3)
        note(f"recipe: {recipe}")
        return recipe

    return draw_recipe()


# --- check_op ---------------------------------------------------------------------------


class OpCheckError(GradcheckError):
    """check_op found a disagreement: the op, the check, the input and both numbers."""


def _resolve(op: object) -> Op:
    if isinstance(op, str):
        if op not in CATALOGUE:
            raise ValueError(f"check_op: no operation named {op!r} in the catalogue")
        return CATALOGUE[op]
    entry = getattr(op, "op", op)  # a function made by define_op carries its entry
    if not isinstance(entry, Op):
        raise TypeError(f"check_op: op must be an Op, an op's name or a function made by "
                        f"define_op, got {type(op).__name__}")
    if entry.arity == 0:
        raise ValueError(f"check_op: {entry.name} has no operands to check")
    return entry


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


class _Checker:
    """The points and the graph builders of one op, and the checks that read them."""

    def __init__(self, op: Op, examples: int, seed: int, nary: int) -> None:
        self.op = op
        self.count = nary if op.arity == -1 else op.arity
        # An operand whose local derivative is the constant 0.0 (pow's exponent) is a constant:
        # it enters as a number, and is not differentiated.
        codes = op.local_grad_code * self.count if op.arity == -1 else op.local_grad_code
        self.varies = [code != "0.0" for code in codes]
        self.points = self._draw(examples, random.Random(seed))

    def _draw(self, n: int, rng: random.Random) -> list[tuple[float, ...]]:
        op = self.op
        intervals = op.domain * self.count if op.arity == -1 else op.domain
        if len(intervals) != self.count:
            raise ValueError(f"check_op: {op.name} has no domain interval per operand to draw "
                             f"from (Op.domain)")
        points: list[tuple[float, ...]] = []
        for _ in range(200 * n):
            if len(points) == n:
                break
            p = []
            for i, (low, high) in enumerate(intervals):
                x = rng.uniform(low, high)
                if op.name in ("pow", "vpow") and i == 1 and rng.random() < 0.5:
                    x = float(rng.randint(math.ceil(low), math.floor(high)))
                p.append(x)
            if not all(abs(x - k) > 1e-3 for x in p for k in op.kinks):
                continue
            if points:  # a constant operand keeps its first value (compiled code bakes it in)
                p = [x if v else c for x, v, c in zip(p, self.varies, points[0])]
            try:
                value = op.forward(*p)
            except (ValueError, ZeroDivisionError):  # outside a domain condition: draw again
                continue
            if math.isfinite(value):
                points.append(tuple(p))
        if len(points) < n:
            raise ValueError(f"check_op: could not draw {n} points where {op.name} is finite "
                             f"from its intervals {intervals}")
        return points

    def leaves(self, p: Sequence[float]) -> tuple[list[Any], list[Value]]:
        args: list[Any] = [Value(x, label=f"x{i}") if v else x
                           for i, (x, v) in enumerate(zip(p, self.varies))]
        return args, [a for a in args if isinstance(a, Value)]

    def fail(self, check: str, p: Sequence[float], what: str, ours: float, theirs: float,
             whose: str) -> OpCheckError:
        shown = ", ".join(repr(x) for x in p)
        return OpCheckError(f"check_op: {self.op.name} fails {check} at {self.op.name}({shown}): "
                            f"{what} is {ours!r}; {whose}: {theirs!r}")

    def first_derivatives(self) -> None:
        op = self.op
        for p in self.points:
            args, leaves = self.leaves(p)
            analytic = grad(apply(op, *args), leaves, allow_unused=True)
            k = 0
            for i, x in enumerate(p):
                if not self.varies[i]:
                    continue
                h = 1e-6 * max(1.0, abs(x))
                up, down = list(p), list(p)
                up[i], down[i] = x + h, x - h
                numeric = (op.forward(*up) - op.forward(*down)) / (2.0 * h)
                a = analytic[k] or 0.0
                k += 1
                if not _close(a, numeric, 1e-4, 1e-5):
                    raise self.fail("the first-derivative check", p, f"d{op.name}/dx{i} by "
                                    f"backward()", a, numeric, "central differences")

    def second_derivatives(self) -> None:
        op = self.op
        for p in self.points:
            args, leaves = self.leaves(p)
            rows = hessian(apply(op, *args), leaves)
            columns = [i for i, v in enumerate(self.varies) if v]
            for jj, j in enumerate(columns):
                h = 1e-5 * max(1.0, abs(p[j]))
                shifted = []
                for sign in (1.0, -1.0):
                    q = list(p)
                    q[j] = p[j] + sign * h
                    qargs, qleaves = self.leaves(q)
                    shifted.append(grad(apply(op, *qargs), qleaves, allow_unused=True))
                for ii, i in enumerate(columns):
                    numeric = ((shifted[0][ii] or 0.0) - (shifted[1][ii] or 0.0)) / (2.0 * h)
                    if not _close(rows[ii][jj], numeric, 1e-4, 1e-5):
                        raise self.fail("gradgradcheck", p, f"d2{op.name}/dx{i}dx{j} by hessian()",
                                        rows[ii][jj], numeric, "central differences of grad()")

    def compiled(self) -> None:
        """Compiled at the first point; eager and compiled agree bit for bit at the others.

        The graph uses the op's node three times (y * x0 + y, x0 twice).
        """
        op = self.op

        def build(p: Sequence[float]) -> tuple[Value, list[Value]]:
            args, leaves = self.leaves(p)
            y = apply(op, *args)
            first = leaves[0] if leaves else 1.0
            return y * first + y, leaves

        out, leaves = build(self.points[0])
        program = compile_graph(out, leaves)
        for p in self.points[1:]:
            out, leaves = build(p)
            eager = (out.data, grad(out, leaves, allow_unused=True))
            got = program(*[x for x, v in zip(p, self.varies) if v])
            if repr(got) != repr(eager):
                which, ours, theirs = _first_difference(got, eager)
                raise self.fail("the compiled check (bit for bit)", p, f"{which} by the compiled "
                                f"code", ours, theirs, "the eager engine")

    def batched(self) -> None:
        import numpy as np

        op = self.op
        args, leaves = self.leaves(self.points[0])
        program = compile_graph(apply(op, *args), leaves)
        columns = [np.array([p[i] for p in self.points]) for i, v in enumerate(self.varies) if v]
        value, grads = program.batched(*columns)
        for k, p in enumerate(self.points):
            want_value, want_grads = program(*[x for x, v in zip(p, self.varies) if v])
            pairs = [("the value", np.broadcast_to(value, (len(self.points),))[k], want_value)]
            pairs += [(f"d{op.name}/dx{i}", np.broadcast_to(g, (len(self.points),))[k], w)
                      for i, (g, w) in enumerate(zip(grads, want_grads))]
            for what, ours, theirs in pairs:
                if not _close(float(ours), theirs, 1e-12, 1e-12):
                    raise self.fail("the batched check", p, f"{what} by batched replay",
                                    float(ours), theirs, "the float code")

    def reference(self, fn: Callable[..., Any]) -> None:
        try:
            import torch
        except ImportError:
            return  # the reference is PyTorch's; without it there is nothing to compare
        op = self.op
        for p in self.points:
            args, leaves = self.leaves(p)
            out = apply(op, *args)
            ours = grad(out, leaves, allow_unused=True)
            targs = [torch.tensor(x, dtype=torch.float64, requires_grad=v)
                     for x, v in zip(p, self.varies)]
            tout = fn(*targs)
            value = float(tout.detach())
            if not _close(out.data, value, 1e-10, 1e-300):
                raise self.fail("the reference check", p, "the value", out.data, value,
                                "the reference")
            tleaves = [t for t, v in zip(targs, self.varies) if v]
            theirs = torch.autograd.grad(tout, tleaves, allow_unused=True)
            for i, (a, t) in enumerate(zip(ours, theirs)):
                b = 0.0 if t is None else float(t)
                if not _close(a or 0.0, b, 1e-10, 1e-12):
                    raise self.fail("the reference check", p, f"d{op.name}/dx{i}", a or 0.0, b,
                                    "the reference")


def _first_difference(got: Any, want: Any) -> tuple[str, float, float]:
    if repr(got[0]) != repr(want[0]):
        return "the value", got[0], want[0]
    for i, (a, b) in enumerate(zip(got[1], want[1])):
        if repr(a) != repr(b):
            return f"the gradient of input {i}", a, b
    return "the result", math.nan, math.nan  # pragma: no cover - repr differed somewhere


CHECKS = ("first derivatives", "second derivatives", "compiled", "batched", "reference")


def check_op(
    op: Op | str | Callable[..., Value],
    reference: Callable[..., Any] | None = None,
    *,
    examples: int = 6,
    seed: int = 0,
    nary: int = 3,
) -> None:
    """Check an operation: derivatives, second derivatives, compiled and batched forms.

    The checks are the module docstring's list. Points come from `random.Random(seed)`,
    `examples` of them, drawn from the op's intervals clear of its kinks (`nary` operands for
    an op of any number).

    Args:
        op: An Op, its name, or the function `define_op` returned.
        reference: A function of torch tensors computing the same; with PyTorch installed,
            values and gradients are compared with it in float64.
        examples: How many points (>= 2: one to compile at, others to compare).
        seed: The seed of the points.
        nary: How many operands for an op of any number (sum, logsumexp).

    Returns:
        None when everything agrees.

    Raises:
        OpCheckError: At the first disagreement, naming the op, the check, the input and both
            numbers.
        TypeError: `op` is none of the three, or `reference` is not callable.
        ValueError: No op has that name, the op has no operands, or `examples` is not an
            int >= 2.

    Examples:
        >>> from autograd import define_op
        >>> from autograd.testing import check_op
        >>> cube = define_op("cube", forward="a * a * a", local_grads=["3.0 * a * a"])
        >>> check_op(cube)          # silent when every check passes
    """
    entry = _resolve(op)
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 2:
        raise ValueError(f"check_op: examples must be an int >= 2 (one point to compile at, "
                         f"others to compare), got {examples!r}")
    if reference is not None and not callable(reference):
        raise TypeError(f"check_op: reference must be a function of torch tensors, got "
                        f"{type(reference).__name__}")
    checker = _Checker(entry, examples, seed, nary)
    checker.first_derivatives()
    checker.second_derivatives()
    checker.compiled()
    checker.batched()
    if reference is not None:
        checker.reference(reference)


def mutated(op: Op, operand: int, scale: float = 1.5, shift: float = 0.1) -> Op:
    """A copy of `op` whose local derivative for `operand` is wrong: (code) * scale + shift.

    Not registered in the catalogue: for testing that checks catch a wrong derivative (keep it
    alive while it is used: compiled code is cached per op object).
    """
    codes = list(op.local_grad_code)
    codes[operand] = f"({codes[operand]}) * {scale!r} + {shift!r}"
    return dataclasses.replace(op, local_grad_code=tuple(codes))


