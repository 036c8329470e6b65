"""nn's answers to bad data and bad files: non-finite rows, the targets accuracy reads, the
numpy loops' non-finite guard, state files nested too deep, nn.save(model), atomic saves."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import nn
from nn import NonFiniteLossError
from nn.matrix import MatrixMLP

nan, inf = math.nan, math.inf


def model_and_optimizer():
    model = nn.MLP(2, [4, 1], seed=0)
    return model, nn.SGD(model.parameters(), lr=0.1)


@pytest.mark.parametrize("bad", [nan, inf, -inf])
def test_fit_refuses_a_non_finite_input_row_naming_it(bad):
    model, opt = model_and_optimizer()
    before = model.state_dict()
    X = [[0.5, 1.0], [0.1, 0.2], [1.0, bad]]
    with pytest.raises(ValueError, match=rf"^fit: input row 2 holds {bad!r} \(column 1\); every "
                                         r"input must be finite"):
        nn.fit(model, X, [1.0, -1.0, 1.0], "mse", opt, progress=False)
    assert model.state_dict() == before  # refused up front: nothing trained


def test_the_reported_row_no_longer_trains_silently():
    # [[nan, 1.0]] used to end with loss 1.0: the ReLU turned the NaN into 0.
    model, opt = model_and_optimizer()
    with pytest.raises(ValueError, match=r"input row 0 holds nan \(column 0\)"):
        nn.fit(model, [[nan, 1.0]], [1.0], "mse", opt, progress=False)
    # and even past fit's check (a hand-written loop), the NaN now reaches the loss
    (score,) = model([nan, 1.0])
    assert math.isnan(nn.mse_loss([score], [1.0]).data)


def test_fit_refuses_non_finite_targets_and_non_numbers():
    model, opt = model_and_optimizer()
    with pytest.raises(ValueError, match=r"^fit: target 1 holds inf; every target must be finite"):
        nn.fit(model, [[0.0, 1.0], [1.0, 0.0]], [[1.0], [inf]], "mse", opt, progress=False)
    with pytest.raises(TypeError, match=r"^fit: X\[0\]\[1\] must be a number, got str '1'"):
        nn.fit(model, [[0.0, "1"]], [1.0], "mse", opt, progress=False)


def test_accuracy_reads_one_element_targets():
    # A regression written y = [[1.0], ...] with the default metrics=("accuracy",)
    model, opt = model_and_optimizer()
    X = [[0.5, 1.0], [1.0, -1.0], [-0.5, 0.3]]
    history = nn.fit(model, X, [[1.0], [-1.0], [1.0]], "mse", opt, epochs=2, progress=False)
    assert len(history["accuracy"]) == 2
    assert nn.accuracy([[0.3], [-0.2]], [[1.0], [-1.0]]) == 1.0
    assert nn.accuracy([[0.3], [-0.2]], [[1.0], [1.0]]) == 0.5
    assert nn.accuracy([0.3, -0.2], [1, -1]) == 1.0


def test_accuracy_reads_class_indices_and_one_hot_rows():
    scores = [[0.1, 0.9, 0.0], [2.0, 1.0, 0.5]]
    assert nn.accuracy(scores, [1, 0]) == 1.0
    assert nn.accuracy(scores, [[0, 1, 0], [0, 0, 1]]) == 0.5
    assert nn.accuracy(scores, [[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]) == 1.0


def test_accuracy_says_what_it_needs():
    with pytest.raises(ValueError, match=r"^accuracy: sample 0 has one score but its target "
                                         r"\[1\.0, 0\.0\] has 2 numbers"):
        nn.accuracy([[0.5]], [[1.0, 0.0]])
    with pytest.raises(ValueError, match=r"^accuracy: sample 1 has 3 scores but its target is "
                                         r"\[1\.0, 0\.0\]; accuracy needs a class index \(0 to "
                                         r"2\) or a row of 3 numbers"):
        nn.accuracy([[0, 1, 0], [1, 0, 0]], [1, [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"accuracy: sample 0 has 2 scores but its target is 0.5"):
        nn.accuracy([[0.2, 0.8]], [0.5])
    with pytest.raises(TypeError, match=r"^accuracy: target 0 must be a number or a list of "
                                        r"numbers, got str 'a'"):
        nn.accuracy([[0.2]], ["a"])


# --- nn.matrix: the same kind of stop as fit's ----------------------------------------------


def test_train_step_stops_on_a_non_finite_loss_before_changing_weights():
    net = MatrixMLP([2, 3, 2], "sigmoid", init="xavier", seed=0)
    before = [w.copy() for w in net.parameters()]
    with pytest.raises(NonFiniteLossError, match=r"^train_step: the loss is nan \(input row 1 of "
                                                 r"the batch is \[nan, 0\.5\]\); the weights "
                                                 r"were not changed"):
        net.train_step([[0.1, 0.2], [nan, 0.5]], [[1, 0], [0, 1]], 0.1, "half_sse")
    assert all((w == b).all() for w, b in zip(net.parameters(), before))
    with pytest.raises(NonFiniteLossError, match=r"a target is not finite"):
        net.train_step([[0.1, 0.2]], [[inf, 0]], 0.1, "half_sse")
    assert net.train_step([[0.1, 0.2]], [[1, 0]], 0.1, "half_sse") > 0.0  # fine data: trains


def test_the_moons_matrix_loop_names_epoch_and_sample():
    from nn.examples import moons_matrix

    net = moons_matrix.make_net(0)
    X = np.array([[0.1, 0.2], [0.3, -0.1], [nan, 1.0], [0.0, 0.0]])
    Y = moons_matrix.one_hot(np.array([0, 1, 0, 1]), 2)
    moons_matrix.train_epoch(net, X[:2], Y[:2], epoch=1)
    with pytest.raises(NonFiniteLossError, match=r"^moons-matrix: the loss is nan at epoch 4, "
                                                 r"sample 2 \(input \[nan, 1\.0\]\); training "
                                                 r"stopped") as info:
        moons_matrix.train_epoch(net, X, Y, epoch=4)
    assert (info.value.epoch, info.value.step) == (4, 3)
    assert all(np.isfinite(w).all() for w in net.parameters())


def test_the_digits_matrix_loop_names_epoch_and_sample():
    from nn.examples import digits_matrix

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (20, 64))
    X[13, 5] = nan
    labels = np.arange(20) % 10
    Y = np.eye(10)[labels]
    data = digits_matrix.Digits(X, X, labels, labels, Y)
    net = digits_matrix.make_net(0)
    with pytest.raises(NonFiniteLossError, match=r"^digits-matrix: the loss is nan at epoch 2, "
                                                 r"step \d+ \(sample 13 of the training set\); "
                                                 r"training stopped") as info:
        digits_matrix.train_epoch(net, data, np.random.default_rng(1), batch=4, epoch=2)
    assert info.value.epoch == 2


# --- state files ----------------------------------------------------------------------------


def test_a_deeply_nested_state_file_is_the_usual_value_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ValueError, match=r"is not a chainrule state dict \(its JSON is nested "
                                         r"100000 levels deep; a state dict has 2\)"):
        nn.load(deep)
    objects = tmp_path / "objects.json"
    objects.write_text('{"a": ' * 50_000 + "1" + "}" * 50_000, encoding="utf-8")
    with pytest.raises(ValueError, match="nested 50000 levels deep"):
        nn.load(objects)
    # brackets inside strings are not nesting
    model = nn.MLP(2, [1], seed=0)
    path = tmp_path / "ok.json"
    nn.save(model.state_dict(), path, model="[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{{{")
    assert nn.load(path) == model.state_dict()


def test_a_file_that_is_not_text_is_a_value_error(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="is not a UTF-8 text file"):
        nn.load(path)


def test_saving_the_model_itself_says_what_to_pass(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"^save: got the model itself \(MLP\); pass its state "
                                        r"dict, nn\.save\(model\.state_dict\(\), path\), or call "
                                        r"model\.save\(path\)"):
        nn.save(model, tmp_path / "m.json")
    with pytest.raises(TypeError, match=r"^save: needs a state dict .* got list"):
        nn.save([1.0], tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_an_interrupted_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    model = nn.MLP(2, [3, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    good = path.read_bytes()

    real_fsync = os.fsync

    def disk_full(fd):  # the new file is written but cannot reach the disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    changed = nn.MLP(2, [3, 1], seed=1)
    with pytest.raises(OSError, match="No space left on device"):
        changed.save(path)
    assert path.read_bytes() == good  # the old file, whole
    assert os.listdir(tmp_path) == ["model.json"]  # and no temporary file left behind
    model.load(path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    changed.save(path)
    assert nn.load(path) == changed.state_dict()
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_saved_file_gets_the_usual_permissions(tmp_path):
    path = tmp_path / "model.json"
    nn.MLP(2, [1], seed=0).save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
