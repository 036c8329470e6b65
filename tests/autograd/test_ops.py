"""The catalogue, operation by operation: values against `math`, local derivatives against
central finite differences, domain errors, and the overflow behaviour the docs promise.

Every test is parametrized over `CATALOGUE`, so a new operation is tested as soon as it is added.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, note

from autograd import CATALOGUE, DomainError, Value, ops
from tests.strategies import op_arguments

# Independent references, written with `math` the obvious way.
REFERENCE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": math.pow,
    "vpow": math.pow,
    "neg": lambda a: -a,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + math.exp(-a)),
    "relu": lambda a: max(a, 0.0),
    "sqrt": math.sqrt,
    "abs": math.fabs,
    "softplus": lambda a: math.log1p(math.exp(a)),
    "sum": lambda *xs: math.fsum(xs),
    "logsumexp": lambda *xs: max(xs) + math.log(math.fsum(math.exp(x - max(xs)) for x in xs)),
}

OPS = sorted(CATALOGUE)


def test_every_operation_has_a_reference_and_a_domain():
    assert set(REFERENCE) == set(CATALOGUE)
    for op in CATALOGUE.values():
        assert op.domain, f"{op.name} has no domain to test it on"
        assert op.formula


@pytest.mark.parametrize("name", OPS)
@given(data=__import__("hypothesis").strategies.data())
def test_value_matches_math(name, data):
    op = CATALOGUE[name]
    args = data.draw(op_arguments(op), label="args")
    got, want = op.forward(*args), REFERENCE[name](*args)
    assert type(got) is float
    assert math.isclose(got, want, rel_tol=1e-13, abs_tol=1e-14), (got, want)


def _central_difference(f, args, i):
    h = 1e-6 * max(1.0, abs(args[i]))
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (up[i] - down[i])


@pytest.mark.parametrize("name", OPS)
@given(data=__import__("hypothesis").strategies.data())
def test_local_grads_match_finite_differences(name, data):
    op = CATALOGUE[name]
    args = data.draw(op_arguments(op), label="args")
    out = op.forward(*args)
    local = op.local_grads(out, *args)
    assert len(local) == len(args)
    for i, analytic in enumerate(local):
        if name == "pow" and i == 1:
            assert analytic == 0.0  # the exponent of `pow` is a constant: no gradient flows to it
            continue
        numeric = _central_difference(op.forward, args, i)
        note(f"operand {i}: analytic {analytic!r}, numeric {numeric!r}")
        assert math.isclose(analytic, numeric, rel_tol=1e-5, abs_tol=1e-6)


@pytest.mark.parametrize("name", OPS)
@given(data=__import__("hypothesis").strategies.data())
def test_value_methods_record_the_operation_and_its_local_grads(name, data):
    """Through `Value`: the same number as the catalogue, the op and operands recorded, and after
    backward() each operand's grad is exactly its local derivative."""
    op = CATALOGUE[name]
    args = data.draw(op_arguments(op), label="args")
    leaves = [Value(a) for a in args]
    out = _apply_through_value(name, leaves)
    assert out.op == name
    assert out.data == op.forward(*args)
    out.backward()
    want = op.local_grads(out.data, *args)
    operands = out.operands
    assert [x.data for x in operands] == list(args)
    for x, g in zip(operands, want):
        assert x.grad == g


def _apply_through_value(name, xs):
    import autograd

    binary = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__",
              "vpow": "__pow__"}
    if name in binary:
        return getattr(xs[0], binary[name])(xs[1])
    if name == "pow":
        return xs[0] ** xs[1].data  # a number exponent
    if name == "neg":
        return -xs[0]
    if name in ("sum", "logsumexp"):
        return getattr(autograd, name)(xs)
    return getattr(xs[0], name)()


@pytest.mark.parametrize(
    "name, args, error",
    [(name, args, error) for name in OPS for args, error in CATALOGUE[name].bad_inputs],
)
def test_bad_inputs_raise_a_named_error(name, args, error):
    with pytest.raises(error) as info:
        CATALOGUE[name].forward(*args)
    message = str(info.value)
    assert message.startswith(name + ":")
    for a in args:
        assert repr(float(a)) in message


