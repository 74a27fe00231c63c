"""The sample rate a CAF or AIFF header states, read here when ffmpeg cannot use it.

A CAF states its rate as a 64-bit float, an AIFF as an 80-bit extended float: either can hold
'not a number', infinity, a negative or a vanishing rate. ffmpeg then refused the AIFF as 'not a
media file' and opened the CAF with no rate and no channels, so it was refused as declaring 0
audio channels (its channels were whole: its rate was the damage). Read here, the reason names
the rate the header states.
"""

from __future__ import annotations

import math
import struct
from typing import BinaryIO

from app.core.media.riff import rate_fault
from app.core.media.views import from_start


def fault(handle: BinaryIO) -> str | None:
    """Why a CAF's or AIFF's stated rate cannot be a recording's, or None (another file, a good rate)."""
    rate = stated(handle)
    if rate is None:
        return None
    if not math.isfinite(rate) or rate != int(rate) or int(rate) <= 0 or rate > 1 << 32:
        return f"the header declares a sample rate of {rate:,.6g} Hz (damaged): no speech can be read at that rate"
    return rate_fault(int(rate))


def stated(handle: BinaryIO) -> float | None:
    try:
        with from_start(handle):
            head = handle.read(12)
            if head[:4] == b"caff":
                return _caf_rate(handle)
            if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
                return _aiff_rate(handle)
            return None
    except (OSError, struct.error):
        return None


def _caf_rate(handle: BinaryIO) -> float | None:
    """The desc chunk, which the format puts first: its first field is the rate (a float64)."""
    handle.seek(8)
    chunk = handle.read(20)
    return struct.unpack(">d", chunk[12:20])[0] if chunk[:4] == b"desc" and len(chunk) == 20 else None


MAX_CHUNKS = 64


def _aiff_rate(handle: BinaryIO) -> float | None:
    at = 12
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        kind, size = chunk[:4], struct.unpack(">I", chunk[4:])[0]
        if kind == b"COMM":
            body = handle.read(18)
            return _extended(body[8:18]) if len(body) == 18 else None
        at += 8 + size + size % 2
    return None


def _extended(ten: bytes) -> float:
    """An IEEE 754 80-bit extended float (sign, 15-bit exponent, 64-bit mantissa with its integer bit)."""
    top, mantissa = struct.unpack(">HQ", ten)
    sign, exponent = (-1.0 if top & 0x8000 else 1.0), top & 0x7FFF
    if exponent == 0x7FFF:
        return math.nan if mantissa & ((1 << 63) - 1) else sign * math.inf
    try:
        return sign * math.ldexp(float(mantissa), exponent - 16383 - 63)
    except OverflowError:
        return sign * math.inf
