"""Losses as functions of Values, with PyTorch's names and reductions.

Every loss takes predictions and targets, and a `reduction`:
"mean" (the default, as PyTorch) and "sum" give one Value, "none" the list of per-element
losses. Predictions may be nested one list per sample (what an MLP returns for each input):
`mse_loss`, `half_sse_loss`, `hinge_loss` and `bce_with_logits_loss` flatten both sides and
need as many targets as predictions; `cross_entropy_loss` reads one row of logits per sample.
"""

from __future__ import annotations

import numbers
from typing import Any, Literal, overload

import autograd
from autograd import Value

from ._checks import quote

__all__ = [
    "mse_loss", "half_sse_loss", "hinge_loss", "bce_with_logits_loss", "cross_entropy_loss",
    "REDUCTIONS",
]

REDUCTIONS = ("mean", "sum", "none")
"""The reductions every loss takes: "mean" and "sum" give one Value, "none" the list."""
# For type checkers: "mean" and "sum" give one Value, "none" a list of them.
_OneValue = Literal["mean", "sum"]
_PerElement = Literal["none"]


def _check_reduction(reduction: object, where: str) -> str:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be one of {', '.join(map(repr, REDUCTIONS))}, "
                         f"got {quote(reduction)}")
    return reduction


def _reduce(losses: list[Value], reduction: str) -> Value | list[Value]:
    if reduction == "mean":
        return autograd.mean(losses)
    if reduction == "sum":
        return autograd.sum(losses)
    return losses


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _flatten(x: object, where: str, what: str, values: bool = True) -> list[Any]:
    """A Value, a number, or (nested) sequences of them, as one flat list, in order.

    `values=False` refuses Values (targets that must be plain numbers). Walks with an explicit
    stack, never recursion.
    """
    out: list[Any] = []
    stack: list[tuple[Any, str]] = [(x, what)]  # Any: each item's type is checked below
    while stack:
        item, name = stack.pop()
        if isinstance(item, Value):
            if not values:
                raise TypeError(f"{where}: {name} must be a number, not a Value (targets are "
                                f"fixed numbers here)")
            out.append(item)
        elif isinstance(item, numbers.Real):
            out.append(float(item))
        elif isinstance(item, (str, bytes)) or not hasattr(item, "__len__"):
            raise TypeError(f"{where}: {name} must be a Value, a number or a list of them, got "
                            f"{type(item).__name__} {quote(item)}")
        else:
            items = list(item)
            for i in range(len(items) - 1, -1, -1):
                stack.append((items[i], f"{name}[{i}]"))
    return out


def _pairs(pred: object, target: object, where: str,
           target_values: bool = True) -> tuple[list[Any], list[Any]]:
    p = _flatten(pred, where, "pred")
    t = _flatten(target, where, "target", values=target_values)
    if len(p) != len(t):
        raise ValueError(f"{where}: pred has {len(p)} values but target has {len(t)}; they must "
                         f"match one to one")
    if not p:
        raise ValueError(f"{where}: got no predictions (an empty pred)")
    return p, t


@overload
def mse_loss(pred: object, target: object, reduction: _OneValue = ...) -> Value: ...
@overload
def mse_loss(pred: object, target: object, *, reduction: _PerElement) -> list[Value]: ...
@overload
def mse_loss(pred: object, target: object, reduction: str = ...) -> Value | list[Value]: ...
def mse_loss(pred: object, target: object, reduction: str = "mean") -> Value | list[Value]:
    """(pred - target)^2 per element, as `torch.nn.functional.mse_loss`.

    Args:
        pred: The predictions: a Value, a number, or (nested) lists of them.
        target: As many targets, paired in order after flattening.
        reduction: "mean" (the default, as PyTorch), "sum" or "none".

    Returns:
        One Value ("mean", "sum"), or the list of per-element losses ("none").

    Raises:
        TypeError: An element of pred or target is neither a Value nor a number.
        ValueError: `reduction` is not one of REDUCTIONS, pred is empty, or pred and target
            do not pair one to one.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> pred = [Value(0.5), Value(2.0)]
        >>> nn.mse_loss(pred, [1.0, 1.0])                     # (0.25 + 1) / 2
        Value(data=0.625, grad=0.0, op='div')
        >>> [x.data for x in nn.mse_loss(pred, [1.0, 1.0], reduction="none")]
        [0.25, 1.0]
    """
    where = "mse_loss"
    _check_reduction(reduction, where)
    p, t = _pairs(pred, target, where)
    return _reduce([(pi - ti) ** 2 for pi, ti in zip(p, t)], reduction)


