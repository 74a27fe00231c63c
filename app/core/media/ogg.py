"""The true length of a chained Ogg file (voice notes joined end to end: several logical
streams one after the other).

ffmpeg states a chained file's duration from its last page alone, which is the length of
the last link only, so a file of two 3 s links would be recorded as 3 s long. This walks
the page headers (never the audio) and adds up each link's length from its own granule
positions: Opus counts 48 kHz samples after its pre-skip, Vorbis samples at its own rate.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from app.core.media import amr, vorbis_blocks
from app.core.media.opus_gain import ogg_crc
from app.core.media.views import Spliced, window

HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, sequence, crc, segments
BOS = 0x02


MIN_PAGE = HEADER.size + 1  # a page's header and one segment size: no page is shorter
MAX_PAGE = HEADER.size + 255 + 255 * 255  # 65,307 bytes: ffmpeg looks this far back from the end for the last page
MAX_PACKET_S = 0.12  # no Opus packet holds more than 120 ms, no Vorbis packet more than 8192 samples


@dataclass
class _Link:
    rate: int
    opus: bool = False  # else Vorbis (which may be 48 kHz too: its packets are no Opus packets)
    skip: int = 0
    last_granule: int = 0
    prev_granule: int = 0  # the granule of the page before the last
    packets: int = 0  # packets ended on the pages before the last
    last_packets: int = 0  # packets ended on the last page
    unplaced: int = 0  # packets ended on pages since, that state no position (-1: a damaged or streaming writer)
    sequence: int = 0  # the last page's sequence number
    lost: int = 0  # pages missing (by their sequence numbers) just before the last one: wiped or cut out
    page_end: int = 0  # the byte after the last page
    start: int | None = None  # the granule its stream starts at, its pre-skip before it is heard (0; a live capture's later)
    started: bool = False  # its first audio page was met
    head_lost: bool = False  # pages before it were lost (wiped): ffmpeg times the stream from the first page left
    head_checked: bool = False  # its first audio page's checksum was checked (one failing it is taken as lost)
    group: int = 0  # which link of a chain it belongs to (streams side by side in one share it)
    heads: list[bytes] = field(default_factory=list)  # Vorbis: its header packets met (the comments' left empty)
    partial: bytes = b""  # a header packet's bytes so far

    def gather(self, body: bytes, sizes: bytes) -> None:
        """A Vorbis header page's packets: the identification and setup headers kept whole (their
        block sizes and modes time the audio packets), the comments (cover art, megabytes) only counted."""
        at = 0
        for size in sizes:
            self.partial += body[at:at + size] if len(self.heads) != 1 else b""
            at += size
            if size < 255:
                self.heads.append(self.partial)
                self.partial = b""

    def see(self, granule: int, packets: int, sequence: int, at: int, end: int) -> None:
        """A page's position; one of -1 states none, and its packets are counted with the next one's
        (a Vorbis note whose pages all said -1 but the last was recorded as 0.3 s long for 6 s). Pages
        missing by the sequence numbers count only as many as the bytes before this page could hold
        (a number raised to 2^32-1 in a 41 kB file bought 50 minutes of silence)."""
        room = max(0, at - self.page_end) // MIN_PAGE
        self.lost, self.sequence, self.page_end = min(max(0, sequence - self.sequence - 1), room), sequence, end
        if granule < 0:
            self.unplaced += packets
            return
        self.packets += self.last_packets
        self.prev_granule, self.last_granule = self.last_granule, granule
        self.last_packets, self.unplaced = packets + self.unplaced, 0

    def end(self) -> int:
        """The last granule, or where the audio can really end when the last page lies about it
        (further on than its packets can reach, or back before the page before it)."""
        packets = self.last_packets + 255 * self.lost  # a lost page held at most 255 packets
        most = packets * max(round(self.rate * MAX_PACKET_S), 0 if self.opus else 8192)
        if self.prev_granule <= self.last_granule <= self.prev_granule + most:
            return self.last_granule
        typical = (self.prev_granule - self.skip) / self.packets if self.packets else 0
        return self.prev_granule + round(self.last_packets * max(0.0, typical))

    @property
    def lied(self) -> bool:
        return self.end() != self.last_granule

    def first_audio(self, granule: int, body: bytes, sizes: bytes) -> None:
        """Where the audio starts, from the first page stating a position: its granule less its
        packets' samples when it follows the headers; when pages before it were lost (a wiped first
        page) the clock's own start (past the pre-skip), not the first page left's."""
        self.started, self.head_lost = True, bool(self.lost)
        if self.lost:
            self.start = 0
        elif self.opus:
            self.start = granule - sum(_opus_samples(packet) for packet in _packets(body, sizes))
        elif len(self.heads) >= 3 and (blocks := vorbis_blocks.blocks(self.heads[0], self.heads[2])) is not None:
            self.start = granule - sum(blocks.samples(packet) for packet in _packets(body, sizes))

    @property
    def clock_start(self) -> int | None:
        """Samples from the clock's 0 to where the link starts (0 for a note, later for a live capture's);
        None when its pages do not say (a Vorbis link whose headers do not read) or say a start past its end
        (a damaged granule)."""
        if self.start is None or self.skip + max(0, self.start) > self.end():
            return None
        return max(0, self.start)

    @property
    def begin(self) -> int:
        """The granule the link's audio is heard from: past its pre-skip, and its clock's start."""
        return self.skip + (self.clock_start or 0)


def chained_duration_ms(handle: BinaryIO) -> int | None:
    """The summed length of every audio link when the file is a chain of links, or the true length
    of a file whose last page states a false end position or whose first audio pages were lost (ffmpeg
    counts from the first page left), or whose last page is further from the end than ffmpeg looks (100 kB
    of zeros after a 6 s Vorbis note: ffmpeg guessed 21.5 s from the bitrate); else None (ffmpeg's figure
    stands)."""
    links, chained = _clocks(handle)
    if not links or not (chained and len(links) > 1 or any(k.lied or k.head_lost for k in links)
                         or handle.seek(0, 2) - links[-1].page_end > MAX_PAGE):  # ffmpeg's a guess: no last page seen
        return None
    return round(_seconds(links) * 1000)


def _seconds(links: list[_Link]) -> float:
    """The links' lengths added up; streams side by side in one link (two tracks) count as the longest."""
    longest: dict[int, float] = {}
    for k in links:
        longest[k.group] = max(longest.get(k.group, 0.0), max(0, k.end() - k.begin) / k.rate)
    return sum(longest.values())


