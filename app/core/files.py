"""Reading the small files Parley keeps beside its records (head files, manifests) without being stalled.

A FIFO (named pipe) put where such a file was blocks an ordinary open until something writes to it,
for ever, and Python retries the open after a signal: `verify` hung, deaf to Ctrl-C's polite cousin
SIGTERM. Opened without blocking, anything but a regular file is an OSError, as a missing file is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def read_regular_text(path: str | Path) -> str:
    """The UTF-8 text of a regular file; OSError for a missing one or anything else (a FIFO, a
    folder, a device), UnicodeDecodeError (a ValueError) for bytes that are not UTF-8."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        return handle.read().decode("utf-8")
