"""How fast the `chainrule` command starts: `chainrule --help` and `chainrule explain w35`
against `python -c "import autograd"`, each run in a fresh process, in one run.

Every contender is started `--repeats` times, the contenders taking turns (so a busy moment of
the machine falls on all of them alike); the figure is the median wall-clock time of one start,
from spawning the process to its exit. The target (issue 18): `chainrule --help` within 2.5x of
`import autograd`.
Run by hand:  python bench/cli.py [--repeats N] [--before CHECKOUT]
  --before CHECKOUT adds `chainrule --help` of another checkout (e.g. the main branch, whose
  command imported numpy and the demos before parsing a flag), run with PYTHONPATH=CHECKOUT.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 2.5


def contenders() -> dict[str, list[str]]:
    """name: argv (with PYTHONPATH=..., for --before, as its first item)."""
    py = sys.executable
    script = shutil.which("chainrule", path=str(Path(py).parent)) or shutil.which("chainrule")
    found = {
        "python -c pass": [py, "-c", "pass"],
        "import autograd": [py, "-c", "import autograd"],
        "python -m chainrule --help": [py, "-m", "chainrule", "--help"],
        "chainrule explain w35": [py, "-m", "chainrule", "explain", "w35"],
    }
    if script:
        found["chainrule --help"] = [script, "--help"]
    return found


def time_once(argv: list[str]) -> float:
    env = None
    if argv[0].startswith("PYTHONPATH="):
        env = dict(os.environ, PYTHONPATH=argv[0].split("=", 1)[1])
        argv = argv[1:]
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   cwd=os.path.dirname(os.path.abspath(__file__)), env=env)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--before", metavar="CHECKOUT",
                        help="also time `python -m chainrule --help` of this checkout")
    args = parser.parse_args(argv)
    runs = contenders()
    if args.before:
        runs["before: python -m chainrule --help"] = [
            f"PYTHONPATH={os.path.abspath(args.before)}", sys.executable, "-m", "chainrule",
            "--help"]
    for cmd in runs.values():  # warm the file cache and the bytecode caches
        time_once(cmd)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, cmd in runs.items():
            times[name].append(time_once(cmd))
    median = {name: statistics.median(t) for name, t in times.items()}
    base = median["import autograd"]
    print(f"median of {args.repeats} starts each, one process per start, in one run:")
    for name, m in median.items():
        print(f"  {name:36s} {m * 1000:7.1f} ms   {m / base:5.2f}x import autograd")
    head = "chainrule --help" if "chainrule --help" in median else "python -m chainrule --help"
    ratio = median[head] / base
    print(f"{head}: {ratio:.2f}x `import autograd` (target <= {TARGET}x): "
          f"{'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
