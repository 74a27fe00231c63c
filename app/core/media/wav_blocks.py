"""A block-coded WAV (IMA ADPCM, Microsoft ADPCM, GSM 6.10) whose fmt chunk states a damaged
block size, bit depth or sample rate, read as its blocks are.

These codecs cut the samples into blocks of a fixed size (`block_align`), each starting with a
header of its own; ffmpeg takes the size from the fmt chunk alone. A damaged size (1, half or a
quarter of the true one, 0xFFFF) gave no sound at all ('damaged 00:00-00:08', truncated), a
stretch of noise, or damage every few tenths; an IMA ADPCM file whose bit depth was damaged to 8
was read as another codec (Zork ADPCM: half its length, noise), one of 0 as no channels; a GSM
6.10 file whose block size was not 65 as no channels (nothing decoded). The fmt chunk states the size twice over
(the block size and the samples per block, which follow from each other) and the blocks' own
headers show where each starts: the size both agree on is used. GSM 6.10 has one block size (65
bytes for 320 samples), and one rate: a GSM 6.10 header stating another, its byte rate 8,000
Hz's, is read at 8,000 Hz. An ADPCM rate is left as it is: only the byte rate could contradict
it, and which of the two lies cannot be told. The file is opened through a view with the fields mended (app/core/media/views.py).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from typing import BinaryIO

IMA, MS, GSM = 0x11, 0x02, 0x31
NAMES = {IMA: "IMA ADPCM", MS: "Microsoft ADPCM", GSM: "GSM 6.10"}
GSM_BLOCK, GSM_SAMPLES = 65, 320  # bytes, samples
GSM_RATE = 8000  # the one rate GSM 6.10 (a phone network's full-rate codec) is coded at
MAX_CHUNKS = 64
CHECKED_BLOCKS = 64  # block headers looked at to tell a size from another
MS_PREDICTORS = 7  # the standard coefficient pairs; a block names one of them


@dataclass(frozen=True)
class Fmt:
    at: int  # where the fmt chunk's body starts in the file
    tag: int
    channels: int
    rate: int
    byte_rate: int
    block_align: int
    bits: int
    samples_per_block: int  # 0 when the chunk has no extension holding it
    data: tuple[int, int]  # the first data chunk's byte range
    fact: int = 0  # the samples (per channel) a fact chunk before the data states, or 0


@dataclass(frozen=True)
class BlockFix:
    """The fmt fields shown mended, and what was wrong, for the run's warnings."""

    patches: dict[int, bytes]
    said: tuple[str, ...] = field(default=())

    @property
    def note(self) -> str:
        return "; ".join(self.said)


def damaged(handle: BinaryIO) -> BlockFix | None:
    """The fields to show mended for a block-coded WAV whose header states them wrong, or None
    (another file, or nothing found wrong)."""
    try:
        fmt = _fmt(handle)
    except (OSError, ValueError, struct.error):
        return None
    if fmt is None or fmt.tag not in NAMES or not 1 <= fmt.channels <= 8:
        return None
    patches: dict[int, bytes] = {}
    said: list[str] = []
    name = NAMES[fmt.tag]
    channels, block = _laid_out(handle, fmt)
    if channels != fmt.channels:
        patches[fmt.at + 2] = struct.pack("<H", channels)
        said.append(f"the {name} header states {_count(fmt.channels, 'channel')}, but its blocks hold {channels} "
                    f"(damaged): read as {channels}")
        fmt = replace(fmt, channels=channels)
    if block and block != fmt.block_align:
        patches[fmt.at + 12] = struct.pack("<H", block)
        said.append(f"the {name} header states a block size of {_count(fmt.block_align, 'byte')} (damaged): read as blocks of "
                    f"{block:,} bytes, as its own blocks are laid out")
    block = block or fmt.block_align
    if (implied := _byte_rate_says(fmt, channels, block)) is not None:
        said.append(f"the {name} header states {fmt.rate:,} Hz, but its byte rate ({fmt.byte_rate:,}) is {implied:,} Hz's: "
                    f"one of them is damaged and which cannot be told; read at {fmt.rate:,} Hz (voices that sound "
                    f"{'fast' if implied < fmt.rate else 'slow'} mean the recording is {implied:,} Hz)")
    if _rate(fmt) != fmt.rate:
        patches[fmt.at + 4] = struct.pack("<I", GSM_RATE)
        said.append(f"the {name} header states {fmt.rate:,} Hz (damaged): GSM 6.10 is coded at {GSM_RATE:,} Hz, as "
                    f"its byte rate ({fmt.byte_rate:,}) says: read at {GSM_RATE:,} Hz, not {fmt.rate / GSM_RATE:.3g} times "
                    "too fast or slow")
    if fmt.tag == IMA and fmt.bits != 4 and block and _from_block(IMA, block, fmt.channels) == fmt.samples_per_block:
        patches[fmt.at + 14] = struct.pack("<H", 4)
        said.append(f"the {name} header states {fmt.bits} bits per sample (damaged): read as 4, as its block size "
                    "and samples per block give")
    return BlockFix(patches, tuple(said)) if patches or said else None


RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def _byte_rate_says(fmt: Fmt, channels: int, block: int) -> int | None:
    """The recording rate an ADPCM header's byte rate gives when it is half or double the one
    stated, a usual rate (16,000 Hz stated over 8,000 Hz's byte rate: heard at double speed), else
    None. A byte rate further off is its own damage (ffmpeg does not use it): not said."""
    samples = _from_block(fmt.tag, block, channels) if fmt.tag in (IMA, MS) and block else 0
    if not samples or not fmt.byte_rate:
        return None
    implied = fmt.byte_rate * samples / block
    usual = min(RATES, key=lambda rate: abs(rate - implied))
    return usual if abs(usual - implied) <= usual * 0.01 and usual in (fmt.rate * 2, fmt.rate / 2) else None


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _laid_out(handle: BinaryIO, fmt: Fmt) -> tuple[int, int]:
    """The channels and the block size the blocks are laid out in: GSM 6.10 is mono in blocks of
    65 bytes; ADPCM as stated when its block headers bear it out, else as one or two channels
    when they bear that out (a mono note stated as stereo was read as noise, or as nothing), else
    as stated with no block size found (0)."""
    if fmt.tag == GSM:
        return 1, GSM_BLOCK
    if block := _block_size(handle, fmt):
        if fmt.channels == 1 and _stereo_under_mono(handle, fmt, block):
            return 2, block  # a second channel's header after the first in every block: stereo stated as mono
        return fmt.channels, block
    for channels in (1, 2):
        if channels != fmt.channels and (block := _block_size(handle, replace(fmt, channels=channels))):
            return channels, block
    return fmt.channels, 0


def _block_size(handle: BinaryIO, fmt: Fmt) -> int:
    """The block size an ADPCM file's blocks are laid out in: the one its samples-per-block
    field gives, else the one stated, else a common size, whichever its block headers bear out;
    0 when none does (left as it is)."""
    ch = fmt.channels
    candidates = [_from_samples(fmt.tag, fmt.samples_per_block, ch), fmt.block_align]
    candidates += [size * ch for size in (256, 512, 1024, 2048, 4096)] + [size for size in (256, 512, 1024, 2048)]
    for size in candidates:
        if size and _blocks_bear_out(handle, fmt, size):
            return size
    return 0


def _from_samples(tag: int, samples: int, channels: int) -> int:
    if tag == IMA and samples > 1 and (samples - 1) % 8 == 0:
        return 4 * channels + (samples - 1) // 2 * channels
    if tag == MS and samples > 2 and (samples - 2) % 2 == 0:
        return 7 * channels + (samples - 2) // 2 * channels
    return 0


def _blocks_bear_out(handle: BinaryIO, fmt: Fmt, size: int) -> bool:
    """Whether a block header (IMA: a step index of 0-88 and a zero byte per channel; MS: a
    predictor of 0-6 per channel) starts every `size` bytes of the samples, at least 4 of them."""
    start, end = fmt.data
    ch = fmt.channels
    if size < (8 if fmt.tag == IMA else 14) * ch or size > 1 << 15:
        return False
    heads = _spread(range(start, end - size + 1, size))
    if len(heads) < 4:
        return False
    for at in heads:
        handle.seek(at)
        head = handle.read(7 * ch)
        if fmt.tag == IMA and any(head[4 * c + 2] > 88 or head[4 * c + 3] for c in range(ch)):
            return False
        if fmt.tag == MS and any(b >= MS_PREDICTORS for b in head[:ch]):
            return False
    return True


def _spread(starts: range) -> list[int]:
    """At most CHECKED_BLOCKS of the blocks, in 4 runs of blocks side by side spread over the whole
    file (not only its start, which may be silence; side by side, as a size twice the true one
    lands on a header every other block)."""
    run = CHECKED_BLOCKS // 4
    if len(starts) <= CHECKED_BLOCKS:
        return list(starts)
    step = (len(starts) - run) // 3
    return [at for first in range(0, 4 * step, step) for at in starts[first:first + run]]


