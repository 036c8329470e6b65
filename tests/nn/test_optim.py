"""nn.optim: update rules against their formulas, every hyper-parameter has an effect,
schedules, and bad hyper-parameters refused at construction. (PyTorch parity: test_torch_parity.)"""

from __future__ import annotations

import math

import pytest

import nn
from autograd import Value
from nn.optim import SGD, Adam, AdamW, ExponentialLR, LinearLR, RMSprop, StepLR


def quadratic_run(make, steps=5, start=(1.5, -0.7)):
    """Minimise f = (a - 0.3)^2 + 3 b^2 + a*b; return the trajectory of (a, b)."""
    a, b = Value(start[0]), Value(start[1])
    opt = make([a, b])
    path = []
    for _ in range(steps):
        opt.zero_grad()
        f = (a - 0.3) ** 2 + 3.0 * b**2 + a * b
        f.backward()
        opt.step()
        path.append((a.data, b.data))
    return path


def flat(path):
    return [x for point in path for x in point]


def grad_f(a, b):
    return 2 * (a - 0.3) + b, 6 * b + a


def test_sgd_plain_matches_the_formula():
    a, b = 1.5, -0.7
    expected = []
    for _ in range(5):
        ga, gb = grad_f(a, b)
        a, b = a - 0.1 * ga, b - 0.1 * gb
        expected.append((a, b))
    got = quadratic_run(lambda p: SGD(p, lr=0.1))
    assert flat(got) == pytest.approx(flat(expected), rel=1e-14)


def test_sgd_momentum_nesterov_weight_decay_match_the_formula():
    lr, m, wd = 0.05, 0.9, 0.01
    for nesterov in (False, True):
        x = [1.5, -0.7]
        buf = None
        expected = []
        for _ in range(5):
            g = [gi + wd * xi for gi, xi in zip(grad_f(*x), x)]
            buf = g if buf is None else [m * bi + gi for bi, gi in zip(buf, g)]
            d = [gi + m * bi for gi, bi in zip(g, buf)] if nesterov else buf
            x = [xi - lr * di for xi, di in zip(x, d)]
            expected.append(tuple(x))
        got = quadratic_run(lambda p, nesterov=nesterov: SGD(p, lr=lr, momentum=m,
                                                             weight_decay=wd, nesterov=nesterov))
        assert flat(got) == pytest.approx(flat(expected), rel=1e-13)


def test_rmsprop_matches_the_formula():
    lr, alpha, eps = 0.01, 0.9, 1e-3
    x, s = [1.5, -0.7], [0.0, 0.0]
    expected = []
    for _ in range(5):
        g = grad_f(*x)
        s = [alpha * si + (1 - alpha) * gi * gi for si, gi in zip(s, g)]
        x = [xi - lr * gi / (math.sqrt(si) + eps) for xi, gi, si in zip(x, g, s)]
        expected.append(tuple(x))
    got = quadratic_run(lambda p: RMSprop(p, lr=lr, alpha=alpha, eps=eps))
    assert flat(got) == pytest.approx(flat(expected), rel=1e-13)


@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_and_adamw_match_the_formula(decoupled):
    lr, b1, b2, eps, wd = 0.01, 0.8, 0.99, 1e-6, 0.1
    x, m, v = [1.5, -0.7], [0.0, 0.0], [0.0, 0.0]
    expected = []
    for t in range(1, 6):
        g = list(grad_f(*x))
        if decoupled:
            x = [xi * (1 - lr * wd) for xi in x]
        else:
            g = [gi + wd * xi for gi, xi in zip(g, x)]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        mhat = [mi / (1 - b1**t) for mi in m]
        vhat = [vi / (1 - b2**t) for vi in v]
        x = [xi - lr * mh / (math.sqrt(vh) + eps) for xi, mh, vh in zip(x, mhat, vhat)]
        expected.append(tuple(x))
    cls = AdamW if decoupled else Adam
    got = quadratic_run(lambda p: cls(p, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd))
    assert flat(got) == pytest.approx(flat(expected), rel=1e-12)


