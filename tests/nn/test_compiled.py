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


# --- right or refused: a model or a loss that branches in Python ------------------------------

from autograd import Value, mean  # noqa: E402
from autograd.compile import TraceMismatchError  # noqa: E402


class Branchy(nn.Module):
    """w * x + b, doubled where x > 0: Python control flow on the input."""

    def __init__(self, by_data: bool = False) -> None:
        self.w, self.b = Value(0.3, label="w"), Value(-0.1, label="b")
        self.by_data = by_data

    def __call__(self, x):
        out = self.w * x[0] + self.b
        positive = x[0].data > 0 if self.by_data else x[0] > 0
        return [out * 2.0 if positive else out]


def _branchy_data():
    # The first rows (every row the first step's eager check sees) take the x <= 0 branch.
    X = [[-1.0 - 0.1 * i] for i in range(10)] + [[0.5 + 0.1 * i] for i in range(10)]
    y = [[0.5 * row[0]] for row in X]
    return X, y


def _fit_branchy(model, compile_, **kwargs):
    X, y = _branchy_data()
    return fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.05),
               epochs=2, progress=False, metrics={}, compile=compile_, **kwargs)


def test_a_model_that_branches_on_its_input_is_refused_naming_the_sample():
    eager = _fit_branchy(Branchy(), False)  # the eager fit follows each sample's branch
    assert len(eager.step_loss) == 2
    model = Branchy()
    with pytest.raises(TraceMismatchError, match=r"fit\(compile=True\): sample 10 takes another "
                                                 r"branch than the trace: the model compares "
                                                 r"x0 > 0.0, which is True for it \(0.5 > 0.0\) "
                                                 r"and was False when traced"):
        _fit_branchy(model, True)
    assert (model.w.data, model.b.data) == (0.3, -0.1)  # refused before any update


def test_minibatches_of_a_branching_model_are_refused_at_the_first_batch_that_mixes():
    with pytest.raises(TraceMismatchError, match="takes another branch than the trace"):
        _fit_branchy(Branchy(), True, batch_size=4, seed=1)


def test_a_model_that_reads_data_is_refused_before_training():
    model = Branchy(by_data=True)
    with pytest.raises(ValueError, match=r"fit\(compile=True\): the model takes a number out of "
                                         r"a Value \(.data of 'x0' \(Value\(data=-1.0\)\)\); the "
                                         r"compiled code would keep that number"):
        _fit_branchy(model, True)
    assert (model.w.data, model.b.data) == (0.3, -0.1)


class OnItsWeight(nn.Module):
    """A branch on a parameter: right when traced, wrong once training moves the weight."""

    def __init__(self) -> None:
        self.w = Value(0.2, label="w")

    def __call__(self, x):
        out = self.w * x[0]
        return [out if self.w > 0 else out * 3.0]


def test_a_branch_on_a_parameter_is_followed_until_training_crosses_it():
    X, y = [[1.0], [2.0], [1.5]], [[-1.0], [-2.0], [-1.5]]  # pulls w below 0

    def run(compile_):
        model = OnItsWeight()
        history = fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.05),
                      epochs=6, progress=False, metrics={}, compile=compile_)
        return model, history

    eager_model, eager = run(False)
    assert eager_model.w.data < 0
    with pytest.raises(TraceMismatchError, match=r"sample 0 takes another branch than the trace: "
                                                 r"the model compares w > 0.0, which is False"):
        run(True)


def test_a_loss_that_branches_on_the_prediction_is_checked_per_sample():
    def branchy_loss(preds, targets):
        terms = []
        for (p,), (t,) in zip(preds, targets):
            d = p - t
            terms.append(d * d if p > 0 else abs(d))
        return mean(terms)

    X = [[-1.0], [-2.0], [-0.5], [-1.5], [-3.0], [-2.5], [-1.2], [-0.7], [-0.9], [2.0]]
    y = [[0.0]] * len(X)
    model = MLP(1, [1], seed=0, activation="linear")
    signs = [model(row)[0].data > 0 for row in X]
    assert signs[:9] == [signs[0]] * 9 and signs[9] != signs[0]  # only the last sample differs
    with pytest.raises(TraceMismatchError, match=r"sample 9 takes another branch than the trace: "
                                                 r"the loss compares out0 > 0.0"):
        fit(model, X, y, loss=branchy_loss, optimizer=SGD(model.parameters(), lr=0.01),
            epochs=1, progress=False, metrics={}, compile=True)


def test_a_model_without_comparisons_checks_nothing_per_step():
    from nn.compiled import CompiledStep

    X, y = moons.make_data(10)
    model = MLP(2, [4, 1], seed=1)
    step = CompiledStep(model, [list(r) for r in X], list(y), hinge_loss, 0.0)
    assert step.branches.forward is None  # relu is a graph operation: no Python branch


class Shared(nn.Module):
    """(u - v) * (u + v) * c with u, v from the input: gradients summed into shared nodes."""

    def __init__(self) -> None:
        self.w, self.b = Value(0.4, label="w"), Value(-0.3, label="b")
        self.c = Value(0.7, label="c")

    def __call__(self, x):
        u = self.w * x[0]
        v = self.b + x[1]
        s = u.sigmoid() * u
        return [s + (u - v) * (u + v) * self.c]  # g_u = g_v = g_(u+v), then g_u += ...


def test_a_model_with_shared_subexpressions_trains_as_the_eager_fit():
    X = [[math.sin(i), math.cos(2 * i)] for i in range(12)]
    y = [[0.3 * math.sin(3 * i)] for i in range(12)]

    def run(compile_):
        model = Shared()
        history = fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.1),
                      epochs=3, batch_size=5, seed=2, progress=False, metrics={},
                      compile=compile_)
        return model, history

    (eager_model, eager), (model, compiled) = run(False), run(True)
    for a, b in zip(compiled.step_loss, eager.step_loss):
        assert math.isclose(a, b, rel_tol=1e-12)
    for p, q in zip(model.parameters(), eager_model.parameters()):
        assert math.isclose(p.data, q.data, rel_tol=1e-12)


class Detached(nn.Module):
    """A scale computed under no_grad: a constant of the trace, wrong for every other sample."""

    def __init__(self) -> None:
        self.w = Value(0.5, label="w")

    def __call__(self, x):
        from autograd import no_grad

        with no_grad():
            scale = x[0] * 2.0
        return [self.w * x[0] * scale]


def test_work_under_no_grad_in_the_model_is_refused_and_value_is_restored():
    X, y = _branchy_data()
    model = Detached()
    with pytest.raises(ValueError, match=r"the model takes a number out of a Value \(an "
                                         r"operation on 'x0' .* under no_grad\(\)\)"):
        fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.1),
            progress=False, metrics={}, compile=True)
    # The watch is off again: Value's own slot and comparisons, at full speed.
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"
    assert Value.__lt__.__module__ == "autograd.value"
