"""`python -m chainrule` and the `chainrule` command: the same function, so the same run.

Before importing `autograd` and `nn`, checks that they are chainrule's: with PyPI's `autograd`
(or another `nn`) installed, or a folder of that name in the way, it says so in one line and
exits with status 2 instead of an ImportError traceback. A reader of stdout that goes away
(`chainrule worked-example | head -1`) ends the run quietly with status 0, as for other Unix
tools, wherever the write meets it: in a command's output, in `--help` or `--version`, or in
the last flush.
"""

from __future__ import annotations

import sys
from typing import Sequence

from . import _names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `chainrule` command.

    Args:
        argv: The arguments after the command's name (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0 done, 1 a command failed while running, 2 a refused flag or a
        foreign `autograd`/`nn` in the way, 130 interrupted.
    """
    try:
        status = _run(argv)
        sys.stdout.flush()  # a reader that has gone shows here, not as a warning at exit
        return status
    except BrokenPipeError as e:
        if e.filename is not None:
            raise
        from .cli._args import stdout_closed

        return stdout_closed()
    except SystemExit:  # argparse's --help, --version or a refused flag: its text, flushed
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            from .cli._args import stdout_closed

            stdout_closed()
        raise


def _run(argv: Sequence[str] | None) -> int:
    message = _names.foreign_package()
    if message is not None:
        print(message, file=sys.stderr)
        return 2
    warning = _names.shared_folder()
    if warning is not None:
        print(warning, file=sys.stderr)

    from .cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
