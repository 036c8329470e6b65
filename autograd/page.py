r"""`to_html(root)`: one self-contained page that steps through the forward and backward pass.

The page holds three things inline: the graph as `draw_dot` draws it (SVG rendered by `dot`,
so the picture is the one learners already know), the trace of `trace_backward` as JSON, and a
small script that walks it: first each Value's data in topological order, then the seed and one
`operand.grad += local_grad * upstream` per step, in `backward()`'s own order. No network access
(a Content-Security-Policy forbids any fetch), and it works opened from disk.

Every number shown is formatted here, in Python, from the engine's floats (the digits of
`draw_dot` and `explain`, and `repr` for the full ones); the script only chooses which strings
to show, so it can never round differently from the engine.

The page is made of parts (`page_parts`): the dot source of the picture and the step data, both
from Python, and the layout, which here is Graphviz's `dot` program. The browser playground lays
out the same dot source with Graphviz compiled to WebAssembly and mounts the same `page.js` on it
(`window.chainrulePage.mount(data, svgText)`), inside the same markup (`view_markup`).

Labels are text, never markup: in the SVG they are escaped by `draw_dot` and by `dot`; in the
JSON every `<`, `>` and `&` is written as a `\u` escape, so nothing ends the data block early;
and the script writes them with `textContent` only. The CSP allows only this page's own script
(by its hash), so even an injected `<script>` could not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ._files import write_atomic
from .backward_trace import BackwardTrace, trace_backward
from .draw import _num, draw_dot
from .naming import d as _d
from .naming import node_names, printable, symbol
from .value import Value

__all__ = ["BackwardPage", "PageParts", "asset", "page_parts", "to_html", "view_markup"]

# An n-ary operation with more operands than this is written with an ellipsis in the page.
_MAX_SHOWN_OPERANDS = 6


@dataclass(frozen=True)
class BackwardPage:
    """The page as a string (`.html`), with the trace it shows (`.trace`).

    `save(path)` writes it; Jupyter shows it inline (in a sandboxed frame, so its script and
    styles stay apart from the notebook's).

    Attributes:
        html: The page, one self-contained HTML document.
        trace: The forward and backward pass it steps through.

    Examples:
        >>> import os, tempfile
        >>> from autograd import Value, to_html
        >>> x = Value(2.0, label="x")
        >>> page = to_html(x * x)
        >>> folder = tempfile.TemporaryDirectory()
        >>> page.save(os.path.join(folder.name, "square.html")).name
        'square.html'
        >>> page.html.startswith("<!DOCTYPE html>")
        True
        >>> folder.cleanup()
    """

    html: str
    trace: BackwardTrace

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` atomically.

        A failed write (a full disk, a size limit) leaves an older file there intact; its mode
        is kept and a symlink is written through.

        Args:
            path: Where to write it (an .html file).

        Returns:
            The path written, as a `Path`.
        """
        path = Path(path)
        write_atomic(path, self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            'style="width: 100%; height: 640px; border: 1px solid #ccc"></iframe>'
        )

    def __repr__(self) -> str:
        n = len(self.trace.order)
        return (
            f"<BackwardPage: {n} Values, {len(self.trace.updates)} chain-rule updates, "
            f"{len(self.html.encode('utf-8'))} bytes>"
        )


@dataclass(frozen=True)
class PageParts:
    """What a stepping page is made of, before any layout (made by `page_parts`).

    Attributes:
        dot: The Graphviz source `draw_dot` writes, with the final gradients in the boxes (so
            each box is sized for the numbers it will show); lay it out with `dot -Tsvg` or
            any Graphviz (the playground's is WebAssembly).
        data: The steps as the page's script reads them: JSON-able, strings only, every number
            already formatted.
        trace: The `BackwardTrace` the data is written from.
        title: The page's title, as given.
    """

    dot: str
    data: dict[str, Any]
    trace: BackwardTrace
    title: str


def _operation_text(node: Value, parts: list[str]) -> str:
    """How the page writes the operation of `node` on `parts` (names or numbers)."""
    sym = symbol(node)
    if len(parts) == 2 and node.op not in ("sum", "logsumexp"):
        return f"{parts[0]} {sym} {parts[1]}"
    if node.op == "neg":
        return f"-{parts[0]}"
    if len(parts) > _MAX_SHOWN_OPERANDS:
        parts = parts[: _MAX_SHOWN_OPERANDS - 1] + [f"… ({len(parts)} operands) …", parts[-1]]
    return f"{sym}({', '.join(parts)})"


def _g(name: str) -> str:
    """g(w35), and g(w35 * y3) for the unlabelled node explain names (w35 * y3)."""
    inner = name[1:-1] if name.startswith("(") and name.endswith(")") else name
    return f"g({inner})"


def _data(trace: BackwardTrace, digits: int, highlight: str) -> dict[str, Any]:
    """The trace as the page reads it: strings only, every number already formatted.

    nodes[i]    the Value at position i of topo_order: its name (label, or explain's name),
                "g(name)", kind (leaf, const or the operation), formula, data and final grad
                (short and repr); for an operation also the practice hint: rule (the
                catalogue's formula of its local derivatives) and where (what out, a and b
                stand for here)
    updates[j]  backward()'s j-th update, as a row (short to keep a 500-Value page small):
                node, operand, target, then short and repr of local_grad, upstream,
                contribution, before and after, then completes (0/1), which arrow, and the
                catalogue's code for this local_grad ("b" for operand 0 of a * b)

    Practice mode checks an answer against the contribution's repr: the exact float the step
    adds, as the engine computes it.
    """
    order = list(trace.order)
    names = node_names(order)

    def n(x: float) -> str:
        return _num(x, digits)

    nodes = []
    for i, node in enumerate(order):
        if node.op == "const":
            kind, formula = "const", "a number written in the expression"
        elif node.is_leaf:
            kind, formula = "leaf", "a leaf: a Value you made"
        else:
            kind = node.op
            operands = node.operands
            formula = " = ".join([
                _operation_text(node, [names[x] for x in operands]),
                _operation_text(node, [n(x.data) for x in operands]),
            ])
            if node._opdef.closure:  # chainrule.micrograd's door: a hand-written _backward
                formula += (" (its local derivative is a _backward closure: the page shows the "
                            "numbers it gives, not a formula it cannot read)")
        entry = {
            "name": names[node], "d": _d(names[node]), "g": _g(names[node]),
            "label": printable(node.label), "kind": kind,
            "formula": formula,
            "data": n(node.data), "dataRepr": repr(node.data),
            "grad": n(trace.grads[i]), "gradRepr": repr(trace.grads[i]),
        }
        if node.operands:
            entry["rule"] = node._opdef.formula  # the catalogue's own words, never rewritten
            entry["where"] = _where(node, names, n)
        nodes.append(entry)
    updates: list[list[Any]] = [
        [u.node, u.operand, u.target, n(u.local_grad), repr(u.local_grad), n(u.upstream),
         repr(u.upstream), n(u.contribution), repr(u.contribution), n(u.before),
         repr(u.before), n(u.after), repr(u.after), int(u.completes)]
        for u in trace.updates
    ]
    # Which drawn arrow each update runs along: operand -> the node's oval; where one operation
    # uses the same Value twice (x * x) there are two such arrows, told apart by operand order.
    seen: dict[tuple[int, int], int] = {}
    for u, row in zip(trace.updates, updates):
        key = (u.target, u.node)
        row.append(seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
        code = order[u.node]._opdef.local_grad_code  # one expression per operand (one if n-ary)
        row.append(code[min(u.operand, len(code) - 1)] if code else "")
    return {
        "nodes": nodes,
        "updates": updates,
        "seed": [len(order) - 1, n(trace.upstream), repr(trace.upstream)],
        "zero": [n(0.0), repr(0.0)],  # backward() zeroes every gradient before it starts
        "highlight": highlight,
    }


def _where(node: Value, names: dict[Value, str], n: Any) -> str:
    """What the catalogue's names stand for at `node`, for practice mode's hint.

    "out = w35*y3 = 0.2041, a = w35 = 0.3, b = y3 = 0.6803"; an n-ary operation's `x` is the
    operand of the step.
    """
    parts = [f"out = {names[node]} = {n(node.data)}"]
    if node._opdef.arity in (1, 2):
        parts += [f"{letter} = {names[x]} = {n(x.data)}"
                  for letter, x in zip("ab", node.operands)]
    else:
        parts.append("x = the operand of this step")
    return ", ".join(parts)


def _json_for_html(data: dict[str, Any]) -> str:
    """JSON that cannot end its <script> block or open a tag, whatever the labels say."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, escape)
    return text


def _svg_for_html(svg: str) -> str:
    """The SVG of dot without its XML prolog, doctype and comments, ready to sit inside HTML."""
    start = svg.index("<svg")
    body = svg[start:]
    return re.sub(r"<!--.*?-->\n?", "", body, flags=re.DOTALL)


def asset(name: str) -> str:
    """The text of one of the page's files, to inline in a host page as `to_html` does.

    Args:
        name: "page.js" (the stepper) or "page.css" (its styles).

    Returns:
        The file's text.

    Raises:
        ValueError: `name` is neither of them.

    Examples:
        >>> from autograd.page import asset
        >>> "window.chainrulePage" in asset("page.js")
        True
    """
    if name not in _ASSETS:
        raise ValueError(f"asset: name must be one of {', '.join(map(repr, _ASSETS))}, "
                         f"got {name!r}")
    return resources.files("autograd").joinpath(name).read_text(encoding="utf-8")


_ASSETS = ("page.js", "page.css")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def page_parts(
    root: Value,
    *,
    highlight: Value | str | None = None,
    show_local_grads: bool = False,
    hide_constants: bool = False,
    max_nodes: int | None = 500,
    digits: int = 4,
    rankdir: str = "LR",
    upstream: float = 1.0,
    title: str = "Watch backward() step by step",
) -> PageParts:
    """The parts of `to_html`'s page before layout: the dot source, the step data and the trace.

    Takes `to_html`'s arguments, checked the same way (errors name `to_html`). It never runs
    Graphviz's `dot` program: the source is laid out by whoever shows the page (`to_html` with
    `dot`, the playground with Graphviz compiled to WebAssembly). Nothing in the graph is changed.

    Args:
        root: The Value whose forward and backward pass the page steps through.
        highlight: As `draw_dot`: a Value (or its label) whose paths to `root` are red.
        show_local_grads: As `draw_dot`: the local derivatives on the arrows.
        hide_constants: As `draw_dot`: lifted numbers written in their operation's oval.
        max_nodes: As `draw_dot`: refuse graphs with more Values; None for no limit.
        digits: Significant digits shown in the picture and the steps.
        rankdir: As `draw_dot`: "LR", "RL", "TB" or "BT".
        upstream: The seed of the backward pass, d root / d root.
        title: The page's title and heading.

    Returns:
        A `PageParts`: `.dot` (the Graphviz source, final gradients in the boxes), `.data`
        (the steps, JSON-able, every number a string), `.trace` and `.title`.

    Raises:
        TypeError: As `to_html`.
        ValueError: As `to_html`.

    Examples:
        >>> from autograd import Value
        >>> from autograd.page import page_parts
        >>> x = Value(2.0, label="x")
        >>> parts = page_parts(x * x + x)
        >>> parts.dot.startswith("digraph {")
        True
        >>> [n["name"] for n in parts.data["nodes"]], parts.data["nodes"][-1]["gradRepr"]
        (['x', 'x*x', 'x*x + x'], '1.0')
        >>> parts.data["nodes"][1]["rule"]
        'd(a*b)/da = b, d(a*b)/db = a'
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_html: root must be a Value, got {type(root).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"to_html: title must be a str, got {type(title).__name__}")

    def draw() -> Any:  # graphviz.Digraph
        return draw_dot(root, highlight=highlight, show_local_grads=show_local_grads,
                        hide_constants=hide_constants, max_nodes=max_nodes, digits=digits,
                        rankdir=rankdir)

    try:  # draw_dot's own checks (max_nodes first of all), before any work on a big graph
        draw()
    except (TypeError, ValueError) as error:
        raise type(error)(str(error).replace("draw_dot:", "to_html:", 1)) from None

    trace = trace_backward(root, upstream)
    # Draw with the final gradients in the boxes, so each box is sized for the numbers it will
    # show; the grads of the user's graph are put back as they were.
    saved = [node.grad for node in trace.order]
    try:
        for node, g in zip(trace.order, trace.grads):
            node.grad = g
        dot: str = draw().source
    finally:
        for node, g in zip(trace.order, saved):
            node.grad = g

    if isinstance(highlight, Value):
        highlight = node_names(list(trace.order))[highlight]
    data = _data(trace, digits, printable(highlight or ""))
    return PageParts(dot, data, trace, title)


def view_markup(title: str) -> str:
    """The HTML of the stepping view, for a host page that mounts `page.js` itself.

    The header (title, how to use it, the controls, the practice toggle and the panel), an
    empty `#graph` and the `#values` table. `to_html`'s page is this with the SVG inside
    `#graph`; a host page inserts it, inlines `asset("page.js")` and calls
    `window.chainrulePage.mount(data, svgText)`.

    Args:
        title: The heading; shown as text (escaped), never as markup.

    Returns:
        The markup, one string of HTML.

    Raises:
        TypeError: `title` is not a str.

    Examples:
        >>> from autograd.page import view_markup
        >>> markup = view_markup("x * x")
        >>> '<div id="graph"></div>' in markup and 'id="practice"' in markup
        True
    """
    if not isinstance(title, str):
        raise TypeError(f"view_markup: title must be a str, got {type(title).__name__}")
    return _VIEW.format(title=html.escape(printable(title)))


def to_html(
    root: Value,
    *,
    highlight: Value | str | None = None,
    show_local_grads: bool = False,
    hide_constants: bool = False,
    max_nodes: int | None = 500,
    digits: int = 4,
    rankdir: str = "LR",
    upstream: float = 1.0,
    title: str = "Watch backward() step by step",
) -> BackwardPage:
    """A page that steps through `root`'s forward pass and then `root.backward(upstream)`.

    The arguments shared with `draw_dot` mean the same and are checked the same way (a graph
    over `max_nodes` Values is refused, saying how to draw it anyway). Nothing in the graph is
    changed; the gradients shown are those `backward()` gives on fresh gradients. Rendering
    needs Graphviz's `dot` program.

    Args:
        root: The Value whose forward and backward pass the page steps through.
        highlight: As `draw_dot`: a Value (or its label) whose paths to `root` are red.
        show_local_grads: As `draw_dot`: the local derivatives on the arrows.
        hide_constants: As `draw_dot`: lifted numbers written in their operation's oval.
        max_nodes: As `draw_dot`: refuse graphs with more Values; None for no limit.
        digits: Significant digits shown in the picture and the steps.
        rankdir: As `draw_dot`: "LR", "RL", "TB" or "BT".
        upstream: The seed of the backward pass, d root / d root.
        title: The page's title and heading.

    Returns:
        A `BackwardPage`: `.html`, `.trace`, `.save(path)`; Jupyter shows it inline.

    Raises:
        TypeError: `root` is not a Value, `title` is not a str, or an argument shared with
            `draw_dot` has the wrong type.
        ValueError: An argument shared with `draw_dot` has a wrong value (the graph has more
            than `max_nodes` Values, ...).

    Examples:
        >>> from autograd import Value, to_html
        >>> x = Value(2.0, label="x")
        >>> page = to_html(x * x + x, title="x^2 + x")
        >>> page
        <BackwardPage: 3 Values, 4 chain-rule updates, ... bytes>
        >>> page.trace.grad(x)
        5.0
    """
    parts = page_parts(root, highlight=highlight, show_local_grads=show_local_grads,
                       hide_constants=hide_constants, max_nodes=max_nodes, digits=digits,
                       rankdir=rankdir, upstream=upstream, title=title)
    import graphviz

    svg = graphviz.pipe_string("dot", "svg", parts.dot, encoding="utf-8")
    script, style = asset("page.js"), asset("page.css")
    csp = (f"default-src 'none'; script-src {_csp_hash(script)}; "
           f"style-src {_csp_hash(style)}; img-src 'none'")
    view = view_markup(title).replace('<div id="graph"></div>',
                                      f'<div id="graph">{_svg_for_html(svg)}</div>', 1)
    page = _TEMPLATE.format(
        csp=html.escape(csp, quote=True), title=html.escape(printable(title)), style=style,
        view=view, data=_json_for_html(parts.data), script=script,
    )
    return BackwardPage(page, parts.trace)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{view}
<script type="application/json" id="trace">{data}</script>
<script>{script}</script>
</body>
</html>
"""

# The view itself: what to_html's page and a host page (the playground) both show.
_VIEW = """<header>
<h1>{title}</h1>
<p class="how">Step with the buttons, the arrow keys (&larr; &rarr;, Home, End) or the slider.
First the forward pass fills in each Value's data in topological order; then
<code>backward()</code> seeds the root and applies the chain rule,
<code>operand.grad += local_grad &times; upstream</code>, one update per step, in the order the
engine performs them. A node is <span class="key complete">complete</span> once every use of it
has passed its gradient back. Numbers to 4 significant digits; hover a box, or open the table
below, for all of them. The picture starts fitted to the window's width (never enlarged;
inside another page, never below 60%, so the labels stay readable); &minus; and + (or the keys
- and +) zoom, Fit (or 0) fits it again.
<b>Practice</b>: tick it, and at each backward step you compute what it adds before you see it.</p>
<div class="controls">
<button type="button" id="reset" title="back to the start (Home)">Reset</button>
<button type="button" id="prev" title="one step back (&larr;)">&larr; Prev</button>
<button type="button" id="next" title="one step on (&rarr;)">Next &rarr;</button>
<input type="range" id="slider" min="0" max="0" value="0" aria-label="jump to step">
<span id="counter"></span>
<label class="practice"><input type="checkbox" id="practice"> Practice</label>
<span id="score"></span>
<span class="zoom">
<button type="button" id="zoom-out" title="smaller (-)">&minus;</button>
<button type="button" id="fit" title="fit the picture to the window's width (0)">Fit</button>
<button type="button" id="zoom-in" title="larger (+)">+</button>
<span id="zoom-level"></span>
</span>
</div>
<div id="panel" aria-live="polite">
<div id="phase"></div>
<div id="headline"></div>
<div id="detail"></div>
<div id="running"></div>
<form id="quiz" hidden autocomplete="off">
<label for="answer">What does this step add? local_grad &times; upstream =</label>
<input type="text" id="answer" inputmode="decimal" spellcheck="false" size="24">
<button type="submit" id="check" title="check your number (Enter)">Check</button>
<button type="button" id="hint" title="the local derivative, from the catalogue">Hint</button>
<button type="button" id="skip" title="show this step without answering (&rarr;)">Show me</button>
<div id="feedback"></div>
<div id="hint-text" hidden></div>
</form>
<div id="status"></div>
<div id="legend"></div>
</div>
</header>
<main>
<div id="graph"></div>
<details id="table-box">
<summary>Every Value: data and running gradient, all digits (<code>repr</code>)</summary>
<table id="values"><thead><tr><th>#</th><th>name</th><th>operation</th><th>data</th>
<th>grad</th><th>complete</th></tr></thead><tbody></tbody></table>
</details>
</main>"""
