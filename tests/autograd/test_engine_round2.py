"""The eager engine's fast paths and a learner's natural code: the inline chain rule against the
generic one, the mark slot of topo_order, backward consuming its graph (retain_graph), the
collector paused by gc_paused() and nn.fit, and the errors that replace silent wrong numbers."""

from __future__ import annotations

import gc
import math
import subprocess
import sys
import threading
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import AnomalyError, Value, detect_anomaly, gc_paused, topo_order
from autograd import backward as engine
from tests.strategies import recipes

# --- the inline chain rule equals the generic one, bit for bit ------------------------------


def _grads_by(chain_rule, recipe, reuse: bool):
    leaves = [Value(x) for x in recipe.inputs]
    out = recipe.build(*leaves)
    if reuse:  # the same leaves used twice more: repeated operands everywhere
        out = out * out + out
    order = topo_order(out)
    for node in order:
        node.grad = 0.0
    order[-1].grad += 1.0
    chain_rule(order)
    return [node.grad for node in order]


@given(recipe=recipes(max_inputs=4, max_steps=12), reuse=st.booleans())
@settings(max_examples=300)
def test_the_inline_chain_rule_equals_the_generic_loop_bit_for_bit(recipe, reuse):
    autograd.Value(1.0).backward()  # the inline loop is made at first use
    inline = _grads_by(engine._chain_rule_inline, recipe, reuse)
    generic = _grads_by(engine._chain_rule_generic, recipe, reuse)
    assert [g.hex() for g in inline] == [g.hex() for g in generic]


def _plain_dfs_order(root):
    """The textbook order the walks must give: depth first, operands in recorded order, a
    `seen` set, a node listed when its marker comes off the stack (no shortcut)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack += [node, None, *reversed(node.operands)]
    return order


@given(recipe=recipes(max_inputs=4, max_steps=12), reuse=st.booleans(),
       grads=st.booleans())
@settings(max_examples=300)
def test_both_walks_list_the_nodes_in_the_plain_depth_first_order(recipe, reuse, grads):
    """topo_order and backward()'s own walk take shortcuts (leaves and ready nodes listed at
    once); the order, and so every sum of gradients, is the plain depth-first one, over graphs
    with shared subexpressions and repeated operands. The consuming walk zeroes every gradient
    and hands back the leaves' earlier ones."""
    leaves = [Value(x) for x in recipe.inputs]
    out = recipe.build(*leaves)
    if reuse:
        out = out * out + out * leaves[0]
    expected = _plain_dfs_order(out)
    assert [id(n) for n in topo_order(out)] == [id(n) for n in expected]
    if grads:  # gradients left by an earlier pass, to be zeroed on the way
        for i, node in enumerate(expected):
            node.grad = float(i + 1)
    order, earlier = engine._consuming_order(out)
    assert [id(n) for n in order] == [id(n) for n in expected]
    assert all(n.grad == 0.0 for n in order)
    kept = {id(leaf): g for leaf, g in earlier}
    assert kept == ({id(n): float(i + 1) for i, n in enumerate(expected) if n.is_leaf}
                    if grads else {})


def test_the_inline_loop_covers_every_catalogue_op_and_falls_back_for_others():
    # Every op, through backward() (inline or not), equals the generic loop on the same graph.
    x, y = Value(0.7), Value(1.3)
    outs = [x + y, x - y, x * y, x / y, x ** 2.5, x ** y, -x, x.exp(), x.log(), x.tanh(),
            x.sigmoid(), x.relu(), x.sqrt(), x.abs(), x.softplus(), autograd.sum([x, y, x]),
            autograd.logsumexp([x, y, x])]
    for out in outs:
        z = out * out
        order = topo_order(z)
        expected = []
        for node in order:
            node.grad = 0.0
        order[-1].grad = 1.0
        engine._chain_rule_generic(order)
        expected = [n.grad for n in order]
        for node in order:
            node.grad = 0.0
        engine._chain_rule(order, 1.0)
        assert [n.grad for n in order] == expected, out.op


def test_an_op_outside_the_catalogue_goes_through_its_local_grads():
    # As a user-defined op would: a node whose Op the inline loop has never seen.
    from autograd.value import _make

    cube = autograd.Op("cube", 1, "cube", lambda a: a ** 3, ("3.0 * a * a",), "3a^2")
    pair = autograd.Op("pair", 2, "pair", lambda a, b: a * b * b, ("b * b", "2.0 * a * b"),
                       "b^2, 2ab")
    x, y = Value(1.5), Value(-0.5)
    z = _make(cube, 1.5 ** 3, x, None) * _make(pair, 1.5 * 0.25, x, y)
    z.backward()
    assert x.grad == 3.0 * 1.5 * 1.5 * (1.5 * 0.25) + 1.5 ** 3 * 0.25
    assert y.grad == 1.5 ** 3 * (2.0 * 1.5 * -0.5)


# --- topo_order's marks -----------------------------------------------------------------------


def test_topo_order_is_the_same_whatever_walk_came_before():
    a = Value(1.0)
    b = a * a
    c = b + a
    d = c * b
    first = topo_order(d)
    topo_order(c)  # a walk over part of the graph in between
    assert topo_order(d) == first
    assert [id(n) for n in topo_order(c)] == [id(n) for n in first[:len(topo_order(c))]]


