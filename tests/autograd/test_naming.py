"""One name per node for explain, the page and the pictures (autograd.naming), and no label
that can drive a terminal: control and bidi characters are shown as repr shows them."""

from __future__ import annotations

import json
import re

import pytest

from tests.needs import require_dot

import autograd
from autograd import Value, draw_dot, explain, topo_order
from autograd.naming import node_names, printable

NASTY = "\x1b[2J\x07ok\u202eevil\u2066\n\u2028"


def visible(text: str) -> bool:
    """No character a terminal would act on (newlines between lines allowed)."""
    return all(line.isprintable() for line in text.split("\n"))


def test_printable_writes_what_repr_writes():
    assert printable(NASTY) == "\\x1b[2J\\x07ok\\u202eevil\\u2066\\n\\u2028"
    assert printable("ŷ w35 \\N 😀") == "ŷ w35 \\N 😀"  # printable text is left alone
    for ch in ("\x1b", "\x07", "\u202e", "\u202d", "\u2066", "\u200f", "\x7f", "\r"):
        assert printable(ch) == repr(ch)[1:-1]


def test_explain_never_prints_a_control_or_bidi_character():
    x = Value(2.0, label=NASTY)
    y = (x * 3.0).tanh() + x
    y.label = "\u202ey"
    e = explain(y, x)
    assert visible(e.text) and visible(e.latex)
    assert "\\x1b[2J\\x07ok\\u202eevil" in e.text and "\\u202ey" in e.text
    assert e.value == pytest.approx(3 * (1 - (autograd.Value(6.0).tanh().data) ** 2) + 1)


def test_the_command_line_escapes_what_it_echoes(tmp_path, capsys):
    from chainrule.cli import main

    out = tmp_path / "a\x1b[2Jb.gv"
    assert main(["graph", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert visible(said) and "a\\x1b[2Jb.gv" in said
    with pytest.raises(SystemExit):
        main(["worked-example", "--bad\x1b]0;title\x07"])
    err = capsys.readouterr().err
    assert visible(err) and "--bad\\x1b]0;title\\x07" in err


def test_the_page_and_the_picture_escape_bidi_too():
    x = Value(2.0, label="\u202eevil")
    y = x * x
    y.label = "ok\x1b"
    names = node_names(topo_order(y))
    assert names[x] == "\\u202eevil" and names[y] == "ok\\x1b"
    source = draw_dot(y).source
    assert "\u202e" not in source and "\\\\u202eevil" in source  # dot's own \\ is one \
    require_dot("the page")
    page = autograd.to_html(y, title="t\u202e")
    assert "\u202e" not in page.html and "\x1b" not in page.html
    data = json.loads(re.search(r'id="trace">(.*?)</script>', page.html, re.DOTALL).group(1))
    assert [n["name"] for n in data["nodes"]] == ["\\u202eevil", "ok\\x1b"]


def test_explain_and_the_page_name_an_unlabelled_node_alike():
    x = Value(2.0, label="x")
    a = x * 3.0
    y = autograd.sum([x, x * 2.0, a, x, a.tanh(), a])
    y.label = "y"
    names = set(node_names(topo_order(y)).values())
    text = explain(y, x).text
    # runs through unlabelled nodes are named by the node they start from, as the page names it
    for via in ("x*2", "tanh(x*3)"):
        assert f"(via {via})" in text and via in names
    # a Value used directly more than once is told apart by its place among the operands
    assert "dy/dx (via operand 0)" in text and "dy/dx (via operand 3)" in text
    assert "via operand 1" not in text and "via operand 4" not in text
    assert r"\big|_{\text{via }" in explain(y, x).latex


def test_hover_text_is_the_name_not_dots_id():
    x = Value(2.0, label="x")
    w = Value(-1.0, label="w")
    y = (w * x).tanh()
    source = draw_dot(y).source
    for tip in ('tooltip=x', 'tooltip="w*x"', 'tooltip="mul → w*x"',
                'tooltip="tanh → tanh(w*x)"', 'tooltip="w → w*x (operand 0 of mul)"',
                'tooltip="x → w*x (operand 1 of mul)"'):
        assert tip in source, tip
    require_dot("rendering")
    svg = draw_dot(y).pipe(format="svg").decode()
    assert 'xlink:title="tanh → tanh(w*x)"' in svg and 'xlink:title="x"' in svg
