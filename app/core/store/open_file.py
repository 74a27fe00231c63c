"""Which file a connection holds open, told by the open file itself rather than by inode numbers.

A case's writes are refused once its store is no longer the file at its path (the case folder replaced or
moved under an open window or worker: `HeadKeeper.replaced_since_opened`). That was told only by the path's
(device, inode) against the pair taken at opening. Not every filesystem keeps a file's number: a FUSE mount
may give another at each look (one that hashes paths, or answers with fresh numbers; exfat-fuse numbers a file
afresh once nothing holds it open), and some give every file 0. On the first a healthy case would have had
every write refused; on the second a case swapped under an open window took its writes unseen.

Linux names the file behind each of a process's descriptors (/proc/self/fd/N: its path now, or its old path
with " (deleted)" once it was removed or another file renamed over it). The descriptor SQLite opened for a
case's store is found as the one that appeared while the store was opened, naming it; where the inode numbers
cannot tell, the store is the file at its path while that descriptor still names the path. Where /proc cannot
say (another system, two descriptors not told apart), the numbers alone decide, as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

FDS = Path("/proc/self/fd")

T = TypeVar("T")


def _named(fd: int) -> str | None:
    try:
        return os.readlink(FDS / str(fd))
    except OSError:
        return None


def _listed() -> dict[int, str | None]:
    try:
        return {int(name): _named(int(name)) for name in os.listdir(FDS) if name.isdigit()}
    except OSError:
        return {}


def opened_with_descriptor(store: Path, opening: Callable[[], T]) -> tuple[T, int | None]:
    """What `opening()` returns (it opens a connection to `store`), and the one descriptor it opened on the
    store (None: not told, or more than one)."""
    before = _listed()
    made = opening()
    real = os.path.realpath(store)
    new = [fd for fd, name in _listed().items() if name == real and before.get(fd) != real]
    return made, (new[0] if len(new) == 1 else None)  # two: another thread opened it meanwhile (not told apart)


def still_named(fd: int | None, store: Path) -> bool | None:
    """Whether the file open on `fd` is the file at `store` now (True), is not (False: moved, removed, or
    another renamed over it), or cannot be told (None)."""
    if fd is None:
        return None
    name = _named(fd)
    if name is None:
        return None
    return name == os.path.realpath(store)  # " (deleted)" follows the old path once it was removed

