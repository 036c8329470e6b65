"""The backward pass as code: straight-line Python written from a recorded graph.

`compile(output, inputs)` reads the graph under `output` once and writes two Python functions,
one statement per node, in topological order: `forward(...)` and `forward_backward(...)`, whose
backward half is the chain rule in its own words, from the root down:

    g_E = upstream
    g_z5 = g_yp * (yp * (1.0 - yp))
    g_w35 = g_z5 * y3

Every expression comes from the catalogue (`ops.py`): the forward from `Op.forward_code`, each
local derivative from `Op.local_grad_code`, the same text `backward()` runs compiled. The code
does the same float operations in the same order as building the graph and calling
`backward()`, so its results are bit for bit the eager engine's: `log` of 0 still raises
`DomainError` naming the op and its operand. `trace(fn, *example)` records `fn` once on example
numbers and compiles what it recorded.

The limit: a trace records ONE path through the Python control flow of the code that built the
graph. An `if x.data > 0:` taken at trace time is baked in, and so is any number computed from
`.data` in Python. The compiled code knows nothing of it; `trace(..., check=...)` re-runs the
function on the eager engine on chosen calls and raises `TraceMismatchError` naming the first
node whose operation, operands or constant differ.

`watch()` records what code does with its Values' numbers while it is traced: each comparison
on a Value (the branches the trace followed) and each number taken out of one (`.data`,
`float(v)`, work under no_grad: constants of the trace). `fit(compile=True)` re-checks the
comparisons on every sample of every step and refuses the numbers (nn/compiled.py).

Array code never adds in place (`g = g + c`, not `g += c`): a gradient first written as a copy
of its consumer's (`g_a = g_t2`) is the same array, and `+=` would change both, and the caller's
`upstream`.

Safety: labels reach the generated code only as identifiers made of ASCII letters, digits and
`_` (never a keyword, a dunder or a name the code uses), or inside `ascii()`-escaped comments.
The code runs in a namespace holding only the catalogue's functions and no builtins.

Big graphs: every walk is iterative. CPython's own compiler takes time linear in the number of
statements (tens of microseconds per node on a typical machine; bench/compile.py measures it),
so a 100k-node graph compiles in seconds, in one function.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import numbers
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeGuard

from . import ops
from .backward import grad as _eager_grad
from .backward import is_grad_enabled, topo_order
from .ops import CATALOGUE, CONST, Op
from .value import Value

__all__ = ["Compiled", "TraceMismatchError", "Watched", "compile", "sanitize", "scalar_namespace",
           "trace", "watch"]


class TraceMismatchError(ValueError):
    """A call of a traced function took another path than the trace (see `trace`'s check=)."""


# --- what the generated code may call ------------------------------------------------------


def scalar_namespace() -> dict[str, object]:
    """The names the generated float code may use: each op's forward by the op's name (`div`,
    `log`, `sum`, ...) and the local derivatives' helpers (ops.GRAD_NAMESPACE)."""
    names: dict[str, object] = {op.name: op.forward for op in CATALOGUE.values()}
    for key, fn in ops.GRAD_NAMESPACE.items():
        if key in names and names[key] is not fn:
            raise RuntimeError(f"compile: {key!r} names two different functions")  # a bug
        names[key] = fn
    return names


# Names the generated functions use themselves.
_OWN_NAMES = {"forward", "forward_backward", "upstream", "sgd_step", "lr"}
_BATCH_HELPERS = {"where", "logical_and", "logical_or", "logical_not"}


# --- labels to identifiers -----------------------------------------------------------------

_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")


def sanitize(label: str) -> str:
    """A label as an ASCII identifier-ish word, or '' if nothing of it is usable.

    Letters with accents lose them (NFKD: 'ŷ' -> 'y'), every run of other characters becomes
    one '_', and leading and trailing '_' go, so no result is a dunder (`__import__` -> 'import').
    A result starting with a digit gets 'v' in front. Keywords and collisions are left to the
    caller, which knows the other names.
    """
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    text = _NOT_WORD.sub("_", text).strip("_")[:40].rstrip("_")
    if text[:1].isdigit():
        text = "v" + text
    return text


class _Names:
    """Unique identifiers: never a keyword, a builtin-looking reserved name, or one given out."""

    def __init__(self, reserved: set[str]) -> None:
        self.used = set(reserved) | set(keyword.kwlist) | set(keyword.softkwlist)

    def take(self, wanted: str) -> str:
        name, k = wanted, 1
        while name in self.used:
            k += 1
            name = f"{wanted}_{k}"
        self.used.add(name)
        return name


# --- templates: the catalogue's expressions with slots for the names ------------------------

_SLOTS = {"a": "_A_", "b": "_B_", "out": "_OUT_", "x": "_X_", "xs": "_XS_"}
_SLOT_RE = re.compile(r"(\*?_(?:A|B|OUT|X|XS|G)_)")


class _Template:
    """An expression as text with slots: literal parts and slot names alternate.

    Every value filled in is an atom (a name, a non-negative number, or a parenthesized one),
    so the precedence ast.unparse chose for the template stays right.
    """

    __slots__ = ("parts",)

    def __init__(self, tree: ast.expr) -> None:
        self.parts = _SLOT_RE.split(ast.unparse(tree))

    def fill(self, env: dict[str, str]) -> str:
        parts = self.parts
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            out.append(env[parts[i]])
            out.append(parts[i + 1])
        return "".join(out)


class _Slots(ast.NodeTransformer):
    def __init__(self, op: Op, where: str, known: set[str]) -> None:
        self.op, self.where, self.known = op, where, known

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in _SLOTS:
            return ast.copy_location(ast.Name(_SLOTS[node.id], ast.Load()), node)
        if node.id not in self.known:
            raise ValueError(f"compile: {self.op.name}'s {self.where} uses {node.id!r}, which is "
                             f"not in the generated code's namespace")
        return node


class _Arrays(ast.NodeTransformer):
    """The same expression over numpy arrays: `p if c else q` -> where(c, p, q), and/or/not ->
    logical_and/or/not, `a < b < c` -> logical_and(a < b, b < c). lazy=True (a user's op):
    branches and right sides as `lambda: ...`, which autograd._batched evaluates only for the
    samples that take them, as the float code does."""

    def __init__(self, lazy: bool = False) -> None:
        self.lazy = lazy

    def _later(self, tree: ast.expr) -> ast.expr:
        if not self.lazy:
            return tree
        return ast.Lambda(ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
                                        defaults=[]), tree)

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        return ast.Call(ast.Name("where", ast.Load()),
                        [node.test, self._later(node.body), self._later(node.orelse)], [])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        tree = node.values[0]
        for value in node.values[1:]:
            tree = ast.Call(ast.Name(name, ast.Load()), [tree, self._later(value)], [])
        return tree

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.Call(ast.Name("logical_not", ast.Load()), [node.operand], [])
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        left, pairs = node.left, []
        for cmp, right in zip(node.ops, node.comparators):
            pairs.append(ast.Compare(left, [cmp], [right]))
            left = right
        tree: ast.expr = pairs[0]
        for pair in pairs[1:]:
            tree = ast.Call(ast.Name("logical_and", ast.Load()), [tree, pair], [])
        return tree


