"""A Matroska/WebM file whose TimecodeScale (the length of its clock's tick) is damaged.

Every block's time is counted in ticks of the segment's TimecodeScale; writers use 1,000,000 ns
(a millisecond). A damaged one (1 ns, or 8.4 ms) made a 6 s voice note 14 ms long with its
words to 6 s, or spread its packets over 11 s with a gap after each ('damaged 00:00-00:11').
The packets' own sound says how long they last: when their ticks span a time the decoded
samples do not, and the millisecond tick makes the two agree, the file is read through a view
with that tick (app/core/media/views.py; the file is never changed) and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import av

from app.core.media.av_files import open_av

EBML = b"\x1a\x45\xdf\xa3"
SCALE_ID = b"\x2a\xd7\xb1"
WRITERS_SCALE = 1_000_000
HEAD_READ = 1 << 16
SAMPLED_PACKETS = 40
AGREEMENT = 0.1  # the millisecond tick must put the packets within 10% of their sound


@dataclass(frozen=True)
class ScaleFix:
    at: int  # where the TimecodeScale's value bytes are
    stated: int
    packed: bytes

    @property
    def note(self) -> str:
        return (f"the file's clock tick (TimecodeScale) is stated as {self.stated:,} ns (a damaged header: its "
                f"packets' times disagree with their sound): timed by the millisecond tick writers use")


def scale_fix(handle: BinaryIO) -> ScaleFix | None:
    handle.seek(0)
    head = handle.read(HEAD_READ)
    at = head.find(SCALE_ID) if head[:4] == EBML else -1
    if at < 0 or at + 4 > len(head) or not head[at + 3] & 0x80:
        return None
    size = head[at + 3] & 0x7F
    value = head[at + 4:at + 4 + size]
    stated = int.from_bytes(value, "big")
    if stated == WRITERS_SCALE or not 1 <= size <= 8 or len(value) < size or WRITERS_SCALE >= 1 << (8 * size):
        return None
    ratio = _sound_per_tick_span(handle)
    if ratio is None or abs(stated * ratio / WRITERS_SCALE - 1) > AGREEMENT:
        return None
    return ScaleFix(at + 4, stated, WRITERS_SCALE.to_bytes(size, "big"))


def _sound_per_tick_span(handle: BinaryIO) -> float | None:
    """Seconds of sound the first packets decode to, over the seconds their timestamps span."""
    handle.seek(0)
    try:
        with open_av(handle, options={"protocol_whitelist": "none"}) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            times, sound = [], 0.0
            for packet in container.demux(stream):
                if packet.pts is None or not packet.size:
                    continue
                times.append(float(packet.pts * stream.time_base))
                if len(times) == SAMPLED_PACKETS:  # the span ends where this packet starts
                    break
                sound += sum(frame.samples / (frame.sample_rate or 1) for frame in packet.decode())
    except (av.error.FFmpegError, ValueError):
        return None
    span = times[-1] - times[0] if len(times) == SAMPLED_PACKETS else 0.0
    return sound / span if span > 0 else None
