"""The catalogue: every operation once, its value and its local derivatives side by side.

Each entry holds the forward as a plain function of floats, and the local derivatives written
once, as Python expressions, compiled to a plain function of floats at import:

    forward(a, b)            -> the value of the operation
    local_grad_code          -> ("b", "a") for mul: d out/d a, d out/d b, as code
    local_grads(out, a, b)   -> (d out/d a, d out/d b), given the value `out` already computed

The chain rule then needs one multiplication per operand: operand.grad += local_grad * upstream.
`Value` turns these entries into operators and methods; the tests, the graph pictures and
`explain` read the same entries. This module imports nothing else of chainrule's.

Non-finite numbers follow IEEE 754, as in PyTorch: an overflow gives inf (never OverflowError),
NaN propagates. Run under `autograd.detect_anomaly()` to make any non-finite value an error that
names the operation. A true domain error (log of 0, a negative base to a fractional power,
division by zero) is always an error, never a NaN or a complex number.
"""

from __future__ import annotations

import ast
import keyword
import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Sequence

__all__ = ["Op", "DomainError", "CATALOGUE", "CONST", "GRAD_NAMESPACE", "make_op", "register",
           "function_namespace", "refuse_closures"]

inf = math.inf
nan = math.nan


class DomainError(ValueError):
    """An operation was asked for a value outside its domain (log(-1), (-8) ** 0.5, ...).

    A `ValueError`, so `except ValueError` catches it too.

    Examples:
        >>> from autograd import DomainError, Value
        >>> try:
        ...     Value(-1.0).log()
        ... except DomainError as error:
        ...     print(type(error).__name__, isinstance(error, ValueError))
        DomainError True
    """


@dataclass(frozen=True, eq=False)
class Op:
    """One operation: what it computes, its local derivatives, and what a test needs to know.

    The catalogue (`CATALOGUE`) holds one per operation; `define_op` makes new ones.

    Attributes:
        name: The operation's name, its key in the catalogue ("mul", "exp", ...).
        arity: Number of operands; -1 for any number (sum, logsumexp).
        symbol: How pictures and explanations write it ("*", "exp", ...).
        forward: The value, a plain function of floats.
        local_grad_code: d out / d operand, one Python expression per operand, in the names
            `out` (the value already computed), `a` and `b` (the operands; `x` for each
            operand of a many-operand op) and those of GRAD_NAMESPACE. Written once, it is
            compiled to `local_grads(out, *operands)` on floats (the fast path), evaluated on
            Values for higher derivatives, and written out by code generation.
        formula: The local derivatives in words, for the docs and for `explain`.
        domain: Per operand, the (low, high) interval tests draw from.
        kinks: Points where the derivative jumps; finite differences must stay clear of them.
        bad_inputs: Operands outside the domain, each with the exception it must raise.
        forward_code: The forward as a Python expression in the same names, for code
            generation (autograd.compile); by default a call of the forward function by the
            op's name (`div(a, b)`, `log(a)`, `sum(*xs)`, `xs` the operands), which keeps its
            domain errors and their messages; `a + b` where plain floats do the same.
        user: True for an op made by `define_op`.
        local_grads: `local_grad_code` compiled: `local_grads(out, *operands)` on floats.

    Examples:
        >>> from autograd import CATALOGUE
        >>> mul = CATALOGUE["mul"]
        >>> mul.arity, mul.symbol, mul.local_grad_code
        (2, '*', ('b', 'a'))
        >>> mul.local_grads(6.0, 2.0, 3.0)    # out, a, b: (d out/d a, d out/d b) = (b, a)
        (3.0, 2.0)
    """

    name: str
    arity: int
    symbol: str
    forward: Callable[..., float]
    local_grad_code: tuple[str, ...]
    formula: str
    domain: tuple[tuple[float, float], ...] = ()
    kinks: tuple[float, ...] = ()
    bad_inputs: tuple[tuple[tuple[float, ...], type], ...] = field(default=())
    forward_code: str = ""
    user: bool = False  # made by define_op: its code may call any catalogue function by name
    local_grads: Callable[..., tuple[float, ...]] = field(init=False, repr=False)
    # A node of the micrograd door whose local derivative is a `_backward` closure says so here;
    # compile and higher derivatives refuse it (refuse_closures).
    closure: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.forward_code and self.arity != 0:
            args = "*xs" if self.arity == -1 else ", ".join(("a", "b")[:self.arity])
            object.__setattr__(self, "forward_code", f"{self.name}({args})")
        namespace = ({**function_namespace(), self.name: self.forward} if self.user
                     else GRAD_NAMESPACE)
        object.__setattr__(self, "local_grads", _compile_local_grads(
            self.name, self.arity, self.local_grad_code, namespace))

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _fmt(x: float) -> str:
    return repr(float(x))


