"""Chat exports as phones write them (sixth round): the app's own words in the languages not read
before (a deletion, a missed call, a file left out, an edit, in Finnish, Danish, Swedish, Czech,
Hungarian, Greek, Vietnamese, Japanese...), ...

Each export is built here the way the app writes it.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.core.chats import load_export
from app.core.errors import ChatError
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA, REPO

TELEGRAM_HTML = REPO / "tests" / "fixtures" / "chats" / "telegram_html"


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    return loaded_messages(tmp_path, text, name)


def test_deletions_calls_files_left_out_and_edits_in_more_languages_are_the_apps_words(tmp_path):
    """`Tämä viesti poistettiin` (Finnish: this message was deleted) was kept as Anna's words, to be
    translated and searched as hers; `<Media jätetty pois>` as her text, no file said missing."""
    messages = _messages(tmp_path, (
        "15.1.2024 klo 21.05 - Anna: Hei\n"
        "15.1.2024 klo 21.06 - Anna: Tämä viesti poistettiin\n"
        "15.1.2024 klo 21.07 - Bob: Poistit tämän viestin\n"
        "15.1.2024 klo 21.08 - Anna: <Media jätetty pois>\n"
        "15.1.2024 klo 21.09 - Bob: Vastaamaton äänipuhelu\n"
        "15.1.2024 klo 21.10 - Anna: Nähdään huomenna <Tätä viestiä on muokattu>\n"
        "15.1.2024 klo 21.11 - Bob: Denne besked er blevet slettet\n"
        "15.1.2024 klo 21.12 - Bob: \u200eTato zpráva byla smazána\n"
        "15.1.2024 klo 21.13 - Anna: \u200ebillede udeladt\n"
        "15.1.2024 klo 21.14 - Anna: \u200eYhteystietokortti jätettiin pois\n"
        "15.1.2024 klo 21.15 - Bob: Tin nhắn này đã bị xóa\n"
        "15.1.2024 klo 21.16 - Bob: このメッセージは削除されました。\n"
        "15.1.2024 klo 21.17 - Anna: Αυτό το μήνυμα διαγράφηκε\n"
        "15.1.2024 klo 21.18 - Anna: Ez az üzenet törlésre került\n"
        "15.1.2024 klo 21.19 - Anna: Kirjoitin että viesti poistettiin eilen\n"
    ))
    assert [m.system for m in messages] == [False, True, True, False, True, False, True, True, False, False,
                                           True, True, True, True, False]
    assert messages[0].text == "Hei" and messages[14].text == "Kirjoitin että viesti poistettiin eilen"
    left_out = [messages[i].attachment for i in (3, 8, 9)]
    assert all(a is not None and a.missing and a.name is None for a in left_out)
    assert [a.kind for a in left_out] == ["other", "image", "document"]
    assert messages[5].text == "Nähdään huomenna" and "Tätä viestiä on muokattu" in messages[5].note
    assert all(m.sender in ("Anna", "Bob") for m in messages)


def _telegram_json(folder: Path, messages: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "result.json"
    path.write_text(json.dumps({"name": "Oleg", "type": "personal_chat", "id": 7, "messages": messages},
                               ensure_ascii=False), encoding="utf-8")
    return path


def test_a_telegram_json_time_carries_the_offset_its_html_export_says(tmp_path):
    """Telegram Desktop writes the exporting computer's local time (`date`) and the moment itself
    (`date_unixtime`); the JSON reading kept only the local time, so the same message exported as
    HTML (`UTC+03:00`) and as JSON had two different moments and was never found to be one."""
    [html] = load_export(TELEGRAM_HTML / "messages.html")
    said = next(m for m in html.export.messages if m.text.startswith("Привет"))
    moment = datetime(2021, 4, 1, 6, 1, 10, tzinfo=timezone.utc).timestamp()
    path = _telegram_json(tmp_path / "json", [
        {"id": 1, "type": "message", "date": "2021-04-01T09:01:10", "date_unixtime": str(int(moment)),
         "from": "Oleg", "text": said.text},
        {"id": 2, "type": "message", "date": "2021-04-01T09:02:00", "date_unixtime": "not a number",
         "from": "Oleg", "text": "?"},
        {"id": 3, "type": "message", "date": "2021-04-01T09:03:00", "date_unixtime": str(int(moment) + 7),
         "from": "Oleg", "text": "!"}])
    [loaded] = load_export(path)
    first, unreadable, odd = loaded.export.messages
    assert first.datetime == said.datetime == "2021-04-01T09:01:10+03:00"
    assert first.time_as_written == "2021-04-01T09:01:10"  # as written, kept
    assert unreadable.datetime == "2021-04-01T09:02:00"  # no moment to take the offset from
    assert odd.datetime == "2021-04-01T09:03:00"  # no offset a clock has (2 min 53 s): none invented


def test_a_telegram_contact_is_its_card_file_and_a_place_its_name(tmp_path):
    """A contact shared in a Telegram JSON export comes with its card (`contacts/contact_1.vcf`):
    that file was neither linked to its message nor counted among the files no message names.
    A venue's name and address, a self-destructing photo and a bot's message were not said."""
    folder = tmp_path / "ChatExport_2024-01-20"
    (folder / "contacts").mkdir(parents=True)
    (folder / "contacts" / "contact_1.vcf").write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Carl\nEND:VCARD\n")
    (folder / "contacts" / "contact_2.vcf").write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Dora\nEND:VCARD\n")
    path = _telegram_json(folder, [
        {"id": 1, "type": "message", "date": "2024-01-15T21:08:30", "from": "Anna", "text": "",
         "contact_information": {"first_name": "Carl", "last_name": "", "phone_number": "+447700900123"},
         "contact_vcard": "contacts/contact_1.vcf", "contact_vcard_file_size": 48},
        {"id": 2, "type": "message", "date": "2024-01-15T21:10:00", "from": "Anna", "text": "",
         "location_information": {"latitude": 51.5, "longitude": -0.12}, "place_name": "Depot",
         "address": "1 Road St"},
        {"id": 3, "type": "message", "date": "2024-01-15T21:14:00", "from": "Bob", "text": "",
         "photo": "(File not included. Change data exporting settings to download.)",
         "self_destruct_period_seconds": 10},
        {"id": 4, "type": "message", "date": "2024-01-15T21:15:00", "from": "Bob", "via_bot": "@gif",
         "text": "funny"}])
    [loaded] = load_export(folder)
    card, place, photo, bot, unnamed = loaded.export.messages
    assert card.attachment is not None and not card.attachment.missing
    assert card.attachment.path == "contacts/contact_1.vcf" and "contacts/contact_1.vcf" in loaded.files
    assert "contact Carl" in card.note
    assert unnamed.attachment is not None and unnamed.attachment.path == "contacts/contact_2.vcf"
    assert loaded.export.accounting().endswith("1 file(s) no message names (kept in the chat)")
    assert place.note == "location 51.5, -0.12 (Depot, 1 Road St)"
    assert photo.attachment.missing and "self-destructing after 10 s" in photo.note
    assert bot.text == "funny" and bot.note == "sent via @gif"
    assert path.is_file()


def test_an_ios_groups_notes_are_written_under_its_name_which_is_no_sender(tmp_path):
    """iOS writes a group's notes under the group's name ("Crew: ‎Anna created group"): Crew was
    a sender of the chat, as if a member; the same group exported from Android names no one."""
    lrm = "\u200e"
    messages = _messages(tmp_path, (
        f"[15/01/2024, 21:05:12] Crew: {lrm}Messages and calls are end-to-end encrypted. Only people in this "
        "chat can read, listen to, or share them.\n"
        f"{lrm}[15/01/2024, 21:05:12] Crew: {lrm}Anna created group “Crew”\n"
        f"{lrm}[15/01/2024, 21:06:00] Crew: {lrm}+44 7700 900123 changed their phone number to a new number. "
        f"{lrm}Tap to message or add the new number.\n"
        "[15/01/2024, 21:07:00] +44 7700 900456: new phone\n"
        f"[15/01/2024, 21:07:30] Anna: {lrm}Missed voice call\n"
        "[15/01/2024, 21:08:30] Bob: Live location shared\n"
        f"{lrm}[15/01/2024, 21:11:00] Crew: {lrm}Bob left\n"), "WhatsApp Chat - Crew.txt")
    assert [m.sender for m in messages] == [None, None, None, "+44 7700 900456", "Anna", "Bob", None]
    assert all(m.system for m in messages[:3]) and "'Crew'" in messages[1].note
    assert messages[4].system and messages[5].system  # a call Anna missed; the app's words for a live location
    assert messages[6].text == "Bob left" and messages[6].system
    one_to_one = _messages(tmp_path, (  # Anna's name writes only the app's notes, none of them a group's
        f"[15/01/2024, 21:05:12] Anna: {lrm}Messages and calls are end-to-end encrypted.\n"
        f"[15/01/2024, 21:06:00] Anna: {lrm}Missed voice call\n"
        "[15/01/2024, 21:07:00] Bob: hello?\n"), "WhatsApp Chat - Anna.txt")
    assert [m.sender for m in one_to_one] == ["Anna", "Anna", "Bob"]


def _e2ee_thread(folder: Path, name: str, messages: list[dict]) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"participants": ["Anna Müller", name.split("_")[0]], "threadName": name,
                                "messages": messages}, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_messenger_end_to_end_encrypted_chats_download_is_read_and_its_voice_clip_transcribable(tmp_path):
    """Messenger's chats are end-to-end encrypted since 2024 and download in another shape (one JSON
    per chat, `senderName`, `timestamp`, `media[{uri: ./media/<uuid>.m4a}]`): it was 'not a Telegram
    export' given alone, and a folder of them held 'no chat export'. Two chats share one media/ folder:
    each chat's files are its own, never the other's unnamed ones."""
    folder = tmp_path / "messages"
    (folder / "media").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", folder / "media" / "3f2a9c1e-0001.m4a")
    (folder / "media" / "4444-carl.jpeg").write_bytes(b"\xff\xd8\xff" + bytes(64))
    (folder / "media" / "5555-nobody.jpeg").write_bytes(b"\xff\xd8\xff" + bytes(65))
    bob = _e2ee_thread(folder, "Bob_40", [  # listed as the download lists them: not in time order
        {"isUnsent": False, "media": [{"uri": "./media/3f2a9c1e-0001.m4a"}], "reactions": [],
         "senderName": "Bob", "text": "", "timestamp": 1709287960000, "type": "media"},
        {"isUnsent": False, "media": [], "reactions": [{"actor": "Bob", "reaction": "\u2764"}],
         "senderName": "Anna Müller", "text": "wo bist du?", "timestamp": 1709287953000, "type": "text"},
        {"isUnsent": True, "media": [], "reactions": [], "senderName": "Bob", "text": "",
         "timestamp": 1709287970000, "type": "placeholder"}])
    _e2ee_thread(folder, "Carl_41", [
        {"isUnsent": False, "media": [{"uri": "./media/4444-carl.jpeg"}], "reactions": [],
         "senderName": "Carl", "text": "pic", "timestamp": 1709287000000, "type": "media"}])
    [alone] = load_export(bob)
    assert alone.export.container == "messenger-json" and alone.export.chats[0].name == "Bob_40"
    asked, clip, unsent = alone.export.messages[:3]
    assert (asked.sender, asked.text, asked.datetime) == ("Anna Müller", "wo bist du?", "2024-03-01T10:12:33+00:00")
    assert "reactions: \u2764 Bob" in asked.note
    assert clip.sender == "Bob" and clip.attachment.kind == "audio" and clip.attachment.playable
    assert clip.attachment.path == "media/3f2a9c1e-0001.m4a" and "media/3f2a9c1e-0001.m4a" in alone.files
    assert unsent.system and "unsent" in unsent.note
    both = {loaded.export.chats[0].name: loaded for loaded in load_export(folder)}
    assert set(both) == {"Bob_40", "Carl_41"}
    unnamed = [m.attachment.path for m in both["Bob_40"].export.messages if m.sender is None and m.attachment]
    assert unnamed == ["media/5555-nobody.jpeg"]  # Carl's photo is Carl's, named by his chat
    assert [m.attachment.path for m in both["Carl_41"].export.messages if m.attachment] == ["media/4444-carl.jpeg"]


def test_a_chat_sent_as_a_document_deep_in_an_android_extraction_is_read_and_deeper_ones_said(tmp_path):
    """Android keeps a chat export sent as a document ten folders below an extraction's root; folders
    were searched 8 deep, so that chat was passed over without a word (and so was any deeper)."""
    dump = tmp_path / "dump"
    sent = dump.joinpath("data", "media", "0", "Android", "media", "com.whatsapp", "WhatsApp", "Media",
                         "WhatsApp Documents", "Sent")
    sent.mkdir(parents=True)
    (sent / "WhatsApp Chat with Anna.txt").write_text("15/01/2024, 21:06 - Anna: deep\n15/01/2024, 21:07 - Bob: ok\n",
                                                      encoding="utf-8")
    deeper = dump.joinpath(*"abcdefghijklmnopq")
    deeper.mkdir(parents=True)
    (deeper / "WhatsApp Chat with Dora.txt").write_text("15/01/2024, 21:06 - Dora: deeper\n", encoding="utf-8")
    refused: list = []
    [anna] = load_export(dump, refused=refused)
    assert [m.text for m in anna.export.messages] == ["deep", "ok"]
    [said] = refused
    assert said.path == str(dump) and "1 folder(s) more than 16 levels down not searched" in said.reason
    assert "(the first: a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q)" in said.reason


def test_an_empty_chat_file_is_said_to_be_empty(tmp_path):
    """A chat file of 0 bytes (an export cut off before its first byte was written) was 'not a
    WhatsApp, Signal or Telegram export', as if of another kind."""
    empty = tmp_path / "WhatsApp Chat with Empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "WhatsApp Chat with Blank.txt"
    blank.write_bytes(b"\xef\xbb\xbf\r\n\r\n")
    with pytest.raises(ChatError) as zero:
        load_export(empty)
    assert zero.value.reason == "empty file (0 bytes)"
    with pytest.raises(ChatError) as blanks:
        load_export(blank)
    assert blanks.value.reason == "empty: no chat message in this file (nothing but blanks)"


