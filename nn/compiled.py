"""Training through the compiled graph: `fit(..., compile=True)`.

The model's graph has the same shape for every sample (micrograd's demo: one MLP applied to each
point), so it is recorded ONCE, on Values holding the first input row, and compiled
(autograd.compile). Each step then runs that code over numpy arrays, one entry per sample of the
batch, instead of building a graph of Values for every sample: the model's forward (keeping its
values), the loss of each sample from the model's outputs, then the model's backward from those
outputs (Compiled.batched_tape).

The loss must be a mean over samples of a loss of each sample (every nn loss with
reduction="mean"). A loss that looks at a target in Python (hinge_loss's `if y == 1`) gives
one small loss graph per target value: samples are grouped by target for that part.

Gradients are summed over the samples in the order backward() sums them (the L2 penalty's
first, then the samples from last to first), with a sequential sum (np.cumsum), so for a model
whose every parameter is used once per sample (an MLP) with + - * / relu, the steps are the eager
engine's bit for bit; with exp, log, tanh (numpy's, not math's) they agree to about 1e-15.

Right or refused: the guard is sound, not sampled. A recording shows one path through the
model's Python code, so the trace watches (autograd.compile.watch) what the model and the loss
do with their Values' numbers:
- every comparison they make on a Value (`if h > 0:`, `max(a, b)`; Values compare `.data`) is
  recorded with its result, and re-evaluated on EVERY sample of EVERY step, from the same
  compiled code (the compared values' forward over the batch): a sample whose comparison comes
  out the other way, because of its inputs or of parameters that moved since, is a
  TraceMismatchError naming the sample, before any update is made;
- a number taken out of a Value by the model or the loss (`.data`, `float(v)`, a format) or an
  operation under no_grad() is refused at once (ValueError): it would be a constant of the trace.
On top, the first step's first 8 samples also run on the eager engine and are compared (1e-12
relative: loss and every gradient), so a loss that is not a mean (a sum reduction) is an error
too. Use compile=False for a model that branches in Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.compile import Compiled, TraceMismatchError, Watched, watch

from .module import Module
from .optim import Optimizer

__all__ = ["CompiledStep"]

MAX_GROUPS = 32
CHECKED_SAMPLES = 8  # the first step's first samples are also run on the eager engine


def _key(target: Any) -> Any:
    if isinstance(target, (list, tuple)):
        return tuple(float(t) for t in target)
    return float(target)


class CompiledStep:
    """One model and loss, compiled: `loss_and_grads(batch)` for rows and targets."""

    def __init__(self, model: Module, rows: list[list[float]], targets: list[Any],
                 loss: Callable[..., Value], l2: float) -> None:
        where = "fit(compile=True)"
        widths = {len(r) for r in rows}
        if len(widths) != 1:
            raise ValueError(f"{where}: every row of X must have the same length, got "
                             f"{sorted(widths)}")
        (nin,) = widths
        self.params = model.parameters()
        self.X = np.array(rows, dtype=float)
        keys = [_key(t) for t in targets]
        distinct = list(dict.fromkeys(keys))
        if len(distinct) > MAX_GROUPS:
            raise ValueError(f"{where}: the targets take {len(distinct)} values; the compiled "
                             f"step groups samples by target (a loss may branch on it) and "
                             f"allows {MAX_GROUPS}; use compile=False")
        self.group_of = np.array([distinct.index(k) for k in keys])
        # The model, once for every sample: its outputs (forward), and d/d params of
        # sum_k out_k * seed_k, which is the backward pass from the outputs with upstream
        # seed_k = dloss/dout_k (the products by upstream 1.0 are exact: the same bits).
        xs = [Value(float(x), label=f"x{j}") for j, x in enumerate(rows[0])]
        with autograd.enable_grad(), watch() as seen:
            outputs = model(xs)  # type: ignore[operator]  # every nn Module is called so
        _refuse_reads(seen, "the model", where)
        if isinstance(outputs, Value):
            outputs = [outputs]
        with autograd.enable_grad():
            seeds = [Value(0.0, label=f"seed{k}") for k in range(len(outputs))]
            pulled = autograd.sum([o * s for o, s in zip(outputs, seeds)])
        model_code = Compiled(pulled, [*xs, *seeds, *self.params], self.params, eager=False)
        # In two halves: the forward (with the seeds 0, unknown yet: they only multiply the
        # outputs, and mul's local derivatives read its operands), then the backward.
        self.forward, self.backward, saved = model_code.batched_tape()
        names = dict(zip(map(id, autograd.topo_order(pulled)), model_code._plan.atom))
        self.output_at = [saved.index(names[id(o)]) for o in outputs]
        self.n_seeds = len(seeds)
        self.branches = _Branches(seen, [*xs, *self.params], "the model", where)
        # The loss of one sample from the model's outputs, one graph per target value.
        outs = [Value(o.data, label=f"out{k}") for k, o in enumerate(outputs)]
        self.losses: list[Compiled] = []
        self.loss_branches: list[_Branches] = []
        for k in distinct:
            with autograd.enable_grad(), watch() as seen:
                one = loss([outs], [targets[keys.index(k)]])
            _refuse_reads(seen, "the loss", where)
            if not isinstance(one, Value):
                raise TypeError(f"{where}: the loss function must return one Value, got "
                                f"{type(one).__name__}")
            self.losses.append(Compiled(one, outs, outs, eager=False))
            self.loss_branches.append(_Branches(seen, outs, "the loss", where))
        self.model_and_loss = (model, rows, targets, loss)
        self.checked = False
        self.scores: list[list[float]] = []  # the last step's outputs, one row per sample
        self.l2 = float(l2)
        self.penalty = None
        if l2:
            self.penalty = autograd.compile(self.l2 * autograd.sum([p * p for p in self.params]),
                                   self.params)

    def run(self, batch: Sequence[int]) -> float:
        """The loss of the samples `batch` (returned) and every gradient (kept for `apply`);
        the outputs in self.scores. The first step's first samples also run on the eager
        engine, which must agree."""
        number, self.grads, self.scores = self.loss_and_grads(batch)
        if not self.checked:
            self._check(batch[:CHECKED_SAMPLES])
            self.checked = True
        return number

    def apply(self, optimizer: Optimizer) -> None:
        """The gradients of the last `run` into .grad, then optimizer.step()."""
        optimizer.zero_grad()
        for p, g in zip(self.params, self.grads.tolist()):
            p.grad = g
        optimizer.step()

    def _check(self, few: Sequence[int]) -> None:
        model, rows, targets, loss = self.model_and_loss
        got, got_grads, _ = self.loss_and_grads(few)
        value = loss([model(rows[i]) for i in few],  # type: ignore[operator]
                     [targets[i] for i in few])
        if self.l2:
            value = value + self.l2 * autograd.sum([p * p for p in self.params])
        want_grads = autograd.grad(value, self.params, allow_unused=True)
        bad = sum(not _close(float(g), w) for g, w in zip(got_grads, want_grads))
        if not _close(got, value.data) or bad:
            raise ValueError(
                f"fit(compile=True): the compiled step differs from the eager one (loss {got!r} "
                f"vs {value.data!r}; {bad} gradients differ); the loss must be a mean over "
                f"samples of each sample's loss, and the model must not branch in Python on "
                f"its inputs; use compile=False")

    def loss_and_grads(self, batch: Sequence[int]) -> tuple[float, np.ndarray, list[list[float]]]:
        """The batch's loss, the gradient of every parameter, and each sample's outputs."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # IEEE 754 values
            return self._loss_and_grads(batch)

    def _loss_and_grads(self, batch: Sequence[int]) -> tuple[float, np.ndarray,
                                                              list[list[float]]]:
        values = [p.data for p in self.params]
        index = np.asarray(batch)
        n = len(index)
        inputs = self.X[index].T
        self.branches.check([*inputs, *values], index)  # every sample on the traced branch
        zeros = [0.0] * self.n_seeds
        _, saved = self.forward(*inputs, *zeros, *values)
        outs = [np.broadcast_to(saved[k], (n,)) for k in self.output_at]
        # Each sample's loss and dloss/dout, group by group (a loss may branch on the target).
        sample_loss = np.empty(n)
        seeds = np.empty((len(outs), n))
        groups = self.group_of[index]
        for g, compiled in enumerate(self.losses):
            where = np.nonzero(groups == g)[0]
            if len(where):
                self.loss_branches[g].check([o[where] for o in outs], index[where])
                out, grads = compiled.batched_fn(*[o[where] for o in outs], upstream=1.0 / n)
                sample_loss[where] = out
                seeds[:, where] = grads
        _, grads = self.backward(*inputs, *seeds, *values, *saved, upstream=1.0)
        # Column 0: the L2 penalty's gradient (backward() takes it first); then the samples,
        # last to first, as backward() reaches them.
        columns = np.zeros((len(values), n + 1))
        try:
            block = np.array(grads, dtype=float)
        except ValueError:  # some gradients are floats (the same for every sample)
            block = np.array([np.broadcast_to(g, (n,)) for g in grads])
        columns[:, 1:] = block[:, ::-1] if block.ndim == 2 else block[:, None]
        number = autograd.ops.sum_(*sample_loss.tolist()) / n
        if self.penalty is not None:
            penalty, penalty_grads = self.penalty.fn(*values)
            number = number + penalty
            columns[:, 0] = penalty_grads
        total = np.cumsum(columns, axis=1)[:, -1]  # sequential: the eager order of additions
        scores = np.column_stack(outs).tolist()
        return number, total, scores