class _OpCode:
    """One op's forward and per-operand contributions, as templates (made once per op)."""

    __slots__ = ("forward", "grads", "kinds")

    def __init__(self, op: Op, known: set[str], arrays: bool) -> None:
        def parse(code: str, where: str) -> ast.expr:
            tree: ast.expr = _Slots(op, where, known).visit(ast.parse(code, mode="eval").body)
            return _Arrays(lazy=op.user).visit(tree) if arrays else tree

        self.forward = _Template(parse(op.forward_code, "forward_code"))
        # Per operand: how upstream meets the local derivative. "copy" for a local 1.0 (u*1.0
        # is u, exactly), "negate" for -1.0 (u*-1.0 is -u, exactly), else "mul".
        self.kinds: list[str] = []
        self.grads: list[_Template] = []
        for code in op.local_grad_code:
            local = parse(code, "local_grad_code")
            value = _constant(local)
            g = ast.Name("_G_", ast.Load())
            if value == 1.0:
                self.kinds.append("copy")
                self.grads.append(_Template(g))
            elif value == -1.0:
                self.kinds.append("negate")
                self.grads.append(_Template(g))
            else:
                self.kinds.append("mul")
                self.grads.append(_Template(ast.BinOp(g, ast.Mult(), local)))


def _constant(tree: ast.expr) -> float | None:
    if isinstance(tree, ast.Constant) and type(tree.value) is float:
        return tree.value
    if (isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub)
            and isinstance(tree.operand, ast.Constant) and type(tree.operand.value) is float):
        return -tree.operand.value
    return None


def _number(x: float) -> str:
    """A float as an atom of Python source that evaluates to exactly x (repr round-trips)."""
    text = repr(float(x))  # 'inf', 'nan' and '-inf' are names in the namespace; float():
    # a numpy float64 (a Value's .data set from numpy) would be written np.float64(2.5)
    return f"({text})" if text.startswith("-") else text


