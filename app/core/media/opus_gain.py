"""An Opus header's output gain beyond anything an encoder writes: decoded without it, said so.

Every Opus stream's header (OpusHead: the first Ogg page, or a Matroska/WebM track's codec
data) carries an output gain, in 1/256 dB, that the decoder applies to every sample. Encoders
write 0, or a few dB of loudness normalisation. A damaged or altered header can say -128 dB,
which plays (and decodes) as silence, so a voice note full of speech gave "no speech found";
or +128 dB, which overdrives the speech to noise. Past MAX_GAIN_DB the header is read through a
view with the gain set to 0 (the file is never changed) and the run says what was left out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.views import Spliced

MAX_GAIN_DB = 24.0
GAIN_AT = 16  # the gain's place in the OpusHead packet (after magic, version, channels, pre-skip, rate)
HEAD_READ = 1 << 16
OGG_HEADER = 27
MATROSKA = b"\x1a\x45\xdf\xa3"


@dataclass(frozen=True)
class Gain:
    at: int  # where the gain's two bytes are in the file
    db: float
    page: tuple[int, int] | None  # the Ogg page holding them (its checksum covers them), or None

    @property
    def note(self) -> str:
        effect = "silencing" if self.db < 0 else "overdriving"
        return (f"the Opus header sets an output gain of {self.db:+.0f} dB ({effect} the recording; encoders "
                f"write under {MAX_GAIN_DB:.0f} dB: a damaged or altered header): decoded without it")


def absurd_gain(handle: BinaryIO) -> Gain | None:
    """The Opus header's gain when it is past MAX_GAIN_DB, else None (any other file too)."""
    handle.seek(0)
    head = handle.read(HEAD_READ)
    found = _in_ogg(head) if head[:4] == b"OggS" else _in_matroska(head) if head[:4] == MATROSKA else None
    if found is None:
        return None
    at, page = found
    db = struct.unpack_from("<h", head, at)[0] / 256
    return Gain(at, db, page) if abs(db) > MAX_GAIN_DB else None


def _in_ogg(head: bytes) -> tuple[int, tuple[int, int]] | None:
    if len(head) < OGG_HEADER:
        return None
    count = head[OGG_HEADER - 1]
    body = OGG_HEADER + count
    end = body + sum(head[OGG_HEADER:body])
    packet = head[body:end]
    if not packet.startswith(b"OpusHead") or len(packet) < GAIN_AT + 2 or end > len(head):
        return None
    return body + GAIN_AT, (0, end)


def _in_matroska(head: bytes) -> tuple[int, None] | None:
    at = head.find(b"OpusHead")
    if at < 0 or at + GAIN_AT + 2 > len(head):
        return None
    return at + GAIN_AT, None


def without_gain(handle: BinaryIO, gain: Gain) -> Spliced:
    """A read-only view of the file whose Opus header states no gain (its Ogg page's checksum
    made again, which ffmpeg checks)."""
    handle.seek(0)
    upto = gain.page[1] if gain.page else gain.at + 2
    patched = bytearray(handle.read(upto))
    patched[gain.at:gain.at + 2] = b"\x00\x00"
    if gain.page:
        patched[22:26] = b"\x00\x00\x00\x00"
        struct.pack_into("<I", patched, 22, ogg_crc(bytes(patched)))
    return Spliced(handle, [(upto, handle.seek(0, 2))], prefix=bytes(patched))


def _table() -> tuple[int, ...]:
    table = []
    for n in range(256):
        r = n << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if r & 0x80000000 else (r << 1) & 0xFFFFFFFF
        table.append(r)
    return tuple(table)


CRC_TABLE = _table()


def ogg_crc(page: bytes) -> int:
    """An Ogg page's checksum (CRC-32, polynomial 0x04C11DB7, not reflected), its own field as 0."""
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ CRC_TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc
