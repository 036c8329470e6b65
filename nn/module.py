"""`Module`: what every layer and model shares, with PyTorch's names.

A module's parameters are the `Value`s among its attributes, found by walking its attributes in
the order they were set (lists and tuples by index), so names read like PyTorch's:
`layers.0.neurons.1.w.0`. A state dict maps those names to plain floats and goes to a JSON file,
never to a pickle: a saved model is text a learner can open and read.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import secrets
from typing import Any, Iterator, Mapping, NamedTuple

from autograd import Value

__all__ = ["Module", "IncompatibleKeys", "save", "load"]

FORMAT = "chainrule.state_dict"
FORMAT_VERSION = 1


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped, as PyTorch's result of the same name."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of Neuron, Layer and MLP (and of your own models).

    Subclasses set their parameters (`Value`s) and sub-modules as attributes, directly or in
    lists; `named_parameters()` finds them. Nothing else is registered by hand.
    """

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(name, parameter) pairs in a stable order: attributes as set, lists by index.

        The walk uses an explicit stack (no recursion) and yields each Value once, under the
        first name it is found by, as PyTorch does for shared parameters.
        """
        seen: set[int] = set()
        stack: list[tuple[str, Any]] = [(prefix, self)]
        while stack:
            name, obj = stack.pop()
            if isinstance(obj, Value):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    yield name, obj
                continue
            if isinstance(obj, Module):
                children = [(k, v) for k, v in vars(obj).items() if not k.startswith("_")]
            elif isinstance(obj, (list, tuple)):
                children = [(str(i), v) for i, v in enumerate(obj)]
            else:
                continue
            # Pushed in reverse so the first child is walked first.
            for key, child in reversed(children):
                if isinstance(child, (Value, Module, list, tuple)):
                    stack.append((f"{name}.{key}" if name else key, child))

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0 (leaves accumulate across backward passes)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        return len(self.parameters())

    # --- state ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> its current value, as PyTorch's state_dict (floats, not tensors)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into this module's parameters (the Value objects stay the same, so an
        optimizer built on them keeps working).

        With `strict=True` (the default), a missing or an extra entry is a `ValueError` naming
        every such entry; an entry that is not a real number is a `TypeError` naming it. Nothing
        is changed unless the whole state loads.
        """
        where = f"load_state_dict for {type(self).__name__}"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: needs a mapping of name -> number, got "
                            f"{type(state_dict).__name__}")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state_dict]
        unexpected = [str(name) for name in state_dict if name not in params]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append("missing entries " + ", ".join(repr(k) for k in missing))
            if unexpected:
                problems.append("unexpected entries " + ", ".join(repr(k) for k in unexpected))
            raise ValueError(f"{where}: " + "; ".join(problems))
        values: list[tuple[Value, float]] = []
        for name, p in params.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(
                value, Value
            ):
                raise TypeError(
                    f"{where}: entry {name!r} must be a real number (each parameter is one "
                    f"scalar), got {type(value).__name__} {value!r}"
                )
            values.append((p, float(value)))
        for p, value in values:
            p.data = value
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `state_dict()` to a JSON file (see `nn.save`)."""
        save(self.state_dict(), path, model=repr(self))

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> IncompatibleKeys:
        """Read a JSON file written by `save` into this module's parameters."""
        return self.load_state_dict(load(path), strict=strict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def save(state_dict: Mapping[str, float], path: str | os.PathLike[str], model: str = "") -> None:
    """Write a state dict as JSON: floats are written with `repr`, so they load back bit for bit.

    Non-finite values are refused (JSON has no NaN or inf): a diverged model is an error to
    fix, not a file to keep.
    """
    if isinstance(state_dict, Module):
        raise TypeError(
            f"save: got the model itself ({type(state_dict).__name__}); pass its state dict, "
            f"nn.save(model.state_dict(), path), or call model.save(path)"
        )
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: needs a state dict (a mapping of name -> number, as "
                        f"model.state_dict() returns), got {type(state_dict).__name__}")
    state: dict[str, float] = {}
    for name, value in state_dict.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"save: entry {name!r} must be a real number, got "
                            f"{type(value).__name__} {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"save: entry {name!r} is {value!r}; JSON has no NaN or inf, "
                             f"so a model with non-finite parameters cannot be saved")
        state[str(name)] = value
    document = {"format": FORMAT, "version": FORMAT_VERSION, "model": model, "state": state}
    def write(f: Any) -> None:
        json.dump(document, f, indent=1)
        f.write("\n")

    _write_atomically(path, write)


def _write_atomically(path: str | os.PathLike[str], write: Any) -> None:
    """Write a text file so that it is either the old file or the whole new one, never half:
    into a temporary file in the same folder (so the rename stays on one file system), then
    `os.replace`, which is atomic. On any failure the temporary file is removed."""
    target = os.fspath(path)
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666, as open() would: the umask applies, unlike tempfile's 0o600.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise


MAX_NESTING = 20  # a state dict file is 2 deep; json's parser would recurse on a deep one


def _nesting(text: str) -> int:
    """How deep the JSON text's [ and { nest, counted without recursion (strings skipped)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        c = match.group()
        if c == "[" or c == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif c == "]" or c == "}":
            depth -= 1
    return deepest


_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def load(path: str | os.PathLike[str]) -> dict[str, float]:
    """Read a state dict written by `save`; a file of another format is a `ValueError`."""
    with open(path, encoding="utf-8") as f:
        try:
            text = f.read()
        except UnicodeDecodeError as e:
            raise ValueError(f"load: {os.fspath(path)!r} is not a UTF-8 text file ({e})") from None
    depth = _nesting(text)
    if depth > MAX_NESTING:
        raise ValueError(f"load: {os.fspath(path)!r} is not a chainrule state dict (its JSON "
                         f"is nested {depth} levels deep; a state dict has 2)")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {os.fspath(path)!r} is not JSON ({e})") from None
    except RecursionError:  # pragma: no cover - _nesting stops every file deep enough for this
        raise ValueError(f"load: {os.fspath(path)!r} is nested too deeply to be a chainrule "
                         f"state dict") from None
    if (not isinstance(document, dict) or document.get("format") != FORMAT
            or not isinstance(document.get("state"), dict)):
        raise ValueError(f"load: {os.fspath(path)!r} is not a chainrule state dict (expected a "
                         f"JSON object with \"format\": {FORMAT!r} and a \"state\" object)")
    if document.get("version") != FORMAT_VERSION:
        raise ValueError(f"load: {os.fspath(path)!r} has format version "
                         f"{document.get('version')!r}; this chainrule reads version "
                         f"{FORMAT_VERSION}")
    return dict(document["state"])
