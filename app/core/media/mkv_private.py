"""A Matroska/WebM audio track whose codec data (CodecPrivate) is damaged or cut: read without it.

An Opus track's codec data is its OpusHead, an AAC track's its AudioSpecificConfig. Zeroed, or cut
to a few bytes by a writer that stopped, it left ffmpeg's decoder unable to open: no channels,
the whole note 'damaged', nothing decoded. Both codecs decode a phone's mono or stereo track
without it, from the rate and channels the track entry itself states: the element is shown as a
Void element of the same size (read-only view, app/core/media/views.py), once the packets are
seen to decode so, and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.opus_mapping import decodes_patched
from app.core.media.views import from_start

MATROSKA = b"\x1a\x45\xdf\xa3"
SEGMENT, TRACKS, TRACK_ENTRY, CLUSTER = 0x18538067, 0x1654AE6B, 0xAE, 0x1F43B675
TRACK_TYPE, CODEC_ID, CODEC_PRIVATE = 0x83, 0x86, 0x63A2
AUDIO = 2
VOID = 0xEC
READ = 1 << 18  # the track entries lie in the file's first few kB
MAX_ELEMENTS = 512
AAC_RATE_INDEXES = range(13)  # 13 and 14 are reserved, 15 states the rate outright


@dataclass(frozen=True)
class Private:
    at: int  # where the CodecPrivate element starts (its ID)
    size: int  # the whole element's bytes: ID, size and data
    codec: str  # the track's CodecID ('A_OPUS', 'A_AAC')
    data: bytes

    @property
    def note(self) -> str:
        what = "cut short" if len(self.data) < 2 or (self.codec == "A_OPUS" and len(self.data) < 19) else "damaged"
        return (f"the Matroska/WebM audio track's codec data ({self.codec[2:]}, {len(self.data)} bytes) is {what}: "
                "read without it, at the rate and channels its track entry states")

    @property
    def patches(self) -> dict[int, bytes]:
        """A Void element over exactly the same bytes (its size in as many bytes as fill them)."""
        body = self.size - 1
        for width in range(1, 9):
            if body - width < (1 << (7 * width)) - 1:
                size = (body - width) | (1 << (7 * width))
                return {self.at: bytes([VOID]) + size.to_bytes(width, "big") + bytes(body - width)}
        return {}


def unusable(handle: BinaryIO) -> Private | None:
    """The audio track's codec data when it is damaged or cut and its packets decode without it;
    None for any other file. The handle is left where it was."""
    try:
        with from_start(handle):
            data = handle.read(READ)
            if not data.startswith(MATROSKA):
                return None
            private = _audio_private(data)
            if private is None or not _suspect(private) or not _decodes(handle, private):
                return None
            return private
    except (OSError, ValueError):
        return None


def _suspect(private: Private) -> bool:
    """Whether the codec data cannot be what the codec needs: an OpusHead without its magic or cut
    short of its 19 bytes; an AAC configuration of no object type or a reserved rate."""
    data = private.data
    if private.codec == "A_OPUS":
        return len(data) < 19 or not data.startswith(b"OpusHead")
    if private.codec.startswith("A_AAC"):
        if len(data) < 2:
            return True
        object_type, rate_index = data[0] >> 3, (data[0] & 0x07) << 1 | data[1] >> 7
        return object_type == 0 or (rate_index not in AAC_RATE_INDEXES and not (rate_index == 15 and len(data) >= 5))
    return False


def _audio_private(data: bytes) -> Private | None:
    """The first audio track entry's CodecPrivate element, walked from the Segment through Tracks."""
    kind, body, _end = _element(data, len(_header(data)))
    if kind != SEGMENT:
        return None
    at = body
    for _ in range(MAX_ELEMENTS):
        kind, inside, after = _element(data, at)
        if kind is None or kind == CLUSTER:
            return None
        if kind == TRACKS:
            return _in_tracks(data, inside, min(after, len(data)))
        at = after
    return None


def _header(data: bytes) -> bytes:
    _, _, after = _element(data, 0)
    return data[:after]


def _in_tracks(data: bytes, at: int, end: int) -> Private | None:
    for _ in range(MAX_ELEMENTS):
        kind, inside, after = _element(data, at)
        if kind is None or at >= end:
            return None
        if kind == TRACK_ENTRY and (found := _in_entry(data, inside, min(after, end))) is not None:
            return found
        at = after
    return None


def _in_entry(data: bytes, at: int, end: int) -> Private | None:
    track_type, codec, private = 0, "", None
    for _ in range(MAX_ELEMENTS):
        if at >= end:
            break
        kind, inside, after = _element(data, at)
        if kind is None:
            break
        if kind == TRACK_TYPE:
            track_type = int.from_bytes(data[inside:after], "big")
        elif kind == CODEC_ID:
            codec = data[inside:after].decode("ascii", "replace").rstrip("\x00")
        elif kind == CODEC_PRIVATE:
            private = (at, after - at, data[inside:after])
        at = after
    if track_type != AUDIO or private is None:
        return None
    return Private(private[0], private[1], codec, private[2])


def _element(data: bytes, at: int) -> tuple[int | None, int, int]:
    """(ID, where its data starts, where it ends) of the element at `at`; ID None when unreadable.
    An element of unknown size (a live recording's Segment) runs to the end of what was read."""
    if at >= len(data):
        return None, at, at
    n = _length(data[at])
    if not n or n > 4 or at + n >= len(data):
        return None, at, at
    kind = int.from_bytes(data[at:at + n], "big")
    w = _length(data[at + n])
    if not w or at + n + w > len(data):
        return None, at, at
    size = int.from_bytes(data[at + n:at + n + w], "big") & ((1 << (7 * w)) - 1)
    body = at + n + w
    return kind, body, len(data) if size == (1 << (7 * w)) - 1 else body + size


def _length(first: int) -> int:
    return next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)


def _decodes(handle: BinaryIO, private: Private) -> bool:
    """Whether the first packets decode with the codec data left out."""
    return decodes_patched(handle, private.patches)
