"""A CAF whose packet table (pakt) is damaged: read by the packets it still locates.

A CAF of variable-size packets (AAC, ALAC: an iPhone app's recording) finds each packet by its
packet table, a count followed by one size per packet. A damaged count (a billion packets, or
0), a damaged priming figure or a chunk size that no longer covers the table had ffmpeg refuse
the whole file; a count too small read only its first packets and called the rest 'data that is
not audio'. The sizes themselves are walked here: as many as are whole and fit the audio bytes
are handed to ffmpeg in a table of their own through a view (nothing is written), and the run
says how much of the audio the table no longer locates.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

from app.core.media import caf_entries
from app.core.media.by_content import remembered
from app.core.media.views import Patched, Spliced, from_start

MAX_CHUNKS = 64
PAKT_HEADER = 24  # packets (8), valid frames (8), priming frames (4), remainder frames (4)
MAX_TABLE = 64 << 20
MAX_PRIMING = 1 << 16  # an encoder's priming (AAC: 2,112 frames) is a few packets, never a minute


@dataclass(frozen=True)
class Table:
    pakt: tuple[int, int]  # the pakt chunk's byte range in the file (its 12-byte header included)
    sizes: bytes  # the whole entries' bytes, as in the file
    packets: int
    stated: int  # the packet count the damaged header states
    frames_per_packet: int
    rate: float
    unlocated: int  # audio bytes after the located packets
    mended: tuple[tuple[int, int, int], ...] = ()  # entries put right: each its packet, the size stated, the size used
    header: bytes = b""  # the table's own header, kept when it is whole (its priming and remainder frames)
    to_the_end: tuple[int, int] | None = None  # a data chunk of size -1: its size field, and the size ending the file

    @property
    def note(self) -> str:
        if len(self.mended) == 1:
            [(packet, stated, used)] = self.mended
            return (f"the CAF's packet table states packet {packet + 1:,} as {stated:,} bytes, which the audio bytes "
                    f"and the packets after it contradict (a damaged entry): read as {used:,} bytes")
        if self.mended:
            said = " and ".join(f"packet {packet + 1:,} as {stated:,} bytes" for packet, stated, _ in self.mended)
            used = " and ".join(f"{used:,}" for _, _, used in self.mended)
            return (f"the CAF's packet table states {said}, which the audio bytes and the packets after them "
                    f"contradict ({len(self.mended)} damaged entries): read as {used} bytes")
        lost = (f"; the last {self.unlocated:,} bytes of audio cannot be located without it (not transcribed)"
                if self.unlocated else "")
        return (f"the CAF's packet table is damaged (its header states {self.stated:,} packets): read by the "
                f"{self.packets:,} its entries locate ({self.packets * self.frames_per_packet / self.rate:.1f} s){lost}")

    def view(self, handle: BinaryIO) -> Spliced:
        frames = self.packets * self.frames_per_packet
        body = (self.header or struct.pack(">qqii", self.packets, frames, 0, 0)) + self.sizes
        chunk = b"pakt" + struct.pack(">q", len(body)) + body
        if self.to_the_end is not None:  # the data's size stated (ffmpeg reads no chunk after a size of -1, the
            handle = Patched(handle, {self.to_the_end[0]: struct.pack(">q", self.to_the_end[1])})  # table put there)
        return _replaced(handle, self.pakt, chunk)


def _replaced(handle: BinaryIO, span: tuple[int, int], chunk: bytes) -> Spliced:
    """The file without bytes [span), `chunk` put after its last chunk (a view; CAF chunks may
    come in any order)."""
    size = handle.seek(0, 2)
    return _Appended(handle, [(0, span[0]), (span[1], size)], chunk)


class _Appended(Spliced):
    """Byte ranges of the file, then a few bytes of its own at the end."""

    def __init__(self, handle: BinaryIO, ranges: list[tuple[int, int]], suffix: bytes) -> None:
        super().__init__(handle, ranges)
        self._suffix, self._body = suffix, super().size

    @property
    def size(self) -> int:
        return self._offsets[-1] + len(self._suffix)

    def _read_at(self, pos: int, size: int) -> bytes:
        if pos >= self._offsets[-1]:
            return self._suffix[pos - self._offsets[-1]:pos - self._offsets[-1] + size]
        return super()._read_at(pos, size)


def damaged(handle: BinaryIO) -> Table | None:
    """The packets a variable-packet CAF's table still locates when the table's header or size is
    damaged; None for any other file (or a table that is whole, or locates nothing)."""
    try:
        with from_start(handle):
            return _read(handle)
    except (OSError, ValueError, struct.error):
        return None


_FOUND: dict = {}


@dataclass(frozen=True)
class _Chunks:
    desc: bytes  # the desc chunk's body
    data: tuple[int, int]  # the audio's byte range (after the data chunk's 4-byte edit count)
    pakt: tuple[int, int, int]  # the pakt chunk's start, end and stated size
    cut: bool  # the data chunk's size runs past the file's end, or is -1 ('to the end of the file')
    to_the_end: bool  # its size is -1

    @property
    def size_to_the_end(self) -> tuple[int, int] | None:
        """Where the data chunk's size of -1 is, and the size that has it end the file (None for another size)."""
        return (self.data[0] - 12, self.data[1] - self.data[0] + 4) if self.to_the_end else None


