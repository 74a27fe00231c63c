"""Raw AAC-LC frames found by decoding them: where each ends, when nothing else says.

A raw AAC frame (raw_data_block) ends with its END element, so its length is the fewest bytes
from its start that ffmpeg's AAC decoder reads it from whole (fewer run out before END). Used
where a file's index, which states each frame's size, is gone: an M4A voice note's media data
(moovless_aac.py), a phone video's sound between its pictures (moovless_video.py).
"""

from __future__ import annotations

import struct

import av

RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
TABLES = (48000, 16000, 24000, 32000, 8000, 64000, 96000)  # one rate of each set sharing band tables
LC = 2  # AAC-LC's audio object type
CHANNEL_BYTES = 1536  # twice the 6,144 bits the standard allows a channel's frame: ffmpeg's encoder
# writes more at low rates (875 bytes seen in a mono 11.025 kHz frame at its default bitrate)
SLACK = 64  # bytes a frame may run past that (fill elements)


def most_frame(channels: int) -> int:
    """The most bytes one frame of this many channels holds."""
    return CHANNEL_BYTES * channels + SLACK


def walk(decoder, data: memoryview, at: int, limit: int | None, channels: int) -> list[tuple[int, int]]:
    """(offset, length) of the frames found one after another from `at` (up to `limit` of them)."""
    lengths: list[tuple[int, int]] = []
    guess = None
    most = most_frame(channels)
    while at < len(data) and (limit is None or len(lengths) < limit):
        length = frame_length(decoder, data, at, min(most, len(data) - at), guess)
        if length is None:
            break
        lengths.append((at, length))
        at, guess = at + length, length
    return lengths


def frame_length(decoder, data: memoryview, at: int, top: int, guess: int | None) -> int | None:
    """The fewest bytes from `at` the decoder reads a whole frame from, or None (none do)."""
    def whole(length: int) -> bool:
        return decodes(decoder, data[at:at + length])

    low, high = 0, top  # [at, at + low) is no whole frame; [at, at + high) is (once checked)
    if guess is not None and guess < top:
        step = 1
        if whole(guess):
            high = guess
            while high - step > 0 and whole(high - step):
                high, step = high - step, step * 2
            low = max(0, high - step)
        else:
            low = guess
            while low + step < top and not whole(low + step):
                low, step = low + step, step * 2
            high = min(top, low + step)
    if high == top and not whole(top):
        return None
    while high - low > 1:
        middle = (low + high) // 2
        if whole(middle):
            high = middle
        else:
            low = middle
    return high


def decodes(decoder: Decoder, chunk: memoryview) -> bool:
    """Whether the decoder reads a whole frame from the chunk's start (what follows it may not be one)."""
    return bool(decoder.frames(chunk))


class Decoder:
    """ffmpeg's AAC decoder at one rate and channel count, made afresh where bytes tried as a frame
    reconfigured it: a program element read from a picture's bytes left it at 41 channels or 96 kHz
    (flushing keeps that), and every true frame after it failed (an index-less MJPEG video's sound:
    4 in 5 of its frames lost). HE-AAC's frames (SBR, signalled in the frames alone) decode at twice
    the configured rate, as they should: that is no reconfiguring (each trial made a decoder afresh)."""

    def __init__(self, rate: int, channels: int) -> None:
        self.rate, self.channels = rate, channels
        self.context = self._made()

    def _made(self):
        context = av.CodecContext.create("aac", "r")
        context.extradata = config(self.rate, self.channels)
        return context

    def frames(self, chunk) -> list:
        """The sound frames decoded from the chunk alone (none: it is no whole frame)."""
        self.context.flush_buffers()
        try:
            decoded = self.context.decode(av.Packet(bytes(chunk)))
        except (av.error.FFmpegError, ValueError):
            decoded = []
        if self.context.sample_rate not in (0, self.rate, 2 * self.rate) or self.context.channels > 2:
            self.context = self._made()
        return decoded


def decoder(rate: int, channels: int) -> Decoder:
    return Decoder(rate, channels)


def config(rate: int, channels: int) -> bytes:
    """An AAC-LC AudioSpecificConfig: object type, rate index, channel configuration."""
    return struct.pack(">H", LC << 11 | RATES.index(rate) << 7 | channels << 3)
