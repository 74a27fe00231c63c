"""A WAV's fmt chunk as its bytes bear it out: a damaged length, or an extensible format's
sub-format naming no coding that its plain layout is not.

A fmt chunk stating 0, 14, 18 or 1,000 bytes for its 16 puts every reader's walk of the chunks
off its track: the samples after it were never found ('a WAV holding no audio'). The length is
read as the standard one (16, 18, 20, 40 or 50 bytes) after which the next chunk starts.

WAVE_FORMAT_EXTENSIBLE names the coding again in a 16-byte sub-format GUID; one zeroed or
damaged made ffmpeg refuse the file ('a codec or sample format ffmpeg cannot decode') though
its block size, byte rate and bit depth state plain PCM: it is read as PCM (32-bit samples as
float when they read as float samples do), the GUID named.
"""

from __future__ import annotations

import math
import struct
from typing import BinaryIO

EXTENSIBLE = 0xFFFE
GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"  # KSDATAFORMAT_SUBTYPE_xxx: tag first
PCM, FLOAT = 1, 3
STANDARD_SIZES = (16, 18, 20, 40, 50, 14)  # PCM, WAVEFORMATEX, IMA ADPCM, extensible, MS ADPCM, bare
SUBFORMAT_AT = 24  # in the fmt body: after the 18-byte WAVEFORMATEX, valid bits and channel mask


def resized(handle: BinaryIO, at: int, stated: int, is_chunk_id) -> int | None:
    """The fmt chunk's length when the one it states (at `at`, its header's start) lands on no
    chunk and a standard length does; None when the stated length is whole (or nothing fits)."""
    end = handle.seek(0, 2)
    if at + 8 + stated + stated % 2 >= end or _chunk_at(handle, at + 8 + stated + stated % 2, is_chunk_id):
        return None
    return next((size for size in STANDARD_SIZES if _chunk_at(handle, at + 8 + size, is_chunk_id)), None)


def _chunk_at(handle: BinaryIO, at: int, is_chunk_id) -> bool:
    handle.seek(at)
    head = handle.read(8)
    return len(head) == 8 and is_chunk_id(head[:4]) and head[:4] != b"\x20\x20\x20\x20"


def size_note(stated: int, size: int) -> str:
    return (f"the fmt chunk states a length of {stated:,} bytes (damaged): read as its {size} bytes of format, "
            "the chunks after it where they start")


def mended_subformat(fmt: bytes, samples: bytes) -> tuple[bytes, str] | None:
    """An extensible fmt body with its sub-format named for the plain layout it states (PCM, or
    float for 32-bit samples that read as float), and a note naming the damage; None when the
    sub-format is one ffmpeg decodes, or the layout is not plain (a compressed coding)."""
    if len(fmt) < SUBFORMAT_AT + 16 or struct.unpack_from("<H", fmt)[0] != EXTENSIBLE:
        return None
    channels, rate, byte_rate, align, bits = struct.unpack_from("<HIIHH", fmt, 2)
    guid = fmt[SUBFORMAT_AT:SUBFORMAT_AT + 16]
    tag = struct.unpack_from("<H", guid)[0]
    # A standard GUID naming a coding is the file's word (A-law and mu-law telephone recordings
    # state an 8-bit plain layout too): only a zeroed or junk GUID, or float at a depth float
    # never has, is damage.
    named = guid[2:] == GUID_TAIL and tag != 0 and not (tag == FLOAT and bits not in (32, 64))
    plain = bits in (8, 16, 24, 32) and channels and align == channels * bits // 8 and byte_rate == rate * align
    if named or not plain:
        return None
    coding = FLOAT if bits == 32 and _reads_as_float(samples) else PCM
    body = fmt[:SUBFORMAT_AT] + struct.pack("<H", coding) + GUID_TAIL + fmt[SUBFORMAT_AT + 16:]
    return body, (f"the extensible format's sub-format ({guid.hex()}) names no coding its layout has (damaged): "
                  f"read as the {bits}-bit {'float' if coding == FLOAT else 'PCM'} samples its block size and byte "
                  "rate state")


def _reads_as_float(samples: bytes) -> bool:
    """Whether 32-bit samples read as float samples do (finite, within +-2, few denormal-small
    values); integer samples read as floats are mostly tiny or huge."""
    count = len(samples) // 4
    if not count:
        return False
    values = struct.unpack(f"<{count}f", samples[:count * 4])
    if any(not math.isfinite(value) or abs(value) > 2.0 for value in values):
        return False
    tiny = sum(1 for value in values if value and abs(value) < 1e-20)
    return tiny * 10 < count
