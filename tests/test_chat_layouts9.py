"""Chat exports as phones and computers of other locales write them (session 17): an iOS group or contact
whose name holds a colon, a Thai phone's Buddhist-era dates that read both ways, a chat zipped by Windows in
its own code page (Russian, Turkish, Japanese names without the UTF-8 flag).

Each export is built here the way the phone writes it (iOS: `[date, time] Name: \\u200e<note>`; Windows'
"Compressed (zipped) folder": names in the DOS code page, no UTF-8 flag).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from app.core.chats import load_export
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA, REPO

LRM = "\u200e"


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat - Team.txt"):
    return loaded_messages(tmp_path, text, name)


def test_an_ios_group_named_with_a_colon_writes_the_apps_notes_under_no_sender(tmp_path):
    """iOS writes a group's notes under its name: "Team: Alpha" was cut at its first colon, the notes
    made the words of a member "Team" ("Alpha: Messages and calls are end-to-end encrypted...")."""
    messages = _messages(tmp_path, (
        f"[12/03/2024, 21:14:05] Team: Alpha: {LRM}Messages and calls are end-to-end encrypted. No one outside "
        "of this chat, not even WhatsApp, can read or listen to them.\n"
        f"[12/03/2024, 21:14:05] Team: Alpha: {LRM}Anna created group “Team: Alpha”\n"
        "[13/03/2024, 21:15:00] Anna: hi: are you there?\n"
        f"[13/03/2024, 21:16:00] Bob: {LRM}<attached: 00000003-AUDIO-2024-03-13-21-16-00.opus>\n"))
    assert [m.sender for m in messages] == [None, None, "Anna", "Bob"]
    assert messages[0].system and messages[0].text.startswith("Messages and calls")
    assert messages[1].text == "Anna created group “Team: Alpha”" and "'Team: Alpha'" in messages[1].note
    assert messages[2].text == "hi: are you there?"


def test_a_contact_named_with_a_colon_is_one_sender_a_colon_in_a_message_stays_in_it(tmp_path):
    """A contact saved as "Work: Anna" was two things: sender "Work", text "Anna: hello"; iOS's mark
    before her file shows where her name ends. Bob's "re: x" stays Bob's (he writes other lines)."""
    messages = _messages(tmp_path, (
        "[13/03/2024, 21:15:00] Work: Anna: hello\n"
        f"[13/03/2024, 21:16:00] Work: Anna: {LRM}<attached: 00000004-AUDIO-2024-03-13-21-16-00.opus>\n"
        f"[13/03/2024, 21:17:00] Bob: re: {LRM}x\n"
        "[13/03/2024, 21:18:00] Bob: fine\n"))
    assert [(m.sender, m.text) for m in messages] == [
        ("Work: Anna", "hello"), ("Work: Anna", ""), ("Bob", "re: x"), ("Bob", "fine")]
    assert messages[1].attachment.name == "00000004-AUDIO-2024-03-13-21-16-00.opus"


def test_a_buddhist_era_date_that_reads_both_ways_says_why_it_has_no_date_time(tmp_path):
    """A Thai chat of a month's first days (12/3/2567): the date-time was left empty and the note said
    only "Thai Buddhist-era year 2567 read as 2024", as if it had been read."""
    messages = _messages(tmp_path, "12/3/2567 21:14 - สมชาย: สวัสดี\n12/3/2567 21:15 - สมชาย: ok\n")
    assert [m.datetime for m in messages] == [None, None]
    assert all("Buddhist-era" in m.note and "cannot be told apart" in m.note for m in messages)


class _OemInfo(zipfile.ZipInfo):
    """A member as Windows' "Compressed (zipped) folder" writes it: the name in the DOS code page, no
    UTF-8 flag."""

    page = "cp866"

    def _encodeFilenameFlags(self):
        return self.filename.encode(self.page), self.flag_bits


def _oem_zip(path: Path, members: dict[str, bytes], page: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            info = _OemInfo(name, (2024, 3, 12, 21, 0, 0))
            info.page = page
            archive.writestr(info, data)
    return path


def test_a_chat_zipped_by_a_russian_windows_finds_the_files_its_messages_name(tmp_path):
    """Names in cp866 were read as cp437: 'Отчёт.pdf' (named by a message) was said missing and the
    same file kept as one no message names, 'ÄΓτ±Γ.pdf'; 'Фото.jpg' came out as 'ö«Γ«.jpg'."""
    folder = "WhatsApp Chat с Аня/"
    chat = ("12.03.2024, 21:14 - Аня: Отчёт.pdf (файл прикреплен)\n"
            "12.03.2024, 21:15 - Аня: PTT-20240312-WA0001.opus (файл прикреплен)\n"
            "12.03.2024, 21:16 - Аня: Привет\n")
    archive = _oem_zip(tmp_path / "chat.zip", {
        folder + "_chat.txt": chat.encode(), folder + "Отчёт.pdf": b"%PDF-1.4\n",
        folder + "PTT-20240312-WA0001.opus": (MEDIA / "en_voicenote.opus").read_bytes(),
        folder + "Фото.jpg": b"\xff\xd8\xff\xe0"}, "cp866")
    [loaded] = load_export(archive)
    messages = loaded.export.messages
    attached = [(m.attachment.name, m.attachment.missing) for m in messages if m.attachment]
    assert attached == [("Отчёт.pdf", False), ("PTT-20240312-WA0001.opus", False), ("Фото.jpg", False)]
    assert messages[-1].sender is None and "no message refers to" in messages[-1].note


def test_turkish_and_japanese_windows_zips_are_read_in_their_code_pages(tmp_path):
    """cp857 ('Belge ğüş.pdf' read as 'Belge ºüƒ.pdf') and cp932 ('資料.pdf' as 'Äæù┐.pdf')."""
    turkish = _oem_zip(tmp_path / "tr.zip", {
        "WhatsApp Sohbeti - Ayşe/_chat.txt": "12.03.2024 21:14 - Ayşe: Belge ğüş.pdf (dosya ekli)\n"
                                              "12.03.2024 21:15 - Ayşe: selam\n".encode(),
        "WhatsApp Sohbeti - Ayşe/Belge ğüş.pdf": b"%PDF-1.4\n"}, "cp857")
    [loaded] = load_export(turkish)
    assert [(m.attachment.name, m.attachment.missing) for m in loaded.export.messages if m.attachment] == [
        ("Belge ğüş.pdf", False)]
    japanese = _oem_zip(tmp_path / "ja.zip", {
        "WhatsApp 花子とのトーク/_chat.txt": "2024/03/12 21:14 - 花子: こんにちは\n".encode(),
        "WhatsApp 花子とのトーク/資料.pdf": b"%PDF-1.4\n"}, "cp932")
    [loaded] = load_export(japanese)
    assert [m.attachment.name for m in loaded.export.messages if m.attachment] == ["資料.pdf"]


def test_a_voice_note_in_the_phones_own_media_folders_beside_the_chat_is_found(tmp_path):
    """An investigator's folder: the exported chat and the phone's WhatsApp folder copied beside it
    (`WhatsApp/Media/WhatsApp Voice Notes/202411/PTT-...opus`, 4 folders down): the voice note was said
    missing. Another chat's voice note there is the phone's, not kept as this chat's."""
    notes = tmp_path / "WhatsApp" / "Media" / "WhatsApp Voice Notes" / "202411"
    notes.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", notes / "PTT-20241103-WA0001.opus")
    shutil.copy(MEDIA / "en_voicenote.opus", notes / "PTT-20241104-WA0007.opus")
    (tmp_path / "WhatsApp Chat with Bob.txt").write_text(
        "03/11/2024, 21:14 - Bob: PTT-20241103-WA0001.opus (file attached)\n13/11/2024, 21:15 - Bob: hi\n",
        encoding="utf-8")
    [loaded] = load_export(tmp_path / "WhatsApp Chat with Bob.txt")
    first = loaded.export.messages[0].attachment
    assert (first.missing, first.path) == (
        False, "WhatsApp/Media/WhatsApp Voice Notes/202411/PTT-20241103-WA0001.opus")
    assert loaded.files[first.path] == notes / "PTT-20241103-WA0001.opus"
    assert [m.attachment for m in loaded.export.messages[1:]] == [None]


