"""Chat exports (session 22): exports cut short, and the app's words and names the readers met for the first time.

Each test builds its export as a small text and reads it as `timeline` does (`load_export`).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from app.core.chats import load_export


def _chats(path: Path):
    [loaded] = load_export(path)
    return loaded.export.chats


def _cut_after(text: str, words: str) -> str:
    """The text cut short a few characters into `words` (inside a message's JSON)."""
    return text[: text.index(words) + 3]


def _said_cut(note: str) -> bool:
    return "cut short" in note and "in the file" in note


def _telegram_account() -> str:
    def chat(name: str, kind: str, number: int, texts: list[str]) -> dict:
        return {"name": name, "type": kind, "id": number, "messages": [
            {"id": i + 1, "type": "message", "date": f"2024-01-01T10:0{i}:00", "from": name, "from_id": f"user{number}",
             "text": text} for i, text in enumerate(texts)]}

    return json.dumps({"about": "Telegram Desktop export", "personal_information": {"user_id": 1},
                       "chats": {"about": "chats", "list": [chat("Bob", "personal_chat", 5, ["hi", "how are you"])]},
                       "left_chats": {"about": "chats left", "list": [
                           chat("Old group", "private_group", 6, ["whole one", "cut one"]),
                           chat("Older group", "private_group", 7, ["never read"])]}}, indent=1)


def test_a_telegram_account_export_cut_among_its_chats_left_keeps_every_chat_and_says_where_it_ends(tmp_path):
    """Before: a full account export whose list of chats was whole, cut inside (or before) `left_chats`, was one
    line ("malformed JSON"), every chat of it lost; zipped, the same."""
    text = _telegram_account()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "result.json").write_text(_cut_after(text, "cut one"), encoding="utf-8")
    chats = _chats(tmp_path / "a" / "result.json")
    assert [(c.name, [m.text for m in c.messages]) for c in chats] == [
        ("Bob", ["hi", "how are you"]), ("Old group", ["whole one", ""])]
    assert _said_cut(chats[1].messages[-1].note) and "inside message 2" in chats[1].messages[-1].note
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "result.json").write_text(_cut_after(text, '"left_chats"'), encoding="utf-8")
    [bob] = _chats(tmp_path / "b" / "result.json")
    assert [m.text for m in bob.messages] == ["hi", "how are you", ""]
    assert "before its list of chats left" in bob.messages[-1].note and _said_cut(bob.messages[-1].note)
    with zipfile.ZipFile(tmp_path / "Telegram.zip", "w") as z:
        z.writestr("DataExport_2024-01-02/result.json", _cut_after(text, "cut one"))
    zipped = _chats(tmp_path / "Telegram.zip")
    assert [[m.text for m in c.messages] for c in zipped] == [["hi", "how are you"], ["whole one", ""]]


def test_sigtop_and_slack_json_cut_short_keep_their_whole_messages_and_say_where_they_end(tmp_path):
    """Before: a sigtop JSON conversation or a Slack day cut short (a JSON list that does not end) was one line,
    every message of it lost (a Slack channel's other days too)."""
    signal = json.dumps([
        {"type": "incoming", "sent_at": 1612090980000, "conversationId": "c1", "source": "+31612345678",
         "body": "luister"},
        {"type": "outgoing", "sent_at": 1612091040000, "conversationId": "c1", "body": "ok then"},
        {"type": "incoming", "sent_at": 1612091100000, "conversationId": "c1", "source": "+31612345678",
         "body": "the last one"}], indent=2)
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "conv.json").write_text(_cut_after(signal, "the last one"), encoding="utf-8")
    [chat] = _chats(tmp_path / "messages" / "conv.json")
    assert [(m.sender, m.text) for m in chat.messages] == [("+31 6 12345678", "luister"), ("You", "ok then"),
                                                           (None, "")]
    assert _said_cut(chat.messages[-1].note) and "2 message(s)" in chat.messages[-1].note

    def day(stamp: int, *texts: str) -> str:
        return json.dumps([{"type": "message", "user": "U1", "text": t, "ts": f"{stamp + 60 * i}.000200",
                            "user_profile": {"real_name": "Anna"}} for i, t in enumerate(texts)], indent=4)

    channel = tmp_path / "slack" / "general"
    channel.mkdir(parents=True)
    (channel / "2024-01-15.json").write_text(_cut_after(day(1705352700, "hello", "cut here"), "cut here"),
                                             encoding="utf-8")
    (channel / "2024-01-16.json").write_text(day(1705439100, "next day"), encoding="utf-8")
    [slack] = _chats(channel / "2024-01-15.json")
    assert [m.text for m in slack.messages] == ["hello", "", "next day"]
    assert _said_cut(slack.messages[1].note) and slack.messages[1].note.startswith("this day's file ends here")
    with zipfile.ZipFile(tmp_path / "signal.zip", "w") as z:
        z.writestr("messages/conv.json", _cut_after(signal, "the last one"))
    [zipped] = _chats(tmp_path / "signal.zip")
    assert [m.text for m in zipped.messages] == ["luister", "ok then", ""]


