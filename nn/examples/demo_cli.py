"""`chainrule demo NAME`: the longer demos, each in its own module under nn/examples.

Each demo module defines add_arguments(parser) and run(args) -> int.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from typing import Callable

DEMOS = {
    "moons": ("nn.examples.moons", "micrograd's demo: MLP(2, [16, 16, 1]) on 100 moons points"),
    "moons-matrix": ("nn.examples.moons_matrix", "post 004: 2-25-50-25-2 numpy net on 2000 moons"),
    "digits-matrix": ("nn.examples.digits_matrix", "post 000, adapted: 64-30-10 on sklearn digits"),
}


# What every demo needs beyond the core install: scikit-learn's data sets, in the examples extra.
NEEDS = {"sklearn": "scikit-learn"}


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


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("demo", help="longer demos: " + ", ".join(DEMOS))
    demos = p.add_subparsers(dest="demo", required=True, metavar="NAME")
    for name, (module, help_text) in DEMOS.items():
        sub = demos.add_parser(name, help=help_text, description=help_text)
        mod = importlib.import_module(module)
        mod.add_arguments(sub)
        sub.set_defaults(run=_needing_extras(name, mod.run))
