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

from app.core.media import vorbis_blocks
from app.core.media.opus_gain import ogg_crc

HEADER = 27
MAX_PAGES = 1 << 20
FRAME_MS = (10, 20, 40, 60) * 3 + (10, 20) * 2 + (2.5, 5, 10, 20) * 4  # by TOC config 0-31


@dataclass(frozen=True)
class Recount:
    patches: dict[int, bytes]  # page offset -> the page's header (27 bytes) with its granule and checksum made again
    pages: int
    pace: float = 0.0  # how much faster than the packets the positions ran (0: they were missing or went back)

    @property
    def note(self) -> str:
        if self.pace:
            return (f"the Ogg pages' end positions run {self.pace:.2g} times as fast as the sound their packets hold "
                    f"({self.pages:,} page(s), a damaged or wrong writer's clock): timed by the packets' own lengths")
        return (f"the Ogg pages' end positions are missing or run backwards on {self.pages:,} page(s) (a damaged "
                "or streaming writer): timed by the packets' own lengths")


def packet_samples(packet: bytes) -> int:
    """An Opus packet's length in 48 kHz samples, from its TOC byte (RFC 6716, 3.1)."""
    if not packet:
        return 0
    toc = packet[0]
    code = toc & 3
    frames = 1 if code == 0 else 2 if code in (1, 2) else (packet[1] & 0x3F if len(packet) > 1 else 0)
    return round(frames * FRAME_MS[toc >> 3] * 48)


def recount(handle: BinaryIO) -> Recount | None:
    """New end positions for a single-stream Ogg Opus or Vorbis file whose audio pages' positions
    are -1, do not rise, or rise at a pace its packets do not have (a writer's clock running 2x
    fast: words placed at twice their time, silence between); None for any other file (or one
    whose positions are sound)."""
    pages = _pages(handle)
    if len(pages) < 3 or len({serial for _, _, _, serial, _ in pages}) != 1:
        return None
    counter, audio = _counter(pages)
    if counter is None or len(audio) < 1:
        return None
    if any(body.startswith((b"OpusHead", vorbis_blocks.IDENT)) for _, _, body, _, _ in audio):  # a chain: ogg.py's
        return None
    counted = [sum(counter(p) for p in ends) for _, _, _, _, ends in audio]
    stated = [granule for _, granule, _, _, _ in audio[:-1]]  # a last page that lies alone: ogg.py's too
    paced = _off_pace(stated, counted)
    if all(b > a >= 0 for a, b in itertools.pairwise(stated)) and (not stated or stated[0] >= 0) and not paced:
        return None
    patches, position, changed = {}, 0, 0
    for (offset, granule, _, _, _), samples in zip(audio, counted):  # from the stream's start, pre-skip included
        before, position = position, position + samples
        if offset == audio[-1][0] and before < granule <= position:  # the last page's own end (its padding trimmed)
            position = granule
        changed += granule != position
        patches[offset] = position
    return Recount(_headers(handle, patches), changed, paced) if changed else None


def _counter(pages: list) -> tuple:
    """A function giving each audio packet's samples, and the audio pages (after the headers)."""
    first = pages[0][2]
    if first.startswith(b"OpusHead"):
        return packet_samples, _after_headers(pages, 2)
    if not first.startswith(vorbis_blocks.IDENT):
        return None, []
    packets = (packet for *_, ends in pages for packet in ends)  # the comments may span many pages (cover art)
    setup = next((p for p in itertools.islice(packets, 3) if p.startswith(vorbis_blocks.SETUP)), b"")
    found = vorbis_blocks.blocks(pages[0][4][0] if pages[0][4] else first, setup)
    return (found.samples if found else None), _after_headers(pages, 3)


def _after_headers(pages: list, headers: int) -> list:
    """The pages after the one finishing the codec's header packets (Opus 2, Vorbis 3)."""
    finished = 0
    for at, page in enumerate(pages):
        finished += len(page[4])
        if finished >= headers:
            return pages[at + 1:]
    return []


def _off_pace(stated: list[int], counted: list[int]) -> float:
    """How much faster than its packets the pages' positions run (2.0: twice as fast), or 0.0 when
    they keep pace. Rising positions that differ from the packets on most pages are a writer's
    wrong clock; one page lost (a real gap) or a stream starting late is not."""
    steps = [(b - a, samples) for (a, b), samples in zip(itertools.pairwise(stated), counted[1:]) if samples]
    if len(steps) < 3 or any(step <= 0 for step, _ in steps):
        return 0.0
    off = sum(abs(step - samples) > max(2, samples // 100) for step, samples in steps)
    if off * 2 < len(steps):
        return 0.0
    return sum(step for step, _ in steps) / sum(samples for _, samples in steps)


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
