"""Two different WhatsApp chats, each holding a voice note from 'Bob' in the same minute with no words: the two
voice notes are different recordings (other bytes, other exhibits), yet each chat was marked 'also in' the other,
warned as 'the same chat exported twice?' (found by chats33, session 33). A voice note of the same bytes in two
exports of one chat is still the same message."""

from __future__ import annotations

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
    first = _chat(case, tmp_path, "Carla", CARLA, "PTT-20240313-WA0001.opus", MEDIA / "en_voicenote.opus")
    again = tmp_path / "again"
    again.mkdir()
    second = _chat(case, again, "Carla", CARLA + "14/03/2024, 09:00 - Carla: later\n", "PTT-20240313-WA0001.opus", MEDIA / "en_voicenote.opus")
    [echoed] = echoed_in(build_timeline(case, second))
    assert (echoed.exhibit_id, echoed.messages) == (first, 2)
