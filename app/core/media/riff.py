"""What a WAV file's own header says: its length, and a sample rate no recording has.

ffmpeg states a WAV's duration from the bytes present when its data chunk claims more than
the file holds, so a recording cut short reads as a shorter, complete one. The header's
claim, read here, is what the decoded length is checked against. A header whose rate is 0 or
absurd is refused by ffmpeg as 'invalid data'; read here, the reason names what is wrong.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # a recorder that never wrote the size (streaming, killed): no claim
MAX_CHUNKS = 64
MIN_SPEECH_RATE = 2000  # Hz: below it no speech can be held (a phone records at 8000 or more)
MAX_RATE = 768_000  # Hz: the highest rate ffmpeg decodes
NO_SAMPLES = "a WAV holding no audio: it ends within or just after its header (a recording stopped at once, cut, or a damaged header)"


def rate_fault(rate: int) -> str | None:
    """Why a stated sample rate cannot be a recording of speech, or None."""
    if MIN_SPEECH_RATE <= rate <= MAX_RATE:
        return None
    return f"the header declares a sample rate of {rate:,} Hz (damaged): no speech can be read at that rate"


def header_fault(handle: BinaryIO) -> str | None:
    """Why a WAV ffmpeg refused cannot be laid out as sound (a sample rate no recording has, or
    no samples after its header), or None (not a WAV, or nothing found wrong)."""
    handle.seek(0)
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    for _ in range(MAX_CHUNKS):
        chunk = handle.read(8)
        if len(chunk) < 8:  # the file ends (or a chunk's size leaps past its end) before any samples
            return NO_SAMPLES
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            body = handle.read(size + size % 2)
            fault = rate_fault(struct.unpack_from("<I", body, 4)[0]) if len(body) >= 8 else None
            if fault:
                return fault
        elif kind == b"data":
            return NO_SAMPLES if not handle.read(1) else None
        else:
            handle.seek(size + size % 2, 1)
    return None


def stated_ms(handle: BinaryIO) -> int | None:
    """The data chunk's stated length in ms, when it claims more bytes than the file holds."""
    handle.seek(0)
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    byte_rate = 0
    for _ in range(MAX_CHUNKS):
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        at = handle.tell()
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            body = handle.read(size + size % 2)
            byte_rate = struct.unpack_from("<I", body, 8)[0] if len(body) >= 12 else 0
        elif kind == b"data":
            present = handle.seek(0, 2) - at
            return _claim(size, byte_rate, present)
        else:
            handle.seek(size + size % 2, 1)
    return None


def _claim(size: int, byte_rate: int, present: int) -> int | None:
    if size in UNKNOWN_SIZES or not byte_rate or size <= present:
        return None
    return round(size * 1000 / byte_rate)
