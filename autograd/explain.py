"""`explain(output, wrt)`: the chain rule of one gradient, written out with symbols and numbers.

    >>> from nn.examples.worked_example import forward, START
    >>> g = forward(START)
    >>> print(explain(g.error, g.weights["w35"]))
    dE/dw35 = dE/dyp * dyp/dz5 * dz5/dw35 = 0.1903 * 0.2138 * 0.6803 = 0.02767

How it reads the graph. It keeps the Values that lie on some path from `wrt` up to `output`
(those that depend on `wrt`) and the edges between them; each edge carries the local derivative
d(result)/d(operand) from the operation's catalogue entry, the same number `backward()` uses.

How it collapses. A learner thinks in the names they gave (E, yp, z5, w35), not in the unnamed
nodes that `0.5 * (yp - 0.5) ** 2` or `w35 * y3 + w45 * y4` create. So the kept nodes
("stations") are `output`, `wrt`, every labelled Value, and every unlabelled Value where paths
branch or join (more than one edge in or out). A run of unlabelled single-edge nodes between two
stations becomes one factor: the product of its local derivatives. dE/dyp is then
0.5 * 2*(yp - 0.5) * 1 (the mul, the pow and the sub), as the post writes it. `collapse=False`
keeps every node. Nodes are named as the stepping page names them (autograd.naming): a label,
shown as `repr` shows it (no control or bidi character reaches the terminal), else the
expression, e.g. `w35*y3 + w45*y4`, or, when that gets long, the operation and a stable index
(`add#2`, the second add in topological order); unlabelled leaves are v0, v1, ... Where one
operation uses the same Value twice (x * x), the factor says which operand of the upper node it
starts from ("via the left operand"); where two collapsed runs join the same two stations, it
names the node each run starts from ("via tanh(x*3)").

How it sums. With one path the gradient is the product along it. With several, the sum over
paths, one line each. Past `max_paths` (their number grows exponentially with shared
subexpressions) it shows instead the per-node accumulation that `backward()` performs: each
station's gradient as the sum over its users of (their gradient * local factor).

The numbers. `Explanation.value` is computed in exactly the engine's order (reverse topological
order, operands in order, `grad += local * upstream`), so it equals, bit for bit, the `wrt.grad`
that `output.backward()` leaves on fresh gradients. Each path's value is multiplied edge by edge
from the output down, as the engine does, so a single path gives the same bits too; a sum over
several paths regroups the same products and agrees to rounding (about 1e-15 relative). Factors
are printed to `digits` significant digits. Nothing in the graph is changed.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass
from typing import Optional

from .backward import topo_order
from .naming import d as _d
from .naming import node_names
from .value import Value

__all__ = ["explain", "Explanation", "Factor", "Path", "Step"]


@dataclass(frozen=True)
class Factor:
    """d upper / d lower along one run of edges: the product of their local derivatives."""

    upper: str
    lower: str
    value: float
    operand: Optional[int] = None  # which operand of `upper` the run starts from, if ambiguous
    upper_tex: str = ""
    lower_tex: str = ""
    arity: int = 2  # of `upper`'s operation, to say which operand in words
    # The operand the run starts from, by name, when it is not `lower` itself (the run passes
    # through unlabelled nodes): the same name the page gives that node.
    via: str = ""
    via_tex: str = ""

    @property
    def symbol(self) -> str:
        """The factor in text, `dyp/dz5` (with the operand it starts from, if ambiguous)."""
        text = f"{_d(self.upper)}/{_d(self.lower)}"
        if self.operand is None:
            return text
        return f"{text} ({f'via {self.via}' if self.via else _which(self.operand, self.arity)})"

    @property
    def tex(self) -> str:
        """The factor in LaTeX, a partial-derivative fraction."""
        text = rf"\frac{{\partial {self.upper_tex}}}{{\partial {self.lower_tex}}}"
        if self.operand is None:
            return text
        if self.via:
            return rf"{text}\big|_{{\text{{via }} {self.via_tex}}}"
        return rf"{text}\big|_{{\text{{{_which(self.operand, self.arity)}}}}}"


@dataclass(frozen=True)
class Path:
    """One path from `wrt` up to `output`: its factors from the output down, and their product."""

    factors: tuple[Factor, ...]
    value: float


@dataclass(frozen=True)
class Step:
    """Per-node accumulation: d output / d node = sum over its users of upper gradient * factor."""

    name: str
    tex: str
    # (gradient of the upper station, None when it is the output; the factor down to this node)
    terms: tuple[tuple[Optional[float], Factor], ...]
    value: float


@dataclass(frozen=True)
class Explanation:
    """The chain rule of d output / d wrt, as `explain` returns it.

    `.text` (also `str()`), `.latex` (shown by Jupyter), and `.value`, equal to the `wrt.grad`
    that `backward()` gives.

    Attributes:
        output: The output's name, as the page and `explain` write it.
        wrt: The name of the Value differentiated with respect to.
        value: d output / d wrt, bit for bit the `wrt.grad` of `output.backward()`.
        n_paths: How many paths lead from `wrt` up to `output`.
        paths: Each path's factors and product (empty past `max_paths`).
        steps: The per-node accumulation, filled only past `max_paths`.

    Examples:
        >>> from autograd import Value, explain
        >>> x = Value(2.0, label="x")
        >>> y = x * x; y.label = "y"
        >>> e = explain(y, x)
        >>> e.mode, e.n_paths, e.value
        ('paths', 2, 4.0)
        >>> e
        <Explanation dy/dx = 4.0 (2 paths)>
    """

    output: str
    wrt: str
    output_tex: str
    wrt_tex: str
    value: float
    n_paths: int
    paths: tuple[Path, ...]  # empty when there were more than max_paths
    steps: tuple[Step, ...]  # filled only then
    max_paths: int
    digits: int = 4

    @property
    def mode(self) -> str:
        """'paths' (sum over paths written out) or 'nodes' (per-node accumulation)."""
        return "paths" if self.paths else "nodes"

    @property
    def path_sum(self) -> float:
        """The sum of the paths' products, in path order (NaN in 'nodes' mode)."""
        if not self.paths:
            return float("nan")
        total = 0.0
        for path in self.paths:
            total += path.value
        return total

    def _n(self, x: float) -> str:
        return format(x + 0.0, f".{self.digits}g")  # + 0.0: -0.0 reads as 0

    @property
    def head(self) -> str:
        """The gradient's symbol, `dE/dw35`."""
        return f"{_d(self.output)}/{_d(self.wrt)}"

    @property
    def text(self) -> str:
        """The breakdown in plain text: symbols, then numbers, then the gradient."""
        head, n = self.head, self._n
        if len(self.paths) == 1:
            factors = self.paths[0].factors
            return _chain(
                head,
                " * ".join(f.symbol for f in factors),
                _product([n(f.value) for f in factors], " * "),
                n(self.value),
            )
        if self.paths:
            count = len(self.paths)
            lines = [f"{head} = sum over the {count} paths from {self.wrt} to {self.output}:"]
            for k, path in enumerate(self.paths, 1):
                lines.append(f"  path {k}: " + _chain(
                    " * ".join(f.symbol for f in path.factors),
                    _product([n(f.value) for f in path.factors], " * "),
                    n(path.value),
                ))
            lines.append(_chain(head, _total([n(p.value) for p in self.paths]), n(self.value)))
            return "\n".join(lines)
        lines = [
            f"{head}: {self.n_paths} paths from {self.wrt} to {self.output}, more than "
            f"max_paths={self.max_paths}; summed node by node instead, as backward() does:"
        ]
        for step in self.steps:
            symbols = " + ".join(
                f.symbol if g is None else f"{_d(self.output)}/{_d(f.upper)} * {f.symbol}"
                for g, f in step.terms
            )
            numbers = _total([
                n(f.value) if g is None else _product([n(g), n(f.value)], " * ")
                for g, f in step.terms
            ])
            lhs = f"{_d(self.output)}/{_d(step.name)}"
            lines.append("  " + _chain(lhs, symbols, numbers, n(step.value)))
        lines.append(f"{head} = {n(self.value)}")
        return "\n".join(lines)

    @property
    def latex(self) -> str:
        """The same breakdown in LaTeX (an `aligned` block when it takes several lines)."""
        n = self._n
        head = rf"\frac{{\partial {self.output_tex}}}{{\partial {self.wrt_tex}}}"
        dot = r" \cdot "
        if len(self.paths) == 1:
            factors = self.paths[0].factors
            return _chain(
                head,
                dot.join(f.tex for f in factors),
                _product([n(f.value) for f in factors], dot),
                n(self.value),
            )
        lines = []
        if self.paths:
            lines.append(rf"{head} &= \sum_{{\text{{{len(self.paths)} paths}}}}")
            for k, path in enumerate(self.paths, 1):
                lines.append(rf"&\quad \text{{path {k}: }} " + _chain(
                    dot.join(f.tex for f in path.factors),
                    _product([n(f.value) for f in path.factors], dot),
                    n(path.value),
                ))
            lines.append("&= " + _chain(_total([n(p.value) for p in self.paths]), n(self.value)))
        else:
            lines.append(rf"{head} &: \text{{{self.n_paths} paths, summed node by node}}")
            for step in self.steps:
                lhs = rf"\frac{{\partial {self.output_tex}}}{{\partial {step.tex}}}"
                symbols = " + ".join(
                    f.tex if g is None
                    else rf"\frac{{\partial {self.output_tex}}}{{\partial {f.upper_tex}}}"
                    + dot + f.tex
                    for g, f in step.terms
                )
                numbers = _total([
                    n(f.value) if g is None else _product([n(g), n(f.value)], dot)
                    for g, f in step.terms
                ])
                lines.append(f"{lhs} &= " + _chain(symbols, numbers, n(step.value)))
            lines.append(f"{head} &= {n(self.value)}")
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        count = f"{self.n_paths} path" + ("" if self.n_paths == 1 else "s")
        return f"<Explanation {self.head} = {self.value!r} ({count})>"

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"


