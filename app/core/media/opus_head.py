"""An Ogg Opus file whose first page (its identification header, OpusHead) is wiped or damaged.

An Ogg Opus stream opens with OpusHead (channels, pre-skip, gain) on a page of its own, then
OpusTags, then audio. A file whose first bytes were wiped (a carving that lost its first sector), or
whose first page was damaged (its checksum fails: ffmpeg drops it), was 'not a media file' or 'an Ogg
whose headers are damaged', though its tags page and every audio page were whole. The OpusTags page
proves the stream is Opus, and Opus needs nothing OpusHead states that its packets do not show: they
decode at 48 kHz always, each says whether it is mono or stereo. The file is read through a view with
an OpusHead page put before its tags page (nothing is written); what was assumed is named: the
pre-skip (libopus's 312 samples, 6.5 ms at the start) and no output gain.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.ogg_clock import packet_samples
from app.core.media.opus_gain import ogg_crc
from app.core.media.opus_tags import Missing, next_page, one_packet_page, page_body
from app.core.media.views import Spliced, from_start

SEARCH = 1 << 16  # bytes searched for the tags page (a first page is small; a cover picture in the tags is not)
PRE_SKIP = 312  # samples at 48 kHz libopus (WhatsApp's, Telegram's, ffmpeg's) puts before the sound
TOCS = 50  # audio packets whose table of contents says mono or stereo
MAX_PRE_SKIP = 4800  # samples (100 ms): encoders write 120-312, RFC 7845 suggests 3840 at most after a seek
MAX_GAIN = 24 * 256  # Q7.8 dB
MIN_PACKETS = 10  # fewer: too few to tell surround from chance
MULTISTREAM = 0.8  # of the packets read as streams one after another: every surround packet is; 24% at most of others
SURROUND = ("an Ogg Opus file whose first page (its OpusHead header) is wiped or damaged, and whose packets hold "
            "several streams (surround sound): how they make its channels was stated only there, so it cannot be read")


@dataclass(frozen=True)
class Lost:
    tags_at: int  # where the OpusTags page starts
    serial: int
    channels: int
    wiped: bool = False
    tags_size: int = 0  # the tags page's bytes where it is damaged too (its checksum fails): read without it
    pre_skip: int = PRE_SKIP
    gain: int = 0  # Q7.8 dB
    stated: bool = False  # channels, pre-skip and gain read from the damaged header (their values plausible)

    @property
    def note(self) -> str:
        what = "wiped (zeros)" if self.tags_at and self.wiped else "damaged"
        tags = "damaged too (its tags left out), its" if self.tags_size else "whole, and its"
        return (f"the Ogg Opus file's first page (its OpusHead header: channels, pre-skip, gain) is {what}: its "
                f"OpusTags page is {tags} audio pages read as Opus at 48 kHz, {self._said}")

    @property
    def _said(self) -> str:
        if self.stated:
            return (f"{self._channels}, with the pre-skip ({self.pre_skip} samples) and gain ({self.gain / 256:+.1f} dB) "
                    f"its damaged header states (the damage may lie in them: then every time may be off by a few ms, "
                    f"or its loudness differ)")
        return (f"{self._channels} as its packets say, assuming libopus's pre-skip of {PRE_SKIP} samples (another "
                f"encoder's shifts every time: ffmpeg's own writes 120, every time {(PRE_SKIP - 120) / 48:.0f} ms "
                f"early) and no output gain (its loudness may differ from the file's own)")

    @property
    def _channels(self) -> str:
        return "stereo" if self.channels == 2 else "mono"

    def page(self) -> bytes:
        body = b"OpusHead" + struct.pack("<BBHIhB", 1, self.channels, self.pre_skip, 48000, self.gain, 0)
        return one_packet_page(2, self.serial, 0, body)

    def view(self, handle: BinaryIO) -> Spliced:
        tags = Missing(b"", self.serial).page() if self.tags_size else b""  # an empty OpusTags page for it
        return Spliced(handle, [(self.tags_at + self.tags_size, handle.seek(0, 2))], prefix=self.page() + tags)


def lost(handle: BinaryIO) -> Lost | None:
    """The view's makings when the file's first page is no whole OpusHead page and a whole OpusTags page
    (sequence 1) follows within SEARCH bytes, with no OpusHead anywhere before it; else None."""
    with from_start(handle):
        head = handle.read(SEARCH)
        if _whole_head(_page_at(handle, 0)):
            return None
        at = head.find(b"OggS", 1)
        while at >= 0:
            page = _page_at(handle, at)
            if page is not None and page_body(page)[:8] == b"OpusTags":
                break
            if _whole_head(page):
                return None  # a whole OpusHead page after junk: the file's own header is there to be read
            at = head.find(b"OggS", at + 1)
        if at < 0:
            return None
        after = _page_at(handle, at + len(page)) if not _whole(page) else None  # a damaged page's serial may be too
        serial = struct.unpack_from("<I", after if after is not None else page, 14)[0]
        channels = _channels(handle, at + len(page), serial)
        stated = _stated(_page_at(handle, 0)) if channels else None
        return Lost(at, serial, stated[0] if stated else channels, wiped=not any(head[:min(at, 27)]),
                    tags_size=0 if _whole(page) else len(page), pre_skip=stated[1] if stated else PRE_SKIP,
                    gain=stated[2] if stated else 0, stated=stated is not None)


def _stated(page: bytes | None) -> tuple[int, int, int] | None:
    """(channels, pre-skip, gain) a damaged OpusHead page states, where they are plausible (version 1,
    mono or stereo, channel mapping 0, pre-skip under 100 ms, gain within 24 dB), else None."""
    packet = page_body(page) if page is not None else b""
    if len(packet) < 19 or packet[:8] != b"OpusHead":
        return None
    version, channels, pre_skip, _, gain, family = struct.unpack_from("<BBHIhB", packet, 8)
    plausible = version == 1 and channels in (1, 2) and family == 0 and pre_skip < MAX_PRE_SKIP and abs(gain) <= MAX_GAIN
    return (channels, pre_skip, gain) if plausible else None


def _whole_head(page: bytes | None) -> bool:
    return page is not None and page_body(page)[:8] == b"OpusHead" and _whole(page)


def _page_at(handle: BinaryIO, at: int) -> bytes | None:
    handle.seek(at)
    return next_page(handle)


def _whole(page: bytes) -> bool:
    """Whether the page's checksum holds."""
    return struct.unpack_from("<I", page, 22)[0] == ogg_crc(page[:22] + bytes(4) + page[26:])


