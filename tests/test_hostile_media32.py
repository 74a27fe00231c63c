"""Hostile media, round 32: the cases session 31 left open, and new members of the class.

- A CAF exactly 2^k bytes short of what its data chunk states: a file cut short by exactly that many
  bytes, or one bit of the size damaged. It was exported as "a damaged size, not a recording cut
  short" (a 6 s telephone note that lost 4 s, as a whole 1.9 s recording), or the other way round as
  a cut (a whole note called truncated). The bytes cannot tell: the note gives both readings.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.test_hostile_media import ffmpeg

SPEECH = Path("/work/shared/media/interview_mono.wav")

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


def _speech(path: Path, seconds: float, *codec: str) -> Path:
    ffmpeg("-ss", "13", "-t", str(seconds), "-i", str(SPEECH), *codec, str(path))
    return path


def _heard(path: Path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


def _caf_data_size_at(data: bytes) -> int:
    at = 8  # chunks follow the 8-byte 'caff' header; each: name, 8-byte big-endian size, body
    while data[at:at + 4] != b"data":
        at += 12 + struct.unpack_from(">q", data, at + 4)[0]
    return at + 4


RESAMPLER_TAIL = 64
BOTH_READINGS = ("either the file was cut short by", "or one bit of the size is damaged and the recording is whole")

CUTS = {  # name: (seconds, ffmpeg's codec arguments, how the file is made from the whole one)
    "3 s PCM cut by 65,536 bytes": (3, ("-ar", "16000", "-c:a", "pcm_s16be"), lambda data: data[:-65_536]),
    "6 s A-law cut by 32,768 bytes": (6, ("-ar", "8000", "-c:a", "pcm_alaw"), lambda data: data[:-32_768]),
    "3 s PCM whose size gained 2^15": (3, ("-ar", "16000", "-c:a", "pcm_s16be"), lambda data: _size_or(data, 1 << 15)),
}


def _size_or(data: bytes, bit: int) -> bytes:
    at, changed = _caf_data_size_at(data), bytearray(data)
    assert not struct.unpack_from(">q", data, at)[0] & bit
    struct.pack_into(">q", changed, at, struct.unpack_from(">q", data, at)[0] | bit)
    return bytes(changed)


@pytest.mark.parametrize("case", CUTS)
def test_a_caf_exactly_2k_bytes_short_gives_both_readings(tmp_path, case):
    """Its stated length stands and it is truncated (the cut reading is not ruled out); the note names
    both readings and never says "not a recording cut short"; the audio is the bytes present, nothing more."""
    seconds, codec, damage = CUTS[case]
    whole = _speech(tmp_path / "whole.caf", seconds, *codec)
    damaged = tmp_path / "damaged.caf"
    damaged.write_bytes(damage(whole.read_bytes()))
    _, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(damaged)
    assert source.duration_ms >= seconds * 1000 and reader.truncated, (case, source.duration_ms, reader.notes)
    assert reader.damaged[-1][1] == source.duration_ms, reader.damaged
    assert all(part in " ".join(reader.notes) for part in BOTH_READINGS), reader.notes
    assert "not a recording cut short" not in " ".join(reader.notes)
    kept = audio.size - RESAMPLER_TAIL  # the last samples before a cut are the resampler's flush (8 kHz A-law)
    assert audio.size <= whole_audio.size and np.array_equal(audio[:kept], whole_audio[:kept])
    present_s = (damaged.stat().st_size - (whole.stat().st_size - seconds * _bytes_per_s(codec))) / _bytes_per_s(codec)
    assert abs(audio.size / SAMPLE_RATE - present_s) < 0.01, (audio.size / SAMPLE_RATE, present_s)


def _bytes_per_s(codec: tuple[str, ...]) -> int:
    rate = int(codec[codec.index("-ar") + 1])
    return rate * (2 if "pcm_s16be" in codec else 1)


def test_a_caf_claiming_hours_exactly_2k_bytes_past_a_short_note_is_as_long_as_its_bytes(tmp_path):
    """2^36 bytes past a 3 s note would be 596 hours cut to 3 s: the length is the bytes', not truncated,
    and the note still gives both readings."""
    whole = _speech(tmp_path / "whole.caf", 3, "-ar", "16000", "-c:a", "pcm_s16be")
    damaged = tmp_path / "damaged.caf"
    damaged.write_bytes(_size_or(whole.read_bytes(), 1 << 36))
    whole_source, whole_audio, _ = _heard(whole)
    source, audio, reader = _heard(damaged)
    assert source.duration_ms == whole_source.duration_ms and not reader.truncated and not reader.damaged
    assert np.array_equal(audio, whole_audio)
    assert all(part in " ".join(reader.notes) for part in BOTH_READINGS), reader.notes