@overload
def half_sse_loss(pred: object, target: object, reduction: _OneValue = ...) -> Value: ...
@overload
def half_sse_loss(pred: object, target: object, *, reduction: _PerElement) -> list[Value]: ...
@overload
def half_sse_loss(pred: object, target: object, reduction: str = ...) -> Value | list[Value]: ...
def half_sse_loss(pred: object, target: object, reduction: str = "sum") -> Value | list[Value]:
    """1/2 (pred - target)^2 per element, summed by default: the E of the worked example.

    Its derivative in pred is just (pred - target).
    "sum" gives 1/2 sum (the post's E), "mean" gives 1/2 mean (the post's PyTorch loss),
    "none" the list of 1/2 (pred_i - target_i)^2.

    Args:
        pred: The predictions: a Value, a number, or (nested) lists of them.
        target: As many targets, paired in order after flattening.
        reduction: "sum" (the default, the post's E), "mean" or "none".

    Returns:
        One Value ("sum", "mean"), or the list of per-element losses ("none").

    Raises:
        TypeError: An element of pred or target is neither a Value nor a number.
        ValueError: `reduction` is not one of REDUCTIONS, pred is empty, or pred and target
            do not pair one to one.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> yp = Value(0.75136507)                         # the post's output, its target 0.01
        >>> E = nn.half_sse_loss([yp], [0.01])
        >>> E.backward()
        >>> E, yp.grad                                     # dE/dyp = yp - target
        (Value(data=0.274811, grad=1.0, op='mul'), 0.74136507)
    """
    where = "half_sse_loss"
    _check_reduction(reduction, where)
    p, t = _pairs(pred, target, where)
    squares = [(pi - ti) ** 2 for pi, ti in zip(p, t)]
    if reduction == "none":
        return [0.5 * s for s in squares]
    return 0.5 * (autograd.mean(squares) if reduction == "mean" else autograd.sum(squares))


@overload
def hinge_loss(
    scores: object, target: object, margin: float = ..., reduction: _OneValue = ...
) -> Value: ...
@overload
def hinge_loss(
    scores: object, target: object, margin: float = ..., *, reduction: _PerElement
) -> list[Value]: ...
@overload
def hinge_loss(
    scores: object, target: object, margin: float = ..., reduction: str = ...
) -> Value | list[Value]: ...
def hinge_loss(
    scores: object, target: object, margin: float = 1.0, reduction: str = "mean"
) -> Value | list[Value]:
    """max(0, margin - y * score) per element, y in {-1, +1}: micrograd's demo loss (an SVM's).

    With y = +1 it is relu(margin - score), with y = -1 relu(margin + score).

    Args:
        scores: The raw scores: a Value, a number, or (nested) lists of them.
        target: One label per score, -1 or +1 (plain numbers).
        margin: The margin a correct score must clear.
        reduction: "mean" (the default), "sum" or "none".

    Returns:
        One Value ("mean", "sum"), or the list of per-element losses ("none").

    Raises:
        TypeError: `margin` is not a real number, a score is neither a Value nor a number, or
            a target is not a number.
        ValueError: `reduction` is not one of REDUCTIONS, a target is not -1 or +1, scores is
            empty, or scores and targets do not pair one to one.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> scores = [Value(0.5), Value(-2.0)]
        >>> [x.data for x in nn.hinge_loss(scores, [1, -1], reduction="none")]
        [0.5, 0.0]
        >>> nn.hinge_loss(scores, [1, -1])
        Value(data=0.25, grad=0.0, op='div')
    """
    where = "hinge_loss"
    _check_reduction(reduction, where)
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
        raise TypeError(f"{where}: margin must be a real number, got {type(margin).__name__}")
    s, y = _pairs(scores, target, where, target_values=False)
    losses = []
    for i, (si, yi) in enumerate(zip(s, y)):
        if yi == 1.0:
            losses.append((margin - si).relu())
        elif yi == -1.0:
            losses.append((margin + si).relu())
        else:
            raise ValueError(f"{where}: target[{i}] is {quote(yi)}; hinge targets must be -1 or +1 "
                             f"(from 0/1 labels use y * 2 - 1)")
    return _reduce(losses, reduction)


