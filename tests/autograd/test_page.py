"""to_html() without a browser: what the file holds (one self-contained page, the trace as data,
labels as text) and how it refuses bad input. tests/autograd/test_page_browser.py runs it."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest

from autograd import CATALOGUE, BackwardPage, Value, draw_dot, to_html, topo_order
from autograd.page import asset, page_parts, view_markup
from autograd.naming import printable
from nn.examples.worked_example import START, forward
from tests.autograd.pages import HOSTILE, big_graph, hostile_graph

pytestmark = pytest.mark.needs_dot


def page_data(page: BackwardPage) -> dict:
    m = re.search(r'<script type="application/json" id="trace">(.*?)</script>', page.html,
                  re.DOTALL)
    assert m is not None
    return json.loads(m.group(1))


def test_one_self_contained_file():
    page = to_html(forward(START).error, highlight="w35")
    text = page.html
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # Nothing to fetch: no links, sources or imports, and a policy that forbids any fetch.
    assert not re.search(r"<(link|img|iframe|object|embed)\b", text)
    assert not re.search(r"\b(src|href)\s*=", text)
    assert "@import" not in text and "fetch(" not in text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # namespaces
    assert "default-src &#x27;none&#x27;" in text and "script-src &#x27;sha256-" in text
    assert text.count("<script") == 2 and text.count("</script>") == 2
    assert text.count("<svg") == 1 and "<?xml" not in text and "<!--" not in text
    # The picture is draw_dot's, node for node.
    assert text.count('class="node value') == len(topo_order(forward(START).error))
    assert 'class="node value highlight"' in text


def test_the_data_is_the_trace_in_strings():
    g = forward(START)
    page = to_html(g.error)
    data = page_data(page)
    order = list(page.trace.order)
    assert [n["name"] for n in data["nodes"]][:2] == [order[0].label or "0.5", order[1].label]
    g.error.backward()
    for node, entry in zip(order, data["nodes"]):
        assert entry["dataRepr"] == repr(node.data) and entry["gradRepr"] == repr(node.grad)
        assert entry["data"] == format(node.data + 0.0, ".4g")
    assert len(data["updates"]) == len(page.trace.updates) == 27
    w35 = next(e for e in data["nodes"] if e["name"] == "w35")
    row = next(r for r in data["updates"] if data["nodes"][r[2]] is w35)
    assert row[3:9:2] == ["0.6803", "0.04068", "0.02767"]  # local, upstream, contribution
    assert row[8] == "0.027674034938717867" and w35["g"] == "g(w35)"
    assert data["seed"] == [len(order) - 1, "1", "1.0"]
    z5_input = next(e for e in data["nodes"] if e["name"] == "w35*y3")
    assert z5_input["g"] == "g(w35*y3)" and z5_input["formula"] == "w35 * y3 = 0.3 * 0.6803"
    assert z5_input["d"] == "d(w35*y3)" and w35["d"] == "dw35"  # the local_grad line's names


def test_graph_is_left_as_it_was():
    g = forward(START)
    g.error.backward()
    for n in topo_order(g.error):
        n.grad += 5.0  # anything: to_html shows backward()'s gradients, not these
    before = [(n.data, n.grad) for n in topo_order(g.error)]
    page = to_html(g.error)
    assert [(n.data, n.grad) for n in topo_order(g.error)] == before
    assert page_data(page)["nodes"][-1]["gradRepr"] == "1.0"


def test_deterministic():
    assert to_html(forward(START).error).html == to_html(forward(START).error).html


class Tags(HTMLParser):
    """Every element an HTML parser finds in the page, with its attribute names."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[str]]] = []
        self.texts: list[str] = []  # the text of each <text> of the picture, unescaped

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [name for name, _ in attrs]))

    def handle_data(self, data):
        if self.tags and self.tags[-1][0] == "text":
            self.texts.append(data)


def test_hostile_labels_stay_text():
    page = to_html(hostile_graph(), show_local_grads=True)
    text = page.html
    parser = Tags()
    parser.feed(text)
    tags = {tag for tag, _ in parser.tags}
    assert tags == to_tags(to_html(forward(START).error, show_local_grads=True).html)
    assert "img" not in tags and [t for t, _ in parser.tags].count("script") == 2
    assert [t for t, _ in parser.tags].count("svg") == 1
    assert not [name for _, names in parser.tags for name in names if name.startswith("on")]
    names = [n["name"] for n in page_data(page)["nodes"]]
    for label in HOSTILE:
        # the data holds the labels as they are, but for control and bidi characters (U+2028
        # is shown as \u2028), and the picture shows them as text
        assert printable(label) in names
        assert printable(label) in parser.texts


def to_tags(text: str) -> set[str]:
    parser = Tags()
    parser.feed(text)
    return {tag for tag, _ in parser.tags}


def test_node_limit_is_draw_dots():
    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.01
    with pytest.raises(ValueError) as info:
        to_html(y)
    with pytest.raises(ValueError) as drawn:
        draw_dot(y)
    assert str(info.value) == str(drawn.value).replace("draw_dot:", "to_html:")
    assert "to_html: the graph has 601 Values, more than max_nodes=500" in str(info.value)
    assert len(to_html(y, hide_constants=True).trace.order) == 601


