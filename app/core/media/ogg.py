"""The true length of a chained Ogg file (voice notes joined end to end: several logical
streams one after the other).

ffmpeg states a chained file's duration from its last page alone, which is the length of
the last link only, so a file of two 3 s links would be recorded as 3 s long. This walks
the page headers (never the audio) and adds up each link's length from its own granule
positions: Opus counts 48 kHz samples after its pre-skip, Vorbis samples at its own rate.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, sequence, crc, segments
BOS = 0x02


@dataclass
class _Link:
    rate: int
    skip: int = 0
    last_granule: int = 0


def chained_duration_ms(handle: BinaryIO) -> int | None:
    """The summed length of every audio link when the file is a chain of links, else None."""
    handle.seek(0)
    links: dict[int, _Link] = {}
    chained = in_body = False
    while (head := handle.read(HEADER.size)) and len(head) == HEADER.size:
        capture, _version, flags, granule, serial, _seq, _crc, count = HEADER.unpack(head)
        if capture != b"OggS":
            break
        sizes = handle.read(count)
        body_size = sum(sizes)
        if flags & BOS:
            chained = chained or in_body
            link = _begin(handle.read(min(body_size, 32)))
            handle.seek(body_size - min(body_size, 32), 1)
            if link is not None:
                links[serial] = link
            continue
        in_body = True
        handle.seek(body_size, 1)
        if serial in links and granule >= 0:
            links[serial].last_granule = granule
    if not chained or len(links) < 2:
        return None
    return round(sum(max(0, k.last_granule - k.skip) / k.rate for k in links.values()) * 1000)


def _begin(packet: bytes) -> _Link | None:
    """The clock of an Opus or Vorbis stream from its first header packet."""
    if packet.startswith(b"OpusHead") and len(packet) >= 12:
        return _Link(rate=48000, skip=struct.unpack_from("<H", packet, 10)[0])
    if packet.startswith(b"\x01vorbis") and len(packet) >= 16:
        rate = struct.unpack_from("<I", packet, 12)[0]
        return _Link(rate=rate) if rate else None
    return None


EOS = 0x04
TAIL = 1 << 16


def is_cut(handle: BinaryIO) -> bool:
    """True when the file's last Ogg page does not close its stream (no end-of-stream mark):
    a recording or copy cut short. An Ogg file states no duration of its own beyond its last
    page, so this is the only sign a cut one gives."""
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(max(0, size - TAIL))
    tail = handle.read()
    at = tail.rfind(b"OggS")
    while at >= 0 and len(tail) - at < HEADER.size:
        at = tail.rfind(b"OggS", 0, at)
    if at < 0:
        return False
    flags = HEADER.unpack_from(tail, at)[2]
    return not flags & EOS
