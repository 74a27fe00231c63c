"""Chat exports (session 21): line ends, layouts and app notes the readers met for the first time.

Each test builds its export as a small text and reads it as `timeline` does (`load_export`).
"""

from __future__ import annotations

from pathlib import Path

from app.core.chats import load_export


def _messages(tmp_path: Path, data: bytes | str, name: str = "chat.txt"):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    [loaded] = load_export(path)
    [chat] = loaded.export.chats
    return chat.messages


def test_a_chat_of_mixed_line_ends_is_read_whole_not_an_unexpected_error(tmp_path):
    """Before: a lone carriage return (a file edited on an old Mac, or lines joined from two tools) made the Viber
    reader's CSV check raise, and `timeline` said "unexpected error" for a WhatsApp chat it reads."""
    data = ("\ufeff13/06/2024, 21:05 - Anna: Hello\r\n13/06/2024, 21:06 - Bob: Hi\r\nsecond line\n"
            "13/06/2024, 21:07 - Anna: ok\r14/06/2024, 09:08 - Bob: last\r\n").encode("utf-8")
    messages = _messages(tmp_path, data)
    assert [(m.sender, m.text, m.datetime) for m in messages] == [
        ("Anna", "Hello", "2024-06-13T21:05:00"), ("Bob", "Hi\nsecond line", "2024-06-13T21:06:00"),
        ("Anna", "ok", "2024-06-13T21:07:00"), ("Bob", "last", "2024-06-14T09:08:00")]
    old_mac = _messages(tmp_path, b"13/06/2024, 21:05 - Anna: Hello\r13/06/2024, 21:06 - Bob: Hi\r", "mac.txt")
    assert [(m.sender, m.text) for m in old_mac] == [("Anna", "Hello"), ("Bob", "Hi")]


def test_a_viber_csv_with_a_lone_carriage_return_is_read(tmp_path):
    data = ("13/06/2024,21:05:00,Anna,+447700900123,Hello there\r"
            "13/06/2024,21:06:00,Bob,+447700900456,Hi\r\n13/06/2024,21:07:00,Anna,+447700900123,ok\n")
    messages = _messages(tmp_path, data, "viber.csv")
    assert [(m.sender, m.text) for m in messages] == [
        ("Anna (+447700900123)", "Hello there"), ("Bob (+447700900456)", "Hi"), ("Anna (+447700900123)", "ok")]


def test_time_first_lines_with_neither_brackets_nor_a_dash_are_messages(tmp_path):
    """Before: "21:05 13/06/2024 Anna: text" (time first, no bracket, no dash) was no chat at all."""
    messages = _messages(tmp_path, "21:05 13/06/2024 Anna: Hello there\n21:06 13/06/2024 Bob: Fine: thanks\n"
                                   "and you?\n21:07 13/06/2024 Messages are end-to-end encrypted\n"
                                   "9:08 14/06/2024 Anna: 👍\n")
    assert [(m.sender, m.text, m.datetime, m.system) for m in messages] == [
        ("Anna", "Hello there", "2024-06-13T21:05:00", False),
        ("Bob", "Fine: thanks\nand you?", "2024-06-13T21:06:00", False),
        (None, "Messages are end-to-end encrypted", "2024-06-13T21:07:00", True),
        ("Anna", "👍", "2024-06-14T09:08:00", False)]
    twelve = _messages(tmp_path, "9:05 PM 6/13/2024 Anna: hi\n9:06 PM 6/13/2024 Bob: yo\n10:01 AM 6/14/2024 Anna: x\n",
                       "us.txt")
    assert [m.datetime for m in twelve] == ["2024-06-13T21:05:00", "2024-06-13T21:06:00", "2024-06-14T10:01:00"]


