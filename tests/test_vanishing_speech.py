"""Speech Silero is sure of never vanishes: it has words or an `[inaudible]` marker, on every path.

The shared Spanish voice note decoded as English (`--language en`) reads "See you in the next
episode.", a stock phrase the hallucination guard removes; the decode was then called noise and the
note had neither words nor a marker. Built from the shared notes, on the short-clip packed path, the
long path and a stereo file split by channel; every path (`--no-batch`'s chunk-by-chunk decode too) marks
through inaudible.with_markers, tested on its own with the decode's verdict "noise". The shared noise and
silence still give nothing.
"""

from __future__ import annotations

import wave

import numpy as np
import pytest

from tests.speech_helpers import RATE, note, silence

pytestmark = pytest.mark.slow


def made(tmp_path, channels: list[np.ndarray]):
    from app.core.media.decode import probe

    path = tmp_path / "note.wav"
    samples = np.stack(channels, axis=1) if len(channels) > 1 else channels[0]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels)), out.setsampwidth(2), out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return probe(path)


def options(**kw):
    from app.core.options import TranscribeOptions

    return TranscribeOptions(model="base", threads=2, **{"language": "en", **kw})


def long_file(engine, source, **kw):
    from app.core.asr import transcribe_source

    return [s for d in transcribe_source(engine, source, options(**kw)) for s in d.segments]


def accounted(segments, starts_ms: list[int], length_ms: int) -> None:
    """Each note (start, length) has words or an inaudible marker over it, and no more than that."""
    for start in starts_ms:
        over = [s for s in segments if s.start_ms < start + length_ms and s.end_ms > start]
        assert over and all(s.inaudible or s.text.strip() for s in over), (start, segments)


def test_a_wrong_language_short_note_read_as_a_stock_phrase_is_marked_inaudible(tmp_path, base_engine):
    from app.core.asr import BatchOptions, transcribe_clips

    es = note("es_voicenote.ogg")
    [result] = transcribe_clips(base_engine, [made(tmp_path, [es])], options(), BatchOptions())
    accounted(result.segments, [0], len(es) * 1000 // RATE)
    assert all(s.inaudible for s in result.segments), result.segments  # no English words made up


def test_a_long_recording_s_wrong_language_notes_are_each_marked(tmp_path, base_engine):
    es = note("es_voicenote.ogg")
    source = made(tmp_path, [np.concatenate([es, silence(25), es, silence(25), es])])
    assert source.duration_ms > 60_000  # the long-file path
    step = len(es) + 25 * RATE
    segments = long_file(base_engine, source)
    accounted(segments, [i * step * 1000 // RATE for i in range(3)], len(es) * 1000 // RATE)


def test_a_split_stereo_file_marks_the_wrong_language_note_on_its_channel(tmp_path, base_engine):
    es = note("es_voicenote.ogg")
    left = np.concatenate([es, silence(4)])
    right = np.concatenate([silence(len(es) / RATE + 1), es[: 3 * RATE]])
    segments = long_file(base_engine, made(tmp_path, [left, right]), channels="split")
    accounted(segments, [0], len(es) * 1000 // RATE)  # the right channel speaks only after the note


@pytest.mark.parametrize("name", ["pl_voicenote.opus", "de_voicenote.opus", "es_voicenote.ogg"])
def test_a_region_silero_is_sure_of_keeps_its_marker_when_the_decode_says_noise(name):
    """What a no-speech probability of 0.9 (the lang29 long-path case) or a stock phrase does:
    heard_noise is true; the note's region is still marked."""
    from app.core.asr import inaudible
    from app.core.asr.speech import speech_chunks

    [chunk] = list(speech_chunks([note(name)]))
    marked = inaudible.with_markers(chunk, [], noise=True)
    assert marked and all(s.inaudible for s in marked), marked


@pytest.mark.parametrize("name", ["noise_10s.wav", "silence_30s.wav"])
def test_noise_and_silence_still_give_no_marker(name):
    from app.core.asr import inaudible
    from app.core.asr.speech import SpeechChunk

    audio = note(name)
    whole = SpeechChunk(0, len(audio) * 1000 // RATE, audio, ((0, len(audio) * 1000 // RATE),))
    assert inaudible.with_markers(whole, [], noise=True) == []


def test_a_long_recording_s_second_polish_note_read_as_no_speech_is_marked(tmp_path, base_engine):
    """lang29's construction: a 0.6 s opener, 30 s, the Polish note, 25 s, the note again. The second
    note's wrong-language decode scores no-speech 0.91: it had no words and no marker (63-71 s)."""
    pl = note("pl_voicenote.opus")
    frames = pl[: len(pl) // 320 * 320].reshape(-1, 320)
    start = int(np.flatnonzero(np.sqrt((frames**2).mean(1)) > 0.1 * np.sqrt((frames**2).mean(1)).max())[0]) * 320
    opener = pl[start + 2 * RATE : start + 2 * RATE + int(0.6 * RATE)]
    source = made(tmp_path, [np.concatenate([opener, silence(30), pl, silence(25), pl])])
    first = len(opener) + 30 * RATE
    starts = [first * 1000 // RATE, (first + len(pl) + 25 * RATE) * 1000 // RATE]
    accounted(long_file(base_engine, source, language=None), starts, len(pl) * 1000 // RATE)
