"""`chainrule graph` and `chainrule explain`: the worked example's graph as a picture, and the
chain rule of one of its gradients in numbers (both after one forward and backward pass at the
post's starting weights)."""

from __future__ import annotations

import argparse

from autograd import Value, draw_dot, explain, to_html, topo_order

from . import worked_example
from ._args import fail, integer, out_file

LABELS = tuple(worked_example.START) + ("x1", "x2", "z3", "z4", "y3", "y4", "z5", "yp", "E")
# What `--out` can be, by suffix: a picture rendered by `dot`, or the DOT source itself.
RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
SOURCE = {".gv", ".dot"}
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


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add both subcommands, `graph` and `explain`."""
    g = subparsers.add_parser(
        "graph",
        help="draw the worked example's graph (values, gradients, the w35 path)",
        description="Draw the graph of E for the 2-2-1 network of the post after one forward "
        "and backward pass: one box per Value (label, data, grad), one oval per operation.",
    )
    where = g.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=out_file((*RENDERED, *sorted(SOURCE))),
                       help="file to write: .svg, .png or .pdf (needs the `dot` program), or "
                            ".gv/.dot for the DOT source")
    where.add_argument("--html", type=out_file((".html", ".htm")), metavar="FILE",
                       help="write one self-contained page that steps through the forward pass "
                            "and backward(), update by update (open it in a browser)")
    g.add_argument("--highlight", type=node_name, metavar="NAME",
                   help="draw the path(s) from NAME up to E in red, e.g. w35 (the post's w53) "
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
    e.add_argument("name", type=node_name, metavar="NAME",
                   help=f"the Value to differentiate by: {', '.join(LABELS)} (the post's w53 "
                        "is w35, and so on)")
    e.add_argument("--latex", action="store_true", help="print the LaTeX form instead")
    e.add_argument("--digits", type=integer(1, 17), default=4,
                   help="significant digits, 1 to 17 (default 4)")
    e.set_defaults(run=run_explain)


def _graph() -> tuple[Value, dict[str, Value]]:
    """E after one forward and backward pass, and every labelled Value by its label."""
    g = worked_example.forward(worked_example.START)
    g.error.backward()
    return g.error, {node.label: node for node in topo_order(g.error) if node.label}


def run_graph(args: argparse.Namespace) -> int:
    error, nodes = _graph()
    if args.html is not None:
        return _write_html(args, error, nodes)
    suffix = args.out.suffix.lower()
    dot = draw_dot(
        error,
        highlight=nodes[args.highlight] if args.highlight else None,
        show_local_grads=args.local_grads,
        hide_constants=not args.show_constants,
        rankdir=args.rankdir,
    )
    if suffix in SOURCE:
        data = dot.source.encode("utf-8")
    else:
        import graphviz

        try:
            data = dot.pipe(format=RENDERED[suffix])
        except graphviz.ExecutableNotFound:
            return fail("chainrule graph", "the `dot` program of Graphviz is not installed "
                        "(Debian: apt-get install graphviz); write a .gv file to get the DOT "
                        "source instead")
    try:
        args.out.write_bytes(data)
    except OSError as e:
        return fail("chainrule graph", f"--out cannot be written: {str(args.out)!r}: "
                    f"{e.strerror or e}", 2)
    if args.highlight and same_weight(args.highlight):
        print(same_weight(args.highlight))
    print(f"wrote {args.out}")
    return 0


def _write_html(args: argparse.Namespace, error: Value, nodes: dict[str, Value]) -> int:
    import graphviz

    try:
        page = to_html(
            error,
            highlight=nodes[args.highlight] if args.highlight else None,
            show_local_grads=args.local_grads,
            hide_constants=not args.show_constants,
            title="The worked example: watch backward() step by step",
        )
    except graphviz.ExecutableNotFound:
        return fail("chainrule graph", "the `dot` program of Graphviz is not installed (Debian: "
                    "apt-get install graphviz); the page draws the graph with it")
    try:
        page.save(args.html)
    except OSError as e:
        return fail("chainrule graph", f"--html cannot be written: {str(args.html)!r}: "
                    f"{e.strerror or e}", 2)
    if args.highlight and same_weight(args.highlight):
        print(same_weight(args.highlight))
    print(f"wrote {args.html}: {len(page.trace.order)} Values, {len(page.trace.updates)} "
          f"chain-rule updates; open it in a browser (file://{args.html.resolve()})")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    error, nodes = _graph()
    if same_weight(args.name):
        print(same_weight(args.name))
    wrt = nodes[args.name]
    result = explain(error, wrt, digits=args.digits)
    print(result.latex if args.latex else result.text)
    print(f"backward() gives {args.name}.grad = {wrt.grad!r}")
    return 0