def test_a_non_english_number_change_in_a_group_is_said(tmp_path):
    """Before: in a group (more than two people) the app's note of a number change in German, Spanish, Russian...
    said nothing, the old and new numbers two strangers; "added" between two numbers is still no change."""
    group = _messages(tmp_path, "13.06.24, 21:05 - +49 151 23456789: hallo zusammen\n13.06.24, 21:05 - Anna: hey\n"
                                "13.06.24, 21:05 - Bo: yo\n13.06.24, 21:05 - Cem: moin\n"
                                "13.06.24, 21:06 - +49 151 23456789 hat zu +49 151 98765432 gewechselt.\n"
                                "13.06.24, 21:07 - +49 151 98765432: neue Nummer\n"
                                "13.06.24, 21:08 - +49 151 23456780 hat +49 151 22222222 hinzugefügt\n"
                                "13.06.24, 21:09 - +49 151 22222222: danke\n", "de.txt")
    assert group[4].note.startswith("a number change: +49 1512 3456789 writes before it, +49 1519 8765432 after it")
    assert group[5].note.endswith("+49 1519 8765432 is the number +49 1512 3456789 changed to (the app's note, message 5)")
    assert [m.note for m in group[6:]] == ["", "sender written as '+49 151 22222222'"]
    spanish = _messages(tmp_path, "13/06/24, 21:05 - +34 612 345 678: hola\n13/06/24, 21:05 - Ana: hey\n"
                                  "13/06/24, 21:05 - Bea: yo\n13/06/24, 21:05 - Carla: hola\n"
                                  "13/06/24, 21:06 - +34 612 345 678 cambió a +34 698 765 432\n"
                                  "13/06/24, 21:07 - +34 698 765 432: número nuevo\n", "es.txt")
    assert spanish[4].note.startswith("a number change:")
    assert "changed to (the app's note, message 5)" in spanish[5].note


def test_a_short_chat_from_two_phones_in_two_zones_is_found_to_be_one_by_its_voice_note(case, tmp_path):
    """Before: a shift between two phones' clocks needed 3 typed messages of 8 characters or more; a short chat
    (one such message, a voice note, "ok"s) from two phones an hour apart was two strangers' chats."""
    import shutil
    import zipfile

    from app.core.chats.intake import take_in
    from app.core.chats.timeline import build_timeline
    from tests.conftest import MEDIA

    alice = tmp_path / "alice" / "WhatsApp Chat with Bob Smith.txt"
    alice.parent.mkdir(parents=True)
    alice.write_text("13/03/2024, 10:11 - Alice: where are you now\n"
                     "13/03/2024, 10:12 - Bob Smith: PTT-20240313-WA0001.opus (file attached)\n"
                     "13/03/2024, 10:13 - Alice: ok\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", alice.parent / "PTT-20240313-WA0001.opus")
    bob = tmp_path / "WhatsApp Chat - Ali.zip"
    with zipfile.ZipFile(bob, "w") as z:
        z.writestr("_chat.txt", "[13/03/2024, 11:11:05] Ali: where are you now\n"
                   "[13/03/2024, 11:12:30] Bob: \u200e<attached: 00000012-AUDIO-2024-03-13-11-12-30.opus>\n"
                   "[13/03/2024, 11:13:10] Ali: ok\n[13/03/2024, 11:14:00] Bob: ok\n")
        z.write(MEDIA / "en_voicenote.opus", "00000012-AUDIO-2024-03-13-11-12-30.opus")
    [first] = take_in(case, alice)
    [second] = take_in(case, bob)
    entries = build_timeline(case, second.exhibit_id).entries
    assert [(e.sender, [(o.exhibit_id, o.index, o.shift_minutes) for o in e.also_in]) for e in entries] == [
        ("Ali", [(first.exhibit_id, 0, -60)]), ("Bob", [(first.exhibit_id, 1, -60)]),
        ("Ali", [(first.exhibit_id, 2, -60)]), ("Bob", [])]


