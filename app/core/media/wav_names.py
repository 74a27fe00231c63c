"""A WAV whose header names ('RIFF', 'WAVE', 'fmt ', 'data') or plain-PCM format fields are damaged,
read as the format its other fields state.

A flipped bit or byte in a WAV's names left ffmpeg no way in: 'RIFE' or 'WAVF' at its start made it
'not a media file', a 'fmt ' or 'data' chunk renamed was passed over ('a WAV holding no audio'). A
plain PCM format states itself twice over (its block size is its channels times its bytes a sample,
its byte rate its sample rate times its block size), so a name is read as the one it is a byte or
two from where the fmt chunk then found bears itself out, and a zeroed or damaged coding tag,
bit depth, channel count or sample rate is read as the one the other fields state. A field is
changed only where its stated value is one no writer states where the others agree (a rate outside
the standard ones, channels other than mono or stereo, 0 bits or more than the block holds):
players and ffmpeg ignore the byte rate, which writers often get wrong (channels left out, stereo
assumed), so a healthy file whose byte rate or block size disagrees is read as its rate, channels
and bit depth state. 8-bit samples are left alone (an A-law or mu-law telephone recording has the
same layout). Nothing is guessed that the header does not state twice: a header the fields do not
bear out stays refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from app.core.media.riff import KNOWN_CHUNKS, MAX_CHUNKS, WAV_MAGIC, rate_fault
from app.core.media.wav_format import EXTENSIBLE, FLOAT, PCM, _reads_as_float

HEAD = 1 << 16  # bytes read for the header's chunks
MOST_DIFFERING = 2  # bytes of a four-letter name that may differ from the one it is read as
RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000)
DEPTHS = (16, 24, 32)  # bits of a sample: 8-bit plain PCM shares its layout with A-law and mu-law
MOST_CHANNELS = 8
DECODED_TAGS = (PCM, 2, FLOAT, 6, 7, 0x11, 0x31, 0x55, 0x50, EXTENSIBLE)  # codings ffmpeg reads in a WAV


@dataclass(frozen=True)
class NameFix:
    patches: dict[int, bytes]
    said: tuple[str, ...]

    @property
    def note(self) -> str:
        return "the WAV's header is damaged: " + "; ".join(self.said)


def damaged(handle: BinaryIO) -> NameFix | None:
    """The names and fields to show mended, or None (not a WAV, nothing damaged, or a header whose
    format fields do not bear a mend out)."""
    handle.seek(0)
    head = handle.read(HEAD)
    handle.seek(0)
    if len(head) < 44 or head[:4] == b"RIFX" or head[:4] in WAV_MAGIC[1:]:
        return None
    patches: dict[int, bytes] = {}
    for at, name in ((0, b"RIFF"), (8, b"WAVE")):
        if head[at:at + 4] != name:
            if _differing(head[at:at + 4], name) > MOST_DIFFERING:
                return None
            patches[at] = name
    found = _chunks(head, patches)
    if found is None:
        return None
    fmt_at, fields = found
    said = [f"{_shown(head[at:at + 4])} where '{name.decode()}' belongs" for at, name in sorted(patches.items())]
    mended = _fields(fields, head[fmt_at + 8 + 16:])  # the samples follow a plain fmt closely enough to sniff
    if mended is not None:
        patches[fmt_at + 8] = mended[0]
        said.append(mended[1])
    return NameFix(patches, tuple(said)) if said else None


def _chunks(head: bytes, patches: dict[int, bytes]) -> tuple[int, bytes] | None:
    """(where the fmt chunk starts, its first 16 bytes) when a fmt chunk whose fields are a plain or
    known format's is followed by a data chunk; each damaged name's mend is added to `patches`."""
    at, fmt_at = 12, None
    for _ in range(MAX_CHUNKS):
        if at + 8 > len(head):
            return None
        kind, size = head[at:at + 4], struct.unpack_from("<I", head, at + 4)[0]
        name = kind if kind in KNOWN_CHUNKS else _nearest(kind)
        if name in (b"fmt ", b"data") and name != kind and head.find(name, 12) >= 0:
            name = kind  # a chunk of its own ('date'), the format or samples named whole after it
        if name is None:
            return None
        if name == b"fmt " and fmt_at is None:
            if size < 16 or len(head) < at + 24 or not _plausible(head[at + 8:at + 24]):
                return None
            fmt_at = at
        elif name == b"data":
            if fmt_at is None:
                return None
            if name != kind:
                patches[at] = name
            if fmt_at != at and head[fmt_at:fmt_at + 4] != b"fmt ":
                patches[fmt_at] = b"fmt "
            return fmt_at, head[fmt_at + 8:fmt_at + 24]
        at += 8 + size + size % 2
    return None


def _nearest(kind: bytes) -> bytes | None:
    """The one known chunk name `kind` is a byte or two from, or None (its own name, or no name)."""
    near = [name for name in KNOWN_CHUNKS if _differing(kind, name) <= MOST_DIFFERING]
    if len(near) == 1:
        return near[0]
    return kind if all(0x20 <= b <= 0x7E for b in kind) and not near else None


def _differing(one: bytes, other: bytes) -> int:
    return sum(1 for a, b in zip(one, other, strict=True) if a != b)


def _plausible(fmt: bytes) -> bool:
    """Whether 16 bytes read as a fmt chunk's: a plain layout stating itself twice (one field may be
    damaged), or a known coding."""
    tag, channels, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", fmt)
    if _plain(channels, rate, byte_rate, align, bits) or _fields(fmt, b"") is not None:
        return True
    return tag in DECODED_TAGS and 1 <= channels <= 8 and rate_fault(rate) is None and align > 0 and byte_rate > 0


def _plain(channels: int, rate: int, byte_rate: int, align: int, bits: int) -> bool:
    return 1 <= channels <= MOST_CHANNELS and bits in DEPTHS and align == channels * bits // 8 and byte_rate == rate * align


def _fields(fmt: bytes, samples: bytes) -> tuple[bytes, str] | None:
    """A plain fmt chunk's first 16 bytes with its one damaged field read as the others state, and
    what was read, or None (nothing damaged, or no field the others state). A field is damaged only
    where its value is not one a writer states (see `_unwritten`): a byte rate or block size that
    disagrees with a standard rate, mono or stereo is the writer's slip, and players ignore them."""
    tag, channels, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", fmt)
    if tag in DECODED_TAGS and tag not in (PCM, FLOAT, EXTENSIBLE):  # a compressed coding: no plain layout
        return None
    bad = _unwritten(channels, rate, align, bits)
    choices = []
    if "bit depth" in bad and channels and align % channels == 0 and align // channels * 8 in DEPTHS:
        choices.append(("bit depth", bits, (channels, rate, byte_rate, align, align // channels * 8)))
    if "channel count" in bad and bits in DEPTHS and align % (bits // 8) == 0:
        choices.append(("channel count", channels, (align // (bits // 8), rate, byte_rate, align, bits)))
    if "sample rate" in bad and align and byte_rate % align == 0 and byte_rate // align in RATES:
        choices.append(("sample rate", rate, (channels, byte_rate // align, byte_rate, align, bits)))
    for field, stated, (channels_, rate_, byte_rate_, align_, bits_) in choices:
        if stated != {"bit depth": bits_, "channel count": channels_, "sample rate": rate_}[field] and \
                _plain(channels_, rate_, byte_rate_, align_, bits_):
            body = struct.pack("<HHIIHH", tag, channels_, rate_, byte_rate_, align_, bits_)
            return _tagged(body, samples, f"its {field} stated as {stated:,} (damaged): read as the "
                                          f"{ {'bit depth': bits_, 'channel count': channels_, 'sample rate': rate_}[field]:,} "
                                          "its block size and byte rate state")
    if tag in DECODED_TAGS or not _flipped_plain(tag) or not _plain(channels, rate, byte_rate, align, bits):
        return None
    return _tagged(fmt, samples, "")


def _unwritten(channels: int, rate: int, align: int, bits: int) -> set[str]:
    """The fields whose stated value no writer states: a rate outside the standard ones (0, 7 Hz, a
    bit flipped: 16,008 or 7,808 Hz), a channel count other than mono or stereo (0, 65,535, a bit
    flipped: 3, 5, 6), 0 bits or more than the block holds (24 over 2-byte blocks). A standard
    rate, mono, stereo or a depth the block holds (12 bits in 2 bytes) is read as stated, whatever
    the byte rate or block size say: writers leave the channels out of them or assume stereo."""
    held = align // channels * 8 if channels else 0
    return {field for field, unwritten in (("sample rate", rate not in RATES),
                                           ("channel count", channels not in (1, 2)),
                                           ("bit depth", not bits or bits > held)) if unwritten}


def _flipped_plain(tag: int) -> bool:
    """Whether a coding tag is zeroed, or a bit or two from PCM's or float's (a tag naming a coding of
    its own, 0x1234, may be one whose samples are laid out as plain ones are: not read as PCM)."""
    return tag == 0 or min((tag ^ PCM).bit_count(), (tag ^ FLOAT).bit_count()) <= 2


def _tagged(fmt: bytes, samples: bytes, said: str) -> tuple[bytes, str]:
    """The fmt with a coding tag ffmpeg does not read named as the plain PCM (or float) its layout states."""
    tag, bits = struct.unpack_from("<H", fmt)[0], struct.unpack_from("<H", fmt, 14)[0]
    if tag in DECODED_TAGS or not _flipped_plain(tag):
        return fmt, said
    coding = FLOAT if bits == 32 and _reads_as_float(samples[:4096]) else PCM
    named = (f"its coding tag stated as {tag:#06x} (damaged): read as the {bits}-bit "
             f"{'float' if coding == FLOAT else 'PCM'} samples its block size and byte rate state")
    return struct.pack("<H", coding) + fmt[2:], "; ".join(filter(None, (said, named)))


def _shown(name: bytes) -> str:
    return "'" + "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x27 else f"\\x{b:02x}" for b in name) + "'"


def fault(handle: BinaryIO) -> str | None:
    """Why a file opening as a WAV's header does, names damaged, cannot be read (its format fields do
    not bear out a mend), or None (not such a file)."""
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    if len(head) < 16 or head[:4] == b"RIFX" or head[:4] in WAV_MAGIC[1:] or (head[:4], head[8:12]) == (b"RIFF", b"WAVE"):
        return None
    if _differing(head[:4], b"RIFF") > MOST_DIFFERING or _differing(head[8:12], b"WAVE") > MOST_DIFFERING:
        return None
    names = "; ".join(f"{_shown(head[at:at + 4])} where '{name}' belongs" for at, name in ((0, "RIFF"), (8, "WAVE"))
                      if head[at:at + 4] != name.encode())
    return (f"a WAV whose header is damaged ({names}) and whose format chunk does not state a layout its samples "
            "can be read by (damaged too): it cannot be read")
