"""Chat exports as the apps write them (seventh round): Discord channels and direct messages as
DiscordChatExporter writes them in JSON (files in `<name>.json_Files/`, Windows paths, web addresses
when the files were not downloaded), and LINE's chat history text (date headings, tab columns,
quoted multi-line messages, no media: placeholders only).

Each export is built here the way the app writes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from app.core.chats import load_export
from app.core.errors import ChatError
from tests.conftest import MEDIA


def _author(name: str, nickname: str | None = None, avatar: str = "https://cdn.discordapp.com/embed/avatars/0.png") -> dict:
    return {"id": str(abs(hash(name)) % 10**18), "name": name, "discriminator": "0000",
            "nickname": nickname or name, "color": None, "isBot": False, "roles": [], "avatarUrl": avatar}


def _message(mid: str, when: str, author: dict, content: str = "", kind: str = "Default", **extra) -> dict:
    base = {"id": mid, "type": kind, "timestamp": when, "timestampEdited": None, "callEndedTimestamp": None,
            "isPinned": False, "content": content, "author": author, "attachments": [], "embeds": [],
            "stickers": [], "reactions": [], "mentions": [], "inlineEmojis": []}
    return base | extra


def _voice(mid: str, url: str) -> dict:
    return {"id": mid, "url": url, "fileName": "voice-message.ogg", "fileSizeBytes": 9984}


def _discord_dm(folder: Path, name: str, messages: list[dict], channel: str = "anna") -> Path:
    """A direct-message channel as DiscordChatExporter writes it (JSON, indented, `guild` first)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = {"guild": {"id": "0", "name": "Direct Messages", "iconUrl": "https://cdn.discordapp.com/embed/avatars/0.png"},
            "channel": {"id": "897616348878872660", "type": "DirectTextChat", "categoryId": "0", "category": "Private",
                        "name": channel, "topic": None},
            "dateRange": {"after": None, "before": None}, "exportedAt": "2024-01-16T08:00:00.0000000+01:00",
            "messages": messages, "messageCount": len(messages)}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _anna_and_bob(folder: Path) -> Path:
    """Anna's and Bob's direct messages exported on Windows with the files downloaded: Bob's voice
    message beside the JSON, Anna's avatar too, one voice message never downloaded (its web address),
    one file of the folder that no message names."""
    files = folder / "Direct Messages - anna [8976].json_Files"
    files.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", files / "voice-message-1A2B3.ogg")
    shutil.copy(MEDIA / "pl_voicenote.opus", files / "voice-message-9F9F9.ogg")
    (files / "606d47abe5d938a482e737a05c54fabe-8B00F.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    anna = _author("anna_k", "Anna", "Direct Messages - anna [8976].json_Files\\606d47abe5d938a482e737a05c54fabe-8B00F.png")
    bob = _author("bob")
    return _discord_dm(folder, "Direct Messages - anna [8976].json", [
        _message("1", "2024-01-15T21:05:00.123+01:00", anna, "where are you?"),
        _message("2", "2024-01-15T21:06:00+01:00", bob, attachments=[
            _voice("5", "Direct Messages - anna [8976].json_Files\\voice-message-1A2B3.ogg")],
            reactions=[{"emoji": {"id": "", "name": "\U0001F44D", "isAnimated": False, "imageUrl": ""}, "count": 1}]),
        _message("3", "2024-01-15T21:07:00+01:00", anna, "ok see you", "Reply",
                 timestampEdited="2024-01-15T21:08:30+01:00", reference={"messageId": "2", "channelId": "8976"},
                 attachments=[_voice("6", "https://cdn.discordapp.com/attachments/8976/6/voice-message.ogg?ex=65b1")]),
        _message("4", "2024-01-15T21:09:00+01:00", bob, kind="Call", callEndedTimestamp="2024-01-15T21:12:00+01:00"),
    ])


def test_a_discord_direct_message_export_is_read_its_voice_messages_found_or_said_missing(tmp_path):
    """DiscordChatExporter's JSON was 'not a Telegram export' given alone, and a folder holding it had
    'no chat export': a Discord conversation and its voice messages were never part of the story."""
    chat = _anna_and_bob(tmp_path / "discord")
    [loaded] = load_export(chat)
    export = loaded.export
    assert export.container == "discord-json" and export.chats[0].name == "anna"
    asked, voice, reply, call, unnamed = export.messages
    assert (asked.sender, asked.text, asked.datetime) == ("Anna (anna_k)", "where are you?", "2024-01-15T21:05:00.123000+01:00")
    assert voice.sender == "bob" and voice.attachment.kind == "audio" and voice.attachment.playable
    path = "Direct Messages - anna [8976].json_Files/voice-message-1A2B3.ogg"  # written with a backslash
    assert voice.attachment.path == path and loaded.files[path].read_bytes() == (MEDIA / "en_voicenote.opus").read_bytes()
    assert "reactions: \U0001F44D x1" in voice.note
    assert reply.text == "ok see you" and not reply.system and reply.attachment.missing  # never downloaded
    assert reply.attachment.placeholder.startswith("https://cdn.discordapp.com/") and reply.attachment.kind == "audio"
    assert "edited 2024-01-15T21:08:30+01:00" in reply.note and "a reply to message 2" in reply.note
    assert call.system and call.sender == "bob" and "call ended" in call.note
    assert unnamed.sender is None and unnamed.attachment.path.endswith("voice-message-9F9F9.ogg")  # never dropped
    assert all(not (m.attachment and (m.attachment.path or "").endswith(".png")) for m in export.messages)  # an avatar
    assert export.accounting() == ("2 attachment(s) named, 1 of them not in the export, "
                                   "1 file(s) no message names (kept in the chat)")
    [in_folder] = load_export(tmp_path / "discord")
    assert [m.text for m in in_folder.export.messages] == [m.text for m in export.messages]


def test_a_zipped_discord_export_gives_its_voice_message_from_the_zip(tmp_path):
    chat = _anna_and_bob(tmp_path / "discord")
    archive = tmp_path / "discord-anna.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(chat.parent.rglob("*")):
            if file.is_file():
                out.write(file, file.relative_to(chat.parent).as_posix())
    [loaded] = load_export(archive, tmp_path / "extracted")
    assert loaded.export.container == "discord-json-zip"
    voice = loaded.export.messages[1]
    assert voice.attachment.playable and loaded.files[voice.attachment.path].read_bytes() == \
        (MEDIA / "en_voicenote.opus").read_bytes()
    unnamed = [m.attachment.path for m in loaded.export.messages if m.sender is None and m.attachment]
    assert unnamed == ["Direct Messages - anna [8976].json_Files/voice-message-9F9F9.ogg"]


def test_discord_channels_exported_side_by_side_keep_their_own_files(tmp_path):
    """Two channels in one folder, each with its own `_Files` folder: one channel's files are never
    the other's 'files no message names'. A server channel is named with its server."""
    folder = tmp_path / "export"
    _anna_and_bob(folder)
    (folder / "Crew - general [77].json_Files").mkdir()
    shutil.copy(MEDIA / "en_voicenote.m4a", folder / "Crew - general [77].json_Files" / "audio-77AA1.m4a")
    general = _discord_dm(folder, "Crew - general [77].json", [
        _message("9", "2024-01-14T10:00:00+00:00", _author("carl"), "meet at 8", attachments=[
            {"id": "10", "url": "Crew - general [77].json_Files\\audio-77AA1.m4a", "fileName": "audio.m4a",
             "fileSizeBytes": 100}])], channel="general")
    data = json.loads(general.read_text(encoding="utf-8"))
    data["guild"] = {"id": "55", "name": "Crew", "iconUrl": None}
    data["channel"] |= {"type": "GuildTextChat", "category": "Text Channels"}
    general.write_text(json.dumps(data, indent=2), encoding="utf-8")
    chats = {loaded.export.chats[0].name: loaded.export for loaded in load_export(folder)}
    assert set(chats) == {"anna", "Crew #general"}
    assert [m.attachment.name for m in chats["Crew #general"].messages] == ["audio.m4a"]
    strays = [m.attachment.path for m in chats["anna"].messages if m.sender is None and m.attachment]
    assert strays == ["Direct Messages - anna [8976].json_Files/voice-message-9F9F9.ogg"]


def _line(tmp_path: Path, text: str, name: str = "[LINE] Chat with Anna.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    [loaded] = load_export(path)
    return loaded.export


def test_a_line_chat_history_is_read_its_voice_messages_said_missing(tmp_path):
    """LINE's saved history (banner, date headings, tab columns, Windows line ends) was 'no recognisable
    chat message'. Its voice messages and photos are placeholders (LINE saves no files): said missing;
    a message of several lines is quoted, and a date typed alone on one of its lines stays its text."""
    export = _line(tmp_path, (
        "\ufeff[LINE] Chat history with Anna\r\nSaved on: 2024/01/16 08:00\r\n\r\n"
        "2024/01/15(Mon)\r\n21:05\tAnna\tHello\r\n21:06\tBob\t[Voice message]\r\n"
        "21:07\tAnna\t\"Meet at\r\n2024/01/16\r\nthe station\"\r\n21:08\tAnna joined the group\r\n"
        "21:09\tBob\tBob unsent a message.\r\n21:10\tAnna\t\u260e Call time 0:45\r\n"
        "21:11\tBob\tsee you: 10:00\tsharp\r\n\r\n2024/01/16(Tue)\r\n08:00\tBob\t[Photo]\r\n"))
    assert export.container == "line" and export.chats[0].name == "Anna"
    hello, voice, meet, joined, unsent, call, sharp, photo = export.messages
    assert (hello.sender, hello.text, hello.datetime) == ("Anna", "Hello", "2024-01-15T21:05:00")
    assert hello.time_as_written == "2024/01/15(Mon) 21:05"
    assert voice.sender == "Bob" and voice.text == "" and voice.attachment.kind == "audio"
    assert voice.attachment.missing and voice.attachment.placeholder == "[Voice message]"
    assert meet.text == "Meet at\n2024/01/16\nthe station" and meet.datetime == "2024-01-15T21:07:00"
    assert joined.system and joined.sender is None and joined.text == "Anna joined the group"
    assert unsent.system and call.system and not hello.system
    assert sharp.text == "see you: 10:00\tsharp"
    assert photo.datetime == "2024-01-16T08:00:00" and photo.attachment.kind == "image" and photo.attachment.missing
    assert export.accounting().startswith("2 attachment(s) named, 2 of them not in the export")


@pytest.mark.parametrize(("text", "first", "second"), [
    (("[LINE] Chat history with Travel Friends\nSaved on: 1/16/2024, 8:00 AM\n\nMon, 1/15/2024\n"
     "9:05 PM\tAlex\thi\n9:06 PM\tMaya\t[Sticker]\n\nTue, 1/16/2024\n12:30 AM\tAlex\tlate\n"),
     "2024-01-15T21:05:00", "2024-01-16T00:30:00"),
    (("[LINE] Chat history with Travel Friends\nSaved on: 26/04/2026, 04:36PM\n\nSun, 26/04/2026\n"
     "04:35PM\tAlex\tramen?\n04:36PM\tMaya\t[Voice message]\n\nMon, 27/04/2026\n09:00AM\tAlex\tlate\n"),
     "2026-04-26T16:35:00", "2026-04-27T09:00:00"),
    (("[LINE] アンナとのトーク履歴\n保存日時：2024/01/16 08:00\n\n2024/01/15(月)\n21:05\tアンナ\tこんばんは\n"
     "21:06\tボブ\t[ボイスメッセージ]\n\n2024/01/16(火)\n午前0:30\tアンナ\tおやすみ\n"),
     "2024-01-15T21:05:00", "2024-01-16T00:30:00"),
    (("[LINE] ประวัติการแชทกับ Anna\nบันทึกวันที่: 16/01/2567 08:00\n\nวันจันทร์, 15/01/2567\n21:05\tAnna\tสวัสดี\n"
      "21:06\tBob\t[ข้อความเสียง]\n\nอ., 16/01/2567\n00:30\tAnna\tฝันดี\n"),
     "2024-01-15T21:05:00", "2024-01-16T00:30:00"),
    (("[LINE] 안나 님과의 대화\n저장한 날짜 : 2024.01.16 08:00\n\n2024.01.15 월요일\n오후 9:05\t안나\t안녕\n"
      "오후 9:06\t밥\t[음성메시지]\n\n2024.01.16 화요일\n오전 12:30\t안나\t잘 자\n"),
     "2024-01-15T21:05:00", "2024-01-16T00:30:00"),
    (("2015.12.25 Friday\n07:33\tErik\tMerry Christmas!\n07:34\tKaori\tMerry Christmas!\n\n"
     "2015.12.26 Saturday\n08:35\tKaori\tGood morning!\n"),
     "2015-12-25T07:33:00", "2015-12-26T08:35:00"),
])
def test_line_date_headings_and_clocks_as_phones_in_other_languages_write_them(tmp_path, text, first, second):
    """Month-first (US English), day-first (a day above 12 says so), Japanese headings and 午前 clocks,
    and a history whose banner was cut off: each message gets its date from the heading above it."""
    export = _line(tmp_path, text)
    assert export.container == "line"
    assert export.messages[0].datetime == first and export.messages[-1].datetime == second
    assert all(m.sender and not m.system for m in export.messages)
    audio = [m.attachment for m in export.messages if m.attachment and m.attachment.kind == "audio"]
    assert all(a.missing and a.name is None for a in audio)


def test_a_text_with_tabs_that_is_no_chat_is_still_refused(tmp_path):
    """A tab-separated table of times is not a LINE history without a date heading above it."""
    path = tmp_path / "shifts.txt"
    path.write_text("09:00\tAnna\tfront desk\n10:00\tBob\tstore\n11:00\tCarl\tyard\n", encoding="utf-8")
    with pytest.raises(ChatError, match="no recognisable chat message"):
        load_export(path)


def _google_chat(folder: Path, messages: list[dict], info: dict | None) -> Path:
    """A conversation as Google Takeout writes it (JSON indented by two, `\\u202f` before PM)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "messages.json").write_text(json.dumps({"messages": messages}, indent=2), encoding="utf-8")
    if info is not None:
        (folder / "group_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return folder / "messages.json"


ANNA = {"name": "Anna Smith", "email": "anna@example.com", "user_type": "Human"}
BOB = {"name": "Bob Jones", "email": "bob@example.com", "user_type": "Human"}


def test_a_google_chat_takeout_conversation_is_read_its_audio_found_by_its_disk_name(tmp_path):
    """Google Takeout's `messages.json` was 'not a Telegram export', and its folder held 'no chat
    export'. Times are words in UTC; `?` in an export name is `_` on disk; a direct message is named
    by its members (group_info.json), a sender by name and address."""
    dm = tmp_path / "Takeout" / "Google Chat" / "Groups" / "DM k6oxHQAAAAE"
    dm.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", dm / "File-4926929847130562072_account_id=3.m4a")
    shutil.copy(MEDIA / "es_voicenote.ogg", dm / "File-2024-01-15.ogg")
    path = _google_chat(dm, [
        {"creator": ANNA, "created_date": "Monday, January 15, 2024 at 9:05:00\u202fPM UTC",
         "text": "where are you?", "topic_id": "LqFDi4ScZAQ", "message_id": "k6oxHQAAAAE/LqFDi4ScZAQ/LqFDi4ScZAQ"},
        {"creator": BOB, "created_date": "Monday, January 15, 2024 at 9:06:10\u202fPM UTC",
         "attached_files": [{"original_name": "4926929847130562072?account_id=3.m4a",
                             "export_name": "File-4926929847130562072?account_id=3.m4a"}],
         "topic_id": "b4J2xIBNDZk", "message_id": "k6oxHQAAAAE/b4J2xIBNDZk/b4J2xIBNDZk"},
        {"creator": ANNA, "created_date": "Tuesday, January 16, 2024 at 12:01:00\u202fAM UTC",
         "text": "ok", "updated_date": "Tuesday, January 16, 2024 at 12:02:00\u202fAM UTC",
         "topic_id": "c", "message_id": "k6oxHQAAAAE/c/c"},
        {"creator": BOB, "created_date": "Tuesday, January 16, 2024 at 12:03:00\u202fAM UTC",
         "message_state": "DELETED", "topic_id": "d", "message_id": "k6oxHQAAAAE/d/d"},
    ], {"members": [ANNA, BOB]})
    for given in (path, tmp_path / "Takeout"):
        [loaded] = load_export(given)
        export = loaded.export
        assert export.container == "google-chat-json" and export.chats[0].name == "Anna Smith and Bob Jones"
        asked, voice, edited, deleted, unnamed = export.messages
        assert (asked.sender, asked.text, asked.datetime) == (
            "Anna Smith <anna@example.com>", "where are you?", "2024-01-15T21:05:00+00:00")
        assert voice.attachment.playable and voice.attachment.path == "File-4926929847130562072_account_id=3.m4a"
        assert loaded.files[voice.attachment.path].read_bytes() == (MEDIA / "en_voicenote.m4a").read_bytes()
        assert edited.datetime == "2024-01-16T00:01:00+00:00" and "edited" in edited.note
        assert deleted.system and "deleted" in deleted.note
        assert unnamed.sender is None and unnamed.attachment.path == "File-2024-01-15.ogg"  # never dropped
        assert loaded.pages == (dm / "group_info.json",)


def test_a_google_chat_time_written_otherwise_is_kept_as_written_and_said(tmp_path):
    path = _google_chat(tmp_path / "Space AAAA", [
        {"creator": ANNA, "created_date": "lundi 15 janvier 2024 à 21:05:00 UTC", "text": "salut"},
        {"creator": {"name": "Meet", "user_type": "Bot"}, "created_date": "Monday, January 15, 2024 at 9:07:00 PM UTC",
         "text": "call started"}], {"name": "Crew", "members": [ANNA]})
    [loaded] = load_export(path)
    first, bot = loaded.export.messages
    assert loaded.export.chats[0].name == "Crew"
    assert first.datetime is None and first.time_as_written.startswith("lundi") and "not read" in first.note
    assert bot.datetime == "2024-01-15T21:07:00+00:00" and "sender is a Bot" in bot.note


def test_the_same_export_downloaded_twice_is_one_exhibit_said_so_and_one_timeline(tmp_path, capsys):
    """`X.zip` and `X (1).zip`, the same bytes: one exhibit (as before), but its timeline was written
    twice over the same file and the second copy was never said to be the first."""
    from app.cli import main

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    archive = evidence / "WhatsApp Chat with Anna.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("WhatsApp Chat with Anna.txt", "15/01/2024, 21:05 - Anna: where are you?\n"
                                                    "15/01/2024, 21:06 - Bob: PTT-20240115-WA0002.opus (file attached)\n")
    shutil.copy(archive, evidence / "WhatsApp Chat with Anna (1).zip")
    status = main(["timeline", str(evidence), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")])
    captured = capsys.readouterr()
    written = captured.out.splitlines()
    assert status == 0, captured.err
    assert len(written) == len(set(written)) == 1 and Path(written[0]).is_file()
    assert "WhatsApp Chat with Anna.zip: the same file as" in captured.err and "(1).zip (exhibit 1" in captured.err
    assert "1 of them not in the export" in captured.err  # the voice note the zip lacks is said


def _sms_backup(path: Path, body: str, count: int) -> Path:
    """An SMS Backup & Restore file as the app writes it (its comment and stylesheet lines first)."""
    path.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
                    "<!--File Created By SMS Backup & Restore v10.18.004 on 16/01/2024 08:00:00-->\n"
                    '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
                    f'<smses count="{count}" backup_set="6f1c0a9e" backup_date="1705392000000" type="full">\n'
                    f"{body}</smses>\n", encoding="utf-8")
    return path


def _sms(address: str, ms: int, kind: int, body: str, name: str = "Anna") -> str:
    return (f'  <sms protocol="0" address="{address}" date="{ms}" type="{kind}" subject="null" body="{body}" '
            f'toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" '
            f'sub_id="1" readable_date="15 Jan 2024 21:05:00" contact_name="{name}" />\n')


def _voice_mms(address: str, ms: int, audio: bytes | None, text: str) -> str:
    data = f' data="{base64.b64encode(audio).decode()}"' if audio is not None else ""
    return (f'  <mms date="{ms}" rr="null" sub="null" ct_t="application/vnd.wap.multipart.related" msg_box="1" '
            f'address="{address}" m_type="132" date_sent="{ms // 1000}" text_only="0" '
            f'readable_date="15 Jan 2024 21:06:00" contact_name="Anna">\n    <parts>\n'
            '      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" fn="null" '
            'cid="&lt;smil&gt;" cl="smil.xml" ctt_s="null" ctt_t="null" text="&lt;smil&gt;&lt;/smil&gt;" />\n'
            f'      <part seq="0" ct="audio/amr" name="audio.amr" chset="null" cd="null" fn="null" cid="&lt;0&gt;" '
            f'cl="audio.amr" ctt_s="null" ctt_t="null" text="null"{data} />\n'
            f'      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;1&gt;" '
            f'cl="text_0.txt" ctt_s="null" ctt_t="null" text="{text}" />\n    </parts>\n    <addrs>\n'
            f'      <addr address="{address}" type="137" charset="106" />\n'
            '      <addr address="insert-address-token" type="151" charset="106" />\n    </addrs>\n  </mms>\n')


def test_an_sms_backup_is_read_per_conversation_and_its_mms_voice_recording_taken_in(case, tmp_path):
    """SMS Backup & Restore's XML (a phone's texts, its MMS voice recordings inside as base64) was
    passed over in a folder and 'no recognisable chat message' given alone."""
    from app.core.chats.intake import take_in

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    audio = (MEDIA / "en_voicenote.amr").read_bytes()
    backup = _sms_backup(evidence / "sms-20240116080000.xml", (
        _sms("+447700900123", 1705352700000, 1, "where are you?")
        + _sms("+447700900123", 1705352820000, 2, "on my way &amp; late")
        + _sms("+447700900999", 1705352900000, 1, "who is this", "(Unknown)")
        + _voice_mms("+447700900123", 1705352760000, audio, "listen")  # the app writes MMS after every SMS
        + _voice_mms("+447700900123", 1705352770000, None, "and this")), 5)
    [loaded] = load_export(evidence)
    anna, stranger = loaded.export.chats
    assert loaded.export.container == "sms-backup-xml" and anna.name == "Anna (+447700900123)"
    asked, voice, no_media, answer = anna.messages  # in time order
    assert (asked.sender, asked.text, asked.datetime) == ("Anna (+447700900123)", "where are you?", "2024-01-15T21:05:00+00:00")
    assert voice.text == "listen" and voice.attachment.kind == "audio" and not voice.attachment.missing
    assert no_media.attachment.missing and no_media.text == "and this"  # a backup made without media: said
    assert (answer.sender, answer.text) == ("(this phone)", "on my way & late")
    assert stranger.name == "+447700900999" and stranger.messages[0].sender == "+447700900999"
    [taken] = take_in(case, backup)
    [media] = taken.media
    assert Path(media.path).read_bytes() == audio and str(case.folder) in media.path  # written out in the case
    assert loaded.hashes[voice.attachment.path] == hashlib.sha256(audio).hexdigest()


def test_signal_androids_plaintext_backup_is_read_and_a_cut_backup_says_where(tmp_path):
    signal = tmp_path / "SignalPlaintextBackup.xml"
    signal.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
                      + _sms("+15555550100", 1424300000000, 1, "hi from signal", "null").replace(
                          ' readable_date="15 Jan 2024 21:05:00"', ' readable_date="null"')
                      + _sms("+15555550100", 1424300060000, 2, "hey", "null") + "</smses>\n", encoding="utf-8")
    [loaded] = load_export(signal)
    first, second = loaded.export.messages
    assert (first.sender, first.time_as_written, first.datetime) == ("+15555550100", "1424300000000", "2015-02-18T22:53:20+00:00")
    assert second.sender == "(this phone)" and second.text == "hey"
    cut = tmp_path / "sms-cut.xml"
    cut.write_bytes(signal.read_bytes()[:-40])
    with pytest.raises(ChatError, match=r"malformed XML .*1 message\(s\) read before it"):
        load_export(cut)


def test_a_forwarded_discord_voice_message_is_the_forwarders_and_a_bots_reply_its_own_words(tmp_path):
    """A forward keeps its words and files in `forwardedMessage` (its own content is empty): the
    forwarded voice message was lost. A bot's reply to a command (type ChatInputCommand) is its words."""
    files = tmp_path / "dm.json_Files"
    files.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", files / "voice-message-77777.ogg")
    chat = _discord_dm(tmp_path, "dm.json", [
        _message("1", "2024-01-15T21:05:00+00:00", _author("bob"), reference={"type": "Forward", "messageId": "90"},
                 forwardedMessage={"timestamp": "2024-01-10T08:00:00+00:00", "timestampEdited": None,
                                   "content": "from carl", "attachments": [_voice("91", "dm.json_Files\\voice-message-77777.ogg")],
                                   "embeds": [], "stickers": []}),
        _message("2", "2024-01-15T21:06:00+00:00", _author("helper", "Helper"), "rolled 6", "ChatInputCommand"),
    ])
    forward, bot = load_export(chat)[0].export.messages
    assert forward.text == "from carl" and forward.attachment.playable and "forwarded (first sent 2024-01-10" in forward.note
    assert not bot.system and bot.text == "rolled 6"


def _dce_message(mid: str, inner: str, aside: str) -> str:
    return (f'    <div id="chatlog__message-container-{mid}" class="chatlog__message-container " data-message-id="{mid}">\n'
            f'        <div class="chatlog__message">\n                <div class="chatlog__message-aside">\n'
            f'                        {aside}\n                </div>\n'
            f'                <div class="chatlog__message-primary">\n{inner}\n                </div>\n'
            '        </div>\n    </div>\n')


def _dce_header(name: str, account: str, when: str, mid: str) -> str:
    return ('                        <div class="chatlog__header">\n'
            f'                            <span class="chatlog__author" title="{account}" data-user-id="3">{name}</span>\n'
            f'                            <span class="chatlog__timestamp"><a href="#chatlog__message-container-{mid}">'
            f'{when}</a></span>\n                        </div>')


def _dce_text(words: str, edited: str = "") -> str:
    stamp = f'<span class="chatlog__edited-timestamp" title="{edited}">(edited)</span>' if edited else ""
    return ('                        <div class="chatlog__content chatlog__markdown">\n'
            f'                                <span class="chatlog__markdown-preserve"><!--wmm:ignore-->{words}'
            f'<!--/wmm:ignore--></span>\n                                {stamp}\n                        </div>')


def _dce_audio(src: str) -> str:
    return ('                        <div class="chatlog__attachment " onclick="">\n'
            '                                <audio class="chatlog__attachment-media" controls>\n'
            f'                                    <source src="{src}" alt="Audio attachment" '
            'title="Audio: voice-message.ogg (9.75 KB)">\n                                </audio>\n'
            '                        </div>')


def _dce_dm_page() -> str:
    """A DM of three messages in two groups as DiscordChatExporter's templates write it (before its minifier):
    an edited message with a line break, a voice message downloaded, a reply with a voice message not downloaded."""
    avatar = '<img class="chatlog__avatar" src="https://cdn.discordapp.com/embed/avatars/1.png" alt="Avatar" loading="lazy">'
    reply = ('                        <div class="chatlog__reply">\n'
             '                                <div class="chatlog__reply-author" title="anna_k">Anna</div>\n'
             '                                <div class="chatlog__reply-content"><span class="chatlog__reply-link">'
             '<!--wmm:ignore-->where are you?<!--/wmm:ignore--></span></div>\n                        </div>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<title>Direct Messages - anna</title>\n<meta charset="utf-8">\n'
        '</head>\n<body>\n<div class="preamble">\n    <div class="preamble__entries-container">\n'
        '        <div class="preamble__entry">Direct Messages</div>\n        <div class="preamble__entry">Private / anna</div>\n'
        '    </div>\n</div>\n<div class="chatlog">\n<div class="chatlog__message-group">\n'
        + _dce_message("1", _dce_header("Anna", "anna_k", "1/15/2024 9:05 PM", "1")
                       + "\n" + _dce_text("where are you?<br>at the depot &amp; waiting", "1/15/2024 9:08 PM"), avatar)
        + _dce_message("2", _dce_audio("anna.html_Files/voice-message%201A2B3.ogg"),
                       '<div class="chatlog__short-timestamp" title="1/15/2024 9:06 PM">9:06 PM</div>')
        + '</div>\n<div class="chatlog__message-group">\n'
        + _dce_message("3", reply + "\n" + _dce_header("bob", "bob", "1/15/2024 9:13 PM", "3") + "\n"
                       + _dce_text("coming") + "\n"
                       + _dce_audio("https://cdn.discordapp.com/attachments/8976/6/voice-message.ogg?ex=65b1"), avatar)
        + '</div>\n</div>\n<div class="postamble">\n    <div class="postamble__entry">Exported 3 message(s)</div>\n'
        '</div>\n</body>\n</html>\n')


def test_a_discord_html_export_is_read_its_voice_message_found_by_its_encoded_address(tmp_path):
    """DiscordChatExporter's default format (HTML) was 'no recognisable chat message'. A group's later
    messages carry no name (the author's above) and a short time (the full one in its title); a reply's
    quoted words are not its own; the file's address is percent-encoded."""
    page = _dce_dm_page()
    (tmp_path / "anna.html_Files").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "anna.html_Files" / "voice-message 1A2B3.ogg")
    (tmp_path / "anna.html").write_text(page, encoding="utf-8")
    [loaded] = load_export(tmp_path)
    export = loaded.export
    assert export.container == "discord-html" and export.chats[0].name == "Direct Messages / Private / anna"
    asked, voice, coming = export.messages
    assert (asked.sender, asked.text, asked.datetime) == (
        "Anna (anna_k)", "where are you?\nat the depot & waiting", "2024-01-15T21:05:00")
    assert "edited 1/15/2024 9:08 PM" in asked.note
    assert voice.sender == "Anna (anna_k)" and voice.datetime == "2024-01-15T21:06:00" and voice.attachment.playable
    assert voice.attachment.path == "anna.html_Files/voice-message 1A2B3.ogg" and voice.attachment.path in loaded.files
    assert (coming.sender, coming.text) == ("bob", "coming") and "a reply" in coming.note
    assert coming.attachment.missing and coming.attachment.name == "voice-message.ogg"


