"""An ADTS AAC stream whose frame headers state a wrong frame length.

ADTS has no index: each frame's header states its own length, and ffmpeg finds the next frame
there. One damaged length (a bit flipped, a writer's bug) sent it into the middle of a frame; it
read the rest as garbage or lost its way for seconds: an 8 s note stated as 4.6 s, its last words
never heard, or the words after the damage placed half a second early. Here the frames are walked
by their headers; where a stated length does not lead to another header, the next frame is the
next header of the same stream that leads on to a further header (or the file's end: a sync word
inside the sound data leads nowhere), and the damaged header is shown with the length it must
have (a view, app/core/media/views.py; the file is never changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import file_kinds
from app.core.media.views import Patched

HEADER = 7
MOST_BYTES = 256 << 20  # a voice note or a phone's screen recording's sound is far smaller
MAX_FRAME = (1 << 13) - 1  # 13 bits of frame length


@dataclass(frozen=True)
class Mended:
    patches: dict[int, bytes]  # offset of a header's bytes 3-5 -> those bytes with the true length

    @property
    def note(self) -> str:
        return (f"{len(self.patches):,} ADTS frame header(s) state a wrong frame length (damaged): each read to "
                "where the next frame starts")


def mended(handle: BinaryIO) -> Mended | None:
    """The headers to show with their true length, or None (not ADTS, or every length sound)."""
    handle.seek(0)
    head = handle.read(10)
    at = _after_id3(head)
    handle.seek(at)
    if at > MOST_BYTES or not _header_at(handle.read(HEADER), 0):
        return None
    handle.seek(0)
    data = handle.read(MOST_BYTES + 1)
    if len(data) > MOST_BYTES:
        return None
    patches = {}
    while at + HEADER <= len(data) and _header_at(data, at):
        stated = _length(data, at)
        after = at + stated
        if after == len(data) or _header_at(data, after):
            at = after
            continue
        found = _next_frame(data, at)
        if found is None:
            break  # nothing further (the last frame, cut): ffmpeg reads what is there
        patches[at + 3] = _with_length(data[at + 3:at + 6], found - at)
        at = found
    return Mended(patches) if patches else None


def view(handle: BinaryIO) -> BinaryIO:
    """The handle, or a view of it with its damaged frame lengths mended (what ffmpeg is given)."""
    fix = mended(handle)
    return handle if fix is None else Patched(handle, fix.patches)


CUT_NOTE = "the AAC (ADTS) stream ends inside a frame: the file was cut short there"


def cut_in_first_frame(handle: BinaryIO) -> str:
    """Why an ADTS stream cut short inside its first frame holds no audio, or '' (ffmpeg called such a
    file 'not a media file', or heard it as 0 s 'damaged' and never said it was cut)."""
    handle.seek(0)
    at = _after_id3(handle.read(10))
    handle.seek(at)
    head = handle.read(HEADER)
    size = handle.seek(0, 2) - at
    if not _header_at(head, 0) or _length(head, 0) <= size:
        return ""
    return (f"an AAC (ADTS) stream cut short inside its first frame ({size:,} of the {_length(head, 0):,} bytes it "
            "states): no whole frame of audio")


def cut_mid_frame(handle: BinaryIO) -> bool:
    """Whether an ADTS stream's frames, walked by their stated lengths, end with one the file cuts
    short: an ADTS file states no length, so this is the one sign it was cut. The lengths are those
    `view` reads: a damaged length that points past the end, with frames after it, is no cut."""
    handle = view(handle)
    handle.seek(0)
    at = _after_id3(handle.read(10))
    handle.seek(0)
    data = handle.read(MOST_BYTES + 1)
    if len(data) > MOST_BYTES or not _header_at(data, at):
        return False
    while _header_at(data, at):
        at += _length(data, at)
    return at > len(data) or 0 < len(data) - at < HEADER and data[at] == 0xFF  # a frame, or a header, cut


def _next_frame(data: bytes, at: int) -> int | None:
    """The next header of the same stream after the frame at `at` that leads to another header."""
    key = _key(data, at)
    look = data.find(b"\xff", at + HEADER)
    while 0 <= look and look - at <= MAX_FRAME:
        if _header_at(data, look) and _key(data, look) == key:
            onward = look + _length(data, look)
            if onward >= len(data) or _header_at(data, onward):
                return look
        look = data.find(b"\xff", look + 1)
    return None


def _header_at(data: bytes, at: int) -> bool:
    if at + HEADER > len(data) or data[at] != 0xFF or data[at + 1] & 0xF6 != 0xF0:
        return False
    return (data[at + 2] >> 2 & 0x0F) < 13 and _length(data, at) >= HEADER + (0 if data[at + 1] & 1 else 2)


def _length(data: bytes, at: int) -> int:
    return (data[at + 3] & 0x03) << 11 | data[at + 4] << 3 | data[at + 5] >> 5


def _key(data: bytes, at: int) -> tuple[int, int, int]:
    """What stays the same from frame to frame: version, protection, profile, rate, channels."""
    return data[at + 1], data[at + 2] & 0xFD, data[at + 3] & 0xC0


def _with_length(head: bytes, length: int) -> bytes:
    return bytes((head[0] & 0xFC | length >> 11 & 0x03, length >> 3 & 0xFF, head[2] & 0x1F | (length & 0x07) << 5))


def _after_id3(data: bytes) -> int:
    return file_kinds.id3_size(data) if data[:3] == b"ID3" and len(data) >= file_kinds.ID3_HEADER else 0
