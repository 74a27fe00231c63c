"""What a WAV file's own header says: its length, and a sample rate no recording has.

ffmpeg states a WAV's duration from the bytes present when its data chunk claims more than
the file holds, so a recording cut short reads as a shorter, complete one. The header's
claim, read here, is what the decoded length is checked against. A header whose rate is 0 or
absurd is refused by ffmpeg as 'invalid data'; read here, the reason names what is wrong.

A writer that leaves out the pad byte after a chunk of odd length, or splits the samples over
several data chunks, gives a WAV ffmpeg reads wrongly (no audio at all, or only the first
chunk's): `layout` finds every chunk, and the file is opened through a plain header over the
same bytes (app/core/media/opening.py).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import data_ends, wav_blocks, wav_format
from app.core.media.by_content import remembered_for_a_file

# a recorder that never wrote the size (streaming, killed), or wrote its own "length unknown" mark
# (sox: 0x7FFFF000, arecord: 0x7FFFFF00, INT32_MAX): no claim, not 18 hours cut short
UNKNOWN_SIZES = (0, 0xFFFFFFFF, 0x7FFFF000, 0x7FFFFF00, 0x7FFFFFFF)
MAX_CHUNKS = 64
WAV_MAGIC = (b"RIFF", b"RF64", b"BW64")  # RF64/BW64: a WAV past 4 GB, its sizes in a ds64 chunk
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
    found = _data_chunk(handle)
    return _claim(*found[:3]) if found is not None else None


FACT_SLACK = 1.1  # a compressed format's average byte rate is rounded: a length this far past it is no rounding


def length_ms(handle: BinaryIO, read_ms: int, measured: bool = False) -> int:
    """A WAV's length: what ffmpeg read (`read_ms`), but no longer than its data chunk's bytes can
    hold (ffmpeg takes a compressed WAV's length from its fact chunk: a count of 0xFFFFFFFF made a
    6 s ADPCM note 24:51:18 long, 'TRUNCATED'), and as long as the data chunk states when the file
    was cut short of it. `measured`: `read_ms` was measured from frames that time themselves (MP3
    in a WAV), which a damaged byte rate must not shorten (8 s of speech recorded as 2 s)."""
    found = _data_chunk(handle)
    w64 = found is None
    found = found or _w64_data_chunk(data_ends.view(handle))  # a W64's size as data_ends reads it
    if found is None:
        return read_ms
    size, byte_rate, present, fact = found
    if (end_s := wav_blocks.padded_end_s(handle)) is not None:  # where decoding stops: its last block's padding
        return max(round(end_s * 1000), _claim(size, byte_rate, present) or 0)  # kept back (a 0.05 s IMA note
        # was 256 ms at intake, 50 ms decoded); a cut file's claim stands
    held = round((present if size in UNKNOWN_SIZES else size) * 1000 / byte_rate) if byte_rate else 0
    held = wav_blocks.held_ms(handle) or held  # ADPCM, GSM: by their blocks, whatever the byte rate says
    if fact and held and read_ms > held * FACT_SLACK + 1000 and not measured:
        read_ms = held
    if w64 and held and size not in UNKNOWN_SIZES and size <= present and not measured:  # ffmpeg: the file's size
        read_ms = min(read_ms, held)  # over its byte rate, a chunk after the audio counted (3.129 s of 3.000)
    return max(read_ms, _claim(size, byte_rate, present) or 0)


def _data_chunk(handle: BinaryIO) -> tuple[int, int, int, bool] | None:
    """The data chunk's stated size, the fmt chunk's byte rate, the bytes present after the data
    chunk's header and whether a fact chunk came before it; None when the file is not a RIFF WAV or
    no data chunk is found."""
    handle.seek(0)
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    byte_rate, fact = 0, False
    for _ in range(MAX_CHUNKS):
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        at = handle.tell()
        fact = fact or chunk[:4] == b"fact"
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            body = handle.read(size + size % 2)
            byte_rate = struct.unpack_from("<I", body, 8)[0] if len(body) >= 12 else 0
        elif kind == b"data":
            return size, byte_rate, handle.seek(0, 2) - at, fact
        else:
            handle.seek(size + size % 2, 1)
    return None


W64_HEADER = 40  # 'riff' and its GUID, a 64-bit size, 'wave' and its GUID
W64_CHUNK = 24  # a chunk's GUID and its 64-bit size (which counts these 24 bytes)


def _w64_data_chunk(handle: BinaryIO) -> tuple[int, int, int, bool] | None:
    """_data_chunk for a Sony Wave64 (a WAV with 64-bit sizes and GUIDs for names, 8-byte aligned):
    ffmpeg states its length from the bytes present, so one cut short read as a shorter, whole one."""
    handle.seek(0)
    head = handle.read(W64_HEADER)
    if len(head) < W64_HEADER or head[:4] != b"riff" or head[24:28] != b"wave":
        return None
    byte_rate, at, end = 0, W64_HEADER, handle.seek(0, 2)
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(W64_CHUNK)
        if len(chunk) < W64_CHUNK:
            return None
        kind, size = chunk[:4], struct.unpack_from("<Q", chunk, 16)[0]
        if kind == b"data":
            return max(0, size - W64_CHUNK), byte_rate, end - at - W64_CHUNK, False
        if kind == b"fmt ":
            body = handle.read(16)
            byte_rate = struct.unpack_from("<I", body, 8)[0] if len(body) >= 12 else 0
        if size < W64_CHUNK:
            return None
        at += (size + 7) // 8 * 8
    return None


def _claim(size: int, byte_rate: int, present: int) -> int | None:
    if size in UNKNOWN_SIZES or not byte_rate or size <= present:
        return None
    return round(size * 1000 / byte_rate)


@dataclass(frozen=True)
class Layout:
    """Where a WAV's format and samples lie, read chunk by chunk."""

    fmt: bytes  # the fmt chunk's body
    data: tuple[tuple[int, int], ...]  # the byte ranges of every data chunk, in file order
    unpadded: bool  # a chunk of odd length was written without its pad byte
    overrun: bool = False  # a chunk before the samples states a length past the file's end (damaged)
    unsized: bool = False  # an RF64 whose ds64 chunk, where its sizes belong, is missing or says 0
    mended: tuple[str, ...] = ()  # the fmt chunk's damaged length or sub-format, read as its bytes bear out
    trailed: bool = False  # samples of no stated size followed by chunks a WAV names (a LIST): read to them

    @property
    def needs_rebuilding(self) -> bool:
        """ffmpeg would miss samples: it steps over a chunk by its padded length, so it lands one
        byte short of the data after an unpadded one, and it reads only the first data chunk."""
        return bool(self.fmt) and bool(self.data) and (self.unpadded or self.overrun or self.unsized or len(self.data) > 1
                                                        or bool(self.mended) or self.trailed)

    def header(self) -> bytes:
        """A plain WAV header for the same format and all the samples, one data chunk after it."""
        size = sum(end - start for start, end in self.data)
        fmt = b"fmt " + struct.pack("<I", len(self.fmt)) + self.fmt + (b"\x00" if len(self.fmt) % 2 else b"")
        return b"RIFF" + struct.pack("<I", min(0xFFFFFFFF, 4 + len(fmt) + 8 + size)) + b"WAVE" + fmt + \
            b"data" + struct.pack("<I", min(0xFFFFFFFE, size))

    @property
    def note(self) -> str:
        return "; ".join(filter(None, (*self.mended, self._layout_note)))

    @property
    def _layout_note(self) -> str:
        if self.unsized:
            return ("the RF64 header states no length for its samples (its ds64 sizes are missing or 0: a recording "
                    "not closed properly): the samples present were read")
        if self.overrun:
            return ("a chunk before the samples states a length past the end of the file (a damaged header): "
                    "the samples were found after it")
        if self.trailed:
            return (f"the WAV states no length for its samples (written as it went), and chunks follow them from byte "
                    f"{self.data[-1][1]:,} to the file's end (its LIST or tags): the samples were read up to there")
        if len(self.data) > 1:
            return (f"the WAV holds its samples in {len(self.data)} data chunks (a writer's fault; a player reads "
                    "only the first): all were read, one after the other")
        return ""


