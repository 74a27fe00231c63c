"""The speaker search's single-thread work shared over both cores (issues #13/#15): what is left of it
when the decoding ends runs on two cores, not on the search's own thread while the other core idles.
The voiceprints' features are made on the pool threads that run the model (each batch's by the thread
that runs it), and Silero's speech regions are found on a thread of their own beside the segmentation.
The results are the same bits as made one after the other on one thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.core.diarize import embedder as embedding
from app.core.diarize import engine
from app.core.diarize.embedder import SAMPLE_RATE, SpeakerEmbedder, fbank, frame_count
from app.core.diarize.onnx_model import RUN_THREAD
from app.core.diarize.overlap import change_points
from app.core.diarize.vad import speech_regions
from app.core.diarize.vectors import unit
from app.core.media.decode import read_all
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0][: 40 * SAMPLE_RATE]


def _threads_calling(monkeypatch, module, name: str) -> list[str]:
    """`module.name` wrapped to note the name of each thread that calls it."""
    callers: list[str] = []
    real = getattr(module, name)

    def noted(*args, **kwargs):
        callers.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, noted)
    return callers


def test_frame_count_is_the_number_of_frames_fbank_makes(interview):
    for length in (0, 1, 399, 400, 401, 559, 560, 561, 24_000, 24_159, 24_160, 95_999):
        assert frame_count(length) == len(fbank(interview[:length])), length


def test_the_features_are_made_on_the_threads_that_run_the_model(speaker_model, interview, monkeypatch):
    model = SpeakerEmbedder(speaker_model, threads=2)
    step = SAMPLE_RATE * 3 // 2
    windows = [interview[i : i + step] for i in range(0, 12 * step, step)]  # 12 windows of 1.5 s: two batches
    longer = [interview[: step + 800], interview[step : 2 * step + 800]]  # and a batch of another length
    made_first = [model._session.run(None, {model._input: np.stack([fbank(p) for p in group])})[0]
                  for group in (windows, longer)]  # all features made up front, each length in one batch
    callers = _threads_calling(monkeypatch, embedding, "fbank")
    prints = model.embed(windows + longer)
    assert len(callers) == len(windows + longer)
    assert all(name.startswith(RUN_THREAD) for name in callers), set(callers)
    assert len(set(callers)) == 2  # both pool threads made some
    np.testing.assert_array_equal(prints, unit(np.concatenate(made_first)))  # CAM++: any batch of 2+, the same bits


def test_speech_regions_are_found_beside_the_segmentation(speaker_model, interview, monkeypatch):
    segmenter = engine.segmenter_for(speaker_model, threads=2)
    if segmenter is None:
        pytest.skip("segmentation model not installed")
    frames = segmenter.frames(interview)
    one_after_the_other = engine.split_at(speech_regions(interview), change_points(frames, SAMPLE_RATE))
    callers = _threads_calling(monkeypatch, engine, "speech_regions")
    regions, scanned = engine.scan(interview, segmenter)
    assert callers and all(name.startswith(RUN_THREAD) for name in callers)
    assert regions == one_after_the_other and len(regions) > 5
    np.testing.assert_array_equal(scanned.speech, frames.speech)