# --- forward values ----------------------------------------------------------------------


def add(a: float, b: float) -> float:
    return a + b


def sub(a: float, b: float) -> float:
    return a - b


def mul(a: float, b: float) -> float:
    return a * b


def div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: cannot divide {_fmt(a)} by zero ({_fmt(a)} / {_fmt(b)})")
    return a / b


def _power(name: str, a: float, b: float) -> float:
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"{name}: 0.0 ** {_fmt(b)} divides by zero (a negative power of 0)")
    if a < 0.0 and math.isfinite(b) and b != math.floor(b):  # floor(inf) would raise
        raise DomainError(
            f"{name}: {_fmt(a)} ** {_fmt(b)} has no real value (a negative base needs an "
            f"integer exponent)"
        )
    try:
        return a**b  # type: ignore[no-any-return]  # typeshed: float ** float may be complex
    except OverflowError:
        # IEEE 754 would give +-inf; so do we (the sign is that of a**b for an integer b).
        return -inf if (a < 0.0 and b % 2.0 == 1.0) else inf


def pow_(a: float, b: float) -> float:
    if a > 0.0:  # the usual case, nothing to check: one call, not two (it is hot in compiled code)
        try:
            return a**b  # type: ignore[no-any-return]  # float ** float is a float here
        except OverflowError:
            return inf
    return _power("pow", a, b)


def vpow(a: float, b: float) -> float:
    return _power("vpow", a, b)


def neg(a: float) -> float:
    return -a


def exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return inf


def log(a: float) -> float:
    if a <= 0.0:
        raise DomainError(f"log: log({_fmt(a)}) is undefined; log needs a value > 0")
    return math.log(a)


def tanh(a: float) -> float:
    return math.tanh(a)


def sigmoid(a: float) -> float:
    # Two forms so exp never overflows: for a >= 0, 1/(1+e^-a); for a < 0, e^a/(1+e^a).
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def relu(a: float) -> float:
    # As torch.relu: NaN (and -0.0) pass through; one comparison, as before (max() is a call).
    return 0.0 if a < 0.0 else a  # noqa: FURB136


def sqrt(a: float) -> float:
    if a < 0.0:
        raise DomainError(f"sqrt: sqrt({_fmt(a)}) has no real value; sqrt needs a value >= 0")
    return math.sqrt(a)


def abs_(a: float) -> float:
    return abs(a)


def softplus(a: float) -> float:
    # log(1 + e^a), written so neither exp nor log1p overflows.
    return (a if a > 0.0 else 0.0) + math.log1p(math.exp(-abs(a)))


def sum_(*xs: float) -> float:
    total = 0.0
    for x in xs:  # left to right, always: the same order gives the same bits
        total += x
    return total


def logsumexp(*xs: float) -> float:
    if not xs:
        raise ValueError("logsumexp: needs at least one value")
    # Shift by the largest, m: log(sum e^x) = m + log1p(sum over the others of e^(x - m)).
    if any(map(math.isnan, xs)):  # a NaN anywhere (max() would skip it, by position)
        return nan
    top = xs.index(max(xs))
    m = xs[top]
    if math.isinf(m):
        return m
    return m + math.log1p(sum_(*[math.exp(x - m) for i, x in enumerate(xs) if i != top]))


