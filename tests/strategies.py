"""The test suite's Hypothesis strategies: they live in the public `autograd.testing` (so anyone
can test an op with them); this module keeps the tests' old import path working."""

from autograd.testing import (  # noqa: F401
    BINARY_STEPS,
    ENGINE,
    KINKED,
    MAX_NARY,
    NARY_STEPS,
    POW_EXPONENTS,
    UNARY_STEPS,
    Recipe,
    op_arguments,
    operand,
    recipes,
)
