"""`chainrule graph --html`: the worked example's step-by-step page (the browser test opens it)."""

from __future__ import annotations

import json
import re

import pytest

import chainrule.cli

needs_dot = pytest.mark.needs_dot


@needs_dot
def test_writes_the_page(tmp_path, capsys):
    out = tmp_path / "worked.html"
    argv = ["graph", "--html", str(out), "--highlight", "w35", "--local-grads"]
    assert chainrule.cli.main(argv) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote {out}: 26 Values, 27 chain-rule updates; open it in a browser")
    assert out.as_uri() in said
    text = out.read_text(encoding="utf-8")
    assert "<title>The worked example: watch backward() step by step</title>" in text
    assert 'class="node value highlight"' in text and "dyp/dz5 = 0.2138" in text
    data = json.loads(re.search(r'id="trace">(.*?)</script>', text, re.DOTALL).group(1))
    assert data["highlight"] == "w35"
    w35 = next(n for n in data["nodes"] if n["name"] == "w35")
    assert w35["gradRepr"] == "0.027674034938717867"
    # practice mode is on the CLI's page too: the toggle, and the catalogue's hint in the data
    assert text.count('id="practice"') == 1 and text.count('id="answer"') == 1
    product = next(n for n in data["nodes"] if n["name"] == "w35*y3")
    assert product["rule"] == "d(a*b)/da = b, d(a*b)/db = a"
    assert "<B>const" not in text  # constants folded, as for --out; --show-constants draws them
    assert chainrule.cli.main(["graph", "--html", str(out), "--show-constants"]) == 0
    assert out.read_text(encoding="utf-8").count('class="node value') == 26


def test_out_or_html_but_not_both(tmp_path, capsys):
    for argv in (["graph"], ["graph", "--out", "a.gv", "--html", "a.html"]):
        with pytest.raises(SystemExit) as info:
            chainrule.cli.main(argv)
        assert info.value.code == 2
    err = capsys.readouterr().err
    assert "one of the arguments --out --html is required" in err
    assert "--html: not allowed with argument --out" in err


@needs_dot
def test_rankdir_reaches_the_page(tmp_path, capsys):
    sizes = {}
    for rankdir in ("LR", "TB"):
        out = tmp_path / f"{rankdir}.html"
        assert chainrule.cli.main(["graph", "--html", str(out), "--rankdir", rankdir]) == 0
        svg = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
                        out.read_text(encoding="utf-8"))
        sizes[rankdir] = (float(svg.group(1)), float(svg.group(2)))
    capsys.readouterr()
    (lr_width, lr_height), (tb_width, tb_height) = sizes["LR"], sizes["TB"]
    assert tb_width < lr_width / 2 and tb_height > 2 * lr_height  # drawn top to bottom
