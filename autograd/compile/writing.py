"""Writing code: the recorded graph read once and written out as Python text.

This module owns the text of the generated functions:

- what the code may call (`scalar_namespace`: the catalogue's forwards and the helpers of its
  local derivatives) and the names it uses itself;
- labels to identifiers (`sanitize`, `_Names`): labels reach the code only as identifiers made
  of ASCII letters, digits and `_` (never a keyword, a dunder or a name the code uses), or
  inside `ascii()`-escaped comments;
- templates (`_Template`, `_OpCode`): each op's `forward_code` and `local_grad_code` from the
  catalogue (ops.py) with slots for the names, parsed once per op; the array form of an
  expression comes from `replay._Arrays`;
- the plan (`_Plan`): every node's name, which nodes are numbers written in place, which
  gradients are needed on the way to a requested input;
- `_write`: the statements, one per node in topological order, forward then the chain rule
  from the root down, for floats or arrays, whole or as a tape's two halves, or with the
  post's in-place SGD updates;
- `_run_source`: the text compiled by CPython and run in a namespace holding only the
  catalogue's functions and no builtins.

Array code never adds in place (`g = g + c`, not `g += c`): a gradient first written as a copy
of its consumer's (`g_a = g_t2`) is the same array, and `+=` would change both, and the caller's
`upstream`.

Big graphs: every walk is iterative. CPython's own compiler takes time linear in the number of
statements (tens of microseconds per node on a typical machine; bench/compile.py measures it),
so a 100k-node graph compiles in seconds, in one function.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from .. import ops
from ..backward import topo_order
from ..ops import CATALOGUE, CONST, Op
from ..value import Value
from .replay import _Arrays

__all__ = ["sanitize", "scalar_namespace"]


# --- what the generated code may call ------------------------------------------------------


def scalar_namespace() -> dict[str, object]:
    """The names the generated float code may use.

    Each op's forward by the op's name (`div`, `log`, `sum`, ...) and the local derivatives'
    helpers (ops.GRAD_NAMESPACE): the generated code runs in this namespace and no other.

    Returns:
        A new dict, name -> function.

    Raises:
        RuntimeError: Two different functions under one name (a bug of the catalogue).

    Examples:
        >>> from autograd.compile import scalar_namespace
        >>> names = scalar_namespace()
        >>> names["tanh"](0.0), "div" in names
        (0.0, True)
    """
    names: dict[str, object] = {op.name: op.forward for op in CATALOGUE.values()}
    for key, fn in ops.GRAD_NAMESPACE.items():
        if key in names and names[key] is not fn:
            raise RuntimeError(f"compile: {key!r} names two different functions")  # a bug
        names[key] = fn
    return names


# Names the generated functions use themselves.
_OWN_NAMES = {"forward", "forward_backward", "upstream", "sgd_step", "lr"}


# --- labels to identifiers -----------------------------------------------------------------

_NOT_WORD = re.compile(r"[^0-9A-Za-z]+")


def sanitize(label: str) -> str:
    """A label as an ASCII identifier-ish word, or '' if nothing of it is usable.

    Letters with accents lose them (NFKD: 'ŷ' -> 'y'), every run of other characters becomes
    one '_', and leading and trailing '_' go, so no result is a dunder (`__import__` -> 'import').
    A result starting with a digit gets 'v' in front. Keywords and collisions are left to the
    caller, which knows the other names.

    Args:
        label: A Value's label, any text.

    Returns:
        The word, at most 40 characters, or '' if nothing of the label is usable.

    Examples:
        >>> from autograd.compile import sanitize
        >>> sanitize("ŷ"), sanitize("__import__"), sanitize("1st layer"), sanitize("∂")
        ('y', 'import', 'v1st_layer', '')
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
    """The source of `forward_backward` (or `forward`, backward=False) for the plan.

    With update=True, `sgd_step`: each wrt input takes `w -= lr * g_w` as soon as g_w is
    complete; tape="forward" returns every computed value too, which tape="backward" takes back.
    """
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


def _run_source(source: str, namespace: dict[str, object], name: str) -> Callable[..., Any]:
    scope: dict[str, object] = {"__builtins__": {}, **namespace}
    exec(builtins.compile(source, f"<chainrule {name}>", "exec"), scope)  # noqa: S102
    return scope[name]  # type: ignore[return-value]