@overload
def bce_with_logits_loss(
    logits: object, target: object, reduction: _OneValue = ..., pos_weight: float | None = ...
) -> Value: ...
@overload
def bce_with_logits_loss(
    logits: object, target: object, *, reduction: _PerElement, pos_weight: float | None = ...
) -> list[Value]: ...
@overload
def bce_with_logits_loss(
    logits: object, target: object, reduction: str = ..., pos_weight: float | None = ...
) -> Value | list[Value]: ...
def bce_with_logits_loss(
    logits: object, target: object, reduction: str = "mean", pos_weight: float | None = None
) -> Value | list[Value]:
    """Binary cross-entropy of sigmoid(logit), computed from the logit, stably.

    y * softplus(-x) + (1 - y) * softplus(x) = -[y log s(x) + (1 - y) log(1 - s(x))],
    as `torch.nn.functional.binary_cross_entropy_with_logits`; softplus never overflows and
    no log of 0 can happen. Targets are probabilities in [0, 1]; `pos_weight` scales the
    positive term.

    Args:
        logits: The raw scores x: a Value, a number, or (nested) lists of them.
        target: One probability in [0, 1] per logit (plain numbers).
        reduction: "mean" (the default), "sum" or "none".
        pos_weight: The weight of the positive term (None: 1).

    Returns:
        One Value ("mean", "sum"), or the list of per-element losses ("none").

    Raises:
        TypeError: `pos_weight` is not a real number or None, a logit is neither a Value nor
            a number, or a target is not a number.
        ValueError: `reduction` is not one of REDUCTIONS, a target is outside [0, 1], logits
            is empty, or logits and targets do not pair one to one.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> x = Value(0.0)
        >>> loss = nn.bce_with_logits_loss([x], [1.0])   # -log sigmoid(0) = log 2
        >>> loss.backward()
        >>> round(loss.data, 6), x.grad                  # d/dx = sigmoid(x) - y
        (0.693147, -0.5)
    """
    where = "bce_with_logits_loss"
    _check_reduction(reduction, where)
    pw = 1.0
    if pos_weight is not None:
        if isinstance(pos_weight, bool) or not isinstance(pos_weight, numbers.Real):
            raise TypeError(f"{where}: pos_weight must be a real number or None, got "
                            f"{type(pos_weight).__name__}")
        pw = float(pos_weight)
    x, y = _pairs(logits, target, where, target_values=False)
    losses = []
    for i, (xi, yi) in enumerate(zip(x, y)):
        if not 0.0 <= yi <= 1.0:
            raise ValueError(f"{where}: target[{i}] is {quote(yi)}; targets must be probabilities "
                             f"in [0, 1]")
        xi = xi if isinstance(xi, Value) else Value(xi)
        if yi == 1.0:  # the usual hard labels make one term, a smaller graph
            loss = (-xi).softplus() if pw == 1.0 else pw * (-xi).softplus()
        elif yi == 0.0:
            loss = xi.softplus()
        else:
            loss = (pw * yi) * (-xi).softplus() + (1.0 - yi) * xi.softplus()
        losses.append(loss)
    return _reduce(losses, reduction)


