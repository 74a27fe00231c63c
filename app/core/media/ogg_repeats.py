"""Ogg pages written twice in a row: the same page (stream, sequence number, checksum) again.

A copy that retried a block, or a recovery that joined overlapping fragments, can leave a page
followed by itself. ffmpeg decodes both: each repeated page's speech was heard twice ('meet me
behind me behind the station at the station at'), a 6 s note 12.3 s long, its words transcribed
as if said twice. A page can never follow itself in a stream (each page has the next sequence
number), so the repeats are read past through a view (the file is never changed) and named. A
whole stream joined to a copy of itself is no repeat: its copy starts again at its first page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.ogg import HEADER
from app.core.media.views import Spliced, from_start

MAX_PAGES = 1_000_000


@dataclass(frozen=True)
class Repeats:
    runs: tuple[tuple[int, int], ...]  # the byte ranges of the pages that repeat the page before them

    @property
    def note(self) -> str:
        return (f"{len(self.runs):,} Ogg page(s) follow an identical copy of themselves (a copy or recovery "
                "fault): each was read once, its speech not repeated")


def found(handle: BinaryIO) -> Repeats | None:
    """The pages of an Ogg file that repeat the page just before them in their stream, or None.
    The handle is left where it was."""
    with from_start(handle):
        return _walk(handle)


def read_once(handle: BinaryIO) -> BinaryIO:
    """The file without its repeated pages (a view), or the handle itself when it has none."""
    repeats = found(handle)
    if repeats is None:
        return handle
    size = handle.seek(0, 2)
    edges = [0, *(edge for run in repeats.runs for edge in run), size]
    return Spliced(handle, list(zip(edges[::2], edges[1::2], strict=True)))


def _walk(handle: BinaryIO) -> Repeats | None:
    handle.seek(0)
    last: dict[int, tuple[int, int]] = {}  # serial -> (sequence, checksum) of its last page
    runs: list[tuple[int, int]] = []
    at = 0
    for _ in range(MAX_PAGES):
        handle.seek(at)
        head = handle.read(HEADER.size)
        if len(head) < HEADER.size:
            break
        capture, version, _flags, _granule, serial, sequence, crc, count = HEADER.unpack(head)
        if capture != b"OggS" or version != 0:
            break  # junk: ogg.junk_runs reads past it
        end = at + HEADER.size + count + sum(handle.read(count))
        if last.get(serial) == (sequence, crc):
            runs.append((at, end))
        last[serial] = (sequence, crc)
        at = end
    return Repeats(tuple(runs)) if runs else None
