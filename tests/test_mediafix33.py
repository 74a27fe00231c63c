"""Review revE's findings on session 33's media work, fixed.

- H1: a bare MP3 or ADTS AAC joined after a WAV written as it went (its sizes left -1) or a PCM CAF whose data
  runs 'to the end of the file' (size -1) was heard as the first's sound (an 8 s note heard as 9.7 s), unnamed.
- M1: ID3 tags in a row, empty (a header stating no bytes), were walked one by one (2 MB of them: 6.7 CPU s a
  file); now stepped over by one search a block, with the same result.
- M3: a FLAC's last frame was looked for in its first 256 MiB only (a bare MP3 after a 278 MB FLAC unnamed, and
  256 MiB held at once); now walked to the file's end a block at a time.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from app.core.media import flac, joined
from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media32 import _caf_data_size_at, _heard, _speech
from tests.test_hostile_media33 import BARE, SECONDS, SPEECH

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _said(at: int, size: int) -> str:
    return (f"another file follows this one's end at byte {at:,} ({size:,} bytes opening as {BARE} of its own: two "
            "files joined, by a copy or a carving): it was not read; open it as a file of its own to hear it")


def _streamed(data: bytes, kind: str) -> bytes:
    """The file as a recorder writing to a pipe leaves it: a WAV's RIFF and data sizes -1, a CAF's data size -1."""
    written = bytearray(data)
    if kind == "wav":
        struct.pack_into("<I", written, 4, 0xFFFFFFFF)
        struct.pack_into("<I", written, written.index(b"data") + 4, 0xFFFFFFFF)
    else:
        struct.pack_into(">q", written, _caf_data_size_at(data), -1)
    return bytes(written)


@pytest.mark.parametrize("first", ["wav", "caf"])
@pytest.mark.parametrize("second", ["mp3", "aac"])
def test_a_bare_mp3_or_adts_after_a_pcm_file_of_no_stated_size_is_named_and_the_first_heard_alone(
        tmp_path, first, second):
    one = _speech(tmp_path / f"one.{first}", 3, "-ar", "16000", "-c:a", "pcm_s16le" if first == "wav" else "pcm_s16be")
    streamed = _streamed(one.read_bytes(), first)
    alone = tmp_path / f"alone.{first}"
    alone.write_bytes(streamed)
    other = tmp_path / f"other.{second}"
    ffmpeg("-ss", "30", "-t", "2", "-i", str(SPEECH), *SECONDS[second], str(other))
    both = tmp_path / f"both.{first}"
    both.write_bytes(streamed + other.read_bytes())
    alone_source, alone_audio, alone_reader = _heard(alone)
    source, audio, reader = _heard(both)
    assert alone_reader.notes == () and alone_source.duration_ms == 3000
    assert source.duration_ms == 3000 and np.array_equal(audio, alone_audio), source.duration_ms
    assert reader.notes == (_said(len(streamed), other.stat().st_size),)


def test_a_recording_behind_a_megabyte_of_empty_id3_tags_is_heard_as_itself(tmp_path):
    whole = _speech(tmp_path / "whole.wav", 3, "-ar", "16000")
    tagged = tmp_path / "tagged.wav"
    tagged.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" * 120_000 + whole.read_bytes())  # over a search block
    _, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(tagged)
    assert source.duration_ms == 3000 and np.array_equal(audio, whole_audio) and reader.notes == ()


def test_a_bare_mp3_after_a_flac_longer_than_a_walked_block_is_named(tmp_path, monkeypatch):
    """The FLAC's frames walked 64 kB at a time (16 MiB in use): its last frame lies many blocks on."""
    monkeypatch.setattr(flac, "FRAMES_BLOCK", 1 << 16)
    monkeypatch.setattr(joined, "_AFTER_FLAC", {})
    one = _speech(tmp_path / "one.flac", 20, "-ar", "16000")
    other = tmp_path / "other.mp3"
    ffmpeg("-ss", "30", "-t", "2", "-i", str(SPEECH), *SECONDS["mp3"], str(other))
    both = tmp_path / "both.flac"
    both.write_bytes(one.read_bytes() + other.read_bytes())
    assert one.stat().st_size > 4 << 16
    with both.open("rb") as handle:
        second = joined.found(handle)
    assert second is not None and second.note == _said(one.stat().st_size, other.stat().st_size)


def _v23_tag(frames: bytes, flags: int, stated: int) -> bytes:
    return b"ID3\x03\x00" + bytes([flags]) + bytes((stated >> shift) & 0x7F for shift in (21, 14, 7, 0)) + frames


def _v23_frame(name: bytes, body: bytes) -> bytes:
    return name + struct.pack(">I", len(body)) + b"\x00\x00" + body


TITLE = _v23_frame(b"TIT2", b"\x00Title")
PICTURE = _v23_frame(b"APIC", b"\x00image/jpeg\x00\x03\x00" + bytes(range(256)) * 8)  # 0xFF before 0x00: unsynchronised
DAMAGED_TAGS = {  # a tag whose stated size lies, its frames walked: past an extended header; on disk, unsynchronised
    "extended header": _v23_tag(struct.pack(">I", 6) + bytes(6) + TITLE + bytes(100), 0x40, 0x0FFFFFFF),
    "unsynchronised": _v23_tag(PICTURE.replace(b"\xff", b"\xff\x00") + bytes(100), 0x80, 20)}


@pytest.mark.parametrize("damage", DAMAGED_TAGS)
def test_a_wav_behind_a_damaged_tag_with_an_extended_header_or_unsynchronised_is_heard_as_itself(tmp_path, damage):
    """Refused as 'not a media file ffmpeg can read' (the walk stopped in the tag), with 'another file follows' said
    of the recording itself."""
    whole = _speech(tmp_path / "whole.wav", 3, "-ar", "16000")
    tagged = tmp_path / "tagged.wav"
    tagged.write_bytes(DAMAGED_TAGS[damage] + whole.read_bytes())
    _, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(tagged)
    assert source.duration_ms == 3000 and np.array_equal(audio, whole_audio) and reader.notes == ()
