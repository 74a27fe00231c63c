"""Chat exports (session 26): a Telegram message from a deleted account, a zip's chat met again unzipped, and a sweep
of layouts (each read exactly or refused in one line).

Each test builds its export as a small file and reads it as `timeline` does (`load_export`, `take_in`).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from app.core.chats.intake import UNZIPPED_COPY, take_in
from tests.conftest import MEDIA
from tests.test_chat_layouts18 import _chats

VOICE = "00000003-AUDIO-2024-06-13-21-06-00.opus"


def _telegram(folder: Path, messages: list[dict]) -> Path:
    path = folder / "result.json"
    path.write_text(json.dumps({"name": "Group", "type": "private_group", "id": 1, "messages": messages}),
                    encoding="utf-8")
    return path


def _said(number: int, who: str | None, account: str, text: str) -> dict:
    return {"id": number, "type": "message", "date": f"2024-01-15T21:0{number}:00",
            "date_unixtime": str(1705352400 + 60 * number), "from": who, "from_id": account, "text": text}


def test_a_telegram_message_from_a_deleted_account_is_the_deleted_account_its_id_kept(tmp_path):
    """Before: a message whose sender the export writes `"from": null` (an account deleted since) had the sender
    "user123456789", an internal id, and nothing said. Now it is "Deleted Account", as Telegram shows it, the
    note keeping the id; two deleted accounts stay two senders, and a live one keeps its name."""
    path = _telegram(tmp_path, [_said(1, None, "user123456789", "hi"), _said(2, "Anna", "user5", "hello"),
                                _said(3, None, "user987", "bye"),
                                {"id": 4, "type": "service", "date": "2024-01-15T21:04:00", "actor": None,
                                 "actor_id": "user987", "action": "pin_message", "message_id": 1}])
    [chat] = _chats(path)
    assert [m.sender for m in chat.messages] == ["Deleted Account (user123456789)", "Anna", "Deleted Account (user987)",
                                                 "Deleted Account (user987)"]
    assert "user123456789" in chat.messages[0].note and "deleted" in chat.messages[0].note
    assert chat.messages[1].note == ""


def test_a_telegram_message_from_one_deleted_account_is_named_so_with_its_id_in_the_note(tmp_path):
    [chat] = _chats(_telegram(tmp_path, [_said(1, None, "user42", "hi"), _said(2, "Anna", "user5", "ok")]))
    assert chat.messages[0].sender == "Deleted Account"
    assert "account id user42" in chat.messages[0].note


def _whatsapp_zip(folder: Path, extra: str | None = None) -> tuple[Path, Path]:
    """A WhatsApp iOS export zipped with its voice note, and the same export unzipped into `loose/`."""
    chat = ("[13/06/2024, 21:05:11] Anna: Hello\r\n"
            f"[13/06/2024, 21:06:00] Bob: <attached: {VOICE}>\r\n"
            "[13/06/2024, 21:07:00] Anna: ok\r\n")
    loose = folder / "loose"
    loose.mkdir(parents=True)
    (loose / "_chat.txt").write_text(chat, encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", loose / VOICE)
    zipped = folder / "WhatsApp Chat - Bob.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(loose / "_chat.txt", "_chat.txt")
        archive.write(loose / VOICE, VOICE)
    if extra:  # a file beside the unzipped chat the zip does not hold
        shutil.copy(MEDIA / "de_voicenote.opus", loose / extra)
    return zipped, loose


def test_a_zips_chat_met_again_unzipped_is_that_zips_exhibit_not_a_second_one(tmp_path, case):
    """Before: `_chat.txt` unzipped beside its zip, met after `timeline` took in the zip, was taken in again, a
    second exhibit of one chat (every message "also in" the first, "the same chat exported twice?"). Now the same
    bytes as the zip's chat text with nothing beside it the zip lacks are that zip's exhibit, the path recorded in
    its audit log, and said."""
    zipped, loose = _whatsapp_zip(tmp_path / "evidence")
    [first] = take_in(case, zipped)
    [again] = take_in(case, loose)
    assert again.exhibit_id == first.exhibit_id and again.chat_ids == first.chat_ids and not again.media
    assert "the same bytes as _chat.txt in exhibit" in again.met_again and zipped.name in again.met_again
    assert [e.id for e in case.exhibits() if e.source.kind == "chat"] == [first.exhibit_id]
    [met] = case.audit.entries_of(UNZIPPED_COPY, f"exhibit/{first.exhibit_id}")
    assert met.details["path"] == str((loose / "_chat.txt").resolve()) and met.details["member"] == "_chat.txt"


def test_a_zips_chat_unzipped_beside_a_file_the_zip_lacks_is_its_own_exhibit(tmp_path, case):
    """A file beside the unzipped chat that the zip does not hold is evidence the zip lacks: taken in as its own
    exhibit (as before), never folded into the zip's."""
    zipped, loose = _whatsapp_zip(tmp_path / "evidence", extra="00000009-AUDIO-2024-06-13-21-09-00.opus")
    [first] = take_in(case, zipped)
    [again] = take_in(case, loose)
    assert again.exhibit_id != first.exhibit_id and not again.met_again
    assert len(again.media) == 2  # the voice note the zip holds too, and the one it lacks


