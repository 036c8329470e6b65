"""autograd.compile: generated code against the eager engine, bit for bit.

The templates one by one (forward and local derivatives, as the generator writes them), random
graphs (every op, shared subexpressions, numbers on both sides), the worked example's whole
trajectories, batched replay, hostile labels, the control-flow guard and a 100k-node graph.
"""

from __future__ import annotations

import io
import keyword
import math
import re
import tokenize

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import CATALOGUE, DomainError, Value, _batched, ops
from autograd.compile import (
    _BATCH_HELPERS,
    Compiled,
    TraceMismatchError,
    _op_code,
    compile,
    sanitize,
    scalar_namespace,
    trace,
)
from tests.strategies import op_arguments, recipes

OPS = sorted(CATALOGUE)
NAMES = {"_A_": "a", "_B_": "b", "_OUT_": "out", "_G_": "g"}


def bits(x: float) -> str:
    """A float's identity: repr tells -0.0 from 0.0 and round-trips every other float."""
    return "nan" if math.isnan(x) else repr(x)


def _filled(template, n_operands: int, nary: bool) -> str:
    env = dict(NAMES)
    names = [f"x{i}" for i in range(n_operands)]
    env["*_XS_"] = ", ".join(names)
    env["_XS_"] = "(" + "".join(n + ", " for n in names) + ")"
    env["_X_"] = "x0"
    return template.fill(env)


def _emit(op, args, arrays: bool):
    """The forward and each contribution of `op`, as the generator writes them, evaluated."""
    with np.errstate(all="ignore"):  # where() computes both branches, as batched code does
        return _emit_quiet(op, args, arrays)


def _emit_quiet(op, args, arrays: bool):
    namespace = _batched.namespace() if arrays else scalar_namespace()
    code = _op_code(op, set(scalar_namespace()) | _BATCH_HELPERS, arrays)
    nary = op.arity == -1
    scope = {"__builtins__": {}, **namespace}
    if nary:
        scope.update({f"x{i}": x for i, x in enumerate(args)})
    else:
        scope.update(dict(zip("ab", args)))
    out = eval(_filled(code.forward, len(args), nary), scope)
    scope["out"], scope["g"] = out, 0.75
    contributions = []
    for k in range(len(args)):
        kind, template = (code.kinds[0], code.grads[0]) if nary else (code.kinds[k],
                                                                      code.grads[k])
        if nary:
            scope["x0"] = args[k]  # the operand this contribution is for
        value = eval(_filled(template, len(args), nary), scope)
        contributions.append(-value if kind == "negate" else value)
    return out, contributions


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_each_template_as_emitted_is_its_catalogue_function(name, data):
    op = CATALOGUE[name]
    args = data.draw(op_arguments(op), label="args")
    out, contributions = _emit(op, args, arrays=False)
    assert bits(out) == bits(op.forward(*args))
    local = op.local_grads(out, *args)
    assert [bits(c) for c in contributions] == [bits(d * 0.75) for d in local]


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_each_array_template_matches_the_float_one_sample_by_sample(name, data):
    op = CATALOGUE[name]
    rows = [data.draw(op_arguments(op), label=f"row {i}") for i in range(3)]
    if op.arity == -1:  # one operand count for the whole batch
        rows = [rows[0]] + [data.draw(st.permutations(rows[0])) for _ in range(2)]
    columns = [np.array(col) for col in zip(*rows)]
    out, contributions = _emit(op, columns, arrays=True)
    exact = name in ("add", "sub", "mul", "div", "neg", "sqrt", "abs", "relu", "sum")
    for i, row in enumerate(rows):
        want_out = op.forward(*row)
        want = [d * 0.75 for d in op.local_grads(want_out, *row)]
        got = [out[i]] + [c[i] if np.ndim(c) else c for c in contributions]
        for g, w in zip(got, [want_out] + want):
            if exact:
                assert bits(float(g)) == bits(w)
            else:
                # numpy's exp/log/tanh may differ from math's in the last place; 1 - out * out
                # then magnifies it: the 1e-12
                assert math.isclose(float(g), w, rel_tol=1e-12, abs_tol=1e-15), (g, w)