def const() -> float:  # pragma: no cover - constants are made, not computed
    raise TypeError("const has no forward: it is a number lifted into the graph")


# --- helpers the local derivatives call ----------------------------------------------------


def dpow_dbase(a: float, b: float) -> float:
    """The derivative d(a**b)/da = b * a**(b-1); 0 for b == 0.

    At a == 0 with b < 1 the slope is infinite (sqrt at 0), not an error.
    """
    if b == 0.0:
        return 0.0
    if a == 0.0 and b < 1.0:
        return inf
    return b * pow_(a, b - 1.0)


def dpow_dexp(out: float, a: float) -> float:
    """The derivative d(a**b)/db = a**b * ln(a), for a > 0; 0 at a == 0 (b > 0).

    For a < 0, a**b exists only at integer b, so there is no derivative in b: NaN, as PyTorch.
    """
    if a > 0.0:
        return out * math.log(a)
    return out * 0.0 if a == 0.0 else nan  # out * 0.0: NaN when b is NaN (0 ** nan), as PyTorch


# The same two helpers for higher derivatives (`autograd.higher`): the same cases, tested on the
# numbers, and the arithmetic on Values so it is recorded. An operand may also come as a float
# (a constant). Tests hold each to its float form above, bit for bit.


def _number(x: Any) -> float:
    return x if type(x) is float else x.data


def dpow_dbase_value(a: Any, b: Any) -> Any:
    """dpow_dbase, recorded: b * a ** (b - 1); a constant b stays a constant exponent.

    At b == 0 the float form's 0 is a constant only for a constant b (or at a == 0): for a Value
    b, b * a**-1 is recorded, so its derivative in b, 1/a, is kept (PyTorch loses it there).
    """
    if _number(b) == 0.0 and (type(b) is float or _number(a) == 0.0):
        return 0.0
    if _number(a) == 0.0 and _number(b) < 1.0:
        # inf, falling at the rate b*(b-1)*a**(b-2) = -inf: inf * (1 - a) records both
        # limits, so the second derivative of a**0.5 at 0 is -inf, as PyTorch
        return inf if type(a) is float else inf * (1.0 - a)
    if _number(b) == 0.0:
        return b * a ** (b - 1.0) + 0.0  # 0 * a**-1 is -0.0 for a < 0: the float form says 0.0
    return b * a ** (b - 1.0)


def dpow_dexp_value(out: Any, a: Any) -> Any:
    """dpow_dexp, recorded: out * ln(a) for a > 0."""
    if _number(a) > 0.0:
        return out * (log(a) if type(a) is float else a.log())
    return 0.0 if _number(a) == 0.0 else nan


# What the local-derivative code may call, by name. The same names are bound to Value-recording
# versions for higher derivatives, and given to generated code (see `Op.local_grad_code`).
GRAD_NAMESPACE: dict[str, object] = {
    "exp": exp, "log": log, "sigmoid": sigmoid, "dpow_dbase": dpow_dbase,
    "dpow_dexp": dpow_dexp, "inf": inf, "nan": nan,
}


def _compile_local_grads(name: str, arity: int, code: tuple[str, ...],
                         namespace: dict[str, object]) -> Callable[..., Any]:
    """`local_grads(out, *operands)` as a plain function of floats, made once from the code.

    The result is the function one would write by hand (`lambda out, a, b: (b, a)` for mul),
    so the fast path pays nothing for the derivative being written once as text.
    """
    if arity == 0:
        source = "lambda out: ()"
    elif arity == -1:  # one expression in `x`, each operand in turn
        (dx,) = code
        names = compile(dx, f"<{name}>", "eval").co_names
        source = (f"lambda out, *xs: ({dx},) * len(xs)" if "x" not in names
                  else f"lambda out, *xs: tuple([{dx} for x in xs])")
    else:
        params = ("a", "b")[:arity]
        source = f"lambda out, {', '.join(params)}: ({', '.join(code)},)"
    scope: dict[str, object] = dict(namespace)
    if namespace is not GRAD_NAMESPACE:  # a user's code: checked by make_op, and no builtins
        scope["__builtins__"] = {}
    fn = eval(compile(source, f"<{name} local_grads>", "eval"), scope)
    fn.__name__ = f"{name}_back"
    return fn  # type: ignore[no-any-return]


