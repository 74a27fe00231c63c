"""One reader's prosody is not a second speaker. The LJSpeech reader for a minute (bench/make_one_voice.py:
her clips cut into phrases, each at its own speed and level) fell into two clusters, their voiceprints 0.955
alike, their median pitches 15% apart (p 0.009): same_voice.py kept them apart by pitch, as it keeps the
interview's two synthetic voices (0.88-0.92 alike) apart, and she was two speakers. Her two clusters'
windows' pitches interleave (a window of one is above a window of the other in 77% of pairs), the
synthetic voices' do not (97-100%): clusters 0.85 alike or more now stay apart by pitch only when their
pitches barely overlap (same_voice.pitches_separate)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from app.core.diarize import diarize
from app.core.diarize.same_voice import pitches_separate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


@pytest.mark.slow
def test_one_reader_for_a_minute_is_one_speaker(speaker_model):
    from make_one_voice import recording

    result = diarize(recording("lj", 1), speaker_model)  # was 2
    assert result.speakers == 1


def test_pitches_separate_only_when_they_barely_overlap():
    low, high = np.array([100.0, 104.0, 98.0, 101.0]), np.array([118.0, 121.0, 116.0, 125.0])
    assert pitches_separate(low, high) and pitches_separate(high, low)
    spread = np.array([95.0, 108.0, 117.0, 103.0, 122.0])  # one voice's prosody: over both
    assert not pitches_separate(low, spread) and not pitches_separate(spread, high)
    assert not pitches_separate(low[:2], high)  # too few voiced windows to say
    assert pitches_separate(np.full(4, 100.0), np.full(4, 100.0)) is False  # ties count half
