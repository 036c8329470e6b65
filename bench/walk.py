"""backward()'s walk of the graph, counted in CPU instructions (valgrind's callgrind).

The walks that list a graph's nodes for the chain rule: `_consuming_order` (every
`loss.backward()`) and `topo_order` (`backward(retain_graph=True)`, the micrograd door, the
pictures and `explain`), on micrograd's demo loss built with `nn.MLP(2, [16, 16, 1])` over 100
points. Times on a shared machine move by 10-30% from run to run; instruction counts do not, so
a change to a walk is measured here as instructions per node, before and after, in one run.

    python bench/walk.py                      # this checkout
    python bench/walk.py --before CHECKOUT    # and another (PYTHONPATH=CHECKOUT), with the ratio

Each count is the difference between a process that walks the graph `--walks` times and one that
builds the same graph and does not walk it (after each consuming walk the marks are put back,
as an interrupted walk would leave them, which is counted too). Needs valgrind (Debian:
valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


WALKS = ("consuming", "topo_order")


def work(kind: str, walks: int) -> None:
    """Build the demo loss (seeded data, no numpy) and walk it `walks` times."""
    import gc
    import random

    from autograd import Value
    from autograd.backward import _consuming_order, _unconsume, topo_order
    from nn import MLP

    gc.disable()
    rng = random.Random(0)
    X = [[rng.uniform(-1.0, 2.0), rng.uniform(-1.0, 1.0)] for _ in range(100)]
    y = [rng.choice((-1, 1)) for _ in range(100)]
    model = MLP(2, [16, 16, 1], seed=1337)
    inputs = [list(map(Value, row)) for row in X]
    losses = [(1 + -yi * model(x)[0]).relu() for yi, x in zip(y, inputs)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    for _ in range(walks):
        if kind == "topo_order":
            order = topo_order(loss)
        else:
            order, _ = _consuming_order(loss)
            _unconsume(order, order[-1]._mark)
    print(len(order) if walks else 0)


def count(path: str | None, kind: str, walks: int) -> tuple[int, int]:
    """(instructions, nodes) of one worker process under callgrind."""
    env = dict(os.environ, PYTHONPATH=path) if path else None
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
             sys.executable, __file__, "--worker", kind, str(walks)],
            capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {done.stderr[-500:]}")
    return int(found.group(1)), int(done.stdout.strip() or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=5)
    parser.add_argument("--before", metavar="CHECKOUT")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        work(args.worker[0], int(args.worker[1]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)")
        return 1
    trees = [("now", None)] + ([("before", os.path.abspath(args.before))] if args.before else [])
    for kind in WALKS:
        per_node = {}
        for name, path in trees:
            base, _ = count(path, kind, 0)
            total, nodes = count(path, kind, args.walks)
            per_walk = (total - base) / args.walks
            per_node[name] = per_walk / nodes
            print(f"{kind:<10} {name:<7} {nodes} nodes: {per_walk / 1e6:7.2f} M instructions "
                  f"per walk, {per_node[name]:7.1f} per node" + (f"  [{path}]" if path else ""))
        if "before" in per_node:
            print(f"{kind:<10} before / now: {per_node['before'] / per_node['now']:.2f}x")
    print("(consuming: the marks are put back after each walk, as an interrupted walk would; "
          "counted too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