# --- the catalogue ------------------------------------------------------------------------

_WIDE = (-50.0, 50.0)
_POS = (1e-3, 50.0)

CONST = Op("const", 0, "const", const, (), "a number lifted into the graph; a leaf")

CATALOGUE: dict[str, Op] = {
    op.name: op
    for op in [
        Op("add", 2, "+", add, ("1.0", "1.0"), "d(a+b)/da = 1, d(a+b)/db = 1", (_WIDE, _WIDE),
           forward_code="a + b"),
        Op("sub", 2, "-", sub, ("1.0", "-1.0"), "d(a-b)/da = 1, d(a-b)/db = -1", (_WIDE, _WIDE),
           forward_code="a - b"),
        Op("mul", 2, "*", mul, ("b", "a"), "d(a*b)/da = b, d(a*b)/db = a", (_WIDE, _WIDE),
           forward_code="a * b"),
        # d(a/b)/db = -a/b**2 = -out/b
        Op("div", 2, "/", div, ("1.0 / b", "-out / b"), "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2",
           (_WIDE, (0.1, 50.0)), bad_inputs=(((1.0, 0.0), ZeroDivisionError),)),
        # The exponent is a constant (x ** 2): no gradient flows to it, as
        # torch.pow(Tensor, Scalar).
        Op("pow", 2, "**", pow_, ("dpow_dbase(a, b)", "0.0"),
           "d(a^c)/da = c*a^(c-1); c is a constant number, not differentiated",
           ((0.1, 5.0), (-3.0, 3.0)),
           bad_inputs=(((-8.0, 0.5), DomainError), ((0.0, -1.0), ZeroDivisionError))),
        Op("vpow", 2, "**", vpow, ("dpow_dbase(a, b)", "dpow_dexp(out, a)"),
           "d(a^b)/da = b*a^(b-1), d(a^b)/db = a^b*ln(a); both operands are Values",
           ((0.1, 5.0), (-3.0, 3.0)),
           bad_inputs=(((-8.0, 0.5), DomainError), ((0.0, -1.0), ZeroDivisionError))),
        Op("neg", 1, "-", neg, ("-1.0",), "d(-a)/da = -1", (_WIDE,), forward_code="-a"),
        Op("exp", 1, "exp", exp, ("out",), "d(e^a)/da = e^a", ((-30.0, 30.0),)),
        Op("log", 1, "log", log, ("1.0 / a",), "d(ln a)/da = 1/a", (_POS,),
           bad_inputs=(((0.0,), DomainError), ((-1.0,), DomainError))),
        Op("tanh", 1, "tanh", tanh, ("1.0 - out * out",), "d(tanh a)/da = 1 - tanh(a)^2",
           ((-10.0, 10.0),)),
        Op("sigmoid", 1, "sigmoid", sigmoid, ("out * (1.0 - out)",),
           "d(s(a))/da = s(a)*(1 - s(a))", ((-30.0, 30.0),)),
        # 0 at the kink, as PyTorch; 1 at NaN, as PyTorch (so the NaN reaches the gradient).
        Op("relu", 1, "relu", relu, ("0.0 if a <= 0.0 else 1.0",),
           "d(relu a)/da = 1 if a > 0 else 0", (_WIDE,), kinks=(0.0,)),
        # inf at 0 (the slope is vertical), written inf * (1 - out) so that on Values it
        # falls at the rate -inf, the limit of -0.5/out^2: sqrt'' at 0 is -inf, as PyTorch.
        # NaN at NaN, as PyTorch.
        Op("sqrt", 1, "sqrt", sqrt, ("0.5 / out if out > 0.0 else inf * (1.0 - out)",),
           "d(sqrt a)/da = 1/(2*sqrt(a))", (_POS,), bad_inputs=(((-1.0,), DomainError),)),
        # sign(a); 0 at the kink and at NaN, as PyTorch (torch.sgn(nan) is 0).
        Op("abs", 1, "abs", abs_, ("1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0",),
           "d|a|/da = sign(a)", (_WIDE,), kinks=(0.0,)),
        Op("softplus", 1, "softplus", softplus, ("sigmoid(a)",),
           "d ln(1+e^a)/da = sigmoid(a)", (_WIDE,)),
        Op("sum", -1, "sum", sum_, ("1.0",), "d(a1+...+an)/dai = 1", (_WIDE,)),
        # the softmax: e^x / sum e^x = e^(x - out)
        Op("logsumexp", -1, "logsumexp", logsumexp, ("exp(x - out)",),
           "d ln(sum e^ai)/dai = e^ai / sum e^aj (softmax)", ((-30.0, 30.0),)),
    ]
}
"""Every operation by name, each an `Op`: the one table `Value`, the tests and the docs read.

`define_op` adds to it; the operations page lists it with the derivatives.

Examples:
    >>> from autograd import CATALOGUE
    >>> CATALOGUE["tanh"].formula
    'd(tanh a)/da = 1 - tanh(a)^2'
"""

