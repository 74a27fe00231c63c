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
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


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
