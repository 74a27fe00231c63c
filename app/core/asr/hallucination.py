"""Guards against words Whisper invents on silence, noise and repetition loops.

VAD keeps most silence and noise away from the decoder; these checks catch what
gets through: segments the model itself thinks are not speech, stock phrases
learnt from subtitles, and a phrase repeated over and over.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from app.core.types import FLAG_LOW_CONFIDENCE, Segment

NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
LOW_WORD_PROBABILITY = 0.45
MAX_REPEATS = 3
FLAG_REPETITION = "repetition_removed"

# Stock phrases Whisper emits on silence or music (normalised: lowercase, no punctuation).
STOCK_PHRASES = {
    "thank you",
    "thanks for watching",
    "thank you for watching",
    "thank you very much",
    "thank you very much for watching",
    "thank you so much for watching",
    "please subscribe",
    "subscribe to my channel",
    "subtitles by the amaraorg community",
    "you",
    "bye",
    "see you in the next video",
    "see you in the next episode",
    "we will see you in the next video",
    "we will see you in the next episode",
    "ill be back in a few minutes",
    "untertitel im auftrag des zdf fur funk 2017",
    "untertitel der amaraorg community",
    "soustitres realises par la communaute damaraorg",
    "napisy stworzone przez społecznosc amaraorg",
}


# A video's sign-off inside a longer line: what Whisper writes over speech it cannot follow
# (an English-only model on Spanish gave "If you like this video, let us know in the comments
# below..."). A person may say it, so it is flagged for the reviewer, never removed.
SIGN_OFF = re.compile(r"\b((liked?|enjoyed) this video|the comments below|like and subscribe|"
                      r"subscribe to (my|our|the) channel|see you in the next (one|video)|for watching)\b")

CONTRACTIONS = (("'ll", " will"), ("’ll", " will"), ("'re", " are"), ("’re", " are"))
LEADING_FILLERS = ("and ", "so ", "okay ", "ok ")


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", bare)).strip()


def _mean_word_probability(segment: Segment) -> float:
    if not segment.words:
        return 1.0
    return sum(w.probability for w in segment.words) / len(segment.words)


def is_silence_hallucination(segment: Segment) -> bool:
    if not segment.text.strip():
        return True
    nsp = segment.no_speech_prob or 0.0
    logprob = segment.avg_logprob if segment.avg_logprob is not None else 0.0
    if nsp > NO_SPEECH_PROB and logprob < LOW_LOGPROB:
        return True
    if is_stock_phrase(segment.text):
        return nsp > 0.3 or _mean_word_probability(segment) < 0.6
    return False


def is_stock_phrase(text: str) -> bool:
    """One of STOCK_PHRASES, also after a leading "and"/"so" and with "we'll" for "we will"."""
    lowered = text.lower()
    for short, long in CONTRACTIONS:
        lowered = lowered.replace(short, long)
    bare = _normalise(lowered)
    for filler in LEADING_FILLERS:
        bare = bare.removeprefix(filler)
    return _normalise(text) in STOCK_PHRASES or bare in STOCK_PHRASES


IN_WORD_LOOP = re.compile(rf"(\w{{2,6}}?)\1{{{MAX_REPEATS},}}")  # "sáhá" + "há" x 40: a loop with no spaces


def collapse_repetitions(segment: Segment) -> Segment:
    """Cut a phrase of 1-6 words repeated more than MAX_REPEATS times in a row, and, inside one
    word, a run of 2-6 letters repeated so (to MAX_REPEATS of them)."""
    segment = _collapse_in_words(segment)
    words = segment.words
    if len(words) < MAX_REPEATS * 2:
        return segment
    tokens = [_normalise(w.text) for w in words]
    for size in range(1, 7):
        keep = _repetition_cut(tokens, size)
        if keep is not None:
            kept = words[:keep]
            text = "".join(w.text for w in kept).strip()
            return replace(
                segment,
                words=kept,
                text=text,
                end_ms=kept[-1].end_ms if kept else segment.start_ms,
                flags=segment.flags + (FLAG_REPETITION,),
            )
    return segment


def _collapse_in_words(segment: Segment) -> Segment:
    def cut(text: str) -> str:
        return IN_WORD_LOOP.sub(lambda m: m[1] * MAX_REPEATS, text)
    words = tuple(replace(w, text=cut(w.text)) for w in segment.words)
    text = "".join(w.text for w in words).strip() if words else cut(segment.text)
    if words == segment.words and text == segment.text:
        return segment
    return replace(segment, words=words, text=text, flags=segment.flags + (FLAG_REPETITION,))


def _repetition_cut(tokens: list[str], size: int) -> int | None:
    for start in range(len(tokens) - size * (MAX_REPEATS + 1) + 1):
        unit = tokens[start : start + size]
        repeats = 1
        pos = start + size
        while tokens[pos : pos + size] == unit:
            repeats += 1
            pos += size
        if repeats > MAX_REPEATS:
            return start + size * MAX_REPEATS
    return None


def mark_low_confidence(segment: Segment) -> Segment:
    """Flag a segment the model was unsure of, or one with a video's sign-off in it, so a
    reviewer looks at it first."""
    unsure = (segment.avg_logprob is not None and segment.avg_logprob < LOW_LOGPROB) or (
        _mean_word_probability(segment) < LOW_WORD_PROBABILITY
    ) or SIGN_OFF.search(_normalise(segment.text)) is not None
    if unsure and FLAG_LOW_CONFIDENCE not in segment.flags:
        return replace(segment, flags=segment.flags + (FLAG_LOW_CONFIDENCE,))
    return segment


def clean(segments: list[Segment]) -> list[Segment]:
    cleaned = [collapse_repetitions(s) for s in segments if not is_silence_hallucination(s)]
    return [mark_low_confidence(s) for s in cleaned if s.text.strip()]