def test_zipped_json_exports_cut_short_are_read_to_the_cut_as_loose_ones_are(tmp_path):
    """Before: Telegram, Messenger and Discord JSON cut short were read to the cut loose, but zipped (as they are
    handed over) they were one line, "malformed JSON"."""
    telegram = json.dumps({"name": "Bob", "type": "personal_chat", "id": 5, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "from": "Bob", "from_id": "user5", "text": "hi"},
        {"id": 2, "type": "message", "date": "2024-01-01T10:01:00", "from": "Bob", "from_id": "user5",
         "text": "cut here"}]})
    messenger = json.dumps({"participants": [{"name": "Anna"}, {"name": "Bob"}], "title": "Anna", "messages": [
        {"sender_name": "Anna", "timestamp_ms": 1705352760000, "content": "newest"},
        {"sender_name": "Bob", "timestamp_ms": 1705352700000, "content": "cut here"}]})
    discord = json.dumps({"guild": {"name": "Direct Messages"}, "channel": {"name": "bob"}, "messages": [
        {"id": "1", "type": "Default", "timestamp": "2024-01-15T21:05:00+00:00", "content": "hello",
         "author": {"id": "11", "name": "bob", "nickname": "Bob"}, "attachments": []},
        {"id": "2", "type": "Default", "timestamp": "2024-01-15T21:06:00+00:00", "content": "cut here",
         "author": {"id": "11", "name": "bob", "nickname": "Bob"}, "attachments": []}]})
    for name, member, text, kept in (
            ("tg.zip", "ChatExport_2024-01-02/result.json", telegram, ["hi", ""]),
            ("fb.zip", "your_activity_across_facebook/messages/inbox/anna_1/message_1.json", messenger,
             ["", "newest"]),
            ("dc.zip", "Direct Messages - bob [1].json", discord, ["hello", ""])):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr(member, _cut_after(text, "cut here"))
        [chat] = _chats(tmp_path / name)
        assert [m.text for m in chat.messages] == kept, name
        assert any(_said_cut(m.note) for m in chat.messages), name


def _messages(tmp_path: Path, data: str | bytes, name: str = "chat.txt"):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    [chat] = _chats(path)
    return chat.messages


def test_a_whatsapp_export_cut_mid_message_keeps_the_words_and_says_the_message_may_go_on(tmp_path):
    """Before: a chat cut inside its last message's words (no line end after them; WhatsApp ends every message it
    writes with one) read as a whole message, nothing said. Now the words are kept, the message says it is likely
    cut short, and a header cut inside a name not seen before is no app's note named "Bob Sm"."""
    android = "13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16 - Bob Smith: I will be at the\nstation at ni"
    messages = _messages(tmp_path, android, "WhatsApp Chat with Bob Smith.txt")
    assert [(m.sender, m.text) for m in messages] == [("Anna", "hello"), ("Bob Smith", "I will be at the\nstation at ni")]
    assert messages[0].note == "" and "likely cut short" in messages[1].note
    whole = _messages(tmp_path, android + "ne\n", "whole.txt")
    assert [m.note for m in whole] == ["", ""]
    with zipfile.ZipFile(tmp_path / "WhatsApp Chat - Bob Smith.zip", "w") as z:
        z.writestr("_chat.txt", "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:16:05] Bob Smith: I will b")
    [loaded] = load_export(tmp_path / "WhatsApp Chat - Bob Smith.zip")
    assert [(m.sender, m.text) for m in loaded.export.messages] == [("Anna", "hello"), ("Bob Smith", "I will b")]
    assert "likely cut short" in loaded.export.messages[1].note
    in_a_name = _messages(tmp_path, "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:16:05] Bob Sm", "name.txt")
    assert [(m.sender, m.text) for m in in_a_name] == [("Anna", "hello"), (None, "[13/03/2024, 10:16:05] Bob Sm")]
    assert "in the middle of a message header" in in_a_name[1].note
    left = _messages(tmp_path, "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:15:40] Anna left", "left.txt")
    assert [(m.sender, m.text) for m in left] == [("Anna", "hello"), (None, "Anna left")]
    assert left[0].note == "" and "likely cut short" in left[1].note  # an app's note cut too (session 23)


