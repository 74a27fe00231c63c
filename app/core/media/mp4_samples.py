"""Whether an MP4/M4A/3GP track's index places samples past the end of the file.

A 'fast start' file keeps its index (moov) before its samples (mdat): cut short, it still lists
every sample, and ffmpeg stops at the first one whose bytes are gone. What then decoded was taken
for all an edit list shows ('the edit list shows 0.0 s of the 6.2 s it holds: the 6.2 s it hides
are not transcribed'), and a file cut at the start of its samples was neither called cut short
nor truncated. The chunk offsets (stco/co64) of the track say where its samples lie: one at or
past the end of the file means the recording was cut there (or its index is damaged).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from app.core.media import boxes
from app.core.media.timescale import child_box, child_boxes


def past_end(handle: BinaryIO, index: int) -> bool:
    """True when track `index` lists samples past the file's end (its last sample's last byte past
    it); the handle is left where it was."""
    moov, stbl, size_of_file = _sample_table(handle, index)
    try:
        return stbl is not None and _index_end(moov, stbl) > size_of_file
    except struct.error:  # a table cut or damaged: nothing to judge by
        return False


def starts_past_end(handle: BinaryIO, index: int) -> bool:
    """True when not one sample of track `index` is within the file (its first chunk's first sample
    ends past the file's end): cut before its samples. The handle is left where it was."""
    moov, stbl, size_of_file = _sample_table(handle, index)
    try:
        offsets, sizes = _offsets(moov, stbl), _sizes(moov, stbl)
        return stbl is not None and bool(offsets) and min(offsets) + sizes[0] > size_of_file
    except struct.error:
        return False


def first_chunks(moov: bytes) -> list[int]:
    """Where each track's first chunk of samples lies in the file by the index `moov` (its stco/co64), for
    the tracks that state one."""
    tables = (child_box(moov, trak, b"mdia", b"minf", b"stbl") for trak in child_boxes(moov, 8, len(moov), b"trak"))
    try:
        return [offsets[0] for offsets in (_offsets(moov, stbl) for stbl in tables if stbl is not None) if offsets]
    except struct.error:  # a table cut or damaged: nothing to judge by
        return []


def _sample_table(handle: BinaryIO, index: int) -> tuple[bytes, tuple[int, int] | None, int]:
    """The file's index (moov), where track `index`'s sample table (stbl) lies in it, the file's size."""
    where = boxes.locate_top_level(handle, b"moov")
    if where is None:
        return b"", None, 0
    at = handle.tell()
    try:
        size_of_file = handle.seek(0, 2)
        handle.seek(where[0])
        moov = handle.read(min(where[1], boxes.MOOV_READ))
    except OSError:
        return b"", None, 0
    finally:
        handle.seek(at)
    trak = next((span for n, span in enumerate(child_boxes(moov, 8, len(moov), b"trak")) if n == index), None)
    return moov, child_box(moov, trak, b"mdia", b"minf", b"stbl"), size_of_file


def _index_end(moov: bytes, stbl: tuple[int, int] | None) -> int:
    """Where the last byte of the track's samples lies by its index (chunk offsets, samples per
    chunk, sample sizes); 0 when a table is missing."""
    offsets, sizes, runs = _offsets(moov, stbl), _sizes(moov, stbl), _runs(moov, stbl)
    if not offsets or not runs:
        return 0
    end, sample = 0, 0
    for number, offset in enumerate(offsets[:MAX_CHUNKS], start=1):
        count = next(per for first, per in reversed(runs) if first <= number)
        held = sizes[0] * count if len(sizes) == 1 else sum(sizes[sample:sample + count])
        end, sample = max(end, offset + held), sample + count
    return end


MAX_CHUNKS = 1_000_000


def _sizes(moov: bytes, stbl: tuple[int, int] | None) -> list[int]:
    """[size] when every sample has one size, else each sample's."""
    table = child_box(moov, stbl, b"stsz")
    if table is None:
        return [0]
    uniform, count = struct.unpack_from(">II", moov, table[0] + 4)
    if uniform:
        return [uniform]
    count = min(count, (table[1] - table[0] - 12) // 4)
    return list(struct.unpack_from(f">{count}I", moov, table[0] + 12))


def _runs(moov: bytes, stbl: tuple[int, int] | None) -> list[tuple[int, int]]:
    """(first chunk, samples per chunk) of each stsc entry."""
    table = child_box(moov, stbl, b"stsc")
    if table is None:
        return []
    count = min(struct.unpack_from(">I", moov, table[0] + 4)[0], (table[1] - table[0] - 8) // 12)
    return [struct.unpack_from(">II", moov, table[0] + 8 + 12 * n) for n in range(count)]


def _offsets(moov: bytes, stbl: tuple[int, int] | None) -> list[int]:
    for kind, width in ((b"stco", 4), (b"co64", 8)):
        table = child_box(moov, stbl, kind)
        if table is None or table[0] + 8 > table[1]:
            continue
        count = min(struct.unpack_from(">I", moov, table[0] + 4)[0], (table[1] - table[0] - 8) // width)
        return list(struct.unpack_from(f">{count}{'I' if width == 4 else 'Q'}", moov, table[0] + 8))
    return []
