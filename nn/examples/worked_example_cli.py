"""`chainrule worked-example`: the post's lines, step by step, then a summary."""

from __future__ import annotations

import argparse

from . import worked_example


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "worked-example",
        help="the 2-2-1 network of the post, trained until E < 1e-7",
        description=worked_example.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--optimizer", choices=["sgd", "rmsprop"], default="sgd",
                   help="plain w -= g (lr 1), or the post's RMSprop (lr 0.1, beta 0.999, eps 0.01)")
    p.add_argument("--order", choices=["autograd", "document"], default="autograd",
                   help="all gradients from one backward() (true gradient descent), or the "
                        "post's own update order")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    steps = worked_example.run(args.optimizer, args.order)
    for step in steps:
        print(step.line())
    print()
    print(worked_example.summary(steps, args.optimizer, args.order))
    return 0
