"""An Ogg stream whose pages change their serial number part-way, without starting a new stream.

Every page names the stream it belongs to by a serial number; a new stream (a chained note) starts
with a beginning-of-stream page carrying its headers. A recorder that restarted its writer after a
pause, or a recovery that joined two copies of a note, can leave the rest of a stream's pages under
another serial that no page ever began: ffmpeg has no headers for it and reads none of it, so a 6 s
note gave its first 2 s and called the rest 'data that is not audio'. A serial no stream began,
on pages that follow a single open stream, can only be that stream: its pages are read as that
stream's through a view (the serial and the page checksum shown changed; the file is never changed)
and the run says so. A page whose checksum matches neither serial is left as it is (damage).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.ogg import BOS, EOS, HEADER
from app.core.media.opus_gain import ogg_crc
from app.core.media.views import Patched, from_start

MAX_PAGES = 1_000_000
SERIAL_AT, CRC_AT = 14, 22


@dataclass(frozen=True)
class Renumbered:
    patches: dict[int, bytes]  # offset -> the bytes shown there (each page's serial and checksum)
    pages: int
    first_at: int  # the byte offset of the first page read as another stream's

    @property
    def note(self) -> str:
        return (f"{self.pages:,} Ogg page(s) from byte {self.first_at:,} carry a serial number no stream began "
                "(a recorder restarted or fragments joined): read as the stream they continue")


def view(handle: BinaryIO) -> BinaryIO:
    """The handle, or a view of it with its orphan pages under their stream's serial (what ffmpeg reads)."""
    orphans = found(handle)
    return handle if orphans is None else Patched(handle, orphans.patches)


def found(handle: BinaryIO) -> Renumbered | None:
    """The patches that give the orphan pages of a single-stream Ogg their stream's serial, or None.
    The handle is left where it was."""
    with from_start(handle):
        return _walk(handle)


def _walk(handle: BinaryIO) -> Renumbered | None:
    handle.seek(0)
    begun: set[int] = set()
    open_streams: list[int] = []  # begun and not yet ended, in the order they began
    patches: dict[int, bytes] = {}
    first_at, pages, at = -1, 0, 0
    for _ in range(MAX_PAGES):
        handle.seek(at)
        head = handle.read(HEADER.size)
        if len(head) < HEADER.size:
            break
        capture, version, flags, _granule, serial, _sequence, crc, count = HEADER.unpack(head)
        if capture != b"OggS" or version != 0:
            break  # junk: ogg.junk_runs reads past it
        sizes = handle.read(count)
        end = at + HEADER.size + count + sum(sizes)
        if flags & BOS:
            begun.add(serial)
            open_streams.append(serial)
        elif serial not in begun and len(open_streams) == 1:
            mended = _renumbered(handle, at, end, open_streams[0], crc)
            if mended is not None:
                patches.update(mended)
                first_at, pages = first_at if first_at >= 0 else at, pages + 1
                serial = open_streams[0]
        if flags & EOS and serial in open_streams:
            open_streams.remove(serial)
        at = end
    return Renumbered(patches, pages, first_at) if pages else None


def _renumbered(handle: BinaryIO, at: int, end: int, serial: int, stated: int) -> dict[int, bytes] | None:
    """The page at `at` shown under `serial` with its checksum made again, or None when the page's own
    checksum fits neither its serial nor the stream's (the page itself is damaged, or cut)."""
    handle.seek(at)
    page = bytearray(handle.read(end - at))
    if len(page) != end - at:
        return None
    page[CRC_AT:CRC_AT + 4] = bytes(4)
    as_is = ogg_crc(bytes(page))
    page[SERIAL_AT:SERIAL_AT + 4] = struct.pack("<I", serial)
    mended = ogg_crc(bytes(page))
    if stated not in (as_is, mended):
        return None
    return {at + SERIAL_AT: struct.pack("<I", serial), at + CRC_AT: struct.pack("<I", mended)}
