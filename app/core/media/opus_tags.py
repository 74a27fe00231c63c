"""An Ogg Opus file whose comment header (OpusTags, the second packet) is missing.

An Ogg Opus stream opens with two header packets: OpusHead (channels, pre-skip, rate, gain) and
OpusTags (the encoder's name and any tags), then audio. A writer that leaves OpusTags out, or a
recovered file that lost the page holding it, was refused by ffmpeg as 'not a media file ffmpeg
can read' though every audio page was whole. The tags carry nothing the audio needs: the file
is read through a view with an empty OpusTags page after its first (nothing is written), and
the run says so.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.opus_gain import ogg_crc
from app.core.media.views import Spliced, from_start

NOTE = ("the Opus stream has no comment header (OpusTags) after its identification header (a writer's "
        "fault, or a page lost): read without it")


@dataclass(frozen=True)
class Missing:
    first_page: bytes  # the OpusHead page, as in the file
    serial: int

    @property
    def note(self) -> str:
        return NOTE

    def page(self) -> bytes:
        """An OpusTags page with no vendor and no tags, the stream's second page."""
        return one_packet_page(0, self.serial, 1, b"OpusTags" + struct.pack("<II", 0, 0))


def missing(handle: BinaryIO) -> Missing | None:
    """The Opus stream's first page when the page after it starts with audio, not OpusTags; None
    for any other file. The handle is left where it was."""
    with from_start(handle):
        first = next_page(handle)
        second = next_page(handle)
    if first is None or second is None or first[5] & 0x02 == 0 or page_body(first)[:8] != b"OpusHead":
        return None
    if second[14:18] != first[14:18] or second[5] & 0x01 or page_body(second)[:8] == b"OpusTags":
        return None  # another stream's page, a continued packet (tags over several pages), or the tags
    return Missing(first, struct.unpack_from("<I", first, 14)[0])


def with_tags(handle: BinaryIO, found: Missing) -> Spliced:
    """The file as it would be with an empty OpusTags page after its first page."""
    size = handle.seek(0, 2)
    return Spliced(handle, [(len(found.first_page), size)], prefix=found.first_page + found.page())


def one_packet_page(flags: int, serial: int, sequence: int, body: bytes) -> bytes:
    """An Ogg page (granule position 0) holding one packet of under 255 bytes, its checksum set."""
    page = bytearray(b"OggS\x00" + bytes([flags]) + struct.pack("<qII", 0, serial, sequence) + bytes(4)
                     + bytes([1, len(body)]) + body)
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page)


def next_page(handle: BinaryIO) -> bytes | None:
    """The Ogg page at the handle's position, whole as its lacing states, or None."""
    head = handle.read(27)
    if len(head) < 27 or head[:4] != b"OggS":
        return None
    lacing = handle.read(head[26])
    body = handle.read(sum(lacing))
    return head + lacing + body if len(lacing) == head[26] and len(body) == sum(lacing) else None


def page_body(page: bytes) -> bytes:
    """The page's packet data, after its header and lacing."""
    return page[27 + page[26]:]
