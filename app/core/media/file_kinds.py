"""Which kind of file opens at a place inside another: a second file joined after the first
(joined.py), or what follows a CAF's or a Wave64's audio (data_ends.py: not its chunks, whatever
their names read as: a WAV's 'data' is a CAF chunk's name too)."""

from __future__ import annotations

import re

from app.core.media import ebml

HEAD = 64  # bytes that tell them apart (a Wave64's 'riff' GUID, its size, its 'wave' GUID; a Matroska EBML
# header's elements up to its DocType, each size written in up to 8 bytes)
KINDS = {"wav": "a WAV", "rf64": "an RF64/BW64 (a WAV past 4 GB)", "w64": "a Wave64", "caf": "a CAF",
         "iso": "an MP4/MOV/3GP", "aiff": "an AIFF", "flac": "a FLAC", "ogg": "an Ogg (Opus or Vorbis)", "amr": "an AMR",
         "mp3": "an MP3 (ID3-tagged)", "id3": "an ID3 tag alone",
         "mkv": "a Matroska/WebM", "mpeg": "MPEG audio or ADTS AAC frames (an MP3 or AAC with no tag)"}
CAF_OPENING = b"caff\x00\x01\x00\x00desc"  # a CAF's header (version 1) and its first chunk's name
EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # a Matroska/WebM file's first element (its EBML header)
DOC_TYPE = b"\x42\x82"  # the EBML header's element naming the file's kind ("webm", "matroska")
W64_RIFF = b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00"
W64_WAVE = b"wave\xf3\xac\xd3\x11\x8c\xd1\x00\xc0\x4f\x8e\xdb\x8a"
ID3_FLAGS = b"[" + re.escape(bytes(range(0, 256, 16))) + b"]"  # an ID3v2 header's flags: the low 4 bits clear
OPENED = re.compile(b"|".join((  # the opening bytes kind() tells each kind by (an EBML magic's DocType aside), in one pass
    b"RIFF....WAVE", b"(?:RF64|BW64)....WAVEds64", re.escape(W64_RIFF) + b".{8}" + re.escape(W64_WAVE),
    re.escape(CAF_OPENING), b"FORM....AIF[FC]", b"fLaC[\x00\x80]\x00\x00\x22", b"OggS\x00\x02", b"#!AMR(?:-WB)?\n",
    b"ID3[\x02-\x04]\x00" + ID3_FLAGS + b"[\x00-\x7f]{4}", re.escape(EBML_MAGIC), b"\x00\x00\x00.ftyp")), re.DOTALL)
ID3_HEADER = 10


def kind(head: bytes) -> str | None:
    """The kind (a key of KINDS) of the file whose first HEAD bytes are `head`, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] in (b"RF64", b"BW64") and head[8:16] == b"WAVEds64":
        return "rf64"
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
    if head[:3] == b"ID3" and head[3:5] in (b"\x02\x00", b"\x03\x00", b"\x04\x00") and len(head) >= ID3_HEADER \
            and head[5] & 0x0F == 0 and max(head[6:10]) < 128:  # version 2-4, its flags, a size of 7-bit bytes
        return "mp3"
    if head[:4] == EBML_MAGIC and _names_a_doc_type(head):  # four bytes alone lie about in audio (about once
        return "mkv"  # in 4 GB of samples)
    return "iso" if head[4:8] == b"ftyp" and head[:3] == b"\x00\x00\x00" else None  # a small 'ftyp' box


def _names_a_doc_type(head: bytes) -> bool:
    """Whether the EBML header opening `head` holds its DocType: its elements, walked by their own sizes
    inside the header's stated size, reach one (written with sizes of any width)."""
    _, size, at = ebml.element(head, 0)
    end = at + size if size >= 0 else 0
    while at < end:
        if head[at:at + 2] == DOC_TYPE:  # its id (its size may lie past `head`)
            return True
        kind, size, body = ebml.element(head, at)
        if kind is None or size < 0:
            return False
        at = body + size
    return False


def id3_size(head: bytes) -> int:
    """An ID3v2 tag's bytes by its 10-byte header: the header, the size it states (7 bits a byte),
    and a 10-byte footer when its flags say it has one."""
    stated = sum(byte << (7 * (3 - place)) for place, byte in enumerate(head[6:10]))
    return ID3_HEADER + stated + (10 if head[5] & 0x10 else 0)


def trailing_tags(after_tag: bytes) -> int:
    """The bytes at the start of `after_tag` (what follows an ID3v2 tag) that are the other tags a tagger
    appends, each walked by its own size: Lyrics3 (to its 'LYRICS200' or 'LYRICSEND'), APEv2 (its
    header's size + the header), an enhanced ID3v1 'TAG+' (227 bytes), ID3v1 (128 bytes)."""
    at = 0
    while True:
        if after_tag.startswith(b"LYRICSBEGIN", at):
            ends = [end for mark in (b"LYRICS200", b"LYRICSEND") if (end := after_tag.find(mark, at)) > 0]
            length = min(ends) + 9 - at if ends else 0
        elif after_tag.startswith(b"APETAGEX", at) and len(after_tag) >= at + 32:
            length = 32 + int.from_bytes(after_tag[at + 12:at + 16], "little")  # its header, then the size it states
        else:
            length = 227 if after_tag.startswith(b"TAG+", at) else 128 if after_tag.startswith(b"TAG", at) else 0
        if not length or at + length > len(after_tag):
            return at
        at += length


FRAMES_LOOK = 1 << 15  # bytes read for a stream's first frames (an ADTS frame may reach 8 kB)
FRAMES_IN_A_ROW = 3  # headers, each where the frame before ends, that make frames of junk that opens like one
MP3_KBPS = {  # (MPEG-1, the layer bits: 3 = Layer I, 2 = II, 1 = III) -> kbit/s by bitrate index 1-14
    (True, 3): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits


def opens_with_frames(data: bytes) -> bool:
    """Whether `data` (a file's first FRAMES_LOOK bytes) opens with MPEG audio or ADTS frames, a bare
    MP3 or an ADTS AAC: FRAMES_IN_A_ROW headers of one layer and rate, each where the frame before ends."""
    at = 0
    for _ in range(FRAMES_IN_A_ROW):
        if not (length := frame_length(data, at, data[:3])):
            return False
        at += length
    return True


def frame_length(data: bytes, at: int, first: bytes) -> int:
    """The bytes of the MPEG audio or ADTS frame whose header is at `at`, of the first's layer and rate; or 0."""
    head = data[at:at + 7]
    adts = len(first) == 3 and first[1] & 0x06 == 0  # layer bits 00
    if len(head) < 7 or head[0] != 0xFF or head[1] != first[1] or (head[2] ^ first[2]) & (0x3C if adts else 0x0C):
        return 0
    if adts:
        length = (head[3] & 0x03) << 11 | head[4] << 3 | head[5] >> 5
        return length if length >= 7 and head[2] >> 2 & 0x0F < 13 else 0
    version, layer, index, rate = head[1] >> 3 & 3, head[1] >> 1 & 3, head[2] >> 4, head[2] >> 2 & 3
    if head[1] & 0xE0 != 0xE0 or version == 1 or index in (0, 15) or rate == 3:
        return 0
    bits_per_s, per_s = MP3_KBPS[(version == 3, layer)][index - 1] * 1000, MP3_RATES[version][rate]
    padding = head[2] >> 1 & 1
    if layer == 3:  # Layer I: slots of 4 bytes
        return (12 * bits_per_s // per_s + padding) * 4
    return (144 if version == 3 or layer == 2 else 72) * bits_per_s // per_s + padding
