"""Chat layouts real phones write, each built as a real export and read through load_export."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from app.core.chats import load_export
from tests.conftest import MEDIA

LRM, NNBSP = "\u200e", "\u202f"


def read(path: Path):
    [loaded] = load_export(path)
    return loaded.export.messages


def attachment_of(message):
    a = message.attachment
    return None if a is None else (a.name, a.kind, a.missing)


def test_ios_documents_shown_by_name_before_the_attached_file(tmp_path):
    chat = tmp_path / "_chat.txt"
    chat.write_text(
        "[13/03/2024, 21:14:00] Anna: Hi\n"
        f"[13/03/2024, 21:15:00] Anna: {LRM}Invoice 2024.pdf • {LRM}3 pages {LRM}<attached: 00000005-Invoice 2024.pdf>\n"
        f"[13/03/2024, 21:16:00] Anna: {LRM}voice.m4a {LRM}<attached: 00000006-voice.m4a>\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", tmp_path / "00000006-voice.m4a")
    _, document, voice = read(chat)
    assert attachment_of(document) == ("00000005-Invoice 2024.pdf", "document", True)
    assert not document.system and document.text == ""
    assert attachment_of(voice) == ("00000006-voice.m4a", "audio", False)
    assert voice.attachment.path == "00000006-voice.m4a"


def test_android_document_with_its_page_count_and_a_caption(tmp_path):
    chat = tmp_path / "WhatsApp Chat with Anna.txt"
    chat.write_text("13/03/2024, 21:19 - Anna: Invoice 2024.pdf • \u200e3 pages (file attached)\nplease pay\n"
                    "13/03/2024, 21:20 - Anna: ok\n", encoding="utf-8")
    document, _ = read(chat)
    assert attachment_of(document) == ("Invoice 2024.pdf", "document", True)
    assert document.text == "please pay"


def test_brazilian_media_omitted_names_no_kind(tmp_path):
    chat = tmp_path / "chat.txt"
    chat.write_text("05/01/2024 19:41 - Maria: <Arquivo de mídia oculto>\n"
                    "25/01/2024 19:42 - Maria: nota de voz omitida\n", encoding="utf-8")
    media, voice = read(chat)
    assert attachment_of(media) == (None, "other", True)  # not "audio": the export does not say
    assert attachment_of(voice) == (None, "audio", True)


def test_twelve_hour_clocks_in_more_languages(tmp_path):
    layouts = {
        "de": f"[05.01.24, 7:40:12{NNBSP}nachm.] Lena: Hallo\n[25.01.24, 7:41:12{NNBSP}vorm.] Lena: Hallo\n",
        "tr": "5.01.2024 ÖS 7:40 - Ali: Selam\n25.01.2024 ÖÖ 7:41 - Ali: Selam\n",
        "hu": "2024. 01. 05. du. 7:40 - Ádám: Szia\n2024. 01. 25. de. 7:41 - Ádám: Szia\n",
        "el": "5/1/24, 7:40 μ.μ. - Νίκος: Γεια\n25/1/24, 7:41 π.μ. - Νίκος: Γεια\n",
        "vi": "[05/01/24, 7:40:00 CH] Lan: Chào\n[25/01/24, 7:41:00 SA] Lan: Chào\n",
    }
    for language, text in layouts.items():
        chat = tmp_path / f"{language}.txt"
        chat.write_text(text, encoding="utf-8")
        evening, morning = read(chat)
        assert evening.datetime.startswith("2024-01-05T19:40"), language  # was 07:40, or no header at all
        assert morning.datetime.startswith("2024-01-25T07:41"), language
        assert evening.sender == morning.sender and " " not in evening.sender, language


def test_a_name_that_starts_like_a_clock_marker_stays_the_name(tmp_path):
    chat = tmp_path / "chat.txt"
    chat.write_text("15/12/2025, 10:34:00 Emma: Hej\n15/12/2025, 10:35:00 Sam: Hej\n", encoding="utf-8")
    assert [(m.sender, m.datetime) for m in read(chat)] == [
        ("Emma", "2025-12-15T10:34:00"), ("Sam", "2025-12-15T10:35:00")]


def test_iso_dated_android_whatsapp_is_not_taken_for_signal(tmp_path):
    chat = tmp_path / "WhatsApp Chat med Emma.txt"  # Swedish phones write ISO dates
    chat.write_text("2024-01-05 19:40 - Meddelanden och samtal är end-to-end-krypterade.\n"
                    "2024-01-05 19:41 - Emma: Hej\n2024-01-25 19:42 - Sara: PTT-20240125-WA0001.opus (fil bifogad)\n",
                    encoding="utf-8")
    [loaded] = load_export(chat)
    assert loaded.export.container == "whatsapp"
    notice, hello, voice = loaded.export.messages
    assert notice.system and notice.sender is None
    assert (hello.sender, hello.datetime, hello.text) == ("Emma", "2024-01-05T19:41:00", "Hej")
    assert voice.sender == "Sara" and voice.attachment.name == "PTT-20240125-WA0001.opus"


def test_signal_export_attachments_after_the_text_quotes_and_reactions(tmp_path):
    (tmp_path / "media").mkdir()
    shutil.copy(MEDIA / "en_voicenote.m4a", tmp_path / "media" / "voice note.m4a")
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "media" / "2.opus")
    chat = tmp_path / "Bob.md"
    chat.write_text(
        "[2023-01-05 19:41:00] Bob: look![photo.jpg](./media/photo.jpg)  \n"
        "[2023-01-05 19:42:00] Bob:   [voice note.m4a](./media/voice%20note.m4a)  \n"
        "[2023-01-05 19:43:00] Bob:   ![a.jpg](./media/a.jpg)  [2.opus](./media/2.opus)  \n"
        "[2023-01-05 19:44:00] Me: \n\n> quoted words\n\nmy reply  \n"
        "[2023-01-05 19:45:00] Bob: nice  \n(- Me: 👍 -)\n"
        "[2023-01-05 19:46:00] Bob: (This message was deleted)\n", encoding="utf-8")
    photo, voice, image, second_voice, reply, nice, deleted = read(chat)
    assert photo.text == "look" and attachment_of(photo) == ("photo.jpg", "image", True)
    assert attachment_of(voice) == ("voice note.m4a", "audio", False)
    assert attachment_of(image) == ("a.jpg", "image", True)
    assert attachment_of(second_voice) == ("2.opus", "audio", False)
    assert second_voice.sender == "Bob" and second_voice.datetime == "2023-01-05T19:43:00"
    assert reply.text == "my reply" and reply.note == "reply to: quoted words"
    assert nice.text == "nice" and nice.note == "reactions: Me: 👍"
    assert deleted.system and deleted.sender == "Bob"


def _telegram_message(number: int, minute: int, inner: str, joined: bool = False) -> str:
    return (f'<div class="message default clearfix{" joined" if joined else ""}" id="message{number}">'
            f'<div class="body"><div class="pull_right date details" title="05.01.2023 10:{minute:02d}:00 UTC+03:00">'
            f"10:{minute:02d}</div>{inner}</div></div>\n")


def test_telegram_html_forwarded_message_keeps_its_sender(tmp_path):
    forwarded = ('<div class="forwarded body"><div class="from_name">Carl <span class="date details" '
                 'title="04.01.2023 09:00:00 UTC+03:00"> 04.01.2023 09:00:00</span></div>'
                 '<div class="text">forwarded words</div></div>')
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body>'
            '<div class="page_wrap"><div class="page_body chat_page"><div class="history">\n'
            + _telegram_message(1, 0, '<div class="from_name">Oleg</div><div class="text">hi</div>')
            + _telegram_message(2, 1, forwarded, joined=True)
            + _telegram_message(3, 2, '<div class="text">mine again</div>', joined=True)
            + _telegram_message(4, 3, '<div class="from_name">Anna</div>' + forwarded)
            + "</div></div></div></body></html>")
    (tmp_path / "messages.html").write_text(page, encoding="utf-8")
    ms = read(tmp_path / "messages.html")
    assert [m.sender for m in ms] == ["Oleg", "Oleg", "Oleg", "Anna"]
    assert [m.text for m in ms][1:] == ["forwarded words", "mine again", "forwarded words"]
    assert ms[1].note == ms[3].note == "forwarded from Carl" and ms[2].note == ""


def test_telegram_json_poll_voice_and_files_left_out(tmp_path):
    (tmp_path / "voice_messages").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "voice_messages" / "audio_1@05-01-2023_10-02-00.ogg")
    poll = {"question": "Where?", "closed": False, "total_voters": 1,
            "answers": [{"text": "Pub", "voters": 1, "chosen": True}, {"text": "Park", "voters": 0}]}
    export = {"name": "Trip", "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2023-01-05T10:01:00", "from": "Anna", "poll": poll, "text": ""},
        {"id": 2, "type": "message", "date": "2023-01-05T10:02:00", "from": "Bob", "media_type": "voice_message",
         "file": "voice_messages/audio_1@05-01-2023_10-02-00.ogg", "text": "", "text_entities": []},
        {"id": 3, "type": "message", "date": "2023-01-05T10:03:00", "from": "Bob", "media_type": "voice_message",
         "file": "(File not included. Change data exporting settings to download.)", "text": ""}]}
    (tmp_path / "result.json").write_text(json.dumps(export), encoding="utf-8")
    question, voice, left_out = read(tmp_path / "result.json")
    assert (question.sender, question.text, question.note) == ("Anna", "Where?", "poll: Pub (1, this account's vote), Park (0)")
    assert attachment_of(voice)[1:] == ("audio", False) and voice.attachment.path.startswith("voice_messages/")
    assert attachment_of(left_out) == (None, "audio", True)


def test_thai_buddhist_and_persian_calendar_years(tmp_path):
    thai = tmp_path / "th.txt"
    thai.write_text("[5/1/2567 19:40:12] สมชาย: สวัสดี\n[25/1/2567 19:41:12] สมชาย: สวัสดี\n", encoding="utf-8")
    first, second = read(thai)
    assert (first.datetime, second.datetime) == ("2024-01-05T19:40:12", "2024-01-25T19:41:12")
    assert first.note == "Thai Buddhist-era year 2567 read as 2024"
    persian = tmp_path / "fa.txt"
    persian.write_text("۱۴۰۲/۱۰/۱۵، ۱۹:۴۰ - علی: سلام\n۱۴۰۲/۱۰/۲۵، ۱۹:۴۱ - علی: خوبی؟\n", encoding="utf-8")
    first, second = read(persian)
    # never a date in the Gregorian year 1402: the Solar Hijri date converted (tests/test_chat_layouts5.py)
    assert (first.datetime, second.datetime) == ("2024-01-05T19:40:00", "2024-01-15T19:41:00")
    assert "1402" in first.note and (first.sender, second.text) == ("علی", "خوبی؟")
    assert first.time_as_written == "۱۴۰۲/۱۰/۱۵، ۱۹:۴۰"  # as written, for a reader who knows the calendar


def test_attached_file_names_with_parentheses(tmp_path):
    shutil.copy(MEDIA / "de_voicenote.opus", tmp_path / "Aufnahme (1).opus")
    shutil.copy(MEDIA / "en_voicenote.m4a", tmp_path / "00000022-Memo (2).m4a")
    chat = tmp_path / "chat.txt"
    chat.write_text("05.01.24, 19:40 - Lena: Aufnahme (1).opus (Datei angehängt)\nDas bin ich\n"
                    f"25.01.24, 19:41 - Lena: {LRM}Memo (2).m4a {LRM}<attached: 00000022-Memo (2).m4a>\n",
                    encoding="utf-8")
    android, ios = read(chat)
    assert attachment_of(android) == ("Aufnahme (1).opus", "audio", False) and android.text == "Das bin ich"
    assert attachment_of(ios) == ("00000022-Memo (2).m4a", "audio", False)


def test_zip_whose_names_are_utf8_without_the_utf8_flag(tmp_path):
    """Re-zipped on Windows: names in UTF-8 bytes, flag unset (Python reads them as cp437)."""
    text = "05.01.2024, 19:40 - Иван: Запись (1).opus (файл добавлен)\n25.01.2024, 19:41 - Иван: ок\n"
    members = {"WhatsApp Chat - Иван.txt": text.encode(), "Запись (1).opus": (MEDIA / "pl_voicenote.opus").read_bytes()}
    export = tmp_path / "WhatsApp Chat - Иван.zip"
    with zipfile.ZipFile(export, "w") as archive:  # ASCII stand-ins of the same length, then the real bytes
        for letter, (name, data) in zip("AB", members.items()):
            archive.writestr(letter * len(name.encode()), data)
    raw = export.read_bytes()
    for letter, name in zip("AB", members):
        raw = raw.replace((letter * len(name.encode())).encode(), name.encode())
    export.write_bytes(raw)
    [loaded] = load_export(export, extract_root=tmp_path / "case")
    voice, _ = loaded.export.messages
    assert attachment_of(voice) == ("Запись (1).opus", "audio", False)
    assert loaded.export.source == "WhatsApp Chat - Иван.txt"
    [extracted] = loaded.files.values()
    assert extracted.read_bytes() == members["Запись (1).opus"]


def test_a_sender_not_in_contacts_marked_with_a_tilde(tmp_path):
    chat = tmp_path / "_chat.txt"
    chat.write_text(f"[05/01/2024, 19:40:12] ~{NNBSP}Anna: hi\n[25/01/2024, 19:41:12] ~ Anna: hi\n", encoding="utf-8")
    assert {m.sender for m in read(chat)} == {"~ Anna"}
