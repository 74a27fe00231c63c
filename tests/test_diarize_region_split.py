"""A cluster holding two voices is split by its speech regions' whole voiceprints (region_split.py),
on voiceprints the test builds: two voices 0.3 alike in one cluster, beside a third voice."""

from __future__ import annotations

import numpy as np

from app.core.diarize.region_split import split_by_regions
from app.core.diarize.vectors import unit

RNG = np.random.default_rng(7)
DIM = 192


def _voice() -> np.ndarray:
    return unit(RNG.standard_normal(DIM))


def _near(voice: np.ndarray, count: int) -> np.ndarray:
    """`count` region voiceprints of one voice (each about 0.9 alike to it)."""
    return unit(voice + 0.25 * RNG.standard_normal((count, DIM)) / np.sqrt(DIM) * 2)


def _case(second_seconds: float = 2.0, second=None):
    a, c = _voice(), _voice()
    b = _voice() if second is None else second(a, c)
    prints = np.concatenate([_near(a, 3), _near(b, 2), _near(c, 3)])
    seconds = np.array([2.0, 2.0, 2.0, second_seconds, second_seconds, 2.0, 2.0, 2.0])
    regions = np.repeat(np.arange(8), 2)  # two windows per region
    labels = np.array([0] * 10 + [1] * 6)  # voices a and b in cluster 0, c in cluster 1
    return labels, regions, prints, seconds


def test_two_voices_in_one_cluster_are_split():
    labels, regions, prints, seconds = _case()
    out = split_by_regions(labels, regions, prints, seconds, max_speakers=10)
    assert len(np.unique(out)) == 3
    assert len(np.unique(out[6:10])) == 1 and out[6] not in (out[0], out[10])  # b's windows alone
    assert np.all(out[:6] == 0) and np.all(out[10:] == 1)


def test_one_voice_is_not_split():
    labels, regions, prints, seconds = _case(second=lambda a, c: a)
    assert np.array_equal(split_by_regions(labels, regions, prints, seconds, max_speakers=10), labels)


def test_short_half_max_speakers_and_anothers_voice_keep_the_cluster():
    labels, regions, prints, seconds = _case(second_seconds=0.8)  # 1.6 s of the second voice: too little
    assert np.array_equal(split_by_regions(labels, regions, prints, seconds, max_speakers=10), labels)
    labels, regions, prints, seconds = _case()
    assert np.array_equal(split_by_regions(labels, regions, prints, seconds, max_speakers=2), labels)
    labels, regions, prints, seconds = _case(second=lambda a, c: unit(c + 0.3 * a))  # c's voice, not a new one
    assert np.array_equal(split_by_regions(labels, regions, prints, seconds, max_speakers=10), labels)


def test_two_short_answers_of_another_voice_are_split_only_when_clearly_another():
    """1.8-3 s of a second voice (a speaker of one or two short answers) is a speaker when its
    regions are under 0.55 alike to the rest of the cluster (session 17: a man's one 2.4 s turn on
    an AMR copy, 0.53 alike), not at 0.6, where one voice's short stray halves lie (0.575 at least)."""
    labels, regions, prints, seconds = _case(second_seconds=1.0)  # 2 s, an unrelated voice
    out = split_by_regions(labels, regions, prints, seconds, max_speakers=10)
    assert len(np.unique(out)) == 3 and len(np.unique(out[6:10])) == 1 and out[6] not in (out[0], out[10])
    a, c = _voice(), _voice()
    close = unit(0.75 * a + 0.66 * _voice())  # about 0.75 alike to a: its regions 0.6-0.7 alike to a's
    prints = np.concatenate([_near(a, 3), _near(close, 2), _near(c, 3)])
    halves = unit(prints[:3].mean(axis=0)) @ unit(prints[3:5].mean(axis=0))
    assert 0.55 < halves < 0.75
    assert np.array_equal(split_by_regions(labels, regions, prints, seconds, max_speakers=10), labels)
