"""The worked example through `nn`: MLP.from_weights, half_sse_loss, SGD / RMSprop.

The same 2-2-1 sigmoid network as `worked_example.py`, written the way one writes any model:

    model = MLP.from_weights([[[w13, w23], [w14, w24]], [[w35, w45]]],
                             activation="sigmoid", output_activation="sigmoid")
    loop: E = half_sse_loss(model([x1, x2]), [ya]); stop if E < 1e-7;
          optimizer.zero_grad(); E.backward(); optimizer.step()

With `SGD(lr=1)` it stops at step 111, with `RMSprop(lr=0.1, alpha=0.999, eps=1e-2)` (the
post's own RMSprop, which is PyTorch's) at step 11: the "autograd" trajectories of
`worked_example.run`, bit for bit.
"""

from __future__ import annotations

from ..layers import MLP
from ..losses import half_sse_loss
from ..optim import SGD, Optimizer, RMSprop
from .worked_example import START, TOLERANCE, X1, X2, YA, Step

__all__ = ["build", "make_optimizer", "run", "NAMES"]

# The post's weight names -> the model's parameter names (weights[l][j][k]: layer, neuron, input).
NAMES = {
    "w13": "layers.0.neurons.0.w.0", "w23": "layers.0.neurons.0.w.1",
    "w14": "layers.0.neurons.1.w.0", "w24": "layers.0.neurons.1.w.1",
    "w35": "layers.1.neurons.0.w.0", "w45": "layers.1.neurons.0.w.1",
}


def build() -> MLP:
    """The post's network at its starting weights: no biases, sigmoid on both layers."""
    w = START
    return MLP.from_weights(
        [[[w["w13"], w["w23"]], [w["w14"], w["w24"]]], [[w["w35"], w["w45"]]]],
        activation="sigmoid", output_activation="sigmoid",
    )


def make_optimizer(model: MLP, optimizer: str) -> Optimizer:
    """The post's two update rules as nn optimizers."""
    if optimizer == "sgd":
        return SGD(model.parameters(), lr=1.0)
    if optimizer == "rmsprop":
        return RMSprop(model.parameters(), lr=0.1, alpha=0.999, eps=1e-2)
    raise ValueError(f"worked example: optimizer must be 'sgd' or 'rmsprop', got {optimizer!r}")


def run(optimizer: str = "sgd", max_steps: int = 10_000) -> list[Step]:
    """The post's loop; one Step per forward pass, the last one the first with E < 1e-7."""
    model = build()
    opt = make_optimizer(model, optimizer)
    steps: list[Step] = []
    for step in range(1, max_steps + 1):
        (yp,) = model([X1, X2])
        error = half_sse_loss([yp], [YA])
        steps.append(Step(step, yp.data, error.data))
        if error.data < TOLERANCE:
            return steps
        opt.zero_grad()
        error.backward()
        opt.step()
    raise RuntimeError(f"worked example: no convergence in {max_steps} steps")
