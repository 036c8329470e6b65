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


# --- never wider, never anything but a file, errors naming the caller's path (issue 24, 9) ---


class _Spy:
    """The temporary file as write_atomic writes it: its mode, owner and group are recorded
    at the first write, before any byte is on disk."""

    def __init__(self, f, seen):
        self.f, self.seen = f, seen

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.f.__exit__(*exc)

    def write(self, data):
        st = os.fstat(self.f.fileno())
        self.seen.append((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))
        return self.f.write(data)

    def fileno(self):
        return self.f.fileno()

    def flush(self):
        self.f.flush()


@pytest.fixture
def spied(monkeypatch):
    seen = []
    real = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _Spy(real(fd, *a, **k), seen))
    return seen


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o644])
def test_the_temporary_file_has_the_targets_mode_before_any_byte_is_written(
        tmp_path, spied, mode):
    """On a7b7a6a a 0600 file's new contents went first into a 0644 temporary file."""
    target = tmp_path / "model.json"
    target.write_bytes(OLD)
    target.chmod(mode)
    write_atomic(target, b"secret weights")
    assert [m for m, _, _ in spied] == [mode]
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_bytes() == b"secret weights"


def test_the_temporary_file_has_the_targets_owner_and_group(tmp_path, spied):
    if os.geteuid() != 0:
        pytest.skip("giving a file another owner needs root (the group alone is kept "
                    "where the writer belongs to it)")
    target = tmp_path / "shared.json"
    target.write_bytes(OLD)
    target.chmod(0o640)
    os.chown(target, 4321, 4322)
    write_atomic(target, b"new")
    assert spied == [(0o640, 4321, 4322)]
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4321, 4322, 0o640)


def _one_line_naming(error, path):
    text = str(error)
    assert "\n" not in text and str(path) in text and ".tmp" not in text
    assert error.filename == str(path)


def test_a_fifo_is_refused_naming_the_path(tmp_path):
    """On a7b7a6a a regular file was renamed over the FIFO (or, for a symlink to /dev/null,
    as root, over /dev/null itself)."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match=r"a FIFO \(named pipe\) is there") as caught:
        write_atomic(fifo, b"x")
    _one_line_naming(caught.value, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.json"]  # no temporary file left

    link = tmp_path / "link.json"
    link.symlink_to(fifo)
    with pytest.raises(FileExistsError, match="it links to") as caught:
        write_atomic(link, b"x")
    _one_line_naming(caught.value, link)
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)


def test_a_symlink_to_a_device_is_refused_and_nothing_is_created_beside_it(
        tmp_path, monkeypatch):
    def never(*args):  # the guard that keeps /dev/null safe even if the check failed
        raise AssertionError(f"os.replace{args!r} must not be called")

    monkeypatch.setattr(os, "replace", never)
    link = tmp_path / "model.json"
    link.symlink_to(os.devnull)
    before = set(os.listdir(os.path.dirname(os.devnull)))
    with pytest.raises(FileExistsError, match="a character device is there") as caught:
        write_atomic(link, b"x")
    _one_line_naming(caught.value, link)
    assert set(os.listdir(os.path.dirname(os.devnull))) == before


def test_a_folder_is_refused_naming_the_path(tmp_path):
    folder = tmp_path / "out.json"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="a folder is there") as caught:
        write_atomic(folder, b"x")
    _one_line_naming(caught.value, folder)


def test_errors_name_the_callers_path_not_the_temporary_file(tmp_path, monkeypatch):
    import nn

    missing = tmp_path / "no such folder" / "m.json"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(missing, b"x")
    _one_line_naming(caught.value, missing)
    with pytest.raises(FileNotFoundError) as caught:
        nn.save({"w": 1.0}, missing)
    _one_line_naming(caught.value, missing)

    target = tmp_path / "t.json"
    target.write_bytes(OLD)

    def cross_device(src, dst):
        raise OSError(18, "Invalid cross-device link", src, dst)

    monkeypatch.setattr(os, "replace", cross_device)
    with pytest.raises(OSError, match="cross-device") as caught:
        write_atomic(target, b"new")
    _one_line_naming(caught.value, target)
    assert caught.value.filename2 is None
    assert target.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]


def test_the_cli_and_save_refuse_a_fifo_in_one_line(tmp_path, capsys):
    import nn

    fifo = tmp_path / "g.gv"
    os.mkfifo(fifo)
    assert main(["graph", "--out", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"chainrule graph: --out cannot be written: {str(fifo)!r}: a FIFO")
    model_fifo = tmp_path / "m.json"
    os.mkfifo(model_fifo)
    with pytest.raises(FileExistsError, match="FIFO"):
        nn.save({"w": 1.0}, model_fifo)
    assert stat.S_ISFIFO(os.lstat(model_fifo).st_mode)