def test_domain_errors_are_value_errors():
    assert issubclass(DomainError, ValueError)
    with pytest.raises(ValueError, match=r"log: log\(-1\.0\) is undefined"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"vpow: -8\.0 \*\* 0\.5 has no real value"):
        Value(-8.0) ** Value(0.5)
    with pytest.raises(ZeroDivisionError, match=r"div: cannot divide 1\.0 by zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match=r"div: cannot divide 3\.0 by zero"):
        3 / Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"pow: 0\.0 \*\* -1\.0"):
        Value(0.0) ** -1
    with pytest.raises(ValueError, match=r"sqrt: sqrt\(-2\.0\)"):
        Value(-2.0).sqrt()


def test_a_negative_base_with_an_integer_exponent_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_sigmoid_is_stable_at_the_extremes():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert ops.sigmoid(-700.0) == pytest.approx(math.exp(-700.0), rel=1e-12)  # not rounded to 0
    for x in (-1000.0, 1000.0):
        v = Value(x)
        v.sigmoid().backward()
        assert v.grad == 0.0


def test_softplus_is_stable_at_the_extremes():
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert ops.softplus(-30.0) == pytest.approx(math.exp(-30.0), rel=1e-12)


def test_overflow_gives_inf_never_overflow_error():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(1e200) * 1e200).data == math.inf


def test_logsumexp_is_stable_and_needs_values():
    assert ops.logsumexp(1000.0, 1000.0) == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    with pytest.raises(ValueError, match="logsumexp: needs at least one value"):
        ops.logsumexp()


def test_derivatives_at_the_edges_of_the_domain():
    # sqrt and fractional powers have an infinite slope at 0: inf, as PyTorch, not an error.
    assert ops.sqrt_back(0.0, 0.0) == (math.inf,)
    assert ops.pow_back(0.0, 0.0, 0.5) == (math.inf, 0.0)
    # relu and abs take 0 at their kink, as PyTorch.
    assert ops.relu_back(0.0, 0.0) == (0.0,)
    assert ops.abs_back(0.0, 0.0) == (0.0,)
    # a ** b in b needs a > 0; at a == 0 it is 0; for a < 0 it does not exist (NaN, as PyTorch).
    assert ops.vpow_back(0.0, 0.0, 2.0)[1] == 0.0
    assert math.isnan(ops.vpow_back(-8.0, -2.0, 3.0)[1])


# --- the local derivatives, written once as code ----------------------------------------------


def _operand_names(op):
    return {"x"} if op.arity == -1 else set("ab"[: op.arity])


@pytest.mark.parametrize("name", OPS)
def test_local_grad_code_is_one_expression_per_operand_in_known_names(name):
    """What the code may use is what every reader of it (floats, Values, generated code) binds:
    the op's value `out`, its operands, and GRAD_NAMESPACE. Comparisons are only <, <=, >, >=:
    `==` on a Value would compare identities, not numbers."""
    import ast

    op = CATALOGUE[name]
    assert len(op.local_grad_code) == (1 if op.arity == -1 else op.arity)
    allowed = {"out"} | _operand_names(op) | set(ops.GRAD_NAMESPACE)
    for code in op.local_grad_code:
        tree = ast.parse(code, mode="eval")
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert names <= allowed, f"{name}: {code!r} uses {names - allowed}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                orders = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
                assert all(isinstance(c, orders) for c in node.ops), code


@pytest.mark.parametrize("name", OPS)
@given(data=__import__("hypothesis").strategies.data())
def test_compiled_local_grads_are_the_code_evaluated(name, data):
    """`op.local_grads` is the code, compiled: evaluating the text itself gives the same bits."""
    op = CATALOGUE[name]
    args = data.draw(op_arguments(op), label="args")
    out = op.forward(*args)
    env = dict(ops.GRAD_NAMESPACE, out=out)
    if op.arity == -1:
        want = tuple(eval(op.local_grad_code[0], dict(env, x=x)) for x in args)
    else:
        env.update(zip("ab", args))
        want = tuple(eval(code, env) for code in op.local_grad_code)
    got = op.local_grads(out, *args)
    assert [float(g).hex() for g in got] == [float(w).hex() for w in want]
    assert getattr(ops, f"{name}_back") is op.local_grads
