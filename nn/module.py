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
from typing import Any, Iterator, Mapping, NamedTuple

from autograd import Value
from autograd._files import write_atomic

from ._checks import names, quote

__all__ = ["Module", "IncompatibleKeys", "save", "load"]

FORMAT = "chainrule.state_dict"
FORMAT_VERSION = 1


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped, as PyTorch's result of the same name.

    Attributes:
        missing_keys: The module's parameters the state dict had no entry for.
        unexpected_keys: The state dict's entries the module has no parameter for.

    Examples:
        >>> import nn
        >>> model = nn.Neuron(2, seed=0)
        >>> model.load_state_dict({"w.0": 1.0, "extra": 2.0}, strict=False)
        IncompatibleKeys(missing_keys=['w.1', 'b'], unexpected_keys=['extra'])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of Neuron, Layer and MLP (and of your own models).

    Subclasses set their parameters (`Value`s) and sub-modules as attributes, directly or in
    lists; `named_parameters()` finds them. Nothing else is registered by hand.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> class Line(nn.Module):
        ...     def __init__(self):
        ...         self.slope, self.intercept = Value(2.0), Value(0.5)
        ...     def __call__(self, x):
        ...         return self.slope * x + self.intercept
        >>> line = Line()
        >>> [name for name, _ in line.named_parameters()]
        ['slope', 'intercept']
        >>> line.state_dict()
        {'slope': 2.0, 'intercept': 0.5}
    """

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """The (name, parameter) pairs in a stable order: attributes as set, lists by index.

        The walk uses an explicit stack (no recursion) and yields each Value once, under the
        first name it is found by, as PyTorch does for shared parameters.

        Args:
            prefix: Put before every name, with a dot.

        Yields:
            (name, Value) pairs; names such as `layers.0.neurons.1.w.0`.

        Examples:
            >>> import nn
            >>> [name for name, _ in nn.Neuron(2).named_parameters()]
            ['w.0', 'w.1', 'b']
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
        """Every parameter, in the order of `named_parameters()`.

        A subclass may override it to list its parameters itself (micrograd's way); the state
        dict then holds what it returns too (see `state_dict`).

        Returns:
            The parameters, each Value once.

        Examples:
            >>> import nn
            >>> len(nn.MLP(2, [3, 1]).parameters())    # 2*3 + 3 weights and biases, then 3 + 1
            13
        """
        return [p for _, p in self.named_parameters()]

    def _named_state(self) -> list[tuple[str, Value]]:
        """The (name, parameter) pairs of the state dict.

        That is `named_parameters()`, and, when a subclass overrides `parameters()`
        (micrograd's way), every Value that list holds and the attribute walk cannot reach
        (kept in a dict, in an object that is not a Module, ...), named by its place in the
        list: `parameters.3`. So saving never drops a
        parameter silently, and loading into the same class puts each one back.
        """
        walked = list(self.named_parameters())
        if type(self).parameters is Module.parameters:
            return walked
        listed = self.parameters()
        where = f"{type(self).__name__}.parameters()"
        if isinstance(listed, Value) or not hasattr(listed, "__iter__"):
            raise TypeError(f"{where} must return a list of Values, got "
                            f"{type(listed).__name__}")
        seen = {id(p) for _, p in walked}
        out = walked
        for i, p in enumerate(listed):
            if not isinstance(p, Value):
                raise TypeError(f"{where} must return Values; item {i} is "
                                f"{type(p).__name__} {quote(p)}")
            if id(p) not in seen:
                seen.add(id(p))
                out.append((f"parameters.{i}", p))
        return out

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0 (leaves accumulate across backward passes).

        Examples:
            >>> import nn
            >>> model = nn.Neuron(2, activation="linear", seed=0)
            >>> model([1.0, 1.0]).backward()
            >>> model.b.grad
            1.0
            >>> model.zero_grad(); model.b.grad
            0.0
        """
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many parameters, `len(self.parameters())`.

        Returns:
            The count.

        Examples:
            >>> import nn
            >>> nn.MLP(2, [16, 16, 1]).num_parameters()
            337
        """
        return len(self.parameters())

    # --- state ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> its current value, as PyTorch's state_dict (floats, not tensors).

        The names are `named_parameters()`'s; a module that overrides `parameters()` also saves
        what that returns (a Value no attribute reaches is named `parameters.<index>`).

        Returns:
            A new dict of name -> float.

        Raises:
            TypeError: An overridden `parameters()` returns something other than Values.

        Examples:
            >>> import nn
            >>> nn.Neuron.from_weights([0.5, -1.0], b=0.25).state_dict()
            {'w.0': 0.5, 'w.1': -1.0, 'b': 0.25}
        """
        return {name: p.data for name, p in self._named_state()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into this module's parameters.

        The Value objects stay the same, so an optimizer built on them keeps working.
        With `strict=True` (the default), a missing or an extra entry is a `ValueError` naming
        every such entry; an entry that is not a real number is a `TypeError` naming it. Nothing
        is changed unless the whole state loads.

        Args:
            state_dict: Parameter name -> number, as `state_dict()` gives.
            strict: Refuse missing and extra entries (False: skip them, and say which).

        Returns:
            An `IncompatibleKeys`: the missing and the unexpected names (empty when strict).

        Raises:
            TypeError: `state_dict` is not a mapping, or an entry is not a real number.
            ValueError: With `strict=True`, an entry is missing or extra.

        Examples:
            >>> import nn
            >>> a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
            >>> b.load_state_dict(a.state_dict())
            IncompatibleKeys(missing_keys=[], unexpected_keys=[])
            >>> a.state_dict() == b.state_dict()
            True
        """
        where = f"load_state_dict for {type(self).__name__}"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{where}: needs a mapping of name -> number, got "
                            f"{type(state_dict).__name__}")
        params = dict(self._named_state())
        missing = [name for name in params if name not in state_dict]
        unexpected = [str(name) for name in state_dict if name not in params]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append("missing entries " + names(missing))
            if unexpected:
                problems.append("unexpected entries " + names(unexpected))
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
                    f"{where}: entry {quote(name)} must be a real number (each parameter is one "
                    f"scalar), got {type(value).__name__} {quote(value)}"
                )
            values.append((p, float(value)))
        for p, value in values:
            p.data = value
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `state_dict()` to a JSON file (see `nn.save`).

        A module with no parameters found is refused: an empty file would load into anything.

        Args:
            path: The file to write (str or os.PathLike).

        Raises:
            TypeError: `path` is not a file name.
            ValueError: The module has no parameters, or one is not finite.

        Examples:
            >>> import os, tempfile
            >>> import nn
            >>> folder = tempfile.TemporaryDirectory()
            >>> path = os.path.join(folder.name, "model.json")
            >>> a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
            >>> a.save(path)
            >>> b.load(path)
            IncompatibleKeys(missing_keys=[], unexpected_keys=[])
            >>> a.state_dict() == b.state_dict()
            True
            >>> folder.cleanup()
        """
        state = self.state_dict()
        if not state:
            raise ValueError(
                f"save: {type(self).__name__} has no parameters to save; nn.Module finds the "
                f"Values kept as attributes (or in lists of them, or in sub-modules); keep them "
                f"so, or override parameters() to return them"
            )
        save(state, path, model=repr(self))

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> IncompatibleKeys:
        """Read a JSON file written by `save` into this module's parameters.

        Args:
            path: The file to read.
            strict: As `load_state_dict`: refuse missing and extra entries.

        Returns:
            An `IncompatibleKeys`, as `load_state_dict`.

        Raises:
            TypeError: `path` is not a file name, or an entry is not a real number.
            ValueError: The file is not a chainrule state dict, or (strict) an entry is
                missing or extra.
            OSError: The file cannot be read (FileNotFoundError, ...).

        Examples:
            See `save`.
        """
        return self.load_state_dict(load(path), strict=strict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def save(state_dict: Mapping[str, float], path: str | os.PathLike[str], model: str = "") -> None:
    """Write a state dict as JSON: floats are written with `repr`, so they load back bit for bit.

    Non-finite values are refused (JSON has no NaN or inf): a diverged model is an error to
    fix, not a file to keep. The file is written all at once: a failed write leaves an older
    file intact.

    Args:
        state_dict: Name -> number, as `Module.state_dict()` gives.
        path: The file to write (str or os.PathLike).
        model: A description stored beside the state (Module.save writes the model's repr).

    Raises:
        TypeError: `state_dict` is a Module or not a mapping, an entry is not a real number,
            or `path` is not a file name.
        ValueError: An entry is NaN or infinite.

    Examples:
        >>> import os, tempfile
        >>> from pathlib import Path
        >>> import nn
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = os.path.join(folder.name, "state.json")
        >>> nn.save({"w.0": 0.1, "b": -0.25}, path)
        >>> print(Path(path).read_text())
        {
         "format": "chainrule.state_dict",
         "version": 1,
         "model": "",
         "state": {
          "w.0": 0.1,
          "b": -0.25
         }
        }
        >>> nn.load(path)
        {'w.0': 0.1, 'b': -0.25}
        >>> folder.cleanup()
    """
    if isinstance(state_dict, Module):
        raise TypeError(
            f"save: got the model itself ({type(state_dict).__name__}); pass its state dict, "
            f"nn.save(model.state_dict(), path), or call model.save(path)"
        )
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: needs a state dict (a mapping of name -> number, as "
                        f"model.state_dict() returns), got {type(state_dict).__name__}")
    _check_path(path, "save")
    state: dict[str, float] = {}
    for name, value in state_dict.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"save: entry {quote(name)} must be a real number, got "
                            f"{type(value).__name__} {quote(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"save: entry {quote(name)} is {value!r}; JSON has no NaN or inf, "
                             f"so a model with non-finite parameters cannot be saved")
        state[str(name)] = value
    document = {"format": FORMAT, "version": FORMAT_VERSION, "model": model, "state": state}
    # all or nothing, keeping the old file's mode and any symlink (as the CLI's pictures)
    write_atomic(path, (json.dumps(document, indent=1) + "\n").encode("utf-8"))


def _check_path(path: object, where: str) -> None:
    """Refuse anything but a file name (str, bytes or os.PathLike).

    An int would be taken by open() as a file descriptor, and a bool as descriptor 0 or 1.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"{where}: path must be a file name (str or os.PathLike), got "
                        f"{type(path).__name__} {quote(path)}")


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
    """Read a state dict written by `save`; a file of another format is a `ValueError`.

    Every entry must be what `save` writes: a finite number. Python's JSON reader also takes
    `NaN`, `Infinity` and numbers too large for a float (1e400 reads as inf), none of which
    `save` would write; each is refused naming the file and the entry.

    Args:
        path: The file to read (str or os.PathLike).

    Returns:
        The state dict, name -> float; `Module.load_state_dict` takes it.

    Raises:
        TypeError: `path` is not a file name.
        ValueError: The file is not UTF-8, not JSON, not a chainrule state dict (or of another
            version), or an entry is not a finite number.
        OSError: The file cannot be read (FileNotFoundError, ...).

    Examples:
        See `save`.
    """
    _check_path(path, "load")
    shown = quote(os.fspath(path))
    with open(path, encoding="utf-8") as f:
        try:
            text = f.read()
        except UnicodeDecodeError as e:
            raise ValueError(f"load: {shown} is not a UTF-8 text file ({e})") from None
    depth = _nesting(text)
    if depth > MAX_NESTING:
        raise ValueError(f"load: {shown} is not a chainrule state dict (its JSON "
                         f"is nested {depth} levels deep; a state dict has 2)")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {shown} is not JSON ({e})") from None
    except RecursionError:  # pragma: no cover - _nesting stops every file deep enough for this
        raise ValueError(f"load: {shown} is nested too deeply to be a chainrule "
                         f"state dict") from None
    if (not isinstance(document, dict) or document.get("format") != FORMAT
            or not isinstance(document.get("state"), dict)):
        raise ValueError(f"load: {shown} is not a chainrule state dict (expected a "
                         f"JSON object with \"format\": {FORMAT!r} and a \"state\" object)")
    version = document.get("version")
    # type() and not ==: true == 1 and 1.0 == 1 in Python, but neither is what save writes
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValueError(f"load: {shown} has format version {quote(version)} (key "
                         f"\"version\"); this chainrule reads version {FORMAT_VERSION}")
    state: dict[str, float] = {}
    for key, value in document["state"].items():
        if type(value) is not float and type(value) is not int:
            raise ValueError(f"load: {shown} entry {quote(key)} is {type(value).__name__} "
                             f"{quote(value)}, not a number; each parameter is one number")
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            number = math.inf
        if not math.isfinite(number):
            raise ValueError(f"load: {shown} entry {quote(key)} is {quote(value)}, not a finite "
                             f"number (save never writes NaN or inf); the file is damaged or "
                             f"was written by hand")
        state[key] = number
    return state
