"""The notebooks as tests: nbmake runs each from top to bottom, where it and they can run.

- With nbmake installed (the `test` extra), the notebooks run without `--nbmake` on the command
  line: it is switched on here, so `python -m pytest` needs no option that a plain pytest
  would refuse.
- Without nbmake, each notebook is one skipped test saying how to get it.
- A notebook that needs what is not installed (matplotlib, Graphviz's `dot` program) is
  skipped with that reason, instead of failing on its first import. Each notebook lists its
  needs in its metadata (`chainrule.requires`, written by make_notebooks.py).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

# What each need is, and how to get it.
NEEDS = {
    "matplotlib": ("matplotlib is not installed", "pip install -e \".[notebooks]\""),
    "sklearn": ("scikit-learn is not installed", "pip install -e \".[examples]\""),
    "dot": ("Graphviz's dot program is not installed", "apt-get install graphviz"),
}


def missing(requires: list[str]) -> list[str]:
    """The needs in `requires` that this machine lacks ('dot' is a program, the rest modules)."""
    gone = []
    for need in requires:
        found = shutil.which(need) if need == "dot" else importlib.util.find_spec(need)
        if not found:
            gone.append(need)
    return gone


def requires(path: Path) -> list[str]:
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return list(meta.get("chainrule", {}).get("requires", []))


def skip_reason(path: Path) -> str | None:
    gone = missing(requires(path))
    if not gone:
        return None
    return "; ".join(f"{NEEDS[n][0]} ({NEEDS[n][1]})" if n in NEEDS else f"{n} is missing"
                     for n in gone)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("nbmake") and hasattr(config.option, "nbmake"):
        config.option.nbmake = True


class NotRun(pytest.Item):
    def runtest(self) -> None:
        also = skip_reason(self.path)
        pytest.skip("nbmake is not installed, so the notebooks are not run (pip install nbmake, "
                    "or pip install -e \".[test]\")" + (f"; and {also}" if also else ""))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


class NotebookWithoutNbmake(pytest.File):
    def collect(self) -> Iterator[Any]:
        yield NotRun.from_parent(self, name=self.path.name)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".ipynb" and not parent.config.pluginmanager.hasplugin("nbmake"):
        return NotebookWithoutNbmake.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = getattr(item, "path", None)
        if path is not None and path.suffix == ".ipynb" and not isinstance(item, NotRun):
            reason = skip_reason(path)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=reason))
