"""A FLAC whose header (STREAMINFO) states a length its frames do not have.

ffmpeg times a FLAC by its header's sample rate and sample count. A damaged header (a rate of
48,000 over frames recorded at 16,000, a rate of 0) made a whole 6 s note 3 h 24 min long,
flagged truncated and 'damaged 00:06.0-3:24:48', with diarisation turned on for it; or 0.1 s
long with words to 6 s. The frames say themselves where the stream ends: an encoder closes a
fixed-block stream with a shorter last block, so a stream ending on one is whole (a file cut
short ends on a full block, and keeps the header's claim to be measured against). A header
whose rate is not the one every frame states of itself is read through a view with the frames'
rate (app/core/media/views.py; the file is never changed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

import av


def closed_length_s(container, index: int) -> float | None:
    """Where the stream's frames end when its last block is an encoder's closing short one; None
    when it ends on a full block (cut short, or a variable-block stream) or cannot be read."""
    stream = container.streams[index]
    first = last = None
    end = 0.0
    try:
        for packet in container.demux(stream):
            if packet.pts is None or not packet.duration or stream.time_base is None:
                continue
            first, last = first or packet.duration, packet.duration
            end = max(end, float((packet.pts + packet.duration) * stream.time_base))
    except av.error.FFmpegError:
        return None
    return end if first and last and last < first else None


FRAME_RATES = {1: 88200, 2: 176400, 3: 192000, 4: 8000, 5: 16000, 6: 22050, 7: 24000, 8: 32000, 9: 44100,
               10: 48000, 11: 96000}  # a frame header's own sample-rate code
RATE_AT = 18  # STREAMINFO's 20-bit sample rate: 'fLaC', the block header, then 10 bytes of sizes
MAX_BLOCKS = 128


@dataclass(frozen=True)
class RateFix:
    stated: int
    rate: int
    packed: bytes  # the three bytes shown at RATE_AT instead

    @property
    def note(self) -> str:
        return (f"the FLAC header states a sample rate of {self.stated:,} Hz over frames recorded at {self.rate:,} Hz "
                "(a damaged header): timed by its frames")


def frames_start(handle: BinaryIO) -> int | None:
    """Where a FLAC's first frame starts: after its metadata blocks (a cover picture may be large),
    or None when they run past the file's end."""
    at = 4
    for _ in range(MAX_BLOCKS):
        handle.seek(at)
        block = handle.read(4)
        if len(block) < 4:
            return None
        at += 4 + int.from_bytes(block[1:4], "big")
        if block[0] & 0x80:
            return at
    return at


def rate_fix(handle: BinaryIO) -> RateFix | None:
    """The frames' own rate when STREAMINFO states another (ffmpeg times the frames by the header:
    48,000 over 16,000 kept 2 s of a 6 s note, 8,000 spread it over 12 s with gaps); else None."""
    handle.seek(0)
    head = handle.read(RATE_AT + 4)
    if len(head) < RATE_AT + 4 or head[:4] != b"fLaC" or head[4] & 0x7F or (at := frames_start(handle)) is None:
        return None
    handle.seek(at)
    frame = handle.read(3)
    if len(frame) < 3 or frame[0] != 0xFF or frame[1] & 0xFE != 0xF8:
        return None
    rate, stated = FRAME_RATES.get(frame[2] & 0x0F), int.from_bytes(head[RATE_AT:RATE_AT + 3], "big") >> 4
    if rate is None or rate == stated:
        return None
    return RateFix(stated, rate, ((rate << 4) | (head[RATE_AT + 2] & 0x0F)).to_bytes(3, "big"))


FRAME_SYNC = re.compile(rb"\xff[\xf8\xf9]")  # a frame header's sync and blocking strategy
FRAMES_BLOCK = 16 << 20  # bytes of frames walked at a time for the last one (the file's end: a 278 MB
# FLAC's last frame lay past a single 256 MiB read, and the read held it all)
HEADER_MOST = 16  # a frame header's bytes at most
MOST_BLOCK = 65535  # samples a frame holds at most


def last_frame(handle: BinaryIO) -> int | None:
    """Where a FLAC's last frame starts: the last of the frames whose headers are whole (their CRC-8 holds)
    and number on from the first (fixed blocks: frame numbers one by one; variable: sample numbers rising by
    a block at most); None where no frame is found. What follows its header is that frame, then whatever
    was put after the file (ffmpeg's parser reads it all as the last frame). Walked to the file's end,
    FRAMES_BLOCK bytes at a time."""
    base = frames_start(handle)
    number, last = -1, None
    while base is not None:
        handle.seek(base)
        data = handle.read(FRAMES_BLOCK + HEADER_MOST)
        walked = min(len(data), FRAMES_BLOCK)  # a header across the block's end: next time
        for sync in FRAME_SYNC.finditer(data, 0, walked + 1):  # a sync on the last byte walked is this block's
            value = _frame_number(data, sync.start())
            step = None if value is None else value - number
            if step is not None and (0 < step <= MOST_BLOCK if data[sync.start() + 1] & 1 else step == 1):
                number, last = value, base + sync.start()
        base = base + walked if len(data) > FRAMES_BLOCK else None
    return last


def _frame_number(data: bytes, at: int) -> int | None:
    """The frame (or sample) number of the frame header at `at`, or None where no whole header is there."""
    head = data[at:at + 16]
    if len(head) < 6 or not head[2] >> 4 or head[2] & 0x0F == 15 or head[3] >> 4 > 10 or head[3] & 0x01:
        return None
    width = next((n for n, mark in enumerate((0x80, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE, 0xFF), 1)
                  if head[4] & mark == (mark << 1) & 0xFF), None)  # UTF-8-style: 0xxxxxxx, 110xxxxx, ...
    if width is None or width == 7:
        return None
    value = head[4] if width == 1 else head[4] & 0x7F >> width
    for byte in head[5:4 + width]:
        if byte & 0xC0 != 0x80:
            return None
        value = value << 6 | byte & 0x3F
    end = 4 + width + {6: 1, 7: 2}.get(head[2] >> 4, 0) + {12: 1, 13: 2, 14: 2}.get(head[2] & 0x0F, 0)
    return value if end < len(head) and _crc8(head[:end]) == head[end] else None


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc << 1 ^ 0x07) & 0xFF if crc & 0x80 else crc << 1 & 0xFF
    return crc
