r"""Pictures of the graph: `draw_dot(root)` gives a `graphviz.Digraph`, left to right.

One box per Value (its label, data and grad), one oval per operation, arrows in the direction
of the forward pass. It reads the same recorded `op` and `operands` that `backward()` reads, and
walks the graph with `topo_order` (an explicit stack), so any graph that can be differentiated
can be drawn, however deep. graphviz is imported inside `draw_dot`, so `import autograd` stays
light; the `dot` program is only needed to render (`.pipe()`, `.render()`, or Jupyter's display).

Every piece of text is written as an HTML-like label with `&`, `<`, `>` and quotes escaped, and
backslashes doubled (dot would expand `\N`, `\G` in a label): a label such as `"]; evil [x="`
or `a<b>{c}|d` is shown as typed and can never change the picture's structure. Control and bidi
characters are shown as `repr` shows them (`\x1b`, `\u202e`).

Hovering a box, an oval or an arrow in the SVG shows the node's name (autograd.naming, the names
`explain` and the stepping page use), not dot's internal ids (`v10_op`).
"""

from __future__ import annotations

import html
import numbers
from typing import TYPE_CHECKING, Union

from .backward import topo_order
from .naming import node_names, printable
from .value import Value

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["draw_dot", "HIGHLIGHT_COLOR"]

HIGHLIGHT_COLOR = "#d62728"
_HIGHLIGHT_FILL = "#fde0dd"
_LEAF_FILL = "#e8f1fb"


def _text(s: str) -> str:
    """Text safe inside an HTML-like label.

    Escaped, newlines as line breaks, control and bidi characters visible (as `repr` writes
    them).
    """
    lines = [printable(line).replace("\\", "\\\\") for line in s.split("\n")]
    return '<BR ALIGN="CENTER"/>'.join(html.escape(line, quote=True) for line in lines)


def _tooltip(text: str) -> str:
    r"""Hover text for dot: backslashes doubled (dot expands \N, \G in it), never HTML."""
    import graphviz

    tip: str = graphviz.nohtml(text.replace("\\", "\\\\"))
    return tip


def _num(x: float, digits: int) -> str:
    return format(x + 0.0, f".{digits}g")  # + 0.0: -0.0 reads as 0


def _on_paths(order: list[Value], target: Value) -> set[Value]:
    """The Values on some path from `target` up to the root: those that depend on `target`."""
    marked = {target}
    for node in order:  # operands come before the nodes that use them
        if node not in marked and any(x in marked for x in node.operands):
            marked.add(node)
    return marked


def _find(order: list[Value], name: str) -> Value:
    found = [node for node in order if node.label == name]
    if not found:
        labels = sorted({printable(node.label) for node in order if node.label})
        raise ValueError(
            f"draw_dot: highlight={name!r} is not the label of any Value in the graph "
            f"(labels: {', '.join(labels) or 'none'})"
        )
    if len(found) > 1:
        raise ValueError(
            f"draw_dot: highlight={name!r} labels {len(found)} Values; pass the Value itself"
        )
    return found[0]


