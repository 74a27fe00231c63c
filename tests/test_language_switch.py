"""A speaker who changes language without a pause: each part decoded in its own language.

A 45 s voice note of English then Spanish speech (FLEURS clips 0.2 s apart, as a speaker going
on in the other language) came out in English throughout: its short-file path decoded every
piece in the language of its first, and its first speech chunk held both languages (VAD found no
pause between them). Each piece of 8 s or more now has its language asked on each 4 s stretch of
its own encoder states, and a run of another language confirmed on its own frames is cut off at
the quietest point near the change and decoded in that language (language_check.mixed_pieces);
a short file's later pieces may change language as a long file's do (language_check.switches).
"""

from __future__ import annotations

import pytest

from tests.test_mixed_languages import eval_clips as clips
from tests.test_mixed_languages import write_wav as write_mixed

ENGLISH = {"the", "and", "of", "is", "that", "to", "which", "with", "for", "are", "there", "was", "were"}
SPANISH = {"la", "que", "el", "los", "las", "del", "fue", "al", "para", "una", "con", "por", "se", "es", "en"}


def trimmed(audio):
    """The clip without the quiet before and after its speech (a FLEURS clip holds up to a second of
    it): clips joined after this run on as one speaker talking, with no pause VAD would cut at."""
    import numpy as np

    frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt((frames**2).mean(1))
    loud = np.flatnonzero(rms > 0.05 * rms.max())
    return audio[max(0, loud[0] - 5) * 320 : (loud[-1] + 6) * 320]


def write_wav(path, parts, gap_s: float) -> list[int]:
    """`parts` (lists of clips, trimmed) one after another, `gap_s` apart; where each part starts (ms)."""
    return write_mixed(path, [[trimmed(clip) for clip in part] for part in parts], gap_s)


def words(segments, after_ms: int = 0, before_ms: int = 10**9) -> list[str]:
    said = " ".join(s.text for s in segments if after_ms <= (s.start_ms + s.end_ms) // 2 < before_ms)
    return said.lower().replace(",", " ").replace(".", " ").replace("¿", " ").split()


@pytest.fixture(scope="module")
def voice_note(tmp_path_factory, base_engine):
    """The 45 s English-then-Spanish note through the short-file path at base's defaults:
    (its ClipResult, where the Spanish starts in ms)."""
    from app.core.asr import transcribe_clips
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    path = tmp_path_factory.mktemp("switch") / "note.wav"
    _, spanish_ms = write_wav(path, [clips("en", 20), clips("es", 20)], 0.2)
    assert probe(path).duration_ms <= 60_000  # a short file
    return next(transcribe_clips(base_engine, [probe(path)], TranscribeOptions(model="base", threads=2))), spanish_ms


pytestmark = pytest.mark.slow


def test_a_voice_note_that_changes_language_says_both(voice_note):
    result, spanish_ms = voice_note
    assert {part[2] for part in result.languages} == {"en", "es"}, result.languages
    from app.core.language_parts import language_at

    parts = [list(part) for part in result.languages]  # the Spanish said where it is, not in an English part
    assert language_at(parts, spanish_ms + 2000, spanish_ms + 9000) == "es", parts
    assert language_at(parts, 1000, spanish_ms - 2000) == "en", parts


def test_each_half_of_the_voice_note_is_decoded_in_its_own_language(voice_note):
    result, spanish_ms = voice_note
    spanish = words(result.segments, spanish_ms + 2000)
    assert sum(w in SPANISH for w in spanish) >= 8 and not set(spanish) & ENGLISH - SPANISH, spanish
    english = words(result.segments, 0, spanish_ms - 2000)
    assert sum(w in ENGLISH for w in english) >= 5 and not set(english) & {"la", "que", "los", "del"}, english


def test_stretches_of_one_language_make_one_run_and_a_confident_change_another():
    from app.core.asr.language_check import language_runs

    spans = [(0, 200), (200, 400), (400, 600), (600, 800), (700, 900)]
    same = language_runs(spans, [("en", 0.99), ("en", 0.6), ("de", 0.7), ("en", 0.95), ("en", 0.9)], "en")
    assert [run[2] for run in same] == ["en"]  # unsure stretches naming another language change nothing
    runs = language_runs(spans, [("en", 0.99), ("es", 0.6), ("es", 0.93), ("es", 0.97), ("es", 0.9)], "en")
    assert [(run[0], run[1], run[2]) for run in runs] == [(0, 200, "en"), (200, 900, "es")]  # unsure: joins it
    assert runs[1][3] == 0.9  # the lowest confident reading of the change


@pytest.fixture(scope="module")
def english_german_english(tmp_path_factory, base_engine):
    """English, German, then English FLEURS clips 1 s apart (110 s: the long-file path), in-process at
    base's defaults: (segments, where the German starts, where the English starts again, in ms)."""
    from app.core.asr import transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    path = tmp_path_factory.mktemp("en_de_en") / "interview.wav"
    starts = write_wav(path, [clips("en", 35), clips("de", 35), clips("en", 20, skip=30)], 1.0)
    done = list(transcribe_source(base_engine, probe(path), TranscribeOptions(model="base", threads=2)))
    return [s for d in done for s in d.segments], starts[1], starts[2]


def test_speech_after_a_language_change_inside_one_chunk_is_not_withheld(english_german_english):
    """The chunk holding the end of the English and the start of the German was decoded in English:
    its 12 s of German came out `[inaudible]`; the chunk holding the German end and the English
    start was decoded in German ("Aber bei Printers in Strasbourg, ... und andere Cities")."""
    segments, german_ms, english_ms = english_german_english
    german = words(segments, german_ms + 1500, german_ms + 12000)
    assert sum(w in {"die", "der", "und", "von", "zum", "auf", "den", "sie"} for w in german) >= 3, german
    assert not [s for s in segments if s.inaudible and german_ms < s.start_ms < german_ms + 12000], segments
    english = words(segments, english_ms + 500, english_ms + 6000)
    assert english and not set(english) & {"aber", "und", "andere", "bei"}, english


@pytest.fixture(scope="module")
def french_then_spanish(tmp_path_factory, base_engine):
    """French then Spanish FLEURS clips 1 s apart (72 s, the long-file path): (segments, Spanish start ms)."""
    from app.core.asr import transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    path = tmp_path_factory.mktemp("fr_es") / "call.wav"
    _, spanish_ms = write_wav(path, [clips("fr", 40), clips("es", 40)], 1.0)
    done = list(transcribe_source(base_engine, probe(path), TranscribeOptions(model="base", threads=2)))
    return [s for d in done for s in d.segments], spanish_ms


def test_a_french_sentence_in_a_chunk_decoded_in_spanish_keeps_its_french_words(french_then_spanish):
    """The chunk holding the last French sentence and the first Spanish one was decoded in Spanish: the
    French came out as Spanish words it does not hold ("y la ajouter con los dos restaurantes para la
    demanda"); it reads "Il a ajouté qu'on ne devrait cependant pas leur demander d'assumer ...\""""
    segments, spanish_ms = french_then_spanish
    french = words(segments, spanish_ms - 8000, spanish_ms - 500)
    assert sum(w in {"il", "a", "qu'on", "ne", "pas", "leur", "des", "de", "la", "le"} for w in french) >= 4, french
    assert not set(french) & {"y", "con", "los", "para", "las", "que"}, french
    spanish = words(segments, spanish_ms + 1000)
    assert sum(w in SPANISH for w in spanish) >= 8, spanish
