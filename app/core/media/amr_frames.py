"""An AMR voice note (.amr, .awb) one of whose frame headers is damaged mid-file, read with it mended.

An AMR file is frame after frame, each starting with a one-byte header (its TOC) that gives its
mode and so its size; nothing else says where the next frame starts. A damaged header (a flipped
bit, a byte overwritten) names another size: the reader lands inside the frame and reads its
speech bytes as headers, one false 20 ms frame after another, until it falls back in step by
chance. One damaged byte made a 6 s note 7.3 s long: every word after it heard up to 1.2 s later
than it was said, with noise where the false frames were. The frames after it are whole: the
size that puts the next frame start on a run of whole frames is the one the header had, and it
is read as that (the speech in the frame itself was not touched). The file is opened through a
view with the header mended (app/core/media/views.py); the file itself is never changed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import amr
from app.core.media.views import Patched

CHAIN = 8  # whole frames in a row after a mended header: chance makes it one in millions
LOOK_BACK = 3  # frames before the place the walk fell out of step whose header may be the damaged one
MAX_BYTES = 1 << 24  # 16 MB: hours of AMR, far past any voice note
SECOND_MENDS = 2  # further damaged headers mended within the run that bears out a repair
MAX_MENDED = 64
PRIOR_BYTES = 1 << 16  # more damaged headers than this is no damage of a few bytes: left to be read as it is
ZEROS = 64  # zero bytes in a row that no coder writes (a frame of zeros is a 4.75 kbit/s frame marked bad): wiped
NOT_ZERO = re.compile(rb"[^\x00]")


@dataclass(frozen=True)
class Mended:
    patches: dict[int, bytes]
    kind: str  # 'amrnb' or 'amrwb'
    start: int  # where the frames start
    zeros: tuple[tuple[int, int, int], ...] = ()  # (where, bytes, frames read there) of each run of zero bytes

    @property
    def note(self) -> str:
        wiped = {at for start, size, _ in self.zeros for at in self.patches if start <= at < start + size}
        count = len(self.patches) - len(wiped)
        where = ", ".join(f"byte {at:,}" for at in sorted(set(self.patches) - wiped)[:5]) + (" ..." if count > 5 else "")
        mended = (f"an AMR voice note with {count} damaged frame header(s) ({where}): each read as the size the "
                  "frames after it bear out, so the words after it keep their times") if count else ""
        return "; ".join(filter(None, (mended, self._zeros_note)))

    @property
    def _zeros_note(self) -> str:
        if not self.zeros:
            return ""
        at, size, frames = self.zeros[0]
        return (f"an AMR voice note with {len(self.zeros):,} stretch(es) of zero bytes (wiped, or never written: "
                f"damaged; the first {size:,} bytes at byte {at:,}), each read as lost frames of the size of the note's "
                f"speech frames ({frames:,} there, {frames * amr.FRAME_MS / 1000:.2f} s): their sound is lost, and "
                f"where they held a pause (its frames are of 1 or 6 bytes, many more to the byte) the words after "
                f"it are heard early, by as much more as the pause lasted")


def mended(handle: BinaryIO) -> Mended | None:
    """The frame headers to show mended in an AMR file (with its file header, or one read past), or
    None (another file, or no header damaged)."""
    try:
        found = _frames_start(handle)
        if found is None:
            return None
        start, kind = found
        handle.seek(start)
        data = handle.read(MAX_BYTES)
    except (OSError, ValueError):
        return None
    patches, zeros = _walk(data, amr.KINDS[kind])
    if not patches or len(patches) - sum(frames for _, _, frames in zeros) > MAX_MENDED:
        return None
    return Mended({start + at: bytes([toc]) for at, toc in patches.items()}, kind, start,
                  tuple((start + at, size, frames) for at, size, frames in zeros))


def view(handle: BinaryIO) -> BinaryIO:
    """The handle, or a view of it with its damaged frame headers mended."""
    fix = mended(handle)
    return handle if fix is None else Patched(handle, fix.patches)


def _frames_start(handle: BinaryIO) -> tuple[int, str] | None:
    handle.seek(0)
    head = handle.read(len(amr.WB_HEADER) + ZEROS)
    for magic, kind in amr.MAGICS:  # its first frames wiped: they start after its header, not 2 zeros on
        if head.startswith(magic) and len(head) >= len(magic) + ZEROS and not any(head[len(magic):][:ZEROS]):
            return len(magic), kind
    fix = amr.misheaded(handle)
    if fix is not None:
        return fix.start, fix.kind
    handle.seek(0)
    head = handle.read(len(amr.WB_HEADER))
    for magic, kind in amr.MAGICS:
        if head.startswith(magic):
            return len(magic), kind
    handle.seek(0)
    if kind := amr.first_frame_damaged(handle.read(amr.SNIFF_BYTES)):  # headerless, its first frame's header damaged
        return 0, kind
    return None


def _walk(data: bytes, sizes: dict[int, int]) -> tuple[dict[int, int], list[tuple[int, int, int]]]:
    """Frame by frame from the start: where the walk falls out of step (a header no coder writes,
    or one whose size lands on such a byte), the header among the last few that, given another
    size, puts the walk back on a run of whole frames (a second damaged header within that run
    mended too). ({offset: the header byte to read there}, (where, bytes, frames) of each run of
    zero bytes, read as frames of the note's mode marked bad: zeros read as 13-byte frames made a
    wiped 775 bytes 1.2 s of sound for its 0.5, every word after it late)."""
    data = bytearray(data)  # mended as the walk goes, so it reads on past each repair
    patches: dict[int, int] = {}
    zeros: list[tuple[int, int, int]] = []
    walked: list[int] = []
    modes: Counter[int] = Counter()
    at, steady = 0, CHAIN  # steady: frames in step since the walk last fell out of it (its start is whole)
    lost = 0  # of the patches, the headers of lost frames read in zero runs (not damaged headers mended)
    while at < len(data) and len(patches) - lost <= MAX_MENDED:
        if steady >= CHAIN and at + ZEROS <= len(data) and not any(data[at:at + ZEROS]):
            if (run := _lost(data, at, sizes, modes)) is None:  # zeros to the end: a tail never written, not sound
                break
            zeros.append((at, run[0], len(run[1])))
            lost += len(run[1])
            for where, toc in run[1].items():
                patches[where] = data[where] = toc
            at = run[2]
            continue
        size = _size(data, at, sizes)
        if size and _in_step(data, at + size, sizes, 1):
            walked.append(at)
            modes[data[at] >> 3 & 0x0F] += 1
            at, steady = at + size, steady + 1
            continue
        places = [*walked[-LOOK_BACK:], at, *([at + size] if size and at + size < len(data) else [])]
        repair = _repair(data, places, sizes, modes) if steady >= CHAIN else None
        if repair is None:  # garbage, or junk after the note's end: read as ffmpeg reads it
            walked.append(at)
            at, steady = at + (size or 1), 0
            continue
        for where, toc in repair.items():
            patches[where] = data[where] = toc
        at = min(repair)
        walked = walked[:walked.index(at)] if at in walked else walked
    return patches, zeros


def _lost(data: bytes, at: int, sizes: dict[int, int], modes: Counter[int]) -> tuple[int, dict[int, int], int] | None:
    """(zero bytes from `at`, {where: header} of the lost frames read in their place, where the walk goes on),
    or None where the zeros run to the file's end (a recorder that stopped, a file made larger than it was
    filled: no sound was there). The frames are of the note's speech mode, marked bad (Q = 0), up to the
    first whole frames after the zeros; bytes short of one such frame are read as the fewest frames that
    fill them (a comfort-noise frame among the wiped speech puts the rest 6 bytes off its grid)."""
    found = NOT_ZERO.search(data, at)
    if found is None and len(data) < MAX_BYTES:
        return None
    end = found.start() if found is not None else len(data)
    mode = _speech_mode(data, end, sizes, modes)
    resume = _resume(data, end, _steady(sizes, mode), max(sizes.values()))
    resume = _resume(data, end, sizes, max(sizes.values())) if resume is None else resume
    if resume is None:
        starts = range(at, end, sizes[mode])  # the last: its header among the zeros
        return end - at, {where: mode << 3 for where in starts}, at + len(starts) * sizes[mode]
    count, left = divmod(resume - at, sizes[mode])
    headers = {at + n * sizes[mode]: mode << 3 for n in range(count)}
    where = at + count * sizes[mode]
    for filler in _fewest(left, sizes):
        headers[where] = filler << 3
        where += sizes[filler]
    return end - at, headers, resume


def _resume(data: bytes, end: int, sizes: dict[int, int], reach: int) -> int | None:
    """The first place within `reach` bytes from `end` from which CHAIN whole frames of these sizes follow."""
    for spot in range(end, min(end + reach, len(data))):
        walked, fell = _run(data, spot, sizes, CHAIN)
        if fell is None and len(walked) == CHAIN:
            return spot
    return None


def _fewest(size: int, sizes: dict[int, int]) -> list[int]:
    """The fewest modes whose frames fill `size` bytes (NO_DATA's 1 byte fills any)."""
    best: list[list[int]] = [[]] + [[] for _ in range(size)]
    for total in range(1, size + 1):
        best[total] = min(([mode, *best[total - frame]] for mode, frame in sizes.items() if frame <= total),
                          key=len)
    return best[size]


def _speech_mode(data: bytes, end: int, sizes: dict[int, int], modes: Counter[int]) -> int:
    """The speech mode the note's frames before a zero run use most; where none came before it (the note's
    first bytes wiped), that of the first whole frames after it; else the one its bytes hold most as
    headers. Never comfort noise or NO_DATA (a DTX note's commonest frames in a pause: 1 byte each, a
    wiped 775 bytes read as 15.5 s)."""
    speech = Counter({mode: count for mode, count in modes.items() if sizes[mode] > amr.SID})
    if not speech:
        speech = next((after for at in range(end, min(end + max(sizes.values()), len(data)))
                       if (after := _speech_after(data, at, sizes))), Counter())
    if not speech:
        speech = Counter(b >> 3 & 0x0F for b in data[end:end + PRIOR_BYTES] if _size(bytes([b]), 0, sizes) > amr.SID)
    return speech.most_common(1)[0][0] if speech else max(sizes, key=sizes.__getitem__)


def _speech_after(data: bytes, at: int, sizes: dict[int, int]) -> Counter[int]:
    """The speech modes of CHAIN whole frames in step from `at`, or none."""
    walked, fell = _run(data, at, sizes, CHAIN)
    if fell is not None or len(walked) < CHAIN:
        return Counter()
    return Counter(data[where] >> 3 & 0x0F for where in walked if _size(data, where, sizes) > amr.SID)


def _repair(data: bytes, places: list[int], sizes: dict[int, int], modes: Counter[int]) -> dict[int, int] | None:
    """{offset: header byte} for the header among `places` that, read as another mode, puts the next
    CHAIN frames in step, fewest other damaged headers among them mended the same way; the earliest place
    first (a byte inside the damaged frame can chance to fit too), the modes the note uses most first."""
    if sum(modes.values()) < CHAIN:  # too few frames walked to know: the headers' bytes the note holds most
        modes = Counter(b >> 3 & 0x0F for b in data[:PRIOR_BYTES] if b & 0x04 and _size(bytes([b]), 0, sizes) > 1)
    order = [mode for mode, _ in modes.most_common()] + [mode for mode in sizes if mode not in modes]
    for run_sizes, mode_order in ((_steady(sizes, order[0]), order[:1]), (sizes, order)):  # a phone's one mode first: chance fits less
        for more in range(SECOND_MENDS + 1):
            if (found := _mend(data, places, run_sizes, mode_order, more)) is not None:
                return found
    return None


def _steady(sizes: dict[int, int], mode: int) -> dict[int, int]:
    """The sizes of a phone's steady frames: its one speech mode, comfort noise (SID) and NO_DATA."""
    return {other: size for other, size in sizes.items() if other == mode or size <= amr.SID}


def _mend(data: bytes, places: list[int], sizes: dict[int, int], order: list[int], more: int) -> dict[int, int] | None:
    for where in places:
        for mode in order:
            toc = mode << 3 | 0x04
            if sizes[mode] <= 1 or toc == data[where]:
                continue
            walked, fell = _run(data, where + sizes[mode], sizes, CHAIN)
            if fell is None:
                return {where: toc}
            if more and (rest := _mend(data, [*walked[-LOOK_BACK:], fell], sizes, order, more - 1)):
                return {where: toc, **rest}
    return None


def _run(data: bytes, at: int, sizes: dict[int, int], frames: int) -> tuple[list[int], int | None]:
    """The frame starts walked from `at`, and where the walk falls out of step within `frames`
    frames (None: in step that far, or to the file's end)."""
    walked: list[int] = []
    for _ in range(frames):
        if at >= len(data):
            return walked, None
        size = _size(data, at, sizes)
        if not size:
            return walked, at
        walked.append(at)
        at += size
    return walked, None


def _size(data: bytes, at: int, sizes: dict[int, int]) -> int:
    """The size of the frame whose header is at `at`, or 0 when no coder writes that header."""
    toc = data[at]
    return 0 if toc & 0x83 else sizes.get(toc >> 3 & 0x0F, 0)  # amr.is_frame, for the modes in `sizes`


def _in_step(data: bytes, at: int, sizes: dict[int, int], frames: int) -> bool:
    """Whether `frames` whole frames follow one another from `at`, or as many as lie before the
    file's end (a note may end there, or be cut inside its last frame)."""
    for _ in range(frames):
        if at >= len(data):
            return True
        size = _size(data, at, sizes)
        if not size:
            return False
        at += size
    return True
