"""An MP4/M4A/3GP audio track whose time-to-sample table (stts) gives its packets a length no
packet can have.

Each stts entry says how many packets last how many timescale units each. A damaged entry
(0xFFFFFFFF units: a day a packet at 48 kHz) made ffmpeg give every packet one unit: the 6 s
voice note's edit list then pointed past all of it, 0.02 s decoded, its length stated as
00:00:00.006 and 'no speech found', with no warning. When an entry's length is impossible (over
a second, or under one sample) while the track's timescale is possible, a few packets are
decoded and the entry is read through a view giving each packet the time its samples last (the
file is never changed; app/core/media/views.py).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

import av

from app.core.media.av_files import open_av

LONGEST_PACKET_S = 1.0  # as app/core/media/timescale.py: no audio codec's packet lasts a second
SHORTEST_PACKET_S = 1 / 768_000
MAX_ENTRIES = 4096  # entries looked at: a voice note has one or two


@dataclass(frozen=True)
class Fix:
    at: int  # where the entry's length (four bytes) is in the file
    stated: int  # the length it states, in timescale units
    rate: int  # the length read instead: the units a packet's samples last
    timescale: int

    @property
    def note(self) -> str:
        return (f"the audio track's index gives its packets a length no packet can have ({self.stated:,} units "
                f"of {self.timescale:,} a second each: a damaged sample table): timed by their samples, "
                f"{self.rate:,} units each")


def impossible(stts: bytes, timescale: int) -> list[tuple[int, int]]:
    """(offset in `stts`, stated length) of each entry of the table body whose length no packet
    can have at this timescale, for a run of packets (a lone long packet is a gap the muxer meant)."""
    if timescale <= 0 or len(stts) < 8:
        return []
    count = min(struct.unpack_from(">I", stts, 4)[0], (len(stts) - 8) // 8, MAX_ENTRIES)
    found = []
    for n in range(count):
        samples, delta = struct.unpack_from(">II", stts, 8 + 8 * n)
        if samples > 1 and not SHORTEST_PACKET_S <= delta / timescale <= LONGEST_PACKET_S:  # one packet
            # lasting minutes is a muxer starting the sound late without an edit list: left as it is
            found.append((8 + 8 * n + 4, delta))
    return found


def packet_units(handle: BinaryIO, index: int, timescale: int) -> int | None:
    """How many timescale units track `index`'s first packet's samples last (1,024 for AAC at its
    own rate), decoded with the edit list ignored; None when none decodes. The handle is left where
    it was."""
    at = handle.tell()
    try:
        handle.seek(0)
        with open_av(handle, options={"ignore_editlist": "1", "protocol_whitelist": "none"}) as container:
            stream = container.streams[index]
            for count, packet in enumerate(container.demux(stream)):
                frames = [f for f in packet.decode() if f.sample_rate] if packet.size else []
                if frames:
                    return round(frames[0].samples * timescale / frames[0].sample_rate) or None
                if count > 16:
                    return None
    except (av.error.FFmpegError, IndexError, ValueError, OSError):
        return None
    finally:
        handle.seek(at)
    return None


def fixes(handle: BinaryIO, index: int, stts_at: int, stts: bytes, timescale: int, length: int = 0) -> list[Fix]:
    """The entries of track `index`'s stts (its body `stts`, starting at `stts_at` in the file) to be
    read with a possible length, each with the length its packets' samples give; [] when none is
    impossible or short of the track's stated `length`, or nothing decodes to measure by."""
    wrong = impossible(stts, timescale)
    short = [] if wrong else short_of(stts, length)
    if not wrong and not short:
        return []
    units = packet_units(handle, index, timescale)
    if units is None or not SHORTEST_PACKET_S <= units / timescale <= LONGEST_PACKET_S:
        return []
    wrong = wrong or [(offset, delta) for offset, delta in short if delta * 2 <= units]
    return [Fix(stts_at + offset, stated, units, timescale) for offset, stated in wrong]


def short_of(stts: bytes, length: int) -> list[tuple[int, int]]:
    """(offset, length) of each run of packets when the table's packets last less than half the
    length the track's header (mdhd) states: a damaged entry giving each AAC packet 1 unit, not
    1,024 (a whole 6 s voice note read as 0.06 s of silence, 'no speech found', no warning). A run
    is read anew only where its packets' samples last at least twice what it gives them."""
    if len(stts) < 8 or length <= 0:
        return []
    count = min(struct.unpack_from(">I", stts, 4)[0], (len(stts) - 8) // 8, MAX_ENTRIES)
    runs = [(8 + 8 * n + 4, *struct.unpack_from(">II", stts, 8 + 8 * n)) for n in range(count)]
    if sum(samples * delta for _, samples, delta in runs) * 2 >= length:
        return []
    return [(offset, delta) for offset, samples, delta in runs if samples > 1]
