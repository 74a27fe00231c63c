"""A minority voice in a long recording (issue #13). The eval conversations joined into 18 min gave
4 speakers of 5, and a 25 min conversation of reader 1272 and the LJSpeech reader with the Open
Speech Repository reader (8 kHz, a man) speaking 2% of the time gave 2 of 3: his windows went
into reader 1272's cluster (reader 1272 is heard from a 16 kHz and an 8 kHz recording), and the
region split halved that cluster by recording, never isolating him (long_split.py).

The whole recording takes minutes to diarise, so this is the same defect in a smaller shape:
the speech regions of that long cluster (reader 1272's clips played at four speeds, as the long
benchmark conversations draw them, 2.9 min, and the OSR reader's first 16 s), embedded with the real
speaker model, with the labels clustering gave them (one cluster, the LJSpeech reader another),
through the region splits as the engine runs them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED

from app.core.diarize.engine import load_embedder
from app.core.diarize.long_split import split_minorities
from app.core.diarize.pitch import median_f0
from app.core.diarize.region_split import split_by_regions
from app.core.media.decode import read_all

SPEECH = SHARED / "eval" / "speech"
RATE = 16000
READER_1272 = ("onnxruntime-extensions__1272-141231-0002.flac", "onnxruntime-extensions__1272-128104-0004-8k.wav")
OSR = ("joinly__OSR_us_000_0034_8k.wav",)
LJ = tuple(f"coqui-TTS__LJ001-{n:04d}.wav" for n in range(1, 9))
PIECE_S = 4.0  # regions of about this length, as a conversation's turns are cut
WINDOW_S = 1.5


def stretched(audio: np.ndarray, factor: float) -> np.ndarray:
    positions = np.arange(0, len(audio) - 1, factor)
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)


def regions_of(clips: tuple[str, ...], speeds: tuple[float, ...]) -> list[np.ndarray]:
    """Each clip at each speed, cut into pieces of about PIECE_S, silent ones left out."""
    out = []
    for clip in clips:
        audio = read_all(str(SPEECH / clip))[0]
        for speed in speeds:
            played = stretched(audio, speed)
            count = max(1, round(len(played) / (PIECE_S * RATE)))
            out.extend(p for p in np.array_split(played, count) if np.abs(p).max() > 0.01)
    return out


@pytest.fixture(scope="module")
def voices(speaker_model) -> dict[str, dict[str, np.ndarray]]:
    """Per voice: its regions' voiceprints and lengths, and its 1.5 s windows' region and pitch."""
    embedder = load_embedder(speaker_model, 2)
    made = {}
    for name, clips, speeds, first in (("1272", READER_1272, (0.96, 0.99, 1.01, 1.04), None),
                                       ("osr", OSR, (1.0,), 4), ("lj", LJ, (1.0,), None)):
        regions = regions_of(clips, speeds)[:first]  # the OSR reader: his first 16 s, 8% of the cluster
        windows = [(i, w) for i, r in enumerate(regions)
                   for w in np.array_split(r, max(1, round(len(r) / (WINDOW_S * RATE))))]
        made[name] = {"prints": embedder.embed(regions), "seconds": np.array([len(r) / RATE for r in regions]),
                      "region": np.array([i for i, _ in windows]),
                      "pitch": np.array([median_f0(w) for _, w in windows], dtype=np.float64)}
    return made


def split(voices, names: tuple[str, ...], labels: dict[str, int]) -> dict[str, np.ndarray]:
    """Each voice's window labels after both region splits, from `labels` (voice -> cluster)."""
    prints = np.concatenate([voices[n]["prints"] for n in names])
    seconds = np.concatenate([voices[n]["seconds"] for n in names])
    offsets = np.cumsum([0] + [len(voices[n]["prints"]) for n in names])
    regions = np.concatenate([voices[n]["region"] + offsets[i] for i, n in enumerate(names)])
    pitches = np.concatenate([voices[n]["pitch"] for n in names])
    found = np.concatenate([np.full(len(voices[n]["region"]), labels[n]) for n in names])
    found = split_by_regions(found, regions, prints, seconds, 10, 0.0, pitches)
    found = split_minorities(found, regions, prints, seconds, 10, 0.0, pitches)
    sizes = np.cumsum([0] + [len(voices[n]["region"]) for n in names])
    return {n: found[sizes[i] : sizes[i + 1]] for i, n in enumerate(names)}


def majority(labels: np.ndarray) -> tuple[int, float]:
    counts = np.bincount(labels)
    return int(counts.argmax()), float(counts.max() / len(labels))


@pytest.mark.slow
def test_a_minority_reader_in_a_long_cluster_of_another_is_a_speaker(voices):
    assert sum(voices["1272"]["seconds"]) > 120  # a long cluster: what a short conversation never holds
    found = split(voices, ("1272", "osr", "lj"), {"1272": 0, "osr": 0, "lj": 1})
    reader, reader_share = majority(found["1272"])
    other, other_share = majority(found["osr"])
    lj, lj_share = majority(found["lj"])
    assert len({reader, other, lj}) == 3  # three speakers, as there are (before: two)
    assert reader_share >= 0.95 and other_share >= 0.8 and lj_share == 1.0


@pytest.mark.slow
def test_one_reader_heard_from_two_recordings_stays_one_speaker(voices):
    """Reader 1272's 16 kHz and 8 kHz clips fall into two groups of their own: one voice."""
    found = split(voices, ("1272", "lj"), {"1272": 0, "lj": 1})
    assert majority(found["1272"]) == (0, 1.0)
    assert majority(found["lj"]) == (1, 1.0)