def test_a_voice_note_forwarded_once_at_another_hour_finds_no_shift(case, tmp_path):
    """The same bytes alone (a voice note forwarded into another chat an hour later) make no clock shift."""
    import shutil

    from app.core.chats.intake import take_in
    from app.core.chats.timeline import build_timeline
    from tests.conftest import MEDIA

    paths = []
    for name, hour in (("one", "10"), ("two", "11")):
        path = tmp_path / name / "WhatsApp Chat.txt"
        path.parent.mkdir(parents=True)
        path.write_text(f"13/03/2024, {hour}:12 - Bob: PTT-20240313-WA0001.opus (file attached)\n"
                        f"13/03/2024, {hour}:13 - Carl: ok\n", encoding="utf-8")
        shutil.copy(MEDIA / "en_voicenote.opus", path.parent / "PTT-20240313-WA0001.opus")
        paths.append(path)
    take_in(case, paths[0])
    [second] = take_in(case, paths[1])
    assert [e.also_in for e in build_timeline(case, second.exhibit_id).entries] == [(), ()]


def test_file_attached_labels_in_cjk_thai_and_persian_are_read_without_a_whatsapp_named_file(tmp_path):
    """Before: "報告書.pdf (ファイル添付)", "voice 1.opus (ไฟล์แนบ)"... were the sender's words, the file not named
    nor looked for, unless a file of WhatsApp's own naming in the same chat taught the label."""
    (tmp_path / "voice 1.opus").write_bytes(b"")
    messages = _messages(tmp_path, "13/06/2024, 21:05 - Anna: Bericht.pdf (文件附件)\n"
                                   "13/06/2024, 21:06 - Bob: voice 1.opus (ไฟล์แนบ)\n"
                                   "13/06/2024, 21:07 - Anna: سند.pdf (پیوست فایل)\n"
                                   "13/06/2024, 21:08 - Bob: 報告書.pdf (ファイル添付)\n"
                                   "13/06/2024, 21:09 - Anna: 문서.pdf (파일 첨부)\n"
                                   "13/06/2024, 21:10 - Bob: <Média omis>\n"
                                   "13/06/2024, 21:11 - Anna: see notes.txt (later)\n")
    assert [(m.attachment.name, m.attachment.missing, m.text) if m.attachment else m.text for m in messages] == [
        ("Bericht.pdf", True, ""), ("voice 1.opus", False, ""), ("سند.pdf", True, ""), ("報告書.pdf", True, ""),
        ("문서.pdf", True, ""), (None, True, ""), "see notes.txt (later)"]


def test_a_telegram_channels_unsigned_posts_are_the_channels_and_saved_messages_is_named(tmp_path):
    """Before: a channel's post with no author ("from" absent, as Telegram writes unsigned posts) had no sender
    and nothing said why; the account's Saved Messages (no "name") was called by its id number."""
    import json

    channel = {"name": "News Channel", "type": "public_channel", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-06-13T21:06:00", "text": "First post", "text_entities": []},
        {"id": 2, "type": "message", "date": "2024-06-13T21:07:00", "from": "News Channel", "from_id": "channel1",
         "text": "Second", "text_entities": []}]}
    messages = _messages(tmp_path, json.dumps(channel), "result.json")
    assert [(m.sender, m.text, m.note) for m in messages] == [
        ("News Channel", "First post", ("a channel's post: the export names no author, so the channel is given as "
                                       "its sender")), ("News Channel", "Second", "")]
    group = dict(channel, type="private_group", name="Crew")
    assert next((m.sender, m.note) for m in _messages(tmp_path, json.dumps(group), "group.json")) == (
        None, "the export names no sender for this message")
    saved = {"type": "saved_messages", "id": 77, "messages": [
        {"id": 1, "type": "message", "date": "2024-06-13T21:06:00", "from": "Me", "from_id": "user1",
         "text": [{"type": "link", "text": "https://example.com/x"}], "text_entities": []}]}
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    [loaded] = load_export(path)
    assert [(c.name, [(m.sender, m.text) for m in c.messages]) for c in loaded.export.chats] == [
        ("Saved Messages", [("Me", "https://example.com/x")])]


def test_a_kakaotalk_csv_row_cut_short_is_kept_and_said_not_dropped(tmp_path):
    """Before: a row of KakaoTalk's CSV with fewer than three cells (a line broken or cut) vanished unsaid."""
    messages = _messages(tmp_path, 'Date,User,Message\n2024-06-13 21:05:00,"Anna","hi there"\n'
                                   '2024-06-13 21:06:00,"Bob"\n2024-06-13 21:07:00,"Anna","ok"\n', "kakao.csv")
    assert [(m.sender, m.text) for m in messages] == [
        ("Anna", "hi there"), (None, "2024-06-13 21:06:00,Bob"), ("Anna", "ok")]
    assert messages[1].note.startswith("a row of fewer than three cells")


def test_a_viber_row_without_its_date_and_time_is_kept_and_said_not_dropped(tmp_path):
    """Before: a row of Viber's CSV whose first cells were no date and time (a damaged or edited line) vanished."""
    messages = _messages(tmp_path, "13/06/2024,21:05:00,Anna,+447700900123,one\n"
                                   "13/06/2024,21:06:00,Bob,+447700900456,two\n"
                                   "13/06/2024,21:06:30,Anna,+447700900123,three\n"
                                   "13/06/2024,21:07:00,Bob,+447700900456,four\n"
                                   "??,21:08:00,Anna,+447700900123,five\n", "viber.csv")
    assert [(m.sender, m.text) for m in messages][3:] == [
        ("Bob (+447700900456)", "four"), (None, "??,21:08:00,Anna,+447700900123,five")]
    assert messages[4].note.startswith("a row without Viber's date and time first")


def test_a_telegram_export_cut_short_keeps_its_whole_messages_and_says_where_it_ends(tmp_path):
    """Before: a result.json cut short (a copy broken off) was one line, "malformed JSON", and none of its
    messages were read. Now every message written whole before the cut is read and a record says where it ends;
    JSON broken elsewhere (or cut before its messages) is still the one line."""
    import json

    import pytest

    from app.core.errors import ChatError

    chat = {"name": "Bob", "type": "personal_chat", "id": 5, "messages": [
        {"id": i, "type": "message", "date": f"2024-06-13T21:0{i}:00", "from": "Bob", "from_id": "user5",
         "text": f"message number {i}", "text_entities": []} for i in range(5)]}
    text = json.dumps(chat, indent=1, ensure_ascii=False)
    cut = text[: text.index('"message number 3"') + 5]
    messages = _messages(tmp_path, cut, "result.json")
    assert [(m.sender, m.text) for m in messages[:-1]] == [("Bob", f"message number {i}") for i in range(3)]
    assert messages[-1].sender is None and messages[-1].note.startswith(
        "the export ends here, cut short inside message 4 of its list")
    between = text[: text.index("{", text.index('"message number 2"'))]  # cut after a message's comma
    assert _messages(tmp_path, between, "between.json")[-1].note.startswith(
        "the export ends here, cut short after message 3 of its list")
    for broken in (text[:40], text.replace('"from": "Bob"', '"from" "Bob"', 1)):
        (tmp_path / "b.json").write_text(broken, encoding="utf-8")
        with pytest.raises(ChatError, match="malformed JSON"):
            load_export(tmp_path / "b.json")


