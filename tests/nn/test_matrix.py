"""nn.matrix: BP1-BP4 in numpy give the scalar engine's gradients, to 1e-12.

The reference is built here from bare `autograd.Value`s (z = sum(w * x) + b, then the
activation), with the losses of `nn.losses`, so the two engines share no code but the
definitions. For networks whose hidden layers share one activation, `nn.MLP` (through
`to_mlp`) is a second reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn import losses as nn_losses
from nn.layers import MLP
from nn import matrix
from nn.matrix import (
    ACTIVATIONS, INITS, LOSSES, MatrixMLP, activation_derivative, loss_and_grad,
)

REL = 1e-12
# Where relative agreement cannot hold, an absolute floor per gradient entry (see `error_floor`):
# (1) sums whose terms cancel to nearly 0 can only agree to a few ulps of their TERMS, because
#     the two engines add in different orders;
# (2) both engines write sigma' from the output a (1 - a^2, a(1 - a)); numpy's tanh and exp may
#     differ from libm's in the last bit (a quarter of np.tanh's results do), which changes
#     sigma' by up to ~1e-15 in absolute terms: everything for a saturated unit (sigma' ~ 0).
FLOOR = 1e-13  # times the size of the terms: ~500 ulps of them
SLOPE_SLACK = 2e-15  # the absolute difference a last-bit change of a makes to sigma'(z)

NN_LOSS = {
    "mse": nn_losses.mse_loss,
    "half_sse": nn_losses.half_sse_loss,
    "bce_with_logits": nn_losses.bce_with_logits_loss,
    "hinge": nn_losses.hinge_loss,
    "cross_entropy": nn_losses.cross_entropy_loss,
}


# --- the scalar-engine reference -------------------------------------------------------------


def scalar_network(net: MatrixMLP) -> tuple[list[list[list[Value]]], list[list[Value] | None]]:
    """The same weights as Value leaves: W[l][k][j] (input k, output j), as the matrices."""
    W = [[[Value(float(x)) for x in row] for row in w] for w in net.weights]
    B = [None if b is None else [Value(float(x)) for x in b] for b in net.biases]
    return W, B


def scalar_forward(W, B, activations, x: list) -> list[Value]:
    a = [Value(float(v)) for v in x]
    for w, b, act in zip(W, B, activations):
        outs = []
        for j in range(len(w[0])):
            terms = [w[k][j] * a[k] for k in range(len(a))]
            if b is not None:
                terms.append(b[j])
            z = autograd.sum(terms)
            outs.append(z if act == "linear" else getattr(z, act)())
        a = outs
    return a


def scalar_loss(loss: str, outputs: list[list[Value]], Y: np.ndarray, reduction: str) -> Value:
    if loss == "cross_entropy":
        return NN_LOSS[loss](outputs, [int(t) for t in Y], reduction=reduction)
    return NN_LOSS[loss](outputs, Y.tolist(), reduction=reduction)


def scalar_grads(net: MatrixMLP, X, Y, loss, reduction):
    W, B = scalar_network(net)
    outputs = [scalar_forward(W, B, net.activations, x) for x in X.tolist()]
    value = scalar_loss(loss, outputs, Y, reduction)
    value.backward()
    gw = [np.array([[v.grad for v in row] for row in w]) for w in W]
    gb = [None if b is None else np.array([v.grad for v in b]) for b in B]
    return value.data, gw, gb


def assert_close(matrix: np.ndarray, scalar: np.ndarray, floor: np.ndarray, what: str) -> None:
    err = np.abs(matrix - scalar)
    bound = REL * np.abs(scalar) + floor
    bad = np.argwhere(err > bound)
    assert bad.size == 0, (
        f"{what}: {len(bad)} entries differ, first at {tuple(bad[0])}: matrix "
        f"{matrix[tuple(bad[0])]!r}, scalar {scalar[tuple(bad[0])]!r}, floor "
        f"{floor[tuple(bad[0])]!r}"
    )


def _term_sizes(net: MatrixMLP, X, Y, loss, reduction, slack: float) -> tuple[list, list]:
    """BP1-BP4 again with every factor replaced by a non-negative size: |dC/da|, |W|,
    |sigma'| + slack, and for a^l the size of the terms of z^l times sigma' (what a rounding
    of z^l can move a^l by) added to |a^l|."""
    acts = net.forward(X)
    _, grad_a = loss_and_grad(loss, acts[-1], np.asarray(Y), reduction)
    L = len(net.weights)
    sizes = [np.abs(acts[0])]
    slopes = []
    for l in range(L):
        z_terms = sizes[l] @ np.abs(net.weights[l])
        if net.biases[l] is not None:
            z_terms = z_terms + np.abs(net.biases[l])
        slope = activation_derivative(net.activations[l], acts[l + 1])
        slope = np.ones_like(z_terms) if slope is None else np.abs(slope)
        if net.activations[l] in ("sigmoid", "tanh"):
            slope = slope + slack
        slopes.append(slope)
        sizes.append(np.abs(acts[l + 1]) + slope * z_terms)
    gw, gb = [None] * L, [None] * L
    delta = np.abs(grad_a) * slopes[-1]
    for l in range(L - 1, -1, -1):
        gw[l] = sizes[l].T @ delta
        gb[l] = delta.sum(axis=0)
        if l:
            delta = (delta @ np.abs(net.weights[l]).T) * slopes[l - 1]
    return gw, gb


def error_floor(net: MatrixMLP, X, Y, loss, reduction) -> tuple[list, list]:
    """Per gradient entry: FLOOR times the size of its terms (1), plus how much the terms
    grow when every sigmoid/tanh slope may be off by SLOPE_SLACK (2)."""
    tw, tb = _term_sizes(net, X, Y, loss, reduction, 0.0)
    sw, sb = _term_sizes(net, X, Y, loss, reduction, SLOPE_SLACK)
    return ([FLOOR * t + (u - t) for t, u in zip(tw, sw)],
            [FLOOR * t + (u - t) for t, u in zip(tb, sb)])


def targets(loss: str, rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    if loss == "cross_entropy":
        return rng.integers(0, k, size=n)
    if loss == "hinge":
        return rng.choice([-1.0, 1.0], size=(n, k))
    if loss == "bce_with_logits":
        return rng.choice([0.0, 1.0, 0.25], size=(n, k))
    return rng.normal(size=(n, k))


@st.composite
def networks(draw):
    """A random network: 1-4 layers of widths 1-6, any activation per layer, with or without
    biases, any init, a seed; the data: a batch of 1-5 rows, a loss and a reduction."""
    depth = draw(st.integers(1, 4), label="layers")
    sizes = draw(st.lists(st.integers(1, 6), min_size=depth + 1, max_size=depth + 1), label="sizes")
    acts = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=depth, max_size=depth),
                label="activations")
    bias = draw(st.booleans(), label="bias")
    init = draw(st.sampled_from([i for i in INITS]), label="init")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    batch = draw(st.integers(1, 5), label="batch")
    loss = draw(st.sampled_from(LOSSES), label="loss")
    reduction = draw(st.sampled_from(["mean", "sum"]), label="reduction")
    net = MatrixMLP(sizes, acts, bias=bias, init=init, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    Y = targets(loss, rng, batch, sizes[-1])
    note(f"{net!r}, bias={bias}, init={init}, loss={loss}, reduction={reduction}")
    return net, X, Y, loss, reduction


@given(networks())
def test_every_gradient_equals_the_scalar_engines(case):
    net, X, Y, loss, reduction = case
    grads = net.backward(X, Y, loss, reduction)
    value, gw, gb = scalar_grads(net, X, Y, loss, reduction)
    assert math.isclose(grads.loss, value, rel_tol=REL, abs_tol=1e-300)
    fw, fb = error_floor(net, X, Y, loss, reduction)
    for l in range(len(gw)):
        assert grads.weights[l].shape == net.weights[l].shape
        assert_close(grads.weights[l], gw[l], fw[l], f"dC/dW[{l}]")
        if gb[l] is None:
            assert grads.biases[l] is None
        else:
            assert grads.biases[l].shape == net.biases[l].shape
            assert_close(grads.biases[l], gb[l], fb[l], f"dC/db[{l}]")
    event("every entry within 1e-12 relative" if all(
        np.all(np.abs(a - b) <= REL * np.abs(b)) for a, b in zip(grads.weights, gw)
    ) else "some entry needed the floor")


@given(networks())
def test_gradients_equal_nn_mlp_through_to_mlp(case):
    """Second reference: nn.MLP itself, for the networks it can hold (one hidden activation)."""
    net, X, Y, loss, reduction = case
    if len(set(net.activations[:-1])) > 1:
        with pytest.raises(ValueError, match="one hidden activation"):
            net.to_mlp()
        return
    if any(b is None for b in net.biases) and not all(b is None for b in net.biases):
        return  # cannot happen from the strategy (bias is all or nothing)
    mlp = net.to_mlp()
    outputs = [mlp(x) for x in X.tolist()]
    value = scalar_loss(loss, outputs, Y, reduction)
    value.backward()
    grads = net.backward(X, Y, loss, reduction)
    assert math.isclose(grads.loss, value.data, rel_tol=REL, abs_tol=1e-300)
    fw, fb = error_floor(net, X, Y, loss, reduction)
    for l, layer in enumerate(mlp.layers):
        gw = np.array([[v.grad for v in n.w] for n in layer.neurons]).T  # out x in -> in x out
        assert_close(grads.weights[l], gw, fw[l], f"dC/dW[{l}] vs nn.MLP")
        if grads.biases[l] is not None:
            gb = np.array([n.b.grad for n in layer.neurons])
            assert_close(grads.biases[l], gb, fb[l], f"dC/db[{l}] vs nn.MLP")


def test_worked_example_gradients():
    """The 2-2-1 worked example (docs/worked_example.md): its six step-1 gradients, as matrices."""
    # nn.MLP rows (out x in): hidden [[w13, w23], [w14, w24]], output [[w35, w45]].
    mlp = MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
                           activation="sigmoid", output_activation="sigmoid")
    net = MatrixMLP.from_mlp(mlp)
    assert net.biases == [None, None]
    np.testing.assert_array_equal(net.weights[0], [[0.1, 0.4], [0.8, 0.6]])  # (in, out)
    grads = net.backward([[0.35, 0.9]], [[0.5]], "half_sse", "sum")
    assert math.isclose(net([[0.35, 0.9]])[0, 0], 0.6902834929076443, rel_tol=1e-15)
    assert math.isclose(grads.loss, 0.01810390383656677, rel_tol=1e-13)
    expected_hidden = [[0.0009290711608096597, 0.002860075772445454],   # dE/dw13, dE/dw14
                       [0.002389040127796268, 0.007354480557716883]]    # dE/dw23, dE/dw24
    np.testing.assert_allclose(grads.weights[0], expected_hidden, rtol=1e-12)
    np.testing.assert_allclose(grads.weights[1], [[0.027674034938717867], [0.027001636991007414]],
                               rtol=1e-12)
    net.sgd_step(1.0)
    assert math.isclose(net.weights[1][0, 0], 0.27232596506128215, rel_tol=1e-14)


# --- losses ----------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", None])
def test_losses_match_torch(loss, reduction):
    torch = pytest.importorskip("torch", reason="torch cross-checks the loss definitions")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    out = rng.normal(size=(4, 3)) * 3
    Y = targets(loss, rng, 4, 3)
    value, grad = loss_and_grad(loss, out, Y, reduction)
    red = reduction or ("sum" if loss == "half_sse" else "mean")
    t_out = torch.tensor(out, requires_grad=True)
    t_y = torch.tensor(Y)
    if loss == "mse":
        t = F.mse_loss(t_out, t_y, reduction=red)
    elif loss == "half_sse":
        t = 0.5 * F.mse_loss(t_out, t_y, reduction=red)
    elif loss == "bce_with_logits":
        t = F.binary_cross_entropy_with_logits(t_out, t_y, reduction=red)
    elif loss == "cross_entropy":
        t = F.cross_entropy(t_out, t_y, reduction=red)
    else:
        t = torch.clamp(1 - t_y * t_out, min=0)
        t = t.mean() if red == "mean" else t.sum()
    t.backward()
    assert math.isclose(value, t.item(), rel_tol=1e-13)
    np.testing.assert_allclose(grad, t_out.grad.numpy(), rtol=1e-13, atol=1e-16)


def test_cross_entropy_probability_targets_equal_one_hot_indices():
    out = np.random.default_rng(3).normal(size=(5, 4))
    idx = np.array([0, 3, 1, 1, 2])
    onehot = np.eye(4)[idx]
    v1, g1 = loss_and_grad("cross_entropy", out, idx)
    v2, g2 = loss_and_grad("cross_entropy", out, onehot)
    assert math.isclose(v1, v2, rel_tol=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-14, atol=1e-17)


def test_bad_targets_are_clear_errors():
    out = np.zeros((2, 2))
    with pytest.raises(ValueError, match="-1 or \\+1"):
        loss_and_grad("hinge", out, np.array([[1.0, 0.0], [1.0, -1.0]]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        loss_and_grad("bce_with_logits", out, np.array([[1.0, 2.0], [0.0, 0.5]]))
    # lists are accepted where arrays are expected
    value, grad = loss_and_grad("mse", [[1.0, 2.0]], [[1.0, 0.0]])
    assert value == 2.0
    np.testing.assert_array_equal(grad, [[0.0, 2.0]])


def test_half_sse_default_is_sum_others_mean():
    out = np.array([[1.0, 2.0], [0.0, -1.0]])
    y = np.zeros((2, 2))
    assert loss_and_grad("half_sse", out, y)[0] == 0.5 * 6.0
    assert loss_and_grad("mse", out, y)[0] == 6.0 / 4
    assert loss_and_grad("half_sse", out, y, "mean")[0] == 0.5 * 6.0 / 4


# --- the symmetric start (post 003) ------------------------------------------------------------


def constant_net(sizes, activation="sigmoid", w=0.5, b=0.1) -> MatrixMLP:
    return MatrixMLP.from_weights(
        [np.full((i, o), w) for i, o in zip(sizes[:-1], sizes[1:])],
        [np.full(o, b) for o in sizes[1:]],
        activation,
    )


def hidden_units_identical(net: MatrixMLP, tol: float = 0.0) -> bool:
    """Every hidden layer's units have the same incoming weights, bias and outgoing weights,
    to `tol` times the largest weight of the layer (0: bit for bit)."""
    for l in range(len(net.weights) - 1):
        w_in, b, w_out = net.weights[l], net.biases[l], net.weights[l + 1]
        checks = [(w_in, w_in[:, :1]), (b, b[:1]), (w_out, w_out[:1])]
        for x, first in checks:
            if np.abs(x - first).max() > tol * max(np.abs(x).max(), 1.0):
                return False
    return True


# numpy's matmul may add the columns of one product in different orders (SIMD blocks), so
# identical units can differ in their last bits; the scalar engine keeps them bit for bit.
MATRIX_TOL = 1e-12


def collapse(net: MatrixMLP) -> MatrixMLP:
    """The same function with ONE unit per hidden layer: the outgoing weight of the kept unit
    is multiplied by the width it stands for."""
    weights, biases = [], []
    L = len(net.weights)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        rows = w if l == 0 else w[:1] * w.shape[0]
        cols = rows if l == L - 1 else rows[:, :1]
        weights.append(cols)
        biases.append(b if l == L - 1 else b[:1])
    return MatrixMLP.from_weights(weights, biases, net.activations)


def sgd_per_sample(net: MatrixMLP, X, Y, lr: float, epochs: int) -> None:
    for _ in range(epochs):
        for i in range(len(X)):
            net.train_step(X[i : i + 1], Y[i : i + 1], lr, "half_sse", "sum")


@given(
    sizes=st.lists(st.integers(2, 5), min_size=3, max_size=5, unique=False).map(
        lambda s: [s[0]] + s[1:-1] + [s[-1]]
    ),
    activation=st.sampled_from(["sigmoid", "tanh"]),
    w=st.floats(-1.0, 1.0).filter(lambda v: abs(v) > 0.05),
    seed=st.integers(0, 1000),
)
def test_symmetric_start_stays_symmetric_matrix(sizes, activation, w, seed):
    """Post 003: every weight equal -> the hidden units stay identical through training, and
    the network is one neuron per hidden layer."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(20, sizes[0]))
    Y = rng.uniform(size=(20, sizes[-1]))
    net = constant_net(sizes, activation, w=w)
    start = [x.copy() for x in net.weights]
    sgd_per_sample(net, X, Y, lr=0.5, epochs=3)
    assert any(not np.array_equal(a, b) for a, b in zip(start, net.weights)), "nothing trained"
    assert hidden_units_identical(net, MATRIX_TOL)
    np.testing.assert_allclose(collapse(net)(X), net(X), rtol=1e-12, atol=1e-15)


