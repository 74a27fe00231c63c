"""The peak envelope behind the waveform view (app.core.media.waveform). No Qt."""

from __future__ import annotations

import numpy as np

from app.core.media.decode import probe
from app.core.media.waveform import Envelope, cache_path, compute_envelope, load_or_compute
from tests.conftest import MEDIA


def test_envelope_of_a_real_file_covers_its_duration():
    source = probe(MEDIA / "interview_mono.wav")
    env = compute_envelope(MEDIA / "interview_mono.wav", bucket_ms=20)
    assert abs(env.duration_ms - source.duration_ms) < 100
    assert abs(len(env.peaks) * 20 - source.duration_ms) < 100
    assert env.peaks.dtype == np.float32
    assert 0.05 < float(env.peaks.max()) <= 1.0


def test_silence_is_flat_and_speech_is_not():
    silent = compute_envelope(MEDIA / "silence_30s.wav")
    assert float(silent.peaks.max()) < 0.01
    speech = compute_envelope(MEDIA / "en_voicenote.opus")
    assert float(speech.peaks.max()) > 0.1


def test_resample_takes_the_maximum_of_each_span():
    env = Envelope(np.array([0.1, 0.9, 0.2, 0.3, 0.0, 0.5], dtype=np.float32), 10, 60)
    assert env.resample(3).tolist() == np.array([0.9, 0.3, 0.5], dtype=np.float32).tolist()
    assert len(env.resample(100)) == 100  # more pixels than buckets
    assert env.resample(2, 20, 40).tolist() == np.array([0.2, 0.3], dtype=np.float32).tolist()
    assert env.resample(4, 40, 120)[2:].tolist() == [0.0, 0.0]  # past the end
    assert env.resample(0).size == 0


def test_cache_in_the_case_folder(tmp_path):
    source = probe(MEDIA / "en_voicenote.opus")
    first = load_or_compute(MEDIA / "en_voicenote.opus", source.sha256, tmp_path / "waveforms")
    assert cache_path(tmp_path / "waveforms", source.sha256).is_file()
    second = load_or_compute("/nonexistent", source.sha256, tmp_path / "waveforms")
    assert np.array_equal(first.peaks, second.peaks)
