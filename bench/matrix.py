"""Matrix benchmark: one per-sample SGD step of post 004's network, four ways, in one run.

The step: 2-25-50-25-2, sigmoid everywhere, one moons sample, half squared error summed,
forward + backward + w -= 0.01 * grad for every weight and bias. All four start from the same
weights and take the same steps on the same samples (checked at the end).

- nn.matrix: ``MatrixMLP.train_step`` (BP1-BP4 in numpy, rows = samples, X @ W);
- numpy loop: post 004's own per-sample code inline (1-d vectors, deltas first, then the
  updates), with its sign written the usual way and the biases updated; the reference the
  issue asks nn.matrix to stay within 1.5x of;
- PyTorch: nn.Linear/nn.Sigmoid in float64, batch 1, torch.optim.SGD;
- chainrule scalar engine: nn.MLP of Values, nn.SGD (a few steps: it is far slower).

Run by hand:  python bench/matrix.py [--steps N] [--repeats R] [--no-scipy]
Needs:        pip install -e ".[bench,examples]"   (torch, scikit-learn)
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np

from nn.matrix import MatrixMLP

SIZES = [2, 25, 50, 25, 2]
LR = 0.01


def data(n: int):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=2000, noise=0.2, random_state=100)
    Y = np.zeros((len(y), 2))
    Y[np.arange(len(y)), y] = 1.0
    return X[:n], Y[:n]


def best_per_step(run, steps: int, repeats: int) -> float:
    """Seconds per step: the best of `repeats` runs of `steps` steps (each from a fresh start)."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        run(steps)
        best = min(best, (time.perf_counter() - t) / steps)
    return best


# --- the four contestants; each make_* returns (run(steps), final parameters) --------------------


def make_matrix(start: MatrixMLP, X, Y):
    state = {}

    def run(steps: int) -> None:
        net = start.copy()
        for i in range(steps):
            net.train_step(X[i : i + 1], Y[i : i + 1], LR, "half_sse", "sum")
        state["net"] = net

    return run, lambda: [p.copy() for p in state["net"].parameters()]


def make_numpy_loop(start: MatrixMLP, X, Y):
    """Post 004's own loop, inline: forward through the layers keeping each output; then the
    deltas from the last layer back (its error times o(1 - o), then W_next @ delta_next times
    o(1 - o)); then every layer's update with ``delta * atleast_2d(o_prev).T * lr``. Two fixes:
    the sign (post 004 stores y - o and adds), and the biases are updated (post 004 forgets)."""
    state = {}

    def run(steps: int) -> None:
        Ws = [w.copy() for w in start.weights]
        bs = [b.copy() for b in start.biases]
        n_layers = len(Ws)
        deltas = [None] * n_layers
        for i in range(steps):
            x, y = X[i], Y[i]
            outs = []
            a = x
            for W, b in zip(Ws, bs):
                a = 1.0 / (1.0 + np.exp(-(np.dot(a, W) + b)))
                outs.append(a)
            for l in reversed(range(n_layers)):
                o = outs[l]
                if l == n_layers - 1:
                    error = o - y
                else:
                    error = np.dot(Ws[l + 1], deltas[l + 1])
                deltas[l] = error * (o * (1 - o))
            for l in range(n_layers):
                o_prev = np.atleast_2d(x if l == 0 else outs[l - 1])
                Ws[l] -= deltas[l] * o_prev.T * LR
                bs[l] -= deltas[l] * LR
        state["params"] = [p for pair in zip(Ws, bs) for p in pair]

    return run, lambda: state["params"]


def make_torch(start: MatrixMLP, X, Y):
    import torch

    layers = []
    for w, _b in zip(start.weights, start.biases):
        lin = torch.nn.Linear(w.shape[0], w.shape[1], dtype=torch.float64)
        layers += [lin, torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    state = {}

    def run(steps: int) -> None:
        with torch.no_grad():
            for lin, w, b in zip(model[::2], start.weights, start.biases):
                lin.weight.copy_(torch.tensor(w.T))  # PyTorch stores (out, in)
                lin.bias.copy_(torch.tensor(b))
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        for i in range(steps):
            opt.zero_grad()
            out = model(Xt[i : i + 1])
            loss = 0.5 * ((out - Yt[i : i + 1]) ** 2).sum()
            loss.backward()
            opt.step()
        state["params"] = [
            p for lin in model[::2] for p in (lin.weight.detach().numpy().T.copy(),
                                              lin.bias.detach().numpy().copy())
        ]

    return run, lambda: state["params"]


def make_scalar(start: MatrixMLP, X, Y):
    import nn

    state = {}

    def run(steps: int) -> None:
        mlp = start.to_mlp()
        opt = nn.SGD(mlp.parameters(), lr=LR)
        for i in range(steps):
            opt.zero_grad()
            loss = nn.half_sse_loss(mlp(X[i].tolist()), Y[i].tolist(), reduction="sum")
            loss.backward()
            opt.step()
        state["params"] = [p.copy() for p in MatrixMLP.from_mlp(mlp).parameters()]

    return run, lambda: state["params"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1400, help="SGD steps per timed run")
    parser.add_argument("--scalar-steps", type=int, default=20,
                        help="steps per timed run for the (slow) scalar engine")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the best counts")
    parser.add_argument("--no-scipy", action="store_true",
                        help="nn.matrix without scipy's expit (its numpy fallback sigmoid)")
    args = parser.parse_args(argv)
    if args.no_scipy:
        import nn.matrix

        nn.matrix._EXPIT = False

    X, Y = data(max(args.steps, args.scalar_steps))
    start = MatrixMLP(SIZES, "sigmoid", init="xavier", gain=4.0, seed=0)
    import torch

    print(f"post 004's step (2-25-50-25-2 sigmoid, batch 1, half SSE, SGD lr {LR}), float64")
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), {platform.machine()}")
    print(f"best of {args.repeats} runs of {args.steps} steps ({args.scalar_steps} for the scalar "
          f"engine); nn.matrix sigmoid: {'numpy' if args.no_scipy else 'scipy expit if installed'}")

    contestants = [
        ("nn.matrix", make_matrix, args.steps),
        ("numpy loop (reference)", make_numpy_loop, args.steps),
        ("PyTorch float64", make_torch, args.steps),
        ("chainrule scalar engine", make_scalar, args.scalar_steps),
    ]
    times, finals = {}, {}
    for name, make, steps in contestants:
        run, final = make(start, X, Y)
        run(min(steps, 50))  # warm up
        times[name] = best_per_step(run, steps, args.repeats)
        run(args.scalar_steps)  # the same steps for every contestant, for the check below
        finals[name] = final()

    print()
    for name, _, _ in contestants:
        print(f"  {name:<26} {times[name] * 1e6:10.1f} us per step")
    m = times["nn.matrix"]
    print()
    print(f"  PyTorch / nn.matrix          {times['PyTorch float64'] / m:8.2f}x   (target >= 5)")
    print(f"  nn.matrix / numpy loop       {m / times['numpy loop (reference)']:8.2f}x   "
          f"(target <= 1.5)")
    print(f"  scalar engine / nn.matrix    {times['chainrule scalar engine'] / m:8.1f}x")

    ref = finals["nn.matrix"]
    worst = 0.0
    for params in finals.values():
        for a, b in zip(params, ref):
            worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))))
    print(f"\nafter {args.scalar_steps} identical steps, largest relative difference of any "
          f"parameter from nn.matrix's: {worst:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
