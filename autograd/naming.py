"""One name per node, for every tool that shows a graph in words: `explain`, the stepping page
(`to_html`) and the pictures' hover text (`draw_dot`).

A node's name is its label; a number for a constant; `v0, v1, ...` (in topological order) for
an unlabelled leaf; for an unlabelled result its expression while that is short
(`w35*y3 + w45*y4`), else its operation and a stable index (`add#2`: the second add in
topological order). Labels are shown as `repr` would show them: control characters (ESC, BEL,
newline) and the invisible formatting ones (right-to-left overrides and other bidi controls)
become escapes such as `\\x1b` or `\\u202e`, so a label can never move a terminal's cursor,
ring its bell or reverse the text around it.
"""

from __future__ import annotations

import re

from .value import Value

__all__ = ["node_names", "printable", "d"]

_NAME_LIMIT = 30

# How tightly each operation binds, for writing expressions with only the brackets they need.
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4, "vpow": 4}
_ATOM = 5
_SPACED = {"add", "sub"}  # w35*y3 + w45*y4: products tight, sums spaced, as one writes them
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9.e+-]+")


def printable(text: str) -> str:
    """`text` with every character that `str.isprintable` refuses written as `repr` writes it
    (ESC as \\x1b, a newline as \\n, U+202E as \\u202e); everything else, backslashes
    included, unchanged."""
    if text.isprintable():
        return text  # the common case, one C loop
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def symbol(node: Value) -> str:
    """How the node's operation is written (`*`, `exp`, ...)."""
    opdef = node._opdef
    return printable(opdef.symbol if opdef is not None else node.op)


def node_names(order: list[Value]) -> dict[Value, str]:
    """A readable, printable name per node of `order` (a topological order: operands first)."""
    names: dict[Value, str] = {}
    precedence: dict[Value, int] = {}
    leaves = 0
    seen_ops: dict[str, int] = {}
    for node in order:  # operands come first, so their names are ready
        op = node.op
        if op and op != "const":
            seen_ops[op] = seen_ops.get(op, 0) + 1
        if node.label:
            names[node], precedence[node] = printable(node.label), _ATOM
            continue
        if op == "const":
            text = format(node.data, ".6g")
            names[node], precedence[node] = text, (3 if text.startswith("-") else _ATOM)
            continue
        if node.is_leaf:
            names[node], precedence[node] = f"v{leaves}", _ATOM
            leaves += 1
            continue
        operands = node.operands
        mine = _PRECEDENCE.get(op, _ATOM)
        sym = symbol(node)
        if len(operands) == 2 and op in _PRECEDENCE:
            a, b = operands
            sep = f" {sym} " if op in _SPACED else sym
            text = (_operand(names[a], precedence[a], mine, op in ("pow", "vpow")) + sep
                    + _operand(names[b], precedence[b], mine, op in ("sub", "div", "pow", "vpow")))
        elif op == "neg":
            text = "-" + _operand(names[operands[0]], precedence[operands[0]], mine, True)
        else:
            text, mine = f"{sym}({', '.join(names[x] for x in operands)})", _ATOM
        if len(text) > _NAME_LIMIT:
            text, mine = f"{printable(op)}#{seen_ops[op]}", _ATOM
        names[node], precedence[node] = text, mine
    return names


def _operand(name: str, binds: int, mine: int, tighter: bool) -> str:
    """An operand's name, bracketed when it binds more loosely than the operation (or as
    loosely, on the side where the order matters: a - (b - c), a/(b*c), (a**b)**c)."""
    return f"({name})" if binds < mine or (tighter and binds == mine) else name


def d(name: str) -> str:
    """d followed by a name, bracketed unless it is one word: dz5, d(w35*y3), d(relu(v0)),
    d(add#2)."""
    return f"d{name}" if _IDENTIFIER.fullmatch(name) else f"d({name})"
