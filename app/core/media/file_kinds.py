"""Which kind of file opens at a place inside another: a second file joined after the first
(joined.py), or what follows a CAF's or a Wave64's audio (data_ends.py: not its chunks, whatever
their names read as: a WAV's 'data' is a CAF chunk's name too)."""

from __future__ import annotations

HEAD = 40  # bytes that tell them apart (a Wave64's 'riff' GUID, its size, its 'wave' GUID)
KINDS = {"wav": "a WAV", "w64": "a Wave64", "caf": "a CAF", "iso": "an MP4/MOV/3GP"}
CAF_OPENING = b"caff\x00\x01\x00\x00desc"  # a CAF's header (version 1) and its first chunk's name
W64_RIFF = b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00"
W64_WAVE = b"wave\xf3\xac\xd3\x11\x8c\xd1\x00\xc0\x4f\x8e\xdb\x8a"


def kind(head: bytes) -> str | None:
    """The kind (a key of KINDS) of the file whose first HEAD bytes are `head`, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:16] == W64_RIFF and head[24:40] == W64_WAVE:
        return "w64"
    if head[:12] == CAF_OPENING:
        return "caf"
    return "iso" if head[4:8] == b"ftyp" else None
