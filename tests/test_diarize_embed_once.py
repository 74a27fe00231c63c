"""Diarisation embeds each second of speech once (issue #13: its CPU on long recordings). Each speech
region's own voiceprint (region_split, long_split) was its first 6 s embedded whole by CAM++ again,
after its 1.5 s windows had been: a quarter of diarisation's CPU on the 11.7 min file (95 regions,
357 s of audio embedded twice). A region's voiceprint is now the unit mean of its windows' voiceprints
in those first 6 s: CAM++ runs once per window, on the shared interview as on any recording."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.core.diarize import engine
from app.core.diarize.embedder import SAMPLE_RATE
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


def test_each_window_is_embedded_once_and_nothing_else(collected):
    collector, pieces = collected
    windows = [w.end - w.start for w in collector.embedded]
    assert sum(pieces) == sum(windows) and sorted(pieces) == sorted(windows)  # regions were embedded again
    assert len({w.region for w in collector.embedded}) < len(windows)  # some region has several windows


def test_a_regions_voiceprint_is_its_first_six_seconds_of_windows(collected):
    collector, _ = collected
    prints = np.concatenate(collector.parts)
    of = np.array(collector.region_of)
    for region, print_ in enumerate(collector.region_prints):
        members = [i for i in np.flatnonzero(of == region)
                   if collector.embedded[i].start < collector.embedded[of.tolist().index(region)].start
                   + engine.MAX_REGION_S * SAMPLE_RATE]
        assert np.allclose(print_, unit(prints[members].mean(axis=0)), atol=1e-6)
        assert collector.region_seconds[region] <= engine.MAX_REGION_S
