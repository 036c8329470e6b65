"""mkdocs hook for the playground (mkdocs.yml, `hooks:`): `playground.html`, chainrule itself
running in the browser.

At build time this hook puts into the site, under playground/:
- chainrule's own wheel, built from this checkout (`pip wheel --no-deps`), so the playground
  always runs the site's own commit; and graphviz's Python package (pure Python: draw_dot writes
  its DOT source with it), zipped from the build's environment;
- from node_modules/ (`npm ci`, pinned with integrity hashes in package.json and
  package-lock.json): Pyodide (CPython in WebAssembly), only the files it loads, and
  @viz-js/viz (Graphviz's dot in WebAssembly), which lays out the graph in the browser;
- the page's script and styles (docs_hooks/playground_files/), the runner that Pyodide executes
  (runner.py), and the stepping page's own page.js and page.css (autograd.page.asset).

Nothing is fetched from elsewhere at build time or in the browser: the page's Content-Security-
Policy allows only its own server (`connect-src 'self'`). A browser will not load WebAssembly
from file://, so opened from disk the page says so in one line and names the command to serve it.

Without node_modules the build writes a playground.html that says how to get the packages and
logs it: as a line of information (the site builds with no Node at all), or under CI (which sets
CI=true and runs `npm ci`) as a warning, which fails `mkdocs build --strict`.
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
FILES = Path(__file__).resolve().parent / "playground_files"
NODE_MODULES = ROOT / "node_modules"
PAGE = "playground.html"
FOLDER = "playground"
# What Pyodide loads to start (its console pages, type stubs and source maps stay out).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
PACKAGES = ("pyodide", "@viz-js/viz")  # package.json's others are other hooks' (vendored.py)
VIZ_FILE = "viz-global.js"  # the build that defines window.Viz (a classic script)
# What the wheel is built from: the packages and what pyproject.toml names.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "autograd", "nn", "chainrule")

log = logging.getLogger("mkdocs.hooks.playground")
_built: Path | None = None  # the folder the wheel is built into, removed after the build


# --- what goes into the site ------------------------------------------------------------------


def pinned_versions() -> dict[str, str]:
    """The playground's packages in package.json: name -> the exact version pinned."""
    text = (ROOT / "package.json").read_text(encoding="utf-8")
    pinned = json.loads(text)["dependencies"]
    return {name: pinned[name] for name in PACKAGES}


def missing_packages() -> list[str]:
    """The npm packages that node_modules lacks or holds at another version than pinned."""
    missing = []
    for name, version in pinned_versions().items():
        meta = NODE_MODULES / name / "package.json"
        found = json.loads(meta.read_text(encoding="utf-8")).get("version") \
            if meta.is_file() else None
        if found != version:
            missing.append(f"{name}@{version}" + (f" (found {found})" if found else ""))
    return missing


def build_wheel(out: Path) -> Path:
    """chainrule's wheel from this checkout, into `out`. The sources are copied first (without
    caches), so setuptools' build/ folder never lingers in the checkout with files since
    deleted; --no-build-isolation and --no-index: nothing is downloaded."""
    with tempfile.TemporaryDirectory(prefix="chainrule-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for name in WHEEL_SOURCES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=ignore)
            else:
                shutil.copy2(path, src / name)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--quiet", "--wheel-dir", str(out), str(src)],
            capture_output=True, text=True, check=False,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        if done.returncode != 0:
            raise RuntimeError(
                "playground: `pip wheel` could not build chainrule's wheel (with setuptools "
                "older than 70.1 it needs the `wheel` package, which the docs extra installs):\n"
                + (done.stderr or done.stdout)[-3000:])
    wheels = sorted(out.glob("chainrule-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"playground: expected one chainrule wheel in {out}, found {wheels}")
    return wheels[0]


def graphviz_zip() -> bytes:
    """graphviz's Python package (pure Python), zipped as it is installed here: draw_dot builds
    its DOT source with it. Entries sorted and dated alike, so the same files give the same
    bytes."""
    import graphviz

    package = Path(graphviz.__file__).resolve().parent
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*.py")):
            info = zipfile.ZipInfo(f"graphviz/{path.relative_to(package).as_posix()}",
                                   date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def load_examples() -> list[dict[str, str]]:
    """The one-click examples (playground_files/examples.py): title and code."""
    namespace: dict[str, Any] = {}
    path = FILES / "examples.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return [{"title": title, "code": code} for title, code in namespace["EXAMPLES"].items()]


def _json_for_html(data: Any) -> str:
    """JSON that cannot end its <script> block early, whatever the strings hold."""
    text = json.dumps(data, ensure_ascii=False)
    for ch, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, escape)
    return text


def page_html(wheel: str | None, note: str = "") -> str:
    """playground.html: the template with the stepping view (autograd.page.view_markup), the
    examples and where the wheel is. `wheel` None: a page that only says `note`."""
    from autograd.page import view_markup

    examples = load_examples()
    buttons = "\n".join(
        f'<button type="button" class="example" data-example="{k}">'
        f"{html.escape(e['title'])}</button>" for k, e in enumerate(examples))
    template = (FILES / "playground.html").read_text(encoding="utf-8")
    return (template
            .replace("{{wheel}}", html.escape(wheel or "", quote=True))
            .replace("{{note}}", html.escape(note))
            .replace("{{buttons}}", buttons)
            .replace("{{examples}}", _json_for_html(examples))
            .replace("{{code}}", html.escape(examples[0]["code"]))
            .replace("{{view}}", view_markup("The stepping view")))


# --- the hooks --------------------------------------------------------------------------------


def on_files(files: Files, config: Any) -> Files:
    def add(uri: str, *, content: str | bytes | None = None, path: Path | None = None) -> None:
        if path is not None:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        else:
            files.append(File.generated(config, uri, content=content))

    from autograd.page import asset

    # The page's own files, with or without the npm packages (so every link of the page holds).
    for name in ("playground.js", "playground.css", "runner.py"):
        add(f"{FOLDER}/{name}", path=FILES / name)
    for name in ("page.js", "page.css"):
        add(f"{FOLDER}/{name}", content=asset(name))
    missing = missing_packages()
    if missing:
        note = (f"This build of the site has no playground: the npm packages "
                f"{', '.join(missing)} are missing. Run `npm ci`, then build the site again.")
        (log.warning if os.environ.get("CI") else log.info)(note)
        add(PAGE, content=page_html(None, note))
        return files

    global _built
    _built = Path(tempfile.mkdtemp(prefix="chainrule-playground-"))
    wheel = build_wheel(_built)
    add(f"{FOLDER}/{wheel.name}", path=wheel)
    add(f"{FOLDER}/graphviz.zip", content=graphviz_zip())
    for name in PYODIDE_FILES:
        add(f"{FOLDER}/pyodide/{name}", path=NODE_MODULES / "pyodide" / name)
    add(f"{FOLDER}/viz/{VIZ_FILE}", path=NODE_MODULES / "@viz-js" / "viz" / "dist" / VIZ_FILE)
    add(PAGE, content=page_html(f"{FOLDER}/{wheel.name}"))
    return files


def on_post_build(config: Any) -> None:
    global _built
    if _built is not None:
        shutil.rmtree(_built, ignore_errors=True)
        _built = None