# Each derivative as a plain function too, testable alone (`ops.sigmoid_back(out, a)`).
for _op in [CONST, *CATALOGUE.values()]:
    globals()[f"{_op.name}_back"] = _op.local_grads
del _op


def _cell(text: str) -> str:
    """Text for a Markdown table cell: a `|` would end the cell."""
    return text.replace("|", "\\|")


def catalogue_table(user_ops: bool = False) -> str:
    """The catalogue as a Markdown table: the docs page docs/operations.md is this, verbatim.

    With `user_ops=True` the operations made by `define_op` are listed too (after the built-in
    ones, marked "defined").
    """
    rows = [
        "| operation | operands | written | local derivatives | as code | domain errors |",
        "|---|---|---|---|---|---|",
    ]
    for op in CATALOGUE.values():
        if op.user and not user_ops:
            continue
        arity = "any number" if op.arity == -1 else str(op.arity)
        errors = ", ".join(
            f"`{op.name}({', '.join(map(_fmt, args))})` → {error.__name__}"
            for args, error in op.bad_inputs
        )
        code = ", ".join(f"`{_cell(c)}`" for c in op.local_grad_code)
        rows.append(
            f"| `{op.name}`{' (defined)' if op.user else ''} | {arity} | `{_cell(op.symbol)}` "
            f"| `{_cell(op.formula)}` | {code} "
            f"| {errors or '-'} |"
        )
    return "\n".join(rows) + "\n" + higher_derivative_notes()


def higher_derivative_notes() -> str:
    """The conventions of second and higher derivatives, from the catalogue (docs/operations.md)."""
    kinked = [op for op in CATALOGUE.values() if op.kinks and not op.user]
    kinks = ", ".join(
        f"`{op.name}` at {' and '.join(map(_fmt, op.kinks))} (`{_cell(op.local_grad_code[0])}`)"
        for op in kinked
    )
    constant = [
        f"operand {i + 1} of `{op.name}`"
        for op in CATALOGUE.values() for i, code in enumerate(op.local_grad_code)
        if code == "0.0" and not op.user
    ]
    return (
        "\n**Second and higher derivatives.** `grad(..., create_graph=True)`, `hessian` and `hvp` "
        "evaluate the same \"as code\" column on Values instead of floats, so each local "
        "derivative is itself recorded and can be differentiated again; there is no second table. "
        "A branch of the code that gives a number records nothing, so its derivative is 0. "
        f"That is PyTorch's convention at a kink: {kinks} have a derivative that is constant on "
        "each side, so every higher derivative is 0 there, at the kink too (relu'' = 0, "
        "abs'' = 0). An operand whose code is `0.0` "
        f"({', '.join(constant)}) gets no gradient at any order, and numbers lifted into the "
        "graph (the 2 of `x ** 2`) are constants.\n"
    )


