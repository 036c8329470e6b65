"""fit(compile=True): the compiled, batched step against the eager fit."""

from __future__ import annotations

import math

import pytest

import nn
from nn import MLP, SGD, Adam, fit, hinge_loss, mse_loss

pytest.importorskip("sklearn", reason="scikit-learn (the moons data) is not installed")

from nn.examples import moons


def test_micrograd_demo_trains_the_same_compiled_bit_for_bit():
    eager_model, eager = moons.train(steps=4, n_samples=40)
    model, compiled = moons.train(steps=4, n_samples=40, compile=True)
    assert compiled.step_loss == eager.step_loss
    assert compiled.metrics == eager.metrics
    assert [p.data for p in model.parameters()] == [p.data for p in eager_model.parameters()]


def _regression(compile_: bool, activation: str = "tanh"):
    X = [[math.sin(i), math.cos(3 * i), 0.1 * i] for i in range(24)]
    y = [[math.sin(2 * i) * 0.5] for i in range(24)]
    model = MLP(3, [6, 1], seed=3, activation=activation)
    opt = Adam(model.parameters(), lr=0.01)
    history = fit(model, X, y, loss=mse_loss, optimizer=opt, epochs=3, batch_size=7, seed=5,
                  progress=False, metrics={}, l2=1e-3, compile=compile_)
    return model, history


def test_minibatches_with_tanh_and_mse_agree_to_1e_12():
    eager_model, eager = _regression(False)
    model, compiled = _regression(True)
    assert len(compiled.step_loss) == len(eager.step_loss) == 12
    for a, b in zip(compiled.step_loss, eager.step_loss):
        assert math.isclose(a, b, rel_tol=1e-12)
    for p, q in zip(model.parameters(), eager_model.parameters()):
        assert math.isclose(p.data, q.data, rel_tol=1e-12, abs_tol=1e-15)


def test_a_loss_that_is_not_a_mean_over_samples_is_refused():
    X, y = moons.make_data(20)
    model = MLP(2, [4, 1], seed=1)

    def summed(preds, targets):
        return hinge_loss(preds, targets, reduction="sum")

    with pytest.raises(ValueError, match=r"fit\(compile=True\): the compiled step differs from "
                                         r"the eager one .* must be a mean over samples"):
        fit(model, X, y, loss=summed, optimizer=SGD(model.parameters(), lr=0.1), epochs=1,
            progress=False, compile=True)


def test_the_moons_demo_cli_takes_compile(capsys):
    from chainrule.cli import main

    assert main(["demo", "moons", "--compile", "--steps", "2", "--samples", "30"]) == 0
    out = capsys.readouterr().out
    assert "step 1 loss" in out and "final: loss" in out


def test_nn_exports_nothing_new_and_fit_still_checks_its_arguments():
    assert not hasattr(nn, "CompiledStep")
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        fit(object(), [[1.0]], [1], loss="mse", optimizer=None, compile=True)  # type: ignore


def test_a_non_finite_loss_stops_the_compiled_training_naming_epoch_and_step():
    model = MLP(1, [1], seed=0, activation="linear")
    with pytest.raises(nn.NonFiniteLossError, match=r"loss is inf at epoch 1 of 2, step 1 of "
                                                    r"1") as caught:
        fit(model, [[1e200], [2e200]], [[0.0], [1.0]], loss=mse_loss,
            optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False, metrics={},
            compile=True)
    assert (caught.value.epoch, caught.value.step) == (1, 1)
