"""micrograd's API on chainrule's engine: code written for micrograd runs with the import changed.

    from micrograd.engine import Value    ->  from chainrule.micrograd.engine import Value
    from micrograd.nn import MLP          ->  from chainrule.micrograd.nn import MLP
    from micrograd import nn              ->  from chainrule.micrograd import nn

`Value` is a subclass of chainrule's own `autograd.Value` that also takes micrograd's
`Value(data, _children=(), _op='', label='')` and an assigned `_backward` closure, so the
lecture's hand-written operations run as written (see chainrule.micrograd.engine); it answers to
micrograd's `_prev` and `_op` too. `Neuron(nin, nonlin=True)`, `Layer` and `MLP` are
micrograd's: weights drawn from the global `random` (so `random.seed(1337)` before
`MLP(2, [16, 16, 1])` gives its demo model), a Layer of width one returning a bare Value,
micrograd's reprs. They are `nn.Module`s too, so `nn.SGD(model.parameters())`, `state_dict()`
and `save()` work on them.
"""

from chainrule import _names

_names.check()  # a foreign `autograd` or `nn` would fail below with a less helpful error

from . import engine, nn  # noqa: E402
from .engine import Value  # noqa: E402

__all__ = ["Value", "engine", "nn"]
