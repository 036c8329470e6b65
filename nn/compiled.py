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

Right or refused: the guards are sound, not sampled. A recording shows one path through the
model's Python code, run on the state the model had then, so it is guarded on what it read
besides its inputs and the parameters (torch.compile's idea):
- every comparison the model and the loss make on a Value (`if h > 0:`, `max(a, b)`; Values
  compare `.data`), and every `bool(v)` (`if v:`, seen as the comparison `v != 0` it is, where
  Value defines __bool__), is recorded with its result (autograd.compile.watch) and
  re-evaluated on EVERY sample of EVERY step, from the same compiled code (the compared values'
  forward over the batch): a sample whose comparison comes out the other way, because of its
  inputs or of parameters that moved since, is a TraceMismatchError naming the sample, before
  any update is made;
- the model's state (`_Snapshot`): every attribute, walked down through sub-modules, lists,
  tuples, dicts and plain objects: numbers, strings, non-parameter Values' numbers (buffers),
  numpy arrays, random generators' states (a Value added since shows as a new one); the closure
  cells of the loss (or its object), and the plain data that the loss and the `__call__`/
  `forward` of every module class in the model read from their module's globals (code nested
  in them, a comprehension, included). It is snapshotted with the recording
  and compared before every step; when it changed (a temperature annealed by a callback, a
  buffer updated between epochs) the model and the loss are recorded and compiled again, and
  that step is checked against the eager engine. A function, class or module held in the state
  counts by identity (its own insides are not walked), and so does an object of a type that
  has neither __dict__ nor __slots__.
Refused at once, in one line (ValueError), before any update:
- a number taken out of a Value by the model or the loss (`.data`, `float(v)`, a format) or an
  operation under no_grad(): it would be a constant of the trace;
- a forward (or loss) that changes the state while it runs (a call counter, an attribute set
  to its last output, a random generator it draws from): the compiled code would never change it;
- a forward that draws from Python's random module or numpy's global generator, or that gives
  another graph when recorded a second time on the same row (noise from elsewhere, the time):
  the compiled code would repeat one draw for every sample and step.
