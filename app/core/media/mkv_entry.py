"""A Matroska/WebM track entry one of whose elements states a damaged size.

A track entry (its number, codec, rate, channels, codec data) is a run of elements, each giving
its own size; the one after it starts where that size says. A size field with a bit flipped (a
Language of 3 bytes stated as 4, a TrackNumber as 127 bytes) sends the reader into the middle of
the next element: ffmpeg read garbage as the track's fields and the file was refused ('no audio
track'), or gave a track of no sound plus a phantom second one. The entry's elements are all of
kinds the format names, so the size that lands the next element on one of them, the rest walking
exactly to the entry's end, is the one written; it is read as that through a view (the file is
never changed) and the run names the field. The entry's own size is mended the same way (to the
end of the track list, or where the next entry starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.mkv_private import (
    CLUSTER,
    MATROSKA,
    MAX_ELEMENTS,
    READ,
    SEGMENT,
    TRACK_ENTRY,
    TRACKS,
    _element,
    _header,
    _length,
)
from app.core.media.views import Patched, from_start

AUDIO_ELEMENT = 0xE1
ENTRY_CHILDREN = {  # the elements a TrackEntry holds (Matroska specification, with Void and CRC-32)
    0xD7, 0x73C5, 0x83, 0xB9, 0x88, 0x55AA, 0x55AB, 0x55AC, 0x55AD, 0x55AE, 0x55AF, 0x9C, 0x6DE7, 0x6DF8,
    0x23E383, 0x234E7A, 0x23314F, 0x537F, 0x55EE, 0x41E4, 0x536E, 0x22B59C, 0x22B59D, 0x86, 0x63A2, 0x258688,
    0x7446, 0x3A9697, 0x3B4040, 0x26B240, 0xAA, 0x6FAB, 0x56AA, 0x56BB, 0x6624, 0xE0, 0xE1, 0xE2, 0xC0, 0xC1,
    0xC6, 0xC7, 0xC4, 0x6D80, 0xEC, 0xBF,
}
AUDIO_CHILDREN = {0xB5, 0x78B5, 0x9F, 0x7D7B, 0x6264, 0x52F1, 0xEC, 0xBF}
VIDEO_CHILDREN = {0x9A, 0x9D, 0x53B8, 0x53C0, 0x53B9, 0xB0, 0xBA, 0x54AA, 0x54BB, 0x54CC, 0x54DD, 0x54B0, 0x54BA,
                  0x54B2, 0x54B3, 0x2EB524, 0x2FB523, 0x2383E3, 0x55B0, 0x7670, 0xEC, 0xBF}
NESTED = {0xE1: AUDIO_CHILDREN, 0xE0: VIDEO_CHILDREN}
UNSIGNED = {0xD7, 0x73C5, 0x83, 0xB9, 0x88, 0x55AA, 0x55AB, 0x55AC, 0x55AD, 0x55AE, 0x55AF, 0x9C, 0x6DE7, 0x6DF8,
            0x23E383, 0x234E7A, 0x55EE, 0x7446, 0xAA, 0x56AA, 0x56BB, 0x9F, 0x6264, 0x52F1, 0x9A, 0x9D, 0x53B8,
            0x53C0, 0xB0, 0xBA, 0x54AA, 0x54BB, 0x54CC, 0x54DD, 0x54B0, 0x54BA, 0x54B2, 0x54B3}
FLOATS = {0xB5, 0x78B5, 0x23314F, 0x2FB523, 0x2383E3}
STRINGS = {0x86, 0x22B59C, 0x22B59D, 0x536E, 0x258688, 0x3A9697, 0x3B4040, 0x26B240}
CODEC_ID = 0x86
CRC_32, VOID = 0xBF, 0xEC
REQUIRED = frozenset({0xD7, 0x73C5, 0x83, CODEC_ID})  # TrackNumber, TrackUID, TrackType, CodecID: mandatory
MAX_SIZE = 1 << 16  # no field of a track entry is larger: past it a size is not searched for


@dataclass(frozen=True)
class Resized:
    patches: dict[int, bytes]  # offset -> the size field shown there
    fields: tuple[int, ...]  # the IDs of the elements whose size was damaged

    @property
    def note(self) -> str:
        named = ", ".join(f"0x{kind:X}" for kind in self.fields)
        return (f"a Matroska/WebM track entry states a damaged size for {len(self.fields)} element(s) ({named}): "
                "read as the sizes its elements bear out")


def damaged(handle: BinaryIO) -> Resized | None:
    """The size fields to show mended in the file's track entries, or None (another file, entries
    whole, or damage that no single size explains). The handle is left where it was."""
    try:
        with from_start(handle):
            data = handle.read(READ)
            if not data.startswith(MATROSKA):
                return None
            tracks = _tracks(data)
            patches: dict[int, bytes] = {}
            fields: list[int] = []
            if tracks is not None and _mend_tracks(data, *tracks, patches, fields):
                return Resized(patches, tuple(fields)) if patches else None
            return None
    except (OSError, ValueError):
        return None


def view(handle: BinaryIO) -> BinaryIO:
    """The handle, or a view of it with its track entries' damaged sizes mended."""
    fix = damaged(handle)
    return handle if fix is None else Patched(handle, fix.patches)


def _tracks(data: bytes) -> tuple[int, int] | None:
    kind, at, _end = _element(data, len(_header(data)))
    if kind != SEGMENT:
        return None
    for _ in range(MAX_ELEMENTS):
        kind, inside, after = _element(data, at)
        if kind is None or kind == CLUSTER:
            return None
        if kind == TRACKS:
            return (inside, after) if after <= len(data) else None
        at = after
    return None