def _is_chunk_id(four: bytes) -> bool:
    return len(four) == 4 and all(0x20 <= b <= 0x7E for b in four)


def layout(handle: BinaryIO) -> Layout | None:
    """The WAV's chunks walked as a reader forgiving a missing pad byte would; None for a file that
    is not a RIFF WAV."""
    handle.seek(0)
    head = handle.read(12)
    if len(head) < 12 or head[:4] not in WAV_MAGIC or head[8:12] != b"WAVE":
        return None
    size_of_file = handle.seek(0, 2)
    at, fmt, data, unpadded, overrun, ds64, mended, trailed = 12, b"", [], False, False, b"", [], False
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(8)
        if len(chunk) < 8 or not _is_chunk_id(chunk[:4]):
            break
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt " and (standard := wav_format.resized(handle, at, size, _is_chunk_id)) is not None:
            mended.append(wav_format.size_note(size, standard))
            size = standard
        handle.seek(at + 8)
        end = min(at + 8 + size, size_of_file) if size not in UNKNOWN_SIZES or kind != b"data" else \
            samples_end(handle, at + 8, size_of_file)
        trailed = trailed or end < size_of_file and kind == b"data" and size in UNKNOWN_SIZES
        if kind == b"fmt ":
            fmt = handle.read(min(size, 1 << 16))
        elif kind == b"ds64":
            ds64 = handle.read(min(size, 16))
        elif kind == b"data" and end > at + 8:
            data.append((at + 8, end))
        if kind != b"data" and at + 8 + size > size_of_file and not data and \
                (found := _next_chunk(handle, at + 8, bool(fmt) or kind == b"fmt ")):
            fmt = fmt[:found - at - 8] if kind == b"fmt " else fmt
            at, overrun = found, True  # a LIST, bext or JUNK chunk claiming the rest of the file
            continue
        at = end + size % 2
        if size % 2 and _unpadded(_peek(handle, at), _peek(handle, end)):
            at, unpadded = end, True
    unsized = head[:4] != b"RIFF" and (len(ds64) < 16 or not struct.unpack_from("<Q", ds64, 8)[0])
    if data and (subformat := wav_format.mended_subformat(fmt, _peek(handle, data[0][0], 4096))) is not None:
        fmt = subformat[0]
        mended.append(subformat[1])
    return Layout(fmt, tuple(data), unpadded, overrun, unsized, tuple(mended), trailed)