def test_the_array_namespace_covers_every_name_of_the_float_one():
    assert set(scalar_namespace()) <= set(_batched.namespace())


@pytest.mark.parametrize("name", [n for n in OPS if CATALOGUE[n].bad_inputs])
def test_array_versions_raise_the_float_error_naming_the_first_bad_sample(name):
    op = CATALOGUE[name]
    for args, error in op.bad_inputs:
        good = [(low + high) / 2 for low, high in op.domain] * (len(args) if op.arity == -1
                                                                 else 1)
        columns = [np.array([g, g, a, a]) for g, a in zip(good, args)]
        with pytest.raises(error) as caught:
            getattr(_batched, name)(*columns)
        with pytest.raises(error) as eager:
            op.forward(*args)
        assert str(caught.value) == f"{eager.value} (sample 2 of the batch)"


# --- random graphs ------------------------------------------------------------------------


def _eager(recipe, values):
    leaves = [Value(x) for x in values]
    out = recipe.build(*leaves)
    grads = autograd.grad(out, leaves, allow_unused=True)
    return out.data, [0.0 if g is None else g for g in grads]  # compiled: 0.0 for unused


@given(recipes(max_steps=12), st.data())
def test_random_graphs_are_bit_identical_to_the_eager_engine(recipe, data):
    compiled = trace(lambda *xs: recipe.build(*xs), *recipe.inputs)
    out, grads = compiled(*recipe.inputs)
    want_out, want = _eager(recipe, recipe.inputs)
    assert bits(out) == bits(want_out)
    assert [bits(g) for g in grads] == [bits(w) for w in want]
    # New values through the same code: the graph the eager engine builds for them.
    others = [data.draw(st.floats(-2.0, 2.0), label=f"new x{i}") for i in range(len(recipe.inputs))]
    try:
        want_out, want = _eager(recipe, others)
    except (ValueError, ZeroDivisionError) as error:
        with pytest.raises(type(error)):
            compiled(*others)
        return
    if recipe.kink_distance() <= 1e-3:
        return
    out, grads = compiled(*others)
    assert bits(out) == bits(want_out)
    assert [bits(g) for g in grads] == [bits(w) for w in want]


def test_the_sign_of_a_zero_gradient_is_the_eager_engine_s():
    # g_x's first contribution is -0.0 * 1.0; eager sums it from 0.0, giving 0.0.
    x, y = Value(1.5, label="x"), Value(2.0, label="y")
    out = x * -0.0 + y * y - (-0.0) * x
    compiled = compile(out, [x, y])
    assert [bits(g) for g in compiled(1.5, 2.0)[1]] == [bits(g) for g in autograd.grad(out, [x, y])]
    assert bits(compiled(1.5, 2.0)[1][0]) == "0.0"


def test_a_shared_subexpression_sums_its_gradients_in_the_eager_order():
    x = Value(0.3, label="x")
    s = x.tanh()
    out = autograd.sum([s * s, s.exp(), s, 1.0 - s]) * x
    compiled = compile(out, [x])
    # s feeds five places: one `g_t1 = ...` and four more contributions into it.
    assert len(re.findall(r"^    g_t1 (\+=|-=) ", compiled.source, re.MULTILINE)) == 4
    assert bits(compiled(0.3)[1][0]) == bits(autograd.grad(out, [x])[0])


def test_the_upstream_seed_scales_as_backward():
    x = Value(0.7)
    out = (x * x).sigmoid()
    compiled = compile(out, [x])
    out.backward(2.5)
    assert bits(compiled(0.7, upstream=2.5)[1][0]) == bits(x.grad)


def test_gradients_are_of_this_call_and_no_grad_is_touched():
    x = Value(2.0, label="x")
    out = x * x
    compiled = compile(out, [x])
    x.grad = 10.0
    assert compiled(2.0)[1] == (4.0,)
    assert compiled(3.0)[1] == (6.0,)
    assert x.grad == 10.0


def test_domain_errors_keep_the_eager_message():
    x = Value(1.0, label="x")
    compiled = trace(lambda x: (x - 1.0).log(), 2.0)
    with pytest.raises(DomainError) as eager:
        (x - 1.0).log()
    with pytest.raises(DomainError) as got:
        compiled(1.0)
    assert str(got.value) == str(eager.value)
    with pytest.raises(ZeroDivisionError, match="div: cannot divide 1.0 by zero"):
        trace(lambda x: 1.0 / x, 2.0)(0.0)


def test_batched_errors_name_the_op_and_the_first_bad_sample():
    compiled = trace(lambda x: x.log() * x, 2.0)
    with pytest.raises(DomainError, match=r"^log: log\(-1.0\) is undefined.*\(sample 3 of the "
                                          r"batch\)$"):
        compiled.batched(np.array([1.0, 2.0, 3.0, -1.0, 0.0]))


def test_bad_calls_are_clear_errors():
    compiled = trace(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(TypeError, match="needs 2 values"):
        compiled(1.0)
    with pytest.raises(TypeError, match="input y must be a float, got str"):
        compiled(1.0, "2")
    with pytest.raises(TypeError, match="output must be a Value"):
        compile(3.0)  # type: ignore[arg-type]
    x = Value(1.0)
    y = x * 2
    with pytest.raises(ValueError, match="is computed, not a leaf"):
        compile(y * 3, [y])
    assert compile(y, [x, Value(5.0)])(1.0, 7.0) == (2.0, (2.0, 0.0))  # unused: gradient 0
    with pytest.raises(ValueError, match="not one of the inputs"):
        compile(y, [x], wrt=[Value(2.0)])
    with pytest.raises(ValueError, match="given twice"):
        compile(x * x, [x, x])


# --- the worked example ------------------------------------------------------------------


@pytest.mark.parametrize("optimizer, steps", [("sgd", 111), ("rmsprop", 11)])
def test_the_worked_example_trajectories_are_the_eager_ones_digit_for_digit(optimizer, steps):
    from nn.examples import codegen, worked_example

    eager = worked_example.run(optimizer, order="autograd")
    compiled = codegen.run_compiled(optimizer)
    assert len(eager) == len(compiled) == steps
    assert [s.line() for s in compiled] == [s.line() for s in eager]


# --- micrograd's demo --------------------------------------------------------------------


def _demo_loss(n: int = 20):
    from nn import MLP, hinge_loss
    from nn.examples.moons import make_data

    X, y = make_data(n)
    model = MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    loss = hinge_loss([model(row) for row in X], y) + 1e-4 * autograd.sum(
        [p * p for p in params])
    return model, params, loss, X, y


def test_micrograd_demo_network_compiles_bit_identical():
    _, params, loss, _, _ = _demo_loss()
    compiled = compile(loss, params)
    out, grads = compiled(*[p.data for p in params])
    loss.backward()
    assert bits(out) == bits(loss.data)
    assert [bits(g) for g in grads] == [bits(p.grad) for p in params]


def test_batched_replay_of_one_sample_matches_the_eager_batch_to_1e_12():
    model, params, loss, X, y = _demo_loss(40)
    xs = [Value(0.0, label="x0"), Value(0.0, label="x1")]
    target = Value(1.0, label="target")
    one = (1.0 - target * model(xs)[0]).relu()  # hinge_loss's per-sample term
    compiled = compile(one, [*xs, target, *params], wrt=params)
    columns = [np.array(c) for c in zip(*X)]
    n = len(X)
    out, grads = compiled.batched(*columns, np.array(y, dtype=float),
                                  *[p.data for p in params], upstream=1.0 / n)
    loss.backward()
    reg = [2e-4 * p.data for p in params]  # d(1e-4 * p*p)/dp, added below
    assert math.isclose(float(np.sum(out)) / n + 1e-4 * sum(p.data ** 2 for p in params),
                        loss.data, rel_tol=1e-12)
    for g, r, p in zip(grads, reg, params):
        assert math.isclose(float(np.sum(g)) + r, p.grad, rel_tol=1e-12, abs_tol=1e-15)


# --- safety ---------------------------------------------------------------------------

HOSTILE = [
    "a'\n__import__('os').system('echo pwned')#", '"""', "class", "None", "for", "ŷ", "ﬁ",
    "x y", "", "1abc", "g_x", "exp", "log", "upstream", "__builtins__", "__import__('os')",
    "🙂", "\r\x0c\\", "forward_backward", "t1", "x", "x", "a" * 200, "match", "where",
]


def test_hostile_labels_become_safe_identifiers_and_escaped_comments():
    leaves = [Value(0.1 * (i + 1), label=label) for i, label in enumerate(HOSTILE)]
    nodes = []
    for i, leaf in enumerate(leaves):
        node = (leaf * leaves[i - 1]).tanh()
        node.label = HOSTILE[-1 - i]
        nodes.append(node)
    out = autograd.sum(nodes)
    out.label = "'); import os; ('"
    compiled = compile(out, leaves)
    source = compiled.source
    compile_builtin = __builtins__["compile"] if isinstance(__builtins__, dict) else \
        __builtins__.compile
    compile_builtin(source, "<test>", "exec")  # it is Python
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    kinds = {tokenize.tok_name[t.type] for t in tokens}
    assert kinds <= {"NAME", "OP", "NUMBER", "COMMENT", "NEWLINE", "NL", "INDENT", "DEDENT",
                     "ENDMARKER"}, kinds  # no string, nothing but names, numbers and comments
    for t in tokens:
        if t.type == tokenize.NAME:
            assert t.string.isascii() and "__" not in t.string, t.string
            assert not keyword.iskeyword(t.string) or t.string in ("def", "return"), t.string
        if t.type == tokenize.COMMENT:
            assert t.string.isascii()
    assert len(source.splitlines()) == source.count("\n")  # no label broke a line
    assert all(name.isidentifier() and not name.startswith("_") for name in compiled.inputs)
    assert len(set(compiled.inputs)) == len(compiled.inputs)
    got = compiled(*[leaf.data for leaf in leaves])
    want = autograd.grad(out, leaves)
    assert bits(got[0]) == bits(out.data)
    assert [bits(g) for g in got[1]] == [bits(w) for w in want]
    # The code runs with no builtins, only the catalogue's functions.
    assert compiled.fn.__globals__["__builtins__"] == {}
    assert set(compiled.fn.__globals__) <= {"__builtins__", "forward_backward",
                                            *scalar_namespace()}


def test_sanitize():
    assert sanitize("ŷ") == "y"
    assert sanitize("__import__('os')") == "import_os"
    assert sanitize("1abc") == "v1abc"
    assert sanitize("🙂") == ""
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", sanitize("a b\nc"))


# --- the control-flow guard -------------------------------------------------------------


def _branchy(x, y):
    if x.data > 0:  # Python control flow: the trace takes one side
        return (x * y).tanh()
    return (x + y).relu()


def test_the_guard_fires_naming_the_first_node_that_differs():
    compiled = trace(_branchy, 1.0, 2.0, check=True)
    compiled(0.5, 3.0)  # the same path: fine
    with pytest.raises(TraceMismatchError, match=r"call 1 took another path than the trace: "
                       r"node 2 of 4 \(t1 in the code\) was mul of nodes 0, 1, now it is add "
                       r"of nodes 0, 1; a trace records one path"):
        compiled(-0.5, 3.0)


def test_the_guard_catches_a_number_baked_from_data():
    compiled = trace(lambda x: x * x.data, 2.0, check=[1])
    compiled(3.0)  # call 0 is not checked: the baked 2.0 goes unnoticed
    with pytest.raises(TraceMismatchError, match="was the number 2.0, now it is the number 3.0"):
        compiled(3.0)


def test_without_check_a_trace_that_branches_on_a_value_is_refused():
    """Issue 24, item 10: trace() watches fn (autograd.compile.watch). On a7b7a6a this trace
    compiled, and compiled(-0.5, 3.0) silently followed the example's side of the branch."""
    with pytest.raises(ValueError, match=r"^trace: fn's Python code depends on the example's "
                                         r"numbers: it took a number out of a Value \(\.data "
                                         r"of 'x'.*Pass check=True") as info:
        trace(_branchy, 1.0, 2.0)  # if x.data > 0:
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=r"it compared Values \(x > 0\.0 was True, the first "
                                         r"of 1\)"):
        trace(lambda x, y: (x * y).tanh() if x > 0 else (x + y).relu(), 1.0, 2.0)
    with pytest.raises(ValueError, match=r"it compared Values \(x != 0\.0 was True"):
        trace(lambda x: x * 2.0 if x else x, 1.0)  # `if x:` is the comparison x != 0
    with pytest.raises(ValueError, match=r"it took a number out of a Value \(\.data of 'x'"):
        trace(lambda x: x * x.data, 3.0)  # the number 3.0 would be baked in
    checked = trace(_branchy, 1.0, 2.0, check=True)  # with check=, allowed: each call checked
    assert checked(2.0, 3.0)[0] == math.tanh(6.0)
    with pytest.raises(TraceMismatchError):
        checked(-0.5, 3.0)
    assert trace(lambda x, y: (x * y).relu(), 1.0, 2.0)(-0.5, 3.0)[0] == 0.0  # no branch


