"""`python -m chainrule` and the `chainrule` command.

Before importing `autograd` and `nn`, checks that they are chainrule's: with PyPI's `autograd`
(or another `nn`) installed, or a folder of that name in the way, it says so in one line and
exits with status 2 instead of an ImportError traceback.
"""

from __future__ import annotations

import sys
from typing import Sequence

from . import _names


def main(argv: Sequence[str] | None = None) -> int:
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