def test_random_start_breaks_the_symmetry():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 3)), rng.uniform(size=(20, 2))
    net = MatrixMLP([3, 4, 4, 2], "sigmoid", init="torch", seed=0)
    sgd_per_sample(net, X, Y, lr=0.5, epochs=3)
    assert not hidden_units_identical(net, 1e-3)
    assert np.abs(collapse(net)(X) - net(X)).max() > 1e-3


def test_symmetric_start_stays_symmetric_scalar_engine():
    """The same lesson in the scalar engine, step for step equal to the matrices'."""
    sizes = [3, 4, 3, 2]
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(10, 3)), rng.uniform(size=(10, 2))
    net = constant_net(sizes, "sigmoid", w=0.3, b=-0.2)
    W, B = scalar_network(net)
    params = [v for w in W for row in w for v in row] + [v for b in B for v in b]
    for _ in range(2):
        for x, y in zip(X.tolist(), Y.tolist()):
            loss = nn_losses.half_sse_loss(scalar_forward(W, B, net.activations, x), y)
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.data -= 0.5 * p.grad
    sgd_per_sample(net, X, Y, lr=0.5, epochs=2)
    scalar = MatrixMLP.from_weights(
        [[[v.data for v in row] for row in w] for w in W],
        [[v.data for v in b] for b in B], net.activations)
    assert hidden_units_identical(scalar)  # exactly: every unit computed the same way
    for a, b in zip(scalar.weights + scalar.biases, net.weights + net.biases):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# --- conversions -------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_from_mlp_to_mlp_round_trip(bias):
    mlp = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", bias=bias, init="torch",
              seed=11)
    net = MatrixMLP.from_mlp(mlp)
    assert net.sizes == [3, 4, 2] and net.activations == ["tanh", "sigmoid"]
    for l, layer in enumerate(mlp.layers):
        rows = [[v.data for v in n.w] for n in layer.neurons]
        np.testing.assert_array_equal(net.weights[l], np.array(rows).T)
        if bias:
            np.testing.assert_array_equal(net.biases[l], [n.b.data for n in layer.neurons])
        else:
            assert net.biases[l] is None
    x = [0.3, -1.2, 2.0]
    np.testing.assert_allclose(net([x])[0], [v.data for v in mlp(x)], rtol=1e-14)
    back = net.to_mlp()
    for la, lb in zip(mlp.layers, back.layers):
        assert la.activation == lb.activation
        for na, nb in zip(la.neurons, lb.neurons):
            assert [v.data for v in na.w] == [v.data for v in nb.w]
            assert (na.b is None) == (nb.b is None)
            if na.b is not None:
                assert na.b.data == nb.b.data


