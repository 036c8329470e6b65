"""Training through the compiled graph: `fit(..., compile=True)`.

The model's graph has the same shape for every sample (micrograd's demo: one MLP applied to each
point), so it is recorded ONCE, on Values standing for one input row, and compiled
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
The first step's first 8 samples also run on the eager engine and are compared (1e-12
relative: loss and every gradient), so a loss or a
model this cannot follow (Python control flow on inputs, a sum reduction) is an error, not a
silently different training.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.compile import Compiled

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
        xs = [Value(0.0, label=f"x{j}") for j in range(nin)]
        outputs = model(xs)  # type: ignore[operator]  # every nn Module is called so
        if isinstance(outputs, Value):
            outputs = [outputs]
        seeds = [Value(0.0, label=f"seed{k}") for k in range(len(outputs))]
        pulled = autograd.sum([o * s for o, s in zip(outputs, seeds)])
        model_code = Compiled(pulled, [*xs, *seeds, *self.params], self.params, eager=False)
        # In two halves: the forward (with the seeds 0, unknown yet: they only multiply the
        # outputs, and mul's local derivatives read its operands), then the backward.
        self.forward, self.backward, saved = model_code.batched_tape()
        names = dict(zip(map(id, autograd.topo_order(pulled)), model_code._plan.atom))
        self.output_at = [saved.index(names[id(o)]) for o in outputs]
        self.n_seeds = len(seeds)
        # The loss of one sample from the model's outputs, one graph per target value.
        outs = [Value(0.0, label=f"out{k}") for k in range(len(outputs))]
        self.losses: list[Compiled] = []
        for k in distinct:
            one = loss([outs], [targets[keys.index(k)]])
            if not isinstance(one, Value):
                raise TypeError(f"{where}: the loss function must return one Value, got "
                                f"{type(one).__name__}")
            self.losses.append(Compiled(one, outs, outs, eager=False))
        self.model_and_loss = (model, rows, targets, loss)
        self.checked = False
        self.scores: list[list[float]] = []  # the last step's outputs, one row per sample
        self.l2 = float(l2)
        self.penalty = None
        if l2:
            self.penalty = autograd.compile(self.l2 * autograd.sum([p * p for p in self.params]),
                                   self.params)

    def step(self, batch: Sequence[int], optimizer: Optimizer, epoch: int, epochs: int,
             step: int, steps: int) -> float:
        """One training step on the samples `batch` (epoch and step counted from 1, for the
        error of a non-finite loss): the loss (returned), every gradient into
        .grad, optimizer.step(); the outputs in self.scores. The first step's first samples also
        run on the eager engine, which must agree."""
        number, grads, self.scores = self.loss_and_grads(batch)
        if not self.checked:
            self._check(batch[:CHECKED_SAMPLES])
            self.checked = True
        if not math.isfinite(number):
            from .train import NonFiniteLossError

            raise NonFiniteLossError(f"fit(compile=True): the loss is {number!r} at epoch {epoch} "
                                     f"of {epochs}, step {step} of {steps}; training stopped "
                                     f"(try a lower learning rate)", epoch, step, number)
        optimizer.zero_grad()
        for p, g in zip(self.params, grads.tolist()):
            p.grad = g
        optimizer.step()
        return number

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
