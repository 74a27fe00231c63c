"""An MP4/M4A/3GP audio track whose header (mdhd) states a timescale no recording can have.

Every time in a track is counted in its timescale's units; an audio track's is its sample rate.
A damaged header saying 0, 1 or 2^31 made each 64 ms AAC packet 1,024 s long (or half a
microsecond): 0.06 s decoded, 'damaged 00:00.0-00:06.0' and no words, though every packet was
whole. When the packets' stated length is impossible (longer than a second, shorter than one
sample) and the sample entry's own rate gives them a possible one, the file is read through a
view with that rate as the timescale (app/core/media/views.py; the file is never changed).

A timescale that is possible but wrong (8,000 on 16 kHz AAC, 32,000 on 16 kHz) gave packets half or
twice their length: every other 64 ms silent and no word right, or a 6 s note recorded as 3 s.
When a track's timescale is not its sample entry's rate, a few packets are decoded and the
samples they hold are set against the time the header gives them; a track whose packets decode
to a length consistently off by more than a tenth is timed by its samples. A timescale that only
differs from the entry's rate (HE-AAC states its core rate; its packets decode to twice the
samples) decodes to its stated length and is left as it is.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import av

from app.core.media import boxes, sample_deltas
from app.core.media.av_files import open_av
from app.core.media.views import from_start

LONGEST_PACKET_S = 1.0  # an AAC packet at 8 kHz lasts 128 ms; no audio codec's packet lasts a second
SHORTEST_PACKET_S = 1 / 768_000  # one sample at the highest rate ffmpeg decodes (PCM: a packet a sample)


@dataclass(frozen=True)
class Fix:
    at: int  # where the timescale's four bytes are in the file
    stated: int
    rate: int
    measured: bool = False  # possible, but its packets decode to another length: timed by their samples

    @property
    def note(self) -> str:
        if self.measured:
            return (f"the audio track's header states a timescale of {self.stated:,}, but its packets decode to "
                    f"{self.stated / self.rate:.2g} times the time it gives them (a damaged or mis-written header): "
                    f"timed by its samples, {self.rate:,} units a second")
        return (f"the audio track's header states a timescale of {self.stated:,} (damaged: its packets would "
                f"last {'over a second' if self.stated < self.rate else 'under a sample'} each): "
                f"timed by its sample rate, {self.rate:,} Hz")


def damaged(handle: BinaryIO) -> list[Fix | sample_deltas.Fix]:
    """The audio tracks whose timescale is impossible and whose sample rate times them; [] else."""
    in_file = boxes.read_moov(handle)
    if in_file is None:
        return []
    start, moov = in_file
    fixes: list[Fix | sample_deltas.Fix] = []
    for index, (trak_start, trak_end) in enumerate(child_boxes(moov, 8, len(moov), b"trak")):
        fix = _check_track(moov, trak_start, trak_end)
        if fix is not None and fix.measured:
            fix = _measured(handle, index, fix)
        if fix is not None:
            fixes.append(Fix(start + fix.at, fix.stated, fix.rate, fix.measured))
        elif (table := _sound_stts(moov, trak_start, trak_end)) is not None:  # the timescale stands: its
            timescale, stts, length = table  # packets' lengths may not (an stts entry of 0xFFFFFFFF units)
            fixes.extend(sample_deltas.fixes(handle, index, start + stts[0], moov[stts[0]:stts[1]], timescale, length))
    return fixes


def _sound_stts(moov: bytes, start: int, end: int) -> tuple[int, tuple[int, int], int] | None:
    """A sound track's timescale, where its stts body lies in moov and the length its mdhd states
    (in timescale units), or None."""
    mdia = child_box(moov, (start, end), b"mdia")
    hdlr, mdhd = child_box(moov, mdia, b"hdlr"), child_box(moov, mdia, b"mdhd")
    stts = child_box(moov, mdia, b"minf", b"stbl", b"stts")
    if None in (hdlr, mdhd, stts) or moov[hdlr[0] + 8:hdlr[0] + 12] != b"soun":
        return None
    wide = moov[mdhd[0]] == 1
    at = mdhd[0] + (20 if wide else 12)
    if at + (12 if wide else 8) > mdhd[1]:
        return None
    length = struct.unpack_from(">Q" if wide else ">I", moov, at + 4)[0]
    return struct.unpack_from(">I", moov, at)[0], stts, length


def child_boxes(buf: bytes, start: int, end: int, kind: bytes) -> Iterator[tuple[int, int]]:
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


def child_box(buf: bytes, span: tuple[int, int] | None, *path: bytes) -> tuple[int, int] | None:
    for kind in path:
        if span is None:
            return None
        span = next(child_boxes(buf, span[0], span[1], kind), None)
    return span


def _check_track(moov: bytes, start: int, end: int) -> Fix | None:
    mdia = child_box(moov, (start, end), b"mdia")
    hdlr, mdhd = child_box(moov, mdia, b"hdlr"), child_box(moov, mdia, b"mdhd")
    stbl = child_box(moov, mdia, b"minf", b"stbl")
    stsd, stts = child_box(moov, stbl, b"stsd"), child_box(moov, stbl, b"stts")
    if None in (hdlr, mdhd, stsd, stts) or moov[hdlr[0] + 8:hdlr[0] + 12] != b"soun":
        return None
    at = mdhd[0] + (20 if moov[mdhd[0]] == 1 else 12)
    entry = stsd[0] + 8
    if at + 4 > mdhd[1] or entry + 34 > stsd[1] or stts[0] + 16 > stts[1]:
        return None
    stated = struct.unpack_from(">I", moov, at)[0]
    rate = struct.unpack_from(">H", moov, entry + 32)[0]  # 16.16 fixed point: the integer part
    delta = struct.unpack_from(">I", moov, stts[0] + 12)[0]  # the first run's packet length
    if not rate or not delta or stated == rate:
        return None
    if _possible(delta, stated):
        return Fix(at, stated, stated, measured=True)  # to be measured: a few packets decoded
    return Fix(at, stated, rate) if _possible(delta, rate) else None


def _possible(delta: int, timescale: int) -> bool:
    return bool(timescale) and SHORTEST_PACKET_S <= delta / timescale <= LONGEST_PACKET_S


MEASURE_PACKETS = 48
OFF_BY = 0.1  # decoded length against stated, past which the timescale is wrong: not a codec's rounding
OWN_BYTES_ONLY = {"protocol_whitelist": "none"}


def _measured(handle: BinaryIO, index: int, fix: Fix) -> Fix | None:
    """The fix timing this track by its samples, when its first packets decode to a length the stated
    timescale does not give them; None when they agree (or cannot be decoded: nothing to judge by).
    The handle is left where it was."""
    try:
        with from_start(handle), open_av(handle, options=dict(OWN_BYTES_ONLY)) as container:
            stated, decoded = _lengths(container, container.streams[index])
    except (av.error.FFmpegError, IndexError, ValueError, OSError):
        return None
    if not stated or not decoded or abs(stated / decoded - 1) <= OFF_BY:
        return None
    return Fix(fix.at, fix.stated, round(fix.stated * stated / decoded), measured=True)


def _lengths(container, stream) -> tuple[float, float]:
    """The seconds the header gives the stream's first packets, and the seconds their samples last."""
    stated = decoded = 0.0
    for count, packet in enumerate(container.demux(stream)):
        if count >= MEASURE_PACKETS:
            break
        frames = packet.decode() if packet.size else []
        if packet.duration and frames:
            stated += float(packet.duration * packet.time_base)
            decoded += sum(frame.samples / frame.sample_rate for frame in frames if frame.sample_rate)
    return stated, decoded


def patches(fixes: list[Fix | sample_deltas.Fix]) -> dict[int, bytes]:
    return {fix.at: struct.pack(">I", fix.rate) for fix in fixes}