def test_to_mlp_refuses_what_nn_mlp_cannot_hold():
    with pytest.raises(ValueError, match="one hidden activation"):
        MatrixMLP([2, 3, 3, 1], ["relu", "tanh", "linear"]).to_mlp()
    net = MatrixMLP.from_weights([np.ones((2, 2)), np.ones((2, 1))], [np.zeros(2), None])
    with pytest.raises(ValueError, match="every layer or in none"):
        net.to_mlp()


# --- construction, determinism, errors --------------------------------------------------------


@pytest.mark.parametrize("init", INITS)
def test_same_seed_same_bits_other_seed_other_weights(init):
    a = MatrixMLP([3, 5, 2], "tanh", init=init, seed=4)
    b = MatrixMLP([3, 5, 2], "tanh", init=init, seed=4)
    c = MatrixMLP([3, 5, 2], "tanh", init=init, seed=5)
    for x, y, z in zip(a.weights, b.weights, c.weights):
        assert x.tobytes() == y.tobytes()
        assert not np.array_equal(x, z)
        assert x.dtype == np.float64


def test_inits_draw_from_their_ranges():
    big = MatrixMLP([400, 300], "linear", init="torch", seed=0)
    r = 1 / math.sqrt(400)
    assert np.abs(big.weights[0]).max() <= r and np.abs(big.weights[0]).max() > 0.99 * r
    assert np.abs(big.biases[0]).max() <= r and np.abs(big.biases[0]).max() > 0.99 * r
    x = MatrixMLP([400, 300], "linear", init="xavier", seed=0)
    r = math.sqrt(6 / 700)
    assert np.abs(x.weights[0]).max() <= r and np.abs(x.weights[0]).max() > 0.99 * r
    assert not x.biases[0].any()
    u = MatrixMLP([400, 300], "linear", init="uniform", seed=0)
    assert 0.99 < np.abs(u.weights[0]).max() <= 1.0
    p = MatrixMLP([400, 300], "linear", init="post004", seed=0)
    assert math.isclose(p.weights[0].std(), math.sqrt(1 / 300), rel_tol=0.02)
    assert 0 <= p.biases[0].min() and p.biases[0].max() <= 0.1
    n = MatrixMLP([400, 300], "linear", init="normal", seed=0)
    assert math.isclose(n.weights[0].std(), 1.0, rel_tol=0.02)