def link_clock(handle: BinaryIO) -> tuple[float | None, float]:
    """Where a link's clock starts (seconds past its pre-skip, as ffmpeg times its frames: 0 for a
    note, later for a live capture's; None when its pages do not say, a Vorbis link: its first
    frame's), and the length its pages state past it, from one walk of its pages."""
    links = _clocks(handle)[0]
    start = links[0].clock_start if links else None
    return None if start is None else start / links[0].rate, _seconds(links)


def _packets(body: bytes, sizes: bytes) -> Iterator[bytes]:
    """The packets a page's segment sizes end on it (a packet begun on the page before is left out)."""
    at = begun = 0
    for size in sizes:
        at += size
        if size < 255:
            yield body[begun:at]
            begun = at


def _opus_samples(packet: bytes) -> int:
    """An Opus packet's samples at 48 kHz, from its table-of-contents byte (RFC 6716 3.1)."""
    if not packet:
        return 0
    config, code = packet[0] >> 3, packet[0] & 3
    frame = (480, 960, 1920, 2880)[config % 4] if config < 12 else (480, 960)[config % 2] if config < 16 \
        else (120, 240, 480, 960)[config % 4]
    frames = 1 if code == 0 else 2 if code < 3 else (packet[1] & 0x3F if len(packet) > 1 else 0)
    return frame * frames


