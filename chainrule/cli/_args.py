"""What the `chainrule` subcommands share about their flags: one line for a bad one.

argparse prints a usage line and then `error: argument --steps: ...`; `Parser` prints one line,
`chainrule demo moons: --steps must be an integer >= 1, got '0'`, and exits with status 2, as
argparse does. The `type=` functions below check a flag's value when it is parsed, so every
subcommand says what is wrong before it starts work, in the same words.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

__all__ = ["SEED_MAX", "Parser", "Version", "fail", "integer", "out_file", "real", "seed", "say",
           "stdout_closed", "version"]

SEED_MAX = 2**32 - 1  # scikit-learn's random_state and numpy's seeds both take 0 .. 2**32 - 1


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (and exit status 2).

    `argument --steps: must be ...` becomes `chainrule demo moons: --steps must be ...`; the
    usage stays one `--help` away. Subparsers made from it are Parsers too.
    """

    def error(self, message: str) -> NoReturn:
        match = re.fullmatch(r"argument ([^:]+): (.*)", message, flags=re.DOTALL)
        if match:
            flag, rest = match.groups()
            message = f"{flag} {rest}" if rest.startswith("must ") else f"{flag}: {rest}"
        self.exit(2, _one_line(f"{self.prog}: {message}") + "\n")


def version() -> str:
    """The installed distribution's version, as pip knows it (importlib.metadata).

    Returns:
        The version string, such as "0.1.0"; where chainrule runs from a source tree that was
        never installed, a phrase saying so.

    Example:
        >>> version()[0].isdigit()
        True
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("chainrule")
    except PackageNotFoundError:
        return "(version unknown: run from a source tree that was never installed)"


class Version(argparse.Action):
    """`--version`: print `chainrule X.Y.Z` on stdout and exit 0, as argparse's own version
    action does, with the version read only when asked (`--help` stays light)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit(0)


def stdout_closed() -> int:
    """Stop quietly once the reader of stdout has gone (`chainrule ... | head -1`).

    As other Unix tools, the command ends without a word and with status 0. Python would flush
    stdout once more at exit and print "Exception ignored ... BrokenPipeError"; pointing
    stdout at /dev/null first stops that (the recipe of Python's `signal` documentation).

    Returns:
        0, the exit status.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout to point elsewhere (an embedding's)
        pass
    return 0


def integer(low: int, high: int | None = None) -> Callable[[str], int]:
    """A `type=` for an int flag in [low, high]."""
    wanted = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    parse.__name__ = "integer"  # argparse names the type in some messages
    return parse


def seed(text: str) -> int:
    """A `type=` for --seed: 0 to 2**32 - 1, the range every seeded generator here accepts."""
    return integer(0, SEED_MAX)(text)


def real(low: float, *, above: bool = False) -> Callable[[str], float]:
    """A `type=` for a finite float flag >= low (> low with above=True)."""
    wanted = f"a finite number {'>' if above else '>='} {low:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (above and value == low):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    parse.__name__ = "real"
    return parse


def out_file(suffixes: Sequence[str]) -> Callable[[str], Path]:
    """A `type=` for a file to write: one of `suffixes`, in a folder that exists."""
    listed = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]

    def parse(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"must end in {listed}, got {text!r}")
        folder = path.parent
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(
                f"must be in a folder that exists; {str(folder)!r} does not (got {text!r})"
            )
        if not os.access(folder, os.W_OK):
            raise argparse.ArgumentTypeError(f"cannot be written: the folder {str(folder)!r} "
                                             f"is not writable (got {text!r})")
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"must be a file, but {text!r} is a folder")
        return path

    parse.__name__ = "file"
    return parse


def _one_line(text: str) -> str:
    """One line, whatever the text: runs of white space (newlines included) become one space,
    and any other control or bidi character is written as `repr` writes it (\\x1b, \\u202e), so
    nothing typed on the command line or read from a file can drive the terminal."""
    from autograd.naming import printable  # here: `chainrule --help` does not load the engine

    return printable(" ".join(text.split()))


def fail(prog: str, message: str, status: int = 1) -> int:
    """Print `prog: message` as one line on stderr; return the exit status for `run` to give
    (1: the command failed while running; 2: a flag's value was refused)."""
    print(_one_line(f"{prog}: {message}"), file=sys.stderr)
    return status


def say(text: str) -> None:
    """Print a line of a command's output with control and bidi characters escaped (a path
    typed on the command line goes through here)."""
    from autograd.naming import printable

    print("\n".join(printable(line) for line in text.split("\n")))
