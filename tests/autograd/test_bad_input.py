"""The engine's answers to bad input: each a TypeError/ValueError naming the operation and what
came, never an internal exception or the wrong advice."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd import Value, gradcheck, no_grad


def test_an_array_on_either_side_says_a_value_holds_one_number():
    for combine, op in [
        (lambda: np.array([1.0, 2.0]) + Value(2), "add"),
        (lambda: Value(2) * np.array([1.0, 2.0]), "mul"),
        (lambda: np.array([1.0, 2.0]) ** Value(2), "vpow"),
        (lambda: Value(2) - np.zeros((2, 3)), "sub"),
    ]:
        with pytest.raises(TypeError) as info:
            combine()
        message = str(info.value)
        assert message.startswith(f"{op}: cannot combine a Value with ndarray of shape")
        assert "a Value holds one number" in message and "numpy.vectorize" in message
        assert "dtype=object" in message
        assert "ufunc" not in message and "Concatenation" not in message
    with pytest.raises(TypeError, match=r"Value: needs a real number .* ndarray of shape \(2,\) "
                                        r"\(a Value holds one number"):
        Value(np.array([1.0, 2.0]))
    # numpy's scalars are numbers, and stay welcome on either side
    assert (np.float64(2.0) + Value(1.0)).data == 3.0
    assert (Value(1.0) * np.int64(3)).data == 3.0


def test_the_suggested_elementwise_forms_work():
    v = Value(2.0)
    scaled = np.vectorize(lambda x: x * v)(np.array([1.0, 2.0]))
    assert [s.data for s in scaled] == [2.0, 4.0]
    objects = np.array([Value(x) for x in [1.0, 2.0]], dtype=object) * v
    assert [s.data for s in objects] == [2.0, 4.0]


def test_a_huge_int_names_the_operation_and_its_size():
    with pytest.raises(ValueError, match=r"^Value: an int of 1329 bits \(about 10\*\*400\) is too "
                                         r"large for a float"):
        Value(10**400)
    with pytest.raises(ValueError, match=r"^add: an int of 1329 bits \(about 10\*\*400\)"):
        Value(2) + 10**400
    with pytest.raises(ValueError, match=r"^mul: an int of \d+ bits"):
        -(10**309) * Value(2)
    with pytest.raises(ValueError, match=r"^sum: an int of"):
        autograd.sum([Value(1.0), 10**400])
    with pytest.raises(ValueError, match=r"^backward: an int of"):
        Value(1.0).backward(10**400)
    assert Value(10**300).data == 1e300  # large, but a float: fine


def test_assigning_an_array_or_a_string_to_data_is_said_by_repr_and_the_next_operation():
    # Rejecting it at the assignment would cost every operation (data would be a property);
    # instead repr never fails and the first operation that cannot use it says what happened.
    p = Value(1.0, label="w")
    p.data = np.array([1.0, 2.0])
    assert repr(p) == "Value(data=<not a number: ndarray of shape (2,)>, grad=0.0, label='w')"
    with pytest.raises(TypeError, match=r"^relu: operand 0 \(the Value labelled 'w'\) has "
                                        r"\.data = ndarray of shape \(2,\), not a number; a "
                                        r"Value holds one float"):
        p.relu()
    with pytest.raises(TypeError, match=r"^backward: operand 0 .* has \.data = ndarray"):
        (p * 2.0).backward()
    p.data = "0.5"
    assert "<not a number: str '0.5'>" in repr(p)
    with pytest.raises(TypeError, match=r"^mul: operand 0 \(the Value labelled 'w'\) has "
                                        r"\.data = str '0\.5', not a number"):
        p * 2.0
    with pytest.raises(TypeError, match=r"^add: operand 1 \(a Value\) has \.data = str"):
        Value(1.0) + _with_data("x")
    with pytest.raises(TypeError, match=r"^exp: operand 0 .* \.data = str"):
        p.exp()
    with pytest.raises(TypeError, match=r"^sum: operand 1 .* \.data = str"):
        autograd.sum([Value(1.0), p])
    p.data = 0.5  # a number again: all is well
    assert (p * 2.0).data == 1.0


def _with_data(data: object) -> Value:
    v = Value(0.0)
    v.data = data
    return v


def test_a_real_domain_error_is_still_itself():
    # The check for hand-assigned data only speaks when .data is not a number.
    with pytest.raises(autograd.DomainError, match="log: log"):
        Value(0.0).log()
    with pytest.raises(ZeroDivisionError, match="div: cannot divide"):
        Value(1.0) / 0.0


def test_backward_on_a_root_built_under_no_grad_raises():
    x = Value(2.0, label="x")
    with no_grad():
        y = x * 3.0 + 1.0
    assert y.data == 7.0 and y.is_leaf
    with pytest.raises(ValueError, match=r"^backward: Value\(data=7\.0, grad=0\.0\) was computed "
                                         r"under no_grad\(\), so it records no graph"):
        y.backward()
    assert x.grad == 0.0
    with no_grad(), autograd.enable_grad():
        z = x * 3.0
    z.backward()
    assert x.grad == 3.0
    Value(5.0).backward()  # a leaf of one's own is still fine: d v/d v = 1
    with no_grad():
        leaf = Value(1.0)
    leaf.backward()
    assert leaf.grad == 1.0


def test_a_no_grad_result_is_a_value_like_any_other():
    with no_grad():
        y = Value(2.0) * 3.0
    assert isinstance(y, Value) and repr(y) == "Value(data=6.0, grad=0.0)"
    w = Value(0.5, label="w")
    out = w * y  # a no_grad result used as a constant-like leaf in a new graph
    out.backward()
    assert w.grad == 6.0 and y.grad == 0.5


def test_gradcheck_says_it_takes_floats():
    with pytest.raises(TypeError, match=r"^gradcheck: inputs\[0\] is a Value .*; gradcheck takes "
                                        r"the input numbers as floats and makes the Values "
                                        r"itself \(pass 0\.3, i\.e\. its \.data\)"):
        gradcheck(lambda x: x * x, [Value(0.3)])
    assert gradcheck(lambda x: x * x, [0.3])


def test_relu_no_longer_hides_nan_from_training():
    import nn

    model = nn.MLP(2, [4, 1], seed=0)
    with no_grad():
        (score,) = model([math.nan, 1.0])
    assert math.isnan(score.data)  # the NaN reaches the output, as in PyTorch


def test_an_object_array_of_values_works_elementwise():
    v = Value(2.0, label="v")
    xs = np.array([Value(1.0), Value(3.0)], dtype=object)
    for result in (xs * v, v * xs, xs + 1.0, 1.0 - xs):
        assert isinstance(result, np.ndarray) and result.dtype == object
    assert [r.data for r in xs * v] == [2.0, 6.0] and [r.data for r in v - xs] == [1.0, -1.0]
    total = (xs * v).sum()
    total.backward()
    assert v.grad == 4.0 and [x.grad for x in xs] == [2.0, 2.0]
