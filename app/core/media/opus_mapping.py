"""An Opus header whose channel mapping the decoder cannot use: read as the one stream it holds.

An Opus stream's header (OpusHead: the first Ogg page, or a Matroska/WebM track's codec data)
states its channel count and, for mapping family 1 or 255, a table routing channels to the
coded streams. A damaged byte there (family 0 with 3 channels, family 1 with no table, a table
naming a stream that does not exist, a channel marked silent) left ffmpeg's decoder unable to
open (0 channels: the whole note 'damaged', nothing decoded) or decoding every channel as
silence. A phone's voice note is one Opus stream, mono or stereo, and each packet says which
(its first byte's stereo bit): such a header is read through a view stating family 0 with the
packets' own channel count (nothing is written), once the packets are seen to decode so, and
the run says so.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

import av

from app.core.media.av_files import open_av
from app.core.media.opus_gain import HEAD_READ, MATROSKA, OGG_HEADER, ogg_crc
from app.core.media.views import Patched, from_start

FAMILY_AT, CHANNELS_AT, TABLE_AT = 18, 9, 21
TRIED_PACKETS = 25


@dataclass(frozen=True)
class Mapping:
    at: int  # where the OpusHead packet starts in the file
    page: tuple[int, int] | None  # the Ogg page holding it (its checksum covers it), or None
    channels: int  # what the packets hold: 1 or 2
    stated: str  # what the header said, for the note

    @property
    def note(self) -> str:
        kind = "mono" if self.channels == 1 else "stereo"
        return (f"the Opus header's channel mapping is damaged ({self.stated}): no decoder can use it; read as the "
                f"single {kind} stream its packets are")

    def patches(self, handle: BinaryIO) -> dict[int, bytes]:
        fixed = {self.at + CHANNELS_AT: bytes([self.channels]), self.at + FAMILY_AT: b"\x00"}
        if self.page is None:
            return fixed
        handle.seek(self.page[0])
        page = bytearray(handle.read(self.page[1] - self.page[0]))
        for at, shown in fixed.items():
            page[at - self.page[0]] = shown[0]
        page[22:26] = bytes(4)
        struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        return {**fixed, self.page[0] + 22: bytes(page[22:26])}


def unusable(handle: BinaryIO) -> Mapping | None:
    """The header's place and the packets' channel count when the Opus header's mapping cannot be
    used and its packets decode as one stream; None for any other file. The handle is left where it was."""
    with from_start(handle):
        data = handle.read(HEAD_READ)
        found = _in_ogg(data) if data[:4] == b"OggS" else _in_matroska(data) if data[:4] == MATROSKA else None
        if found is None:
            return None
        at, page, packets = found
        stated = _fault(data[at:page[1] if page else at + _private_size(data, at)])
        channels = 2 if any(p and p[0] & 0x04 for p in packets) else 1
        if not stated or not packets:
            return None
        mapping = Mapping(at, page, channels, stated)
        return mapping if _decodes(handle, mapping) else None


def _fault(head: bytes) -> str:
    """What is wrong with an OpusHead packet's channel mapping (RFC 7845 section 5.1.1), or ''."""
    if len(head) <= FAMILY_AT:
        return ""
    channels, family = head[CHANNELS_AT], head[FAMILY_AT]
    if family == 0:
        return "" if channels in (1, 2) else f"family 0 with {channels} channels"
    if family not in (1, 255) or len(head) < TABLE_AT + max(channels, 1):
        return "" if family in (2, 3) else f"family {family} without its table"
    streams, coupled, table = head[19], head[20], head[TABLE_AT:TABLE_AT + channels]
    if not channels or (family == 1 and channels > 8) or not streams or coupled > streams:
        return f"family {family}, {channels} channels, {streams} streams, {coupled} coupled"
    if streams == 1 and any(n == 255 or n >= streams + coupled for n in table):  # ffmpeg silences all
        return f"family {family}, a channel routed to {'nothing' if 255 in table else 'no stream'}"
    return "" if all(n == 255 or n < streams + coupled for n in table) else f"family {family}, a channel routed to no stream"


