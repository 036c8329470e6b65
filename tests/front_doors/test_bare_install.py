"""The doors of a bare install: a fresh virtual environment with only `pip install -e .`.

One environment for the whole module (built once, about a minute: pip fetches numpy, graphviz
and tqdm), driven with subprocess as a user would drive it: no scikit-learn, no matplotlib, no
nbmake, no micrograd, no torch. Each door answers in one line, or works.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


class Env:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin = path / ("Scripts" if os.name == "nt" else "bin")
        self.python = str(self.bin / "python")

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """A command of this environment (`python ...`, `chainrule ...`), as a user runs it:
        without this test run's PYTHONPATH."""
        base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        base["PATH"] = f"{self.bin}{os.pathsep}{base.get('PATH', '')}"
        base.update(env or {})
        program = self.python if args[0] == "python" else str(self.bin / args[0])
        return subprocess.run([program, *args[1:]], capture_output=True, text=True,
                              cwd=cwd or ROOT, env=base, timeout=timeout, check=False)

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self.run("python", "-m", "pip", *args, "--disable-pip-version-check")
        assert done.returncode == 0, done.stdout + done.stderr
        return done


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    path = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    env = Env(path)
    installed = env.pip("install", "-e", str(ROOT))
    env.install_log = installed.stdout + installed.stderr  # type: ignore[attr-defined]
    yield env


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The whole answer, which must be one line on stderr and nothing on stdout."""
    lines = done.stderr.strip().splitlines()
    assert done.stdout == "" and len(lines) == 1, (done.stdout, done.stderr)
    return lines[0]


def test_the_core_install_brings_numpy_graphviz_tqdm_and_not_torch(bare: Env) -> None:
    log: str = bare.install_log  # type: ignore[attr-defined]
    assert "torch" not in log.lower()
    listed = bare.pip("list", "--format=freeze").stdout.lower()
    names = {line.split("==")[0] for line in listed.splitlines()}
    assert {"numpy", "graphviz", "tqdm", "chainrule"} <= names
    assert not names & {"torch", "scikit-learn", "matplotlib", "micrograd", "nbmake", "pytest"}


def test_the_wheel_ships_py_typed_and_the_three_packages(bare: Env, tmp_path: Path) -> None:
    import zipfile

    bare.pip("wheel", "--no-deps", "-w", str(tmp_path), str(ROOT))
    (wheel,) = tmp_path.glob("chainrule-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("autograd", "nn", "chainrule"):
        assert f"{package}/py.typed" in names
    assert {"chainrule/__main__.py", "chainrule/micrograd/nn.py"} <= names
    assert not any(name.startswith(("tests/", "bench/", "notebooks/")) for name in names)


def test_the_worked_example_runs_by_command_and_by_python_m(bare: Env) -> None:
    for command in (("chainrule", "worked-example"), ("python", "-m", "chainrule",
                                                      "worked-example")):
        done = bare.run(*command)
        assert done.returncode == 0, done.stderr
        assert "step = 111:" in done.stdout


@pytest.mark.parametrize("demo", ["moons", "moons-matrix", "digits-matrix"])
def test_a_demo_without_scikit_learn_says_which_extra_in_one_line(bare: Env, demo: str) -> None:
    done = bare.run("chainrule", "demo", demo)
    assert done.returncode == 1
    assert one_line(done) == (f"chainrule demo {demo}: needs scikit-learn, which is not "
                              f"installed; install the examples extra: pip install -e "
                              f"\".[examples]\"")


def test_fit_with_its_default_progress_bar_works_on_the_core_install(bare: Env) -> None:
    code = ("import nn\n"
            "model = nn.MLP(2, [3, 1], seed=0)\n"
            "X, y = [[0.0, 1.0], [1.0, 0.0]], [1, -1]\n"
            "h = nn.fit(model, X, y, loss='hinge', optimizer=nn.SGD(model.parameters(), lr=0.1),"
            " epochs=2)\n"
            "print(len(h.loss))\n")
    done = bare.run("python", "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    assert "fit" in done.stderr  # tqdm's bar, on stderr


def test_micrograds_front_door_works_on_the_core_install(bare: Env) -> None:
    code = ("import random\n"
            "from chainrule.micrograd.nn import MLP\n"
            "random.seed(1337)\n"
            "m = MLP(2, [16, 16, 1])\n"
            "out = m([0.5, -1.0])\n"
            "out.backward()\n"
            "print(type(out).__name__, len(m.parameters()), out._op)\n")
    done = bare.run("python", "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Value", "337", "+"]


def test_pytest_without_nbmake_skips_the_notebooks_saying_why(bare: Env) -> None:
    bare.pip("install", "pytest")
    try:
        done = bare.run("python", "-m", "pytest", "notebooks", "-q", "-p", "no:cacheprovider")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "unrecognized arguments" not in done.stderr
        assert "nbmake is not installed" in done.stdout
        assert "4 skipped" in done.stdout or "skipped" in done.stdout.splitlines()[-1]
    finally:
        bare.pip("uninstall", "-y", "pytest")


def test_the_engine_bench_without_micrograd_or_torch_reports_what_it_has(bare: Env) -> None:
    done = bare.run("python", "bench/engine.py", "--repeats", "1", timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KeyError" not in done.stdout + done.stderr
    assert ("micrograd: skipped, not installed (ModuleNotFoundError: No module named "
            "'micrograd'); pip install -e \".[bench]\"") in done.stdout.splitlines()
    assert "micrograd not measured" in done.stdout
    assert "no micrograd to compare with" in done.stdout


# --- foreign `autograd` and `nn` ---------------------------------------------------------------

def test_a_stand_in_autograd_first_on_the_path_is_named_in_one_line(bare: Env,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "autograd").mkdir()
    (tmp_path / "autograd" / "__init__.py").write_text('"""Another project."""\n')
    done = bare.run("chainrule", "worked-example", env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith("chainrule: `import autograd` would load another project's package, "
                           f"{tmp_path / 'autograd'}")
    assert "virtual environment of its own" in line


def test_an_nn_in_the_current_folder_is_named_for_python_m(bare: Env, tmp_path: Path) -> None:
    (tmp_path / "nn.py").write_text("# a learner's own nn.py\n")
    done = bare.run("python", "-m", "chainrule", "worked-example", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done) == (
        f"chainrule: `import nn` would load another project's package, {tmp_path / 'nn.py'} "
        f"(in the current folder), not chainrule's: rename it, or run chainrule from another "
        f"folder (the `chainrule` command does not look in the current folder)")
    done = bare.run("chainrule", "worked-example", cwd=tmp_path)  # the command does not
    assert done.returncode == 0, done.stderr


def test_pypis_autograd_installed_beside_chainrule_is_named_in_one_line(bare: Env,
                                                                        tmp_path: Path) -> None:
    # The last test of the module: it installs PyPI's autograd into the environment, and takes
    # it out again. Run from another folder: in the clone, `python -m` finds ours first.
    bare.pip("install", "autograd")
    try:
        version = bare.run("python", "-c", "import importlib.metadata as m; "
                           "print(m.version('autograd'))").stdout.strip()
        done = bare.run("chainrule", "worked-example", cwd=tmp_path)
        assert done.returncode == 2
        line = one_line(done)
        assert line.startswith("chainrule: `import autograd` would load another project's "
                               "package, ")
        assert f"(from the installed package autograd {version}), not chainrule's: pip " \
               f"uninstall autograd, or install chainrule in a virtual environment of its own" \
               in line
        done = bare.run("python", "-m", "chainrule", "worked-example", cwd=tmp_path)
        assert done.returncode == 2 and one_line(done) == line
        done = bare.run("python", "-c", "import chainrule.micrograd", cwd=tmp_path)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines()[-1] == f"chainrule._names.ForeignPackageError: " \
                                                       f"{line}"
    finally:
        bare.pip("uninstall", "-y", "autograd")
    assert bare.run("chainrule", "worked-example").returncode == 0

