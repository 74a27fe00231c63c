"""Review of chats19's WhatsApp clock rules against layouts read before them.

A 24-hour export without a dash after the time ("13. 6. 2018. 09:25:15 Anna: ok", iOS without brackets) and a
contact saved with a dash in the name ("Dave - Plumber", "Mum - Home"): chats19's reading of a clock marked in a
language not read here took "Dave" for the clock's marker, the sender for "Plumber" and the date-time for
unknown, and the file's other senders' lines for headers of a layout not recognised (no sender).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chats.dates import UNREAD_MARKER_NOTE
from tests.chat_helpers import loaded_messages


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Dave.txt"):
    return loaded_messages(tmp_path, text, name)


@pytest.mark.parametrize("stamps", [
    ("13. 6. 2018. 09:25:15", "13. 6. 2018. 13:25:15", "13. 6. 2018. 10:01:00"),  # spaced dates, no dash
    ("15/12/2025, 09:34:00", "15/12/2025, 14:34:00", "15/12/2025, 10:01:00"),  # iOS without brackets
    ("15/12/2025, 09:34:00", "15/12/2025, 11:34:00", "15/12/2025, 10:01:00"),  # a morning only
])
def test_a_contact_named_with_a_dash_in_a_24_hour_file_keeps_its_name_and_time(tmp_path, stamps):
    first, second, third = stamps
    text = f"{first} Dave - Plumber: on my way\n{second} Anna: ok\n{third} Mum - Home: see you\n"
    messages = _messages(tmp_path, text)
    assert [(m.sender, m.text, m.time_as_written) for m in messages] == [
        ("Dave - Plumber", "on my way", first), ("Anna", "ok", second), ("Mum - Home", "see you", third)]
    assert all(m.datetime is not None and m.note == "" for m in messages)


def test_an_afternoon_line_of_the_same_name_says_the_file_is_a_24_hour_clock(tmp_path):
    messages = _messages(tmp_path, "13. 6. 2018. 09:25:15 Dave - Plumber: on my way\n"
                                   "13. 6. 2018. 14:01:00 Dave - Plumber: done\n")
    assert [(m.sender, m.datetime) for m in messages] == [
        ("Dave - Plumber", "2018-06-13T09:25:15"), ("Dave - Plumber", "2018-06-13T14:01:00")]


def test_a_clock_marked_in_a_language_not_read_is_still_said_so(tmp_path):
    """What chats19 mended stays mended: Burmese's afternoon after the time, the app's note among them."""
    android = _messages(tmp_path, "13/3/24, 2:05 ညနေ - Anna: hi\n13/3/24, 2:06 ညနေ - Bob - Work: ok\n"
                                  "13/3/24, 2:07 ညနေ - Anna added Cem\n", "my.txt")
    assert [(m.sender, m.text, m.datetime, m.system) for m in android] == [
        ("Anna", "hi", None, False), ("Bob - Work", "ok", None, False), (None, "Anna added Cem", None, True)]
    assert android[0].note == UNREAD_MARKER_NOTE.format(marker="ညနေ")


def test_a_timeline_of_many_chats_reads_each_date_time_once(monkeypatch):
    """chats19's `times` of each chat in the timeline's JSON read every message's date-time again for every
    chat: a Telegram export of 500 chats and 200,000 messages took 100 million readings (about half a minute)."""
    from app.core.chats import timeline as timeline_module
    from app.core.chats.timeline import Timeline, TimelineEntry, timeline_dict
    from app.core.types import SourceInfo

    chats = tuple((f"chat {i}", "iso") for i in range(30))
    entries = tuple(TimelineEntry(name, j, "Anna", "10:00", "2024-03-13T10:00:00+01:00", "hi", False, "", None, None)
                    for name, _ in chats for j in range(3))
    timeline = Timeline("telegram", SourceInfo("result.json", "0" * 64, 1, 0), chats, entries, "2024-03-14T00:00:00Z")
    read: list[str] = []
    real = timeline_module._has_offset
    monkeypatch.setattr(timeline_module, "_has_offset", lambda iso: read.append(iso) or real(iso))
    written = timeline_dict(timeline)
    assert [c["times"] for c in written["chats"]] == [timeline_module.OFFSET_TIMES] * 30
    assert len(read) == len(entries)


def test_a_contact_line_typed_in_a_message_of_an_android_chat_is_not_a_message_of_half_the_name(tmp_path):
    """A line pasted into Anna's message ("13/03/2024 10:00 Dave - Plumber: 07700 900123") became a message
    of "Plumber" with no date-time; before chats19 (and now) it is kept apart with no sender, as a header of
    a layout the file is not written in."""
    messages = _messages(tmp_path, "13/03/2024, 10:00 - Anna: numbers:\n13/03/2024 10:00 Dave - Plumber: 07700 900123\n"
                                   "13/03/2024, 10:01 - Bob: ok\n")
    assert [(m.sender, m.text) for m in messages] == [
        ("Anna", "numbers:"), (None, "13/03/2024 10:00 Dave - Plumber: 07700 900123"), ("Bob", "ok")]
    assert "not recognised" in messages[1].note


@pytest.mark.parametrize("word", ["saat", "pukul", "στις", "о"])
def test_a_word_meaning_at_before_a_morning_time_is_a_connector_not_a_clocks_marker(tmp_path, word):
    """chats19 took any word before the time that is not a known connector, in a file of times 1 to 12 only,
    for a 12-hour clock's marker of no language read: a morning's chat in Turkish ("saat 09:05", "at 09:05")
    lost every date-time."""
    messages = _messages(tmp_path, f"13.03.2024 {word} 09:05 - Anna: hi\n13.03.2024 {word} 10:05 - Bob: ok\n")
    assert [(m.sender, m.datetime, m.note) for m in messages] == [
        ("Anna", "2024-03-13T09:05:00", ""), ("Bob", "2024-03-13T10:05:00", "")]


@pytest.mark.parametrize("name", ["Em", "Sa", "Popiet", "Yb"])
def test_a_sender_named_as_a_clocks_marker_in_a_24_hour_file_with_no_dash_keeps_name_and_hour(tmp_path, name):
    """A contact named "Em" (Vietnamese), or a word chats19 made a marker ("Popiet", Lithuanian's afternoon), right
    after the time and before the colon was read as the clock's marker: the message the app's note with no
    sender, at 21:05 for 09:05."""
    messages = _messages(tmp_path, f"16. 3. 2017. 09:05:30 {name}: hi there\n16. 3. 2017. 10:05:30 Bob: ok\n")
    assert [(m.sender, m.text, m.datetime) for m in messages] == [
        (name, "hi there", "2017-03-16T09:05:30"), ("Bob", "ok", "2017-03-16T10:05:30")]
