"""Hostile media, session 22: a streaming recorder's WAV of gigabytes (its sizes unset, its data
nothing but zeros), read in packets large enough that hours of nothing pass quickly."""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from app.core.media import decode
from app.core.media.decode import SAMPLE_RATE, AudioReader, probe, read_all
from app.core.media.intake import find_media
from tests.conftest import MEDIA
from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media13 import caf_entry_changed, gsm_wav

RATE = 16000


def _streaming_wav(path: Path, data_bytes: int, sizes: int = 0xFFFFFFFF) -> Path:
    """A 16 kHz mono 16-bit WAV whose RIFF and data sizes are `sizes` (a streaming recorder's
    'unknown', or 0) over `data_bytes` of zeros written as a hole (nothing on disk)."""
    with open(path, "wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", sizes) + b"WAVEfmt "
                     + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) + b"data" + struct.pack("<I", sizes))
    os.truncate(path, 44 + data_bytes)
    return path


@pytest.fixture()
def packets(monkeypatch) -> list[int]:
    """How many packets the decoder was handed."""
    handed: list[int] = []
    real = decode._decode_packet

    def counted(packet, *args, **kwargs):
        handed.append(packet.size)
        return real(packet, *args, **kwargs)

    monkeypatch.setattr(decode, "_decode_packet", counted)
    return handed


def test_hours_of_a_streaming_recorders_zeros_pass_in_few_packets(tmp_path, packets):
    """A recorder's WAV never closed (sizes 0xFFFFFFFF) over 128 MiB of zeros (70 min): ffmpeg
    handed it on in 4 kB packets, 32,768 of them, each costing more than its samples (about 50 s
    a GiB: a 4 GB one took minutes to say it held no speech). It is read 256 kB a packet, and
    every sample is still there, in place."""
    data = 128 << 20
    path = _streaming_wav(tmp_path / "recorder.wav", data)
    reader = AudioReader(str(path), expected_ms=probe(path).duration_ms)
    samples = loud = 0
    for block in reader.blocks():
        samples += block.shape[-1]
        loud += int(np.count_nonzero(block))
    assert samples == data // 2 and loud == 0 and not reader.truncated
    assert len(packets) <= 550  # 32,768 before


@pytest.mark.parametrize("name", ["interview_stereo.wav", "interview_mono.wav"])
def test_a_wav_read_in_large_packets_keeps_every_sample(name, packets):
    """The samples decoded are the file's own, every one, in both channels."""
    path = MEDIA / name
    audio, _ = read_all(str(path), mono=False)
    with wave.open(str(path)) as source:
        assert source.getframerate() == SAMPLE_RATE
        pcm = np.frombuffer(source.readframes(source.getnframes()), "<i2").reshape(-1, source.getnchannels()).T
    assert audio.shape == pcm.shape and np.array_equal(audio, pcm.astype(np.float32) / 32768)
    assert len(packets) <= 20  # 443 (stereo), 222 (mono) before


def test_speech_after_an_unset_data_size_is_read_whole(tmp_path):
    """A WAV whose data size is 0 (a recorder that never went back to write it) over real audio:
    all of it is read, none called cut."""
    source = MEDIA / "interview_mono.wav"
    raw = source.read_bytes()
    at = raw.index(b"data")
    unset = tmp_path / "unset.wav"
    unset.write_bytes(raw[:at + 4] + struct.pack("<I", 0) + raw[at + 8:])
    info = probe(unset)
    audio, reader = read_all(str(unset), expected_ms=info.duration_ms)
    whole, _ = read_all(str(source))
    assert audio.size == whole.size and np.array_equal(audio, whole) and not reader.truncated


@pytest.mark.parametrize("damage", [lambda toc: 0x00, lambda toc: 0xFF, lambda toc: toc ^ 0x40],
                         ids=["zeroed", "0xff", "a bit flipped to NO_DATA"])
