"""The `chainrule` command: the worked example and the other demos."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

# Each module here defines add_command(subparsers): one subcommand each.
COMMAND_MODULES = [
    "nn.examples.worked_example_cli",
    "nn.examples.graph_cli",
    "nn.examples.demo_cli",
    "nn.examples.codegen_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="Backpropagation done for real: demos of the chainrule library.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