def _clocks(handle: BinaryIO) -> tuple[list[_Link], bool]:
    """Each audio stream's clock, and whether a stream begins after another's audio (a chain)."""
    links: list[_Link] = []
    current: dict[int, _Link] = {}  # by serial: a link joined to a copy of itself has the same one
    chained = in_body = False
    group = 0
    for at, flags, granule, serial, sequence, sizes in _pages(handle):
        end = at + HEADER.size + len(sizes) + sum(sizes)
        if flags & BOS:
            group += in_body
            chained, in_body = chained or in_body, False
            head = handle.read(min(sum(sizes), 64))
            link = _begin(head)
            if link is not None:
                link.heads = [] if link.opus else [head[:sizes[0]] if sizes else head]
                link.page_end, link.group = end, group
                links.append(link)
                current[serial] = link
            continue
        in_body = True
        if serial in current:
            link = current[serial]
            if _first_audio_page_dropped(handle, link, granule, at, end):
                continue
            link.see(granule, sum(1 for size in sizes if size < 255), sequence, at, end)
            if not link.opus and len(link.heads) < 3 and not link.started:
                link.gather(handle.read(sum(sizes)), sizes)
            elif granule > 0 and not link.started:
                link.first_audio(granule, handle.read(sum(sizes)), sizes)
    return links, chained


def _first_audio_page_dropped(handle: BinaryIO, link: _Link, granule: int, at: int, end: int) -> bool:
    """Whether this is a link's first audio page and fails its checksum: ffmpeg drops such a page and
    times the stream from the next (a note with its first second damaged was recorded as 5 s of 6),
    so it is taken as lost here too. Only the first is checked: the rest are read as they are. The
    handle is left at the page's body."""
    if link.head_checked or link.started or granule <= 0 or not link.opus and len(link.heads) < 3:
        return False
    link.head_checked = True
    body = handle.tell()
    handle.seek(at)
    page = handle.read(end - at)
    handle.seek(body)
    return len(page) == end - at and not _sound(page)


def _pages(handle: BinaryIO) -> Iterator[tuple[int, int, int, int, int, bytes]]:
    """Each page's offset, flags, granule, serial, sequence number and segment sizes, the handle left at its body;
    junk or zeros between pages passed over to the next page (of a stream met, or a new link's)."""
    serials: set[int] = set()
    at: int | None = 0
    while at is not None:
        handle.seek(at)
        head = handle.read(HEADER.size)
        if len(head) < HEADER.size:
            return
        capture, _version, flags, granule, serial, sequence, _crc, count = HEADER.unpack(head)
        if capture != b"OggS":
            at = _next_page(handle, at + 1, serials)
            continue
        serials.add(serial)
        sizes = handle.read(count)
        if not flags & BOS and _opens_stream(handle, granule, sequence):  # its flag damaged
            flags |= BOS
        yield at, flags, granule, serial, sequence, sizes
        at += HEADER.size + count + sum(sizes)


def pages_end(handle: BinaryIO) -> int:
    """Where an Ogg's last page ends (junk between pages passed over): a file joined after it opens there."""
    end = 0
    for at, *_, sizes in _pages(handle):
        end = at + HEADER.size + len(sizes) + sum(sizes)
    return end


STREAM_HEADS = (b"OpusHead", b"\x01vorbis")  # the first packet of an Opus, a Vorbis stream


def _opens_stream(handle: BinaryIO, granule: int, sequence: int) -> bool:
    """Whether a page whose beginning-of-stream flag is not set still opens a stream: its sequence
    number and granule 0, its body an Opus or Vorbis identification header (a flipped flag bit made a
    chain's next link read as pages of the link before: ffmpeg dropped them, the link lost). The
    handle is left at the page's body."""
    if sequence or granule:
        return False
    at = handle.tell()
    head = handle.read(8)
    handle.seek(at)
    return head.startswith(STREAM_HEADS)