# --- the plan: what every node is called and what it needs --------------------------------


class _Plan:
    """The graph read once: names, the forward statements, the backward statements."""

    def __init__(self, output: Value, inputs: Sequence[Value], wrt: Sequence[Value],
                 reserved: set[str]) -> None:
        order = topo_order(output)
        ops.refuse_closures(order, "compile")  # a _backward closure has no code to write
        self.order = order
        index = {id(node): i for i, node in enumerate(order)}
        self.arg_index = {id(v): k for k, v in enumerate(inputs)}
        names = _Names(reserved)
        atom: list[str] = [""] * len(order)
        self.number = [False] * len(order)  # written in place as a number, not a name
        # Labels first (so an unlabelled node never takes a label's name), then generated names.
        for i, node in enumerate(order):
            if id(node) not in self.arg_index and node.is_leaf and (
                    node._opdef is CONST or not sanitize(node.label)):
                atom[i] = _number(node.data)
                self.number[i] = True
            elif sanitize(node.label):
                atom[i] = names.take(sanitize(node.label))
        counter = 0
        for i in range(len(order)):
            if not atom[i]:
                counter += 1
                atom[i] = names.take(f"t{counter}")
        # An input the output does not use still takes a parameter; its gradient is 0.0.
        self.unused = {id(v): names.take(sanitize(v.label) or f"unused{k}")
                       for k, v in enumerate(inputs) if id(v) not in index}
        self.atom = atom
        self.index = index
        # d output / d node is needed only on paths that lead to a requested input.
        wanted = {id(v) for v in wrt}
        self.operands = [[index[id(x)] for x in node.operands] for node in order]
        needs = [False] * len(order)
        for i, node in enumerate(order):
            needs[i] = id(node) in wanted or any(needs[j] for j in self.operands[i])
        self.needs = needs
        self.names = names

    def tape_names(self) -> list[str]:
        """The names the forward computes (or fixes): what a backward needs besides the inputs."""
        return [a for i, a in enumerate(self.atom)
                if not self.number[i] and id(self.order[i]) not in self.arg_index]

    def input_name(self, v: Value) -> str:
        return self.unused[id(v)] if id(v) in self.unused else self.atom[self.index[id(v)]]


# Keyed by the Op itself (identity; it is kept alive here): an id() could be reused by a new
# Op (define_op, a test's wrong copy) after the old one is freed, and get the old one's code.
_CODE_CACHE: dict[tuple[Op, bool], _OpCode] = {}


def _op_code(op: Op, known: set[str], arrays: bool) -> _OpCode:
    key = (op, arrays)
    code = _CODE_CACHE.get(key)
    if code is None:
        code = _CODE_CACHE[key] = _OpCode(op, known, arrays)
    return code


