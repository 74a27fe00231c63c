"""Speech without words: `[inaudible hh:mm:ss]` markers where VAD heard speech and Whisper gave none.

A proofreader of a record of interview must see that someone spoke there, not a
silent gap. So each VAD speech region of a chunk that no kept word (or segment)
covers becomes a segment with empty text, no words and the `inaudible` flag, from
the region's start to its end. Two exceptions keep an honest empty result:

* short blips: a region needs MIN_SPEECH_MS of speech (its length less the VAD's
  padding either side). Silero fires on coughs, laughs, knocks and breaths of a
  fraction of a second; one second is about three syllables, a short answer
  ("I don't know", "no comment" is 1.1 s in the shared interview), below which
  a marker would clutter the record with noises nobody could transcribe anyway.
* pure noise or music: Whisper's stock outputs there ("Thank you", "Thanks for
  watching", "[Music]", removed by the hallucination guards), or a no-speech
  probability of NOISE_NO_SPEECH or more. Speech the model cannot read (a wrong
  language, a garbled stretch) scores lower: 0.66-0.81 on the shared French,
  German and Romanian voice notes decoded in a wrong language, which Whisper's
  own check (no-speech > 0.6 and log-probability < -1) calls silence.

Neither exception hides speech Silero is sure of: a region with at least MIN_SPEECH_MS of
32 ms steps at speech probability SURE_SPEECH or more keeps its marker whatever the decode
says. A note decoded in a wrong language can read as a stock phrase (the shared Spanish
note forced to English: "See you in the next episode.") or score no-speech 0.9; its words
are rightly gone, but it was speech: 4.4-5.6 s of such steps on each shared voice note,
none on the shared noise (its highest step 0.22) or silence.

The batched decoder also gives no words (so a marker here) for a piece whose language
its packed window left in doubt and whose best decode fails the log-probability check
(batched.decode_pieces): the shared German and Romanian notes, read as Latin.
"""

from __future__ import annotations

import re

import numpy as np

from app.core.asr import fw_internals as fw
from app.core.asr.hallucination import is_stock_phrase
from app.core.asr.speech import SAMPLES_PER_MS, SPEECH_PAD_MS, SpeechChunk
from app.core.types import FLAG_INAUDIBLE, Segment

MIN_SPEECH_MS = 1000  # of VAD speech in a region, padding excluded
NOISE_NO_SPEECH = 0.9  # Whisper all but sure there is no speech: noise, not unreadable speech
SURE_SPEECH = 0.9  # Silero's probability of a 32 ms step: speech beyond doubt
VAD_STEP_MS = 32
STRETCHED_WORD_MS = 1500  # a word aligned over this long holds speech its text does not (batched.decode_pieces)
WORD_SLACK_MS = 200  # a sure-speech step this close to a word is that word's
NOISE_TAGS = re.compile(r"^[\s\[\(♪♫*]*(music|applause|noise|silence|laughter|♪|♫)?[\s\]\)♪♫*.]*$", re.IGNORECASE)


def region_speech_ms(region: tuple[int, int]) -> int:
    """VAD speech in a region: its length less the padding Silero added either side."""
    return region[1] - region[0] - 2 * SPEECH_PAD_MS


def heard_noise(raw: list[Segment], no_speech_prob: float | None) -> bool:
    """The decode says noise or music, not unreadable speech (see the module's notes)."""
    if no_speech_prob is not None and no_speech_prob >= NOISE_NO_SPEECH:
        return True
    texts = [s.text for s in raw if s.text.strip()]
    return bool(texts) and all(is_stock_phrase(t) or NOISE_TAGS.match(t) for t in texts)


def _covered(region: tuple[int, int], segments: list[Segment]) -> bool:
    spans = [(w.start_ms, w.end_ms) for s in segments for w in s.words] or \
        [(s.start_ms, s.end_ms) for s in segments if s.text.strip()]
    return any(a < region[1] and b > region[0] for a, b in spans)


def sure_speech(chunk: SpeechChunk, region: tuple[int, int]) -> bool:
    """Silero is sure the region holds speech: MIN_SPEECH_MS of its steps at SURE_SPEECH or more."""
    lo, hi = ((t - chunk.start_ms) * SAMPLES_PER_MS for t in region)
    audio = chunk.audio[max(0, lo) : max(0, hi)]
    if audio.size == 0:
        return False
    sure = int((fw.speech_probabilities(audio) >= SURE_SPEECH).sum())
    return sure * VAD_STEP_MS >= MIN_SPEECH_MS


def with_markers(chunk: SpeechChunk, kept: list[Segment], noise: bool) -> list[Segment]:
    """`kept` with a marker for each of the chunk's speech regions that has no words, in time order.
    Where the decode says `noise`, only regions Silero is sure are speech (sure_speech) are marked."""
    markers = [
        Segment(start_ms=start, end_ms=end, text="", flags=(FLAG_INAUDIBLE,))
        for start, end in chunk.regions
        if region_speech_ms((start, end)) >= MIN_SPEECH_MS and not _covered((start, end), kept)
        and (not noise or sure_speech(chunk, (start, end)))
    ]
    if not markers:
        return kept
    return sorted(kept + markers, key=lambda s: (s.start_ms, s.end_ms))


def speech_unread(chunk: SpeechChunk, segments: list[Segment]) -> bool:
    """A reading of the chunk that leaves speech out: MIN_SPEECH_MS of Silero's sure-speech steps
    (SURE_SPEECH) outside every word it gave (WORD_SLACK_MS either side), or a word aligned over
    STRETCHED_WORD_MS (the alignment spread its text over speech the text does not hold)."""
    words = [(w.start_ms, w.end_ms) for s in segments for w in s.words]
    if any(end - start >= STRETCHED_WORD_MS for start, end in words):  # a word's span, never a segment's
        return True
    spans = words or [(s.start_ms, s.end_ms) for s in segments if s.text.strip()]
    if not spans:
        return False
    sure = fw.speech_probabilities(chunk.audio) >= SURE_SPEECH
    step_ms = chunk.start_ms + VAD_STEP_MS * np.arange(len(sure)) + VAD_STEP_MS // 2
    read = np.zeros(len(sure), dtype=bool)
    for start, end in spans:
        read |= (step_ms >= start - WORD_SLACK_MS) & (step_ms <= end + WORD_SLACK_MS)
    return int((sure & ~read).sum()) * VAD_STEP_MS >= MIN_SPEECH_MS
