"""A CAF whose packet table states one packet's size wrong: read with that size mended.

A variable-packet CAF (ALAC, AAC: an iPhone app's recording) finds each packet by adding up the
sizes before it, so one damaged size puts every later packet in the wrong place: ffmpeg stopped
at it (an 8 s note decoded to 2.8 s, the rest 'damaged', truncated, its last bytes 'cannot be
located'). The table's other sizes and the audio bytes say by how much it is wrong (the sizes
must add up to the audio); which one it is, the packets say: the first that no longer decodes
is at or just after it. The size that lets every packet decode is used (through the view
caf_packets.Table gives; nothing is written).
"""

from __future__ import annotations

from typing import BinaryIO

import av

MAX_AUDIO = 64 << 20  # each try decodes the whole note: a voice note's size, not an hour's
NEAR = (-1, 0, -2, 1)  # the entries tried, relative to the first packet that no longer decodes


def mended_sizes(handle: BinaryIO, sizes: list[int], audio: int, view) -> tuple[list[int], int] | None:
    """The sizes with the one damaged entry put right, and its index; None when the sizes add up,
    or no single entry changed by the difference (to no more than twice the largest packet: a
    count stating 3 of 24 packets is no damaged size) lets every packet decode. `view(sizes)`
    gives the file read through a table of those sizes."""
    delta = audio - sum(sizes)
    if not delta or audio > MAX_AUDIO or not sizes:
        return None
    failing = _first_failing(view(sizes))
    if failing is None:
        return None
    largest = max(sizes)
    for index in (failing + step for step in NEAR):
        if 0 <= index < len(sizes) and 0 < sizes[index] + delta <= 2 * largest:  # a packet's size, not the rest of the file
            tried = [*sizes[:index], sizes[index] + delta, *sizes[index + 1:]]
            if _first_failing(view(tried)) is None:
                return tried, index
    return None


def varints(sizes: list[int]) -> bytes:
    """A packet table's entries: 7 bits a byte, the high bit set on all but the last."""
    out = bytearray()
    for size in sizes:
        groups = [size & 0x7F]
        while size := size >> 7:
            groups.append(size & 0x7F | 0x80)
        out += bytes(reversed(groups))
    return bytes(out)


def _first_failing(handle) -> int | None:
    """The index of the first packet that does not decode, or None when all do."""
    try:
        with av.open(handle, options={"protocol_whitelist": "none"}) as container:
            stream = next(s for s in container.streams if s.type == "audio")
            index = -1
            for index, packet in enumerate(container.demux(stream)):
                if packet.size:
                    try:
                        packet.decode()
                    except av.error.FFmpegError:
                        return index
            return None if index >= 0 else 0
    except (av.error.FFmpegError, StopIteration, ValueError):
        return 0