# --- operations defined by their users (autograd.define_op) ---------------------------------
#
# A user's op is written as the catalogue's own are: a forward expression in `a` (and `b`), one
# local-derivative expression per operand in `a`, `b` and `out`. The text is parsed and every
# name checked here, before anything runs it; it is then evaluated with no builtins, so it can
# call nothing but the catalogue's functions.

# Names the generated code and the batched code keep for themselves: an op may not take them.
RESERVED_NAMES = frozenset({
    "a", "b", "out", "x", "xs", "inf", "nan", "const", "upstream", "lr", "forward",
    "forward_backward", "backward", "sgd_step", "where", "logical_and", "logical_or",
    "logical_not", "float", "int", "bool", "print", "eval", "exec",
})
_CONSTANTS = ("inf", "nan")
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_COMPARISONS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def function_namespace() -> dict[str, object]:
    """What a user's op may call, on floats.

    Every catalogue op's forward by its name (`exp`, `abs`, `sqrt`, `pow`, ops defined
    earlier, ...), the local derivatives' helpers and inf, nan. `x ** y` in a user's code is
    written as `pow(x, y)` (no complex numbers, ever).
    """
    names: dict[str, object] = dict(GRAD_NAMESPACE)
    names.update({op.name: op.forward for op in CATALOGUE.values()})
    return names


