"""A file followed by a whole file (two files joined end to end: a carving that ran on, a copy appended
to, an upload restarted), named: any kind file_kinds.py knows (a WAV, RF64, Wave64, CAF, MP4, AIFF,
FLAC, Ogg, AMR, ID3-tagged MP3, Matroska/WebM) after a WAV, RF64, Wave64, CAF, AIFF, MP4/MOV/3GP, AMR,
FLAC, MP3, ADTS AAC, a Matroska/WebM or an Ogg (another MP3's ID3 tag, another
AMR's header inside those is no second file: heard on, as before; a WebM followed by a copy: ffmpeg
read on into the copy, its clock back to 0, and the whole first file was named damaged).

ffmpeg reads the first file to the end its own header states and stops: the second recording after
it was lost without a word (a 56 s interview joined to another read as 56 s, nothing said; after an
AIFF, an RF64 or an M4A too). Its start is where the first file's header says the first ends (the
RIFF, ds64 or FORM size; the top-level boxes' sizes; a WAV written as it went, its RIFF size 0 or -1:
its chunks' sizes, or where a file of a kind file_kinds.py knows opens inside a data chunk of unknown
size; a CAF's chunks, or the same inside a data chunk of size -1; a Wave64's 'riff' size; a Matroska
Segment's size), or (an AMR, a FLAC, an MP3, an ADTS, a WebM written as it went, its Segment's size
unknown: no size stated) where such a file opens among its frames; and there it opens as a file does:
the note says so, and where. All but an MP4 are read only up to there (`opening`): where a WAV's data
chunk's size is 0 or -1, or runs past its RIFF end, ffmpeg read on into the second (3 s + 5 s read as
8 s, the second's header heard as a click and its speech given as the first's); a CAF's second file was
read as a chunk of the first, lost without a word or called damaged, as the filesystem had it (a
WAV or an AIFF after a CAF, one written as it went too: its speech given as the CAF's); a Wave64
followed by a copy was called damaged, followed by an M4A refused; an AMR's was read as frames (a 3 s
note + a 5 s WAV heard as 339 s of damaged noise), an MP3's as 2 s of damaged noise. An ID3 tag
after the first is a tagger's when only other tags (APEv2, Lyrics3, ID3v1, each walked by its size) or
padding follow it, and names what a tagger put it before (a WAV, an M4A) when that opens after them
(it was called 'no audio' below 64 kB, 'an MP3' above); after an MP3 or ADTS such a tag is where the
second starts (cut after it, its bytes were heard as the first's audio). ID3 tags in a row at the start
(a tagger's new one put before the old) are one file's: the recording after them is no second file.
Where the first's header or pages say it ends (not where one is searched for), in place of an AMR's
frame, inside a FLAC's last frame (walked to the file's end), or on a sample's first byte in the PCM samples of
a WAV or CAF written as it went (sizes -1), a bare MP3 or ADTS AAC is known by its frames there: after a WAV,
an M4A or a FLAC it was lost without a word, after a CAF or a WAV written as it went heard as its sound (an 8 s
note heard as 9.7 s), after an AMR as minutes of damaged noise.
After an Ogg, where its last page ends (another Ogg there is a chain's next link: heard on, ogg.links).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from app.core.media import (
    amr,
    boxes,
    caf_packets,
    data_ends,
    ebml,
    file_kinds,
    flac,
    id3_tags,
    ogg,
    riff,
)
from app.core.media.box_sizes import MAX_BOXES
from app.core.media.by_content import remembered_for_a_file
from app.core.media.file_kinds import KINDS
from app.core.media.riff import MAX_CHUNKS, UNKNOWN_SIZES
from app.core.media.views import window

SEARCH_BLOCK = 1 << 22  # bytes of samples searched at a time for the second file's opening
FIRSTS = ("wav", "rf64", "w64", "caf", "aiff", "iso", "amr", "flac", "mp3", "mpeg", "mkv", "ogg")  # the kinds whose end is found
DAMAGED_TAIL = 512  # bytes after a tagger's walked tags that can be their damaged tail
TAG_TAIL = 1 << 16  # bytes after an ID3 tag read to tell a tag alone (other tags, padding) from a file
TRAILING_TAGS = (b"APETAGEX", b"LYRICSBEGIN", b"TAG")  # what a tagger appends after an ID3v2 tag (APEv2, Lyrics3, ID3v1)
_AFTER_MKV: dict = {}  # where a file opens after a WebM written as it went, by file (by_content.py)
_AFTER_AMR: dict = {}  # where bare MPEG/ADTS frames open after an AMR's, by file
_AFTER_FLAC: dict = {}  # where a file opens after a FLAC, by file
_AFTER_STREAMED: dict = {}  # where a file opens after a WAV written as it went, by file
PCM_TAGS = (1, 3, 0xFFFE)  # a WAV's fmt format tags of PCM samples (integer, float, extensible)
LAST_FRAME = 1 << 20  # bytes after a FLAC's last frame's header searched for them (a frame is smaller)
MOST_AMR = 64 << 20  # bytes of AMR frames walked for them (over 9 hours of AMR-NB at 12.2 kbit/s)


@dataclass(frozen=True)
class Joined:
    at: int  # where the second file starts
    size: int  # its bytes
    kind: str  # the first file's (a key of KINDS, or "mpeg": MPEG audio or ADTS frames)
    opens_as: str  # the second's
    behind_a_tag: bool = False  # the second opens with an ID3 tag a tagger put before it

    @property
    def read_on(self) -> bool:
        """Whether ffmpeg reads the first on into the second (or loses it): it is read only up to it."""
        return self.kind != "iso"

    @property
    def note(self) -> str:
        if self.opens_as == "id3":
            return (f"an ID3 tag follows this one's audio at byte {self.at:,} ({self.size:,} bytes: titles or names a "
                    "tagging program added after it): it is no audio and was not read")
        named = f"{KINDS[self.opens_as]} behind an ID3 tag" if self.behind_a_tag else KINDS[self.opens_as]
        return (f"another file follows this one's end at byte {self.at:,} ({self.size:,} bytes opening as {named} "
                "of its own: two files joined, by a copy or a carving): it was not read; open it as a file of its own "
                "to hear it")


def found(handle: BinaryIO) -> Joined | None:
    """The second file joined after the first, or None (none, or a file of another kind)."""
    handle.seek(0)
    head = handle.read(file_kinds.HEAD)
    size_of_file = handle.seek(0, 2)
    try:
        kind = _first_kind(handle, head)
        end = _first_end(handle, kind, head, size_of_file) if kind in FIRSTS else None
        if end is None or end < file_kinds.HEAD or end + 12 > size_of_file:  # a size of 0: no end stated
            return None
        second = _opening_at(handle, end)
        if second == "mp3":  # a tagger's tag alone, or one before a file of another kind
            return _tagged(handle, Joined(end, size_of_file - end, kind, second))
        return None if second is None else Joined(end, size_of_file - end, kind, second)
    finally:
        handle.seek(0)


def first_only(handle: BinaryIO) -> BinaryIO:
    """The handle, or a view of it up to the second file where ffmpeg would read on into it (or lose it)."""
    second = found(handle)
    return window(handle, 0, second.at) if second is not None and second.read_on else handle


def _first_kind(handle: BinaryIO, head: bytes) -> str | None:
    """The first file's kind: one file_kinds knows, or 'mpeg' for MPEG audio or ADTS frames opening it (a
    bare MP3, an ADTS AAC: their sync is not searched for as a second's, it lies about in audio)."""
    if (kind := file_kinds.kind(head)) is not None or head[:1] != b"\xff":
        return kind
    handle.seek(0)
    return "mpeg" if file_kinds.opens_with_frames(handle.read(file_kinds.FRAMES_LOOK)) else None


