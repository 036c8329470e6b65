"""nn.train: fit's loop, history, seeded minibatches, metrics, progress bar, NaN stop, errors."""

from __future__ import annotations

import math

import pytest

import autograd
import nn
from autograd import Value

X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.2], [0.2, 0.9], [0.9, 0.4]]
Y = [-1, -1, -1, 1, -1, 1, 1]


def setup(seed=3, lr=0.1):
    model = nn.MLP(2, [4, 1], seed=seed)
    return model, nn.SGD(model.parameters(), lr=lr)


def test_full_batch_fit_is_the_hand_written_loop():
    model, opt = setup()
    history = nn.fit(model, X, Y, loss=nn.hinge_loss, optimizer=opt, epochs=5, progress=False,
                     l2=1e-3)
    by_hand, opt2 = setup()
    losses = []
    for _ in range(5):
        preds = [by_hand(x) for x in X]
        penalty = autograd.sum([p * p for p in by_hand.parameters()])
        loss = nn.hinge_loss(preds, Y) + 1e-3 * penalty
        opt2.zero_grad()
        loss.backward()
        opt2.step()
        losses.append(loss.data)
    assert history.loss == losses == history.step_loss
    assert model.state_dict() == by_hand.state_dict()
    assert history.epochs == 5 and len(history.metrics["accuracy"]) == 5
    assert history.lr == [0.1] * 5
    assert history["loss"] is history.loss and history["accuracy"] is history.metrics["accuracy"]
    with pytest.raises(KeyError, match="no 'f1'"):
        history["f1"]


def test_minibatches_are_seeded_and_cover_every_sample():
    def run(seed):
        model, opt = setup()
        return nn.fit(model, X, Y, loss="hinge", optimizer=opt, epochs=3, batch_size=3,
                      seed=seed, progress=False), model

    (h1, m1), (h2, m2), (h3, _) = run(0), run(0), run(1)
    assert len(h1.step_loss) == 3 * 3  # batches of 3, 3 and 1
    assert h1.step_loss == h2.step_loss and m1.state_dict() == m2.state_dict()
    assert h1.step_loss != h3.step_loss
    # The epoch loss is the mean over samples of the per-step means, weighted by batch size.
    assert h1.loss[0] == pytest.approx((3 * h1.step_loss[0] + 3 * h1.step_loss[1]
                                        + h1.step_loss[2]) / 7, rel=1e-15)


def test_scheduler_is_stepped_per_epoch():
    model, opt = setup(lr=1.0)
    sched = nn.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    history = nn.fit(model, X, Y, loss="hinge", optimizer=opt, epochs=3, batch_size=4,
                     scheduler=sched, progress=False)
    assert history.lr == [1.0, 1.0 - 0.9 * 1 / 100, 1.0 - 0.9 * 2 / 100]


def test_callback_and_custom_metrics():
    seen = []
    model, opt = setup()
    history = nn.fit(model, X, Y, loss="hinge", optimizer=opt, epochs=2, progress=False,
                     metrics={"positives": lambda s, t: sum(r[0] > 0 for r in s) / len(s)},
                     callback=lambda epoch, h: seen.append((epoch, h.loss[-1])))
    assert seen == [(0, history.loss[0]), (1, history.loss[1])]
    assert list(history.metrics) == ["positives"]
    assert 0.0 <= history.metrics["positives"][0] <= 1.0


def test_training_learns_xor_with_cross_entropy_and_adam():
    xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    ys = [0, 1, 1, 0]
    model = nn.MLP(2, [8, 2], activation="tanh", init="xavier", seed=0)
    history = nn.fit(model, xs, ys, loss=nn.cross_entropy_loss,
                     optimizer=nn.Adam(model.parameters(), lr=0.05), epochs=150, progress=False)
    assert history.loss[-1] < 0.05 < history.loss[0]
    assert history.metrics["accuracy"][-1] == 1.0
    assert nn.accuracy(nn.predict(model, xs), ys) == 1.0


def test_accuracy():
    assert nn.accuracy([[0.5], [-0.2], [0.1]], [1, -1, -1]) == 2 / 3
    assert nn.accuracy([0.5, -0.2], [1, 0]) == 1.0  # 0/1 labels: 0 is negative
    assert nn.accuracy([[0.7], [0.4]], [1, 0], threshold=0.5) == 1.0
    assert nn.accuracy([[0.1, 0.9, 0.0], [2.0, 1.0, 3.0]], [1, 0]) == 0.5
    with pytest.raises(ValueError, match="accuracy: 2 predictions but 1 targets"):
        nn.accuracy([[0.1], [0.2]], [1])


def test_predict_records_no_graph():
    model, _ = setup()
    out = nn.predict(model, X[:2])
    assert out == [[model(x)[0].data] for x in X[:2]]
    assert all(isinstance(v, float) for row in out for v in row)


def test_numpy_inputs():
    np = pytest.importorskip("numpy")
    model, opt = setup()
    h1 = nn.fit(model, np.array(X), np.array(Y), loss="hinge", optimizer=opt, epochs=2,
                progress=False)
    model2, opt2 = setup()
    h2 = nn.fit(model2, X, Y, loss="hinge", optimizer=opt2, epochs=2, progress=False)
    assert h1.loss == h2.loss


