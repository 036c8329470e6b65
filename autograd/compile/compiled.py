"""The `Compiled` object: the written code, checked at each call, its forms made on first use.

`Compiled` holds the plan of one graph (writing.py) and hands out its functions: the float
`forward_backward` (`__call__`, `fn`, `source`), the forward alone, the post's in-place SGD step,
and the numpy forms (`batched`, `batched_forward`, `batched_tape`; replay.py). It owns the
checks a call makes (one real number per input, positional or by name; an array per input for
the batched forms) and the optional per-call check that `trace(check=...)` installs
(recording.py). Each function is written and compiled once, when first used.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

from ..value import Value
from . import replay
from .replay import _BATCH_HELPERS
from .writing import _OWN_NAMES, _Plan, _run_source, _write, scalar_namespace

__all__ = ["Compiled"]


def _all_floats(types: Any) -> bool:
    return {float}.issuperset(types)


def _real(v: object) -> TypeGuard[numbers.Real]:
    """A real number that is not a bool.

    numpy's float64, int64 and float32 count; np.bool_ and complex do not.
    """
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and \
        type(v).__name__ != "bool_"


class Compiled:
    """The graph as straight-line Python: call it with new input values.

    Made by `compile()` and `trace()` rather than directly. `compiled(*values, upstream=1.0)`
    returns `(output, gradients)`: the values are one float per input, in the order given to
    compile, or by name as keywords (`compiled(x=1.0, y=2.0)` is `compiled(1.0, 2.0)` for
    inputs x, y; every method takes its values by name too). The gradients are a tuple,
    d output / d each requested input, of THIS call only (as autograd.grad: nothing
    accumulates, no `.grad` is touched).

    The other forms: `forward(*values)`, the output without the backward half;
    `batched(*values, upstream=1.0)`, the same over numpy arrays, one entry per sample;
    `sgd_step(*values, lr=1.0)`, the post's in-place SGD step; `fn`, the generated function
    itself (the fastest way to call it: no checks); `source` and `forward_source`, the code,
    to read.

    Args:
        output: The Value at the root of the graph.
        inputs: The leaf Values each call passes numbers for.
        wrt: The inputs whose gradients each call returns.
        check: Called after each call (by `trace(check=...)`) to compare it with the eager
            engine.
        eager: Write and compile the float function now (False: on first use).

    Attributes:
        inputs: The inputs' names, in the order a call takes them.
        wrt: The names of the inputs whose gradients a call returns.
        nodes: How many nodes the graph has, an int.
        calls: How many times it has been called, an int.
        compile_seconds: How long writing (and, unless eager=False, compiling) took, in
            seconds.

    Examples:
        >>> from autograd import Value, compile
        >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
        >>> f = compile(x * y + x.tanh(), [x, y])
        >>> f.inputs
        ('x', 'y')
        >>> print(f.forward_source)
        def forward(x, y):
            # forward: one line per node, each after its operands
            t1 = x * y
            t2 = tanh(x)
            t3 = t1 + t2
            return t3
        <BLANKLINE>
        >>> out, (dx, dy) = f(2.0, 3.0)
        >>> round(out, 6), round(dx, 6), dy
        (6.964028, 3.070651, 2.0)
    """

    def __init__(self, output: Value, inputs: Sequence[Value], wrt: Sequence[Value],
                 check: Callable[..., None] | None = None, eager: bool = True) -> None:
        # eager=False writes and compiles each function on first use (nn's batched training
        # never needs the float one).
        started = time.perf_counter()
        self._known = set(scalar_namespace())
        reserved = self._known | _OWN_NAMES | _BATCH_HELPERS
        self._output, self._inputs, self._wrt = output, list(inputs), list(wrt)
        self._plan = _Plan(output, inputs, wrt, reserved)
        self.inputs: tuple[str, ...] = tuple(self._plan.input_name(v) for v in inputs)
        self.wrt: tuple[str, ...] = tuple(self._plan.input_name(v) for v in wrt)
        self.nodes = len(self._plan.order)
        self._n = len(self.inputs)
        self._source: str | None = None
        self._fn: Callable[..., tuple[float, tuple[float, ...]]] | None = None
        if eager:
            self._fn = self.fn
        self.compile_seconds = time.perf_counter() - started
        self._forward: Callable[..., float] | None = None
        self._batched: Callable[..., Any] | None = None
        self._batched_forward: Callable[..., Any] | None = None
        self._sgd: Callable[..., Any] | None = None
        self._check = check
        self.calls = 0

    def __repr__(self) -> str:
        return (f"<Compiled {self.nodes} nodes: inputs {', '.join(self.inputs)}; "
                f"gradients of {', '.join(str(w) for w in self.wrt)}>")

    def _args(self, values: tuple[Any, ...], where: str, arrays: bool = False,
              named: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """The values in input order (keywords by input name), each checked a real number.

        With arrays=True an array passes too, checked by _batched.call.
        """
        if named:
            values = self._bind(values, named, where)
        if len(values) != len(self.inputs):
            raise TypeError(f"{where}: needs {len(self.inputs)} values ({', '.join(self.inputs)}),"
                            f" got {len(values)}")
        for name, v in zip(self.inputs, values):
            if type(v) is not float and not _real(v):
                if arrays and (hasattr(v, "dtype") or isinstance(v, (list, tuple))):
                    continue
                raise TypeError(f"{where}: input {name} must be a float, got "
                                f"{type(v).__name__} {v!r}"[:200])
        return values

    def _bind(self, values: tuple[Any, ...], named: dict[str, Any],
              where: str) -> tuple[Any, ...]:
        """Positional values, then keywords by input name, as Python binds a call."""
        unknown = [k for k in named if k not in self.inputs]
        if unknown:
            raise TypeError(f"{where}: no input named {unknown[0]!r}; the inputs are "
                            f"{', '.join(self.inputs)}")
        given = self.inputs[:len(values)]
        twice = [k for k in named if k in given]
        if twice:
            raise TypeError(f"{where}: input {twice[0]} given both by position and by name")
        missing = [k for k in self.inputs[len(values):] if k not in named]
        if missing:
            raise TypeError(f"{where}: missing input(s) {', '.join(missing)}")
        return tuple(values) + tuple(named[k] for k in self.inputs[len(values):])

    def __call__(self, *values: float, upstream: float = 1.0,
                 **named: float) -> tuple[float, tuple[Any, ...]]:
        """Run the forward and the backward on new input values.

        Args:
            *values: One real number per input, in the order of `inputs`.
            upstream: The gradient of the output itself, the chain rule's seed.
            **named: The inputs not given by position, by name.

        Returns:
            `(output, gradients)`: the output's value, and a tuple of d output / d each
            input of `wrt`, of this call only.

        Raises:
            TypeError: A value that is not a real number, too few or too many values, or an
                unknown name.
            DomainError: A value outside an op's domain (`log` of 0), naming the op.
            TraceMismatchError: Under `trace(check=...)`, a checked call on another path.
        """
        if named or len(values) != self._n or not _all_floats(map(type, values)):
            values = self._args(values, "compiled", named=named)
            values = tuple([float(v) for v in values])
        if type(upstream) is not float:
            if not _real(upstream):
                raise TypeError(f"compiled: upstream must be a float, got "
                                f"{type(upstream).__name__}")
            upstream = float(upstream)
        result = self.fn(*values, upstream=upstream)
        if self._check is not None:
            self._check(self, self.calls, values, upstream, result)
        self.calls += 1
        return result

    @property
    def source(self) -> str:
        """forward_backward's code."""
        if self._source is None:
            self._source = _write(self._plan, self._inputs, self._wrt, arrays=False,
                                  backward=True, known=self._known)
        return self._source

    @property
    def fn(self) -> Callable[..., tuple[float, tuple[float, ...]]]:
        """The generated forward_backward itself (floats in, no checks: the fastest call)."""
        if self._fn is None:
            self._fn = _run_source(self.source, scalar_namespace(), "forward_backward")
        return self._fn

    @property
    def sgd_source(self) -> str:
        """The code of `sgd_step`: the backward, with each gradient's SGD update made in it.

        Each update (`w -= lr * g_w`) is made the moment the gradient is complete, so the lines
        after it read the NEW value: the order of the post's own back(), not true gradient
        descent.
        """
        return _write(self._plan, self._inputs, self._wrt, arrays=False, backward=True,
                      known=self._known, update=True)

    def sgd_step(self, *values: float, lr: float = 1.0,
                 **named: float) -> tuple[float, tuple[float, ...]]:
        """Run `sgd_source`: one step of the post's SGD from these values.

        Args:
            *values: One real number per input, in the order of `inputs`.
            lr: The learning rate.
            **named: The inputs not given by position, by name.

        Returns:
            `(output, new values)`: the output before the step, and the new value of each
            input of `wrt` (the other inputs are not changed).

        Raises:
            TypeError: A value that is not a real number, too few or too many values, or an
                unknown name.

        Examples:
            >>> from autograd import Value, compile
            >>> w = Value(3.0, label="w")
            >>> step = compile(w * w, [w])
            >>> step.sgd_step(3.0, lr=0.1)  # w * w before the step, and w - 0.1 * 2w
            (9.0, (2.4,))
        """
        values = self._args(values, "compiled.sgd_step", named=named)
        if self._sgd is None:
            self._sgd = _run_source(self.sgd_source, scalar_namespace(), "sgd_step")
        result: tuple[float, tuple[float, ...]] = self._sgd(*[float(v) for v in values],
                                                            lr=float(lr))
        return result

    @property
    def forward_source(self) -> str:
        """The code of `forward`: the forward half alone."""
        return _write(self._plan, self._inputs, self._wrt, arrays=False, backward=False,
                      known=self._known)

    def forward(self, *values: float, **named: float) -> float:
        """The output alone (the forward half of the code).

        Args:
            *values: One real number per input, in the order of `inputs`.
            **named: The inputs not given by position, by name.

        Returns:
            The output's value.

        Raises:
            TypeError: A value that is not a real number, too few or too many values, or an
                unknown name.
            DomainError: A value outside an op's domain, naming the op.
        """
        values = self._args(values, "compiled.forward", named=named)
        if self._forward is None:
            self._forward = _run_source(self.forward_source, scalar_namespace(), "forward")
        return self._forward(*[float(v) for v in values])

    @property
    def batched_source(self) -> str:
        """The code of `batched_fn`: forward and backward over numpy arrays."""
        return _write(self._plan, self._inputs, self._wrt, arrays=True, backward=True,
                      known=self._known | _BATCH_HELPERS)

    def batched(self, *values: Any, upstream: Any = 1.0,
                **named: Any) -> tuple[Any, tuple[Any, ...]]:
        """The same code over numpy arrays, one entry per sample.

        For the gradient of a mean over the batch pass upstream=1/n and sum each gradient over
        the samples. `+ - * /` give the eager engine's bits; exp, log, tanh come from numpy and
        may differ from `math` in the last place.

        Args:
            *values: One per input, in the order of `inputs`: a float (the same for every
                sample) or a 1-D float64 array (one entry per sample), every array as long as
                the others.
            upstream: The output's gradient: a float, or an array over the samples.
            **named: The inputs not given by position, by name.

        Returns:
            `(output, gradients)`, each an array over the samples (a float if nothing varied).

        Raises:
            TypeError: A value that is neither a real number nor an array of them, too few or
                too many values, or an unknown name.
            ValueError: Arrays of different lengths (named), or one that is not 1-D.
            DomainError: A sample outside an op's domain: the eager engine's error, naming
                the op and that sample.

        Examples:
            >>> import numpy as np
            >>> from autograd import Value, compile
            >>> x = Value(1.0, label="x")
            >>> f = compile(x * x, [x])
            >>> out, (dx,) = f.batched(np.array([1.0, 2.0, 3.0]))
            >>> out.tolist(), dx.tolist()
            ([1.0, 4.0, 9.0], [2.0, 4.0, 6.0])
        """
        values = self._args(values, "compiled.batched", arrays=True, named=named)
        result: tuple[Any, tuple[Any, ...]] = replay.call(self.batched_fn, values, upstream,
                                                            self.inputs, "compiled.batched")
        return result

    @property
    def batched_fn(self) -> Callable[..., Any]:
        """The generated array function itself: float64 arrays and floats in, no checks.

        Run it under `np.errstate(divide="ignore", invalid="ignore", over="ignore")`.
        """
        if self._batched is None:
            self._batched = _run_source(self.batched_source, replay.namespace(),
                                        "forward_backward")
        return self._batched

    def batched_forward(self, *values: Any, **named: Any) -> Any:
        """The output alone over numpy arrays (the forward half of `batched`).

        Args:
            *values: One per input, in the order of `inputs`: a float or a 1-D float64 array.
            **named: The inputs not given by position, by name.

        Returns:
            The output over the samples: an array (a float if nothing varied).

        Raises:
            TypeError: A value that is neither a real number nor an array of them, too few or
                too many values, or an unknown name.
            ValueError: Arrays of different lengths (named), or one that is not 1-D.
            DomainError: A sample outside an op's domain, naming the op and that sample.
        """
        values = self._args(values, "compiled.batched_forward", arrays=True, named=named)
        return replay.call(self.batched_forward_fn, values, None, self.inputs,
                             "compiled.batched_forward")

    def batched_tape(self) -> tuple[Callable[..., Any], Callable[..., Any], list[str]]:
        """The batched code in two halves, and the names of the values the first saves.

        Between the two, inputs the forward only passed on (a seed multiplying an output) may
        take new values: the backward reads operands, and the outputs of ops whose local
        derivative needs them, from `saved`. The functions make no checks (as `batched_fn`).

        Returns:
            `(forward, backward, names)`: `forward(*inputs)` returns `(output, saved)`;
            `backward(*inputs, *saved, upstream=...)` returns `(the saved output, gradients)`;
            `names` are the saved values' names, in order.
        """
        known = self._known | _BATCH_HELPERS
        forward = _run_source(_write(self._plan, self._inputs, self._wrt, arrays=True,
                                     backward=False, known=known, tape="forward"),
                              replay.namespace(), "forward")
        backward = _run_source(_write(self._plan, self._inputs, self._wrt, arrays=True,
                                      backward=True, known=known, tape="backward"),
                               replay.namespace(), "backward")
        return forward, backward, self._plan.tape_names()

    @property
    def batched_forward_fn(self) -> Callable[..., Any]:
        """The generated array forward itself (no checks, as `batched_fn`)."""
        if self._batched_forward is None:
            source = _write(self._plan, self._inputs, self._wrt, arrays=True, backward=False,
                            known=self._known | _BATCH_HELPERS)
            self._batched_forward = _run_source(source, replay.namespace(), "forward")
        return self._batched_forward
