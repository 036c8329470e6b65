"""nn.module: parameter names, zero_grad, state dicts and JSON files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

import nn
from autograd import Value


def small() -> nn.MLP:
    return nn.MLP(2, [3, 1], seed=4)


def test_named_parameters_are_readable_and_ordered():
    model = small()
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == 3 * 3 + 4
    # The objects are the model's own Values, in the same order as parameters().
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.layers[0].neurons[1].w[0] is dict(model.named_parameters())[
        "layers.0.neurons.1.w.0"]
    # Each parameter is labelled with its name (what graph pictures show).
    assert all(p.label == name for name, p in model.named_parameters())


def test_micrograd_model_has_337_parameters():
    assert nn.MLP(2, [16, 16, 1]).num_parameters() == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337


def test_custom_module_nested_and_shared_parameters():
    class Pair(nn.Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.blocks = [nn.Neuron(1, seed=1), (nn.Neuron(1, seed=2),)]
            self.tied = self.scale  # the same Value again: listed once, under its first name
            self._cache = Value(9.0)  # private attributes are not parameters
            self.note = "text"

    names = [name for name, _ in Pair().named_parameters()]
    assert names == ["scale", "blocks.0.w.0", "blocks.0.b", "blocks.1.0.w.0", "blocks.1.0.b"]


def test_named_parameters_walk_is_not_recursive():
    class Box(nn.Module):
        def __init__(self, inner: nn.Module | None) -> None:
            self.p = Value(1.0)
            self.inner = inner

    model = None
    for _ in range(5000):  # deeper than Python's recursion limit
        model = Box(model)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 5000
    assert names[1] == "inner.p"


def test_zero_grad_zeroes_every_parameter():
    model = small()
    nn.mse_loss(model([0.3, -0.7]), [1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_keeps_the_value_objects():
    a, b = small(), nn.MLP(2, [3, 1], seed=5)
    before = b.parameters()
    assert a.state_dict() != b.state_dict()
    result = b.load_state_dict(a.state_dict())
    assert result == nn.IncompatibleKeys([], [])
    assert b.state_dict() == a.state_dict()
    assert b.parameters() == before and all(x is y for x, y in zip(b.parameters(), before))


def test_load_state_dict_missing_entry_is_named():
    model = small()
    state = model.state_dict()
    del state["layers.1.neurons.0.b"]
    with pytest.raises(ValueError, match=r"missing entries 'layers\.1\.neurons\.0\.b'"):
        model.load_state_dict(state)


def test_load_state_dict_extra_entry_is_named():
    model = small()
    state = model.state_dict()
    state["layers.2.neurons.0.w.0"] = 1.0
    with pytest.raises(ValueError, match=r"unexpected entries 'layers\.2\.neurons\.0\.w\.0'"):
        model.load_state_dict(state)


def test_load_state_dict_misshaped_entry_is_named_and_nothing_changes():
    model = small()
    original = model.state_dict()
    state = {name: 0.5 for name in original}
    state["layers.0.neurons.2.w.1"] = [0.1, 0.2]
    with pytest.raises(TypeError, match=r"entry 'layers\.0\.neurons\.2\.w\.1' must be a real "
                                        r"number .* got list \[0\.1, 0\.2\]"):
        model.load_state_dict(state)
    assert model.state_dict() == original  # all or nothing
    state["layers.0.neurons.2.w.1"] = "0.3"
    with pytest.raises(TypeError, match="got str '0.3'"):
        model.load_state_dict(state)


def test_load_state_dict_not_a_mapping():
    with pytest.raises(TypeError, match="needs a mapping"):
        small().load_state_dict([("a", 1.0)])


def test_load_state_dict_not_strict_reports_what_it_skipped():
    model = small()
    state = model.state_dict()
    del state["layers.0.neurons.0.w.0"]
    state["extra"] = 3.0
    state["layers.0.neurons.0.w.1"] = 0.25
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["layers.0.neurons.0.w.0"]
    assert result.unexpected_keys == ["extra"]
    assert model.layers[0].neurons[0].w[1].data == 0.25


def test_save_and_load_json_bit_for_bit(tmp_path):
    model = nn.MLP(2, [16, 16, 1], init="torch", seed=11)
    path = tmp_path / "model.json"
    model.save(path)
    text = path.read_text()
    document = json.loads(text)
    assert document["format"] == "chainrule.state_dict" and document["version"] == 1
    assert "Layer(16, 16" in document["model"]
    other = nn.MLP(2, [16, 16, 1], init="torch", seed=12)
    other.load(path)
    assert other.state_dict() == model.state_dict()  # == on floats: every bit
    assert nn.load(path) == model.state_dict()


def test_save_refuses_non_finite(tmp_path):
    model = small()
    model.layers[0].neurons[0].b.data = float("nan")
    with pytest.raises(ValueError, match=r"entry 'layers\.0\.neurons\.0\.b' is nan"):
        model.save(tmp_path / "m.json")
    with pytest.raises(TypeError, match="entry 'x' must be a real number"):
        nn.save({"x": "1"}, tmp_path / "m.json")


def test_load_refuses_other_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"weights": [1, 2]}')
    with pytest.raises(ValueError, match="is not a chainrule state dict"):
        nn.load(bad)
    bad.write_text("not json")
    with pytest.raises(ValueError, match="is not JSON"):
        nn.load(bad)
    bad.write_text('{"format": "chainrule.state_dict", "version": 99, "state": {}}')
    with pytest.raises(ValueError, match="format version 99"):
        nn.load(bad)


def test_import_nn_stays_light():
    import subprocess
    import sys

    code = ("import sys, nn; print(' '.join(m for m in ('torch', 'tqdm', 'sklearn', "
            "'matplotlib', 'graphviz', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == ""


# --- files a learner did not write with save (issue 16, items 8 and 18) ---------------------


def write_state(path, state_text: str, version: str = "1") -> None:
    path.write_text('{"format": "chainrule.state_dict", "version": %s, "model": "", '
                    '"state": %s}' % (version, state_text), encoding="utf-8")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400",
                                    "1" + "0" * 400])
def test_load_refuses_entries_save_would_not_write(tmp_path, number):
    path = tmp_path / "w.json"
    write_state(path, '{"a": 1.0, "layers.0.w": %s}' % number)
    with pytest.raises(ValueError, match=r"load: '.*w\.json' entry 'layers\.0\.w' is .*not a "
                                         r"finite number"):
        nn.load(path)


@pytest.mark.parametrize("entry", ['"0.5"', "true", "null", "[1.0]", "{}"])
def test_load_refuses_entries_that_are_not_numbers(tmp_path, entry):
    path = tmp_path / "w.json"
    write_state(path, '{"w": %s}' % entry)
    with pytest.raises(ValueError, match=r"load: '.*w\.json' entry 'w' is \w+ .*not a number"):
        nn.load(path)


@pytest.mark.parametrize("version", ["true", "1.0", '"1"', "2", "null"])
def test_load_refuses_a_version_that_is_not_the_int_1(tmp_path, version):
    path = tmp_path / "w.json"
    write_state(path, '{"w": 0.5}', version=version)
    with pytest.raises(ValueError, match=r"load: '.*w\.json' has format version .* \(key "
                                         r"\"version\"\)"):
        nn.load(path)


def test_load_keeps_ints_as_ints_as_they_were_saved(tmp_path):
    """Issue 24, item 10: on a7b7a6a save wrote 3 as 3.0 and load turned a file's 2 into 2.0;
    as torch.save and torch.load, an int comes back an int (and a float a float)."""
    path = tmp_path / "w.json"
    write_state(path, '{"w": 2, "b": -0.25, "c": 2.0}')
    state = nn.load(path)
    assert state == {"w": 2, "b": -0.25, "c": 2.0}
    assert [type(v) for v in state.values()] == [int, float, float]
    np = pytest.importorskip("numpy")
    nn.save({"steps": np.int64(3), "w": 0.5, "n": 7}, path)
    assert '"steps": 3,' in path.read_text(encoding="utf-8")
    again = nn.load(path)
    assert again == {"steps": 3, "w": 0.5, "n": 7} and type(again["steps"]) is int
    model = nn.MLP(1, [1], seed=0)
    model.load_state_dict({name: 1 for name in model.state_dict()})  # ints load as floats
    assert all(type(p.data) is float and p.data == 1.0 for p in model.parameters())


def test_load_refuses_a_key_given_twice(tmp_path):
    """On a7b7a6a the last of two equal keys silently won."""
    path = tmp_path / "w.json"
    write_state(path, '{"w": 1.0, "b": 0.5, "w": 2.0}')
    with pytest.raises(ValueError) as caught:
        nn.load(path)
    text = str(caught.value)
    assert text.startswith(f"load: {str(path)!r} has the key 'w' twice in one object")
    assert "\n" not in text
    write_state(path, '{"w": 1.0}, "format": "x"')  # a repeat at the top level
    with pytest.raises(ValueError, match="has the key 'format' twice"):
        nn.load(path)


@pytest.mark.parametrize("digits", [5001, 4301])
def test_load_refuses_a_huge_integer_in_one_line_naming_the_file(tmp_path, digits):
    """On a7b7a6a Python's own message escaped: 'Exceeds the limit (4300 digits) for integer
    string conversion ...', naming no file."""
    path = tmp_path / "w.json"
    write_state(path, '{"w": %s}' % ("9" * digits))
    with pytest.raises(ValueError) as caught:
        nn.load(path)
    text = str(caught.value)
    assert text.startswith(f"load: {str(path)!r} holds an integer of {digits} digits, far too "
                           f"large to be a parameter")
    assert "\n" not in text and "sys.set_int_max_str_digits" not in text