def test_a_headerless_amr_whose_first_frame_header_is_damaged_is_read_whole(tmp_path, damage):
    """A phone's raw AMR frames (no '#!AMR' header) whose first byte, the first frame's header, is
    damaged: every frame after it was whole, yet the note was 'not a media file ffmpeg can read'
    named .amr and passed over as not media in a folder. It is read, its first header mended,
    the same audio as the note undamaged, with a warning naming the byte."""
    intact = _amr_nb(tmp_path / "intact.amr", MEDIA / "interview_mono.wav", 6)
    frames = bytearray(intact.read_bytes()[6:])
    frames[0] = damage(frames[0])
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "VOICE0001").write_bytes(bytes(frames))
    [found] = find_media([str(folder)])
    assert found.skipped is None and found.error is None and found.source is not None
    expected, _ = read_all(str(intact))
    audio, reader = read_all(found.path, expected_ms=probe(found.path).duration_ms)
    assert np.array_equal(audio, expected) and not reader.truncated
    assert any("damaged frame header" in line and "byte 0" in line for line in reader.notes)
    assert probe(found.path).duration_ms == probe(intact).duration_ms


def _amr_nb(path: Path, source: Path, seconds: float) -> Path:
    ffmpeg("-i", str(source), "-t", str(seconds), "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb",
           "-f", "amr", str(path))
    return path


@pytest.mark.parametrize("kind", ["m4a", "mp4"])
@pytest.mark.parametrize("past", [60 * 48000, 0x7FFFFFFF])
def test_an_edit_list_starting_past_the_audio_is_damage_and_the_audio_is_read(tmp_path, kind, past):
    """A voice note's (or a video's) one edit starting past the end of its audio: it shows nothing,
    which no trim does. ffmpeg decoded nothing, and the whole note was 'hidden by the edit list'
    and never transcribed: an empty transcript of a file holding 6 s of speech. It is damage: the
    audio is read whole from the track's start, and the warning says why."""
    note = tmp_path / f"note.{kind}"
    video = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=6", "-c:v", "mpeg4"] if kind == "mp4" else []
    ffmpeg(*video, "-i", str(MEDIA / "interview_mono.wav"), "-t", "6", "-ar", "48000", "-c:a", "aac", str(note))
    whole, _ = read_all(str(note))
    data = bytearray(note.read_bytes())
    elst = [at for at in range(len(data)) if data.startswith(b"elst", at)][-1]  # the sound track's (the last trak)
    struct.pack_into(">i", data, elst + 16, past)
    damaged = tmp_path / f"damaged.{kind}"
    damaged.write_bytes(bytes(data))
    info = probe(damaged)
    audio, reader = read_all(str(damaged), expected_ms=info.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 6.0) < 0.2 and not reader.truncated and reader.damaged == ()
    assert abs(info.duration_ms - 6000) < 200
    shift = audio.size - whole.size  # the encoder's priming, which the edit list had left out: 1,024 samples
    assert 0 <= shift <= 1100 and np.corrcoef(audio[shift:shift + 80_000], whole[:80_000])[0, 1] > 0.95
    [line] = reader.notes
    assert "edit list is damaged" in line and f"from media time {past:,}" in line and "read whole" in line


@pytest.mark.parametrize("damage", [((10, 40), (30, -100)), ((3, -25), (20, 60)), ((12, 7), (14, 300)),
                                    ((5, 7), (6, 20)), ((10, 40), (25, -40))],
                         ids=["apart", "early", "close", "side by side", "making up for each other"])
def test_a_caf_whose_packet_table_states_two_packets_sizes_wrong_is_read_whole(tmp_path, damage):
    """Two damaged sizes in an iPhone app's ALAC note: the difference the audio bytes give is the
    sum of both errors, so no one size put it right and the note was read as before, 2.8 s of 8,
    the rest 'damaged', truncated, its last bytes 'cannot be located' (or, the errors making up
    for each other, the packets between them decoded out of place: noise). Both are put right:
    the same samples as the note undamaged (ALAC decodes a packet a byte out of place to noise
    without an error: a size one byte off must not pass)."""
    whole = tmp_path / "whole.caf"
    ffmpeg("-i", str(MEDIA / "interview_mono.wav"), "-t", "8", "-ar", "16000", "-ac", "1", "-c:a", "alac", str(whole))
    data = whole.read_bytes()
    for packet, by in damage:
        data = caf_entry_changed(data, packet, by)
    path = tmp_path / "note.caf"
    path.write_bytes(data)
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.duration_ms == probe(whole).duration_ms == 8000
    assert np.array_equal(audio, read_all(str(whole))[0]) and not reader.truncated and not reader.damaged
    (first, _), (second, _) = damage
    assert f"states packet {first + 1} as" in reader.notes[0] and f"and packet {second + 1} as" in reader.notes[0]


