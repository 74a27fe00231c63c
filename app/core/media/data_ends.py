"""Where a CAF's or a Wave64's audio ends, read from its own chunk table and the file's size.

ffmpeg reads a CAF's or a W64's audio up to the end its data chunk states, then reads the bytes
there as the next chunk's header. When the stated size lost a bit (8,192 bytes fewer than the
chunk holds) those bytes are audio, and what ffmpeg made of them depended on the sound and on
the filesystem: a CAF 'size' whose top byte read 0x80 or more ended the search quietly, a large
one was a seek ext4 refused and tmpfs allowed. Half the speech files with this damage were heard
up to 0.256 s short with no note (a word changed: 'Daniel' heard as 'Death'), and W64 sizes
stating 4.7 hours to 8.7 years of a 3 s file were recorded as recordings cut short. Walked here,
the file's size decides, whatever its bytes or the filesystem:

- after the stated end, a chunk the format names (a 'pakt' after the audio), whole chunks to the
  file's end (a chunk we do not name: a Sound Forge 'markers', a CAF's own kind), or a second file
  (a CAF, WAV, Wave64, MP4: joined.py): the size stands (a 'pakt' stating more than any recording is
  read to the end);
- bytes that are no chunk: the audio runs on (its size damaged, or bytes added after it). It is
  read to where the chunks after it begin (the first place in the file's last MiB from which chunks
  walk to its end; else the end), and a note says how much more was read: no word is lost, and a
  word heard from added bytes is named as heard from past the stated end;
- a data size past the file's end (or past a 'pakt' after it) that cannot be a cut file's (a W64
  whose own 'riff' size is the file's length; running into whole chunks after the audio; more than
  any recording holds): the bytes present are read, and a note names the stated size; a cut file
  keeps its claim (a cut PCM CAF's length: `caf_stated_ms`);
- a CAF stating exactly 2^k bytes more than the file holds: a file cut short by exactly 2^k bytes,
  or one bit of its size damaged (a 6 s note claimed as 9,544 hours); the bytes cannot tell which,
  so the note gives both readings (`DataEnd.cut_possible`). The bytes present are read either way;
  the stated length stands (the file truncated) unless it is over an hour (`caf_stated_ms`);
- a chunk before the audio stating a size past the file's end, or ending where no chunk starts:
  the audio is found after it by the chunks that walk from there to the data chunk; where none
  does, refused in one line (the file cut inside that chunk, or its size damaged).
Nothing is written: the sizes are put right in a view (views.Patched).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import file_kinds
from app.core.media.damage import MAX_FILL, SAMPLE_RATE
from app.core.media.views import Patched, from_start

MAX_CHUNKS = 64
CONSTANT_PACKETS = (b"lpcm", b"alaw", b"ulaw", b"ima4")  # codings whose 'desc' states every packet's size (an
# ALAC's packet size damaged from 0 to 16 MB stated 0 s of its 6 s)
LONGEST_CUT_MS = MAX_FILL * 1000 // SAMPLE_RATE  # a length over an hour exactly 2^k bytes past a note's end: a damaged bit
SEARCH = 1 << 20  # bytes searched for the chunks after the audio (its end) or before it (a chunk's)
ABSURD_BYTES = 1 << 40  # a data size past the file's end by this much or more is no recording (a year of 16 kHz 16-bit mono)
CAF_KINDS = (b"desc", b"chan", b"data", b"pakt", b"kuki", b"free", b"info", b"uuid", b"strg", b"mark", b"regn",
             b"inst", b"midi", b"ovvw", b"peak", b"edct", b"umid", b"ldsc")
# a W64 chunk's GUID ends with one of these (libsndfile's w64.c): 'wave', 'fmt ', 'fact', 'data', 'levl',
# 'junk', 'bext'; 'riff', 'list'; 'summarylist'; Sound Forge's 'markers'
W64_GUID_TAILS = (b"\x8c\xd1\x00\xc0\x4f\x8e\xdb\x8a", b"\xa5\xd6\x28\xdb\x04\xc1\x00\x00",
                  b"\x86\xdc\x00\xc0\x4f\x8e\xdb\x8a", b"\x86\xc7\x00\xc0\x4f\x8e\xdb\x8a")


@dataclass(frozen=True)
class Form:
    """How a container's chunks are laid out."""

    name: str
    first: int  # where its first chunk starts
    header: int  # a chunk header's bytes
    size_at: int  # where a header's size field is
    size_format: str  # struct format of the size field
    counts_header: bool  # the size counts the header (W64) or only the body (CAF)
    align: int
    data_lead: int  # bytes a data chunk's size counts before its audio (its header; CAF: an edit count)

    def chunk_end(self, at: int, size: int) -> int:
        return at + size + (0 if self.counts_header else self.header)

    def next_at(self, end: int) -> int:
        return -(-end // self.align) * self.align

    def size_for(self, at: int, end: int) -> bytes:
        """The size field that has the chunk at `at` end at `end`."""
        return struct.pack(self.size_format, end - at - (0 if self.counts_header else self.header))

    def is_chunk(self, head: bytes, size_of_file: int) -> bool:
        """Whether a chunk header opens here: a CAF's printable name; a W64's known GUID, or another
        GUID with a size that fits the file."""
        if len(head) < self.header:
            return False
        if self.name == "CAF":
            return all(0x20 <= b <= 0x7E for b in head[:4])
        return head[8:16] in W64_GUID_TAILS or self.header <= struct.unpack_from(self.size_format, head, self.size_at)[0] <= size_of_file


CAF = Form("CAF", 8, 12, 4, ">q", False, 1, 4)
W64 = Form("W64", 40, 24, 16, "<Q", True, 8, 24)


@dataclass(frozen=True)
class DataEnd:
    """A size put right (`patches`: the size field's offset -> the bytes shown), or a refusal (`fault`)."""

    patches: dict[int, bytes]
    note: str = ""
    fault: str = ""
    cut_possible: bool = False  # a size past the end that a cut file states as well as a damaged one


def found(handle: BinaryIO) -> DataEnd | None:
    """A CAF's or W64's data chunk (or a chunk before it) whose stated size the file contradicts;
    None for any other file, or one whose sizes agree with it."""
    try:
        with from_start(handle):
            return _judged(handle)
    except (OSError, ValueError, struct.error):
        return None


def view(handle: BinaryIO) -> BinaryIO:
    """The file with its data chunk's size put right (the file itself when nothing is)."""
    end = found(handle)
    return Patched(handle, end.patches) if end is not None and not end.fault else handle


def mended(handle: BinaryIO) -> BinaryIO:
    """As `view`; ValueError with the one-line reason when the audio cannot be found."""
    end = found(handle)
    if end is not None and end.fault:
        raise ValueError(end.fault)
    return Patched(handle, end.patches) if end is not None else handle


def caf_stated_ms(handle: BinaryIO) -> int | None:
    """The length a PCM CAF's data chunk states, when it does not end the file. ffmpeg estimates it from
    the file's size: a note cut from 4 s to 3 s read as a whole 3 s one, a 3 s note with a 4 kB chunk
    after its audio as 3.128 s. None for any other file, a size judged damaged (`found`), or one that may
    be either (exactly 2^k bytes past the end) stating over an hour."""
    try:
        with from_start(handle):
            head = handle.read(8)
            desc = _read(handle, CAF.first, CAF.header + 24)
            end = found(handle)
            if head[:4] != b"caff" or desc[:4] != b"desc" or len(desc) < 36 or (end is not None and not end.cut_possible):
                return None
            rate, coding, _, bytes_per_packet, frames_per_packet = struct.unpack_from(">d4sIII", desc, CAF.header)
            data = _data_chunk(handle, handle.seek(0, 2))
    except (OSError, ValueError, struct.error):
        return None
    if data is None or coding not in CONSTANT_PACKETS or not bytes_per_packet or not frames_per_packet \
            or not 1000 <= rate <= 768_000:
        return None
    at, size = data
    if size < CAF.data_lead or CAF.chunk_end(at, size) == handle.seek(0, 2):  # the audio ends the file: ffmpeg's
        return None  # length stands (a damaged packet size in 'desc' states 0 s of 192 kB of audio)
    stated_ms = round((size - CAF.data_lead) // bytes_per_packet * frames_per_packet * 1000 / rate)
    return None if end is not None and stated_ms > LONGEST_CUT_MS else stated_ms  # hours claimed: a damaged bit


def chunks(handle: BinaryIO, form: Form, at: int) -> Iterator[tuple[int, bytes, int]]:
    """The chunk headers from `at` on, as (where, header, stated size), while a whole header is read;
    the walk ends at a size no chunk has (negative)."""
    for _ in range(MAX_CHUNKS):
        head = _read(handle, at, form.header)
        if len(head) < form.header:
            return
        size = struct.unpack_from(form.size_format, head, form.size_at)[0]
        yield at, head, size
        if size < 0:
            return
        at = form.next_at(form.chunk_end(at, size))


def _data_chunk(handle: BinaryIO, size_of_file: int) -> tuple[int, int] | None:
    """Where a CAF's data chunk is and its stated size, its chunks before it whole; or None."""
    for at, head, size in chunks(handle, CAF, CAF.first):
        if not CAF.is_chunk(head, size_of_file):
            return None
        if head[:4] == b"data":
            return at, size
        if size < 0 or CAF.chunk_end(at, size) > size_of_file:
            return None
    return None


def _form(head: bytes) -> Form | None:
    if head[:4] == b"caff":
        return CAF
    if head[:4] == b"riff" and head[24:28] == b"wave":
        return W64
    return None


def _judged(handle: BinaryIO) -> DataEnd | None:
    head = handle.read(W64.first)
    form = _form(head)
    if form is None:
        return None
    size_of_file = handle.seek(0, 2)
    at, before = form.first, None
    for _ in range(MAX_CHUNKS):
        chunk = _read(handle, at, form.header)
        if not form.is_chunk(chunk, size_of_file):
            if before is None or len(chunk) < form.header:
                return None  # cut in its headers, or a table ffmpeg alone reads: as it reads it
            return _lost_chunk(handle, form, *before, size_of_file)  # the chunk before ends where none starts
        size = struct.unpack_from(form.size_format, chunk, form.size_at)[0]
        if chunk[:4] == b"data":
            riff_size = struct.unpack_from("<Q", head, 16)[0] if form is W64 else None
            return _data_end(handle, form, at, size, size_of_file, riff_size)
        end = form.chunk_end(at, size)
        if size < 0 or end < at + form.header or end > size_of_file:
            if before is not None and not _known_chunk(chunk, form):  # landed inside a chunk ('frma' in a
                return _lost_chunk(handle, form, *before, size_of_file)  # 'kuki'): the size before is damaged
            return _lost_chunk(handle, form, at, chunk[:4], size, size_of_file)
        if _known_chunk(chunk, form):  # a name found inside a chunk ('alac' in a 'kuki') is no chunk to blame
            before = (at, chunk[:4], size)
        at = form.next_at(end)
    return None


def _data_end(handle: BinaryIO, form: Form, at: int, size: int, size_of_file: int,
              riff_size: int | None) -> DataEnd | None:
    if form is CAF and size == -1:  # CAF's own 'to the end of the file'
        return None
    end = form.chunk_end(at, max(size, 0 if form is CAF else form.header))
    if end > size_of_file:
        return _past_the_end(handle, form, at, size, size_of_file, riff_size)
    if form.next_at(end) >= size_of_file:
        return None
    if _known_chunk(_read(handle, form.next_at(end), form.header), form):  # as stated: chunks follow (a damaged
        return _absurd_after(handle, form, form.next_at(end), size_of_file)  # 'pakt': caf_packets.py's; a 'caff': joined.py's)
    if _walks_to_end(handle, form, form.next_at(end), size_of_file):  # chunks we do not name, or a second file
        return None
    real_end = _chain_start(handle, form, at + form.header, size_of_file)
    stated = max(0, size - form.data_lead)
    if real_end < end:  # it ends inside the chunks after the audio (a 'pakt'): they start sooner
        note = (f"the {form.name} data chunk states {stated:,} bytes of audio, and ends {end - real_end:,} bytes inside "
                f"the chunks after it (its size damaged): read up to where they start, at byte {real_end:,}")
    else:
        upto = "to the file's end" if real_end == size_of_file else f"up to the chunks after it, at byte {real_end:,}"
        note = (f"the {form.name} data chunk states {stated:,} bytes of audio, and {real_end - end:,} bytes more "
                f"follow it that are no chunk (its size damaged, or bytes added after it): read as its audio, {upto}")
    return DataEnd({at + form.size_at: form.size_for(at, real_end)}, note)


def _past_the_end(handle: BinaryIO, form: Form, at: int, size: int, size_of_file: int,
                  riff_size: int | None) -> DataEnd | None:
    """A data size past the file's end: a cut file's claim (None), unless the file or the size itself
    says the size is damaged (`_why_damaged`), or it may be either (a CAF exactly 2^k bytes short)."""
    real_end = _chain_start(handle, form, at + form.header, size_of_file)  # before a 'pakt' after it, or the end
    whole = riff_size is not None and at < riff_size <= size_of_file  # the W64's own size is the file's
    excess = form.chunk_end(at, size) - real_end
    present = {at + form.size_at: form.size_for(at, real_end)}
    stated = f"the {form.name} data chunk states {size - form.data_lead:,} bytes of audio"
    if why := _why_damaged(excess, real_end, size_of_file, whole):
        return DataEnd(present, f"{stated}, past the file's end ({size_of_file:,} bytes; {why}): a damaged size, not "
                                "a recording cut short: the audio present was read")
    if form is CAF and not excess & (excess - 1):  # one bit: a cut of exactly 2^k bytes, or a damaged size
        lost = f"{excess:,} byte{'s' if excess > 1 else ''}"
        return DataEnd(present, f"{stated}, exactly {lost} more than the file holds ({size_of_file:,} bytes): "
                                f"either the file was cut short by {lost}, or one bit of the size is damaged "
                                "and the recording is whole (its bytes cannot tell which): the audio present was read, "
                                "nothing more", cut_possible=True)
    return None


def _why_damaged(excess: int, real_end: int, size_of_file: int, whole: bool) -> str:
    """Why a data size `excess` bytes past the audio present is no cut file's, or '' (it may be): a
    W64's 'riff' size is the file's length; chunks written after the audio follow it whole (a 'pakt':
    a cut file loses them first); it is more than any recording holds."""
    if whole:
        return "its 'riff' size is the file's own length"
    if real_end < size_of_file:
        return f"it runs into the chunks after the audio, at byte {real_end:,}"
    return "more than any recording holds" if excess >= ABSURD_BYTES else ""


def _absurd_after(handle: BinaryIO, form: Form, start: int, size_of_file: int) -> DataEnd | None:
    """A chunk after the audio stating more than any recording past the file's end (a 'pakt' size with
    a high bit flipped: ext4 refused ffmpeg's seek there, tmpfs allowed it), read to the file's end."""
    for at, chunk, size in chunks(handle, form, start):
        if chunk[:4] == b"caff" or not _known_chunk(chunk, form):
            return None
        end = form.chunk_end(at, size)
        if end - size_of_file > ABSURD_BYTES or size < 0:
            name = chunk[:4].decode("ascii", "replace")
            why = "no chunk's size" if size < 0 else "more than any recording, past the file's end"
            note = (f"the {form.name}'s '{name}' chunk after the audio states {size:,} bytes ({why}: damaged): "
                    "read to the file's end")
            return DataEnd({at + form.size_at: form.size_for(at, size_of_file)}, note)
        if end >= size_of_file:
            return None
    return None


def _lost_chunk(handle: BinaryIO, form: Form, at: int, kind: bytes, size: int, size_of_file: int) -> DataEnd:
    """A chunk before the audio whose size points past the file's end, or to where no chunk starts:
    the chunks after it, found by walking from where one starts to the data chunk, or a refusal."""
    name = kind.decode("ascii", "replace")
    where = "past the file's end" if form.chunk_end(at, size) > size_of_file else "ending where no chunk starts"
    for start in _candidates(handle, form, at + form.header, min(size_of_file, at + form.header + SEARCH)):
        if _walks_to_data(handle, form, start, size_of_file):
            note = (f"the {form.name}'s '{name}' chunk states {size:,} bytes, {where} (damaged): the "
                    f"chunks after it were found at byte {start:,} and read from there")
            return DataEnd({at + form.size_at: form.size_for(at, start)}, note)
    if 0 <= form.chunk_end(at, size) - size_of_file <= ABSURD_BYTES and _known_chunk(_read(handle, at, form.header), form):
        return DataEnd({}, fault=f"the file ends inside its '{name}' chunk, before any audio (cut short in its headers)")
    return DataEnd({}, fault=f"the {form.name}'s '{name}' chunk states {size:,} bytes, {where} (a file of "
                             f"{size_of_file:,} bytes), and no audio chunk follows it (damaged)")


def _chain_start(handle: BinaryIO, form: Form, audio: int, size_of_file: int) -> int:
    """Where the chunks after the audio (from `audio`, its data chunk's body) begin, its stated size
    being damaged: the first place in the file's last MiB from which chunks walk to the file's end
    (a 'pakt'), or a second CAF opens; the file's end when there is none."""
    for start in _candidates(handle, form, max(audio, size_of_file - SEARCH), size_of_file):
        if _walks_to_end(handle, form, start, size_of_file):
            return start
    return size_of_file


def _candidates(handle: BinaryIO, form: Form, start: int, stop: int) -> list[int]:
    """Where a chunk might start in [start, stop): a CAF chunk's name, a W64 GUID (8-byte aligned)."""
    block = _read(handle, start, stop - start)
    marks = (b"caff", *CAF_KINDS) if form is CAF else W64_GUID_TAILS
    starts: set[int] = set()
    for mark in marks:
        at = block.find(mark)
        while at >= 0:
            starts.add(start + at - (8 if form is W64 else 0))
            at = block.find(mark, at + 1)
    return sorted(at for at in starts if at >= start and at % form.align == 0)


def _known_chunk(head: bytes, form: Form) -> bool:
    """Whether a chunk the format names opens here (a CAF's 'pakt', 'free', a second 'caff'; a W64 GUID)."""
    return head[:4] in (b"caff", *CAF_KINDS) if form is CAF else head[8:16] in W64_GUID_TAILS


def _walks_to_end(handle: BinaryIO, form: Form, at: int, size_of_file: int) -> bool:
    """Whether chunks walk from `at` to the file's end, or to a second file; the last may run past
    it only when it is a CAF's 'pakt' (cut short or damaged: caf_packets.py reads what it holds)."""
    return _walk(handle, form, at, size_of_file) == size_of_file


def _walks_to_data(handle: BinaryIO, form: Form, at: int, size_of_file: int) -> bool:
    """Whether chunks walk from `at`, each inside the file, to a data chunk that fits it."""
    return _walk(handle, form, at, size_of_file, to_data=True) == -1


def _walk(handle: BinaryIO, form: Form, start: int, size_of_file: int, to_data: bool = False) -> int | None:
    """Where a walk of whole chunks from `start` ends: the file's end (or a second file's start, which
    ends this one), or -1 at a data chunk when `to_data`; None where it meets bytes that are no chunk."""
    for at, chunk, size in chunks(handle, form, start):
        if not to_data and file_kinds.kind(_read(handle, at, file_kinds.HEAD)) is not None:  # joined.py's
            return size_of_file
        if not form.is_chunk(chunk, size_of_file):
            return None
        end = form.chunk_end(at, size)
        fits = 0 <= size and at + form.header <= end <= size_of_file
        if to_data and chunk[:4] == b"data":
            return -1 if fits or (form is CAF and size == -1) else None
        if not fits:
            return size_of_file if form is CAF and chunk[:4] == b"pakt" and not to_data and 0 <= size else None
        if form.next_at(end) >= size_of_file:
            return size_of_file if not to_data else None
    return None


def _read(handle: BinaryIO, at: int, count: int) -> bytes:
    handle.seek(at)
    return handle.read(count)
