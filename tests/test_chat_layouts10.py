"""Chat exports as phones and tools write them (session 18): an Android WhatsApp contact named with a colon,
a chat deep in a phone dump whose voice notes lie in the phone's own media folders, a sibling tree.

Each export is built here the way the phone or tool writes it (Android: `dd/mm/yyyy, hh:mm - Name: text`,
no mark where a name ends; a forensic extraction's `sdcard/Android/media/com.whatsapp/WhatsApp/Media/`).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from app.core.chats import load_export
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Team.txt"):
    return loaded_messages(tmp_path, text, name)


def test_an_android_contact_named_with_a_colon_is_one_sender_and_the_apps_notes_naming_it_are_its(tmp_path):
    """Android writes no mark where a name ends: "Work: Bob" was sender "Work" saying "Bob: hello", his voice
    note a file named "Bob: PTT-...", and "Anna added Work: Bob" the words of a sender "Anna added Work". The
    app's notes name him whole; Anna's "Re: hi" stays hers (she writes other lines)."""
    messages = _messages(tmp_path, (
        "12/03/2024, 21:14 - Anna created group \"Plans\"\n"
        "12/03/2024, 21:14 - Anna added Work: Bob\n"
        "12/03/2024, 21:15 - Work: Bob: hello: all\n"
        "12/03/2024, 21:16 - Work: Bob: PTT-20240312-WA0001.opus (file attached)\n"
        "12/03/2024, 21:17 - Anna: Re: hi\n"
        "12/03/2024, 21:18 - Anna: ok\n"
        "12/03/2024, 21:19 - Work: Bob left\n"))
    assert [(m.sender, m.text, m.system) for m in messages] == [
        (None, "Anna created group \"Plans\"", True), (None, "Anna added Work: Bob", True),
        ("Work: Bob", "hello: all", False), ("Work: Bob", "", False), ("Anna", "Re: hi", False),
        ("Anna", "ok", False), (None, "Work: Bob left", True)]
    assert messages[3].attachment.name == "PTT-20240312-WA0001.opus"
    later = _messages(tmp_path, "12/03/2024, 21:14 - Work: Bob joined using this group's invite link\n"
                                "12/03/2024, 21:15 - Work: Bob: hi\n", "WhatsApp Chat with Plans.txt")
    assert [(m.sender, m.system) for m in later] == [(None, True), ("Work: Bob", False)]


def test_an_android_colon_name_is_borne_out_by_a_mention_or_by_every_line_a_reply_prefix_is_not(tmp_path):
    """A mention (`@\\u2068Team: Alpha: Bob\\u2069`) tells a name; "Re:" on every line of a sender, or a prefix the
    same sender also writes without, do not. Lines that all go on the same way ("Lab: North: one", "Lab: North: two")
    read as "Anna: Address: 12 Dock Road" does: the short sender, each message saying the other reading (session 28:
    read from starts alone, such a name was invented)."""
    messages = _messages(tmp_path, (
        "12/03/2024, 21:15 - Team: Alpha: Bob: hello\n"
        "12/03/2024, 21:16 - Anna: @\u2068Team: Alpha: Bob\u2069 hi\n"
        "12/03/2024, 21:17 - Lab: North: one\n"
        "12/03/2024, 21:18 - Lab: North: two: three\n"
        "12/03/2024, 21:19 - Carl: Re: x\n"
        "12/03/2024, 21:20 - Carl: Re: y\n"
        "12/03/2024, 21:21 - Dana: Plan: x\n"
        "12/03/2024, 21:22 - Dana: Plan: y\n"
        "12/03/2024, 21:23 - Dana: hi\n"))
    assert [(m.sender, m.text) for m in messages] == [
        ("Team: Alpha: Bob", "hello"), ("Anna", "@Team: Alpha: Bob hi"), ("Lab", "North: one"),
        ("Lab", "North: two: three"), ("Carl", "Re: x"), ("Carl", "Re: y"), ("Dana", "Plan: x"),
        ("Dana", "Plan: y"), ("Dana", "hi")]
    assert ["the sender may be one named" in m.note for m in messages] == [
        False, False, True, True, False, False, False, False, False]
    assert "the sender may be one named 'Lab: North'" in messages[2].note


def _dump(tmp_path: Path) -> tuple[Path, Path]:
    """A forensic extraction's tree: the phone's media folders, its databases, a chat saved to Download."""
    dump = tmp_path / "Extraction"
    media = dump / "sdcard" / "Android" / "media" / "com.whatsapp" / "WhatsApp" / "Media"
    notes = media / "WhatsApp Voice Notes" / "202410"
    notes.mkdir(parents=True)
    (media / "WhatsApp Documents").mkdir()
    (dump / "sdcard" / "Download").mkdir()
    (dump / "data" / "data" / "com.whatsapp" / "databases").mkdir(parents=True)
    (dump / "data" / "data" / "com.whatsapp" / "databases" / "msgstore.db").write_bytes(b"SQLite format 3\x00")
    shutil.copy(MEDIA / "en_voicenote.opus", notes / "PTT-20241003-WA0001.opus")
    shutil.copy(MEDIA / "de_voicenote.opus", notes / "PTT-20241003-WA0002.opus")
    return dump, media


def test_a_chat_deep_in_a_phone_dump_finds_its_voice_notes_in_the_phones_media_folders(tmp_path):
    """A chat saved to `sdcard/Download/` and one sent as a document (`WhatsApp Documents/`): their voice notes,
    in the phone's `WhatsApp Voice Notes/202410/`, a sibling tree, were said missing."""
    dump, media = _dump(tmp_path)
    (dump / "sdcard" / "Download" / "WhatsApp Chat with Anna.txt").write_text(
        "03/10/2024, 21:14 - Anna: hi\n03/10/2024, 21:15 - Anna: PTT-20241003-WA0001.opus (file attached)\n",
        encoding="utf-8")
    (media / "WhatsApp Documents" / "WhatsApp Chat with Bob.txt").write_text(
        "03/10/2024, 21:16 - Bob: PTT-20241003-WA0002.opus (file attached)\n", encoding="utf-8")
    found = {}
    for loaded in load_export(dump):
        for m in loaded.export.messages:
            if m.attachment is not None:
                assert not m.attachment.missing, m.attachment
                found[m.sender] = loaded.files[m.attachment.path]
    assert found == {"Anna": media / "WhatsApp Voice Notes" / "202410" / "PTT-20241003-WA0001.opus",
                     "Bob": media / "WhatsApp Voice Notes" / "202410" / "PTT-20241003-WA0002.opus"}