def _stereo_under_mono(handle: BinaryIO, fmt: Fmt, size: int) -> bool:
    """Whether a second channel's block header follows the first in every block of a file stated
    mono, in blocks that hold sound: an IMA block of digital silence is all zero bytes, which
    read as a second header too."""
    stereo = replace(fmt, channels=2)
    if not _blocks_bear_out(handle, stereo, size):
        return False
    if fmt.tag != IMA:
        return True
    lively = 0
    for at in _spread(range(fmt.data[0], fmt.data[1] - size + 1, size)):
        handle.seek(at + 4)
        lively += any(handle.read(4))
    return lively >= 4


def _fmt(handle: BinaryIO) -> Fmt | None:
    """The fmt chunk's fields and the first data chunk's range, walked chunk by chunk; None for
    a file that is not a RIFF WAV or lacks either."""
    handle.seek(0)
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    size_of_file = handle.seek(0, 2)
    at, body, fmt_at, fact = 12, b"", 0, 0
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            fmt_at, body = at + 8, handle.read(min(size, 64))
        elif kind == b"fact" and size >= 4:
            fact = struct.unpack("<I", handle.read(4))[0]
        elif kind == b"data" and len(body) >= 16:
            end = size_of_file if size in (0, 0xFFFFFFFF) else min(at + 8 + size, size_of_file)
            tag, channels, rate, byte_rate, align, bits = struct.unpack_from("<HHIIHH", body)
            samples = struct.unpack_from("<H", body, 18)[0] if len(body) >= 20 else 0
            return Fmt(fmt_at, tag, channels, rate, byte_rate, align, bits, samples, (at + 8, end), fact)
        at += 8 + size + size % 2
    return None


def _blocks(handle: BinaryIO) -> tuple[Fmt, int, int] | None:
    """A block-coded WAV's fmt, its block's bytes and the samples a block holds, or None (another file)."""
    try:
        fmt = _fmt(handle)
    except (OSError, ValueError, struct.error):
        return None
    if fmt is None or fmt.tag not in NAMES or not 1 <= fmt.channels <= 8 or not fmt.rate:
        return None
    channels, block = _laid_out(handle, fmt)
    block = block or fmt.block_align
    samples = GSM_SAMPLES if fmt.tag == GSM else _from_block(fmt.tag, block, channels)
    return (fmt, block, samples) if block and samples else None


def held_ms(handle: BinaryIO) -> int | None:
    """How long a block-coded WAV's samples last by its blocks (their count, the samples each
    holds, the rate), or None (another file): a damaged byte rate must not shorten it (a fact
    chunk checked against a byte rate 4 times too high recorded 8 s of speech as 2 s)."""
    if (found := _blocks(handle)) is None:
        return None
    fmt, block, samples = found
    start, end = fmt.data
    return round(-(-(end - start) // block) * samples * 1000 / _rate(fmt))


def padded_end_s(handle: BinaryIO) -> float | None:
    """Where a block-coded WAV's sound ends when its last block is padded: the fact chunk's sample
    count, taken only where it falls inside the last block (a coder fills that block with silence;
    a fact count short of the blocks by more is damage, not padding, and keeps nothing back);
    None otherwise. Decoded whole, a 3 s IMA ADPCM note lasted 3.06 s, a 44.1 kHz stereo MS ADPCM
    one up to 0.09 s more."""
    if (found := _blocks(handle)) is None or not found[0].fact:
        return None
    fmt, block, samples = found
    blocks = -(-(fmt.data[1] - fmt.data[0]) // block)
    if not (blocks - 1) * samples < fmt.fact <= blocks * samples:
        return None
    return fmt.fact / _rate(fmt)


def _rate(fmt: Fmt) -> int:
    """The rate the samples are read at: a GSM 6.10 header's stated rate other than 8 kHz, its
    byte rate 8 kHz's, is damage."""
    if fmt.tag == GSM and fmt.rate != GSM_RATE and fmt.byte_rate == GSM_BLOCK * GSM_RATE // GSM_SAMPLES:
        return GSM_RATE
    return fmt.rate


def _from_block(tag: int, block: int, channels: int) -> int:
    """The samples (per channel) a block of `block` bytes holds."""
    header = (4 if tag == IMA else 7) * channels
    if block <= header:
        return 0
    return (block - header) * 2 // channels + (1 if tag == IMA else 2)
