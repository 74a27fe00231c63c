"""Hostile media, round 27: a WAV whose header names ('RIFF', 'WAVE', 'fmt ', 'data') or one plain
PCM format field (coding tag, channels, bit depth, sample rate) are damaged; a long index-less video
whose AAC sound lies between H.263 or MJPEG pictures.

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
from tests.test_hostile_media12 import ffmpeg
from tests.test_hostile_media23 import rms, without_moov
from tests.test_hostile_media26 import read

MONO = MEDIA / "interview_mono.wav"  # 16 kHz 16-bit: fmt (16 bytes) at 12, data at 36
STEREO = MEDIA / "interview_stereo.wav"


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


LONG_BURSTS = "sine=frequency=440:duration=30,volume='if(lt(mod(t,3),1),1,0)':eval=frame"  # sound 0-1, 3-4, ... s


@pytest.mark.parametrize("codec,container,rate", [("h263", "3gp", 16000), ("mjpeg", "mov", 48000)])
def test_a_long_aac_video_of_start_code_pictures_without_its_index_keeps_every_burst_in_place(tmp_path, codec,
                                                                                             container, rate):
    """Bytes of a picture tried as an AAC frame may hold a program element: ffmpeg's decoder was left at
    41 channels or 96 kHz and refused every true frame after it, and a silent 4-byte frame was taken
    with a picture's last bytes as one frame: 197 of a 60 s H.263 clip's 939 frames were found, 658 of
    an MJPEG's 2,814 (the sound 4/5 short, later bursts heard early). All are found now."""
    clip = tmp_path / f"clip.{container}"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15:duration=30", "-f", "lavfi", "-i", LONG_BURSTS,
           "-c:v", codec, "-ar", str(rate), "-ac", "1", "-c:a", "aac", "-shortest", str(clip))
    path = tmp_path / f"VID0001.{container}"
    path.write_bytes(without_moov(clip.read_bytes()))
    source, audio, reader = read(path)
    assert abs(source.duration_ms - 30000) < 300, source.duration_ms
    for start in range(0, 30, 3):
        assert rms(audio, start + 0.2, start + 0.8) > 0.05, start
        assert rms(audio, start + 1.3, start + 2.7) < 0.01, start
    assert any("AAC frames found between them" in note and "ms early" in note for note in reader.notes), reader.notes


def test_a_variable_rate_video_without_its_index_says_its_sound_rate_is_uncertain(tmp_path):
    """A phone's variable picture rate bears out no camera rate: the 44.1 kHz sound (decoding alike to
    48 kHz) is not settled by a count of pictures that fits none, and the note says the rate is unknown."""
    clip = tmp_path / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=176x144:rate=30:duration=12", "-f", "lavfi", "-i",
           LONG_BURSTS.replace("duration=30", "duration=12"),
           "-vf", r"select='not(eq(mod(n\,7)\,3))*not(eq(mod(n\,11)\,5))'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-threads", "1", "-ar", "44100", "-ac", "1", "-c:a", "aac", "-shortest", str(clip))
    path = tmp_path / "VID0001.mp4"
    path.write_bytes(without_moov(clip.read_bytes()))
    _, _, reader = read(path)
    assert any("AAC frames found between them" in note and "44.1 kHz decodes alike" in note
               for note in reader.notes), reader.notes


def test_a_chunk_named_a_byte_from_data_before_the_true_data_chunk_is_not_taken_for_it(tmp_path, whole):
    data = MONO.read_bytes()
    date = b"date" + struct.pack("<I", 8) + b"20261204"
    path = tmp_path / "note.wav"
    path.write_bytes(data[:36] + date + data[36:])
    _, audio, reader = read(path)
    assert np.array_equal(audio, whole[MONO]) and not any("header is damaged" in note for note in reader.notes)


@pytest.mark.parametrize("name", ["interview_mono.wav", "interview.mp4", "ro_voicenote.3gp", "en_voicenote.m4a"])
def test_a_recording_joined_to_another_file_says_the_second_was_not_read(tmp_path, name):
    """ffmpeg reads the first file to its header's end: the second recording joined after it was lost, unsaid."""
    data = (MEDIA / name).read_bytes()
    path = tmp_path / f"joined{Path(name).suffix}"
    path.write_bytes(data + data)
    source, _, reader = read(path)
    assert source.duration_ms == probe(MEDIA / name).duration_ms
    assert any(f"another file follows this one's end at byte {len(data):,}" in note for note in reader.notes), \
        reader.notes
    assert not any("another file follows" in note for note in read(MEDIA / name)[2].notes)


