"""fit(compile=True) with Python state: right or refused (issue 24 item 7).

A recording bakes in whatever the model and the loss read besides their inputs and parameters.
The compiled step snapshots that state with the recording and compares it before every step:
changed, the model is recorded again. A forward that changes the state itself (a call counter)
or that is not a function of its inputs and state (random numbers) is refused in one line.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from autograd import Value
from autograd.compile import TraceMismatchError, watch
from nn import MLP, SGD, Module, fit, mse_loss

np = pytest.importorskip("numpy")

X = [[math.sin(i), math.cos(2 * i)] for i in range(12)]
Y = [[0.3 * math.sin(3 * i)] for i in range(12)]


class Tempered(Module):
    """An MLP whose output is divided by a temperature: a number, not a parameter."""

    def __init__(self) -> None:
        self.mlp = MLP(2, [4, 1], seed=1, activation="tanh")
        self.temperature = 1.0

    def __call__(self, x):
        return [o * (1.0 / self.temperature) for o in self.mlp(x)]

    def parameters(self):
        return self.mlp.parameters()


class Buffered(Tempered):
    """The output times a buffer: a Value that is not a parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = Value(1.0, label="scale")

    def __call__(self, x):
        return [o * self.scale for o in self.mlp(x)]


def _train(model, compile_: bool, callback=None, epochs: int = 4, **kwargs):
    history = fit(model, X, Y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=epochs, progress=False, metrics={}, callback=callback,
                  compile=compile_, **kwargs)
    return history, [p.data for p in model.parameters()]


def _same(compiled, eager) -> None:
    (c_history, c_params), (e_history, e_params) = compiled, eager
    assert c_history.step_loss == pytest.approx(e_history.step_loss, rel=1e-12)
    assert c_params == pytest.approx(e_params, rel=1e-12)


def test_a_temperature_annealed_by_a_callback_trains_as_the_eager_fit():
    def anneal(model):
        return lambda epoch, history: setattr(model, "temperature", model.temperature * 0.5)

    eager, compiled = Tempered(), Tempered()
    result = _train(compiled, True, anneal(compiled), batch_size=5)
    _same(result, _train(eager, False, anneal(eager), batch_size=5))
    assert compiled.temperature == 0.0625


def test_a_buffer_updated_between_epochs_is_read_anew():
    def grow(model):
        def callback(epoch, history):
            model.scale.data += 0.5
        return callback

    eager, compiled = Buffered(), Buffered()
    _same(_train(compiled, True, grow(compiled)), _train(eager, False, grow(eager)))


def test_state_changed_before_a_step_is_recorded_again_and_checked():
    from nn.compiled import CompiledStep

    model = Tempered()
    step = CompiledStep(model, X, Y, mse_loss, 0.0)
    first = step.run(list(range(12)))
    assert step.recordings == 1 and step.run(list(range(12))) == first  # nothing changed
    model.temperature = 2.0
    second = step.run(list(range(12)))
    assert step.recordings == 2 and second != first
    with_eager = mse_loss([model(x) for x in X], Y).data
    assert second == pytest.approx(with_eager, rel=1e-12)


class Counting(Tempered):
    """A warm-up by a call counter the forward keeps itself."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return [o * min(1.0, self.calls / 50) for o in self.mlp(x)]


def test_a_forward_that_counts_its_calls_is_refused_in_one_line():
    _train(Counting(), False)  # eager: every call counts
    model = Counting()
    with pytest.raises(ValueError, match=r"^fit\(compile=True\): the model changes its own state "
                                         r"when it runs \(model\.calls: 0 -> 1\)") as refused:
        _train(model, True)
    assert "\n" not in str(refused.value)


class Noisy(Tempered):
    """Dropout-like noise, from one of several sources."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self.rng = random.Random(0)

    def __call__(self, x):
        noise = {"random": lambda: random.random(),
                 "numpy": lambda: float(np.random.random()),
                 "own generator": lambda: self.rng.random(),
                 "a global counter": lambda: next(TICKS) * 1e-3}[self.source]()
        return [o * (1.0 + noise) for o in self.mlp(x)]


