"""Hostile media, round 26: a WAV whose fmt chunk is damaged (its length, or an extensible
format's sub-format), or a chunk before the format claiming the rest of the file; an index-less
video whose AAC sound lies between MPEG-4 Part 2, H.263 or MJPEG pictures.

Each was refused ('a WAV holding no audio', 'a codec or sample format ffmpeg cannot decode', 'its
media data ... is neither', 'holds H.265 pictures' for an MJPEG's) though its sound was whole:
it is now read, and the damage is named."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media12 import ffmpeg
from tests.test_hostile_media23 import BURSTS, assert_bursts_in_place, without_moov

WAV = MEDIA / "interview_mono.wav"  # fmt (16 bytes) at 12, data at 36
PCM_GUID = b"\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def read(path: Path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


@pytest.fixture(scope="module")
def whole():
    """The undamaged WAV's samples."""
    return read_all(str(WAV))[0]


def with_size(data: bytes, at: int, size: int) -> bytes:
    return data[:at] + struct.pack("<I", size) + data[at + 4:]


def extensible(data: bytes, guid: bytes) -> bytes:
    """The WAV with its 16-byte PCM fmt chunk rewritten as WAVE_FORMAT_EXTENSIBLE naming `guid`."""
    _, channels, rate, byte_rate, align, bits = struct.unpack_from("<HHIIHH", data, 20)
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, byte_rate, align, bits, 22, bits, 4) + guid
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + data[36:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("stated", [0, 14, 18, 1000])
def test_a_wav_whose_fmt_chunk_states_a_damaged_length_is_read_whole(tmp_path, whole, stated):
    path = tmp_path / "note.wav"
    path.write_bytes(with_size(WAV.read_bytes(), 16, stated))
    source, audio, reader = read(path)
    assert abs(source.duration_ms - 56578) < 5 and np.array_equal(audio, whole)
    assert any(f"fmt chunk states a length of {stated:,} bytes (damaged)" in note for note in reader.notes), \
        reader.notes


def test_a_wav_whose_list_chunk_before_the_format_claims_the_whole_file_is_read(tmp_path, whole):
    data = WAV.read_bytes()
    path = tmp_path / "note.wav"
    path.write_bytes(data[:12] + b"LIST" + struct.pack("<I", 0xFFFFFF00) + b"INFO" + data[12:])
    _, audio, reader = read(path)
    assert np.array_equal(audio, whole)
    assert any("states a length past the end of the file" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("guid", [bytes(16), b"\x55\x12" + bytes(range(14)), b"\x03" + PCM_GUID[1:]],
                         ids=["zeroed", "junk", "float-at-16-bits"])
def test_a_wav_whose_extensible_sub_format_is_damaged_is_read_as_the_pcm_its_layout_states(tmp_path, whole, guid):
    path = tmp_path / "note.wav"
    path.write_bytes(extensible(WAV.read_bytes(), guid))
    _, audio, reader = read(path)
    assert np.array_equal(audio, whole)
    assert any(f"sub-format ({guid.hex()}) names no coding" in note and "16-bit PCM" in note
               for note in reader.notes), reader.notes


@pytest.mark.parametrize("codec,kind", [("pcm_f32le", "float"), ("pcm_s32le", "PCM")])
def test_a_32_bit_wav_whose_sub_format_is_zeroed_is_read_as_float_or_integer_as_its_samples_are(tmp_path, codec,
                                                                                                   kind):
    good = tmp_path / "good.wav"
    ffmpeg("-i", str(WAV), "-t", "8", "-c:a", codec, "-rf64", "never", str(good))
    data = good.read_bytes()
    start = data.index(b"data")
    plain = data[:12] + b"fmt " + struct.pack("<I", 16) + data[data.index(b"fmt ") + 8:][:16] + data[start:]
    path = tmp_path / "note.wav"
    path.write_bytes(extensible(plain, bytes(16)))
    _, audio, reader = read(path)
    assert np.allclose(audio, read_all(str(good))[0], atol=1e-6) and np.abs(audio).max() > 0.1
    assert any(f"32-bit {kind} samples" in note for note in reader.notes), reader.notes


def test_an_undamaged_extensible_wav_is_read_without_a_note(tmp_path, whole):
    path = tmp_path / "note.wav"
    path.write_bytes(extensible(WAV.read_bytes(), PCM_GUID))
    _, audio, reader = read(path)
    assert np.array_equal(audio, whole) and not any("fmt" in note or "sub-format" in note for note in reader.notes)


@pytest.mark.parametrize("codec,tag", [("pcm_alaw", 6), ("pcm_mulaw", 7)])
def test_an_extensible_telephone_wav_keeps_its_coding(tmp_path, codec, tag):
    """An extensible WAV naming A-law or mu-law in a standard GUID states an 8-bit plain layout
    too: it is the file's coding, not damage, and is decoded as such (it was rewritten as 8-bit
    PCM, the sound distorted and a false 'damaged' note added)."""
    good = tmp_path / "good.wav"
    ffmpeg("-i", str(WAV), "-t", "8", "-ar", "8000", "-c:a", codec, str(good))
    data = good.read_bytes()
    start = data.index(b"data")
    plain = data[:12] + b"fmt " + struct.pack("<I", 16) + data[data.index(b"fmt ") + 8:][:16] + data[start:]
    path = tmp_path / "call.wav"
    path.write_bytes(extensible(plain, struct.pack("<H", tag) + PCM_GUID[2:]))
    _, audio, reader = read(path)
    expected = read_all(str(good))[0]
    assert np.abs(expected).max() > 0.1 and np.allclose(audio, expected, atol=1e-6)
    assert not any("sub-format" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("codec,container,rate,name", [("mpeg4", "3gp", 8000, "MPEG-4 Part 2"),
                                                       ("h263", "3gp", 16000, "H.263"),
                                                       ("mjpeg", "mov", 48000, "MJPEG")])
def test_an_aac_video_of_start_code_pictures_without_its_index_keeps_its_sound_in_place(tmp_path, codec, container,
                                                                                       rate, name):
    clip = tmp_path / f"clip.{container}"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15:duration=9", "-f", "lavfi", "-i", BURSTS,
           "-c:v", codec, "-ar", str(rate), "-ac", "1", "-c:a", "aac", "-shortest", str(clip))
    path = tmp_path / f"VID0001.{container}"
    path.write_bytes(without_moov(clip.read_bytes()))
    source, audio, reader = read(path)
    assert abs(source.duration_ms - 9000) < 400 and abs(len(audio) / 16 - source.duration_ms) < 30, source.duration_ms
    assert_bursts_in_place(audio)
    assert any(f"bytes of {name} passed over" in note and f"at {rate / 1000:g} kHz mono" in note
               for note in reader.notes), reader.notes
