"""AMR voice notes ffmpeg does not find on its own: a stream of AMR frames saved without its
'#!AMR' header (a phone's or carving tool's raw copy), and AMR-WB inside a CAF (Apple's
'sawb', a codec tag ffmpeg's CAF reader does not know). Both are read through a view that
puts the AMR-WB file header before the frames, which ffmpeg reads as any .awb file; a
headerless stream is opened with ffmpeg's raw AMR reader named.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

# bytes per frame, its table-of-contents byte included, by frame type (mode); 15 is NO_DATA
NB_SIZES = {**dict(enumerate([13, 14, 16, 18, 20, 21, 27, 32, 6])), 15: 1}
WB_SIZES = {**dict(enumerate([18, 24, 33, 37, 41, 47, 51, 59, 61, 6])), 14: 1, 15: 1}
WB_HEADER = b"#!AMR-WB\n"
MIN_FRAMES = 25  # half a second: less is no voice note, and too little to tell from chance
SNIFF_BYTES = 2048


def _frames(data: bytes, sizes: dict[int, int]) -> int:
    """How many frames carrying sound the bytes hold, read one after another from their start;
    0 when a byte where a frame should start cannot start one (padding bits set, a frame type
    no coder writes). A frame marked bad (its Q bit clear) or NO_DATA is passed, not counted."""
    at = sound = 0
    while at < len(data):
        toc = data[at]
        mode = toc >> 3 & 0x0F
        if toc & 0x83 or mode not in sizes:
            return 0
        sound += sizes[mode] > 1 and bool(toc & 0x04)
        at += sizes[mode]
    return sound


def raw_format(head: bytes) -> str | None:
    """'amrnb' or 'amrwb' when the bytes are AMR frames without a file header, else None."""
    if head.startswith(b"#!AMR"):
        return None
    for name, sizes in (("amrnb", NB_SIZES), ("amrwb", WB_SIZES)):
        if _frames(head, sizes) >= MIN_FRAMES:
            return name
    return None


def caf_amr_wb(handle: BinaryIO) -> tuple[int, int] | None:
    """The byte range of the frames in a CAF holding AMR-WB ('sawb'), else None."""
    handle.seek(0)
    if handle.read(8)[:4] != b"caff":
        return None
    wideband = False
    while len(chunk := handle.read(12)) == 12:
        kind, size = chunk[:4], struct.unpack(">q", chunk[4:])[0]
        if kind == b"desc":
            wideband = handle.read(12)[8:12] == b"sawb"
            handle.seek(max(0, size - 12), 1)
        elif kind == b"data":
            start = handle.tell() + 4  # the chunk opens with a 4-byte edit count
            end = handle.seek(0, 2) if size < 0 else min(handle.seek(0, 2), start - 4 + size)
            return (start, end) if wideband and end > start else None
        elif size < 0:
            return None
        else:
            handle.seek(size, 1)
    return None
