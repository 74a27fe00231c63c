"""A wrong language detected with confidence gives no invented words.

In a run of the whole shared media folder on an AVX-512 VNNI CPU, the French voice note,
detected in a batch with the other notes' windows, was read as Thai at 85% (above every
doubt bar) and came out as Thai words (log-probability -0.83). Its own audio gives Thai
53% (own frames) and 61% (a full pass): a decode that unsure, in a language its own audio
is in doubt of, now gives `[inaudible]` (asr.language_check, batched.decode_pieces), while
notes whose own audio is sure of their language keep their words (the Polish note at
-0.91, the Spanish one at -0.95).
"""

from __future__ import annotations

import pytest

from tests.conftest import MEDIA
from tests.folder_run import note, words_of

pytestmark = pytest.mark.slow


def test_the_french_note_in_a_whole_folder_run_gives_no_thai_words(media_folder_run):
    root, result = media_folder_run
    assert "Traceback" not in result.stderr
    french = note(root, "fr_voicenote")
    text = words_of(french)
    assert not any("\u0e00" <= ch <= "\u0e7f" for ch in text), (french["language"], text)  # no Thai letters
    if french["language"] != "fr":  # not French words: then nothing but [inaudible] where speech was heard
        assert text == "" and any(s.get("inaudible") for s in french["segments"]), french["segments"]


def test_notes_sure_of_their_language_keep_their_words_in_the_same_run(media_folder_run):
    root, _ = media_folder_run
    polish = words_of(note(root, "pl_voicenote")).lower()
    assert "się" in polish and "komu" in polish, polish  # "Spotkajmy się jutro ... i nikomu nic nie mów."
    spanish = words_of(note(root, "es_voicenote")).lower()
    assert "mañana" in spanish and "estación" in spanish, spanish
    english = words_of(note(root, "en_voicenote.opus")).lower()
    assert "behind the station" in english and "package" in english, english


@pytest.fixture(scope="module")
def decoder(base_engine):
    from app.core.asr.decoder import BatchDecoder
    from app.core.options import TranscribeOptions

    return BatchDecoder(base_engine, TranscribeOptions(model="base", threads=2), base_engine.batch)


def piece_of(name: str, batch):
    """The note's speech as the packer takes it: its VAD chunk, gain-normalised."""
    from app.core.asr.packing import Piece, normalise_gain
    from app.core.asr.speech import speech_chunks
    from app.core.media.decode import read_all

    [chunk] = speech_chunks([read_all(MEDIA / name)[0]])
    return Piece(0, chunk, normalise_gain(chunk.audio, batch.target_rms))


@pytest.mark.parametrize(("name", "language", "sure"), [
    ("fr_voicenote.m4a", "th", False),  # the French note: its own audio is not sure it is Thai
    ("pl_voicenote.opus", "pl", True),  # right, and sure enough on its own (81%)
    ("es_voicenote.ogg", "es", True),
    ("en_voicenote.opus", "en", True),
    ("en_voicenote.opus", "th", False),  # a language its own audio does not name at all
])
def test_a_pieces_own_audio_says_how_sure_its_language_is(decoder, name, language, sure):
    from app.core.asr.batched import LANGUAGE_IN_DOUBT
    from app.core.asr.language_check import own_confidence

    confidence = own_confidence(decoder, piece_of(name, decoder.batch), language, ())
    assert (confidence >= LANGUAGE_IN_DOUBT) is sure, confidence


@pytest.mark.parametrize(("language", "text", "wrong"), [
    ("fr", "เดี๋ยวดีมาหาดีเธอเธอเธอมารักด้าง", True),  # Thai letters are no French words
    ("en", "ご視聴ありがとうございました", True),
    ("en", "Привет, как дела?", True),
    ("th", "เดี๋ยวดีมาหา", False),
    ("ru", "Привет, Anna", False),
    ("hi", "I was at home with my sister", False),  # English amid Hindi: Latin letters are never judged
    ("sr", "Здраво, видимо се сутра", False),  # Serbian is written in both scripts
    ("sr", "Zdravo, vidimo se sutra", False),
    ("en", "8. 10:15", False),  # no letters
    ("ja", "ご視聴ありがとうございました", False),
])
def test_words_in_a_script_their_language_is_not_written_in_are_not_its_words(language, text, wrong):
    from app.core.asr.language_check import wrong_script

    assert wrong_script(language, text) is wrong
