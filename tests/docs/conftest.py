"""The built site, shared by the site's tests and the playground's: `mkdocs build --strict` runs
once per test session, into a temporary folder, as CI builds it.

CHAINRULE_SITE=DIR uses a site already built from this checkout with `mkdocs build --strict`
instead (.ci/run builds one just before the tests; the build takes minutes on a busy machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("CHAINRULE_SITE")
    if built:
        path = Path(built).resolve()
        assert (path / "index.html").is_file(), f"CHAINRULE_SITE={built}: no built site there"
        return path
    from tests.needs import require_dot

    require_dot("the site's stepping pages")
    out = tmp_path_factory.mktemp("site") / "site"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-4000:]
    print(f"\nmkdocs build --strict: {time.perf_counter() - start:.1f} s, "
          f"{sum(1 for _ in out.rglob('*.html'))} pages")
    return out