def _messenger_section(sender: str, content: str, when: str) -> str:
    """One message as Meta's HTML download writes it (generated class names, these held for years)."""
    return (f'<section class="_a6-g"><h2 class="_2ph_ _a6-h _a6-i">{sender}</h2>'
            f'<div class="_2ph_ _a6-p"><div><div></div><div>{content}</div><div></div><div></div></div></div>'
            f'<footer class="_3-94 _a6-o"><div class="_a72d">{when}</div></footer></section>')


def _messenger_page(sections: list[str]) -> str:
    return ('<html><head><meta charset="utf-8" /><title>Anna Müller</title></head><body class="_5vb_ _2yq _a7o5">'
            '<div class="clearfix _ikh"><div class="_4bl9"><div class="_li"><div class="_a705"><div class="_a706">'
            '<h1>Anna Müller</h1>' + "".join(sections) + '</div></div></div></div></div></body></html>')


def test_a_messenger_html_download_is_read_oldest_first_its_voice_clip_found(tmp_path):
    """Meta offers the download as HTML first: `message_1.html` was 'no recognisable chat message', a
    folder of them held no chat. Pages list newest first; a voice clip is `audio/...mp4`."""
    thread = tmp_path / "your_facebook_activity" / "messages" / "inbox" / "annamuller_10158123"
    (thread / "audio").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", thread / "audio" / "audioclip17053527600001234.mp4")
    clip = "your_facebook_activity/messages/inbox/annamuller_10158123/audio/audioclip17053527600001234.mp4"
    (thread / "message_1.html").write_text(_messenger_page([  # the newest page
        _messenger_section("Bob", "on my way", "Jan 15, 2024 9:07:00 pm"),
        _messenger_section("Anna Müller", f'<div><audio src="{clip}" controls></audio></div>', "Jan 15, 2024 9:06:00 pm"),
    ]), encoding="utf-8")
    (thread / "message_2.html").write_text(_messenger_page([
        _messenger_section("Anna Müller", 'wo bist du?</div><ul class="_a6-q"><li><span>\u2764Bob</span></li></ul><div>',
                           "Jan 15, 2024 9:05:12 pm")]), encoding="utf-8")
    for given in (thread / "message_1.html", thread / "message_2.html", tmp_path):
        [loaded] = load_export(given)
        export = loaded.export
        assert export.container == "messenger-html" and export.chats[0].name == "Anna Müller"
        asked, voice, answer = export.messages
        assert (asked.sender, asked.text, asked.datetime) == ("Anna Müller", "wo bist du?", "2024-01-15T21:05:12")
        assert asked.note == "reactions: \u2764Bob"
        assert voice.attachment.kind == "audio" and voice.attachment.path == "audio/audioclip17053527600001234.mp4"
        assert voice.attachment.path in loaded.files and (answer.sender, answer.text) == ("Bob", "on my way")
        assert loaded.pages == (thread / "message_2.html",)


