"""Segment boundaries moved to sentence ends (asr/sentence_ends.py), on word timings as
Whisper gives them; the interview end to end is in test_diarize_pipeline.py."""

from __future__ import annotations

from app.core.asr.sentence_ends import ends_sentence, mend_sentences
from app.core.types import FLAG_LOW_CONFIDENCE, Segment, Word


def segment(start: int, text: str, speaker: str = "Speaker 1", flags: tuple[str, ...] = ()) -> Segment:
    """A segment whose words are 300 ms apart from `start`."""
    words = tuple(Word(start + 300 * i, start + 300 * i + 250, f" {w}", 0.9) for i, w in enumerate(text.split()))
    return Segment(start, words[-1].end_ms, text, speaker, words=words, avg_logprob=-0.3, flags=flags)


def texts(segments) -> list[str]:
    return [s.text for s in segments]


def test_a_boundary_inside_a_sentence_moves_to_the_nearest_end():
    cut = [segment(0, "I am Detective Constable Harris. Please"), segment(1900, "state your full name. Now then")]
    mended = mend_sentences(cut)
    assert texts(mended) == ["I am Detective Constable Harris.", "Please state your full name. Now then"]
    assert mended[0].start_ms == 0 and mended[1].start_ms == cut[0].words[-1].start_ms
    assert [w for s in mended for w in s.words] == [w for s in cut for w in s.words]


def test_a_sentence_with_no_end_nearby_becomes_one_segment():
    mended = mend_sentences([segment(0, "Where were you on the evening"), segment(2000, "of the fourteenth?")])
    assert texts(mended) == ["Where were you on the evening of the fourteenth?"]
    assert (mended[0].start_ms, mended[0].end_ms) == (0, 2000 + 2 * 300 + 250)


def test_speakers_pauses_and_ends_are_left_alone():
    two_voices = [segment(0, "Your name is"), segment(1200, "Daniel Price.", speaker="Speaker 2")]
    assert mend_sentences(two_voices) == tuple(two_voices)
    long_pause = [segment(0, "And then"), segment(5000, "nothing happened.")]
    assert mend_sentences(long_pause) == tuple(long_pause)
    complete = [segment(0, "It was late."), segment(1000, "He left.")]
    assert mend_sentences(complete) == tuple(complete)


def test_a_joined_segment_keeps_the_worse_confidence_and_every_flag():
    low = segment(1000, "at home.", flags=(FLAG_LOW_CONFIDENCE,))
    joined = mend_sentences([segment(0, "I was"), low])
    assert len(joined) == 1 and FLAG_LOW_CONFIDENCE in joined[0].flags and joined[0].id is None


def test_sentence_ends_follow_the_translation_splitter_rules():
    assert ends_sentence("Harris.", "Please") and ends_sentence("car?", "No")
    assert not ends_sentence("Mr.", "Price") and not ends_sentence("about", "nine")
    assert ends_sentence("了。", "我")
