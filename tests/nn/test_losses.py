"""nn.losses: values against their formulas, reductions, stability, gradients, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value

PRED = [0.5, -1.25, 2.0]
TARGET = [1.0, -1.0, 0.0]


def values(xs):
    return [Value(x) for x in xs]


def test_mse_reductions():
    squares = [(p - t) ** 2 for p, t in zip(PRED, TARGET)]
    assert nn.mse_loss(values(PRED), TARGET).data == sum(squares) / 3
    assert nn.mse_loss(values(PRED), TARGET, reduction="sum").data == sum(squares)
    none = nn.mse_loss(values(PRED), TARGET, reduction="none")
    assert [v.data for v in none] == squares


def test_mse_reads_one_list_per_sample():
    preds = [[Value(p)] for p in PRED]  # what an MLP gives, one list per input
    assert nn.mse_loss(preds, TARGET).data == nn.mse_loss(values(PRED), TARGET).data
    assert nn.mse_loss(preds, [[t] for t in TARGET]).data == nn.mse_loss(preds, TARGET).data


def test_mse_target_may_be_a_value():
    t = Value(0.25)
    loss = nn.mse_loss([Value(1.0)], [t])
    loss.backward()
    assert t.grad == -2 * (1.0 - 0.25)


def test_half_sse_is_the_posts_error():
    p = Value(0.6902834929076443)
    e = nn.half_sse_loss([p], [0.5])
    assert e.data == 0.01810390383656677
    e.backward()
    assert p.grad == 0.6902834929076443 - 0.5  # dE/dyp = yp - ya
    assert nn.half_sse_loss(values(PRED), TARGET, reduction="mean").data == pytest.approx(
        0.5 * sum((p - t) ** 2 for p, t in zip(PRED, TARGET)) / 3, rel=1e-15)
    assert [v.data for v in nn.half_sse_loss(values(PRED), TARGET, reduction="none")] == [
        0.5 * (p - t) ** 2 for p, t in zip(PRED, TARGET)]


def test_hinge_is_micrograds():
    scores = [0.5, -0.3, 2.0, -4.0]
    y = [1, 1, -1, -1]
    expected = [max(0.0, 1 + -yi * s) for yi, s in zip(y, scores)]
    assert [v.data for v in nn.hinge_loss(values(scores), y, reduction="none")] == expected
    assert nn.hinge_loss(values(scores), y).data == sum(expected) / 4
    assert nn.hinge_loss(values(scores), y, margin=0.0, reduction="sum").data == 0.3 + 2.0


def test_hinge_needs_plus_minus_one():
    with pytest.raises(ValueError, match=r"hinge_loss: target\[1\] is 0.0; hinge targets must be "
                                         r"-1 or \+1 \(from 0/1 labels use y \* 2 - 1\)"):
        nn.hinge_loss(values([0.1, 0.2]), [1, 0])
    with pytest.raises(TypeError, match="hinge_loss: margin must be a real number"):
        nn.hinge_loss(values([0.1]), [1], margin="1")


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.7, 4.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_with_logits_formula(x, y):
    s = 1.0 / (1.0 + math.exp(-x))
    expected = -(y * math.log(s) + (1 - y) * math.log(1 - s))
    assert nn.bce_with_logits_loss([Value(x)], [y]).data == pytest.approx(expected, rel=1e-13)
    assert autograd.gradcheck(lambda v: nn.bce_with_logits_loss([v], [y]), [x])
    v = Value(x)
    nn.bce_with_logits_loss([v], [y]).backward()
    assert v.grad == pytest.approx(s - y, rel=1e-12, abs=1e-15)  # d/dx = sigmoid(x) - y


def test_bce_with_logits_is_stable_at_large_logits():
    with autograd.detect_anomaly():  # nothing overflows, no log(0)
        big = nn.bce_with_logits_loss(values([800.0, -800.0]), [0.0, 1.0], reduction="none")
        small = nn.bce_with_logits_loss(values([800.0, -800.0]), [1.0, 0.0], reduction="none")
    assert [v.data for v in big] == [800.0, 800.0]
    assert [v.data for v in small] == [0.0, 0.0]
    tiny = nn.bce_with_logits_loss([Value(40.0)], [1.0]).data
    assert tiny == pytest.approx(math.exp(-40.0), rel=1e-12)  # no cancellation to 0


def test_bce_pos_weight_scales_the_positive_term():
    x = Value(0.2)
    plain = nn.bce_with_logits_loss([x], [1.0]).data
    assert nn.bce_with_logits_loss([x], [1.0], pos_weight=3.0).data == pytest.approx(3 * plain)
    assert nn.bce_with_logits_loss([x], [0.0], pos_weight=3.0).data == nn.bce_with_logits_loss(
        [x], [0.0]).data


def test_bce_bad_targets():
    with pytest.raises(ValueError, match=r"bce_with_logits_loss: target\[0\] is 2.0; targets must "
                                         r"be probabilities in \[0, 1\]"):
        nn.bce_with_logits_loss(values([0.1]), [2])
    with pytest.raises(TypeError, match=r"target\[0\] must be a number, not a Value"):
        nn.bce_with_logits_loss(values([0.1]), [Value(1.0)])


def test_cross_entropy_values_and_gradient_is_softmax_minus_one_hot():
    logits = [[2.0, -1.0, 0.5], [0.0, 0.0, 3.0]]
    rows = [values(r) for r in logits]
    loss = nn.cross_entropy_loss(rows, [0, 1], reduction="sum")
    expected = 0.0
    for row, t in zip(logits, [0, 1]):
        expected += math.log(sum(math.exp(z) for z in row)) - row[t]
    assert loss.data == pytest.approx(expected, rel=1e-15)
    loss.backward()
    for row, t, vs in zip(logits, [0, 1], rows):
        total = sum(math.exp(z) for z in row)
        for k, v in enumerate(vs):
            assert v.grad == pytest.approx(math.exp(row[k]) / total - (k == t), abs=1e-15)


def test_cross_entropy_single_row_and_reductions():
    row = values([1.0, 2.0])
    single = nn.cross_entropy_loss(row, 1)
    assert single.data == pytest.approx(math.log(math.exp(1) + math.exp(2)) - 2.0, rel=1e-15)
    none = nn.cross_entropy_loss([row, row], [1, 0], reduction="none")
    assert len(none) == 2 and none[0].data == single.data
    mean = nn.cross_entropy_loss([row, row], [1, 0]).data
    assert mean == pytest.approx((none[0].data + none[1].data) / 2, rel=1e-15)


def test_cross_entropy_is_stable_at_large_logits():
    with autograd.detect_anomaly():
        loss = nn.cross_entropy_loss([values([1000.0, 0.0])], [1])
    assert loss.data == 1000.0


def test_cross_entropy_bad_input():
    with pytest.raises(ValueError, match=r"cross_entropy_loss: target\[0\] is 3, outside the 3 "
                                         r"classes 0..2"):
        nn.cross_entropy_loss([values([1.0, 2.0, 3.0])], [3])
    with pytest.raises(ValueError, match=r"logits\[1\] has 2 scores, expected 3"):
        nn.cross_entropy_loss([values([1.0, 2.0, 3.0]), values([1.0, 2.0])], [0, 0])
    with pytest.raises(TypeError, match=r"target\[0\] must be a class index \(an int\), got "
                                        r"float 0.5"):
        nn.cross_entropy_loss([values([1.0, 2.0])], [0.5])
    with pytest.raises(ValueError, match="logits has 1 rows but target has 2 class indices"):
        nn.cross_entropy_loss([values([1.0, 2.0])], [0, 1])


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.half_sse_loss, nn.hinge_loss,
                                  nn.bce_with_logits_loss])
def test_bad_reduction_and_lengths(loss):
    name = loss.__name__
    with pytest.raises(ValueError, match=f"{name}: reduction must be one of 'mean', 'sum', "
                                         f"'none', got 'avg'"):
        loss(values([0.5]), [1], reduction="avg")
    with pytest.raises(ValueError, match=f"{name}: pred has 2 values but target has 1"):
        loss(values([0.5, 0.2]), [1])
    with pytest.raises(ValueError, match=f"{name}: got no predictions"):
        loss([], [])
    with pytest.raises(TypeError, match=rf"{name}: pred\[1\] must be a Value, a number or a list "
                                        rf"of them, got str"):
        loss([Value(0.5), "x"], [1, 1])


@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6),
       st.lists(st.floats(-5, 5), min_size=6, max_size=6))
def test_mse_gradients_pass_gradcheck(preds, targets):
    targets = targets[:len(preds)]
    assert autograd.gradcheck(lambda *p: nn.mse_loss(list(p), targets), preds)
    assert autograd.gradcheck(lambda *p: nn.cross_entropy_loss(list(p), 0), preds)


# --- numpy's bools are taken where Python's are (issue 24, item 10) ---------------------------


@pytest.mark.parametrize("loss", ["mse_loss", "half_sse_loss", "hinge_loss",
                                  "bce_with_logits_loss"])
def test_a_numpy_bool_target_is_taken_as_pythons(loss):
    """On a7b7a6a np.True_ was refused ("got bool np.True_") where True was taken."""
    np = pytest.importorskip("numpy")
    fn = getattr(nn, loss)
    preds = [Value(0.3), Value(-1.2), Value(2.0)]
    second = loss == "hinge_loss"  # hinge takes +1 and -1, so True alone there
    python = fn(preds, [True, second, True])
    numpy_ = fn(preds, [np.True_, np.bool_(second), np.True_])
    assert numpy_.data == python.data
    one = fn([Value(0.3)], True).data
    assert fn([Value(0.3)], np.True_).data == one
    assert fn([Value(0.3)], np.array([True])).data == one
