"""mkdocs hook: the site's browser-side files that come from package registries, copied in at
build time (never committed, never from a CDN).

- iframe-worker (npm, pinned in package.json and package-lock.json): the shim that Material's
  `offline` plugin needs for search from file://, where a page may not start a worker.
- Latin Modern Math (Debian's fonts-lmodern, GUST Font License): the OpenType math font the
  site's MathML is laid out with, so every reader sees the same formulas whatever fonts the
  system has. maths.css names it beside itself (assets/maths/).

A missing one is said in one line: information on a machine without it (the site still builds;
search from disk or the formulas' font is what is lost), a warning under CI (which installs
both), so that `mkdocs build --strict` fails there.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
LM_MATH = Path("/usr/share/texmf")

# site path -> (source, how to get it)
VENDORED = {
    "assets/iframe-worker/shim.js": (NODE_MODULES / "iframe-worker" / "shim" / "index.js",
                                     "`npm ci` (iframe-worker, for search from disk)"),
    "assets/iframe-worker/LICENSE": (NODE_MODULES / "iframe-worker" / "LICENSE",
                                     "`npm ci` (iframe-worker's licence)"),
    "assets/maths/latinmodern-math.otf": (
        LM_MATH / "fonts" / "opentype" / "public" / "lm-math" / "latinmodern-math.otf",
        "`apt-get install fonts-lmodern` (the formulas' font)"),
    "assets/maths/GUST-FONT-LICENSE.txt": (
        LM_MATH / "doc" / "fonts" / "lm-math" / "GUST-FONT-LICENSE.txt",
        "`apt-get install fonts-lmodern` (the font's licence)"),
}

log = logging.getLogger("mkdocs.hooks.vendored")


def on_files(files: Files, config: Any) -> Files:
    missing = []
    for uri, (source, how) in VENDORED.items():
        if source.is_file():
            files.append(File.generated(config, uri, abs_src_path=str(source)))
        else:
            missing.append(f"{uri} ({how})")
    if missing:
        note = "This build of the site lacks " + "; ".join(missing)
        (log.warning if os.environ.get("CI") else log.info)(note)
    return files