def test_a_voice_note_in_a_whatsapp_and_in_a_line_chat_in_one_minute_are_two_messages(case, tmp_path):
    """'Also in' matched Bob's WhatsApp voice note and his LINE voice message of the same minute (same
    sender, no words, both audio) and called them one message exported twice: only exports of one app
    are compared (WhatsApp Android and iPhone, Telegram JSON and HTML still are)."""
    from app.core.chats.intake import take_in
    from app.core.store.chats import echoes

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    whatsapp = evidence / "WhatsApp Chat with Anna.txt"
    whatsapp.write_text("15/01/2024, 21:05 - Anna: where are you?\n"
                        "15/01/2024, 21:06 - Bob: PTT-20240115-WA0001.opus (file attached)\n", encoding="utf-8")
    again = evidence / "copy"
    again.mkdir()
    (again / "WhatsApp Chat with Anna.txt").write_text("15/01/2024, 21:05 - Anna: where are you?\n"
                                                        "15/01/2024, 21:06 - Bob: PTT-20240115-WA0001.opus (file attached)\n"
                                                        "15/01/2024, 21:07 - Anna: ok\n", encoding="utf-8")
    line = evidence / "[LINE] Chat with Anna.txt"
    line.write_text("[LINE] Chat with Anna\nSaved on: 2024/01/16 08:00\n\n2024/01/15(Mon)\n"
                    "21:06\tBob\t[Voice message]\n", encoding="utf-8")
    [taken_whatsapp] = take_in(case, whatsapp)
    [taken_line] = take_in(case, line)
    [taken_again] = take_in(case, again / "WhatsApp Chat with Anna.txt")
    assert echoes(case, taken_line.exhibit_id) == {}
    found = [e.exhibit_id for echo in echoes(case, taken_whatsapp.exhibit_id).values() for e in echo]
    assert found == [taken_again.exhibit_id] * 2  # the same WhatsApp chat exported twice still is (its typed
    # words shared: a voice note with no words, of no file held, makes no two exports one chat: test_chat_echoes33)