def test_a_chat_given_alone_does_not_look_above_it_and_a_name_in_two_phones_trees_is_not_guessed(tmp_path):
    """Only below the folder given: the chat file given alone keeps its voice note missing. Two phones'
    trees equally near, each with a file of that name: neither is taken."""
    dump, _ = _dump(tmp_path)
    chat = dump / "sdcard" / "Download" / "WhatsApp Chat with Anna.txt"
    chat.write_text("03/10/2024, 21:15 - Anna: PTT-20241003-WA0001.opus (file attached)\n", encoding="utf-8")
    [alone] = load_export(chat)
    assert alone.export.messages[0].attachment.missing
    other = dump / "sdcard" / "WhatsApp" / "Media" / "WhatsApp Voice Notes" / "202410"
    other.mkdir(parents=True)
    shutil.copy(MEDIA / "de_voicenote.opus", other / "PTT-20241003-WA0001.opus")
    [both] = load_export(dump)
    assert both.export.messages[0].attachment.missing


def _telegram(i: int, sender: str, account: str, **more) -> dict:
    return {"id": i, "type": "message", "date": f"2024-10-03T21:{10 + i}:00", "date_unixtime": str(1727982600 + 60 * i),
            "from": sender, "from_id": account, "text": "", "text_entities": [], **more}


