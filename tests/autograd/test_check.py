"""gradcheck: passes on correct gradients, and fails with a message that explains itself."""

from __future__ import annotations

import pytest

from autograd import GradcheckError, Value, gradcheck, numerical_grad


def test_gradcheck_passes_on_correct_gradients():
    assert gradcheck(lambda x, y: (x * y).tanh() + y.log() - x / y, [0.3, 0.7])
    assert gradcheck(lambda x: x.sigmoid() ** 3, 1.5)


def test_numerical_grad_is_a_central_difference():
    assert numerical_grad(lambda x: x * x, [3.0], 0, 1e-3) == pytest.approx(6.0, rel=1e-12)


def _wrong_at_the_kink(x: Value) -> Value:
    # relu's derivative at 0 is taken as 0 (PyTorch's choice); the central difference sees 1/2.
    return x.relu()


def test_gradcheck_failure_names_the_input_both_values_and_the_tolerance():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a * b + _wrong_at_the_kink(b), [2.0, 0.0], eps=1e-6)
    message = str(info.value)
    assert "input 1 (x1 = 0.0)" in message
    assert "backward() gives 2.0" in message
    assert "central differences (eps=1e-06) give 2.5" in message
    assert "atol + rtol*|numeric| = 1e-05 + 0.001*" in message


def test_gradcheck_can_return_false_instead():
    assert gradcheck(lambda x: x.relu(), [0.0], raise_exception=False) is False


def test_gradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="gradcheck: f must be callable, got int"):
        gradcheck(3, [1.0])
    with pytest.raises(TypeError, match=r"gradcheck: inputs\[0\]: needs a real number"):
        gradcheck(lambda x: x, ["1"])
    with pytest.raises(ValueError, match="gradcheck: need eps > 0"):
        gradcheck(lambda x: x, [1.0], eps=0.0)
    with pytest.raises(TypeError, match="gradcheck: f must return a Value, got float"):
        gradcheck(lambda x: 1.0, [1.0])