def test_check_schedules():
    runs = []

    def f(x):
        runs.append(x.data)
        return x * 2.0

    compiled = trace(f, 1.0, check=3)
    for v in range(7):
        compiled(float(v))
    assert runs == [1.0, 0.0, 3.0, 6.0]  # the trace, then calls 0, 3 and 6 re-run eagerly
    runs.clear()
    compiled = trace(f, 1.0, check={1, 2})
    for v in range(4):
        compiled(float(v))
    assert runs == [1.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="check must be True, an int >= 1"):
        trace(lambda x: x, 1.0, check=0)


# --- big graphs --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_100k_node_graph_compiles_and_runs_bit_identical():
    x = Value(0.5, label="x")
    node = x
    for i in range(50_000):  # two nodes per step, plus the constants
        node = (node * 0.999 + x).tanh() if i % 2 else node * 0.5 + x * 0.25
    leaves_order = autograd.topo_order(node)
    assert len(leaves_order) > 100_000
    compiled = compile(node, [x])
    assert isinstance(compiled, Compiled) and compiled.nodes == len(leaves_order)
    out, (g,) = compiled(0.5)
    node.backward()
    assert bits(out) == bits(node.data) and bits(g) == bits(x.grad)


# --- where users meet it ------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in OPS if CATALOGUE[n].arity == 1])
@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, 0.0, -0.0])
def test_array_versions_follow_the_float_ones_at_nan_inf_and_signed_zeros(name, x):
    op = CATALOGUE[name]
    try:
        want = op.forward(x)
    except (ValueError, ZeroDivisionError) as error:
        with pytest.raises(type(error)):
            _emit(op, [np.array([x])], arrays=True)
        return
    out, (contribution,) = _emit(op, [np.array([x])], arrays=True)
    assert bits(float(out[0])) == bits(want)
    scalar = op.local_grads(want, x)[0] * 0.75
    assert bits(float(np.asarray(contribution).reshape(-1)[0])) == bits(scalar)


