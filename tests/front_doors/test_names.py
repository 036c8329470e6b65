"""chainrule._names: is the `autograd` (`nn`) that Python would import chainrule's own?

In-process, with stand-in packages on sys.path; tests/front_doors/test_bare_install.py does the
same with PyPI's real autograd in a fresh environment.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import autograd
import nn
from chainrule import _names

ROOT = Path(__file__).resolve().parents[2]


def test_our_packages_carry_the_marker() -> None:
    for module in (autograd, nn):
        assert module.__doc__ is not None and module.__doc__.startswith(_names.MARKER)
    assert _names.foreign_package() is None


def test_importing_chainrule_imports_neither_autograd_nor_nn() -> None:
    code = ("import sys, chainrule, chainrule._names, chainrule.__main__; "
            "print(sorted(m for m in ('autograd', 'nn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Another project's `autograd` first on the path (not imported, only found)."""
    (tmp_path / "autograd").mkdir()
    (tmp_path / "autograd" / "__init__.py").write_text('"""Efficiently computes derivatives."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(ROOT)
    return tmp_path


def test_a_foreign_autograd_is_named_with_what_to_do(stand_in: Path) -> None:
    message = _names.foreign_package()
    assert message == (
        f"chainrule: `import autograd` would load another project's package, "
        f"{stand_in / 'autograd'}, not chainrule's: install chainrule in a virtual environment of "
        f"its own: python3 -m venv .venv && . .venv/bin/activate && pip install -e <chainrule's "
        f"folder>")
    with pytest.raises(_names.ForeignPackageError, match="another project's package"):
        _names.check()
    assert isinstance(_names.ForeignPackageError("x"), ImportError)


def test_the_command_refuses_in_one_line_with_exit_status_2(
    stand_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from chainrule.__main__ import main

    assert main(["worked-example"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "another project's package" in err


def test_an_installed_distribution_is_named_with_its_version(
    stand_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importlib.metadata, "packages_distributions",
                        lambda: {"autograd": ["autograd"], "nn": ["chainrule"]})
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.9.1")
    message = _names.foreign_package()
    assert message is not None
    assert "(from the installed package autograd 1.9.1), not chainrule's: pip uninstall " \
           "autograd, or install chainrule" in message


def test_a_missing_package_is_a_broken_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _names._init_file
    monkeypatch.setattr(_names, "_init_file", lambda name: None if name == "nn" else real(name))
    assert _names.foreign_package() == (
        "chainrule: cannot find its `nn` package: the install is broken; reinstall with "
        "pip install -e <chainrule's folder>")


class FakeFile:
    def __init__(self, path: Path, relative: str) -> None:
        self.path, self.parts = path, tuple(relative.split("/"))

    def locate(self) -> Path:
        return self.path


def test_another_distribution_writing_into_our_folder_is_a_warning(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `pip install .` (not -e) over PyPI's autograd leaves: two distributions, one folder.
    folder = Path(autograd.__file__).resolve().parent
    files = [FakeFile(folder / "core.py", "autograd/core.py")]
    monkeypatch.setattr(_names, "_providers", lambda names: {"autograd": ["autograd"], "nn": []})
    monkeypatch.setattr(importlib.metadata, "distribution",
                        lambda name: type("D", (), {"files": files})())
    warning = _names.shared_folder()
    assert warning == (
        f"chainrule: warning: autograd and chainrule share the folder {folder}: one overwrote "
        f"the other's files, and uninstalling either breaks both; install chainrule in a "
        f"virtual environment of its own: python3 -m venv .venv && . .venv/bin/activate && "
        f"pip install -e <chainrule's folder>")


def test_no_warning_when_the_other_distribution_lives_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    files = [FakeFile(tmp_path / "autograd" / "core.py", "autograd/core.py")]
    monkeypatch.setattr(_names, "_providers", lambda names: {"autograd": ["autograd"], "nn": []})
    monkeypatch.setattr(importlib.metadata, "distribution",
                        lambda name: type("D", (), {"files": files})())
    assert _names.shared_folder() is None


def test_the_fast_scan_finds_what_packages_distributions_finds() -> None:
    # _providers replaces packages_distributions on every start of the command: same answer.
    slow = importlib.metadata.packages_distributions()
    fast = _names._providers(("autograd", "nn", "numpy", "pytest"))
    for name, dists in fast.items():
        assert dists == sorted({d for d in slow.get(name, []) if d.lower() != "chainrule"})
    assert fast["numpy"] == ["numpy"] and fast["autograd"] == []


def test_python_m_chainrule_runs_the_command() -> None:
    done = subprocess.run([sys.executable, "-m", "chainrule", "--help"], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: chainrule")


def test_the_notebook_conftest_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import importlib.util

    from notebooks import conftest as nb

    notebook = tmp_path / "x.ipynb"
    notebook.write_text('{"cells": [], "metadata": {"chainrule": {"requires": '
                        '["matplotlib", "dot"]}}}')
    monkeypatch.setattr(nb.shutil, "which", lambda name: None)
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "matplotlib" else real(name, *args)

    monkeypatch.setattr(nb.importlib.util, "find_spec", find_spec)
    assert nb.skip_reason(notebook) == (
        "matplotlib is not installed (pip install -e \".[notebooks]\"); Graphviz's dot program "
        "is not installed (apt-get install graphviz)")
    monkeypatch.undo()
    assert nb.missing(["numpy"]) == []
