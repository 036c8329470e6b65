"""What the README tells a new user is true: the order of the set-up, what the first look
prints, the notebooks it lists, the picture it shows and the command that draws it."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def blocks(text: str, lang: str = "") -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_the_venv_comes_before_the_set_up_commands() -> None:
    commands = blocks(section("Set up"))
    assert commands[0].strip() == "python3 -m venv .venv && . .venv/bin/activate"
    assert commands[1].strip() == "pip install -e . && chainrule worked-example"
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in commands[3]


def test_a_first_look_prints_what_the_readme_says() -> None:
    text = section("A first look")
    (code,) = blocks(text, "python")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<README: A first look>", "exec"), {})
    printed = out.getvalue().strip()
    assert f"It prints `{printed}`" in text


def test_every_notebook_is_listed() -> None:
    text = section("Notebooks")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"`notebooks/{path.name}`" in text


def test_the_micrograd_imports_in_the_readme_work() -> None:
    (code,) = blocks(section("Coming from micrograd"), "python")
    namespace: dict[str, object] = {}
    exec(compile(code, "<README: Coming from micrograd>", "exec"), namespace)
    assert {"Value", "Neuron", "Layer", "MLP", "nn"} <= set(namespace)


def svg_size(path: Path) -> tuple[float, float]:
    head = path.read_text(encoding="utf-8")[:2000]
    width, height = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', head).groups()  # type: ignore[union-attr]
    return float(width), float(height)


def test_the_readme_picture_fits_a_page_and_the_wide_one_is_linked() -> None:
    text = section("Seeing the chain rule")
    assert "](docs/worked_example_tb.svg)" in text and "(docs/worked_example.svg)" in text
    narrow, _ = svg_size(ROOT / "docs" / "worked_example_tb.svg")
    wide, _ = svg_size(ROOT / "docs" / "worked_example.svg")
    assert narrow < wide / 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_the_readme_picture_is_what_its_command_draws(tmp_path: Path) -> None:
    match = re.search(r"`chainrule graph (--out docs/worked_example_tb\.svg[^`]*)`",
                      section("Seeing the chain rule").replace("\n", " "))
    assert match is not None
    args = match.group(1).split()
    args[1] = str(tmp_path / "tb.svg")
    done = subprocess.run([sys.executable, "-m", "chainrule", "graph", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    def texts(path: Path) -> list[str]:
        return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text(encoding="utf-8")))

    assert texts(tmp_path / "tb.svg") == texts(ROOT / "docs" / "worked_example_tb.svg")


def test_graph_rankdir_reaches_the_dot_source(tmp_path: Path) -> None:
    for rankdir in ("TB", "LR"):
        out = tmp_path / f"{rankdir}.gv"
        subprocess.run([sys.executable, "-m", "chainrule", "graph", "--out", str(out),
                        "--rankdir", rankdir], cwd=ROOT, capture_output=True, check=True)
        assert f"rankdir={rankdir}" in out.read_text(encoding="utf-8")
