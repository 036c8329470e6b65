"""gc_paused never leaks and never sticks (issue 24, item 8).

Inside the block the cyclic collector is rare, not off: the reference cycles of micrograd's
`_backward` closures are freed over thousands of lecture-style steps; a generator dropped while
suspended inside the block is finished by the collector itself, which ends the pause; a stray
`__exit__` is refused and changes nothing, so later blocks still pause.
"""

from __future__ import annotations

import gc
import math
import weakref
from typing import Any, Iterator

import pytest

from autograd import gc_paused
from chainrule.micrograd import engine
from chainrule.micrograd.engine import Value


@pytest.fixture(autouse=True)
def collector() -> Iterator[tuple[int, ...]]:
    """The collector as the test found it (on, default thresholds), and put back after."""
    enabled, before = gc.isenabled(), gc.get_threshold()
    gc.enable()
    yield before
    gc.set_threshold(*before)
    (gc.enable if enabled else gc.disable)()


def _paused() -> bool:
    return gc.get_threshold()[0] == gc_paused.THRESHOLD


def tanh(x: Value) -> Value:
    """The lecture's tanh: a `_backward` closure that refers to its own node (a cycle)."""
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")

    def _backward() -> None:
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_door_closures_do_not_pile_up_over_thousands_of_steps_inside_the_block() -> None:
    """On a7b7a6a the collector was off: every step's closure nodes stayed (6,000 steps of 20
    closures each: 120,000 nodes, and growing)."""
    w = [Value(0.5), Value(-0.3)]
    xs = [(1.0, 0.3), (-1.0, -0.2), (0.5, 0.1), (2.0, 0.5)]
    steps, alive = 6000, []
    before = len(engine._closure_nodes)
    with gc_paused():
        for k in range(steps):
            x, y = xs[k % 4]
            out = w[0] * x + w[1]
            for _ in range(20):  # 20 closure nodes a step, as a deep lecture network has
                out = tanh(out)
            loss = (out - y) ** 2
            for p in w:
                p.grad = 0.0
            loss.backward()
            for p in w:
                p.data -= 0.05 * p.grad
            if k % 100 == 99:
                alive.append(len(engine._closure_nodes) - before)
        assert _paused()
    made = steps * 20
    # Bounded by the block's threshold, not by the number of steps: the collector ran by
    # itself again and again (the count fell), and never held more than a fraction of them.
    falls = sum(later < earlier for earlier, later in zip(alive, alive[1:]))
    assert falls >= 3, alive
    assert max(alive) < made / 4, alive
    assert w[0].grad != 0.0  # the closures ran


def test_a_generator_dropped_inside_the_block_does_not_keep_the_collector_off(
    collector: tuple[int, ...],
) -> None:
    """A generator suspended inside the block, then dropped in a reference cycle, can only be
    finished by the collector; on a7b7a6a the block had switched it off, for good."""

    def batches(box: list[Any]) -> Iterator[int]:
        with gc_paused():
            yield 1
            yield 2

    box: list[Any] = []
    g = batches(box)
    next(g)
    box.append(g)  # the generator's frame holds box, box holds the generator: a cycle
    dropped = weakref.ref(g)
    del g, box
    assert gc.isenabled() and _paused()  # rare, not off
    # No gc.collect() here: the collector runs by itself once enough cycles pile up.
    for _ in range(2 * gc_paused.THRESHOLD):
        junk: list[Any] = []
        junk.append(junk)
        if dropped() is None:
            break
    assert dropped() is None  # finished by the collector: its block exited
    assert gc.get_threshold() == collector


def test_a_stray_exit_is_refused_and_later_blocks_still_pause(
    collector: tuple[int, ...],
) -> None:
    with pytest.raises(RuntimeError, match=r"gc_paused: __exit__ without a matching __enter__"):
        gc_paused().__exit__(None, None, None)
    block = gc_paused()
    with block:
        assert _paused()
    with pytest.raises(RuntimeError, match="without a matching __enter__"):
        block.__exit__(None, None, None)  # a second exit of the same block
    assert gc.get_threshold() == collector
    with gc_paused():  # on a7b7a6a the stray exits left the count at -2: this paused nothing
        assert _paused()
    assert gc.get_threshold() == collector


def test_blocks_interleaved_or_nested_on_one_object_end_together(
    collector: tuple[int, ...],
) -> None:
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first one opened ends first (two generators)
    assert _paused()
    second.__exit__(None, None, None)
    assert gc.get_threshold() == collector
    same = gc_paused()
    with same:
        with same:
            assert _paused()
        assert _paused()
    assert gc.get_threshold() == collector


def test_the_users_own_settings_are_kept(collector: tuple[int, ...]) -> None:
    gc.set_threshold(0)  # the user's "never collect by itself"
    with gc_paused():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
    gc.set_threshold(*collector)
    with gc_paused():
        gc.set_threshold(5000)  # set inside the block: the user's, kept
    assert gc.get_threshold()[0] == 5000
