"""A long recording's beam searches and word alignments hold at most two 30 s pieces on a CPU (issue #15:
peak memory flat in duration). Each holds its pieces' encoder states projected for every decoder layer
(and the alignment every head's attention over them): four 30 s pieces took 213 MB to decode and 251 MB
to align, two 123-165 MB (base, measured alone). The decoder's groups grow 2, 4, then 8 windows, and each
of the two replicas ran four pieces at once from the first group of eight: a recording with about 7 min
of speech met it, a shorter one never did, so the peak rose with duration. The words are the same.

On one thread (one replica) a group of four windows went to one beam search: a 2.8 min recording is
enough to meet it, where a one-minute one (one group of two) is not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.asr import PackedDecoder, load_engine, transcribe_source
from app.core.asr.packing import ENCODER_FRAMES, LONG_DECODE_FRAMES
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import interview_repeated

pytestmark = pytest.mark.slow

OPTIONS = TranscribeOptions(model="tiny.en", threads=1, diarize="off", language="en")


class Spied:
    """CTranslate2's Whisper with the pieces x memory frames of each beam search and alignment noted."""

    def __init__(self, whisper) -> None:
        self.whisper, self.frames = whisper, []

    def generate(self, memories, *args, **kwargs):
        self.frames.append(memories.shape[0] * memories.shape[1])
        return self.whisper.generate(memories, *args, **kwargs)

    def align(self, memories, *args, **kwargs):
        self.frames.append(memories.shape[0] * memories.shape[1])
        return self.whisper.align(memories, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.whisper, name)


@pytest.fixture(scope="module")
def engine(models_dir):
    engine = load_engine(OPTIONS, models_dir)
    engine.model.model = Spied(engine.model.model)  # the alignment reaches it through faster-whisper's model
    return engine


def _decoded(engine, wav, batch=None) -> tuple[list, list[int]]:
    engine.model.model.frames = []
    done = list(transcribe_source(engine, probe(wav), OPTIONS, decoder=PackedDecoder(engine, OPTIONS, batch)))
    words = [(w.start_ms, w.end_ms, w.text, w.probability) for d in done for s in d.segments for w in s.words]
    return words, engine.model.model.frames


@pytest.fixture(scope="module")
def longer(engine, tmp_path_factory):
    wav = interview_repeated(tmp_path_factory.mktemp("decode-frames") / "x3.wav", 3)  # groups of 2, then 4 windows
    return wav, *_decoded(engine, wav)


def test_a_longer_recording_decodes_no_more_at_once_than_a_short_one(engine, longer):
    assert engine.placement.replicas == 1
    _, _, frames = longer
    assert max(frames) <= LONG_DECODE_FRAMES, sorted(frames)[-4:]  # it was 4 x 1500 in the second group
    assert frames.count(LONG_DECODE_FRAMES) >= 2  # as a one-minute recording's group of two: no more


def test_the_words_are_those_of_the_uncut_batches(engine, longer):
    wav, words, _ = longer
    uncut, frames = _decoded(engine, wav, replace(engine.batch, decode_frames=8 * ENCODER_FRAMES))
    assert max(frames) > LONG_DECODE_FRAMES  # the batches as they were: four 30 s pieces at once
    assert len(words) > 300 and words == uncut  # every word, its times and its probability