def test_a_persian_phones_solar_hijri_dates_are_given_their_gregorian_date(tmp_path):
    """A phone set to Persian writes its dates in Persian digits and the Solar Hijri calendar
    (۱۴۰۲/۱۲/۲۹ is 19 March 2024): the chat had no date-time at all. Across Nowruz, a leap year's
    30 Esfand (1403) and 22 Bahman 1358 (11 February 1980) too. Latin digits that could be
    another calendar's year stay without a date, as before."""
    messages = _messages(tmp_path, (
        "۱۳۵۸/۱۱/۲۲، ۱۰:۰۰ - علی: سالگرد\n"
        "۱۴۰۲/۱۲/۲۹، ۲۳:۵۹ - علی: سال نو مبارک\n"
        "۱۴۰۳/۰۱/۰۱، ۰۰:۰۱ - رضا: \u200fمرسی\n"
        "۱۴۰۳/۱۲/۳۰، ۹:۰۵ ب.ظ - رضا: آخر سال\n"), "WhatsApp Chat with Ali.txt")
    assert [m.datetime for m in messages] == ["1980-02-11T10:00:00", "2024-03-19T23:59:00",
                                              "2024-03-20T00:01:00", "2025-03-20T21:05:00"]
    assert messages[1].note == "Persian (Solar Hijri) date 1402/12/29 read as its Gregorian date"
    assert messages[1].time_as_written == "۱۴۰۲/۱۲/۲۹، ۲۳:۵۹"  # as written
    latin = _messages(tmp_path, "1402/10/25, 21:05 - Ali: salam\n1402/10/25, 21:06 - Reza: ok\n", "fa.txt")
    assert [m.datetime for m in latin] == [None, None] and "1402" in latin[0].note


