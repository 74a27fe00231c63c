"""Whisper looping inside one word, no spaces between (the shared Spanish note packed with the other shared
media: "¡sáháháhá…" 80 letters long) passed the word-level repetition cut: invented letters in a transcript."""

from __future__ import annotations

from app.core.asr.hallucination import FLAG_REPETITION, clean
from app.core.types import Segment, Word


def test_a_loop_inside_one_word_is_cut_to_three_and_flagged():
    loop = " ¡sá" + "há" * 40
    words = (Word(0, 500, " Trae", 0.9), Word(500, 900, " el", 0.9), Word(900, 1400, " dinero,", 0.9),
             Word(1400, 3000, loop, 0.87))
    [segment] = clean([Segment(0, 3000, "".join(w.text for w in words).strip(), words=words)])
    assert segment.text.endswith("¡sá" + "há" * 3) and FLAG_REPETITION in segment.flags
    [plain] = clean([Segment(0, 3000, "Bueno" + "ja" * 20)])  # no word timings: the text itself
    assert plain.text == "Bueno" + "ja" * 3 and FLAG_REPETITION in plain.flags


def test_words_that_repeat_a_few_letters_stay_as_said():
    for said in ("hahaha", "Mississippi", "banana", "Ngorongoro", "tututu"):
        [segment] = clean([Segment(0, 1000, said, words=(Word(0, 1000, said, 0.9),))])
        assert segment.text == said and FLAG_REPETITION not in segment.flags
