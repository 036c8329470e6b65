"""nn against PyTorch (float64): the same network with the same weights gives the same
outputs, every parameter gradient, and ten steps of every optimizer, to 1e-12 relative.
Skipped only where PyTorch is not installed (CI installs it)."""

from __future__ import annotations

import math
import random

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (chainrule[torch])")

import nn  # noqa: E402
from nn.examples import worked_nn  # noqa: E402

REL, ABS = 1e-12, 1e-15
ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "linear": lambda z: z}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


class TorchMLP(torch.nn.Module):
    """The same MLP in PyTorch: one nn.Linear per layer, weights copied row by row."""

    def __init__(self, model: nn.MLP) -> None:
        super().__init__()
        self.linears = torch.nn.ModuleList()
        self.acts = []
        for layer in model.layers:
            has_bias = layer.neurons[0].b is not None
            linear = torch.nn.Linear(layer.nin, layer.nout, bias=has_bias, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons],
                                                 dtype=torch.float64))
                if has_bias:
                    linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons],
                                                   dtype=torch.float64))
            self.linears.append(linear)
            self.acts.append(ACT[layer.activation])

    def forward(self, x):
        for linear, act in zip(self.linears, self.acts):
            x = act(linear(x))
        return x

    def flat(self) -> list[tuple[float, float]]:
        """(value, grad) of every parameter in nn's order: per neuron, its weights then bias."""
        out = []
        for linear in self.linears:
            w, b = linear.weight, linear.bias
            for j in range(w.shape[0]):
                for k in range(w.shape[1]):
                    out.append((w[j, k].item(), 0.0 if w.grad is None else w.grad[j, k].item()))
                if b is not None:
                    out.append((b[j].item(), 0.0 if b.grad is None else b.grad[j].item()))
        return out


X = [[0.3, -1.2], [1.5, 0.4], [-0.7, -0.2], [0.05, 0.9], [-1.1, 1.3], [0.8, -0.6]]
Y_SIGN = [1, -1, 1, -1, 1, -1]
Y_REAL = [0.5, -0.25, 1.0, 0.0, -0.8, 0.3]
Y_PROB = [1.0, 0.0, 0.25, 1.0, 0.0, 0.6]
Y_CLASS = [0, 2, 1, 1, 0, 2]


def our_loss(kind, preds):
    if kind == "hinge":
        return nn.hinge_loss(preds, Y_SIGN)
    if kind == "mse":
        return nn.mse_loss(preds, Y_REAL)
    if kind == "half_sse":
        return nn.half_sse_loss(preds, Y_REAL)
    if kind == "bce":
        return nn.bce_with_logits_loss(preds, Y_PROB, reduction="sum")
    return nn.cross_entropy_loss(preds, Y_CLASS)


def torch_loss(kind, out):
    F = torch.nn.functional
    t = lambda ys: torch.tensor(ys, dtype=torch.float64)  # noqa: E731
    if kind == "hinge":
        return torch.relu(1.0 - t(Y_SIGN) * out[:, 0]).mean()
    if kind == "mse":
        return F.mse_loss(out[:, 0], t(Y_REAL))
    if kind == "half_sse":
        return 0.5 * ((out[:, 0] - t(Y_REAL)) ** 2).sum()
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(out[:, 0], t(Y_PROB), reduction="sum")
    return F.cross_entropy(out, torch.tensor(Y_CLASS))