def test_a_messenger_file_cut_short_keeps_its_newest_messages_and_says_the_older_are_lost(tmp_path):
    """Before: a message_1.json cut short was "malformed JSON" and none of it read."""
    import json

    page = {"participants": [{"name": "Bob"}, {"name": "Me"}], "title": "Bob", "messages": [
        {"sender_name": "Bob" if i % 2 else "Me", "timestamp_ms": 1718309100000 - 60000 * i,
         "content": f"message number {i}"} for i in range(5)]}
    text = json.dumps({"participants": page["participants"], "messages": page["messages"]}, indent=2)
    folder = tmp_path / "inbox" / "bob_123"
    folder.mkdir(parents=True)
    messages = _messages(folder, text[: text.index("message number 3") + 4], "message_1.json")
    assert [(m.sender, m.text) for m in messages[1:]] == [
        ("Me", "message number 2"), ("Bob", "message number 1"), ("Me", "message number 0")]
    assert messages[0].sender is None and "the 3 newest message(s), written whole before it, are read; the older " \
                                          "ones after the cut are not in the file" in messages[0].note


def test_a_telegram_html_page_opening_with_a_joined_message_says_its_sender_is_on_an_earlier_page(tmp_path):
    """Before: a page whose first message is "joined" (its sender named on the page before, not given) had no
    sender and nothing said why."""
    page = ('<html><body><div class="history">'
            '<div class="message default clearfix joined" id="message13"><div class="body">'
            '<div class="pull_right date details" title="01.04.2021 09:01:10 UTC+03:00">09:01</div>'
            '<div class="text">still here</div></div></div>'
            '<div class="message default clearfix" id="message14"><div class="body">'
            '<div class="pull_right date details" title="01.04.2021 09:02:10 UTC+03:00">09:02</div>'
            '<div class="from_name">Oleg</div><div class="text">ok</div></div></div>'
            '</div></body></html>')
    messages = _messages(tmp_path, page, "messages.html")
    assert [(m.sender, m.text) for m in messages] == [(None, "still here"), ("Oleg", "ok")]
    assert messages[0].note.startswith("its sender is named only on a message before it that is not in this file")
    assert messages[1].note == ""


def test_bulgarian_headers_with_the_years_abbreviation_are_messages_on_a_24_hour_clock(tmp_path):
    """Before: Bulgarian phones' "13.06.24 г., 21:05 - Anna:" (г. = year, then a comma) was no chat at all."""
    android = _messages(tmp_path, "13.06.24 г., 09:05 - Anna: здравей\n13.06.24 г., 09:06 - Bob: добре\n"
                                  "14.06.24 г., 10:06 - Bob: ok\n")
    assert [(m.sender, m.datetime, m.note) for m in android] == [
        ("Anna", "2024-06-13T09:05:00", ""), ("Bob", "2024-06-13T09:06:00", ""), ("Bob", "2024-06-14T10:06:00", "")]
    ios = _messages(tmp_path, "[13.06.24 г., 21:05:12] Anna: здравей\n[13.06.24 г., 21:06:00] Bob: ok\n", "i.txt")
    assert [(m.sender, m.datetime) for m in ios] == [("Anna", "2024-06-13T21:05:12"), ("Bob", "2024-06-13T21:06:00")]


def test_a_message_that_is_only_a_link_is_copied_into_the_translation_never_rewritten(tmp_path):
    """Before: a message of a web address alone went to the translation model, which rewrote it (an address that
    is not the one sent). Now links and emoji alone are copied as sent and flagged not translated; a message with
    words around its link is still translated."""
    from app.core.chats.translate import translate_messages
    from app.core.translation.engine import load_translator

    messages = _messages(tmp_path, "13/06/2024, 21:05 - Anna: https://example.com/a?b=1\n"
                                   "13/06/2024, 21:06 - Bob: www.example.org 👍\n"
                                   "13/06/2024, 21:07 - Anna: Zobacz to https://example.com/a\n")
    translator = load_translator(Path(__file__).resolve().parent / "fixtures" / "tiny_nllb", device="cpu")
    out = translate_messages(messages, translator, "pl", "en")
    assert [(o.text, o.flags) for o in out[:2]] == [
        ("https://example.com/a?b=1", ("not_translated",)), ("www.example.org 👍", ("not_translated",))]
    assert "not_translated" not in out[2].flags