def draw_dot(
    root: Value,
    *,
    highlight: Union[Value, str, None] = None,
    show_local_grads: bool = False,
    hide_constants: bool = False,
    max_nodes: int | None = 500,
    digits: int = 4,
    rankdir: str = "LR",
    format: str = "svg",  # noqa: A002 - graphviz's own name
) -> graphviz.Digraph:
    """The graph that computed `root`, as a `graphviz.Digraph` (micrograd's name and picture).

    The DOT names are `v0, v1, ...` in `topo_order(root)` order (an operation's oval is `vN_op`),
    so the same graph always gives the same source; in SVG, boxes have class `value`, ovals
    `op`, and everything on the highlighted path also `highlight`. Building the Digraph needs
    only the graphviz package; rendering it (`.pipe()`, `.render()`, Jupyter) needs `dot`.

    Args:
        root: The Value to draw, with everything it was computed from.
        highlight: A Value (or the label of one) whose path(s) up to `root` are drawn in red:
            the chain that the chain rule multiplies along (the w35 path of the post).
        show_local_grads: Write on each operand's arrow the local derivative
            d(result)/d(operand), the number `backward()` multiplies by at that step.
        hide_constants: Leave out the boxes of lifted numbers (the 0.5 and 2 of
            0.5*(yp-ya)**2); the number is written in the operation's oval instead.
        max_nodes: Refuse graphs with more Values than this (a picture that big cannot be
            read); None for no limit.
        digits: Significant digits shown for data, grad and local derivatives.
        rankdir: The direction of the forward pass: "LR" (left to right), "RL", "TB" or "BT".
        format: The format graphviz renders to ("svg", "png", ...).

    Returns:
        A `graphviz.Digraph`: `.source` is the DOT text; Jupyter shows it as a picture.

    Raises:
        TypeError: `root` is not a Value, or `highlight` is neither a Value, a str nor None.
        ValueError: `digits` or `max_nodes` is not an int >= 1, `rankdir` is not one of the
            four, the graph has more than `max_nodes` Values, or `highlight` is no label of
            the graph, labels several Values, or is not used to compute `root`.

    Examples:
        >>> from autograd import Value, draw_dot
        >>> x = Value(2.0, label="x"); y = Value(3.0, label="y")
        >>> z = x * y; z.label = "z"
        >>> z.backward()
        >>> dot = draw_dot(z, highlight="x", show_local_grads=True)
        >>> dot.source.count("shape=plaintext"), dot.source.count("shape=ellipse")  # boxes, ovals
        (3, 1)
        >>> "dz/dx = 3" in dot.source
        True
    """
    import graphviz

    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    # numbers.Integral: np.int64 is taken as an int is (bool is not, np.bool_ is neither)
    if not isinstance(digits, numbers.Integral) or isinstance(digits, bool) or digits < 1:
        raise ValueError(f"draw_dot: digits must be an int >= 1, got {digits!r}")
    digits = int(digits)
    if max_nodes is not None and (
        not isinstance(max_nodes, numbers.Integral) or isinstance(max_nodes, bool)
        or max_nodes < 1
    ):
        raise ValueError(f"draw_dot: max_nodes must be an int >= 1 or None, got {max_nodes!r}")
    max_nodes = None if max_nodes is None else int(max_nodes)
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")

    order = topo_order(root)

    def hidden(node: Value) -> bool:
        return hide_constants and node.op == "const"

    shown = [node for node in order if not hidden(node)]
    if max_nodes is not None and len(shown) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(shown)} Values, more than max_nodes={max_nodes}; "
            f"a picture that big is hard to read. Pass max_nodes={len(shown)} (or None) to draw "
            f"it anyway, or hide_constants=True to leave out the constants"
        )

    if isinstance(highlight, str):
        highlight = _find(order, highlight)
    elif highlight is not None and not isinstance(highlight, Value):
        raise TypeError(
            f"draw_dot: highlight must be a Value, a label or None, got {type(highlight).__name__}"
        )
    if highlight is not None and highlight not in set(order):
        raise ValueError(f"draw_dot: highlight ({highlight!r}) is not used to compute the root")
    marked = _on_paths(order, highlight) if highlight is not None else set()

    # Names by position in the topological order: the same graph gives the same source.
    name = {node: f"v{i}" for i, node in enumerate(order)}
    shown_name = node_names(order)  # what a reader calls each node (the hover text)
    dot = graphviz.Digraph(
        format=format,
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10"},
    )

    for node in shown:
        on = node in marked
        fill = _HIGHLIGHT_FILL if on else (_LEAF_FILL if node.is_leaf else "white")
        color = HIGHLIGHT_COLOR if on else "black"
        cells = [f"<B>{_text(node.label)}</B>"] if node.label else []
        cells += [f"data {_num(node.data, digits)}", f"grad {_num(node.grad, digits)}"]
        row = "".join(f"<TD>{c}</TD>" for c in cells)
        label = (
            f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{color}" BGCOLOR="{fill}"><TR>{row}</TR></TABLE>>'
        )
        attrs = {"class": "value highlight" if on else "value"}
        attrs["tooltip"] = _tooltip(shown_name[node])
        dot.node(name[node], label=label, shape="plaintext", **attrs)
        if node.is_leaf:
            continue

        op_name = name[node] + "_op"
        symbol = _text(node._opdef.symbol)
        if hide_constants:
            consts = [(i, x) for i, x in enumerate(node.operands) if hidden(x)]
            if len(node.operands) == 2 and len(consts) == 1:
                i, c = consts[0]
                number = _text(_num(c.data, digits))
                symbol = f"{number} {symbol}" if i == 0 else f"{symbol} {number}"
            elif consts:
                symbol += " " + ", ".join(_text(_num(c.data, digits)) for _, c in consts)
        op = printable(node.op)
        made = f"{op} \u2192 {shown_name[node]}"  # mul → w35*y3
        op_attrs = {"class": "op highlight" if on else "op", "tooltip": _tooltip(made)}
        if on:
            op_attrs.update(color=HIGHLIGHT_COLOR, fontcolor=HIGHLIGHT_COLOR, penwidth="2")
        dot.node(op_name, label=f"<{symbol}>", shape="ellipse", **op_attrs)
        dot.edge(op_name, name[node], tooltip=_tooltip(made), **_edge_attrs(on))

        local = (
            node._opdef.local_grads(node.data, *[x.data for x in node.operands])
            if show_local_grads
            else ()
        )
        for i, operand in enumerate(node.operands):
            if hidden(operand):
                continue
            attrs = _edge_attrs(on and operand in marked)
            attrs["tooltip"] = _tooltip(
                f"{shown_name[operand]} \u2192 {shown_name[node]} (operand {i} of {op})")
            if show_local_grads:
                attrs["label"] = "<" + _text(_local_label(node, operand, local[i], digits)) + ">"
            dot.edge(name[operand], op_name, **attrs)
    return dot


def _edge_attrs(on: bool) -> dict[str, str]:
    if on:
        return {"class": "highlight", "color": HIGHLIGHT_COLOR, "penwidth": "2"}
    return {}


def _local_label(node: Value, operand: Value, value: float, digits: int) -> str:
    """'dz5/dw35 = 0.6803' when both ends are labelled, else just the number."""
    number = _num(value, digits)
    if node.label and operand.label:
        return f"d{node.label}/d{operand.label} = {number}"
    return number
