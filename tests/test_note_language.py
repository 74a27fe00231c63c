"""Each file reports the language its own text was decoded in, with how sure its own audio is.

In a run of the whole shared media folder at the default model (base), the French voice note,
detected in a batch with the other notes' windows as Thai at 85%, came out `[inaudible]`
(its own audio gives Thai only 53-71%, tests/test_wrong_language.py) and still reported
"th 0.85" in its JSON, the exhibits list and the exports: a confident language over no words.
A note's reported language is now the one its text was decoded in, with the confidence its
own audio gave (asr.language_check.file_language).
"""

from __future__ import annotations

import json

import pytest

from tests.folder_run import note, words_of

pytestmark = pytest.mark.slow


def test_a_note_withheld_for_its_doubtful_language_reports_that_doubt(media_folder_run):
    from app.core.asr.batched import LANGUAGE_IN_DOUBT

    root, _ = media_folder_run
    french = note(root, "fr_voicenote")
    if french["language"] != "fr":  # its words were withheld: the language it reports is in doubt
        assert words_of(french) == "", french["segments"]
        assert french["language_probability"] < LANGUAGE_IN_DOUBT, (french["language"], french["language_probability"])


def test_notes_whose_words_are_kept_report_a_language_they_are_written_in(media_folder_run):
    root, _ = media_folder_run
    for name, language in (("pl_voicenote", "pl"), ("es_voicenote", "es"), ("en_voicenote.opus", "en")):
        transcript = note(root, name)
        assert words_of(transcript), name
        assert transcript["language"] == language and transcript["language_probability"] >= 0.5, transcript


ENGLISH = {"the", "and", "of", "is", "was", "that", "to", "which", "with", "for", "are", "there"}
GERMAN = {"und", "die", "der", "das", "ist", "nicht", "den", "ein", "eine", "sich", "mit", "zu", "auf", "es"}


def eval_clips(language: str, seconds: float) -> list[tuple[str, object]]:
    """The shared eval clips of `language`, in order, until `seconds` of audio: (file, samples)."""
    from app.core.media.decode import read_all
    from tests.conftest import SHARED

    items = json.loads((SHARED / "eval" / "speech.json").read_text(encoding="utf-8"))["items"]
    clips, total = [], 0.0
    for item in items:
        if item["language"] == language and total < seconds:
            audio = read_all(SHARED / "eval" / "speech" / item["file"])[0]
            clips.append((item["file"], audio))
            total += len(audio) / 16000
    return clips


@pytest.fixture(scope="module")
def english_then_german(tmp_path_factory, base_engine):
    """A recording whose first part is English speech and whose second is German (FLEURS clips, 1 s
    apart), transcribed as one long file at base's defaults: (segments, German part's start ms)."""
    import wave

    import numpy as np

    from app.core.asr import transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    pause = np.zeros(16000, np.float32)
    english, german = eval_clips("en", 40), eval_clips("de", 25)
    parts = [a for _, audio in english for a in (audio, pause)]
    german_ms = sum(len(a) for a in parts) * 1000 // 16000
    audio = np.concatenate(parts + [a for _, audio in german for a in (audio, pause)])
    path = tmp_path_factory.mktemp("english_then_german") / "interview.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    done = list(transcribe_source(base_engine, probe(path), TranscribeOptions(model="base", threads=2)))
    return [s for d in done for s in d.segments], german_ms


def test_a_long_recordings_later_part_in_another_language_is_not_given_as_english_words(english_then_german):
    """Its first group's language (English) was carried to every later group: the German part came
    out as English sentences it does not contain ("He also heard everything about what was happening
    in the water"), scored -0.7 to -1.0. Its pieces are now checked on their own audio and decoded
    in German."""
    segments, german_ms = english_then_german
    words = " ".join(s.text for s in segments if s.start_ms >= german_ms).lower().replace(",", " ").split()
    assert sum(w in ENGLISH for w in words) <= 1, words
    assert sum(w in GERMAN for w in words) >= 5, words  # German words, not only [inaudible]
    before = " ".join(s.text for s in segments if s.end_ms <= german_ms).lower().split()
    assert sum(w in ENGLISH for w in before) >= 5, before  # the English part keeps its English words
