"""Diarisation embeds a long speech region's audio once (issue #13: its CPU on long recordings). Each
speech region's own voiceprint (region_split, long_split) was its first 6 s embedded whole by CAM++
again, after its 1.5 s windows had been: a quarter of diarisation's CPU on the 11.7 min file (95
regions, 357 s embedded twice). A region of three windows or more in those 6 s now takes the unit
mean of their voiceprints; one of two windows is still embedded whole (the mean of two lost a
speaker on the tuning set's four_librispeech AMR copy), one of one window takes that window's."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.core.diarize import engine
from app.core.diarize.vectors import unit
from app.core.media.decode import read_all
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


class _Counted:
    """The speaker model, each piece it embeds noted (its length in samples)."""

    def __init__(self, model) -> None:
        self.model, self.pieces = model, []

    def embed(self, pieces):
        self.pieces.extend(len(p) for p in pieces)
        return self.model.embed(pieces)

    def __getattr__(self, name):
        return getattr(self.model, name)


@pytest.fixture(scope="module")
def collected(speaker_model):
    audio = read_all(str(MEDIA / "interview_mono.wav"))[0]
    counted = _Counted(copy.copy(engine.load_embedder(speaker_model)))
    collector = engine.Collector(counted, engine.segmenter_for(speaker_model))
    regions, frames = engine.scan(audio, collector.segmenter)
    collector.take(audio, 0, regions, frames)
    return collector, counted.pieces


def test_only_windows_and_two_window_regions_are_embedded(collected):
    collector, pieces = collected
    regions = engine.region_windows(collector.embedded)
    assert any(len(used) >= engine.MEAN_WINDOWS for used, _, _ in regions)  # the case is met
    assert any(len(used) == 2 for used, _, _ in regions)
    expected = [w.end - w.start for w in collector.embedded] + [b - a for used, a, b in regions if len(used) == 2]
    assert sorted(pieces) == sorted(expected)  # longer regions were embedded again


def test_a_long_regions_voiceprint_is_its_windows_mean(collected):
    collector, _ = collected
    prints = np.concatenate(collector.parts)
    for region, (used, a, b) in enumerate(engine.region_windows(collector.embedded)):
        if len(used) >= engine.MEAN_WINDOWS:
            assert np.allclose(collector.region_prints[region], unit(prints[used].mean(axis=0)), atol=1e-6)
        elif len(used) == 1:
            assert np.array_equal(collector.region_prints[region], prints[used[0]])
        assert collector.region_seconds[region] == (b - a) / 16000 <= engine.MAX_REGION_S
