"""Graphs for the to_html tests: a big one at draw_dot's node limit, and one with hostile labels."""

from __future__ import annotations

from autograd import Value

# Labels that would run script, or add elements, if any of them reached the page as markup.
HOSTILE = (
    "</script><script>window.__pwned = 1; alert(1)</script>",
    '<img src=x onerror="window.__pwned = 2; alert(2)">',
    '"><svg onload="window.__pwned = 3; alert(3)"></svg>',
    "&lt;b&gt; & \u2028 ]]> <!--",
)


def hostile_graph() -> Value:
    a, b, c, d = (Value(x, label=label) for x, label in zip((2.0, -3.0, 0.5, 1.5), HOSTILE))
    out = (a * b + c).tanh() * d
    out.label = HOSTILE[0]
    return out


def big_graph(size: int = 500) -> Value:
    """A graph of exactly `size` Values (size even, >= 8): a recurrence
    y[k+1] = tanh(w[k] * y[k] + y[k-1]), so each y is used twice and many paths lead from the
    first leaves to the root, ending in root = y[-1] * v. Four Values a step, no constants, and
    a shape that `dot` lays out in seconds."""
    if size % 2 or size < 8:
        raise ValueError(f"big_graph: size must be even and >= 8, got {size}")
    ys = [Value(0.5, label="y0"), Value(-0.25, label="y1")]
    for k in range((size - 4) // 4):
        w = Value(0.9 - 0.003 * k, label=f"w{k}")
        ys.append((w * ys[-1] + ys[-2]).tanh())
    root = ys[-1] * Value(1.5, label="v")
    if (size - 4) % 4:  # two Values short: one more leaf and product
        root = root * Value(0.5, label="u")
    return root
