"""Hostile media, round 27: a WAV whose header names ('RIFF', 'WAVE', 'fmt ', 'data') or one plain
PCM format field (coding tag, channels, bit depth, sample rate) are damaged.

Each was refused ('not a media file ffmpeg can read', 'a WAV holding no audio', 'a codec or sample
format ffmpeg cannot decode', '0 audio channels', 'a sample rate of 0 Hz') though its samples were
whole: they are now read, the damage named; a header whose fields do not bear a mend out stays
refused, in one line naming the damage."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import MediaError, probe, read_all
from tests.conftest import MEDIA

MONO = MEDIA / "interview_mono.wav"  # 16 kHz 16-bit: fmt (16 bytes) at 12, data at 36
STEREO = MEDIA / "interview_stereo.wav"


def read(path: Path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


@pytest.fixture(scope="module")
def whole():
    return {wav: read_all(str(wav))[0] for wav in (MONO, STEREO)}


def flipped(data: bytes, at: int, mask: int) -> bytes:
    return data[:at] + bytes([data[at] ^ mask]) + data[at + 1:]


@pytest.mark.parametrize("flips", [[(0, 0x01)], [(3, 0x20)], [(8, 0x01)], [(10, 0x80)], [(12, 0x20)], [(15, 0x01)],
                                   [(36, 0x01)], [(38, 0x04)], [(0, 0x02), (12, 0x04), (36, 0x01)],
                                   [(1, 0x10), (2, 0x01)]],
                         ids=["RIFF", "RIFF-last", "WAVE", "WAVE-high-bit", "fmt", "fmt-space", "data", "data-t",
                              "three-names", "two-bytes-of-RIFF"])
def test_a_wav_whose_header_names_are_damaged_is_read_whole(tmp_path, whole, flips):
    data = MONO.read_bytes()
    for at, mask in flips:
        data = flipped(data, at, mask)
    path = tmp_path / "note.wav"
    path.write_bytes(data)
    source, audio, reader = read(path)
    assert abs(source.duration_ms - 56578) < 5 and np.array_equal(audio, whole[MONO])
    note = next(note for note in reader.notes if "the WAV's header is damaged" in note)
    for at, _ in flips:
        start = at // 4 * 4 if at < 12 else (12 if at < 16 else 36)
        assert f"where '{MONO.read_bytes()[start:start + 4].decode()}' belongs" in note, note


@pytest.mark.parametrize("wav", [MONO, STEREO], ids=["mono", "stereo"])
@pytest.mark.parametrize("at,value,field", [(20, 0, "coding tag"), (22, 0, "channel count"), (34, 0, "bit depth"),
                                            (24, 0, "sample rate"), (24, 7, "sample rate"), (20, 0x0101, "coding tag")])
def test_a_pcm_wav_whose_one_format_field_is_damaged_is_read_as_its_other_fields_state(tmp_path, whole, wav, at,
                                                                                       value, field):
    data = wav.read_bytes()
    size = 4 if at == 24 else 2
    path = tmp_path / "note.wav"
    path.write_bytes(data[:at] + value.to_bytes(size, "little") + data[at + size:])
    source, audio, reader = read(path)
    assert source.sample_rate == 16000 and np.array_equal(audio, whole[wav])
    assert any(f"its {field} stated as" in note and "(damaged)" in note for note in reader.notes), reader.notes


def test_an_undamaged_wav_gets_no_header_note():
    _, _, reader = read(MONO)
    assert not any("header is damaged" in note for note in reader.notes)


def test_a_wav_with_damaged_names_and_a_format_that_states_nothing_twice_is_refused_in_one_line(tmp_path):
    data = flipped(MONO.read_bytes(), 0, 0x01)
    path = tmp_path / "note.wav"
    path.write_bytes(data[:28] + bytes(8) + data[36:])  # byte rate, block size and bit depth zeroed
    with pytest.raises(MediaError) as raised:
        probe(path)
    message = str(raised.value)
    assert "'SIFF' where 'RIFF' belongs" in message and "cannot be read" in message and "\n" not in message


def test_an_8_bit_wav_whose_coding_tag_is_zeroed_is_not_guessed(tmp_path):
    """8-bit plain samples share their layout with A-law and mu-law: which was meant cannot be told."""
    mono = MONO.read_bytes()
    samples = bytes((b + 128) & 0xFF for b in mono[45:45 + 16000 * 2:2])
    fmt = struct.pack("<HHIIHH", 0, 1, 16000, 16000, 1, 8)
    path = tmp_path / "note.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt +
                     b"data" + struct.pack("<I", len(samples)) + samples)
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert "cannot decode" in str(raised.value)
