"""`chainrule graph`: the worked example's graph as a picture (`--out`), or as the page that
steps through backward() (`--html`), after one forward and backward pass at the post's
starting weights. Both files are written atomically: a failed write leaves an older file as it
was."""

from __future__ import annotations

import argparse
from typing import Any

from autograd import Value, draw_dot, to_html
from autograd._files import write_atomic

from . import _worked
from ._args import fail, out_file, say

DESCRIPTION = ("Draw the graph of E for the 2-2-1 network of the post after one forward and "
               "backward pass: one box per Value (label, data, grad), one oval per operation.")
# What `--out` can be, by suffix: a picture rendered by `dot`, or the DOT source itself.
RENDERED = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
SOURCE = {".gv", ".dot"}


def add_arguments(g: argparse.ArgumentParser, argv: list[str]) -> None:
    where = g.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=out_file((*RENDERED, *sorted(SOURCE))),
                       help="file to write: .svg, .png or .pdf (needs the `dot` program), or "
                            ".gv/.dot for the DOT source")
    where.add_argument("--html", type=out_file((".html", ".htm")), metavar="FILE",
                       help="write one self-contained page that steps through the forward pass "
                            "and backward(), update by update (open it in a browser)")
    g.add_argument("--highlight", type=_worked.node_name, metavar="NAME",
                   help="draw the path(s) from NAME up to E in red, e.g. w35 (the post's w53) "
                        f"(one of {', '.join(_worked.LABELS)})")
    g.add_argument("--local-grads", action="store_true",
                   help="write each local derivative on its arrow")
    g.add_argument("--show-constants", action="store_true",
                   help="draw the constants 0.5 and 2 as boxes of their own")
    g.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="LR: inputs on the left, E on the right (default); TB: top to bottom, "
                        "narrow enough for a page")


def _picture_options(args: argparse.Namespace, nodes: dict[str, Value]) -> dict[str, Any]:
    """The flags the picture and the page share (draw_dot's and to_html's keywords)."""
    return {
        "highlight": nodes[args.highlight] if args.highlight else None,
        "show_local_grads": args.local_grads,
        "hide_constants": not args.show_constants,
        "rankdir": args.rankdir,
    }


def run(args: argparse.Namespace) -> int:
    error, nodes = _worked.graph()
    if args.html is not None:
        return _write_html(args, error, nodes)
    suffix = args.out.suffix.lower()
    dot = draw_dot(error, **_picture_options(args, nodes))
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
        write_atomic(args.out, data)
    except OSError as e:
        return fail("chainrule graph", f"--out cannot be written: {str(args.out)!r}: "
                    f"{e.strerror or e}", 2)
    if args.highlight and _worked.same_weight(args.highlight):
        say(_worked.same_weight(args.highlight))
    say(f"wrote {args.out}")
    return 0


def _write_html(args: argparse.Namespace, error: Value, nodes: dict[str, Value]) -> int:
    import graphviz

    try:
        page = to_html(error, title="The worked example: watch backward() step by step",
                       **_picture_options(args, nodes))
    except graphviz.ExecutableNotFound:
        return fail("chainrule graph", "the `dot` program of Graphviz is not installed (Debian: "
                    "apt-get install graphviz); the page draws the graph with it")
    try:
        page.save(args.html)
    except OSError as e:
        return fail("chainrule graph", f"--html cannot be written: {str(args.html)!r}: "
                    f"{e.strerror or e}", 2)
    if args.highlight and _worked.same_weight(args.highlight):
        say(_worked.same_weight(args.highlight))
    say(f"wrote {args.html}: {len(page.trace.order)} Values, {len(page.trace.updates)} "
        f"chain-rule updates; open it in a browser ({args.html.resolve().as_uri()})")
    return 0