# Every hyper-parameter changes the trajectory (none is accepted and ignored).
BASE = {
    SGD: dict(lr=0.05, momentum=0.5, dampening=0.0, weight_decay=0.0, nesterov=False,
              maximize=False),
    RMSprop: dict(lr=0.01, alpha=0.9, eps=1e-3, weight_decay=0.0, momentum=0.0, centered=False,
                  maximize=False),
    Adam: dict(lr=0.01, betas=(0.9, 0.999), eps=1e-3, weight_decay=0.0, amsgrad=False,
               maximize=False),
    AdamW: dict(lr=0.01, betas=(0.9, 0.999), eps=1e-3, weight_decay=0.0, amsgrad=False,
                maximize=False),
}
CHANGES = [
    (SGD, "lr", 0.06), (SGD, "momentum", 0.8), (SGD, "dampening", 0.3),
    (SGD, "weight_decay", 0.1), (SGD, "nesterov", True), (SGD, "maximize", True),
    (RMSprop, "lr", 0.02), (RMSprop, "alpha", 0.5), (RMSprop, "eps", 0.1),
    (RMSprop, "weight_decay", 0.1), (RMSprop, "momentum", 0.5), (RMSprop, "centered", True),
    (RMSprop, "maximize", True),
    (Adam, "lr", 0.02), (Adam, "betas", (0.5, 0.999)), (Adam, "betas", (0.9, 0.9)),
    (Adam, "eps", 0.1), (Adam, "weight_decay", 0.1), (Adam, "amsgrad", True),
    (Adam, "maximize", True),
    (AdamW, "weight_decay", 0.1),
]


@pytest.mark.parametrize("cls,name,value", CHANGES,
                         ids=[f"{c.__name__}-{n}-{v}" for c, n, v in CHANGES])
def test_every_hyper_parameter_has_an_effect(cls, name, value):
    settings = dict(BASE[cls])
    if name == "amsgrad":  # a fast-forgetting second moment, so its running maximum matters
        settings["betas"] = (0.9, 0.5)
    base = quadratic_run(lambda p: cls(p, **settings), steps=8, start=(1.5, 0.2))
    changed = quadratic_run(lambda p: cls(p, **{**settings, name: value}), steps=8,
                            start=(1.5, 0.2))
    assert changed != base


def test_amsgrad_keeps_the_largest_second_moment():
    # With a gradient that shrinks, AMSGrad divides by the old, larger second moment: smaller steps.
    a = Value(0.0)
    plain, ams = Adam([a], lr=0.1), Adam([Value(0.0)], lr=0.1, amsgrad=True)
    for opt in (plain, ams):
        p = opt.param_groups[0]["params"][0]
        for g in (10.0, 0.1, 0.1):
            p.grad = g
            opt.step()
    assert ams.param_groups[0]["params"][0].data > plain.param_groups[0]["params"][0].data
    state = ams.state[ams.param_groups[0]["params"][0]]
    assert state["max_exp_avg_sq"] > state["exp_avg_sq"]


def test_zero_grad_and_closure():
    a = Value(2.0)
    opt = SGD([a], lr=0.1)
    a.grad = 5.0
    opt.zero_grad()
    assert a.grad == 0.0

    def closure():
        opt.zero_grad()
        loss = a * a
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.data == 4.0 and a.data == 2.0 - 0.1 * 4.0


def test_param_groups_have_their_own_settings():
    a, b = Value(1.0), Value(1.0)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (0.9, 0.5)
    with pytest.raises(ValueError, match=r"SGD: unknown setting\(s\) 'betas' in a parameter "):
        SGD([{"params": [Value(1.0)], "betas": (0.9, 0.99)}])


def test_model_parameters_are_accepted():
    model = nn.MLP(2, [3, 1])
    opt = nn.Adam(model.parameters())
    assert opt.param_groups[0]["params"] == model.parameters()
    assert "lr: 0.001" in repr(opt)


# --- bad hyper-parameters, refused at construction -----------------------------------------


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam, AdamW])
def test_bad_params(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}: got an empty parameter list"):
        cls([])
    with pytest.raises(TypeError, match=rf"{name}: params\[1\] is a float \(0.5\), not a Value"):
        cls([Value(1.0), 0.5])
    with pytest.raises(TypeError, match=f"{name}: params must be an iterable of Values"):
        cls(Value(1.0))
    v = Value(1.0)
    with pytest.raises(ValueError, match=rf"{name}: params\[1\] .* appears twice"):
        cls([v, v])
    with pytest.raises(ValueError, match=f"{name}: lr must be >= 0, got -0.1"):
        cls([Value(1.0)], lr=-0.1)
    with pytest.raises(TypeError, match=f"{name}: lr must be a real number, got str"):
        cls([Value(1.0)], lr="0.1")
    with pytest.raises(ValueError, match=f"{name}: weight_decay must be >= 0, got -1.0"):
        cls([Value(1.0)], weight_decay=-1.0)
    with pytest.raises(TypeError, match=f"{name}: maximize must be True or False"):
        cls([Value(1.0)], maximize=1)


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 1.5])
def test_rmsprop_alpha_outside_0_1(alpha):
    with pytest.raises(ValueError, match=rf"RMSprop: alpha must be in \[0, 1\), got {alpha}"):
        RMSprop([Value(1.0)], alpha=alpha)