def _kind_at(handle: BinaryIO, at: int) -> str | None:
    handle.seek(at)
    return file_kinds.kind(handle.read(file_kinds.HEAD))


def _opening_at(handle: BinaryIO, at: int) -> str | None:
    """The kind of file opening at `at`, where the first file's header or pages say it ends: one file_kinds
    knows, or 'mpeg' for MPEG audio or ADTS frames (a bare MP3 or AAC: its sync, lying about in audio, is
    looked for only there)."""
    if (kind := _kind_at(handle, at)) is not None:
        return kind
    handle.seek(at)
    return "mpeg" if file_kinds.opens_with_frames(handle.read(file_kinds.FRAMES_LOOK)) else None


def _tagged(handle: BinaryIO, second: Joined) -> Joined:
    """An ID3 tag after the first file, named by what follows it and the other tags a tagger appends
    (APEv2, Lyrics3, ID3v1): nothing but padding (a tag alone), a file of a kind file_kinds knows (a
    WAV, an M4A), or an MP3."""
    tag_end = id3_tags.tags_end(handle, second.at)
    handle.seek(tag_end)
    after_tag = handle.read(TAG_TAIL)
    tags_end = tag_end + file_kinds.trailing_tags(after_tag)
    behind = _kind_at(handle, id3_tags.tags_end(handle, tags_end))  # past the ID3 tags a second file opens with too
    if behind not in (None, "mp3", "id3"):
        return Joined(second.at, second.size, second.kind, behind, behind_a_tag=True)
    rest = after_tag[tags_end - tag_end:]
    if second.at + second.size - tag_end <= TAG_TAIL and (not rest.strip(b"\x00") or _a_damaged_tail(
            handle, tags_end, rest)):
        return Joined(second.at, second.size, second.kind, "id3")  # a tagger's tags, their tail damaged or not
    return second


