"""The command's manners (issue 23, item 7): `--version`; a reader of stdout that goes away
(`| head -1`) ends the run quietly with status 0; `python -m chainrule` is `chainrule`.

Each run is a fresh process. A closed stdout is made for certain, not by a race with `head`:
the pipe's read end is closed before the command starts, so its first write meets EPIPE.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULE = [sys.executable, "-m", "chainrule"]


def run(command: list[str], argv: list[str], closed_stdout: bool = False,
        unbuffered: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if unbuffered:  # every print is written at once: the reader's absence shows mid-output
        env["PYTHONUNBUFFERED"] = "1"
    if not closed_stdout:
        return subprocess.run(command + argv, cwd=ROOT, capture_output=True, text=True,
                              timeout=120, env=env, check=False)
    read, write = os.pipe()
    os.close(read)  # nobody will read: as `| head -1` once head has its line
    try:
        return subprocess.run(command + argv, cwd=ROOT, stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=120, env=env, check=False)
    finally:
        os.close(write)


def test_version_prints_the_installed_distributions_version():
    """On a7b7a6a: "chainrule: --version: unrecognized arguments" (status 2)."""
    done = run(MODULE, ["--version"])
    assert (done.returncode, done.stdout, done.stderr) == (0, f"chainrule {version('chainrule')}\n",
                                                          "")
    assert "--version" in run(MODULE, ["--help"]).stdout


@pytest.mark.parametrize("argv", [["worked-example"], ["codegen"], ["--help"], ["--version"]])
@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_closed_stdout_ends_quietly_with_status_0(argv, unbuffered):
    """On a7b7a6a: "chainrule worked-example: Broken pipe" on stderr, status 1 (or, for a
    write at exit, Python's "Exception ignored ... BrokenPipeError")."""
    done = run(MODULE, argv, closed_stdout=True, unbuffered=unbuffered)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_refused_flag_still_says_so_with_stdout_closed():
    done = run(MODULE, ["demo", "moons", "--steps", "0"], closed_stdout=True)
    assert done.returncode == 2
    assert done.stderr.startswith("chainrule demo moons: --steps must be an integer >= 1")


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("chainrule")
    if not script.exists():
        why = f"the `chainrule` command is not installed beside {sys.executable}"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI installs the package, so it must be there")
        pytest.skip(f"{why} (pip install -e .)")
    return [str(script)]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["explain", "w35"], ["dmeo"],
                                  ["worked-example", "--order", "document"]])
def test_python_m_chainrule_is_the_chainrule_command(argv):
    ours, theirs = run(MODULE, argv), run(_console_script(), argv)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode, theirs.stdout, theirs.stderr)
    assert ours.stdout or ours.stderr
