"""Are the `autograd` and `nn` that Python finds chainrule's own? Checked before importing them.

Both are generic names: PyPI's `autograd` (HIPS) uses the first, and a learner's own `nn.py` in
the current folder comes first on `python -m`'s path. Either one shadows ours and the first
import fails far from the cause (`cannot import name 'Value' from 'autograd'`). This module
finds the packages with importlib, without importing them, and says in one line what happened
and what to do.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

__all__ = ["PACKAGES", "MARKER", "foreign_package", "shared_folder", "ForeignPackageError"]

PACKAGES = ("autograd", "nn")
# The first line of our packages' docstrings starts with this: it tells our __init__.py from
# another project's (tests/test_front_doors.py keeps it there).
MARKER = "chainrule's"

_FIX = ("install chainrule in a virtual environment of its own: python3 -m venv .venv && "
        ". .venv/bin/activate && pip install -e <chainrule's folder>")


class ForeignPackageError(ImportError):
    """`autograd` or `nn` is another project's package, found before chainrule's."""


def _init_file(name: str) -> Path | None:
    """Where `import name` would load the package from, asking the finders in import order
    (not sys.modules: what an import would find now, even if one already happened)."""
    spec = None
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        try:
            spec = find_spec(name, None)
        except (ImportError, ValueError):
            continue
        if spec is not None:
            break
    if spec is None or spec.origin is None or spec.origin in ("built-in", "frozen"):
        return None
    return Path(spec.origin)


def _is_ours(init: Path) -> bool:
    if init.name != "__init__.py":
        return False
    try:
        head = init.read_text(encoding="utf-8", errors="replace")[:200]
    except OSError:
        return False
    return head.lstrip('"\' \n').startswith(MARKER)


def _other_distributions(name: str) -> list[str]:
    """Installed distributions other than chainrule that provide a top-level `name`."""
    try:
        found = importlib.metadata.packages_distributions().get(name, [])
    except Exception:  # noqa: BLE001 - broken metadata of some other package is not our error
        return []
    return sorted({d for d in found if d.lower() != "chainrule"})


def _describe(name: str, init: Path) -> str:
    where = init.parent if init.name == "__init__.py" else init
    others = _other_distributions(name)
    if others:
        dists = []
        for d in others:
            try:
                dists.append(f"{d} {importlib.metadata.version(d)}")
            except importlib.metadata.PackageNotFoundError:
                dists.append(d)
        return f"{where} (from the installed package {', '.join(dists)})"
    try:
        if where.resolve().is_relative_to(Path(os.getcwd()).resolve()):
            return f"{where} (in the current folder)"
    except OSError:
        pass
    return str(where)


def foreign_package() -> str | None:
    """The one-line message if `autograd` or `nn` would import another project's package (or
    none at all), else None."""
    for name in PACKAGES:
        init = _init_file(name)
        if init is None:
            return (f"chainrule: cannot find its `{name}` package: the install is broken; "
                    f"reinstall with pip install -e <chainrule's folder>")
        if _is_ours(init):
            continue
        what = _describe(name, init)
        if "(in the current folder)" in what:
            todo = ("rename it, or run chainrule from another folder (the `chainrule` command "
                    "does not look in the current folder)")
        elif "(from the installed package" in what:
            dist = _other_distributions(name)[0]
            todo = f"pip uninstall {dist}, or {_FIX}"
        else:
            todo = _FIX
        return (f"chainrule: `import {name}` would load another project's package, {what}, not "
                f"chainrule's: {todo}")
    return None


def _providers(names: tuple[str, ...]) -> dict[str, list[str]]:
    """Installed distributions other than chainrule that provide each top-level name.

    As importlib.metadata.packages_distributions() for these names only, and about ten times
    faster (it runs on every start of the command): each distribution's top_level.txt, or its
    RECORD searched as text, instead of every RECORD parsed into paths."""
    found: dict[str, list[str]] = {name: [] for name in names}
    try:
        for dist in importlib.metadata.distributions():
            top = dist.read_text("top_level.txt")
            if top is not None:
                provided = [name for name in names if name in top.split()]
            else:
                record = "\n" + (dist.read_text("RECORD") or "")
                provided = [name for name in names if f"\n{name}/" in record]
            if provided:
                dist_name = dist.metadata["Name"] or ""
                if dist_name.lower() != "chainrule":
                    for name in provided:
                        found[name].append(dist_name)
    except Exception:  # noqa: BLE001 - broken metadata of some other package is not our error
        return {name: [] for name in names}
    return {name: sorted(set(dists)) for name, dists in found.items()}


def shared_folder() -> str | None:
    """A one-line warning when another distribution installed files into our package folder
    (a non-editable `pip install .` over PyPI's autograd, or the reverse), else None."""
    providers: dict[str, list[str]] | None = None
    for name in PACKAGES:
        init = _init_file(name)
        if init is None or not _is_ours(init):
            continue
        folder = init.parent.resolve()
        if providers is None:
            providers = _providers(PACKAGES)
        for dist in providers[name]:
            try:
                files = importlib.metadata.distribution(dist).files or []
            except importlib.metadata.PackageNotFoundError:
                continue
            for f in files:
                if f.parts and f.parts[0] == name:
                    located = Path(str(f.locate())).resolve().parent
                    if located == folder or folder in located.parents:
                        return (f"chainrule: warning: {dist} and chainrule share the folder "
                                f"{folder}: one overwrote the other's files, and uninstalling "
                                f"either breaks both; {_FIX}")
    return None


def check() -> None:
    """Raise ForeignPackageError with the one-line message if a name is not ours."""
    message = foreign_package()
    if message is not None:
        raise ForeignPackageError(message)