@pytest.mark.parametrize(("frames", "header"), [
    ((100, 200, 300, 400), lambda n: b"#!AMR\n"),
    ((100, 200, 300, 400), lambda n: [b"#!ANR\n", b"#!AMR", b"#!AMR\n\n", b"#AMR\n"][n]),
    ((100, 102, 104, 106), lambda n: b"#!AMR\n" if n % 2 else b"#!AMx\n"),
    ((100, 101, 102, 103, 104, 105), lambda n: b"\x23\x21\x41\x4d\x52\x0b"),
], ids=["whole, apart", "damaged, apart", "close", "side by side"])
def test_an_amr_holding_its_header_again_inside_it_is_read_past_it(tmp_path, frames, header):
    """Notes joined end to end, each keeping its '#!AMR' header (whole, or a byte damaged, lost or
    added): the headers were read as frames; four a frame or two apart put the reader out of step
    for good, a second of noise and every word after it a second late. They are read past: the
    same audio as the frames alone, with a warning naming them."""
    note = _amr_nb(tmp_path / "note.amr", MEDIA / "interview_mono.wav", 10)
    data = note.read_bytes()
    body, at = bytearray(data[:6]), 6
    sizes = {mode: size for mode, size in enumerate([13, 14, 16, 18, 20, 21, 27, 32, 6])}
    starts = []
    while at < len(data):
        starts.append(at)
        at += sizes.get(data[at] >> 3 & 0x0F, 1)
    last = 6
    for n, frame in enumerate(frames):
        body += data[last:starts[frame]] + header(n)
        last = starts[frame]
    body += data[last:]
    joined = tmp_path / "joined.amr"
    joined.write_bytes(bytes(body))
    info = probe(joined)
    audio, reader = read_all(str(joined), expected_ms=info.duration_ms)
    expected, _ = read_all(str(note))
    assert info.duration_ms == probe(note).duration_ms and np.array_equal(audio, expected)
    assert not reader.truncated and not reader.damaged
    [line] = reader.notes
    assert f"its file header again {len(frames)} time(s) inside it" in line


@pytest.mark.parametrize("stated", [16000, 4000, 44100])
def test_a_gsm_wav_stating_a_rate_gsm_is_not_coded_at_is_read_at_8_khz(tmp_path, stated):
    """GSM 6.10 is coded at 8 kHz only; a call recorder's WAV whose header states 16 kHz (its byte
    rate 8 kHz's, 1,625 bytes a second) played at double speed: 8 s of call as 4. It is read at
    8 kHz, with a warning. (No GSM encoder here: its frames are any bits, 8 s of them.)"""
    frames = np.random.default_rng(1).integers(0, 256, 65 * 25 * 8, dtype=np.uint8).tobytes()
    data = bytearray(gsm_wav(frames, 65))
    at = data.index(b"fmt ") + 8
    right = read_all(str(_written(tmp_path / "right.wav", bytes(data))))[0]
    struct.pack_into("<I", data, at + 4, stated)
    path = _written(tmp_path / "call.wav", bytes(data))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.duration_ms == 8000 and source.sample_rate == 8000 and np.array_equal(audio, right)
    assert not reader.truncated and not reader.damaged
    assert any(f"states {stated:,} Hz (damaged)" in line and "read at 8,000 Hz" in line for line in reader.notes)


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("codec", ["adpcm_ima_wav", "adpcm_ms"])
def test_an_adpcm_wav_whose_stated_rate_its_byte_rate_contradicts_says_so(tmp_path, codec):
    """An 8 kHz call recording whose header states 16 kHz (its byte rate still 8 kHz's) played at
    double speed without a word of warning. Which field lies cannot be told from the header, so it
    is still read at the rate stated, but the run now names the contradiction and the other rate."""
    path = tmp_path / "call.wav"
    ffmpeg("-i", str(MEDIA / "interview_mono.wav"), "-t", "6", "-ar", "8000", "-c:a", codec, str(path))
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, data.index(b"fmt ") + 12, 16000)
    path.write_bytes(bytes(data))
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 3.0) < 0.1 and not reader.truncated
    assert any("states 16,000 Hz, but its byte rate" in line and "is 8,000 Hz's" in line for line in reader.notes)
