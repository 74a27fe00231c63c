"""A voice heard in one window only. Where one person's short turn runs into the next speaker's (an
overlap, or a change the segmentation model did not hear), the two are one speech region, and the
one window of the first person's own went into the other's cluster: a woman's 2.7 s turn overlapped
by the LJSpeech reader (holdout11's h11_two_sonar2_lj_women_overlap, WAV: 1 speaker of 2), reader
260's 2.5 s turn run into another man's (holdout10's h10_three_men_260_jfk_leopard, WAV: 2 of 3).
A window of 1.3 s or more under 0.5 alike to every other window is now a speaker of its own
(lone.py). Both conversations are rebuilt here exactly as bench/make_conversations.py built them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED

from app.core.diarize import diarize
from app.core.diarize.lone import split_lone
from app.core.diarize.vectors import unit
from app.core.media.decode import read_all

SPEECH = SHARED / "eval" / "speech"
SONAR, LJ = "SONAR__audio_2.wav", "coqui-TTS__LJ001-00{}.wav"
JFK, READER, LEOPARD = "faster-whisper__jfk.flac", "faster-whisper__stereo_diarization.wav:right", "leopard__test.wav"
# (clip, first sample in the clip, samples, placed at sample, speaker)
TWO_WOMEN = (
    (LJ.format(18), 0, 36640, 19694, "lj"), (SONAR, 12960, 43520, 69422, "sonar"), (LJ.format(18), 42880, 42400, 106322, "lj"),
    (LJ.format(18), 89440, 28960, 160204, "lj"), (LJ.format(19), 1120, 73440, 195043, "lj"),
    (LJ.format(19), 79520, 21440, 275258, "lj"), (LJ.format(20), 0, 39200, 306948, "lj"),
    (LJ.format(20), 44480, 28800, 355883, "lj"), (LJ.format(21), 0, 41280, 394217, "lj"),
    (LJ.format(21), 47520, 59680, 449820, "lj"), (LJ.format(21), 109760, 26720, 516573, "lj"),
    (LJ.format(22), 0, 40000, 548442, "lj"), (LJ.format(22), 44480, 24480, 598541, "lj"),
    (LJ.format(22), 78720, 34151, 626765, "lj"),
)
THREE_MEN = (
    (JFK, 4800, 64320, 19634, "jfk"), (READER, 5120, 39360, 96650, "260"), (LEOPARD, 8320, 78720, 129855, "leopard"),
    (JFK, 86080, 54560, 222665, "jfk"), (JFK, 142080, 33920, 281654, "jfk"),
)


def clip(name: str) -> np.ndarray:
    file, _, channel = name.partition(":")
    if not channel:
        return read_all(str(SPEECH / file))[0]
    return read_all(str(SPEECH / file), mono=False)[0][0 if channel == "left" else 1]


def conversation(pieces, length: int) -> np.ndarray:
    """Each turn levelled to a 0.5 peak and placed; the mix kept under 0.95."""
    clips = {name: clip(name) for name in {p[0] for p in pieces}}
    mix = np.zeros(length, dtype=np.float32)
    for name, first, count, at, _ in pieces:
        piece = clips[name][first : first + count]
        mix[at : at + count] += (piece * (0.5 / max(float(np.abs(piece).max()), 1e-6))).astype(np.float32)
    return mix * min(1.0, 0.95 / float(np.abs(mix).max()))


def speakers_of(result, pieces) -> dict[str, set[int]]:
    """Each true speaker's found labels, from the turns whose middle lies in one of their pieces."""
    out: dict[str, set[int]] = {}
    for _, _, count, at, who in pieces:
        found = {t.speaker_index for t in result.turns if not t.overlap and at <= (t.start_ms + t.end_ms) * 8 < at + count}
        out.setdefault(who, set()).update(found)
    return out


@pytest.mark.slow
def test_a_woman_whose_one_turn_is_overlapped_by_the_next_speaker_is_a_speaker(speaker_model):
    result = diarize(conversation(TWO_WOMEN, 676916), speaker_model)  # was 1
    assert result.speakers == 2
    found = speakers_of(result, TWO_WOMEN)
    assert len(found["sonar"]) == 1 and found["sonar"].isdisjoint(found["lj"])


@pytest.mark.slow
def test_a_man_whose_one_turn_runs_into_another_mans_is_a_speaker(speaker_model):
    result = diarize(conversation(THREE_MEN, 331574), speaker_model)  # was 2: 260 with the leopard reader
    assert result.speakers == 3
    found = speakers_of(result, THREE_MEN)
    assert found["jfk"].isdisjoint(found["260"] | found["leopard"])


def test_only_a_long_window_unlike_every_other_in_a_cluster_of_others_is_split_off():
    rng = np.random.default_rng(0)
    voice = unit(rng.normal(size=192))
    emb = np.stack([unit(voice + 0.6 * unit(rng.normal(size=192))) for _ in range(9)])  # one voice, ~0.7 alike
    odd = unit(rng.normal(size=192))  # unlike all of them
    emb = np.vstack([emb, odd])
    labels = np.zeros(10, dtype=np.int64)
    assert split_lone(labels, emb, [1.5] * 10, 10).tolist() == [0] * 9 + [1]
    assert split_lone(labels, emb, [1.5] * 9 + [0.6], 10).tolist() == [0] * 10  # a short window: a breath, a fragment
    assert split_lone(labels, emb, [1.5] * 10, 1).tolist() == [0] * 10  # no room
    assert split_lone(labels[:7], emb[[0, 1, 2, 3, 4, 5, 9]], [1.5] * 7, 10).tolist() == [0] * 7  # a voice note
    apart = labels.copy()
    apart[9] = 1
    assert split_lone(apart, emb, [1.5] * 10, 10).tolist() == apart.tolist()  # already a speaker of its own
    small = labels.copy()
    small[[6, 7, 8, 9]] = 1
    assert split_lone(small, emb, [1.5] * 10, 10).tolist() == small.tolist()  # one of a small speaker's windows
    assert split_lone(labels, emb[[0] * 9 + [9]], [1.5] * 10, 10).tolist() == [0] * 9 + [1]