def _chain(*parts: str) -> str:
    """'a = b = c', leaving out empty parts and a part equal to the one before."""
    kept: list[str] = []
    for part in parts:
        if part and (not kept or part != kept[-1]):
            kept.append(part)
    return " = ".join(kept)


def _product(numbers: list[str], sep: str) -> str:
    """0.5 * (-0.3): a negative factor after the first in parentheses."""
    return sep.join(
        x if i == 0 or not x.startswith("-") else f"({x})" for i, x in enumerate(numbers)
    )


def _total(terms: list[str]) -> str:
    """Write a - b rather than a + -b."""
    text = terms[0] if terms else ""
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def _latex_name(name: str, labelled: bool) -> str:
    """w35 -> w_{35}, yp -> y_{p}, E -> E; anything else upright, with TeX's specials escaped."""
    if labelled:
        m = re.fullmatch(r"([A-Za-z])(\d+|[a-z])", name)
        if m:
            return f"{m.group(1)}_{{{m.group(2)}}}"
        if re.fullmatch(r"[A-Za-z]", name):
            return name
    specials = {
        "\\": r"\backslash ", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\hat{}", "#": r"\#",
        "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\sim ", " ": r"\ ", "\n": r"\ ",
        # < and > are fine in TeX, but Jupyter's MathJax output is HTML: no tags from a label.
        "<": r"\lt ", ">": r"\gt ", "\r": r"\ ", "\t": r"\ ",
    }
    return r"\mathrm{" + "".join(specials.get(c, c) for c in name) + "}"