@pytest.mark.parametrize("path", [12345, 0, True, 1.5, None])
def test_save_and_load_refuse_a_path_that_is_not_a_file_name(tmp_path, path):
    with pytest.raises(TypeError, match=r"load: path must be a file name \(str or os.PathLike\), "
                                        r"got " + type(path).__name__):
        nn.load(path)
    with pytest.raises(TypeError, match=r"save: path must be a file name"):
        nn.save({"w": 1.0}, path)


def test_save_and_load_take_str_bytes_and_path_names(tmp_path):
    model = small()
    for path in (str(tmp_path / "s.json"), os.fsencode(tmp_path / "b.json"), tmp_path / "p.json"):
        model.save(path)
        assert nn.load(path) == model.state_dict()


def test_errors_quoting_a_huge_file_stay_short(tmp_path):
    path = tmp_path / "w.json"
    huge = "x" * 2_000_000
    write_state(path, '{"w": 0.5}', version='"%s"' % huge)
    with pytest.raises(ValueError, match="has format version 'xxx") as error:
        nn.load(path)
    assert len(str(error.value)) < 500
    write_state(path, '{"%s": "%s"}' % (huge, huge))
    with pytest.raises(ValueError, match="entry 'xxx") as error:
        nn.load(path)
    assert len(str(error.value)) < 700
    # a file of a million names for a small model: the list of unexpected entries is cut
    many = {f"extra.{i}": 0.0 for i in range(100_000)}
    model = small()
    with pytest.raises(ValueError, match=r"unexpected entries 'extra\.0', .* and 99990 more") as e:
        model.load_state_dict({**model.state_dict(), **many})
    assert len(str(e.value)) < 1000
    with pytest.raises(TypeError, match=r"entry 'layers.0.neurons.0.w.0' must be a real number "
                                        r"\(.*\), got list \[0, 1, 2, .*\.\.\.\]") as e:
        model.load_state_dict({**model.state_dict(), "layers.0.neurons.0.w.0": list(range(10**6))})
    assert len(str(e.value)) < 500


