"""A RIFX WAV: the big-endian twin of RIFF (old Macs, some DAT and broadcast tools, DSP dumps).

Every size, the fmt chunk's fields and the samples themselves are big-endian. ffmpeg's WAV reader
takes the samples as little-endian, so a voice reads as loud noise and not a word is found. Read
here: the header is walked big-endian and the samples are handed to ffmpeg's raw big-endian PCM
reader through a read-only view of the data chunk (app/core/media/opening.py).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.riff import rate_fault

MAGIC = b"RIFX"
MAX_CHUNKS = 64
PCM, FLOAT = 1, 3
RAW_FORMATS = {(PCM, 8): "u8", (PCM, 16): "s16be", (PCM, 24): "s24be", (PCM, 32): "s32be",
               (FLOAT, 32): "f32be", (FLOAT, 64): "f64be"}
LAYOUTS = {1: "mono", 2: "stereo"}


@dataclass(frozen=True)
class Samples:
    """Where a RIFX file's samples lie and how ffmpeg's raw reader is told to read them."""

    raw_format: str  # ffmpeg's demuxer for them ('s16be')
    rate: int
    channels: int
    start: int
    end: int

    @property
    def options(self) -> dict[str, str]:
        return {"sample_rate": str(self.rate), "ch_layout": LAYOUTS.get(self.channels, f"{self.channels}c")}


def is_rifx(head: bytes) -> bool:
    return len(head) >= 12 and head[:4] == MAGIC and head[8:12] == b"WAVE"


def samples(handle: BinaryIO) -> Samples | None:
    """The samples of a RIFX WAV; None when the file is not one. ValueError with a one-line reason
    when it is one whose samples cannot be read (no fmt or data chunk, a format not PCM or float)."""
    handle.seek(0)
    if not is_rifx(handle.read(12)):
        return None
    size_of_file, at, fmt = handle.seek(0, 2), 12, b""
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(8)
        if len(chunk) < 8:
            break
        kind, size = chunk[:4], struct.unpack(">I", chunk[4:])[0]
        if kind == b"fmt ":
            fmt = handle.read(min(size, 1 << 16))
        elif kind == b"data":
            return _laid_out(fmt, at + 8, min(at + 8 + size, size_of_file))
        at += 8 + size + size % 2
    raise ValueError("a big-endian (RIFX) WAV with no samples: it ends before its data chunk (cut, or damaged)")


def _laid_out(fmt: bytes, start: int, end: int) -> Samples:
    if len(fmt) < 16:
        raise ValueError("a big-endian (RIFX) WAV whose format chunk is missing or cut (damaged)")
    tag, channels, rate, _byte_rate, _align, bits = struct.unpack(">HHIIHH", fmt[:16])
    raw = RAW_FORMATS.get((tag, bits))
    if raw is None:
        raise ValueError(f"a big-endian (RIFX) WAV in a format ffmpeg cannot read (format {tag:#06x}, {bits} bits)")
    if fault := rate_fault(rate):
        raise ValueError(fault)
    if not channels or end <= start:
        raise ValueError("a big-endian (RIFX) WAV holding no audio (no channels, or no samples after its header)")
    return Samples(raw, rate, channels, start, end)
