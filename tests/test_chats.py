"""Chat export parsers: WhatsApp (every layout, many languages, zip), Telegram JSON, Signal."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from app.core.chats import load_export, parse_text, sniff_text
from app.core.chats.dates import AMBIGUOUS_NOTE
from app.core.chats.placeholders import find_attachment
from app.core.chats.whatsapp_zip import Limits, check
from app.core.errors import ChatError

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"


def only(path: Path):
    [loaded] = load_export(path)
    return loaded


def messages(name: str):
    return only(CHATS / name).export.messages


def test_android_english_messages_senders_attachments_and_notes():
    ms = messages("whatsapp_android_en.txt")
    assert len(ms) == 9
    assert [m.sender for m in ms if not m.system] == [
        "Dave Miller", "+44 7700 900123", "+44 7700 900123", "Dave Miller", "Dave Miller"]
    assert [m.system for m in ms] == [True, True, False, False, False, False, False, True, True]
    assert ms[3].text == "Yes. Meet at the car park\nbehind the station, 10 pm.\n\nBring the rest."
    voice, photo, omitted = ms[4].attachment, ms[5].attachment, ms[6].attachment
    assert (voice.name, voice.kind, ms[4].text) == ("PTT-20240313-WA0004.opus", "audio", "")
    assert (photo.name, photo.kind, ms[5].text) == ("IMG-20240313-WA0005.jpg", "image", "This is the car")
    assert omitted.name is None and omitted.missing
    assert voice.missing  # no file beside the chat in the fixtures folder
    assert ms[7].sender == "Dave Miller" and ms[7].system  # a deleted message keeps its sender
    assert ms[0].datetime == "2024-03-12T21:14:00" and ms[3].datetime == "2024-03-13T08:02:00"
    assert not any(m.translatable for m in ms if m.attachment and not m.text)


def test_ios_german_group_notice_attachment_and_omitted_image():
    ms = messages("whatsapp_ios_de.txt")
    assert len(ms) == 6
    assert ms[0].system and ms[0].sender == "Wochenende"
    assert ms[2].attachment.name == "00000007-AUDIO-2024-01-05-19-41-30.opus"
    assert ms[2].attachment.kind == "audio" and ms[2].text == ""
    assert ms[3].attachment.missing and ms[3].attachment.kind == "image"
    assert ms[4].text == "Morgen um 8\nam Bahnhof." and ms[4].datetime == "2024-01-25T07:15:44"
    assert ms[5].system and ms[5].sender == "Lena"


def test_month_first_is_decided_from_a_day_above_twelve():
    ms = messages("whatsapp_android_us.txt")
    assert [m.datetime for m in ms] == [
        "2023-06-28T21:14:00", "2023-06-28T21:15:00", "2023-06-30T07:02:00", "2023-06-30T12:30:00"]
    assert ms[0].time_as_written == "6/28/23, 9:14\u202fPM"
    assert ms[2].attachment.kind == "video"


def test_ambiguous_dates_are_left_empty_and_said():
    chat = only(CHATS / "whatsapp_ambiguous.txt").export.chats[0]
    assert chat.date_order == "ambiguous"
    first, _second, third, fourth = chat.messages
    assert first.datetime is None and first.note == AMBIGUOUS_NOTE
    assert first.time_as_written == "04/05/2022, 10:00"
    assert third.datetime == "2022-05-05T11:00:00"  # day == month: the same either way
    assert fourth.attachment.missing and fourth.attachment.placeholder == "<Multimedia omitido>"


def test_attachment_names_decide_when_time_order_cannot():
    """The first days of a month read both ways and run in order both ways; the voice note's name
    (the day WhatsApp saved it) tells day from month, so every message has its date-time."""
    android = ("03/10/2024, 09:59 - Dave: Where are you?\n"
               "03/10/2024, 10:02 - Sam: PTT-20241003-WA0001.opus (file attached)\n"
               "04/10/2024, 18:30 - Dave: PTT-20241004-WA0003.opus (file attached)\n")
    [chat] = parse_text(android, "WhatsApp Chat with Dave.txt")
    assert chat.date_order == "day-first"
    assert [m.datetime for m in chat.messages] == [
        "2024-10-03T09:59:00", "2024-10-03T10:02:00", "2024-10-04T18:30:00"]
    ios = ("[05/10/2024, 21:14:03] Sam: Parcel is at the lock-up\n"
           "[05/10/2024, 21:15:40] Sam: <attached: 00000012-AUDIO-2024-10-05-21-15-40.opus>\n")
    [chat] = parse_text(ios, "_chat.txt")
    assert chat.messages[1].datetime == "2024-10-05T21:15:40"
    us = "10/03/2024, 10:02 - Sam: PTT-20241003-WA0001.opus (file attached)\n"  # month first
    assert parse_text(us, "x.txt")[0].messages[0].datetime == "2024-10-03T10:02:00"
    wrong = "03/10/2024, 10:02 - Sam: PTT-20240601-WA0001.opus (file attached)\n"  # neither reading
    assert parse_text(wrong, "x.txt")[0].date_order == "ambiguous"


def test_time_order_decides_when_no_part_is_above_twelve():
    text = "01/02/2020, 10:00 - A: one\n02/01/2020, 10:00 - B: two\n"
    [chat] = parse_text(text, "x.txt")
    assert chat.date_order == "month-first"
    assert [m.datetime for m in chat.messages] == ["2020-01-02T10:00:00", "2020-02-01T10:00:00"]


def test_each_layout_is_decided_on_its_own():
    text = "6/30/23, 10:00 - A: one\n30/6/2023, 11:00 - B: two\n"
    [chat] = parse_text(text, "x.txt")
    assert [m.datetime for m in chat.messages] == ["2023-06-30T10:00:00", "2023-06-30T11:00:00"]


@pytest.mark.parametrize(("name", "senders", "first_iso"), [
    ("whatsapp_ios_nobrackets.txt", ["Charlie", "Dana", "Charlie"], "2025-12-15T10:34:00"),
    ("whatsapp_dotted_times.txt", ["Kari", "Aino", "Kari"], "2018-06-13T21:25:15"),
    ("whatsapp_finnish_klo.txt", ["Kari", "Aino"], "2018-06-13T21:25:15"),
    ("whatsapp_spaced_dates.txt", ["Marko", "Ivana"], "2018-06-13T21:25:15"),
    ("whatsapp_year_middle.txt", ["a", "b"], "2018-06-13T21:25:15"),
    ("whatsapp_ar.txt", ["علي", "سارة", "علي"], "2017-03-06T00:45:00"),
])
def test_header_layouts(name, senders, first_iso):
    ms = messages(name)
    assert [m.sender for m in ms] == senders
    assert ms[0].datetime == first_iso
    assert all(m.time_as_written and not m.note for m in ms)


def test_twelve_hour_clock_markers():
    korean = "2020. 3. 6. 오전 12:45 - 김: 안녕\n2020. 3. 6. 오후 1:05 - 이: 네\n"
    isos = [m.datetime for m in parse_text(korean, "k.txt")[0].messages]
    assert isos == ["2020-03-06T00:45:00", "2020-03-06T13:05:00"]
    [m] = parse_text("[13/09/2023, 12:04:31 AM] Meet: x\n", "e.txt")[0].messages
    assert m.datetime == "2023-09-13T00:04:31"


def test_an_unrecognised_header_is_never_glued_to_the_previous_sender():
    ms = messages("whatsapp_unknown_layout.txt")
    assert len(ms) == 3
    assert ms[0].text == "first message\ncontinues here" and ms[0].sender == "Anna"
    assert ms[1].sender is None and not ms[1].system and "not recognised" in ms[1].note
    assert ms[1].text.startswith("2024-03-12T21:15:00 Bob:")


@pytest.mark.parametrize(("line", "name", "missing"), [
    ("IMG-20200101-WA0001.jpg (file attached)", "IMG-20200101-WA0001.jpg", False),
    ("\u200eIMG-20200101-WA0001.jpg (Datei angehängt)", "IMG-20200101-WA0001.jpg", False),
    ("PTT-20200101-WA0002.opus (fichier joint)", "PTT-20200101-WA0002.opus", False),
    ("PTT-20200101-WA0002.opus (archivo adjunto)", "PTT-20200101-WA0002.opus", False),
    ("AUD-20200101-WA0003.m4a (arquivo anexado)", "AUD-20200101-WA0003.m4a", False),
    ("doc.pdf (file allegato)", "doc.pdf", False),
    ("VID-20200101-WA0004.mp4 (bestand bijgevoegd)", "VID-20200101-WA0004.mp4", False),
    ("PTT-20200101-WA0002.opus (załączono plik)", "PTT-20200101-WA0002.opus", False),
    ("PTT-20200101-WA0002.opus (fișier atașat)", "PTT-20200101-WA0002.opus", False),
    ("PTT-20200101-WA0002.opus (dosya ekli)", "PTT-20200101-WA0002.opus", False),
    ("PTT-20200101-WA0002.opus (файл прикреплен)", "PTT-20200101-WA0002.opus", False),
    ("PTT-20200101-WA0002.opus (файл добавлен)", "PTT-20200101-WA0002.opus", False),
    ("изображение не сохранено", None, True),
    ("PTT-20200101-WA0002.opus (ملف مرفق)", "PTT-20200101-WA0002.opus", False),
    ("<attached: 00000042-PHOTO-2020-01-01-10-10-10.jpg>", "00000042-PHOTO-2020-01-01-10-10-10.jpg", False),
    ("< attached: 00000042-PHOTO-2020-01-01-10-10-10.jpg >", "00000042-PHOTO-2020-01-01-10-10-10.jpg", False),
    ("<Anhang: 00000043-AUDIO-2020-01-01-10-10-10.opus>", "00000043-AUDIO-2020-01-01-10-10-10.opus", False),
    ("2015-08-04-PHOTO-00004762.jpg \u2039\u200eattached\u203a", "2015-08-04-PHOTO-00004762.jpg", False),
    ("2015-08-04-PHOTO-00004762.jpg <attached>", "2015-08-04-PHOTO-00004762.jpg", False),
    ("null", None, True),
    ("<Media omitted>", None, True),
    ("<Medien ausgeschlossen>", None, True),
    ("<Médias omis>", None, True),
    ("<Multimedia omitido>", None, True),
    ("<Mídia oculta>", None, True),
    ("<Media omessi>", None, True),
    ("<Media weggelaten>", None, True),
    ("<Pominięto multimedia>", None, True),
    ("<Media omise>", None, True),
    ("<Medya dahil edilmedi>", None, True),
    ("<Без медиафайлов>", None, True),
    ("<تم استبعاد الوسائط>", None, True),
    ("image omitted", None, True),
    ("audio omitted", None, True),
    ("Bild weggelassen", None, True),
    ("imagen omitida", None, True),
    ("vídeo ocultado", None, True),
    ("immagine omessa", None, True),
    ("afbeelding weggelaten", None, True),
])
def test_attachment_placeholders_in_many_languages(line, name, missing):
    found = find_attachment(line + "\nthe caption")
    assert found is not None
    assert (found.attachment.name, found.attachment.missing) == (name, missing)
    assert found.caption == "the caption"


@pytest.mark.parametrize("text", [
    "I omitted nothing", "report.pdf (urgent)", "see you <3", "nullify it", "Bild", "<b>bold</b>"])
def test_ordinary_text_is_no_attachment(text):
    assert find_attachment(text) is None


def test_a_person_writing_about_encryption_stays_a_person():
    text = "12/03/2024, 21:14 - Anna: we need end-to-end encryption for this\n"
    [m] = parse_text(text, "x.txt")[0].messages
    assert not m.system and m.sender == "Anna"


def test_signal_markdown_export():
    loaded = only(CHATS / "signal_chat.md")
    assert loaded.export.container == "signal"
    ms = loaded.export.messages
    assert [m.sender for m in ms] == ["Me", "Aya", "Aya", "Jim", "Jim [+15551234567]"]
    assert ms[2].attachment.name == "voice-note.m4a" and ms[2].attachment.kind == "audio"
    assert ms[3].text == "Look at this" and ms[3].attachment.kind == "image"
    assert ms[0].time_as_written == "2019-05-29, 15:04" and ms[0].datetime == "2019-05-29T15:04:00"


def test_signal_attachment_found_beside_the_chat(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "2019-05-29_15-12-00_voice-note.m4a").write_bytes(b"x")
    (tmp_path / "chat.md").write_text((CHATS / "signal_chat.md").read_text(encoding="utf-8"))
    loaded = only(tmp_path)
    voice = loaded.export.messages[2].attachment
    assert not voice.missing and voice.path == "media/2019-05-29_15-12-00_voice-note.m4a"
    assert loaded.files[voice.path] == tmp_path / voice.path
    assert loaded.export.messages[3].attachment.missing


def test_telegram_single_chat():
    loaded = only(CHATS / "telegram_result.json")
    assert loaded.export.container == "telegram-json"
    ms = loaded.export.messages
    assert len(ms) == 8
    assert ms[0].system and ms[0].sender == "Oleg"
    assert ms[2].text == "Look at this"
    assert ms[3].attachment.kind == "audio" and ms[3].attachment.missing  # not beside the fixture
    assert ms[4].text == "the car" and ms[4].attachment.kind == "image"
    assert ms[5].attachment.missing and ms[5].attachment.name is None
    assert ms[1].datetime == "2021-04-01T09:01:10" and ms[1].time_as_written == "2021-04-01T09:01:10"
    assert "forwarded from Max" in ms[6].note and "reply to message 4 (Oleg: audio_1@01-04-2021_09-03-00.ogg)" in ms[6].note
    assert ms[7].note == "location 51.5033, -0.1196" and ms[7].text == ""


def test_telegram_full_export_keeps_each_chat():
    loaded = only(CHATS / "telegram_full")
    assert [c.name for c in loaded.export.chats] == ["Oleg", "Crew"]
    crew = loaded.export.chats[1].messages
    assert crew[0].system and "create group" in crew[0].text
    assert crew[1].sender == "Nina"


def test_malformed_json_is_one_clear_line():
    with pytest.raises(ChatError) as err:
        load_export(CHATS / "telegram_broken.json")
    assert "malformed JSON" in str(err.value) and "\n" not in str(err.value)


def test_json_cut_short_is_read_to_the_cut_and_says_so():
    """telegram_malformed.json ends inside its second message (a copy cut short): session 21 reads the one
    message written whole and says where the file ends (it was a one-line refusal before)."""
    [chat] = load_export(CHATS / "telegram_malformed.json")[0].export.chats
    assert [(m.sender, m.system) for m in chat.messages] == [("Oleg", True), (None, True)]
    assert "cut short inside message 2 of its list" in chat.messages[-1].note


def test_a_malformed_message_or_chat_is_shown_and_the_rest_still_read(tmp_path):
    data = json.loads((CHATS / "telegram_full" / "result.json").read_text(encoding="utf-8"))
    data["chats"]["list"][1]["messages"].insert(1, ["not", "a", "message"])
    data["chats"]["list"].append({"name": "Broken", "messages": "gone"})
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    chats = only(path).export.chats
    assert [c.name for c in chats] == ["Oleg", "Crew", "Broken"]
    crew = chats[1].messages
    assert crew[1].system and crew[1].text == "" and '["not", "a", "message"]' in crew[1].note
    assert crew[2].sender == "Nina"  # the message after it, read as before
    assert "no list of messages" in chats[2].messages[0].note


def test_json_that_is_not_telegram(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"segments": []}))
    with pytest.raises(ChatError, match="not a Telegram export"):
        load_export(path)


@pytest.mark.parametrize("name", ["not_a_chat.txt"])
def test_a_file_with_no_recognisable_message(name):
    assert sniff_text((CHATS / name).read_text(encoding="utf-8"), name) is None
    with pytest.raises(ChatError, match="no recognisable chat message"):
        load_export(CHATS / name)


def _zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_whatsapp_zip_reads_the_chat_and_extracts_only_into_the_folder_given(tmp_path):
    chat = (CHATS / "whatsapp_android_en.txt").read_bytes()
    archive = _zip(tmp_path / "WhatsApp Chat with Dave.zip", {
        "WhatsApp Chat with Dave.txt": chat, "PTT-20240313-WA0004.opus": b"OggS voice",
        "IMG-20240313-WA0005.jpg": b"\xff\xd8 jpeg"})
    loaded = only(archive)
    assert loaded.export.container == "whatsapp-zip" and loaded.files == {}
    ms = loaded.export.messages
    assert not ms[4].attachment.missing and not ms[5].attachment.missing
    assert ms[6].attachment.missing
    root = tmp_path / "case" / "exports"
    [loaded] = load_export(archive, extract_root=root)
    out = root / hashlib.sha256(archive.read_bytes()).hexdigest()
    assert loaded.files == {"PTT-20240313-WA0004.opus": out / "PTT-20240313-WA0004.opus"}
    assert (out / "PTT-20240313-WA0004.opus").read_bytes() == b"OggS voice"
    assert not (out / "IMG-20240313-WA0005.jpg").exists()  # only audio and video are taken out


@pytest.mark.parametrize("bad", ["../evil.opus", "/etc/evil.opus", "a/../../evil.opus", "C:\\evil.opus"])
def test_zip_with_an_escaping_path_is_refused_whole(tmp_path, bad):
    archive = _zip(tmp_path / "chat.zip", {
        "_chat.txt": (CHATS / "whatsapp_android_en.txt").read_bytes(), bad: b"OggS"})
    out = tmp_path / "case"
    with pytest.raises(ChatError, match="escapes its folder"):
        load_export(archive, extract_root=out)
    assert not out.exists() and not (tmp_path / "evil.opus").exists()


def test_zip_bomb_is_refused(tmp_path):
    archive = _zip(tmp_path / "bomb.zip", {
        "_chat.txt": (CHATS / "whatsapp_android_en.txt").read_bytes(),
        "PTT-20240313-WA0004.opus": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(ChatError, match="zip bomb"):
        load_export(archive, extract_root=tmp_path / "case")
    assert not (tmp_path / "case").exists()
    with zipfile.ZipFile(archive) as z, pytest.raises(ChatError, match="uncompressed"):
        check(z, "bomb.zip", Limits(total_bytes=1024, ratio=1e9))


def test_zip_without_a_chat(tmp_path):
    archive = _zip(tmp_path / "photos.zip", {"a.txt": b"just notes\nnothing else\n"})
    with pytest.raises(ChatError, match="no WhatsApp chat text"):
        load_export(archive)


def test_export_folder_with_media_beside_the_chat(tmp_path):
    (tmp_path / "WhatsApp Chat with Dave.txt").write_bytes((CHATS / "whatsapp_android_en.txt").read_bytes())
    (tmp_path / "PTT-20240313-WA0004.opus").write_bytes(b"OggS")
    loaded = only(tmp_path)
    assert loaded.original == tmp_path / "WhatsApp Chat with Dave.txt"
    assert loaded.files == {"PTT-20240313-WA0004.opus": tmp_path / "PTT-20240313-WA0004.opus"}
    assert loaded.export.messages[5].attachment.missing  # the photo is not there


HEADER_LAYOUTS = [
    "%m/%d/%y, %H:%M - {name}:", "[%d/%m/%y, %H:%M:%S] {name}:", "%d-%m-%y %H:%M - {name}:",
    "[%d-%m-%y %H:%M:%S] {name}:", "[%m/%d/%y, %H:%M:%S] {name}:", "%d/%m/%y, %H:%M \u2013 {name}:",
    "%d.%m.%y, %H:%M \u2013 {name}:", "%m.%d.%y %H:%M - {name}:", "[%d/%m/%y, %I:%M:%S %p] {name}:",
    "[%m/%d/%y %H:%M:%S] {name}:", "%m-%d-%y, %H:%M , {name}:", "%d/%m/%y, %H:%M , {name}:",
    "[%d.%m.%y %H:%M:%S] {name}:", "[%Y/%m/%d %H:%M] {name}:", "%Y-%m-%d, %H:%M - {name}:",
    "[%Y-%m-%d %H:%M:%S] {name}:", "%d.%m.%Y klo %H.%M.%S - {name}:", "%d. %m. %Y. %H:%M:%S {name}:",
    "%d/%m/%Y, %I:%M:%S %p {name}:", "%d.%m.%y %H.%M.%S: {name}:", "%d/%m/%Y \u00e0 %H:%M - {name}:",
    "%m/%d/%y, %I:%M\u202f%p - {name}:", "\u200e[%d.%m.%y, %H:%M:%S] {name}:", "[%m/%Y/%d, %H:%M:%S] {name}:",
]


@pytest.mark.parametrize("layout", HEADER_LAYOUTS)
def test_header_layouts_from_public_parser_lists(layout):
    from datetime import datetime

    moments = [datetime(2017, 3, 16, 13, 45, 30), datetime(2017, 3, 17, 8, 5, 9)]
    lines = [moments[0].strftime(layout).format(name="Sample User") + " Hello: world",
             "second line", moments[1].strftime(layout).format(name="+1 555 0100") + " ok"]
    ms = parse_text("\n".join(lines) + "\n", "x.txt")[0].messages
    assert [(m.sender, m.text) for m in ms] == [("Sample User", "Hello: world\nsecond line"),
                                                ("+1 555 0100", "ok")]
    seconds = "%S" in layout
    assert [m.datetime for m in ms] == [
        (t if seconds else t.replace(second=0)).isoformat() for t in moments]


def test_a_typed_date_at_the_start_of_a_line_stays_in_its_message_a_pasted_header_is_kept_apart():
    """A line Anna typed starting with a date and a time was cut out of her message as a record with
    no sender; a header of another layout naming its own sender (a message pasted in) stays apart."""
    text = ("12/03/2024, 21:14 - Anna: Plan:\n13/03/2024 10:00 meeting at the depot\n"
            "[01/03/2024, 09:00:00] Tom: the drop is at 9\n"
            "12/03/2024, 21:15 - Bob: ok\n12/03/2024, 21:16 - Bob: fine\n")
    first, pasted, ok, fine = parse_text(text, "x.txt")[0].messages
    assert first.text == "Plan:\n13/03/2024 10:00 meeting at the depot" and first.sender == "Anna"
    assert pasted.sender is None and not pasted.system and "not recognised" in pasted.note
    assert pasted.text == "[01/03/2024, 09:00:00] Tom: the drop is at 9"
    assert (ok.sender, fine.sender) == ("Bob", "Bob")


def test_a_chat_opening_with_a_long_message_is_still_a_chat():
    text = "12/03/2024, 21:14 - Anna: " + "\n".join(f"line {i}" for i in range(60)) + \
        "\n13/03/2024, 08:00 - Bob: ok\n13/03/2024, 08:01 - Anna: good\n"
    assert sniff_text(text, "x.txt") == "whatsapp"
    assert len(parse_text(text, "x.txt")[0].messages) == 3


def test_edited_marker_and_shared_location():
    text = ("[12/03/2024, 21:14:05] Anna: see you at 8 <This message was edited>\n"
            "[13/03/2024, 21:15:00] Anna: \u200eLocation: https://maps.google.com/?q=51.5,-0.1\n"
            "[13/03/2024, 21:16:00] Jonas: bis morgen <Diese Nachricht wurde bearbeitet>\n")
    edited, location, german = parse_text(text, "x.txt")[0].messages
    assert edited.text == "see you at 8" and "edited" in edited.note
    assert not location.system and location.text.startswith("Location: https://")
    assert german.text == "bis morgen" and "bearbeitet" in german.note


def test_arabic_comma_and_evening_marker():
    android = "\u200f١٦\u200f/١\u200f/٢٠٢١، ١١:٠٩ م - علي: مساء الخير\n"
    ios = "[١٧\u200f/١\u200f/٢٠٢١، ٩:٠٠:٠٠ ص] سارة: صباح الخير\n"
    [first] = parse_text(android, "ar.txt")[0].messages
    [second] = parse_text(ios, "ar.txt")[0].messages
    assert (first.sender, first.datetime) == ("علي", "2021-01-16T23:09:00")
    assert (second.sender, second.datetime) == ("سارة", "2021-01-17T09:00:00")


def test_signal_sigtop_text_export():
    loaded = only(CHATS / "signal_sigtop.txt")
    assert loaded.export.container == "signal"
    [chat] = loaded.export.chats
    assert chat.name == "Alice (+31612345678)"
    ms = chat.messages
    assert [m.sender for m in ms] == ["Alice (+31612345678)", "You", "Alice (+31612345678)",
                                      "Alice (+31612345678)", None, "You"]
    assert ms[0].text == "Hoi, waar ben je?" and ms[0].datetime == "2021-01-31T12:00:00+01:00"
    assert ms[0].time_as_written == "Sun, 31 Jan 2021 12:00:00 +0100"
    assert ms[1].text == "Bij het station.\nKom je?"
    assert ms[2].attachment.name == "voice-note.m4a" and ms[2].attachment.kind == "audio" and ms[2].text == ""
    assert ms[3].text == "De auto" and ms[3].attachment.kind == "image"
    assert ms[3].note.startswith("reply to You")
    assert ms[4].system and ms[4].text == "[group-v2-change message]"
    assert ms[5].text == "Tot zo, om acht uur" and "edited" in ms[5].note


def test_signal_sigtop_short_export():
    loaded = only(CHATS / "signal_sigtop_short.txt")
    assert loaded.export.container == "signal"
    ms = loaded.export.messages
    assert [m.sender for m in ms] == ["Alice", "You", "Alice", "Alice", "Alice"]
    assert ms[1].text == "Bij het station.\nKom je?" and ms[1].datetime == "2021-01-31T12:01:00"
    assert ms[2].attachment.missing and ms[2].text == ""
    assert ms[3].text == "De auto" and ms[3].attachment is not None
    assert ms[4].system


def test_a_folder_of_exports_reads_each_zip_and_chat_file(tmp_path):
    _zip(tmp_path / "WhatsApp Chat with Dave.zip", {"_chat.txt": (CHATS / "whatsapp_ios_de.txt").read_bytes()})
    (tmp_path / "notes.txt").write_text("nothing to see\n", encoding="utf-8")
    (tmp_path / "chat.md").write_text((CHATS / "signal_chat.md").read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load_export(tmp_path)
    assert sorted(item.export.container for item in loaded) == ["signal", "whatsapp-zip"]
    zipped = next(item for item in loaded if item.export.container == "whatsapp-zip")
    assert zipped.export.chats[0].name == "WhatsApp Chat with Dave" and len(zipped.export.messages) == 6


def test_telegram_html_export_over_two_pages(tmp_path):
    loaded = only(CHATS / "telegram_html")
    assert loaded.export.container == "telegram-html"
    assert loaded.original.name == "messages.html"
    [chat] = loaded.export.chats
    assert chat.name == "Oleg"
    note, hello, voice, photo, video = chat.messages
    assert note.system and note.text == "Oleg created group «Crew»" and note.datetime is None
    assert (hello.sender, hello.text) == ("Oleg", "Привет, ты где?\nЯ у вокзала.")
    assert hello.datetime == "2021-04-01T09:01:10+03:00"
    assert voice.sender == "Oleg" and voice.attachment.kind == "audio"  # "joined": same sender as above
    assert photo.sender == "Nina" and photo.text == "the car" and photo.attachment.kind == "image"
    assert video.sender == "Nina" and video.attachment.missing and video.attachment.name is None
    copy = tmp_path / "export"
    shutil.copytree(CHATS / "telegram_html", copy)
    (copy / "voice_messages").mkdir()
    (copy / "voice_messages" / "audio_1@01-04-2021_09-03-00.ogg").write_bytes(b"OggS")
    voice = only(copy).export.messages[2].attachment
    assert not voice.missing and voice.path == "voice_messages/audio_1@01-04-2021_09-03-00.ogg"