def test_gain_scales_the_weights_not_the_biases():
    a = MatrixMLP([3, 4, 2], init="torch", seed=1)
    b = MatrixMLP([3, 4, 2], init="torch", seed=1, gain=4.0)
    for wa, wb, ba, bb in zip(a.weights, b.weights, a.biases, b.biases):
        np.testing.assert_array_equal(wa * 4.0, wb)
        np.testing.assert_array_equal(ba, bb)


def test_bias_false_has_no_biases_and_no_bias_gradients():
    net = MatrixMLP([2, 3, 1], bias=False, seed=0)
    assert net.biases == [None, None]
    g = net.backward([[1.0, 2.0]], [[0.0]])
    assert g.biases == [None, None]
    assert len(net.parameters()) == 2


def test_backward_replaces_gradients_and_sgd_step_uses_them():
    net = MatrixMLP([2, 3, 1], "tanh", seed=0)
    X, Y = np.array([[1.0, -1.0]]), np.array([[0.5]])
    g1 = net.backward(X, Y)
    g2 = net.backward(X, Y)
    np.testing.assert_array_equal(g1.weights[0], g2.weights[0])  # not accumulated
    before = net.weights[0].copy()
    net.sgd_step(0.1)
    np.testing.assert_array_equal(net.weights[0], before - 0.1 * g2.weights[0])
    # the loss goes down after a small step
    assert net.loss(X, Y) < g2.loss