def _a_damaged_tail(handle: BinaryIO, tags_end: int, rest: bytes) -> bool:
    """What follows a tagger's walked tags is their damaged tail (a stray line break, a cut ID3v1, an APE
    size off, a Lyrics3 with no end mark), not a second file: no ID3 tag opens it, and it is short with no
    MP3/ADTS frames opening it, or it opens with a tagger's mark and no file opens anywhere in it (a voice
    note joined after the tags was hidden as 'no audio'; a long damaged tag called a second file)."""
    if id3_tags.tags_end(handle, tags_end) != tags_end:
        return False
    if len(rest) <= DAMAGED_TAIL and not file_kinds.opens_with_frames(rest.lstrip(b"\x00\r\n ")):
        return True
    return rest.startswith(TRAILING_TAGS) and next(_openings(rest, len(rest)), None) is None and not any(
        file_kinds.opens_with_frames(rest[at:]) for at in range(len(rest)) if rest[at] == 0xFF)


def _first_end(handle: BinaryIO, kind: str, head: bytes, size_of_file: int) -> int | None:
    """Where the first file ends by its own header (an AMR's, a FLAC's, an MP3's or ADTS's: where a file
    opens among its frames), or None where that cannot be told."""
    if kind == "wav":
        stated = struct.unpack_from("<I", head, 4)[0]
        return _streamed_end(handle) if stated in UNKNOWN_SIZES else 8 + stated + stated % 2
    if kind in ("rf64", "aiff"):  # the ds64 chunk's RIFF size; the FORM size (big-endian)
        stated = struct.unpack_from("<Q", head, 20)[0] if kind == "rf64" else struct.unpack_from(">I", head, 4)[0]
        return 8 + stated + stated % 2
    if kind == "w64":
        return struct.unpack_from("<Q", head, 16)[0]
    if kind == "iso":
        return _iso_end(handle)
    if kind == "ogg":  # another Ogg after it: a chain's next link (ogg.links), heard on
        return ogg.pages_end(handle)
    if kind == "amr":  # another AMR's header inside: amr_repeats.py's (notes joined, each heard)
        wideband = head.startswith(amr.WB_HEADER)
        header = len(amr.WB_HEADER if wideband else b"#!AMR\n")
        return _file_after(handle, header, "amr") or remembered_for_a_file(
            _AFTER_AMR, handle, lambda: _frames_after_amr(handle, header, wideband))
    if kind == "flac":  # or bare MPEG/ADTS frames after its last frame's header (searched once a run: 0.6 s
        if (frames := flac.frames_start(handle)) is None:  # a 27 MB FLAC, asked 4 times an opening)
            return None
        return remembered_for_a_file(_AFTER_FLAC, handle, lambda: _file_after(handle, frames) or _after_last_frame(
            handle, flac.last_frame(handle)))
    if kind in ("mp3", "mpeg"):  # after its ID3 tags and what opens there (an M4A, a WAV a tagger put them before)
        return _file_after(handle, (id3_tags.tags_end(handle, 0) if kind == "mp3" else 0) + 1, "mp3")
    if kind == "mkv" and ebml.meets_no_cluster(handle):  # cut in its headers: its stated end (past its bytes) and
        return _after_mkv_headers(handle)  # the walk of its headers (into the second file's bytes) say nothing
    if kind == "mkv":  # a Segment of unknown size (written as it went: a browser's recorder): where a file opens among its clusters
        stated = ebml.segment_end(handle)  # (its clusters searched once a run: 5 ms a MB, asked 4 times an opening)
        return stated if stated is not None else remembered_for_a_file(
            _AFTER_MKV, handle, lambda: _file_after(handle, ebml.first_cluster(handle)))
    return _caf_end(handle, size_of_file)