def _write(plan: _Plan, inputs: Sequence[Value], wrt: Sequence[Value], *,
           arrays: bool, backward: bool, known: set[str], update: bool = False,
           tape: str = "") -> str:
    """The source of `forward_backward` (or `forward`, backward=False) for the plan; with
    update=True, `sgd_step`: each wrt input takes `w -= lr * g_w` as soon as g_w is complete;
    tape="forward" returns every computed value too, which tape="backward" takes back."""
    order, atom, needs = plan.order, plan.atom, plan.needs
    params = [plan.input_name(v) for v in inputs]
    name = "sgd_step" if update else "forward_backward" if backward else "forward"
    extra = ["lr=1.0"] if update else ["upstream=1.0"] if backward else []
    saved = plan.tape_names()
    if tape == "backward":  # the backward alone, from the values the forward saved
        name, params = "backward", params + saved
    lines = [f"def {name}({', '.join(params + extra)}):"]
    emit = lines.append
    root = len(order) - 1
    emit("    # forward: one line per node, each after its operands")
    for i, node in enumerate(order):
        if tape == "backward":
            break
        if node.is_leaf:
            if id(node) not in plan.arg_index and not plan.number[i]:  # a labelled leaf
                emit(f"    {atom[i]} = {_number(node.data)}  "
                     f"# {_comment(node)}: fixed, not an input")
            continue
        code = _op_code(_opdef(node), known, arrays)
        env = _env(node, plan, i)
        text = f"    {atom[i]} = {code.forward.fill(env)}"
        if node.label and sanitize(node.label) != node.label:
            text += f"  # {_comment(node)}"
        emit(text)
    if not backward:
        if tape == "forward":  # and every value the backward reads
            emit(f"    return {atom[root]}, ({''.join(n + ', ' for n in saved)})")
        else:
            emit(f"    return {atom[root]}")
        return "\n".join(lines) + "\n"

    # backward: reversed topological order, operands in recorded order, as _chain_rule.
    names = _Names(set())
    names.used = set(plan.names.used)  # a copy: every writing of the plan names alike
    gname: list[str] = [""] * len(order)
    started = [False] * len(order)
    # A node whose one contribution is a plain copy of its consumer's gradient shares its name.
    count = [0] * len(order)
    copy_of = [-1] * len(order)
    for i in range(root, -1, -1):
        node = order[i]
        if not needs[i] or node.is_leaf:
            continue
        kinds = _op_code(_opdef(node), known, arrays).kinds
        for k, j in enumerate(plan.operands[i]):
            if needs[j]:
                count[j] += 1
                kind = kinds[0] if _opdef(node).arity == -1 else kinds[k]
                copy_of[j] = i if kind == "copy" else -1
    # Such a chain (t7 = yp - 0.5: dE/dyp is dE/dt7) is one variable, named after the label
    # nearest the leaves if it has one: g_yp rather than g_t7.
    rep = list(range(len(order)))
    for j in range(root, -1, -1):
        if count[j] == 1 and copy_of[j] >= 0 and not order[j].is_leaf:
            rep[j] = rep[copy_of[j]]
    label_of: dict[int, int] = {}
    for j in range(len(order)):
        if order[j].label and not plan.number[j] and sanitize(order[j].label):
            label_of.setdefault(rep[j], j)
    class_name: dict[int, str] = {}

    def gradient_name(j: int) -> str:
        r = rep[j]
        if r not in class_name:
            class_name[r] = names.take(f"g_{_bare(atom[label_of.get(r, r)])}")
        return class_name[r]

    emit(f"    # backward: the chain rule from {atom[root]} down; g_n is d{atom[root]}/dn")
    if needs[root]:
        gname[root] = gradient_name(root)
        emit(f"    {gname[root]} = {'1.0' if update else 'upstream'}")
    left = {plan.index[id(v)]: count[plan.index[id(v)]] for v in wrt if id(v) in plan.index}
    if update and needs[root] and root in left:  # the output is itself an input
        emit(f"    {atom[root]} -= lr * ({gname[root]} + 0.0)")
    for i in range(root, -1, -1):
        node = order[i]
        if not needs[i] or node.is_leaf:
            continue
        code = _op_code(_opdef(node), known, arrays)
        env = _env(node, plan, i)
        env["_G_"] = gname[i]
        nary = _opdef(node).arity == -1
        for k, j in enumerate(plan.operands[i]):
            if not needs[j]:
                continue
            kind = code.kinds[0] if nary else code.kinds[k]
            template = code.grads[0] if nary else code.grads[k]
            if nary:
                env["_X_"] = atom[j]
            if count[j] == 1 and copy_of[j] == i and not (order[j].is_leaf):
                gname[j] = gname[i]  # d/dn of a + b is the upstream itself: no new line
                started[j] = True
                continue
            if not gname[j]:
                gname[j] = gradient_name(j)
            contribution = template.fill(env)
            if not started[j]:
                started[j] = True
                emit(f"    {gname[j]} = {'-' if kind == 'negate' else ''}{contribution}")
            elif arrays:  # never `+=`: on arrays it writes into every alias (upstream too)
                sign = "-" if kind == "negate" else "+"
                emit(f"    {gname[j]} = {gname[j]} {sign} {contribution}")
            else:
                emit(f"    {gname[j]} {'-=' if kind == 'negate' else '+='} {contribution}")
            if update and j in left:
                left[j] -= 1
                if not left[j]:  # complete: the lines below read the new value
                    emit(f"    {atom[j]} -= lr * ({gname[j]} + 0.0)")
    if update:
        news = [plan.input_name(v) for v in wrt]
        emit(f"    return {atom[root]}, ({', '.join(news)}{',' if len(news) == 1 else ''})")
        return "\n".join(lines) + "\n"
    # A gradient the eager engine sums from 0.0 is never -0.0; `+ 0.0` gives the same sign of
    # zero for the first contribution written as `g = ...`, so the bits match backward()'s.
    results = []
    for v in wrt:
        j = plan.index.get(id(v), -1)
        results.append(f"{gname[j]} + 0.0" if j >= 0 else "0.0")
    emit(f"    return {atom[root]}, ({', '.join(results)}{',' if len(results) == 1 else ''})")
    return "\n".join(lines) + "\n"


def _all_floats(types: Any) -> bool:
    return {float}.issuperset(types)