def _mend_tracks(data: bytes, at: int, end: int, patches: dict[int, bytes], fields: list[int], depth: int = 0) -> bool:
    """Each entry from `at` to `end` walked, its size and its children's mended where needed (into
    `patches`, `fields`); False when the track list cannot be read either way."""
    if at >= end:
        return at == end
    if depth > MAX_ELEMENTS:
        return False
    kind, inside, after = _element(data, at)
    if kind == CRC_32 and (after == inside + 4 or _resize(data, at, 4, patches, fields, kind)):
        return _mend_tracks(data, inside + 4, end, patches, fields, depth + 1)  # a track list's checksum: 4 bytes
    if kind == VOID and (after == end or after < end and data[after] in (TRACK_ENTRY, CRC_32, VOID)):
        return _mend_tracks(data, after, end, patches, fields, depth + 1)
    if kind != TRACK_ENTRY:
        return False
    lands = after == end or after < end and data[after] == TRACK_ENTRY  # the stated end, when it can be one
    ends = [*([after] if lands else []), *(x for x in range(inside, end) if data[x] == TRACK_ENTRY), end]
    for candidate in dict.fromkeys(ends):
        mended = _walk(data, inside, candidate, ENTRY_CHILDREN, allow=1, need=REQUIRED)
        if mended is None:
            continue
        tried_patches, tried_fields = dict(patches), list(fields)
        if candidate != after and not _resize(data, at, candidate - inside, tried_patches, tried_fields, kind):
            continue
        tried_patches.update(mended[0])
        tried_fields.extend(mended[1])
        if _mend_tracks(data, candidate, end, tried_patches, tried_fields, depth + 1):
            patches.update(tried_patches)
            fields[:] = tried_fields
            return True
    return False


@dataclass(frozen=True)
class _Element:
    at: int  # where it starts
    size_at: int  # where its size field starts
    width: int  # the size field's bytes
    kind: int
    body: int
    size: int


Mends = tuple[dict[int, bytes], list[int]]


def _walk(data: bytes, at: int, end: int, known: set[int], allow: int,
          need: frozenset[int] = frozenset()) -> Mends | None:
    """The size patches under which the elements from `at` walk exactly to `end`, each of a kind in
    `known` and plausible (an Audio or Video element's own children walked too), the kinds in `need`
    among them; at most `allow` sizes mended. The sizes as stated are walked until they fail; the
    element mended is the one nearest before that place whose other size walks the rest."""
    walked: list[_Element] = []
    while at < end:
        element = _parse(data, at, end, known)
        if element is None:
            break
        walked.append(element)
        if element.body + element.size > end or _body(data, element, element.size, 0) is None:
            break
        at = element.body + element.size
    else:
        if at == end and need <= {e.kind for e in walked}:
            return {}, []
    if not allow:
        return None
    for n in range(len(walked) - 1, -1, -1):
        element, before = walked[n], {e.kind for e in walked[:n]}
        for guess in range(min(end - element.body, MAX_SIZE, (1 << (7 * element.width)) - 2) + 1):
            inner = _body(data, element, guess, 0) if guess != element.size else None
            rest = _walk(data, element.body + guess, end, known, allow - 1, need - before - {element.kind}) \
                if inner is not None else None
            if rest is not None:
                return {element.size_at: _size_field(guess, element.width), **rest[0]}, [element.kind, *rest[1]]
        if element.kind in NESTED and element.body + element.size <= end:  # a size inside it damaged
            inner = _walk(data, element.body, element.body + element.size, NESTED[element.kind], allow)
            rest = _walk(data, element.body + element.size, end, known, 0, need - before - {element.kind}) \
                if inner is not None and inner[0] else None
            if rest is not None:
                return inner
    return None


def _parse(data: bytes, at: int, end: int, known: set[int]) -> _Element | None:
    n = _length(data[at])
    kind = int.from_bytes(data[at:at + n], "big") if n else None
    w = _length(data[at + n]) if n and at + n < end else 0
    if kind not in known or not w:
        return None
    size = int.from_bytes(data[at + n:at + n + w], "big") & ((1 << (7 * w)) - 1)
    return _Element(at, at + n, w, kind, at + n + w, size)


def _body(data: bytes, element: _Element, size: int, allow: int) -> Mends | None:
    """The element read as `size` bytes: ({}, []) when they can be its (a number of at most 8 bytes, a
    float of 4 or 8, text, an Audio or Video element whose children walk exactly), else None."""
    kind, body, end = element.kind, element.body, element.body + size
    if kind in NESTED:
        return _walk(data, body, end, NESTED[kind], allow)
    return ({}, []) if _plausible(data, kind, body, end) else None


def _plausible(data: bytes, kind: int, body: int, end: int) -> bool:
    if kind in UNSIGNED:
        return end - body <= 8
    if kind in FLOATS:
        return end - body in (0, 4, 8)
    if kind == CODEC_ID and not data[body:body + 2] in (b"A_", b"V_", b"S_", b"B_"):
        return False  # every codec ID names its kind: A_OPUS, V_VP9, S_TEXT/UTF8
    if kind in STRINGS:
        try:
            text = data[body:end].rstrip(b"\x00").decode("utf-8")
        except UnicodeDecodeError:
            return False
        return text.isprintable()
    return True


def _resize(data: bytes, at: int, size: int, patches: dict[int, bytes], fields: list[int], kind: int) -> bool:
    n = _length(data[at])
    w = _length(data[at + n])
    if not w or size >= (1 << (7 * w)) - 1:
        return False
    patches[at + n] = _size_field(size, w)
    fields.append(kind)
    return True


def _size_field(size: int, width: int) -> bytes:
    """An EBML size of `width` bytes (its length marker in the first byte)."""
    return ((1 << (7 * width)) | size).to_bytes(width, "big")
