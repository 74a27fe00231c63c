"""An Ogg Opus file whose pages' end positions (granules) are missing or run backwards.

Each Ogg page states the position, in 48 kHz samples, where its last finished packet ends;
ffmpeg times every packet from them. A writer that leaves them -1 (or 0) on pages that finish
packets, or a damaged file where they go back, was read as nothing ('Invalid data': 6 s of
speech decoded as 0 s, 'damaged 00:00.0-00:06.1') or claimed 20 s for 6. Every Opus packet
states its own length in its first byte (TOC), so the positions are counted again from the
packets and the file is read through a view with them (app/core/media/views.py; the file is
never changed).
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.opus_gain import ogg_crc

HEADER = 27
MAX_PAGES = 1 << 20
FRAME_MS = (10, 20, 40, 60) * 3 + (10, 20) * 2 + (2.5, 5, 10, 20) * 4  # by TOC config 0-31


@dataclass(frozen=True)
class Recount:
    patches: dict[int, bytes]  # page offset -> the page's header (27 bytes) with its granule and checksum made again
    pages: int

    @property
    def note(self) -> str:
        return (f"the Ogg pages' end positions are missing or run backwards on {self.pages:,} page(s) (a damaged "
                "or streaming writer): timed by the Opus packets' own lengths")


def packet_samples(packet: bytes) -> int:
    """An Opus packet's length in 48 kHz samples, from its TOC byte (RFC 6716, 3.1)."""
    if not packet:
        return 0
    toc = packet[0]
    code = toc & 3
    frames = 1 if code == 0 else 2 if code in (1, 2) else (packet[1] & 0x3F if len(packet) > 1 else 0)
    return round(frames * FRAME_MS[toc >> 3] * 48)


def recount(handle: BinaryIO) -> Recount | None:
    """New end positions for a single-stream Ogg Opus file whose audio pages' positions are -1 or
    do not rise; None for any other file (or one whose positions are sound)."""
    pages = _pages(handle)
    if len(pages) < 3 or not pages[0][2].startswith(b"OpusHead"):
        return None
    if len({serial for _, _, _, serial, _ in pages}) != 1:
        return None
    audio = pages[2:]
    if any(body.startswith(b"OpusHead") for _, _, body, _, _ in audio):  # a chain: ogg.py's to read
        return None
    stated = [granule for _, granule, _, _, _ in audio[:-1]]  # a last page that lies alone: ogg.py's too
    if all(b > a >= 0 for a, b in itertools.pairwise(stated)) and (not stated or stated[0] >= 0):
        return None
    patches, position, changed = {}, 0, 0
    for offset, granule, _, _, ends in audio:  # positions count from the stream's start, pre-skip included
        before, position = position, position + sum(packet_samples(p) for p in ends)
        if offset == audio[-1][0] and before < granule <= position:  # the last page's own end (its padding trimmed)
            position = granule
        changed += granule != position
        patches[offset] = position
    return Recount(_headers(handle, patches), changed) if changed else None


def _pages(handle: BinaryIO) -> list[tuple[int, int, bytes, int, list[bytes]]]:
    """(offset, granule, first packet's bytes, serial, the packets finished on the page) of each page."""
    handle.seek(0)
    pages, at, carried = [], 0, b""
    for _ in range(MAX_PAGES):
        handle.seek(at)
        head = handle.read(HEADER)
        if len(head) < HEADER or head[:4] != b"OggS":
            break
        count = head[26]
        lacing = handle.read(count)
        body = handle.read(sum(lacing))
        packets, piece, pos = [], carried, 0
        for size in lacing:
            piece += body[pos:pos + size]
            pos += size
            if size < 255:
                packets.append(piece)
                piece = b""
        carried = piece
        granule, serial = struct.unpack_from("<qI", head, 6)
        pages.append((at, granule, body, serial, packets))
        at += HEADER + count + len(body)
    return pages


def _headers(handle: BinaryIO, positions: dict[int, int]) -> dict[int, bytes]:
    patched = {}
    for offset, position in positions.items():
        handle.seek(offset)
        head = bytearray(handle.read(HEADER))
        count = head[26]
        rest = handle.read(count)
        rest += handle.read(sum(rest))
        struct.pack_into("<q", head, 6, position)
        head[22:26] = b"\x00\x00\x00\x00"
        struct.pack_into("<I", head, 22, ogg_crc(bytes(head) + rest))
        patched[offset] = bytes(head)
    return patched
