"""Two different WhatsApp chats, each holding a voice note from 'Bob' in the same minute with no words: the two
voice notes are different recordings (other bytes, other exhibits), yet each chat was marked 'also in' the other,
warned as 'the same chat exported twice?' (found by chats33, session 33). A voice note of the same bytes in two
exports of one chat is still the same message."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.usecases.timeline import echoed_in
from tests.conftest import MEDIA

CARLA = ("13/03/2024, 21:05 - Carla: are you there\n"
         "13/03/2024, 21:06 - Bob: PTT-20240313-WA0001.opus (file attached)\n")
DAVE = ("13/03/2024, 21:04 - Dave: call me\n"
        "13/03/2024, 21:06 - Bob: PTT-20240313-WA0002.opus (file attached)\n")


def _chat(case, root: Path, name: str, text: str, note: str, voice: Path) -> int:
    folder = root / name
    folder.mkdir()
    (folder / f"WhatsApp Chat with {name}.txt").write_text(text, encoding="utf-8")
    (folder / note).write_bytes(voice.read_bytes())
    [taken] = take_in(case, folder / f"WhatsApp Chat with {name}.txt")
    return taken.exhibit_id


def test_two_chats_with_other_voice_notes_in_one_minute_are_not_one_chat(case, tmp_path):
    _chat(case, tmp_path, "Carla", CARLA, "PTT-20240313-WA0001.opus", MEDIA / "en_voicenote.opus")
    dave = _chat(case, tmp_path, "Dave", DAVE, "PTT-20240313-WA0002.opus", MEDIA / "de_voicenote.opus")
    assert echoed_in(build_timeline(case, dave)) == []


def test_the_same_voice_note_in_two_exports_of_one_chat_is_still_also_in(case, tmp_path):
    first, second = _exported_twice(case, tmp_path, "PTT-20240313-WA0001.opus", MEDIA / "en_voicenote.opus")
    [echoed] = echoed_in(build_timeline(case, second))
    assert (echoed.exhibit_id, echoed.messages) == (first, 2)


def test_a_voice_note_named_but_not_in_its_export_makes_no_two_chats_one(case, tmp_path):
    """Review revF M1: Dave's chat names its voice note but the export does not hold it (copied without it): the
    match of Bob's two voice notes in one minute rested on nothing else, yet each chat was still 'also in' the other
    ("the same chat exported twice?"). Neither holding its file, the same."""
    carla = _chat(case, tmp_path, "Carla", CARLA, "PTT-20240313-WA0001.opus", MEDIA / "en_voicenote.opus")
    dave = _chat(case, tmp_path, "Dave", DAVE, "README.txt", MEDIA / "en_voicenote.opus")
    assert echoed_in(build_timeline(case, dave)) == [] and echoed_in(build_timeline(case, carla)) == []
    erin = _chat(case, tmp_path, "Erin", DAVE.replace("Dave", "Erin").replace("WA0002", "WA0001"), "README.txt",
                 MEDIA / "en_voicenote.opus")
    assert echoed_in(build_timeline(case, erin)) == []
    frank = _chat(case, tmp_path, "Frank", CARLA.replace("Carla", "Frank"), "README.txt", MEDIA / "en_voicenote.opus")
    assert echoed_in(build_timeline(case, frank)) == []  # neither Frank's nor Erin's voice note held


def test_the_same_chat_exported_twice_without_a_voice_notes_file_still_marks_it_also_in(case, tmp_path):
    """Its typed messages make the two exports one chat: the voice note one of them lacks is still 'also in'."""
    first, second = _exported_twice(case, tmp_path, "README.txt", MEDIA / "en_voicenote.opus")
    timeline = build_timeline(case, second)
    assert [[o.exhibit_id for o in e.also_in] for e in timeline.entries] == [[first], [first], []]


def test_the_same_chat_exported_twice_with_a_voice_note_of_other_bytes_says_both_files(case, tmp_path):
    """Review revF M2: the second export's voice note is another recording (swapped or changed): it was left out of
    'also in' with nothing said. Now its note names both files' SHA-256 and the warning counts it."""
    first, second = _exported_twice(case, tmp_path, "PTT-20240313-WA0001.opus", MEDIA / "de_voicenote.opus")
    timeline = build_timeline(case, second)
    [echoed] = echoed_in(timeline)
    assert (echoed.exhibit_id, echoed.messages, echoed.other_bytes) == (first, 1, 1)
    assert echoed.warning(len(timeline.entries)).endswith(
        "(the same chat exported twice?); 1 message(s) there hold a file of other bytes than here (swapped or changed "
        "in one of the two exports?): each one's note names both files' SHA-256")
    voice = timeline.entries[1]
    assert voice.also_in == () and [o.exhibit_id for o in voice.other_bytes] == [first]
    for played in (MEDIA / "en_voicenote.opus", MEDIA / "de_voicenote.opus"):
        assert hashlib.sha256(played.read_bytes()).hexdigest() in voice.note
    assert [e.note for e in timeline.entries if e is not voice] == ["", ""]


def _exported_twice(case, tmp_path: Path, note: str, voice: Path) -> tuple[int, int]:
    """Carla's chat taken in, then exported again a message later holding `note` (made of `voice`)."""
    first = _chat(case, tmp_path, "Carla", CARLA, "PTT-20240313-WA0001.opus", MEDIA / "en_voicenote.opus")
    again = tmp_path / "again"
    again.mkdir()
    return first, _chat(case, again, "Carla", CARLA + "14/03/2024, 09:00 - Carla: later\n", note, voice)
