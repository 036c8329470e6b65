"""`chainrule`: every bad flag value is one line on stderr naming the flag, exit status 2, and
no traceback; a failure while running (a file that cannot be written, a loss that stops being a
number) is one line too."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule.cli
from nn.train import NonFiniteLossError

ROOT = Path(__file__).resolve().parents[2]
MISSING = "/no-such-folder-chainrule/x.svg"

# argv, then words the one line must hold (the flag, what it must be, what came)
BAD = [
    ([], "chainrule: the following arguments are required: COMMAND"),
    (["dmeo"], "chainrule: COMMAND: invalid choice: 'dmeo'"),
    (["demo"], "chainrule demo: the following arguments are required: NAME"),
    (["demo", "nope"], "chainrule demo: NAME: invalid choice: 'nope'"),
    (["demo", "moons", "--stesp", "3"], "unrecognized arguments: --stesp 3"),
    # worked-example
    (["worked-example", "--optimizer", "adam"], "--optimizer: invalid choice: 'adam'"),
    (["worked-example", "--order", "x"], "--order: invalid choice: 'x'"),
    # graph
    (["graph"], "chainrule graph: one of the arguments --out --html is required"),
    (["graph", "--out", MISSING],
     "chainrule graph: --out must be in a folder that exists; '/no-such-folder-chainrule'"),
    (["graph", "--out", "{tmp}/g.txt"], "--out must end in .svg, .png, .pdf, .dot or .gv"),
    (["graph", "--out", "{tmp}/folder.svg"], "--out must be a file, but"),
    (["graph", "--html", MISSING + ".html"],
     "chainrule graph: --html must be in a folder that exists; '/no-such-folder-chainrule'"),
    (["graph", "--html", "{tmp}/page.svg"], "--html must end in .html or .htm"),
    (["graph", "--out", "{tmp}/g.gv", "--html", "{tmp}/p.html"],
     "--html: not allowed with argument --out"),
    (["graph", "--out", "{tmp}/g.gv", "--highlight", "w99"],
     "--highlight must be one of w13, w23, w14, w24, w35, w45"),
    (["graph", "--out", "{tmp}/g.gv", "--highlight"], "--highlight: expected one argument"),
    # explain
    (["explain"], "chainrule explain: the following arguments are required: NAME"),
    (["explain", "w99"], "chainrule explain: NAME must be one of w13"),
    (["explain", "w35", "--digits", "0"], "--digits must be an integer from 1 to 17, got '0'"),
    (["explain", "w35", "--digits", "18"], "--digits must be an integer from 1 to 17, got '18'"),
    (["explain", "w35", "--digits", "x"], "--digits must be an integer from 1 to 17, got 'x'"),
    # demo moons
    (["demo", "moons", "--steps", "0"],
     "chainrule demo moons: --steps must be an integer >= 1, got '0'"),
    (["demo", "moons", "--steps", "-3"], "--steps must be an integer >= 1, got '-3'"),
    (["demo", "moons", "--steps", "1.5"], "--steps must be an integer >= 1, got '1.5'"),
    (["demo", "moons", "--batch-size", "0"],
     "chainrule demo moons: --batch-size must be an integer >= 1, got '0'"),
    (["demo", "moons", "--batch-size", "all"], "--batch-size must be an integer >= 1"),
    (["demo", "moons", "--seed", "-1"], "--seed must be an integer from 0 to 4294967295"),
    (["demo", "moons", "--seed", "4294967296"], "--seed must be an integer from 0 to 4294967295"),
    (["demo", "moons", "--seed", "x"], "--seed must be an integer from 0 to 4294967295"),
    (["demo", "moons", "--samples", "0"], "--samples must be an integer >= 1, got '0'"),
    (["demo", "moons", "--noise", "-0.1"], "--noise must be a finite number >= 0, got '-0.1'"),
    (["demo", "moons", "--noise", "nan"], "--noise must be a finite number >= 0, got 'nan'"),
    (["demo", "moons", "--noise", "inf"], "--noise must be a finite number >= 0, got 'inf'"),
    (["demo", "moons", "--l2", "-1"], "--l2 must be a finite number >= 0, got '-1'"),
    (["demo", "moons", "--l2", "big"], "--l2 must be a finite number >= 0, got 'big'"),
    # demo moons-matrix
    (["demo", "moons-matrix", "--epochs", "0"],
     "chainrule demo moons-matrix: --epochs must be an integer >= 1, got '0'"),
    (["demo", "moons-matrix", "--seed", "-1"], "--seed must be an integer from 0 to"),
    (["demo", "moons-matrix", "--init", "he"], "--init: invalid choice: 'he'"),
    (["demo", "moons-matrix", "--gain", "0"], "--gain must be a finite number > 0, got '0'"),
    (["demo", "moons-matrix", "--gain", "-4"], "--gain must be a finite number > 0, got '-4'"),
    (["demo", "moons-matrix", "--gain", "nan"], "--gain must be a finite number > 0, got 'nan'"),
    (["demo", "moons-matrix", "--every", "0"], "--every must be an integer >= 1, got '0'"),
    # demo digits-matrix
    (["demo", "digits-matrix", "--epochs", "-1"], "--epochs must be an integer >= 1, got '-1'"),
    (["demo", "digits-matrix", "--seed", "s"], "--seed must be an integer from 0 to"),
    (["demo", "digits-matrix", "--batch-size", "0"], "--batch-size must be an integer >= 1"),
    (["demo", "digits-matrix", "--lr", "0"], "--lr must be a finite number > 0, got '0'"),
    (["demo", "digits-matrix", "--lr", "-0.1"], "--lr must be a finite number > 0, got '-0.1'"),
    (["demo", "digits-matrix", "--lr", "inf"], "--lr must be a finite number > 0, got 'inf'"),
    (["demo", "digits-matrix", "--lr", "-1"], "--lr must be a finite number > 0, got '-1'"),
    (["demo", "digits-matrix", "--lr=-1"], "--lr must be a finite number > 0, got '-1'"),
    (["demo", "digits-matrix", "--init", "post004"], "--init: invalid choice: 'post004'"),
]


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("argv, words", BAD, ids=[" ".join(a) or "(nothing)" for a, _ in BAD])
def test_a_bad_flag_is_one_line_and_status_2(argv, words, tmp_path, capsys):
    (tmp_path / "folder.svg").mkdir()
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    with pytest.raises(SystemExit) as info:
        chainrule.cli.main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert words in one_line(captured.err)
    assert captured.out == ""
    assert not (tmp_path / "g.txt").exists() and not (tmp_path / "g.gv").exists()


@pytest.mark.parametrize("argv", [
    ["demo", "moons", "--steps", "0"],
    ["demo", "moons", "--batch-size", "0"],
    ["graph", "--out", MISSING],
])
def test_the_reported_commands_as_a_user_runs_them(argv):
    """The issue's three commands, in a fresh interpreter: status 2, one line, no traceback."""
    done = subprocess.run([sys.executable, "-m", "chainrule", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("chainrule ") and argv[-2] in line
    assert "epochs" not in line  # --steps is called steps
    assert done.stdout == ""


def test_an_unwritable_out_file_is_one_line(tmp_path, monkeypatch, capsys):
    from chainrule.cli import graph

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(graph, "write_atomic", refuse)
    assert chainrule.cli.main(["graph", "--out", str(tmp_path / "g.gv")]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("chainrule graph: --out cannot be written: ")
    assert line.endswith("Permission denied")


def test_a_failure_while_running_is_one_line(monkeypatch, capsys):
    from nn.examples import moons

    def diverge(**kwargs):
        raise NonFiniteLossError("fit: the loss is nan at epoch 3 of 100, step 1 of 1", 3, 1,
                                 float("nan"))

    monkeypatch.setattr(moons, "train", diverge)
    assert chainrule.cli.main(["demo", "moons"]) == 1
    captured = capsys.readouterr()
    assert one_line(captured.err) == (
        "chainrule demo moons: fit: the loss is nan at epoch 3 of 100, step 1 of 1")


def test_a_missing_file_while_running_is_one_line(monkeypatch, capsys):
    from chainrule.cli import _worked

    def gone():
        raise FileNotFoundError(2, "No such file or directory", "/gone/state.json")

    monkeypatch.setattr(_worked, "graph", gone)
    assert chainrule.cli.main(["explain", "w35"]) == 1
    assert one_line(capsys.readouterr().err) == (
        "chainrule explain: the file '/gone/state.json': No such file or directory")


def test_post004_is_the_posts_own_start(capsys):
    """--init post004 is the post's start: no gain 4 (that belongs to our Glorot start)."""
    from nn.examples import moons_matrix

    argv = ["demo", "moons-matrix", "--init", "post004"]
    args = chainrule.cli.build_parser(argv).parse_args(argv)
    assert args.gain is None and moons_matrix.default_gain("post004") == 1.0
    assert moons_matrix.default_gain("xavier") == 4.0
    from nn.matrix import MatrixMLP

    net = moons_matrix.make_net(0, "post004")
    ref = MatrixMLP(moons_matrix.SIZES, "sigmoid", init="post004", gain=1.0, seed=0)
    for w, r in zip(net.weights, ref.weights):
        assert (w == r).all()
    four = moons_matrix.make_net(0, "post004", 4.0)
    assert (four.weights[0] == 4.0 * ref.weights[0]).all()


def test_ctrl_c_is_one_line(monkeypatch, capsys):
    from nn.examples import worked_example

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(worked_example, "run", interrupted)
    assert chainrule.cli.main(["worked-example"]) == 130
    assert one_line(capsys.readouterr().err) == "chainrule worked-example: interrupted"


def _options(argv):
    """Every option string of the subcommand (or demo) that argv names, with its action."""
    parser = chainrule.cli.build_parser(argv)
    for word in argv:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return {option: action for action in parser._actions for option in action.option_strings}


def test_every_learning_rate_flag_refuses_a_negative_or_zero_rate(capsys):
    from chainrule.cli import COMMANDS
    from chainrule.cli.demo import DEMOS

    commands = [[name] for name in COMMANDS if name != "demo"]
    commands += [["demo", name] for name in DEMOS]
    found = []
    for argv in commands:
        for option in _options(argv):
            if option.lstrip("-") in ("lr", "learning-rate") or option.endswith("-lr"):
                found.append(option)
                for bad in ("-1", "0", "-0.0", "nan"):
                    with pytest.raises(SystemExit) as info:
                        chainrule.cli.main([*argv, option, bad])
                    assert info.value.code == 2
                    assert f"{option} must be a finite number > 0, got '{bad}'" in one_line(
                        capsys.readouterr().err)
    assert found == ["--lr"]  # digits-matrix's; the others have fixed schedules
