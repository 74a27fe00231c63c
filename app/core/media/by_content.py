"""Results of a costly look at a file, kept for the next opening of the same bytes.

A file is opened several times a run (probed, decoded, its fixes named), and each opening asked
again what a search of its bytes had found: a CAF table's damaged entries tried by decoding the
note over and over, an M4A's AAC frames found by decoding each. The result is kept by the open
file's identity (device, inode, size, mtime and ctime: a file rewritten, even with its old size
and mtime put back, has a new ctime), as a model's weights' hash is (models/integrity.py); a view
of a file (read past damage, no file of its own) by its size and SHA-256 (damaged copies of one
note differ anywhere in it). A few files at a time are kept.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from typing import BinaryIO, TypeVar

T = TypeVar("T")
KEPT = 16  # files whose results are kept (a queue works through one file at a time)


def remembered(kept: dict, handle: BinaryIO, look: Callable[[], T]) -> T:
    """`look()`, or what it gave for the same bytes before. The handle is left at its start."""
    key = _key(handle)
    value = kept.get(key, _UNSEEN)
    if value is _UNSEEN:  # another thread may clear the dict meanwhile: the value is held here
        value = look()
        if len(kept) >= KEPT:
            kept.clear()
        kept[key] = value
    handle.seek(0)
    return value


_UNSEEN = object()


def remembered_for_a_file(kept: dict, handle: BinaryIO, look: Callable[[], T]) -> T:
    """`remembered` for a file of its own; a view of one (no file number) is looked at afresh (hashing it
    whole costs about what the look does)."""
    try:
        handle.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return look()
    return remembered(kept, handle, look)


def _key(handle: BinaryIO) -> tuple:
    """The open file's identity; a view's size and SHA-256 (a 4 GB video was hashed whole at each
    of the five or so times a run asks, about a minute each on a shared machine)."""
    try:
        st = os.fstat(handle.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return _content(handle)
    return "file", st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _content(handle: BinaryIO) -> tuple[str, int, bytes]:
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    while block := handle.read(1 << 20):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return "content", size, digest.digest()