def test_a_contact_in_a_telegram_html_export_says_the_name_and_number_its_card_shows(tmp_path):
    """A contact shared with its card (`<a class="... media_contact" href="contacts/contact_1.vcf">`)
    was only a document named contact_1.vcf: the name and number the page shows were lost (the JSON
    export of the same chat says them)."""
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "contact_1.vcf").write_text("BEGIN:VCARD\nFN:Carl Smith\nEND:VCARD\n")
    page = (TELEGRAM_HTML / "messages.html").read_text(encoding="utf-8").split('<div class="message service"')[0]
    (tmp_path / "messages.html").write_text(page + (
        '<div class="message default clearfix" id="message5"><div class="body">\n'
        '<div class="pull_right date details" title="15.01.2024 21:08:30 UTC+01:00">21:08</div>\n'
        '<div class="from_name">Anna</div>\n<div class="media_wrap clearfix">\n'
        '<a class="media clearfix pull_left block_link media_contact" href="contacts/contact_1.vcf">\n'
        '<div class="fill pull_left"></div>\n<div class="body"><div class="title bold">Carl Smith</div>'
        '<div class="status details">+44 7700 900123</div></div>\n</a>\n</div>\n</div>\n</div>\n'
        '</div></div></div></body></html>\n'), encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    [card] = loaded.export.messages
    assert card.sender == "Anna" and card.attachment.path == "contacts/contact_1.vcf"
    assert card.note == ("contact Carl Smith +44 7700 900123; contact card: Carl Smith; the text is the card's names "
                         "and numbers, as the file holds them") and card.text == "Carl Smith"


def test_a_contact_card_a_chat_carries_says_the_names_and_numbers_it_holds(tmp_path):
    """WhatsApp sends a contact as a vCard (`Carl Smith.vcf (file attached)`): the number shared was
    in the file only, so never read, searched or compared with the chat's other numbers."""
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;Carl;;;\r\nFN:Carl Smith\r\n"
            "item1.TEL;waid=447700900123:+44 7700 900123\r\nitem1.X-ABLabel:Mobile\r\nEND:VCARD\r\n")
    older = ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=89mile=20Dup=\r\n"
             "ont\r\nTEL;CELL:+33 6 12 34 56 78\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN:Roux;Léa;;;\r\n"
             "TEL;HOME:+33 1 23 45 67 89\r\nTEL;CELL:+33 7 00 00 00 01\r\nEND:VCARD\r\n")
    archive = tmp_path / "WhatsApp Chat with Bob.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat with Bob.txt", "15/01/2024, 21:09 - Bob: Carl Smith.vcf (file attached)\n"
                                                "15/01/2024, 21:10 - Bob: 2 contacts.vcf (file attached)\n"
                                                "15/01/2024, 21:11 - Bob: Broken.vcf (file attached)\n")
        z.writestr("Carl Smith.vcf", card)
        z.writestr("2 contacts.vcf", older.encode("utf-8"))
        z.writestr("Broken.vcf", b"\x00\x01 not a card")
    [zipped] = load_export(archive)
    carl, two, broken = zipped.export.messages
    assert carl.note.startswith("contact card: Carl Smith, +44 7700 900123; ") and carl.text == "Carl Smith, +44 7700 900123"
    assert two.note.startswith("contact card: Émile Dupont, +33 6 12 34 56 78; Léa Roux, +33 1 23 45 67 89, +33 7 00 00 00 01;")
    assert two.text == "Émile Dupont, +33 6 12 34 56 78\nLéa Roux, +33 1 23 45 67 89, +33 7 00 00 00 01"
    assert broken.note == "" and not broken.attachment.missing
    folder = tmp_path / "ios"
    folder.mkdir()
    (folder / "00000007-Carl Smith.vcf").write_text(card, encoding="utf-8")
    (folder / "_chat.txt").write_text("[15/01/2024, 21:08:00] Anna: \u200e<attached: 00000007-Carl Smith.vcf>\n"
                                      "[15/01/2024, 21:08:30] Anna: ok\n", encoding="utf-8")
    [beside] = load_export(folder / "_chat.txt")
    assert beside.export.messages[0].note.startswith("contact card: Carl Smith, +44 7700 900123")


