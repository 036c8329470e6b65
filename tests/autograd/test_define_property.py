"""A Hypothesis property over random expressions in define_op's language (conditionals,
comparisons, and/or/not, catalogue calls): the eager engine, the compiled code and the batched
replay agree sample by sample, errors included, or the definition is refused in one line.

Compiled code must give the eager engine's bits. Batched replay computes exp, log, tanh, ...
with numpy, which may differ from `math` in the last place (and a subtraction can magnify that):
it must agree to a tight relative tolerance, and where it does not, the same replay with math's
functions in numpy's place must give the eager bits exactly, so what differs is libm's last
place and nothing else (a branch, an and/or, a sample that raises).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

import autograd
from autograd import Value, _batched, define_op, grad, ops
from autograd.define import remove_op

ERRORS = (ValueError, ZeroDivisionError, OverflowError)
FUNCTIONS = ["exp", "log", "tanh", "sqrt", "abs", "relu", "sigmoid", "softplus"]
NUMBERS = ["0.0", "0.5", "1.0", "2.0", "3.0", "-1.5", "inf"]


def expressions(names: list[str], depth: int = 4):
    """Text in the language, at most `depth` levels: numbers built from the names, numbers,
    + - * / **, calls, and `p if c else q` whose condition compares and joins with and, or,
    not."""

    @st.composite
    def number(draw, depth: int = depth) -> str:
        kind = draw(st.sampled_from(["leaf", "leaf", "binary", "call", "neg", "if"]
                                    if depth > 0 else ["leaf"]))
        if kind == "leaf":
            return draw(st.sampled_from(names + NUMBERS))
        if kind == "binary":
            op = draw(st.sampled_from(["+", "-", "*", "/", "**"]))
            return f"({draw(number(depth - 1))} {op} {draw(number(depth - 1))})"
        if kind == "call":
            return f"{draw(st.sampled_from(FUNCTIONS))}({draw(number(depth - 1))})"
        if kind == "neg":
            return f"-{draw(number(depth - 1))}"
        return (f"({draw(number(depth - 1))} if {draw(condition(depth - 1))} "
                f"else {draw(number(depth - 1))})")

    @st.composite
    def condition(draw, depth: int) -> str:
        kind = draw(st.sampled_from(["compare", "compare", "and", "or", "not"]
                                    if depth > 0 else ["compare"]))
        if kind == "compare":
            cmp = draw(st.sampled_from(["<", "<=", ">", ">="]))
            return f"{draw(number(max(depth - 1, 0)))} {cmp} {draw(number(max(depth - 1, 0)))}"
        if kind == "not":
            return f"(not {draw(condition(depth - 1))})"
        return f"({draw(condition(depth - 1))} {kind} {draw(condition(depth - 1))})"

    return number()


def outcome(thunk):
    """What a computation gave: its numbers, or the kind of error it raised."""
    try:
        return thunk()
    except ERRORS as error:
        return ("error", type(error).__name__)


def exact_namespace():
    """The batched namespace with math's functions (sample by sample) in numpy's place."""
    names = _batched.namespace()
    each = getattr(_batched, "per_sample", None) or (lambda fn: np.vectorize(fn, otypes=[float]))
    for name in ("exp", "log", "tanh", "sigmoid", "softplus"):
        names[name] = each(getattr(ops, name))
    return names


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(forward=expressions(["a"]), derivative=expressions(["a", "out"]),
       xs=st.lists(st.floats(-4.0, 4.0), min_size=1, max_size=5))
def test_eager_compiled_and_batched_agree_per_sample(forward, derivative, xs):
    note(f"forward={forward!r} local_grads=[{derivative!r}]")
    agree(forward, derivative, xs)


def agree(forward: str, derivative: str, xs: list[float]) -> None:
    name = "prop"
    try:
        op = define_op(name, forward, [derivative])
    except ValueError as error:
        text = str(error)
        assert "\n" not in text and text.startswith(f"define_op: {name}'s ")
        return
    try:
        def eager(x: float):
            v = Value(x)
            y = op(v)
            return (y.data, grad(y, [v]))

        want = [outcome(lambda x=x: eager(x)) for x in xs]
        if currently_in_test_context():
            note(f"eager: {want}")
        x0 = Value(xs[0])
        try:
            compiled = autograd.compile(op(x0), [x0])
        except ERRORS:  # the forward raises at xs[0]: a graph at a point where it does not
            fine = [x for x, w in zip(xs, want) if w[0] != "error"]
            if not fine:
                return
            x0 = Value(fine[0])
            compiled = autograd.compile(op(x0), [x0])
        for x, w in zip(xs, want):
            got = outcome(lambda x=x: compiled(x))
            assert repr(got) == repr(w), (x, got, w)  # bit for bit, or the same error
        columns = [outcome(lambda x=x: compiled.batched(np.array([x]))) for x in xs]
        for x, w, one in zip(xs, want, columns):  # one sample at a time: the same outcome
            if w[0] == "error":
                assert one == w, (x, one, w)
            else:
                assert one[0] != "error", (x, one, w)
                assert close(only(one[0]), w[0]) and close(only(one[1][0]), w[1][0]), (x, one, w)
        whole = outcome(lambda: compiled.batched(np.array(xs)))
        if any(w[0] == "error" for w in want):  # the whole batch raises, as some sample does
            assert whole[0] == "error", (whole, want)
            return
        real = whole
        exact = _batched.call(
            _run(compiled.batched_source, exact_namespace()), (np.array(xs),), 1.0, ["a"])
        for k, (x, w) in enumerate(zip(xs, want)):
            value = float(np.broadcast_to(real[0], (len(xs),))[k])
            slope = float(np.broadcast_to(real[1][0], (len(xs),))[k])
            if not (close(value, w[0]) and close(slope, w[1][0])):
                # numpy's libm, magnified: with math's functions the bits are the eager ones
                e_value = float(np.broadcast_to(exact[0], (len(xs),))[k])
                e_slope = float(np.broadcast_to(exact[1][0], (len(xs),))[k])
                assert repr((e_value, e_slope)) == repr((w[0], w[1][0])), (x, w, value, slope)
    finally:
        remove_op(name)


def only(v) -> float:
    """The one sample's number (an array of one, or a float where nothing varied)."""
    return float(np.asarray(v, dtype=float).reshape(-1)[0])


def _run(source: str, namespace: dict[str, object]):
    scope: dict[str, object] = {"__builtins__": {}, **namespace}
    exec(compile(source, "<batched>", "exec"), scope)  # noqa: S102
    return scope["forward_backward"]


@pytest.mark.parametrize("forward, derivative, xs", [
    ("sqrt(a) if a > 0.0 else 0.0", "div(0.5, out) if a > 0.0 else 0.0", [-1.0, 4.0]),
    ("1.0 if a > 0.0 and log(a) > 0.0 else 2.0", "1.0 if a > 0.0 and log(a) > 0.0 else 2.0",
     [-1.0, 0.5, 3.0]),
    ("log(a) if not a <= 0.0 or log(-a) > 10.0 else a", "1.0", [-2.0, 2.0, 0.0]),
])
def test_the_property_on_the_issues_cases(fresh, forward, derivative, xs):
    agree(forward, derivative, xs)
