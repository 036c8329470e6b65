"""What the README tells a new user is true: the order of the set-up, what the first look
prints, the notebooks it lists, the picture it shows and the command that draws it."""

from __future__ import annotations

import contextlib
import io
import re
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
    assert commands[2].strip().startswith("pip install torch==2.13.0 && pip install -e ")
    assert commands[2].strip().endswith(" && python -m pytest")
    assert commands[3].startswith(
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu\n")


def test_the_cuda_warning_is_at_the_test_command() -> None:
    """A newcomer who runs the test command elsewhere would pull a multi-GB CUDA build: the
    warning and the CPU-index line are in the lines right above and below it."""
    text = section("Set up")
    test_command = blocks(text)[2]
    before, after = text.split(test_command)
    just_before = "\n".join(before.rstrip("`\n").splitlines()[-3:])
    assert "CUDA" in just_before and "several GB" in just_before
    assert after.lstrip("`\n").splitlines()[0].startswith("Elsewhere, the CPU build")


def test_the_test_command_installs_what_ci_installs() -> None:
    """The README's extras are CI's (.ci/run) but lint: every test that CI runs, runs."""
    readme = re.search(r'pip install -e "\.\[([a-z,]+)\]" && python -m pytest',
                       section("Set up")).group(1)  # type: ignore[union-attr]
    ci = re.search(r'pip install -e "\.\[([a-z,]+)\]"',
                   (ROOT / ".ci" / "run").read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]
    assert set(readme.split(",")) == set(ci.split(",")) - {"lint"}


def test_the_readme_is_a_front_page() -> None:
    assert len(README.splitlines()) <= 150
    for words in ("wall-clock", "ruff check", "os.replace", "min 40 s"):
        assert words not in README  # the maintainers' part of the site holds these
    assert len(re.findall(r"!\[", README)) == 1  # one picture


def test_the_first_lines_say_what_chainrule_is_and_for_whom() -> None:
    first = " ".join(README.split("\n\n")[1].splitlines()[:3])
    assert first.startswith("chainrule is a Python library for learning")
    assert "It is for " in first


def test_the_worked_example_and_the_posts_are_introduced_before_they_are_used() -> None:
    """A stranger meets each term where it is said what it is (in bold), not before."""
    text = README.lower()
    for term in ("the worked example", "the posts"):
        assert text.index(term) == text.index(f"**{term}**") + 2, term


def test_every_relative_link_of_the_readme_resolves() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert len(links) > 20
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.is_file(), link
        if anchor and target.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).strip().replace(" ", "-")
                     for h in headings}
            assert anchor in slugs, link


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


@pytest.mark.needs_dot
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
