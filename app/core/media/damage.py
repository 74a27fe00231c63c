"""Place decoded audio by the stream's own timestamps, and name the damaged ranges.

A damaged stretch (a corrupt Ogg page, a packet that will not decode, a jump in
the timestamps) must not pull every later word earlier: the Timeline puts each
decoded frame at the sample its timestamp says, fills a gap with silence, drops
audio that overlaps what was already placed, and records each such place as a
damaged range (start_ms, end_ms) on the output timeline.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

SAMPLE_RATE = 16000
EMPTY_PACKET = "an empty sample (0 bytes): no audio there"  # an MP4 sample of 0 bytes
JUMP_TOLERANCE_MS = 40  # timestamp jitter (e.g. Vorbis block sizes) below this is no jump
LEAD_TOLERANCE_S = 0.5  # a first frame this close to the stream's stated start starts the timeline
SILENCE_BLOCK = 30 * SAMPLE_RATE
MAX_FILL = 3600 * SAMPLE_RATE  # silence put in one file's timestamp jumps, at most: no phone recording loses an hour
DISPLAY_STEP_MS = 100

Ranges = tuple[tuple[int, int], ...]


def clock(ms: int, up: bool = False) -> str:
    """00:00:04.0, 01:02:03.5 (tenths rounded down, or up for a range's end): the record's hh:mm:ss
    with the tenth a damaged range needs (the warnings said 00:04.0 where every other time on the
    page read 00:00:04)."""
    tenths = -(-max(0, int(ms)) // 100) if up else max(0, int(ms)) // 100
    seconds, tenth = divmod(tenths, 10)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}.{tenth}"


def merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Sorted, with overlapping or touching ranges joined."""
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(max(s, e))) for s, e in ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def format_range(start_ms: int, end_ms: int) -> str:
    return f"damaged {clock(start_ms)}-{clock(end_ms, up=True)}"  # never an empty-looking 00:00:03.3-00:00:03.3


