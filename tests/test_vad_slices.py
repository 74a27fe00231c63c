"""Silero VAD run 20 s at a time (fw_internals.SlicedSilero) gives faster-whisper's probabilities to the bit, so the
speech found, and the text, are as before; only ONNX Runtime's buffers are smaller (issue #15)."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper import vad as fw_vad
from faster_whisper.vad import get_speech_timestamps

from app.core.asr import fw_internals as fw
from app.core.asr.speech import vad_options
from app.core.media.decode import read_all
from tests.conftest import MEDIA


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0]


@pytest.mark.parametrize("cut", [0, 30, 700])  # samples short of whole steps: the padding under 64 samples too
def test_sliced_runs_give_the_whole_runs_probabilities(interview, cut):
    audio = np.tile(interview, 3)[: 160 * 16000 - cut]  # 160 s: eight slices
    padded = np.pad(audio, (0, 512 - len(audio) % 512))
    assert len(padded) // 512 > 7 * fw.VAD_STEPS_AT_ONCE
    whole = fw.whole_vad_model()(padded.copy())
    sliced = fw.sliced_vad_model()(padded.copy())
    assert sliced.shape == whole.shape
    assert np.array_equal(sliced, whole)


def test_the_pipelines_speech_timestamps_run_the_sliced_model_and_find_the_same_speech(interview, monkeypatch):
    audio = np.tile(interview, 2)
    runs = []
    sliced_call = fw.SlicedSilero.__call__
    monkeypatch.setattr(fw.SlicedSilero, "__call__", lambda self, *a, **k: runs.append(1) or sliced_call(self, *a, **k))
    found = fw.speech_timestamps(audio, vad_options())
    assert runs and found
    monkeypatch.setattr(fw_vad, "get_vad_model", fw.whole_vad_model)  # faster-whisper's own, the buffer at once
    assert get_speech_timestamps(audio, vad_options()) == found