def test_a_telegram_account_export_cut_short_keeps_its_whole_chats_and_the_cut_chats_whole_messages(tmp_path):
    """A full account export (chats.list) cut inside its second chat: the first chat whole, the second's whole
    messages, then a record saying where the file ends (before: "malformed JSON", nothing read)."""
    text = (Path(__file__).resolve().parent / "fixtures" / "chats" / "telegram_full" / "result.json").read_text(
        encoding="utf-8")
    import json

    whole = json.loads(text)
    second = whole["chats"]["list"][1]
    last_words = json.dumps(second["messages"][-1]["date"])
    cut = text[: text.index(last_words, text.index(json.dumps(second["name"]))) + 5]
    path = tmp_path / "result.json"
    path.write_text(cut, encoding="utf-8")
    [loaded] = load_export(path)
    first, cut_chat = loaded.export.chats
    assert first.name == whole["chats"]["list"][0]["name"] and len(first.messages) == len(
        whole["chats"]["list"][0]["messages"])
    assert cut_chat.name == second["name"] and len(cut_chat.messages) == len(second["messages"])  # n-1 and the cut
    assert cut_chat.messages[-1].sender is None and "cut short inside message" in cut_chat.messages[-1].note
    assert cut_chat.messages[-1].note.endswith("no later chat is in it")


def test_a_discord_json_cut_short_keeps_its_whole_messages_and_says_where_it_ends(tmp_path):
    """Before: DiscordChatExporter's JSON cut short was "malformed JSON", nothing read."""
    import json

    data = {"guild": {"id": "1", "name": "Direct Messages"}, "channel": {"id": "2", "name": "bob"},
            "messages": [{"id": str(i), "type": "Default", "timestamp": f"2024-06-13T21:0{i}:00+00:00",
                          "content": f"message number {i}", "author": {"id": "9", "name": "bob"},
                          "attachments": []} for i in range(4)], "messageCount": 4}
    text = json.dumps(data, indent=2)
    messages = _messages(tmp_path, text[: text.index("message number 2") + 3], "bob.json")
    assert [(m.sender, m.text) for m in messages[:-1]] == [("bob", "message number 0"), ("bob", "message number 1")]
    assert messages[-1].sender is None and "cut short inside message 3 of its list" in messages[-1].note


def test_a_google_chat_messages_json_cut_short_keeps_its_whole_messages_and_says_where_it_ends(tmp_path):
    import json

    data = {"messages": [{"creator": {"name": "Anna Smith", "email": "anna@example.com", "user_type": "Human"},
                          "created_date": f"Monday, January 15, 2024 at 9:0{i}:00 PM UTC",
                          "text": f"message number {i}", "topic_id": "t"} for i in range(3)]}
    text = json.dumps(data, indent=2)
    messages = _messages(tmp_path, text[: text.index("message number 2") + 3], "messages.json")
    assert [m.text for m in messages[:-1]] == ["message number 0", "message number 1"]
    assert "cut short inside message 3 of its list" in messages[-1].note


def test_files_left_out_in_thai_vietnamese_hindi_greek_croatian_and_traditional_chinese_are_said(tmp_path):
    """Before: these "<Media omitted>" lines were the sender's words, no file said to be left out."""
    lines = ["<ไม่รวมสื่อ>", "<Media bị bỏ qua>", "<मीडिया छोड़ दिया गया>", "<Πολυμέσα παραλείφθηκαν>",
             "<Mediji izostavljeni>", "<省略影音檔>", "<Media jätetty pois>"]
    text = "".join(f"13/06/2024, 21:0{i} - Anna: {line}\n" for i, line in enumerate(lines))
    messages = _messages(tmp_path, text + "13/06/2024, 21:09 - Bob: <qua đây>\n")
    assert [(m.attachment.missing, m.text) if m.attachment else m.text for m in messages] == [
        (True, "")] * len(lines) + ["<qua đây>"]


