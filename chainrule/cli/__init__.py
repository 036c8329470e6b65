"""The `chainrule` command: one module per subcommand, the shared flag checks in `_args`.

Only the chosen subcommand's module is imported (and it imports what it needs when it runs):
`chainrule --help` lists the subcommands from the table below without loading the engine, and
`chainrule explain` never loads numpy, `nn.matrix` or the demos. Each module defines

    DESCRIPTION                 the text of its --help (a one-line `help` is in COMMANDS)
    add_arguments(parser, argv) its flags (argv: what follows the subcommand's name)
    run(args) -> int            the exit status
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ._args import Parser, Version, fail, stdout_closed

__all__ = ["COMMANDS", "build_parser", "main"]

# name: (module, one-line help). The modules are imported only when chosen.
COMMANDS = {
    "worked-example": ("chainrule.cli.worked_example",
                       "the 2-2-1 network of the post, trained until E < 1e-7"),
    "graph": ("chainrule.cli.graph",
              "draw the worked example's graph (values, gradients, the w35 path), or write "
              "its step-by-step page"),
    "explain": ("chainrule.cli.explain", "the chain rule of dE/dNAME, with symbols and numbers"),
    "demo": ("chainrule.cli.demo", "longer demos: moons, moons-matrix, digits-matrix"),
    "codegen": ("chainrule.cli.codegen",
                "the worked example's forward and backward pass as Python (autograd.compile)"),
    "play": ("chainrule.cli.play",
             "serve the built site's playground (chainrule in the browser) on 127.0.0.1"),
}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the flags of the subcommand named first in `argv` (if any)."""
    # Parser: a bad flag is one line on stderr and exit status 2 (see _args.py).
    parser = Parser(
        prog="chainrule",
        description="Backpropagation done for real: demos of the chainrule library.",
    )
    parser.add_argument("--version", action=Version, help="print chainrule's version and exit")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # The top level has no flags but --help and --version (each ends the run), so the first
    # word is the subcommand if any is.
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            sub.description = module.DESCRIPTION
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            module.add_arguments(sub, list(argv[1:]))
            sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # a reader that has gone shows here, not as a warning at exit
        return status
    except BrokenPipeError as e:
        if e.filename is None:  # stdout's reader has gone (`| head`): stop quietly
            return stdout_closed()
        return fail(_prog(args), f"the file {str(e.filename)!r}: {e.strerror or e}")
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
