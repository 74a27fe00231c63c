"""An MP4/M4A/3GP audio track whose header (mdhd) states a timescale no recording can have.

Every time in a track is counted in its timescale's units; an audio track's is its sample rate.
A damaged header saying 0, 1 or 2^31 made each 64 ms AAC packet 1,024 s long (or half a
microsecond): 0.06 s decoded, 'damaged 00:00.0-00:06.0' and no words, though every packet was
whole. When the packets' stated length is impossible (longer than a second, shorter than one
sample) and the sample entry's own rate gives them a possible one, the file is read through a
view with that rate as the timescale (app/core/media/views.py; the file is never changed).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import boxes

LONGEST_PACKET_S = 1.0  # an AAC packet at 8 kHz lasts 128 ms; no audio codec's packet lasts a second
SHORTEST_PACKET_S = 1 / 768_000  # one sample at the highest rate ffmpeg decodes (PCM: a packet a sample)


@dataclass(frozen=True)
class Fix:
    at: int  # where the timescale's four bytes are in the file
    stated: int
    rate: int

    @property
    def note(self) -> str:
        return (f"the audio track's header states a timescale of {self.stated:,} (damaged: its packets would "
                f"last {'over a second' if self.stated < self.rate else 'under a sample'} each): "
                f"timed by its sample rate, {self.rate:,} Hz")


def damaged(handle: BinaryIO) -> list[Fix]:
    """The audio tracks whose timescale is impossible and whose sample rate times them; [] else."""
    where = boxes.locate_top_level(handle, b"moov")
    if where is None:
        return []
    start, size = where
    at = handle.tell()
    try:
        handle.seek(start)
        moov = handle.read(min(size, boxes.MOOV_READ))
    finally:
        handle.seek(at)
    fixes = []
    for trak_start, trak_end in _children(moov, 8, len(moov), b"trak"):
        fix = _check_track(moov, trak_start, trak_end)
        if fix is not None:
            fixes.append(Fix(start + fix.at, fix.stated, fix.rate))
    return fixes


def _children(buf: bytes, start: int, end: int, kind: bytes) -> Iterator[tuple[int, int]]:
    """(body start, end) of each box of this kind directly inside buf[start:end]."""
    at = start
    while at + 8 <= end:
        size, found = struct.unpack_from(">I4s", buf, at)
        head = 8
        if size == 1 and at + 16 <= end:
            size, head = struct.unpack_from(">Q", buf, at + 8)[0], 16
        size = end - at if size == 0 else size
        if size < head:
            return
        if found == kind:
            yield at + head, min(at + size, end)
        at += size


def _child(buf: bytes, span: tuple[int, int] | None, *path: bytes) -> tuple[int, int] | None:
    for kind in path:
        if span is None:
            return None
        span = next(_children(buf, span[0], span[1], kind), None)
    return span


def _check_track(moov: bytes, start: int, end: int) -> Fix | None:
    mdia = _child(moov, (start, end), b"mdia")
    hdlr, mdhd = _child(moov, mdia, b"hdlr"), _child(moov, mdia, b"mdhd")
    stbl = _child(moov, mdia, b"minf", b"stbl")
    stsd, stts = _child(moov, stbl, b"stsd"), _child(moov, stbl, b"stts")
    if None in (hdlr, mdhd, stsd, stts) or moov[hdlr[0] + 8:hdlr[0] + 12] != b"soun":
        return None
    at = mdhd[0] + (20 if moov[mdhd[0]] == 1 else 12)
    entry = stsd[0] + 8
    if at + 4 > mdhd[1] or entry + 34 > stsd[1] or stts[0] + 16 > stts[1]:
        return None
    stated = struct.unpack_from(">I", moov, at)[0]
    rate = struct.unpack_from(">H", moov, entry + 32)[0]  # 16.16 fixed point: the integer part
    delta = struct.unpack_from(">I", moov, stts[0] + 12)[0]  # the first run's packet length
    if not rate or not delta or stated == rate or _possible(delta, stated):
        return None
    return Fix(at, stated, rate) if _possible(delta, rate) else None


def _possible(delta: int, timescale: int) -> bool:
    return bool(timescale) and SHORTEST_PACKET_S <= delta / timescale <= LONGEST_PACKET_S


def patches(fixes: list[Fix]) -> dict[int, bytes]:
    return {fix.at: struct.pack(">I", fix.rate) for fix in fixes}
