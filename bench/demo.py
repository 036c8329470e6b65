"""micrograd's demo workload, with micrograd (from PyPI) and with chainrule, in one run.

The workload is micrograd's demo.ipynb: 100 moons points (make_moons(n_samples=100, noise=0.1),
seed 1337), MLP(2, [16, 16, 1]), mean hinge loss + 1e-4 * sum(p^2), full-batch steps with
lr = 1.0 - 0.9 * k / 100. Both sides run end to end (data, model, every step) with the
interpreter's defaults: the cyclic garbage collector stays on, as in a notebook.

    python bench/demo.py                  # 100 steps each (micrograd takes minutes)
    python bench/demo.py --steps 10       # a quicker look

Prints both times, the ratio, and how far apart the two loss trajectories are.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time


def run_chainrule(steps: int) -> tuple[float, list[float], list[float]]:
    from nn.examples import moons

    start = time.perf_counter()
    _, history = moons.train(steps=steps, seed=1337)
    elapsed = time.perf_counter() - start
    return elapsed, history.loss, history.metrics["accuracy"]


def run_micrograd(steps: int) -> tuple[float, list[float], list[float]]:
    """The notebook's cells, as written there (global seeds included: micrograd's MLP draws
    from the global `random`)."""
    import random

    import numpy as np
    from micrograd.engine import Value
    from micrograd.nn import MLP
    from sklearn.datasets import make_moons

    start = time.perf_counter()
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])

    def loss() -> tuple[Value, float]:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    losses, accs = [], []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
        accs.append(float(acc))
    elapsed = time.perf_counter() - start
    return elapsed, losses, accs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--skip-micrograd", action="store_true",
                        help="time chainrule only (micrograd takes minutes)")
    args = parser.parse_args(argv)

    import sklearn.datasets  # noqa: F401 - imported once before both timings, for both sides

    print(f"micrograd's demo workload, {args.steps} steps: 100 moons points, MLP(2, [16, 16, 1]), "
          f"hinge + 1e-4 L2, seed 1337")
    print(f"Python {platform.python_version()} ({sys.implementation.name}), gc enabled: "
          f"{gc.isenabled()}, thresholds {gc.get_threshold()}")
    gc.collect()
    c_time, c_loss, c_acc = run_chainrule(args.steps)
    print(f"chainrule: {c_time:8.2f} s   final loss {c_loss[-1]!r}, accuracy "
          f"{c_acc[-1] * 100:g}%, first 100% at step {_first_full(c_acc)}")
    if args.skip_micrograd:
        return 0
    gc.collect()
    m_time, m_loss, m_acc = run_micrograd(args.steps)
    print(f"micrograd: {m_time:8.2f} s   final loss {float(m_loss[-1])!r}, accuracy "
          f"{m_acc[-1] * 100:g}%, first 100% at step {_first_full(m_acc)}")
    print(f"ratio micrograd / chainrule: {m_time / c_time:.1f}x")
    gap = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(c_loss, m_loss))
    print(f"loss trajectories: largest relative difference {gap:.2e} over {args.steps} steps "
          f"(float rounding: sum order and mean as sum/n vs sum*(1/n))")
    return 0


def _first_full(accs: list[float]) -> int | None:
    return next((k for k, a in enumerate(accs) if a == 1.0), None)


if __name__ == "__main__":
    sys.exit(main())