On top, the first step after each recording runs its first 8 samples on the eager engine too
and compares them (1e-12 relative: loss and every gradient), so a loss that is not a mean (a sum
reduction) is an error too. Use compile=False for a model that branches in Python.
"""

from __future__ import annotations

import math
import random
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.compile import Compiled, TraceMismatchError, Watched, watch
from autograd.compile.recording import _shape

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
        self.X = np.array(rows, dtype=float)
        keys = [_key(t) for t in targets]
        distinct = list(dict.fromkeys(keys))
        if len(distinct) > MAX_GROUPS:
            raise ValueError(f"{where}: the targets take {len(distinct)} values; the compiled "
                             f"step groups samples by target (a loss may branch on it) and "
                             f"allows {MAX_GROUPS}; use compile=False")
        self.group_of = np.array([distinct.index(k) for k in keys])
        self.keys, self.distinct = keys, distinct
        self.model_and_loss = (model, rows, targets, loss)
        self.l2 = float(l2)
        self.scores: list[list[float]] = []  # the last step's outputs, one row per sample
        self.recordings = 0  # how many times the model and the loss were recorded
        self._record()

    def _record(self) -> None:
        """Record the model and the loss on the first row, check the recording, and compile it.

        The recording must be a pure function of its inputs and of the state snapshotted with
        it.
        """
        where = "fit(compile=True)"
        model, rows, targets, loss = self.model_and_loss
        self.params = model.parameters()
        self.skip = {id(p) for p in self.params}
        before = _Snapshot(model, loss, self.params, self.skip)
        outputs, seen, xs = self._record_model()
        after = _Snapshot(model, loss, self.params, self.skip)
        changed = before.changed(after)
        if changed:
            raise ValueError(
                f"{where}: the model changes its own state when it runs ({changed}); the "
                f"compiled code runs the recording instead of the model, and would never change "
                f"it. Keep the forward free of side effects (count or anneal in a callback), "
                f"or use compile=False")
        _refuse_reads(seen, "the model", where)
        self._same_twice(outputs, xs, where)
        if isinstance(outputs, Value):
            outputs = [outputs]
        # The model, once for every sample: its outputs (forward), and d/d params of
        # sum_k out_k * seed_k, which is the backward pass from the outputs with upstream
        # seed_k = dloss/dout_k (the products by upstream 1.0 are exact: the same bits).
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
        for k in self.distinct:
            target = targets[self.keys.index(k)]
            with autograd.enable_grad(), watch() as seen:
                one = loss([outs], [target])
            _refuse_reads(seen, "the loss", where)
            if not isinstance(one, Value):
                raise TypeError(f"{where}: the loss function must return one Value, got "
                                f"{type(one).__name__}")
            with autograd.enable_grad():
                again = loss([outs], [target])
            _refuse_impure(_shape(one, outs), _shape(again, outs) if isinstance(again, Value)
                           else [], "the loss", where)
            self.losses.append(Compiled(one, outs, outs, eager=False))
            self.loss_branches.append(_Branches(seen, outs, "the loss", where))
        changed = after.changed(_Snapshot(model, loss, self.params, self.skip))
        if changed:
            raise ValueError(f"{where}: the loss changes the model's state when it runs "
                             f"({changed}); use compile=False")
        self.state = after
        self.checked = False  # the first step after each recording is checked against eager
        self.penalty = None
        if self.l2:
            self.penalty = autograd.compile(self.l2 * autograd.sum([p * p for p in self.params]),
                                            self.params)
        self.recordings += 1

    def _record_model(self) -> tuple[Any, Watched, list[Value]]:
        """The model called once on Values holding the first row, watched.

        A model that drew from Python's or numpy's global random numbers meanwhile is refused.
        """
        model, rows, _, _ = self.model_and_loss
        xs = [Value(float(x), label=f"x{j}") for j, x in enumerate(rows[0])]
        draws = _global_draws()
        with autograd.enable_grad(), watch() as seen:
            outputs = model(xs)  # type: ignore[operator]  # every nn Module is called so
        if _global_draws() != draws:
            raise ValueError(
                "fit(compile=True): the model draws random numbers when it runs (Python's "
                "random or numpy's global generator): the compiled code would repeat the "
                "recording's draws at every sample and step; use compile=False")
        return outputs, seen, xs

    def _same_twice(self, outputs: Any, xs: list[Value], where: str) -> None:
        """Record the model a second time on the same row: the two graphs must be the same.

        The same operations, operands and every number; or the forward is not a function of
        its inputs and state (randomness from elsewhere, time, a counter) and is refused.
        """
        model, rows, _, _ = self.model_and_loss
        xs2 = [Value(float(x), label=f"x{j}") for j, x in enumerate(rows[0])]
        with autograd.enable_grad():
            again = model(xs2)  # type: ignore[operator]
        first, second = _outputs_shape(outputs, [*xs, *self.params]), \
            _outputs_shape(again, [*xs2, *self.params])
        _refuse_impure(first, second, "the model", where)

    def run(self, batch: Sequence[int]) -> float:
        """The loss of the samples `batch` (returned) and every gradient (kept for `apply`).

        The outputs go to self.scores. The model and the loss are recorded again first if the
        state snapshotted with the recording has changed since. The first step after each
        recording also runs its first samples on the eager engine, which must agree.
        """
        model, _, _, loss = self.model_and_loss
        # (self.params for the skip list: a parameter added or dropped since changes what the
        # walk finds anyway, a new Value or a list of another length)
        if self.state.changed(_Snapshot(model, loss, self.params, self.skip)):
            self._record()  # the state the recording read has changed since: record it again
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


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "!=": np.not_equal, "==": np.equal}  # != 0: bool(v), `if v:` (watch)


def _name(v: Value | float) -> str:
    if not isinstance(v, Value):
        return repr(v)
    return v.label or f"a {v.op or 'leaf'} node"


class _Branches:
    """The comparisons a traced function made on Values, re-evaluated for every sample.

    The compared Values' forward is compiled from the same recording (their sum is the output,
    so each of them is a line of its code); a check runs it over the batch and compares each
    comparison's result with the trace's.
    """

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
        """Raise TraceMismatchError at the first sample whose comparison differs from the trace's.

        rows: the samples' indices in X.
        """
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


# --- the state a recording read: snapshotted with it, compared before every step -------------


_PLAIN = (bool, int, float, complex, str, bytes, type(None))
_IDENTITY = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
             types.MethodType)


class _Snapshot:
    """What a recording of the model and the loss may have read besides the parameters.

    Every attribute of the model, walked down through sub-modules, lists, tuples, dicts and
    plain objects (their __dict__ or __slots__): numbers, strings, tuples, a non-parameter
    Value's number, a numpy array's bytes, a random generator's state; the closure cells of the
    loss (a function) or its object (a callable instance, a bound method); the plain data that
    the loss and the `__call__`/`forward` of every module class met read from their module's
    globals. A function, class or module counts by identity.
    """

    __slots__ = ("items",)

    def __init__(self, model: Module, loss: Callable[..., Any], params: Sequence[Value],
                 skip: set[int] | None = None) -> None:
        if skip is None:
            skip = {id(p) for p in params}
        items: dict[str, Any] = {}
        roots: list[tuple[str, Any]] = [("model", model), *_read_by("the loss", loss)]
        seen: set[int] = set()
        read_by: set[type] = set()  # module classes whose methods' globals are walked
        stack = list(reversed(roots))
        while stack:
            path, obj = stack.pop()
            if isinstance(obj, Module) and type(obj) not in read_by:
                read_by.add(type(obj))  # what every module class's __call__/forward reads
                for name in ("__call__", "forward"):
                    method = getattr(type(obj), name, None)
                    if isinstance(method, types.FunctionType):
                        stack += _read_by(f"{type(obj).__name__}.{name}", method)
            if isinstance(obj, Value):
                if id(obj) not in skip:
                    items[path] = ("Value", repr(obj.data))
                continue
            if isinstance(obj, _PLAIN):
                items[path] = (type(obj).__name__, repr(obj))
                continue
            if isinstance(obj, _IDENTITY):
                items[path] = ("object", id(obj))
                continue
            if id(obj) in seen:  # shared or cyclic: walked where first met
                continue
            seen.add(id(obj))
            children: list[tuple[str, Any]]
            if isinstance(obj, np.ndarray):
                items[path] = ("array", obj.dtype.str, obj.shape, obj.tobytes())
                continue
            if isinstance(obj, random.Random):
                items[path] = ("random", obj.getstate())
                continue
            if isinstance(obj, np.random.Generator):
                items[path] = ("random", repr(obj.bit_generator.state))
                continue
            # (a parameter is skipped before its path is even written: most items are)
            if isinstance(obj, (list, tuple)):
                children = [(f"{path}[{i}]", v) for i, v in enumerate(obj) if id(v) not in skip]
            elif isinstance(obj, dict):
                children = [(f"{path}[{k!r}]", v) for k, v in obj.items() if id(v) not in skip]
            elif isinstance(obj, (set, frozenset)):
                items[path] = ("set", sorted(map(repr, obj)))
                continue
            elif hasattr(obj, "__dict__") or hasattr(type(obj), "__slots__"):
                attributes = getattr(obj, "__dict__", None)
                children = [(f"{path}.{n}", v) for n, v in (attributes or {}).items()
                            if id(v) not in skip]
                for n in _slots(type(obj)):
                    v = getattr(obj, n, skip)  # `skip` itself: an empty slot
                    if v is not skip and id(v) not in skip:
                        children.append((f"{path}.{n}", v))
            else:
                items[path] = ("object", type(obj).__qualname__, id(obj))
                continue
            items[path] = (type(obj).__qualname__, len(obj) if isinstance(obj, (list, tuple, dict))
                           else len(children))
            stack.extend(reversed(children))
        self.items = items

    def changed(self, other: _Snapshot) -> str:
        """'' if nothing changed, else the first change in words (`model.t: 1.0 -> 0.5`)."""
        for key, was in self.items.items():
            now = other.items.get(key)
            if now != was:
                return f"{key}: {_say(was)} -> {_say(now)}"
        for key, now in other.items.items():
            if key not in self.items:
                return f"{key}: (none) -> {_say(now)}"
        return ""


_SLOTS: dict[type, tuple[str, ...]] = {}


def _slots(cls: type) -> tuple[str, ...]:
    """The slot names of a class and its bases (not __dict__, __weakref__), found once."""
    found = _SLOTS.get(cls)
    if found is None:
        names: list[str] = []
        for klass in cls.__mro__:
            slots = getattr(klass, "__slots__", ())
            for n in (slots,) if isinstance(slots, str) else slots:
                if n not in names and n not in ("__dict__", "__weakref__"):
                    names.append(n)
        found = _SLOTS[cls] = tuple(names)
    return found


def _global_draws() -> tuple[Any, ...]:
    """Where Python's random module and numpy's global generator are in their streams."""
    state: Any = np.random.get_state()
    return random.getstate(), state[1].tobytes(), state[2]


def _read_by(name: str, fn: Any) -> list[tuple[str, Any]]:
    """What a function reads besides its arguments.

    Its closure cells, the plain data it reads from its module's globals, and the object of a
    bound method or callable instance.
    """
    roots: list[tuple[str, Any]] = []
    if isinstance(fn, types.MethodType):
        roots.append((f"{name}.__self__", fn.__self__))
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        if not isinstance(fn, _IDENTITY):  # a callable instance: its attributes
            roots.append((name, fn))
        return roots
    for var, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            roots.append((f"{name} (closure {var})", cell.cell_contents))
        except ValueError:  # an empty cell
            continue
    # The names its code reads, with those of the code nested in it (a comprehension, a lambda).
    names: dict[str, None] = {}
    codes = [fn.__code__]
    while codes:
        code = codes.pop()
        names.update(dict.fromkeys(code.co_names))
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    for var in names:
        value = fn.__globals__.get(var)
        if var in fn.__globals__ and not isinstance(value, _IDENTITY):
            roots.append((f"{name} (global {var})", value))
    return roots


def _say(item: Any) -> str:
    if item is None:
        return "(none)"
    kind = item[0]
    if kind == "Value":
        return f"Value(data={item[1]})"
    if kind in ("array", "random"):
        return f"another {kind} state"
    if kind == "object":
        return "another object"
    return str(item[1]) if len(item) == 2 else repr(item)


def _outputs_shape(outputs: Any, leaves: Sequence[Value]) -> list[Any]:
    """The recorded graph under each output, as (op, operand positions, number or input)."""
    outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [_shape(o, leaves) if isinstance(o, Value) else ("not a Value", repr(o)) for o in outs]


def _refuse_impure(first: list[Any], second: list[Any], who: str, where: str) -> None:
    if first == second:
        return
    raise ValueError(
        f"{where}: {who} is not a function of its inputs and state: recorded twice on the same "
        f"row, it gave two different graphs (random numbers? dropout, noise, the time); the "
        f"compiled code would repeat one recording at every sample and step. Use "
        f"compile=False")
