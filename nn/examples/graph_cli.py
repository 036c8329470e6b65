"""`chainrule graph` and `chainrule explain`: the worked example's graph as a picture, and the
chain rule of one of its gradients in numbers (both after one forward and backward pass at the
post's starting weights)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograd import Value, draw_dot, explain, topo_order

from . import worked_example

LABELS = tuple(worked_example.START) + ("x1", "x2", "z3", "z4", "y3", "y4", "z5", "yp", "E")
# What `--out` can be, by suffix: a picture rendered by `dot`, or the DOT source itself.
RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
SOURCE = {".gv", ".dot"}


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add both subcommands, `graph` and `explain`."""
    g = subparsers.add_parser(
        "graph",
        help="draw the worked example's graph (values, gradients, the w35 path)",
        description="Draw the graph of E for the 2-2-1 network of the post after one forward "
        "and backward pass: one box per Value (label, data, grad), one oval per operation.",
    )
    g.add_argument("--out", required=True, type=Path,
                   help="file to write: .svg, .png or .pdf (needs the `dot` program), or .gv/.dot "
                        "for the DOT source")
    g.add_argument("--highlight", choices=LABELS, metavar="NAME",
                   help="draw the path(s) from NAME up to E in red, e.g. w35 "
                        f"(one of {', '.join(LABELS)})")
    g.add_argument("--local-grads", action="store_true",
                   help="write each local derivative on its arrow")
    g.add_argument("--show-constants", action="store_true",
                   help="draw the constants 0.5 and 2 as boxes of their own")
    g.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="LR: inputs on the left, E on the right (default); TB: top to bottom, "
                        "narrow enough for a page")
    g.set_defaults(run=run_graph)

    e = subparsers.add_parser(
        "explain",
        help="the chain rule of dE/dNAME, with symbols and numbers",
        description="Write dE/dNAME for the worked example as the chain rule: the product of "
        "local derivatives along the path from NAME to E, and the number backward() gives.",
    )
    e.add_argument("name", choices=LABELS, metavar="NAME",
                   help=f"the Value to differentiate by: {', '.join(LABELS)}")
    e.add_argument("--latex", action="store_true", help="print the LaTeX form instead")
    e.add_argument("--digits", type=int, default=4, help="significant digits (default 4)")
    e.set_defaults(run=run_explain)


def _graph() -> tuple[Value, dict[str, Value]]:
    """E after one forward and backward pass, and every labelled Value by its label."""
    g = worked_example.forward(worked_example.START)
    g.error.backward()
    return g.error, {node.label: node for node in topo_order(g.error) if node.label}


def run_graph(args: argparse.Namespace) -> int:
    error, nodes = _graph()
    suffix = args.out.suffix.lower()
    if suffix not in RENDERED and suffix not in SOURCE:
        print(f"chainrule graph: --out must end in .svg, .png, .pdf, .gv or .dot, got "
              f"{str(args.out)!r}", file=sys.stderr)
        return 2
    dot = draw_dot(
        error,
        highlight=nodes[args.highlight] if args.highlight else None,
        show_local_grads=args.local_grads,
        hide_constants=not args.show_constants,
        rankdir=args.rankdir,
    )
    if suffix in SOURCE:
        args.out.write_text(dot.source, encoding="utf-8")
    else:
        import graphviz

        try:
            data = dot.pipe(format=RENDERED[suffix])
        except graphviz.ExecutableNotFound:
            print("chainrule graph: the `dot` program of Graphviz is not installed (Debian: "
                  "apt-get install graphviz); write a .gv file to get the DOT source instead",
                  file=sys.stderr)
            return 1
        args.out.write_bytes(data)
    print(f"wrote {args.out}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    if args.digits < 1:
        print(f"chainrule explain: --digits must be >= 1, got {args.digits}", file=sys.stderr)
        return 2
    error, nodes = _graph()
    wrt = nodes[args.name]
    result = explain(error, wrt, digits=args.digits)
    print(result.latex if args.latex else result.text)
    print(f"backward() gives {args.name}.grad = {wrt.grad!r}")
    return 0
