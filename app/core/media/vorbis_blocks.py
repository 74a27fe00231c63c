"""How many samples each Ogg Vorbis packet decodes to, read from the packets themselves.

A Vorbis audio packet names its mode in its first byte; the mode's block flag picks one of the
two block sizes the identification header states, and a packet yields a quarter of its own block
plus a quarter of the one before it (the first audio packet yields none; Vorbis I spec, 4.3).
The modes' block flags are the last fields of the setup header, found by reading it backwards
as ffmpeg's own Vorbis parser does (libavcodec/vorbis_parser.c). The Ogg pages' end positions
can then be checked against, and counted from, the packets (app/core/media/ogg_clock.py).
"""

from __future__ import annotations

from dataclasses import dataclass

IDENT = b"\x01vorbis"
SETUP = b"\x05vorbis"
MAX_MODES = 64
MODE_BITS = 41  # a mode: block flag (1), window type (16), transform type (16), mapping (8)


@dataclass
class Blocks:
    sizes: tuple[int, int]  # the short and long block sizes, in samples
    flags: tuple[int, ...]  # each mode's block flag (0 short, 1 long)
    previous: int = 0  # the block size of the packet before (0: none yet)

    def samples(self, packet: bytes) -> int:
        """The samples this audio packet adds (0 for a header or empty packet)."""
        if not packet or packet[0] & 1:
            return 0
        bits = max(1, (len(self.flags) - 1).bit_length()) if len(self.flags) > 1 else 0
        mode = (packet[0] >> 1) & ((1 << bits) - 1)
        if mode >= len(self.flags):
            return 0
        size = self.sizes[self.flags[mode]]
        added = (self.previous + size) // 4 if self.previous else 0
        self.previous = size
        return added


def blocks(ident: bytes, setup: bytes) -> Blocks | None:
    """The block sizes and mode flags from a Vorbis stream's identification and setup headers, or
    None when either cannot be read (damaged: the pages' positions are then left as they are)."""
    if not ident.startswith(IDENT) or len(ident) < 29 or not setup.startswith(SETUP):
        return None
    short, long_ = 1 << (ident[28] & 0x0F), 1 << (ident[28] >> 4)
    if not 64 <= short <= long_ <= 8192:
        return None
    flags = _mode_flags(setup)
    return Blocks((short, long_), flags) if flags else None


def _mode_flags(setup: bytes) -> tuple[int, ...]:
    """The modes' block flags, read backwards from the setup header's framing bit."""
    bits = _Backwards(setup)
    while bits.left > 0 and bits.read(1) == 0:  # zero padding, then the framing bit (1)
        pass
    after_framing = bits.used
    count, found = 0, 0
    while bits.left >= 97:  # a mode and the 6-bit mode count before the modes
        if bits.read(8) > 63 or bits.read(16) or bits.read(16):
            break
        bits.read(1)
        count += 1
        if count > MAX_MODES:
            break
        probe = bits.copy()
        if probe.read(6) + 1 == count:
            found = count
    if not found:
        return ()
    bits = _Backwards(setup)
    bits.read(after_framing)
    flags = []
    for _ in range(found):
        bits.read(40)
        flags.append(bits.read(1))
    return tuple(reversed(flags))


class _Backwards:
    """Vorbis's LSB-first bit stream, read from its last bit towards its first."""

    def __init__(self, data: bytes, used: int = 0) -> None:
        self.data, self.used = data, used

    @property
    def left(self) -> int:
        return len(self.data) * 8 - self.used

    def copy(self) -> _Backwards:
        return _Backwards(self.data, self.used)

    def read(self, count: int) -> int:
        value = 0
        for _ in range(count):
            if self.left <= 0:
                return value
            position = len(self.data) * 8 - 1 - self.used  # the bit's place counted from the first
            bit = (self.data[position // 8] >> (position % 8)) & 1
            value = (value << 1) | bit
            self.used += 1
        return value
