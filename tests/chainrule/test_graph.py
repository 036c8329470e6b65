"""`chainrule graph` and `chainrule explain` on the worked example, and the committed picture."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import chainrule.cli
from chainrule.cli import _worked

needs_dot = pytest.mark.needs_dot
DOCS_SVG = Path(__file__).resolve().parents[2] / "docs" / "worked_example.svg"
STEP1_GRADS = {
    "w35": 0.027674034938717867, "w45": 0.027001636991007414, "w13": 0.0009290711608096597,
    "w23": 0.002389040127796268, "w14": 0.002860075772445454, "w24": 0.007354480557716883,
}


def run(*argv: str) -> int:
    args = chainrule.cli.build_parser(argv).parse_args(argv)
    return args.run(args)


def test_explain_w35(capsys):
    assert run("explain", "w35") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "dE/dw35 = dE/dyp * dyp/dz5 * dz5/dw35 = 0.1903 * 0.2138 * 0.6803 = 0.02767",
        "backward() gives w35.grad = 0.027674034938717867",
    ]


@pytest.mark.parametrize("name", sorted(STEP1_GRADS))
def test_explain_every_weight(capsys, name):
    assert run("explain", name) == 0
    text, grad_line = capsys.readouterr().out.splitlines()
    assert text.startswith(f"dE/d{name} = dE/dyp * dyp/dz5 * ")
    assert grad_line == f"backward() gives {name}.grad = {STEP1_GRADS[name]!r}"


def test_explain_latex_and_digits(capsys):
    assert run("explain", "x1", "--latex") == 0
    assert capsys.readouterr().out.startswith(r"\begin{aligned}\frac{\partial E}{\partial x_{1}}")
    assert run("explain", "w35", "--digits", "6") == 0
    assert "= 0.190283 * 0.213792 * 0.680267 = 0.027674" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        run("explain", "w35", "--digits", "0")
    assert info.value.code == 2
    assert "explain: --digits must be an integer from 1 to 17, got '0'" in capsys.readouterr().err


def test_explain_unknown_name(capsys):
    with pytest.raises(SystemExit) as info:
        run("explain", "w99")
    assert info.value.code == 2
    assert "NAME must be one of w13, w23" in capsys.readouterr().err


def test_explain_takes_the_posts_spelling(capsys):
    # The post's w53 (into 5 from 3) is our w35: the same weight, said so, then its chain.
    assert run("explain", "w53") == 0
    note, text, grad_line = capsys.readouterr().out.splitlines()
    assert note.startswith("w53 is the post's name for w35, the same weight")
    assert text.startswith("dE/dw35 = dE/dyp * dyp/dz5 * dz5/dw35 = ")
    assert grad_line == f"backward() gives w35.grad = {STEP1_GRADS['w35']!r}"
    for post, ours in _worked.POST_NAMES.items():
        assert run("explain", post) == 0
        out = capsys.readouterr().out
        assert f"{post} is the post's name for {ours}" in out
        assert f"backward() gives {ours}.grad = {STEP1_GRADS[ours]!r}" in out
    assert sorted(_worked.POST_NAMES) == ["w31", "w32", "w41", "w42", "w53", "w54"]


def test_highlight_takes_the_posts_spelling(tmp_path, capsys):
    ours, post = tmp_path / "ours.gv", tmp_path / "post.gv"
    assert run("graph", "--out", str(ours), "--highlight", "w35") == 0
    assert run("graph", "--out", str(post), "--highlight", "w53") == 0
    assert post.read_text(encoding="utf-8") == ours.read_text(encoding="utf-8")
    assert "w53 is the post's name for w35, the same weight" in capsys.readouterr().out


def test_graph_source_needs_no_dot(tmp_path, capsys):
    out = tmp_path / "g.gv"
    assert run("graph", "--out", str(out), "--highlight", "w35", "--local-grads") == 0
    source = out.read_text(encoding="utf-8")
    assert source.startswith("digraph {") and "<B>w35</B>" in source
    assert 'class="value highlight"' in source and "dyp/dz5 = 0.2138" in source
    assert "<B>const" not in source and "label=<0.5 *>" in source  # constants folded by default
    assert run("graph", "--out", str(out), "--show-constants") == 0
    assert "label=<0.5 *>" not in out.read_text(encoding="utf-8")
    assert f"wrote {out}" in capsys.readouterr().out


def test_graph_bad_suffix(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        run("graph", "--out", str(tmp_path / "g.txt"))
    assert info.value.code == 2
    assert "--out must end in .svg, .png, .pdf, .dot or .gv" in capsys.readouterr().err
    assert not (tmp_path / "g.txt").exists()


@needs_dot
def test_graph_svg_and_png(tmp_path):
    svg = tmp_path / "g.svg"
    assert run("graph", "--out", str(svg), "--highlight", "w35") == 0
    root = ET.fromstring(svg.read_bytes())
    classes = [g.get("class", "") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    # 7 boxes (w35, w35*y3, z5, yp, yp-0.5, its square, E) and the 6 ovals between them
    assert sum("highlight" in c for c in classes if c.startswith("node")) == 13
    png = tmp_path / "g.png"
    assert run("graph", "--out", str(png)) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_through_the_chainrule_command(capsys):
    assert chainrule.cli.main(["explain", "w45"]) == 0
    assert "dE/dw45 = dE/dyp * dyp/dz5 * dz5/dw45" in capsys.readouterr().out


def test_committed_picture_of_the_worked_example():
    """docs/worked_example.svg (in the README): the graph with its gradients and the w35 path."""
    root = ET.fromstring(DOCS_SVG.read_bytes())
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for label in _worked.LABELS:
        assert label in texts
    assert {"grad 0.02767", "grad 0.1903", "data 0.6903", "dyp/dz5 = 0.2138"} <= texts
    groups = root.iter("{http://www.w3.org/2000/svg}g")
    assert any("highlight" in g.get("class", "") for g in groups)
