"""Each piece's language is asked stretch by stretch (language_check.mixed_pieces) on both replicas side by
side (issue #15: asked one piece after another on the calling thread, one core idled through it on every
group of short files), each piece's answers its own."""

from __future__ import annotations

import threading

import pytest

from app.core.asr import decoder as decoder_module
from app.core.asr import transcribe_clips
from app.core.asr.language_check import STRETCH_FRAMES
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import SHARED

pytestmark = pytest.mark.slow
EVAL = SHARED / "eval" / "speech"


def test_two_pieces_stretches_are_asked_at_once(base_engine, monkeypatch):
    """The first two stretch questions meet at a barrier: asked one piece after another, the first waits
    for a second that never comes (the barrier breaks, the command fails); side by side, both go on."""
    assert base_engine.placement.replicas == 2
    barrier = threading.Barrier(2, timeout=60)
    met: list[int] = []
    real = decoder_module.BatchDecoder.detect

    def detect(self, composites, allowed):
        if all(len(c) == STRETCH_FRAMES for c in composites) and len(met) < 2:
            met.append(len(composites))
            barrier.wait()
        return real(self, composites, allowed)

    monkeypatch.setattr(decoder_module.BatchDecoder, "detect", detect)
    names = ["onnxruntime-extensions__1272-141231-0002.flac", "cuttledoc__fleurs-de-006.ogg"]  # 13 s, 12 s
    results = list(transcribe_clips(base_engine, [probe(EVAL / n) for n in names],
                                    TranscribeOptions(model="base", threads=2)))
    assert len(met) == 2 and not barrier.broken
    assert [r.language for r in results] == ["en", "de"]
    english, german = (" ".join(s.text for s in r.segments).lower() for r in results)
    assert "chest" in english and "blood" in english
    assert "schülern" in german and "chest" not in german
