"""An MPEG-TS whose program table (PMT) names the wrong audio codec for its sound.

A transport stream says what each stream holds only in its PMT; ffmpeg believes it. A table
naming MPEG audio (MP3) over AAC frames, or AAC over MP3 frames (a damaged table, a recorder's or
converter's bug), had every packet refused: 8 s of speech decoded as nothing, 'damaged
00:00.0-00:04.3'. Both codecs' frames say what they are in their first bytes (an ADTS header's
layer bits are 00, an MPEG audio header's are not), so where the first frame of a stream is the
other codec's, the file is read through a view whose table names it (app/core/media/views.py;
the file is never changed). A camcorder's M2TS (AVCHD, Blu-ray) puts a 4-byte time before
each 188-byte packet: its packets are found 192 bytes apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

PACKET = 188
M2TS_LEAD = 4  # an M2TS packet's time before its 188 bytes
CHUNK_PACKETS = 44_620  # 8 MB
MOST_BYTES = PACKET * CHUNK_PACKETS * 128  # every copy of the table is put right (ffmpeg reads a changed copy again): 1 GB
MPEG_AUDIO = (0x03, 0x04)
ADTS = 0x0F
KINDS = {0x03: "MPEG audio", 0x04: "MPEG audio", 0x0F: "AAC"}


@dataclass(frozen=True)
class Renamed:
    patches: dict[int, bytes]  # a PMT packet's offset -> the packet with the stream type put right
    stated: int
    found: int

    @property
    def note(self) -> str:
        return (f"the transport stream's program table names its sound {KINDS[self.stated]}, but its frames are "
                f"{KINDS[self.found]} (a damaged or mis-written table): read as {KINDS[self.found]}")


def renamed(handle: BinaryIO) -> Renamed | None:
    """The PMT packets to show with the stream type the audio's own frames have, or None."""
    handle.seek(0)
    head = handle.read((PACKET + M2TS_LEAD) * 3)
    layout = next(((stride, lead) for stride, lead in ((PACKET, 0), (PACKET + M2TS_LEAD, M2TS_LEAD))
                   if len(head) >= stride * 3 and all(head[lead + n * stride] == 0x47 for n in range(3))), None)
    if layout is None:
        return None
    stride, lead = layout
    chunk_size = stride * CHUNK_PACKETS
    handle.seek(0)
    tables: dict[int, list[tuple[int, bytearray, int]]] = {}  # es pid -> (offset, packet, type byte's place)
    firsts: dict[int, bytes] = {}
    tables_at: set[int] = set()  # the PMT's own pid, once found: only its packets are looked at after
    for base in range(0, MOST_BYTES, chunk_size):
        chunk = handle.read(chunk_size)
        pids = tables_at if all(pid in firsts for pid in tables) and tables else None
        for at in _candidates(chunk, pids, stride, lead):
            packet = chunk[at:at + PACKET]
            pid, start, payload = _payload(packet)
            if not start or payload is None:
                continue
            for es_pid, place in _pmt_entries(payload):
                tables_at.add(pid)
                tables.setdefault(es_pid, []).append((base + at, bytearray(packet), PACKET - len(payload) + place))
            if pid not in firsts and payload[:3] == b"\x00\x00\x01" and len(payload) > 9:
                firsts[pid] = payload[9 + payload[8]:][:2]
        if len(chunk) < chunk_size:
            break
    return _put_right(tables, firsts)


def _candidates(chunk: bytes, pids: set[int] | None, stride: int = PACKET, lead: int = 0) -> list[int]:
    """Where the chunk's packets start (`stride` bytes apart, `lead` bytes into each): all of them,
    or only those of `pids` starting a section."""
    if pids is None:
        return [at for at in range(lead, len(chunk) - PACKET + 1, stride) if chunk[at] == 0x47]
    found = []
    for pid in pids:
        mark = bytes((0x47, 0x40 | pid >> 8, pid & 0xFF))
        at = chunk.find(mark)
        while at >= 0:
            if at % stride == lead:
                found.append(at)
            at = chunk.find(mark, at + 1)
    return sorted(found)


def _put_right(tables: dict, firsts: dict[int, bytes]) -> Renamed | None:
    patches, stated, found = {}, 0, 0
    for es_pid, entries in tables.items():
        kind = _frame_kind(firsts.get(es_pid, b""))
        for offset, packet, place in entries:
            if packet[place] in (*MPEG_AUDIO, ADTS) and kind and packet[place] != kind and not (
                    packet[place] in MPEG_AUDIO and kind in MPEG_AUDIO):
                stated, found = packet[place], kind
                packet[place] = kind
                _reseal(packet)
                patches[offset] = bytes(packet)
    return Renamed(patches, stated, found) if patches else None


def _frame_kind(first: bytes) -> int:
    """ADTS for an ADTS header, MPEG audio for an MPEG audio header, 0 for anything else."""
    if len(first) < 2 or first[0] != 0xFF or first[1] & 0xE0 != 0xE0:
        return 0
    if first[1] & 0xF6 == 0xF0:
        return ADTS
    return MPEG_AUDIO[0] if first[1] & 0x06 else 0


def _payload(packet: bytes) -> tuple[int, bool, bytes | None]:
    pid = (packet[1] & 0x1F) << 8 | packet[2]
    control = packet[3] >> 4 & 0x03
    if not control & 0x01:
        return pid, False, None
    at = 4 + (1 + packet[4] if control & 0x02 else 0)
    return pid, bool(packet[1] & 0x40), packet[at:] if at < PACKET else None


def _pmt_entries(payload: bytes) -> list[tuple[int, int]]:
    """(stream pid, where its stream type is in the payload) of a PMT section whole in one packet."""
    at = 1 + payload[0]  # the pointer field
    if at + 12 > len(payload) or payload[at] != 0x02:
        return []
    end = at + 3 + ((payload[at + 1] & 0x0F) << 8 | payload[at + 2]) - 4
    if end + 4 > len(payload) or mpeg_crc32(payload[at:end + 4]):  # not a whole, sound table
        return []
    place = at + 12 + ((payload[at + 10] & 0x0F) << 8 | payload[at + 11])
    entries = []
    while place + 5 <= end:
        entries.append(((payload[place + 1] & 0x1F) << 8 | payload[place + 2], place))
        place += 5 + ((payload[place + 3] & 0x0F) << 8 | payload[place + 4])
    return entries


def _reseal(packet: bytearray) -> None:
    """The PMT section's CRC made again over its changed bytes."""
    _, _, payload = _payload(bytes(packet))
    base = PACKET - len(payload)
    at = base + 1 + payload[0]
    end = at + 3 + ((packet[at + 1] & 0x0F) << 8 | packet[at + 2]) - 4
    packet[end:end + 4] = mpeg_crc32(bytes(packet[at:end])).to_bytes(4, "big")


def mpeg_crc32(data: bytes) -> int:
    """CRC-32/MPEG-2 of a PSI table (a whole table with its CRC gives 0)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = (crc << 1 ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc
