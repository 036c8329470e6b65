"""What `chainrule graph` and `chainrule explain` share: the worked example's graph after one
forward and backward pass at the post's starting weights, and the names a reader may type."""

from __future__ import annotations

import argparse

from autograd import Value, topo_order
from nn.examples import worked_example

LABELS = tuple(worked_example.START) + ("x1", "x2", "z3", "z4", "y3", "y4", "z5", "yp", "E")
# The post writes w_ij for the weight INTO node i FROM node j ("update w53": from y3 into z5);
# we write from-to, as its code's keys (3, 5) do. Both spellings name the same weight.
POST_NAMES = {f"w{name[2]}{name[1]}": name for name in worked_example.START}


class NodeName(str):
    """A node's label as we write it; `.given` is what was typed (w53 for w35)."""

    given: str


def node_name(text: str) -> NodeName:
    """A `type=` for NAME and --highlight: one of LABELS, or the post's spelling of a weight."""
    canonical = POST_NAMES.get(text, text)
    if canonical not in LABELS:
        raise argparse.ArgumentTypeError(
            f"must be one of {', '.join(LABELS)} (or the post's w31, w32, w41, w42, w53, w54), "
            f"got {text!r}"
        )
    name = NodeName(canonical)
    name.given = text
    return name


def same_weight(name: NodeName) -> str:
    """The line saying that the post's w53 is our w35 ('' when the name was typed our way)."""
    if name.given == name:
        return ""
    return (f"{name.given} is the post's name for {name}, the same weight (from node {name[1]} "
            f"into node {name[2]}: the post writes w_ij into i from j, we write from-to)")


def graph() -> tuple[Value, dict[str, Value]]:
    """E after one forward and backward pass, and every labelled Value by its label."""
    g = worked_example.forward(worked_example.START)
    g.error.backward()
    return g.error, {node.label: node for node in topo_order(g.error) if node.label}
