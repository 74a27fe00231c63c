"""A speaker of scraps. Four men (holdout12's h12_four_men_leopard_cards_de2_es5, bench/
make_conversations.py, rebuilt here piece by piece): on the AMR copy two 0.4-0.46 s windows of
the CMU "cards" speaker (the tails of his turns) came out alike to each other and apart from his
other windows, and were kept as a fifth speaker (5 of 4). A small cluster holding under 1.8 s of
speech now joins the nearest cluster (scraps.py)."""

from __future__ import annotations

import numpy as np
import pytest
from test_diarize_lone_window import conversation, speakers_of
from test_diarize_steady_halves import as_amr

from app.core.diarize import diarize
from app.core.diarize.scraps import fold_scraps
from app.core.diarize.vectors import unit

# (clip, first sample in the clip, samples, placed at sample, speaker)
FOUR_MEN = (
    ("leopard__test.wav", 8320, 78720, 15200, "1272"),
    ("cuttledoc__fleurs-de-002.ogg", 18080, 71520, 104820, "de2"),
    ("cuttledoc__fleurs-es-005.ogg", 22880, 66560, 187328, "es5"),
    ("pocketsphinx__001.wav", 2400, 13120, 267492, "cards"),
    ("cuttledoc__fleurs-de-002.ogg", 97760, 92480, 289123, "de2"),
    ("pocketsphinx__002.wav", 1600, 25760, 394679, "cards"),
    ("cuttledoc__fleurs-es-005.ogg", 91840, 47680, 432306, "es5"),
    ("pocketsphinx__003.wav", 1280, 20640, 489728, "cards"),
    ("pocketsphinx__004.wav", 1760, 19040, 516391, "cards"),
    ("pocketsphinx__005.wav", 2880, 49280, 546568, "cards"),
)


@pytest.mark.slow
def test_two_scraps_of_one_mans_turns_on_a_phone_copy_are_no_fifth_speaker(speaker_model, tmp_path):
    result = diarize(as_amr(conversation(FOUR_MEN, 611847), tmp_path), speaker_model)  # was 5
    assert result.speakers == 4
    found = speakers_of(result, FOUR_MEN)
    assert len(found["cards"]) == 1
    assert len(set().union(*found.values())) == 4


def test_only_a_small_cluster_with_too_little_speech_joins_the_nearest():
    rng = np.random.default_rng(1)
    voices = [unit(rng.normal(size=192)) for _ in range(3)]
    emb = np.stack([unit(voices[i % 2] + 0.5 * unit(rng.normal(size=192))) for i in range(10)]
                   + [unit(voices[2] + 0.3 * unit(rng.normal(size=192))) for _ in range(2)])
    labels = np.array([i % 2 for i in range(10)] + [2, 2])
    copies = np.arange(12)
    scraps = [1.5] * 10 + [0.46, 0.4]
    folded = fold_scraps(labels, emb, scraps, copies)
    assert len(np.unique(folded)) == 2 and folded[:10].tolist() == labels[:10].tolist()
    assert fold_scraps(labels, emb, [1.5] * 10 + [1.14, 1.14], copies).tolist() == labels.tolist()  # 2.3 s: a person
    assert fold_scraps(labels, emb, scraps, copies, min_speakers=3).tolist() == labels.tolist()  # as many as asked
    big = np.array([0] * 8 + [1, 1, 1, 1])  # four windows: not small, however short
    assert fold_scraps(big, emb, [1.5] * 8 + [0.4] * 4, copies).tolist() == big.tolist()
    heard_twice = np.array(list(range(11)) + [10])  # its second window a copy of its first: 0.9 s of speech
    assert len(np.unique(fold_scraps(labels, emb, [1.5] * 10 + [0.9, 0.9], heard_twice))) == 2
    assert fold_scraps(labels, emb, [1.5] * 10 + [0.9, 0.9], copies).tolist() == labels.tolist()  # 1.8 s
