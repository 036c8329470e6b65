"""Gradients of gradients: the chain rule run on Values, so its result has a graph of its own.

`grad(output, inputs, create_graph=True)` lands here. The backward pass is the one of
`backward.py` (the same topological order, the same order of sums), but every local derivative
and every product `local_grad * upstream` is computed on Values, so it is recorded: the gradient
is a Value whose graph says how it was computed, and `grad` can be applied to it again.

The local derivatives are those of the catalogue: each `Op.local_grad_code` expression is
compiled a second time (once per operation, at first use) with its names bound to Values and to
Value-recording versions of `exp`, `log`, `sigmoid` and the pow helpers. There is no second table
of derivatives to drift from the first. A branch of the code that yields a number (relu's
`1.0 if a > 0.0 else 0.0`) records nothing: its derivative is 0, PyTorch's convention at a kink.

Numbers lifted into the graph (the 2 of `x ** 2`, the 0.5 of `0.5 * x`) enter the code as
floats, so `a ** (b - 1.0)` stays a constant-exponent `pow`, unless one is asked for as an input.

Memory: a gradient's graph points at the original graph, never back, and the gradients being
summed live in a dict local to the pass (never in `.grad`), so no reference cycle is made and a
dropped graph is freed at once by reference counting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import ops
from .backward import backward, enable_grad, grad, topo_order, unused_input
from .ops import CATALOGUE, CONST, Op
from .value import Value, _as_float, _lift, _make
from .value import sum as value_sum

__all__ = ["VALUE_NAMESPACE", "apply", "backward_graph", "grad_graph", "hessian", "hvp",
           "value_local_grads"]

Local = Value | float  # a local derivative or a gradient: a Value, or a float constant


def _exp(a: Local) -> Local:
    return ops.exp(a) if type(a) is float else a.exp()  # type: ignore[union-attr]


def _log(a: Local) -> Local:
    return ops.log(a) if type(a) is float else a.log()  # type: ignore[union-attr]


def _sigmoid(a: Local) -> Local:
    return ops.sigmoid(a) if type(a) is float else a.sigmoid()  # type: ignore[union-attr]


# The names of ops.GRAD_NAMESPACE, bound to versions that record on Values (and still compute on
# floats, for constants). A test checks that the two namespaces name the same things.
VALUE_NAMESPACE: dict[str, object] = {
    "exp": _exp, "log": _log, "sigmoid": _sigmoid,
    "dpow_dbase": ops.dpow_dbase_value, "dpow_dexp": ops.dpow_dexp_value,
    "inf": ops.inf, "nan": ops.nan,
}

# Compiled once per op: by name for the catalogue's entries, by the Op itself for any other
# (a test's deliberately wrong copy of an entry shares its name, not its code).
_compiled: dict[str | Op, Callable[..., tuple[Local, ...]]] = {}


def apply(op: Op, *operands: Value | float) -> Value:
    """`op` applied to Values (or numbers, lifted to constants).

    The node is built as a built-in operation's, by the same path (recorded, or a leaf under
    no_grad, checked under detect_anomaly). This is how an op made by `define_op` makes its
    Values.
    """
    if op.arity != -1 and len(operands) != op.arity:
        raise TypeError(f"{op.name}: takes {op.arity} operand(s), got {len(operands)}")
    xs: list[Value] = []
    for i, x in enumerate(operands):
        v = _lift(x, op.name)
        if v is None:
            raise TypeError(f"{op.name}: operand {i} must be a Value or a real number, got "
                            f"{type(x).__name__}")
        xs.append(v)
    data = op.forward(*[x.data for x in xs])
    if op.arity == -1:
        return _make(op, data, None, tuple(xs))
    return _make(op, data, xs[0], xs[1] if len(xs) == 2 else None)


def _recording(op: Op) -> Callable[..., Local]:
    """The catalogue function `op` for a user's code on Values.

    Floats in, a float out (a constant); any Value in, a recorded node.
    """
    forward = op.forward
    if op.name == "pow":  # a Value exponent is vpow, a number one pow: as Value's own `**`
        def power(a: Local, b: Local) -> Local:
            if type(a) is float and type(b) is float:
                return forward(a, b)
            return _any(a) ** b  # type: ignore[no-any-return]
        return power

    def fn(*xs: Local) -> Local:
        if all(type(x) is float for x in xs):
            return forward(*xs)
        return apply(op, *xs)
    fn.__name__ = op.name
    return fn


def user_value_namespace() -> dict[str, object]:
    """VALUE_NAMESPACE and every catalogue function by name, recording on Values.

    That is what a user's op (`define_op`) may call in its local derivatives.
    """
    names: dict[str, object] = {op.name: _recording(op) for op in CATALOGUE.values()}
    names.update(VALUE_NAMESPACE)
    names["__builtins__"] = {}
    return names


def forget(op: Op) -> None:
    """Drop what was compiled for `op` (an op removed from the catalogue)."""
    _compiled.pop(op.name, None)
    _compiled.pop(op, None)


def value_local_grads(op: Op) -> Callable[..., tuple[Local, ...]]:
    """`op.local_grad_code` as a function of Values (`out`, then the operands), compiled once."""
    key: str | Op = op.name if CATALOGUE.get(op.name) is op else op
    fn = _compiled.get(key)
    if fn is None:
        if op.arity == 0:
            source = "lambda out: ()"
        elif op.arity == -1:  # one expression in `x`, evaluated for each operand in turn
            source = f"lambda out, *xs: tuple([{op.local_grad_code[0]} for x in xs])"
        else:
            params = ", ".join(("a", "b")[: op.arity])
            source = f"lambda out, {params}: ({', '.join(op.local_grad_code)},)"
        code = compile(source, f"<{op.name} local_grads on Values>", "eval")
        # The catalogue's code, or a user's checked by ops.make_op (run without builtins).
        if op.user:  # its code may call any catalogue function, and the op itself
            namespace = user_value_namespace()
            namespace[op.name] = _recording(op)
        else:
            namespace = dict(VALUE_NAMESPACE)
        fn = eval(code, namespace)
        _compiled[key] = fn
    return fn


def _any(x: Local) -> Any:
    """Give x typed for arithmetic.

    Value's operators are set on the class at import (value.py), out of the type checker's
    sight.
    """
    return x


def _times(local: Local, upstream: Local) -> Local:
    """Multiply local_grad * upstream, recording only what can depend on an input.

    A factor 1 is skipped and a float 0 gives a float (a constant: nothing flows through it).
    """
    if type(local) is float:
        if type(upstream) is float:
            return local * upstream
        if local == 0.0:
            return local * upstream.data  # type: ignore[union-attr]
        if local == 1.0:
            return upstream
    elif type(upstream) is float:
        if upstream == 0.0:
            return local.data * upstream  # type: ignore[union-attr]
        if upstream == 1.0:
            return local
    return _any(local) * upstream  # type: ignore[no-any-return]


def _plus(total: Local | None, more: Local) -> Local:
    """The running sum of an operand's gradient; adding a float 0 to a Value records nothing."""
    if total is None:
        return more
    if type(more) is float and more == 0.0 and type(total) is not float:
        return total
    if type(total) is float and total == 0.0 and type(more) is not float:
        return more
    return _any(total) + more  # type: ignore[no-any-return]


