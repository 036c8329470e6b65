"""define_op: an operation written once joins the catalogue and works everywhere a built-in one
does (backward, grad, higher derivatives, compile, batched replay, pictures, explain, the page,
detect_anomaly, the operations page); a bad definition fails at define time in one line.

User ops are compared with PyTorch in float64 (values, first and second derivatives, 1e-10
relative), compiled code with the eager engine bit for bit at new points, batched replay with
the float code to 1e-12.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import autograd
from autograd import CATALOGUE, DomainError, Value, define_op, grad, hessian
from autograd.define import remove_op, user_ops
from autograd.ops import catalogue_table

REL = 1e-10


@pytest.fixture
def three(fresh):
    """softsign (unary, smooth), hypot (binary), leaky (unary, a kink at 0)."""
    softsign = define_op("softsign", forward="a / (1.0 + abs(a))",
                         local_grads=["1.0 / ((1.0 + abs(a)) * (1.0 + abs(a)))"],
                         doc="a / (1 + |a|), a gentler tanh")
    hypot = define_op("hypot", forward="sqrt(a * a + b * b)", local_grads=["a / out", "b / out"])
    leaky = define_op("leaky", forward="a if a > 0 else 0.1 * a",
                      local_grads=["1.0 if a > 0.0 else 0.1"], kinks=[0.0])
    return softsign, hypot, leaky


def expression(softsign, hypot, leaky, x, w):
    """Shared subexpressions and repeated operands: s is used three times, x everywhere."""
    s = softsign(x * w)
    return s * hypot(x, w) + leaky(s - x) * s + hypot(x, x)


def close(a: float, b: float, rel: float = REL) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def points(n: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        x, w = rng.uniform(-2, 2), rng.uniform(-2, 2)
        # clear of the kink: s - x with s = softsign(x*w)
        if abs(x * w / (1 + abs(x * w)) - x) > 1e-3:
            out.append((x, w))
    return out


def test_the_issue_example_gives_values_with_the_op_recorded(three):
    softsign, hypot, _ = three
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    y = softsign(x * w) * hypot(x, w)
    assert y.operands[0].op == "softsign" and y.operands[1].op == "hypot"
    y.backward()
    # d/dx of softsign(xw) * hypot(x, w), by hand
    s, h = -0.5, math.hypot(0.5, -2.0)
    ds_dx = -2.0 / (1.0 + 1.0) ** 2
    assert close(x.grad, ds_dx * h + s * 0.5 / h, 1e-15)
    assert softsign.__doc__ and "gentler tanh" in softsign.__doc__


def test_numbers_are_lifted_and_a_wrong_type_is_a_type_error(three):
    softsign, hypot, _ = three
    assert hypot(3, Value(4.0)).data == 5.0
    with pytest.raises(TypeError, match="hypot: operand 1 must be a Value or a real number"):
        hypot(Value(1.0), "4")
    with pytest.raises(TypeError, match="softsign"):
        softsign(Value(1.0), Value(2.0))


def test_user_ops_against_torch_values_first_and_second_derivatives(three):
    torch = pytest.importorskip("torch", reason="torch is not installed: no float64 reference")

    def t_softsign(a):
        return a / (1.0 + a.abs())

    def t_hypot(a, b):
        return torch.sqrt(a * a + b * b)

    def t_leaky(a):
        return torch.where(a > 0, a, 0.1 * a)

    for px, pw in points(12):
        x, w = Value(px), Value(pw)
        out = expression(*three, x, w)
        tx = torch.tensor(px, dtype=torch.float64, requires_grad=True)
        tw = torch.tensor(pw, dtype=torch.float64, requires_grad=True)
        tout = expression(t_softsign, t_hypot, t_leaky, tx, tw)
        assert close(out.data, tout.item())
        ours = grad(out, [x, w])
        theirs = torch.autograd.grad(tout, [tx, tw], create_graph=True)
        for o, t in zip(ours, theirs):
            assert close(o, t.item()), (px, pw, o, t.item())
        h = hessian(expression(*three, x, w), [x, w])  # a fresh graph: one pass per graph
        for i in range(2):
            row = torch.autograd.grad(theirs[i], [tx, tw], retain_graph=True)
            for j in range(2):
                assert close(h[i][j], row[j].item()), (px, pw, i, j, h[i][j], row[j].item())


def test_compiled_is_bit_identical_to_eager_at_new_points_and_batched_to_1e_12(three):
    x, w = Value(0.3, label="x"), Value(-0.8, label="w")
    compiled = autograd.compile(expression(*three, x, w), [x, w])
    assert "softsign(" in compiled.source and "hypot(" in compiled.source
    new = points(20, seed=11)
    for px, pw in new:
        xe, we = Value(px), Value(pw)
        out = expression(*three, xe, we)
        eager = (out.data, grad(out, [xe, we]))
        got = compiled(px, pw)
        assert repr(got) == repr(eager), (px, pw)
    xs, ws = np.array([p[0] for p in new]), np.array([p[1] for p in new])
    value, (gx, gw) = compiled.batched(xs, ws)
    for k, (px, pw) in enumerate(new):
        v, (ex, ew) = compiled(px, pw)
        assert close(value[k], v, 1e-12) and close(gx[k], ex, 1e-12) and close(gw[k], ew, 1e-12)


def test_a_user_op_may_call_ops_defined_before_it(three):
    softsign = three[0]
    d = define_op("softsign_d", forward="1.0 / ((1.0 + abs(a)) * (1.0 + abs(a)))",
                  local_grads=["-2.0 * (1.0 if a > 0.0 else -1.0) * out / (1.0 + abs(a))"],
                  kinks=[0.0])
    soft2 = define_op("soft2", forward="softsign(softsign(a))",
                      local_grads=["softsign_d(softsign(a)) * softsign_d(a)"])
    x = Value(0.9)
    y = soft2(x)
    assert y.data == softsign(softsign(Value(0.9))).data
    (g,) = grad(y, [x])
    (g2,) = grad(soft2(x), [x], create_graph=True)
    assert g == g2.data
    assert autograd.gradgradcheck(lambda v: soft2(v), [0.9])
    assert d.op.user  # type: ignore[attr-defined]


def test_power_is_real_only_and_a_domain_check_names_the_op(fresh):
    root = define_op("root3", forward="a ** 0.5", local_grads=["0.5 / out"])
    with pytest.raises(DomainError, match="pow"):
        root(-8.0)
    safe_log = define_op("log2", forward="log(a) / log(2)", local_grads=["1.0 / (a * log(2))"],
                         domain="a > 0.0", interval=(0.1, 10.0))
    assert safe_log(8.0).data == 3.0
    with pytest.raises(DomainError, match=r"log2: log2\(-1.0\) is outside its domain \(a > 0.0\)"):
        safe_log(-1.0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"name": "f", "forward": "a +", "local_grads": ["1.0"]}, ValueError,
     "f's forward: syntax error"),
    ({"name": "f", "forward": "a * c", "local_grads": ["1.0"]}, ValueError,
     "unknown name 'c'"),
    ({"name": "f", "forward": "a", "local_grads": ["1.0", "2.0"]}, ValueError,
     "uses 1 operand"),
    ({"name": "f", "forward": "a * b", "local_grads": ["b"]}, ValueError,
     "needs 2 expression"),
    ({"name": "exp", "forward": "a", "local_grads": ["1.0"]}, ValueError, "already taken"),
    ({"name": "out", "forward": "a", "local_grads": ["1.0"]}, ValueError, "already taken"),
    ({"name": "my op", "forward": "a", "local_grads": ["1.0"]}, ValueError, "not a usable name"),
    ({"name": "__f", "forward": "a", "local_grads": ["1.0"]}, ValueError, "not a usable name"),
    ({"name": 3, "forward": "a", "local_grads": ["1.0"]}, TypeError, "name must be a str"),
    ({"name": "f", "forward": "__import__('os')", "local_grads": ["1.0"]}, ValueError,
     "not a function of the catalogue"),
    ({"name": "f", "forward": "a.data", "local_grads": ["1.0"]}, ValueError,
     "Attribute is not allowed"),
    ({"name": "f", "forward": "a % 2", "local_grads": ["1.0"]}, ValueError, "Mod is not allowed"),
    ({"name": "f", "forward": "a == 2", "local_grads": ["1.0"]}, ValueError, "comparisons"),
    ({"name": "f", "forward": "a > 2", "local_grads": ["1.0"]}, ValueError, "True/False"),
    ({"name": "f", "forward": "exp(a, a)", "local_grads": ["1.0"]}, ValueError,
     "exp takes 1 operand"),
    ({"name": "f", "forward": "a", "local_grads": "1.0"}, TypeError, "list of str"),
    ({"name": "f", "forward": "a", "local_grads": ["out * x"]}, ValueError, "unknown name 'x'"),
    ({"name": "f", "forward": "out", "local_grads": ["1.0"]}, ValueError, "unknown name 'out'"),
    ({"name": "f", "forward": "'a'", "local_grads": ["1.0"]}, ValueError, "not a number"),
    ({"name": "f", "forward": "a", "local_grads": ["1.0"], "domain": "a + 1"}, ValueError,
     "must be a condition"),
    ({"name": "f", "forward": "a", "local_grads": ["1.0"], "interval": (3, 1)}, ValueError,
     "interval"),
])
def test_bad_definitions_fail_at_define_time_in_one_line(fresh, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        define_op(**kwargs)
    assert "\n" not in str(info.value) and str(info.value).startswith("define_op: ")
    assert "f" not in CATALOGUE


def test_the_same_definition_again_is_the_same_function_another_replaces_it(fresh):
    f = define_op("cube", forward="a * a * a", local_grads=["3.0 * a * a"])
    op = f.op
    assert define_op("cube", forward="a * a * a", local_grads=["3.0 * a * a"]) is f
    assert f.op is op
    assert define_op("cube", forward="a * a * a", local_grads=["3 * a * a"]) is f
    assert f.op is not op and f.op is CATALOGUE["cube"]
    with pytest.raises(ValueError, match="'exp' is already taken by the catalogue's own"):
        define_op("exp", forward="a", local_grads=["1.0"])


def test_pictures_explain_page_and_anomaly_read_a_user_op(three):
    softsign, hypot, _ = three
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    y = softsign(x * w) * hypot(x, w)
    y.backward()
    dot = autograd.draw_dot(y)
    assert "softsign" in dot.source and "hypot" in dot.source
    text = str(autograd.explain(y, x))
    assert "softsign(x*w)" in text and repr(round(x.grad, 4))[:6] in text
    page = autograd.to_html(y)
    assert "softsign" in page.html
    with autograd.detect_anomaly():
        with pytest.raises(autograd.AnomalyError, match="hypot"):
            hypot(Value(math.inf), Value(1.0))
    with autograd.no_grad():
        assert softsign(x).is_leaf


def test_the_operations_page_lists_user_ops_only_when_asked(three):
    assert "softsign" not in catalogue_table()
    table = catalogue_table(user_ops=True)
    assert "| `softsign` (defined) | 1 |" in table and "`div(a, out)`" in table
    assert [op.name for op in user_ops()] == ["softsign", "hypot", "leaky"]


def test_removed_ops_leave_the_catalogue_and_their_values_still_work(fresh):
    f = define_op("sq", forward="a * a", local_grads=["2.0 * a"])
    y = f(Value(3.0))
    remove_op("sq")
    assert "sq" not in CATALOGUE
    assert grad(y, list(y.operands)) == (6.0,)
    with pytest.raises(ValueError, match="not an operation made by define_op"):
        remove_op("exp")


def test_a_forward_may_be_a_float_function_and_a_derivative_may_call_the_op(fresh):
    """The lecture's homework, sin: math.sin for the value, its derivative cos(a) written as
    sin(a + pi/2) (the op itself), so every form (Values, code, arrays) has it."""
    sin = define_op("sin", forward=math.sin, local_grads=["sin(a + 1.5707963267948966)"],
                    interval=(-3.0, 3.0))
    x = Value(0.5)
    y = sin(x) * x
    (g,) = grad(y, [x])
    assert close(g, math.sin(0.5) + 0.5 * math.cos(0.5), 1e-15)
    assert close(hessian(sin(x) * x, [x])[0][0], 2 * math.cos(0.5) - 0.5 * math.sin(0.5), 1e-15)
    assert "sin(t1 + 1.5707963267948966)" in autograd.compile(sin(x) * x, [x]).source
    from autograd.testing import check_op

    torch = pytest.importorskip("torch", reason="torch is not installed: no reference")
    check_op(sin, reference=torch.sin)


def test_a_forward_function_must_give_a_real_number(fresh):
    f = define_op("f", forward=lambda a: complex(a, 1.0), local_grads=["1.0"])
    with pytest.raises(TypeError, match="f: its forward gave complex"):
        f(Value(1.0))
    with pytest.raises(ValueError, match="needs 1 or 2 expressions"):
        define_op("g", forward=math.sin, local_grads=[])
    with pytest.raises(TypeError, match="forward must be a str of Python code"):
        define_op("g", forward=3, local_grads=["1.0"])


def test_compiled_code_is_never_that_of_a_freed_op_with_the_same_id(fresh):
    """compile caches each op's code; a new op made after another was freed must get its own
    (the cache once keyed by id(), which CPython reuses)."""
    import dataclasses

    from autograd.higher import apply

    mul = CATALOGUE["mul"]
    x, w = Value(2.0), Value(3.0)
    for k in range(30):  # many short-lived ops, each compiled once: ids get reused
        op = dataclasses.replace(mul, forward_code=f"a * b + {float(k)}")
        out = apply(op, x, w)
        assert autograd.compile(out, [x, w])(2.0, 3.0)[0] == 6.0 + k
        del op, out  # freed at once (reference counting): the next op may take its id
