"""AMR voice notes ffmpeg does not find on its own: a stream of AMR frames saved without its
'#!AMR' header (a phone's or carving tool's raw copy), and AMR-WB inside a CAF (Apple's
'sawb', a codec tag ffmpeg's CAF reader does not know). Both are read through a view that
puts the AMR-WB file header before the frames, which ffmpeg reads as any .awb file; a
headerless stream is opened with ffmpeg's raw AMR reader named.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

import av

# bytes per frame, its table-of-contents byte included, by frame type (mode); 15 is NO_DATA
NB_SIZES = {**dict(enumerate([13, 14, 16, 18, 20, 21, 27, 32, 6])), 15: 1}
WB_SIZES = {**dict(enumerate([18, 24, 33, 37, 41, 47, 51, 59, 61, 6])), 14: 1, 15: 1}
SID = 6  # bytes of a comfort-noise frame with its header (AMR-NB and AMR-WB; NO_DATA: 1); a speech frame is longer
WB_HEADER = b"#!AMR-WB\n"
MIN_FRAMES = 25  # half a second: less is no voice note, and too little to tell from chance
SNIFF_BYTES = 2048


def _frames(data: bytes, sizes: dict[int, int]) -> int:
    """How many frames carrying sound the bytes hold, read one after another from their start;
    0 when a byte where a frame should start cannot start one (padding bits set, a frame type
    no coder writes). A frame marked bad (its Q bit clear) or NO_DATA is passed, not counted."""
    at = sound = 0
    while at < len(data):
        toc = data[at]
        mode = toc >> 3 & 0x0F
        if toc & 0x83 or mode not in sizes:
            return 0
        sound += sizes[mode] > 1 and bool(toc & 0x04)
        at += sizes[mode]
    return sound


def raw_format(head: bytes) -> str | None:
    """'amrnb' or 'amrwb' when the bytes are AMR frames without a file header, else None."""
    if head.startswith(b"#!AMR"):
        return None
    for name, sizes in (("amrnb", NB_SIZES), ("amrwb", WB_SIZES)):
        if _frames(head, sizes) >= MIN_FRAMES:
            return name
    return first_frame_damaged(head)


def first_frame_damaged(head: bytes) -> str | None:
    """'amrnb' or 'amrwb' when headerless AMR frames follow a first frame whose header is damaged
    (its size unknown: each a frame carrying sound can have is tried), else None. Such a note was
    'not a media file ffmpeg can read', all its frames but the first whole; its first header is
    then mended with the rest (amr_frames.py)."""
    if head.startswith(b"#!AMR") or any(_frames(head, sizes) for sizes in KINDS.values()):
        return None
    for name, sizes in (("amrnb", NB_SIZES), ("amrwb", WB_SIZES)):
        if any(_frames(head[size:], sizes) >= MIN_FRAMES for size in sorted(set(sizes.values())) if size > 6):
            return name
    return None


MAGICS = ((b"#!AMR-WB\n", "amrwb"), (b"#!AMR\n", "amrnb"))
KINDS = {"amrnb": NB_SIZES, "amrwb": WB_SIZES}
# bits each frame type carries (TS 26.101, 26.201): a frame's last byte ends in padding bits a coder writes as zero
NB_BITS = dict(enumerate([95, 103, 118, 134, 148, 159, 204, 244, 39]))
WB_BITS = dict(enumerate([132, 177, 253, 285, 317, 365, 397, 461, 477, 40]))
PADDING = {kind: {mode: (sizes[mode] - 1) * 8 - bits[mode] for mode in bits}
           for kind, sizes, bits in (("amrnb", NB_SIZES, NB_BITS), ("amrwb", WB_SIZES, WB_BITS))}


def padding_bits(kind: str, toc: int) -> int:
    """How many of the last bits of the frame `toc` opens are padding (0 for NO_DATA or an unknown type)."""
    return PADDING[kind].get(toc >> 3 & 0x0F, 0)
NAMES = {"amrnb": "AMR-NB", "amrwb": "AMR-WB"}
JUNK_SEARCH = 4096  # bytes before an AMR file header searched for it (a carving tool's leading junk)
DAMAGED_HEADER = range(4, 13)  # lengths of a header a byte of which is damaged, lost or added


@dataclass(frozen=True)
class Misheaded:
    """AMR frames behind a file header that is damaged, names the other AMR, or has bytes before it."""

    start: int  # where the frames start
    kind: str  # 'amrnb' or 'amrwb': what the frames are
    found: bytes  # the bytes before them

    @property
    def note(self) -> str:
        magic = next((m for m, kind in MAGICS if self.found.endswith(m)), b"")
        if magic and len(self.found) > len(magic):
            what = f"{len(self.found) - len(magic):,} bytes that are not AMR come before its file header"
        elif magic:
            what = f"its file header says {NAMES[dict(MAGICS)[magic]]} but its frames are not"
        else:
            what = f"its file header is damaged ({self.found[:12]!r})"
        return f"an AMR voice note: {what}; read as the {NAMES[self.kind]} frames after it"


def misheaded(handle: BinaryIO) -> Misheaded | None:
    """Where an AMR recording's frames start and what they are when its file header is not the one
    they need: '#!AMR-WB' before AMR-NB frames (decoded as wideband: noise), a header with a byte
    damaged or lost ('#!ANR', '#!AMR' with no newline: its bytes decoded as frames, every word
    later than it was said, or not a media file), or junk before it; None for any other file."""
    handle.seek(0)
    head = handle.read(JUNK_SEARCH + SNIFF_BYTES)
    if any(head.startswith(magic) and _walks(head[len(magic):], kind) for magic, kind in MAGICS):
        return None  # as its header says
    for magic, _ in MAGICS:
        at = head.find(magic, 0, JUNK_SEARCH)
        if at >= 0 and (kind := _kind(head[at + len(magic):])):
            return Misheaded(at + len(magic), kind, head[:at + len(magic)])
    for size in DAMAGED_HEADER:
        if _resembles(head[:size]) and (kind := _kind(head[size:])):
            return Misheaded(size, kind, head[:size])
    return None


def _walks(data: bytes, kind: str) -> bool:
    return _frames(data[:SNIFF_BYTES], KINDS[kind]) >= MIN_FRAMES


def _kind(data: bytes) -> str:
    return next((kind for kind in KINDS if _walks(data, kind)), "")


def _resembles(prefix: bytes) -> bool:
    """Whether bytes are an AMR file header with a byte or two damaged, lost or added, or zeroed."""
    if not prefix.strip(b"\x00"):
        return True
    if prefix.upper().startswith(b"#!AMR"):
        return True
    return any(len(prefix) == len(magic) and sum(a != b for a, b in zip(prefix, magic)) <= 2 for magic, _ in MAGICS)


def caf_amr_wb(handle: BinaryIO) -> tuple[int, int] | None:
    """The byte range of the frames in a CAF holding AMR-WB ('sawb'), else None."""
    handle.seek(0)
    if handle.read(8)[:4] != b"caff":
        return None
    wideband, size_of_file = False, handle.seek(0, 2)
    handle.seek(8)
    while len(chunk := handle.read(12)) == 12:
        kind, size = chunk[:4], struct.unpack(">q", chunk[4:])[0]
        if kind != b"data" and (size < 0 or handle.tell() + size > size_of_file):  # past the end: no seek there
            return None
        if kind == b"desc":
            wideband = handle.read(12)[8:12] == b"sawb"
            handle.seek(max(0, size - 12), 1)
        elif kind == b"data":
            start = handle.tell() + 4  # the chunk opens with a 4-byte edit count
            end = handle.seek(0, 2) if size < 0 else min(handle.seek(0, 2), start - 4 + size)
            return (start, end) if wideband and end > start else None
        else:
            handle.seek(size, 1)
    return None


FRAME_MS = 20
READ = 1 << 20


def duration_ms(handle: BinaryIO) -> int | None:
    """The length of an AMR recording (a .amr/.awb, a headerless stream, AMR-WB in a CAF) from its
    frames, each 20 ms, or None when it is none of those. ffmpeg estimates it from the bitrate of
    the first frames, which a phone's pauses (1-byte NO_DATA frames) make wrong by a factor of 4."""
    measured = _measure(handle)
    return None if measured is None else measured[0]


