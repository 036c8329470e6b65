"""autograd.compile benchmark: the worked example's step and micrograd's demo, in one run.

1. The worked example (2-2-1, sigmoid, E = 1/2 (yp - ya)^2): one step is forward, backward and
   six SGD updates; the whole 111-step descent from the post's weights is run again and again,
   and the time per step reported, for: hand-written float Python, the compiled code
   (`compiled.fn`, and the checked `compiled(...)`), the eager engine (build the graph,
   backward()), micrograd 0.1.0, PyTorch (0-d float64 tensors) and Tangent (tangent-ad:
   source-to-source AD of the same float function written with numpy).
2. micrograd's demo (MLP 2-16-16-1, 100 moons points, hinge + 1e-4 L2, 100 full-batch steps,
   lr 1.0 -> 0.1): `fit(compile=True)` (compiled, batched over numpy) against the eager
   chainrule run and micrograd (10 steps, scaled by 10).

Each engine runs in its own process (as bench/engine.py). Run by hand:  python bench/compile.py
Needs: pip install -e ".[bench,examples]"  (micrograd, torch, tangent-ad, scikit-learn)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

X1, X2, YA = 0.35, 0.9, 0.5
START = [0.1, 0.8, 0.4, 0.6, 0.3, 0.9]  # w13, w23, w14, w24, w35, w45
STEPS = 111  # plain SGD (lr 1) reaches E < 1e-7 at step 111


def hand_written():
    """The post's forward and backward by hand, all gradients at the same weights."""
    exp = math.exp

    def step(w13, w23, w14, w24, w35, w45):
        y3 = 1.0 / (1.0 + exp(-(w13 * X1 + w23 * X2)))
        y4 = 1.0 / (1.0 + exp(-(w14 * X1 + w24 * X2)))
        yp = 1.0 / (1.0 + exp(-(w35 * y3 + w45 * y4)))
        d5 = (yp - YA) * yp * (1.0 - yp)
        d3 = d5 * w35 * y3 * (1.0 - y3)
        d4 = d5 * w45 * y4 * (1.0 - y4)
        return 0.5 * (yp - YA) ** 2, (d3 * X1, d3 * X2, d4 * X1, d4 * X2, d5 * y3, d5 * y4)

    return step


def chainrule_compiled(checked: bool):
    from nn.examples.codegen import compiled_worked_example

    error, _ = compiled_worked_example()
    return error if checked else error.fn


def chainrule_eager():
    from nn.examples import worked_example

    names = list(worked_example.START)

    def step(*w):
        g = worked_example.forward(dict(zip(names, w)))
        g.error.backward()
        return g.error.data, tuple(g.weights[n].grad for n in names)

    return step


def micrograd_step():
    from micrograd.engine import Value

    def sigmoid(z):  # micrograd 0.1.0 has no exp: a node of our own, as its docs show for relu
        s = 1.0 / (1.0 + math.exp(-z.data))
        out = Value(s, (z,), "sigmoid")

        def _backward():
            z.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def step(*w):
        ws = [Value(x) for x in w]
        w13, w23, w14, w24, w35, w45 = ws
        y3 = sigmoid(w13 * X1 + w23 * X2)
        y4 = sigmoid(w14 * X1 + w24 * X2)
        yp = sigmoid(w35 * y3 + w45 * y4)
        e = 0.5 * (yp - YA) ** 2
        e.backward()
        return e.data, tuple(v.grad for v in ws)

    return step


def pytorch_step():
    import torch

    torch.set_num_threads(1)

    def step(*w):
        ws = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in w]
        w13, w23, w14, w24, w35, w45 = ws
        y3 = torch.sigmoid(w13 * X1 + w23 * X2)
        y4 = torch.sigmoid(w14 * X1 + w24 * X2)
        yp = torch.sigmoid(w35 * y3 + w45 * y4)
        e = 0.5 * (yp - YA) ** 2
        e.backward()
        return e.item(), tuple(v.grad.item() for v in ws)

    return step


