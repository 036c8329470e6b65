"""The Hypothesis strategies of autograd.testing themselves: they draw what their docstrings
promise."""

import math

from hypothesis import given
from hypothesis import strategies as st

from autograd import CATALOGUE, Value, no_grad
from autograd.testing import op_arguments, recipes


@given(st.data())
def test_op_arguments_stay_in_the_domain_and_clear_of_kinks(data):
    op = data.draw(st.sampled_from(list(CATALOGUE.values())), label="op")
    args = data.draw(op_arguments(op))
    intervals = op.domain if op.arity != -1 else op.domain * len(args)
    assert len(args) == len(intervals) or op.arity == -1
    for x, (low, high) in zip(args, intervals):
        assert low <= x <= high
        assert all(abs(x - k) > 1e-3 for k in op.kinks)
    assert math.isfinite(op.forward(*args))


@given(recipes())
def test_recipes_build_finite_graphs_that_share_nodes(recipe):
    with no_grad():
        out = recipe.build(*[Value(x) for x in recipe.inputs])
    assert math.isfinite(out.data) and abs(out.data) < 1e6
    assert recipe.kink_distance() > 1e-3
    assert all(max(step[2]) < len(recipe.inputs) + i for i, step in enumerate(recipe.steps))
