"""Whether a Matroska/WebM file ends inside its headers, before its first cluster of audio.

A WebM voice note (a browser's or a desktop messenger's recorder) cut short inside its headers
(the EBML header, the segment's info, seek head or track list) was refused by ffmpeg as
'Input/output error'; walked here by the elements' own sizes, the reason says the file ends
before any audio.
"""

from __future__ import annotations

from typing import BinaryIO

EBML, SEGMENT, CLUSTER = 0x1A45DFA3, 0x18538067, 0x1F43B675
READ = 1 << 20
MAX_ELEMENTS = 256


def cut_in_headers(handle: BinaryIO) -> bool:
    """True when the file is Matroska/WebM and ends before its first cluster begins, or inside
    an element before it. The handle is left where it was."""
    at_start = handle.tell()
    try:
        handle.seek(0)
        data = handle.read(READ)
        size_of_file = handle.seek(0, 2)
    finally:
        handle.seek(at_start)
    kind, size, body = _element(data, 0)
    if kind != EBML:
        return False
    if size < 0 or body + size >= len(data):
        return body + max(size, 0) >= size_of_file
    kind, size, at = _element(data, body + size)
    if kind != SEGMENT:
        return kind is None and len(data) == size_of_file  # the file ends inside the segment's header
    for _ in range(MAX_ELEMENTS):
        kind, size, body = _element(data, at)
        if kind == CLUSTER or (kind is not None and size < 0):
            return False  # audio begins (or a live recording's element of unknown size)
        if kind is None:
            return len(data) == size_of_file  # the file ends here (past what was read: unknown)
        at = body + size
        if at > size_of_file:
            return True
    return False


def _element(data: bytes, at: int) -> tuple[int | None, int, int]:
    """The element at `at`: its id, its size (-1: unknown) and where its body starts; id None when
    the bytes end before its header does or hold no element there."""
    id_length = _length(data[at]) if at < len(data) else 0
    size_at = at + id_length
    size_length = _length(data[size_at]) if 0 < id_length <= 4 and size_at < len(data) else 0
    if not size_length or size_at + size_length > len(data):
        return None, 0, at
    value = int.from_bytes(data[size_at:size_at + size_length], "big") & ((1 << (7 * size_length)) - 1)
    unknown = value == (1 << (7 * size_length)) - 1
    return int.from_bytes(data[at:size_at], "big"), -1 if unknown else value, size_at + size_length


def _length(first: int) -> int:
    return next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)