def _channels(handle: BinaryIO, at: int, serial: int) -> int:
    """2 where any of the first audio packets is coded stereo (its TOC byte's s bit), else 1; 0 where
    most are multistream packets (surround, channel mapping 1 or 255: each stream but the last
    self-delimited, RFC 6716 Appendix B), which no decoder reads without the layout OpusHead held."""
    packets = _first_packets(handle, at, serial)
    if len(packets) >= MIN_PACKETS and sum(map(_is_multistream, packets)) >= MULTISTREAM * len(packets):
        return 0
    return 2 if any(packet[0] & 0x04 for packet in packets) else 1


def _first_packets(handle: BinaryIO, at: int, serial: int) -> list[bytes]:
    """The first TOCS audio packets of the stream that begin and end on one page."""
    packets: list[bytes] = []
    while len(packets) < TOCS and (page := _page_at(handle, at)) is not None:
        at += len(page)
        if struct.unpack_from("<I", page, 14)[0] != serial:
            continue
        body, start, end, whole = page_body(page), 0, 0, not page[5] & 0x01
        for size in page[27:27 + page[26]]:
            end += size
            if size < 255:
                packets.extend([body[start:end]] if whole and end > start else [])
                start, whole = end, True
    return packets[:TOCS]


def _is_multistream(packet: bytes) -> bool:
    """Whether the packet opens with a self-delimited Opus packet followed by another of the same duration."""
    end = _self_delimited_end(packet)
    return end is not None and end < len(packet) and packet_samples(packet[end:]) == packet_samples(packet)


def _self_delimited_end(packet: bytes) -> int | None:
    """Where a self-delimited packet at the start ends (its last frame's length stated too), or None."""
    code, at, lengths = packet[0] & 0x03, 1, []
    count, padding = (1, 0) if code == 0 else (2, 0) if code < 3 else (0, 0)
    if code == 3:
        if len(packet) < 2 or not packet[1] & 0x3F:
            return None
        count, vbr, padded, at = packet[1] & 0x3F, packet[1] & 0x80, packet[1] & 0x40, 2
        while padded and at < len(packet):
            padding, at, padded = padding + min(packet[at], 254), at + 1, packet[at] == 255
    stated = count if code == 2 or (code == 3 and vbr) else 1  # the rest are as long as the last
    for _ in range(stated):
        if (length := _length(packet, at)) is None:
            return None
        lengths.append(length[0])
        at += length[1]
    total = sum(lengths) if stated == count else lengths[0] * count
    return at + total + padding if at + total + padding <= len(packet) else None


def _length(packet: bytes, at: int) -> tuple[int, int] | None:
    """(a frame length, its bytes): one byte under 252, else two (RFC 6716 3.1)."""
    if at >= len(packet) or (packet[at] >= 252 and at + 1 >= len(packet)):
        return None
    return (packet[at], 1) if packet[at] < 252 else (packet[at] + 4 * packet[at + 1], 2)
