"""Digital silence (samples that are exactly zero, or one constant value): a sparse WAV, a recorder
that wrote its header and nothing after it. Its silence must not be searched by the VAD sample by
sample, and speech after a long silent stretch must keep its exact time."""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from app.core.asr import fw_internals
from app.core.asr.speech import BUFFER_S, speech_chunks
from app.core.media.decode import SAMPLE_RATE, AudioReader, probe
from tests.conftest import MEDIA

RATE = 16000


def _header(data_bytes: int, rate: int = RATE, bits: int = 16, tag: int = 1) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, tag, 1, rate, rate * bits // 8, bits // 8, bits)
            + b"data" + struct.pack("<I", data_bytes))


def _sparse_wav(path: Path, data_bytes: int, parts: dict[int, bytes] | None = None) -> Path:
    """A 16 kHz mono 16-bit WAV whose data is zeros (a hole: no bytes written) but for `parts`
    written at their byte offsets into the data."""
    with open(path, "wb") as handle:
        handle.write(_header(data_bytes))
        for at, data in (parts or {}).items():
            handle.seek(44 + at)
            handle.write(data)
    os.truncate(path, 44 + data_bytes)
    return path


@pytest.fixture()
def vad_calls(monkeypatch) -> list[int]:
    """The sample counts each Silero VAD search was handed."""
    calls: list[int] = []
    real = fw_internals.get_speech_timestamps

    def counted(audio, options):
        calls.append(len(audio))
        return real(audio, options)

    monkeypatch.setattr(fw_internals, "get_speech_timestamps", counted)
    return calls


def test_a_sparse_wav_of_zeros_is_not_searched_by_the_vad(tmp_path, vad_calls):
    seconds = 3600  # an hour of zeros (115 MB, a hole on disk)
    path = _sparse_wav(tmp_path / "recorder.wav", seconds * RATE * 2)
    reader = AudioReader(str(path), expected_ms=probe(path).duration_ms)
    chunks = list(speech_chunks(reader.blocks(), markers=True))
    assert all(not c.regions and c.audio.size == 0 for c in chunks)  # no speech, markers only
    assert len(chunks) >= seconds // BUFFER_S - 1  # the silence still moves progress along
    assert reader.decoded_ms == seconds * 1000
    assert vad_calls == []  # it ran over every 3 minutes of it (20 searches) before


@pytest.mark.parametrize("tag, bits", [(1, 8), (6, 8)], ids=["u8", "a-law"])
def test_zero_bytes_that_decode_to_a_steady_offset_are_not_searched(tmp_path, vad_calls, tag, bits):
    """An 8-bit or A-law file of zero bytes is one steady value (-1.0, -0.168), not zero: still no sound."""
    path = tmp_path / "offset.wav"
    seconds = 600
    with open(path, "wb") as handle:
        handle.write(_header(seconds * 8000, rate=8000, bits=bits, tag=tag))
    os.truncate(path, 44 + seconds * 8000)
    reader = AudioReader(str(path))
    chunks = list(speech_chunks(reader.blocks(), markers=True))
    assert not any(c.regions for c in chunks) and reader.decoded_ms == seconds * 1000
    assert vad_calls == []  # 4 searches before


def test_constant_audio_gives_what_the_vad_gives(vad_calls):
    options = fw_internals.VadOptions()
    for value in (0.0, 0.25, -1.0, 1e-6):
        audio = np.full(30 * SAMPLE_RATE, value, dtype=np.float32)
        assert fw_internals.speech_timestamps(audio, options) == []
    assert vad_calls == []
    noise = np.random.default_rng(1).normal(0, 1e-4, 30 * SAMPLE_RATE).astype(np.float32)  # a quiet room
    fw_internals.speech_timestamps(noise, options)
    lone_click = np.zeros(30 * SAMPLE_RATE, dtype=np.float32)
    lone_click[1000] = 3e-5  # one 16-bit step in 30 s of zeros
    fw_internals.speech_timestamps(lone_click, options)
    assert vad_calls == [len(noise), len(lone_click)]  # searched: only exactly constant samples are skipped


def _speech(seconds: float, skip_s: float = 0.0) -> bytes:
    with wave.open(str(MEDIA / "interview_mono.wav")) as clip:
        assert clip.getframerate() == RATE and clip.getnchannels() == 1 and clip.getsampwidth() == 2
        clip.setpos(int(skip_s * RATE))
        return clip.readframes(int(seconds * RATE))


@pytest.mark.slow
def test_speech_after_a_long_digital_silence_keeps_its_time(tmp_path, models_dir, vad_calls):
    from app.core.asr import load_engine, transcribe_source
    from app.core.options import TranscribeOptions

    first, second = _speech(12.0), _speech(12.0)
    gap_s = 1200  # 20 minutes of zeros between the two
    second_at = len(first) + gap_s * RATE * 2
    path = _sparse_wav(tmp_path / "call.wav", second_at + len(second), {0: first, second_at: second})
    options = TranscribeOptions(model="tiny.en", threads=2)
    engine = load_engine(options, models_dir)
    segments = [s for d in transcribe_source(engine, probe(path), options) for s in d.segments]
    alone = tmp_path / "alone.wav"
    with wave.open(str(alone), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(RATE)
        out.writeframes(first)
    reference = [s for d in transcribe_source(engine, probe(alone), options) for s in d.segments]
    assert reference, "the clip holds speech"
    early = [s for s in segments if s.end_ms <= 13_000]
    late = [s for s in segments if s.start_ms >= 12_000 + gap_s * 1000 - 500]
    assert len(early) + len(late) == len(segments)  # nothing found inside the silence
    assert [s.text for s in early] == [s.text for s in reference]
    assert [s.text for s in late] == [s.text for s in reference]  # the same speech, found again
    shift = second_at // 2 * 1000 // RATE
    for ref, got in zip(reference, late):
        # at its true time after the silence (Whisper's own times move a little with the silence
        # padded before the speech, which the clip alone lacks)
        assert abs(got.start_ms - (ref.start_ms + shift)) <= 500
        assert abs(got.end_ms - (ref.end_ms + shift)) <= 500
    assert len(vad_calls) <= 4  # the 20 minutes of zeros were not searched (8 searches before)
