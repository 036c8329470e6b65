"""The lecture's door: `Value(data, _children, _op)` and `_backward` closures, on chainrule.

The lecture's closure ops (tests/front_doors/lecture_sources.py) train its 4-sample MLP to
micrograd's losses, live against micrograd from PyPI; micrograd's own engine.py methods run on
the door's Value; backward walks chainrule's order; the pictures, explain and the page show a
closure node under its `_op` name; compile, batched replay and higher derivatives refuse it in
one line that points to define_op. The core autograd.Value gains nothing.
"""

from __future__ import annotations

import functools
import gc
import inspect
import math
import re
import sys
from typing import Any, Iterator

import numpy as np
import pytest

import autograd
from chainrule.micrograd import engine
from chainrule.micrograd.engine import Value

from . import lecture_sources as lecture
from . import micrograd_sources as src
from .test_micrograd import REL, run


@pytest.fixture
def micrograd() -> Any:
    pytest.importorskip("micrograd", reason="micrograd is not installed (pip install -e "
                        "'.[test]' brings it): no live comparison")
    import micrograd.engine

    return micrograd


@pytest.fixture
def restored(micrograd: Any) -> Iterator[None]:
    """The lecture's code sets Value.tanh and Value.exp on both classes: put them back."""
    saved = {cls: {k: cls.__dict__.get(k) for k in ("tanh", "exp")}
             for cls in (Value, micrograd.engine.Value)}
    yield
    for cls, attrs in saved.items():
        for k, v in attrs.items():
            if v is None:
                if k in cls.__dict__:
                    delattr(cls, k)
            else:
                setattr(cls, k, v)


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def close(a: list[float], b: list[float], rel: float = REL) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= rel * max(abs(x), abs(y), 1e-300)
                                    for x, y in zip(a, b))


def test_the_lecture_closure_ops_train_its_mlp_to_micrograds_losses(restored: None) -> None:
    _, theirs = run(lecture.TRAIN)
    ns, ours = run(src.as_chainrule(lecture.TRAIN))
    assert isinstance(ns["loss"], Value) and ns["loss"].operands  # ran on chainrule's Value
    tanhs = [v for v in autograd.topo_order(ns["loss"]) if v.op == "tanh"]
    assert tanhs and all(v._closure is not None for v in tanhs)  # the lecture's closures ran
    lost_ours, lost_theirs = numbers(ours), numbers(theirs)
    assert len(lost_ours) == 20 and close(lost_ours, lost_theirs)
    assert lost_ours[-1] < lost_ours[0] / 4  # it learned


def test_one_neuron_tanh_by_closure_and_from_exp_as_micrograd(restored: None) -> None:
    _, theirs = run(lecture.NEURON)
    _, ours = run(src.as_chainrule(lecture.NEURON))
    assert close(numbers(ours), numbers(theirs))
    first, second = numbers(ours)[:5], numbers(ours)[5:]
    assert close(first, second, 1e-9)  # tanh in one closure == tanh from exp, / and -
    assert abs(first[0] - math.sqrt(0.5)) < 1e-9 and abs(first[1] + 1.5) < 1e-9