@given(networks())
def test_scipy_and_numpy_sigmoids_agree(case):
    pytest.importorskip("scipy.special", reason="compares scipy's expit with the numpy path")
    net, X, Y, loss, reduction = case
    saved = matrix._EXPIT
    try:
        matrix._EXPIT = None
        fast = net.backward(X, Y, loss, reduction)
        matrix._EXPIT = False
        slow = net.backward(X, Y, loss, reduction)
    finally:
        matrix._EXPIT = saved
    floor_w, floor_b = error_floor(net, X, Y, loss, reduction)
    for l in range(len(net.weights)):
        assert_close(fast.weights[l], slow.weights[l], floor_w[l], f"dC/dW[{l}] scipy vs numpy")
        if fast.biases[l] is not None:
            assert_close(fast.biases[l], slow.biases[l], floor_b[l], f"dC/db[{l}] scipy vs numpy")


def test_train_step_is_backward_then_sgd_step():
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 2))
    a = MatrixMLP([3, 5, 4, 2], ["tanh", "relu", "sigmoid"], seed=3)
    b = a.copy()
    for i in range(7):
        for rows in (slice(i, i + 1), slice(0, 7)):  # one sample, then the whole batch
            value = a.train_step(X[rows], Y[rows], 0.3, "half_sse")
            assert a.grads is None
            grads = b.backward(X[rows], Y[rows], "half_sse")
            b.sgd_step(0.3)
            assert value == grads.loss
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p, q, rtol=1e-14, atol=1e-16)
    with pytest.raises(TypeError, match="train_step: lr"):
        a.train_step(X, Y, None)
    with pytest.raises(ValueError, match="train_step: lr must be finite"):
        a.train_step(X, Y, float("nan"))