SEARCH = 1 << 24
MOST_FMT = 256  # bytes: the longest fmt chunk a writer states (extensible is 40)


def _next_chunk(handle: BinaryIO, start: int, has_fmt: bool) -> int | None:
    """Where the next data chunk starts after `start`, within the next 16 MB, or None; the next
    fmt chunk instead when it comes first and none was read yet (a LIST claiming the whole file
    before the format)."""
    handle.seek(start)
    window = handle.read(SEARCH)
    found = window.find(b"data")
    fmt = -1 if has_fmt else window.find(b"fmt ")
    if 0 <= fmt < (found if found >= 0 else len(window)) and len(window) >= fmt + 8 and \
            0 < struct.unpack_from("<I", window, fmt + 4)[0] <= MOST_FMT:
        found = fmt
    return start + found if found >= 0 else None


KNOWN_CHUNKS = {b"data", b"fmt ", b"fact", b"LIST", b"bext", b"iXML", b"JUNK", b"junk", b"PAD ", b"FLLR", b"cue ",
                b"smpl", b"inst", b"PEAK", b"id3 ", b"ID3 ", b"cart", b"axml", b"umid", b"acid", b"levl", b"ds64"}


TAIL_SEARCH = 1 << 20  # bytes at the file's end searched first for chunks after samples of no stated size
SAMPLES_BLOCK = 1 << 24  # bytes of samples searched at a time when none start there (a tag chunk over a MiB)
MOST_TAIL_CHUNKS = 16
TAIL_NAMES = re.compile(b"|".join(re.escape(name) for name in sorted(KNOWN_CHUNKS - {b"data", b"fmt ", b"ds64"})))
_SAMPLES_ENDS: dict = {}  # where the samples of no stated size end, by file (by_content.py)


