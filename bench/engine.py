"""Engine benchmark: time and bytes per node on micrograd's demo network, in one run.

The workload is micrograd's demo.ipynb loss: MLP 2-16-16-1 (ReLU hidden, linear output) on 100
moons points, hinge loss plus 1e-4 L2, built node for node the same way in every engine (the
same expression, so the same graph and node count), then one backward pass.

Engines: chainrule; micrograd 0.1.0 from PyPI; PyTorch with 0-d float64 tensors; and plain Python
floats for the forward pass alone (the floor: the arithmetic without any graph).
Times are process CPU time (time.process_time), so other work on the machine does not count.
Run by hand:  python bench/engine.py [--repeats N]
Needs:        pip install -e ".[bench]"   (micrograd, torch)
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc

import autograd

N_POINTS, SIZES, ALPHA, SEED = 100, [2, 16, 16, 1], 1e-4, 1337

# CPU time of this process: the machine's other work does not count, the collector's does.
_clock = time.process_time


def make_data():
    """100 points in two interleaved half-circles (as make_moons(noise=0.1)), seeded."""
    import math

    rng = random.Random(SEED)
    xs, ys = [], []
    for i in range(N_POINTS):
        t = math.pi * rng.random()
        if i % 2:
            xs.append([math.cos(t) + rng.gauss(0, 0.1), math.sin(t) + rng.gauss(0, 0.1)])
            ys.append(-1.0)
        else:
            xs.append([1 - math.cos(t) + rng.gauss(0, 0.1), 0.5 - math.sin(t) + rng.gauss(0, 0.1)])
            ys.append(1.0)
    return xs, ys


def make_weights():
    """Per layer, per neuron: (weights, bias), uniform in (-1, 1) as micrograd, seeded."""
    rng = random.Random(SEED)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in zip(SIZES, SIZES[1:])
    ]


def build_loss(V, weights, xs, ys, relu, params_out):
    """micrograd's demo loss, written once for any engine given its Value-like type V."""
    params = [[([V(w) for w in ws], V(b)) for ws, b in layer] for layer in weights]
    for layer in params:
        for ws, b in layer:
            params_out.extend(ws)
            params_out.append(b)
    last = len(params) - 1
    losses = []
    for x, y in zip(xs, ys):
        act = [V(xi) for xi in x]
        for i, layer in enumerate(params):
            out = []
            for ws, b in layer:
                z = sum((wi * xi for wi, xi in zip(ws, act)), b)
                out.append(z if i == last else relu(z))
            act = out
        losses.append(relu(1 + -y * act[0]))
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params_out)
    return data_loss + reg_loss


