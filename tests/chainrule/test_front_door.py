"""`from chainrule import autograd, nn`: the same modules as `import autograd` / `import nn`,
loaded on first use, and chainrule's own even when a learner's nn.py sits beside the script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_same_module_objects_loaded_on_first_use(tmp_path):
    done = python(
        "import sys, chainrule\n"
        "assert 'autograd' not in sys.modules and 'nn' not in sys.modules\n"
        "from chainrule import autograd, nn\n"
        "import autograd as a, nn as n\n"
        "assert a is autograd and n is nn and chainrule.nn is nn\n"
        "assert nn.MLP is sys.modules['nn'].MLP and autograd.Value is a.Value\n"
        "print('ok')\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


def test_a_learners_own_nn_py_beside_the_script(tmp_path):
    (tmp_path / "nn.py").write_text("raise SystemExit('the learner\\'s own nn.py ran')\n")
    script = tmp_path / "train.py"
    script.write_text(
        "from chainrule import autograd, nn\n"
        "model = nn.MLP(2, [3, 1], seed=0)\n"
        "print(nn.__file__)\n"
        "print(type(model(([1.0, 2.0]))[0]) is autograd.Value)\n")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    where, same = done.stdout.splitlines()
    assert Path(where) == ROOT / "nn" / "__init__.py" and same == "True"
    # `import nn` alone finds the learner's file first: what the front door is for
    done = subprocess.run([sys.executable, "-c", "import nn"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "the learner's own nn.py ran" in done.stderr


def test_an_nn_already_imported_from_elsewhere_is_named_in_one_line(tmp_path):
    (tmp_path / "nn.py").write_text("X = 1\n")
    done = python("import nn\nfrom chainrule import nn\n", tmp_path)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("chainrule._names.ForeignPackageError: chainrule: `nn` is already "
                           "imported from another project (")
    assert "import chainrule's first (from chainrule import nn) or rename the other one" in last


def test_other_names_are_attribute_errors():
    import chainrule

    try:
        chainrule.matrix  # noqa: B018
    except AttributeError as e:
        assert str(e) == "module 'chainrule' has no attribute 'matrix'"
    else:
        raise AssertionError("chainrule.matrix should not exist")
