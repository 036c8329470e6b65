"""Writing a file so that a failure never costs the old one, and nothing else is replaced.

`write_atomic(path, data)` writes to a temporary file beside the target and renames it over the
target only once every byte is on disk: a full disk or a file-size limit (RLIMIT_FSIZE) leaves
the old file as it was. The temporary file is made with the old file's permission bits (and
its owner and group, where this process may set them) before any byte is written, so the new
contents are never readable by more users than the old ones were, not even while they are
written. A new file gets the usual 0666 less the umask. A symlink to a regular file is written
through: the file it points to is replaced, the link stays a link.

Only a regular file is ever replaced. A FIFO, a device, a socket (or a symlink to one) is
refused with `FileExistsError`, a folder with `IsADirectoryError`: these are OSErrors, as every
other reason a file cannot be written, so callers that report "cannot be written" catch them
all in one place; the subclass says that something other than a file is already there. Every
error names the path the caller gave, never the temporary file.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat

__all__ = ["write_atomic"]

# What a non-regular file is called in the error, by its stat type.
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def write_atomic(path: str | bytes | os.PathLike[str], data: bytes) -> None:
    """Replace the regular file `path` by one holding `data`, all or nothing.

    Args:
        path: The file to write; it may not exist yet. A symlink is followed to its file.
        data: The new contents.

    Raises:
        IsADirectoryError: `path` is a folder.
        FileExistsError: `path` is (or links to) a FIFO, a device or a socket, which is never
            replaced.
        OSError: The file cannot be written (its folder is not writable, the disk is full);
            the old file is left as it was. Each names `path` as given.

    Examples:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> write_atomic(target, b"dE/dw = 0.08")
        >>> open(target, "rb").read()
        b'dE/dw = 0.08'
    """
    shown = os.fsdecode(path)
    target = os.path.realpath(shown)  # through symlinks: the link stays a link
    folder, name = os.path.split(target)
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    except OSError as error:
        raise _naming(error, shown) from None
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise _not_a_file(old.st_mode, shown, target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # A new file: 0o666 as open() would, the umask applies. Replacing one: private until
        # its owner, group and mode are the old file's, before any byte is written.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o666 if old is None else 0o600)
    except OSError as error:
        raise _naming(error, shown) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if old is not None:
                _take_over(f.fileno(), old)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        try:
            os.remove(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise _naming(error, shown) from None
        raise


def _take_over(fd: int, old: os.stat_result) -> None:
    """Give the open temporary file the old file's owner, group and permission bits.

    The owner can be changed only by root, the group only to one of the writer's groups: what
    cannot be kept is left as the writer's own. The group's permission bits are then dropped
    (they were meant for the old file's group, not the writer's), so the new file is never
    readable by more users than the old one.
    """
    mode = stat.S_IMODE(old.st_mode)
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        for uid in (old.st_uid, -1):  # owner and group; else the group alone
            try:
                os.fchown(fd, uid, old.st_gid)
                break
            except OSError:
                continue
        if os.fstat(fd).st_gid != old.st_gid:
            mode &= ~0o070
    os.fchmod(fd, mode)  # after fchown, which may clear the set-id bits


def _naming(error: OSError, shown: str) -> OSError:
    """The same error (its class and errno), naming the caller's path in place of ours."""
    error.filename, error.filename2 = shown, None
    return error


def _not_a_file(mode: int, shown: str, target: str) -> OSError:
    via = "" if os.path.abspath(shown) == target else f" (it links to {target!r})"
    if stat.S_ISDIR(mode):
        return IsADirectoryError(errno.EISDIR, f"a folder is there{via}; give a file's name",
                                 shown)
    kind = next((text for test, text in _KINDS if test(mode)), "something other than a file")
    return FileExistsError(
        errno.EEXIST,
        f"{kind} is there{via}, not a regular file; only a regular file is ever replaced, "
        f"so choose another path",
        shown,
    )