def _which(operand: int, arity: int) -> str:
    """Which operand a factor starts from, in words: x * x uses x as both."""
    if arity == 2:
        return "via the left operand" if operand == 0 else "via the right operand"
    return f"via operand {operand}"


def explain(
    output: Value,
    wrt: Value,
    *,
    max_paths: int = 16,
    collapse: bool = True,
    digits: int = 4,
) -> Explanation:
    """The chain-rule breakdown of d output / d wrt, with symbols and numbers.

    `print()` it for text, show it in Jupyter for LaTeX; `.value` is the gradient itself.
    How it reads the graph: it keeps the Values on some path from `wrt` up to `output`, names
    them as the stepping page does, and collapses runs of unlabelled single-edge nodes into one
    factor, so the factors are in the names a learner gave (E, yp, z5, w35). With one path the
    gradient is the product along it; with several, the sum over paths; past `max_paths`, the
    per-node accumulation that `backward()` performs. Nothing in the graph is changed.

    Args:
        output: The Value differentiated (the loss, usually).
        wrt: The Value it is differentiated with respect to.
        max_paths: Past this many paths, show the per-node accumulation instead.
        collapse: Collapse runs of unlabelled nodes into one factor (False keeps every node).
        digits: Significant digits of the printed factors.

    Returns:
        An `Explanation`: its `.text`, `.latex` and `.value`.

    Raises:
        TypeError: `output` or `wrt` is not a Value, or `max_paths` or `digits` is not an int.
        ValueError: `max_paths` or `digits` is < 1, or `wrt` is not used to compute `output`.

    Examples:
        >>> from nn.examples.worked_example import forward, START
        >>> g = forward(START)
        >>> print(explain(g.error, g.weights["w35"]))
        dE/dw35 = dE/dyp * dyp/dz5 * dz5/dw35 = 0.1903 * 0.2138 * 0.6803 = 0.02767
    """
    if not isinstance(output, Value):
        raise TypeError(f"explain: output must be a Value, got {type(output).__name__}")
    if not isinstance(wrt, Value):
        raise TypeError(f"explain: wrt must be a Value, got {type(wrt).__name__}")
    for name, n, least in (("max_paths", max_paths, 1), ("digits", digits, 1)):
        if not isinstance(n, numbers.Integral) or isinstance(n, bool):  # np.int64 too
            raise TypeError(f"explain: {name} must be an int, got {type(n).__name__}")
        if n < least:
            raise ValueError(f"explain: {name} must be >= {least}, got {n}")
    max_paths, digits = int(max_paths), int(digits)

    order = topo_order(output)
    # The nodes on some path from wrt up to output: wrt, and every node with such an operand.
    on = {wrt}
    for node in order:
        if node is not wrt and any(x in on for x in node.operands):
            on.add(node)
    if output not in on:
        raise ValueError(
            f"explain: wrt ({wrt!r}) is not used to compute the output ({output!r}), so there is "
            f"no chain to explain (its gradient is 0)"
        )
    kept = [node for node in order if node in on]  # topological order, wrt first

    # The edges (operand index, operand) between kept nodes, with their local derivatives.
    edges: dict[Value, list[tuple[int, Value]]] = {}
    local: dict[Value, tuple[float, ...]] = {}
    ups: dict[Value, int] = {node: 0 for node in kept}
    for node in kept:
        if node is wrt:
            edges[node] = []
            continue
        edges[node] = [(i, x) for i, x in enumerate(node.operands) if x in on]
        local[node] = node._opdef.local_grads(node.data, *[x.data for x in node.operands])
        for _, x in edges[node]:
            ups[x] += 1

    # The gradient in backward()'s own order: bit for bit what it puts in wrt.grad.
    grads = {node: 0.0 for node in kept}
    grads[output] = 1.0
    for node in reversed(kept):
        upstream = grads[node]
        for i, x in edges[node]:
            grads[x] += local[node][i] * upstream
    value = grads[wrt]

    # How many paths (Python ints: no overflow however many).
    count = {wrt: 1}
    for node in kept:
        if node is not wrt:
            count[node] = sum(count[x] for _, x in edges[node])
    n_paths = count[output]

    names = node_names(order)

    def station(node: Value) -> bool:
        return (
            not collapse or node is output or node is wrt or bool(node.label)
            or ups[node] != 1 or len(edges[node]) != 1
        )

    def tex(node: Value) -> str:
        return _latex_name(names[node], bool(node.label))

    # Segments: from each station, each edge followed through non-stations to the next station.
    segments: dict[Value, list[tuple[Value, list[float], Factor]]] = {}
    for node in kept:
        if not station(node) or node is wrt:
            continue
        runs = []
        for i, x in edges[node]:
            locals_ = [local[node][i]]
            low = x
            while not station(low):
                j, below = edges[low][0]
                locals_.append(local[low][j])
                low = below
            runs.append((i, low, locals_))
        for i, low, locals_ in runs:
            product = locals_[0]
            for d in locals_[1:]:
                product = d * product
            # Say which operand when two runs join the same stations, or when a direct edge from
            # the output would read like the whole gradient d output / d low (low has other users).
            shared = sum(1 for _, other, _ in runs if other is low) > 1 or (
                node is output and ups[low] > 1
            )
            start = node.operands[i]
            via = names[start] if shared and start is not low else ""
            factor = Factor(names[node], names[low], product, i if shared else None,
                            tex(node), tex(low), len(node.operands), via,
                            tex(start) if via else "")
            segments.setdefault(node, []).append((low, locals_, factor))

    paths: list[Path] = []
    steps: list[Step] = []
    if n_paths <= max_paths:
        # Depth first with an explicit stack; pushed in reverse so operands come out in order.
        # Each stack entry points at its last factor in `trail` (factor, index of the one
        # before), so a long path is not copied at every step.
        trail: list[tuple[Factor, int]] = []
        stack: list[tuple[Value, int, float]] = [(output, -1, 1.0)]
        while stack:
            node, last, acc = stack.pop()
            if node is wrt:
                factors = []
                while last >= 0:
                    factor, last = trail[last]
                    factors.append(factor)
                paths.append(Path(tuple(reversed(factors)), acc))
                continue
            for low, locals_, factor in reversed(segments.get(node, [])):
                a = acc
                for d in locals_:  # edge by edge from the top, as backward() multiplies
                    a = d * a
                trail.append((factor, last))
                stack.append((low, len(trail) - 1, a))
    else:
        station_grad = {output: 1.0}
        incoming: dict[Value, list[tuple[Value, Factor]]] = {}
        for node in reversed(kept):
            for low, _, factor in segments.get(node, ()):
                incoming.setdefault(low, []).append((node, factor))
        for node in reversed(kept):
            if node is output or node not in incoming:
                continue
            total = 0.0
            terms = []
            for upper, factor in incoming[node]:
                g = station_grad[upper]
                total += factor.value * g
                terms.append((None if upper is output else g, factor))
            station_grad[node] = total
            steps.append(Step(names[node], tex(node), tuple(terms), total))

    return Explanation(
        output=names[output], wrt=names[wrt], output_tex=tex(output), wrt_tex=tex(wrt),
        value=value, n_paths=n_paths, paths=tuple(paths), steps=tuple(steps),
        max_paths=max_paths, digits=digits,
    )
