"""A length a damaged clock states that the file's packets cannot hold.

A voice note of 60 kB whose timestamps jump 30 days ahead (a damaged Ogg granule, a Matroska
cluster time) states 30 days: the decoder fills no more than damage.MAX_FILL of silence for
jumps (app/core/media/damage.py), and intake records the sound the packets hold, not the
claim (the record said 'duration 720:00:06' and the progress never moved). Only a long claim
from few bytes is looked into (the packets demuxed, never decoded), and only packets whose own
timestamps jump past their sound change it: a file cut short keeps its claim (it is truncated).
"""

from __future__ import annotations

import av

from app.core.media.damage import MAX_FILL, SAMPLE_RATE
from app.core.media.opening import open_container

MAX_FILL_MS = MAX_FILL * 1000 // SAMPLE_RATE
FEW_BYTES_PER_S = 1000  # 8 kbit/s: below the phone codecs' speech rates, a claim worth checking past an hour


def held_ms(handle, index: int, stated_ms: int) -> int | None:
    """The length of sound stream `index`'s packets hold, when the stated length passes it by more
    than the silence the decoder would fill; None for a length that could be true."""
    size = handle.seek(0, 2)
    if stated_ms <= MAX_FILL_MS or size * 1000 / stated_ms >= FEW_BYTES_PER_S:
        return None
    handle.seek(0)
    total, first, last = 0.0, None, 0.0
    with open_container(handle) as container:
        try:
            for packet in container.demux(container.streams[index]):
                if packet.size and not (packet.duration and packet.pts is not None and packet.time_base):
                    return None  # a packet of no stated length: what the packets hold is not known
                if packet.size:
                    start, length = float(packet.pts * packet.time_base), float(packet.duration * packet.time_base)
                    total += length
                    first, last = start if first is None else min(first, start), max(last, start + length)
        except av.error.FFmpegError:  # garbage after the last packet: the packets before it
            pass
    held, spanned = round(total * 1000), round((last - (first or 0.0)) * 1000)
    jumped = spanned - held > MAX_FILL_MS  # a file cut short spans only what it holds: its claim stands
    return held if jumped and stated_ms - held > MAX_FILL_MS else None
