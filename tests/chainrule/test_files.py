"""`chainrule graph --out F` and `--html F` (and BackwardPage.save) write atomically: a write
that fails leaves the old file as it was; the mode is kept and a symlink is written through."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import require_dot

from autograd._files import write_atomic
from chainrule.cli import main

ROOT = Path(__file__).resolve().parents[2]
OLD = b"the old file, which a failed write must not lose\n"

# A file-size limit of 1000 bytes: the DOT source (about 5 kB) and the page (about 40 kB) fail
# part-way through, as on a full disk. SIGXFSZ ignored, so the write raises EFBIG instead.
LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
from chainrule.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("flag, name", [("--out", "g.gv"), ("--html", "page.html")])
def test_a_write_that_fails_leaves_the_old_file_intact(tmp_path, flag, name):
    if flag == "--html":
        require_dot("the page")
    target = tmp_path / name
    target.write_bytes(OLD)
    done = subprocess.run([sys.executable, "-c", LIMITED, "graph", flag, str(target)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"chainrule graph: {flag} cannot be written: ")
    assert "File too large" in done.stderr
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_the_mode_is_kept_and_a_symlink_is_written_through(tmp_path, capsys):
    private = tmp_path / "private.gv"
    private.write_bytes(OLD)
    private.chmod(0o600)
    assert main(["graph", "--out", str(private)]) == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text(encoding="utf-8").startswith("digraph {")

    real = tmp_path / "real.gv"
    real.write_bytes(OLD)
    real.chmod(0o640)
    link = tmp_path / "link.gv"
    link.symlink_to(real)
    assert main(["graph", "--out", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("digraph {")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    capsys.readouterr()


def test_a_new_file_gets_the_usual_mode(tmp_path):
    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", b"x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    assert (tmp_path / "new.txt").read_bytes() == b"x"


def test_an_error_in_the_write_removes_the_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "t.bin"
    target.write_bytes(OLD)

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["t.bin"]
