"""An Ogg file whose pages are not in the order of their sequence numbers.

Every page of an Ogg stream carries its number in the stream (0, 1, 2...). A recovery that joined
a note's fragments in the wrong order left its pages shuffled: ffmpeg decodes them as they lie,
so the speech came out in pieces in the wrong order ('the package, tell anyone... bring them the
station at a meet me behind'), called cut short. When the pages of a file holding one stream are
numbered 0 to N-1, each once, but lie in another order, they are read in their numbers' order
through a view (the file is never changed) and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.ogg import HEADER
from app.core.media.views import Spliced, from_start

MAX_PAGES = 1_000_000


@dataclass(frozen=True)
class Shuffled:
    pages: tuple[tuple[int, int], ...]  # each page's byte range, in the order of its sequence number
    moved: int  # how many pages lie elsewhere than their number puts them

    @property
    def note(self) -> str:
        return (f"{self.moved:,} Ogg page(s) lie out of the order of their sequence numbers (fragments joined in "
                "the wrong order): read in their numbers' order")


def found(handle: BinaryIO) -> Shuffled | None:
    """The file's pages in their numbers' order when they lie in another, else None (pages in order,
    several streams, a number missing or twice, junk between pages). The handle is left where it was."""
    with from_start(handle):
        pages = _pages(handle)
    if pages is None or len({serial for serial, _, _ in pages}) != 1:
        return None
    numbers = [number for _, number, _ in pages]
    if sorted(numbers) != list(range(len(pages))) or numbers == sorted(numbers):
        return None
    ordered = tuple(span for _, _, span in sorted(pages, key=lambda page: page[1]))
    return Shuffled(ordered, sum(1 for n, number in enumerate(numbers) if n != number))


def in_order(handle: BinaryIO) -> BinaryIO:
    """The file with its pages in their numbers' order (a view), or the handle when they are."""
    shuffled = found(handle)
    return handle if shuffled is None else Spliced(handle, list(shuffled.pages))


def _pages(handle: BinaryIO) -> list[tuple[int, int, tuple[int, int]]] | None:
    """(serial, sequence number, byte range) of every page, or None when anything else is found."""
    size = handle.seek(0, 2)
    pages, at = [], 0
    while at < size and len(pages) < MAX_PAGES:
        handle.seek(at)
        head = handle.read(HEADER.size)
        if len(head) < HEADER.size:
            return None
        capture, version, _flags, _granule, serial, sequence, _crc, count = HEADER.unpack(head)
        if capture != b"OggS" or version != 0:
            return None
        end = at + HEADER.size + count + sum(handle.read(count))
        if end > size:
            return None
        pages.append((serial, sequence, (at, end)))
        at = end
    return pages if at == size else None
