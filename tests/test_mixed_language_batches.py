"""Short files in several languages can share their beam searches (BatchOptions.mixed_languages,
batched.language_batches): fewer, fuller batches, here with each file's words and word times the same as
when every batch holds one language (the default: on the 112 clips one fragile clip's text changed)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.asr import decoder, transcribe_clips
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import SHARED

pytestmark = pytest.mark.slow
OPTS = TranscribeOptions(model="base", threads=2)
SPEECH = SHARED / "eval" / "speech"
# Two English clips, a Spanish and a French one, their speech 7-8.5 s: one memory span (15 s,
# packing.memory_span), three languages.
CLIPS = {"coqui-TTS__LJ001-0005.wav": "en", "cuttledoc__fleurs-es-002.ogg": "es",
         "coqui-TTS__LJ001-0007.wav": "en", "cuttledoc__fleurs-fr-008.ogg": "fr"}


@pytest.fixture
def beam_searches(monkeypatch) -> list[tuple[int, ...]]:
    """Each beam search (CTranslate2 generate) of the decoders made after it: the language token of
    each of its prompts."""
    searches: list[tuple[int, ...]] = []
    real = decoder.fw.ctranslate2_whisper

    class Counted:
        def __init__(self, ct2) -> None:
            self._ct2 = ct2

        def generate(self, features, prompts, **kwargs):
            searches.append(tuple(prompt[1] for prompt in prompts))  # [sot, language, task, ...]
            return self._ct2.generate(features, prompts, **kwargs)

        def __getattr__(self, name):
            return getattr(self._ct2, name)

    monkeypatch.setattr(decoder.fw, "ctranslate2_whisper", lambda model: Counted(real(model)))
    return searches


def _words(result) -> list[tuple[int, int, str]]:
    return [(w.start_ms, w.end_ms, w.text) for s in result.segments for w in s.words]


def test_notes_in_two_languages_share_beam_searches_and_keep_their_words(base_engine, beam_searches):
    sources = [probe(SPEECH / name) for name in CLIPS]
    apart = list(transcribe_clips(base_engine, sources, OPTS))  # the default: one language a batch
    searches_apart = list(beam_searches)
    beam_searches.clear()
    mixed = list(transcribe_clips(base_engine, sources, OPTS, replace(base_engine.batch, mixed_languages=True)))
    assert [r.language for r in mixed] == list(CLIPS.values())
    assert all(_words(r) for r in mixed)
    assert [_words(r) for r in mixed] == [_words(r) for r in apart]  # the same words at the same times
    assert all(len(set(search)) == 1 for search in searches_apart)  # one language a beam search
    # Four pieces of one span: one language a batch, two English batches of one (a batch for each
    # replica), a Spanish and a French one (4); mixed, two batches of two, an English piece beside the
    # Spanish one and beside the French one (2). The re-decodes of a piece (a continuation, a fallback)
    # are the same either way (the same first readings).
    assert len(searches_apart) - len(beam_searches) == 2
    assert all(len(search) == 1 for search in searches_apart)
    shared = [search for search in beam_searches if len(search) > 1]
    assert len(shared) == 2 and all(len(search) == 2 and len(set(search)) == 2 for search in shared)