def test_nan_loss_stops_with_epoch_and_step():
    model, opt = setup(lr=1e6)
    with pytest.raises(nn.NonFiniteLossError, match=r"fit: the loss is (nan|inf) at epoch \d+ "
                                                    r"of 50, step \d of 4") as info:
        nn.fit(model, X, [1e3 * y for y in Y], loss="mse", optimizer=opt, epochs=50,
               batch_size=2, progress=False)
    assert isinstance(info.value, FloatingPointError)
    assert info.value.epoch >= 1 and 1 <= info.value.step <= 4
    assert not math.isfinite(info.value.loss)


def test_nan_in_the_first_step_is_epoch_1_step_1():
    model, opt = setup()
    model.layers[1].neurons[0].b.data = math.inf
    with pytest.raises(nn.NonFiniteLossError, match="at epoch 1 of 3, step 1 of 1"):
        nn.fit(model, X, Y, loss="mse", optimizer=opt, epochs=3, progress=False)


def test_progress_bar_on_and_off(capsys):
    pytest.importorskip("tqdm", reason="tqdm (the progress bar) is not installed")
    model, opt = setup()
    nn.fit(model, X, Y, loss="hinge", optimizer=opt, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "3/3" in err and "loss=" in err
    nn.fit(model, X, Y, loss="hinge", optimizer=opt, epochs=3, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_bad_arguments():
    model, opt = setup()
    with pytest.raises(ValueError, match="fit: X has 7 rows but y has 6 targets"):
        nn.fit(model, X, Y[:6], loss="hinge", optimizer=opt, progress=False)
    with pytest.raises(ValueError, match="fit: unknown loss 'l1'"):
        nn.fit(model, X, Y, loss="l1", optimizer=opt, progress=False)
    with pytest.raises(TypeError, match="fit: optimizer must be an nn.optim Optimizer, got list"):
        nn.fit(model, X, Y, loss="hinge", optimizer=[], progress=False)
    with pytest.raises(TypeError, match="fit: model must be an nn.Module"):
        nn.fit(lambda x: x, X, Y, loss="hinge", optimizer=opt, progress=False)
    with pytest.raises(ValueError, match="fit: epochs must be an int >= 1, got 0"):
        nn.fit(model, X, Y, loss="hinge", optimizer=opt, epochs=0, progress=False)
    with pytest.raises(ValueError, match="fit: batch_size must be None .* got 0"):
        nn.fit(model, X, Y, loss="hinge", optimizer=opt, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="fit: l2 must be a number >= 0, got -1"):
        nn.fit(model, X, Y, loss="hinge", optimizer=opt, l2=-1, progress=False)
    with pytest.raises(ValueError, match="fit: unknown metric\\(s\\) 'f1'"):
        nn.fit(model, X, Y, loss="hinge", optimizer=opt, metrics=["f1"], progress=False)
    with pytest.raises(TypeError, match="fit: the loss function must return one Value"):
        nn.fit(model, X, Y, loss=lambda p, t: nn.hinge_loss(p, t, reduction="none"),
               optimizer=opt, progress=False)
    with pytest.raises(ValueError, match="fit: got no training data"):
        nn.fit(model, [], [], loss="hinge", optimizer=opt, progress=False)
    with pytest.raises(TypeError, match=r"fit: X\[0\] must be a row of numbers, got str"):
        nn.fit(model, ["ab"], [1], loss="hinge", optimizer=opt, progress=False)


def test_values_are_not_accepted_as_rows_by_mistake():
    model, opt = setup()
    with pytest.raises(TypeError, match=r"fit: X\[0\] must be a row of numbers, got Value"):
        nn.fit(model, [Value(1.0)], [1], loss="hinge", optimizer=opt, progress=False)


def test_an_optimizer_built_for_another_model_is_refused():
    # The notebook classic: the model cell is run again, the optimizer's cell is not.
    model, opt = setup()
    model = nn.MLP(2, [4, 1], seed=3)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"^fit: the optimizer updates none of this model's "
                                         r"parameters .*: SGD\(model.parameters\(\), \.\.\.\)$"):
        nn.fit(model, X, Y, "hinge", opt, epochs=2, progress=False)
    assert model.state_dict() == before
    # an optimizer over part of the model (the rest frozen) is fine, and trains that part only
    last = model.layers[-1].parameters()
    nn.fit(model, X, Y, "hinge", nn.SGD(last, lr=0.1), epochs=2, progress=False)
    after = model.state_dict()
    names = {name for name, p in model.named_parameters() if any(p is q for q in last)}
    assert all(after[k] == before[k] for k in before if k not in names)
    assert any(after[k] != before[k] for k in names)


def test_a_scheduler_built_for_another_optimizer_is_refused():
    model, old = setup()
    scheduler = nn.StepLR(old, step_size=1, gamma=0.5)
    opt = nn.SGD(model.parameters(), lr=0.1)  # the optimizer's cell run again, not the schedule's
    with pytest.raises(ValueError, match=r"^fit: the scheduler sets the lr of another optimizer "
                                         r".*: StepLR\(optimizer, \.\.\.\)$"):
        nn.fit(model, X, Y, "hinge", opt, epochs=2, scheduler=scheduler, progress=False)


def test_history_repr_is_short():
    model, opt = setup()
    assert repr(nn.History()) == "History(epochs=0, steps=0)"
    history = nn.fit(model, X, Y, "hinge", opt, epochs=300, batch_size=2, progress=False)
    text = repr(history)
    assert len(text) < 150, text
    assert text == (f"History(epochs=300, steps=1200, last: loss={history.loss[-1]:.6g}, "
                    f"accuracy={history['accuracy'][-1]:.6g}, lr=0.1)")
    assert str(history) == text