def tangent_step():
    import numpy as np
    import tangent

    def f(w13, w23, w14, w24, w35, w45):
        y3 = 1.0 / (1.0 + np.exp(-(w13 * X1 + w23 * X2)))
        y4 = 1.0 / (1.0 + np.exp(-(w14 * X1 + w24 * X2)))
        yp = 1.0 / (1.0 + np.exp(-(w35 * y3 + w45 * y4)))
        return 0.5 * (yp - YA) ** 2

    df = tangent.grad(f, wrt=(0, 1, 2, 3, 4, 5), preserve_result=True, verbose=0)

    def step(*w):
        *grads, e = df(*w)
        return float(e), tuple(float(g) for g in grads)

    return step


WORKED = {
    "hand-written floats": hand_written,
    "compiled (.fn)": lambda: chainrule_compiled(False),
    "compiled (checked call)": lambda: chainrule_compiled(True),
    "chainrule eager": chainrule_eager,
    "micrograd": micrograd_step,
    "pytorch": pytorch_step,
    "tangent": tangent_step,
}


def worked_worker(name: str, repeats: int) -> dict:
    step = WORKED[name]()
    first = step(*START)
    runs = []
    for _ in range(repeats):
        w13, w23, w14, w24, w35, w45 = START
        t0 = time.perf_counter()
        for _ in range(STEPS):
            _, g = step(w13, w23, w14, w24, w35, w45)
            w13 -= g[0]
            w23 -= g[1]
            w14 -= g[2]
            w24 -= g[3]
            w35 -= g[4]
            w45 -= g[5]
        runs.append((time.perf_counter() - t0) / STEPS)
    return {"step": min(runs), "E": first[0], "dw35": first[1][4],
            "final": [w13, w23, w14, w24, w35, w45]}


def demo_worker(name: str) -> dict:
    from nn.examples import moons

    moons.make_data()  # scikit-learn imported before the clock starts
    if name == "micrograd":
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        import random

        from engine import build_loss
        from micrograd.engine import Value
        from micrograd.nn import MLP

        X, y = moons.make_data()
        random.seed(1337)
        model = MLP(2, [16, 16, 1])
        weights = [[([w.data for w in n.w], n.b.data) for n in layer.neurons]
                   for layer in model.layers]
        steps, t0 = 10, time.perf_counter()
        for k in range(steps):
            params: list = []
            loss = build_loss(Value, weights, X, y, lambda v: v.relu(), params)
            loss.backward()
            lr = 1.0 - 0.9 * k / 100
            flat = iter(p.data - lr * p.grad for p in params)
            weights = [[([next(flat) for _ in ws], next(flat)) for ws, _ in layer]
                       for layer in weights]
        return {"seconds": time.perf_counter() - t0, "steps": steps}
    t0 = time.perf_counter()
    _, history = moons.train(steps=100, compile=(name == "compiled"))
    return {"seconds": time.perf_counter() - t0, "steps": 100, "loss": history.step_loss}


