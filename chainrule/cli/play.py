"""`chainrule play`: serve the built site's playground on 127.0.0.1 and open it in a browser.

A browser will not load WebAssembly from file://, so the playground (chainrule's own wheel in
Pyodide) needs a server; this is the smallest one: Python's http.server over the built site
(`npm ci && mkdocs build` makes it), on this machine only (127.0.0.1), at a port the system
chooses unless --port says one. It serves until Ctrl+C. `python -m http.server -d site` does the
same job by hand.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path
from typing import Any

from ._args import fail, integer, say

DESCRIPTION = __doc__ or ""
PAGE = "playground.html"
# What the playground's files must be served as: a module script is refused under any other
# type, and WebAssembly compiles while it downloads only as application/wasm.
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
         ".whl": "application/zip", ".zip": "application/zip", ".json": "application/json"}


def _site(text: str) -> Path:
    """A `type=` for --site: a folder holding a built playground.html."""
    path = Path(text)
    if not (path / PAGE).is_file():
        raise argparse.ArgumentTypeError(
            f"must be a built site with {PAGE} in it; {text!r} has none (build it: npm ci, "
            "then mkdocs build)")
    return path


_site.__name__ = "site"


def add_arguments(p: argparse.ArgumentParser, argv: list[str]) -> None:
    p.add_argument("--site", type=_site, default=None, metavar="DIR",
                   help=f"the built site (default: ./site); it must hold {PAGE}")
    p.add_argument("--port", type=integer(1, 65535), default=0,
                   help="the port on 127.0.0.1 (default: one the system chooses)")
    p.add_argument("--no-browser", action="store_true",
                   help="only print the address; do not open a browser")


class Handler(http.server.SimpleHTTPRequestHandler):
    """Files of the site, with the playground's types; one line per request, no access log."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    """A browser that leaves mid-download (a reload while Pyodide loads) is no error to print."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(site: Path, port: int = 0) -> Server:
    """A server for `site` on 127.0.0.1 (port 0: any free one), not yet serving."""
    handler = functools.partial(Handler, directory=str(site))
    return Server(("127.0.0.1", port), handler)


def _open(url: str) -> bool:
    """Open url in the user's browser, if this machine has one (False where it has none). On
    Linux without a display, only a text browser could open, and that runs no WebAssembly."""
    import os
    import sys
    import webbrowser

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return webbrowser.open(url)


def run(args: argparse.Namespace) -> int:
    site = args.site
    if site is None:
        try:
            site = _site("site")
        except argparse.ArgumentTypeError as e:
            return fail("chainrule play", f"--site {e}", 2)
    try:
        server = serve(site, args.port)
    except OSError as e:
        return fail("chainrule play", f"cannot serve on 127.0.0.1:{args.port}: {e.strerror or e}")
    url = f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
    say(f"serving {site} at {url} (Ctrl+C stops it)")
    if not args.no_browser and not _open(url):
        say("no browser found here: open the address above in one")
    sys.stdout.flush()  # the address now, not when a pipe's buffer fills: the server waits
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
    return 0