VIBER_MONTHS = {  # Viber's CSV dated in words in the phone's language, as CLDR writes a long date
    "es.csv": ("1 de diciembre de 2026", "2 de diciembre de 2026"),
    "pt.csv": ("1 de dezembro de 2026", "2 de dezembro de 2026"),
    "it.csv": ("1 dicembre 2026", "2 dic 2026"),
    "nl.csv": ("1 december 2026", "2 dec. 2026"),
    "sv.csv": ("1 december 2026", "2 dec 2026"),
    "pl.csv": ("1 grudnia 2026", "2 gru 2026"),
    "tr.csv": ("1 Aralık 2026", "2 Ara 2026"),
    "ru.csv": ("1 декабря 2026 г.", "2 дек. 2026 г."),
    "uk.csv": ("1 грудня 2026 р.", "2 груд. 2026 р."),
    "es-weekday.csv": ("martes, 1 de diciembre de 2026", "miércoles, 2 de diciembre de 2026"),
}


def test_a_viber_csv_dated_in_words_in_nine_more_languages_is_dated(tmp_path):
    """Before: a Viber history dated with month names in Spanish, Portuguese, Italian, Dutch, Swedish, Polish,
    Turkish, Russian or Ukrainian kept its rows with the date-time empty ("not read"). Now each row is dated, the
    names as the Unicode CLDR gives them (wide and abbreviated, the genitive a date takes, "de", "г.", "р.")."""
    for name, (first, second) in VIBER_MONTHS.items():
        path = tmp_path / name
        path.write_text(f'"{first}",21:14:00,Sara,+33612345678,Hola\n"{second}",09:15:00,Me,+447700900123,Si\n',
                        encoding="utf-8")
        [chat] = _chats(path)
        assert [(m.datetime, m.note) for m in chat.messages] == [("2026-12-01T21:14:00", ""),
                                                                 ("2026-12-02T09:15:00", "")], name


def test_a_month_named_in_a_language_still_not_read_keeps_its_rows_undated_and_said(tmp_path):
    path = tmp_path / "el.csv"
    path.write_text("1 Δεκεμβρίου 2026,21:14:00,Eleni,+306912345678,Γεια\n2 Δεκεμβρίου 2026,21:15:00,Me,+30691,Ναι\n",
                    encoding="utf-8")
    [chat] = _chats(path)
    assert [(m.sender, m.datetime, m.text) for m in chat.messages] == [
        ("Eleni (+306912345678)", None, "Γεια"), ("Me (+30691)", None, "Ναι")]
    assert all("not read" in m.note for m in chat.messages)


def test_a_telegram_reply_to_a_location_names_it_not_an_empty_quote(tmp_path):
    """Before: a reply to a shared location or contact (no words, no file) read "reply to message 1 (Bob: )". Now
    the quoted message is named by what it holds, as its own note says it."""
    shared = {**_said(1, "Bob", "user2", ""), "location_information": {"latitude": 51.5, "longitude": -0.1}}
    answer = {**_said(2, "Anna", "user1", "on my way"), "reply_to_message_id": 1}
    [chat] = _chats(_telegram(tmp_path, [shared, answer]))
    assert chat.messages[1].note == "reply to message 1 (Bob: location 51.5, -0.1)"