def run_worker(args: list[str]) -> dict | None:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        print(f"  {args[1]}: failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        return None
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--worked", help=argparse.SUPPRESS)
    parser.add_argument("--demo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worked:
        print(json.dumps(worked_worker(args.worked, args.repeats)))
        return
    if args.demo:
        print(json.dumps(demo_worker(args.demo)))
        return

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores, load average {load:.1f} "
          f"at the start (other work on the machine slows every figure); each engine in its "
          f"own process")
    print(f"\n1. worked example: one step = forward + backward + six SGD updates; best of "
          f"{args.repeats} runs of the {STEPS}-step descent")
    results = {}
    for name in WORKED:
        result = run_worker(["--worked", name, "--repeats", str(args.repeats)])
        if result is not None:
            results[name] = result
    hand = results["hand-written floats"]["step"]
    eager = results.get("chainrule eager")
    print(f"\n{'':<26}{'us/step':>9}{'vs hand':>9}   dE/dw35 at the start     E at the start")
    for name, r in results.items():
        print(f"{name:<26}{r['step'] * 1e6:>9.2f}{r['step'] / hand:>8.1f}x   {r['dw35']!r:<24} "
              f"{r['E']!r}")
    ours = results["compiled (.fn)"]
    same = eager is not None and ours["final"] == eager["final"] and ours["dw35"] == eager["dw35"]
    print(f"\ncompiled == eager engine, bit for bit (first gradients and weights after "
          f"{STEPS} steps): {same}")
    line = [f"targets: within 3x of hand-written: {ours['step'] / hand:.1f}x"]
    if eager is not None:
        line.append(f">= 20x faster than eager: {eager['step'] / ours['step']:.0f}x")
    if "tangent" in results:
        line.append(f">= 3x faster than Tangent: {results['tangent']['step'] / ours['step']:.1f}x")
    else:
        line.append("Tangent: did not run here (see above)")
    print("; ".join(line))
    checked = results["compiled (checked call)"]["step"]
    print(f"(the checked call, compiled(...), which validates its arguments: "
          f"{checked / hand:.1f}x hand-written, {eager['step'] / checked if eager else 0:.0f}x "
          f"faster than eager)")

    print("\n2. micrograd's demo: MLP 2-16-16-1, 100 moons points, hinge + L2, 100 full-batch "
          "steps")
    demo = {name: run_worker(["--demo", name]) for name in ("compiled", "eager", "micrograd")}
    c, e, m = demo["compiled"], demo["eager"], demo["micrograd"]
    if c is not None:
        print(f"  fit(compile=True), batched : {c['seconds']:7.2f} s for 100 steps (compile "
              f"and the first step's eager check included)")
    if e is not None:
        print(f"  chainrule eager fit        : {e['seconds']:7.2f} s for 100 steps")
    if m is not None:
        scaled = m["seconds"] * 100 / m["steps"]
        print(f"  micrograd 0.1.0            : {scaled:7.2f} s for 100 steps (timed on "
              f"{m['steps']} steps, scaled by {100 // m['steps']})")
    if c is not None and e is not None:
        worst = max(abs(a - b) / abs(b) for a, b in zip(c["loss"], e["loss"]))
        print(f"  loss trajectory, compiled vs eager: largest relative difference {worst:.3g} "
              f"({'bit for bit' if c['loss'] == e['loss'] else 'not bit for bit'}); "
              f"final loss {c['loss'][-1]!r}")
    if c is not None and m is not None:
        print(f"targets: under 1 s: {c['seconds']:.2f} s; >= 150x micrograd: "
              f"{m['seconds'] * 100 / m['steps'] / c['seconds']:.0f}x"
              + (f"; {e['seconds'] / c['seconds']:.0f}x faster than the eager chainrule fit"
                 if e is not None else ""))
    if hasattr(os, "getloadavg"):
        print(f"(load average {os.getloadavg()[0]:.1f} now)")
    print("\n3. compile time per node (autograd.compile on a chain graph, CPython's compiler "
          "included):")
    import autograd
    from autograd.compile import compile as compile_graph

    for n in (1_000, 10_000, 100_000):
        x = autograd.Value(0.5, label="x")
        node = x
        for i in range(n // 4):
            node = (node * 0.999 + x).tanh() if i % 2 else node * 0.5 + x
        nodes = len(autograd.topo_order(node))
        t0 = time.perf_counter()
        compiled = compile_graph(node, [x])
        seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        compiled.fn(0.5)
        run = time.perf_counter() - t1
        print(f"  {nodes:>7} nodes: {seconds:6.2f} s ({seconds / nodes * 1e6:.0f} us/node); "
              f"one call {run * 1e3:.1f} ms ({run / nodes * 1e9:.0f} ns/node)")


if __name__ == "__main__":
    main()