def _service(i: int, action: str, **more) -> dict:
    return {"id": i, "type": "service", "date": f"2024-03-12T21:0{i}:00", "date_unixtime": str(1710273600 + 60 * i),
            "actor": "Анна", "actor_id": "user1", "action": action, "text": "", "text_entities": [], **more}


def test_telegram_service_messages_say_what_the_export_writes_with_them_and_own_their_photo(tmp_path):
    """Telegram Desktop writes a group's new photo with its service message (`"photo": "photos/..."`): it
    was a file no message names, kept apart; a timer's period, a group call's length, a theme, a custom
    note (`information_text`, no action) were dropped ("set messages ttl", "group call", "service")."""
    export = tmp_path / "ChatExport_2024-03-15"
    (export / "photos").mkdir(parents=True)
    (export / "photos" / "photo_1@12-03-2024_21-00-00.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    messages = [
        _service(0, "edit_group_photo", photo="photos/photo_1@12-03-2024_21-00-00.jpg", width=640, height=640),
        _service(1, "set_messages_ttl", period=86400), _service(2, "group_call", duration=120),
        _service(3, "edit_chat_theme", emoticon="🏠"), _service(4, "join_group_by_link", inviter="Борис"),
        {**_service(5, ""), "action": None, "information_text": "Анна joined via a folder link"},
        _service(6, "suggest_profile_photo", photo="(File not included. Change data exporting settings to download.)"),
        {"id": 7, "type": "message", "date": "2024-03-12T21:07:00", "date_unixtime": "1710274020", "from": "Борис",
         "from_id": "user2", "saved_from": "Новости 24", "text": "склад", "text_entities": []}]
    (export / "result.json").write_text(json.dumps(
        {"name": "Склад", "type": "private_supergroup", "id": 1, "messages": messages}, ensure_ascii=False),
        encoding="utf-8")
    [loaded] = load_export(export / "result.json")
    read = loaded.export.messages
    assert [m.text for m in read[:6]] == [
        "edit group photo", "set messages ttl: 86400 s", "group call: 120 s", "edit chat theme: 🏠",
        "join group by link: invited by Борис", "service: Анна joined via a folder link"]
    photo = read[0].attachment
    assert (photo.name, photo.kind, photo.missing) == ("photo_1@12-03-2024_21-00-00.jpg", "image", False)
    assert (read[6].attachment.kind, read[6].attachment.missing) == ("image", True)
    assert len(read) == 8 and "saved from Новости 24" in read[7].note


