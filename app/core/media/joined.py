"""A WAV or MP4/MOV/3GP followed by a whole file of the same kind (two files joined end to end: a
carving that ran on, a copy appended to, an upload restarted), named.

ffmpeg reads the first file to the end its own header states and stops: the second recording after
it was lost without a word (a 56 s interview joined to another read as 56 s, nothing said). Its
start is where the first file's header says the first ends (the RIFF size; the top-level boxes'
sizes), and there it opens as a file of that kind does: the note says so, and where.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.riff import UNKNOWN_SIZES

MAX_BOXES = 4096  # top-level boxes walked (a fragmented MP4's run to thousands)
KINDS = {"wav": "a WAV", "iso": "an MP4/MOV/3GP"}


@dataclass(frozen=True)
class Joined:
    at: int  # where the second file starts
    size: int  # its bytes
    kind: str

    @property
    def note(self) -> str:
        return (f"another file follows this one's end at byte {self.at:,} ({self.size:,} bytes opening as {KINDS[self.kind]} "
                "of its own: two files joined, by a copy or a carving): it was not read; open it as a file of its own "
                "to hear it")


def found(handle: BinaryIO) -> Joined | None:
    """The second file joined after the first, or None (none, or a file of another kind)."""
    handle.seek(0)
    head = handle.read(12)
    size_of_file = handle.seek(0, 2)
    try:
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            stated = struct.unpack_from("<I", head, 4)[0]
            end, kind = (None if stated in UNKNOWN_SIZES else 8 + stated + stated % 2), "wav"
        elif head[4:8] == b"ftyp":
            end, kind = _second_ftyp(handle, size_of_file), "iso"
        else:
            return None
        if end is None or end + 12 > size_of_file:
            return None
        handle.seek(end)
        after = handle.read(12)
        opens = after[:4] == b"RIFF" and after[8:12] == b"WAVE" if kind == "wav" else after[4:8] == b"ftyp"
        return Joined(end, size_of_file - end, kind) if opens else None
    finally:
        handle.seek(0)


def _second_ftyp(handle: BinaryIO, size_of_file: int) -> int | None:
    """Where a top-level ftyp box after the first file's boxes starts, or None."""
    at = 0
    for count in range(MAX_BOXES):
        handle.seek(at)
        head = handle.read(16)
        if len(head) < 8:
            return None
        size = struct.unpack(">I", head[:4])[0]
        size = struct.unpack(">Q", head[8:16])[0] if size == 1 and len(head) == 16 else size
        if count and head[4:8] == b"ftyp":
            return at
        if size < 8 or at + size >= size_of_file:
            return None
        at += size
    return None