def _chain_rule_on_values(
    order: list[Value], upstream: Local, keep: set[Value]
) -> dict[Value, Local]:
    """The gradient d root / d node for every node of `order` (which ends with the root), as Values.

    The loop of `backward._chain_rule`, the same nodes in the same order, with each gradient
    kept in a dict instead of `.grad`. Constants enter the local derivatives as their floats,
    except those in `keep` (asked for as inputs). A node whose gradient is the constant 0 (a
    dead relu's subgraph) passes zeros on using the float local derivatives: nothing to record.
    """
    ops.refuse_closures(order, "grad(create_graph=True)")
    grads: dict[Value, Local] = {order[-1]: upstream}
    get = grads.get
    for node in reversed(order):
        operands = node.operands
        if not operands:
            continue  # a leaf
        g = grads[node]
        op: Op = node._opdef  # not None: the node has operands
        if type(g) is float and g == 0.0:
            floats = [x.data for x in operands]
            local: Sequence[Local] = op.local_grads(node.data, *floats)
        else:
            args: list[Local] = [x.data if (x._opdef is CONST and x not in keep) else x
                                 for x in operands]
            if all(type(x) is float for x in args):
                local = op.local_grads(node.data, *args)
            else:
                local = value_local_grads(op)(node, *args)
        for x, dx in zip(operands, local):
            grads[x] = _plus(get(x), _times(dx, g))
    return grads


def _as_value(g: Local) -> Value:
    """A gradient as a Value: a constant one (it depends on no input) becomes a leaf."""
    return Value(g) if type(g) is float else g  # type: ignore[return-value]


def grad_graph(
    output: Value, inputs: Sequence[Value], upstream: float, allow_unused: bool
) -> tuple[Value | None, ...]:
    """`autograd.grad(..., create_graph=True)`: the gradients as Values with graphs.

    Checked arguments come from `backward.grad`. Recorded even inside `no_grad()`, as PyTorch.
    """
    order = topo_order(output)
    with enable_grad():
        grads = _chain_rule_on_values(order, _as_float(upstream, "grad"), set(inputs))
    result: list[Value | None] = []
    for i, x in enumerate(inputs):
        g = grads.get(x)
        if g is not None:
            result.append(_as_value(g))
        elif allow_unused:
            result.append(None)
        else:
            raise unused_input(i, x)
    return tuple(result)


