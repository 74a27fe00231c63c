"""A voice note's language is judged on enough of its speech, not on its opener.

Review 4 (session 28): a 0.6 s slice of the shared Polish note put in front of it read the whole
note as Hungarian 32% (Polish 46% on its own frames) and gave `[inaudible]` for all of it. Review 6
(session 29): "enough" counts the speech after the opener, not the audio. The notes are made here
from the shared voice notes (Whisper base, int8, in-process).
"""

from __future__ import annotations

import wave

import numpy as np
import pytest

from app.core.asr.packing import Piece, after_opener
from app.core.asr.speech import SpeechChunk
from tests.speech_helpers import RATE, note, silence

pytestmark = pytest.mark.slow


def opener(audio: np.ndarray) -> np.ndarray:
    """0.6 s of the note, 2 s into its speech: a word cut short, as a note that opens with 'hello?'."""
    frames = audio[: len(audio) // 320 * 320].reshape(-1, 320)
    rms = np.sqrt((frames**2).mean(1))
    start = int(np.flatnonzero(rms > 0.1 * rms.max())[0]) * 320 + 2 * RATE
    return audio[start : start + int(0.6 * RATE)]


def made(tmp_path, parts: list[np.ndarray]):
    from app.core.media.decode import probe

    path = tmp_path / "note.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(RATE)
        out.writeframes((np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes())
    return probe(path)


def short_file(engine, source):
    from app.core.asr import BatchOptions, transcribe_clips
    from app.core.options import TranscribeOptions

    [result] = transcribe_clips(engine, [source], TranscribeOptions(model="base", threads=2), BatchOptions())
    return result


def said(segments, after_ms: int = 0, before_ms: int = 10**9) -> str:
    return " ".join(s.text for s in segments if after_ms <= s.start_ms < before_ms).lower()


def polish(text: str) -> bool:
    return "komu" in text and ("jutro" in text or "utro" in text)


def test_a_note_that_opens_with_a_short_slice_keeps_its_words(tmp_path, base_engine):
    pl = note("pl_voicenote.opus")
    result = short_file(base_engine, made(tmp_path, [opener(pl), silence(1.5), pl]))
    assert result.language == "pl", (result.language, result.language_probability, result.notes)
    assert polish(said(result.segments)), result.segments
    assert not any(s.inaudible for s in result.segments), result.segments


def chunk(regions: list[tuple[int, int]], end_ms: int) -> Piece:
    audio = np.zeros(end_ms * RATE // 1000, np.float32)
    return Piece(0, SpeechChunk(0, end_ms, audio, tuple(regions)), audio)


@pytest.mark.parametrize(("regions", "end_ms", "rest_ms"), [
    ([(0, 1040), (1840, 9778)], 9778, 9778 - 1840),  # a 0.6 s word, then the note: judged on the note
    ([(0, 2500), (2600, 9000)], 9000, None),  # a first sentence of 2.5 s is no opener
    ([(0, 7000)], 7000, None),  # one stretch of speech
    ([(0, 1000), (6500, 8000)], 8000, None),  # too little after it to judge a language on
    ([(0, 1000), (1500, 1900), (4500, 4900)], 5000, None),  # 3.5 s of audio after it, 0.8 s of it speech
    ([(0, 1000), (1500, 3000), (4500, 6100)], 6100, 6100 - 1500),  # 3.1 s of speech in two regions after it
])
def test_an_opener_is_a_short_first_burst_of_speech_with_enough_after_it(regions, end_ms, rest_ms):
    rest = after_opener(chunk(regions, end_ms))
    assert (None if rest is None else len(rest) * 1000 // RATE) == rest_ms
