"""Compiled.batched against the float code, sample by sample, over random graphs.

The batched code is the float code's text over numpy arrays. Arrays are mutable where floats are
not, so the property also holds the code to never writing into an array it was given (an input or
`upstream`), nor into one that another name shares (a gradient copied from its consumer's).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import autograd
from autograd import CATALOGUE, Value, compile
from tests.autograd.test_compile import _emit
from tests.strategies import recipes

# + - * / sqrt abs relu are exact in IEEE 754 in numpy as in math: the same bits. exp, log,
# tanh, log1p are numpy's and may differ from math's in the last place.
EXACT = {"const", "add", "sub", "mul", "div", "neg", "sqrt", "abs", "relu", "sum"}


def bits(x: float) -> str:
    return "nan" if math.isnan(x) else repr(x)


def _close(got: float, want: float, exact: bool, scale: float) -> bool:
    if exact:
        return bits(got) == bits(want)
    if math.isnan(want) or math.isinf(want):
        return bits(got) == bits(want)
    # 1e-12 relative to the sample's largest number: a last-place difference of exp or tanh
    # can be magnified by a later cancellation (1 - out * out), never beyond this.
    return abs(got - want) <= 1e-12 * max(abs(want), scale, 1e-300)


def _sample(column, i):
    return float(column[i]) if np.ndim(column) else float(column)


@given(recipes(max_steps=12), st.data())
def test_batched_is_the_float_code_per_sample_and_writes_into_no_array(recipe, data):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(recipe.inputs)]
    out = recipe.build(*leaves)
    compiled = compile(out, leaves)
    exact = {n.op for n in autograd.topo_order(out)} <= EXACT
    n = data.draw(st.integers(1, 4), label="samples")
    rows = [recipe.inputs] + [
        tuple(data.draw(st.floats(-2.0, 2.0), label=f"row {i}") for _ in recipe.inputs)
        for i in range(1, n)
    ]
    # Each input is either an array over the samples or one float for all of them.
    columns: list[object] = []
    for k, x in enumerate(recipe.inputs):
        if data.draw(st.booleans(), label=f"x{k} is an array"):
            columns.append(np.array([row[k] for row in rows]))
        else:
            columns.append(x)
            rows = [row[:k] + (x,) + row[k + 1:] for row in rows]
    upstream: object = data.draw(
        st.one_of(st.just(1.0), st.floats(-3.0, 3.0),
                  st.lists(st.floats(-3.0, 3.0), min_size=n, max_size=n).map(np.array)),
        label="upstream")
    note(f"columns {columns!r}, upstream {upstream!r}")
    before = [np.copy(c) for c in columns]
    upstream_before = np.copy(upstream)
    try:
        got_out, got_grads = compiled.batched(*columns, upstream=upstream)
    except (ValueError, ZeroDivisionError) as error:  # some sample is outside a domain
        with pytest.raises(type(error)):
            for i in range(n):
                compiled(*rows[i], upstream=_sample(upstream, i))
        return
    event(f"{n} samples")  # pytest --hypothesis-show-statistics counts them
    for c, b in zip(columns, before):
        assert np.array_equal(c, b), "an input array was written into"
    assert np.array_equal(upstream, upstream_before), "upstream was written into"
    # The two halves fit(compile=True) runs give the same arrays, and write into nothing.
    forward, backward, _ = compiled.batched_tape()
    with np.errstate(all="ignore"):
        _, tape = forward(*columns)
        tape_out, tape_grads = backward(*columns, *tape, upstream=upstream)
    for a, b in zip((tape_out, *tape_grads), (got_out, *got_grads)):
        assert np.array_equal(a, b, equal_nan=True)
    for c, b in zip(columns, before):
        assert np.array_equal(c, b), "the tape's backward wrote into an input"
    assert np.array_equal(upstream, upstream_before), "the tape's backward wrote into upstream"
    for i in range(n):
        want_out, want = compiled(*rows[i], upstream=_sample(upstream, i))
        got = [_sample(got_out, i)] + [_sample(g, i) for g in got_grads]
        scale = max([abs(v) for v in (want_out, *want) if math.isfinite(v)], default=0.0)
        for g, w in zip(got, (want_out, *want)):
            assert _close(g, w, exact, scale), (i, g, w)


# --- the examples: each was silently wrong -------------------------------------------


def test_a_gradient_copied_from_its_consumer_is_not_written_through_by_a_later_sum():
    a, b, c = Value(-0.3, label="a"), Value(1.1, label="b"), Value(-0.8, label="c")
    compiled = compile((a - b) * (a + b) * c, [a, b, c])
    _, want = compiled(-0.3, 1.1, -0.8)
    assert [round(g, 12) for g in want] == [0.48, 1.76, -1.12]
    _, got = compiled.batched(np.array([-0.3, 2.0]), np.array([1.1, 0.5]), np.array([-0.8, 3.0]))
    assert [float(g[0]) for g in got] == list(want)
    assert [float(g[1]) for g in got] == list(compiled(2.0, 0.5, 3.0)[1])


def test_sigmoid_of_a_shared_operand_batched_is_the_float_code():
    x = Value(0.5, label="x")
    compiled = compile((x * x + x).sigmoid(), [x])
    xs = np.array([0.5, -1.0, 2.0])
    _, (got,) = compiled.batched(xs)
    for i, v in enumerate(xs):
        assert math.isclose(float(got[i]), compiled(float(v))[1][0], rel_tol=1e-12)
    assert round(float(got[0]), 4) == 0.4358


def test_upstream_is_never_written_into():
    y = Value(1.0, label="y")
    compiled = compile(y * 3 + y, [y])
    up = np.array([1.0, 2.0, -0.5])
    out, (g,) = compiled.batched(np.array([1.0, 2.0, 3.0]), upstream=up)
    assert list(up) == [1.0, 2.0, -0.5]
    assert list(g) == [4.0, 8.0, -2.0]
    forward, backward, _ = compiled.batched_tape()
    xs = np.array([1.0, 2.0, 3.0])
    _, tape = forward(xs)
    backward(xs, *tape, upstream=up)
    assert list(up) == [1.0, 2.0, -0.5]


def test_the_array_code_never_adds_in_place():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    s = a * b
    compiled = compile(s * s + s - a, [a, b])
    assert "+=" in compiled.source or "-=" in compiled.source  # floats: in place is harmless
    assert "+=" not in compiled.batched_source and "-=" not in compiled.batched_source


# --- special values: the array helpers follow the float ones ---------------------------------

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0]


@pytest.mark.parametrize("name", [n for n in sorted(CATALOGUE) if CATALOGUE[n].arity == 2])
def test_binary_array_versions_follow_the_float_ones_at_special_values(name):
    op = CATALOGUE[name]
    for a in SPECIAL:
        for b in SPECIAL:
            try:
                want = op.forward(a, b)
            except (ValueError, ZeroDivisionError) as error:
                with pytest.raises(type(error)):
                    _emit(op, [np.array([a]), np.array([b])], arrays=True)
                continue
            out, contributions = _emit(op, [np.array([a]), np.array([b])], arrays=True)
            scalar = [d * 0.75 for d in op.local_grads(want, a, b)]
            got = [float(np.asarray(c).reshape(-1)[0]) for c in contributions]
            assert bits(float(out[0])) == bits(want), (a, b)
            assert [bits(g) for g in got] == [bits(s) for s in scalar], (a, b, got, scalar)


def test_zero_to_the_nan_has_a_nan_gradient_batched_as_in_the_float_code():
    a, b = Value(0.0, label="a"), Value(math.nan, label="b")
    compiled = compile(a ** b, [a, b])
    _, want = compiled(0.0, math.nan)
    _, got = compiled.batched(np.array([0.0, 2.0]), np.array([math.nan, 1.0]))
    assert [bits(float(g[0])) for g in got] == [bits(w) for w in want] == ["nan", "nan"]
