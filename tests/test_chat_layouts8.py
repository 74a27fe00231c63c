"""Chat exports as the tools write them (ninth round): signal-export's folder (chat.md with data.json and
index.html beside it), several chats of one folder named after themselves, an Android WhatsApp message
opening with a direction mark, a contact card's numbers searched; Skype's messages.json, a Slack
workspace export, Threema's chat export (both layouts), KakaoTalk's saved chat (PC, phone and Mac).

Each export is built here the way the tool writes it (signal-export: sigexport/main.py and models.py;
Skype: the export's messages.json schema; Slack: a workspace export's channel/day files; Threema: the
`[date, time] Name: <file>` and `<<< date at time zone:` layouts; KakaoTalk: its four text layouts and CSV).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

from app.cli import main
from app.core.chats import load_export, parse_text
from app.core.errors import ChatError
from tests.conftest import MEDIA

SIGNAL_MD = ("[2024-03-01 10:00:00] Anna: Hi, are you there?\n\n"
             "[2024-03-01 10:01:00] Anna: [voice.m4a](./media/2024-03-01_10-01-00_voice.m4a)  \n\n"
             "[2024-03-01 10:02:00] Me: yes\n\n")


def _signal_export(root: Path, name: str, md: str = SIGNAL_MD) -> Path:
    """One chat as signal-export writes it: <dest>/<name>/chat.md, data.json (one JSON object a line),
    index.html, media/; style.css and chat.js at the export's root."""
    folder = root / name
    (folder / "media").mkdir(parents=True)
    (folder / "chat.md").write_text(md, encoding="utf-8")
    rows = [{"date": "2024-03-01T10:00:00", "sender": "Anna", "body": "Hi, are you there?", "quote": "",
             "sticker": None, "reactions": [], "attachments": [], "deleted": False, "call": False, "missed": False},
            {"date": "2024-03-01T10:02:00", "sender": "Me", "body": "yes", "quote": "", "sticker": None,
             "reactions": [], "attachments": [], "deleted": False, "call": False, "missed": False}]
    (folder / "data.json").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (folder / "index.html").write_text(
        "<!doctype html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<title>" + name + "</title>\n"
        "<link rel=stylesheet href='../style.css'>\n</head>\n<body>\n<div class='msg'>\n<span class=date>2024-03-01"
        "</span>\n<span class=time>10:00:00</span>\n<span class=sender>Anna</span>\n<p class=body>Hi, are you there?"
        "</p>\n</div>\n</body>\n</html>\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", folder / "media" / "2024-03-01_10-01-00_voice.m4a")
    (root / "style.css").write_text("body{}\n", encoding="utf-8")
    (root / "chat.js").write_text("//\n", encoding="utf-8")
    return folder


def test_signal_exports_data_json_and_index_html_are_its_chat_read_once(tmp_path):
    """signal-export writes data.json (JSON Lines) and index.html beside chat.md: data.json was a failure
    line ("malformed JSON (line 2, column 1: Extra data)", exit 1); now both go with chat.md, logged."""
    folder = _signal_export(tmp_path / "export", "Anna")
    refused: list[ChatError] = []
    [loaded] = load_export(tmp_path / "export", refused=refused)
    assert refused == []
    assert loaded.original == folder / "chat.md" and loaded.export.chats[0].name == "Anna"
    assert sorted(p.name for p in loaded.pages) == ["data.json", "index.html"]
    assert [m.sender for m in loaded.export.messages] == ["Anna", "Anna", "Me"]
    [alone] = load_export(folder / "data.json")  # given alone: its chat.md is read
    assert alone.original == folder / "chat.md"
    archive = tmp_path / "signal.zip"  # zipped: the other forms and the styling are no files a message sent
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted((tmp_path / "export").rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(tmp_path / "export").as_posix())
    [zipped] = load_export(archive)
    assert len(zipped.export.messages) == 3 and zipped.export.accounting().endswith("0 file(s) no message names (kept in the chat)")


