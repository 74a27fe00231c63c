"""Freed memory handed back to the system between steps of a long recording (issue #15: peak memory
flat in duration).

The decoder, the encoder and the speaker models allocate and free hundreds of megabytes of
buffers per window. glibc keeps what they free in its heaps (the worker keeps blocks up to 32 MB
there on purpose: mapping them afresh for every window cost a third of the encoder's CPU in page
faults, child.py) and hands back only the free top of a heap, never a hole below a block still in
use. So the resident size climbs to the most any moment needed plus every hole left since, and a
longer recording, meeting more moments, keeps more. `hand_back` gives the free pages of every heap
back (glibc's malloc_trim: the blocks stay free in the heap, their pages return to the kernel);
elsewhere (no glibc) it does nothing.

`small_pages` loads a model on ordinary 4 KB pages. The worker's glibc puts its heap on transparent
huge pages (child.py: it spares the encoder's buffers hundreds of thousands of page faults), and
CTranslate2's oneMKL packing allocates about 900 MB for Whisper base at load and writes only a part
of it: on 4 KB pages only the pages written are resident, on 2 MB pages every huge page touched is
whole (loaded base: 232 MB resident on small pages, 588 MB on huge pages, the same bytes in use).
The heap made while loading is then marked for small pages only (madvise), so the kernel's
khugepaged does not fill it out to huge pages later; the buffers allocated after it still get them.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PR_SET_THP_DISABLE = 41  # prctl: no transparent huge pages for this process while set
PR_GET_THP_DISABLE = 42
MADV_NOHUGEPAGE = 15


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def hand_back() -> bool:
    """Return the free pages of the C heap to the system; whether any were returned."""
    trim = _malloc_trim()
    return bool(trim is not None and trim(0))


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


def heap_span(maps: str | None = None) -> tuple[int, int] | None:
    """From the first [heap] mapping's start to the last one's end in /proc/self/maps (or `maps`), None if
    none. madvise splits the heap into several mappings, each named [heap]: a span of the first alone would
    leave out what the heap grew by since an earlier load marked it."""
    try:
        text = maps if maps is not None else Path("/proc/self/maps").read_text(encoding="ascii")
    except OSError:
        return None
    spans = [tuple(int(a, 16) for a in line.split()[0].split("-"))
             for line in text.splitlines() if line.rstrip().endswith("[heap]")]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


@contextmanager
def small_pages() -> Iterator[None]:
    """Within it, memory is faulted in on 4 KB pages; at its end, the heap grown so far is kept on
    them (see the module's note). Elsewhere than Linux with glibc it does nothing."""
    libc = _libc()
    if libc is None:
        yield
        return
    was_off = libc.prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1  # as the process had it: kept after
    libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)
    try:
        yield
    finally:
        span = heap_span()
        if span is not None:
            libc.madvise(span[0], span[1] - span[0], MADV_NOHUGEPAGE)
        libc.prctl(PR_SET_THP_DISABLE, int(was_off), 0, 0, 0)
