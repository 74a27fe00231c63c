"""Whether an MP4/MOV/3GP was cut inside one of its top-level boxes.

A fragmented MP4 (a camera, a screen recorder or a browser writing as it records) states no
total length: each fragment carries its own index. Cut short (a copy stopped, a recorder that
lost power), it decodes to where its bytes end with no stated end to miss, so only the last
box, claiming more bytes than the file holds, says the recording went on.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import BinaryIO, TypeVar

from app.core.media import box_sizes, views
from app.core.media.box_sizes import MAX_BOXES, TOP_LEVEL

T = TypeVar("T")

UNINDEXED_VIDEO = "a video without its index"  # how the note (its run's warning) of each such video starts
CUT_NOTE = "the file ends inside its last box (moof/mdat): the recording was cut short there"


def cut_inside_a_box(handle: BinaryIO) -> bool:
    """True when the top-level box the file ends in claims more bytes than the file holds. The
    handle is left where it was (ffmpeg may be reading through it)."""
    return _cut_box(handle) is not None


def cut_fragment(handle: BinaryIO) -> int | None:
    """Where the last top-level box starts when it is a fragment (moof, or its mdat) cut short
    after a whole index: a fragmented MP4 (an iPhone's screen recording) cut there, which ffmpeg
    refused whole ('invalid data') when the cut fell in a moof's sample table. None otherwise."""
    start = _cut_box(handle)
    if start is None or not holds_top_level(handle, b"moov"):
        return None
    at = handle.tell()
    try:
        handle.seek(start + 4)
        return start if handle.read(4) in (b"moof", b"mdat") and start > 0 else None
    finally:
        handle.seek(at)


def _cut_box(handle: BinaryIO) -> int | None:
    at = handle.tell()
    try:
        if (mended := box_sizes.damaged(handle)) is not None:  # an ftyp stating 4 GB: no cut
            return _walk(views.Patched(handle, mended.patches))
        return _walk(handle)
    except (OSError, ValueError, struct.error):
        return None
    finally:
        handle.seek(at)


def _walk(handle: BinaryIO) -> int | None:
    size_of_file = handle.seek(0, 2)
    at = 0
    for _ in range(MAX_BOXES):
        if at >= size_of_file:
            return None
        handle.seek(at)
        head = handle.read(16)
        if len(head) < 8 or not all(32 <= b <= 126 for b in head[4:8]):
            return None  # not a box: junk after the last one is no cut
        size = struct.unpack(">I", head[:4])[0]
        if size == 1 and len(head) == 16:
            size = struct.unpack(">Q", head[8:16])[0]
        if size == 0:  # the last box runs to the end of the file, as the format allows
            return None
        if size < 8:
            return None
        if at + size > size_of_file:
            return at if head[4:8] in TOP_LEVEL else None  # junk a carving kept after the file reads as no box of these
        at += size
    return None


def holds_top_level(handle: BinaryIO, kind: bytes) -> bool:
    """Whether the file holds a whole top-level box of this kind (b'moov': the index), not cut short;
    the handle is left where it was."""
    found = _find_top_level(handle, kind, lambda where, size, size_of_file: 8 <= size and where + size <= size_of_file)
    return bool(found)


MOOV_READ = 64 << 20  # an index this large is a day of video; past it the count is not read


def most_edits(handle: BinaryIO) -> int:
    """The most entries any edit list (elst) in the file's index holds: 1 for a plain trim, 0 for
    none; the handle is left where it was."""
    found = _find_top_level(handle, b"moov", lambda _where, size, _end: _most_entries(handle.read(min(size, MOOV_READ))))
    return int(found or 0)


def locate_top_level(handle: BinaryIO, kind: bytes) -> tuple[int, int] | None:
    """(where, size) of the first whole top-level box of this kind; the handle is left where it was."""
    return _find_top_level(handle, kind, lambda where, size, end: (where, size) if 8 <= size and where + size <= end
                           else None)


def read_moov(handle: BinaryIO) -> tuple[int, bytes] | None:
    """(where, its bytes up to MOOV_READ) of the file's index (moov), or None; the handle is left where it was."""
    where = locate_top_level(handle, b"moov")
    if where is None:
        return None
    start, size = where
    at = handle.tell()
    try:
        handle.seek(start)
        return start, handle.read(min(size, MOOV_READ))
    finally:
        handle.seek(at)


def top_level(handle: BinaryIO, most: int = 64) -> list[tuple[bytes, int, int]]:
    """(type, where, size) of the file's first `most` top-level boxes, while they follow one another inside
    it (a box of size 0 runs to the file's end); the handle is left where it was."""
    found: list[tuple[bytes, int, int]] = []
    _find_top_level(handle, b"", lambda *_: None, seen=found.append, most=most)
    return found


def _find_top_level(handle: BinaryIO, kind: bytes, read: Callable[[int, int, int], T],
                    seen: Callable[[tuple[bytes, int, int]], None] | None = None,
                    most: int = MAX_BOXES) -> T | None:
    """`read(where, size, size_of_file)` of the first top-level box of this kind, with the handle just past its
    first 16 bytes; None when the walk meets no such box (or an error). `seen` is told each box walked, whole inside the file. The handle is left where it was."""
    at = handle.tell()
    try:
        mended = box_sizes.damaged(handle)  # a first box's or the media data's size damaged: as box_sizes reads it
        walked = views.Patched(handle, mended.patches) if mended is not None else handle
        size_of_file, where = handle.seek(0, 2), 0
        for _ in range(most):
            walked.seek(where)
            head = walked.read(16)
            if len(head) < 8:
                return None
            size = struct.unpack(">I", head[:4])[0]
            size = struct.unpack(">Q", head[8:16])[0] if size == 1 and len(head) == 16 else size
            size = size_of_file - where if size == 0 and seen is not None else size
            if seen is not None and 8 <= size and where + size <= size_of_file:
                seen((head[4:8], where, size))
            if head[4:8] == kind:
                return read(where, size, size_of_file)
            if size < 8 or where + size >= size_of_file:
                return None
            where += size
        return None
    except (OSError, ValueError, struct.error):
        return None
    finally:
        handle.seek(at)


def _most_entries(moov: bytes) -> int:
    most, at = 0, moov.find(b"elst")
    while at >= 0 and at + 12 <= len(moov):
        most = max(most, struct.unpack(">I", moov[at + 8:at + 12])[0])
        at = moov.find(b"elst", at + 4)
    return most


def payload(handle: BinaryIO, kind: bytes) -> tuple[int, int, bool] | None:
    """(where its contents start, where they end, whether the file ends before the box's stated end) of
    the first top-level box of this kind, whole or cut short; the handle is left where it was."""
    def read(where: int, size: int, size_of_file: int) -> tuple[int, int, bool] | None:
        handle.seek(where)
        header = 16 if struct.unpack(">I", handle.read(4))[0] == 1 else 8
        size = size_of_file - where if size == 0 else size
        if size < header:
            return None
        return where + header, min(where + size, size_of_file), where + size > size_of_file
    return _find_top_level(handle, kind, read)
