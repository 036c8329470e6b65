"""The training loop: forward, loss, zero_grad, backward, step; per epoch, a history.

`fit` is the loop a learner would write by hand, once, with what it needs around it: seeded
minibatches, an optional L2 penalty (micrograd's demo adds 1e-4 * sum(p^2)), a learning-rate
schedule stepped per epoch, metrics computed from the predictions the steps already made, a
tqdm progress bar that can be turned off, and a clear stop when the loss stops being a number.
"""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import autograd
from autograd import Value

from . import losses as _losses
from ._checks import quote
from .module import Module
from .optim import LRScheduler, Optimizer

__all__ = ["fit", "History", "NonFiniteLossError", "accuracy", "predict", "LOSSES", "METRICS"]

LOSSES: dict[str, Callable[..., Any]] = {
    "mse": _losses.mse_loss,
    "half_sse": _losses.half_sse_loss,
    "hinge": _losses.hinge_loss,
    "bce_with_logits": _losses.bce_with_logits_loss,
    "cross_entropy": _losses.cross_entropy_loss,
}


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; `epoch` and `step` (both counted from 1) say where.

    A `FloatingPointError`, raised by `fit` (and by `nn.matrix`'s demos' loops).

    Args:
        message: What happened and what to try.
        epoch: The epoch, from 1.
        step: The step within the epoch, from 1.
        loss: The loss that was not finite.

    Attributes:
        epoch: The epoch, from 1.
        step: The step within the epoch, from 1.
        loss: The loss that was not finite.

    Examples:
        >>> import nn
        >>> model = nn.MLP(1, [1], seed=0)
        >>> opt = nn.SGD(model.parameters(), lr=1e300)    # a learning rate that diverges
        >>> try:
        ...     nn.fit(model, [[1.0], [2.0]], [1.0, 2.0], "mse", opt, epochs=5, progress=False,
        ...            metrics=())
        ... except nn.NonFiniteLossError as error:
        ...     print(error.epoch, error.step)
        2 1
    """

    def __init__(self, message: str, epoch: int, step: int, loss: float) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss = epoch, step, loss


def accuracy(scores: Sequence[Sequence[float]] | Sequence[float],
             targets: Sequence[Any], threshold: float = 0.0) -> float:
    """The fraction of samples classified right.

    One score per sample: the sample is predicted positive when score > threshold, and is
    positive when its target is > 0 (labels -1/+1 or 0/1; use threshold=0.5 for
    probabilities). Several scores per sample: the predicted class is the index of the largest
    (the first one on ties), compared with the target class index.

    Args:
        scores: One score, or one row of scores, per sample (floats or Values).
        targets: One target per sample: a label, a class index, or a one-hot row.
        threshold: With one score per sample, the score above which it is positive.

    Returns:
        The fraction right, in [0, 1].

    Raises:
        TypeError: A target is neither a number nor a list of numbers.
        ValueError: There are no predictions, the counts differ, or a target does not fit
            its row of scores.

    Examples:
        >>> import nn
        >>> nn.accuracy([[0.3], [-1.2], [2.0]], [1, 1, -1])          # one score: its sign
        0.3333333333333333
        >>> nn.accuracy([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]], [1, 2])  # classes: the argmax
        0.5
    """
    rows: list[Any] = [row if isinstance(row, (list, tuple)) else [row] for row in scores]
    if len(rows) != len(targets):
        raise ValueError(f"accuracy: {len(rows)} predictions but {len(targets)} targets")
    if not rows:
        raise ValueError("accuracy: got no predictions")
    right = 0
    for i, (row, t) in enumerate(zip(rows, targets)):
        row = [s.data if isinstance(s, Value) else float(s) for s in row]  # float(Value) refuses
        # A target may be written as the losses accept it: 1.0 or [1.0] for one score, a class
        # index or a one-hot (or probability) row for several.
        flat = _flat_target(t, i)
        if len(row) == 1:
            if len(flat) != 1:
                raise ValueError(f"accuracy: sample {i} has one score but its target {quote(t)} "
                                 f"has {len(flat)} numbers; accuracy needs one target per score")
            right += (row[0] > threshold) == (flat[0] > 0.0)
        elif len(flat) == len(row):
            right += _argmax(row) == _argmax(flat)
        elif len(flat) == 1 and float(flat[0]).is_integer():
            right += _argmax(row) == int(flat[0])
        else:
            raise ValueError(
                f"accuracy: sample {i} has {len(row)} scores but its target is {quote(t)}; "
                f"accuracy needs a class index (0 to {len(row) - 1}) or a row of {len(row)} "
                f"numbers (one-hot); pass metrics=() to train without it"
            )
    return right / len(rows)


def _argmax(row: Sequence[float]) -> int:
    return max(range(len(row)), key=row.__getitem__)  # the first one on ties


def _flat_target(t: Any, i: int) -> list[float]:
    """A target as a flat list of floats: 1 -> [1.0], [1.0] -> [1.0], [[0, 1]] -> [0.0, 1.0]."""
    out: list[float] = []
    stack = [t]
    while stack:
        item = stack.pop()
        if isinstance(item, Value):
            item = item.data
        if isinstance(item, numbers.Real):
            out.append(float(item))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            raise TypeError(f"accuracy: target {i} must be a number or a list of numbers, got "
                            f"{type(item).__name__} {quote(item)}")
    return out


def _check_finite(rows: list[list[Any]], targets: list[Any], where: str) -> None:
    """Refuse any input or target that is not a finite number, before training.

    A NaN or inf row would turn every gradient NaN (or, through a ReLU that was 0, be silently
    dropped).
    """
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            number = x.data if isinstance(x, Value) else x
            if not isinstance(number, numbers.Real):
                raise TypeError(f"{where}: X[{i}][{j}] must be a number, got "
                                f"{type(x).__name__} {quote(x)}")
            if not math.isfinite(number):
                raise ValueError(
                    f"{where}: input row {i} holds {float(number)!r} (column {j}); every input "
                    f"must be finite, since one NaN or inf spreads to every weight: drop or "
                    f"fill that row first"
                )
    for i, t in enumerate(targets):
        stack = [t]
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, numbers.Real) and not math.isfinite(item):
                raise ValueError(f"{where}: target {i} holds {float(item)!r}; every target must "
                                 f"be finite: drop or fix that sample first")


METRICS: dict[str, Callable[[list[list[float]], list[Any]], float]] = {"accuracy": accuracy}


@dataclass
class History:
    """What `fit` saw, one entry per epoch (and per step for the loss).

    `history["loss"]`, `history["accuracy"]`, ... read the lists by name, as Keras'
    `history.history`.

    Attributes:
        loss: The mean loss over the epoch's samples (each step's loss, weighted by its batch).
        metrics: Name -> one value per epoch, from the predictions made during the epoch.
        lr: The learning rate of the first parameter group during each epoch.
        step_loss: The loss of every step, in order.

    Examples:
        >>> import nn
        >>> history = nn.History(loss=[0.5, 0.25], metrics={"accuracy": [0.5, 1.0]},
        ...                      lr=[0.1, 0.1], step_loss=[0.6, 0.4, 0.3, 0.2])
        >>> history
        History(epochs=2, steps=4, last: loss=0.25, accuracy=1, lr=0.1)
        >>> history["accuracy"], history.epochs
        ([0.5, 1.0], 2)
    """

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """How many epochs it holds."""
        return len(self.loss)

    def __repr__(self) -> str:
        """Short, whatever the length of training.

        The epoch and step counts, the names it holds and each one's last value (the lists
        themselves are history.loss, ...).
        """
        last = {"loss": self.loss, **self.metrics, "lr": self.lr}
        shown = ", ".join(f"{name}={values[-1]:.6g}" for name, values in last.items() if values)
        return (f"History(epochs={self.epochs}, steps={len(self.step_loss)}"
                + (f", last: {shown}" if shown else "") + ")")

    def __getitem__(self, name: str) -> list[float]:
        """history["loss"], history["accuracy"], history["lr"], as Keras' history.history."""
        if name in ("loss", "lr", "step_loss"):
            values: list[float] = getattr(self, name)
            return values
        if name in self.metrics:
            return self.metrics[name]
        raise KeyError(f"History: no {quote(name)}; it has loss, lr, step_loss"
                       + "".join(f", {m}" for m in self.metrics))