def test_two_telegram_accounts_shown_under_one_name_are_two_senders(tmp_path):
    """Two members both called "Anna" (`from_id` user111 and user222) were one sender: the voice note of one
    read as the other's. Each is now written with its account; Bob, the only one of his name, is kept as is."""
    (tmp_path / "voice_messages").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "voice_messages" / "audio_1@03-10-2024_21-12-00.ogg")
    (tmp_path / "result.json").write_text(json.dumps({"name": "Crew", "type": "private_supergroup", "id": 1, "messages": [
        _telegram(1, "Anna", "user111", text=["meet at ", {"type": "bold", "text": "the depot"}]),
        _telegram(2, "Anna", "user222", file="voice_messages/audio_1@03-10-2024_21-12-00.ogg",
                  media_type="voice_message", mime_type="audio/ogg"),
        _telegram(3, "Bob", "user333", text="ok", reply_to_message_id=2),
        {"id": 4, "type": "service", "date": "2024-10-03T21:14:00", "date_unixtime": "1727982840", "actor": "Anna",
         "actor_id": "user222", "action": "pin_message", "message_id": 2, "text": ""}]}), encoding="utf-8")
    [loaded] = load_export(tmp_path / "result.json")
    messages = loaded.export.messages
    assert [m.sender for m in messages] == ["Anna (user111)", "Anna (user222)", "Bob", "Anna (user222)"]
    assert messages[0].text == "meet at the depot" and messages[1].attachment.missing is False
    assert "Anna (user222)" in messages[2].note


def test_a_discord_channel_exported_as_csv_is_read_with_its_voice_message(tmp_path):
    """DiscordChatExporter's CSV (`-f Csv`) was "no chat export found in this folder", its voice message
    unaccounted for: read, words over several lines kept whole, the file found in `<name>.csv_Files`, a web
    address said missing, a call the app's note, two accounts called "anna_k" told apart by id."""
    files = tmp_path / "dm.csv_Files"
    files.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", files / "voice-message-1A2B3.ogg")
    (files / "avatar-9F.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "dm.csv").write_text(
        '"AuthorID","Author","Date","Content","Attachments","Reactions"\n'
        '"111","anna_k","1/15/2024 9:05 PM","where are you?\nI am, at the depot","",""\n'
        '"222","bob","1/15/2024 9:06 PM","","dm.csv_Files\\voice-message-1A2B3.ogg","👍 (2)"\n'
        '"111","anna_k","1/16/2024 10:00 AM","Started a call that lasted 2 minutes.","",""\n'
        '"333","anna_k","1/16/2024 10:01 AM","a photo","https://cdn.discordapp.com/attachments/1/2/photo.jpg",""\n',
        encoding="utf-8")
    [loaded] = load_export(tmp_path)
    messages = loaded.export.messages
    assert loaded.export.container == "discord-csv"
    assert [(m.sender, m.datetime, m.text, m.system) for m in messages[:4]] == [
        ("anna_k (111)", "2024-01-15T21:05:00", "where are you?\nI am, at the depot", False),
        ("bob", "2024-01-15T21:06:00", "", False),
        ("anna_k (111)", "2024-01-16T10:00:00", "Started a call that lasted 2 minutes.", True),
        ("anna_k (333)", "2024-01-16T10:01:00", "a photo", False)]
    assert loaded.files[messages[1].attachment.path] == files / "voice-message-1A2B3.ogg"
    assert "👍 (2)" in messages[1].note
    assert messages[3].attachment.missing and messages[3].attachment.name == "photo.jpg"
    assert [m.attachment.name for m in messages[4:]] == ["avatar-9F.png"] and messages[4].sender is None


def test_a_zipped_phone_dump_finds_each_chats_voice_notes_in_the_phones_media_folders(tmp_path):
    """The same extraction handed over as one zip: each chat's attachments were looked for in its own folder
    only, so both voice notes were said missing (and the second chat's kept as the first chat's file)."""
    dump, _ = _dump(tmp_path)
    (dump / "sdcard" / "Download" / "WhatsApp Chat with Anna.txt").write_text(
        "03/10/2024, 21:15 - Anna: PTT-20241003-WA0001.opus (file attached)\n", encoding="utf-8")
    (dump / "sdcard" / "Download" / "Bob").mkdir()
    (dump / "sdcard" / "Download" / "Bob" / "WhatsApp Chat with Bob.txt").write_text(
        "03/10/2024, 21:16 - Bob: PTT-20241003-WA0002.opus (file attached)\n", encoding="utf-8")
    packed = tmp_path / "Extraction.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for file in sorted(dump.rglob("*")):
            archive.write(file, file.relative_to(dump).as_posix())
    [loaded] = load_export(packed, tmp_path / "case")
    attached = sorted((m.sender, m.attachment.path) for m in loaded.export.messages if m.sender)
    tree = "sdcard/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Voice Notes/202410/"
    assert attached == [("Anna", tree + "PTT-20241003-WA0001.opus"), ("Bob", tree + "PTT-20241003-WA0002.opus")]
    assert all(path in loaded.files for _, path in attached)


def _hangout(gaia: str, micro: int, **event) -> dict:
    return {"conversation_id": {"id": "UgxA"}, "sender_id": {"gaia_id": gaia, "chat_id": gaia},
            "timestamp": str(micro), "event_id": f"e{micro}", **event}


def _said(words: str) -> dict:
    return {"event_type": "REGULAR_CHAT_MESSAGE",
            "chat_message": {"message_content": {"segment": [{"type": "TEXT", "text": words}]}}}


def test_a_hangouts_takeout_is_read_in_both_layouts_google_wrote(tmp_path):
    """Takeout's `Hangouts/Hangouts.json` was "no chat export found in this folder" (passed over as a JSON
    that is no Telegram export): each conversation read in time order, UTC, names from the conversation's
    members (two called "Anna Smith" told apart), a photo's web address missing, a call the app's note.
    The layout before 2018 (`conversation_state`) too."""
    members = [{"id": {"gaia_id": "111"}, "fallback_name": "Anna Smith"},
               {"id": {"gaia_id": "222"}, "fallback_name": "Anna Smith"}, {"id": {"gaia_id": "333"}, "fallback_name": "Bob"}]
    photo = {"embed_item": {"type": ["PLUS_PHOTO"], "plus_photo": {
        "url": "https://lh3.googleusercontent.com/abc/IMG_0001.jpg", "media_type": "PHOTO"}}}
    events = [
        _hangout("222", 1420070460000000, event_type="REGULAR_CHAT_MESSAGE",
                 chat_message={"message_content": {"attachment": [photo]}}),
        _hangout("111", 1420070400000000, event_type="REGULAR_CHAT_MESSAGE", chat_message={"message_content": {
            "segment": [{"type": "TEXT", "text": "meet at"}, {"type": "LINE_BREAK", "text": "\n"},
                        {"type": "TEXT", "text": "the depot"}]}}),
        _hangout("333", 1420070520000000, event_type="HANGOUT_EVENT",
                 hangout_event={"event_type": "END_HANGOUT", "hangout_duration_secs": "120"})]
    folder = tmp_path / "Takeout" / "Hangouts"
    folder.mkdir(parents=True)
    (folder / "Hangouts.json").write_text(json.dumps({"conversations": [{"conversation": {
        "conversation_id": {"id": "UgxA"}, "conversation": {"id": {"id": "UgxA"}, "type": "GROUP", "name": "Depot",
                                                            "participant_data": members}}, "events": events}]}))
    [loaded] = load_export(tmp_path)
    assert loaded.export.container == "hangouts-json" and loaded.export.chats[0].name == "Depot"
    assert [(m.sender, m.datetime, m.text, m.system) for m in loaded.export.messages] == [
        ("Anna Smith (111)", "2015-01-01T00:00:00+00:00", "meet at\nthe depot", False),
        ("Anna Smith (222)", "2015-01-01T00:01:00+00:00", "", False),
        ("Bob", "2015-01-01T00:02:00+00:00", "call end hangout, 120 s", True)]
    photo_sent = loaded.export.messages[1].attachment
    assert (photo_sent.name, photo_sent.missing, photo_sent.kind) == ("IMG_0001.jpg", True, "image")
    (folder / "IMG_0001.jpg").write_bytes(b"\xff\xd8\xff\xe0")  # the photo beside, and a clip no message names
    shutil.copy(MEDIA / "en_voicenote.m4a", folder / "clip.m4a")
    [beside] = load_export(tmp_path)
    assert beside.export.messages[1].attachment.path == "IMG_0001.jpg"
    assert [(m.sender, m.attachment.name) for m in beside.export.messages[3:]] == [(None, "clip.m4a")]
    (folder / "IMG_0001.jpg").unlink()
    (folder / "clip.m4a").unlink()
    (folder / "Hangouts.json").write_text(json.dumps({"conversation_state": [{"conversation_id": {"id": "UgxB"},
        "conversation_state": {"conversation": {"id": {"id": "UgxB"}, "participant_data": members[2:]},
                               "event": [_hangout("333", 1420070400000000, **_said("old layout"))]}}]}))
    [old] = load_export(folder / "Hangouts.json")
    assert [(m.sender, m.text) for m in old.export.messages] == [("Bob", "old layout")]