def format_damaged(ranges: Iterable[tuple[int, int]]) -> str:
    """'damaged 00:00:04.0-00:00:05.0, damaged 00:01:10.2-00:01:10.9', or '' when nothing was damaged.
    Each range is widened to whole tenths (the clock's step), and to one tenth at least (a single
    sample lost on a tenth's edge was written '00:02.5-00:02.5'), so ranges that would be written
    touching or overlapping are written as one."""
    step = DISPLAY_STEP_MS
    widened = ((s // step * step, max(-(-max(s, e) // step) * step, s // step * step + step)) for s, e in ranges)
    return ", ".join(format_range(s, e) for s, e in merge(widened))


def to_ms(samples: int) -> int:
    return int(samples * 1000 // SAMPLE_RATE)


@dataclass
class Timeline:
    """Tracks where the output (16 kHz) stands against the source's own clock.

    `channels` is None for 1-D mono output, else the row count of 2-D blocks.
    `limit` caps how far a timestamp jump may move the output (0 = no cap).
    """

    channels: int | None = None
    limit: int = 0
    chained: bool = False  # Ogg: a new logical stream (chain link) starts its timestamps again at 0
    video: bool = False  # beside a picture, sound that starts after it is no damage
    origin_s: float | None = None
    first_origin_s: float | None = None
    emitted: int = 0  # output samples handed on so far
    source_end_s: float | None = None  # where the last placed frame ended, source seconds from origin
    trim: int = 0  # output samples still to drop (an overlap)
    ranges: list[tuple[int, int]] = field(default_factory=list)
    packets: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=8))  # recent (start, end) s
    declared: bool = False  # the jump being made is a gap the container states (a packet lasting through it)
    lost: bool = False  # a packet since the last frame gave no audio (undecodable or empty): its gap is kept
    filled: int = 0  # samples of silence put in jumps so far
    skipped: list[tuple[int, int]] = field(default_factory=list)  # (at_ms, jump_ms): jumps past MAX_FILL, not filled
    held: bool = False  # the origin is a damaged first packet's (a raw AMR note's first frames wiped): kept
    link: bool = False  # a chained Ogg's next link was opened: its first frame carries straight on
    link_start_s: float | None = None  # where that link's clock starts, when its pages say (a late first frame: lost)
    end: int = 0  # output samples past which nothing is handed on (a block-coded WAV's padding), 0 = none

    def start(self, origin_s: float | None) -> None:
        self.origin_s = self.first_origin_s = origin_s

    def lead(self, seconds: float) -> Iterator[np.ndarray]:
        """Silence before a stream that starts after the recording does (no damage): the
        origin moves back so the stream's first frame lands `seconds` in."""
        if seconds <= 0 or self.origin_s is None:
            return
        self.origin_s -= seconds
        self.source_end_s = seconds
        yield from self.fill(round(seconds * SAMPLE_RATE))

    def jump_to(self, frame_s: float | None) -> int | None:
        """The output sample this frame belongs at, when that is not where the output stands."""
        if frame_s is None:
            return None
        if self.source_end_s is None and not self.held and (self.origin_s is None
                                                            or abs(frame_s - self.origin_s) <= LEAD_TOLERANCE_S):
            self.origin_s = frame_s  # priming and edit-list offsets at the start are no damage
        at = frame_s - self.origin_s
        expected = self.source_end_s if self.source_end_s is not None else 0.0
        if self._next_link(frame_s, expected):  # the next chain link: placed by its own clock's start, or
            self.origin_s = (frame_s if self.link_start_s is None else self.link_start_s) - expected  # carries on
            self.link, self.link_start_s, at = False, None, frame_s - self.origin_s
        lost, self.lost = self.lost, False
        if abs(at - expected) * 1000 <= JUMP_TOLERANCE_MS and not (lost and at > expected):
            return None  # jitter; but a lost packet's 20 ms is kept, or the rest of the file moves early
        self.declared = self._stated_through(frame_s)
        target = max(0, round(at * SAMPLE_RATE))
        if target - self.position > MAX_FILL - self.filled:
            return target  # too far to fill: move() places the audio straight on, whatever the stated end
        if self.limit and target > self.limit:
            target = max(self.limit, self.emitted)
        return target

    def packet(self, start_s: float | None, duration_s: float) -> None:
        """A packet read from the stream: where it starts and how long the container says it lasts."""
        if start_s is not None:
            self.packets.append((start_s, start_s + duration_s))

    @property
    def position(self) -> int:
        """The output sample the next one placed lands at."""
        return self.emitted - self.trim

    def close_link(self, begin: int, stated_s: float | None) -> int:
        """Silence owed where a chain's link that began at `begin` decoded short of the length its
        pages state (its last pages lost: the links after it were heard early), the stretch named
        damaged; never past the file's length."""
        target = begin + round((stated_s or 0.0) * SAMPLE_RATE)
        target = min(target, self.limit) if self.limit else target
        if target - self.position <= JUMP_TOLERANCE_MS * SAMPLE_RATE // 1000:
            return 0
        return self.move(target)

    def _stated_through(self, frame_s: float) -> bool:
        """Whether the packet before this frame lasts, by the container's word, until it: a muxer's
        way of starting sound late without an edit list (one sample lasting 10 minutes), not a loss."""
        before = [end for start, end in self.packets if start < frame_s - JUMP_TOLERANCE_MS / 1000]
        return bool(before) and before[-1] >= frame_s - JUMP_TOLERANCE_MS / 1000

    def _next_link(self, frame_s: float, expected: float) -> bool:
        """The first frame of a chain's link opened on its own, or an Ogg frame back at the start of
        the clock, well after it: the next link of a chain."""
        if self.link:
            return True
        if not self.chained or self.first_origin_s is None:
            return False
        return frame_s - self.first_origin_s <= LEAD_TOLERANCE_S < expected - LEAD_TOLERANCE_S

    def advance(self, frame_s: float | None, duration_s: float) -> None:
        if frame_s is not None and self.origin_s is not None:
            self.source_end_s = frame_s - self.origin_s + duration_s
        elif self.source_end_s is not None:
            self.source_end_s += duration_s

    def move(self, target: int) -> int:
        """Record the jump to `target`; return how many samples of silence fill the gap (0 for an overlap)."""
        position = self.position
        if target - position > MAX_FILL - self.filled and self.origin_s is not None:
            return self._skip(position, target)
        if target > position:
            if not (self.video and self.source_end_s is None) and not self.declared:  # a video's sound starting late
                self.ranges.append((to_ms(position), to_ms(target)))
            take = min(self.trim, target - position)  # samples due to be dropped are wanted after all
            self.trim -= take
            self.filled += target - position - take
            return target - position - take
        if target < position:
            self.ranges.append((to_ms(target), to_ms(position)))
            self.trim += position - target
        return 0

    def _skip(self, position: int, target: int) -> int:
        """A jump past what is left of MAX_FILL (a damaged timestamp days ahead in a file of seconds: a
        58 kB voice note was decoded to 30 days of silence, for hours): not filled, the audio after it
        placed straight on and the jump named."""
        self.origin_s = (self.origin_s or 0.0) + (target - position) / SAMPLE_RATE
        self.skipped.append((to_ms(position), to_ms(target - position)))
        self.ranges.append((to_ms(position), to_ms(position)))
        return 0

    @property
    def skipped_note(self) -> str:
        if not self.skipped:
            return ""
        jumps = ", ".join(f"{clock(jump)[:-2]} ahead at {clock(at)}" for at, jump in self.skipped[:3])
        more = f" and {len(self.skipped) - 3:,} more" if len(self.skipped) > 3 else ""
        return (f"the timestamps jump {jumps}{more} (damaged): too far to fill with silence, so the audio after "
                "is placed straight on and its times are not the file's")

    def fill(self, samples: int) -> Iterator[np.ndarray]:
        """Silence, emitted in blocks of at most 30 s."""
        while samples > 0:
            n = min(samples, SILENCE_BLOCK)
            samples -= n
            yield self.emit(self._silence(n))

    def note(self, start_s: float | None, duration_s: float) -> None:
        """A packet that would not decode: its stretch is damaged (placed by the next frame)."""
        self.lost = True
        if start_s is not None and self.origin_s is None and self.source_end_s is None:  # its first packets: a
            self.origin_s, self.held = start_s, True  # stream stating no start starts at them, not at its first frame
        if start_s is None or self.origin_s is None:
            at = to_ms(self.position)
            self.ranges.append((at, at + int(duration_s * 1000)))
            return
        begin = int((start_s - self.origin_s) * 1000)
        self.ranges.append((max(0, begin), max(0, begin + int(duration_s * 1000))))

    def empty(self, packet, errors: list[str]) -> bool:
        """Whether the packet is an MP4 sample of 0 bytes: no audio there (its stretch damaged), and
        handed to the decoder it would read as the end of the stream (drained, the rest refused)."""
        if packet.size or packet.pts is None or packet.time_base is None:
            return False
        errors.append(EMPTY_PACKET)
        self.note(float(packet.pts * packet.time_base), float((packet.duration or 0) * packet.time_base))
        return True

    def emit(self, block: np.ndarray) -> np.ndarray:
        if self.trim:
            drop = min(self.trim, block.shape[-1])
            block = block[..., drop:]
            self.trim -= drop
        if self.end and self.emitted + block.shape[-1] > self.end:
            block = block[..., :max(0, self.end - self.emitted)]
        self.emitted += block.shape[-1]
        return block

    def _silence(self, n: int) -> np.ndarray:
        shape = (n,) if self.channels is None else (self.channels, n)
        return np.zeros(shape, dtype=np.float32)

    @property
    def damaged(self) -> Ranges:
        return merge(self.ranges)