def test_a_zipped_messenger_html_download_is_read_and_its_voice_clip_taken_from_the_zip(tmp_path):
    """Meta's download arrives as a zip: one in HTML was 'no chat found in this zip'."""
    base = "your_facebook_activity/messages/inbox/annamuller_10158123"
    archive = tmp_path / "facebook-anna-2024-01-16-Xy12.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(f"{base}/message_1.html", _messenger_page([
            _messenger_section("Anna Müller", f'<div><audio src="{base}/audio/audioclip1.mp4" controls></audio></div>',
                               "Jan 15, 2024 9:06:00 pm")]))
        out.writestr(f"{base}/message_2.html", _messenger_page([
            _messenger_section("Anna Müller", "wo bist du?", "Jan 15, 2024 9:05:12 pm")]))
        out.write(MEDIA / "en_voicenote.m4a", f"{base}/audio/audioclip1.mp4")
        out.writestr("your_facebook_activity/messages/photos/profile.jpg", b"\xff\xd8\xff" + bytes(16))
    [loaded] = load_export(archive, tmp_path / "extracted")
    assert loaded.export.container == "messenger-html-zip"
    asked, voice, other = loaded.export.messages
    assert asked.text == "wo bist du?" and voice.attachment.playable
    assert other.sender is None and other.attachment.name == "profile.jpg"  # accounted, as in a JSON download
    assert loaded.files[voice.attachment.path].read_bytes() == (MEDIA / "en_voicenote.m4a").read_bytes()


