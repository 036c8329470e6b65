"""The numpy replay: the generated code over arrays, one entry per sample of a batch.

The same statements `writing._write` writes for floats, over numpy float64 arrays. This module
owns what differs:

- the array form of an expression (`_Arrays`): `p if c else q` becomes `where(c, p, q)`,
  `and`/`or`/`not` become `logical_and`/`logical_or`/`logical_not`, and a chained comparison
  `a < b < c` becomes `logical_and(a < b, b < c)`; the helpers' names (`_BATCH_HELPERS`) are
  reserved in every plan;
- where numpy is reached (lazily, on first batched use): the array namespace and the checked
  call, both from `autograd._batched`, which checks the arrays' lengths and names a sample
  outside an op's domain the way the eager engine would.

`Compiled.batched`, `batched_forward`, `batched_tape` and their `*_fn` properties
(compiled.py) write the array code with `_write(..., arrays=True)` and run it through here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

_BATCH_HELPERS = {"where", "logical_and", "logical_or", "logical_not"}


class _Arrays(ast.NodeTransformer):
    """The same expression over numpy arrays.

    `p if c else q` -> where(c, p, q), and/or/not -> logical_and/or/not, `a < b < c` ->
    logical_and(a < b, b < c). lazy=True (a user's op): branches and right sides as
    `lambda: ...`, which autograd._batched evaluates only for the samples that take them, as
    the float code does.
    """

    def __init__(self, lazy: bool = False) -> None:
        self.lazy = lazy

    def _later(self, tree: ast.expr) -> ast.expr:
        if not self.lazy:
            return tree
        return ast.Lambda(ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[],
                                        defaults=[]), tree)

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        return ast.Call(ast.Name("where", ast.Load()),
                        [node.test, self._later(node.body), self._later(node.orelse)], [])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        tree = node.values[0]
        for value in node.values[1:]:
            tree = ast.Call(ast.Name(name, ast.Load()), [tree, self._later(value)], [])
        return tree

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.Call(ast.Name("logical_not", ast.Load()), [node.operand], [])
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        left, pairs = node.left, []
        for cmp, right in zip(node.ops, node.comparators):
            pairs.append(ast.Compare(left, [cmp], [right]))
            left = right
        tree: ast.expr = pairs[0]
        for pair in pairs[1:]:
            tree = ast.Call(ast.Name("logical_and", ast.Load()), [tree, pair], [])
        return tree


def namespace() -> dict[str, object]:
    """The names the array code may use: numpy's forms of the catalogue and `_BATCH_HELPERS`.

    Returns:
        Name -> function (or constant), as `autograd._batched.namespace()` gives them.

    Examples:
        >>> {"sigmoid", "where", "logical_and"} <= set(namespace())
        True
    """
    from .. import _batched

    return _batched.namespace()


def call(fn: Callable[..., Any], values: tuple[Any, ...], upstream: Any, inputs: Sequence[str],
         where: str) -> Any:
    """Run generated array code on `values`, each checked (a float, or a 1-D float array).

    Args:
        fn: A function the array code defines (`forward_backward`, `forward`).
        values: One float or array per input, in the code's order.
        upstream: The upstream gradient (a float or an array), or None for a forward alone.
        inputs: The inputs' names, for the errors.
        where: The caller's name, for the errors (`compiled.batched`).

    Returns:
        What `fn` returns: the output and the gradients, over the samples.

    Raises:
        TypeError: A value that is neither a float nor an array of real numbers.
        ValueError: Arrays of different lengths, or a sample outside an op's domain (named).

    Examples:
        >>> import numpy as np
        >>> from autograd import Value, compile
        >>> x = Value(2.0, label="x")
        >>> c = compile(x * x, [x])
        >>> out, (g,) = call(c.batched_fn, (np.array([1.0, 3.0]),), 1.0, c.inputs, "example")
        >>> out.tolist(), g.tolist()
        ([1.0, 9.0], [2.0, 6.0])
    """
    from .. import _batched

    return _batched.call(fn, values, upstream, inputs, where)
