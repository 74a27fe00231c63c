"""Speech chunks read ahead of the decoder (asr/pipeline.read_ahead): the same chunks in
the same order, errors raised to the decoder, and no thread left when it stops early."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import MEDIA

from app.core.asr.pipeline import read_ahead
from app.core.asr.speech import speech_chunks
from app.core.errors import ParleyError
from app.core.media.decode import AudioReader


def chunks_of(name: str):
    return speech_chunks(AudioReader(str(MEDIA / name), block_seconds=10).blocks())


def test_the_same_chunks_come_in_the_same_order():
    direct = list(chunks_of("interview_mono.wav"))
    ahead = list(read_ahead(chunks_of("interview_mono.wav"), depth=2))
    assert len(direct) == len(ahead) > 1
    for a, b in zip(direct, ahead, strict=True):
        assert (a.start_ms, a.end_ms, a.regions) == (b.start_ms, b.end_ms, b.regions)
        assert np.array_equal(a.audio, b.audio)


def test_a_decoding_error_reaches_the_decoder():
    def broken():
        yield from list(chunks_of("interview_mono.wav"))[:1]
        raise ParleyError("the source ended in the middle of a frame")

    got = read_ahead(broken())
    next(got)
    with pytest.raises(ParleyError, match="middle of a frame"):
        next(got)


def test_stopping_early_leaves_no_reader_behind():
    got = read_ahead(chunks_of("interview_mono.wav"), depth=1)
    next(got)
    got.close()  # the decoder was paused
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