def _discord(i: int, author: dict, words: str) -> dict:
    return {"id": str(i), "type": "Default", "timestamp": f"2024-01-15T21:0{i}:00+00:00", "content": words,
            "author": author, "attachments": [], "reactions": []}


def test_discord_accounts_of_one_name_are_told_apart_by_their_tag_or_id(tmp_path):
    """Two accounts of before 2023 ("anna#1234", "anna#5678") and two deleted accounts ("Deleted User", each
    its own id) were one sender each: the tag is the account's name as Discord shows it, an id tells the rest."""
    authors = [{"id": "1", "name": "anna", "discriminator": "1234", "nickname": "anna"},
               {"id": "2", "name": "anna", "discriminator": "5678", "nickname": "anna"},
               {"id": "3", "name": "Deleted User", "discriminator": "0000", "nickname": "Deleted User"},
               {"id": "4", "name": "Deleted User", "discriminator": "0000", "nickname": "Deleted User"},
               {"id": "5", "name": "bob_k", "discriminator": "0000", "nickname": "Bob"}]
    (tmp_path / "dm.json").write_text(json.dumps({
        "guild": {"id": "0", "name": "Direct Messages"}, "channel": {"id": "9", "name": "crew"},
        "messages": [_discord(i, a, f"m{i}") for i, a in enumerate(authors)]}), encoding="utf-8")
    [loaded] = load_export(tmp_path / "dm.json")
    assert [m.sender for m in loaded.export.messages] == [
        "anna (anna#1234)", "anna (anna#5678)", "Deleted User (3)", "Deleted User (4)", "Bob (bob_k)"]


def test_a_chat_at_the_top_of_an_extraction_finds_a_voice_note_ten_folders_down(tmp_path):
    """A forensic tool's `data/media/0/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Voice Notes/202410/`
    is 10 folders below a chat saved at the extraction's top: deeper than the phone's folders are looked
    through beside a chat (8), it was said missing."""
    notes = tmp_path / "data" / "media" / "0" / "Android" / "media" / "com.whatsapp" / "WhatsApp" / "Media" / \
        "WhatsApp Voice Notes" / "202410"
    notes.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", notes / "PTT-20241003-WA0001.opus")
    (tmp_path / "WhatsApp Chat with Anna.txt").write_text(
        "03/10/2024, 21:15 - Anna: PTT-20241003-WA0001.opus (file attached)\n", encoding="utf-8")
    [loaded] = load_export(tmp_path)
    found = loaded.export.messages[0].attachment
    assert not found.missing and loaded.files[found.path] == notes / "PTT-20241003-WA0001.opus"