def test_a_helper_without_an_array_version_runs_sample_by_sample(monkeypatch):
    monkeypatch.setitem(ops.GRAD_NAMESPACE, "new_helper", lambda a: a * 3.0)
    assert list(_batched.namespace()["new_helper"](np.array([1.0, 2.0]))) == [3.0, 6.0]


def test_a_lifted_number_can_be_an_input_and_a_labelled_leaf_not_passed_is_fixed():
    x = Value(2.0, label="x")
    out = 3.0 * x + Value(0.5, label="bias")
    three = out.operands[0].operands[0]  # the constant node 3.0
    compiled = compile(out, [three, x])
    assert compiled.inputs == ("t1", "x") and "bias = 0.5" in compiled.source
    assert compiled(4.0, 2.0) == (8.5, (2.0, 4.0))


def test_the_batched_tape_halves_give_the_whole_function_s_numbers():
    x, seed = Value(0.5, label="x"), Value(0.0, label="seed")
    h = (x * 2.0).tanh()
    out = (h * h + x).relu() * seed
    compiled = compile(out, [x, seed])
    forward, backward, saved = compiled.batched_tape()
    xs, seeds = np.array([0.3, -1.2, 2.0]), np.array([1.5, -0.5, 2.0])
    _, tape = forward(xs, 0.0)  # the seed unknown yet: it only multiplies the output
    assert len(tape) == len(saved) and "h" not in saved  # h has no label: a generated name
    got = backward(xs, seeds, *tape, upstream=1.0)
    want = compiled.batched(xs, seeds)
    for g, w in zip(got[1], want[1]):
        assert [bits(v) for v in np.asarray(g)] == [bits(v) for v in np.asarray(w)]


