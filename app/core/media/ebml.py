"""Whether a Matroska/WebM file ends inside its headers, before its first cluster of audio.

A WebM voice note (a browser's or a desktop messenger's recorder) cut short inside its headers
(the EBML header, the segment's info, seek head or track list) was refused by ffmpeg as
'Input/output error'; walked here by the elements' own sizes, the reason says the file ends
before any audio.
"""

from __future__ import annotations

from typing import BinaryIO

from app.core.media.views import from_start

EBML, SEGMENT, CLUSTER, TRACKS, CODEC_PRIVATE = 0x1A45DFA3, 0x18538067, 0x1F43B675, 0x1654AE6B, 0x63A2
READ = 1 << 20
MAX_ELEMENTS = 256


def cut_in_headers(handle: BinaryIO) -> bool:
    """True when the file is Matroska/WebM and ends before its first cluster begins, or inside
    an element before it. The handle is left where it was."""
    with from_start(handle):
        data = handle.read(READ)
        size_of_file = handle.seek(0, 2)
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


CUT_NOTE = "the Matroska/WebM file ends inside an element (a block of audio): the file was cut short there"
MAX_WALK = 2_000_000  # elements walked: hours of 20 ms blocks


def ends_inside_an_element(handle: BinaryIO) -> bool:
    """Whether the file ends inside a Matroska element it has begun: a WebM voice note that a
    browser's or a messenger's recorder writes as it goes (no length stated, clusters of unknown
    size) cut short, which otherwise read as a whole shorter note. The handle is left where it was."""
    at_start = handle.tell()
    try:
        return _cut_inside(handle, handle.seek(0, 2))
    except (OSError, ValueError):
        return False
    finally:
        handle.seek(at_start)


def _cut_inside(handle: BinaryIO, size_of_file: int) -> bool:
    kind, size, at = _read_element(handle, 0)
    if kind != EBML or size < 0:
        return False
    kind, stated, at = _read_element(handle, at + size)
    if kind != SEGMENT:
        return False
    size_of_file = min(size_of_file, at + stated) if stated >= 0 else size_of_file  # another file after it: joined.py's
    for _ in range(MAX_WALK):
        if at >= size_of_file:
            return False
        kind, size, body = _read_element(handle, at)
        if kind is None:  # no element here: its header cut short, or bytes that are none (junk after)
            return body > size_of_file
        if size < 0 and kind in (CLUSTER, SEGMENT):
            at = body  # a cluster written as it went: its blocks follow
            continue
        if size < 0:
            return False
        if body + size > size_of_file:
            return True
        at = body + size
    return False


def _read_element(handle: BinaryIO, at: int) -> tuple[int | None, int, int]:
    """_element read from the file at `at`; for no element, the third figure is past the file's
    end when its header was cut short there, else `at` (bytes that are no element)."""
    handle.seek(at)
    head = handle.read(12)
    kind, size, body = _element(head, 0)
    if kind is not None:
        return kind, size, at + body
    begun = bool(head) and 0 < _length(head[0]) <= 4  # an id begins here; the file ends before its size does
    return None, 0, at + 13 if begun and len(head) < 12 else at


read_element = _read_element  # for the other Matroska walkers (mkv_lacing.py)
element = _element  # for file_kinds.py (an EBML header's DocType)


def segment_end(handle: BinaryIO) -> int | None:
    """Where a Matroska/WebM file ends by its own header: its Segment's stated end (joined.py: a second
    file after it); None when the size is unknown (written as it went) or the headers do not read."""
    try:
        kind, size, at = _read_element(handle, 0)
        if kind != EBML or size < 0:
            return None
        kind, size, body = _read_element(handle, at + size)
        return body + size if kind == SEGMENT and size >= 0 else None
    except (OSError, ValueError):
        return None


def first_cluster(handle: BinaryIO) -> int:
    """Where a Matroska/WebM file's first cluster (its audio) begins, past its Info, Tracks and tags:
    joined.py searches for a second file from there (a FLAC track's CodecPrivate holds a FLAC stream
    header, which is no second file). Where the walk meets no cluster inside the file (headers cut or
    damaged), just past its Tracks (the CodecPrivate skipped), else 4 (the whole file searched)."""
    try:
        size_of_file = handle.seek(0, 2)
        kind, size, at = _read_element(handle, 0)
        if kind != EBML or size < 0:
            return 4
        kind, size, at = _read_element(handle, at + size)
        if kind != SEGMENT:
            return 4
        past_tracks = 4
        for _ in range(MAX_ELEMENTS):
            kind, size, body = _read_element(handle, at)
            if kind == CLUSTER:
                return at
            if kind is not None and size < 0:
                at = body  # a master written as it went (an unknown-size Tracks): its children follow
                continue
            if kind is None or body + size > size_of_file:
                return past_tracks
            at = body + size
            past_tracks = at if kind == TRACKS else past_tracks
        return past_tracks
    except (OSError, ValueError):
        return 4


def meets_no_cluster(handle: BinaryIO) -> bool:
    """Whether the walk of a Matroska/WebM file's headers meets no cluster (the file cut or damaged in them):
    where they lead (their stated sizes, the Segment's end) says nothing of a file joined after them."""
    try:
        return _read_element(handle, first_cluster(handle))[0] != CLUSTER
    except (OSError, ValueError):
        return True


def codec_private_at(handle: BinaryIO, at: int) -> bool:
    """Whether a track's CodecPrivate element (its decoder's setup: a FLAC stream header) has its body start at
    `at`: a second file's opening found there is the first file's own."""
    start = max(0, at - 10)  # an id (2 bytes) and a size (up to 8)
    handle.seek(start)
    before = handle.read(at - start)
    for width in range(1, 9):  # the size's width, then the 2-byte id before it
        kind, _, body = _element(before, len(before) - width - 2) if len(before) >= width + 2 else (None, 0, 0)
        if kind == CODEC_PRIVATE and body == len(before):
            return True
    return False
