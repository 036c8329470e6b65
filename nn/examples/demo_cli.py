"""`chainrule demo NAME`: the longer demos, each in its own module under nn/examples.

Each demo module defines add_arguments(parser) and run(args) -> int.
"""

from __future__ import annotations

import argparse
import importlib

DEMOS = {
    "moons": ("nn.examples.moons", "micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons points"),
    "moons-matrix": ("nn.examples.moons_matrix", "post 004: 2-25-50-25-2 numpy net on 2000 moons"),
    "digits-matrix": ("nn.examples.digits_matrix", "post 000, adapted: 64-30-10 on sklearn digits"),
}


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("demo", help="longer demos: " + ", ".join(DEMOS))
    demos = p.add_subparsers(dest="demo", required=True, metavar="NAME")
    for name, (module, help_text) in DEMOS.items():
        sub = demos.add_parser(name, help=help_text, description=help_text)
        mod = importlib.import_module(module)
        mod.add_arguments(sub)
        sub.set_defaults(run=mod.run)