def test_the_package_names_are_the_functions():
    """`autograd.compile` and `autograd.trace` are the functions, not the modules of the same
    name (a submodule import would rebind the package attribute)."""
    import autograd

    assert callable(autograd.compile) and autograd.compile.__module__ == "autograd.compile"
    assert callable(autograd.trace) and autograd.trace.__module__ == "autograd.compile"


# --- issue 16's one-liners: each was an error or a wrong number -------------------------------


def test_check_true_accepts_an_argument_the_function_does_not_use():
    compiled = trace(lambda x, y: x * 2.0, 1.0, 2.0, check=True)
    assert compiled(1.5, 3.0) == (3.0, (2.0, 0.0))
    assert compiled(4.0, 3.0) == (8.0, (2.0, 0.0))


def test_inputs_by_name_as_the_docstring_says():
    compiled = trace(lambda x, y: x * y + x, 1.0, 2.0)
    want = compiled(3.0, 5.0)
    assert compiled(x=3.0, y=5.0) == compiled(3.0, y=5.0) == compiled(y=5.0, x=3.0) == want
    assert compiled.forward(y=5.0, x=3.0) == want[0]
    out, grads = compiled.batched(x=np.array([3.0]), y=5.0)
    assert [float(np.ravel(v)[0]) for v in (out, *grads)] == [want[0], *want[1]]
    with pytest.raises(TypeError, match="compiled: no input named 'z'; the inputs are x, y"):
        compiled(3.0, z=5.0)
    with pytest.raises(TypeError, match="compiled: input x given both by position and by name"):
        compiled(3.0, x=5.0)
    with pytest.raises(TypeError, match=r"compiled: missing input\(s\) x"):
        compiled(y=5.0)


def test_a_numpy_float_in_the_graph_is_written_as_a_float():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    bias = Value(3.0)
    w.data, bias.data = np.float64(2.5), np.float64(0.5)  # as numpy code would set them
    out = x * w + bias
    compiled = compile(out, [x])
    assert "np." not in compiled.source
    assert compiled(1.0) == (3.0, (2.5,))
    assert compiled(np.float64(2.0)) == compiled(np.float32(2.0)) == (5.5, (2.5,))
    assert trace(lambda x: x * np.float64(0.5), np.float64(2.0), check=True)(4.0) == (2.0, (0.5,))


def test_wrong_shaped_batched_inputs_name_the_inputs_and_the_shapes():
    compiled = trace(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(ValueError, match=r"compiled.batched: input y has 4 samples but input x "
                                         r"has 3; every array must hold one entry per sample"):
        compiled.batched(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="upstream has 2 samples but input x has 3"):
        compiled.batched(np.ones(3), 2.0, upstream=np.ones(2))
    with pytest.raises(ValueError, match=r"input x must be a float or a 1-D array over the "
                                         r"samples, got shape \(2, 2\)"):
        compiled.batched(np.ones((2, 2)), 2.0)
    with pytest.raises(TypeError, match="input x must hold real numbers, got an array of dtype "
                                        "complex128"):
        compiled.batched(np.ones(3) + 1j, 2.0)
    with pytest.raises(TypeError, match="upstream must be a float or a 1-D array, got str"):
        compiled.batched(np.ones(3), 2.0, upstream="a")
    with pytest.raises(TypeError, match="compiled: upstream must be a float, got str"):
        compiled(1.0, 2.0, upstream="a")  # type: ignore[arg-type]
