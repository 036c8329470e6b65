"""chainrule's scalar autograd engine: Values, the operation catalogue, and the chain rule.

    >>> from autograd import Value
    >>> x = Value(0.35, label="x")
    >>> y = (x * 2).sigmoid()
    >>> y.backward()
"""

from .backward import (
    AnomalyError,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    topo_order,
)
from .check import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .compile import Compiled, TraceMismatchError, compile, trace
from .define import define_op
from .draw import draw_dot
from .explain import explain, Explanation
from .higher import hessian, hvp
from .ops import CATALOGUE, DomainError, Op
from .page import BackwardPage, to_html
from .backward_trace import BackwardTrace, trace_backward
from .value import Value, logsumexp, mean, sum

__all__ = [
    "Value", "sum", "mean", "logsumexp", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "AnomalyError", "topo_order", "gradcheck", "numerical_grad",
    "GradcheckError", "CATALOGUE", "Op", "DomainError", "draw_dot", "explain", "Explanation",
    "gradgradcheck", "hessian", "hvp",
    "to_html", "BackwardPage", "trace_backward", "BackwardTrace",
    "compile", "trace", "Compiled", "TraceMismatchError", "define_op",
]