# --- the file save replaces (issue 16, item 12) ---------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="file modes and symlinks as POSIX has them")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path, mode):
    path = tmp_path / "w.json"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, mode)
    small().save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert nn.load(path) == small().state_dict()


@pytest.mark.skipif(os.name != "posix", reason="file modes as POSIX has them")
def test_save_gives_a_new_file_the_umask_default(tmp_path):
    old = os.umask(0o027)
    try:
        small().save(tmp_path / "new.json")
        with open(tmp_path / "plain.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o640 == stat.S_IMODE(
        os.stat(tmp_path / "plain.txt").st_mode)


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="needs symlinks")
def test_save_writes_through_a_symlink(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "store" / "weights.json"
    target.write_text("old weights", encoding="utf-8")
    os.chmod(target, 0o600)
    link = tmp_path / "links" / "latest.json"
    os.symlink(os.path.join("..", "store", "weights.json"), link)  # a relative link
    model = small()
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "store", "weights.json")
    assert nn.load(target) == model.state_dict()  # the file the link points to has them
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path / "store")) == ["weights.json"]  # no temporary left
    assert sorted(os.listdir(tmp_path / "links")) == ["latest.json"]
    # a link to a file that does not exist yet: the file is made where it points
    os.symlink("made.json", tmp_path / "store" / "dangling.json")
    model.save(tmp_path / "store" / "dangling.json")
    assert (tmp_path / "store" / "dangling.json").is_symlink()
    assert nn.load(tmp_path / "store" / "made.json") == model.state_dict()


