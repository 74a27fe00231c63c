"""Whether ffmpeg's length for an MP3 or ADTS AAC file is a guess.

An MP3 states its length only in a Xing/Info (LAME) or VBRI header; an ADTS AAC stream never
does. Without one ffmpeg divides the file's size by the first frames' bitrate, so junk in a
carved or damaged file (or a variable bitrate) makes the guess long: a file that decoded whole
was flagged truncated and named 'damaged' up to a time it never reached. Where the length is a
guess, intake measures it from the packets instead (read, not decoded).
"""

from __future__ import annotations

from typing import BinaryIO

from app.core.media import file_kinds, joined

LOOK = 1 << 13  # the first frame, where a Xing/Info/VBRI header sits, follows any ID3 tag
LENGTH_HEADERS = (b"Xing", b"Info", b"VBRI")


def length_is_guessed(handle: BinaryIO, container: str) -> bool:
    """True for ADTS AAC, and for an MP3 without a Xing/Info/VBRI header. The handle is left where
    it was (ffmpeg may be reading through it)."""
    if container == "aac":
        return True
    if container != "mp3":
        return False
    at = handle.tell()
    try:
        return _no_length_header(joined.first_only(handle))  # a file joined after it: not its bytes
    finally:
        handle.seek(at)


def _no_length_header(handle: BinaryIO) -> bool:
    """No Xing/Info/VBRI header, or one whose stated byte count the file outgrows (junk spliced in,
    files joined): ffmpeg then ignores its frame count and guesses from the bitrate."""
    handle.seek(0)
    head = handle.read(file_kinds.ID3_HEADER)
    start = 0
    if head[:3] == b"ID3" and len(head) == file_kinds.ID3_HEADER and not any(b & 0x80 for b in head[6:10]):
        start = file_kinds.id3_size(head)
    handle.seek(start)
    first = handle.read(LOOK)
    found = [first.find(tag) for tag in LENGTH_HEADERS]
    if all(at < 0 for at in found):
        return True
    at = max(found)
    size = handle.seek(0, 2) - start
    if first[at:at + 4] == b"VBRI":  # version, delay, quality (2 bytes each), then bytes and frames
        fields = first[at + 10:at + 18]
        if len(fields) < 8:
            return False
        return _lies(int.from_bytes(fields[:4], "big"), int.from_bytes(fields[4:], "big"), size)
    fields = first[at + 4:at + 16]
    flags = int.from_bytes(fields[:4], "big") if len(fields) >= 4 else 0
    offset = 8 if flags & 1 else 4  # the frame count comes first when present
    if not flags & 2 or len(fields) < offset + 4:
        return False
    stated = int.from_bytes(fields[offset:offset + 4], "big")
    frames = int.from_bytes(fields[4:8], "big") if flags & 1 else 0
    return _lies(stated, frames, size)


def _lies(stated: int, frames: int, size: int) -> bool:
    """Whether a header's byte count `stated` and frame count `frames` cannot be the file's."""
    if stated > 0 and size >= stated and frames * SMALLEST_FRAME > stated:  # whole, but its frame count
        return True  # claims more frames than its bytes can hold (a damaged header: 6 s shown as 21,474 hours)
    if stated > 0 and 0 < frames and frames * LARGEST_FRAME < stated:  # fewer than its bytes need: 5 s shown as 0.2 s
        return True
    return stated > 0 and size > stated + TAGS_AT_END


TAGS_AT_END = 128 + 227  # an ID3v1 tag, an enhanced one before it
SMALLEST_FRAME = 24  # bytes: an MPEG-2 Layer III frame at 8 kbps and 24 kHz, the least any frame holds
LARGEST_FRAME = 1441 * 2  # an MPEG-1 Layer III frame at 320 kbps and 32 kHz (1,441), with room to spare


ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


def adts_frame_s(data: bytes) -> float | None:
    """How long an ADTS frame lasts by its own header (1,024 samples per block at its own rate), or
    None when the bytes do not start with an ADTS header."""
    if len(data) < 7 or data[0] != 0xFF or data[1] & 0xF6 != 0xF0 or (data[2] >> 2 & 0x0F) >= len(ADTS_RATES):
        return None
    return 1024 * ((data[6] & 0x03) + 1) / ADTS_RATES[data[2] >> 2 & 0x0F]


class Clock:
    """Puts right the timestamps ffmpeg gives an ADTS AAC stream whose sample rate changes part-way
    (two recordings joined, 8 kHz then 44.1 kHz): it times every frame at the first header's rate,
    so each 23 ms frame at 44.1 kHz was placed 128 ms after the one before, the speech cut into
    slivers with silence between. Each frame is timed here by its own header; any other stream
    keeps its timestamps (`shift` 0)."""

    def __init__(self, adts: bool) -> None:
        self.adts = adts
        self.drift_s = 0.0  # how far the stated times have run ahead of the frames' own lengths
        self.last_s: float | None = None  # the last packet's own length, where known

    def shift(self, packet, time_base) -> float:
        """Seconds to take off this packet's (and its frames') stated time."""
        shift = self.drift_s
        own = adts_frame_s(bytes(packet)) if self.adts else None
        self.last_s = own
        if own is not None and packet.duration and time_base is not None:
            self.drift_s += float(packet.duration * time_base) - own
        return shift
