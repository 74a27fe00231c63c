"""A phone's chats as one story, the leftovers: a zipped dump's sibling media folder, the 'also in'
warning for both phones, numbers counted from 1, search's count of messages, a chat taken in part-way
marked in the window's exhibit list. Inputs built here as small WhatsApp texts and zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.hashing import sha256_file
from tests.conftest import MEDIA

BOB = ("13/03/2024, 10:11 - Alice: hello\n"
       "13/03/2024, 10:12 - Bob: PTT-20240313-WA0001.opus (file attached)\n")
ANN = ("14/03/2024, 09:00 - Alice: hi Ann\n"
       "14/03/2024, 09:01 - Ann: PTT-20240314-WA0002.opus (file attached)\n"
       "14/03/2024, 09:02 - Ann: PTT-20240314-WA0003.opus (file attached)\n"
       "14/03/2024, 09:03 - Ann: PTT-20240314-WA0004.opus (file attached)\n")


def _zipped_dump(root: Path) -> Path:
    """Two chats in their own folders under chats/, their voice notes in a sibling media/audio/; Ann's
    second voice note lies in two folders as near as each other (which is hers is not known)."""
    archive = root / "dump.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("dump/chats/Bob/WhatsApp Chat with Bob.txt", BOB)
        z.writestr("dump/chats/Ann/WhatsApp Chat with Ann.txt", ANN)
        z.write(MEDIA / "en_voicenote.opus", "dump/media/audio/PTT-20240313-WA0001.opus")
        z.write(MEDIA / "pl_voicenote.opus", "dump/media/audio/PTT-20240314-WA0002.opus")
        z.write(MEDIA / "de_voicenote.opus", "dump/media/audio/PTT-20240314-WA0003.opus")
        z.write(MEDIA / "es_voicenote.ogg", "dump/media/voice/PTT-20240314-WA0003.opus")
        z.write(MEDIA / "en_voicenote.opus", "dump/chats/Bob/PTT-20240314-WA0004.opus")  # in Bob's export: not Ann's
    return archive


def test_a_voice_note_in_a_sibling_folder_of_a_zipped_dump_is_found_in_its_message(case, tmp_path):
    """A zip holding several chats looked for their files only in each chat's own folder: the voice
    notes in the zip's media/audio/ showed missing, as they no longer do in the same dump unzipped."""
    taken = take_in(case, _zipped_dump(tmp_path))
    notes = {e.attachment.name: (e.attachment.missing, e.attachment.sha256)
             for t in taken for e in build_timeline(case, t.exhibit_id).entries
             if e.attachment is not None and e.sender is not None}
    assert notes == {
        "PTT-20240313-WA0001.opus": (False, sha256_file(MEDIA / "en_voicenote.opus")),
        "PTT-20240314-WA0002.opus": (False, sha256_file(MEDIA / "pl_voicenote.opus")),
        "PTT-20240314-WA0003.opus": (True, None),  # two as near: not guessed
        "PTT-20240314-WA0004.opus": (True, None)}


ALICE_PHONE = ("13/03/2024, 10:11 - Alice: hello Bob, the van is at the yard\n"
               "13/03/2024, 10:13 - Alice: ok see you at the yard\n"
               "13/03/2024, 10:14 - Bob Smith: the yard it is\n"
               "13/03/2024, 10:15 - Bob Smith: bye\n")
BOB_PHONE = ("[13/03/2024, 10:11:05] Ali: hello Bob, the van is at the yard\n"
             "[13/03/2024, 10:13:10] Ali: ok see you at the yard\n"
             "[13/03/2024, 10:14:02] Bob: the yard it is\n"
             "[13/03/2024, 10:15:40] Bob: bye\n")


