"""The playground's speed, in headless Chromium, served from 127.0.0.1 (chainrule play's server):

    ready         time from the start of the page's navigation until #run is enabled (Pyodide
                  started, chainrule's wheel unpacked; Graphviz loads after), with a fresh
                  browser profile each time: nothing cached; then once more after a reload
                  in the same browser (its cache warm, as on a second visit)
    worked        one click on the worked example until its stepping view is drawn (the
                  program run, autograd.page.page_parts, the layout by @viz-js/viz, page.js);
                  the first click (made as soon as #run is enabled, so it also waits for the
                  imports the page makes then), and the median of the next runs
    ns/node       the engine's own time per node, forward and backward, on micrograd's demo
                  graph (MLP 2-16-16-1 over 20 points, hinge loss): the same program in the
                  page and in this machine's CPython (in its own process), in the same run

    python bench/playground.py                   # the built site in ./site (npm ci, mkdocs build)
    python bench/playground.py --site DIR --loads 3 --runs 7

Targets on this machine: ready <= 4 s, worked example run and drawn <= 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READY_TARGET_S, WORKED_TARGET_S = 4.0, 0.5

# The engine's time per node: the same text runs in the page and in CPython. Medians of
# `repeats` forward+backward passes over a fresh graph each.
ENGINE = """\
import time
import nn
from autograd import Value, topo_order

model = nn.MLP(2, [16, 16, 1], seed=1337)
points = [(0.1 * k - 1.0, ((7 * k) % 20) / 10.0 - 1.0) for k in range(20)]
labels = [1.0 if x * y > 0 else -1.0 for x, y in points]
forward, backward = [], []
for _ in range(REPEATS):
    start = time.perf_counter()
    scores = [model([Value(x), Value(y)])[0] for x, y in points]
    loss = nn.hinge_loss(scores, labels)
    middle = time.perf_counter()
    loss.backward()
    forward.append(middle - start)
    backward.append(time.perf_counter() - middle)
nodes = len(topo_order(loss))
forward.sort()
backward.sort()
print(nodes, forward[len(forward) // 2] * 1e9 / nodes, backward[len(backward) // 2] * 1e9 / nodes)
"""


def wait(driver: Any, script: str, seconds: float = 300.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := driver.execute_script(script)):
        if time.monotonic() > deadline:
            raise TimeoutError(script)
        time.sleep(0.01)
    return value


def click_and_time(driver: Any, selector: str) -> tuple[float, float]:
    """Click `selector` (a Run or an example button): the page's own time for that run (from
    the program's start to the view drawn) and the time from the click until then, in s."""
    runs = driver.execute_script("return window.playground.runs")
    start = time.perf_counter()
    driver.find_element("css selector", selector).click()
    wait(driver, f"return window.playground.runs > {runs}")
    wall = time.perf_counter() - start
    error = driver.execute_script("const e = document.querySelector('#output .error');"
                                  "return e && e.textContent")
    if error:
        raise RuntimeError(f"the run failed: {error}")
    return float(driver.execute_script("return window.playground.timings.lastRun")) / 1000, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--loads", type=int, default=3, help="page loads, each a new browser")
    parser.add_argument("--runs", type=int, default=7, help="worked-example runs per load")
    parser.add_argument("--repeats", type=int, default=5, help="engine passes per measurement")
    args = parser.parse_args()
    if not (args.site / "playground" / "pyodide").is_dir():
        print(f"{args.site}: no built playground (npm ci, then mkdocs build)", file=sys.stderr)
        return 2

    from chainrule.cli.play import serve
    from tests.browser import headless_chromium

    server = serve(args.site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/playground.html"
    engine = ENGINE.replace("REPEATS", str(args.repeats))

    ready, python, first, first_wall, worked, browser_engine = [], [], [], [], [], []
    again = []
    version = ""
    for _ in range(args.loads):
        for driver in headless_chromium(1500, 1000):
            driver.set_script_timeout(300)
            driver.get(url)
            wait(driver, "return window.playground && window.playground.ready")
            timings = driver.execute_script("return window.playground.timings")
            ready.append(timings["ready"] / 1000)
            python.append(timings["python"] / 1000)
            version = driver.find_element("id", "loading").text
            page_time, wall = click_and_time(driver, "button.example[data-example='0']")
            first.append(page_time)
            first_wall.append(wall)
            worked += [click_and_time(driver, "#run")[0] for _ in range(args.runs - 1)]
            driver.execute_script("window.playground.setCode(arguments[0])", engine)
            click_and_time(driver, "#run")
            browser_engine.append(driver.find_element("id", "output").text.split())
            driver.refresh()  # a second visit: the browser's cache (files, compiled wasm) warm
            wait(driver, "return window.playground && window.playground.ready")
            again.append(driver.execute_script("return window.playground.timings.ready") / 1000)
    server.shutdown()
    server.server_close()

    here = subprocess.run([sys.executable, "-c", engine], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.split()
    nodes = int(here[0])
    print(f"python {sys.version.split()[0]} here; in the page: {version}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")
    print(f"{args.loads} page loads (a fresh browser profile each), {args.runs} worked-example "
          f"runs per load; served from 127.0.0.1 ({args.site})\n")
    print(f"Python started (Pyodide)      median {statistics.median(python):6.2f} s")
    print(f"ready (#run enabled)          median {statistics.median(ready):6.2f} s   "
          f"[{', '.join(f'{t:.2f}' for t in ready)}]   target <= {READY_TARGET_S:.1f} s")
    print(f"ready again (a reload)        median {statistics.median(again):6.2f} s   "
          f"[{', '.join(f'{t:.2f}' for t in again)}]   (the browser's cache warm)")
    print(f"worked example, first click   median {statistics.median(first):6.3f} s   "
          f"(click to drawn: {statistics.median(first_wall):.3f} s, a wait for the imports "
          "begun at ready included)")
    if worked:
        print(f"worked example, run + drawn   median {statistics.median(worked):6.3f} s   "
              f"target <= {WORKED_TARGET_S:.1f} s")
    f_page = statistics.median(float(r[1]) for r in browser_engine)
    b_page = statistics.median(float(r[2]) for r in browser_engine)
    f_here, b_here = float(here[1]), float(here[2])
    print(f"\nthe engine on micrograd's demo graph ({nodes} nodes), ns per node "
          f"(median of {args.repeats} passes)")
    print(f"{'':12}{'forward':>10}{'backward':>10}{'total':>10}")
    print(f"{'CPython':12}{f_here:10.0f}{b_here:10.0f}{f_here + b_here:10.0f}")
    print(f"{'in the page':12}{f_page:10.0f}{b_page:10.0f}{f_page + b_page:10.0f}"
          f"   {(f_page + b_page) / (f_here + b_here):.1f}x CPython's time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
