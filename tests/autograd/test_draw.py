"""draw_dot(): the graph as a graphviz picture. The SVG tests render with the real `dot` program
(Debian's graphviz package) and read the result as XML."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, draw_dot, topo_order
from autograd.draw import HIGHLIGHT_COLOR
from nn.examples.worked_example import START, forward

graphviz = pytest.importorskip("graphviz", reason="draw_dot returns a graphviz.Digraph")
needs_dot = pytest.mark.needs_dot
SVG = "{http://www.w3.org/2000/svg}"


def worked():
    g = forward(START)
    g.error.backward()
    return g


def render(dot) -> dict[str, dict]:
    """Render to SVG with `dot` and read it: per graph node (by its DOT name) its class, its
    texts and its stroke colours. Parsing fails if the picture is not well-formed XML."""
    root = ET.fromstring(dot.pipe(format="svg"))
    nodes = {}
    for group in root.iter(f"{SVG}g"):
        if "node" not in group.get("class", "").split():
            continue
        nodes[group.find(f"{SVG}title").text] = {
            "class": group.get("class").split(),
            "texts": [t.text for t in group.iter(f"{SVG}text")],
            # (the shapes sit in the <a> that carries the hover text)
            "strokes": {e.get("stroke") for e in group.iter() if e.get("stroke")},
        }
    return nodes


def fmt(x: float) -> str:
    return format(x, ".4g")


@needs_dot
def test_every_value_shows_label_data_and_grad():
    g = worked()
    svg = render(draw_dot(g.error))
    order = topo_order(g.error)
    ops = [node for node in order if not node.is_leaf]
    assert len(svg) == len(order) + len(ops)  # one box per Value, one oval per operation
    for i, node in enumerate(order):
        texts = svg[f"v{i}"]["texts"]  # nodes are named by their place in topo_order
        if node.label:
            assert node.label in texts
        assert f"data {fmt(node.data)}" in texts and f"grad {fmt(node.grad)}" in texts
    for name in ("w35", "yp", "E"):
        assert name in sum((n["texts"] for n in svg.values()), [])
    assert "grad 0.02767" in svg[f"v{order.index(g.weights['w35'])}"]["texts"]
    symbols = sorted(svg[f"v{order.index(n)}_op"]["texts"][0] for n in ops)
    assert symbols == sorted(n._opdef.symbol for n in ops)


@needs_dot
def test_highlight_marks_the_w35_path_and_nothing_else():
    g = worked()
    order = topo_order(g.error)
    svg = render(draw_dot(g.error, highlight=g.weights["w35"]))
    # w35 -> (w35*y3) -> z5 -> yp -> (yp - 0.5) -> (...)**2 -> E: the Values that depend on w35.
    w35 = g.weights["w35"]
    on_path = {w35, g.z5.operands[0], g.z5, g.yp, g.error, g.error.operands[1],
               g.error.operands[1].operands[0]}
    for i, node in enumerate(order):
        marked = "highlight" in svg[f"v{i}"]["class"]
        assert marked == (node in on_path), node
        assert (HIGHLIGHT_COLOR in svg[f"v{i}"]["strokes"]) == (node in on_path), node
        if not node.is_leaf:
            assert ("highlight" in svg[f"v{i}_op"]["class"]) == (node in on_path), node
    # By label, the same picture.
    assert draw_dot(g.error, highlight="w35").source == draw_dot(g.error, highlight=w35).source


def test_highlighted_edges_are_those_of_the_path():
    g = worked()
    dot = draw_dot(g.error, highlight="w13")
    marked = [line for line in dot.body if "->" in line and "class=highlight" in line]
    # w13 -> mul -> z3 -> y3 -> mul -> z5 -> yp -> sub -> pow -> mul(E): 9 operations, 2 edges each
    assert len(marked) == 18
    assert all(f'color="{HIGHLIGHT_COLOR}"' in line for line in marked)


HOSTILE = [
    'a"b<c>{d}|e\nf',
    '"]; evil [label="x',
    "</TD></TR></TABLE>> shape=box] injected [label=<",
    "back\\slash \\N \\G \\L",
    "&amp; &lt; ' tab\tbell\x07",
]


@needs_dot
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped(label):
    a = Value(2.0, label=label)
    b = Value(3.0, label="b")
    c = a * b
    c.label = label
    c.backward()
    dot = draw_dot(c, show_local_grads=True)
    svg = render(dot)  # well-formed XML, or this raises
    assert sorted(svg) == ["v0", "v1", "v2", "v2_op"]  # nothing injected, nothing lost
    shown = "\n".join(t for t in svg["v0"]["texts"] if not t.startswith(("data", "grad")))
    expected = label.replace("\x07", "\\x07").replace("\t", "\\t")  # as repr writes them
    assert shown == expected
    assert "evil" not in "".join(svg)
    edge_texts = ET.fromstring(dot.pipe(format="svg")).iter(f"{SVG}text")
    assert f"d{expected}/d{expected} = 3" in "\n".join(t.text for t in edge_texts)


def test_local_grads_on_the_edges():
    g = worked()
    source = draw_dot(g.error, show_local_grads=True).source
    assert "label=<dyp/dz5 = 0.2138>" in source
    assert "label=<dy3/dz3 = 0.2175>" in source
    assert "label=<0.6803>" in source  # d(w35*y3)/dw35 = y3: one end is unlabelled
    assert "label=<" + fmt(2 * 0.19028349290764435) + ">" in source  # d(s**2)/ds = 2s
    assert "label=<0.6803>" not in draw_dot(g.error).source


def test_hide_constants():
    g = worked()
    shown = draw_dot(g.error)
    hidden = draw_dot(g.error, hide_constants=True)
    consts = [n for n in topo_order(g.error) if n.op == "const"]
    assert len(consts) == 3  # 0.5 (ya), 2, 0.5
    boxes = lambda dot: sum("shape=plaintext" in line for line in dot.body)  # noqa: E731
    assert boxes(shown) - boxes(hidden) == 3
    for op_label in ("label=<- 0.5>", "label=<** 2>", "label=<0.5 *>"):
        assert op_label in hidden.source and op_label not in shown.source


def test_node_limit_says_how_to_raise_it():
    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.01  # 300 products and 300 constants: 601 Values
    with pytest.raises(ValueError) as info:
        draw_dot(y)
    message = str(info.value)
    assert "the graph has 601 Values, more than max_nodes=500" in message
    assert "max_nodes=601" in message
    assert draw_dot(y, max_nodes=601).source.count("shape=ellipse") == 300
    assert draw_dot(y, hide_constants=True).source.count("shape=plaintext") == 301
    with pytest.raises(ValueError, match="max_nodes=10"):
        draw_dot(y, max_nodes=10, hide_constants=True)


def test_deep_graph_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(5000):
        y = y.tanh()
    dot = draw_dot(y, max_nodes=None, highlight=x)
    assert dot.source.count("shape=ellipse") == 5000
    assert dot.source.count('class="value highlight"') == 5001


def test_returns_a_digraph_left_to_right_for_jupyter():
    g = worked()
    dot = draw_dot(g.error)
    assert isinstance(dot, graphviz.Digraph)
    assert hasattr(dot, "_repr_mimebundle_")  # shown inline by Jupyter
    assert "rankdir=LR" in dot.source
    assert "rankdir=TB" in draw_dot(g.error, rankdir="TB").source
    assert draw_dot(worked().error).source == dot.source  # the same graph, the same picture
    assert dot.format == "svg" and draw_dot(g.error, format="png").format == "png"


def test_digits():
    g = worked()
    assert "grad 0.027674035" in draw_dot(g.error, digits=8).source
    assert "grad 0.03<" in draw_dot(g.error, digits=1).source


def test_bad_arguments():
    g = worked()
    with pytest.raises(TypeError, match="draw_dot: root must be a Value, got float"):
        draw_dot(1.0)
    with pytest.raises(ValueError, match=r"highlight='w99' is not the label.*w13"):
        draw_dot(g.error, highlight="w99")
    with pytest.raises(ValueError, match="is not used to compute the root"):
        draw_dot(g.error, highlight=Value(1.0))
    with pytest.raises(TypeError, match="highlight must be a Value, a label or None"):
        draw_dot(g.error, highlight=3)
    a, b = Value(1.0, label="same"), Value(2.0, label="same")
    with pytest.raises(ValueError, match="labels 2 Values; pass the Value itself"):
        draw_dot(a + b, highlight="same")
    with pytest.raises(ValueError, match="max_nodes must be an int >= 1 or None"):
        draw_dot(g.error, max_nodes=0)
    with pytest.raises(ValueError, match="digits must be an int >= 1"):
        draw_dot(g.error, digits=0)
    with pytest.raises(ValueError, match="rankdir must be"):
        draw_dot(g.error, rankdir="up")


def test_import_autograd_does_not_import_graphviz():
    code = "import sys, autograd; print('graphviz' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
