"""The `chainrule` command: the worked example and the other demos."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from nn.examples._args import Parser, fail

# Each module here defines add_command(subparsers): one subcommand each.
COMMAND_MODULES = [
    "nn.examples.worked_example_cli",
    "nn.examples.graph_cli",
    "nn.examples.demo_cli",
    "nn.examples.codegen_cli",
]


def build_parser() -> argparse.ArgumentParser:
    # Parser: a bad flag is one line on stderr and exit status 2 (see nn/examples/_args.py).
    parser = Parser(
        prog="chainrule",
        description="Backpropagation done for real: demos of the chainrule library.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return fail(_prog(args), "interrupted", 130)
    # What a command can meet while it runs: a file it cannot write, a loss that stopped being
    # a number. One line each, as a bad flag; anything else is a bug and keeps its traceback.
    except OSError as e:
        where = f"the file {str(e.filename)!r}: " if e.filename else ""
        return fail(_prog(args), f"{where}{e.strerror or e}")
    except (FloatingPointError, ValueError, TypeError) as e:
        return fail(_prog(args), str(e))


def _prog(args: argparse.Namespace) -> str:
    """`chainrule demo moons`, from the subcommands that were chosen."""
    words = [args.command] + ([args.demo] if getattr(args, "demo", None) else [])
    return " ".join(["chainrule", *words])


if __name__ == "__main__":
    sys.exit(main())
