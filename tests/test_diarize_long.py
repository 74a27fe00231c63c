"""Diarisation of longer recordings (issue #13): the speaker count and turns must not move
with the length of the recording. The test interview (57 s, two people) looped three times
gave three speakers from diarize() and four through the CLI's blocks; looped thirty times
(28 min), one. Here it is read in blocks as the transcription pipeline reads it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import MEDIA, MODELS

from app.core.diarize import diarize_blocks
from app.core.diarize.same_voice import pitches_apart
from app.core.media.decode import read_all

RATE = 16000
BLOCK = 30 * RATE  # as AudioReader hands them over: the diarisation buffers 120 s of them


@pytest.fixture(scope="module")
def interview() -> np.ndarray:
    audio, _ = read_all(str(MEDIA / "interview_mono.wav"))
    return audio


@pytest.fixture(scope="module")
def speaker_model():
    folder = MODELS / "speaker-campplus"
    if not (folder / "campplus.onnx").is_file():
        pytest.skip("speaker model not installed")
    return folder


def looped(audio: np.ndarray, times: int):
    whole = np.tile(audio, times)
    return (whole[i : i + BLOCK] for i in range(0, len(whole), BLOCK))


def speaker_at(turns, second: float) -> int | None:
    ms = second * 1000
    return next((t.speaker_index for t in turns if t.start_ms <= ms < t.end_ms and not t.overlap), None)


@pytest.mark.slow
@pytest.mark.parametrize("times", [3, 6])
def test_the_interview_looped_is_two_people_with_its_turns(speaker_model, interview, manifest, times):
    result = diarize_blocks(looped(interview, times), speaker_model)
    assert result.speakers == 2
    length = len(interview) / RATE
    truth = manifest["interview"]["turns"]
    label = {"officer": 0, "suspect": 1}  # the officer speaks first
    for copy, turn in itertools.product(range(times), truth):
        # each copy's turns as in the original: its first and last 0.3 s, and its middle
        for second in (turn["start"] + 0.3, (turn["start"] + turn["end"]) / 2, turn["end"] - 0.3):
            found = speaker_at(result.turns, copy * length + second)
            assert found == label[turn["speaker"]], (copy, second, found)
    changes = [b for a, b in itertools.pairwise(result.turns) if a.speaker_index != b.speaker_index]
    per_copy = sum(a["speaker"] != b["speaker"] for a, b in itertools.pairwise(truth))
    assert len(changes) == times * per_copy + (times - 1) * (truth[0]["speaker"] != truth[-1]["speaker"])


def test_a_small_pitch_difference_does_not_part_one_voice_however_long():
    """Thousands of windows make a 3% pitch difference "beyond chance"; it is still one voice.
    The interview's two voices (medians 108 and 94 Hz) stay apart."""
    rng = np.random.default_rng(0)
    low, high = rng.normal(100, 5, 3000), rng.normal(103, 5, 3000)
    assert not pitches_apart(low, high)
    assert pitches_apart(rng.normal(94, 5, 20), rng.normal(108, 5, 20))
