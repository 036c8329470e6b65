"""The facts of the worked example (docs/worked_example.md): the bare-Value demo and the CLI."""

from __future__ import annotations

import pytest

from chainrule import cli
from nn.examples import worked_example as wx

STEP1_GRADS = {
    "w35": 0.027674034938717867, "w45": 0.027001636991007414, "w13": 0.0009290711608096597,
    "w23": 0.002389040127796268, "w14": 0.002860075772445454, "w24": 0.007354480557716883,
}


def test_step_one_bit_for_bit():
    g = wx.forward(wx.START)
    assert g.yp.data == 0.6902834929076443
    assert g.error.data == 0.01810390383656677
    g.error.backward()
    assert {name: w.grad for name, w in g.weights.items()} == STEP1_GRADS


def test_the_w53_chain_bit_for_bit():
    g = wx.forward(wx.START)
    g.error.backward()
    de_dyp, dyp_dz5, dz5_dw35 = g.yp.grad, g.yp.data * (1 - g.yp.data), g.y3.data
    assert (de_dyp, dyp_dz5, dz5_dw35) == (
        0.19028349290764435, 0.21379219232686647, 0.6802671966986485)
    assert de_dyp * dyp_dz5 * dz5_dw35 == 0.027674034938717867 == g.weights["w35"].grad
    assert wx.START["w35"] - g.weights["w35"].grad == 0.27232596506128215


# (optimizer, order) -> (steps, step 2 yp, last yp, last E) from docs/worked_example.md
FACTS = {
    ("sgd", "document"): (111, 0.6820312027460466, 0.5004302844701667, 9.2572362633313e-08),
    ("rmsprop", "document"): (11, 0.6118790538896405, 0.5002367820786155, 2.803287637675012e-08),
    ("sgd", "autograd"): (111, 0.6820185832642942, 0.5004345049132229, 9.439725980743902e-08),
    ("rmsprop", "autograd"): (11, 0.6111142613827681, 0.5002791426668578, 3.896031423024269e-08),
}


@pytest.mark.parametrize("optimizer, order", sorted(FACTS))
def test_trajectories_and_stopping_steps(optimizer, order):
    n, yp2, yp_last, e_last = FACTS[optimizer, order]
    steps = wx.run(optimizer, order)
    assert len(steps) == n and steps[-1].step == n
    assert all(s.error >= wx.TOLERANCE for s in steps[:-1]) and steps[-1].error < wx.TOLERANCE
    if order == "document":  # the post's printed digits, exactly
        assert (steps[1].yp, steps[-1].yp, steps[-1].error) == (yp2, yp_last, e_last)
    else:  # true gradient descent: held to 1e-12
        assert steps[1].yp == pytest.approx(yp2, rel=1e-12, abs=0)
        assert steps[-1].yp == pytest.approx(yp_last, rel=1e-12, abs=0)
        assert steps[-1].error == pytest.approx(e_last, rel=1e-12, abs=0)


POST_SGD_LINES = """\
step = 1: yp = 0.6902834929076443, Error = 0.01810390383656677
step = 2: yp = 0.6820312027460466, Error = 0.016567679386586154
step = 3: yp = 0.6739592936119999, Error = 0.015130917916992996
step = 4: yp = 0.6660860653430867, Error = 0.013792290550574028"""
POST_SGD_LAST = """\
step = 110: yp = 0.500455314229855, Error = 1.036555239542297e-07
step = 111: yp = 0.5004302844701667, Error = 9.2572362633313e-08"""
POST_RMSPROP = """\
step = 1: yp = 0.6902834929076443, Error = 0.01810390383656677
step = 2: yp = 0.6118790538896405, Error = 0.006258461349620539
step = 3: yp = 0.5593494607066376, Error = 0.0017611792430843605
step = 4: yp = 0.5301730589054645, Error = 0.00045520674185631563
step = 5: yp = 0.5151484953395415, Error = 0.00011473845552605596
step = 6: yp = 0.5075810359788381, Error = 2.873605325621872e-05
step = 7: yp = 0.5037909668833773, Error = 7.185714955431785e-06
step = 8: yp = 0.5018953359787233, Error = 1.7961492361214424e-06
step = 9: yp = 0.5009475298860605, Error = 4.48906442488917e-07
step = 10: yp = 0.5004736747645289, Error = 1.1218389127573745e-07
step = 11: yp = 0.5002367820786155, Error = 2.803287637675012e-08"""


def test_the_cli_prints_the_posts_lines_in_document_order(capsys):
    assert cli.main(["worked-example", "--order", "document"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(POST_SGD_LINES + "\n")
    assert POST_SGD_LAST + "\n\n" in out
    assert "first at step 111, after 110 updates" in out
    assert cli.main(["worked-example", "--optimizer", "rmsprop", "--order", "document"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(POST_RMSPROP + "\n\n")
    assert "document order: the post's back() updates w35 and w45 first" in out


def test_the_cli_defaults_to_true_gradient_descent(capsys):
    assert cli.main(["worked-example"]) == 0
    out = capsys.readouterr().out
    assert "step = 2: yp = 0.6820185832642942," in out
    assert "sgd (autograd order): E < 1e-07 first at step 111" in out


def test_bad_choices_are_errors():
    with pytest.raises(ValueError, match="optimizer must be 'sgd' or 'rmsprop', got 'adam'"):
        wx.run("adam")
    with pytest.raises(ValueError, match="order must be 'autograd' or 'document', got 'x'"):
        wx.run("sgd", "x")
    with pytest.raises(SystemExit):
        cli.main(["worked-example", "--optimizer", "adam"])
