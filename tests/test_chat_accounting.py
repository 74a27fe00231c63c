"""Every chat and voice note of an export is read or said: folders of exports, zips holding several."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from app.core.chats import load_export
from app.core.errors import ChatError
from tests.conftest import MEDIA

LRM = "\u200e"
GERMAN = (
    "12.03.24, 21:16 - Anna: Hallo zusammen\nwie geht's?\n"
    "13.03.24, 08:02 - Ben: PTT-20240313-WA0004.opus (Datei angehängt)\n"
    "13.03.24, 08:03 - Ben: <Medien ausgeschlossen>\n"
)
RUSSIAN = (
    "12.03.2024, 21:15 - Иван: Привет\n"
    "13.03.2024, 08:02 - Мария: PTT-20240313-WA0004.opus (файл добавлен)\n"
    "13.03.2024, 08:04 - Иван: Данное сообщение удалено\n"
)
IOS = (
    f"[12/03/2024, 21:15:10] Anna: Hi\n"
    f"[13/03/2024, 08:02:00] Ben: {LRM}<attached: 00000012-AUDIO-2024-03-13-08-02-00.opus>\n"
)


def _phone_folder(root: Path) -> Path:
    """A folder as an examiner copies it off a phone: a chat at the top, more exports further down,
    a zip that is damaged and a Telegram export cut short."""
    root.mkdir()
    (root / "WhatsApp Chat mit Ben.txt").write_text(GERMAN, encoding="utf-8")
    (root / "WhatsApp" / "Anna").mkdir(parents=True)
    with zipfile.ZipFile(root / "WhatsApp" / "Anna" / "WhatsApp Chat - Anna.zip", "w") as z:
        z.writestr("WhatsApp Chat - Anna/_chat.txt", IOS)
        z.write(MEDIA / "en_voicenote.opus", "WhatsApp Chat - Anna/00000012-AUDIO-2024-03-13-08-02-00.opus")
    (root / "WhatsApp" / "Ivan").mkdir()
    (root / "WhatsApp" / "Ivan" / "WhatsApp Chat with Иван.txt").write_text(RUSSIAN, encoding="utf-8")
    (root / "broken.zip").write_bytes(b"PK\x03\x04 cut short")
    (root / "WhatsApp" / "backup.zip").write_bytes(b"\x00" * 64)  # a zip only by its name
    (root / "Telegram").mkdir()
    (root / "Telegram" / "result.json").write_text('{"name": "Oleg", "type": "personal_chat", "messages": [',
                                                   encoding="utf-8")
    return root


def test_a_folder_reads_the_exports_in_its_subfolders_and_says_which_it_cannot(tmp_path):
    folder = _phone_folder(tmp_path / "phone")
    refused: list[ChatError] = []
    loaded = load_export(folder, refused=refused)
    names = sorted(item.original.name for item in loaded)
    assert names == ["WhatsApp Chat - Anna.zip", "WhatsApp Chat mit Ben.txt", "WhatsApp Chat with Иван.txt"]
    said = sorted((Path(e.path).name, e.reason) for e in refused)
    assert [name for name, _ in said] == ["backup.zip", "broken.zip", "result.json"]
    assert "not a readable zip" in said[0][1] and "not a readable zip" in said[1][1]
    assert "malformed JSON" in said[2][1]
    assert all(Path(e.path).is_absolute() for e in refused)


def test_a_json_that_is_no_chat_in_a_folder_is_passed_over_quietly(tmp_path):
    (tmp_path / "WhatsApp Chat mit Ben.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "extraction_report.json").write_text('{"device": "SM-G991B", "tool": "x"}', encoding="utf-8")
    refused: list[ChatError] = []
    [loaded] = load_export(tmp_path, refused=refused)
    assert loaded.original.name == "WhatsApp Chat mit Ben.txt" and refused == []


def test_timeline_on_a_phone_folder_takes_every_export_and_names_each_it_cannot_read(tmp_path, models_dir):
    folder = _phone_folder(tmp_path / "phone")
    result = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(folder), "--out", str(tmp_path / "out"),
         "--case", str(tmp_path / "case"), "--model", "tiny.en"],
        capture_output=True, text=True, timeout=600, check=False, cwd=Path(__file__).resolve().parent.parent)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert any("broken.zip" in line and "zip" in line for line in lines), result.stderr
    assert any("backup.zip" in line and "zip" in line for line in lines), result.stderr
    assert any("result.json" in line and "malformed JSON" in line for line in lines), result.stderr
    written = sorted(p.name for p in (tmp_path / "out").glob("*.timeline.json"))
    assert len(written) == 3, written


def test_a_zip_holding_two_chats_reads_both_each_with_its_own_voice_notes(tmp_path):
    archive = tmp_path / "Chats.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat mit Ben/_chat.txt", GERMAN)
        z.write(MEDIA / "de_voicenote.opus", "WhatsApp Chat mit Ben/PTT-20240313-WA0004.opus")
        z.writestr("WhatsApp Chat with Иван/_chat.txt", RUSSIAN)
        z.write(MEDIA / "en_voicenote.opus", "WhatsApp Chat with Иван/PTT-20240313-WA0004.opus")
    [loaded] = load_export(archive, extract_root=tmp_path / "case")
    chats = {c.name: c for c in loaded.export.chats}
    assert sorted(chats) == ["WhatsApp Chat mit Ben", "WhatsApp Chat with Иван"]
    ben = [m for m in chats["WhatsApp Chat mit Ben"].messages if m.attachment and not m.attachment.missing]
    ivan = [m for m in chats["WhatsApp Chat with Иван"].messages if m.attachment]
    assert [m.attachment.path for m in ben] == ["WhatsApp Chat mit Ben/PTT-20240313-WA0004.opus"]
    assert [m.attachment.path for m in ivan] == ["WhatsApp Chat with Иван/PTT-20240313-WA0004.opus"]
    assert [m.sender for m in chats["WhatsApp Chat with Иван"].messages] == ["Иван", "Мария", "Иван"]
    assert loaded.files[ben[0].attachment.path].read_bytes() == (MEDIA / "de_voicenote.opus").read_bytes()
    assert loaded.files[ivan[0].attachment.path].read_bytes() == (MEDIA / "en_voicenote.opus").read_bytes()


def test_a_voice_note_of_one_chat_in_a_zip_is_never_given_to_another(tmp_path):
    archive = tmp_path / "Chats.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat mit Ben/_chat.txt", GERMAN)
        z.write(MEDIA / "de_voicenote.opus", "WhatsApp Chat mit Ben/PTT-20240313-WA0004.opus")
        z.writestr("WhatsApp Chat with Иван/_chat.txt", RUSSIAN)  # its voice note was not exported
    [loaded] = load_export(archive)
    ivan = next(c for c in loaded.export.chats if c.name == "WhatsApp Chat with Иван")
    [note] = [m for m in ivan.messages if m.attachment]
    assert note.attachment.missing and note.attachment.path is None


def test_a_voice_note_in_the_zip_that_no_message_names_is_kept_and_said(tmp_path):
    archive = tmp_path / "WhatsApp Chat - Anna.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat - Anna/_chat.txt", IOS)
        z.write(MEDIA / "en_voicenote.opus", "WhatsApp Chat - Anna/00000012-AUDIO-2024-03-13-08-02-00.opus")
        z.write(MEDIA / "de_voicenote.opus", "WhatsApp Chat - Anna/00000019-AUDIO-2024-03-14-10-00-00.opus")
        z.writestr("__MACOSX/WhatsApp Chat - Anna/._00000012-AUDIO-2024-03-13-08-02-00.opus", b"\x00\x05")
    [loaded] = load_export(archive, extract_root=tmp_path / "case")
    messages = loaded.export.messages
    assert [m.sender for m in messages] == ["Anna", "Ben", None]
    extra = messages[-1]
    assert extra.attachment.path == "WhatsApp Chat - Anna/00000019-AUDIO-2024-03-14-10-00-00.opus"
    assert extra.attachment.playable and extra.datetime == "2024-03-14T10:00:00"  # the time its name carries
    assert "no message" in extra.note
    assert loaded.files[extra.attachment.path].read_bytes() == (MEDIA / "de_voicenote.opus").read_bytes()


def test_telegram_members_added_are_named_not_shown_as_a_python_list(tmp_path):
    export = {"name": "Team", "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "service", "date": "2024-03-12T21:14:00", "actor": "Oleg", "action": "invite_members",
         "members": ["Ivan", None, "Мария"], "text": ""},
        {"id": 2, "type": "message", "date": "2024-03-12T21:15:00", "from": "Oleg", "text": "hi"}]}
    (tmp_path / "result.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    [loaded] = load_export(tmp_path / "result.json")
    assert loaded.export.messages[0].text == "invite members: Ivan, (no name), Мария"


def _telegram_page(*bodies: str) -> str:
    messages = "".join(
        f'<div class="message default clearfix" id="message{i}"><div class="body">'
        f'<div class="pull_right date details" title="01.04.2021 09:0{i}:10 UTC+03:00">09:0{i}</div>'
        f'<div class="from_name">Ivan</div>{body}</div></div>' for i, body in enumerate(bodies, 1))
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body>'
            '<div class="page_wrap"><div class="page_body chat_page"><div class="history">'
            f'{messages}</div></div></div></body></html>')


def _media(cls: str, title: str, status: str) -> str:
    return (f'<div class="media_wrap clearfix"><div class="media clearfix pull_left {cls}">'
            f'<div class="fill pull_left"></div><div class="body"><div class="title bold">{title}</div>'
            f'<div class="status details">{status}</div></div></div></div>')


def test_telegram_html_voice_note_too_large_to_export_and_a_contact_are_kept(tmp_path):
    (tmp_path / "messages.html").write_text(_telegram_page(
        _media("media_voice_message", "Voice message",
               "00:50, File exceeds maximum size. Change data exporting settings to download."),
        _media("media_photo", "Photo", "Not included, change data exporting settings to download."),
        _media("media_contact", "Иван Петров", "+7 999 123-45-67"),
        '<div class="media_wrap clearfix"><a class="media clearfix pull_left block_link media_location" '
        'href="https://maps.google.com/maps?q=55.75,37.61"><div class="body"><div class="title bold">Location'
        '</div><div class="status details">55.75, 37.61</div></div></a></div>',
    ), encoding="utf-8")
    voice, photo, contact, place = read(tmp_path / "messages.html")
    assert (voice.attachment.kind, voice.attachment.missing) == ("audio", True)
    assert "exceeds maximum size" in voice.attachment.placeholder
    assert (photo.attachment.kind, photo.attachment.missing) == ("image", True)
    assert contact.attachment is None and "Иван Петров +7 999 123-45-67" in contact.note
    assert place.attachment is None and "maps?q=55.75,37.61 Location 55.75, 37.61" in place.note


def read(path: Path):
    [loaded] = load_export(path)
    return loaded.export.messages
