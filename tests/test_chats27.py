"""Chat exports (session 27): one spelling of an export's path (as named, links kept), a voice note's record naming
the zip and member it came from, and a sweep of layouts (each read exactly or refused in one line).

Each test builds its export as a small file and reads it as `timeline` does (`load_export`, `take_in`).
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

from app.core.chats.intake import UNZIPPED_COPY, take_in
from app.core.chats.registry import load_export
from app.core.chats.text_intake import import_text
from tests.conftest import MEDIA
from tests.test_chat_layouts18 import _chats
from tests.test_chats26 import VOICE, _whatsapp_zip


def _linked(tmp_path: Path) -> tuple[Path, Path]:
    """An evidence folder and a link to it (a mounted share, a folder reached through a link)."""
    zipped, _ = _whatsapp_zip(tmp_path / "real")
    link = tmp_path / "link"
    os.symlink(tmp_path / "real", link)
    return link / zipped.name, link / "loose"


def test_a_chat_export_reached_through_a_link_is_recorded_as_named_like_its_media(tmp_path, case):
    """Before: a zip in a folder reached through a link was recorded at its resolved path (`real/...`), its unzipped
    copy met later too, while each recording was recorded as named (`link/...`): one case held two spellings of one
    folder. Now every path is as the user named it."""
    zipped, loose = _linked(tmp_path)
    [taken] = take_in(case, zipped)
    assert case.exhibit(taken.exhibit_id).source.path == str(zipped)
    assert str(zipped) in case.exhibit(taken.exhibit_id).paths
    [again] = take_in(case, loose)
    assert again.exhibit_id == taken.exhibit_id  # the zip's chat met unzipped (session 26)
    [met] = case.audit.entries_of(UNZIPPED_COPY)
    assert met.details["path"] == str(loose / "_chat.txt")
    [origin] = case.audit.entries_of("chat.attachment_taken_in")
    assert origin.details["export"] == str(zipped)
    logged = json.dumps([e.details for e in case.audit.entries_of("exhibit.added")] + [met.details])
    assert str(tmp_path / "real") not in logged


def test_a_chat_text_imported_through_a_link_is_recorded_as_named(tmp_path, case):
    """Before: `translate` of a chat text reached through a link recorded its resolved path."""
    _, loose = _linked(tmp_path)
    exhibit, _ = import_text(case, loose / "_chat.txt")
    assert exhibit.source.path == str(loose / "_chat.txt")


def test_an_exhibit_reached_through_a_link_is_found_by_the_path_it_was_named_by(tmp_path, case):
    """Before: `exhibits`/`export` given the path through the link found no exhibit (the key was resolved)."""
    zipped, _ = _linked(tmp_path)
    [taken] = take_in(case, zipped)
    assert case.find_exhibit(os.path.relpath(zipped)).id == taken.exhibit_id
    assert case.find_exhibit(str(zipped)).id == taken.exhibit_id
    [media] = taken.media
    assert case.find_exhibit(media.path).id == media.exhibit_id


def _transcribed(case, exhibit_id: int) -> int:
    """A run on the voice note, stored as the transcriber stores one (the record's header is what is tested)."""
    from app.core.evidence.provenance import software_info
    from app.core.types import ModelInfo, Segment

    run = case.start_run(exhibit_id, "transcribe", ModelInfo("tiny.en", "/m", "00" * 32), {}, software_info())
    case.append_segments(run, (Segment(0, 1600, "Hello, it is me."),), {}, "en", 0.9)
    case.finish_run(run)
    return run


def _exported(case, run: int, out: Path) -> tuple[str, str, dict]:
    import docx

    from app.core.usecases.exporting import export_run

    paths = export_run(case, run, out, ["txt", "docx"])
    text = next(p for p in paths if p.suffix == ".txt").read_text(encoding="utf-8")
    document = docx.Document(str(next(p for p in paths if p.suffix == ".docx")))
    cells = "\n".join(" | ".join(c.text for c in row.cells) for t in document.tables for row in t.rows)
    return text, cells, json.loads(next(p for p in paths if p.name.endswith(".manifest.json")).read_text())


def test_a_zipped_voice_notes_record_names_the_zip_and_member_as_its_source(tmp_path, case):
    """Before: the TXT said "Source: <case>/exports/<sha>/<file>", the case's extracted copy, a path the user never
    gave and that no exhibit list names; the DOCX said the file's name alone. Now the source is the exhibit as
    the user knows it, the zip and member, and the extracted copy is named the case's working copy."""
    zipped, _ = _whatsapp_zip(tmp_path / "evidence")
    [taken] = take_in(case, zipped)
    [media] = taken.media
    text, cells, manifest = _exported(case, _transcribed(case, media.exhibit_id), tmp_path / "out")
    assert f"Source: {zipped} → {VOICE}\n" in text
    assert f"Working copy: {media.path}\n" in text and str(case.folder / "exports") in media.path
    assert f"Found in | {zipped} → {VOICE}" in cells and f"Working copy | {media.path}" in cells
    assert manifest["source_found_in"] == f"{zipped} → {VOICE}"


def test_a_voice_note_in_a_zip_inside_a_zip_names_the_outer_zip_first(tmp_path, case):
    zipped, _ = _whatsapp_zip(tmp_path / "inner")
    outer = tmp_path / "phone.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(zipped, f"Exports/{zipped.name}")
    [taken] = take_in(case, outer)
    [media] = taken.media
    text, _, _ = _exported(case, _transcribed(case, media.exhibit_id), tmp_path / "out")
    assert f"Source: {outer} → Exports/{zipped.name} → {VOICE}\n" in text


def test_a_voice_note_beside_an_unzipped_chat_is_its_own_source_with_no_working_copy(tmp_path, case):
    _, loose = _whatsapp_zip(tmp_path / "evidence")
    [taken] = take_in(case, loose)
    [media] = taken.media
    text, _, manifest = _exported(case, _transcribed(case, media.exhibit_id), tmp_path / "out")
    assert f"Source: {loose / VOICE}\n" in text and "Working copy" not in text
    assert "source_found_in" not in manifest


def _ios_chat(folder: Path, lines: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_chat.txt").write_text(lines, encoding="utf-8")
    for name, clip in files.items():
        shutil.copy(MEDIA / clip, folder / name)
    return folder / "_chat.txt"


CLIP = "00000127-VIDEO-2022-08-19-21-15-02.mp4"


def test_an_ios_caption_written_before_its_file_keeps_the_file_at_its_message(tmp_path):
    """Before: iOS writes a caption before the file on the same line ("Look at this \\u200e<attached: ...>"),
    over several lines too; the message was read as words holding the placeholder, and the file (a video to
    transcribe) was put at a line of its own "that no message refers to", with no sender. Now the file is the
    message's, the caption its text. Layouts as a WhatsApp viewer's parser tests write them (found with `search`)."""
    path = _ios_chat(tmp_path, (
        f"[19/08/2022, 9:15:02 PM] Ali: First line\nSecond line \u200e<attached: {CLIP}>\n"
        "[19/08/2022, 9:16:00 PM] Ali: 2 < 3 \u200e<attached: 00000128-PHOTO-2022-08-19-21-16-00.jpg>\nafter\n"
        "[19/08/2022, 9:17:00 PM] Ali: Report.pdf • 2 pages \u200e<attached: 00000022-Report.pdf>\n"
        "[19/08/2022, 9:18:00 PM] Bea: I typed <attached: 00000001-PHOTO.jpg> and more\n"
        "[19/08/2022, 9:19:00 PM] Bea: Meet at 5.30 \u200e<attached: 00000130-PHOTO-2022-08-19-21-19-00.jpg>\n"), {CLIP: "interview.mp4"})
    [chat] = _chats(path)
    assert [(m.sender, m.text, m.attachment and m.attachment.name) for m in chat.messages] == [
        ("Ali", "First line\nSecond line", CLIP),
        ("Ali", "2 < 3\nafter", "00000128-PHOTO-2022-08-19-21-16-00.jpg"),
        ("Ali", "", "00000022-Report.pdf"),
        ("Bea", "I typed <attached: 00000001-PHOTO.jpg> and more", None),
        ("Bea", "Meet at 5.30", "00000130-PHOTO-2022-08-19-21-19-00.jpg"),  # was read with no words: a caption lost
    ]
    assert not chat.messages[0].attachment.missing and chat.messages[0].attachment.path == CLIP
    assert chat.messages[1].attachment.missing


LRM, NNBSP = "\u200e", "\u202f"


def test_a_sweep_of_whatsapp_layouts_is_read_exactly(tmp_path):
    """The session's sweep, kept as a guard: a business account's notes, edited, deleted ("You deleted this
    message"), poll and event, PTT-/AUD- voice notes, iOS marks, Android 12-hour clocks with U+202F."""
    ios = _ios_chat(tmp_path / "ios", (
        f"[15/01/2024, 21:05:12] Acme Ltd: {LRM}This business uses a secure service from Meta to manage this chat.\n"
        f"[15/01/2024, 21:06:00] Anna: {LRM}<attached: 00000012-AUDIO-2024-01-15-21-06-00.opus>\n"
        f"[15/01/2024, 21:07:00] Anna: Hello there {LRM}<This message was edited>\n"
        f"[15/01/2024, 21:08:00] Bob: {LRM}You deleted this message.\n"
        f"[15/01/2024, 21:09:00] Anna: {LRM}POLL:\nLunch?\n{LRM}OPTION: Yes (2 votes)\n"
        f"[15/01/2024, 21:10:00] Bob: {LRM}EVENT: Meeting\n"
        f"[15/01/2024, 21:12:00] Anna: {LRM}<attached: PTT-20240115-WA0003.opus>\n"),
        {"00000012-AUDIO-2024-01-15-21-06-00.opus": "en_voicenote.opus", "PTT-20240115-WA0003.opus": "de_voicenote.opus"})
    [chat] = _chats(ios)
    assert [(m.sender, m.system, m.text, m.attachment and m.attachment.path) for m in chat.messages] == [
        (None, True, "This business uses a secure service from Meta to manage this chat.", None),  # the chat's name
        ("Anna", False, "", "00000012-AUDIO-2024-01-15-21-06-00.opus"),
        ("Anna", False, "Hello there", None),
        ("Bob", True, "You deleted this message.", None),
        ("Anna", False, "POLL:\nLunch?\nOPTION: Yes (2 votes)", None),
        ("Bob", True, "EVENT: Meeting", None),
        ("Anna", False, "", "PTT-20240115-WA0003.opus")]
    assert "edited" in chat.messages[2].note
    android = tmp_path / "android" / "WhatsApp Chat with Anna.txt"
    android.parent.mkdir()
    android.write_text(
        f"1/15/24, 9:05{NNBSP}PM - This chat is with a business account. Tap to learn more.\n"
        f"1/15/24, 9:06{NNBSP}PM - Anna: {LRM}PTT-20240115-WA0001.opus (file attached)\n"
        f"1/15/24, 9:07{NNBSP}PM - Anna: AUD-20240115-WA0002.opus (file attached)\nListen\n"
        f"1/15/24, 10:08{NNBSP}AM - Anna created community \"Town: North\"\n", encoding="utf-8")
    for name in ("PTT-20240115-WA0001.opus", "AUD-20240115-WA0002.opus"):
        shutil.copy(MEDIA / "en_voicenote.opus", android.parent / name)
    [chat] = _chats(android)
    assert [(m.datetime, m.sender, m.text, m.attachment and m.attachment.path) for m in chat.messages] == [
        ("2024-01-15T21:05:00", None, "This chat is with a business account. Tap to learn more.", None),
        ("2024-01-15T21:06:00", "Anna", "", "PTT-20240115-WA0001.opus"),
        ("2024-01-15T21:07:00", "Anna", "Listen", "AUD-20240115-WA0002.opus"),
        ("2024-01-15T10:08:00", None, 'Anna created community "Town: North"', None)]


def test_a_sweep_of_telegram_and_instagram_json_is_read_exactly(tmp_path):
    """Telegram `text_entities`, forwards, pins and calls with their length; Instagram's latin-1 double-encoded
    UTF-8 (as Meta exports it) read as written, its voice clip linked."""
    folder = tmp_path / "tg"
    folder.mkdir()
    (folder / "result.json").write_text(json.dumps({"name": "Anna", "type": "personal_chat", "id": 9, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-15T21:05:00", "from": "Anna", "from_id": "user1",
         "text": ["See ", {"type": "text_link", "text": "this", "href": "https://x.org"}],
         "text_entities": [{"type": "plain", "text": "See "}, {"type": "text_link", "text": "this", "href": "https://x.org"}]},
        {"id": 2, "type": "message", "date": "2024-01-15T21:07:00", "from": "Bob", "from_id": "user2",
         "forwarded_from": "News", "text": "Breaking", "text_entities": [{"type": "plain", "text": "Breaking"}]},
        {"id": 3, "type": "service", "date": "2024-01-15T21:08:00", "actor": "Anna", "actor_id": "user1",
         "action": "pin_message", "message_id": 2, "text": "", "text_entities": []},
        {"id": 4, "type": "service", "date": "2024-01-15T21:09:00", "actor": "Anna", "actor_id": "user1",
         "action": "phone_call", "duration_seconds": 65, "discard_reason": "hangup", "text": "", "text_entities": []},
    ]}), encoding="utf-8")
    [chat] = _chats(folder / "result.json")
    assert [(m.sender, m.text) for m in chat.messages] == [
        ("Anna", "See this"), ("Bob", "Breaking"), ("Anna", "pin message"), ("Anna", "phone call: 65 s, hangup")]
    assert "https://x.org" in chat.messages[0].note and "forwarded from News" in chat.messages[1].note
    assert "pinned message 2" in chat.messages[2].note

    def mojibake(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    thread = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "zoe_1"
    (thread / "audio").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", thread / "audio" / "audioclip1.mp4")
    (thread / "message_1.json").write_text(json.dumps({
        "participants": [{"name": mojibake("Zoë Müller")}, {"name": "Bob"}], "title": mojibake("Zoë Müller"),
        "messages": [{"sender_name": mojibake("Zoë Müller"), "timestamp_ms": 1705352760000, "audio_files": [
            {"uri": "your_instagram_activity/messages/inbox/zoe_1/audio/audioclip1.mp4"}]},
                     {"sender_name": "Bob", "timestamp_ms": 1705352700000, "content": mojibake("Привет, ça va? 😀")}]}),
        encoding="utf-8")
    [chat] = _chats(thread / "message_1.json")
    assert [(m.sender, m.text, m.attachment and m.attachment.path) for m in chat.messages] == [
        ("Bob", "Привет, ça va? 😀", None), ("Zoë Müller", "", "audio/audioclip1.mp4")]


def _zip_naming(path: Path, sender: str, day: str) -> Path:
    """A WhatsApp Android zip exported "without media" naming PTT-20240115-WA0001.opus."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"WhatsApp Chat with {sender}.txt",
                         f"{day}, 21:05 - {sender}: hi\n{day}, 21:06 - {sender}: PTT-20240115-WA0001.opus (file attached)\n")
    return path


def test_one_voice_note_beside_two_phones_zips_naming_it_is_linked_to_neither(tmp_path):
    """Before: two phones' zips in one folder, each naming PTT-20240115-WA0001.opus (WhatsApp numbers files per
    phone), and one file of that name beside them: both chats linked it, one person's voice note shown as said by
    two. Now neither links it; each message says why. One zip alone still finds it (session 26)."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    _zip_naming(folder / "WhatsApp Chat with Anna.zip", "Anna", "15/01/2024")
    _zip_naming(folder / "WhatsApp Chat with Bob.zip", "Bob", "15/01/2024")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "PTT-20240115-WA0001.opus")
    loaded = load_export(folder)
    notes = [m for lo in loaded for m in lo.export.messages if m.attachment is not None]
    assert len(notes) == 2 and all(m.attachment.missing and m.attachment.path is None for m in notes)
    assert all("named by 2 zips' chats" in m.note for m in notes), [m.note for m in notes]
    assert not any(k.startswith("../") for lo in loaded for k in lo.files)
    [alone] = load_export(folder / "WhatsApp Chat with Anna.zip")
    [note] = [m for m in alone.export.messages if m.attachment is not None]
    assert not note.attachment.missing


def test_one_voice_note_beside_two_zips_given_as_two_inputs_is_linked_to_neither(tmp_path, case):
    """Before: `timeline a.zip b.zip` read each zip alone, so both linked the one file beside them."""
    from app.core.usecases.timeline import take_in_exports

    folder = tmp_path / "evidence"
    folder.mkdir()
    zips = [str(_zip_naming(folder / f"{who}.zip", who, "15/01/2024")) for who in ("Anna", "Bob")]
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "PTT-20240115-WA0001.opus")
    taken, errors = take_in_exports(case, [*zips, str(folder / "none.zip")])
    assert len(taken) == 2 and not any(t.media for t in taken)
    assert [e.reason for e in errors] == ["no such file or folder"]
    notes = [m for t in taken for m in t.export.messages if m.attachment is not None]
    assert all(m.attachment.missing and "named by 2 zips' chats" in m.note for m in notes)