def _in_ogg(data: bytes) -> tuple[int, tuple[int, int], list[bytes]] | None:
    pages, at = [], 0
    while len(pages) < 3 + TRIED_PACKETS // 8 and data[at:at + 4] == b"OggS" and at + OGG_HEADER <= len(data):
        lacing = data[at + OGG_HEADER:at + OGG_HEADER + data[at + OGG_HEADER - 1]]
        body = at + OGG_HEADER + len(lacing)
        pages.append((at, body, lacing))
        at = body + sum(lacing)
    if not pages or data[pages[0][1]:pages[0][1] + 8] != b"OpusHead":
        return None
    first_end = pages[0][1] + sum(pages[0][2])
    audio = [page for page in pages[1:] if struct.unpack_from("<q", data, page[0] + 6)[0] > 0]  # headers: granule 0
    return pages[0][1], (0, first_end), [p for page in audio for p in _packets(data, page)]


def _packets(data: bytes, page: tuple[int, int, bytes]) -> list[bytes]:
    """The first byte of each packet that begins and ends on the page."""
    out, at, size = [], page[1], 0
    for part in page[2]:
        size += part
        if part < 255:
            out.append(data[at:at + 1])
            at, size = at + size, 0
    return out


CLUSTER, SIMPLE_BLOCK = 0x1F43B675, 0xA3


def _in_matroska(data: bytes) -> tuple[int, None, list[bytes]] | None:
    """The OpusHead in a Matroska/WebM track's codec data, and the first byte of the first frame
    of the first cluster's first SimpleBlock (a file of one audio track: a voice note)."""
    at = data.find(b"OpusHead")
    if at < 0:
        return None
    cluster = data.find(CLUSTER.to_bytes(4, "big"), at)
    if cluster < 0:
        return at, None, []
    _, inside = _vint(data, cluster + 4)
    toc = []
    while inside < len(data) and not toc:
        kind, size_at = _element_id(data, inside)
        size, body = _vint(data, size_at)
        if kind == SIMPLE_BLOCK:
            _, frame = _vint(data, body)  # the track number, then a 2-byte time and a flags byte
            toc = [data[frame + 3:frame + 4]]
        if size < 0 or body <= inside:
            break
        inside = body + size
    return at, None, [t for t in toc if t]


def _private_size(data: bytes, at: int) -> int:
    """The size of the Matroska CodecPrivate holding the OpusHead at `at` (its 1-byte size before it)."""
    return data[at - 1] & 0x7F if at and data[at - 1] & 0x80 else FAMILY_AT + 1


def _element_id(data: bytes, at: int) -> tuple[int, int]:
    n = _length(data[at]) if at < len(data) else 0
    return (int.from_bytes(data[at:at + n], "big"), at + n) if n and n <= 4 else (-1, len(data))


def _vint(data: bytes, at: int) -> tuple[int, int]:
    """An EBML size at `at` (-1 for 'unknown' or unreadable) and where what follows it starts."""
    n = _length(data[at]) if at < len(data) else 0
    if not n:
        return -1, len(data)
    value = int.from_bytes(data[at:at + n], "big") & ((1 << (7 * n)) - 1)
    return (-1 if value == (1 << (7 * n)) - 1 else value), at + n


def _length(first: int) -> int:
    return next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)


def _decodes(handle: BinaryIO, mapping: Mapping) -> bool:
    """Whether the first packets decode as the one stream the fixed header states."""
    return decodes_patched(handle, mapping.patches(handle))


def decodes_patched(handle: BinaryIO, patches: dict[int, bytes]) -> bool:
    """Whether the first TRIED_PACKETS packets of the file's first audio stream decode with `patches` shown."""
    try:
        with open_av(Patched(handle, patches), options={"protocol_whitelist": "none"}) as container:
            stream = next(s for s in container.streams if s.type == "audio")
            frames = 0
            for packet in container.demux(stream):
                frames += len(packet.decode())
                if frames >= TRIED_PACKETS:
                    break
            return frames > 0
    except (av.error.FFmpegError, StopIteration, ValueError):
        return False
