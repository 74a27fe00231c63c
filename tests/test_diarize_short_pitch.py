"""Four LibriSpeech readers on a phone copy (AMR-NB): reader 260's one 2 s turn stayed in reader
61's cluster (3 speakers for 4). On a phone band different people's voiceprints come closer, and
his region was 0.63 alike to reader 61's, within the range of one voice's short halves, so no
cosine could part it; his pitch lay 40% above reader 61's. A short half (1.8-3 s) on a phone band
under 0.65 alike whose voiced windows' median pitch is 10% or more from the rest's is now a voice of
its own (region_split._short_pitched_apart). The conversation is the tuning set's four_librispeech
(bench/make_conversations.py), rebuilt as tests/test_diarize_split_again.py does."""

from __future__ import annotations

import numpy as np
import pytest
from test_diarize_split_again import PIECES, conversation
from test_diarize_steady_halves import as_amr

from app.core.diarize import diarize
from app.core.diarize.region_split import _short_pitched_apart


@pytest.mark.slow
def test_a_man_who_speaks_once_is_a_speaker_on_a_phone_copy_of_four_readers(speaker_model, tmp_path):
    result = diarize(as_amr(conversation(), tmp_path), speaker_model)  # was 3: 260 in 61's cluster
    assert result.speakers == 4
    at = {who: {t.speaker_index for t in result.turns if not t.overlap and at <= (t.start_ms + t.end_ms) * 8 < at + count}
          for _, _, _, count, at, who in PIECES}
    assert len(at["260"]) == 1 and at["260"].isdisjoint(at["61"] | at["2412"] | at["1995"])


def test_the_pitch_of_a_short_half_counts_only_on_a_phone_band_and_with_a_clear_gap():
    rest = (np.array([]), np.array([100.0, 104.0, 98.0, 110.0]))
    higher = (np.array([125.0]), rest[1])
    assert _short_pitched_apart(2.2, 0.62, 0.05, (higher[0], rest[1]), 0)
    assert not _short_pitched_apart(2.2, 0.62, 0.0, (higher[0], rest[1]), 0)  # wideband: one voice's halves differ so
    assert not _short_pitched_apart(2.2, 0.66, 0.05, (higher[0], rest[1]), 0)  # too alike
    assert not _short_pitched_apart(3.5, 0.62, 0.05, (higher[0], rest[1]), 0)  # long halves: the test of chance
    assert not _short_pitched_apart(2.2, 0.62, 0.05, (np.array([106.0]), rest[1]), 0)  # 4% apart: one voice
    assert not _short_pitched_apart(2.2, 0.62, 0.05, (higher[0], rest[1][:2]), 0)  # too few pitches for the rest