def test_a_zipped_line_history_discord_page_and_signal_export_are_read(tmp_path):
    """Zipped (as they are handed over), a LINE history, a DiscordChatExporter page and a Signal
    Markdown export were 'no chat found in this zip': each is now read by its content."""
    from tests.conftest import REPO

    archive = tmp_path / "handover.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("line/[LINE] Chat with Anna.txt", "[LINE] Chat with Anna\nSaved on: 2024/01/16 08:00\n\n"
                     "2024/01/15(Mon)\n21:05\tAnna\tHello\n21:06\tBob\t[Voice message]\n")
        out.writestr("discord/anna.html", (
            '<html><body><div class="preamble"><div class="preamble__entry">Direct Messages</div></div>'
            '<div class="chatlog"><div class="chatlog__message-group">'
            + _dce_message("1", _dce_header("Anna", "anna_k", "1/15/2024 9:05 PM", "1") + "\n"
                           + _dce_audio("anna.html_Files/voice-message-1A2B3.ogg"), "")
            + "</div></div></body></html>"))
        out.write(MEDIA / "en_voicenote.opus", "discord/anna.html_Files/voice-message-1A2B3.ogg")
        out.write(REPO / "tests" / "fixtures" / "chats" / "signal_chat.md", "signal/chat.md")
    parts = load_export(archive, tmp_path / "extracted")  # one zip, its three chats, each under its own reader
    assert [p.export.container for p in parts] == ["line-zip", "discord-html-zip", "signal-zip"]
    [line], [discord], [signal] = (p.export.chats for p in parts)
    assert [m.text for m in line.messages] == ["Hello", ""] and line.messages[1].attachment.missing
    voice = discord.messages[0]
    assert discord.name == "Direct Messages" and voice.sender == "Anna (anna_k)" and voice.attachment.playable
    assert parts[1].files[voice.attachment.path].read_bytes() == (MEDIA / "en_voicenote.opus").read_bytes()
    assert signal.messages and all(m.sender for m in signal.messages if not m.system)