def test_voice_notes_saved_under_another_apps_name_are_linked_by_their_minute_or_kept(tmp_path):
    """Before: a chat folder whose voice notes were saved by WhatsApp Desktop ("WhatsApp Ptt 2024-03-13 at
    10.12.41.ogg") or another app (Signal's "signal-2024-03-13-101500.aac") showed every voice note missing and
    never looked at those files. Now each is read for its moment: linked to the one message of its minute that names
    a missing one, else kept as a file no message names, placed by its time."""
    import shutil

    from tests.conftest import MEDIA

    chat = ("13/03/2024, 10:11 - Alice: where are you\n13/03/2024, 10:12 - Bob: PTT-20240313-WA0001.opus (file attached)\n"
            "13/03/2024, 10:13 - Alice: ok\n13/03/2024, 10:14 - Bob: PTT-20240313-WA0002.opus (file attached)\n")
    folder = tmp_path / "chat"
    folder.mkdir()
    (folder / "WhatsApp Chat with Bob.txt").write_text(chat, encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "WhatsApp Ptt 2024-03-13 at 10.12.41.ogg")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "signal-2024-03-13-101500.aac")
    [story] = _chats(folder / "WhatsApp Chat with Bob.txt")
    linked, missing, kept = story.messages[1], story.messages[3], story.messages[4]
    assert (linked.attachment.missing, linked.attachment.path) == (False, "WhatsApp Ptt 2024-03-13 at 10.12.41.ogg")
    assert "found as WhatsApp Ptt 2024-03-13 at 10.12.41.ogg" in linked.note
    assert missing.attachment.missing
    assert (kept.sender, kept.attachment.name, kept.datetime) == (None, "signal-2024-03-13-101500.aac",
                                                                  "2024-03-13T10:15:00")
    with zipfile.ZipFile(tmp_path / "WhatsApp Chat - Bob.zip", "w") as z:
        z.writestr("_chat.txt", "[13/03/2024, 10:12:41] Bob: \u200e<attached: 00000012-AUDIO-2024-03-13-10-12-41.opus>\n")
        z.write(MEDIA / "en_voicenote.opus", "WhatsApp Audio 2024-03-13 at 10.12.41 AM.opus")
    [zipped] = _chats(tmp_path / "WhatsApp Chat - Bob.zip")
    assert [m.attachment.path for m in zipped.messages] == ["WhatsApp Audio 2024-03-13 at 10.12.41 AM.opus"]


def test_line_histories_name_their_chat_from_a_thai_chinese_or_korean_banner(tmp_path):
    """Before: only the English and Japanese banners gave the chat its name; a Thai history was named
    "ประวัติการแชทกับ Somchai" (the words "chat history with")."""
    for banner, name in (("ประวัติการแชทกับ Somchai", "Somchai"), ("與王小明的聊天記錄", "王小明"),
                         ("김민수님과의 대화", "김민수"), ("田中とのトーク履歴", "田中")):
        path = tmp_path / "chat.txt"
        path.write_text(f"[LINE] {banner}\n\n2024/06/13(Thu)\n21:05\t{name}\thello\n", encoding="utf-8")
        [chat] = _chats(path)
        assert chat.name == name and [m.text for m in chat.messages] == ["hello"]