def test_an_instagram_post_shared_keeps_its_caption_and_owner_decoded(tmp_path):
    """Instagram's download writes a shared post's caption (`share_text`) and owner beside its link, in Meta's
    Latin-1-read UTF-8: only the link was said, the caption lost."""
    def meta(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    folder = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "zoe_123"
    folder.mkdir(parents=True)
    (folder / "message_1.json").write_text(json.dumps({
        "participants": [{"name": meta("Zoë Müller")}, {"name": "bob"}], "title": meta("Zoë Müller"),
        "messages": [{"sender_name": "bob", "timestamp_ms": 1709287800000, "content": "sent an attachment.",
                      "share": {"link": "https://www.instagram.com/reel/abc/", "share_text": meta("Café  reel\nat 9"),
                                "original_content_owner": meta("zoë_m")}}]}), encoding="utf-8")
    [loaded] = load_export(tmp_path)
    assert loaded.export.messages[0].note == \
        "link shared: https://www.instagram.com/reel/abc/ (posted by zoë_m): Café reel at 9"


def test_a_large_json_of_a_phone_dump_that_is_no_chat_is_passed_over_a_large_chat_is_said(tmp_path, monkeypatch):
    """A phone dump's app cache (JSON, tens of MB) was a failure line "too large for a chat text" (exit 1) though
    no chat; smaller such JSON is passed over. A Telegram export that large is still said too large."""
    from app.core.chats import beside, registry

    monkeypatch.setattr(beside, "MAX_CHAT_BYTES", 2000)
    monkeypatch.setattr(registry, "MAX_CHAT_BYTES", 2000, raising=False)
    (tmp_path / "cache.json").write_text(json.dumps({"items": [{"k": "x" * 100}] * 50}), encoding="utf-8")
    (tmp_path / "WhatsApp Chat with Anna.txt").write_text("03/10/2024, 21:14 - Anna: hi\n", encoding="utf-8")
    refused: list = []
    assert [loaded.export.container for loaded in load_export(tmp_path, refused=refused)] == ["whatsapp"]
    assert refused == []
    (tmp_path / "result.json").write_text(json.dumps({"name": "Crew", "type": "personal_chat", "id": 1, "messages": [
        _telegram(i, "Anna", "user1", text="x" * 100) for i in range(30)]}), encoding="utf-8")
    load_export(tmp_path, refused=refused)
    assert [(Path(r.path).name, "too large" in r.reason) for r in refused] == [("result.json", True)]


def test_a_zipped_takeout_keeps_hangouts_clips_not_the_other_products_files(tmp_path):
    """Takeout zips Hangouts beside other products (Drive, its archive_browser.html): a clip beside
    Hangouts.json that no message names is the chat's; the other products' files are not."""
    takeout = tmp_path / "Takeout"
    (takeout / "Hangouts").mkdir(parents=True)
    (takeout / "Drive").mkdir()
    (takeout / "Drive" / "notes.docx").write_bytes(b"PK\x03\x04")
    (takeout / "archive_browser.html").write_text("<html></html>", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.m4a", takeout / "Hangouts" / "clip.m4a")
    (takeout / "Hangouts" / "Hangouts.json").write_text(json.dumps({"conversations": [{"conversation": {
        "conversation_id": {"id": "U"}, "conversation": {"id": {"id": "U"}, "participant_data": [
            {"id": {"gaia_id": "1"}, "fallback_name": "Bob"}]}}, "events": [_hangout("1", 1420070400000000, **_said("hi"))]}]}))
    packed = tmp_path / "takeout-001.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        for file in sorted(takeout.rglob("*")):
            archive.write(file, file.relative_to(tmp_path).as_posix())
    [loaded] = load_export(packed, tmp_path / "case")
    assert loaded.export.container == "hangouts-json-zip"
    assert [(m.sender, m.text, m.attachment.name if m.attachment else None) for m in loaded.export.messages] == [
        ("Bob", "hi", None), (None, "", "clip.m4a")]
