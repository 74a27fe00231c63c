"""A file followed by a whole file (two files joined end to end: a carving that ran on, a copy appended
to, an upload restarted), named: an MP4/MOV/3GP after an MP4/MOV/3GP; any kind file_kinds.py knows (a
WAV, Wave64, CAF, MP4, AIFF, FLAC, Ogg, AMR, ID3-tagged MP3, Matroska/WebM) after a WAV, Wave64, CAF or a
Matroska/WebM whose Segment states its size (a WebM followed by a copy: ffmpeg read on into the copy, its
clock back to 0, and the whole first file was named damaged).

ffmpeg reads the first file to the end its own header states and stops: the second recording after
it was lost without a word (a 56 s interview joined to another read as 56 s, nothing said). Its
start is where the first file's header says the first ends (the RIFF size; the top-level boxes'
sizes; a WAV written as it went, its RIFF size 0 or -1: its chunks' sizes, or where a file of a kind
file_kinds.py knows opens inside a data chunk of unknown size; a CAF's chunks, or the same inside a
data chunk of size -1; a Wave64's 'riff' size), and there it opens as a file does: the
note says so, and where. A WAV, Wave64 or CAF is read only up to there (`opening`): where its data
chunk's size is 0 or -1, or runs past its RIFF end, ffmpeg read on into the second (3 s + 5 s read as 8 s, the
second's header heard as a click and its speech given as the first's); a CAF's second file was
read as a chunk of the first, lost without a word or called damaged, as the filesystem had it (a
WAV or an AIFF after a CAF, one written as it went too: its speech given as the CAF's); a Wave64
followed by a copy was called damaged, followed by an M4A refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import boxes, data_ends, ebml, file_kinds
from app.core.media.file_kinds import KINDS
from app.core.media.riff import MAX_CHUNKS, UNKNOWN_SIZES

SEARCH_BLOCK = 1 << 22  # bytes of samples searched at a time for the second file's opening


@dataclass(frozen=True)
class Joined:
    at: int  # where the second file starts
    size: int  # its bytes
    kind: str  # the first file's (a key of KINDS)
    opens_as: str  # the second's

    @property
    def read_on(self) -> bool:
        """Whether ffmpeg reads the first on into the second (or loses it): it is read only up to it."""
        return self.kind != "iso"

    @property
    def note(self) -> str:
        if self.opens_as == "id3":
            return (f"an ID3 tag follows this one's audio at byte {self.at:,} ({self.size:,} bytes: titles or names a "
                    "tagging program added after it): it is no audio and was not read")
        return (f"another file follows this one's end at byte {self.at:,} ({self.size:,} bytes opening as {KINDS[self.opens_as]} "
                "of its own: two files joined, by a copy or a carving): it was not read; open it as a file of its own "
                "to hear it")


def found(handle: BinaryIO) -> Joined | None:
    """The second file joined after the first, or None (none, or a file of another kind)."""
    handle.seek(0)
    head = handle.read(file_kinds.HEAD)
    size_of_file = handle.seek(0, 2)
    try:
        kind = file_kinds.kind(head)
        end = _first_end(handle, kind, head, size_of_file) if kind in file_kinds.ENDS_TOLD else None
        if end is None or end < file_kinds.HEAD or end + 12 > size_of_file:  # a size of 0: no end stated
            return None
        handle.seek(end)
        second_head = handle.read(file_kinds.HEAD)
        second = file_kinds.kind(second_head)
        if second is None or (kind == "iso" and second != "iso"):  # an MP4's end: where a later 'ftyp' opens
            return None
        if second == "mp3" and file_kinds.tag_only(second_head, size_of_file - end):  # a tagger's, no file
            second = "id3"
        return Joined(end, size_of_file - end, kind, second)
    finally:
        handle.seek(0)


def _first_end(handle: BinaryIO, kind: str, head: bytes, size_of_file: int) -> int | None:
    """Where the first file ends by its own header, or None where that cannot be told."""
    if kind == "wav":
        stated = struct.unpack_from("<I", head, 4)[0]
        return _streamed_end(handle) if stated in UNKNOWN_SIZES else 8 + stated + stated % 2
    if kind == "w64":
        return struct.unpack_from("<Q", head, 16)[0]
    if kind == "iso":
        return boxes.later_top_level(handle, b"ftyp")
    if kind == "mkv":
        return ebml.segment_end(handle)
    return _caf_end(handle, size_of_file)


def _streamed_end(handle: BinaryIO) -> int | None:
    """Where a second WAV starts after a WAV written as it went (its RIFF size left 0 or -1): after
    the chunk that ends where it opens, or inside a data chunk of unknown size (0, -1: read to the
    file's end), where 'RIFF....WAVE' opens; None where none does."""
    at = 12
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        if chunk[:4] == b"RIFF":
            return at
        size = struct.unpack_from("<I", chunk, 4)[0]
        if chunk[:4] == b"data" and size in UNKNOWN_SIZES:
            return _file_after(handle, at + 8)
        at += 8 + size + size % 2
    return None


def _file_after(handle: BinaryIO, at: int) -> int | None:
    """Where the first file of a kind file_kinds knows opens at or after `at` (inside a data chunk
    of unknown size), or None."""
    base, kept = at, b""
    handle.seek(at)
    while True:
        block = handle.read(SEARCH_BLOCK)
        seen = kept + block
        searched = len(seen) if len(block) < SEARCH_BLOCK else len(seen) - file_kinds.HEAD  # the rest: next time
        starts = [start for start in _marked(seen, searched) if file_kinds.kind(seen[start:start + file_kinds.HEAD])]
        if starts:
            return base + min(starts)
        if len(block) < SEARCH_BLOCK:
            return None
        base, kept = base + searched, seen[searched:]


def _marked(seen: bytes, searched: int) -> list[int]:
    """Where in `seen[:searched]` a file of a kind file_kinds knows may open (its opening bytes)."""
    starts = []
    for mark, into in file_kinds.MARKS:
        found = seen.find(mark, into)
        while 0 <= found - into < searched:
            starts.append(found - into)
            found = seen.find(mark, found + 1)
    return starts


def _caf_end(handle: BinaryIO, size_of_file: int) -> int | None:
    """Where a second file starts after a CAF: at a chunk's end, or inside a data chunk of size -1
    (to the file's end) where a file opens; None where none does."""
    for at, head, size in data_ends.chunks(handle, data_ends.CAF, data_ends.CAF.first):
        handle.seek(at)
        if file_kinds.kind(handle.read(file_kinds.HEAD)) is not None:
            return at
        if head[:4] == b"data" and size == -1:
            return _file_after(handle, at + data_ends.CAF.header)
        if size < 0 or data_ends.CAF.chunk_end(at, size) > size_of_file:
            return None
    return None