def test_messengers_own_words_for_an_action_are_the_apps_in_a_mojibake_download(tmp_path):
    """Before: "Zoë sent an attachment.", "You unsent a message", "Reacted ❤ to your message" (words Messenger and
    Instagram write for an action) were the sender's words, translated and searched as hers. Names and texts written
    as UTF-8 read as Latin-1 are decoded throughout."""
    def mojibake(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    zoe, vlad = "Zoë Müller", "Влад"
    chat = {"participants": [{"name": mojibake(zoe)}, {"name": mojibake(vlad)}], "title": mojibake(zoe), "messages": [
        {"sender_name": mojibake(vlad), "timestamp_ms": 1705352760000, "content": mojibake("привет, Zoë sent an attachment.")},
        {"sender_name": mojibake(vlad), "timestamp_ms": 1705352750000, "content": mojibake("Reacted ❤ to your message")},
        {"sender_name": mojibake(zoe), "timestamp_ms": 1705352700000, "content": mojibake("Zoë sent an attachment."),
         "share": {"link": "https://example.org/x"}},
        {"sender_name": mojibake(zoe), "timestamp_ms": 1705352600000, "content": mojibake("Zoë Müller unsent a message"),
         "is_unsent": True},
        {"sender_name": mojibake(zoe), "timestamp_ms": 1705352500000, "content": mojibake("Grüße 😀")}]}
    folder = tmp_path / "messages" / "inbox" / "zoemuller_123"
    folder.mkdir(parents=True)
    (folder / "message_1.json").write_text(json.dumps(chat), encoding="utf-8")
    [story] = _chats(folder / "message_1.json")
    assert story.name == zoe
    assert [(m.sender, m.text, m.system) for m in story.messages] == [
        (zoe, "Grüße 😀", False), (zoe, "Zoë Müller unsent a message", True), (zoe, "Zoë sent an attachment.", True),
        (vlad, "Reacted ❤ to your message", True), (vlad, "привет, Zoë sent an attachment.", False)]
    assert "the app's words" in story.messages[2].note and "link shared: https://example.org/x" in story.messages[2].note


def test_waiting_for_this_message_in_other_languages_is_the_apps_not_the_senders_words(tmp_path):
    """Before: outside English and German (and one wording each of French and Spanish) WhatsApp's "Waiting for this
    message. This may take a while." (a message the phone could not decrypt) was the sender's words."""
    lines = ["Esperando este mensaje. Esto puede tardar un poco.", "Wachten op dit bericht. Dit kan even duren.",
             "Ожидание этого сообщения. Это может занять некоторое время.", "Aguardando esta mensagem.",
             "In attesa di questo messaggio. Potrebbe richiedere del tempo.", "Waiting for this message to load, ok?"]
    chat = "".join(f"13/06/2024, 21:0{i} - Anna: {line}\n" for i, line in enumerate(lines))
    messages = _messages(tmp_path, chat)
    assert [(m.sender, m.system) for m in messages] == [("Anna", True)] * 5 + [("Anna", False)]


def test_an_imessage_text_cut_inside_a_time_or_a_sender_ends_in_a_note_not_in_the_message_above(tmp_path):
    """Before: an imessage-exporter text cut inside the last message's time line ("Mar 06, 2024  9:0") read that
    line as words of the message above, under its sender; cut inside the sender's line, "+141" was a sender."""
    whole = ("Mar 05, 2024  2:03:45 PM\n+14155550134\nAre we still on for Thursday?\n\n"
             "Mar 05, 2024  2:05:01 PM (Read by them after 2 minutes)\nMe\nYes! 6pm at Tartine\n\n"
             "Mar 06, 2024  9:02:10 AM\n+14155550134\nSee you there then\n")
    for cut, kept in (("Mar 06, 2024  9:0", "Mar 06, 2024  9:0"), ("+14155550134\nSee", None),
                      ("Mar 06, 2024  9:02:10 AM\n+141", "+141")):
        path = tmp_path / "chat.txt"
        path.write_text(whole[: whole.index(cut) + len(cut)], encoding="utf-8")
        messages = _chats(path)[0].messages
        assert [m.text for m in messages[:2]] == ["Are we still on for Thursday?", "Yes! 6pm at Tartine"], cut
        if kept is None:  # cut inside the words: they are the sender's, as far as they go
            assert (messages[2].sender, messages[2].text) == ("+1 415-555-0134", "See")
            continue
        assert (len(messages), messages[2].sender, messages[2].text) == (3, None, kept)
        assert "cut short" in messages[2].note


def test_a_discord_csv_with_iso_times_is_dated_and_one_cut_short_says_so_on_its_last_row(tmp_path):
    """Before: a DiscordChatExporter CSV whose times are ISO 8601 (as its JSON writes them) had no date-time at all,
    and a CSV cut inside its last row read that row as whole, nothing said."""
    whole = ('AuthorID,Author,Date,Content,Attachments,Reactions\n'
             '"111","bob","2024-01-15T21:05:00.000+00:00","hello there","",""\n'
             '"222","anna","2024-01-15T21:06:00.000+00:00","last words here","",""\n')
    path = tmp_path / "general.csv"
    path.write_text(whole, encoding="utf-8")
    messages = _chats(path)[0].messages
    assert [(m.sender, m.datetime, m.note) for m in messages] == [
        ("bob", "2024-01-15T21:05:00+00:00", ""), ("anna", "2024-01-15T21:06:00+00:00", "")]
    path.write_text(whole[: whole.index("words") + 5], encoding="utf-8")
    messages = _chats(path)[0].messages
    assert [(m.sender, m.text) for m in messages] == [("bob", "hello there"), ("anna", "last words")]
    assert messages[0].note == "" and "likely cut short" in messages[1].note


def test_line_days_headed_by_a_date_in_words_are_read_not_an_empty_chat(tmp_path):
    """Before: a LINE history whose days are headed "2024年6月13日(木)", "2024년 6월 13일 목요일", "Thursday, June 13,
    2024" or Thai "วันพฤหัสบดีที่ 13 มิถุนายน 2567" was "no recognisable chat message": every message lost."""
    for heading in ("2024年6月13日(木)", "2024년 6월 13일 목요일", "Thursday, June 13, 2024", "Thu, 13 Jun 2024",
                    "วันพฤหัสบดีที่ 13 มิถุนายน 2567"):
        path = tmp_path / "chat.txt"
        path.write_text(f"[LINE] Chat history with Anna\n\n{heading}\n21:05\tAnna\thello\n\nMeeting on June 14, 2024\n"
                        "22:06\tBob\thi\n", encoding="utf-8")
        messages = _chats(path)[0].messages
        assert [(m.sender, m.text, m.datetime) for m in messages] == [
            ("Anna", "hello\n\nMeeting on June 14, 2024", "2024-06-13T21:05:00"), ("Bob", "hi", "2024-06-13T22:06:00")]


def test_an_html_export_cut_short_says_so_on_the_message_its_page_ends_in(tmp_path):
    """Before: a Telegram messages.html cut short (no closing </html>; its exporter writes one) read as whole,
    its last message's words as far as they went and nothing said; whole, nothing is said."""
    page = (Path(__file__).parent / "fixtures" / "chats" / "telegram_html" / "messages2.html").read_text(encoding="utf-8")
    (tmp_path / "whole").mkdir()
    (tmp_path / "whole" / "messages.html").write_text(page, encoding="utf-8")
    whole = _chats(tmp_path / "whole" / "messages.html")[0].messages
    assert not any("cut short" in m.note for m in whole)
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "messages.html").write_text(page[: page.rindex('class="message ') + 400], encoding="utf-8")
    cut = _chats(tmp_path / "cut" / "messages.html")[0].messages
    assert len(cut) == len(whole) and "likely cut short" in cut[-1].note
    assert not any("cut short" in m.note for m in cut[:-1])


