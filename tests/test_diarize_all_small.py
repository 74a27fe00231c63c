"""Reader 1272's turns cut out of an eval conversation (two_reader1272_austen.wav, 44 s: the
conversation uses his two clips twice, so six of his 25 windows come again) came out as two
speakers. Windows heard again let k-means on the voiceprints be tried beside the spectral split
(cluster.py), and its ten-way split left no cluster of four windows or more: nothing to fold the
small ones into, so ten clusters of 1-4 windows scored a silhouette of 0.40 against 0.18 for any
two. A split into small clusters only now counts only when they are all as far apart as two
people; else one speaker. Three people of three windows each, as far apart as two people, still
count (the short-note tests keep a 2 s note whole)."""

from __future__ import annotations

import pytest
from test_diarize_one_voice_tie import one_voice

from app.core.diarize import diarize


@pytest.mark.slow
def test_a_reader_whose_clips_come_again_is_one_speaker(speaker_model):
    audio = one_voice("two_reader1272_austen", "reader1272")  # was two speakers, 1.3 s cut off twice
    result = diarize(audio, speaker_model)
    assert result.speakers == 1
    assert {t.speaker_index for t in result.turns} == {0}

