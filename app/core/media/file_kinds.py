"""Which kind of file opens at a place inside another: a second file joined after the first
(joined.py), or what follows a CAF's or a Wave64's audio (data_ends.py: not its chunks, whatever
their names read as: a WAV's 'data' is a CAF chunk's name too)."""

from __future__ import annotations

HEAD = 40  # bytes that tell them apart (a Wave64's 'riff' GUID, its size, its 'wave' GUID)
KINDS = {"wav": "a WAV", "w64": "a Wave64", "caf": "a CAF", "iso": "an MP4/MOV/3GP", "aiff": "an AIFF",
         "flac": "a FLAC", "ogg": "an Ogg (Opus or Vorbis)", "amr": "an AMR", "mp3": "an MP3 (ID3-tagged)",
         "id3": "an ID3 tag alone", "mkv": "a Matroska/WebM"}
ENDS_TOLD = ("wav", "w64", "caf", "iso", "mkv")  # the kinds whose own header says where they end (joined.py)
CAF_OPENING = b"caff\x00\x01\x00\x00desc"  # a CAF's header (version 1) and its first chunk's name
EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # a Matroska/WebM file's first element (its EBML header)
W64_RIFF = b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00"
W64_WAVE = b"wave\xf3\xac\xd3\x11\x8c\xd1\x00\xc0\x4f\x8e\xdb\x8a"
MARKS = ((b"RIFF", 0), (W64_RIFF, 0), (CAF_OPENING, 0), (b"ftyp", 4), (b"FORM", 0), (b"fLaC", 0), (b"OggS", 0),
         (b"#!AMR", 0), (b"ID3", 0), (EBML_MAGIC, 0))  # bytes each kind opens with, and where: what to look for


def kind(head: bytes) -> str | None:
    """The kind (a key of KINDS) of the file whose first HEAD bytes are `head`, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:16] == W64_RIFF and head[24:40] == W64_WAVE:
        return "w64"
    if head[:12] == CAF_OPENING:
        return "caf"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"fLaC" and head[4:5] in (b"\x00", b"\x80") and head[5:8] == b"\x00\x00\x22":  # STREAMINFO
        return "flac"
    if head[:6] == b"OggS\x00\x02":  # version 0, a stream's first page
        return "ogg"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "amr"
    if head[:3] == b"ID3" and head[3:5] in (b"\x02\x00", b"\x03\x00", b"\x04\x00") and len(head) >= 10 \
            and head[5] & 0x0F == 0 and max(head[6:10]) < 128:  # version 2-4, its flags, a size of 7-bit bytes
        return "mp3"
    if head[:4] == EBML_MAGIC:
        return "mkv"
    return "iso" if head[4:8] == b"ftyp" and head[:3] == b"\x00\x00\x00" else None  # a small 'ftyp' box


def tag_only(head: bytes, size: int) -> bool:
    """Whether the `size` bytes opening with `head`, an ID3 tag, are that tag alone (a tag added after
    a recording's audio, no MP3 of its own)."""
    tag_size = 10 + sum(byte << (7 * (3 - place)) for place, byte in enumerate(head[6:10]))
    return size <= tag_size + 10  # the tag, its footer when it has one