def test_500_values_under_2_mb():
    page = to_html(big_graph(500))
    size = len(page.html.encode("utf-8"))
    print(f"\n500 Values, {len(page.trace.updates)} updates: {size} bytes")
    assert size < 2_000_000
    assert "500 Values" in repr(page)


def test_jupyter_shows_it_in_a_sandboxed_frame():
    page = to_html(forward(START).error)
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=\"") and 'sandbox="allow-scripts"' in shown
    srcdoc = re.match(r'<iframe srcdoc="([^"]*)"', shown).group(1)
    assert html.unescape(srcdoc) == page.html


def test_save(tmp_path):
    page = to_html(forward(START).error)
    path = page.save(tmp_path / "p.html")
    assert path.read_text(encoding="utf-8") == page.html


def test_bad_input():
    g = forward(START)
    with pytest.raises(TypeError, match="to_html: root must be a Value, got float"):
        to_html(1.0)
    with pytest.raises(ValueError, match=r"to_html: highlight='w99' is not the label"):
        to_html(g.error, highlight="w99")
    with pytest.raises(ValueError, match="to_html: max_nodes must be an int >= 1 or None"):
        to_html(g.error, max_nodes=0)
    with pytest.raises(ValueError, match="to_html: digits must be an int >= 1"):
        to_html(g.error, digits=0)
    with pytest.raises(TypeError, match="to_html: title must be a str"):
        to_html(g.error, title=3)
    with pytest.raises(TypeError, match="trace_backward: needs a real number"):
        to_html(g.error, upstream="1")


def test_page_parts_are_what_to_html_lays_out(monkeypatch):
    root = forward(START).error
    kwargs = dict(highlight="w35", show_local_grads=True, title="parts")
    page = to_html(root, **kwargs)
    parts = page_parts(root, **kwargs)
    assert parts.data == page_data(page) and parts.title == "parts"
    assert parts.trace.grads == page.trace.grads
    # the dot source is draw_dot's, with backward()'s gradients in the boxes
    assert parts.dot.startswith("digraph {") and "rankdir=LR" in parts.dot
    assert "grad 0.02767" in parts.dot and 'class="value highlight"' in parts.dot
    assert json.loads(json.dumps(parts.data)) == parts.data
    # no dot program needed: with none on the PATH the parts are made, the page is not
    monkeypatch.setenv("PATH", "")
    assert page_parts(root, **kwargs) == parts
    with pytest.raises(Exception, match="dot"):
        to_html(root, **kwargs)


def test_page_parts_checks_as_to_html():
    g = forward(START)
    with pytest.raises(TypeError, match="to_html: root must be a Value, got float"):
        page_parts(1.0)
    with pytest.raises(ValueError, match=r"to_html: highlight='w99' is not the label"):
        page_parts(g.error, highlight="w99")
    with pytest.raises(TypeError, match="to_html: title must be a str"):
        page_parts(g.error, title=None)


def test_view_markup_is_the_pages_body():
    markup = view_markup("a <title> & more")
    assert "<h1>a &lt;title&gt; &amp; more</h1>" in markup
    assert '<div id="graph"></div>' in markup and '<table id="values">' in markup
    for element in ('id="practice"', 'id="answer"', 'id="feedback"', 'id="score"', 'id="hint"',
                    'id="slider"', 'id="panel"'):
        assert markup.count(element) == 1, element
    page = to_html(forward(START).error, title="a <title> & more").html
    before, svg_and_after = page.split('<div id="graph">', 1)
    assert markup.split('<div id="graph">', 1)[0] in before
    assert markup.split('<div id="graph"></div>', 1)[1] in svg_and_after
    with pytest.raises(TypeError, match="view_markup: title must be a str"):
        view_markup(3)


def test_asset_is_the_inlined_script_and_style():
    page = to_html(forward(START).error).html
    assert f"<script>{asset('page.js')}</script>" in page
    assert f"<style>{asset('page.css')}</style>" in page
    assert "window.chainrulePage = { mount }" in asset("page.js")
    with pytest.raises(ValueError, match="asset: name must be one of 'page.js', 'page.css'"):
        asset("../ops.py")


def test_practice_data_comes_from_the_catalogue():
    g = forward(START)
    parts = page_parts(g.error)
    order = list(parts.trace.order)
    for node, entry in zip(order, parts.data["nodes"]):
        if node.operands:
            assert entry["rule"] == CATALOGUE[node.op].formula
            assert entry["where"].startswith(f"out = {entry['name']} = {entry['data']}")
        else:
            assert "rule" not in entry
    for u, row in zip(parts.trace.updates, parts.data["updates"]):
        op = CATALOGUE[order[u.node].op]
        assert row[15] == op.local_grad_code[min(u.operand, len(op.local_grad_code) - 1)]
        assert float(row[8]) == u.contribution == u.local_grad * u.upstream  # the exact answer
    mul = next(e for e in parts.data["nodes"] if e["name"] == "w35*y3")
    assert mul["where"] == "out = w35*y3 = 0.2041, a = w35 = 0.3, b = y3 = 0.6803"
    assert mul["rule"] == "d(a*b)/da = b, d(a*b)/db = a"
