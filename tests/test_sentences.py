"""Rule-based sentence splitting."""

from __future__ import annotations

import pytest

from app.core.translation.sentences import join_sentences, split_long, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("One sentence without a stop", ["One sentence without a stop"]),
        ("Hello there. How are you? Fine!", ["Hello there.", "How are you?", "Fine!"]),
        (
            "Mr. Smith met Dr. Jones at 10. Then they left.",
            ["Mr. Smith met Dr. Jones at 10.", "Then they left."],
        ),
        ("It costs 3.5 euros. Cheap.", ["It costs 3.5 euros.", "Cheap."]),
        ("Born 12.03.2024 in town. Yes.", ["Born 12.03.2024 in town.", "Yes."]),
        ("Use e.g. salt or i.e. pepper. Done.", ["Use e.g. salt or i.e. pepper.", "Done."]),
        ("J. K. Rowling wrote it. Fine.", ["J. K. Rowling wrote it.", "Fine."]),
        ("Wait... what? No…", ["Wait... what?", "No…"]),
        ("Well… I don't know. Maybe.", ["Well…", "I don't know.", "Maybe."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("Really?! Yes!!!", ["Really?!", "Yes!!!"]),
        ("我在家。你呢？好的！", ["我在家。", "你呢？", "好的！"]),
        ("أين كنت؟ كنت في المنزل.", ["أين كنت؟", "كنت في المنزل."]),
        ("Было это в 2020 г. летом. Потом всё.", ["Было это в 2020 г. летом.", "Потом всё."]),
        ("Mieszkam na ul. Długiej. Tak.", ["Mieszkam na ul. Długiej.", "Tak."]),
        ("apples, pears etc. Then we left.", ["apples, pears etc.", "Then we left."]),
        ("line one\nline two. Next", ["line one line two.", "Next"]),
        ("v2.0 works.It does", ["v2.0 works.It does"]),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_join_sentences():
    assert join_sentences(["One.", " Two. ", ""]) == "One. Two."
    assert join_sentences(["我在家。", "你呢？"], spaced=False) == "我在家。你呢？"
    assert join_sentences([]) == ""


def test_split_then_join_round_trips_normalised_text():
    text = "Mr. Brown paid 2.50 for it. Did he? Yes… he did!"
    assert join_sentences(split_sentences(text)) == text


def test_split_long_cuts_at_commas_then_spaces():
    sentence = "first part here, second part here, third part here"
    parts = split_long(sentence, 20)
    assert all(len(p) <= 20 for p in parts)
    assert " ".join(parts) == sentence
    assert parts[0] == "first part here,"
    words = " ".join(["word"] * 50)
    assert " ".join(split_long(words, 30)) == words
    assert split_long("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
