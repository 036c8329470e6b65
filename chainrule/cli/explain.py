"""`chainrule explain NAME`: the chain rule of dE/dNAME for the worked example, in symbols and
numbers, after one forward and backward pass at the post's starting weights."""

from __future__ import annotations

import argparse

from autograd import explain

from . import _worked
from ._args import integer, say

DESCRIPTION = ("Write dE/dNAME for the worked example as the chain rule: the product of local "
               "derivatives along the path from NAME to E, and the number backward() gives.")


def add_arguments(e: argparse.ArgumentParser, argv: list[str]) -> None:
    e.add_argument("name", type=_worked.node_name, metavar="NAME",
                   help=f"the Value to differentiate by: {', '.join(_worked.LABELS)} (the "
                        "post's w53 is w35, and so on)")
    e.add_argument("--latex", action="store_true", help="print the LaTeX form instead")
    e.add_argument("--digits", type=integer(1, 17), default=4,
                   help="significant digits, 1 to 17 (default 4)")


def run(args: argparse.Namespace) -> int:
    error, nodes = _worked.graph()
    if _worked.same_weight(args.name):
        say(_worked.same_weight(args.name))
    wrt = nodes[args.name]
    result = explain(error, wrt, digits=args.digits)
    say(result.latex if args.latex else result.text)
    say(f"backward() gives {args.name}.grad = {wrt.grad!r}")
    return 0