def frames_ms(handle: BinaryIO, start: int, end: int, kind: str) -> int:
    """Milliseconds of the whole frames of this kind between two offsets of the file."""
    return _count(handle, start, end, KINDS[kind])[0]


CUT_NOTE = "the AMR recording ends inside a frame: the file was cut short there"
TAIL_NOTE = ("the AMR recording's frames end where zero bytes run to the file's end (not audio: never written, "
             "or padding): read to there")


def cut_mid_frame(handle: BinaryIO) -> bool:
    """Whether an AMR recording's last frame is cut short (a copy or a recording that stopped
    mid-write): an AMR file states no length, so this is the one sign it was cut."""
    measured = _measure(handle)
    return measured is not None and measured[1]


def _measure(handle: BinaryIO) -> tuple[int, bool] | None:
    fix = misheaded(handle)
    if fix is not None:
        return _count(handle, fix.start, None, KINDS[fix.kind])
    handle.seek(0)
    head = handle.read(SNIFF_BYTES)
    caf = caf_amr_wb(handle)
    if caf is not None:
        return _count(handle, caf[0], caf[1], WB_SIZES)
    if head.startswith(WB_HEADER):
        return _count(handle, len(WB_HEADER), None, WB_SIZES)
    if head.startswith(b"#!AMR\n"):
        return _count(handle, 6, None, NB_SIZES)
    raw = raw_format(head)
    return None if raw is None else _count(handle, 0, None, WB_SIZES if raw == "amrwb" else NB_SIZES)