def test_a_file_named_with_accents_by_a_mac_is_found_for_its_message(tmp_path):
    """A Mac writes a file's accented name decomposed (`E` and an accent, NFD), the chat composed
    (`É`, NFC): a voice note zipped or copied on a Mac was 'not in the export', and the same file
    kept apart as one no message names."""
    name = "00000007-AUDIO-Émile 2024-01-15.opus"
    chat = (f"[15/01/2024, 21:08:00] Anna: \u200e<attached: {unicodedata.normalize('NFC', name)}>\n"
            "[15/01/2024, 21:09:00] Anna: ok\n")
    archive = tmp_path / "WhatsApp Chat - Anna.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", chat)
        z.write(MEDIA / "en_voicenote.opus", unicodedata.normalize("NFD", name))
    folder = tmp_path / "copied"
    folder.mkdir()
    (folder / "_chat.txt").write_text(chat, encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / unicodedata.normalize("NFD", name))
    for export in (archive, folder / "_chat.txt"):
        [loaded] = load_export(export)
        note, _ = loaded.export.messages
        assert not note.attachment.missing and note.attachment.playable, export
        assert loaded.export.accounting() == ("1 attachment(s) named, 0 of them not in the export, "
                                              "0 file(s) no message names (kept in the chat)")


def test_an_ios_document_left_out_is_a_missing_file_named_as_the_chat_shows_it(tmp_path):
    """iOS names a document it left out before saying so ("Report.pdf • 3 pages document omitted"),
    and a round video message is a "video note": both were the app's note with no file said
    missing, so the accounting missed them."""
    lrm = "\u200e"
    messages = _messages(tmp_path, (
        f"[15/01/2024, 21:05:12] Anna: {lrm}Drinks S&H.pdf {lrm}• {lrm}1 page {lrm}document omitted\n"
        f"[15/01/2024, 21:05:13] Anna: {lrm}private.pdf document omitted\n"
        f"[15/01/2024, 21:05:14] Anna: {lrm}Vertrag.pdf • 2 Seiten Dokument weggelassen\n"
        f"[15/01/2024, 21:05:15] Anna: {lrm}Vertrag.pdf weggelassen\n"
        f"[15/01/2024, 21:05:16] Anna: {lrm}video note omitted\n"
        "[15/01/2024, 21:05:17] Anna: <Video note omitted>\n"
        "[15/01/2024, 21:05:18] Anna: the site example.com is down\n"), "_chat.txt")
    files = [m.attachment for m in messages[:6]]
    assert [(a.name, a.kind, a.missing) for a in files] == [
        ("Drinks S&H.pdf", "document", True), ("private.pdf", "document", True), ("Vertrag.pdf", "document", True),
        ("Vertrag.pdf", "document", True), (None, "video", True), (None, "video", True)]
    assert not any(m.system for m in messages) and all(m.text == "" for m in messages[:6])
    assert messages[6].attachment is None and messages[6].text == "the site example.com is down"


