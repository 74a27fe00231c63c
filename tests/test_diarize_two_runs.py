"""The speaker search's models run one thread a run, two runs at once (issue #15). The search left over
after decoding ran 39 of its 54 CPU s on one thread of the hour, the other core mostly idle: ONNX
Runtime shared little of a CAM++ or segmentation-3.0 run between its two intra-op threads, and one
thread a run took 16-25% less CPU. Now a model holds one intra-op thread and runs `threads` batches
at once; the voiceprints and frames are the bits that one run at a time gives (before, a run shared
over two threads gave 9 of the interview's 28 windows other voiceprints, by up to 2.7e-6), and
no more samples or feature frames are run at once than before (BATCH windows, BATCH_FRAMES frames)."""

from __future__ import annotations

import copy
import threading

import numpy as np
import pytest

from app.core.diarize.embedder import BATCH_FRAMES, SpeakerEmbedder
from app.core.diarize.engine import MAX_REGION_S, WINDOW_S, cut_windows
from app.core.diarize.segmentation import BATCH, Segmenter
from app.core.diarize.vad import speech_regions
from app.core.media.decode import read_all
from tests.conftest import MEDIA, MODELS

pytestmark = pytest.mark.slow

SEGMENTATION = MODELS / "segmentation-3.0"
HANG_S = 300  # only so that runs made one at a time (the defect) fail instead of waiting forever


class _Paired:
    """A model's session whose runs wait, before running, until a second run is in flight or every run
    of the call has started (its last run may have no partner, which may also have ended first):
    `peak` is the most runs in flight at once, `calls` the runs of each call, `shapes` each run's
    input shape. No timing: a run is released by another run, not by a clock."""

    def __init__(self, session) -> None:
        self.session, self.peak, self.calls, self.shapes = session, 0, [], []
        self._flying, self._started, self._arrived, self._turn = 0, 0, 0, threading.Condition()

    def call(self, runs: int) -> None:
        self.calls.append(runs)
        self._started = 0

    def run(self, names, feeds):
        with self._turn:
            self._flying, self._started, self._arrived = self._flying + 1, self._started + 1, self._arrived + 1
            self.peak, mine = max(self.peak, self._flying), self._arrived
            self.shapes.extend(np.shape(v) for v in feeds.values())
            self._turn.notify_all()
            met = lambda: self._flying >= 2 or self._arrived > mine  # another run in flight beside it
            assert self._turn.wait_for(lambda: met() or self._started == self.calls[-1], HANG_S), \
                "no second run came: the runs went one at a time"
        try:
            return self.session.run(names, feeds)
        finally:
            with self._turn:
                self._flying -= 1

    def __getattr__(self, name):
        return getattr(self.session, name)


def _paired(model):
    paired = copy.copy(model)
    paired._session = session = _Paired(model._session)
    real = paired.run_all

    def run_all(items, make_feed):
        session.call(len(items))
        return real(items, make_feed)

    paired.run_all = run_all
    return paired


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0]


def _stretches(audio: np.ndarray, seconds: float, count: int) -> list[np.ndarray]:
    size, step = int(seconds * 16000), (len(audio) - int(seconds * 16000)) // count
    return [audio[i * step : i * step + size] for i in range(count)]


def test_voiceprints_run_two_at_once_with_the_bits_of_one_at_a_time(speaker_model, interview):
    one = SpeakerEmbedder(speaker_model, threads=1)
    two = _paired(SpeakerEmbedder(speaker_model, threads=2))
    assert two._session.get_session_options().intra_op_num_threads == 1
    pieces = _stretches(interview, MAX_REGION_S, 16) + _stretches(interview, WINDOW_S, 16)
    pieces += [interview[w.start : w.end] for w in cut_windows(speech_regions(interview)) if w.embeddable]
    prints = two.embed(pieces)
    assert np.array_equal(prints, one.embed(pieces))
    session = two._session
    assert session.peak == 2, (session.peak, session.calls)
    frames = [n * length for n, length, _mels in two._session.shapes]
    assert max(frames) * 2 <= BATCH_FRAMES, two._session.shapes  # two runs at once hold no more than one did


def test_segmentation_runs_two_windows_at_once_with_the_same_frames(interview):
    if not (SEGMENTATION / "segmentation-model.json").is_file():
        pytest.skip("segmentation-3.0 not installed (models install-dev)")
    audio = interview[: 16000 * 60]
    one = Segmenter(SEGMENTATION, threads=1).frames(audio)
    two = _paired(Segmenter(SEGMENTATION, threads=2))
    assert two._session.get_session_options().intra_op_num_threads == 1
    frames = two.frames(audio)
    assert np.array_equal(frames.speech, one.speech) and np.array_equal(frames.overlap, one.overlap)
    assert all(np.array_equal(a.active, b.active) for a, b in zip(frames.windows, one.windows, strict=True))
    session = two._session
    assert session.peak == 2, (session.peak, session.calls)
    assert max(shape[0] for shape in two._session.shapes) * 2 <= BATCH, two._session.shapes