def _real(v: object) -> TypeGuard[numbers.Real]:
    """A real number that is not a bool (numpy's float64, int64 and float32 count; np.bool_
    and complex do not)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and \
        type(v).__name__ != "bool_"


def _opdef(node: Value) -> Op:
    op: Op = node._opdef  # set on every computed node
    return op


def _bare(atom: str) -> str:
    return atom if atom.isidentifier() else "c"


def _comment(node: Value) -> str:
    """A label for a comment: ascii() escapes quotes, newlines and everything non-ASCII."""
    return "label " + ascii(node.label[:60])


def _env(node: Value, plan: _Plan, i: int) -> dict[str, str]:
    atoms = [plan.atom[j] for j in plan.operands[i]]
    env = {"_OUT_": plan.atom[i]}
    if _opdef(node).arity == -1:
        env["*_XS_"] = ", ".join(atoms)
        env["_XS_"] = "(" + "".join(a + ", " for a in atoms) + ")"
    else:
        env["_A_"] = atoms[0]
        if len(atoms) > 1:
            env["_B_"] = atoms[1]
    return env


# --- the compiled object -------------------------------------------------------------------


def _run_source(source: str, namespace: dict[str, object], name: str) -> Callable[..., Any]:
    scope: dict[str, object] = {"__builtins__": {}, **namespace}
    exec(builtins.compile(source, f"<chainrule {name}>", "exec"), scope)  # noqa: S102
    return scope[name]  # type: ignore[return-value]


class Compiled:
    """The graph as straight-line Python: call it with new input values.

    compiled(*values, upstream=1.0) -> (output, gradients)
        values      one float per input, in the order given to compile (or by name, as
                    keywords: `compiled.inputs` lists the names)
        gradients   a tuple, d output / d each requested input, of THIS call only (as
                    autograd.grad; nothing accumulates, no .grad is touched)
        compiled(x=1.0, y=2.0) is compiled(1.0, 2.0) for inputs x, y; every method below
        takes its values by name too
    compiled.forward(*values) -> output, without the backward half
    compiled.batched(*values, upstream=1.0) -> the same over numpy arrays, one entry per sample
                (each array, upstream too, as long as the others: checked, named if not)
    compiled.sgd_step(*values, lr=1.0) -> (output, new values): each gradient's update made in
                the backward as soon as it is complete (the order of the post's back())
    compiled.fn  the generated function itself (the fastest way to call it: no checks)
    compiled.source, compiled.forward_source  the code, to read
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
        """The values in input order (keywords by input name), each checked a real number
        (arrays=True: or an array, checked by _batched.call)."""
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
        """`sgd_step`: the backward with each gradient's SGD update (`w -= lr * g_w`) made the
        moment the gradient is complete, so the lines after it read the NEW value: the order
        of the post's own back(), not true gradient descent."""
        return _write(self._plan, self._inputs, self._wrt, arrays=False, backward=True,
                      known=self._known, update=True)

    def sgd_step(self, *values: float, lr: float = 1.0,
                 **named: float) -> tuple[float, tuple[float, ...]]:
        """Run `sgd_source`: the output before the step, and the new value of each wrt
        input (the other inputs are not changed)."""
        values = self._args(values, "compiled.sgd_step", named=named)
        if self._sgd is None:
            self._sgd = _run_source(self.sgd_source, scalar_namespace(), "sgd_step")
        result: tuple[float, tuple[float, ...]] = self._sgd(*[float(v) for v in values],
                                                            lr=float(lr))
        return result

    @property
    def forward_source(self) -> str:
        return _write(self._plan, self._inputs, self._wrt, arrays=False, backward=False,
                      known=self._known)

    def forward(self, *values: float, **named: float) -> float:
        """The output alone (the forward half of the code)."""
        values = self._args(values, "compiled.forward", named=named)
        if self._forward is None:
            self._forward = _run_source(self.forward_source, scalar_namespace(), "forward")
        return self._forward(*[float(v) for v in values])

    @property
    def batched_source(self) -> str:
        return _write(self._plan, self._inputs, self._wrt, arrays=True, backward=True,
                      known=self._known | _BATCH_HELPERS)

    def batched(self, *values: Any, upstream: Any = 1.0,
                **named: Any) -> tuple[Any, tuple[Any, ...]]:
        """The same code over numpy arrays: each input a float (the same for every sample) or a
        1-D float64 array (one entry per sample); the output and each gradient come back as an
        array over the samples (a float if nothing varied).

        For the gradient of a mean over the batch pass upstream=1/n and sum each gradient over
        the samples. + - * / give the eager engine's bits; exp, log, tanh come from numpy and
        may differ from `math` in the last place. A sample outside an op's domain raises the
        eager engine's error, naming the op and that sample.
        """
        from . import _batched

        values = self._args(values, "compiled.batched", arrays=True, named=named)
        result: tuple[Any, tuple[Any, ...]] = _batched.call(self.batched_fn, values, upstream,
                                                            self.inputs, "compiled.batched")
        return result

    @property
    def batched_fn(self) -> Callable[..., Any]:
        """The generated array function itself (no checks: float64 arrays and floats in; run
        it under np.errstate(divide="ignore", invalid="ignore", over="ignore"))."""
        if self._batched is None:
            from . import _batched

            self._batched = _run_source(self.batched_source, _batched.namespace(),
                                        "forward_backward")
        return self._batched

    def batched_forward(self, *values: Any, **named: Any) -> Any:
        """The output alone over numpy arrays (the forward half of `batched`)."""
        from . import _batched

        values = self._args(values, "compiled.batched_forward", arrays=True, named=named)
        return _batched.call(self.batched_forward_fn, values, None, self.inputs,
                             "compiled.batched_forward")

    def batched_tape(self) -> tuple[Callable[..., Any], Callable[..., Any], list[str]]:
        """The batched code in two halves: forward(*inputs) -> (output, saved values), and
        backward(*inputs, *saved, upstream=...) -> (the saved output, gradients), and the names
        saved, in order.
        Between the two, inputs the forward only passed on (a seed multiplying an output) may
        take new values: the backward reads operands, and the outputs of ops whose local
        derivative needs them, from `saved`."""
        from . import _batched

        known = self._known | _BATCH_HELPERS
        forward = _run_source(_write(self._plan, self._inputs, self._wrt, arrays=True,
                                     backward=False, known=known, tape="forward"),
                              _batched.namespace(), "forward")
        backward = _run_source(_write(self._plan, self._inputs, self._wrt, arrays=True,
                                      backward=True, known=known, tape="backward"),
                               _batched.namespace(), "backward")
        return forward, backward, self._plan.tape_names()

    @property
    def batched_forward_fn(self) -> Callable[..., Any]:
        """The generated array forward itself (no checks, as batched_fn)."""
        if self._batched_forward is None:
            from . import _batched

            source = _write(self._plan, self._inputs, self._wrt, arrays=True, backward=False,
                            known=self._known | _BATCH_HELPERS)
            self._batched_forward = _run_source(source, _batched.namespace(), "forward")
        return self._batched_forward


# --- the two ways in -------------------------------------------------------------------


def compile(
    output: Value,
    inputs: Sequence[Value] | None = None,
    wrt: Sequence[Value] | None = None,
) -> Compiled:
    """Compile the recorded graph under `output` into straight-line Python.

    inputs  the leaf Values whose numbers each call passes in (default: every leaf Value of the
            graph, in topological order); every other leaf is written into the code as the
            number it holds now. An input the output does not use has gradient 0.0.
    wrt     the inputs whose gradients each call returns (default: all of them)
    """
    if not isinstance(output, Value):
        raise TypeError(f"compile: output must be a Value, got {type(output).__name__}")
    order = topo_order(output)
    if inputs is None:
        inputs = [v for v in order if v.is_leaf and v._opdef is not CONST]
    inputs = _values(inputs, "inputs")
    seen: set[int] = set()
    for i, v in enumerate(inputs):
        if not v.is_leaf:
            raise ValueError(f"compile: inputs[{i}] ({v!r}) is computed, not a leaf: pass the "
                             f"leaves its value comes from")
        if id(v) in seen:
            raise ValueError(f"compile: inputs[{i}] ({v!r}) is given twice")
        seen.add(id(v))
    wrt_list = list(inputs) if wrt is None else _values(wrt, "wrt")
    for i, v in enumerate(wrt_list):
        if id(v) not in seen:
            raise ValueError(f"compile: wrt[{i}] ({v!r}) is not one of the inputs")
    return Compiled(output, inputs, wrt_list)


def _values(items: Sequence[Value], what: str) -> list[Value]:
    if isinstance(items, Value):
        items = [items]
    out = list(items)
    for i, v in enumerate(out):
        if not isinstance(v, Value):
            raise TypeError(f"compile: {what}[{i}] must be a Value, got {type(v).__name__}")
    return out


def trace(
    fn: Callable[..., Value],
    *example: float,
    wrt: Sequence[int] | None = None,
    check: bool | int | Collection[int] = False,
) -> Compiled:
    """Run `fn` once on Values holding the `example` numbers, and compile what it recorded.

    Each argument becomes an input named after fn's parameter; `wrt` picks the arguments whose
    gradients each call returns, by position (default: all).

    A trace records ONE path through fn's Python control flow: an `if x.data > 0:` or a number
    computed from `.data` is baked in as it was for the example. check= re-runs fn on the eager
    engine and compares, node by node, raising TraceMismatchError at the first node that
    differs: True on every call, an int n on calls 0, n, 2n, ... (counted from 0), or a
    collection of call numbers.
    """
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
    when = _check_schedule(check)
    names = _parameter_names(fn, len(example))
    leaves = [Value(_float(x, f"trace: example {names[i]}"), label=names[i])
              for i, x in enumerate(example)]
    output = fn(*leaves)
    if not isinstance(output, Value):
        raise TypeError(f"trace: fn must return a Value, got {type(output).__name__}")
    picks = range(len(leaves)) if wrt is None else list(wrt)
    for k in picks:
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(leaves):
            raise ValueError(f"trace: wrt must hold argument positions 0..{len(leaves) - 1}, "
                             f"got {k!r}")
    shape = _shape(output, leaves)
    checker = None
    if when is not None:
        def checker(compiled: Compiled, call: int, values: tuple[float, ...], upstream: float,
                    result: tuple[float, tuple[float, ...]]) -> None:
            if when(call):
                _check_call(fn, compiled, shape, call, values, upstream, result,
                            [leaves.index(v) for v in compiled._wrt])
    return Compiled(output, leaves, [leaves[k] for k in picks], checker)


def _float(x: object, where: str) -> float:
    if not _real(x):
        raise TypeError(f"{where} must be a number, got {type(x).__name__}")
    return float(x)


def _parameter_names(fn: Callable[..., Any], n: int) -> list[str]:
    import inspect

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            names.extend(f"{p.name}{i}" for i in range(n - len(names)))
    names = names[:n]
    names.extend(f"x{i}" for i in range(len(names), n))
    return names


def _check_schedule(check: object) -> Callable[[int], bool] | None:
    if check is False or check is None:
        return None
    if check is True:
        return lambda call: True
    if isinstance(check, int) and not isinstance(check, bool):
        if check < 1:
            raise ValueError(f"trace: check must be True, an int >= 1 or call numbers, got {check}")
        every = check
        return lambda call: call % every == 0
    if isinstance(check, Collection):
        calls = set(check)
        return lambda call: call in calls
    raise TypeError(f"trace: check must be a bool, an int or a collection of call numbers, got "
                    f"{type(check).__name__}")


def _shape(output: Value, leaves: Sequence[Value]) -> list[tuple[Any, ...]]:
    """Each node as (op, operand positions, number or input position): what a path is."""
    order = topo_order(output)
    index = {id(v): i for i, v in enumerate(order)}
    arg = {id(v): k for k, v in enumerate(leaves)}
    shape: list[tuple[Any, ...]] = []
    for node in order:
        if node.is_leaf:
            shape.append(("input", arg[id(node)]) if id(node) in arg
                         else ("number", repr(float(node.data))))
        else:
            shape.append((node.op, tuple(index[id(x)] for x in node.operands)))
    return shape


def _describe(item: tuple[Any, ...], names: Sequence[str]) -> str:
    if item[0] == "input":
        return f"the input {names[item[1]]}"
    if item[0] == "number":
        return f"the number {item[1]}"
    return f"{item[0]} of nodes {', '.join(map(str, item[1]))}"


def _check_call(fn: Callable[..., Value], compiled: Compiled, shape: list[tuple[Any, ...]],
                call: int, values: tuple[float, ...], upstream: float,
                result: tuple[float, tuple[float, ...]], wrt: list[int]) -> None:
    leaves = [Value(float(v), label=name) for v, name in zip(values, compiled.inputs)]
    output = fn(*leaves)
    now = _shape(output, leaves) if isinstance(output, Value) else []
    advice = ("a trace records one path through the function's Python control flow (an "
              "`if x.data > 0:`, or a number computed from .data, is baked in as it was at "
              "trace time); trace again for these inputs, or write the choice with graph "
              "operations (relu, abs)")
    for i in range(max(len(shape), len(now))):
        was = shape[i] if i < len(shape) else None
        got = now[i] if i < len(now) else None
        if was != got:
            line = compiled._plan.atom[i] if i < len(shape) else "(none)"
            raise TraceMismatchError(
                f"compiled: call {call} took another path than the trace: node {i} of "
                f"{len(shape)} ({line} in the code) was "
                f"{_describe(was, compiled.inputs) if was else 'absent'}, now it is "
                f"{_describe(got, compiled.inputs) if got else 'absent'}; {advice}")
    want = [0.0 if g is None else g  # an unused input: the compiled code's 0.0
            for g in _eager_grad(output, [leaves[k] for k in wrt], float(upstream),
                                 allow_unused=True)]
    out, grads = result
    same = _same(out, output.data) and all(_same(g, w) for g, w in zip(grads, want))
    if not same:  # pragma: no cover - the code generator's own bug, if ever
        raise TraceMismatchError(f"compiled: call {call} gave {result!r}, the eager engine "
                                 f"{(output.data, want)!r} on the same path")


def _same(x: float, y: float | None) -> bool:
    return y is not None and (repr(x) == repr(y) or (math.isnan(x) and math.isnan(y)))


# --- watching a traced function: what it does with its Values' numbers ----------------------


class Watched:
    """What code did with the numbers of Values while `watch()` was on.

    comparisons  every `<`, `<=`, `>`, `>=` made on a Value, in order, as (left, symbol, right,
                 result): left a Value, right a Value or a float. Python control flow on the
                 result is a branch the recorded graph does not show.
    reads        every number taken out of a Value by code outside the engine (`.data`,
                 `float(v)`, a format), and every operation run under no_grad(), in words: a
                 number that enters the recorded graph as a constant, fixed at its traced value.
    """

    __slots__ = ("comparisons", "reads")

    def __init__(self) -> None:
        self.comparisons: list[tuple[Value, str, Value | float, bool]] = []
        self.reads: list[str] = []


_WATCHED: ContextVar[Watched | None] = ContextVar("chainrule_watched", default=None)
_PATCH_LOCK = threading.Lock()
_patched = [0]  # how many watch() blocks are open (in any thread)
_ORIGINALS: dict[str, Any] = {}
# Frames of the engine that read .data for the caller: converting a Value to a number.
_CONVERSIONS = {"__float__", "__int__", "__index__", "__round__", "__trunc__", "__floor__",
                "__ceil__", "__complex__", "__bool__", "__format__"}


def _who(v: Value) -> str:
    name = f"{v.label!r}" if v.label else f"a {v.op} node" if v.op else "a leaf"
    return f"{name} (Value(data={_ORIGINALS['data'].__get__(v, type(v))!r}))"


def _read_data(self: Value) -> float:
    number: float = _ORIGINALS["data"].__get__(self, type(self))
    seen = _WATCHED.get()
    if seen is not None:
        frame = sys._getframe(1)
        module = frame.f_globals.get("__name__", "")
        engine = module == "autograd" or module.startswith("autograd.")
        if not is_grad_enabled():
            seen.reads.append(f"an operation on {_who(self)} under no_grad()")
        elif not engine or frame.f_code.co_name in _CONVERSIONS:
            how = f"{frame.f_code.co_name}()" if engine else ".data"
            seen.reads.append(f"{how} of {_who(self)}")
    return number


def _write_data(self: Value, number: float) -> None:
    _ORIGINALS["data"].__set__(self, number)


def _comparison(name: str, symbol: str) -> Callable[[Value, object], Any]:
    def compare(self: Value, other: object) -> Any:
        result = _ORIGINALS[name](self, other)
        seen = _WATCHED.get()
        if seen is not None and result is not NotImplemented:
            right = other if isinstance(other, Value) else float(other)  # type: ignore[arg-type]
            seen.comparisons.append((self, symbol, right, bool(result)))
        return result

    compare.__name__ = name
    return compare


_COMPARISONS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


@contextmanager
def watch() -> Iterator[Watched]:
    """Record what the code inside does with Values' numbers (see `Watched`), in this thread
    or task only. The order comparisons and `.data` of Value are wrapped while any watch is
    open (the graph's numbers and gradients are unchanged; operations are slower)."""
    seen = Watched()
    with _PATCH_LOCK:
        if not _patched[0]:
            _ORIGINALS["data"] = Value.__dict__["data"]  # the slot itself
            for name in _COMPARISONS:
                _ORIGINALS[name] = Value.__dict__[name]
            setattr(Value, "data", property(_read_data, _write_data))  # noqa: B010
            for name, symbol in _COMPARISONS.items():
                setattr(Value, name, _comparison(name, symbol))
        _patched[0] += 1
    token = _WATCHED.set(seen)
    try:
        yield seen
    finally:
        _WATCHED.reset(token)
        with _PATCH_LOCK:
            _patched[0] -= 1
            if not _patched[0]:
                for name in ("data", *_COMPARISONS):
                    setattr(Value, name, _ORIGINALS[name])