TICKS = itertools.count()


@pytest.mark.parametrize("source, message", [
    ("random", "the model draws random numbers when it runs"),
    ("numpy", "the model draws random numbers when it runs"),
    ("own generator", r"the model changes its own state when it runs \(model\.rng"),
    ("a global counter", "the model is not a function of its inputs and state: recorded twice"),
])
def test_a_random_forward_is_refused(source, message):
    model = Noisy(source)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"^fit\(compile=True\): " + message):
        _train(model, True)
    assert [p.data for p in model.parameters()] == before  # refused before any update


# --- bool of a Value, seen by the guard as the comparison v != 0 it is ----------------------


def _truth(self: Value) -> bool:
    """bool of a 0-d tensor: false for 0.0 (as another branch makes Value.__bool__)."""
    return self.data != 0.0


class Gated(Tempered):
    def __call__(self, x):
        out = self.mlp(x)
        return [o * 2.0 for o in out] if x[0] else out


def test_watch_records_bool_of_a_value_as_a_comparison_not_a_read(monkeypatch):
    monkeypatch.setattr(Value, "__bool__", _truth, raising=False)
    v = Value(0.0, label="v")
    with watch() as seen:
        taken = bool(v)
        again = bool(Value(3.0, label="w"))
    assert (taken, again) == (False, True) and seen.reads == []
    assert [(x.label, s, r, t) for x, s, r, t in seen.comparisons] == [
        ("v", "!=", 0.0, False), ("w", "!=", 0.0, True)]
    assert Value.__dict__["__bool__"] is _truth  # put back as it was


def test_watch_leaves_value_s_own_truth_alone():
    own = Value.__dict__.get("__bool__")
    with watch():
        pass
    assert Value.__dict__.get("__bool__") is own


def test_if_v_in_a_model_is_followed_per_sample(monkeypatch):
    monkeypatch.setattr(Value, "__bool__", _truth, raising=False)
    rows = [[0.1 + 0.1 * i, 0.5] for i in range(8)]  # x0 != 0 everywhere: the traced branch
    targets = [[0.2] for _ in rows]

    def train(model, compile_):
        fit(model, rows, targets, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=2, progress=False, metrics={}, compile=compile_)
        return [p.data for p in model.parameters()]

    assert train(Gated(), True) == pytest.approx(train(Gated(), False), rel=1e-12)
    rows[5][0] = 0.0  # sample 5 takes the other branch
    with pytest.raises(TraceMismatchError, match=r"sample 5 takes another branch than the trace: "
                                                 r"the model compares x0 != 0.0, which is False"):
        train(Gated(), True)


# --- state outside the model: a global the forward reads, a cell the loss closes over --------

SHIFT = [0.0]  # a plain global, changed between epochs


class Shifted(Tempered):
    def __call__(self, x):
        return [o + SHIFT[0] for o in self.mlp(x)]


def test_a_global_the_forward_reads_is_guarded_too():
    def move(epoch, history):
        SHIFT[0] += 0.25

    try:
        compiled = _train(Shifted(), True, move)
        SHIFT[0] = 0.0
        eager = _train(Shifted(), False, move)
    finally:
        SHIFT[0] = 0.0
    _same(compiled, eager)


def test_a_number_the_loss_closes_over_is_guarded_too():
    def train(compile_):
        weight = 1.0

        def weighted(preds, targets):
            return mse_loss(preds, targets) * weight

        def heavier(epoch, history):
            nonlocal weight
            weight *= 2.0

        model = Tempered()
        history = fit(model, X, Y, loss=weighted, optimizer=SGD(model.parameters(), lr=0.05),
                      epochs=4, progress=False, metrics={}, callback=heavier, compile=compile_)
        return history, [p.data for p in model.parameters()]

    _same(train(True), train(False))