def samples_end(handle: BinaryIO, start: int, size_of_file: int) -> int:
    """Where the samples of a data chunk stating no size (0, -1: written as it went) end: where chunks a
    WAV names (a LIST, an id3 tag, cue points) begin that follow one another exactly to the file's end;
    the file's end where none do. ffmpeg read them as samples: a 3 s recording with a 4 kB LIST after it
    was 3.128 s, its last 128 ms the LIST's bytes heard as sound; with a 2 MB id3 chunk (cover art) 65.5 s.
    The file's last MiB is searched first, then (none starting there) all the samples, once a run (about
    0.4 CPU s an hour of 16 kHz mono)."""
    low = max(start, size_of_file - TAIL_SEARCH)
    in_tail = _chain_start(handle, low, size_of_file, size_of_file)
    if in_tail is not None or low == start:
        return size_of_file if in_tail is None else in_tail
    found = remembered_for_a_file(_SAMPLES_ENDS, handle, lambda: (start, _chain_start(handle, start, low, size_of_file)))
    ahead = found[1] if found[0] == start else _chain_start(handle, start, low, size_of_file)
    return size_of_file if ahead is None else ahead


def _chain_start(handle: BinaryIO, start: int, stop: int, size_of_file: int) -> int | None:
    """The first place in [start, stop) from which chunks a WAV names walk to the file's end, or None."""
    base = start
    while base < stop:
        block = _peek(handle, base, min(SAMPLES_BLOCK, size_of_file - base))
        for name in TAIL_NAMES.finditer(block):
            if base + name.start() >= stop:
                return None
            if _walks_to(handle, base + name.start(), size_of_file):
                return base + name.start()
        base += max(1, len(block) - 3)  # a name split over two blocks is found in the next
    return None


def _walks_to(handle: BinaryIO, at: int, size_of_file: int) -> bool:
    """Whether chunks a WAV names follow one another from `at` exactly to the file's end (the last one's
    pad byte may be left out)."""
    for _ in range(MOST_TAIL_CHUNKS):
        chunk = _peek(handle, at, 8)
        if len(chunk) < 8 or chunk[:4] not in KNOWN_CHUNKS:
            return False
        size = struct.unpack_from("<I", chunk, 4)[0]
        if at + 8 + size == size_of_file or at + 8 + size + size % 2 == size_of_file:
            return True
        at += 8 + size + size % 2
        if at > size_of_file:
            return False
    return False


def _unpadded(padded: bytes, bare: bytes) -> bool:
    """Whether the next chunk starts right after an odd-length one (its pad byte left out) rather
    than one byte later, as the format has it."""
    if bare in KNOWN_CHUNKS and padded not in KNOWN_CHUNKS:
        return True
    return not _is_chunk_id(padded) and _is_chunk_id(bare)


def _peek(handle: BinaryIO, at: int, count: int = 4) -> bytes:
    handle.seek(at)
    return handle.read(count)


def channel_count(handle: BinaryIO) -> int | None:
    """The channel count a WAV's fmt chunk states, or None (not a WAV, no fmt chunk)."""
    try:
        found = layout(handle)
    except (OSError, ValueError):
        return None
    return struct.unpack_from("<H", found.fmt, 2)[0] if found is not None and len(found.fmt) >= 4 else None
