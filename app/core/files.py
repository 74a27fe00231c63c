"""Reading the small files Parley keeps beside its records (head files, manifests) without being stalled.

A FIFO (named pipe) put where such a file was blocks an ordinary open until something writes to it,
for ever, and Python retries the open after a signal: `verify` hung, deaf to Ctrl-C's polite cousin
SIGTERM. Opened without blocking, anything but a regular file is an OSError, as a missing file is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SMALL_FILE_LIMIT = 64 * 1024 * 1024  # a head file or a manifest is a few kB; Parley writes none near this


def sync_folder(folder: Path) -> None:
    """fsync a folder, so the renames made in it are on disk (a power cut cannot undo them). POSIX only:
    Windows cannot open a folder."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_regular_text(path: str | Path) -> str:
    """The UTF-8 text of a regular file; OSError for a missing one or anything else (a FIFO, a
    folder, a device) or one past `SMALL_FILE_LIMIT` (a sparse file of terabytes in a manifest's place
    was read into memory whole), UnicodeDecodeError (a ValueError) for bytes that are not UTF-8."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        if os.fstat(handle.fileno()).st_size > SMALL_FILE_LIMIT:
            raise OSError(f"{path}: too large to be a file Parley writes beside its records")
        return handle.read().decode("utf-8")


def what_stands_at(path: str | Path) -> str | None:
    """What is at `path` when it is not a file that can be read as one: "a named pipe", "a folder", "a
    symlink to /dev/zero (a device)", "a symlink to x.opus, which leads to nothing"; None for a regular file
    (a symlink to one included) or for nothing there at all."""
    path = Path(path)
    try:
        link = os.readlink(path) if path.is_symlink() else None
    except OSError:
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError:  # a symlink to nothing, to itself, or past the system's count of links followed
        return f"a symlink to {link}{LEADS_NOWHERE}" if link is not None else None
    kind = _KINDS.get(stat.S_IFMT(mode))
    if kind is None:
        return None
    return kind if link is None else f"a symlink to {link} ({kind})"


LEADS_NOWHERE = ", which leads to nothing"
_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def symlink_target(path: str | Path) -> str | None:
    """Where a symlink at `path` leads, as it is written; None for anything else."""
    try:
        return os.readlink(path) if Path(path).is_symlink() else None
    except OSError:
        return None