def test_a_skype_export_cut_short_keeps_its_whole_messages_and_says_where_it_ends(tmp_path):
    """Before: a Skype messages.json cut short was one line, "malformed JSON", every conversation lost."""
    def message(seconds: int, text: str) -> dict:
        return {"id": str(seconds), "originalarrivaltime": f"2024-01-15T21:0{seconds}:00.000Z", "messagetype": "Text",
                "from": "8:live:bob", "displayName": "Bob", "content": text}

    export = json.dumps({"userId": "8:live:me", "exportDate": "2024-02-01", "conversations": [
        {"id": "8:live:bob", "displayName": "Bob", "MessageList": [message(1, "first"), message(2, "second")]},
        {"id": "8:live:cat", "displayName": "Cat", "MessageList": [message(3, "whole one"), message(4, "cut here")]}]})
    (tmp_path / "messages.json").write_text(_cut_after(export, "cut here"), encoding="utf-8")
    chats = _chats(tmp_path / "messages.json")
    assert [(c.name, [m.text for m in c.messages]) for c in chats] == [
        ("Bob", ["first", "second"]), ("Cat", ["whole one", ""])]
    assert _said_cut(chats[1].messages[-1].note)
    with zipfile.ZipFile(tmp_path / "skype.zip", "w") as z:
        z.writestr("messages.json", _cut_after(export, "cut here"))
    assert [[m.text for m in c.messages] for c in _chats(tmp_path / "skype.zip")] == [["first", "second"], ["whole one", ""]]
