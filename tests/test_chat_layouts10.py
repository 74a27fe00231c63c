"""Chat exports as phones and tools write them (session 18): an Android WhatsApp contact named with a colon,
a chat deep in a phone dump whose voice notes lie in the phone's own media folders, a sibling tree.

Each export is built here the way the phone or tool writes it (Android: `dd/mm/yyyy, hh:mm - Name: text`,
no mark where a name ends; a forensic extraction's `sdcard/Android/media/com.whatsapp/WhatsApp/Media/`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from app.core.chats import load_export
from tests.conftest import MEDIA


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Team.txt"):
    chat = tmp_path / name
    chat.write_text(text, encoding="utf-8")
    [loaded] = load_export(chat)
    return loaded.export.messages


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


def test_an_android_colon_name_is_borne_out_by_a_mention_or_by_every_line_a_reply_prefix_is_not(tmp_path):
    """A mention (`@\\u2068Team: Alpha: Bob\\u2069`) or two lines that all go on the same way tell a name; "Re:"
    on every line of a sender, or a prefix the same sender also writes without, do not."""
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
        ("Team: Alpha: Bob", "hello"), ("Anna", "@Team: Alpha: Bob hi"), ("Lab: North", "one"),
        ("Lab: North", "two: three"), ("Carl", "Re: x"), ("Carl", "Re: y"), ("Dana", "Plan: x"),
        ("Dana", "Plan: y"), ("Dana", "hi")]


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