def link_view(handle: BinaryIO, start: int, end: int) -> Spliced:
    """One link of a chain as a file of its own, its first page's beginning-of-stream flag shown set
    where it was damaged (the page's checksum was made with it set: ffmpeg would refuse the page)."""
    handle.seek(start)
    head = handle.read(HEADER.size)
    if len(head) == HEADER.size and head[:4] == b"OggS" and not head[5] & BOS:
        return Spliced(handle, [(start + 6, end)], prefix=head[:5] + bytes([head[5] | BOS]))
    return window(handle, start, end)


def _begin(packet: bytes) -> _Link | None:
    """The clock of an Opus or Vorbis stream from its first header packet."""
    if packet.startswith(b"OpusHead") and len(packet) >= 12:
        return _Link(rate=48000, opus=True, skip=struct.unpack_from("<H", packet, 10)[0])
    if packet.startswith(b"\x01vorbis") and len(packet) >= 16:
        rate = struct.unpack_from("<I", packet, 12)[0]
        return _Link(rate=rate) if rate else None
    return None


EOS = 0x04
TAIL = 1 << 16


def is_cut(handle: BinaryIO) -> bool:
    """True when the file's last Ogg page does not close its stream (no end-of-stream mark):
    a recording or copy cut short. An Ogg file states no duration of its own beyond its last
    page, so this is the only sign a cut one gives; or when that page runs past the file's end (cut
    inside its end-of-stream page), or fails its checksum (ffmpeg drops it: its audio is lost)."""
    last = _last_page(handle)
    return last is not None and (not last[0] & EOS or last[1] > last[2] or not last[3])


def end_after_a_loss(handle: BinaryIO) -> dict[int, bytes] | None:
    """The last page shown without its end-of-stream mark (its checksum made again) when the page before
    it is lost (fails its checksum, or is missing by the sequence numbers), or None. ffmpeg times an
    end-of-stream page's packets on from the page before, not from its own position: a Vorbis note whose
    page before the last was lost heard its last second a second early, and the second named damaged was
    the last, not the lost one. Without the mark it times them as any page after a loss: in their place."""
    before: dict[int, tuple[int, int, int]] = {}  # by serial: the page before the one now met
    last = None
    for at, flags, _granule, serial, sequence, sizes in _pages(handle):
        last = (at, at + HEADER.size + len(sizes) + sum(sizes), flags, sequence, before.get(serial))
        before[serial] = last[:2] + (sequence,)
    if last is None or not last[2] & EOS or last[4] is None:
        return None
    at, end, _flags, sequence, (earlier, earlier_end, earlier_sequence) = last
    if earlier_sequence == sequence - 1 and _sound(_read(handle, earlier, earlier_end)):
        return None
    page = bytearray(_read(handle, at, end))
    if len(page) != end - at or not _sound(bytes(page)):
        return None  # the last page unsound too: ffmpeg drops it as well
    page[5] &= ~EOS
    page[22:26] = bytes(4)
    return {at + 5: bytes(page[5:6]), at + 22: struct.pack("<I", ogg_crc(bytes(page)))}


def _read(handle: BinaryIO, start: int, end: int) -> bytes:
    handle.seek(start)
    return handle.read(end - start)


def _sound(page: bytes) -> bool:
    """Whether a page's bytes match its checksum (ffmpeg drops one that does not)."""
    return len(page) >= HEADER.size and struct.unpack_from("<I", page, 22)[0] == ogg_crc(page[:22] + bytes(4) + page[26:])


