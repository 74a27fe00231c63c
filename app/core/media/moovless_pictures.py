"""AAC sound between an index-less video's start-code pictures (MPEG-4 Part 2, H.263, MJPEG).

A 3GP/MOV/MP4 whose index (moov) is gone holds its pictures' and its sound's samples one run
after another. H.264/H.265 pictures state their lengths (moovless_video.py); MPEG-4 Part 2,
H.263 and JPEG pictures do not, but each opens with a start code or marker, and the sound's run
ends where the next picture starts. Before each picture start the run of AAC frames ending
exactly there is found by decoding (a frame's length is the fewest bytes that decode whole,
aac_frames.py), walking back from the picture start: a frame counts when it ends at the picture
or where a frame already counted starts. The pictures are never decoded.
"""

from __future__ import annotations

import re
from collections import Counter

from app.core.media import aac_frames

STARTS = re.compile(rb"\x00\x00\x01[\xb0\xb3\xb6]|\x00\x00[\x80-\x83]|\xff\xd8\xff")
NAMES = {"mpeg4": "MPEG-4 Part 2", "h263": "H.263", "mjpeg": "MJPEG"}
FIRST_ELEMENTS = (0, 1, 6)  # an encoder's frame opens with a lone channel, a pair or a fill element
TRIAL_STARTS = 16  # picture starts each rate and channel count is tried on
MIN_FRAMES = 8
MIN_PICTURES = 8  # picture starts fewer than which are no video of this kind


def coding(data: bytes, starts: list[int]) -> str:
    """The pictures' coding, by the start codes most of them open with."""
    kinds = Counter("mjpeg" if data[at] == 0xFF else "h263" if data[at + 2] & 0x80 else "mpeg4" for at in starts)
    return kinds.most_common(1)[0][0]


def picture_starts(data: bytes) -> list[int]:
    return [match.start() for match in STARTS.finditer(data)]


def found(data: bytes) -> tuple[list[tuple[int, int]], int, int, str] | None:
    """(each AAC frame's (offset, length) in `data`, rate, channels, the pictures' coding), or None
    (too few picture starts, or fewer than MIN_FRAMES frames at any rate)."""
    starts = picture_starts(data)
    if len(starts) < MIN_PICTURES:
        return None
    spans = list(zip([-1, *starts], [*starts, len(data)], strict=True))  # -1: a frame may open the data
    best, most = None, MIN_FRAMES // 2 - 1
    for rate in aac_frames.TABLES:  # a mono decoder reads a pair's frames too: the channels by the first element
        trial = [frame for low, high in spans[:TRIAL_STARTS] for frame in _Search(data, rate, 1).run(low, high)]
        if len(trial) > most:
            best, most = (rate, trial), len(trial)
    if best is None:
        return None
    rate, trial = best
    pairs = sum(1 for at, _ in trial if data[at] >> 5 == 1)
    search = _Search(data, rate, 2 if pairs * 2 > len(trial) else 1)
    search.learn(trial)
    frames = [frame for low, high in spans for frame in search.run(low, high)]
    return (frames, search.rate, search.channels, coding(data, starts)) if len(frames) >= MIN_FRAMES else None


class _Search:
    """Runs of AAC frames before picture starts, at one rate and channel count."""

    def __init__(self, data: bytes, rate: int, channels: int) -> None:
        self.data, self.view, self.rate, self.channels = data, memoryview(data), rate, channels
        self.decoder = aac_frames.decoder(rate, channels)
        self.checker = aac_frames.decoder(rate, channels)  # a fresh one: the search's holds what it last failed on
        self.most = self.reach = aac_frames.most_frame(channels)
        self.openings: frozenset[int] | None = None

    def learn(self, frames: list[tuple[int, int]]) -> None:
        """Frames open as the first ones found do, and are no longer than twice the longest of them."""
        self.openings = frozenset(self.data[at] >> 1 for at, _ in frames)
        self.reach = min(self.most, 2 * max(length for _, length in frames))

    def _opens(self, at: int) -> bool:
        first = self.data[at]
        if self.openings is not None:
            return first >> 1 in self.openings
        return first >> 5 in FIRST_ELEMENTS and any(self.data[at:at + 4])

    def _fits(self, at: int, length: int) -> bool:
        """Whether the frame decodes to no more channels than the sound has (a picture's bytes read as
        a frame may hold a program element naming 50)."""
        decoded = self.checker.frames(self.view[at:at + length])
        return bool(decoded) and all(len(frame.layout.channels) <= max(2, self.channels) for frame in decoded)

    def run(self, low: int, high: int) -> list[tuple[int, int]]:
        """The AAC frames ending exactly at `high` (a picture's start), one after another, found
        walking back from it no further than `low` (the picture before it)."""
        if not _ends_a_frame(self.data, high):
            return []
        counted: dict[int, int] = {}  # a frame's start: its length
        chained = {high: 0}  # a frame's start: the frames from it to the picture
        earliest = at = high
        while at > low + 1 and earliest - at < self.reach:
            at -= 1
            if not self._opens(at):
                continue
            length = aac_frames.frame_length(self.decoder, self.view[:high], at, min(self.reach, high - at), None)
            if length is not None and at + length in chained and self._fits(at, length):
                counted[at], earliest = length, at
                chained[at] = chained[at + length] + 1
        # the run with the most frames, and of those one opening the media data, else the latest starting: a
        # picture's last bytes read with a short (silent) frame after them as one frame end where it does
        frames, at = [], max(chained, key=lambda start: (chained[start], start == 0, start))
        while at in counted:
            frames.append((at, counted[at]))
            at += counted[at]
        return frames


def _ends_a_frame(data: bytes, end: int) -> bool:
    """Whether an AAC frame can end at `end`: its last element is END (the bits 111), then at most 7
    zero bits to the byte's end (a picture's last bytes mostly cannot: an MJPEG's end marker never)."""
    if end < 2 or not data[end - 1]:
        return False
    tail = data[end - 2] << 8 | data[end - 1]
    padding = (tail & -tail).bit_length() - 1
    return tail >> padding & 7 == 7
