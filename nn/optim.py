"""Optimizers and learning-rate schedules with PyTorch's names, arguments, defaults and rules.

Each `step()` follows the pseudo-code of `torch.optim`'s documentation, with the floating-point
operations in the order of torch's single-tensor ("for-loop") implementation. Written out per
parameter in plain floats, each update rule reads as its formula.

How close to PyTorch (float64, CPU): Adam and AdamW match bit for bit given the same gradients.
SGD and RMSprop differ in the last bit now and then, because torch's CPU kernels for
`add(..., alpha=)` and `addcmul` use a fused multiply-add (one rounding) where plain Python
(before 3.13's math.fma) rounds twice; after ten steps of a small network the parameters agree
to about 1e-14 relative (tests/nn/test_torch_parity.py holds them to 1e-12).

Like PyTorch, an optimizer keeps `param_groups` (dicts holding "params" and the
hyper-parameters; pass a list of dicts to give groups their own settings) and per-parameter
`state`. Bad hyper-parameters are refused when the optimizer is built, not at the first step,
by PyTorch's rules: `eps=0` is taken by Adam, AdamW and RMSprop, as there. Their update then
divides by zero for a parameter whose gradients have all been 0 so far; PyTorch writes 0 / 0 =
NaN into it, here it does not move (its gradient is 0, so any eps > 0 would not move it
either), and a nonzero numerator over a zero denominator is a ZeroDivisionError naming the
parameter. numpy scalars are taken as Python's (np.float64, np.int64, np.bool_ for the flags).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterable

from autograd import Value

from ._checks import is_flag, names, quote

__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adam", "AdamW",
    "LRScheduler", "StepLR", "ExponentialLR", "LinearLR",
]

_sqrt = math.sqrt


def _real(value: object, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(value, Value):
        raise TypeError(f"{where}: {name} must be a real number, got {type(value).__name__} "
                        f"{quote(value)}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{where}: {name} must be a number, got nan")
    return value


def _at_least_zero(group: dict[str, Any], where: str, name: str) -> None:
    value = _real(group[name], where, name)
    if value < 0.0:
        raise ValueError(f"{where}: {name} must be >= 0, got {value!r}")
    group[name] = value


def _flag(group: dict[str, Any], where: str, name: str) -> None:
    if not is_flag(group[name]):
        raise TypeError(f"{where}: {name} must be True or False, got "
                        f"{type(group[name]).__name__} {quote(group[name])}")
    group[name] = bool(group[name])  # np.True_ too, stored as Python's


def _in_unit_interval(value: object, where: str, name: str) -> float:
    """A number in [0, 1): a decay rate of 1 would never let the running average move."""
    value = _real(value, where, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{where}: {name} must be in [0, 1), got {value!r}")
    return value


def _zero_over_zero(top: float, where: str, p: Value) -> float:
    """An update's top / 0, where the bottom (sqrt(v) + eps) is 0: only with eps=0 and v = 0.

    0 / 0 is no step (the limit as eps goes to 0: any eps > 0 gives exactly 0); anything else
    over 0 has no value, and is an error rather than the inf PyTorch would write.
    """
    if top == 0.0:
        return 0.0
    raise ZeroDivisionError(
        f"{where}: eps=0 and the running average of squared gradients of {p!r} is 0, so its "
        f"update {top!r} / 0 has no value; pass eps > 0 (the default is 1e-8)"
    )


class Optimizer:
    """Base class: parameter groups, state, `zero_grad()`, and the checks every optimizer shares.

    `params` is an iterable of Values (usually `model.parameters()`), or of dicts
    {"params": [...], "lr": ...} to give groups of parameters their own settings.

    Args:
        params: Values, or dicts {"params": [...], "lr": ...}, one per group.
        defaults: The settings of a group that does not give its own.

    Attributes:
        param_groups: One dict per group: "params" and the hyper-parameters.
        state: Per parameter, what the rule keeps between steps (momentum buffers, ...).
        defaults: The settings a group gets when it does not give its own.

    Raises:
        TypeError: `params` is not an iterable of Values (or of such dicts).
        ValueError: `params` is empty, a parameter appears twice, a group has an unknown
            setting, or a hyper-parameter is out of range.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> a, b = Value(1.0), Value(2.0)
        >>> opt = nn.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.5]
    """

    def __init__(
        self, params: Iterable[Value] | Iterable[dict[str, Any]], defaults: dict[str, Any]
    ) -> None:
        where = type(self).__name__
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{where}: params must be an iterable of Values (such as "
                            f"model.parameters()), got {type(params).__name__}")
        items: list[Any] = list(params)
        if not items:
            raise ValueError(f"{where}: got an empty parameter list; pass the Values to "
                             f"optimize, such as model.parameters()")
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Value, dict[str, Any]] = {}
        groups = items if all(isinstance(g, dict) for g in items) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add parameters with their own settings (missing ones come from the defaults).

        Args:
            group: A dict with "params" (Values) and any of the optimizer's settings.

        Raises:
            TypeError: `group` is not a dict with "params", or a parameter is not a Value.
            ValueError: A setting is unknown or out of range, the list is empty, or a
                parameter is already optimized.

        Examples:
            >>> from autograd import Value
            >>> import nn
            >>> opt = nn.SGD([Value(1.0)], lr=0.1)
            >>> opt.add_param_group({"params": [Value(3.0)], "momentum": 0.9})
            >>> [(g["lr"], g["momentum"]) for g in opt.param_groups]
            [(0.1, 0.0), (0.1, 0.9)]
        """
        where = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{where}: a parameter group must be a dict with a 'params' entry, "
                            f"got {type(group).__name__}")
        unknown = sorted(set(group) - set(self.defaults) - {"params", "initial_lr"})
        if unknown:
            raise ValueError(f"{where}: unknown setting(s) {names(unknown)} in a "
                             f"parameter group; known: {', '.join(sorted(self.defaults))}")
        params = group["params"]
        params = [params] if isinstance(params, Value) else list(params)
        if not params:
            raise ValueError(f"{where}: got an empty parameter list; pass the Values to "
                             f"optimize, such as model.parameters()")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"{where}: params[{i}] is a {type(p).__name__} ({quote(p)}), "
                                f"not a Value; an optimizer updates Values")
            if id(p) in seen:
                raise ValueError(f"{where}: params[{i}] ({p!r}) appears twice; it would be "
                                 f"updated twice per step")
            seen.add(id(p))
        full = {**self.defaults, **group, "params": params}
        self._check(full, where)
        self.param_groups.append(full)

    def _check(self, group: dict[str, Any], where: str) -> None:
        """Refuse bad hyper-parameters (subclasses add their own)."""
        _at_least_zero(group, where, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0 before the next backward pass.

        Examples:
            See `step`.
        """
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def step(self, closure: Callable[[], Value] | None = None) -> Value | None:
        """Update every parameter from its `.grad`.

        With a closure (which zeroes the grads, recomputes the loss and calls backward), call
        it first and return its loss.

        Args:
            closure: Optional; zeroes the grads, computes the loss, calls backward, returns it.

        Returns:
            The closure's loss, or None without one.

        Examples:
            >>> from autograd import Value
            >>> import nn
            >>> w = Value(1.0)
            >>> opt = nn.SGD([w], lr=0.1)
            >>> for _ in range(2):
            ...     opt.zero_grad()
            ...     loss = w * w                   # d/dw = 2w
            ...     loss.backward()
            ...     opt.step()                     # w = w - 0.1 * 2w
            >>> round(w.data, 12)
            0.64
        """
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            self._update(group)
        return loss

    def _update(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


class SGD(Optimizer):
    """Stochastic gradient descent, as `torch.optim.SGD`.

    ```text
    g = grad + weight_decay * p                      (if weight_decay)
    b = g at the first step, then momentum * b + (1 - dampening) * g
    g = g + momentum * b  (nesterov)  or  g = b      (if momentum)
    p = p - lr * g
    ```

    Args:
        params: Values (`model.parameters()`), or dicts giving groups their own settings.
        lr: The learning rate, >= 0.
        momentum: The momentum factor, >= 0.
        dampening: Dampening of the momentum.
        weight_decay: L2 penalty, >= 0.
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: Ascend the gradient instead.

    Raises:
        TypeError: `params` is not Values, a number is not a real number, or a flag not a
            bool.
        ValueError: `lr`, `momentum` or `weight_decay` is negative (or NaN), or nesterov
            comes without momentum or with dampening.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> w = Value(1.0)
        >>> opt = nn.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 12)                      # 1 - 0.2, then 0.8 - 0.1 * (1.6 + 0.9 * 2)
        0.46
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check(self, group: dict[str, Any], where: str) -> None:
        super()._check(group, where)
        _at_least_zero(group, where, "momentum")
        _at_least_zero(group, where, "weight_decay")
        group["dampening"] = _real(group["dampening"], where, "dampening")
        _flag(group, where, "nesterov")
        _flag(group, where, "maximize")
        if group["nesterov"] and (group["momentum"] <= 0.0 or group["dampening"] != 0.0):
            raise ValueError(f"{where}: nesterov=True needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']!r}, dampening={group['dampening']!r}")

    def _update(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        maximize = group["maximize"]
        neg_lr = -lr
        if not (momentum or weight_decay or maximize):  # plain descent: the common fast path
            for p in group["params"]:
                p.data = p.data + neg_lr * p.grad
            return
        for p in group["params"]:
            g = -p.grad if maximize else p.grad
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            if momentum != 0.0:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = g
                else:
                    buf = buf * momentum + (1.0 - dampening) * g
                state["momentum_buffer"] = buf
                g = g + momentum * buf if nesterov else buf
            p.data = p.data + neg_lr * g


class RMSprop(Optimizer):
    """RMSprop, as `torch.optim.RMSprop`: the worked example's optimizer.

    The post uses lr=0.1, alpha=0.999, eps=1e-2.

    ```text
    g = grad + weight_decay * p                          (if weight_decay)
    v = alpha * v + (1 - alpha) * g^2                    (v starts at 0)
    avg = sqrt(v) + eps, or, centered, with m = running mean of g:  sqrt(v - m^2) + eps
    b = momentum * b + g / avg;  p = p - lr * b          (if momentum)
    p = p - lr * g / avg                                 (otherwise)
    ```

    Args:
        params: Values (`model.parameters()`), or dicts giving groups their own settings.
        lr: The learning rate, >= 0.
        alpha: The decay of the running average of g^2, in [0, 1).
        eps: Added to the denominator, > 0.
        weight_decay: L2 penalty, >= 0.
        momentum: The momentum factor, >= 0.
        centered: Divide by the running variance of g instead of its mean square.
        maximize: Ascend the gradient instead.

    Raises:
        TypeError: `params` is not Values, a number is not a real number, or a flag not a
            bool.
        ValueError: A hyper-parameter is out of its range (`eps` >= 0, as PyTorch).
        ZeroDivisionError: With `eps=0`, a step that would divide a non-zero number by 0
            (0 / 0, before any gradient, is no step).

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> w = Value(1.0)
        >>> opt = nn.RMSprop([w], lr=0.1, alpha=0.999, eps=1e-2)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 6)
        0.807047
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _check(self, group: dict[str, Any], where: str) -> None:
        super()._check(group, where)
        group["alpha"] = _in_unit_interval(group["alpha"], where, "alpha")
        _at_least_zero(group, where, "eps")  # 0 too, as PyTorch (see _zero_over_zero)
        _at_least_zero(group, where, "weight_decay")
        _at_least_zero(group, where, "momentum")
        _flag(group, where, "centered")
        _flag(group, where, "maximize")

    def _update(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        centered, maximize = group["centered"], group["maximize"]
        one_minus_alpha = 1.0 - alpha
        neg_lr = -lr
        for p in group["params"]:
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0.0, "square_avg": 0.0}
                if momentum > 0.0:
                    state["momentum_buffer"] = 0.0
                if centered:
                    state["grad_avg"] = 0.0
            state["step"] += 1.0
            g = -p.grad if maximize else p.grad
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            square_avg = state["square_avg"] * alpha + one_minus_alpha * g * g
            state["square_avg"] = square_avg
            if centered:
                grad_avg = _lerp(state["grad_avg"], g, one_minus_alpha)
                state["grad_avg"] = grad_avg
                avg = _sqrt(square_avg + -1.0 * grad_avg * grad_avg)
            else:
                avg = _sqrt(square_avg)
            avg = avg + eps
            if avg == 0.0:  # eps=0 and v = 0
                step = _zero_over_zero(g, type(self).__name__, p)
                if momentum > 0.0:
                    buf = state["momentum_buffer"] * momentum + step
                    state["momentum_buffer"] = buf
                    p.data = p.data + neg_lr * buf
                continue
            if momentum > 0.0:
                buf = state["momentum_buffer"] * momentum + 1.0 * g / avg
                state["momentum_buffer"] = buf
                p.data = p.data + neg_lr * buf
            else:
                p.data = p.data + neg_lr * g / avg


class Adam(Optimizer):
    """Adam, as `torch.optim.Adam`; `AdamW` is the same with decoupled weight decay.

    ```text
    p = p * (1 - lr * weight_decay)                      (AdamW)
    g = grad + weight_decay * p                          (Adam, if weight_decay)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    v_hat = max(v_hat, v) with amsgrad, else v
    p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
    ```

    Args:
        params: Values (`model.parameters()`), or dicts giving groups their own settings.
        lr: The learning rate, >= 0.
        betas: The decays (beta1, beta2) of the running averages of g and g^2, each in [0, 1).
        eps: Added to the denominator, > 0.
        weight_decay: L2 penalty, >= 0.
        amsgrad: Divide by the largest v so far.
        maximize: Ascend the gradient instead.

    Raises:
        TypeError: `params` is not Values, `betas` is not a pair, a number is not a real
            number, or a flag not a bool.
        ValueError: A hyper-parameter is out of its range (`eps` >= 0, as PyTorch).
        ZeroDivisionError: With `eps=0`, a step that would divide a non-zero number by 0
            (0 / 0, before any gradient, is no step).

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> w = Value(1.0)
        >>> opt = nn.Adam([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 6)                       # about lr per step, whatever the gradient
        0.800412
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _check(self, group: dict[str, Any], where: str) -> None:
        super()._check(group, where)
        betas = group["betas"]
        if hasattr(betas, "tolist") and not isinstance(betas, (tuple, list)):
            betas = betas.tolist()  # a numpy pair
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {quote(betas)}")
        group["betas"] = (_in_unit_interval(betas[0], where, "betas[0]"),
                          _in_unit_interval(betas[1], where, "betas[1]"))
        _at_least_zero(group, where, "eps")  # 0 too, as PyTorch (see _zero_over_zero)
        _at_least_zero(group, where, "weight_decay")
        _flag(group, where, "amsgrad")
        _flag(group, where, "maximize")

    def _update(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = self._decoupled
        for p in group["params"]:
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0.0, "exp_avg": 0.0, "exp_avg_sq": 0.0}
                if amsgrad:
                    state["max_exp_avg_sq"] = 0.0
            g = -p.grad if maximize else p.grad
            state["step"] += 1.0
            step = state["step"]
            if weight_decay != 0.0:
                if decoupled:
                    p.data = p.data * (1.0 - lr * weight_decay)
                else:
                    g = g + weight_decay * p.data
            exp_avg = _lerp(state["exp_avg"], g, 1.0 - beta1)
            exp_avg_sq = state["exp_avg_sq"] * beta2 + (1.0 - beta2) * g * g
            state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
            bias_correction1 = 1.0 - beta1**step
            bias_correction2 = 1.0 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2**0.5
            if amsgrad:
                v = max(state["max_exp_avg_sq"], exp_avg_sq)
                state["max_exp_avg_sq"] = v
            else:
                v = exp_avg_sq
            denom = _sqrt(v) / bias_correction2_sqrt + eps
            if denom == 0.0:  # eps=0 and v = 0
                _zero_over_zero(exp_avg, type(self).__name__, p)
                continue
            p.data = p.data + -step_size * exp_avg / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (`torch.optim.AdamW`).

    The weights shrink by lr * weight_decay each step, outside the adaptive scaling. Default
    weight_decay 1e-2.

    Args:
        params: Values (`model.parameters()`), or dicts giving groups their own settings.
        lr: The learning rate, >= 0.
        betas: The decays (beta1, beta2), each in [0, 1).
        eps: Added to the denominator, > 0.
        weight_decay: The decoupled decay, >= 0.
        amsgrad: Divide by the largest v so far.
        maximize: Ascend the gradient instead.

    Raises:
        TypeError: As `Adam`.
        ValueError: As `Adam`.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> w = Value(1.0)
        >>> opt = nn.AdamW([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).backward(); opt.step()
        >>> round(w.data, 6)                       # Adam's 0.800412, and a little decay
        0.798519
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


def _lerp(start: float, end: float, weight: float) -> float:
    """Give start + weight * (end - start), in torch's lerp's two forms (exact at both ends)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


# --- learning-rate schedules --------------------------------------------------------------


class LRScheduler:
    """Sets each group's lr from its initial lr and the epoch count, as `torch.optim.lr_scheduler`.

    Call `step()` once per epoch, after `optimizer.step()`. The lr is computed in closed form
    from the epoch count (torch's `_get_closed_form_lr`), so it agrees with torch's chained
    updates to rounding and an lr set by hand is replaced at the next `step()`.
    A subclass writes `lr_at(base_lr, epoch)`.

    Args:
        optimizer: The optimizer whose groups' lr it sets.
        last_epoch: -1 to start; an epoch to resume at (every group then needs
            "initial_lr").

    Attributes:
        optimizer: The optimizer.
        base_lrs: Each group's initial lr.
        last_epoch: The epoch count (0 after building).

    Raises:
        TypeError: `optimizer` is not an Optimizer.
        ValueError: `last_epoch` is not an int >= -1, or resuming without "initial_lr".

    Examples:
        A schedule of its own: halve the lr every epoch until it is a tenth.

        >>> from autograd import Value
        >>> import nn
        >>> class HalveToATenth(nn.LRScheduler):
        ...     def lr_at(self, base_lr, epoch):
        ...         return max(base_lr * 0.5 ** epoch, base_lr / 10)
        >>> opt = nn.SGD([Value(1.0)], lr=1.0)
        >>> schedule = HalveToATenth(opt)
        >>> for epoch in range(5):
        ...     opt.step(); schedule.step()
        >>> schedule.get_last_lr()
        [0.1]
    """

    optimizer: Optimizer
    base_lrs: list[float]
    last_epoch: int

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        where = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{where}: needs an Optimizer, got {type(optimizer).__name__}")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, numbers.Integral) or (
            last_epoch < -1
        ):
            raise ValueError(f"{where}: last_epoch must be an int >= -1, got {quote(last_epoch)}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group["initial_lr"] = group["lr"]
            elif "initial_lr" not in group:
                raise ValueError(f"{where}: resuming at last_epoch={last_epoch} needs "
                                 f"'initial_lr' in every parameter group")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = int(last_epoch)
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:  # pragma: no cover - abstract
        """The lr at `epoch` for a group whose initial lr is `base_lr` (each schedule's rule).

        Args:
            base_lr: The group's initial lr.
            epoch: The epoch count.

        Returns:
            The lr.
        """
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's lr.

        Raises:
            OverflowError: The lr grows past the largest float (a gamma above 1).
        """
        self.last_epoch += 1
        lrs = [self._lr(base_lr, self.last_epoch) for base_lr in self.base_lrs]
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _lr(self, base_lr: float, epoch: int) -> float:
        """The lr_at of the schedule, refused when it is no longer a float.

        A gamma > 1 grows the lr without bound, and a step with an infinite lr would turn
        every weight into inf or NaN.
        """
        where = type(self).__name__
        try:
            lr = self.lr_at(base_lr, epoch)
        except OverflowError:
            lr = math.inf
        if not math.isfinite(lr):
            raise OverflowError(
                f"{where}: at epoch {epoch} the lr grows past the largest float (initial lr "
                f"{base_lr!r}, gamma {getattr(self, 'gamma', None)!r}); a gamma above 1 grows "
                f"the lr without bound: use gamma <= 1 or fewer epochs"
            )
        return float(lr)

    def get_last_lr(self) -> list[float]:
        """Each group's lr as the last `step()` set it.

        Returns:
            A new list, one lr per parameter group.
        """
        return list(self._last_lr)


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size): decay by gamma every step_size epochs.

    Args:
        optimizer: The optimizer whose groups' lr it sets.
        step_size: Epochs between decays, >= 1.
        gamma: The factor, > 0.
        last_epoch: -1 to start; an epoch to resume at.

    Raises:
        TypeError: `optimizer` is not an Optimizer, `step_size` not an int, or `gamma` not a
            real number.
        ValueError: `step_size` < 1, `gamma` <= 0, or `last_epoch` < -1.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> opt = nn.SGD([Value(1.0)], lr=0.1)
        >>> schedule = nn.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(schedule.get_last_lr()[0])
        ...     opt.step(); schedule.step()
        >>> lrs
        [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    step_size: int
    gamma: float

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        where = "StepLR"
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral):
            raise TypeError(f"{where}: step_size must be an int, got {type(step_size).__name__}")
        if step_size < 1:
            raise ValueError(f"{where}: step_size must be >= 1, got {quote(step_size)}")
        self.step_size = int(step_size)
        self.gamma = _gamma(gamma, where)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The lr at `epoch`: base_lr * gamma ** (epoch // step_size).

        Args:
            base_lr: The group's initial lr.
            epoch: The epoch count.

        Returns:
            The lr.
        """
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch.

    Args:
        optimizer: The optimizer whose groups' lr it sets.
        gamma: The factor per epoch, > 0.
        last_epoch: -1 to start; an epoch to resume at.

    Raises:
        TypeError: `optimizer` is not an Optimizer, or `gamma` not a real number.
        ValueError: `gamma` <= 0, or `last_epoch` < -1.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> opt = nn.SGD([Value(1.0)], lr=1.0)
        >>> schedule = nn.ExponentialLR(opt, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(schedule.get_last_lr()[0])
        ...     opt.step(); schedule.step()
        >>> lrs
        [1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _gamma(gamma, "ExponentialLR")
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The lr at `epoch`: base_lr * gamma ** epoch.

        Args:
            base_lr: The group's initial lr.
            epoch: The epoch count.

        Returns:
            The lr.
        """
        return base_lr * self.gamma**epoch


class LinearLR(LRScheduler):
    """lr = initial_lr * (start + (end - start) * min(epoch, total_iters) / total_iters).

    micrograd's demo schedule lr = 1.0 - 0.9 * k / 100 is
    `LinearLR(SGD(params, lr=1.0), start_factor=1.0, end_factor=0.1, total_iters=100)`,
    bit for bit.

    Args:
        optimizer: The optimizer whose groups' lr it sets.
        start_factor: The factor at epoch 0, in (0, 1].
        end_factor: The factor from `total_iters` on, in [0, 1].
        total_iters: Epochs from start to end, >= 1.
        last_epoch: -1 to start; an epoch to resume at.

    Raises:
        TypeError: `optimizer` is not an Optimizer, a factor not a real number, or
            `total_iters` not an int.
        ValueError: A factor is out of its range, `total_iters` < 1, or `last_epoch` < -1.

    Examples:
        >>> from autograd import Value
        >>> import nn
        >>> opt = nn.SGD([Value(1.0)], lr=1.0)
        >>> schedule = nn.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
        >>> lrs = []
        >>> for k in range(3):
        ...     lrs.append(schedule.get_last_lr()[0])
        ...     opt.step(); schedule.step()
        >>> lrs == [1.0 - 0.9 * k / 100 for k in range(3)]    # micrograd's, bit for bit
        True
    """

    start_factor: float
    end_factor: float
    total_iters: int

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        where = "LinearLR"
        start = _real(start_factor, where, "start_factor")
        end = _real(end_factor, where, "end_factor")
        if not 0.0 < start <= 1.0:
            raise ValueError(f"{where}: start_factor must be in (0, 1], got {start!r}")
        if not 0.0 <= end <= 1.0:
            raise ValueError(f"{where}: end_factor must be in [0, 1], got {end!r}")
        if isinstance(total_iters, bool) or not isinstance(total_iters, numbers.Integral):
            raise TypeError(f"{where}: total_iters must be an int, got "
                            f"{type(total_iters).__name__}")
        if total_iters < 1:
            raise ValueError(f"{where}: total_iters must be >= 1, got {quote(total_iters)}")
        self.start_factor, self.end_factor, self.total_iters = start, end, int(total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The lr at `epoch`, moving linearly from start_factor to end_factor.

        Args:
            base_lr: The group's initial lr.
            epoch: The epoch count.

        Returns:
            The lr.
        """
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                          * min(self.total_iters, epoch) / self.total_iters)


def _gamma(gamma: object, where: str) -> float:
    value = _real(gamma, where, "gamma")
    if value <= 0.0:
        raise ValueError(f"{where}: gamma must be > 0, got {value!r}")
    return value