def _chunks(handle: BinaryIO) -> _Chunks | None:
    """A CAF's desc, data and pakt chunks, or None where one is missing (or no CAF)."""
    handle.seek(0)
    if handle.read(8)[:4] != b"caff":
        return None
    end, desc, data, pakt, size_of_data = handle.seek(0, 2), None, None, None, 0
    at = 8
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        head = handle.read(12)
        if len(head) < 12:
            break
        kind, size = head[:4], struct.unpack(">q", head[4:])[0]
        body = at + 12
        if kind == b"desc":
            desc = handle.read(32)
        elif kind == b"data":
            data, size_of_data = (body + 4, end if size < 0 else min(end, body + size)), size  # after its edit count
        elif kind == b"pakt":  # a size too small for its own header, or negative: the table runs to the end
            pakt = (at, end if size < PAKT_HEADER else min(end, body + size), size)
        if size < 0 or body + size > end:
            break
        at = body + size
    if desc is None or data is None or pakt is None or len(desc) < 32:
        return None
    cut = size_of_data < 0 or data[0] - 4 + size_of_data > end  # -1: the table tells a cut
    return _Chunks(desc, data, pakt, cut, size_of_data < 0)


def _read(handle: BinaryIO) -> Table | None:
    chunks = _chunks(handle)
    if chunks is None:
        return None
    rate, fmt, _flags, bytes_per_packet, frames_per_packet = struct.unpack(">d4sIII", chunks.desc[:24])
    if bytes_per_packet or not frames_per_packet or not 1000 <= rate <= 768_000:
        return None
    data = chunks.data
    alac_at = data[0] if fmt == b"alac" else None
    return _walk(handle, chunks.pakt, data[1] - data[0], frames_per_packet, rate, alac_at, chunks.cut,
                 chunks.size_to_the_end)


def ends_with_its_table(handle: BinaryIO) -> bool:
    """Whether a CAF's data chunk runs 'to the end of the file' (size -1) and its whole packet table locates
    every byte of it: ffmpeg stops there with an error ('Invalid data found'), no data follows its audio."""
    try:
        with from_start(handle):
            return located_end(handle) == handle.seek(0, 2)
    except (OSError, ValueError):
        return False


def located_end(handle: BinaryIO) -> int | None:
    """Where the audio of a CAF whose data chunk runs 'to the end of the file' (size -1) ends, by its whole
    packet table (every entry its header states present); None for any other file."""
    try:
        with from_start(handle):
            chunks = _chunks(handle)
            if chunks is None or not chunks.to_the_end:
                return None
            start, stop, _ = chunks.pakt
            handle.seek(start + 12)
            header = handle.read(PAKT_HEADER)
            stated = struct.unpack_from(">q", header)[0] if len(header) == PAKT_HEADER else 0
            sizes = _entries(handle.read(min(MAX_TABLE, max(0, stop - start - 12 - PAKT_HEADER))), stated)
            return chunks.data[0] + sum(sizes) if sizes else None
    except (OSError, ValueError, struct.error):
        return None