def _count(handle: BinaryIO, start: int, end: int | None, sizes: dict[int, int]) -> tuple[int, bool]:
    """Milliseconds of the whole frames from `start` up to `end` (or the end of the file), and
    whether a frame is cut short there. Zero bytes running to the file's end are a tail never written
    (a recorder that stopped), not frames: a 0.3 s note followed by 2 MB of zeros was recorded as 51
    minutes long (zeros read as 13-byte frames), its export saying 51 minutes were damaged."""
    tail = zero_tail(handle, start)
    if tail is not None and (end is None or end > tail):
        return _count(handle, start, tail, sizes)[0], True
    frames, at, data, base = 0, 0, b"", start
    handle.seek(start)
    while True:
        if at >= len(data) - 64:  # keep a whole frame in hand
            data, base, at = data[at:] + handle.read(READ), base + at, 0
            if end is not None:
                data = data[:max(0, end - base)]
        if at >= len(data):
            break
        size = sizes.get(data[at] >> 3 & 0x0F, 1)  # a byte that starts no frame is read as a 1-byte one,
        if at + size > len(data):  # as ffmpeg reads it (and decodes it, as damage: it is timed alike)
            break
        frames += 1
        at += size
    return frames * FRAME_MS, at < len(data)


ZERO_TAIL = 64  # zero bytes in a row no coder writes (amr_frames.ZEROS)
TAIL_READ = 1 << 16


def unwritten_tail(handle: BinaryIO) -> int | None:
    """Where an AMR note's zero tail (a file made larger than it was filled) starts, or None: its
    zeros were demuxed as frames, each named damaged (a 6 s note 'damaged 00:00:06.0-00:51:23.0')."""
    handle.seek(0)
    if not handle.read(len(WB_HEADER)).startswith((b"#!AMR\n", WB_HEADER)):
        return None
    return zero_tail(handle, 0)


def header_only(handle: BinaryIO, repeated: int = 0) -> str | None:
    """Why an AMR file holding its header and then nothing but zero bytes cannot be heard, or None: a
    100 kB file was 'cut short in its headers' once windowed to the header, when its header is whole;
    with 63 zero bytes or fewer it was heard as frames, cut. `repeated`: bytes of the header written
    again after it, left out of the view read (amr_repeats)."""
    handle.seek(0)
    header = WB_HEADER if handle.read(len(WB_HEADER)) == WB_HEADER else b"#!AMR\n"
    handle.seek(0)
    if handle.read(len(header)) != header or (size := handle.seek(0, 2)) <= len(header) \
            or zero_tail(handle, 0, least=1) != len(header):
        return None
    again = f" (and {repeated:,} bytes of it written again)" if repeated else ""
    return (f"the AMR header{again} is followed only by {size - len(header):,} zero bytes: the file holds no audio "
            "frame (never written, or zeroed)")


def zero_tail(handle: BinaryIO, start: int, least: int = ZERO_TAIL) -> int | None:
    """Where the zero bytes that end the file begin, when there are `least` or more of them."""
    size = at = handle.seek(0, 2)
    while at > start:
        step = min(TAIL_READ, at - start)
        handle.seek(at - step)
        kept = handle.read(step).rstrip(b"\0")
        at -= step - len(kept)
        if kept:
            break
    return at if size - at >= least else None


def is_frame(toc: int, wideband: bool) -> bool:
    """Whether a byte can start an AMR frame: no padding bits set, a frame type a coder writes."""
    return not toc & 0x83 and (toc >> 3 & 0x0F) in (WB_SIZES if wideband else NB_SIZES)


def holds_frames(data: bytes, wideband: bool) -> bool:
    """Whether a packet's bytes are whole frames, one after another, as their headers state. A
    3GP's sample of zero bytes (wiped) reads as two 4.75 kbit/s frames and more: 40 ms and a
    fragment for its 20, every word after it heard later, unsaid (26 such: half a second). A sample of
    zeros is no frame even where it is one 4.75 kbit/s frame's size: no coder writes one."""
    sizes, at = WB_SIZES if wideband else NB_SIZES, 0
    if not any(data):
        return False
    while at < len(data):
        if not is_frame(data[at], wideband):
            return False
        at += sizes[data[at] >> 3 & 0x0F]
    return at == len(data)


REFERENCE_DECODERS = {"amrnb": "libopencore_amrnb", "amrwb": "libopencore_amrwb"}


def reference_decoder(stream):
    """AMR through the 3GPP reference decoder (opencore), else None (the stream's own decoder):
    ffmpeg's own AMR decoders refuse the comfort-noise (SID) and NO_DATA frames a phone writes
    through every pause (DTX), so a voice note's pauses read as damage, and one ending in a
    pause as cut short there."""
    name = REFERENCE_DECODERS.get(stream.codec_context.name)
    if name is None or name not in av.codecs_available:
        return None
    decoder = av.CodecContext.create(name, "r")
    decoder.sample_rate = stream.rate
    return decoder
