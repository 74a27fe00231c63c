"""An Apple CAF whose data chunk runs 'to the end of the file' (size -1), its packet table before the audio.

- One entry of its table damaged (a packet stated 60 bytes longer than it is): the table then locates more
  than the file holds, so the file was taken for one cut short, and the mended table was put where ffmpeg
  reads no chunk (after audio of size -1): an AAC note heard for 3.3 s of 6 s and called truncated, an Opus
  one 'damaged' from 1.0 s to its end, while the same damage in their twins of stated size was mended. Now
  mended and heard as its twin.
- The same file followed by a copy of itself (review revB L1, whose three contradicting notes for a whole table
  media33 removed): with one entry damaged, as above, then the copy named. Now the mended
  entry and the copy, nothing else.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.test_hostile_media32 import _caf_data_size_at, _heard, _speech

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from hostile_media_more import apple_caf  # the sweep's own builder

SPEECH = Path("/work/shared/media/interview_mono.wav")

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")

DAMAGED_PACKET = 51  # its entry raised by 60 bytes, written in the same width
MENDED = "which the audio bytes and the packets after it contradict (a damaged entry)"


def _entry_raised(data: bytes, packet: int, by: int) -> bytes:
    """The CAF with one packet-table entry (7 bits a byte, the high bit on all but the last) stated `by` bytes more."""
    changed = bytearray(data)
    at = changed.find(b"pakt") + 12 + 24  # the chunk's header, then the table's own
    for _ in range(packet):
        while changed[at] & 0x80:
            at += 1
        at += 1
    width = 1
    while changed[at + width - 1] & 0x80:
        width += 1
    value = 0
    for byte in changed[at:at + width]:
        value = value << 7 | byte & 0x7F
    value += by
    assert value < 1 << (7 * width)
    changed[at:at + width] = bytes((value >> (7 * (width - 1 - n))) & 0x7F | (0x80 if n < width - 1 else 0)
                                   for n in range(width))
    return bytes(changed)


def _size_minus_one(data: bytes) -> bytes:
    changed = bytearray(data)
    struct.pack_into(">q", changed, _caf_data_size_at(data), -1)
    return bytes(changed)


@pytest.mark.parametrize("coding, codec", [("aac", ("-c:a", "aac", "-b:a", "48k")), ("opus", ("-c:a", "libopus"))])
@pytest.mark.parametrize("after", ["nothing", "a copy of itself"])
def test_a_caf_of_size_minus_one_with_one_damaged_entry_is_mended_as_its_twin_of_stated_size(tmp_path, coding, codec,
                                                                                           after):
    source = _speech(tmp_path / f"source.{'m4a' if coding == 'aac' else 'webm'}", 6, *codec)
    sized = _entry_raised(apple_caf(source, coding), DAMAGED_PACKET, 60)
    to_the_end = _size_minus_one(sized)
    twin, damaged = tmp_path / "twin.caf", tmp_path / "damaged.caf"
    twin.write_bytes(sized)
    copy = _size_minus_one(apple_caf(source, coding)) if after != "nothing" else b""
    damaged.write_bytes(to_the_end + copy)
    twin_source, twin_audio, twin_reader = _heard(twin)
    source_info, audio, reader = _heard(damaged)
    assert any(MENDED in note for note in twin_reader.notes) and not twin_reader.truncated, twin_reader.notes
    assert source_info.duration_ms == twin_source.duration_ms and np.array_equal(audio, twin_audio), audio.size
    assert not reader.truncated and reader.damaged == twin_reader.damaged
    joined = (f"; another file follows this one's end at byte {len(to_the_end):,} ({len(copy):,} bytes opening as a "
              "CAF of its own: two files joined, by a copy or a carving): it was not read; open it as a file of its "
              "own to hear it") if copy else ""
    assert reader.notes == (*twin_reader.notes[:-1], twin_reader.notes[-1] + joined), reader.notes
