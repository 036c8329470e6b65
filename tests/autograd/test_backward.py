"""The backward pass: PyTorch's accumulation rules, grad(), random expressions against finite
differences, a million-deep chain, determinism across processes, and memory release."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref

import pytest
from hypothesis import given

import autograd
from autograd import Value, gradcheck, topo_order
from tests.strategies import recipes


def _small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    d = c + a.tanh()
    e = d * d
    return a, b, c, d, e


def test_backward_twice_with_retain_graph_gives_leaves_exactly_twice_and_intermediates_once():
    a, b, c, d, e = _small_graph()
    e.backward(retain_graph=True)
    once = (a.grad, b.grad, c.grad, d.grad)
    e.backward()
    assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])
    assert (c.grad, d.grad) == once[2:]  # intermediates hold this pass's gradient only
    assert e.grad == 1.0


def test_leaf_grads_accumulate_until_zeroed():
    x = Value(3.0)
    (x * x).backward()
    (x * 2).backward()
    assert x.grad == 8.0
    x.zero_grad()
    (x * 2).backward()
    assert x.grad == 2.0


def test_backward_with_an_upstream_gradient():
    x = Value(3.0)
    (x * x).backward(0.5)
    assert x.grad == 3.0


def test_grad_matches_backward_and_touches_no_grad():
    a, b, c, d, e = _small_graph()
    a.grad, c.grad = 7.0, 9.0  # whatever was there stays there
    ga, gb, gc_ = autograd.grad(e, [a, b, c])
    assert (a.grad, b.grad, c.grad, d.grad, e.grad) == (7.0, 0.0, 9.0, 0.0, 0.0)
    a.grad, c.grad = 0.0, 0.0
    e.backward()
    assert (ga, gb, gc_) == (a.grad, b.grad, c.grad)
    assert autograd.grad(e, a) == (a.grad,)


def test_grad_of_an_unused_input():
    a, b, c, d, e = _small_graph()
    other = Value(1.0)
    with pytest.raises(ValueError, match=r"grad: inputs\[1\] .* is not used to compute the output"):
        autograd.grad(e, [a, other])
    assert autograd.grad(e, [other], allow_unused=True) == (None,)
    with pytest.raises(TypeError, match=r"grad: inputs\[0\] must be a Value, got float"):
        autograd.grad(e, [1.0])
    with pytest.raises(TypeError, match="grad: output must be a Value, got int"):
        autograd.grad(3, [a])


def test_topo_order_puts_every_node_after_its_operands():
    *_, e = _small_graph()
    order = topo_order(e)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is e and len(position) == len(order)
    for node in order:
        for operand in node.operands:
            assert position[id(operand)] < position[id(node)]


@given(recipes())
def test_random_expressions_match_finite_differences(recipe):
    assert gradcheck(lambda *xs: recipe.build(*xs), list(recipe.inputs), eps=1e-6, atol=1e-6,
                     rtol=1e-4)


def test_a_million_deep_chain_runs_backward_without_recursion():
    limit = sys.getrecursionlimit()
    x0 = Value(1.0)
    x = x0
    for _ in range(1_000_000):
        x = x * 1.0001 + 0.0
    x.backward()
    assert x0.grad == pytest.approx(1.0001**1_000_000, rel=1e-9)
    assert sys.getrecursionlimit() == limit
    del x  # freeing a million-deep chain must not overflow the C stack either
    assert x0.grad > 0


def test_a_wide_sum_is_one_node_and_builtin_sum_is_a_deep_chain():
    xs = [Value(float(i)) for i in range(100_000)]
    s = autograd.sum(xs)
    t = sum(xs)  # 100 000 nested adds: deep, still no recursion
    (s + t).backward()
    assert all(x.grad == 2.0 for x in xs)


DETERMINISM = textwrap.dedent(
    """
    import random
    from autograd import Value
    import autograd
    rng = random.Random(7)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(40)]
    terms = [(xs[rng.randrange(40)] * xs[rng.randrange(40)] + 0.1).tanh() for _ in range(400)]
    out = autograd.sum(terms) + sum(t * t for t in terms[::3])
    out.backward()
    print([x.grad.hex() for x in xs])
    """
)


def test_gradients_are_bit_identical_across_hash_seeds():
    outputs = set()
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", DETERMINISM], env=env, check=True,
                              capture_output=True, text=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_a_dropped_graph_is_freed_at_once_without_the_cyclic_gc():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = x
        nodes = []
        for _ in range(1000):
            y = (y * 1.5).tanh() + x
            nodes.append(weakref.ref(y))
        y.backward()
        nodes.append(weakref.ref(y))
        del y
        alive = sum(ref() is not None for ref in nodes)
        assert alive == 0
    finally:
        gc.enable()


def test_nodes_form_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)
        x = Value(0.5)
        y = x
        for _ in range(100):
            y = (y * 1.5).sigmoid() + x.exp()
        y.backward()
        del y, x
        found = gc.collect()
        assert not [o for o in gc.garbage if isinstance(o, Value)]
        assert found == 0
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
