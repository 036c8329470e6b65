"""chainrule's scalar autograd engine: Values, the operation catalogue, and the chain rule.

Start with `Value`: every operation on it records one node of the graph, and `backward()`
applies the chain rule over that graph, filling each Value's `.grad`.

Examples:
    >>> from autograd import Value
    >>> x = Value(0.35, label="x")
    >>> y = (x * 2).sigmoid()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.443426
"""

from .backward import (
    AnomalyError,
    detect_anomaly,
    enable_grad,
    gc_paused,
    grad,
    is_grad_enabled,
    no_grad,
    topo_order,
)
from .check import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .compile import Compiled, TraceMismatchError, trace
from .compile import compile as compile  # exported, but not by `import *` (see below)
from .define import define_op
from .draw import draw_dot
from .explain import explain, Explanation
from .higher import hessian, hvp
from .ops import CATALOGUE, DomainError, Op
from .page import BackwardPage, to_html
from .backward_trace import BackwardTrace, trace_backward
from .value import Value, logsumexp, mean
from .value import sum as sum  # exported, but not by `import *` (see below)

__all__ = [
    "Value", "mean", "logsumexp", "grad", "no_grad", "gc_paused", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "AnomalyError", "topo_order", "gradcheck", "numerical_grad",
    "GradcheckError", "CATALOGUE", "Op", "DomainError", "draw_dot", "explain", "Explanation",
    "gradgradcheck", "hessian", "hvp",
    "to_html", "BackwardPage", "trace_backward", "BackwardTrace",
    "trace", "Compiled", "TraceMismatchError", "define_op",
]
# `sum` and `compile` are autograd.sum and autograd.compile, left out of __all__ so that
# `from autograd import *` does not replace the builtins of the same names.