def _after_mkv_headers(handle: BinaryIO) -> int | None:
    """Where a file opens after a Matroska/WebM file cut in its headers: the first opening from its 5th byte on
    that is no track's CodecPrivate (a FLAC track's holds a FLAC stream header); None where none does."""
    at = 4
    while (second := _file_after(handle, at)) is not None and ebml.codec_private_at(handle, second):
        at = second + 1
    return second


def _frames_after_amr(handle: BinaryIO, header: int, wideband: bool) -> int | None:
    """Where bare MPEG audio or ADTS frames open after an AMR's frames, in place of a frame (0xFF is no AMR
    frame's header: its padding bits are set); None where none do. A byte that starts no frame is stepped
    over, as ffmpeg reads it. A bare MP3 after a 3 s note was heard as 85 s of damaged noise. The frames are
    walked only up to each place such frames open (none: no walk; 16 MB of junk after a note cost 1.7 CPU s)."""
    handle.seek(header)
    data, sizes, at = handle.read(MOST_AMR), amr.WB_SIZES if wideband else amr.NB_SIZES, 0
    for start in _frame_starts(data, len(data) - 2):
        while at < start:
            at += sizes[data[at] >> 3 & 0x0F] if amr.is_frame(data[at], wideband) else 1
        if at == start:
            return header + at
    return None


def _bare_frames(handle: BinaryIO, start: int, stop: int, align: int = 1) -> int | None:
    """Where bare MPEG audio or ADTS frames open in [start, stop), at start + k * align (a PCM sample's first
    byte: a file joined after whole samples starts on one), or None: read a block at a time."""
    step, at = SEARCH_BLOCK - SEARCH_BLOCK % align, start
    while at < stop:
        handle.seek(at)
        block = handle.read(min(step, stop - at) + file_kinds.FRAMES_LOOK)
        searched = min(step, stop - at, len(block) - 2)  # a header's 3 bytes in the block
        if searched <= 0:
            return None
        for spot in _frame_starts(block, searched, align):
            if _frames_to_the_end(handle, at + spot):  # three headers in a row lie about in PCM speech
                return at + spot
        at += step
    return None


END_SLACK = 4096  # what may follow a bare MP3's last whole frame: an ID3v1 or APE tag, a cut last frame
END_FRAMES = 8  # frames walked at least before a tail or a cut last frame is taken as its end


