"""Value: what it accepts, what it records, how it prints, and the chain rule on small graphs."""

from __future__ import annotations

import math
import threading
from fractions import Fraction

import numpy as np
import pytest

import autograd
from autograd import AnomalyError, Value, detect_anomaly, no_grad


@pytest.mark.parametrize(
    "bad, kind",
    [("a", "str"), (None, "NoneType"), ([1.0], "list"), (1j, "complex"), (object(), "object"),
     (np.complex128(1 + 2j), "complex128"), (np.array([1.0, 2.0]), "ndarray")],
)
def test_a_value_of_anything_but_a_real_number_is_a_type_error(bad, kind):
    message = rf"Value: needs a real number \(int or float\), got {kind}"
    with pytest.raises(TypeError, match=message):
        Value(bad)


def test_complex_and_value_inputs_say_what_to_do():
    with pytest.raises(TypeError, match="complex numbers are not supported"):
        Value(2 + 0j)
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))


@pytest.mark.parametrize("good", [3, True, 2.5, Fraction(1, 4), np.float32(1.5), np.float64(0.1),
                                  np.int64(7)])
def test_real_numbers_become_python_floats(good):
    v = Value(good)
    assert type(v.data) is float
    assert v.data == float(good)
    assert v.grad == 0.0


def test_a_learner_can_read_the_repr():
    yp = Value(0.6902834929076443, label="yp")
    assert repr(yp) == "Value(data=0.690283, grad=0.0, label='yp')"
    z = Value(2.0) * 3
    assert repr(z) == "Value(data=6.0, grad=0.0, op='mul')"


def test_numbers_on_either_side_keep_their_place():
    x = Value(0.25, label="x")
    for expr, op, first, second in [
        (1 - x, "sub", 1.0, 0.25), (x - 1, "sub", 0.25, 1.0), (2 * x, "mul", 2.0, 0.25),
        (x * 2, "mul", 0.25, 2.0), (3 + x, "add", 3.0, 0.25), (1 / x, "div", 1.0, 0.25),
        (x / 4, "div", 0.25, 4.0), (2**x, "vpow", 2.0, 0.25), (x**2, "pow", 0.25, 2.0),
    ]:
        assert expr.op == op
        assert [o.data for o in expr.operands] == [first, second]
        constant = expr.operands[0] if first != 0.25 else expr.operands[1]
        assert constant.op == "const" and constant.is_leaf


def test_numpy_scalars_on_the_left_defer_to_value():
    x = Value(3.0)
    y = np.float64(2.0) * x
    assert isinstance(y, Value) and y.data == 6.0
    y.backward()
    assert x.grad == 2.0


def test_an_unsupported_operand_is_a_type_error_naming_both_types():
    x = Value(1.0)
    with pytest.raises(TypeError, match="'Value' and 'str'"):
        x + "a"
    with pytest.raises(TypeError, match="'NoneType' and 'Value'"):
        None * x
    with pytest.raises(TypeError):
        x + 1j


def test_gradients_of_the_power_forms():
    x, y = Value(2.0), Value(3.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad, y.grad) == (8.0, 12.0, 8.0 * math.log(2.0))
    x = Value(3.0)
    (2**x).backward()
    assert x.grad == 8.0 * math.log(2.0)


def test_fan_out_adds_the_paths():
    # micrograd's own checks: a node used twice gets both contributions.
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x = Value(3.0)
    y = x + x
    (y + y).backward()
    assert x.grad == 4.0