def test_an_iphone_chat_in_chinese_naming_files_with_a_full_width_colon_is_whatsapp_and_finds_them(tmp_path):
    """Before: "<附件：00000012-AUDIO-....opus>" (iOS in Chinese) made the chat a Threema export, the file's name
    read with its label ("附件：0000...") and the voice note beside it never found."""
    (tmp_path / "00000012-AUDIO-2024-06-13-21-05-00.opus").write_bytes(b"")
    messages = _messages(tmp_path, "[13/06/2024, 21:05:00] Anna: \u200e<附件：00000012-AUDIO-2024-06-13-21-05-00.opus>\n"
                                   "[13/06/2024, 21:06:00] Bob: \u200e<添付ファイル：00000013-PHOTO-2024-06-13-21-06-00.jpg>\n"
                                   "[13/06/2024, 21:07:00] Bob: 好的\n", "_chat.txt")
    path = tmp_path / "_chat.txt"
    assert load_export(path)[0].export.container == "whatsapp"
    assert [(m.attachment.name, m.attachment.missing) if m.attachment else m.text for m in messages] == [
        ("00000012-AUDIO-2024-06-13-21-05-00.opus", False), ("00000013-PHOTO-2024-06-13-21-06-00.jpg", True), "好的"]


def test_timeline_names_the_voice_notes_a_chat_names_that_are_not_in_the_export(tmp_path, capsys):
    """Before: `timeline` counted "1 of them not in the export" (photos left out counted alike) and never said
    which voice note could not be transcribed; `transcribe` did."""
    from app.cli.main import main

    chat = tmp_path / "evidence" / "WhatsApp Chat with Anna.txt"
    chat.parent.mkdir()
    chat.write_text("13/06/2024, 21:05 - Anna: hi\n13/06/2024, 21:06 - Anna: PTT-20240613-WA0001.opus (file attached)\n"
                    "13/06/2024, 21:07 - Anna: <Media omitted>\n", encoding="utf-8")
    status = main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert status == 0
    assert ("warning: 1 voice note(s) or video(s) the chat names are not in the export, so not transcribed "
            "(PTT-20240613-WA0001.opus); the timeline marks each \"MISSING from the export\"") in err


def test_a_hangouts_takeout_cut_short_keeps_its_whole_conversations_and_events(tmp_path):
    """Before: a Hangouts.json cut short (one file for every conversation, the likeliest to be cut) was
    "malformed JSON", nothing read."""
    import json

    def said(gaia: str, minute: int, words: str) -> dict:
        return {"sender_id": {"gaia_id": gaia}, "timestamp": str(1420070400000000 + minute * 60_000_000),
                "event_type": "REGULAR_CHAT_MESSAGE",
                "chat_message": {"message_content": {"segment": [{"type": "TEXT", "text": words}]}}}

    def conversation(name: str, words: list[str]) -> dict:
        return {"conversation": {"conversation": {"id": {"id": name}, "type": "GROUP", "name": name,
                                                  "participant_data": [{"id": {"gaia_id": "1"}, "fallback_name": "Bob"}]}},
                "events": [said("1", i, w) for i, w in enumerate(words)]}

    text = json.dumps({"conversations": [conversation("Depot", ["first", "second"]),
                                         conversation("Yard", ["one", "two", "three"])]}, indent=1)
    path = tmp_path / "Hangouts.json"
    path.write_text(text[: text.index('"three"') + 3], encoding="utf-8")
    [loaded] = load_export(path)
    depot, yard = loaded.export.chats
    assert [(c.name, [m.text for m in c.messages]) for c in (depot, yard)] == [
        ("Depot", ["first", "second"]), ("Yard", ["one", "two", ""])]
    assert yard.messages[-1].note.startswith("the export ends here, cut short inside message 3 of its list")
    assert yard.messages[-1].note.endswith("no later conversation is in it")