def _frames_to_the_end(handle: BinaryIO, at: int) -> bool:
    """Whether frames of one layer and rate, each where the one before ends, run from `at` to the file's end (a
    file joined after the samples runs to it): three in a row were taken in real stereo speech written as it went
    (a sample of -1 reads as a frame header), and an interview of 56.6 s was heard for 9.8 s (review revK, H1)."""
    size_of_file, frames = handle.seek(0, 2), 0
    handle.seek(at)
    first = handle.read(3)
    while at < size_of_file:
        handle.seek(at)
        length = file_kinds.frame_length(handle.read(7), 0, first)
        if not length:
            break
        at, frames = at + length, frames + 1
    return at == size_of_file or (frames >= END_FRAMES and (at > size_of_file or size_of_file - at <= END_SLACK))


def _frame_starts(data: bytes, searched: int, align: int = 1) -> Iterator[int]:
    """The places k * align < searched (at most len(data) - 2) in `data` where bare MPEG audio or ADTS frames
    open, in order: each place a frame header could open found by numpy, SEARCH_BLOCK bytes at a time (quiet
    16-bit samples hold 0xFF, 0xE0+ often), then confirmed by file_kinds.opens_with_frames."""
    view, step = memoryview(data), SEARCH_BLOCK - SEARCH_BLOCK % align
    for base in range(0, max(searched, 0), step):
        count = min(step, searched - base)
        for spot in _frame_headers(np.frombuffer(data, np.uint8, count + 2, base), count, align) * align + base:
            if file_kinds.opens_with_frames(view[int(spot):int(spot) + file_kinds.FRAMES_LOOK]):
                yield int(spot)


def _frame_headers(values: np.ndarray, searched: int, align: int) -> np.ndarray:
    """The numbers k (k * align < searched) where `values` at k * align opens as file_kinds' first MPEG audio or
    ADTS frame header may: 0xFF, 3 sync bits; ADTS (layer bits 00) a rate index under 13; MPEG audio a known
    version, a bitrate index of 1-14 and a known rate."""
    sync, second, third = values[0:searched:align], values[1:searched + 1:align], values[2:searched + 2:align]
    rate_index, bitrate_index = third >> 2 & 0x0F, third >> 4
    adts = second & 0x06 == 0
    mpeg = (second >> 3 & 3 != 1) & (bitrate_index != 0) & (bitrate_index != 15) & (rate_index & 3 != 3)
    return np.flatnonzero((sync == 0xFF) & (second >= 0xE0) & np.where(adts, rate_index < 13, mpeg))


def _after_last_frame(handle: BinaryIO, last_frame: int | None) -> int | None:
    """Where bare MPEG audio or ADTS frames open after a FLAC's last frame's header (inside what ffmpeg reads as
    that frame, LAST_FRAME bytes at most), or None."""
    return None if last_frame is None else _bare_frames(handle, last_frame + 2, last_frame + 2 + LAST_FRAME)


def _iso_end(handle: BinaryIO) -> int | None:
    """Where a second file opens after an MP4's first box: at a later top-level box's place (another
    MP4's 'ftyp'), or where its top-level boxes end (a file of another kind); None where none does."""
    walked = boxes.top_level(handle, MAX_BOXES)
    places = [where for _, where, _ in walked[1:]] + [where + size for _, where, size in walked[-1:]]
    return next((at for at in places if _opening_at(handle, at) is not None), None)


def _streamed_end(handle: BinaryIO) -> int | None:
    """Where a second file starts after a WAV written as it went (its RIFF size left 0 or -1): after
    the chunk that ends where it opens, or inside a data chunk of unknown size (0, -1: read to the
    file's end), where a file of a kind file_kinds knows opens, or (PCM samples) bare MPEG audio or ADTS
    frames do, on a sample's first byte; None where none does. Searched once a run (the samples: about
    26 CPU s a GB, at each of the 4 or so times a run asks)."""
    return remembered_for_a_file(_AFTER_STREAMED, handle, lambda: _streamed_chunks_end(handle))


