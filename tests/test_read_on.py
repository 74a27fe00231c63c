"""A sentence the decoder held back at the end of a piece is read on cheaply: a new beam search
from where it stopped, over the rest of the piece, not every token so far forced again."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.asr import PackedDecoder, transcribe_source
from app.core.asr.decoder import TAIL_LEAD, tail_memory
from app.core.asr.packing import ENCODER_FRAMES, MEMORY_TAIL
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from app.evaluation import normalise
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


class SpiedWhisper:
    """CTranslate2's Whisper with each beam search's prompts and memory length noted."""

    def __init__(self, whisper) -> None:
        self.whisper = whisper
        self.calls: list[tuple[list[list[int]], int]] = []

    def generate(self, features, prompts, **kwargs):
        self.calls.append(([list(p) for p in prompts], features.shape[1]))
        return self.whisper.generate(features, prompts, **kwargs)

    def __getattr__(self, name):
        return getattr(self.whisper, name)


@pytest.fixture(scope="module")
def interview(base_engine):
    """The shared interview through the long-file decoder, its beam searches spied on."""
    options = TranscribeOptions(model="base", threads=2, diarize="off")
    packed = PackedDecoder(base_engine, options)
    spy = SpiedWhisper(packed.decoder.ct2)
    packed.decoder.ct2 = spy
    done = list(transcribe_source(base_engine, probe(MEDIA / "interview_mono.wav"), options, decoder=packed))
    return [s for d in done for s in d.segments], spy.calls, packed.decoder.tokenizer("en")


def test_the_held_back_question_is_read_with_its_own_times(interview, manifest):
    # The first piece ends at 26.8 s; base stops after 21 s and leaves out the officer's
    # question (20.35-26.99 s) that the reading on gives back.
    segments = interview[0]
    words = [w for s in segments for w in s.words]
    question = manifest["interview"]["turns"][4]  # "We have footage of ... on Station Road. Is that your car?"
    text = normalise(" ".join(s.text for s in segments), "en")
    assert "car wash on station road is that your car" in text
    car = [w for w in words if "car?" in w.text and w.start_ms < 30_000]
    assert car and question["start"] * 1000 < car[0].start_ms < question["end"] * 1000 + 500


def test_no_token_is_decoded_twice_and_a_reading_on_attends_to_its_tail_only(interview):
    # Reading on used to force every token so far again, one beam step each at full width over the
    # whole window; now what was read is the prompt (one pass), and only the tail is attended to.
    _, calls, tokenizer = interview
    sot = list(tokenizer.sot_sequence)
    prompts = [(p, frames) for batch, frames in calls for p in batch]
    forced = [p[p.index(sot[0]) + len(sot):] for p, _ in prompts]
    assert all(len(f) == 1 and f[0] >= tokenizer.timestamp_begin for f in forced), "tokens were decoded again"
    read_on = [frames for p, frames in prompts if p[0] == tokenizer.sot_prev]
    assert read_on and all(frames < ENCODER_FRAMES for frames in read_on)


def test_a_tail_memory_covers_the_tail_and_no_more():
    composite = np.arange(ENCODER_FRAMES, dtype=np.float32)[:, None] * np.ones((1, 4), dtype=np.float32)
    tail = tail_memory(composite, stopped=1050, end=1338)
    assert tail[0, 0] == 1050 - TAIL_LEAD and tail[-1, 0] == 1338 + MEMORY_TAIL - 1
    assert tail_memory(composite, stopped=1400, end=1450)[-1, 0] == ENCODER_FRAMES - 1