def test_other_bad_hyper_parameters():
    p = [Value(1.0)]
    with pytest.raises(ValueError, match=r"RMSprop: eps must be >= 0, got -1e-08"):
        RMSprop(p, eps=-1e-8)
    with pytest.raises(ValueError, match="RMSprop: momentum must be >= 0"):
        RMSprop(p, momentum=-0.5)
    with pytest.raises(ValueError, match="SGD: momentum must be >= 0, got -0.9"):
        SGD(p, momentum=-0.9)
    with pytest.raises(ValueError, match="SGD: nesterov=True needs momentum > 0 and dampening = 0"):
        SGD(p, nesterov=True)
    with pytest.raises(ValueError, match="SGD: nesterov=True needs momentum > 0 and dampening = 0"):
        SGD(p, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: betas\[0\] must be in \[0, 1\), got 1.0"):
        Adam(p, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"AdamW: betas\[1\] must be in \[0, 1\), got -0.5"):
        AdamW(p, betas=(0.9, -0.5))
    with pytest.raises(TypeError, match=r"Adam: betas must be a pair"):
        Adam(p, betas=0.9)
    with pytest.raises(ValueError, match="Adam: lr must be a number, got nan"):
        Adam(p, lr=float("nan"))


# --- schedules -----------------------------------------------------------------------------


def lrs(scheduler_factory, epochs, lr=1.0):
    opt = SGD([Value(1.0)], lr=lr)
    sched = scheduler_factory(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]
    return out


def test_linear_lr_is_micrograds_schedule_bit_for_bit():
    got = lrs(lambda o: LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=100), 120)
    assert got[:100] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert got[100:] == [1.0 + (0.1 - 1.0)] * 20  # holds at end_factor after total_iters


def test_step_and_exponential_lr():
    assert lrs(lambda o: StepLR(o, step_size=3, gamma=0.5), 7, lr=0.8) == pytest.approx(
        [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2], rel=1e-15)
    assert lrs(lambda o: ExponentialLR(o, gamma=0.9), 4, lr=2.0) == pytest.approx(
        [2.0, 1.8, 1.62, 1.458], rel=1e-15)


def test_linear_lr_defaults_warm_up_from_a_third():
    got = lrs(lambda o: LinearLR(o), 7, lr=0.3)
    assert got == pytest.approx([0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3], rel=1e-14)


def test_bad_schedules():
    opt = SGD([Value(1.0)], lr=1.0)
    with pytest.raises(TypeError, match="StepLR: needs an Optimizer, got list"):
        StepLR([], step_size=1)
    with pytest.raises(ValueError, match="StepLR: step_size must be >= 1, got 0"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="ExponentialLR: gamma must be > 0, got -0.5"):
        ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(ValueError, match=r"LinearLR: start_factor must be in \(0, 1\], got 0.0"):
        LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match=r"LinearLR: end_factor must be in \[0, 1\], got 2.0"):
        LinearLR(opt, end_factor=2.0)
    with pytest.raises(ValueError, match="LinearLR: total_iters must be >= 1, got 0"):
        LinearLR(opt, total_iters=0)


# --- issue 16, item 18 -------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Adam, AdamW, RMSprop])
def test_eps_may_be_zero_as_in_pytorch_and_a_zero_gradient_is_then_no_step(cls):
    """Issue 24, item 10: on a7b7a6a eps=0 was refused; PyTorch takes it (`0.0 <= eps`)."""
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: eps must be >= 0, got -1e-08$"):
        cls([Value(1.0)], eps=-1e-8)
    for eps in (0.0, -0.0, 1e-300):
        a = Value(1.0)
        opt = cls([a], eps=eps)
        assert opt.param_groups[0]["eps"] == 0.0 or eps == 1e-300
        a.grad = 0.0
        opt.step()  # 0 / 0 with eps = 0: no step, as with any eps > 0 (PyTorch writes NaN)
        assert a.data == (1.0 if cls is not AdamW else 1.0 * (1 - 1e-3 * 1e-2))
        a.grad = 0.5
        opt.step()
        assert math.isfinite(a.data) and a.data < 1.0 - 1e-4