def _walk(handle: BinaryIO, pakt: tuple[int, int, int], audio: int, frames_per_packet: int, rate: float,
          alac_at: int | None = None, cut: bool = False, to_the_end: tuple[int, int] | None = None) -> Table | None:
    start, stop, stated_size = pakt
    handle.seek(start + 12)
    header = handle.read(PAKT_HEADER)
    if len(header) < PAKT_HEADER:
        return None
    stated, valid, priming, remainder = struct.unpack(">qqii", header)
    table = handle.read(min(MAX_TABLE, max(0, stop - start - 12 - PAKT_HEADER)))
    packets, used, at = 0, 0, 0
    while at < len(table):
        size, width = _varint(table, at)
        if not size or used + size > audio:
            break
        packets, used, at = packets + 1, used + size, at + width
    sane = 0 <= valid and 0 <= priming < MAX_PRIMING and 0 <= remainder < frames_per_packet
    if cut and sane and _cut_after_a_whole_table(table, stated, stated_size, used):
        # a cut file (ffmpeg reads the packets present by the table, and the length it states stands), or, where the
        # data size is -1 and tells no cut, one entry stated too long (mended as in its twin of stated size)
        entry = _one_entry_wrong(handle, (start, stop), table, stated, audio, frames_per_packet, rate, 1,
                                 to_the_end) if to_the_end else None
        return None if entry is None else replace(entry, header=header)
    whole = (packets == stated and (used == audio or to_the_end is not None) and stated_size >= PAKT_HEADER + at and sane)
    # (a data chunk 'to the end of the file' with bytes after the packets its whole table locates: junk, a file)
    if (whole and not (alac_at is not None and _misplaced(handle, alac_at, table[:at]))) or not packets:
        return None
    entry = _one_entry_wrong(handle, (start, stop), table, stated, audio, frames_per_packet, rate)
    if entry is not None:
        return replace(entry, header=header if sane else b"")
    return None if whole else Table((start, stop), table[:at], packets, stated, frames_per_packet, rate, audio - used)


ALAC_STARTS = (0x00, 0x20)  # an ALAC packet opens with its element (mono, stereo; instance 0) and 12 zero bits


def _misplaced(handle: BinaryIO, audio_at: int, table: bytes) -> bool:
    """Whether an ALAC table whose sizes add up to the audio bytes puts a packet where none starts:
    two damaged sizes that make up for each other (one 40 bytes long, a later one 40 short) put
    every packet between them out of place, though the sum is right."""
    at, offset = 0, audio_at
    while at < len(table):
        size, width = _varint(table, at)
        handle.seek(offset)
        head = handle.read(2)
        if len(head) == 2 and (head[0] not in ALAC_STARTS or head[1]):
            return True
        at, offset = at + width, offset + size
    return False


def _one_entry_wrong(handle: BinaryIO, pakt: tuple[int, int], table: bytes, stated: int, audio: int,
                     frames_per_packet: int, rate: float, entries: int = caf_entries.MOST_ENTRIES,
                     to_the_end: tuple[int, int] | None = None) -> Table | None:
    """The table with up to `entries` entries put right, when all the entries it states are there but do not
    add up to the audio bytes (caf_entries.py), or None."""
    sizes = _entries(table, stated)
    if sizes is None or (entries == 1 and sum(sizes) - audio >= max(sizes)):  # more than one size's error: a cut
        return None

    def table_of(tried: list[int]) -> Table:
        return Table(pakt, caf_entries.varints(tried), stated, stated, frames_per_packet, rate, 0, to_the_end=to_the_end)

    found = remembered(_FOUND, handle,  # each opening of the file tried the entries again
                       lambda: caf_entries.mended_sizes(handle, sizes, audio, lambda tried: table_of(tried).view(handle), entries))
    if found is None:
        return None
    tried, indexes = found
    return replace(table_of(tried), mended=tuple((index, sizes[index], tried[index]) for index in indexes))


def _entries(table: bytes, stated: int) -> list[int] | None:
    """The `stated` packet sizes the table holds, or None when it holds fewer whole ones."""
    sizes, at = [], 0
    while at < len(table) and len(sizes) < stated:
        size, width = _varint(table, at)
        if not size:
            return None
        sizes.append(size)
        at += width
    return sizes if len(sizes) == stated else None


def _cut_after_a_whole_table(table: bytes, stated: int, stated_size: int, located: int) -> bool:
    """Whether a table written before the audio (as Apple's recorders do) is whole, all its entries inside
    its chunk, and locates more audio than the file holds: the file was cut inside its audio, after the
    table. It was taken for a damaged table and a shorter one put after the audio, which ffmpeg never
    reached (the data chunk's size runs past the file's end): the whole note was refused."""
    sizes = _entries(table, stated)
    if sizes is None or not stated:
        return False
    width = len(caf_entries.varints(sizes))
    return stated_size >= PAKT_HEADER + width and sum(sizes) > located


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """A packet table entry (7 bits a byte, the high bit set on all but the last) and its width;
    (0, 0) when it runs past the data or past 4 bytes."""
    value = 0
    for n in range(4):
        if at + n >= len(data):
            return 0, 0
        value = value << 7 | data[at + n] & 0x7F
        if not data[at + n] & 0x80:
            return value, n + 1
    return 0, 0