def test_sum_mean_logsumexp():
    xs = [Value(float(i)) for i in range(1, 5)]
    s = autograd.sum(xs + [10])
    assert s.op == "sum" and s.data == 20.0 and len(s.operands) == 5
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 4
    m = autograd.mean(xs)
    assert m.data == 2.5
    lse = autograd.logsumexp(xs)
    lse.backward()
    softmax = [math.exp(x.data - lse.data) for x in xs]
    assert [x.grad for x in xs] == pytest.approx([1.0 + p for p in softmax], rel=1e-15)
    assert autograd.sum([]).data == 0.0
    with pytest.raises(ValueError, match="mean: needs at least one value"):
        autograd.mean([])
    with pytest.raises(TypeError, match="sum: item 1 must be a Value or a real number, got str"):
        autograd.sum([Value(1.0), "2"])


def test_no_grad_records_nothing_and_nests():
    x = Value(2.0)
    with no_grad():
        assert not autograd.is_grad_enabled()
        y = x * x + 1
        with autograd.enable_grad():
            z = x * 3
    assert autograd.is_grad_enabled()
    assert y.is_leaf and y.op == "" and y.data == 5.0
    assert z.op == "mul"


def test_no_grad_is_per_thread():
    seen = []
    started, release = threading.Event(), threading.Event()

    def other_thread():
        started.set()
        release.wait(5)
        seen.append((Value(1.0) * 2).op)

    t = threading.Thread(target=other_thread)
    t.start()
    started.wait(5)
    with no_grad():
        release.set()
        t.join(5)
    assert seen == ["mul"]


def test_detect_anomaly_names_the_operation_in_the_forward_pass():
    with detect_anomaly():
        message = r"exp: gave the non-finite value inf from operands \[1000\.0\]"
        with pytest.raises(AnomalyError, match=message):
            Value(1000.0).exp()
        with pytest.raises(AnomalyError, match=r"add: .*nan"):
            Value(math.nan) + 1
        with pytest.raises(FloatingPointError, match="mul"):
            Value(1e200) * 1e200
    assert Value(1000.0).exp().data == math.inf  # outside, IEEE 754 as documented


def test_detect_anomaly_names_the_operation_in_the_backward_pass():
    x = Value(0.0)
    y = x.sqrt()  # finite value, infinite slope at 0
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"backward: sqrt gave the non-finite gradient inf"):
            y.backward()
    y.backward()
    assert x.grad == math.inf


def test_detach():
    x = Value(2.0, label="x")
    y = (x * 3).detach()
    assert y.is_leaf and y.data == 6.0 and not y.operands


@pytest.mark.parametrize("call", [math.exp, math.log, math.sin, math.sqrt, float, math.isfinite,
                                  lambda v: math.pow(v, 2.0)])
def test_math_functions_and_float_refuse_a_value_naming_its_methods_and_data(call):
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"x\.exp\(\).*x\.data for the number"):
        call(x)


def test_math_exp_cannot_make_a_silently_wrong_derivative():
    x = Value(1.0)
    with pytest.raises(TypeError, match="cut from the graph"):
        x * math.exp(x)  # today's main: d/dx = e instead of 2e
    y = x * x.exp()
    y.backward()
    assert x.grad == 2 * math.e


def test_int_and_round_refuse_a_value_naming_data():
    x = Value(2.345)
    with pytest.raises(TypeError, match=r"int\(x\.data\)"):
        int(x)
    with pytest.raises(TypeError, match=r"round\(x\.data, ndigits\)"):
        round(x, 2)
    with pytest.raises(TypeError, match=r"round\(x\.data, ndigits\)"):
        round(x)


def test_format_specs_format_the_number_as_a_zero_d_tensor_does():
    loss = Value(0.123456, label="loss")
    assert f"{loss:.4f}" == "0.1235"
    assert f"{loss:>10.2e}" == format(0.123456, ">10.2e")
    assert f"{loss}" == repr(loss) == str(loss)
    assert "{:g}".format(loss) == "0.123456"
    with pytest.raises(ValueError, match=r"format of a Value: .*'d'.*0\.123456"):
        f"{loss:d}"


def test_a_label_must_be_a_string():
    with pytest.raises(TypeError, match="Value: label must be a str, got int 3"):
        Value(1.0, label=3)