TELEGRAM_PAGE = """<!DOCTYPE html>
<html>
 <head><meta charset="utf-8"/><title>Exported Data</title></head>
 <body><div class="page_wrap"><div class="page_header"><div class="content"><div class="text bold">
Склад
 </div></div></div><div class="page_body chat_page"><div class="history">
     <div class="message service" id="message-1"><div class="body details">
12 March 2024
      </div></div>
     <div class="message service" id="message5">
      <div class="body details">
Анна changed group photo
      </div>
      <div class="userpic_wrap">
       <a class="userpic_link" href="photos/photo_1@12-03-2024_21-00-00.jpg">
        <img class="userpic" src="photos/photo_1@12-03-2024_21-00-00_thumb.jpg" style="width: 60px; height: 60px" empty="">
       </a>
      </div>
     </div>
     <div class="message default clearfix" id="message6"><div class="body">
       <div class="pull_right date details" title="12.03.2024 21:01:00 UTC+01:00">
21:01
       </div>
       <div class="from_name">
Анна
       </div>
       <div class="text">
привет
       </div>
     </div></div>
 </div></div></div></body>
</html>
"""


def test_a_group_photo_in_telegrams_html_export_is_its_service_messages(tmp_path):
    """Telegram Desktop's HTML puts the new photo in the service message's `userpic_link`: it was kept
    apart as a file no message names."""
    export = tmp_path / "ChatExport_2024-03-15"
    (export / "photos").mkdir(parents=True)
    for name in ("photo_1@12-03-2024_21-00-00.jpg", "photo_1@12-03-2024_21-00-00_thumb.jpg"):
        (export / "photos" / name).write_bytes(b"\xff\xd8\xff\xe0")
    (export / "messages.html").write_text(TELEGRAM_PAGE, encoding="utf-8")
    [loaded] = load_export(export / "messages.html")
    read = loaded.export.messages
    assert [(m.sender, m.text, m.system) for m in read] == [
        (None, "Анна changed group photo", True), ("Анна", "привет", False)]
    assert (read[0].attachment.path, read[0].attachment.kind) == ("photos/photo_1@12-03-2024_21-00-00.jpg", "image")