def test_walks_in_threads_over_one_graph_each_list_every_node_once():
    x = Value(0.5)
    y = x
    for i in range(20_000):
        y = y * 1.0001 + x if i % 2 else y.tanh() + y
    expected = topo_order(y)
    results: list[list[Value]] = []

    def walk():
        for _ in range(5):
            results.append(topo_order(y))

    threads = [threading.Thread(target=walk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20
    assert all(r == expected for r in results)


def test_grad_inside_a_user_op_during_backward_leaves_the_outer_pass_right():
    # A nested pass (grad() on another graph, and on the same one) while a backward runs.
    x = Value(1.5)
    y = x * x
    inner = []

    z = y.tanh() * y
    expected_x = autograd.grad(z, [x])[0]
    original = autograd.CATALOGUE["tanh"].local_grads
    op = autograd.CATALOGUE["tanh"]

    def nested(out, a):
        inner.append(autograd.grad(y * y, [x])[0])
        return original(out, a)

    engine._chain_rule_inline = None  # rebuild with tanh through its (patched) local_grads
    saved = engine._INLINED
    engine._INLINED = tuple(n for n in saved if n != "tanh")
    try:
        object.__setattr__(op, "local_grads", nested)
        z.backward()
    finally:
        object.__setattr__(op, "local_grads", original)
        engine._INLINED = saved
        engine._chain_rule_inline = None
    assert inner == [4 * 1.5 ** 3]
    assert x.grad == expected_x


# --- backward consumes its graph (issue 16, item 5) ------------------------------------------


def test_a_second_backward_through_a_consumed_graph_raises_naming_retain_graph():
    x = Value(2.0)
    y = x * x + x
    y.backward()
    assert x.grad == 5.0
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        y.backward()
    assert x.grad == 5.0  # not doubled
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (y * 2).backward()  # a new root on the consumed graph: as PyTorch


def test_retain_graph_keeps_todays_accumulation_and_new_graphs_accumulate():
    x = Value(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 12.0
    (x * 3).backward()  # a new graph on the same leaf: accumulates
    assert x.grad == 15.0
    x.backward()  # a leaf has no graph to consume
    x.backward()
    assert x.grad == 17.0


def test_a_pass_that_fails_consumes_nothing():
    x = Value(2.0)
    y = x * x
    x.grad = None  # type: ignore[assignment]
    with pytest.raises(TypeError):
        y.backward()
    x.grad = 0.0
    y.backward()  # the failed pass did not consume the graph
    assert x.grad == 4.0


def test_pictures_and_grad_after_backward_keep_the_graph_consumed():
    x = Value(2.0)
    y = (x * x).tanh()
    y.backward()
    topo_order(y)
    autograd.grad(y, [x])
    autograd.trace_backward(y)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_create_graph_retains_the_graph_as_pytorch():
    x = Value(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert x.grad == 24.0
    with pytest.raises(ValueError, match="retain_graph=False"):
        y.backward(create_graph=True, retain_graph=False)


# --- the collector (issue 18) ----------------------------------------------------------------


def _gc_state():
    return gc.isenabled(), gc.get_threshold()


def _paused() -> bool:
    """Inside a gc_paused block: the collector's first threshold raised (it is never off)."""
    return gc.get_threshold()[0] == gc_paused.THRESHOLD


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_users_setting_on_every_way_out(enabled):
    before = _gc_state()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert _paused() and gc.isenabled() is enabled
            with gc_paused():  # nested
                assert _paused()
            assert _paused()
        assert _gc_state() == (enabled, before[1])
        with pytest.raises(ZeroDivisionError):
            with gc_paused():
                1 / 0  # noqa: B018
        assert _gc_state() == (enabled, before[1])
        with pytest.raises(KeyboardInterrupt):
            with gc_paused():
                raise KeyboardInterrupt
        assert _gc_state() == (enabled, before[1])
    finally:
        (gc.enable if before[0] else gc.disable)()


def _moons_fit(**kwargs):
    import nn

    X = [[0.1 * i, -0.05 * i] for i in range(8)]
    y = [1 if i % 2 else -1 for i in range(8)]
    model = nn.MLP(2, [4, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    kwargs.setdefault("loss", "hinge")
    return nn.fit(model, X, y, optimizer=optimizer, progress=False, **kwargs)


@pytest.mark.parametrize("enabled", [True, False])
def test_fit_pauses_the_collector_and_restores_it(enabled):
    before = _gc_state()
    seen = []
    try:
        (gc.enable if enabled else gc.disable)()
        _moons_fit(epochs=2, callback=lambda epoch, h: seen.append(_paused()))
        assert seen == [True, True]
        assert gc.isenabled() is enabled
        assert gc.get_threshold() == before[1]
    finally:
        (gc.enable if before[0] else gc.disable)()


def test_fit_restores_the_collector_after_an_error_and_a_keyboard_interrupt():
    assert gc.isenabled()

    def stop(epoch, history):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _moons_fit(epochs=3, callback=stop)
    assert gc.isenabled()

    def bad(epoch, history):
        raise ValueError("callback failed")

    with pytest.raises(ValueError, match="callback failed"):
        _moons_fit(epochs=3, callback=bad)
    assert gc.isenabled()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_cycle_made_inside_gc_paused_is_not_leaked():
    """Inside the block the collector is off, not blind: collect_young() frees a dropped cycle
    there, and one left for later is freed by the collector once the block has ended (nothing
    is frozen or hidden from it)."""
    with gc_paused():
        freed_inside = weakref.ref(_Cycle())
        gc_paused.collect_young()
        assert freed_inside() is None
        left = weakref.ref(_Cycle())
        assert left() is not None  # off: nothing collected it yet
    assert gc.isenabled()
    gc.collect()
    assert left() is None


def test_a_cycle_the_users_code_makes_in_a_step_is_collected_during_fit():
    import nn

    made: list[weakref.ref] = []

    def loss(preds, targets):
        cycle = _Cycle()  # garbage only the cyclic collector can free
        made.append(weakref.ref(cycle))
        return nn.hinge_loss(preds, targets)

    alive_at_epoch = []
    _moons_fit(epochs=3, loss=loss, callback=lambda e, h: alive_at_epoch.append(
        sum(r() is not None for r in made)))
    # At most the last step's cycle is alive at each callback: the others were collected.
    assert len(made) == 3
    assert alive_at_epoch == [0, 0, 0]
    assert gc.isenabled()


def test_fit_keeps_its_results_bit_for_bit_with_the_collector_paused():
    code = ("import gc, sys; from nn.examples import moons; "
            "gc.disable() if sys.argv[1] == 'off' else None; "
            "_, h = moons.train(steps=3); print([x.hex() for x in h.loss])")
    outs = {subprocess.run([sys.executable, "-c", code, m], capture_output=True, text=True,
                           check=True).stdout for m in ("on", "off")}
    assert len(outs) == 1


# --- detect_anomaly, grad's inputs and upstream, gradcheck's tolerances (issue 16) -----------


def test_detect_anomaly_catches_an_inf_made_by_summing_finite_gradients():
    x = Value(1e-300)
    y = x * 1e308 + x * 1e308
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"became inf.*overflowed"):
        y.backward()


def test_detect_anomaly_catches_a_leaf_whose_accumulated_gradient_overflows():
    x = Value(1.0)
    (x * 1e308).backward()
    with detect_anomaly(), pytest.raises(AnomalyError, match="became inf"):
        (x * 1e308).backward()


@pytest.mark.parametrize("upstream", [math.nan, math.inf])
def test_detect_anomaly_catches_a_non_finite_upstream(upstream):
    x = Value(1.0)
    with detect_anomaly(), pytest.raises(AnomalyError, match="upstream gradient is"):
        (x * 2).backward(upstream)
    with detect_anomaly(), pytest.raises(AnomalyError, match="upstream gradient is"):
        autograd.grad(x * 2, [x], upstream=upstream)


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_takes_any_iterable_of_inputs_once(create_graph):
    xs = [Value(1.0), Value(2.0)]
    y = xs[0] * xs[1]
    got = autograd.grad(y, (v for v in xs), create_graph=create_graph)
    assert [g if isinstance(g, float) else g.data for g in got] == [2.0, 1.0]
    got = autograd.grad(y, iter(xs), create_graph=create_graph)
    assert len(got) == 2


def test_grad_refuses_a_non_iterable_and_a_bad_upstream():
    x = Value(1.0)
    with pytest.raises(TypeError, match="grad: inputs must be a Value or an iterable"):
        autograd.grad(x * 2, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="grad: upstream: needs a real number.*str 'a'"):
        autograd.grad(x * 2, [x], upstream="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="grad: upstream: needs a real number"):
        autograd.grad(x * 2, [x], upstream="a", create_graph=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="backward: needs a real number.*str 'a'"):
        (x * 2).backward("a")  # type: ignore[arg-type]


@pytest.mark.parametrize("check", [autograd.gradcheck, autograd.gradgradcheck])
@pytest.mark.parametrize("kwargs", [{"eps": math.nan}, {"atol": math.nan}, {"rtol": math.nan},
                                    {"eps": math.inf}, {"eps": -1e-6}, {"atol": math.inf},
                                    {"rtol": -1.0}])
def test_gradchecks_refuse_nan_inf_and_negative_tolerances(check, kwargs):
    (what, value), = kwargs.items()
    with pytest.raises(ValueError, match=rf"need eps > 0.*{what} = {value!r}"):
        check(lambda x: x * x, [1.0], **kwargs)


# --- .grad = None, star import (issue 16) ------------------------------------------------------


def test_backward_names_a_value_whose_grad_was_set_to_none_and_the_fix():
    w = Value(0.5, label="w")
    y = w * 3.0
    w.grad = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"Value\(.*label='w'\) has \.grad = None.*x\.grad = 0\.0"
                                        r".*zero_grad\(\)"):
        y.backward()


def test_star_import_leaves_the_builtins_sum_and_compile_alone():
    scope: dict[str, object] = {}
    exec("from autograd import *", scope)  # noqa: S102
    exec("total = sum([1, 2, 3])", scope)  # noqa: S102
    assert scope["total"] == 6
    assert "compile" not in scope and "sum" not in scope
    assert "gc_paused" in scope and "Value" in scope
    assert autograd.sum([Value(1.0), 2.0]).data == 3.0 and callable(autograd.compile)
