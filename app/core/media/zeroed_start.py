"""An MP4/MOV/3GP/M4A whose first bytes are zeros: its first box (ftyp) wiped, its index whole.

A carving tool that lost the file's first sector, a wipe, a copy whose first block never came
leave zeros where the ftyp box (and often the media data's header) stood. ffmpeg then finds no
box to start from: 'not a media file', though the index (moov), which states where every sample
lies in the file, is whole further on. Where the top-level boxes from just past the zeros follow
one another to the file's end and hold a moov, the zeros are read as a 'free' box (skipped); where
the media data's header was wiped too, a moov ending the file is found and everything before it
read as media data. Nothing is invented: the samples are where the index says, and any that lay in
the zeros are damage, named. A read-only view (views.Patched); the file is not changed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.box_sizes import MAX_BOXES, TOP_LEVEL, moov_ending
from app.core.media.views import from_start

LEAD = 8  # zero bytes at the start that no box's header holds (a size of 0 is a name's too)
SEARCH = 4096  # bytes searched past the zeros for the box after them (ftyp, free, wide are small)
BLOCK = 1 << 16  # bytes read at a time to measure a long run of zeros
LARGE = 1 << 32  # a box this size or larger states it in 64 bits after its name (16 bytes of header)


@dataclass(frozen=True)
class Wiped:
    zeros: int  # zero bytes at the file's start
    kind: bytes  # what they are read as: b'free' (boxes follow them) or b'mdat' (the media data's header wiped too)
    size: int  # bytes the box read at the start holds
    moov: int  # where the index starts

    @property
    def patches(self) -> dict[int, bytes]:
        if self.size >= LARGE:  # a box past 4 GB (a body camera's, a CCTV export's): its size in 64 bits
            return {0: struct.pack(">I4sQ", 1, self.kind, self.size)}
        return {0: struct.pack(">I", self.size) + self.kind}

    @property
    def note(self) -> str:
        held = (f"read as passed over up to the box after them (byte {self.size:,})" if self.kind == b"free" else
                f"the media data's header with them: the {self.size:,} bytes before the index read as media data")
        return (f"the file's first {self.zeros:,} bytes are zeros where its first box (ftyp) belongs (wiped, or never "
                f"written: damaged); {held}; read by its index (moov, whole at byte {self.moov:,}), which states where "
                f"each sample lies; any sample among the zeros is lost")


def found(handle: BinaryIO) -> Wiped | None:
    """The view that reads past the zeros, or None (the file does not open with zeros, or no whole
    index follows them)."""
    with from_start(handle):
        head = handle.read(SEARCH + LEAD)
        zeros = len(head) - len(head.lstrip(b"\x00"))
        if zeros < LEAD:
            return None
        end = handle.seek(0, 2)
        for at in range(max(LEAD, zeros - 7), min(zeros + SEARCH, end) if zeros < len(head) else 0):
            if (moov := _chain(handle, at, end)) is not None:
                return Wiped(zeros, b"free", at, moov)
        moov = moov_ending(handle, end)  # the media data's header wiped too, or more zeros than searched past
        if moov is None or (moov >= LARGE and zeros < 16):  # no room for a 64-bit size
            return None
        zeros = zeros if zeros < len(head) else _zeros_to(handle, moov)
        return Wiped(zeros, b"mdat", moov, moov) if moov >= zeros else None


def _zeros_to(handle: BinaryIO, end: int) -> int:
    """Zero bytes from the file's start, counted up to `end` in blocks."""
    handle.seek(0)
    at = 0
    while at < end and not any(block := handle.read(min(BLOCK, end - at))):
        at += len(block) or end
    handle.seek(at)
    block = handle.read(min(BLOCK, end - at))
    return min(end, at + len(block) - len(block.lstrip(b"\x00")))


def _chain(handle: BinaryIO, at: int, end: int) -> int | None:
    """Where the moov starts when top-level boxes from `at` follow one another to the file's end
    and one is a moov, else None."""
    moov = None
    for _ in range(MAX_BOXES):
        if at == end:
            return moov
        handle.seek(at)
        head = handle.read(16)
        if len(head) < 8 or head[4:8] not in TOP_LEVEL:
            return None
        size = struct.unpack(">I", head[:4])[0]
        size = struct.unpack(">Q", head[8:16])[0] if size == 1 and len(head) == 16 else size
        if size < 8 or at + size > end:
            return None
        moov = at if head[4:8] == b"moov" and moov is None else moov
        at += size
    return None
