"""micrograd's demo workload, with micrograd (from PyPI) and with chainrule, in one run.

The workload is micrograd's demo.ipynb: 100 moons points (make_moons(n_samples=100, noise=0.1),
seed 1337), MLP(2, [16, 16, 1]), mean hinge loss + 1e-4 * sum(p^2), full-batch steps with
lr = 1.0 - 0.9 * k / 100. Every contender runs end to end (data, model, every step) in its own
process, with the interpreter's defaults (the cyclic garbage collector on, as in a notebook):

    fit          chainrule's `nn.fit(compile=False)` (nn/examples/moons.py); it pauses the
                 collector itself
    door         micrograd's notebook code, unchanged but for its imports
                 (chainrule.micrograd: builtin sum, its own loop), the collector left on
    door+paused  the same code inside `with autograd.gc_paused():`
    loop         the notebook's code written on chainrule itself (autograd.Value, nn.MLP with
                 seed 1337, builtin sum, its own loop), the collector left on
    loop+paused  the same loop inside `with autograd.gc_paused():`
    micrograd    micrograd 0.1.0 from PyPI, the notebook's code

    python bench/demo.py                  # 100 steps each (micrograd takes minutes)
    python bench/demo.py --steps 10       # a quicker look
    python bench/demo.py --skip-micrograd # chainrule's contenders only
    python bench/demo.py --before CHECKOUT --only loop
                                          # also run chainrule's contenders on another
                                          # checkout (PYTHONPATH=CHECKOUT), e.g. an older main

Times are the process's CPU time (time.process_time: the machine's other work does not count,
the collector's does). Prints each time per step, the ratios against micrograd with the
targets beside them, and how far apart the loss trajectories are.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any


def run_chainrule(steps: int) -> tuple[float, list[float], list[float]]:
    from nn.examples import moons

    start = time.process_time()
    _, history = moons.train(steps=steps, seed=1337)
    elapsed = time.process_time() - start
    return elapsed, history.loss, history.metrics["accuracy"]


def run_notebook(steps: int, engine: str = "micrograd",
                 paused: bool = False) -> tuple[float, list[float], list[float]]:
    """The notebook's cells, as written there (global seeds included: micrograd's MLP draws
    from the global `random`), on `engine`:

    micrograd  micrograd itself
    door       chainrule's engine through chainrule.micrograd (only the imports change)
    chainrule  written on chainrule itself: autograd.Value and nn.MLP (seed 1337 draws
               micrograd's weights; the model returns a list, so `model(x)[0]`)

    With `paused`, inside `autograd.gc_paused()`, as docs/performance.md shows."""
    import contextlib
    import random

    import numpy as np
    from sklearn.datasets import make_moons

    if engine == "chainrule":
        import autograd
        from autograd import Value
        from nn import MLP as nnMLP
    elif engine == "door":
        import autograd
        from chainrule.micrograd.engine import Value  # type: ignore[assignment]
        from chainrule.micrograd.nn import MLP
    else:
        from micrograd.engine import Value  # type: ignore[no-redef]
        from micrograd.nn import MLP  # type: ignore[no-redef]
    block = autograd.gc_paused() if paused else contextlib.nullcontext()

    start = time.process_time()
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model: Any = nnMLP(2, [16, 16, 1], seed=1337) if engine == "chainrule" else MLP(2, [16, 16, 1])
    score = (lambda x: model(x)[0]) if engine == "chainrule" else model

    def loss() -> tuple[Value, float]:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(score, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    losses, accs = [], []
    with block:
        for k in range(steps):
            total_loss, acc = loss()
            model.zero_grad()
            total_loss.backward()
            learning_rate = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p.data -= learning_rate * p.grad
            losses.append(total_loss.data)
            accs.append(float(acc))
    elapsed = time.process_time() - start
    return elapsed, losses, accs


RUNS = {
    "fit": lambda steps: run_chainrule(steps),
    "door": lambda steps: run_notebook(steps, "door"),
    "door+paused": lambda steps: run_notebook(steps, "door", paused=True),
    "loop": lambda steps: run_notebook(steps, "chainrule"),
    "loop+paused": lambda steps: run_notebook(steps, "chainrule", paused=True),
    "micrograd": lambda steps: run_notebook(steps),
}
# The targets of issue 18, as ratios micrograd / contender (each in its own process).
# "micrograd-style user code" is read two ways: the door (micrograd's own code on chainrule)
# and the loop (the same code written on chainrule's Value and nn); both are reported.
TARGETS = {"fit": ">= 35x", "loop": "no slower than before", "loop+paused": ">= 35x",
           "door": "no slower than before", "door+paused": ">= 35x"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--skip-micrograd", action="store_true",
                        help="time chainrule only (micrograd takes minutes)")
    parser.add_argument("--only", choices=sorted(RUNS), action="append",
                        help="run only this contender (repeatable)")
    parser.add_argument("--before", metavar="CHECKOUT",
                        help="also run chainrule's contenders on another checkout "
                             "(PYTHONPATH=CHECKOUT); those it lacks are skipped")
    parser.add_argument("--worker", choices=sorted(RUNS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import sklearn.datasets  # noqa: F401 - imported before the timing, on every side

        gc.collect()
        elapsed, losses, accs = RUNS[args.worker](args.steps)
        print(json.dumps({"time": elapsed, "loss": [float(x) for x in losses], "acc": accs}))
        return 0

    names = args.only or [n for n in RUNS if not (args.skip_micrograd and n == "micrograd")]
    print(f"micrograd's demo workload, {args.steps} steps: 100 moons points, MLP(2, [16, 16, 1]), "
          f"hinge + 1e-4 L2, seed 1337; each contender in its own process")
    print(f"Python {platform.python_version()} ({sys.implementation.name}), gc enabled: "
          f"{gc.isenabled()}, thresholds {gc.get_threshold()}")
    runs = [(name, name, None) for name in names]
    if args.before:
        before = os.path.abspath(args.before)
        print(f"before: {before}")
        runs += [(f"before {name}", name, before) for name in names if name != "micrograd"]
    results = {}
    for label, name, path in runs:
        env = dict(os.environ, PYTHONPATH=path) if path else None
        done = subprocess.run([sys.executable, __file__, "--worker", name, "--steps",
                               str(args.steps)], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            print(f"{label}: failed, skipped: {last}")
            continue
        r = results[label] = json.loads(done.stdout)
        print(f"{label:<19} {r['time']:8.2f} s  {r['time'] / args.steps * 1e3:8.1f} ms/step   "
              f"final loss {r['loss'][-1]!r}, accuracy {r['acc'][-1] * 100:g}%, first 100% at "
              f"step {_first_full(r['acc'])}")
    for name in names:
        if name in results and f"before {name}" in results:
            speedup = results[f"before {name}"]["time"] / results[name]["time"]
            print(f"{name}: before / now {speedup:.2f}x")
    if "micrograd" not in results:
        return 0
    m = results["micrograd"]
    for name, r in results.items():
        if name == "micrograd":
            continue
        gap = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(r["loss"], m["loss"]))
        target = TARGETS.get(name, "none: the code before")
        print(f"ratio micrograd / {name:<19} {m['time'] / r['time']:6.1f}x   (target "
              f"{target}); loss trajectories within {gap:.1e} relative")
    print("(float rounding: sum order, and mean as sum/n vs sum*(1/n) in fit)")
    return 0


def _first_full(accs: list[float]) -> int | None:
    return next((k for k, a in enumerate(accs) if a == 1.0), None)


if __name__ == "__main__":
    sys.exit(main())
