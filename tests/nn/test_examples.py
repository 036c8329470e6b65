"""The examples through nn: the worked example (bit for bit with the bare-Value demo) and
micrograd's moons demo (100% training accuracy, deterministic, its CLI)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from nn.examples import worked_example, worked_nn


@pytest.mark.parametrize("optimizer,stop", [("sgd", 111), ("rmsprop", 11)])
def test_worked_example_through_nn_is_the_bare_value_run_bit_for_bit(optimizer, stop):
    ours = worked_nn.run(optimizer)
    bare = worked_example.run(optimizer, "autograd")
    assert len(ours) == len(bare) == stop
    assert [(s.step, s.yp, s.error) for s in ours] == [(s.step, s.yp, s.error) for s in bare]
    assert ours[-1].error < 1e-7 <= ours[-2].error


def test_worked_example_through_nn_meets_the_documented_numbers():
    sgd, rms = worked_nn.run("sgd"), worked_nn.run("rmsprop")
    assert sgd[0].yp == 0.6902834929076443 and sgd[0].error == 0.01810390383656677
    assert sgd[1].yp == 0.6820185832642942  # docs/worked_example.md, true gradient descent
    assert (sgd[-1].yp, sgd[-1].error) == (0.5004345049132229, 9.439725980743902e-08)
    assert rms[1].yp == 0.6111142613827681
    assert (rms[-1].yp, rms[-1].error) == (0.5002791426668578, 3.896031423024269e-08)


def test_worked_example_names_map_to_parameters():
    model = worked_nn.build()
    params = dict(model.named_parameters())
    assert {post: params[name].data for post, name in worked_nn.NAMES.items()} == \
        worked_example.START
    with pytest.raises(ValueError, match="optimizer must be 'sgd' or 'rmsprop', got 'adam'"):
        worked_nn.make_optimizer(model, "adam")


# --- micrograd's demo ------------------------------------------------------------------------

pytest.importorskip("sklearn", reason="scikit-learn (the moons data) is not installed")

from nn.examples import moons  # noqa: E402


def test_moons_data_are_micrograds():
    np = pytest.importorskip("numpy")
    from sklearn.datasets import make_moons

    X, y = moons.make_data()
    state = np.random.get_state()
    try:
        np.random.seed(1337)  # what micrograd's notebook does
        X_ref, y_ref = make_moons(n_samples=100, noise=0.1)
    finally:
        np.random.set_state(state)
    assert X == X_ref.tolist() and y == (y_ref * 2 - 1).tolist()
    assert sorted(set(y)) == [-1, 1]


def test_moons_demo_reaches_100_percent_in_100_steps():
    model, history = moons.train()
    assert history.epochs == 100
    assert history.metrics["accuracy"][-1] == 1.0
    assert history.loss[-1] < 0.05 < history.loss[0]
    assert history.lr[0] == 1.0 and history.lr[-1] == 1.0 - 0.9 * 99 / 100
    grid = moons.decision_grid(model)
    assert "#" in grid and "." in grid


def test_moons_demo_is_deterministic_bit_for_bit():
    model_a, a = moons.train(steps=12)
    model_b, b = moons.train(steps=12)
    assert a.step_loss == b.step_loss and a.metrics == b.metrics
    assert model_a.state_dict() == model_b.state_dict()
    _, c = moons.train(steps=12, seed=1)
    assert c.step_loss != a.step_loss


def test_moons_demo_is_the_same_in_another_process():
    """Another interpreter, another hash seed, other memory addresses: the same bits (floats
    compared through their exact repr)."""
    code = ("import json; from nn.examples import moons; m, h = moons.train(steps=6); "
            "print(json.dumps([h.step_loss, m.state_dict()]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    step_loss, state = json.loads(out)
    model, history = moons.train(steps=6)
    assert step_loss == history.step_loss and state == model.state_dict()


@pytest.mark.slow
def test_moons_full_demo_twice_bit_for_bit():
    model_a, a = moons.train()
    model_b, b = moons.train()
    assert a.step_loss == b.step_loss and a.metrics == b.metrics
    assert model_a.state_dict() == model_b.state_dict()


def test_moons_follows_micrograd_for_a_few_steps():
    """micrograd itself (from PyPI), the notebook's code: the same losses to rounding."""
    pytest.importorskip("micrograd", reason="micrograd (from PyPI) is not installed")
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    X, y = moons.make_data(n_samples=20)
    state = random.getstate()
    try:
        random.seed(1337)
        theirs = MMLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    losses = []
    for k in range(3):
        scores = [theirs([MValue(v) for v in row]) for row in X]
        data_loss = sum((1 + -yi * s).relu() for yi, s in zip(y, scores)) * (1.0 / len(scores))
        total = data_loss + 1e-4 * sum(p * p for p in theirs.parameters())
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses.append(total.data)
    _, history = moons.train(steps=3, n_samples=20)
    assert history.loss == pytest.approx(losses, rel=1e-12)


def test_moons_cli(capsys):
    from chainrule import cli

    assert cli.main(["demo", "moons", "--steps", "3", "--samples", "30", "--grid"]) == 0
    out = capsys.readouterr().out.splitlines()
    steps = [line for line in out if line.startswith("step ")]
    assert [line.split()[1] for line in steps] == ["0", "1", "2"]
    assert all("loss" in line and "accuracy" in line and line.endswith("%") for line in steps)
    assert out[-1].startswith("final: loss") and "(seed 1337)" in out[-1]
    assert any(set(line) <= {"#", "."} and line for line in out)
