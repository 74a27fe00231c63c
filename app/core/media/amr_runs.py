"""Runs of AMR frames among other bytes: a phone video's sound between its pictures, its index gone.

An older phone's 3GP video (H.263, MPEG-4 Part 2, MJPEG or H.264 pictures; AMR-NB or AMR-WB sound)
killed mid-recording leaves its media data (mdat) with no index saying which bytes are which. Each
AMR frame opens with a byte naming its mode, and so its size: a run of them is read frame after
frame. A run is taken where it holds LONG frames or more (a phone writes about a second at a time),
or where it ends exactly where a picture starts (ffmpeg writes one to four frames between pictures):
a start code (MPEG-4 Part 2, H.263), a JPEG's first marker (MJPEG), or a NAL unit's 4-byte length
(H.264/H.265). A picture's first byte never names a mode, so a run ends where its picture starts.
Only the modes the recording's runs use are read (a phone keeps one, with its pauses' SID and
NO_DATA frames): a byte of a picture naming that mode a frame's length before a run is the one way a
stray frame joins a run (one 20 ms frame). H.264/H.265 pictures are passed over by their NAL units'
lengths, so none joins there; a 'frame' ending in a JPEG's end marker, or with its padding bits set
where the recording's frames keep theirs zero, is a picture's. What is left: an H.263 or MPEG-4 Part 2
picture whose last bytes end in zero bits (their stuffing) and hold the mode's byte, about 1 boundary
in 4,000.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from app.core.media import amr, moovless_video

LONG = 8  # frames that make a run whatever follows it (chance gives such a run about once in 10^11 bytes)
SNIFF = 2 << 20  # bytes of media data whose runs settle the kind of AMR and its modes (a second of HD video)
MIN_FRAMES = amr.MIN_FRAMES  # frames in runs of two or more: fewer is no recording
MODE_SHARE = 0.002  # of the sniffed frames past each run's first, the least a mode must have to be read
BLOCK = 4 << 20
PATTERN_READ = 4096  # of a run, read to see whether a short pattern repeats in it
PICTURES = 2  # runs ending where a picture starts that make the frames a video's sound
NOTE_SHARE = 0.9  # of its media data, the least a voice note's frames (without pictures) cover
ZEROS = 512  # zero bytes in a row that no picture or frame holds: space never written, or wiped
LARGEST_NAL = moovless_video.LARGEST_NAL
PADDING_SAMPLE = 2000  # runs whose last frame shows whether the recording's coder zeroes its padding bits
NAL_SHARE = 4  # runs ending at a NAL unit's length, for each ending at a start code, that call the pictures NAL units
STRAYS = 2  # frames a picture's bytes give before a run, at most (chance names the mode once; a repeating pattern twice)
PADDING_SEEN = 20  # second frames with padding bits that must show it


@dataclass(frozen=True)
class Runs:
    kind: str  # 'amrnb' or 'amrwb'
    runs: tuple[tuple[int, int], ...]  # [start, end) in the file of each run of whole frames
    frames: int
    cut: bool  # the last frame is cut short by the end of the data
    zeros: tuple[tuple[float, int], ...] = ()  # (seconds of sound before it, bytes) of each run of zero bytes
    pictures: int = 0  # runs that end where a picture starts: a video's

    @property
    def other_bytes(self) -> int:
        """Bytes between the first run's start and the last run's end that are not frames."""
        return self.runs[-1][1] - self.runs[0][0] - sum(end - start for start, end in self.runs)


def found(handle: BinaryIO, start: int, end: int) -> Runs | None:
    """The runs of AMR frames in [start, end) of the file, or None (too few, or no kind of AMR
    whose runs one mode rules: another coding's bytes)."""
    best = None
    for kind, sizes in amr.KINDS.items():
        tocs = {mode << 3 | 4: size for mode, size in sizes.items()}  # the quality bit set: what coders write
        runs, counted, ends = _scan(handle, start, min(end, start + SNIFF), kind, tocs, False)
        if _convincing(runs) and (best is None or _paired(runs) > _paired(best[1])):
            best = kind, runs, counted, tocs, ends
    if best is None:
        return None
    kind, runs, counted, tocs, ends = best
    if _between(runs):  # a video: only the modes its runs use past their first frame (a stray one's place)
        least = max(2, MODE_SHARE * sum(counted.values()))
        tocs = {toc: size for toc, size in tocs.items() if counted[toc] >= least}
    if end > start + SNIFF or _between(runs):
        runs, _, ends = _scan(handle, start, end, kind, tocs, ends["nal"] > NAL_SHARE * ends["code"])
        if not _convincing(runs):
            return None
    pictures = ends["nal"] + ends["code"]
    if pictures < PICTURES and _between(runs) > (end - start) * (1 - NOTE_SHARE):
        return None  # neither a video's sound nor a voice note's frames: runs by chance in other data
    frames = sum(run[2] for run in runs)
    return Runs(kind, tuple((first, last) for first, last, _, _ in runs), frames, runs[-1][3],
                tuple(_placed(runs, at, size) for at, size in _zero_stretches(handle, start, end)), pictures)


def _placed(runs: list[tuple[int, int, int, bool]], at: int, size: int) -> tuple[float, int]:
    """(seconds of sound before it, bytes) of a stretch of the data."""
    return sum(frames for first, _, frames, _ in runs if first < at) * amr.FRAME_MS / 1000, size


def _zero_stretches(handle: BinaryIO, start: int, end: int) -> list[tuple[int, int]]:
    """(where, bytes) of each run of ZEROS or more zero bytes in [start, end)."""
    found: list[tuple[int, int]] = []
    for base in range(start, end, BLOCK):
        handle.seek(base)
        zero = np.frombuffer(handle.read(min(BLOCK, end - base)), dtype=np.uint8) == 0
        edges = np.flatnonzero(np.diff(np.concatenate(([False], zero, [False])).astype(np.int8)))
        for first, last in zip(edges[::2].tolist(), edges[1::2].tolist()):
            if found and found[-1][0] + found[-1][1] == base + first:  # one run across two blocks
                found[-1] = (found[-1][0], found[-1][1] + last - first)
            else:
                found.append((base + first, last - first))
    return [(at, size) for at, size in found if size >= ZEROS]


def _convincing(runs: list[tuple[int, int, int, bool]]) -> bool:
    """Whether the runs are a recording's: MIN_FRAMES or more in runs of two frames or more, at least
    half of all (a stray frame before a picture, chance's, is one frame alone)."""
    return _paired(runs) >= MIN_FRAMES and 2 * _paired(runs) >= sum(run[2] for run in runs)


def _paired(runs: list[tuple[int, int, int, bool]]) -> int:
    return sum(frames for _, _, frames, _ in runs if frames >= 2)


def _between(runs: list[tuple[int, int, int, bool]]) -> int:
    """Bytes between the runs (none: a voice note's frames, every mode read)."""
    return runs[-1][1] - runs[0][0] - sum(last - first for first, last, _, _ in runs)


def _scan(handle: BinaryIO, start: int, end: int, kind: str, tocs: dict[int, int],
          nal: bool) -> tuple[list[tuple[int, int, int, bool]], Counter, Counter]:
    """(start, end, frames, cut) of each run in [start, end), how many frames of each mode byte the
    second halves of the runs hold (strays open a run: a picture's repeating pattern can give two),
    and how many runs end where a picture starts, by its kind ('code': a start code or a JPEG's
    marker; 'nal': an H.264/H.265 NAL unit's length). Where the pictures are NAL units (`nal`), those
    after each run are walked by their lengths: frames of the next run that start inside them, before
    where they end, are the pictures' bytes, at most STRAYS of them (a damaged length that walks past
    the next run's start trims nothing, or no more than that; the bytes are searched as before)."""
    sizes = np.zeros(256, dtype=np.int64)
    sizes[list(tocs)] = list(tocs.values())
    data = _Bytes(handle, end)
    runs: list[tuple[int, int, int, bool]] = []
    counted: Counter = Counter()
    cursor, ends = start, Counter()
    pictures_end = _past_nal_units(data, start) if nal else start
    for base in range(start, end, BLOCK):
        handle.seek(base)
        block = np.frombuffer(handle.read(min(BLOCK, end - base)), dtype=np.uint8)
        dead: set[int] = set()  # frames of a chain already found to be no run
        for spot in (np.flatnonzero(sizes[block]) + base).tolist():
            if spot < cursor or spot in dead:
                continue
            run = _run(data, spot, sizes)
            if run is None:
                dead.update(_chain(data, spot, sizes)[1])
                continue
            stop, chain, cut = run
            if chain[0] < pictures_end and pictures_end in chain[1:STRAYS + 1]:
                chain = chain[chain.index(pictures_end):]
            runs.append((chain[0], stop, len(chain), cut))
            counted.update(data.at(at) for at in chain[(len(chain) + 1) // 2:])
            cursor = stop
            pictures_end = _past_nal_units(data, stop) if nal else stop
            ends.update([_picture_starts(data, stop)])
    del ends[None]
    return _without_strays(data, runs, sizes, kind), counted, ends


def _past_nal_units(data: _Bytes, at: int) -> int:
    """Where the NAL units whose lengths follow one another from `at` end (`at` if none start there):
    the next run of frames starts there, not at a byte of theirs that names a mode."""
    for codec in moovless_video.NAMES:
        end = at
        while (after := _nal_end(data, end, codec)) is not None and after > end:
            end = after
        if end > at:
            return end
    return at


def _without_strays(data: _Bytes, runs: list[tuple[int, int, int, bool]], sizes: np.ndarray,
                    kind: str) -> list[tuple[int, int, int, bool]]:
    """The runs without first frames that are a picture's last bytes: each ending in a JPEG's end
    marker, or with its padding bits set where the recording's frames past each run's first
    (never stray) keep theirs zero, as coders write them (RFC 4867). A run that was only such
    frames is dropped."""
    strict = _zero_padded(data, runs, sizes, kind)
    kept = []
    for first, stop, frames, cut in runs:
        while frames and _stray(data, first, int(sizes[data.at(first)]), kind, strict):
            first, frames = first + int(sizes[data.at(first)]), frames - 1
        if frames:
            kept.append((first, stop, frames, cut))
    return kept


def _stray(data: _Bytes, first: int, size: int, kind: str, strict: bool) -> bool:
    """Whether the frame at `first` is a picture's bytes (see _without_strays)."""
    tail = data.head(first + size - 2, 2)
    return tail == b"\xff\xd9" or (strict and not _padding_zero(kind, data.at(first), tail[-1]))


def _zero_padded(data: _Bytes, runs: list[tuple[int, int, int, bool]], sizes: np.ndarray, kind: str) -> bool:
    """Whether the last frame of every sampled run of two or more (never a stray: those open a run)
    that has padding bits keeps them zero (PADDING_SAMPLE runs at most; at least PADDING_SEEN such
    frames, else nothing is told)."""
    seen = 0
    for first, _, frames, _ in runs[:PADDING_SAMPLE]:
        last = _chain(data, first, sizes)[1][-1] if frames >= 2 else first
        if frames >= 2 and amr.padding_bits(kind, data.at(last)):
            if not _padding_zero(kind, data.at(last), data.at(last + int(sizes[data.at(last)]) - 1)):
                return False
            seen += 1
    return seen >= PADDING_SEEN


def _padding_zero(kind: str, toc: int, last: int) -> bool:
    """Whether the frame opened by `toc`, whose last byte is `last`, keeps its padding bits zero."""
    return not last & ((1 << amr.padding_bits(kind, toc)) - 1)


def _run(data: _Bytes, spot: int, sizes: np.ndarray) -> tuple[int, list[int], bool] | None:
    """The run of frames from `spot` (where they stop, where each starts, whether the last is cut),
    or None. A short run whose first frame overlaps a longer run (a picture's byte read as a
    frame, ending inside the real first frame) gives way to it."""
    stop, chain, cut = _chain(data, spot, sizes)
    if not _taken(data, stop, chain, cut, sizes):
        return None
    for other in range(spot + 1, chain[1] if len(chain) > 1 else stop) if len(chain) < LONG else ():
        if sizes[data.at(other)] and len((longer := _chain(data, other, sizes))[1]) > len(chain) \
                and _taken(data, *longer, sizes):
            return longer
    return stop, chain, cut


def _taken(data: _Bytes, stop: int, chain: list[int], cut: bool, sizes: np.ndarray) -> bool:
    """Whether a chain of frames is a run: one holding speech (not only the comfort noise and
    NO_DATA frames of a pause), LONG frames or more or ending where the data ends or a picture
    starts, and not a pattern repeating within a frame (an AAC stream's silent frames, a few bytes
    each, over and over)."""
    return (any(sizes[data.at(at)] > amr.SID for at in chain) and (len(chain) >= LONG or cut or stop >= data.end
                                                               or _picture_starts(data, stop))
            and not _repeating(data, chain, stop, int(sizes[data.at(chain[0])])))


def _repeating(data: _Bytes, chain: list[int], stop: int, size: int) -> bool:
    """Whether the first half of the frames (the last may run on past the pattern) repeat a pattern
    shorter than a frame (AMR's frames, even of silence, do not)."""
    run = data.head(chain[0], min((chain[len(chain) // 2] if len(chain) > 1 else stop) - chain[0], PATTERN_READ))
    return any(run[shift:] == run[:-shift] for shift in range(1, min(size, len(run) // 2 + 1)))  # twice or more


def _chain(data: _Bytes, at: int, sizes: np.ndarray) -> tuple[int, list[int], bool]:
    """(where the frames from `at` stop, where each starts, whether the last is cut by the data's end)."""
    chain: list[int] = []
    while at < data.end and (size := int(sizes[data.at(at)])):
        if at + size > data.end:
            return at, chain, True
        chain.append(at)
        at += size
    return at, chain, False


JPEG_START = b"\xff\xd8\xff"


def _picture_starts(data: _Bytes, at: int) -> str | None:
    """Which picture starts at `at`: 'code' for an MPEG-4 Part 2 start code (a VOP, or the headers
    before the first), an H.263 picture start code or a JPEG's start marker, 'nal' for an H.264/H.265
    NAL unit's length; None for none."""
    head = data.head(at, 6)
    if len(head) < 3:
        return None
    if head[:3] == b"\x00\x00\x01" and len(head) > 3 and (head[3] in (0xB0, 0xB3, 0xB5, 0xB6) or head[3] < 0x30):
        return "code"
    if (head[:2] == b"\x00\x00" and head[2] & 0xFC == 0x80) or head[:3] == JPEG_START:
        return "code"
    nal = len(head) == 6 and any(_nal_end(data, at, codec) is not None for codec in moovless_video.NAMES)
    return "nal" if nal else None


def _nal_end(data: _Bytes, at: int, codec: str) -> int | None:
    """Where the NAL unit whose 4-byte length starts at `at` ends, when one of this coding does and
    the data ends there or another NAL unit or an AMR frame starts there; else None."""
    head = data.head(at, 6)
    length = int.from_bytes(head[:4], "big")
    if len(head) < 6 or not 2 <= length <= LARGEST_NAL or not moovless_video.fits(codec, head[4], head[5]):
        return None
    after = at + 4 + length
    if after == data.end:
        return after
    if after > data.end:
        return None
    follows = data.head(after, 6)
    return after if (len(follows) == 6 and moovless_video.fits(codec, follows[4], follows[5])
                     and int.from_bytes(follows[:4], "big") >= 2) or _sound_frame(follows[0]) else None


def _sound_frame(toc: int) -> bool:
    """Whether a byte can open an AMR frame as a coder writes one (its quality bit set)."""
    return bool(toc & 0x04) and (amr.is_frame(toc, False) or amr.is_frame(toc, True))


class _Bytes:
    """Bytes of the file before `end`, read a block at a time."""

    def __init__(self, handle: BinaryIO, end: int) -> None:
        self.handle, self.end, self.base, self.data = handle, end, 0, b""

    def at(self, where: int) -> int:
        if not self.base <= where < self.base + len(self.data):
            self._load(where)
        return self.data[where - self.base]

    def head(self, where: int, size: int) -> bytes:
        if not (self.base <= where and where + size <= self.base + len(self.data)):
            self._load(where)
        return self.data[where - self.base:where - self.base + size]

    def _load(self, where: int) -> None:
        self.handle.seek(where)
        self.data, self.base = self.handle.read(max(0, min(1 << 16, self.end - where))), where
