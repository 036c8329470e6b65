"""micrograd's demo (its demo.ipynb), through chainrule's nn: `chainrule demo moons`.

100 points of scikit-learn's two moons (noise 0.1), labels -1/+1; MLP(2, [16, 16, 1]) with ReLU
hidden layers; the loss is the mean hinge loss plus 1e-4 * sum(p^2); 100 full-batch steps of
plain gradient descent with lr = 1.0 - 0.9 * k / 100 (LinearLR from 1.0 to 0.1).

With seed 1337, the data are micrograd's (np.random.seed(1337) then make_moons) and the
model's starting weights are micrograd's too (random.seed(1337) then MLP(2, [16, 16, 1])),
drawn from private generators rather than the global ones. One seed gives the same run, bit
for bit.
"""

from __future__ import annotations

from typing import Callable

from autograd import no_grad

from ..layers import MLP
from ..losses import hinge_loss
from ..optim import SGD, LinearLR
from ..train import History, fit

SEED = 1337


def make_data(n_samples: int = 100, noise: float = 0.1,
              seed: int = SEED) -> tuple[list[list[float]], list[int]]:
    """scikit-learn's two moons as plain lists, labels mapped from 0/1 to -1/+1."""
    from sklearn.datasets import make_moons  # lazily: scikit-learn is an optional extra

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return X.tolist(), (y * 2 - 1).tolist()


def train(
    steps: int = 100,
    seed: int = SEED,
    n_samples: int = 100,
    noise: float = 0.1,
    l2: float = 1e-4,
    batch_size: int | None = None,
    progress: bool = False,
    callback: Callable[[int, History], None] | None = None,
    compile: bool = False,
) -> tuple[MLP, History]:
    """Train micrograd's demo model; return it and its history (loss and accuracy per step)."""
    X, y = make_data(n_samples, noise, seed)
    model = MLP(2, [16, 16, 1], seed=seed)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)
    history = fit(model, X, y, loss=hinge_loss, optimizer=optimizer, epochs=steps,
                  batch_size=batch_size, seed=seed, progress=progress, scheduler=schedule,
                  l2=l2, callback=callback, compile=compile)
    return model, history


def decision_grid(model: MLP, h: float = 0.25) -> str:
    """The model's decision regions as text: '#' where the score is > 0, '.' elsewhere."""
    lines = []
    y = 1.5
    while y >= -1.0:
        x, line = -1.5, []
        while x <= 2.5:
            with no_grad():
                score = model([x, y])[0].data
            line.append("#" if score > 0 else ".")
            x += h
        lines.append("".join(line))
        y -= h
    return "\n".join(lines)


def run(*, steps: int = 100, seed: int = SEED, samples: int = 100, noise: float = 0.1,
        l2: float = 1e-4, batch_size: int | None = None, compile: bool = False,
        grid: bool = False) -> int:
    """`chainrule demo moons`: train, printing a line per step; the decision regions with
    grid=True."""
    def report(epoch: int, history: History) -> None:
        print(f"step {epoch} loss {history.loss[-1]!r}, accuracy "
              f"{history.metrics['accuracy'][-1] * 100:g}%")

    print(f"micrograd's demo through chainrule.nn: {samples} moons points "
          f"(noise {noise}), MLP(2, [16, 16, 1]), hinge + {l2:g} L2, seed {seed}")
    model, history = train(steps=steps, seed=seed, n_samples=samples, noise=noise, l2=l2,
                           batch_size=batch_size, callback=report, compile=compile)
    if grid:
        print()
        print(decision_grid(model))
    print(f"final: loss {history.loss[-1]!r}, training accuracy "
          f"{history.metrics['accuracy'][-1] * 100:g}% after {history.epochs} steps "
          f"(seed {seed})")
    return 0
