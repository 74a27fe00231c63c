"""Chat exports, review 1 of session 28: what the review found in the merged chats28 work.

Each test builds its export as a small file and reads it (`load_export`) or takes it in as `timeline` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chats.registry import load_export


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", " "])
def test_a_line_clock_spaced_by_any_space_before_pm_is_a_message(tmp_path, space):
    """Before: a LINE clock written "9:05<U+00A0>PM" was no message line: it was glued to the message before it
    ("first\\n9:05 PM<TAB>Anna<TAB>hello\\n9:06 PM<TAB>Bob<TAB>see you"), Bob's words became Anna's, and lines
    of it before any plain line were lost. Now each is its own message, its sender its own."""
    chat = tmp_path / "[LINE] Chat with Anna.txt"
    chat.write_text(f"[LINE] Chat history with Anna\nSaved on: 2024/01/15 22:00\n\n2024/01/15 Mon\n"
                    f"9:03{space}PM\tAnna\tzero\n9:04 PM\tAnna\tfirst\n9:05{space}PM\tAnna\thello\n"
                    f"9:06{space}P.M.\tBob\tsee you at the docks\n9:07 PM\t\tAnna left.\n", encoding="utf-8")
    [loaded] = load_export(chat)
    [anna] = loaded.export.chats
    assert [(m.sender, m.text, m.datetime) for m in anna.messages] == [
        ("Anna", "zero", "2024-01-15T21:03:00"), ("Anna", "first", "2024-01-15T21:04:00"),
        ("Anna", "hello", "2024-01-15T21:05:00"), ("Bob", "see you at the docks", "2024-01-15T21:06:00"),
        (None, "Anna left.", "2024-01-15T21:07:00")]
    assert anna.messages[2].time_as_written == f"2024/01/15 Mon 9:05{space}PM"
