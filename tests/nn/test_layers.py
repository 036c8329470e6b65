"""nn.layers: Neuron, Layer, MLP: shapes, activations, initialisation, from_weights, errors."""

from __future__ import annotations

import math
import random

import pytest

import autograd
import nn
from autograd import Value
from nn.examples import worked_example as we


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# --- calling -------------------------------------------------------------------------------


def test_layer_and_mlp_always_return_lists():
    layer = nn.Layer(3, 1, seed=0)
    out = layer([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    model = nn.MLP(3, [4, 1], seed=0)
    out = model([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1
    assert len(nn.MLP(3, [4, 5], seed=0)([0.0, 1.0, 2.0])) == 5
    assert isinstance(nn.Neuron(2)([1.0, 2.0]), Value)


def test_neuron_is_one_sum_node_over_products_and_bias():
    neuron = nn.Neuron.from_weights([0.5, -2.0], b=0.25, activation="linear")
    out = neuron([3.0, 1.0])
    assert out.op == "sum" and len(out.operands) == 3
    assert [x.op for x in out.operands] == ["mul", "mul", ""]
    assert out.operands[2] is neuron.b
    assert out.data == 0.5 * 3.0 + -2.0 * 1.0 + 0.25
    relu = nn.Neuron.from_weights([0.5, -2.0], b=0.25)([3.0, 1.0])
    assert relu.op == "relu" and relu.data == 0.0


def test_inputs_may_be_values_and_get_gradients():
    model = nn.MLP.from_weights([[[2.0, -1.0]]], [[0.5]], output_activation="tanh")
    x = [Value(0.3), Value(-0.2)]
    (y,) = model(x)
    y.backward()
    z = 2.0 * 0.3 + -1.0 * -0.2 + 0.5
    assert y.data == math.tanh(z)
    slope = 1.0 - math.tanh(z) ** 2
    assert x[0].grad == pytest.approx(2.0 * slope, rel=1e-15)
    assert x[1].grad == pytest.approx(-1.0 * slope, rel=1e-15)
    assert model.layers[0].neurons[0].w[0].grad == pytest.approx(0.3 * slope, rel=1e-15)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
def test_each_activation_is_applied(activation):
    f = {"relu": lambda z: max(z, 0.0), "sigmoid": sigmoid, "tanh": math.tanh,
         "linear": lambda z: z}[activation]
    weights = [[[1.0, -2.0], [-0.5, 0.25]], [[1.5, -1.0]]]
    hidden = nn.MLP.from_weights(weights, activation=activation)
    output = nn.MLP.from_weights(weights, activation="linear", output_activation=activation)
    x = [0.7, 0.4]
    h = [f(1.0 * 0.7 + -2.0 * 0.4), f(-0.5 * 0.7 + 0.25 * 0.4)]
    assert hidden(x)[0].data == pytest.approx(1.5 * h[0] + -1.0 * h[1], rel=1e-15, abs=1e-300)
    lin = [1.0 * 0.7 + -2.0 * 0.4, -0.5 * 0.7 + 0.25 * 0.4]
    assert output(x)[0].data == pytest.approx(f(1.5 * lin[0] + -1.0 * lin[1]), rel=1e-15)
    assert [layer.activation for layer in hidden.layers] == [activation, "linear"]
    assert [layer.activation for layer in output.layers] == ["linear", activation]


def test_mlp_gradients_pass_gradcheck():
    model = nn.MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", init="xavier",
                   seed=3)

    def f(*xs: Value) -> Value:
        return autograd.sum(model(list(xs)))

    assert autograd.gradcheck(f, [0.3, -0.8, 1.1])


def test_worked_example_network_from_weights():
    model = nn.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
                                activation="sigmoid", output_activation="sigmoid")
    assert all(n.b is None for layer in model.layers for n in layer.neurons)
    assert model.num_parameters() == 6
    (yp,) = model([0.35, 0.9])
    assert yp.data == 0.6902834929076443  # docs/worked_example.md, bit for bit
    error = nn.half_sse_loss([yp], [0.5])
    assert error.data == 0.01810390383656677
    error.backward()
    assert model.layers[1].neurons[0].w[0].grad == 0.027674034938717867  # dE/dw35
    g = we.forward(we.START)
    g.error.backward()
    names = {"w13": (0, 0, 0), "w23": (0, 0, 1), "w14": (0, 1, 0), "w24": (0, 1, 1),
             "w35": (1, 0, 0), "w45": (1, 0, 1)}
    for name, (l, j, k) in names.items():
        assert model.layers[l].neurons[j].w[k].grad == g.weights[name].grad, name


def test_from_weights_with_biases_per_layer():
    model = nn.MLP.from_weights([[[1.0], [2.0]], [[1.0, 1.0]]], [[0.5, -0.5], None],
                                activation="linear")
    assert model.layers[0].neurons[1].b.data == -0.5
    assert model.layers[1].neurons[0].b is None
    assert model([1.0])[0].data == (1.0 + 0.5) + (2.0 - 0.5)
    layer = nn.Layer.from_weights([[1.0, 2.0]], [3.0], activation="linear")
    assert layer([1.0, 1.0])[0].data == 6.0 and (layer.nin, layer.nout) == (2, 1)


# --- initialisation ------------------------------------------------------------------------


def test_same_seed_same_model_bit_for_bit_different_seed_different():
    a = nn.MLP(2, [16, 16, 1], seed=7).state_dict()
    b = nn.MLP(2, [16, 16, 1], seed=7).state_dict()
    c = nn.MLP(2, [16, 16, 1], seed=8).state_dict()
    assert a == b and a != c


def test_seeding_does_not_touch_global_random():
    state = random.getstate()
    nn.MLP(2, [8, 1], seed=1)
    assert random.getstate() == state


def test_uniform_init_is_micrograds_model_for_the_same_seed():
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd (from PyPI) not installed")
    state = random.getstate()
    try:
        random.seed(1337)
        theirs = micrograd_nn.MLP(2, [16, 16, 1])
    finally:
        random.setstate(state)
    ours = nn.MLP(2, [16, 16, 1], seed=1337)
    assert [p.data for p in ours.parameters()] == [float(p.data) for p in theirs.parameters()]
    x = [0.3, -1.2]
    from micrograd.engine import Value as MValue

    assert ours(x)[0].data == pytest.approx(theirs([MValue(v) for v in x]).data, rel=1e-13)


@pytest.mark.parametrize("init", ["uniform", "torch", "xavier"])
def test_init_bounds(init):
    model = nn.MLP(4, [30, 10], init=init, seed=2)
    for layer in model.layers:
        bound = {"uniform": 1.0, "torch": 1 / math.sqrt(layer.nin),
                 "xavier": math.sqrt(6 / (layer.nin + layer.nout))}[init]
        ws = [w.data for n in layer.neurons for w in n.w]
        bs = [n.b.data for n in layer.neurons]
        assert all(-bound <= w <= bound for w in ws)
        assert max(ws) > 0.7 * bound and min(ws) < -0.7 * bound  # spread over the interval
        if init == "torch":
            assert all(-bound <= b <= bound for b in bs) and len(set(bs)) == len(bs)
        else:
            assert bs == [0.0] * len(bs)


def test_bias_off():
    model = nn.MLP(3, [4, 2], bias=False, seed=0)
    assert all(n.b is None for layer in model.layers for n in layer.neurons)
    assert model.num_parameters() == 3 * 4 + 4 * 2
    assert "bias=False" in repr(model)


def test_reprs_show_the_architecture():
    text = repr(nn.MLP(2, [16, 16, 1]))
    assert "Layer(2, 16, activation='relu')" in text
    assert "Layer(16, 1, activation='linear')" in text
    assert repr(nn.Neuron(3, activation="tanh")) == "Neuron(3, activation='tanh')"


# --- bad input -----------------------------------------------------------------------------


def test_wrong_input_length():
    with pytest.raises(ValueError, match="MLP: expected an input of length 2, got length 3"):
        nn.MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Layer: expected an input of length 4, got length 1"):
        nn.Layer(4, 2)([1.0])
    with pytest.raises(ValueError, match="Neuron: expected an input of length 2, got length 0"):
        nn.Neuron(2)([])


def test_wrong_input_type():
    with pytest.raises(TypeError, match="MLP: expected a sequence of 2 inputs .* got float"):
        nn.MLP(2, [1])(1.0)
    with pytest.raises(TypeError, match="MLP: input 1 must be a Value or a real number, got str"):
        nn.MLP(2, [1])([1.0, "2"])


def test_ragged_weights():
    with pytest.raises(ValueError, match=r"MLP.from_weights: weights\[0\]\[1\] has 1 weights, "
                                         r"expected 2 \(the length of weights\[0\]\[0\]\)"):
        nn.MLP.from_weights([[[0.1, 0.8], [0.4]], [[0.3, 0.9]]])
    with pytest.raises(ValueError, match=r"weights\[1\]\[0\] has 3 weights, expected 2 \(the "
                                         r"width of the layer before\)"):
        nn.MLP.from_weights([[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9, 1.0]]])
    with pytest.raises(ValueError, match=r"Layer.from_weights: weights\[1\] has 3 weights, "
                                         r"expected 2"):
        nn.Layer.from_weights([[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="weights must hold at least one layer"):
        nn.MLP.from_weights([])
    with pytest.raises(TypeError, match=r"weights\[0\]\[0\]\[1\] must be a real number, got str"):
        nn.MLP.from_weights([[[0.1, "x"]]])


def test_bad_biases():
    with pytest.raises(ValueError, match=r"biases\[0\] has 1 biases, expected 2 \(one per "
                                         r"neuron\)"):
        nn.MLP.from_weights([[[1.0], [2.0]]], [[0.5]])
    with pytest.raises(ValueError, match="biases has 1 entries, expected one per layer \\(2\\)"):
        nn.MLP.from_weights([[[1.0]], [[1.0]]], [[0.5]])


def test_bad_construction_arguments():
    with pytest.raises(ValueError, match="MLP: activation must be one of 'relu', 'sigmoid', "
                                         "'tanh', 'linear', got 'softmax'"):
        nn.MLP(2, [3], activation="softmax")
    with pytest.raises(ValueError, match="output_activation must be one of"):
        nn.MLP(2, [3], output_activation="Sigmoid")
    with pytest.raises(ValueError, match="Layer: init must be one of 'uniform', 'torch', "
                                         "'xavier', got 'he'"):
        nn.MLP(2, [3], init="he")
    with pytest.raises(ValueError, match=r"MLP: nouts\[1\] must be at least 1, got 0"):
        nn.MLP(2, [3, 0])
    with pytest.raises(ValueError, match="nouts must list at least one layer width"):
        nn.MLP(2, [])
    with pytest.raises(TypeError, match="MLP: nin must be an int, got float 2.0"):
        nn.MLP(2.0, [3])
    with pytest.raises(TypeError, match="nouts must be a list of layer widths"):
        nn.MLP(2, 3)
    with pytest.raises(TypeError, match="seed must be an int or a random.Random, got str"):
        nn.MLP(2, [3], seed="1")
    with pytest.raises(TypeError, match="bias must be True or False"):
        nn.Layer(2, 3, bias=1)


def test_numpy_flags_and_widths_are_taken_as_python_ones():
    np = pytest.importorskip("numpy")
    layer = nn.Layer(2, 3, bias=np.bool_(False), seed=np.int64(1))
    assert all(n.b is None for n in layer.neurons)
    assert nn.Neuron(2, bias=np.True_).b is not None
    model = nn.MLP(np.int64(2), np.array([3, 1]), seed=np.int64(5))
    assert repr(model) == repr(nn.MLP(2, [3, 1], seed=5))
    assert model.state_dict() == nn.MLP(2, [3, 1], seed=5).state_dict()
    with pytest.raises(TypeError, match="MLP: nouts\\[0\\] must be an int, got bool_? "):
        nn.MLP(2, np.array([True, True]))
    with pytest.raises(TypeError, match="Layer: bias must be True or False, got int"):
        nn.Layer(2, 3, bias=np.int64(1))
