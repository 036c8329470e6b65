"""chainrule: the distribution's own package, holding what is not the engine or nn.

The engine and the networks are the top-level packages `autograd` and `nn`. This package holds
the command (`python -m chainrule`, the same as `chainrule`), the check that those two names are
chainrule's own, and `chainrule.micrograd`, the front door for code written for micrograd.
Importing it imports neither `autograd` nor `nn`.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
