"""The speaker model runs at most BATCH_FRAMES feature frames at once in all (issue #15: peak memory flat in
duration). ONNX Runtime keeps the most memory any run needed until the worker ends: a long recording's
region voiceprints (its speech regions' first 6 s, sixteen of one length at once) held 335 MB from the
first buffer that had sixteen such regions, where the 1.5 s windows need 69 MB; a short recording never
met such a buffer. The voiceprints are the same bits as before: CAM++ gives any two or more pieces of
one length the same numbers whatever their batch, and no piece that had company is run alone. Its
`threads` runs at once share the budget (test_diarize_two_runs.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.core.diarize.embedder import BATCH_FRAMES, SAMPLE_RATE, SpeakerEmbedder, within_budget
from app.core.diarize.engine import MAX_REGION_S, WINDOW_S
from app.core.media.decode import read_all
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


class _Runs:
    """The speaker model's ONNX session, each run's input shape noted."""

    def __init__(self, session) -> None:
        self.session, self.shapes = session, []

    def run(self, names, feeds):
        self.shapes.extend(np.shape(v) for v in feeds.values())
        return self.session.run(names, feeds)

    def __getattr__(self, name):
        return getattr(self.session, name)


@pytest.fixture(scope="module")
def embedder(speaker_model):
    model = copy.copy(SpeakerEmbedder(speaker_model, threads=2))
    model._session = _Runs(model._session)
    return model


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0]


def _stretches(audio: np.ndarray, seconds: float, count: int) -> list[np.ndarray]:
    size, step = int(seconds * SAMPLE_RATE), (len(audio) - int(seconds * SAMPLE_RATE)) // count
    return [audio[i * step : i * step + size] for i in range(count)]


def test_sixteen_long_regions_are_voiced_within_the_frame_budget(embedder, interview):
    regions = _stretches(interview, MAX_REGION_S, 16)  # what a buffer of a long recording hands over
    embedder._session.shapes.clear()
    prints = embedder.embed(regions)
    largest = max(n * frames for n, frames, _mels in embedder._session.shapes)
    assert largest * embedder.threads <= BATCH_FRAMES, embedder._session.shapes  # it was 16 x 598 frames at once
    pairs = np.concatenate([embedder.embed(regions[i : i + 2]) for i in range(0, 16, 2)])
    assert np.array_equal(prints, pairs)  # the same bits as in any batch of two or more


def test_sixteen_windows_still_go_in_one_run_a_thread(embedder, interview):
    embedder._session.shapes.clear()
    embedder.embed(_stretches(interview, WINDOW_S, 16))
    assert [shape[0] for shape in embedder._session.shapes] == [8, 8]  # two threads, one run each


def test_no_piece_that_had_company_is_cut_off_alone():
    for size in range(1, 17):
        for frames in (148, 300, 598, 2000):
            parts = within_budget(list(range(size)), frames)
            assert [i for part in parts for i in part] == list(range(size))
            assert size == 1 or min(len(part) for part in parts) >= 2, (size, frames, parts)