def count_nodes(root, operands):
    """Nodes in a graph, walked with an explicit stack (micrograd's own walk recurses)."""
    seen, stack = {id(root)}, [root]
    while stack:
        for child in operands(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def engine(name: str):
    """(Value type, relu, operands-of-a-node) for one engine, importing only that engine."""
    if name == "chainrule":
        return autograd.Value, lambda v: v.relu(), lambda v: v.operands
    if name == "micrograd":
        from micrograd.engine import Value as MValue

        return MValue, lambda v: v.relu(), lambda v: v._prev
    if name == "pytorch":
        import torch

        torch.set_num_threads(1)

        def tvalue(x):
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        return tvalue, torch.relu, None
    raise ValueError(f"unknown engine {name!r}")


def time_engine(V, relu, weights, xs, ys, repeats, collector):
    """Median forward and backward seconds over `repeats` full iterations (graph dropped each
    time, as in training), with the cyclic GC on or off."""
    fwd, bwd = [], []
    gc.collect()
    (gc.enable if collector else gc.disable)()
    try:
        for _ in range(repeats):
            params = []
            t0 = _clock()
            loss = build_loss(V, weights, xs, ys, relu, params)
            t1 = _clock()
            loss.backward()
            t2 = _clock()
            fwd.append(t1 - t0)
            bwd.append(t2 - t1)
            del loss, params
    finally:
        gc.enable()
    return statistics.median(fwd), statistics.median(bwd)


def bytes_per_node(V, relu, weights, xs, ys, nodes):
    gc.collect()
    tracemalloc.start()
    params = []
    loss = build_loss(V, weights, xs, ys, relu, params)
    loss.backward()
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del loss, params
    return used / nodes


def worker(name: str, repeats: int) -> dict:
    """One engine in this process alone: a fresh interpreter whose heap holds only that engine,
    so the cyclic GC's cost is the engine's own, not that of another library's import."""
    xs, ys = make_data()
    weights = make_weights()
    if name == "plain":
        t0 = _clock()
        for _ in range(repeats):
            build_loss(float, weights, xs, ys, lambda z: z if z > 0 else 0.0, [])
        return {"forward": (_clock() - t0) / repeats}
    V, relu, operands = engine(name)
    result = {}
    for collector in (True, False):
        result["on" if collector else "off"] = time_engine(V, relu, weights, xs, ys, repeats,
                                                           collector)
    if operands is not None:
        result["nodes"] = count_nodes(build_loss(V, weights, xs, ys, relu, []), operands)
        result["bytes"] = bytes_per_node(V, relu, weights, xs, ys, result["nodes"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats)))
        return

    results = {}
    for name in ("chainrule", "micrograd", "pytorch", "plain"):
        done = subprocess.run([sys.executable, __file__, "--worker", name, "--repeats",
                               str(args.repeats)], capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            if last.startswith("ModuleNotFoundError"):
                print(f"{name}: skipped, not installed ({last}); pip install -e \".[bench]\"")
            else:
                print(f"{name}: failed, skipped: {last}")
            continue
        results[name] = json.loads(done.stdout)
    if "chainrule" not in results:
        sys.exit("bench/engine.py: chainrule itself failed (above); nothing to compare")
    nodes = results["chainrule"]["nodes"]
    theirs = (f"{results['micrograd']['nodes']} in micrograd (same expression)"
              if "micrograd" in results else "micrograd not measured")
    print(f"python {sys.version.split()[0]}; micrograd's demo loss (MLP 2-16-16-1, 100 points, "
          f"hinge + L2): {nodes} nodes in chainrule, {theirs}; each engine in its own process; "
          f"median of {args.repeats} forward+backward iterations")
    print(f"\n{'engine':<12}{'gc':<5}{'forward ns/node':>16}{'backward ns/node':>18}"
          f"{'total ns/node':>15}{'chainrule is':>16}")
    for mode in ("on", "off"):
        ours = sum(results["chainrule"][mode])
        for name in ("chainrule", "micrograd", "pytorch"):
            if name not in results:
                continue
            f, b = results[name][mode]
            ratio = "" if name == "chainrule" else f"{(f + b) / ours:.1f}x faster"
            print(f"{name:<12}{mode:<5}{f / nodes * 1e9:>16.0f}{b / nodes * 1e9:>18.0f}"
                  f"{(f + b) / nodes * 1e9:>15.0f}{ratio:>16}")
    if "plain" in results:
        print(f"{'plain float':<12}{'on':<5}{results['plain']['forward'] / nodes * 1e9:>16.0f}"
              f"{'-':>18}{'-':>15}{'(no graph)':>16}")
    print("\nbytes per node (tracemalloc: everything the forward and backward allocated, over "
          "the node count):")
    for name in ("chainrule", "micrograd"):
        if name in results:
            print(f"  {name:<10} {results[name]['bytes']:7.0f}")
    if "micrograd" not in results:
        print("\nno micrograd to compare with: pip install -e \".[bench]\" for the targets")
        return
    mg, us = results["micrograd"], results["chainrule"]
    print(f"\ntargets: >= 10x micrograd with gc on: {sum(mg['on']) / sum(us['on']):.1f}x; "
          f">= 2x with gc off: {sum(mg['off']) / sum(us['off']):.1f}x; "
          f"<= 250 bytes per node: {us['bytes']:.0f}")


if __name__ == "__main__":
    main()