def with_fields(data: bytes, **fields: int) -> bytes:
    """A canonical WAV (fmt at 12) with some of its format fields stated otherwise."""
    at = {"channels": (22, 2), "rate": (24, 4), "byte_rate": (28, 4), "align": (32, 2), "bits": (34, 2)}
    for name, value in fields.items():
        offset, size = at[name]
        data = data[:offset] + value.to_bytes(size, "little") + data[offset + size:]
    return data


@pytest.mark.parametrize("wav,fields", [
    (MONO, {"byte_rate": 64000}),  # stereo assumed: was read at 32 kHz, half its length
    (STEREO, {"byte_rate": 32000}),  # channels left out of the byte rate: was read at 8 kHz, twice its length
    (STEREO, {"byte_rate": 32000, "align": 2}),  # and of the block size: was read as mono, left/right interleaved
    (MONO, {"bits": 12}),  # 12-bit samples in 16-bit containers: was called damaged
], ids=["mono-stereo-byte-rate", "stereo-mono-byte-rate", "stereo-mono-block", "12-bit"])
def test_a_healthy_wav_whose_byte_rate_or_block_size_disagrees_is_read_as_its_rate_and_channels_state(
        tmp_path, whole, wav, fields):
    """Players and ffmpeg read the sample rate, channels and bit depth and ignore the byte rate, which
    writers often get wrong: such a file is read as before, its header not called damaged."""
    path = tmp_path / "note.wav"
    path.write_bytes(with_fields(wav.read_bytes(), **fields))
    source, audio, reader = read(path)
    assert source.sample_rate == 16000 and abs(source.duration_ms - 56578) < 5 and np.array_equal(audio, whole[wav])
    assert not any("header is damaged" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_healthy_high_rate_stereo_wav_whose_byte_rate_leaves_out_its_channels_keeps_its_rate(tmp_path, rate):
    path = tmp_path / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration=3:sample_rate={rate}", "-ac", "2", "-c:a", "pcm_s16le",
           "-bitexact", "-map_metadata", "-1", str(path))
    data = path.read_bytes()
    assert data[12:16] == b"fmt " and data[36:40] == b"data"
    path.write_bytes(with_fields(data, byte_rate=rate * 2))
    source, _, reader = read(path)
    assert source.sample_rate == rate and abs(source.duration_ms - 3000) < 5
    assert not any("header is damaged" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("wav,at,mask", [(MONO, 24, 0x08), (MONO, 25, 0x20), (STEREO, 22, 0x04), (MONO, 22, 0x02),
                                         (MONO, 34, 0x08)],
                         ids=["16008-Hz", "7808-Hz", "6-channels", "3-channels", "24-bit-in-2-bytes"])
def test_a_bit_flipped_in_a_format_field_to_a_value_no_writer_states_is_read_as_the_others_state(tmp_path, whole,
                                                                                               wav, at, mask):
    """A rate off the standard ones, a channel count other than mono or stereo, more bits than the
    block holds, where the block size and byte rate agree on a standard layout: the field is damaged."""
    path = tmp_path / "note.wav"
    path.write_bytes(flipped(wav.read_bytes(), at, mask))
    source, audio, reader = read(path)
    assert source.sample_rate == 16000 and np.array_equal(audio, whole[wav])
    assert any("header is damaged" in note and "(damaged)" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("riff_size,data_size", [(None, 0), (None, 0xFFFFFFFF), (None, "past"),
                                                 (0xFFFFFFFF, 0xFFFFFFFF), (0, 0), (0xFFFFFFFF, None)],
                         ids=["data-0", "data-unknown", "data-past-riff-end", "streamed", "streamed-0",
                              "riff-unknown"])
def test_a_wav_joined_to_another_is_read_only_to_where_the_second_starts(tmp_path, whole, riff_size, data_size):
    """Where the first WAV's data size is 0 or -1 (written as it went) or runs past its RIFF end,
    ffmpeg read on into the second: its header heard as a click, its speech as the first's; where
    the RIFF size is 0 or -1, the second was not named at all."""
    first, second = MONO.read_bytes(), STEREO.read_bytes()
    sizes = {4: riff_size, 40: len(first) - 44 + len(second) if data_size == "past" else data_size}
    for at, size in sizes.items():
        first = first if size is None else first[:at] + struct.pack("<I", size) + first[at + 4:]
    path = tmp_path / "joined.wav"
    path.write_bytes(first + second)
    source, audio, reader = read(path)
    assert abs(source.duration_ms - 56578) < 5 and np.array_equal(audio, whole[MONO])
    assert any(f"another file follows this one's end at byte {len(first):,}" in note and "it was not read" in note
               for note in reader.notes), reader.notes
