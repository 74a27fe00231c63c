"""An MP4/M4A/3GP whose index (moov) was written twice in place, before its media data.

An index put in front of the samples a second time moves the samples by the copy's size, and the
index's chunk offsets no longer point at them: ffmpeg reads the first index, and every sample's
bytes came from the copy (an M4A heard as 0 s of sound, 'damaged 00:00:00.0-00:00:06.0', no words).
Where a track's first chunk lies inside a later top-level moov by the first index, and every
track's on the media data once that moov is left out, the file is read without it (a read-only view,
views.Spliced); the note names the copy. An index written again after the media data moves nothing
and is left to ffmpeg, which reads the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import boxes, mp4_samples
from app.core.media.views import Spliced


@dataclass(frozen=True)
class Copy:
    at: int  # where the index written again starts
    size: int
    same: bool  # byte for byte the first index

    def view(self, handle: BinaryIO) -> Spliced:
        return Spliced(handle, [(0, self.at), (self.at + self.size, handle.seek(0, 2))])

    @property
    def note(self) -> str:
        what = "a copy of it" if self.same else "another index"
        return (f"its index (moov) is written twice before its media data ({what}, {self.size:,} bytes at byte "
                f"{self.at:,}): the index's sample offsets count without it, so it was passed over")


def found(handle: BinaryIO) -> Copy | None:
    """The second index to pass over, or None (one index, or one whose offsets point at the media data)."""
    tops = boxes.top_level(handle)
    moovs = [(at, size) for kind, at, size in tops if kind == b"moov"]
    media = [(at, at + size) for kind, at, size in tops if kind == b"mdat"]
    if len(moovs) < 2 or not media:
        return None
    first = _read(handle, *moovs[0])
    chunks = mp4_samples.first_chunks(first)
    for at, size in moovs[1:]:
        inside = any(at <= chunk < at + size for chunk in chunks)
        if inside and all(any(start < chunk + size < end for start, end in media) for chunk in chunks):
            return Copy(at, size, _read(handle, at, size) == first)
    return None


def _read(handle: BinaryIO, at: int, size: int) -> bytes:
    where = handle.tell()
    try:
        handle.seek(at)
        return handle.read(min(size, boxes.MOOV_READ))
    finally:
        handle.seek(where)
