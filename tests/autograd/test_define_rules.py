"""define_op's rules, one meaning per op (issue 24, items 1 to 5): a name is read as Python reads
it; and/or/not and comparisons only in a condition; a conditional runs per sample only the branch
it takes, on arrays too; the limits give one line; a redefinition replaces the op everywhere, the
ops on top of it follow, Values made before keep theirs in backward() or are refused."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

import autograd
from autograd import CATALOGUE, DomainError, Value, define_op, grad, hessian
from autograd.define import remove_op


def one_line(info: pytest.ExceptionInfo[BaseException], start: str) -> str:
    text = str(info.value)
    assert "\n" not in text and text.startswith(start), text
    return text


# --- 1. a look-alike name -------------------------------------------------------------------


def test_a_look_alike_name_is_the_name_python_reads(fresh):
    with pytest.raises(ValueError) as info:
        define_op("ｔａｎｈ", "2.0 * a", ["2.0"])  # fullwidth letters: 'tanh' to Python
    assert "'tanh'" in one_line(info, "define_op: the name 'ｔａｎｈ'")
    assert CATALOGUE["tanh"].forward(1.0) == math.tanh(1.0)
    # A free name is taken under the name Python reads: one op, the same in every form.
    twice = define_op("ｔｗｉｃｅ", "2.0 * a", ["2.0"])
    assert twice.__name__ == "twice" and "ｔｗｉｃｅ" not in CATALOGUE
    x = Value(3.0)
    y = twice(x)
    compiled = autograd.compile(y, [x])
    assert compiled(3.0) == (y.data, grad(y, [x])) == (6.0, (2.0,))
    value, (g,) = compiled.batched(np.array([1.0, -2.0]))
    assert value.tolist() == [2.0, -4.0] and np.broadcast_to(g, 2).tolist() == [2.0, 2.0]
    remove_op("ｔｗｉｃｅ")
    assert "twice" not in CATALOGUE


# --- 2. and / or ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["(a or 2.0) * 1.0", "a and 2.0", "(a > 0.0) * 2.0",
                                  "(a > 0.0) + (a > 1.0)", "not a"])
def test_and_or_not_and_comparisons_give_no_number(fresh, code):
    with pytest.raises(ValueError, match="gives True/False, not a number") as info:
        define_op("f", "a", [code])
    one_line(info, "define_op: f's local_grads[0]: ")
    assert "f" not in CATALOGUE


def test_a_condition_must_be_a_condition(fresh):
    with pytest.raises(ValueError, match="is a number where a condition is read"):
        define_op("f", "1.0 if a else 0.0", ["0.0"])
    with pytest.raises(ValueError, match="is a number where a condition is read"):
        define_op("f", "1.0 if a > 0.0 and a else 0.0", ["0.0"])


def test_and_or_in_a_condition_mean_the_same_on_floats_and_arrays(fresh):
    """`and` evaluates its right side only where the left holds, on arrays too: log(-1) is
    never taken, as the float code never takes it."""
    condition = "a > 0.0 and log(a) > 0.5 or a < -2.0"
    f = define_op("f", f"1.0 if {condition} else 0.0", [f"2.0 if {condition} else 3.0"])
    xs = [-3.0, -1.0, 0.5, 2.0, 0.0]
    x = Value(2.0)
    compiled = autograd.compile(f(x) * x, [x])
    eager = [compiled(v) for v in xs]
    assert [e[0] for e in eager] == [-3.0, 0.0, 0.0, 2.0, 0.0]
    assert [e[1][0] for e in eager] == [1.0 - 6.0, -3.0, 1.5, 1.0 + 4.0, 0.0]
    value, (g,) = compiled.batched(np.array(xs))
    assert value.tolist() == [e[0] for e in eager] and g.tolist() == [e[1][0] for e in eager]
    # a < b < c is a < b and b < c: the same on arrays
    g2 = define_op("g2", "1.0 if 0.0 < a < sqrt(a) else 0.0", ["0.0"])
    c2 = autograd.compile(g2(x), [x])
    assert c2.batched(np.array([-1.0, 0.25, 4.0]))[0].tolist() == [0.0, 1.0, 0.0]


# --- 3. a conditional on arrays ----------------------------------------------------------


def test_a_conditional_evaluates_per_sample_only_the_branch_it_takes(fresh):
    guarded = define_op("guarded", "sqrt(a) if a > 0.0 else 0.0",
                        ["0.5 / sqrt(a) if a > 0.0 else 0.0"])
    x = Value(4.0)
    y = guarded(x)
    assert guarded(Value(-1.0)).data == 0.0
    compiled = autograd.compile(y, [x])
    value, (g,) = compiled.batched(np.array([-1.0, 4.0, 0.0, 9.0]))
    assert value.tolist() == [0.0, 2.0, 0.0, 3.0]
    assert g.tolist() == [0.0, 0.25, 0.0, 0.5 / 3.0]
    # nested: each branch within the samples of the one around it
    nested = define_op("nested", "log(a) if a > 0.0 else (sqrt(-a) if a < -1.0 else 0.5)",
                       ["div(1.0, a) if a > 0.0 else (0.0 if a < -1.0 else 1.0)"])
    compiled = autograd.compile(nested(x), [x])
    xs = [-4.0, -0.5, 0.0, math.e]
    value, (g,) = compiled.batched(np.array(xs))
    assert value.tolist() == [compiled(v)[0] for v in xs] == [2.0, 0.5, 0.5, 1.0]
    assert g.tolist() == [compiled(v)[1][0] for v in xs]


def test_a_domain_error_a_sample_does_take_is_still_raised_naming_it(fresh):
    f = define_op("f", "log(a) if a > -1.0 else 0.0", ["div(1.0, a) if a > -1.0 else 0.0"])
    x = Value(1.0)
    compiled = autograd.compile(f(x), [x])
    with pytest.raises(DomainError, match=r"log\(-0.5\) is undefined.*\(sample 2 of the batch\)"):
        compiled.batched(np.array([-3.0, 2.0, -0.5]))
    with pytest.raises(DomainError, match=r"log\(-0.5\) is undefined"):
        f(Value(-0.5))


def test_division_is_the_catalogues_on_floats_and_arrays(fresh):
    """x / y is div(x, y): a division by zero is the same error eagerly, compiled and batched
    (numpy alone would give inf)."""
    f = define_op("f", "a * a", ["1.0 / a"])
    assert f.op.local_grad_code == ("div(1.0, a)",)
    x = Value(2.0)
    compiled = autograd.compile(f(x), [x])
    with pytest.raises(ZeroDivisionError, match="div: cannot divide 1.0 by zero"):
        grad(f(Value(0.0)), [Value(0.0)] and None or [])  # noqa: B018  (nothing asked)
    with pytest.raises(ZeroDivisionError, match="div: cannot divide 1.0 by zero"):
        compiled(0.0)
    with pytest.raises(ZeroDivisionError, match=r"div: cannot divide 1.0 by zero.*sample 1"):
        compiled.batched(np.array([1.0, 0.0]))


# --- 4. limits and a forward function's errors ------------------------------------------------


@pytest.mark.parametrize("forward, message", [
    (" + ".join(["a"] * 600), "the expression is too long"),
    ("+".join(["a"] * 300), "the expression nests too deeply"),
    ("sum(" + ", ".join(["a"] * 500) + ")", "the expression is too long"),
    ("1" + "0" * 400 + " * a", "is too large for a float"),
    ("-" * 1900 + "a", "nests too deeply"),
    ("(" * 300 + "a" + ")" * 300, "syntax error|nests too deeply"),
])
def test_long_or_deep_text_is_one_line_at_definition(fresh, forward, message):
    with pytest.raises(ValueError, match=message) as info:
        define_op("f", forward, ["1.0"])
    one_line(info, "define_op: f's forward: ")
    assert "f" not in CATALOGUE


def test_the_limits_leave_room_for_real_definitions(fresh):
    f = define_op("f", " + ".join(["a"] * 100), ["100.0"])
    assert f(Value(1.0)).data == 100.0


def test_a_forward_functions_errors_name_the_op(fresh):
    myexp = define_op("myexp", forward=math.exp, local_grads=["out"])
    with pytest.raises(OverflowError) as info:
        myexp(Value(1000.0))
    assert "return math.inf" in one_line(info, "myexp: its forward function overflowed at "
                                               "myexp(1000.0)")
    mylog = define_op("mylog", forward=math.log, local_grads=["div(1.0, a)"])
    with pytest.raises(DomainError, match=r"mylog: mylog\(-1.0\) is outside its forward "
                                          r"function's domain \(math domain error\)"):
        mylog(Value(-1.0))
    x = Value(1.0)
    compiled = autograd.compile(myexp(x), [x])
    with pytest.raises(OverflowError, match=r"myexp: .* \(sample 1 of the batch\)"):
        compiled.batched(np.array([1.0, 1000.0]))
    # the same op written as code: an overflow is inf, as the catalogue's exp
    codexp = define_op("codexp", "exp(a)", ["out"])
    assert codexp(Value(1000.0)).data == math.inf


# --- 5. redefinition ---------------------------------------------------------------------------


def test_one_binding_rule_after_a_redefinition(fresh):
    """The issue's case: an op whose derivative calls `helper`, and `helper` defined again.
    Every form computes with the new helper, for the Values made after it."""
    define_op("helper", "2.0 * a", ["2.0"])
    top = define_op("top", "a * a", ["helper(a)"])
    x = Value(1.5)
    before = top(x)
    assert grad(before, [x]) == (3.0,)
    with pytest.raises(ValueError) as info:
        remove_op("helper")
    one_line(info, "remove_op: 'top' is defined on top of 'helper'")
    define_op("helper", "3.0 * a", ["3.0"])  # the cell edited and run again
    x = Value(1.5)
    y = top(x)  # the function made before follows the new definition
    assert top.op is CATALOGUE["top"] and top.op.uses == (CATALOGUE["helper"],)
    assert grad(y, [x]) == (4.5,)
    y.backward()
    assert x.grad == 4.5
    assert autograd.compile(y, [x])(1.5) == (2.25, (4.5,))
    (g,) = grad(top(x), [x], create_graph=True)
    assert g.data == 4.5
    assert hessian(top(x), [x]) == [[3.0]]
    # a Value made before keeps its meaning in backward() and is refused where it cannot
    assert grad(before, list(before.operands)) == (3.0,)
    for attempt in (lambda: autograd.compile(before, list(before.operands)),
                    lambda: hessian(before, list(before.operands))):
        with pytest.raises(ValueError, match="'top' as it was before define_op replaced it"):
            attempt()


def test_a_notebook_cell_fixed_and_run_again_replaces_the_op(fresh):
    from autograd.testing import OpCheckError, check_op

    sine = define_op("sine", forward=math.sin, local_grads=["sine(a + 1.5707963267948966)"],
                     interval=(-3.0, 3.0))
    cosine = define_op("cosine", forward=math.cos, local_grads=["sine(a)"], interval=(-3.0, 3.0))
    with pytest.raises(OpCheckError):
        check_op(cosine)
    fixed = define_op("cosine", forward=math.cos, local_grads=["-sine(a)"], interval=(-3.0, 3.0))
    assert fixed is cosine and cosine.op.local_grad_code == ("-sine(a)",)
    check_op(cosine)
    assert define_op("cosine", forward=math.cos, local_grads=["-sine(a)"],
                     interval=(-3.0, 3.0)) is cosine  # the same text again: nothing changes
    assert sine.op is CATALOGUE["sine"]


def test_an_op_on_top_that_no_longer_checks_refuses_the_change_in_one_line(fresh):
    define_op("helper", "2.0 * a", ["2.0"])
    top = define_op("top", "helper(a) * a", ["helper(a) * 2.0"])
    before = dict(CATALOGUE)
    with pytest.raises(ValueError) as info:
        define_op("helper", "a * b", ["b", "a"])  # now binary: top's helper(a) is wrong
    one_line(info, "define_op: 'helper' cannot be replaced so: 'top', defined on top of it, no "
                   "longer checks")
    assert CATALOGUE == before and top(Value(2.0)).data == 8.0
    with pytest.raises(ValueError, match="needs 1 expression"):  # a mistake in the new text
        define_op("helper", "a * a", ["2.0 * a", "1.0"])
    assert CATALOGUE == before


def test_ops_on_top_of_ops_on_top_follow_in_order(fresh):
    define_op("h1", "2.0 * a", ["2.0"])
    define_op("h2", "h1(a) + 1.0", ["2.0"])
    h3 = define_op("h3", "h2(a) * h1(a)", ["2.0 * h1(a) + 2.0 * h2(a)"])
    define_op("other", "a + 1.0", ["1.0"])
    assert h3(Value(1.0)).data == 6.0
    define_op("h1", "3.0 * a", ["3.0"])
    assert h3(Value(1.0)).data == 12.0  # (3 + 1) * 3
    names = [op.name for op in autograd.define.user_ops()]
    assert names.index("h1") < names.index("h2") < names.index("h3")
    x = Value(1.0)
    assert autograd.compile(h3(x), [x])(1.0)[0] == 12.0


def test_a_removed_op_makes_no_new_values(fresh):
    sq = define_op("sq", "a * a", ["2.0 * a"])
    remove_op("sq")
    with pytest.raises(ValueError) as info:
        sq(Value(2.0))
    one_line(info, "sq: this op was removed (remove_op)")


def test_remove_op_is_public_and_the_docstrings_examples_run(fresh):
    assert "remove_op" in autograd.__all__ and autograd.remove_op is remove_op
    result = doctest.testmod(autograd.define, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


def test_a_replacement_may_change_the_arity(fresh):
    f = define_op("f", "2.0 * a", ["2.0"])
    assert define_op("f", "a * b", ["b", "a"]) is f
    assert f(Value(2.0), Value(3.0)).data == 6.0 and "a * b" in (f.__doc__ or "")
    with pytest.raises(TypeError, match="f: takes 2 operand"):
        f(Value(1.0))
