"""The source posts' experiments with nn.matrix: post 004's moons, post 003's symmetric start,
post 000's network on scikit-learn's digits. Seeded, so every number here is the same each run.

Default run: seed 0 of post 004 for 45 epochs (passes 95% test accuracy at epoch 39), a few
seconds. Slow (CI): seeds 1-5 for 100 epochs each (the slowest passes 95% at epoch 71).
"""

from __future__ import annotations


import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the experiments' data come from scikit-learn")

from nn.examples import digits_matrix, moons_matrix  # noqa: E402
from nn.matrix import MatrixMLP  # noqa: E402

MOONS_EPOCHS = 45


@pytest.fixture(scope="module")
def moons() -> moons_matrix.Moons:
    return moons_matrix.load()


@pytest.fixture(scope="module")
def digits() -> digits_matrix.Digits:
    return digits_matrix.load()


def test_moons_data_are_the_posts(moons):
    assert moons.X_train.shape == (1400, 2) and moons.X_test.shape == (600, 2)
    assert set(np.unique(moons.y_train)) == {0, 1}
    np.testing.assert_array_equal(moons.Y_train.argmax(axis=1), moons.y_train)
    np.testing.assert_array_equal(moons.Y_train.sum(axis=1), 1.0)


def test_moons_seed_0_reaches_95_percent(moons):
    """Post 004: 2-25-50-25-2 sigmoid, lr 0.01, one update per sample, seed 0, 45 epochs."""
    net = moons_matrix.make_net(seed=0)
    assert net.sizes == [2, 25, 50, 25, 2] and set(net.activations) == {"sigmoid"}
    history = moons_matrix.train(net, moons, epochs=MOONS_EPOCHS)
    assert len(history.test_accuracy) == MOONS_EPOCHS
    assert history.test_accuracy[-1] >= 0.95, history.test_accuracy
    assert history.test_accuracy[0] < 0.9  # it did have to learn
    assert history.train_mse[-1] < 0.5 * history.train_mse[0]


def test_moons_is_deterministic(moons):
    runs = []
    for _ in range(2):
        net = moons_matrix.make_net(seed=3)
        history = moons_matrix.train(net, moons, epochs=2)
        runs.append((b"".join(p.tobytes() for p in net.parameters()), history.train_mse))
    assert runs[0] == runs[1]
    other = moons_matrix.make_net(seed=4)
    moons_matrix.train(other, moons, epochs=2)
    assert b"".join(p.tobytes() for p in other.parameters()) != runs[0][0]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_moons_other_seeds_reach_95_percent_in_100_epochs(moons, seed):
    history = moons_matrix.train(moons_matrix.make_net(seed=seed), moons, epochs=100)
    assert history.test_accuracy[-1] >= 0.95, (seed, history.test_accuracy[-10:])


def test_moons_symmetric_start_is_one_neuron_per_layer(moons):
    """Post 003's lesson on post 004's network: all weights equal, the 25, 50 and 25 hidden
    units stay identical, so the net draws what a 2-1-1-1-2 net draws."""
    sizes = [2, 25, 50, 25, 2]
    net = MatrixMLP.from_weights(
        [np.full((i, o), 0.1) for i, o in zip(sizes[:-1], sizes[1:])],
        [np.zeros(o) for o in sizes[1:]],
        "sigmoid",
    )
    moons_matrix.train(net, moons, epochs=2)
    for l in range(3):
        w_in, w_out = net.weights[l], net.weights[l + 1]
        assert np.abs(w_in - w_in[:, :1]).max() <= 1e-12 * np.abs(w_in).max()
        assert np.abs(w_out - w_out[:1]).max() <= 1e-12 * np.abs(w_out).max()
    one = MatrixMLP.from_weights(
        [net.weights[0][:, :1], net.weights[1][:1, :1] * 25, net.weights[2][:1, :1] * 50,
         net.weights[3][:1] * 25],
        [net.biases[0][:1], net.biases[1][:1], net.biases[2][:1], net.biases[3]],
        "sigmoid",
    )
    np.testing.assert_allclose(one(moons.X_test), net(moons.X_test), rtol=1e-12)