def test_relu_gradient_is_zero_at_the_kink():
    net = MatrixMLP.from_weights([[[1.0]], [[2.0]]], [[0.0], [0.0]], ["relu", "linear"])
    g = net.backward([[0.0]], [[1.0]], "mse")
    assert g.weights[0][0, 0] == 0.0 and g.biases[0][0] == 0.0


@pytest.fixture(params=["scipy", "numpy"])
def sigmoid_path(request, monkeypatch):
    """Run a test with scipy's expit (when installed) and with the numpy fallback."""
    if request.param == "scipy":
        pytest.importorskip("scipy.special", reason="the fast sigmoid path is scipy's expit")
        monkeypatch.setattr(matrix, "_EXPIT", None)
    else:
        monkeypatch.setattr(matrix, "_EXPIT", False)
    return request.param


def test_sigmoid_does_not_warn_or_fail_far_out(sigmoid_path):
    net = MatrixMLP.from_weights([[[1.0]]], [[0.0]], "sigmoid")
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # a user's strict setting
        out = net([[-800.0], [800.0], [-30.0]])
    assert out[0, 0] == 0.0 and out[1, 0] == 1.0
    assert math.isclose(out[2, 0], 1 / (1 + math.exp(30.0)), rel_tol=1e-15)


def test_forward_returns_every_activation():
    net = MatrixMLP([2, 3, 4, 1], ["relu", "tanh", "linear"], seed=2)
    acts = net.forward(np.ones((5, 2)))
    assert [a.shape for a in acts] == [(5, 2), (5, 3), (5, 4), (5, 1)]
    assert (acts[1] >= 0).all() and (np.abs(acts[2]) <= 1).all()
    assert net.predict(np.ones((5, 2))).shape == (5,)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(sizes=[2]), ValueError, "at least one layer"),
        (dict(sizes=[2, 0]), ValueError, ">= 1"),
        (dict(sizes=[2, 1.5]), TypeError, "integers"),
        (dict(sizes=[2, 1], activations="softmax"), ValueError, "unknown activation"),
        (dict(sizes=[2, 1, 1], activations=["relu"]), ValueError, "1 activations for 2 layers"),
        (dict(sizes=[2, 1], init="he"), ValueError, "init must be one of"),
        (dict(sizes=[2, 1], seed=1.5), TypeError, "seed"),
        (dict(sizes=[2, 1], gain="4"), TypeError, "gain"),
        (dict(sizes=[2, 1], gain=0.0), ValueError, "gain"),
    ],
)
def test_bad_construction_is_a_clear_error(kwargs, error, match):
    sizes = kwargs.pop("sizes")
    with pytest.raises(error, match=match):
        MatrixMLP(sizes, **kwargs)


