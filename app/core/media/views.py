"""Read-only views of parts of an open file, for ffmpeg to open as a file of their own.

A `Spliced` view shows a run of byte ranges of the file one after the other, optionally after
a few bytes of its own (a header the file lacks): an Ogg with its junk runs left out, one link
of a chained Ogg, or the AMR frames of a CAF behind the AMR file header. Nothing is written.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO


class _View(io.RawIOBase):
    """A read-only, seekable file of `size` bytes; subclasses say what `read` shows."""

    _pos = 0

    @property
    def size(self) -> int:
        raise NotImplementedError

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes from the position (all that is left when `size` is -1), piece by piece."""
        left = max(0, self.size - self._pos)
        size = left if size is None or size < 0 else min(size, left)
        parts: list[bytes] = []
        while size > 0:
            piece = self._read_at(self._pos, size)
            if not piece:
                break
            parts.append(piece)
            self._pos += len(piece)
            size -= len(piece)
        return b"".join(parts)

    def _read_at(self, pos: int, size: int) -> bytes:
        """At most `size` bytes at `pos` (fewer where a piece of the view ends; none past its end)."""
        raise NotImplementedError


class Spliced(_View):
    """`prefix`, then bytes [start, end) of each range of `handle`, as one seekable file."""

    def __init__(self, handle: BinaryIO, ranges: list[tuple[int, int]], prefix: bytes = b"") -> None:
        self._handle, self._prefix, self._pos = handle, prefix, 0
        self._ranges = [(s, e) for s, e in ranges if e > s]
        self._offsets = [len(prefix)]  # where each range starts in the view
        for start, end in self._ranges:
            self._offsets.append(self._offsets[-1] + end - start)

    @property
    def size(self) -> int:
        return self._offsets[-1]

    def _read_at(self, pos: int, size: int) -> bytes:
        if pos < len(self._prefix):
            return self._prefix[pos:pos + size]
        n = bisect_right(self._offsets, pos) - 1
        if n >= len(self._ranges):
            return b""
        start, end = self._ranges[n]
        at = start + pos - self._offsets[n]
        self._handle.seek(at)
        return self._handle.read(min(size, end - at))


def window(handle: BinaryIO, start: int, end: int) -> Spliced:
    """Bytes [start, end) of the file."""
    return Spliced(handle, [(start, end)])


class Patched(_View):
    """The file with a few bytes shown changed (`patches`: offset -> the bytes shown there)."""

    def __init__(self, handle: BinaryIO, patches: dict[int, bytes]) -> None:
        self._handle, self._patches, self._pos = handle, patches, 0
        self._size = handle.seek(0, 2)

    @property
    def size(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        size = max(0, self.size - self._pos) if size is None or size < 0 else size
        self._handle.seek(self._pos)
        data = bytearray(self._handle.read(size))
        for at, shown in self._patches.items():
            lo, hi = max(at, self._pos), min(at + len(shown), self._pos + len(data))
            if lo < hi:
                data[lo - self._pos:hi - self._pos] = shown[lo - at:hi - at]
        self._pos += len(data)
        return bytes(data)


@contextmanager
def from_start(handle: BinaryIO) -> Iterator[BinaryIO]:
    """The handle at the file's start for the block's reads; left where it was found after."""
    at = handle.tell()
    try:
        handle.seek(0)
        yield handle
    finally:
        handle.seek(at)


class Framed(_View):
    """Frames of the file (each `(start, length)`), each shown after a header of its own made by
    `header(length)` (a frame header the file lacks: ADTS before raw AAC frames)."""

    def __init__(self, handle: BinaryIO, frames: list[tuple[int, int]], header, header_size: int) -> None:
        self._handle, self._frames, self._header, self._pos = handle, frames, header, 0
        self._offsets = [0]  # where each frame's header starts in the view
        for _, length in frames:
            self._offsets.append(self._offsets[-1] + header_size + length)
        self._header_size = header_size

    @property
    def size(self) -> int:
        return self._offsets[-1]

    def _read_at(self, pos: int, size: int) -> bytes:
        n = bisect_right(self._offsets, pos) - 1
        if n >= len(self._frames):
            return b""
        start, length = self._frames[n]
        at = pos - self._offsets[n]
        if at < self._header_size:
            return self._header(length)[at:at + size]
        self._handle.seek(start + at - self._header_size)
        return self._handle.read(min(size, length - (at - self._header_size)))