CONFIGS = [
    # (nouts, activation, output_activation, bias, init, loss)
    ([16, 16, 1], "relu", "linear", True, "uniform", "hinge"),
    ([5, 4, 1], "tanh", "sigmoid", True, "torch", "mse"),
    ([3, 1], "sigmoid", "linear", False, "xavier", "half_sse"),
    ([6, 1], "tanh", "linear", True, "torch", "bce"),
    ([7, 3], "relu", "linear", True, "torch", "cross_entropy"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=[c[-1] for c in CONFIGS])
def test_forward_loss_and_every_gradient_match_torch(config):
    nouts, act, out_act, bias, init, kind = config
    model = nn.MLP(2, nouts, activation=act, output_activation=out_act, bias=bias, init=init,
                   seed=5)
    reference = TorchMLP(model)
    preds = [model(x) for x in X]
    out = reference(torch.tensor(X, dtype=torch.float64))
    for i, row in enumerate(preds):
        for k, v in enumerate(row):
            assert close(v.data, out[i, k].item()), (i, k)
    loss = our_loss(kind, preds)
    expected = torch_loss(kind, out)
    assert close(loss.data, expected.item())
    loss.backward()
    expected.backward()
    theirs = reference.flat()
    ours = model.parameters()
    assert len(ours) == len(theirs)
    for (name, p), (value, grad) in zip(model.named_parameters(), theirs):
        assert p.data == value, name
        assert close(p.grad, grad), (name, p.grad, grad)
    assert any(g != 0.0 for _, g in theirs)


OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=1e-3)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5,
                     centered=True)),
    ("RMSprop", dict(lr=0.1, alpha=0.999, eps=1e-2)),
    ("RMSprop", dict(lr=0.02, alpha=0.95, centered=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.95, 0.9), maximize=True)),
    ("AdamW", dict(lr=0.01, betas=(0.85, 0.95), eps=1e-7, weight_decay=0.1)),
    ("AdamW", dict(lr=0.03, amsgrad=True)),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                          enumerate(OPTIMIZERS)])
def test_ten_optimizer_steps_match_torch(name, kwargs):
    model = nn.MLP(2, [5, 4, 1], activation="tanh", output_activation="linear", init="torch",
                   seed=9)
    reference = TorchMLP(model)
    ours = getattr(nn.optim, name)(model.parameters(), **kwargs)
    theirs = getattr(torch.optim, name)(reference.parameters(), foreach=False, **kwargs)
    xs = torch.tensor(X, dtype=torch.float64)
    for step in range(10):
        ours.zero_grad()
        loss = our_loss("mse", [model(x) for x in X])
        loss.backward()
        ours.step()
        theirs.zero_grad()
        expected = torch_loss("mse", reference(xs))
        expected.backward()
        theirs.step()
        assert close(loss.data, expected.item()), step
        for (pname, p), (value, _) in zip(model.named_parameters(), reference.flat()):
            assert close(p.data, value), (step, pname, p.data, value)
    start = nn.MLP(2, [5, 4, 1], activation="tanh", init="torch", seed=9).parameters()
    assert any(abs(a.data - b.data) > 1e-6 for a, b in zip(model.parameters(), start))


