"""Screenshots of the built site, every page at 1280x900, opened from disk as a reader would.

    python docs_hooks/screenshots.py                     # build the site, shoot every page
    python docs_hooks/screenshots.py --site site         # shoot an existing build instead
    python docs_hooks/screenshots.py --only matrix.html operations.html --out /tmp/shots

Each page of the site (404.html and playground.html aside: SERVED_ONLY below) gives
docs/screenshots/<path>.png, the page's path with `/` written `_` (api/autograd.html ->
api_autograd.png), the top of the page as the window shows it. A few views scroll to the part
a reader comes for (VIEWS below); `--view NAME=PAGE#ID` adds one
(`--view api_define_op=api/autograd.html#autograd.define_op`).

Look at every picture it writes: raw markup, a squeezed figure or a blank area is a bug of
the page, not of the screenshot. Needs the docs extra, Debian's chromium and chromium-driver,
and selenium (the test extra).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1280, 900
# name -> (page, the id of the element to scroll to: it lands just under the header)
VIEWS = {
    "api_define_op": ("api/autograd.html", "autograd.define_op"),
    "api_value": ("api/autograd.html", "autograd.Value"),
}


def build(into: Path) -> Path:
    """`mkdocs build --strict` into `into` (as CI builds it)."""
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(into)],
                   cwd=ROOT, check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return into


# Pages for a server: 404.html, and the playground (a browser loads no WebAssembly from disk;
# its screenshots, served and after a run, come from tests/docs/test_playground.py).
SERVED_ONLY = ("404.html", "playground.html")


def site_pages(site: Path) -> list[str]:
    """Every page of the site as a path relative to it, those for a server aside."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.relative_to(site).as_posix() not in SERVED_ONLY)


def shot_name(page: str) -> str:
    return page.removesuffix(".html").replace("/", "_")


def wait_loaded(driver: object) -> None:
    """Until the page and its frames have loaded, plus a moment for what runs on load."""
    for _ in range(200):
        if driver.execute_script(  # type: ignore[attr-defined]
                "return document.readyState === 'complete' && [...document.querySelectorAll("
                "'iframe')].every((f) => f.contentDocument === null "
                "|| f.contentDocument.readyState === 'complete')"):
            break
        time.sleep(0.05)
    time.sleep(0.5)


def fit_viewport(driver: object) -> None:
    """A window whose page area (not the window with its frame) is WIDTH x HEIGHT."""
    driver.get("about:blank")  # type: ignore[attr-defined]
    for _ in range(3):
        inner = driver.execute_script(  # type: ignore[attr-defined]
            "return [window.innerWidth, window.innerHeight]")
        if inner == [WIDTH, HEIGHT]:
            return
        size = driver.get_window_size()  # type: ignore[attr-defined]
        driver.set_window_size(size["width"] + WIDTH - inner[0],  # type: ignore[attr-defined]
                               size["height"] + HEIGHT - inner[1])
    raise SystemExit(f"could not make the page area {WIDTH}x{HEIGHT}")


def shoot(site: Path, out: Path, pages: list[str],
          views: dict[str, tuple[str, str | None]]) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from tests.browser import headless_chromium

    out.mkdir(parents=True, exist_ok=True)
    written = []
    jobs = [(shot_name(p), p, None) for p in pages]
    jobs += [(name, page, at) for name, (page, at) in views.items()]
    for driver in headless_chromium(WIDTH, HEIGHT):
        driver.set_page_load_timeout(60)
        fit_viewport(driver)
        for name, page, at in jobs:
            driver.get((site / page).as_uri())
            wait_loaded(driver)
            if at is not None:
                found = driver.execute_script(
                    "const e = document.getElementById(arguments[0]); if (!e) return false;"
                    "window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 70);"
                    "return true", at)
                if not found:
                    raise SystemExit(f"{page} has no element with id {at!r}")
                time.sleep(0.6)  # the header's title changes with the scroll, animated
            path = out / f"{name}.png"
            if not driver.save_screenshot(str(path)):
                raise SystemExit(f"could not save {path}")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="+", metavar="PAGE",
                        help="these pages (paths in the site) and no default views")
    parser.add_argument("--view", action="append", default=[], metavar="NAME=PAGE#ID")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="chainrule-site-") as tmp:
        site = args.site.resolve() if args.site else build(Path(tmp) / "site")
        pages = args.only if args.only else site_pages(site)
        views: dict[str, tuple[str, str | None]] = {} if args.only else dict(VIEWS)
        for view in args.view:
            name, _, where = view.partition("=")
            page, _, at = where.partition("#")
            if not (name and page):
                parser.error(f"--view {view!r}: write it NAME=PAGE#ID")
            views[name] = (page, at or None)
        for page in [*pages, *(p for p, _ in views.values())]:
            if not (site / page).is_file():
                parser.error(f"{page} is not a page of {site}")
        for path in shoot(site, args.out, pages, views):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
