"""One story across phones (session 20): a person who wrote one message only in a chat exported from both phones.

Before: two names were taken for one sender only where they shared two typed messages (or a file of the same
bytes); Bob, saved as "Bob Smith" on Alice's phone, who wrote one message, stood twice in search, his message in
each export unmarked, though the two exports were shown to be one chat by Alice's messages.
"""

from __future__ import annotations

from pathlib import Path

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline


def _export(root: Path, name: str, text: str) -> Path:
    path = root / name / "WhatsApp Chat.txt"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def _also_in(case, exhibit_id: int) -> list[tuple[str | None, list[int]]]:
    return [(e.sender, [o.index for o in e.also_in]) for e in build_timeline(case, exhibit_id).entries]


def test_a_sender_of_one_message_is_paired_across_phones_once_the_chat_is_known_to_be_one(case, tmp_path):
    [alice] = take_in(case, _export(tmp_path, "alice", (
        "13/03/2024, 10:11 - Alice: the van is at the yard\n13/03/2024, 10:12 - Bob Smith: on my way\n"
        "13/03/2024, 10:13 - Alice: bring the keys\n")))
    [bob] = take_in(case, _export(tmp_path, "bob", (
        "[13/03/2024, 10:11:05] Ali: the van is at the yard\n[13/03/2024, 10:12:30] Bob: on my way\n"
        "[13/03/2024, 10:13:10] Ali: bring the keys\n")))
    assert _also_in(case, bob.exhibit_id) == [("Ali", [0]), ("Bob", [1]), ("Ali", [2])]
    assert _also_in(case, alice.exhibit_id) == [("Alice", [0]), ("Bob Smith", [1]), ("Alice", [2])]


def test_two_people_saying_the_same_in_one_minute_are_still_not_paired_on_one_message(case, tmp_path):
    [first] = take_in(case, _export(tmp_path, "one", (
        "13/03/2024, 10:11 - Alice: the van is at the yard\n13/03/2024, 10:13 - Alice: bring the keys\n"
        "13/03/2024, 10:15 - Carl: ok\n13/03/2024, 10:15 - Erin: ok\n")))
    [second] = take_in(case, _export(tmp_path, "two", (
        "13/03/2024, 10:11 - Ali: the van is at the yard\n13/03/2024, 10:13 - Ali: bring the keys\n"
        "13/03/2024, 10:15 - Dan: ok\n13/03/2024, 10:15 - Fay: ok\n")))
    assert _also_in(case, second.exhibit_id) == [("Ali", [0]), ("Ali", [1]), ("Dan", []), ("Fay", [])]
    assert first.exhibit_id != second.exhibit_id


def test_a_name_both_exports_write_is_never_paired_with_another_on_one_message(case, tmp_path):
    take_in(case, _export(tmp_path, "one", (
        "13/03/2024, 10:11 - Alice: the van is at the yard\n13/03/2024, 10:13 - Alice: bring the keys\n"
        "13/03/2024, 10:15 - Carl: ok\n13/03/2024, 10:20 - Carl: fine\n")))
    [second] = take_in(case, _export(tmp_path, "two", (
        "13/03/2024, 10:11 - Alice: the van is at the yard\n13/03/2024, 10:13 - Alice: bring the keys\n"
        "13/03/2024, 10:15 - Dan: ok\n13/03/2024, 10:20 - Carl: fine\n")))
    assert _also_in(case, second.exhibit_id) == [("Alice", [0]), ("Alice", [1]), ("Dan", []), ("Carl", [3])]


def test_the_chat_from_two_phones_in_two_time_zones_is_found_to_be_one_and_the_hours_between_said(case, tmp_path):
    """Alice's phone in London, Bob's in Paris: every message an hour later in Bob's export. Nothing said they
    were one chat; each message stood twice in search, unmarked."""
    from app.core.usecases.timeline import echoed_in

    [alice] = take_in(case, _export(tmp_path, "alice", (
        "13/03/2024, 10:11 - Alice: the van is at the yard\n13/03/2024, 10:12 - Bob Smith: on my way now\n"
        "13/03/2024, 10:13 - Alice: bring the keys please\n13/03/2024, 23:30 - Alice: ok\n")))
    [bob] = take_in(case, _export(tmp_path, "bob", (
        "[13/03/2024, 11:11:05] Ali: the van is at the yard\n[13/03/2024, 11:12:30] Bob: on my way now\n"
        "[13/03/2024, 11:13:10] Ali: bring the keys please\n[14/03/2024, 00:30:10] Ali: ok\n"
        "[14/03/2024, 00:31:00] Bob: ok\n")))
    timeline = build_timeline(case, bob.exhibit_id)
    assert [(e.sender, [(o.exhibit_id, o.index, o.shift_minutes) for o in e.also_in]) for e in timeline.entries] == [
        ("Ali", [(alice.exhibit_id, 0, -60)]), ("Bob", [(alice.exhibit_id, 1, -60)]),
        ("Ali", [(alice.exhibit_id, 2, -60)]), ("Ali", [(alice.exhibit_id, 3, -60)]), ("Bob", [])]
    [echo] = echoed_in(timeline)
    assert "its times 1 h earlier than here (the two phones' clocks or time zones differ)" in echo.warning(5)
    assert "Alice there is Ali here, Bob Smith there is Bob here" in echo.warning(5)
    assert [o.shift_minutes for e in build_timeline(case, alice.exhibit_id).entries for o in e.also_in] == [60] * 4