def test_a_folder_of_chats_names_each_timeline_after_its_chat(tmp_path, capsys):
    """Several signal-export chats in one folder all wrote `chat`-named timelines (chat.timeline.json,
    then chat-2..., saying nothing of whose): each is now named after its contact, safe on any disk."""
    root = tmp_path / "evidence"
    _signal_export(root, "Anna")
    _signal_export(root, "Bob: Work?", SIGNAL_MD.replace("Anna", "Bob"))
    status = main(["timeline", str(root), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                   "--model", "tiny.en", "--format", "json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    written = sorted(Path(p).name for p in captured.out.splitlines())
    assert written == ["Anna.timeline.json", "Bob_ Work_.timeline.json"]
    story = json.loads((tmp_path / "out" / "Anna.timeline.json").read_text(encoding="utf-8"))
    voice = story["messages"][1]["attachment"]
    assert "station" in (voice["transcript"] or "").lower()


def test_an_android_whatsapp_message_opening_with_a_direction_mark_is_the_senders():
    """Android writes no mark of its own before a message: one starting with U+200E/U+200F was typed
    (right-to-left or mixed text), and was taken for the app's notice, system and untranslated."""
    [chat] = parse_text("12/03/2024, 21:14 - Anna: hi\n12/03/2024, 21:15 - Anna: \u200eHello there\n"
                        "12/03/2024, 21:16 - Bob: \u200fמה שלומך\n", "chat.txt")
    assert [(m.sender, m.system, m.text) for m in chat.messages] == [
        ("Anna", False, "hi"), ("Anna", False, "Hello there"), ("Bob", False, "מה שלומך")]
    [ios] = parse_text("[12/03/2024, 21:14:00] Anna: hi\n[12/03/2024, 21:15:00] Anna: \u200eYou deleted this "
                       "message.\n", "_chat.txt")  # iOS marks its own notes so: still the app's
    assert ios.messages[1].system


def test_a_contact_cards_number_is_found_by_the_cases_search(tmp_path, capsys):
    """A number shared as a vCard was only in the message's note, which the case's search does not read."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    archive = evidence / "WhatsApp Chat with Bob.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat with Bob.txt", "15/01/2024, 21:09 - Bob: Carl Smith.vcf (file attached)\n"
                                                "15/01/2024, 21:10 - Bob: call him\n")
        z.writestr("Carl Smith.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carl Smith\r\n"
                                     "item1.TEL;waid=447700900123:+44 7700 900123\r\nEND:VCARD\r\n")
    status = main(["timeline", str(archive), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                   "--format", "json"])
    assert status == 0, capsys.readouterr().err
    with sqlite3.connect(tmp_path / "case" / "case.sqlite") as conn:
        hits = conn.execute("SELECT text FROM search_text WHERE source = 2 AND text LIKE '%7700 900123%'").fetchall()
    assert hits == [("Carl Smith, +44 7700 900123",)]


SKYPE = {"userId": "8:live:anna", "exportDate": "2024-01-16T08:00", "conversations": [{
    "id": "8:live:bob", "displayName": "Bob", "version": 1, "properties": {}, "threadProperties": None,
    "MessageList": [  # newest first, as Skype lists them
        {"id": "3", "displayName": "Anna", "originalarrivaltime": "2024-01-15T21:07:00.000Z", "messagetype": "Event/Call",
         "version": 1, "content": '<partlist type="ended" alt=""><part identity="live:bob"><name>Bob</name>'
                                   "<duration>12</duration></part></partlist>",
         "conversationid": "8:live:bob", "from": "8:live:anna", "properties": None, "amsreferences": None},
        {"id": "2", "displayName": "Bob", "originalarrivaltime": "2024-01-15T21:06:00.000Z",
         "messagetype": "RichText/Media_AudioMsg", "version": 1,
         "content": '<URIObject uri="https://api.asm.skype.com/v1/objects/0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c" '
                    'url_thumbnail="https://api.asm.skype.com/v1/objects/0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c/views/thumbnail" '
                    'type="Audio.1/Message.1" doc_id="0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c">To view this voice message, go to: '
                    '<a href="https://login.skype.com/login/sso?go=webclient.xmm&amp;docid=0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c">link</a>'
                    '<OriginalName v="AudioMessage.m4a"/><FileSize v="40000"/></URIObject>',
         "conversationid": "8:live:bob", "from": "8:live:bob", "properties": None, "amsreferences": ["0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c"]},
        {"id": "1", "displayName": "Bob", "originalarrivaltime": "2024-01-15T21:05:00.123Z", "messagetype": "RichText",
         "version": 1, "content": "Hello &amp; <b>welcome</b>", "conversationid": "8:live:bob", "from": "8:live:bob",
         "properties": None, "amsreferences": None}]}]}


def test_skype_messages_json_is_read_oldest_first_its_voice_message_found_in_media(tmp_path):
    folder = tmp_path / "skype"
    (folder / "media").mkdir(parents=True)
    (folder / "messages.json").write_text(json.dumps(SKYPE), encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", folder / "media" / "0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.m4a")
    (folder / "media" / "0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.json").write_text('{"filename": "AudioMessage.m4a"}',
                                                                                      encoding="utf-8")
    [loaded] = load_export(folder)
    assert loaded.export.accounting() == ("1 attachment(s) named, 0 of them not in the export, "
                                          "0 file(s) no message names (kept in the chat)")
    assert loaded.export.container == "skype-json" and loaded.export.chats[0].name == "Bob"
    hello, voice, call = loaded.export.messages
    assert (hello.sender, hello.text, hello.datetime) == ("Bob (8:live:bob)", "Hello & welcome", "2024-01-15T21:05:00.123000+00:00")
    assert voice.attachment.kind == "audio" and voice.attachment.path == "media/0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.m4a" and voice.text == ""
    assert call.system and call.text == "call ended, 12 s"
    zipped = tmp_path / "skype.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.write(folder / "messages.json", "messages.json")
        z.write(folder / "media" / "0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.m4a", "media/0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.m4a")
    [inner] = load_export(zipped)
    assert inner.export.container == "skype-json-zip" and not inner.export.messages[1].attachment.missing
    (folder / "media" / "0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.m4a").rename(
        folder / "media" / "0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.mp4")  # written with another extension
    [renamed] = load_export(folder)
    assert renamed.export.messages[1].attachment.path == "media/0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.mp4"


def _slack_export(root: Path) -> Path:
    (root / "general" / "attachments").mkdir(parents=True)
    (root / "users.json").write_text(json.dumps([{"id": "U01ANNA", "name": "anna", "real_name": "Anna Smith"},
                                                 {"id": "U02BOB", "name": "bob", "real_name": "Bob Jones"}]), encoding="utf-8")
    (root / "channels.json").write_text(json.dumps([{"id": "C01", "name": "general", "members": ["U01ANNA"]}]),
                                        encoding="utf-8")
    (root / "general" / "2024-01-15.json").write_text(json.dumps([
        {"type": "message", "subtype": "channel_join", "user": "U02BOB", "text": "<@U02BOB> has joined the channel",
         "ts": "1705352600.000100"},
        {"type": "message", "user": "U01ANNA", "text": "Hello <@U02BOB>, see <https://example.com|this>",
         "ts": "1705352700.000200", "user_profile": {"real_name": "Anna Smith", "display_name": "anna"}}], indent=4),
        encoding="utf-8")
    (root / "general" / "2024-01-16.json").write_text(json.dumps([
        {"type": "message", "user": "U02BOB", "text": "", "ts": "1705439100.000300", "files": [
            {"id": "F01", "name": "audio_message.m4a", "title": "Audio clip", "mimetype": "audio/mp4", "filetype": "m4a",
             "subtype": "slack_audio", "url_private": "https://files.slack.com/files-pri/T01-F01/audio_message.m4a"}]},
        {"type": "message", "user": "U02BOB", "text": "photo", "ts": "1705439200.000400", "files": [
            {"id": "F02", "name": "IMG_1.jpg", "mimetype": "image/jpeg",
             "url_private": "https://files.slack.com/files-pri/T01-F02/img_1.jpg"}]}], indent=4), encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", root / "general" / "attachments" / "F01-audio_message.m4a")
    return root


def test_a_slack_channel_is_one_chat_over_its_days_a_voice_clip_downloaded_beside_it_found(tmp_path):
    """Slack's day files were each "no recognisable chat message" (a JSON array), users.json and
    channels.json too: a channel is now one chat in time order, its members named."""
    root = _slack_export(tmp_path / "slack")
    refused: list[ChatError] = []
    [loaded] = load_export(root, refused=refused)
    assert refused == [] and loaded.export.container == "slack-json" and loaded.export.chats[0].name == "general"
    assert [p.name for p in loaded.pages] == ["2024-01-16.json"]
    join, hello, clip, photo = loaded.export.messages
    assert join.system and join.text == "@Bob Jones has joined the channel"
    assert (hello.sender, hello.text, hello.datetime) == ("Anna Smith (U01ANNA)", "Hello @Bob Jones, see this",
                                                          "2024-01-15T21:05:00+00:00")
    assert clip.attachment.kind == "audio" and clip.attachment.path == "attachments/F01-audio_message.m4a"
    assert photo.attachment.missing and photo.attachment.placeholder.startswith("https://files.slack.com/")
    [later] = load_export(root / "general" / "2024-01-16.json")  # a later day given alone: the channel
    assert len(later.export.messages) == 4
    archive = tmp_path / "Slack export Jan 15 2024 - Jan 16 2024.zip"  # as Slack hands it over
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(root).as_posix())
    [zipped] = load_export(archive)
    assert zipped.export.container == "slack-json-zip" and zipped.export.messages[0].sender == "Bob Jones (U02BOB)"
    assert zipped.export.accounting() == ("2 attachment(s) named, 1 of them not in the export, "
                                          "0 file(s) no message names (kept in the chat)")


THREEMA = ("[15.01.2024, 21:05] Anna: Hallo\r\n[15.01.2024, 21:06] Anna: <3a9c8f02b1.m4a>\r\n"
           "[15.01.2024, 21:07] Ich: <5e1d2c.jpg> Beschriftung\r\nzweite Zeile\r\n")


def test_threemas_chat_export_zip_is_read_not_taken_for_whatsapp(tmp_path):
    archive = tmp_path / "threema-export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("messages-Anna.txt", THREEMA)
        z.write(MEDIA / "en_voicenote.m4a", "3a9c8f02b1.m4a")
    [loaded] = load_export(archive)
    assert loaded.export.container == "threema-zip" and loaded.export.chats[0].name == "Anna"
    hello, voice, photo = loaded.export.messages
    assert (hello.sender, hello.datetime, hello.text) == ("Anna", "2024-01-15T21:05:00", "Hallo")
    assert voice.attachment.path == "3a9c8f02b1.m4a" and voice.attachment.kind == "audio"
    assert photo.attachment.missing and photo.text == "Beschriftung\nzweite Zeile"
    renamed = tmp_path / "messages.txt"  # an iPhone's WhatsApp chat renamed so stays WhatsApp's (seconds, <attached: >)
    renamed.write_text("[15/01/2024, 21:05:12] Anna: hi\n[15/01/2024, 21:06:12] Bob: yo\n", encoding="utf-8")
    assert load_export(renamed)[0].export.container == "whatsapp"
    protected = tmp_path / "threema-protected.zip"  # as Threema hands it over: a password on every member
    with zipfile.ZipFile(protected, "w") as z:
        z.writestr("messages-Anna.txt", THREEMA)
    data = bytearray(protected.read_bytes())  # the "encrypted" bit set in both headers, as zip -P writes it
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + offset] |= 0x1
    protected.write_bytes(bytes(data))
    try:
        load_export(protected)
    except ChatError as exc:  # was "zip cannot be read (File <ZipInfo filename=...> is encrypted, ...)"
        assert exc.reason.startswith("encrypted: a password protects it") and "<ZipInfo" not in exc.reason
    else:
        raise AssertionError("a password-protected zip was read")
    old = tmp_path / "old"
    old.mkdir()
    (old / "messages.txt").write_text("<<< 15. January 2024 at 21:05:12 CET: Hello\r\n>>> 15. Januar 2024 um 21:06:00 "
                                      "MEZ: Audio (3a9c8f02b1.m4a)\r\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", old / "3a9c8f02b1.m4a")
    shutil.copy(MEDIA / "en_voicenote.opus", old / "77e0c1d2.opus")  # a voice message whose line was lost
    [older] = load_export(old / "messages.txt")
    received, sent, lost = older.export.messages
    assert lost.sender is None and lost.attachment.path == "77e0c1d2.opus" and lost.attachment.playable
    assert received.datetime == "2024-01-15T21:05:12" and "names no sender" in received.note
    assert sent.sender == "Me" and sent.attachment.path == "3a9c8f02b1.m4a"


KAKAO = {
    "pc_ko.txt": "Anna 님과 카카오톡 대화\n저장한 날짜 : 2024-01-16 08:00:00\n\n--------------- 2024년 1월 15일 월요일 "
                 "---------------\nAnna님이 들어왔습니다.\n[Anna] [오후 9:05] 안녕\n둘째 줄\n[Bob] [오후 9:06] 음성메시지\n",
    "pc_en.txt": "Talk with Anna\nDate Saved : Jan 16, 2024 at 08:00\n\n--------------- Monday, January 15, 2024 "
                 "---------------\n[Anna] [9:05 PM] 안녕\n둘째 줄\n[Bob] [9:06 PM] Voice Message\n",
    "phone_ko.txt": "Anna 님과 카카오톡 대화\n저장한 날짜 : 2024. 1. 16. 오전 8:00\n\n2024년 1월 15일 월요일\n"
                    "2024. 1. 15. 오후 9:05, Anna : 안녕\n둘째 줄\n2024. 1. 15. 오후 9:06, Bob : 음성메시지\n",
    "phone_en.txt": "Talk with Anna\nDate Saved : Jan 16, 2024 at 8:00 AM\n\nMonday, January 15, 2024\n"
                    "January 15, 2024, 9:05 PM, Anna : 안녕\n둘째 줄\nJan 15, 2024 at 9:06 PM, Bob : Voice message\n",
    "mac.csv": 'Date,User,Message\n2024-01-15 21:05:00,"Anna","안녕\n둘째 줄"\n2024-01-15 21:06:00,"Bob","음성메시지"\n',
}


def test_kakaotalks_saved_chat_in_every_layout_reads_the_same(tmp_path):
    for name, text in KAKAO.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        [loaded] = load_export(tmp_path / name)
        assert loaded.export.container == "kakaotalk", name
        said = [(m.sender, m.datetime, m.text, m.attachment.kind if m.attachment else None)
                for m in loaded.export.messages if not m.system]
        assert said == [("Anna", "2024-01-15T21:05:00", "안녕\n둘째 줄", None),
                        ("Bob", "2024-01-15T21:06:00", "", "audio")], name
        assert loaded.export.messages[-1].attachment.missing  # the text export holds no file
    notes = [m for m in load_export(tmp_path / "pc_ko.txt")[0].export.messages if m.system]
    assert [(n.sender, n.text) for n in notes] == [(None, "Anna님이 들어왔습니다.")]


def test_kakaotalk_saved_with_media_transcribes_its_voice_message_in_place(tmp_path, capsys):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "KakaoTalkChats.txt").write_text(
        "Anna 님과 카카오톡 대화\n저장한 날짜 : 2024. 1. 16. 오전 8:00\n\n2024. 1. 15. 오후 9:05, Anna : 안녕\n"
        "2024. 1. 15. 오후 9:06, Bob : 20240115_210600.m4a\n2024. 1. 15. 오후 9:07, Anna : 응\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", evidence / "20240115_210600.m4a")
    status = main(["timeline", str(evidence), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                   "--model", "tiny.en", "--format", "json"])
    assert status == 0, capsys.readouterr().err
    story = json.loads((tmp_path / "out" / "evidence.timeline.json").read_text(encoding="utf-8"))
    assert story["container"] == "kakaotalk"
    voice = story["messages"][1]
    assert voice["sender"] == "Bob" and "station" in (voice["attachment"]["transcript"] or "").lower()


def test_a_layout_not_recognised_is_one_line_never_an_empty_chat(tmp_path):
    unknown = tmp_path / "export.txt"
    unknown.write_text("Viber chat\nsomething we do not read\n", encoding="utf-8")
    try:
        load_export(unknown)
    except ChatError as exc:
        assert "no recognisable chat message" in exc.reason and "\n" not in exc.reason
    else:
        raise AssertionError("an unknown layout was read")
    empty_day = tmp_path / "2024-01-15.json"
    empty_day.write_text("[]", encoding="utf-8")
    try:
        load_export(empty_day)
    except ChatError as exc:
        assert "\n" not in exc.reason
    else:
        raise AssertionError("an empty Slack day was read as a chat")


def test_wechatmsgs_text_export_is_read_its_voice_message_said_missing(tmp_path):
    """WeChatMsg (LC044) writes `time name`, the words, a blank line; a system message on one line."""
    folder = tmp_path / "聊天记录" / "Anna"
    folder.mkdir(parents=True)
    (folder / "Anna.txt").write_text(
        "2024-01-15 21:05:00 Anna\n你好\n\n2024-01-15 21:06:00 Bob\n[语音]\n\n2024-01-15 21:07:00 Anna撤回了一条消息\n\n"
        "2024-01-15 21:08:00 Bob\n第一行\n\n第二行\n\n2024-01-15 21:09:00 Anna\n好的\n引用:Bob:第一行\n\n", encoding="utf-8")
    [loaded] = load_export(folder)
    assert loaded.export.container == "wechat-text" and loaded.export.chats[0].name == "Anna"
    hello, voice, withdrawn, two, reply = loaded.export.messages
    assert (hello.sender, hello.datetime, hello.text) == ("Anna", "2024-01-15T21:05:00", "你好")
    assert voice.attachment.kind == "audio" and voice.attachment.missing and voice.attachment.placeholder == "[语音]"
    assert withdrawn.system and withdrawn.sender is None and withdrawn.text == "Anna撤回了一条消息"
    assert two.text == "第一行\n\n第二行" and reply.text == "好的" and reply.note == "reply, quoting Bob:第一行"


def test_vibers_emailed_history_csv_is_read_in_both_layouts_users_reported(tmp_path):
    """Viber mails a CSV per chat: date, time, name, number, message; some phones guard cells Excel-style."""
    plain = tmp_path / "Viber Sara.csv"
    plain.write_text("17/08/2014,12:52:56,Sara,+33612345678,Hello, you\n17/08/2014,12:58:34,Me,+33698765439,"
                     "Message photo\n18/08/2014,09:00:00,Sara,+33612345678,Voice message\n", encoding="utf-8")
    guarded = tmp_path / "Viber Her.csv"
    guarded.write_text('="17/08/2014"\t12:52:56\t="Me"\t="+194555010"\t"Hi"\n'
                       '="25/08/2014"\t12:58:34\t="Her"\t="01555020"\t"Hey, ""you"""\n', encoding="utf-8")
    loaded = {item.export.chats[0].name: item for item in load_export(tmp_path)}
    sara = loaded["Viber Sara"].export
    assert sara.container == "viber-csv"
    hello, photo, voice = sara.messages
    assert (hello.sender, hello.datetime, hello.text) == ("Sara (+33612345678)", "2014-08-17T12:52:56", "Hello, you")
    assert photo.attachment.kind == "image" and voice.attachment.kind == "audio" and voice.attachment.missing
    her = loaded["Viber Her"].export.messages
    assert [(m.sender, m.datetime, m.text) for m in her] == [("Me (+194555010)", "2014-08-17T12:52:56", "Hi"),
                                                              ("Her (01555020)", "2014-08-25T12:58:34", 'Hey, "you"')]


WECHAT_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="UTF-8"><title>Anna</title></head>
<body><p id="title">Anna</p>
<script>
    const chatMessages = [
{ type:1, text: 'Hello, it\\'s me',is_send:0,avatar_path:'https://wx.qlogo.cn/a.png',timestamp:1705352700,is_chatroom:0,displayname:'Anna'},{ type:34, text:'./voice/1705352760.mp3',is_send:0,avatar_path:'https://wx.qlogo.cn/a.png',voice_to_text:'',timestamp:1705352760,is_chatroom:0,displayname:'Anna'},{ type:0, text: 'Anna撤回了一条消息',is_send:0,avatar_path:'',timestamp:1705352820,is_chatroom:0,displayname:''},{ type:3, text: './image/abc.jpg',is_send:1,avatar_path:'https://wx.qlogo.cn/b.png',timestamp:1705352880,is_chatroom:0,displayname:'Bob'},
    ];
    function render(m) { if (m.type == 1) { return m.text; } }
</script>
</body></html>
"""


def _wechat_html(root: Path) -> Path:
    """A conversation as WeChatMsg's HTML exporter writes it: one JS object a message, voice/ beside."""
    folder = root / "聊天记录" / "Anna"
    (folder / "voice").mkdir(parents=True)
    (folder / "Anna.html").write_text(WECHAT_HTML, encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.mp3", folder / "voice" / "1705352760.mp3")
    return folder


def test_wechatmsgs_html_export_is_read_from_its_script(tmp_path):
    folder = _wechat_html(tmp_path)
    [loaded] = load_export(folder)
    assert loaded.export.container == "wechat-html" and loaded.export.chats[0].name == "Anna"
    hello, voice, withdrawn, photo = loaded.export.messages
    assert (hello.sender, hello.datetime, hello.text) == ("Anna", "2024-01-15T21:05:00+00:00", "Hello, it's me")
    assert voice.attachment.path == "voice/1705352760.mp3" and voice.attachment.kind == "audio"
    assert withdrawn.system and withdrawn.sender is None
    assert photo.attachment.missing and photo.sender == "Bob"


def test_voice_messages_of_the_new_layouts_are_transcribed_in_place(tmp_path, capsys):
    """Skype, Slack, Threema and WeChat: each voice message taken in as its own exhibit and its
    transcript shown at its message in the timeline."""
    evidence = tmp_path / "evidence"
    skype = evidence / "skype"
    (skype / "media").mkdir(parents=True)
    (skype / "messages.json").write_text(json.dumps(SKYPE), encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", skype / "media" / "0-weu-d3-2a9e4b1c7f3d8e6a5b4c3d2e1f0a9b8c.1.m4a")
    slack = _slack_export(evidence / "slack")
    threema = evidence / "threema.zip"
    with zipfile.ZipFile(threema, "w") as z:
        z.writestr("messages-Anna.txt", THREEMA)
        z.write(MEDIA / "en_voicenote.m4a", "3a9c8f02b1.m4a")
    wechat = _wechat_html(evidence / "wechat")
    status = main(["timeline", str(skype), str(slack), str(threema), str(wechat), "--out", str(tmp_path / "out"),
                   "--case", str(tmp_path / "case"), "--model", "tiny.en", "--format", "json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    for name, index in (("skype", 1), ("slack", 2), ("threema", 1), ("Anna", 1)):
        story = json.loads((tmp_path / "out" / f"{name}.timeline.json").read_text(encoding="utf-8"))
        voice = story["messages"][index]["attachment"]
        assert "station" in (voice["transcript"] or "").lower(), (name, voice)


def test_messenger_threads_of_one_download_are_named_after_their_titles(tmp_path, capsys):
    """Two Messenger chats in one download wrote `message_1.timeline.json` and `message_1-2.timeline.json`."""
    inbox = tmp_path / "your_facebook_activity" / "messages" / "inbox"
    for folder, title in (("anna_101", "Anna Müller"), ("ben_202", "Ben")):
        (inbox / folder).mkdir(parents=True)
        (inbox / folder / "message_1.json").write_text(json.dumps({
            "participants": [{"name": title}, {"name": "Me"}], "title": title, "is_still_participant": True,
            "thread_path": f"inbox/{folder}", "magic_words": [],
            "messages": [{"sender_name": title, "timestamp_ms": 1709287953000, "content": "hi"}]}), encoding="utf-8")
    status = main(["timeline", str(tmp_path / "your_facebook_activity"), "--out", str(tmp_path / "out"),
                   "--case", str(tmp_path / "case"), "--format", "json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert sorted(Path(p).name for p in captured.out.splitlines()) == ["Anna Müller.timeline.json", "Ben.timeline.json"]