def _rows(X: Any, where: str) -> list[list[float]]:
    data = X.tolist() if hasattr(X, "tolist") else X
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(f"{where}: X must be a list of input rows (or a 2-D array), got "
                        f"{type(X).__name__}")
    rows = []
    for i, row in enumerate(data):
        if isinstance(row, numbers.Real):
            row = [row]
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(f"{where}: X[{i}] must be a row of numbers, got {type(row).__name__}")
        rows.append(list(row))
    return rows


def _targets(y: Any, where: str) -> list[Any]:
    data = y.tolist() if hasattr(y, "tolist") else y
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise TypeError(f"{where}: y must be a list of targets (or an array), got "
                        f"{type(y).__name__}")
    return list(data)


def predict(model: Callable[[Sequence[float]], list[Value]], X: Any) -> list[list[float]]:
    """The model's outputs for each row of X, as floats, without recording a graph.

    Args:
        model: A model called on one row (an MLP, a Layer, or any such function).
        X: The input rows: a list of rows (a number is a row of one), or a 2-D array.

    Returns:
        One list of floats per row.

    Raises:
        TypeError: `X` is not a list of rows of numbers.

    Examples:
        >>> import nn
        >>> model = nn.MLP.from_weights([[[1.0, -1.0]]], output_activation="linear")
        >>> nn.predict(model, [[2.0, 1.0], [0.0, 3.0]])
        [[1.0], [-3.0]]
    """
    rows = _rows(X, "predict")
    with autograd.no_grad():
        return [[v.data for v in model(row)] for row in rows]


