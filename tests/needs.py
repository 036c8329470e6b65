"""What a check needs from the machine, said once: skip where it is missing, fail under CI.

A check that needs Graphviz's `dot` program may skip on a machine without it, saying why. CI
(.ci/run, which sets CI=true) installs it, so there a missing `dot` is an error, never a skip.
Mark a test `@pytest.mark.needs_dot`, or call `require_dot(...)` where only part of it needs it.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_dot(what: str) -> None:
    """Skip the running test, saying why, where `dot` is missing; fail instead under CI."""
    if shutil.which("dot") is not None:
        return
    why = f"{what} needs Graphviz's dot program (apt-get install graphviz)"
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI installs it, so it must be here")
    pytest.skip(why)
