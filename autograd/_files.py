"""Writing a file so that a failure never costs the old one.

`write_atomic(path, data)` writes to a temporary file beside the target and renames it over the
target only once every byte is on disk: a full disk or a file-size limit (RLIMIT_FSIZE) leaves
the old file as it was. The new file keeps the old one's permission bits (a 0600 file stays
0600; a new file gets the usual 0666 less the umask), and a symlink is written through: the
file it points to is replaced, the link stays a link.
"""

from __future__ import annotations

import os
import secrets
import stat

__all__ = ["write_atomic"]


def write_atomic(path: str | bytes | os.PathLike[str], data: bytes) -> None:
    """Replace `path` by a file holding `data`, all or nothing (see the module docstring)."""
    target = os.path.realpath(os.fsdecode(path))  # through symlinks: the link stays a link
    folder, name = os.path.split(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666, as open() would: the umask applies (tempfile's files are 0o600).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