def _streamed_chunks_end(handle: BinaryIO) -> int | None:
    at, block_align = 12, 0
    for _ in range(MAX_CHUNKS):
        handle.seek(at)
        chunk = handle.read(24)
        if len(chunk) < 8:
            return None
        if chunk[:4] == b"RIFF":
            return at
        size = struct.unpack_from("<I", chunk, 4)[0]
        if chunk[:4] == b"fmt " and len(chunk) >= 22 and struct.unpack_from("<H", chunk, 8)[0] in PCM_TAGS:
            block_align = struct.unpack_from("<H", chunk, 20)[0]
        if chunk[:4] == b"data" and size in UNKNOWN_SIZES:  # not inside the WAV's own chunks after its samples
            samples_end = riff.samples_end(handle, at + 8, handle.seek(0, 2))  # (an id3 chunk's tag)
            second = _file_after(handle, at + 8)
            if second is not None and second < samples_end:
                return second
            return _bare_frames(handle, at + 8 + block_align, samples_end, block_align) if block_align else None
        at += 8 + size + size % 2
    return None


def _file_after(handle: BinaryIO, at: int, besides: str | None = None) -> int | None:
    """Where the first file of a kind file_kinds knows (but `besides`: an ID3 tag then only where a file
    of another kind follows it) opens at or after `at` (inside a data chunk of unknown size, an AMR's
    or an MP3's frames), or None."""
    base, kept = at, b""
    while True:
        handle.seek(base + len(kept))
        block = handle.read(SEARCH_BLOCK)
        seen = kept + block
        searched = len(seen) if len(block) < SEARCH_BLOCK else len(seen) - file_kinds.HEAD  # the rest: next time
        for start, kind in _openings(seen, searched):
            if kind != besides or (kind == "mp3" and _kind_at(handle, id3_tags.tags_end(handle, base + start)) is not None):
                return base + start
        if len(block) < SEARCH_BLOCK:
            return None
        base, kept = base + searched, seen[searched:]


def _openings(seen: bytes, searched: int) -> Iterator[tuple[int, str]]:
    """The places in `seen[:searched]` where a file of a kind file_kinds knows opens, and its kind:
    where its opening bytes (one search for them all, each hit almost always a file's) start one."""
    opening = file_kinds.OPENED.search(seen)
    while opening is not None and opening.start() < searched:
        if (kind := file_kinds.kind(seen[opening.start():opening.start() + file_kinds.HEAD])) is not None:
            yield opening.start(), kind
        opening = file_kinds.OPENED.search(seen, opening.start() + 1)  # openings may overlap: from the next byte


def _caf_end(handle: BinaryIO, size_of_file: int) -> int | None:
    """Where a second file starts after a CAF: at a chunk's end, or inside a data chunk of size -1
    (to the file's end) where a file opens; None where none does."""
    for at, head, size in data_ends.chunks(handle, data_ends.CAF, data_ends.CAF.first):
        if _opening_at(handle, at) is not None:
            return at
        if head[:4] == b"data" and size == -1:  # a whole packet table locates where its audio ends
            located = caf_packets.located_end(handle)
            if located is not None and located < size_of_file and _opening_at(handle, located) is not None:
                return located
            audio = at + data_ends.CAF.header + data_ends.CAF.data_lead
            return _file_after(handle, at + data_ends.CAF.header) or _bare_after_pcm_caf(handle, audio, size_of_file)
        if size < 0 or data_ends.CAF.chunk_end(at, size) > size_of_file:
            return None
    return None


def _bare_after_pcm_caf(handle: BinaryIO, audio: int, size_of_file: int) -> int | None:
    """Where bare MPEG audio or ADTS frames open after a PCM CAF's audio of size -1, on a packet's first byte."""
    handle.seek(data_ends.CAF.first)
    desc = handle.read(data_ends.CAF.header + 24)
    if len(desc) < data_ends.CAF.header + 24 or desc[:4] != b"desc":
        return None
    coding, _, bytes_per_packet = struct.unpack_from(">4sII", desc, data_ends.CAF.header + 8)
    if coding != b"lpcm" or not bytes_per_packet:
        return None
    return _bare_frames(handle, audio + bytes_per_packet, size_of_file, bytes_per_packet)
