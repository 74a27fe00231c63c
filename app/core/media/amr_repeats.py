"""An AMR voice note holding its file header ('#!AMR') again inside it, whole or damaged: notes
joined end to end by a phone or a carving tool, each keeping its header.

A header inside the frames is 6 (or 9) bytes that are no frame: the reader took them for
frame headers, and where several lay close together (four within a few frames) it fell out of
step for good: a 12 s note decoded to 13 s, a second of it noise, every word after it a second
late. Each such header, its bytes the magic's with a byte or two damaged, lost or added, and
whole frames after it, is left out of a view of the file (app/core/media/views.py; the file is
never changed), and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import amr, amr_frames, file_kinds, joined
from app.core.media.amr_frames import CHAIN, MAX_BYTES, _frames_start, _in_step, _size
from app.core.media.views import Spliced

MAX_FOUND = 256
JUNK = 4096  # bytes out of step with no header found: junk after the note, not a header's damage
PAIRS = (b"#!", b"AM", b"MR", b"R\n", b"R-", b"-W", b"WB", b"B\n")  # a header with two bytes damaged keeps one


@dataclass(frozen=True)
class Repeats:
    found: tuple[tuple[int, int], ...]  # the byte ranges of the headers inside the note
    damaged: int  # how many of them are not the magic itself
    size: int  # the file's size

    @property
    def note(self) -> str:
        where = ", ".join(f"byte {start:,}" for start, _ in self.found[:5]) + (" ..." if len(self.found) > 5 else "")
        damaged = f", {self.damaged} of them damaged" if self.damaged else ""
        return (f"an AMR voice note holding its file header again {len(self.found)} time(s) inside it ({where}"
                f"{damaged}: notes joined end to end): read past, not as sound")

    def kept(self) -> list[tuple[int, int]]:
        ranges, at = [], 0
        for start, end in self.found:
            ranges.append((at, start))
            at = end
        return [*ranges, (at, self.size)]


def found(handle: BinaryIO) -> Repeats | None:
    """The file headers inside an AMR note's frames, or None (another file, or none inside)."""
    try:
        start_kind = _frames_start(handle)
        if start_kind is None:
            return None
        start, kind = start_kind
        handle.seek(start)
        data = handle.read(MAX_BYTES)
        size = handle.seek(0, 2)
    except (OSError, ValueError):
        return None
    sizes = amr.KINDS[kind]
    headers, damaged, at, lost = [], 0, 0, 0
    while at < len(data) and len(headers) < MAX_FOUND and lost < JUNK:
        step = _size(data, at, sizes)
        if step and _in_step(data, at + step, sizes, 1):
            lost = 0 if not lost or _in_step(data, at, sizes, CHAIN) else lost + step  # chance fits a frame or two
            at += step
            continue
        length = _header_at(data, at, sizes)
        if length:
            headers.append((start + at, start + at + length))
            damaged += not any(data[at:at + length] == magic for magic, _ in amr.MAGICS)
            at, lost = at + length, 0
            continue
        at, lost = at + (step or 1), lost + (step or 1)  # damage of another kind (amr_frames.py's), or junk
    return Repeats(tuple(headers), damaged, size) if headers else None


def read_past(handle: BinaryIO) -> BinaryIO:
    """The handle, or a view of it without the file headers inside its frames (up to a file of another
    kind joined after it: its bytes are no frames)."""
    handle.seek(0)
    if file_kinds.kind(handle.read(file_kinds.HEAD)) == "amr":  # only an AMR's own end is searched for
        handle = joined.first_only(handle)
    repeats = found(handle)
    return handle if repeats is None else Spliced(handle, repeats.kept())


def view(handle: BinaryIO) -> BinaryIO:
    """The handle read past its inner file headers, its damaged frame headers mended."""
    return amr_frames.view(read_past(handle))


def _header_at(data: bytes, at: int, sizes: dict[int, int]) -> int:
    """The length of an AMR file header (or one with a byte or two damaged, lost or added) at `at`
    with whole frames after it, or 0."""
    return next((length for length in _header_lengths(data, at) if _whole_after(data, at + length, sizes)), 0)


def _header_lengths(data: bytes, at: int) -> list[int]:
    """The lengths of the bytes at `at` that could be an AMR file header, a byte or two damaged,
    lost or added."""
    near = data[at:at + 10]
    if not any(pair in near for pair in PAIRS):  # most bytes: no header can start here
        return []
    return [length for magic, _ in amr.MAGICS for length in (len(magic), len(magic) - 1, len(magic) + 1)
            if _like(data[at:at + length], magic)]


def _whole_after(data: bytes, at: int, sizes: dict[int, int]) -> bool:
    """Whether CHAIN whole frames follow `at` (or as many as the file holds), other file headers
    among them passed over: four joined notes a frame or two apart."""
    frames = 0
    while frames < CHAIN and at < len(data):
        if size := _size(data, at, sizes):
            at, frames = at + size, frames + 1
        elif length := next((n for n in _header_lengths(data, at) if at + n >= len(data) or _size(data, at + n, sizes)), 0):
            at += length
        else:
            return False
    return True


def _like(found: bytes, magic: bytes) -> bool:
    if len(found) == len(magic):
        return sum(a != b for a, b in zip(found, magic)) <= 2
    if len(found) == len(magic) - 1:  # a byte lost
        return any(found == magic[:i] + magic[i + 1:] for i in range(len(magic)))
    return any(found[:i] + found[i + 1:] == magic for i in range(len(found)))  # a byte added