# --- a module that lists its own parameters (issue 16, item 13) -----------------------------


class Plain:
    """A hand-written neuron that is not an nn.Module (as a learner's own micrograd code)."""

    def __init__(self, seed: float) -> None:
        self.w = [Value(seed + 3.0), Value(seed + 4.0)]
        self.b = Value(seed + 5.0)


class Listed(nn.Module):
    """micrograd's way: parameters kept where the attribute walk cannot see them (a dict, an
    object that is not an nn.Module), listed by overriding parameters()."""

    def __init__(self, seed: float) -> None:
        self.table = {"scale": Value(seed), "shift": Value(seed + 1.0)}
        self.plain = Plain(seed)
        self.w = Value(seed + 2.0)  # one the walk finds: it keeps its attribute name

    def parameters(self) -> list[Value]:
        return [self.table["scale"], self.w, self.table["shift"], *self.plain.w, self.plain.b]


def test_a_module_that_overrides_parameters_saves_and_loads_them(tmp_path):
    model = Listed(0.5)
    state = model.state_dict()
    # the attribute walk's names first, then what only parameters() lists, by its place there
    assert list(state) == ["w", "parameters.0", "parameters.2", "parameters.3", "parameters.4",
                           "parameters.5"]
    assert sorted(state.values()) == sorted(p.data for p in model.parameters())
    # micrograd's own classes (the door's) name theirs by attribute, as nn.MLP does
    from chainrule.micrograd.nn import MLP as MicroMLP

    micro = MicroMLP(2, [2, 1])
    assert list(micro.state_dict())[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                                            "layers.0.neurons.0.b"]
    assert len(micro.state_dict()) == len(micro.parameters()) == 9
    model.save(tmp_path / "listed.json")
    other = Listed(7.0)
    assert other.state_dict() != state
    other.load(tmp_path / "listed.json")
    assert other.state_dict() == state
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]


def test_a_parameters_override_that_lists_fewer_drops_nothing_from_the_state():
    class Frozen(nn.Module):  # parameters() lists what to train; b stays as it is
        def __init__(self) -> None:
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self) -> list[Value]:
            return [self.a]

    assert Frozen().state_dict() == {"a": 1.0, "b": 2.0}


def test_a_module_with_no_parameters_found_is_not_saved_empty(tmp_path):
    class Hidden(nn.Module):
        def __init__(self) -> None:
            self.table = {"w": Value(1.0)}

    with pytest.raises(ValueError, match=r"save: Hidden has no parameters to save; .*override "
                                         r"parameters\(\) to return them"):
        Hidden().save(tmp_path / "h.json")
    assert not (tmp_path / "h.json").exists()


def test_parameters_that_are_not_values_are_named(tmp_path):
    class Wrong(nn.Module):
        def parameters(self) -> list[Value]:
            return [Value(1.0), 2.0]  # type: ignore[list-item]

    with pytest.raises(TypeError, match=r"Wrong.parameters\(\) must return Values; item 1 is "
                                        r"float 2.0"):
        Wrong().state_dict()


# --- nn.matrix after import nn (issue 19) ---------------------------------------------------


def test_nn_matrix_is_reachable_after_import_nn_and_numpy_waits_for_it():
    code = ("import sys, nn; before = 'numpy' in sys.modules; m = nn.matrix.MatrixMLP([2, 1]); "
            "print(before, 'numpy' in sys.modules, type(m).__name__, nn.examples.__name__, "
            "'matrix' in dir(nn))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "MatrixMLP", "nn.examples", "True"]
    with pytest.raises(AttributeError, match="module 'nn' has no attribute 'nonesuch'"):
        nn.nonesuch  # noqa: B018
