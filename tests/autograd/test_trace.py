"""trace_backward(): backward() written down update by update, held to backward() bit for bit on
the worked example and on random graphs with shared subexpressions."""

from __future__ import annotations

import pytest
from hypothesis import given

from autograd import CATALOGUE, Value, topo_order, trace_backward
from nn.examples.worked_example import START, forward
from tests.strategies import recipes

STEP1_GRADS = {
    "w35": 0.027674034938717867, "w45": 0.027001636991007414, "w13": 0.0009290711608096597,
    "w23": 0.002389040127796268, "w14": 0.002860075772445454, "w24": 0.007354480557716883,
}


def test_worked_example_final_gradients_are_backwards():
    g = forward(START)
    trace = trace_backward(g.error)
    assert all(node.grad == 0.0 for node in trace.order)  # the graph is not touched
    g.error.backward()
    assert [node.grad for node in trace.order] == list(trace.grads)
    for name, w in g.weights.items():
        assert trace.grad(w) == w.grad == STEP1_GRADS[name]


def test_the_w35_update_has_the_posts_numbers():
    g = forward(START)
    trace = trace_backward(g.error)
    w35 = trace.order.index(g.weights["w35"])
    (update,) = [u for u in trace.updates if u.target == w35]
    product = trace.order[update.node]
    assert product.op == "mul" and product.operands == (g.weights["w35"], g.y3)
    assert update.operand == 0
    assert update.local_grad == g.y3.data == 0.6802671966986485  # d(w35 * y3)/dw35 = y3
    # upstream: dE/dz5 = dE/dyp * dyp/dz5, as the post multiplies it
    assert update.upstream == 1.0 * 0.5 * (2 * 0.19028349290764435) * 1.0 * 0.21379219232686647
    assert update.contribution == update.after == 0.027674034938717867
    assert update.before == 0.0 and update.completes


def test_updates_follow_backwards_walk():
    """Reversed topological order, each node's operands in recorded order, the root seeded first;
    each update's upstream is the node's final gradient, and its local gradient the catalogue's."""
    g = forward(START)
    order = topo_order(g.error)
    trace = trace_backward(g.error)
    assert list(trace.order) == order and trace.upstream == 1.0
    expected = [
        (k, p) for k in reversed(range(len(order))) for p in range(len(order[k].operands))
    ]
    assert [(u.node, u.operand) for u in trace.updates] == expected
    g.error.backward()
    running = {order[-1]: 1.0}
    for u in trace.updates:
        node, target = order[u.node], order[u.target]
        assert target is node.operands[u.operand]
        assert u.upstream == node.grad  # complete when its turn comes
        local = CATALOGUE[node.op].local_grads(node.data, *[x.data for x in node.operands])
        assert u.local_grad == local[u.operand]
        assert u.contribution == u.local_grad * u.upstream
        assert u.before == running.get(target, 0.0)
        running[target] = u.after
        assert u.completes == (u is [v for v in trace.updates if v.target == u.target][-1])
    assert sum(u.completes for u in trace.updates) == len(order) - 1  # all but the root


def test_same_value_twice_and_a_number_on_the_left():
    x = Value(3.0, label="x")
    y = 2.0 - x * x  # x * x: two updates into x, one per operand
    trace = trace_backward(y)
    into_x = [u for u in trace.updates if trace.order[u.target] is x]
    assert [(u.operand, u.local_grad, u.completes) for u in into_x] == [(0, 3.0, False),
                                                                       (1, 3.0, True)]
    y.backward()
    assert trace.grad(x) == x.grad == -6.0


def test_upstream_seed_and_a_lone_leaf():
    g = forward(START)
    trace = trace_backward(g.error, 2.5)
    g.error.backward(2.5)
    assert trace.upstream == 2.5 and list(trace.grads) == [n.grad for n in trace.order]
    leaf = Value(1.0)
    lone = trace_backward(leaf)
    assert lone.updates == () and lone.grads == (1.0,)


def test_bad_input():
    with pytest.raises(TypeError, match="trace_backward: root must be a Value, got float"):
        trace_backward(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="trace_backward: needs a real number"):
        trace_backward(Value(1.0), "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not used to compute the root"):
        trace_backward(Value(1.0) * 2).grad(Value(3.0))


@given(recipes(max_inputs=4, max_steps=12))
def test_random_graphs_bit_for_bit(recipe):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(recipe.inputs)]
    out = recipe.build(*leaves)
    trace = trace_backward(out)
    out.backward()
    # every node, leaves and intermediates alike, shared subexpressions summed in the same order;
    # float.hex tells apart what == does not (0.0 and -0.0)
    assert [node.grad.hex() for node in trace.order] == [g.hex() for g in trace.grads]
