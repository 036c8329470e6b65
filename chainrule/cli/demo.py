"""`chainrule demo NAME`: the longer demos, each an example program under nn/examples.

The flags of each demo are here; the example module (and numpy, for the matrix demos) is
imported only for the demo that was chosen.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

from ._args import integer, real, seed

DESCRIPTION = "The longer demos of chainrule: moons, moons-matrix, digits-matrix."

# name: (example module, one-line help)
DEMOS = {
    "moons": ("nn.examples.moons", "micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons points"),
    "moons-matrix": ("nn.examples.moons_matrix", "post 004: 2-25-50-25-2 numpy net on 2000 moons"),
    "digits-matrix": ("nn.examples.digits_matrix", "post 000, adapted: 64-30-10 on sklearn digits"),
}

# What every demo needs beyond the core install: scikit-learn's data sets, in the examples extra.
NEEDS = {"sklearn": "scikit-learn"}


def _moons(p: argparse.ArgumentParser, demo: Any) -> Callable[[argparse.Namespace], int]:
    p.add_argument("--steps", type=integer(1), default=100, help="training steps (default 100)")
    p.add_argument("--seed", type=seed, default=demo.SEED,
                   help=f"seed of the data and the weights (default {demo.SEED}, micrograd's)")
    p.add_argument("--samples", type=integer(1), default=100, help="moons points (default 100)")
    p.add_argument("--noise", type=real(0.0), default=0.1, help="moons noise (default 0.1)")
    p.add_argument("--l2", type=real(0.0), default=1e-4, help="L2 penalty (default 1e-4)")
    p.add_argument("--batch-size", type=integer(1), default=None,
                   help="minibatch size (default: full batch, as micrograd's demo)")
    p.add_argument("--compile", action="store_true",
                   help="train through the compiled graph, batched over numpy "
                        "(autograd.compile): the same steps, much faster")
    p.add_argument("--grid", action="store_true",
                   help="print the decision regions as text at the end")
    return lambda a: int(demo.run(steps=a.steps, seed=a.seed, samples=a.samples, noise=a.noise,
                                  l2=a.l2, batch_size=a.batch_size, compile=a.compile,
                                  grid=a.grid))


def _moons_matrix(p: argparse.ArgumentParser, demo: Any) -> Callable[[argparse.Namespace], int]:
    p.add_argument("--epochs", type=integer(1), default=demo.EPOCHS,
                   help=f"passes over the 1400 training points (default {demo.EPOCHS})")
    p.add_argument("--seed", type=seed, default=0, help="seed of the starting weights")
    p.add_argument("--init", default=demo.INIT,
                   choices=["xavier", "torch", "uniform", "post004", "normal"],
                   help=f"starting weights (default {demo.INIT} with --gain {demo.GAIN}; "
                        "post004 is the post's own)")
    p.add_argument("--gain", type=real(0.0, above=True), default=None,
                   help=f"multiplies every starting weight (default {demo.GAIN} for xavier, "
                        "1 for the other inits, which are complete starts of their own)")
    p.add_argument("--every", type=integer(1), default=10,
                   help="print a line every this many epochs (default 10)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return lambda a: int(demo.run(epochs=a.epochs, seed=a.seed, init=a.init, gain=a.gain,
                                  every=a.every, progress=not a.no_progress))


def _digits_matrix(p: argparse.ArgumentParser, demo: Any) -> Callable[[argparse.Namespace], int]:
    p.add_argument("--epochs", type=integer(1), default=demo.EPOCHS,
                   help=f"default {demo.EPOCHS}")
    p.add_argument("--seed", type=seed, default=0,
                   help="seed of the starting weights and of the shuffling")
    p.add_argument("--batch-size", type=integer(1), default=demo.BATCH,
                   help=f"images per SGD step (default {demo.BATCH}; the post used 1000)")
    # A learning rate must be > 0: a negative one climbs the loss, and 0 trains nothing.
    p.add_argument("--lr", type=real(0.0, above=True), default=demo.LR,
                   help=f"learning rate on the summed gradient, > 0 (default {demo.LR}; "
                        "the post's 0.01)")
    p.add_argument("--init", default=demo.INIT, choices=["xavier", "torch", "uniform", "normal"],
                   help=f"starting weights (default {demo.INIT}; the post's is normal, N(0, 1))")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return lambda a: int(demo.run(epochs=a.epochs, seed=a.seed, batch_size=a.batch_size,
                                  lr=a.lr, init=a.init, progress=not a.no_progress))


FLAGS = {"moons": _moons, "moons-matrix": _moons_matrix, "digits-matrix": _digits_matrix}


def _needing_extras(name: str, run: Callable[[argparse.Namespace], int]
                    ) -> Callable[[argparse.Namespace], int]:
    """`run`, after checking the examples extra is there: one line and exit status 1 if not."""

    def checked(args: argparse.Namespace) -> int:
        gone = [what for module, what in NEEDS.items() if importlib.util.find_spec(module) is None]
        if gone:
            print(f"chainrule demo {name}: needs {' and '.join(gone)}, which is not installed; "
                  f"install the examples extra: pip install -e \".[examples]\"", file=sys.stderr)
            return 1
        return run(args)

    return checked


def add_arguments(p: argparse.ArgumentParser, argv: list[str]) -> None:
    demos = p.add_subparsers(dest="demo", required=True, metavar="NAME")
    chosen = argv[0] if argv and argv[0] in DEMOS else None
    for name, (module, help_text) in DEMOS.items():
        sub = demos.add_parser(name, help=help_text, description=help_text)
        if name == chosen:  # only this demo's module is imported
            run = FLAGS[name](sub, importlib.import_module(module))
            sub.set_defaults(run=_needing_extras(name, run))


def run(args: argparse.Namespace) -> int:  # replaced by the chosen demo's (set_defaults)
    raise RuntimeError("chainrule demo: no demo was chosen")  # argparse requires NAME
