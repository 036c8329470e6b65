"""micrograd's `engine`: its `Value` is chainrule's `autograd.Value`."""

from autograd import Value

__all__ = ["Value"]