def test_digits_reaches_95_percent_in_20_epochs(digits):
    """Post 000's 30-unit sigmoid net on sklearn digits: 95% test accuracy within 20 epochs."""
    assert digits.X_train.shape == (1257, 64) and digits.X_test.shape == (540, 64)
    assert digits.X_train.min() >= 0.0 and digits.X_train.max() <= 1.0
    net = digits_matrix.make_net(seed=0)
    assert net.sizes == [64, 30, 10]
    history = digits_matrix.train(net, digits, epochs=20, seed=0)
    assert history.test_accuracy[-1] >= 0.95, history.test_accuracy
    assert history.train_accuracy[-1] >= history.test_accuracy[-1] - 0.02
    assert history.test_accuracy[0] < history.test_accuracy[-1]


def test_digits_is_deterministic_and_batch_size_matters(digits):
    def run(batch):
        net = digits_matrix.make_net(seed=1)
        h = digits_matrix.train(net, digits, epochs=2, batch=batch, seed=1)
        return net.weights[0].tobytes(), h.test_accuracy

    assert run(10) == run(10)
    assert run(10)[0] != run(20)[0]


def test_digits_the_posts_own_start_is_slow(digits):
    """Why the demo starts from Glorot's range: N(0, 1) with 64 inputs saturates the sigmoids."""
    posts = digits_matrix.train(digits_matrix.make_net(0, init="normal"), digits, epochs=5, lr=0.01)
    ours = digits_matrix.train(digits_matrix.make_net(0), digits, epochs=5)
    assert posts.test_accuracy[-1] < ours.test_accuracy[-1] - 0.2


def demo(name, argv):
    """`chainrule demo NAME ARGV...` (the flags are the command's, in chainrule.cli.demo)."""
    from chainrule.cli import main

    return main(["demo", name, *argv])


def test_moons_matrix_demo_prints_mse_and_accuracy(capsys):
    argv = ["--epochs", "2", "--every", "1", "--no-progress"]
    assert demo("moons-matrix", argv) == 0
    out = capsys.readouterr().out
    assert "2->25 sigmoid, 25->50 sigmoid, 50->25 sigmoid, 25->2 sigmoid" in out
    assert "epoch    1: train MSE" in out and "epoch    2: train MSE" in out
    assert "test accuracy" in out and out.strip().splitlines()[-1].startswith("final:")


def test_moons_matrix_demo_progress_bar_goes_to_stderr(capsys):
    pytest.importorskip("tqdm", reason="the progress bar is tqdm's")
    demo("moons-matrix", ["--epochs", "1"])
    captured = capsys.readouterr()
    assert "moons-matrix" in captured.err and "epoch    1: train MSE" in captured.out


def test_digits_matrix_demo_prints_both_accuracies(capsys):
    assert demo("digits-matrix", ["--epochs", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "64->30 sigmoid, 30->10 sigmoid" in out
    assert "epoch   2: train accuracy" in out and "test accuracy" in out


def test_demo_options_are_checked(capsys):
    # When parsed, before any work (tests/nn/test_cli_errors.py checks every flag).
    with pytest.raises(SystemExit) as info:
        demo("moons-matrix", ["--epochs", "0"])
    assert info.value.code == 2 and "--epochs must be an integer >= 1, got '0'" in (
        capsys.readouterr().err)
    with pytest.raises(SystemExit) as info:
        demo("digits-matrix", ["--batch-size", "0"])
    assert info.value.code == 2 and "--batch-size must be an integer >= 1" in (
        capsys.readouterr().err)


def test_chainrule_demo_command_runs_both():
    from chainrule import cli

    assert cli.main(["demo", "moons-matrix", "--epochs", "1", "--no-progress"]) == 0
    assert cli.main(["demo", "digits-matrix", "--epochs", "1", "--no-progress"]) == 0