def _both_phones(case, root: Path) -> tuple[int, int]:
    """The one chat from Alice's Android ('Bob Smith') and Bob's iPhone ('Ali'), taken in."""
    alice, bob = root / "alice" / "WhatsApp Chat with Bob Smith.txt", root / "bob" / "_chat.txt"
    for path, text in ((alice, ALICE_PHONE), (bob, BOB_PHONE)):
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    [a] = take_in(case, alice)
    [b] = take_in(case, bob)
    return a.exhibit_id, b.exhibit_id


def test_the_warning_for_a_chat_from_both_phones_names_who_is_who(case, tmp_path):
    """The warning said '(the same chat exported twice?)' for the chat exported from both phones, and
    not that 'Ali' there is 'Alice' here: a reader could take two people for four."""
    from app.core.usecases.timeline import echoed_in

    alice, bob = _both_phones(case, tmp_path)
    [echoed] = echoed_in(build_timeline(case, bob))
    assert (echoed.exhibit_id, echoed.messages) == (alice, 4)
    assert echoed.warning(4) == (
        f"4 of 4 messages are also in exhibit {alice} (WhatsApp Chat with Bob Smith.txt), each marked 'also in' "
        "(exported from both phones? Alice there is Ali here, Bob Smith there is Bob here)")


def test_an_export_taken_in_twice_is_still_said_to_be_the_same_chat_exported_twice(case, tmp_path):
    from app.core.usecases.timeline import echoed_in

    first, second = tmp_path / "a" / "_chat.txt", tmp_path / "b" / "_chat.txt"
    for path, text in ((first, BOB_PHONE), (second, BOB_PHONE + "[14/03/2024, 09:00:00] Ali: later\n")):
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    take_in(case, first)
    [taken] = take_in(case, second)
    [echoed] = echoed_in(build_timeline(case, taken.exhibit_id))
    assert echoed.warning(5).endswith("4 of 5 messages are also in exhibit 1 (_chat.txt), each marked 'also in' "
                                      "(the same chat exported twice?)")


def test_also_in_counts_messages_from_1_where_a_person_reads_it(case, tmp_path):
    """'also in exhibit 1 (...), message 0' for the chat's first message: users count from 1. The JSON's
    `index` stays the message's index (from 0), as the timeline JSON's own `index`."""
    from app.cli.search import hit_line, hit_record
    from app.core.export.timeline import also_in_text
    from app.core.search import search

    alice, bob = _both_phones(case, tmp_path)
    first = build_timeline(case, bob).entries[0]
    assert also_in_text(first) == f"also in exhibit {alice} (WhatsApp Chat with Bob Smith.txt), message 1"
    [hello] = search(case, "van")
    assert hit_line(hello).endswith("), message 1]")
    assert [o["index"] for o in hit_record(hello)["also_in"]] == [0]


def test_search_counts_a_message_in_two_exports_once_in_its_total(case, tmp_path):
    """'2 of 6 hits shown' for three messages of one chat exported from both phones: the total counted
    each message once per export, the hits shown once."""
    from app.core.search import count, search

    _both_phones(case, tmp_path)
    assert len(search(case, "yard", limit=2)) == 2
    assert count(case, "yard") == 3


class _Killed(BaseException):
    """The command killed where it stood."""


def test_a_chat_taken_in_part_way_is_marked_in_the_windows_exhibit_list(case, tmp_path, monkeypatch):
    """A chat whose take-in was killed after it was made an exhibit showed 'chat: see Timeline' in the
    window's exhibit list (the Timeline empty), said only by the CLI's notes."""
    from PySide6.QtCore import Qt

    from app.core.chats import intake
    from app.core.store.chats import PART_WAY
    from app.gui.exhibits_view import ExhibitsModel, exhibit_rows

    chat = tmp_path / "WhatsApp Chat with Bob.txt"
    chat.write_text(BOB, encoding="utf-8")

    def killed(*_args, **_kwargs):
        raise _Killed

    monkeypatch.setattr(intake, "_take_media", killed)
    try:
        take_in(case, chat)
    except _Killed:
        pass
    model = ExhibitsModel()
    model.set_rows(exhibit_rows(case))
    assert model.index(0, 5).data(Qt.ItemDataRole.DisplayRole) == "taken in part-way"
    assert PART_WAY in model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole)


def test_a_note_naming_another_message_counts_from_1_and_follows_it_when_a_voice_note_is_placed(tmp_path):
    """'holds message 0 of this chat pasted in' named Bob's first message as 0, and after a voice note the
    chat text lost was placed before it (by the time its name carries) still named 0: the voice note."""
    from app.core.chats import load_export

    chat = tmp_path / "WhatsApp Chat with Team.txt"
    chat.write_text("12/03/2024, 21:14 - Bob: I will find you\n12/03/2024, 21:15 - Anna: stop\n"
                    "13/03/2024, 09:00 - Anna: he wrote this:\n12/03/2024, 21:14 - Bob: I will find you\n"
                    "13/03/2024, 09:01 - Carl: call the police\n", encoding="utf-8")
    (tmp_path / "00000015-AUDIO-2024-03-12-21-00-00.opus").write_bytes((MEDIA / "en_voicenote.opus").read_bytes())
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert [(m.sender, m.text.split("\n")[0]) for m in messages[1:]] == [
        ("Bob", "I will find you"), ("Anna", "stop"), ("Anna", "he wrote this:"), ("Carl", "call the police")]
    assert messages[0].attachment is not None and messages[0].sender is None  # the voice note, placed first
    assert messages[3].note == "holds message 2 of this chat pasted in (its date, time, sender and words)"


def test_a_telegram_reply_names_the_message_it_answers_counted_from_1(tmp_path):
    import json

    from app.core.chats import load_export

    chat = {"name": "Anna", "type": "personal_chat", "id": 111, "messages": [
        {"id": 7, "type": "message", "date": "2024-03-01T10:11:12", "from": "Anna", "text": "where are you"},
        {"id": 8, "type": "message", "date": "2024-03-01T10:12:00", "from": "Bob", "reply_to_message_id": 7,
         "text": "station"}]}
    (tmp_path / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    [loaded] = load_export(tmp_path / "result.json")
    assert loaded.export.messages[1].note == "reply to message 1 (Anna: where are you)"


def test_a_zip_of_one_chat_takes_the_nearest_of_two_files_of_its_name_as_in_a_folder(case, tmp_path):
    """One chat zipped with the dump: its voice note's name twice in the zip (media/audio/ beside the
    chat's folder, and another copy far off) showed missing; the folder case takes the nearest."""
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("dump/chats/WhatsApp Chat with Bob.txt", BOB)
        z.write(MEDIA / "en_voicenote.opus", "dump/media/audio/PTT-20240313-WA0001.opus")
        z.write(MEDIA / "pl_voicenote.opus", "other/backup/old/PTT-20240313-WA0001.opus")
    [taken] = take_in(case, archive)
    [note] = [e.attachment for e in build_timeline(case, taken.exhibit_id).entries if e.sender and e.attachment]
    assert (note.missing, note.sha256) == (False, sha256_file(MEDIA / "en_voicenote.opus"))


def test_the_windows_search_says_which_other_exports_hold_a_hit(case, tmp_path):
    """The window's search showed a message of the chat from both phones once, nothing saying the other
    export held it too (the CLI said '[also in exhibit 1 ...]')."""
    from PySide6.QtCore import Qt

    from app.core.search import search
    from app.gui.search_view import HitsModel

    exhibits = dict(zip(_both_phones(case, tmp_path), ("WhatsApp Chat with Bob Smith.txt", "_chat.txt")))
    model = HitsModel()
    model.set_hits(search(case, "van"))
    [(other, name)] = [(i, n) for i, n in exhibits.items() if i != model.hits[0].exhibit_id]
    assert model.index(0, 0).data(Qt.ItemDataRole.DisplayRole) == f"{exhibits[model.hits[0].exhibit_id]} (also in exhibit {other})"
    assert model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole).endswith(f"(also in exhibit {other} ({name}), message 1)")