def end_note(handle: BinaryIO) -> str:
    """Why a stream with no whole end mark ends where it does: the file cut short; zero bytes after its
    last page (never written, or padding); when other bytes that are no page follow its last page's
    end (the end-of-stream page's header wiped), its end damaged; or its last page failing its checksum."""
    last = _last_page(handle)
    after = last[2] - last[1] if last is not None else 0
    if after < 0:
        return "the file ends inside its last Ogg page: it was cut short"
    if after >= MIN_PAGE and amr.zero_tail(handle, last[1], least=after) is not None:  # made larger than filled
        return (f"the Ogg stream has no end mark: the file's last {after:,} bytes, after its last page, are zero bytes "
                "(not audio: never written, or padding)")
    if after >= MIN_PAGE:
        return (f"the Ogg stream has no end mark: the file's last {after:,} bytes, after its last page, are not Ogg "
                "pages (damaged): the audio they held is lost")
    if last is not None and not last[3]:
        return "the file's last Ogg page fails its checksum (damaged): the audio it held is lost"
    return "the Ogg stream has no end mark: the file was cut short"


def _last_page(handle: BinaryIO) -> tuple[int, int, int, bool] | None:
    """The flags of the last page the file holds before any zero bytes that end it (a recorder's file
    made larger than it filled), where that page ends, the file's size, and whether the page matches its
    checksum (one cut short does not)."""
    size = handle.seek(0, 2)
    zeros = amr.zero_tail(handle, 0, least=1) or size
    start = max(0, zeros - TAIL)
    handle.seek(start)
    tail = handle.read(zeros - start + MAX_PAGE)  # a last page's body may end in zero bytes of its own
    at = tail.rfind(b"OggS", 0, zeros - start)
    while at >= 0 and len(tail) - at < HEADER.size:
        at = tail.rfind(b"OggS", 0, at)
    if at < 0:
        return None
    flags, count = HEADER.unpack_from(tail, at)[2], tail[at + HEADER.size - 1]
    sizes = tail[at + HEADER.size:at + HEADER.size + count]
    length = HEADER.size + count + sum(sizes)
    return flags, start + at + length, size, _sound(tail[at:at + length])


def links(handle: BinaryIO) -> list[tuple[int, int]]:
    """The byte range of each link when the file is a chain of two or more (voice notes joined end
    to end, a recorder starting a new stream at each pause, junk or zeros between them); [] for any
    other file. ffmpeg, reading a chain as one stream, stops where the codec, channels or a Vorbis
    rate change, mistimes a link held in one audio page (a 0.1 s link heard as 13.5 ms) and loses one
    behind junk, so each link is opened on its own. A link ends at its last page (junk or zeros after
    it are no part of it); the last runs to the file's end."""
    starts: list[int] = []
    ends: list[int] = []
    in_body = False
    for at, flags, *_, sizes in _pages(handle):
        if flags & BOS and (in_body or not starts):
            starts.append(at)
            ends.append(at)
        in_body = not flags & BOS
        if ends:
            ends[-1] = at + HEADER.size + len(sizes) + sum(sizes)
    if len(starts) < 2:
        return []
    return [*zip(starts[:-1], ends[:-1]), (starts[-1], handle.seek(0, 2))]


JUNK_LIMIT = 1 << 15  # ffmpeg looks at most 64 kB past a broken page for the next; skip longer runs ourselves
SEARCH_CHUNK = 1 << 20


def junk_runs(handle: BinaryIO) -> list[tuple[int, int]]:
    """The byte ranges between Ogg pages that hold no page (junk a carving or a damaged copy put
    inside the stream), when one is longer than ffmpeg searches across: there its reader stops,
    and the rest of the recording would be lost. [] when there is none so long."""
    handle.seek(0)
    serials: set[int] = set()
    runs: list[tuple[int, int]] = []
    at = 0
    while True:
        handle.seek(at)
        head = handle.read(HEADER.size)
        if len(head) < HEADER.size:
            break
        capture, version, flags, _granule, serial, _seq, _crc, count = HEADER.unpack(head)
        if capture == b"OggS" and version == 0 and (flags & BOS or serial in serials):
            serials.add(serial)
            at += HEADER.size + count + sum(handle.read(count))
            continue
        found = _next_page(handle, at + 1, serials)
        if found is None:
            break
        if found - at > JUNK_LIMIT:
            runs.append((at, found))
        at = found
    return runs


