"""One reader's turns cut out of an eval conversation (LJSpeech's, three_lj_bush_osr.wav) came out as
two speakers: the count chose a split of her windows 4 to 22 whose centroids were 0.949 alike, and
the join of one voice's clusters (same_voice.py) wanted the segmentation model to hear them as one
voice more often than as two, which it did exactly as often (6 to 6). A tie now leaves the choice to
the voiceprints when they are very alike (0.85 or more) and the pitches do not differ: one speaker.
The interview's two synthetic voices (0.92 alike) stay two: their pitches differ (test_diarize)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SHARED

from app.core.diarize import diarize
from app.core.media.decode import read_all

DIAR = SHARED / "eval" / "diar"
RATE = 16000


def one_voice(conversation: str, speaker: str) -> np.ndarray:
    """`speaker`'s turns of an eval conversation's WAV, one after another, 0.5 s apart."""
    data = json.loads((DIAR / "diar.json").read_text(encoding="utf-8"))
    turns = next(c for c in data["conversations"] if c["name"] == conversation)["turns"]
    audio = read_all(str(DIAR / f"{conversation}.wav"))[0]
    parts = []
    for turn in turns:
        if turn["speaker"] == speaker:
            parts += [audio[int(turn["start"] * RATE) : int(turn["end"] * RATE)], np.zeros(RATE // 2, np.float32)]
    return np.concatenate(parts).astype(np.float32)


@pytest.mark.slow
def test_a_reader_cut_out_alone_is_one_speaker(speaker_model):
    audio = one_voice("three_lj_bush_osr", "lj")  # 45 s; was two speakers, split at 6.1 s and 36.4-37.9 s
    result = diarize(audio, speaker_model)
    assert result.speakers == 1
    assert {t.speaker_index for t in result.turns} == {0}