@pytest.mark.parametrize("ours,theirs,kwargs", [
    ("LinearLR", "LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=100)),
    ("LinearLR", "LinearLR", dict()),
    ("StepLR", "StepLR", dict(step_size=7, gamma=0.3)),
    ("ExponentialLR", "ExponentialLR", dict(gamma=0.95)),
])
def test_schedules_match_torch(ours, theirs, kwargs):
    opt = nn.SGD([nn.MLP(1, [1]).parameters()[0]], lr=0.7)
    sched = getattr(nn.optim, ours)(opt, **kwargs)
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    topt = torch.optim.SGD([param], lr=0.7)
    tsched = getattr(torch.optim.lr_scheduler, theirs)(topt, **kwargs)
    for epoch in range(120):
        assert close(opt.param_groups[0]["lr"], topt.param_groups[0]["lr"]), epoch
        opt.step()
        sched.step()
        topt.step()
        tsched.step()


def test_the_posts_pytorch_code_in_float64_stops_at_step_11():
    """Post 001's own PyTorch version (RMSprop(lr=0.1, alpha=0.999, eps=1e-2), loss
    1/2*mean), in float64, against nn's: the same predictions and errors, stopping at 11."""

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            hidden = torch.nn.Linear(2, 2, bias=False, dtype=torch.float64)
            output = torch.nn.Linear(2, 1, bias=False, dtype=torch.float64)
            hidden.weight.data = torch.tensor([[0.1, 0.8], [0.4, 0.6]], dtype=torch.float64)
            output.weight.data = torch.tensor([0.3, 0.9], dtype=torch.float64)  # as the post
            self.net = torch.nn.Sequential(hidden, torch.nn.Sigmoid(), output, torch.nn.Sigmoid())

        def forward(self, x):
            return self.net(x)

    net = Net()
    x = torch.tensor([0.35, 0.9], dtype=torch.float64)
    y = torch.tensor(0.5, dtype=torch.float64)
    optimizer = torch.optim.RMSprop(net.parameters(), lr=0.1, alpha=0.999, eps=1e-2)
    torch_steps = []
    step = 1
    while True:
        optimizer.zero_grad()
        pred = net(x)
        loss = 1 / 2 * torch.mean((pred - y) ** 2)
        loss.backward()
        optimizer.step()
        err = loss.detach().item()
        torch_steps.append((pred.item(), err))
        if err < 1e-7:
            break
        step += 1
        assert step < 100
    assert step == 11

    model = worked_nn.build()
    opt = nn.RMSprop(model.parameters(), lr=0.1, alpha=0.999, eps=1e-2)
    ours = []
    for _ in range(11):
        (yp,) = model([0.35, 0.9])
        error = nn.half_sse_loss([yp], [0.5], reduction="mean")
        ours.append((yp.data, error.data))
        opt.zero_grad()
        error.backward()
        opt.step()
    assert [e < 1e-7 for _, e in ours] == [False] * 10 + [True]
    for (p, e), (tp, te) in zip(ours, torch_steps):
        assert close(p, tp) and close(e, te)
    assert [s.step for s in worked_nn.run("rmsprop")][-1] == 11


from hypothesis import given, note  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    nin=st.integers(1, 3),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(list(nn.ACTIVATIONS)),
    output_activation=st.sampled_from(list(nn.ACTIVATIONS)),
    bias=st.booleans(),
    init=st.sampled_from(nn.INITS),
    seed=st.integers(0, 2**32),
    data=st.data(),
)
def test_random_architectures_match_torch(nin, nouts, activation, output_activation, bias, init,
                                          seed, data):
    """Any architecture, any initialisation: outputs and every gradient of sum(outputs^2)."""
    model = nn.MLP(nin, nouts, activation=activation, output_activation=output_activation,
                   bias=bias, init=init, seed=seed)
    x = data.draw(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin), label="x")
    note(repr(model))
    reference = TorchMLP(model)
    out = model(x)
    expected = reference(torch.tensor(x, dtype=torch.float64))
    for v, e in zip(out, expected.tolist()):
        assert math.isclose(v.data, e, rel_tol=REL, abs_tol=1e-13)
    loss = nn.mse_loss(out, [0.0] * len(out), reduction="sum")
    loss.backward()
    (expected**2).sum().backward()
    for (name, p), (_, grad) in zip(model.named_parameters(), reference.flat()):
        assert math.isclose(p.grad, grad, rel_tol=REL, abs_tol=1e-13), name


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                          enumerate(OPTIMIZERS)])
def test_update_arithmetic_matches_torch_given_the_same_gradients(name, kwargs):
    """The update rule alone: both sides get the same gradients for ten steps. torch fuses
    some multiply-adds (one rounding), so SGD and RMSprop may differ in the last bits."""
    rng = random.Random(len(kwargs))
    start = [rng.uniform(-2.0, 2.0) for _ in range(7)]
    ours = [nn.MLP(1, [1]).parameters()[0] for _ in start]
    for p, s in zip(ours, start):
        p.data = s
    theirs = torch.nn.Parameter(torch.tensor(start, dtype=torch.float64))
    opt = getattr(nn.optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)([theirs], foreach=False, **kwargs)
    for _ in range(10):
        grads = [rng.uniform(-3.0, 3.0) for _ in start]
        for p, g in zip(ours, grads):
            p.grad = g
        theirs.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs.tolist()):
            assert math.isclose(p.data, t, rel_tol=1e-14, abs_tol=1e-300), (p.data, t)