def test_a_japanese_group_renamed_with_a_colon_is_the_apps_note_not_a_sender(tmp_path):
    """Android in Japanese quotes the new name in 「」: 'アンナがグループ名を「倉庫: 北」に変更しました' was
    a message from 'アンナがグループ名を「倉庫' saying '北」に変更しました'."""
    messages = _messages(tmp_path, "2024/03/12 21:14 - アンナ: こんにちは\n"
                                   "2024/03/12 21:15 - アンナがグループ名を「倉庫: 北」に変更しました\n"
                                   "2024/03/12 21:16 - アンナ: ok\n")
    assert [(m.sender, m.system) for m in messages] == [("アンナ", False), (None, True), ("アンナ", False)]
    assert messages[1].text == "アンナがグループ名を「倉庫: 北」に変更しました"


def _bytes_named(folder: Path, name: str, page: str) -> Path:
    """A file whose name is `name` in a code page, not UTF-8 (Info-ZIP's unzip of a Windows zip writes it so)."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name.encode(page)))


def test_files_beside_a_chat_whose_names_are_not_utf8_are_found_and_the_timeline_is_written(tmp_path):
    """A folder unzipped from a Russian Windows zip keeps its names' cp866 bytes: the timeline stopped with
    "an argument is not UTF-8 text" (the name could not be stored), and 'Отчёт.pdf' was not found."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "WhatsApp Chat with Anna.txt").write_text(
        "12/03/2024, 21:14 - Anna: Отчёт.pdf (file attached)\n13/03/2024, 21:15 - Anna: Запись.opus (file attached)\n"
        "13/03/2024, 21:16 - Anna: hi\n", encoding="utf-8")
    _bytes_named(export, "Отчёт.pdf", "cp866").write_bytes(b"%PDF-1.4\n")
    shutil.copy(MEDIA / "en_voicenote.opus", _bytes_named(export, "Запись.opus", "cp866"))
    _bytes_named(export, "IMG-20240312-WA0002 Фото.jpg", "cp866").write_bytes(b"\xff\xd8\xff\xe0")
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(export), "--out", str(tmp_path / "out"), "--case",
         str(tmp_path / "case"), "--model", "tiny.en"], cwd=REPO, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 1, done.stderr  # the voice note cannot be taken in under that name: said
    assert "2 attachment(s) named, 0 of them not in the export, 1 file(s) no message names" in done.stderr
    assert "the file name is not UTF-8" in done.stderr and "not UTF-8 text" not in done.stderr
    [story] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("*.timeline.json")]
    files = [(m["attachment"]["name"], m["attachment"]["missing"]) for m in story["messages"] if m["attachment"]]
    assert files == [("Отчёт.pdf", False), ("IMG-20240312-WA0002 Фото.jpg", False), ("Запись.opus", False)]
    [voice] = [m["attachment"] for m in story["messages"] if m["attachment"] and m["attachment"]["kind"] == "audio"]
    assert "not UTF-8" in voice["error"] and voice["sha256"]


