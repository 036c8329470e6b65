"""mkdocs hooks for chainrule's site (mkdocs.yml, `hooks:`).

- The notebooks live in notebooks/ (beside their generator and their pytest conftest); they
  join the site as notebooks/NN_*.ipynb, rendered by mkdocs-jupyter with their stored outputs.
- The live stepping pages are written at build time by `autograd.to_html`, the same
  self-contained pages a user writes, and the "Watch backward()" page embeds them in iframes.
- The maths is MathML, written at build time (latex2mathml), so it needs no script and no
  font from elsewhere: the pages' `$...$` and `$$...$$` (kept whole by pymdownx.arithmatex)
  and the notebooks' Markdown cells alike. A formula the converter cannot write fails the build.
- Nothing is loaded from the network: a script or stylesheet from http(s) in a built page is
  dropped, and so is the notebook template's MathJax set-up, so the site works offline and from
  file://.
"""

from __future__ import annotations

import html
import logging
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

_REMOTE = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>"
    r"|<link[^>]*\bhref=\"https?://[^\"]*\"[^>]*\brel=\"stylesheet\"[^>]*>"
    r"|<link[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"https?://[^\"]*\"[^>]*>"
)


def worked_example_page() -> str:
    from autograd import to_html
    from nn.examples.worked_example import START, forward

    root = forward(START).error
    return to_html(root, highlight="w35", show_local_grads=True, rankdir=EMBEDDED_RANKDIR,
                   title="The worked example: backward() step by step").html


def small_mlp_page() -> str:
    import nn
    from autograd import to_html

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    (score,) = model([0.5, -1.0])
    loss = nn.mse_loss([score], [1.0])
    return to_html(loss, rankdir=EMBEDDED_RANKDIR,
                   title="nn.MLP(2, [3, 1]): backward() step by step").html


# The live pages sit in a frame of the content's width (about 940 px at a 1280 px window):
# drawn top to bottom, a graph is narrower (the worked example 1355 pt instead of 3495 pt), so
# its labels stay readable there (the page's script never fits a framed picture below 60%).
EMBEDDED_RANKDIR = "TB"
PAGES = {"live/worked_example.html": worked_example_page, "live/small_mlp.html": small_mlp_page}


def on_config(config: Any) -> Any:
    """nbconvert finds its templates under <prefix>/share/jupyter; in an environment whose
    packages come from another prefix (a venv over a shared site-packages), name that one too."""
    import nbconvert

    shared = Path(nbconvert.__file__).resolve().parents[4] / "share" / "jupyter"
    known = os.environ.get("JUPYTER_PATH", "")
    if (shared / "nbconvert" / "templates").is_dir() and str(shared) not in known.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (known, str(shared)) if p)
    return config


@event_priority(100)  # before mkdocs-jupyter's on_files, so that it converts the notebooks
def on_files(files: Files, config: Any) -> Files:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        files.append(File(f"notebooks/{path.name}", src_dir=str(ROOT), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    for uri, make in PAGES.items():
        files.append(File.generated(config, uri, content=make()))
    return files


class _IndexBrackets(logging.Filter):
    """A docstring's `w[j][k]` (an index, as in the posts) reads as a Markdown reference to
    autorefs; only single-letter targets, which no API name is, are let go."""

    def filter(self, record: logging.LogRecord) -> bool:
        return re.search(r"Could not find cross-reference target '[a-z]'", record.getMessage()) \
            is None


def on_startup(command: str, dirty: bool) -> None:
    logging.getLogger("mkdocs.plugins.mkdocs_autorefs._internal.plugin").addFilter(_IndexBrackets())


_HEADING = re.compile(r"<h([1-6]) id=\"([^\"]+)\">(.*?)</h\1>", re.S)
_ANCHOR_LINK = re.compile(r"<a class=\"anchor-link\"[^>]*>.*?</a>", re.S)
_TAG = re.compile(r"<[^>]+>")


_REFERENCE = re.compile(r"^::: (autograd|nn|nn\.matrix)\n    options:\n", re.M)


def _public_names(module_name: str) -> list[str]:
    """The module's __all__, less the names of its submodules: `autograd.explain` is a function
    to Python but the module autograd/explain.py to the reference's static reader, so such names
    get their own entries on the page."""
    import importlib
    import importlib.util

    module = importlib.import_module(module_name)
    if not hasattr(module, "__path__"):  # a module, not a package: no submodules
        return list(module.__all__)
    return [name for name in module.__all__
            if importlib.util.find_spec(f"{module_name}.{name}") is None]


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """The API reference shows exactly the names of each module's __all__ (the option
    `filters: public` would also show dunder members such as __slots__)."""
    def members(match: re.Match[str]) -> str:
        names = ", ".join(_public_names(match.group(1)))
        return f"{match.group(0)}      members: [{names}]\n"

    return _REFERENCE.sub(members, markdown)


def on_page_context(context: Any, page: Any, config: Any, nav: Any) -> Any:
    """A notebook's table of contents from the ids its headings really have (mkdocs-jupyter
    slugs a heading without its code spans, so "Watch `backward()`" pointed nowhere)."""
    if not page.file.src_uri.endswith(".ipynb"):
        return context
    from mkdocs.structure.toc import get_toc

    root: list[dict[str, Any]] = []
    open_: list[dict[str, Any]] = []  # the last heading of each level still open
    for level, anchor, inner in _HEADING.findall(page.content or ""):
        name = html.unescape(_TAG.sub("", _ANCHOR_LINK.sub("", inner))).strip()
        token = {"level": int(level), "id": anchor, "name": name, "children": []}
        while open_ and open_[-1]["level"] >= token["level"]:
            open_.pop()
        (open_[-1]["children"] if open_ else root).append(token)
        open_.append(token)
    page.toc = get_toc(root)  # type: ignore[arg-type]
    context["toc"] = page.toc
    return context


# --- maths: TeX to MathML at build time ------------------------------------------------------

# pymdownx.arithmatex (generic) leaves each formula whole, its text HTML-escaped.
_ARITHMATEX = re.compile(
    r"<span class=\"arithmatex\">\\\((.*?)\\\)</span>"
    r"|<div class=\"arithmatex\">\\\[(.*?)\\\]</div>", re.S)
# A notebook's Markdown cell keeps its $...$ and $$...$$ as text (nbconvert's mistune), and so
# does an output in LaTeX (`explain`'s _repr_latex_).
_NOTEBOOK_MARKDOWN = re.compile(
    r"(<div class=\"jp-(?:RenderedHTMLCommon jp-RenderedMarkdown|RenderedLatex)[^\"]*\"[^>]*>)"
    r"(.*?)(</div>)", re.S)
_NOTEBOOK_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?=\S)([^$]+?)(?<=\S)\$(?![\w$])",
                            re.S)
