"""chainrule's neural-network package, built on `autograd.Value`, with PyTorch's names.

Modules and layers (`MLP`), losses, optimizers and schedules, and `fit`, the training loop.
The matrix form of the same network, BP1-BP4 in numpy, is `nn.matrix`.

Examples:
    >>> import nn
    >>> model = nn.MLP(2, [16, 16, 1], seed=1337)     # micrograd's demo model
    >>> (score,) = model([0.5, -1.0])                  # a list, even for one output
    >>> opt = nn.SGD(model.parameters(), lr=0.01)
    >>> loss = nn.mse_loss([score], [1.0])
    >>> opt.zero_grad(); loss.backward(); opt.step()
    >>> round(loss.data, 4), round(nn.mse_loss(model([0.5, -1.0]), [1.0]).data, 4)
    (2.7763, 0.0046)
"""

from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING as _TYPE_CHECKING

from . import losses, optim
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from .losses import (
    bce_with_logits_loss,
    cross_entropy_loss,
    half_sse_loss,
    hinge_loss,
    mse_loss,
)
from .module import IncompatibleKeys, Module, load, save
from .optim import (
    SGD,
    Adam,
    AdamW,
    ExponentialLR,
    LinearLR,
    LRScheduler,
    Optimizer,
    RMSprop,
    StepLR,
)
from .train import History, NonFiniteLossError, accuracy, fit, predict

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS", "IncompatibleKeys", "save", "load",
    "mse_loss", "half_sse_loss", "hinge_loss", "bce_with_logits_loss", "cross_entropy_loss",
    "Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "LRScheduler", "StepLR", "ExponentialLR",
    "LinearLR", "fit", "History", "NonFiniteLossError", "accuracy", "predict", "losses", "optim",
]

if _TYPE_CHECKING:
    from . import examples as examples, matrix as matrix

# Submodules that need numpy (or more), imported on first use, so `import nn` stays light and
# `import nn; nn.matrix.MatrixMLP` still works, as the README writes it.
_LAZY = ("matrix", "examples")


def __getattr__(name: str) -> _ModuleType:
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))  # dir(nn) and tab completion list them too

