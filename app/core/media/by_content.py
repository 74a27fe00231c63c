"""Results of a costly look at a file, kept for the next opening of the same bytes.

A file is opened several times a run (probed, decoded, its fixes named), and each opening asked
again what a search of its bytes had found: a CAF table's damaged entries tried by decoding the
note over and over, an M4A's AAC frames found by decoding each. The result is kept by the file's
size and SHA-256 (damaged copies of one note differ anywhere in it), a few files at a time.
"""

from __future__ import annotations

import hashlib
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


def _key(handle: BinaryIO) -> tuple[int, bytes]:
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    while block := handle.read(1 << 20):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return size, digest.digest()