def test_a_chat_file_whose_name_is_not_utf8_is_one_line_and_the_others_are_read(tmp_path):
    """The whole timeline stopped ("an argument is not UTF-8 text", exit 2); Bob's chat beside it was lost."""
    export = tmp_path / "export"
    export.mkdir()
    _bytes_named(export, "WhatsApp Chat с Аня.txt", "cp866").write_text(
        "12/03/2024, 21:14 - Anna: hi\n13/03/2024, 21:15 - Anna: hi\n", encoding="utf-8")
    (export / "WhatsApp Chat with Bob.txt").write_text("12/03/2024, 21:14 - Bob: hi\n13/03/2024, 21:15 - Bob: ok\n",
                                                      encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(export), "--out", str(tmp_path / "out"), "--case",
         str(tmp_path / "case"), "--model", "tiny.en"], cwd=REPO, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 1, done.stderr
    assert "WhatsApp Chat \\xe1 \\x80\\xad\\xef.txt: the file name is not UTF-8" in done.stderr
    [story] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("*.timeline.json")]
    assert [m["sender"] for m in story["messages"]] == ["Bob", "Bob"]


def test_a_file_a_chat_names_is_found_in_a_zip_of_any_code_page_whatever_its_name_reads_best_as(tmp_path):
    """A name alone reads as more than one script: cp857's 'Belge ğüş.pdf' reads as Cyrillic 'Belge зБЯ.pdf'
    in cp866, cp1253's 'Αναφορά.pdf' as 'БнбцпсЬ.pdf'; the file the chat names is found under its reading."""
    for page, name in (("cp857", "Belge ğüş.pdf"), ("cp1253", "Αναφορά.pdf"), ("cp949", "보고서.pdf"),
                       ("cp1251", "Отчёт за март.pdf")):
        archive = _oem_zip(tmp_path / f"{page}.zip", {
            "_chat.txt": f"12.03.2024, 21:14 - Ali: {name} (file attached)\n12.03.2024, 21:15 - Ali: ok\n".encode(),
            name: b"%PDF-1.4\n"}, page)
        [loaded] = load_export(archive)
        assert [(m.attachment.name, m.attachment.missing) for m in loaded.export.messages if m.attachment] == [
            (name, False)], page


def test_a_chat_zip_inside_a_windows_zip_is_copied_and_named_as_its_code_page_wrote_it(tmp_path):
    """Its report line said 'Телефон/WhatsApp Chat с Аня.zip' but the copy in the case folder, and so the
    timeline's name, was cp437's 'ÆÑ½ÑΣ«¡/WhatsApp Chat ß Ç¡∩.zip'."""
    inner = _oem_zip(tmp_path / "inner.zip", {
        "_chat.txt": "12.03.2024, 21:14 - Аня: Привет\n12.03.2024, 21:15 - Аня: ок\n".encode()}, "cp866")
    dump = _oem_zip(tmp_path / "Dump.zip", {"Телефон/WhatsApp Chat с Аня.zip": inner.read_bytes()}, "cp866")
    [loaded] = load_export(dump, extract_root=tmp_path / "case")
    assert loaded.found_in == (str(dump), "Телефон/WhatsApp Chat с Аня.zip")
    assert loaded.original.relative_to(tmp_path / "case").parts[1:] == ("Телефон", "WhatsApp Chat с Аня.zip")
    assert [m.sender for m in loaded.export.messages] == ["Аня", "Аня"]
