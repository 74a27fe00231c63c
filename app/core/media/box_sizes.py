"""An MP4/MOV/3GP/M4A whose first boxes' size fields are damaged.

Each top-level box states its own size, and the next box starts where it says the box ends. A
flipped byte in the size of the file's first box (ftyp), or of a free/wide box after it, sent
ffmpeg and the box walk past the end of the file: the recording was 'not a media file', or an
MP4 'without its index' with its index whole in it. Where a box's size cannot be right (under 8
bytes, running into what is no box, or an ftyp/free/wide running past the file's end) and a top-level box starts within
SEARCH bytes after it, from which the boxes follow one another to the file's end, the damaged
size is read as the distance to it (a read-only view, views.Patched). A box running past the end
with no box after it is a cut file's last box, as before (boxes.py).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import file_kinds
from app.core.media.by_content import remembered_for_a_file
from app.core.media.views import from_start

MAX_BOXES = 1_000_000  # a day of one-second fragments; past that a walk of the boxes gives up, saying nothing
TOP_LEVEL = {b"ftyp", b"styp", b"moov", b"moof", b"mdat", b"mfra", b"sidx", b"free", b"skip", b"wide", b"uuid",
             b"meta", b"udta", b"emsg", b"prft"}

SEARCH = 4096  # bytes after a damaged box's header searched for the box after it (ftyp, free, wide are small)
SMALL = {b"ftyp", b"free", b"skip", b"wide"}  # never a recording's last box, cut short: past the end, damaged
CUT = {b"mdat", b"moov", b"moof"}  # the boxes a recording cut short ends in
CHECKED = 3  # boxes after the one found that must follow one another (or reach the file's end)
MOOV_TAIL = 64 << 20  # bytes from the file's end searched for an index ending it


@dataclass(frozen=True)
class Mended:
    at: int  # where the box whose size is damaged starts
    kind: str
    stated: int
    size: int  # the distance to the next box
    wide: bool = False  # its size is stated in 64 bits after its name

    @property
    def patches(self) -> dict[int, bytes]:
        return {self.at + 8: struct.pack(">Q", self.size)} if self.wide else {self.at: struct.pack(">I", self.size)}

    @property
    def note(self) -> str:
        if 8 <= self.stated < self.size:  # the box after it is what is damaged
            return (f"the {self.size - self.stated:,} bytes after its '{self.kind}' box (at byte {self.at + self.stated:,}) "
                    f"are no box (a damaged box header): passed over to the box after them")
        return (f"its '{self.kind}' box (at byte {self.at:,}) states a size of {self.stated:,} bytes, which cannot be "
                f"right (damaged): read as the {self.size:,} bytes to the box after it")


def damaged(handle: BinaryIO) -> Mended | None:
    """The first top-level box whose size field is damaged and whose next box is found, or None."""
    with from_start(handle):
        end = handle.seek(0, 2)
        at, indexed = 0, False
        for _ in range(MAX_BOXES):
            box = _box(handle, at, end)
            if box is not None and box[0] == b"mdat" and at + box[1] >= end and not indexed:  # to the end or past
                return _media_data_before_its_index(handle, at, end)  # it: unless the index ends the file after it
            indexed = indexed or box is not None and box[0] == b"moov"
            if box is None or at + box[1] == end:
                return None
            kind, size = box
            if 8 <= size and _follows(handle, at + size, end, CHECKED):
                at += size
                continue
            if size >= 8 and at + size > end and kind not in SMALL:  # a cut file's last box (mdat, moov, moof)
                return None
            nearest = next((spot for spot in range(at + 8, min(end - 8, at + SEARCH))
                            if _follows(handle, spot, end, CHECKED)), None)
            if nearest is None or size == nearest - at:
                return None
            return Mended(at, kind.decode("ascii"), size, nearest - at)
    return None


def _media_data_before_its_index(handle: BinaryIO, at: int, end: int) -> Mended | None:
    """The media data box (mdat) read as ending where its whole index (moov) starts, when its size says it
    runs to the file's end (0) or past it: a size damaged (0xFFFFFFFF). The index was passed over: the file
    was read without it, its AAC frames found by decoding them, and called cut short. Of a size of 0, the
    index is the first after the media data that ends the file or is followed by boxes or by another file (a
    copy, a WAV appended: joined.py names it; the index ending the file was the copy's, or none was found);
    of a size past the end (most often a file cut short: the whole file is not searched), an index ending the
    file. None when there is none (a recording cut short, or one whose index is first)."""
    handle.seek(at)
    head = handle.read(16)
    wide = struct.unpack(">I", head[:4])[0] == 1
    stated = struct.unpack(">Q", head[8:16])[0] if wide else struct.unpack(">I", head[:4])[0]
    moov = remembered_for_a_file(_INDEXES, handle, lambda: _index_after(handle, at + 8, end) if stated == 0
                                 else moov_ending(handle, end))
    if moov is None or moov <= at + 16:
        return None
    return Mended(at, "mdat", stated, moov - at, wide) if moov - at < 1 << 32 or wide else None


_INDEXES: dict = {}  # a file cut inside its media data is walked a few dozen times a run (by_content.py)
INDEX_BLOCK = 1 << 24  # bytes searched at a time for the index after the media data


def _index_after(handle: BinaryIO, start: int, end: int) -> int | None:
    """Where the first whole moov box (holding a movie header) at or after `start` starts that ends the file or
    is followed by top-level boxes or a file of a kind file_kinds knows; None where none is (about 30 ms a
    100 MB searched, once a run)."""
    base = start
    while base < end:
        handle.seek(base)
        block = handle.read(INDEX_BLOCK)
        spot = block.find(b"moov", 4)
        while spot >= 0:
            if _is_index(handle, base + spot - 4, end):
                return base + spot - 4
            spot = block.find(b"moov", spot + 1)
        base += max(1, len(block) - 7)  # a box header split over two blocks is found in the next
    return None


def _is_index(handle: BinaryIO, at: int, end: int) -> bool:
    handle.seek(at)
    head = handle.read(72)
    size = struct.unpack(">I", head[:4])[0]
    if size < 16 or at + size > end or b"mvhd" not in head[8:72]:
        return False
    handle.seek(at + size)
    after = handle.read(file_kinds.HEAD)
    return at + size == end or file_kinds.kind(after) is not None or _follows(handle, at + size, end, CHECKED)


def _box(handle: BinaryIO, at: int, end: int) -> tuple[bytes, int] | None:
    """(type, size) of the box whose header is at `at` (size 0: to the file's end), or None."""
    handle.seek(at)
    head = handle.read(16)
    if len(head) < 8 or head[4:8] not in TOP_LEVEL:
        return None
    size = struct.unpack(">I", head[:4])[0]
    if size == 1 and len(head) == 16:
        size = struct.unpack(">Q", head[8:16])[0]
    return head[4:8], end - at if size == 0 else size


def _follows(handle: BinaryIO, at: int, end: int, count: int) -> bool:
    """Whether `count` top-level boxes follow one another from `at`, or fewer reaching the file's
    end (the last may run past it where it is one a cut file ends in)."""
    for _ in range(count):
        if at == end:
            return True
        box = _box(handle, at, end)
        if box is None or box[1] < 8:
            return False
        if at + box[1] >= end:
            return at + box[1] == end or box[0] in CUT
        at += box[1]
    return True


def moov_ending(handle: BinaryIO, end: int) -> int | None:
    """Where a moov box that ends exactly at the file's end starts (holding a movie header), or None;
    looked for in the file's last 64 kB, then (a long video's index) in its last 64 MB."""
    for reach in (1 << 16, MOOV_TAIL):
        start = max(0, end - reach)
        handle.seek(start)
        tail = handle.read(end - start)
        spot = tail.rfind(b"moov")
        while spot >= 4:
            size = struct.unpack(">I", tail[spot - 4:spot])[0]
            if spot - 4 + size == len(tail) and b"mvhd" in tail[spot:spot + 64]:
                return start + spot - 4
            spot = tail.rfind(b"moov", 0, spot)
        if start == 0:
            return None
    return None
