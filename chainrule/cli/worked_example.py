"""`chainrule worked-example`: the post's lines, step by step, then a summary."""

from __future__ import annotations

import argparse

from nn.examples import worked_example

DESCRIPTION = worked_example.__doc__ or ""


def add_arguments(p: argparse.ArgumentParser, argv: list[str]) -> None:
    p.add_argument("--optimizer", choices=["sgd", "rmsprop"], default="sgd",
                   help="plain w -= g (lr 1), or the post's RMSprop (lr 0.1, beta 0.999, eps 0.01)")
    p.add_argument("--order", choices=["autograd", "document"], default="autograd",
                   help="all gradients from one backward() (true gradient descent), or the "
                        "post's own update order")


def run(args: argparse.Namespace) -> int:
    steps = worked_example.run(args.optimizer, args.order)
    for step in steps:
        print(step.line())
    print()
    print(worked_example.summary(steps, args.optimizer, args.order))
    return 0
