"""Whether ffmpeg's length for an MP3 or ADTS AAC file is a guess.

An MP3 states its length only in a Xing/Info (LAME) or VBRI header; an ADTS AAC stream never
does. Without one ffmpeg divides the file's size by the first frames' bitrate, so junk in a
carved or damaged file (or a variable bitrate) makes the guess long: a file that decoded whole
was flagged truncated and named 'damaged' up to a time it never reached. Where the length is a
guess, intake measures it from the packets instead (read, not decoded).
"""

from __future__ import annotations

from typing import BinaryIO

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
        return _no_length_header(handle)
    finally:
        handle.seek(at)


def _no_length_header(handle: BinaryIO) -> bool:
    """No Xing/Info/VBRI header, or one whose stated byte count the file outgrows (junk spliced in,
    files joined): ffmpeg then ignores its frame count and guesses from the bitrate."""
    handle.seek(0)
    head = handle.read(10)
    start = 0
    if head[:3] == b"ID3" and len(head) == 10 and not any(b & 0x80 for b in head[6:10]):
        start = 10 + sum(b << (7 * (3 - n)) for n, b in enumerate(head[6:10]))
    handle.seek(start)
    first = handle.read(LOOK)
    found = [first.find(tag) for tag in LENGTH_HEADERS]
    if all(at < 0 for at in found):
        return True
    at = max(found)
    if first[at:at + 4] == b"VBRI":
        return False
    fields = first[at + 4:at + 16]
    flags = int.from_bytes(fields[:4], "big") if len(fields) >= 4 else 0
    offset = 8 if flags & 1 else 4  # the frame count comes first when present
    if not flags & 2 or len(fields) < offset + 4:
        return False
    stated = int.from_bytes(fields[offset:offset + 4], "big")
    size = handle.seek(0, 2) - start
    return stated > 0 and size > stated + TAGS_AT_END


TAGS_AT_END = 128 + 227  # an ID3v1 tag, an enhanced one before it