def test_micrograds_own_engine_methods_run_on_the_door(micrograd: Any) -> None:
    """micrograd's engine.py methods (all but __init__ and __repr__), verbatim, on a subclass of
    the door's Value: its README gives micrograd's numbers."""
    methods = []
    for name, fn in vars(micrograd.engine.Value).items():
        if inspect.isfunction(fn) and name not in ("__init__", "__repr__"):
            methods.append(inspect.getsource(fn))
    body = "".join(methods)
    ns: dict[str, Any] = {"Door": Value}
    exec("class Value(Door):\n    __slots__ = ()\n" + body, ns)  # noqa: S102
    V = ns["Value"]
    a, b = V(-4.0), V(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert type(g) is V and g._closure is not None  # micrograd's closures made the graph
    g.backward()  # micrograd's own backward (recursive build_topo over our _prev)
    assert f"{g.data:.4f} {a.grad:.4f} {b.grad:.4f}" == "24.7041 138.8338 645.5773"


def test_the_issues_example_runs_and_backward_calls_the_closure() -> None:
    x = Value(0.5, label="x")
    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")
    calls = []

    def _backward() -> None:
        calls.append(1)
        x.grad += (1 - t**2) * out.grad
    out._backward = _backward
    y = out * 3.0 + x  # catalogue ops on the door's Values give the door's Values
    assert type(y) is Value and y._op == "+" and out._op == "tanh"
    y.backward()
    assert calls == [1] and x.grad == 3.0 * (1 - t**2) + 1.0
    assert autograd.grad(y, [x]) == (x.grad,)  # the float grad reads the closure's numbers


def test_a_deep_closure_chain_does_not_recurse() -> None:
    x = Value(1.0)
    y = x
    for _ in range(20_000):
        prev = y
        y = Value(prev.data, (prev,), "id")
        y._backward = (lambda p, o: lambda: setattr(p, "grad", p.grad + o.grad))(prev, y)
    y.backward()
    assert x.grad == 1.0


def test_micrograds_spelling_and_its_errors() -> None:
    a = Value(2.0, label="a")
    assert Value(1.0, (a, a), "twice").operands == (a,)  # as micrograd's set: each child once
    with pytest.raises(TypeError, match="_children must be a tuple of Values.*label="):
        Value(1.0, "a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"_children\[0\] must be a Value, got float"):
        Value(1.0, (2.0,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="_backward must be a function"):
        a._backward = 3  # type: ignore[assignment]
    assert Value(1.0, label="w").label == "w" and Value(1.0)._op == ""
    with pytest.raises(AttributeError):  # the core Value stays closure-free
        autograd.Value(1.0)._backward = lambda: None  # type: ignore[method-assign]
    assert "_closure" not in autograd.Value.__slots__ and not hasattr(autograd.Value(1.0),
                                                                       "_closure")


def closure_graph() -> tuple[Value, Value, Value]:
    x, w = Value(0.4, label="x"), Value(-1.5, label="w")
    s = math.sin(x.data)
    sin = Value(s, (x,), "sin")
    sin._backward = lambda: setattr(x, "grad", x.grad + math.cos(x.data) * sin.grad)
    return sin * w, x, w


def test_pictures_explain_and_the_page_show_the_closure_node_by_its_op() -> None:
    y, x, w = closure_graph()
    y.backward()
    dot = autograd.draw_dot(y, show_local_grads=True)
    assert "<sin>" in dot.source and f"{math.cos(0.4):.4f}" in dot.source  # local grad, read
    text = str(autograd.explain(y, x))
    assert "sin(x)" in text and f"{x.grad:.4g}" in text
    page = autograd.to_html(y)
    assert "sin" in page.html and "_backward closure" in page.html


@pytest.mark.parametrize("run_it", [
    lambda y, x, w: autograd.compile(y, [x, w]),
    lambda y, x, w: autograd.trace(lambda a: closure_graph()[0] * a, 1.0),
    lambda y, x, w: autograd.grad(y, [x], create_graph=True),
    lambda y, x, w: autograd.hessian(y, [x, w]),
    lambda y, x, w: autograd.hvp(y, [x, w], [1.0, 0.0]),
    lambda y, x, w: y.backward(create_graph=True),
], ids=["compile", "trace", "grad_create_graph", "hessian", "hvp", "backward_create_graph"])
def test_code_and_higher_derivatives_refuse_a_closure_in_one_line(run_it: Any) -> None:
    y, x, w = closure_graph()
    with pytest.raises(ValueError, match=r"the node 'sin' takes its local derivative from a "
                                         r"_backward closure.*autograd.define_op\('sin'") as info:
        run_it(y, x, w)
    assert "\n" not in str(info.value)


def test_batched_replay_needs_compile_so_it_is_refused_too() -> None:
    y, x, w = closure_graph()
    with pytest.raises(ValueError, match="compile: the node 'sin'"):
        autograd.compile(y, [x, w]).batched(np.array([0.1, 0.2]), np.array([1.0, 2.0]))


def test_the_door_module_says_what_it_is() -> None:
    assert engine.Value is Value and issubclass(Value, autograd.Value)


def test_every_operator_gives_the_doors_value_with_the_cores_numbers() -> None:
    """The door's operators are the core's, written from the same catalogue, making the door's
    nodes directly: the same numbers bit for bit, the class kept (none made by copying)."""
    cases = {
        "a + b": lambda a, b: a + b, "2.5 + a": lambda a, b: 2.5 + a,
        "a - b": lambda a, b: a - b, "2.5 - a": lambda a, b: 2.5 - a,
        "a * b": lambda a, b: a * b, "2.5 * a": lambda a, b: 2.5 * a,
        "a / b": lambda a, b: a / b, "2.5 / a": lambda a, b: 2.5 / a,
        "a ** 3": lambda a, b: a ** 3, "a ** b": lambda a, b: a ** b,
        "2.5 ** a": lambda a, b: 2.5 ** a, "-a": lambda a, b: -a, "abs(a)": lambda a, b: abs(a),
        **{f"a.{name}()": functools.partial(_call_method, name=name)
           for name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "softplus")},
    }
    for text, f in cases.items():
        results = []
        for cls in (Value, autograd.Value):
            a, b = cls(1.7), cls(0.6)
            out = f(a, b) * b  # also an operand of a door operation
            out.backward()
            results.append((type(out), out.data, a.grad, b.grad))
        (door_type, *door), (_, *core) = results
        assert door_type is Value, text
        assert door == core, text


def _call_method(a: Value, b: Value, name: str) -> Value:
    return getattr(a, name)()  # type: ignore[no-any-return]


def test_backward_looks_for_closures_only_while_one_is_alive() -> None:
    gc.collect()  # a closure that refers to its node is a cycle: other tests' may be waiting
    before = len(engine._closure_nodes)
    a = Value(1.5)
    keep = Value(2.0, (a,), "double")  # an unrelated closure node, alive
    keep._backward = lambda: None
    assert len(engine._closure_nodes) == before + 1
    b = Value(-0.5)
    y = (a * b + a).tanh()
    y.backward()
    with_closure_alive = (a.grad, b.grad)
    del keep
    assert len(engine._closure_nodes) == before  # freed by reference counting, nothing held
    a.grad = b.grad = 0.0
    y.backward()  # the core's pass now; as micrograd, a second pass through a graph is allowed
    assert (a.grad, b.grad) == with_closure_alive
    y.backward()  # leaves add up across passes, interior nodes hold one pass
    assert (a.grad, b.grad) == tuple(2 * g for g in with_closure_alive)
    assert y.grad == 1.0


def test_a_backward_assigned_to_an_operators_node_is_the_one_called() -> None:
    """micrograd lets any node's _backward be replaced; the replacement is what runs."""
    a, b = Value(3.0), Value(4.0)
    out = a * b
    out._backward = lambda: setattr(a, "grad", a.grad + 100.0 * out.grad)  # not b's share
    (out + 1.0).backward()
    assert (a.grad, b.grad) == (100.0, 0.0)
    assert out._op == "*" and out._closure is not None  # micrograd's name kept


def test_the_doors_nodes_cost_what_the_cores_cost() -> None:
    """What micrograd adds (a closure, an `_op` string) lives on the node's ClosureOp, so the
    nodes the operators make are the core's size, with nothing more for the collector."""
    door, core = Value(1.5) * Value(2.0), autograd.Value(1.5) * autograd.Value(2.0)
    assert sys.getsizeof(door) == sys.getsizeof(core)
    assert not hasattr(door, "__dict__") and Value.__slots__ == ()
    named = Value(3.0, (), "x")  # micrograd allows an _op on a leaf
    assert named._op == "x" and named.is_leaf and named._closure is None
    y = named * named
    y.backward()
    assert named.grad == 6.0
    # and it stays a plain leaf: compile takes it as an input (no closure to refuse)
    assert autograd.compile(y, [named]).fn(3.0) == (9.0, (6.0,))
