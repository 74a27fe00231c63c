"""Matroska/WebM blocks whose lacing is damaged: each read as the single frame it holds.

A block's flags byte says whether it holds several frames (laced: Xiph, EBML or fixed-size) and
the bytes after it say how to split them. A damaged bit there made a 20 ms Opus block claim a
lace its bytes cannot be (121 frames in 80 bytes): ffmpeg gave up on the rest of its cluster,
and 3 s of speech around it were lost ('damaged 00:01.9-00:05.0') for one bit. A block whose
lace cannot be split is read through a view with its lacing bits cleared (the frame then fails
to decode alone, a gap of its own 20 ms, or decodes whole); a lace that can be split is left as
it is. The file itself is never changed (app/core/media/views.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.ebml import CLUSTER, EBML, SEGMENT
from app.core.media.ebml import read_element as _read_element

SIMPLE_BLOCK, BLOCK_GROUP, BLOCK = 0xA3, 0xA0, 0xA1
MAX_WALK = 2_000_000  # elements walked: hours of 20 ms blocks
MAX_BYTES = 1 << 29  # 512 MB: a phone's video or voice note, not a film
HEAD = 1 << 10  # a lace's header lies in a block's first bytes (Xiph: up to 255 bytes a size)
LACING = 0x06


@dataclass(frozen=True)
class Unlaced:
    patches: dict[int, bytes]  # a block's flags byte -> the same with its lacing bits cleared

    @property
    def note(self) -> str:
        return (f"{len(self.patches):,} Matroska/WebM block(s) state a lacing their bytes cannot hold (damaged): each "
                "read as the one frame it holds, so the rest of its cluster is heard")


def damaged(handle: BinaryIO) -> Unlaced | None:
    """The blocks of a Matroska/WebM file whose lacing cannot be split, or None. The handle is
    left where it was."""
    at_start = handle.tell()
    try:
        size_of_file = handle.seek(0, 2)
        handle.seek(0)
        if handle.read(4) != EBML.to_bytes(4, "big") or size_of_file > MAX_BYTES:
            return None
        patches = _walk(handle, size_of_file)
        return Unlaced(patches) if patches else None
    except (OSError, ValueError):
        return None
    finally:
        handle.seek(at_start)


def _walk(handle: BinaryIO, size_of_file: int) -> dict[int, bytes]:
    kind, size, at = _read_element(handle, 0)
    if kind != EBML or size < 0:
        return {}
    kind, _, at = _read_element(handle, at + size)
    if kind != SEGMENT:
        return {}
    patches: dict[int, bytes] = {}
    for _ in range(MAX_WALK):
        if at >= size_of_file:
            break
        kind, size, body = _read_element(handle, at)
        if kind is None:
            break
        if kind in (CLUSTER, BLOCK_GROUP) or (size < 0 and kind == SEGMENT):
            at = body  # walk into it: its blocks follow
            continue
        if size < 0:
            break
        if kind in (SIMPLE_BLOCK, BLOCK) and (flags_at := _unsplittable(handle, body, size)) is not None:
            handle.seek(flags_at)
            patches[flags_at] = bytes([handle.read(1)[0] & ~LACING & 0xFF])
        at = body + size
    return patches


def _unsplittable(handle: BinaryIO, body: int, size: int) -> int | None:
    """Where the flags byte of a laced block is when its lace cannot be split, else None."""
    handle.seek(body)
    head = handle.read(min(size, HEAD))
    track = _vint_width(head[0]) if head else 0
    flags_at = track + 2
    if not track or len(head) <= flags_at or not head[flags_at] & LACING:
        return None
    lacing = head[flags_at] >> 1 & 0x03
    data = size - flags_at - 1  # the lace's header and its frames
    return None if _splits(lacing, head[flags_at + 1:], data) else body + flags_at


def _splits(lacing: int, lace: bytes, data: int) -> bool:
    """Whether a lace of this kind splits `data` bytes (its count and sizes at the start of `lace`)
    into frames of sizes that are no less than 0 and fit, as a demuxer reads it."""
    if not lace:
        return False
    frames = lace[0] + 1
    at, used = 1, 0
    if lacing == 2:  # fixed-size: the bytes after the count shared evenly
        return (data - 1) % frames == 0
    sizes = []
    if lacing == 1:  # Xiph: each size a run of 255s and the byte ending it
        for _ in range(frames - 1):
            size = 0
            while at < len(lace) and lace[at] == 255:
                size, at = size + 255, at + 1
            if at >= len(lace):
                return False
            sizes.append(size + lace[at])
            at += 1
    else:  # EBML: the first size, then each the one before plus a signed difference
        size, at = _vint(lace, at)
        if size is None:
            return False
        sizes.append(size)
        for _ in range(frames - 2):
            delta, width_end = _vint(lace, at)
            if delta is None:
                return False
            width = width_end - at
            size += delta - ((1 << (7 * width - 1)) - 1)
            sizes.append(size)
            at = width_end
    used = sum(sizes)
    return all(s >= 0 for s in sizes) and at + used <= data


def _vint(data: bytes, at: int) -> tuple[int | None, int]:
    width = _vint_width(data[at]) if at < len(data) else 0
    if not width or at + width > len(data):
        return None, at
    return int.from_bytes(data[at:at + width], "big") & ((1 << (7 * width)) - 1), at + width


def _vint_width(first: int) -> int:
    return next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)