@pytest.mark.parametrize("cls", [Adam, RMSprop])
def test_eps_zero_over_a_zero_average_with_a_nonzero_top_is_an_error(cls):
    a = Value(1.0)
    if cls is Adam:  # beta2 = 0: v is this step's g^2 alone, m remembers the last gradient
        opt = cls([a], eps=0.0, betas=(0.9, 0.0))
        a.grad = 1.0
        opt.step()
        a.grad = 0.0
    else:  # a gradient whose square underflows to 0
        opt = cls([a], eps=0.0)
        a.grad = 1e-200
    with pytest.raises(ZeroDivisionError, match=rf"^{cls.__name__}: eps=0 and the running "
                                                r"average of squared gradients of Value"):
        opt.step()


def test_adam_with_eps_zero_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (chainrule[torch])")
    ours = [Value(0.5), Value(-1.5)]
    theirs = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    opt = Adam(ours, lr=0.1, eps=0.0)
    topt = torch.optim.Adam([theirs], lr=0.1, eps=0.0)
    for k in range(5):
        grads = [0.3 * (k + 1), -0.7 + 0.2 * k]
        for p, g in zip(ours, grads):
            p.grad = g
        theirs.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
        topt.step()
    assert [p.data for p in ours] == theirs.detach().tolist()


@pytest.mark.parametrize("make, lr, epochs", [
    (lambda opt: ExponentialLR(opt, gamma=2.0), 0.5, 1100),  # 2.0 ** 1100: Python's OverflowError
    (lambda opt: ExponentialLR(opt, gamma=10.0), 1e10, 300),  # 1e10 * 1e300: inf, no error
    (lambda opt: StepLR(opt, step_size=2, gamma=1e10), 0.5, 80),
])
def test_a_schedule_whose_lr_outgrows_a_float_says_so(make, lr, epochs):
    opt = SGD([Value(1.0)], lr=lr)
    scheduler = make(opt)
    with pytest.raises(OverflowError, match=rf"^{type(scheduler).__name__}: at epoch \d+ the lr "
                                            rf"grows past the largest float \(initial lr {lr!r}, "
                                            r"gamma .*\); a gamma above 1"):
        for _ in range(epochs):
            scheduler.step()
    assert math.isfinite(opt.param_groups[0]["lr"])  # the last lr set is still a number
    # gamma < 1 only shrinks it, to 0.0 at worst, and never fails
    small = ExponentialLR(SGD([Value(1.0)], lr=0.5), gamma=0.5)
    for _ in range(1200):
        small.step()
    assert small.get_last_lr() == [0.0]


def test_numpy_scalars_are_taken_where_python_ones_are():
    np = pytest.importorskip("numpy")
    p = [Value(1.0)]
    sgd = SGD(p, lr=np.float64(0.1), momentum=np.float32(0.5), nesterov=np.bool_(True),
              maximize=np.False_)
    group = sgd.param_groups[0]
    assert group["nesterov"] is True and group["maximize"] is False
    assert type(group["lr"]) is float and group["momentum"] == 0.5
    adam = Adam(p, betas=np.array([0.8, 0.9]), eps=np.float64(1e-6), amsgrad=np.True_)
    assert adam.param_groups[0]["betas"] == (0.8, 0.9)
    assert adam.param_groups[0]["amsgrad"] is True
    assert RMSprop(p, centered=np.bool_(True)).param_groups[0]["centered"] is True
    StepLR(SGD(p, lr=1.0), step_size=np.int64(2), gamma=np.float64(0.5),
           last_epoch=np.int64(-1))
    LinearLR(SGD(p, lr=1.0), total_iters=np.int64(3))
    # a numpy bool is still no number, as a Python bool is not
    with pytest.raises(TypeError, match="SGD: lr must be a real number, got bool"):
        SGD(p, lr=np.True_)
    with pytest.raises(TypeError, match="Adam: amsgrad must be True or False, got int"):
        Adam(p, amsgrad=np.int64(1))
