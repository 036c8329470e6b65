"""nn.module: parameter names, zero_grad, state dicts and JSON files."""

from __future__ import annotations

import json

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