@overload
def cross_entropy_loss(logits: object, target: object, reduction: _OneValue = ...) -> Value: ...
@overload
def cross_entropy_loss(
    logits: object, target: object, *, reduction: _PerElement
) -> list[Value]: ...
@overload
def cross_entropy_loss(
    logits: object, target: object, reduction: str = ...
) -> Value | list[Value]: ...
def cross_entropy_loss(
    logits: Any, target: Any, reduction: str = "mean"  # Any: checked below
) -> Value | list[Value]:
    """Softmax cross-entropy from raw scores: logsumexp(row) - row[class].

    As `torch.nn.functional.cross_entropy` with class-index targets.
    `logits` is one row of C scores per sample (or a single row), `target` the class index of
    each sample (or one int). logsumexp is one stable node whose gradient is the softmax.

    Args:
        logits: One row of C scores (Values or numbers) per sample, or a single row.
        target: The class index of each sample, in 0..C-1 (or one int for a single row).
        reduction: "mean" (the default), "sum" or "none".

    Returns:
        One Value ("mean", "sum"), or the list of per-sample losses ("none").

    Raises:
        TypeError: `logits` or `target` is not a list, a score is neither a Value nor a
            number, or a target is not an int.
        ValueError: `reduction` is not one of REDUCTIONS, there are no rows, the rows and
            targets do not pair, a row has another width than the first, or a target is
            outside the classes.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> row = [Value(0.0), Value(0.0), Value(0.0)]
        >>> loss = nn.cross_entropy_loss(row, 2)         # log 3: every class equally likely
        >>> loss.backward()
        >>> round(loss.data, 6), [round(x.grad, 4) for x in row]  # softmax - one-hot
        (1.098612, [0.3333, 0.3333, -0.6667])
    """
    where = "cross_entropy_loss"
    _check_reduction(reduction, where)
    if isinstance(logits, (str, bytes)) or not hasattr(logits, "__len__"):
        raise TypeError(f"{where}: logits must be a list of rows of scores, got "
                        f"{type(logits).__name__}")
    if len(logits) > 0 and _is_scalar(logits[0]):  # one sample: a single row, one class index
        rows, targets = [logits], [target]
    else:
        rows = list(logits)
        if isinstance(target, (str, bytes)) or not hasattr(target, "__len__"):
            raise TypeError(f"{where}: target must be a list of class indices (one per row), got "
                            f"{type(target).__name__}")
        targets = list(target)
    if not rows:
        raise ValueError(f"{where}: got no rows of logits")
    if len(rows) != len(targets):
        raise ValueError(f"{where}: logits has {len(rows)} rows but target has {len(targets)} "
                         f"class indices")
    width = None
    losses = []
    for i, (row, t) in enumerate(zip(rows, targets)):
        row = _flatten(row, where, f"logits[{i}]")
        if width is None:
            width = len(row)
        if len(row) != width or not row:
            raise ValueError(f"{where}: logits[{i}] has {len(row)} scores, expected {width} (the "
                             f"length of logits[0]); every row needs one score per class")
        if (isinstance(t, bool) or not isinstance(t, numbers.Integral)) and not (
            isinstance(t, float) and t.is_integer()
        ):
            raise TypeError(f"{where}: target[{i}] must be a class index (an int), got "
                            f"{type(t).__name__} {quote(t)}")
        t = int(t)
        if not 0 <= t < width:
            raise ValueError(f"{where}: target[{i}] is {t}, outside the {width} classes "
                             f"0..{width - 1}")
        losses.append(autograd.logsumexp(row) - row[t])
    return _reduce(losses, reduction)