def test_the_same_chat_exported_from_android_and_from_iphone_is_found_to_be_one(case, tmp_path):
    """Android writes a message's minute (21:05), iOS its second (21:05:12): the same chat exported
    from both phones was never found to be one. A message of the same minute whose seconds both
    exports write, and differ, is another message."""
    from app.core.chats.intake import take_in
    from app.core.store.chats import echoes

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    android = evidence / "WhatsApp Chat with Bob.txt"
    android.write_text("15/01/2024, 21:05 - Anna: where are you?\n15/01/2024, 21:06 - Bob: at the depot\n"
                       "15/01/2024, 21:07 - Bob: ok\n", encoding="utf-8")
    iphone = evidence / "ios"
    iphone.mkdir()
    (iphone / "_chat.txt").write_text("[15/01/2024, 21:05:12] Anna: where are you?\n"
                                      "[15/01/2024, 21:06:59] Bob: at the depot\n", encoding="utf-8")
    other = evidence / "ios2"
    other.mkdir()
    (other / "_chat.txt").write_text("[15/01/2024, 21:05:40] Anna: where are you?\n", encoding="utf-8")
    [taken_android] = take_in(case, android)
    [taken_iphone] = take_in(case, iphone / "_chat.txt")
    [taken_other] = take_in(case, other / "_chat.txt")
    found = echoes(case, taken_iphone.exhibit_id)
    assert [sorted((e.exhibit_id, e.index) for e in echo) for echo in found.values()] == [
        [(taken_android.exhibit_id, 0)], [(taken_android.exhibit_id, 1)]]  # never ios2's 21:05:40
    assert len(echoes(case, taken_android.exhibit_id)) == 2
    assert [e.exhibit_id for echo in echoes(case, taken_other.exhibit_id).values() for e in echo] == [
        taken_android.exhibit_id]
