"""The command starts at once: `chainrule --help` and `chainrule explain` import only what they
need (never numpy, nn.matrix or the demos), each checked in a fresh interpreter. The time it
takes is measured by bench/cli.py, not here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "nn.matrix", "nn.examples.moons", "nn.examples.moons_matrix",
         "nn.examples.digits_matrix", "nn.compiled", "graphviz", "sklearn", "tqdm", "torch")

PROBE = """
import json, sys
from chainrule.__main__ import main
try:
    status = main(json.loads(sys.argv[1]))
except SystemExit as e:
    status = e.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def loaded(argv: list[str]) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["status"], set(report["modules"])


@pytest.mark.parametrize("argv", [["--help"], ["explain", "w35"], ["explain", "--help"],
                                  ["graph", "--help"], ["dmeo"]])
def test_help_and_explain_import_nothing_heavy(argv):
    status, modules = loaded(argv)
    assert status == 0 or argv == ["dmeo"]
    heavy = sorted(m for m in modules if m in HEAVY or m.split(".")[0] in HEAVY)
    assert heavy == [], heavy


def test_help_does_not_even_load_the_engine():
    status, modules = loaded(["--help"])
    assert status == 0
    assert not {"autograd", "nn"} & modules
    # only the table of subcommands: no subcommand module is imported for the top-level help
    assert not any(m.startswith("chainrule.cli.") and m != "chainrule.cli._args"
                   for m in modules)


def test_a_demo_imports_only_its_own_module():
    _, modules = loaded(["demo", "moons", "--help"])
    assert "nn.examples.moons" in modules
    assert not {"nn.examples.moons_matrix", "nn.examples.digits_matrix", "nn.matrix",
                "numpy"} & modules


def test_no_argument_parsing_is_left_in_the_engine_or_nn():
    for package in ("autograd", "nn"):
        for path in (ROOT / package).rglob("*.py"):
            assert "argparse" not in path.read_text(encoding="utf-8"), path