def test_a_discord_plain_text_export_is_read_its_sections_kept_apart_from_the_words(tmp_path):
    """DiscordChatExporter's plain text: headers after a blank line, then `{Attachments}` (a path with
    Windows backslashes), `{Embed}`, `{Reactions}`. A typed line in brackets holding no time stays a word."""
    (tmp_path / "anna.txt_Files").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "anna.txt_Files" / "voice-message-1A2B3.ogg")
    rule = "=" * 62
    (tmp_path / "anna.txt").write_text(
        f"{rule}\r\nGuild: Direct Messages\r\nChannel: Private / anna\r\n{rule}\r\n\r\n"
        "[1/15/2024 9:05 PM] anna_k\r\nwhere are you?\r\n\r\n[see below] no time here\r\n\r\n\r\n"
        "[1/15/2024 9:06 PM] bob (pinned)\r\n\r\n\r\n{Attachments}\r\nanna.txt_Files\\voice-message-1A2B3.ogg\r\n\r\n"
        "{Reactions}\r\n\U0001F44D (2)\r\n\r\n"
        "[1/15/2024 9:13 PM] anna_k\r\nhttps://maps.example/x\r\n\r\n{Embed}\r\nMaps\r\nhttps://maps.example/x\r\n"
        "The depot\r\n\r\n\r\n"
        f"{rule}\r\nExported 3 message(s)\r\n{rule}\r\n", encoding="utf-8")
    [loaded] = load_export(tmp_path)
    export = loaded.export
    assert export.container == "discord-text" and export.chats[0].name == "Direct Messages / Private / anna"
    asked, voice, link = export.messages
    assert (asked.sender, asked.datetime) == ("anna_k", "2024-01-15T21:05:00")
    assert asked.text == "where are you?\n\n[see below] no time here"
    assert voice.sender == "bob" and voice.text == "" and voice.attachment.playable and "pinned" in voice.note
    assert voice.attachment.path == "anna.txt_Files/voice-message-1A2B3.ogg" and "reactions: \U0001F44D (2)" in voice.note
    assert link.text == "https://maps.example/x" and "The depot" in link.note