def fit(
    model: Module,
    X: Any,
    y: Any,
    loss: Callable[..., Value] | str,
    optimizer: Optimizer,
    epochs: int = 1,
    batch_size: int | None = None,
    seed: int = 0,
    progress: bool = True,
    metrics: Sequence[str] | Mapping[str, Callable[..., float]] = ("accuracy",),
    scheduler: LRScheduler | None = None,
    l2: float = 0.0,
    callback: Callable[[int, History], None] | None = None,
    compile: bool = False,
) -> History:
    """Train `model` on rows X and targets y; return the History.

    Each step: forward, loss, optimizer.zero_grad(), backward(), optimizer.step().

    Args:
        model: The nn.Module to train; called on each row, it returns the row's outputs.
        X: The input rows (a list of lists of numbers, or a 2-D array).
        y: The targets, one per row (a number or a list of numbers each).
        loss: A function (predictions, targets) -> Value, such as `nn.hinge_loss`, or its
            name ("mse", "half_sse", "hinge", "bce_with_logits", "cross_entropy"); it gets
            one list of outputs per sample, as the model returns them.
        optimizer: An nn.optim Optimizer over (some of) the model's parameters.
        epochs: How many passes over the data.
        batch_size: None for full-batch steps (samples in their order), or the size of
            minibatches drawn from a shuffle seeded by `seed` (the last one may be smaller).
        seed: The seed of the minibatch shuffle.
        progress: Show a tqdm progress bar, one tick per epoch.
        metrics: Metric names ("accuracy") or a dict name -> function(scores, targets),
            computed once per epoch from the predictions made during it.
        scheduler: An LRScheduler of this optimizer, stepped once at the end of every epoch.
        l2: Adds l2 * sum(p * p) over the model's parameters to each step's loss.
        callback: Called as callback(epoch, history) after each epoch (epoch counted from 0).
        compile: Run each step through the model's compiled graph, batched over numpy arrays
            (nn/compiled.py; the loss must be a mean over samples). Right or refused, by
            guards on what the recording read besides the inputs and the parameters:
            every comparison the model or the loss makes on a Value (`if h > 0:`, and
            `if h:` as `h != 0`) is re-checked on every sample of every step (a
            TraceMismatchError names the first sample on another branch, before any
            update); the model's other state (every attribute, down through sub-modules,
            lists, dicts and plain objects: numbers, strings, tuples, non-parameter Values'
            numbers, arrays, random generators; and the closure and the plain globals the
            loss and the modules' `__call__`/`forward` read) is snapshotted with the
            recording and compared before every step, and the model is recorded again
            when it changed (a temperature annealed by the callback, a buffer updated
            between epochs). Refused, in one line, before any update: a number taken out of
            a Value (`.data`, float()) or work under no_grad(); a forward that changes the
            model's state (a call counter); a forward that draws random numbers, or that
            gives another graph when recorded twice on the same row. The first step after
            each recording is also checked against the eager engine. Use compile=False for
            a model that branches in Python.

    Returns:
        The History: the loss per epoch and per step, the metrics, the learning rates.

    Raises:
        TypeError: A model, loss, optimizer or scheduler of the wrong kind.
        ValueError: Bad arguments or data (each named), an optimizer built for another
            model, or, with compile=True, a model or loss the compiled step refuses.
        NonFiniteLossError: A loss that is NaN or infinite, naming the epoch and step,
            raised before backward.
        TraceMismatchError: With compile=True, a sample on another branch than the trace.

    Examples:
        >>> from nn import MLP, SGD, fit
        >>> model = MLP(1, [1], seed=0)
        >>> history = fit(model, [[0.0], [1.0]], [[0.0], [1.0]], loss="mse",
        ...               optimizer=SGD(model.parameters(), lr=0.1), epochs=3,
        ...               progress=False, metrics={})
        >>> len(history.loss), history.loss[-1] < history.loss[0]
        (3, True)
    """
    where = "fit"
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn.Module, got {type(model).__name__}")
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"{where}: unknown loss {quote(loss)}; known: "
                             f"{', '.join(map(repr, LOSSES))}, or pass a function")
        loss = LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"{where}: loss must be a function or a loss name, got "
                        f"{type(loss).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer must be an nn.optim Optimizer, got "
                        f"{type(optimizer).__name__}")
    _check_optimizer_owns(model, optimizer, where)
    if scheduler is not None and not isinstance(scheduler, LRScheduler):
        raise TypeError(f"{where}: scheduler must be an nn.optim LRScheduler or None, got "
                        f"{type(scheduler).__name__}")
    if scheduler is not None and scheduler.optimizer is not optimizer:
        raise ValueError(f"{where}: the scheduler sets the lr of another optimizer (built before "
                         f"this one was made again); build it from this one: "
                         f"{type(scheduler).__name__}(optimizer, ...)")
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"{where}: epochs must be an int >= 1, got {quote(epochs)}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"{where}: batch_size must be None (full batch) or an int >= 1, got "
                         f"{quote(batch_size)}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{where}: seed must be an int, got {type(seed).__name__}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not l2 >= 0.0:
        raise ValueError(f"{where}: l2 must be a number >= 0, got {quote(l2)}")
    if isinstance(metrics, Mapping):
        metric_fns = dict(metrics)
    else:
        if isinstance(metrics, str):
            metrics = [metrics]
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"{where}: unknown metric(s) {', '.join(map(repr, unknown))}; known: "
                             f"{', '.join(map(repr, METRICS))}, or pass a dict name -> function")
        metric_fns = {m: METRICS[m] for m in metrics}
    rows = _rows(X, where)
    targets = _targets(y, where)
    if len(rows) != len(targets):
        raise ValueError(f"{where}: X has {len(rows)} rows but y has {len(targets)} targets")
    if not rows:
        raise ValueError(f"{where}: got no training data (X is empty)")
    _check_finite(rows, targets, where)

    stepper = None
    if compile:  # each step's forward and backward by generated code (nn/compiled.py)
        from .compiled import CompiledStep

        stepper = CompiledStep(model, rows, targets, loss, l2)
    n = len(rows)
    rng = random.Random(int(seed))
    order = list(range(n))
    params = model.parameters()
    history = History(metrics={name: [] for name in metric_fns})
    bar = _progress_bar(epochs) if progress else None
    # The cyclic collector kept off the graphs for the whole run (gc_paused: made rare, never
    # off, so cycles cannot pile up), and the young generation collected after
    # each step once its graph is dropped (cheap: the graph is already freed by reference
    # counting; it frees the cycles the step's own code made). Chosen by measurement on
    # micrograd's demo (bench/demo.py, CPU ms per step): collector on 63-83, gc.freeze() once
    # 45-60, no full collections (threshold2 raised) 48-59, off 42-49. Restored in `finally`,
    # on every way out (an error, KeyboardInterrupt).
    collector = autograd.gc_paused()
    collector.__enter__()
    try:
        for epoch in range(epochs):
            if batch_size is None:
                batches = [order]
            else:
                rng.shuffle(order)
                batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
            history.lr.append(float(optimizer.param_groups[0]["lr"]))
            total, scores, seen = 0.0, [], []
            for step, batch in enumerate(batches):
                if stepper is not None:  # the compiled step: loss, gradients, update
                    number = stepper.run(batch)
                    if not math.isfinite(number):
                        raise NonFiniteLossError(
                            f"{where}(compile=True): the loss is {number!r} at epoch "
                            f"{epoch + 1} of {epochs}, step {step + 1} of {len(batches)} (lr "
                            f"{optimizer.param_groups[0]['lr']!r}); training stopped. Try a "
                            f"lower learning rate; run with compile=False under "
                            f"autograd.detect_anomaly() to find the first non-finite operation.",
                            epoch + 1, step + 1, number)
                    stepper.apply(optimizer)
                    history.step_loss.append(number)
                    total += number * len(batch)
                    scores.extend(stepper.scores)
                    seen.extend(targets[i] for i in batch)
                    continue
                preds = [model(rows[i]) for i in batch]
                batch_targets = [targets[i] for i in batch]
                value = loss(preds, batch_targets)
                if not isinstance(value, Value):
                    raise TypeError(f"{where}: the loss function must return one Value (use "
                                    f"reduction 'mean' or 'sum'), got {type(value).__name__}")
                if l2:
                    value = value + l2 * autograd.sum([p * p for p in params])
                number = value.data
                if not math.isfinite(number):
                    raise NonFiniteLossError(
                        f"{where}: the loss is {number!r} at epoch {epoch + 1} of {epochs}, step "
                        f"{step + 1} of {len(batches)} (lr {optimizer.param_groups[0]['lr']!r}); "
                        f"training stopped. Try a lower learning rate; run the step under "
                        f"autograd.detect_anomaly() to find the first non-finite operation.",
                        epoch + 1, step + 1, number,
                    )
                optimizer.zero_grad()
                value.backward()
                optimizer.step()
                history.step_loss.append(number)
                total += number * len(batch)
                scores.extend([v.data for v in out] for out in preds)
                seen.extend(batch_targets)
                # Drop this step's graph now, not when the next one is built: the cyclic
                # collector then never has two graphs to walk.
                del preds, value
                collector.collect_young()
            history.loss.append(total / n)
            for name, fn in metric_fns.items():
                history.metrics[name].append(float(fn(scores, seen)))
            if scheduler is not None:
                scheduler.step()
            if bar is not None:
                bar.set_postfix({"loss": f"{history.loss[-1]:.4g}",
                                 **{k: f"{v[-1]:.3g}" for k, v in history.metrics.items()}})
                bar.update(1)
            if callback is not None:
                callback(epoch, history)
    finally:
        collector.__exit__(None, None, None)
        if bar is not None:
            bar.close()
    return history


def _check_optimizer_owns(model: Module, optimizer: Optimizer, where: str) -> None:
    """Refuse an optimizer that updates none of the model's parameters (by identity).

    It was built for another model, as when a notebook's model cell is re-run and the
    optimizer's is not, and every step would leave the model as it is. An optimizer over some
    of them (the others frozen) is fine.
    """
    mine = {id(p) for p in model.parameters()}
    if not any(id(p) in mine for group in optimizer.param_groups for p in group["params"]):
        raise ValueError(
            f"{where}: the optimizer updates none of this model's parameters (it was built for "
            f"another model, or before the model was made again); build it from this one: "
            f"{type(optimizer).__name__}(model.parameters(), ...)"
        )


def _progress_bar(epochs: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        raise ImportError("fit: progress=True needs tqdm, a core dependency missing here "
                          "(pip install tqdm); or pass progress=False") from None
    return tqdm(total=epochs, desc="fit", unit="epoch")