_VERBATIM = re.compile(r"(<(code|pre)\b.*?</\2>)", re.S)
# The notebook template's MathJax (its script is dropped as remote; its set-up is dead code).
_MATHJAX_SETUP = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->",
                            re.S)


# latex2mathml writes σ' as σ with a superscript prime, which the browser raises twice (a dot
# above the σ): the prime is a letter's own mark, after it on the line.
_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>(&#x0203[234];)</mi></msup>")
# pmatrix's brackets, marked as fences so that they grow with the matrix.
_MATRIX = re.compile(
    r"<mo>(&#x00028;|&#x0005B;)</mo>(<mtable>.*?</mtable>)<mo>(&#x00029;|&#x0005D;)</mo>", re.S)


def tex_to_mathml(tex: str, display: bool, where: str) -> str:
    """One formula as MathML; a formula that comes out with TeX in it is an error of the page."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex.strip(), display="block" if display else "inline")
    except Exception as error:  # the converter's own exceptions, of several types
        raise ValueError(f"{where}: latex2mathml cannot write ${tex}$ ({error}); "
                         "write it with the commands the other formulas use") from error
    mathml = _PRIME.sub(r'\1<mo form="postfix" lspace="0" rspace="0">\2</mo>', mathml)
    mathml = _MATRIX.sub(r'<mrow><mo fence="true" form="prefix" stretchy="true">\1</mo>\2'
                         r'<mo fence="true" form="postfix" stretchy="true">\3</mo></mrow>', mathml)
    # A named function (\max, \operatorname{sign}) is a word, set upright with no operator's
    # spacing: max(0, x), not max (0, x).
    mathml = re.sub(r"<mo>([A-Za-z]{2,})</mo>", r"<mi>\1</mi>", mathml)
    # TeX's / is a plain symbol, as in ∂E/∂w, not an operator spaced out on both sides.
    mathml = mathml.replace("<mo>&#x0002F;</mo>", '<mo lspace="0" rspace="0">&#x0002F;</mo>')
    left = re.search(r">[^<]*\\[A-Za-z]+[^<]*<", mathml)
    if left:
        raise ValueError(f"{where}: ${tex}$ keeps TeX in its MathML ({left.group(0)[1:-1]}): "
                         "latex2mathml does not know that command; write it another way")
    return mathml


def _notebook_maths(text: str, where: str) -> str:
    """The $...$ of a notebook Markdown cell's HTML, outside <code> and <pre>."""
    def formula(match: re.Match[str]) -> str:
        display = match.group(1) is not None
        tex = html.unescape(match.group(1) if display else match.group(2))
        return tex_to_mathml(tex, display, where)

    parts = _VERBATIM.split(text)
    # split keeps the whole verbatim element (group 1) and its tag name (group 2)
    out = []
    for k in range(0, len(parts), 3):
        out.append(_NOTEBOOK_MATH.sub(formula, parts[k]))
        if k + 1 < len(parts):
            out.append(parts[k + 1])
    return "".join(out)


# A `|` in a table cell's code is written `\|` (GitHub's tables need it, in code too); Python-
# Markdown keeps the backslash there (docs/operations.md: `d\|a\|/da`), so it goes here.
_CELL = re.compile(r"<td[^>]*>.*?</td>", re.S)
_CODE = re.compile(r"<code>.*?</code>", re.S)


def on_page_content(html_: str, page: Any, config: Any, files: Any) -> str:
    where = page.file.src_uri

    def formula(match: re.Match[str]) -> str:
        display = match.group(2) is not None
        tex = html.unescape(match.group(2) if display else match.group(1))
        return tex_to_mathml(tex, display, where)

    html_ = _ARITHMATEX.sub(formula, html_)
    html_ = _CELL.sub(lambda cell: _CODE.sub(lambda code: code.group(0).replace("\\|", "|"),
                                             cell.group(0)), html_)
    if where.endswith(".ipynb"):
        html_ = _NOTEBOOK_MARKDOWN.sub(
            lambda m: m.group(1) + _notebook_maths(m.group(2), where) + m.group(3), html_)
        html_ = _MATHJAX_SETUP.sub("", html_)
    return html_


def on_post_page(output: str, page: Any, config: Any) -> str:
    return _REMOTE.sub("", output)
