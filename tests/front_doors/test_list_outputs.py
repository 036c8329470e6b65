"""nn's Layer and MLP return a list, even for one output: a list that meets arithmetic is an
error saying `(score,) = model(x)`, never a silent `[]` or a puzzle about 'int' and 'list'."""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np
import pytest

import nn
from autograd import Value
from nn.layers import Outputs

HINT = "(score,) = model(x)"


@pytest.fixture
def out() -> list[Value]:
    return nn.MLP(2, [4, 1], seed=0)([0.5, -1.0])


def test_the_output_is_still_a_list(out: list[Value]) -> None:
    assert isinstance(out, list) and type(out) is Outputs
    (score,) = out
    assert isinstance(score, Value)
    assert out == [score] and len(out) == 1 and out[0] is score
    assert out + [1] == [score, 1] and [1] + out == [1, score]  # list + list still concatenates
    assert isinstance(nn.Layer(2, 3, seed=0)([1.0, 2.0]), Outputs)


MISTAKES: list[tuple[str, Callable[[Any], Any]]] = [
    ("1 + -yi * scorei (micrograd's demo)", lambda o: (1 + -1 * o).relu()),
    ("np.int64(-1) * out", lambda o: np.int64(-1) * o),
    ("np.float64(2.0) * out", lambda o: np.float64(2.0) * o),
    ("np.int64(1) + out", lambda o: np.int64(1) + o),
    ("2 * out", lambda o: 2 * o),
    ("out * 2", lambda o: o * 2),
    ("1 + out", lambda o: 1 + o),
    ("out + 1", lambda o: o + 1),
    ("1.0 - out", lambda o: 1.0 - o),
    ("out / 2", lambda o: o / 2),
    ("out ** 2", lambda o: o ** 2),
    ("2 ** out", lambda o: 2 ** o),
    ("-out", operator.neg),
    ("abs(out)", abs),
    ("Value + out", lambda o: Value(1.0) + o),
    ("Value * out", lambda o: Value(1.0) * o),
    ("out > 0", lambda o: o > 0),
    ("float(out)", float),
]


@pytest.mark.parametrize("name, mistake", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_arithmetic_on_the_list_says_how_to_take_the_value_out(
    out: list[Value], name: str, mistake: Callable[[Any], Any]
) -> None:
    with pytest.raises(TypeError) as info:
        mistake(out)
    assert HINT in str(info.value)
    assert "list of 1 Value" in str(info.value)


def test_in_place_arithmetic_too(out: list[Value]) -> None:
    total = Value(0.0)
    with pytest.raises(TypeError, match=r"\(score,\) = model\(x\)"):
        total += out
    with pytest.raises(TypeError, match=r"\(score,\) = model\(x\)"):
        out += 1
    with pytest.raises(TypeError, match=r"\(score,\) = model\(x\)"):
        out *= 2
    out += [Value(1.0)]  # list += list still extends
    assert len(out) == 2


@pytest.mark.parametrize("name", ["data", "grad", "backward", "relu", "tanh", "exp"])
def test_value_attributes_on_the_list_say_how_to_take_the_value_out(
    out: list[Value], name: str
) -> None:
    with pytest.raises(AttributeError, match=r"\(score,\) = model\(x\)"):
        getattr(out, name)
    with pytest.raises(AttributeError, match="no attribute 'nonsense'$"):
        out.nonsense  # noqa: B018 - any other missing name is a plain AttributeError


def test_several_outputs_name_the_index_too() -> None:
    outs = nn.MLP(2, [3, 2], seed=0)([0.5, -1.0])
    with pytest.raises(TypeError, match=r"list of 2 Values.*model\(x\)\[j\]"):
        1 - outs


def test_a_list_sums_and_unpacks_as_before(out: list[Value]) -> None:
    (score,) = out
    assert sum(out).data == score.data
    assert nn.accuracy([out], [1]) in (0.0, 1.0)


def test_micrograds_nonlin_flag_is_refused_with_the_way_to_say_it() -> None:
    message = r'activation="linear" \(nonlin=False\).*chainrule\.micrograd'
    with pytest.raises(TypeError, match=message):
        nn.Neuron(2, nonlin=False)
    with pytest.raises(TypeError, match=r"Layer: nonlin= is micrograd's"):
        nn.Layer(2, 3, nonlin=True)
