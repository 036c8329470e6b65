"""Writing a file so that a failure never costs the old one.

`write_atomic(path, data)` writes to a temporary file beside the target and renames it over the
target only once every byte is on disk: a full disk or a file-size limit (RLIMIT_FSIZE) leaves
the old file as it was. The new file keeps the old one's permission bits (a 0600 file stays
0600; a new file gets the usual 0666 less the umask), and a symlink is written through: the
file it points to is replaced, the link stays a link.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def _umask() -> int:
    # The only portable way to read the umask is to set it and put it back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace `path` by a file holding `data`, all or nothing (see the module docstring)."""
    target = Path(os.path.realpath(path))  # through symlinks: the link keeps pointing at it
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