def backward_graph(root: Value, upstream: float) -> dict[Value, Value]:
    """`backward(create_graph=True)`: the floats in `.grad`, and the gradients as Values.

    `.grad` gets the floats `backward()` gives, and the result maps each leaf (not the
    constants) to its gradient as a Value with a graph.

    The Values are returned, not stored in `.grad`: a leaf holding a gradient that was computed
    from the leaf would be a reference cycle (PyTorch warns of exactly this).
    """
    backward(root, upstream)
    order = topo_order(root)
    leaves = [x for x in order if x.is_leaf and x._opdef is not CONST]
    with enable_grad():
        grads = _chain_rule_on_values(order, upstream, set())
    return {x: _as_value(grads[x]) for x in leaves}


def _inputs(name: str, inputs: Value | Sequence[Value]) -> list[Value]:
    items = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"{name}: inputs[{i}] must be a Value, got {type(x).__name__}")
    return items


def hessian(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> list[list[Any]]:
    """The matrix of second derivatives d2 output / d inputs[i] d inputs[j], as lists of rows.

    As `torch.autograd.functional.hessian`: row i is the gradient of d output / d inputs[i].
    Floats; Values with graphs with `create_graph=True` (to go on to third derivatives). An
    entry whose first derivative does not depend on that input is 0.0 (Value(0.0)), not an error.

    Args:
        output: The Value to differentiate twice.
        inputs: One Value or a sequence of Values.
        create_graph: Give the entries as Values with graphs of their own.

    Returns:
        One row per input, each one entry per input: floats (Values with `create_graph=True`).

    Raises:
        TypeError: `output` or an input is not a Value.
        ValueError: The graph holds a node whose derivative is a `_backward` closure
            (chainrule.micrograd's door), which cannot be differentiated again.

    Examples:
        >>> from autograd import Value, hessian
        >>> x, y = Value(3.0), Value(4.0)
        >>> hessian(x * x * y, [x, y])          # [[2y, 2x], [2x, 0]]
        [[8.0, 6.0], [6.0, 0.0]]
    """
    if not isinstance(output, Value):
        raise TypeError(f"hessian: output must be a Value, got {type(output).__name__}")
    xs = _inputs("hessian", inputs)
    ops.refuse_closures(topo_order(output), "hessian")
    rows = []
    for g in grad_graph(output, xs, 1.0, allow_unused=True):
        if g is None:  # output does not use this input: a row of zeros
            rows.append([_zero(create_graph) for _ in xs])
            continue
        row = (grad_graph(g, xs, 1.0, True) if create_graph else _float_grad(g, xs))
        rows.append([_zero(create_graph) if h is None else h for h in row])
    return rows


def hvp(
    output: Value, inputs: Value | Sequence[Value], v: Sequence[float], create_graph: bool = False
) -> list[Any]:
    """The Hessian of `output` in `inputs` times the vector `v`, without building the Hessian.

    As `torch.autograd.functional.hvp`: the gradient of sum_i v[i] * d output / d inputs[i],
    one more backward pass however many inputs (that is v^T H, torch's vhp; the Hessian is
    symmetric, so it is H v). Floats, or Values with `create_graph=True`.

    Args:
        output: The Value to differentiate twice.
        inputs: One Value or a sequence of Values.
        v: The vector, one number per input.
        create_graph: Give the entries as Values with graphs of their own.

    Returns:
        H v, one entry per input: floats (Values with `create_graph=True`).

    Raises:
        TypeError: `output` or an input is not a Value, or an entry of `v` is not a real
            number.
        ValueError: `v` does not have one entry per input, or the graph holds a node whose
            derivative is a `_backward` closure (chainrule.micrograd's door).

    Examples:
        >>> from autograd import Value, hvp
        >>> x, y = Value(3.0), Value(4.0)
        >>> hvp(x * x * y, [x, y], [1.0, 0.0])  # the first column of [[8, 6], [6, 0]]
        [8.0, 6.0]
    """
    if not isinstance(output, Value):
        raise TypeError(f"hvp: output must be a Value, got {type(output).__name__}")
    xs = _inputs("hvp", inputs)
    ops.refuse_closures(topo_order(output), "hvp")
    vs = [_as_float(x, f"hvp: v[{i}]") for i, x in enumerate(v)]
    if len(vs) != len(xs):
        raise ValueError(f"hvp: v has {len(vs)} entries for {len(xs)} inputs; one per input")
    with enable_grad():  # recorded even inside no_grad(), as the gradients themselves
        gs = grad_graph(output, xs, 1.0, True)
        terms = [_any(g) * vi for g, vi in zip(gs, vs) if g is not None]
        if not terms:
            return [_zero(create_graph) for _ in xs]
        dot = value_sum(terms)
    result = grad_graph(dot, xs, 1.0, True) if create_graph else _float_grad(dot, xs)
    return [_zero(create_graph) if h is None else h for h in result]


def _zero(as_value: bool) -> Any:
    return Value(0.0) if as_value else 0.0


def _float_grad(output: Value, inputs: list[Value]) -> tuple[float | None, ...]:
    return grad(output, inputs, allow_unused=True)
