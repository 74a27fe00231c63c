"""Whether a path names a file that can be read at all, said in one line when it cannot: missing,
a link to nothing, a folder, a device or FIFO, locked, empty, or a path too long to open."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from app.core.errors import MediaError


def check_readable(path: str | Path) -> Path:
    """Return the path if it is a readable, non-empty regular file, else raise MediaError."""
    p = Path(path)
    try:
        info = p.stat()
    except OSError as exc:
        raise MediaError(str(path), _unreachable(p, exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise MediaError(str(path), "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise MediaError(str(path), "not a regular file (a device, FIFO or socket); not opened")
    if not os.access(p, os.R_OK):
        raise MediaError(str(path), "permission denied")
    if info.st_size == 0:
        raise MediaError(str(path), "empty file (0 bytes)")
    return p


def _unreachable(p: Path, exc: OSError) -> str:
    """Why a file cannot even be looked at: missing, a link to nothing, or behind a locked folder."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (a folder on its path cannot be entered)"
    if exc.errno == errno.ENAMETOOLONG:
        return f"unreadable (its path is too long for the system to open: {len(os.fsencode(p)):,} bytes, " \
               "move or copy it nearer the top)"
    try:
        linked = stat.S_ISLNK(os.lstat(p).st_mode)  # the link is there, followed to nothing or round in a loop
    except OSError:
        linked = False
    if linked:
        return "a symbolic link to nothing (its target is missing, or links loop)"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "no such file"
    return f"unreadable ({exc.strerror or exc})"
