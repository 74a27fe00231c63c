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


LONG_BANDS = (41, 41, 47, 49, 49, 51, 47, 47, 43, 43, 43, 40, 40)  # scale factor bands a long window has, by rate
FILL_READ = 2 * 270 + 8  # bytes read past fill elements for the window header (a fill holds up to 269 bytes)
SHORT_BANDS = (12, 12, 12, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15)  # and a short one (ffmpeg's num_swb tables)


def may_open(data: memoryview, at: int, rate: int) -> bool:
    """False where the bytes at `at` cannot open an AAC-LC frame at this rate, as ffmpeg's decoder
    would find out decoding them: a lone channel's or a pair's first window header (ics_info) with
    its reserved bit set, prediction (AAC Main's, refused in LC), more scale factor bands than the
    rate has, or a pair's reserved mid/side mode. Most places a search tries fail so (a 60 s
    index-less video's search decoded 100,000 times)."""
    chunk = bytes(data[at:at + (4 if data[at:at + 1] and data[at] >> 5 != 6 else FILL_READ)])
    head, size = int.from_bytes(chunk, "big"), 8 * len(chunk)
    start = 0
    while size - start >= 15 and head >> (size - start - 3) & 7 == 6:  # fill elements first: passed over
        count = head >> (size - start - 7) & 15
        escape = head >> (size - start - 15) & 0xFF if count == 15 else 0
        start += 7 + (8 if count == 15 else 0) + 8 * (count + escape - (1 if count == 15 else 0))

    def field(first: int, bits: int) -> int:  # `bits` bits from bit `first` past the fill (0: the element's first)
        first += start
        return head >> (size - first - bits) & ((1 << bits) - 1) if first + bits <= size else 0

    element = field(0, 3)
    if element in (0, 3):  # a lone channel, a low-frequency one: its window header after the global gain
        return _window_fits(field, 15, rate) is not None
    if element != 1:
        return True
    if not field(7, 1):  # a pair with a window each: the first's header after its global gain
        return _window_fits(field, 16, rate) is not None
    after = _window_fits(field, 8, rate)  # one window shared: its header, then the mid/side mode
    return after is not None and field(after, 2) != 3


def _window_fits(field, first: int, rate: int) -> int | None:
    """Where the window header (ics_info) starting at bit `first` ends, or None where LC refuses it."""
    if field(first, 1):  # the reserved bit
        return None
    index = RATES.index(rate)
    if field(first + 1, 2) == 2:  # eight short windows: 4 bits of bands, 7 of grouping
        return first + 15 if field(first + 4, 4) <= SHORT_BANDS[index] else None
    if field(first + 4, 6) > LONG_BANDS[index] or field(first + 10, 1):  # too many bands, or prediction
        return None
    return first + 11


def frame_length(decoder, data: memoryview, at: int, top: int, guess: int | None) -> int | None:
    """The fewest bytes from `at` the decoder reads a whole frame from, or None (none do)."""
    if not may_open(data, at, decoder.rate):
        return None

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
    the configured rate, as they should: that is no reconfiguring (each trial made a decoder afresh);
    bytes not read as a frame leave no SBR on for the trials after them (every AAC-LC frame at 2x)."""

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
        rate = self.context.sample_rate
        if rate not in (0, self.rate) and not (decoded and rate == 2 * self.rate) or self.context.channels > 2:
            self.context = self._made()  # SBR kept on only by a trial read as a frame
        return decoded


def decoder(rate: int, channels: int) -> Decoder:
    return Decoder(rate, channels)


def config(rate: int, channels: int) -> bytes:
    """An AAC-LC AudioSpecificConfig: object type, rate index, channel configuration."""
    return struct.pack(">H", LC << 11 | RATES.index(rate) << 7 | channels << 3)