def _next_page(handle: BinaryIO, start: int, serials: set[int]) -> int | None:
    """Where the next page of one of these streams starts at or after `start`, or None."""
    at = start
    while True:
        handle.seek(at)
        block = handle.read(SEARCH_CHUNK + HEADER.size)
        if len(block) < HEADER.size:
            return None
        hit = block.find(b"OggS")
        while 0 <= hit <= len(block) - HEADER.size:
            _capture, version, flags, _granule, serial, *_ = HEADER.unpack_from(block, hit)
            if version == 0 and (serial in serials or flags & BOS):  # a page of these, or a new link's first
                return at + hit
            hit = block.find(b"OggS", hit + 1)
        at += SEARCH_CHUNK


MAX_PRESKIP = 3840  # 80 ms at 48 kHz: what the Opus spec recommends at most; encoders write 312 or so


def preskip_hidden(handle: BinaryIO) -> tuple[int, str]:
    """Milliseconds of an Opus stream's start its header's pre-skip drops beyond any encoder's
    (a damaged header: 65,535 samples drop 1.4 s of speech, which ffmpeg discards unseen and the
    file then reads as cut short at its end), with the warning naming it; (0, '') for any other."""
    handle.seek(0)
    head = handle.read(HEADER.size + 255 + 19)
    if len(head) < HEADER.size or head[:4] != b"OggS":
        return 0, ""
    body = HEADER.size + head[HEADER.size - 1]
    packet = head[body:body + 19]
    if not packet.startswith(b"OpusHead") or len(packet) < 12:
        return 0, ""
    skip = struct.unpack_from("<H", packet, 10)[0]
    if skip <= MAX_PRESKIP:
        return 0, ""
    hidden_ms = round((skip - 312) * 1000 / 48000)
    if 0 < (end := _last_granule(handle)) <= skip:  # a note shorter than the samples it says to drop
        return hidden_ms, (f"the Opus header's pre-skip ({skip:,} samples, {skip / 48000:.1f} s; an encoder's is under "
                           f"0.1 s: a damaged header) is longer than the whole recording ({end / 48000:.1f} s): none "
                           "of it is heard or transcribed")
    return hidden_ms, (f"the Opus header's pre-skip drops the first {skip / 48000:.1f} s ({skip:,} samples; an "
                       f"encoder's is under 0.1 s: a damaged header): they are not transcribed")


def _last_granule(handle: BinaryIO) -> int:
    """The position the file's last page states (its end, in 48 kHz samples for Opus), or 0."""
    size = handle.seek(0, 2)
    handle.seek(max(0, size - (1 << 16)))
    tail = handle.read()
    at = tail.rfind(b"OggS")
    while at >= 0:
        if at + HEADER.size <= len(tail) and tail[at + 4] == 0:
            return max(0, HEADER.unpack_from(tail, at)[3])
        at = tail.rfind(b"OggS", 0, at)
    return 0


FIRST_PAGES = 3  # an Ogg's header pages (Opus: 2, Vorbis: 2 or 3): more pages than these hold audio
PAGES_READ = 1 << 16


def damaged_start(handle: BinaryIO) -> str:
    """Why an Ogg none of whose audio could be read is not a file cut in its headers: its first
    pages are damaged while audio pages follow them; '' when it is not so (a file not starting as an
    Ogg, even with two bytes damaged: a ZIP holding one; or too few pages)."""
    handle.seek(0)
    head = handle.read(PAGES_READ)
    pages = head.count(b"OggS")
    if pages <= FIRST_PAGES or sum(a != b for a, b in zip(head[:4], b"OggS")) > 2:  # another file holding an Ogg
        return ""
    return (f"an Ogg whose first pages (its headers) are damaged: its first {len(head):,} bytes hold {pages:,} "
            f"pages, but without its headers its audio cannot be decoded (not a file cut short)")