def test_bad_inputs_are_clear_errors():
    net = MatrixMLP([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="2-d array with one row per sample"):
        net.forward([1.0, 2.0])
    with pytest.raises(ValueError, match="2 columns"):
        net.forward([[1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="real numbers"):
        net.forward([["a", "b"]])
    with pytest.raises(ValueError, match="unknown loss"):
        net.backward([[1.0, 2.0]], [[0.0, 1.0]], "l1")
    with pytest.raises(ValueError, match="reduction must be"):
        net.backward([[1.0, 2.0]], [[0.0, 1.0]], "mse", "none")
    with pytest.raises(ValueError, match="targets of shape"):
        net.backward([[1.0, 2.0]], [[0.0, 1.0, 2.0]], "mse")
    with pytest.raises(ValueError, match="class indices must be in"):
        net.backward([[1.0, 2.0]], [2], "cross_entropy")
    with pytest.raises(TypeError, match="integer class indices"):
        net.backward([[1.0, 2.0]], [0.5], "cross_entropy")
    with pytest.raises(RuntimeError, match="call backward"):
        net.sgd_step(0.1)
    net.backward([[1.0, 2.0]], [[0.0, 1.0]])
    with pytest.raises(TypeError, match="lr"):
        net.sgd_step("0.1")
    with pytest.raises(ValueError, match="has 3 inputs but layer 0 has 2 outputs"):
        MatrixMLP.from_weights([np.ones((2, 2)), np.ones((3, 1))])
    with pytest.raises(ValueError, match=r"biases\[0\] must have shape \(2,\)"):
        MatrixMLP.from_weights([np.ones((2, 2))], [np.ones(3)])


def test_repr_shows_the_architecture():
    assert repr(MatrixMLP([2, 25, 50, 25, 2], "sigmoid")) == (
        "MatrixMLP(2->25 sigmoid, 25->50 sigmoid, 50->25 sigmoid, 25->2 sigmoid)"
    )


def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, nn.matrix; heavy = {'torch', 'sklearn', 'matplotlib', 'tqdm', 'graphviz',"
            " 'scipy'}"
            " & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- issue 16, item 18: bad batches and learning rates ----------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("reduction", [None, "mean", "sum"])
def test_an_empty_batch_is_refused(loss, reduction):
    net = MatrixMLP([2, 3, 2], seed=1)
    X = np.zeros((0, 2))
    Y = np.zeros(0, dtype=np.int64) if loss == "cross_entropy" else np.zeros((0, 2))
    before = [w.copy() for w in net.weights]
    for call in (net.train_step, net.backward, net.loss):
        args = (X, Y, 0.1) if call == net.train_step else (X, Y)
        with pytest.raises(ValueError, match=rf"loss '{loss}': the batch is empty \(0 rows\)"):
            call(*args, loss=loss, reduction=reduction)
    assert all(np.array_equal(w, b) for w, b in zip(net.weights, before))
    assert net(X).shape == (0, 2)  # the forward pass of no rows is no rows


@pytest.mark.parametrize("lr", [-1.0, -1e-300, np.float64(-0.5), -1])
def test_a_negative_lr_is_refused(lr):
    net = MatrixMLP([2, 2], seed=1)
    X, Y = np.ones((1, 2)), np.zeros((1, 2))
    with pytest.raises(ValueError, match=r"train_step: lr must be finite and >= 0 \(a negative "
                                         r"lr climbs the loss\), got "):
        net.train_step(X, Y, lr)
    net.backward(X, Y)
    with pytest.raises(ValueError, match=r"sgd_step: lr must be finite and >= 0"):
        net.sgd_step(lr)
    before = net.copy()
    net.train_step(X, Y, 0.0)  # lr 0 is allowed: nothing moves
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, before.weights))


def test_complex_input_is_refused_not_cut_to_its_real_part():
    net = MatrixMLP([2, 2], seed=1)
    for X in (np.array([[1 + 2j, 0j]]), [[1 + 2j, 0.0]], np.array([[1.0, 2.0]], dtype=np.complex64),
              np.array([[1.0, np.complex128(1j)]], dtype=object)):
        with pytest.raises(TypeError, match=r"MatrixMLP.forward: needs an array of real numbers, "
                                            r"got complex numbers .*pass x.real"):
            net(X)
    with pytest.raises(TypeError, match=r"loss 'mse': needs targets of real numbers, got complex"):
        net.train_step(np.ones((1, 2)), np.array([[1j, 0.0]]), 0.1)
    with pytest.raises(TypeError, match=r"loss 'cross_entropy': needs target probabilities, got "
                                        r"complex"):
        net.loss(np.ones((1, 2)), np.array([[1j, 0.0]]), loss="cross_entropy")
    with pytest.raises(TypeError, match=r"MatrixMLP.from_weights: needs an array of real "
                                        r"numbers, got complex"):
        MatrixMLP.from_weights([np.eye(2) * 1j])


def test_numpy_scalars_for_sizes_seed_bias_and_lr():
    net = MatrixMLP(np.array([2, 3]), seed=np.int64(4), gain=np.float32(2.0), bias=np.bool_(False),
                    init="xavier")
    assert net.biases == [None] and net.sizes == [2, 3]
    with pytest.raises(TypeError, match="MatrixMLP: bias must be True or False, got 'no'"):
        MatrixMLP([2, 3], bias="no")  # type: ignore[arg-type]
    net.train_step(np.ones((1, 2)), np.zeros((1, 3)), np.float32(0.1))
    net.train_step(np.ones((1, 2)), np.zeros((1, 3)), np.int64(0))
