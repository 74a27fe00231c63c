"""An M4A/MP4 AAC track whose decoder configuration names the wrong sample rate.

AAC's AudioSpecificConfig (in the track's esds) states the rate as a 4-bit index; the decoder
picks its scale-factor bands by it, so a damaged or mis-written index made every packet fail
('damaged 00:00.0-00:08.0' and no words from an 8 s note whole in every byte) or stopped the
decode with ffmpeg's bare 'Invalid argument'. The track's sample entry and its header's timescale
state the rate too: when both agree (or the header's packets last 1,024 of its units, an AAC-LC
frame at its rate) and the index names another rate (not half of it with packets of 2,048
samples: HE-AAC signalled implicitly states its core rate, half the output), the file is read
through a view with the index set to that rate (app/core/media/views.py; the file is never
changed). An escaped object type (xHE-AAC and the like) or HE-AAC signalled explicitly is left
as it is.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media import boxes
from app.core.media.timescale import child_box, child_boxes

RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
FRAME = 1024  # an AAC-LC packet's samples
EXPLICIT_SBR = (5, 29)  # HE-AAC and HE-AAC v2 signalled explicitly: the index is the core's rate


@dataclass(frozen=True)
class Fix:
    at: int  # where the AudioSpecificConfig's first two bytes are in the file
    config: bytes  # those two bytes with the rate index set to the track's rate
    stated: int
    rate: int

    @property
    def note(self) -> str:
        return (f"the AAC decoder configuration states a sample rate of {self.stated:,} Hz but the track is "
                f"recorded at {self.rate:,} Hz (a damaged or mis-written header): decoded at {self.rate:,} Hz")


def wrong_rate(handle: BinaryIO) -> list[Fix]:
    """The AAC tracks whose configuration's rate index names neither their rate nor half of it."""
    in_file = boxes.read_moov(handle)
    if in_file is None:
        return []
    start, moov = in_file
    fixes = []
    for trak in child_boxes(moov, 8, len(moov), b"trak"):
        found = _track_fix(moov, trak)
        if found is not None:
            fixes.append(Fix(start + found.at, found.config, found.stated, found.rate))
    return fixes


def patches(fixes: list[Fix]) -> dict[int, bytes]:
    return {fix.at: fix.config for fix in fixes}


def _track_fix(moov: bytes, trak: tuple[int, int]) -> Fix | None:
    mdia = child_box(moov, trak, b"mdia")
    mdhd, stsd = child_box(moov, mdia, b"mdhd"), child_box(moov, mdia, b"minf", b"stbl", b"stsd")
    if mdhd is None or stsd is None or stsd[0] + 44 > stsd[1] or moov[stsd[0] + 12:stsd[0] + 16] != b"mp4a":
        return None
    timescale = struct.unpack_from(">I", moov, mdhd[0] + (20 if moov[mdhd[0]] == 1 else 12))[0]
    rate = struct.unpack_from(">H", moov, stsd[0] + 8 + 32)[0]
    stts = child_box(moov, mdia, b"minf", b"stbl", b"stts")
    delta = struct.unpack_from(">I", moov, stts[0] + 12)[0] if stts and stts[0] + 16 <= stts[1] else 0
    if timescale not in RATES or (rate != timescale and delta != FRAME):  # packets of 1,024 units: its rate
        return None
    rate = timescale
    at = _config_at(moov, stsd[0] + 8, stsd[1])
    if at is None or at + 2 > stsd[1]:
        return None
    first = (moov[at] << 8) | moov[at + 1]
    kind, index = first >> 11, (first >> 7) & 0x0F
    if kind in (0, 31, *EXPLICIT_SBR) or index >= len(RATES) or RATES[index] == rate:
        return None
    if RATES[index] * 2 == rate and delta != FRAME:  # HE-AAC: 2,048 output samples a packet at its rate
        return None
    fixed = (first & ~(0x0F << 7)) | (RATES.index(rate) << 7)
    return Fix(at, struct.pack(">H", fixed), RATES[index], rate)


def _config_at(moov: bytes, entry: int, end: int) -> int | None:
    """Where the AudioSpecificConfig (the esds's DecoderSpecificInfo, tag 5) starts, or None."""
    esds = moov.find(b"esds", entry, end)
    if esds < 0:
        return None
    at, stop = esds + 8, min(end, esds - 4 + struct.unpack_from(">I", moov, esds - 4)[0])
    while at < stop:
        tag = moov[at]
        length, at = _length(moov, at + 1, stop)
        if tag == 3:  # ES descriptor: its id, flags and the optional fields they announce
            flags = moov[at + 2] if at + 2 < stop else 0
            at += 3 + (2 if flags & 0x80 else 0) + (2 if flags & 0x20 else 0)
            if flags & 0x40 and at < stop:
                at += 1 + moov[at]
        elif tag == 4:  # decoder config: object type, stream type, buffer size, bit rates
            at += 13
        elif tag == 5:
            return at if length >= 2 else None
        else:
            at += length
    return None


def _length(buf: bytes, at: int, stop: int) -> tuple[int, int]:
    """A descriptor's length (up to four 7-bit bytes) and where its body starts."""
    length = 0
    for _ in range(4):
        if at >= stop:
            break
        byte = buf[at]
        at += 1
        length = (length << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return length, at