def _zip_without_media(folder: Path) -> Path:
    """A WhatsApp iOS chat zipped "without media": its chat names a voice note the zip does not hold."""
    folder.mkdir(parents=True)
    zipped = folder / "WhatsApp Chat - Bob.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("_chat.txt", "[13/06/2024, 21:05:11] Anna: Hello\n"
                                      f"[13/06/2024, 21:06:00] Bob: \u200e<attached: {VOICE}>\n")
    return zipped


def test_a_voice_note_a_zip_lacks_lying_beside_the_zip_is_linked_to_its_message(tmp_path, case):
    """Before: a zipped chat whose voice note lay beside the zip under the very name the chat writes showed it
    "MISSING from the export", and the file beside was in no timeline and never mentioned. Now it is linked to
    its message (taken in where it lies, transcribed), the note saying it was beside the zip, not in it."""
    zipped = _zip_without_media(tmp_path / "evidence")
    shutil.copy(MEDIA / "en_voicenote.opus", zipped.parent / VOICE)
    [taken] = take_in(case, zipped)
    voice = taken.export.messages[1]
    assert voice.attachment.name == VOICE and not voice.attachment.missing
    assert f"beside it ({zipped.parent / VOICE})" in voice.note
    [media] = taken.media
    assert media.path == str(zipped.parent / VOICE)


def test_a_zipped_chat_naming_an_attachment_no_disk_can_hold_keeps_it_missing(tmp_path, case):
    """A chat naming an attachment of over 255 bytes: looking for it beside the zip raised 'File name too long'
    and the whole timeline failed naming no chat (found in review). The attachment is missing, the rest read."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    zipped = folder / "WhatsApp Chat - Bob.zip"
    long_name = "A" * 300 + ".opus"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("_chat.txt", "[13/06/2024, 21:05:11] Anna: Hello\n"
                                      f"[13/06/2024, 21:06:00] Bob: \u200e<attached: {long_name}>\n")
    [taken] = take_in(case, zipped)
    hello, voice = taken.export.messages
    assert hello.text == "Hello" and voice.attachment.name == long_name and voice.attachment.missing


def test_a_recording_in_the_folder_given_that_no_chat_names_is_counted_not_passed_over(tmp_path, capsys):
    """Before: `timeline FOLDER` met a recording beside a zipped chat under another name (or any recording no chat
    names) and said nothing of it. Now one line counts them, says they are in no timeline and how to take them in."""
    from tests.test_cli_mistakes import run

    zipped = _zip_without_media(tmp_path / "evidence")
    shutil.copy(MEDIA / "de_voicenote.opus", zipped.parent / "note.opus")
    _, _, err = run(capsys, "timeline", str(zipped.parent), "--out", str(tmp_path / "out"), "--format", "json",
                    "--case", str(tmp_path / "case"))
    assert "1 voice note(s) or video(s) in the folder given that no chat read names: in no timeline" in err
    assert "note.opus" in err


def test_the_window_counts_a_zip_and_its_unzipped_chat_as_one_export(tmp_path, case):
    """The window's "Took in N chat export(s)" counts exhibits: a zip and its chat unzipped beside it are one."""
    from app.core.usecases.timeline import take_in_and_queue

    zipped, loose = _whatsapp_zip(tmp_path / "evidence")
    done = take_in_and_queue(case, [str(zipped), str(loose)], None)
    assert len(done.exhibit_ids) == 1 and not done.errors


def test_a_telegram_channel_id_with_no_name_is_not_called_a_deleted_account(tmp_path):
    """Telegram shows "Deleted Account" for a person's account only: a null name beside a channel's id keeps the id."""
    [chat] = _chats(_telegram(tmp_path, [_said(1, None, "channel1234", "news"), _said(2, "Anna", "user5", "ok")]))
    assert chat.messages[0].sender == "channel1234" and "deleted" not in chat.messages[0].note


def test_a_reaction_from_a_deleted_telegram_account_says_so(tmp_path):
    liked = {**_said(1, "Anna", "user5", "hi"), "reactions": [{"type": "emoji", "count": 2, "emoji": "👍", "recent": [
        {"from": None, "from_id": "user42", "date": "2024-01-15T21:02:00"},
        {"from": "Bob", "from_id": "user6", "date": "2024-01-15T21:03:00"}]}]}
    [chat] = _chats(_telegram(tmp_path, [liked]))
    assert chat.messages[0].note == "reactions: 👍 2 (Deleted Account user42, Bob)"