class _Checked(ast.NodeTransformer):
    """One expression checked against the whitelist, and made uniform.

    Every number a float (2 -> 2.0, so arrays and floats compute alike) and `x ** y` as
    `pow(x, y)`.
    """

    def __init__(self, where: str, operands: tuple[str, ...],
                 own: tuple[str, int] | None = None) -> None:
        self.where, self.operands, self.own = where, operands, own

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{self.where}: {what}")

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if type(value) is not int and type(value) is not float:
            raise self.fail(f"{value!r} is not a number (only real numbers are allowed)")
        return ast.copy_location(ast.Constant(float(value)), node)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.operands or node.id in _CONSTANTS:
            return node
        if node.id in CATALOGUE and node.id != "const":
            raise self.fail(f"{node.id!r} is a function: call it, {node.id}(...)")
        allowed = ", ".join(self.operands + _CONSTANTS)
        raise self.fail(f"unknown name {node.id!r} (allowed: {allowed}, and calls of the "
                        f"catalogue's functions: {', '.join(_callable_names())})")

    def visit_Call(self, node: ast.Call) -> ast.expr:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if self.own is not None and name == self.own[0]:  # the op itself, in its derivative
            if node.keywords or len(node.args) != self.own[1]:
                raise self.fail(f"{name} takes {self.own[1]} operand(s) by position")
            node.args = [self.visit(x) for x in node.args]
            return node
        if name is None or name not in CATALOGUE or name == "const":
            shown = ast.unparse(node.func)
            raise self.fail(f"{shown!r} is not a function of the catalogue (callable: "
                            f"{', '.join(_callable_names())})")
        if node.keywords or any(isinstance(x, ast.Starred) for x in node.args):
            raise self.fail(f"{name}(...) takes its operands by position only")
        arity = CATALOGUE[name].arity
        if (arity == -1 and not node.args) or (arity != -1 and len(node.args) != arity):
            want = "at least 1" if arity == -1 else str(arity)
            raise self.fail(f"{name} takes {want} operand(s), got {len(node.args)}")
        node.args = [self.visit(x) for x in node.args]
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if not isinstance(node.op, _BINOPS):
            raise self.fail(f"the operator {type(node.op).__name__} is not allowed "
                            f"(allowed: + - * / **)")
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            return ast.copy_location(ast.Call(ast.Name("pow", ast.Load()), [left, right], []), node)
        return ast.copy_location(ast.BinOp(left, node.op, right), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        if not isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            raise self.fail(f"the operator {type(node.op).__name__} is not allowed")
        node.operand = self.visit(node.operand)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        if not all(isinstance(op, _COMPARISONS) for op in node.ops):
            raise self.fail("only the comparisons <, <=, >, >= are allowed")
        self.generic_visit(node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if not isinstance(node, (ast.IfExp, ast.BoolOp, ast.Compare, ast.And, ast.Or,
                                 ast.Load) + _COMPARISONS):
            raise self.fail(f"{type(node).__name__} is not allowed in an operation's code "
                            f"(only numbers, names, calls, + - * / **, comparisons and "
                            f"`p if c else q`)")
        return super().generic_visit(node)


def _callable_names() -> list[str]:
    return [name for name in CATALOGUE if name != "const"]


def _is_number_valued(tree: ast.expr) -> bool:
    """False where the expression's value would be a bool (a comparison, and/or, not)."""
    if isinstance(tree, ast.IfExp):
        return _is_number_valued(tree.body) and _is_number_valued(tree.orelse)
    if isinstance(tree, (ast.Compare, ast.BoolOp)):
        return False
    return not (isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.Not))


def _checked_code(text: object, where: str, operands: tuple[str, ...],
                  condition: bool = False, own: tuple[str, int] | None = None) -> str:
    """The expression `text`, parsed and checked, written back uniformly (see _Checked)."""
    if not isinstance(text, str):
        raise TypeError(f"{where}: must be a str of Python code, got {type(text).__name__}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ValueError(f"{where}: syntax error in {text!r}: {error.msg}") from None
    checked = _Checked(where, operands, own).visit(tree)
    if condition:
        if _is_number_valued(checked):
            raise ValueError(f"{where} must be a condition such as 'a > 0.0', got {text!r}")
    elif not _is_number_valued(checked):
        raise ValueError(f"{where}: {text!r} gives True/False, not a number (write "
                         f"`1.0 if ... else 0.0`)")
    return ast.unparse(checked)


def make_op(
    name: object,
    forward: object,
    local_grads: object,
    domain: object = None,
    doc: object = "",
    interval: Sequence[float] | Sequence[Sequence[float]] = (-5.0, 5.0),
    kinks: Iterable[float] = (),
) -> Op:
    """A user's operation, checked, as a catalogue entry (not yet registered: see `register`).

    Every mistake is one line naming the op: the name (an identifier, not taken), a syntax error,
    an unknown name, a local_grads count that is not one per operand.
    """
    if not isinstance(name, str):
        raise TypeError(f"define_op: name must be a str, got {type(name).__name__}")
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise ValueError(f"define_op: {name!r} is not a usable name (one word of letters, "
                         f"digits and _, not a Python keyword, not starting with _)")
    if name in CATALOGUE or name in RESERVED_NAMES or name in GRAD_NAMESPACE:
        raise ValueError(f"define_op: the name {name!r} is already taken"
                         + (" by the catalogue's own operation" if name in CATALOGUE else ""))
    operands = ("a", "b")
    if isinstance(local_grads, str) or not isinstance(local_grads, (list, tuple)):
        raise TypeError(f"define_op: {name}'s local_grads must be a list of str, one per "
                        f"operand, got {type(local_grads).__name__}")
    if callable(forward):  # a function of floats (math.sin): its derivative is still code
        arity = len(local_grads)
        if arity not in (1, 2):
            raise ValueError(f"define_op: {name}'s local_grads needs 1 or 2 expressions (one per "
                             f"operand of the function forward), got {arity}")
        forward_code = f"{getattr(forward, '__name__', 'forward')}({', '.join(operands[:arity])})"
        body = "_given(" + ", ".join(operands[:arity]) + ")"
    elif isinstance(forward, str):
        forward_code = _checked_code(forward, f"define_op: {name}'s forward", operands)
        used = {n.id for n in ast.walk(ast.parse(forward_code, mode="eval"))
                if isinstance(n, ast.Name)}
        arity = 2 if "b" in used else 1
        if len(local_grads) != arity:
            raise ValueError(f"define_op: {name}'s forward uses {arity} operand(s) "
                             f"({', '.join(operands[:arity])}), so local_grads needs {arity} "
                             f"expression(s), got {len(local_grads)}")
        body = forward_code
    else:
        raise TypeError(f"define_op: {name}'s forward must be a str of Python code (or a "
                        f"function of floats), got {type(forward).__name__}")
    # The derivatives may call the op itself (sin's is sin(a + pi/2)).
    grads = tuple(
        _checked_code(code, f"define_op: {name}'s local_grads[{i}]",
                      operands[:arity] + ("out",), own=(name, arity))
        for i, code in enumerate(local_grads))
    condition = None
    if domain is not None:
        condition = _checked_code(domain, f"define_op: {name}'s domain", operands[:arity],
                                  condition=True)
    if not isinstance(doc, str) or "\n" in doc:
        raise ValueError(f"define_op: {name}'s doc must be one line of text")
    params = ", ".join(operands[:arity])
    if condition is None:
        source = f"lambda {params}: {body}"
    else:
        source = f"lambda {params}: ({body}) if ({condition}) else _outside({params})"
    scope: dict[str, object] = {**function_namespace(), "__builtins__": {},
                                "_outside": _outside_domain(name, condition or ""),
                                "_given": _as_float_function(name, forward)}
    fn = eval(compile(source, f"<{name} forward>", "eval"), scope)  # checked code, no builtins
    fn.__name__ = name
    low_high = _intervals(name, interval, arity)
    formula = doc or f"{name}({params}) = {forward_code}; " + ", ".join(
        f"d{name}/d{x} = {g}" for x, g in zip(operands, grads))
    return Op(name, arity, name, fn, grads, formula, domain=low_high,
              kinks=tuple(float(k) for k in kinks), user=True)


def _as_float_function(name: str, forward: object) -> Callable[..., float]:
    """A user's forward function, made to give a float (or say what it gave instead)."""
    if not callable(forward):
        return forward  # type: ignore[return-value]  # unused: the forward is code

    def given(*xs: float) -> float:
        y = forward(*xs)
        if type(y) is float:
            return y
        if isinstance(y, (int, float)) and not isinstance(y, bool) or hasattr(y, "__float__") \
                and not isinstance(y, complex):
            return float(y)
        raise TypeError(f"{name}: its forward gave {type(y).__name__} {y!r}, not a real number")
    return given


def _outside_domain(name: str, condition: str) -> Callable[..., float]:
    def outside(*xs: float) -> float:
        shown = ", ".join(map(_fmt, xs))
        raise DomainError(f"{name}: {name}({shown}) is outside its domain ({condition})")
    return outside


def _intervals(name: str, interval: Any, arity: int) -> tuple[tuple[float, float], ...]:
    """Where tests draw operands: one (low, high) for all, or one per operand."""
    try:
        if len(interval) == 2 and all(isinstance(x, (int, float)) for x in interval):
            pairs = [tuple(interval)] * arity
        else:
            pairs = [tuple(p) for p in interval]
        result = tuple((float(lo), float(hi)) for lo, hi in pairs)
    except (TypeError, ValueError):
        result = ()
    if len(result) != arity or any(not lo < hi for lo, hi in result):
        raise ValueError(f"define_op: {name}'s interval must be (low, high) with low < high, or "
                         f"one such pair per operand; got {interval!r}")
    return result


def register(op: Op) -> None:
    """Add a user's op to the catalogue.

    From now on every tool that reads the catalogue (Value graphs, compile, batched replay,
    higher derivatives, the pictures) knows it.

    Args:
        op: The entry, as `make_op` made it.

    Raises:
        ValueError: The name is taken.
    """
    if op.name in CATALOGUE:
        raise ValueError(f"define_op: the name {op.name!r} is already taken")
    CATALOGUE[op.name] = op


def closure_error(where: str, name: str) -> ValueError:
    return ValueError(
        f"{where}: the node {name!r} takes its local derivative from a _backward closure, which "
        f"{where} cannot read or differentiate; define it in the catalogue instead: "
        f"autograd.define_op({name!r}, forward=..., local_grads=[...])")


def refuse_closures(nodes: Iterable[Any], where: str) -> None:
    """Raise a ValueError if a node's local derivative is a closure (chainrule.micrograd's door).

    Code generation and higher derivatives need the derivative as code.
    """
    for node in nodes:
        op = node._opdef
        if op is not None and op.closure:
            raise closure_error(where, op.name)
