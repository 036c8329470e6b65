"""chainrule: the distribution's own package, holding what is not the engine or nn.

The engine and the networks are the top-level packages `autograd` and `nn`. This package holds
the command (`python -m chainrule`, the same as `chainrule`; its code is `chainrule.cli`), the
check that those two names are chainrule's own, `chainrule.micrograd`, the front door for code
written for micrograd, and a second way in to both packages:

    from chainrule import autograd, nn

gives the very modules `import autograd` and `import nn` give (the same objects, not copies),
and still chainrule's when a learner's own `nn.py` sits beside their script, where `import nn`
finds that file first. Importing `chainrule` itself imports neither: they load on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import autograd as autograd
    import nn as nn

__all__ = ["__version__", "autograd", "nn"]

__version__ = "0.1.0"


def _ours(name: str) -> ModuleType:
    """chainrule's `autograd` or `nn`, imported under its own name (see the module docstring)."""
    from . import _names

    loaded = sys.modules.get(name)
    if loaded is not None:
        init = getattr(loaded, "__file__", None)
        if init is not None and _names._is_ours(Path(init)):
            return loaded
        raise _names.ForeignPackageError(
            f"chainrule: `{name}` is already imported from another project "
            f"({init or 'no file'}), so chainrule's cannot take its name: import chainrule's "
            f"first (from chainrule import {name}) or rename the other one")
    if name == "nn":
        _ours("autograd")  # nn imports autograd by name: ours must hold it first
    found = _names._init_file(name)
    if found is not None and _names._is_ours(found):
        return importlib.import_module(name)
    # Something else comes first on the path (a learner's nn.py): load ours from beside this
    # package, where every install of chainrule puts it, under its own name.
    init = Path(__file__).resolve().parent.parent / name / "__init__.py"
    if not init.is_file() or not _names._is_ours(init):
        message = _names.foreign_package() or f"chainrule: cannot find its `{name}` package"
        raise _names.ForeignPackageError(message)
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:  # pragma: no cover - a file location always has one
        raise _names.ForeignPackageError(f"chainrule: cannot load its `{name}` from {init}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def __getattr__(name: str) -> ModuleType:
    if name in ("autograd", "nn"):
        module = _ours(name)
        globals()[name] = module  # found once; then a plain attribute
        return module
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