def _close(x: float, y: float | None) -> bool:
    y = 0.0 if y is None else y
    return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-300) or (math.isnan(x) and math.isnan(y))


def _refuse_reads(seen: Watched, who: str, where: str) -> None:
    if seen.reads:
        raise ValueError(
            f"{where}: {who} takes a number out of a Value ({seen.reads[0]}); the compiled "
            f"code would keep that number from the trace for every sample and step. Compute "
            f"with Values (the comparisons `<`, `>` on Values are followed), or use "
            f"compile=False")


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _name(v: Value | float) -> str:
    if not isinstance(v, Value):
        return repr(v)
    return v.label or f"a {v.op or 'leaf'} node"


class _Branches:
    """The comparisons a traced function made on Values, re-evaluated for every sample.

    The compared Values' forward is compiled from the same recording (their sum is the output,
    so each of them is a line of its code); a check runs it over the batch and compares each
    comparison's result with the trace's."""

    def __init__(self, seen: Watched, inputs: Sequence[Value], who: str, where: str) -> None:
        self.records = list(seen.comparisons)
        self.who, self.where = who, where
        self.forward: Callable[..., Any] | None = None
        if not self.records:
            return
        nodes: dict[int, Value] = {}
        for left, _, right, _ in self.records:
            for v in (left, right):
                if isinstance(v, Value):
                    nodes.setdefault(id(v), v)
        with autograd.enable_grad():
            total = autograd.sum(list(nodes.values()))
        code = Compiled(total, inputs, [], eager=False)
        self.forward, _, saved = code.batched_tape()
        atom = dict(zip(map(id, autograd.topo_order(total)), code._plan.atom))
        arg = {id(v): k for k, v in enumerate(inputs)}

        def locate(v: Value | float) -> tuple[str, Any]:
            if not isinstance(v, Value):
                return "number", v
            if id(v) in arg:
                return "input", arg[id(v)]
            if atom[id(v)] in saved:
                return "saved", saved.index(atom[id(v)])
            return "number", v.data  # a number written into the code

        self.places = [(locate(left), locate(right)) for left, _, right, _ in self.records]

    def check(self, columns: Sequence[Any], rows: np.ndarray) -> None:
        """Raise TraceMismatchError at the first sample (rows: their indices in X) whose
        comparison differs from the trace's."""
        if self.forward is None:
            return
        _, saved = self.forward(*columns)
        n = len(rows)

        def value(place: tuple[str, Any]) -> Any:
            kind, at = place
            return columns[at] if kind == "input" else saved[at] if kind == "saved" else at

        for (left, symbol, right, result), (lp, rp) in zip(self.records, self.places):
            lv, rv = value(lp), value(rp)
            got = np.broadcast_to(_COMPARE[symbol](lv, rv), (n,))
            bad = got != result
            if bad.any():
                i = int(np.argmax(bad))
                a = float(np.broadcast_to(lv, (n,))[i])
                b = float(np.broadcast_to(rv, (n,))[i])
                raise TraceMismatchError(
                    f"{self.where}: sample {int(rows[i])} takes another branch than the trace: "
                    f"{self.who} compares {_name(left)} {symbol} {_name(right)}, which is "
                    f"{not result} for it ({a!r} {symbol} {b!r}) and was {result} when traced; "
                    f"the compiled code follows the traced branch only. Use compile=False, or "
                    f"write the choice with graph operations (relu, abs)")
