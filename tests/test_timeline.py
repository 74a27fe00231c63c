"""Chat exports taken into a case, the stored messages, and the timeline exports."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from app.cli import main
from app.core.chats.intake import extraction_folder, take_in
from app.core.chats.timeline import build_timeline, timeline_dict
from app.core.errors import ChatError
from app.core.export.timeline import write_timeline
from app.core.hashing import sha256_file
from app.core.search import search
from app.core.store.chats import attachment_exhibits, chat_messages, stored_chats
from app.core.usecases.timeline import chat_language
from tests.conftest import MEDIA
from tests.search_helpers import add_run

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"
TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"
VOICE = "00000004-AUDIO-2024-03-13-08-03-40.opus"
GONE = "00000006-AUDIO-2024-03-13-08-06-00.opus"
CHAT = f"""[13/03/2024, 08:02:11] Dave: Gdzie jesteś?
[13/03/2024, 08:03:40] Ana: \u200e<attached: {VOICE}>
[13/03/2024, 08:05:00] Ana: \u200e<attached: 00000005-PHOTO-2024-03-13-08-05-00.jpg>
To auto
[13/03/2024, 08:06:00] Dave: \u200e<attached: {GONE}>
[14/03/2024, 09:00:00] Dave: \u200eThis message was deleted.
"""


def whatsapp_zip(folder: Path, chat: str = CHAT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "WhatsApp Chat - Ana.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", chat)
        z.write(MEDIA / "en_voicenote.opus", VOICE)
        z.writestr("00000005-PHOTO-2024-03-13-08-05-00.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")
    return path


def test_a_zip_export_becomes_exhibits_and_stored_messages(case, tmp_path):
    archive = whatsapp_zip(tmp_path / "evidence")
    before = sha256_file(archive)
    [taken] = take_in(case, archive)
    assert taken.export.container == "whatsapp-zip"
    export = case.exhibit(taken.exhibit_id).source
    assert (export.sha256, export.kind, export.container) == (before, "chat", "whatsapp-zip")
    [media] = taken.media
    voice = case.exhibit(media.exhibit_id)
    assert voice.source.sha256 == sha256_file(MEDIA / "en_voicenote.opus")
    folder = extraction_folder(case, before)
    assert Path(media.path) == folder / VOICE and folder.is_relative_to(case.folder)
    assert sha256_file(archive) == before  # the original is untouched
    [chat] = stored_chats(case, taken.exhibit_id)
    assert chat.name == "WhatsApp Chat - Ana"  # the zip's name, not "_chat"
    stored = chat_messages(case, chat.id)
    assert [s.message.sender for s in stored] == ["Dave", "Ana", "Ana", "Dave", "Dave"]
    assert stored[1].attachment_exhibit_id == media.exhibit_id
    assert stored[2].message.text == "To auto" and stored[2].attachment_exhibit_id is None
    assert stored[3].message.attachment.missing and stored[4].message.system
    actions = [e.action for e in case.audit.entries()]
    assert "chat.imported" in actions and "chat.attachment_taken_in" in actions


def test_taking_the_same_export_in_again_reuses_everything(case, tmp_path):
    archive = whatsapp_zip(tmp_path / "evidence")
    [first] = take_in(case, archive)
    [again] = take_in(case, archive)
    assert (again.exhibit_id, again.chat_ids) == (first.exhibit_id, first.chat_ids)
    assert len(case.exhibits()) == 2


def test_stored_messages_cannot_be_changed(case, tmp_path):
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    with pytest.raises(sqlite3.IntegrityError, match="kept as read"):
        case.conn.execute("UPDATE chat_messages SET text='x'")
    with pytest.raises(sqlite3.IntegrityError, match="kept as read"):
        case.conn.execute("DELETE FROM chat_messages")
    assert taken.chat_ids


def test_an_unsafe_zip_stores_nothing(case, tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", "../../" + VOICE)
    with pytest.raises(ChatError, match="escapes its folder"):
        take_in(case, path)
    assert case.exhibits() == [] and stored_chats(case) == []
    assert not list(case.folder.rglob("*.opus")) and not (tmp_path.parent / VOICE).exists()


def test_timeline_before_transcription_and_its_exports(case, tmp_path):
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    timeline = build_timeline(case, taken.exhibit_id)
    data = timeline_dict(timeline)
    assert data["container"] == "whatsapp-zip"
    voice = data["messages"][1]["attachment"]
    assert voice["name"] == VOICE and voice["missing"] is False and voice["transcript"] is None
    assert voice["sha256"] == sha256_file(MEDIA / "en_voicenote.opus")
    gone = data["messages"][3]["attachment"]
    assert gone["missing"] is True and gone["sha256"] is None
    out = tmp_path / "out"
    paths = write_timeline(timeline, out, "ana", ["json", "docx", "pdf"])
    assert [p.name for p in paths] == ["ana.timeline.json", "ana.timeline.docx", "ana.timeline.pdf"]
    assert json.loads(paths[0].read_text(encoding="utf-8"))["messages"][0]["text"] == "Gdzie jesteś?"
    footer = " ".join(p.text for p in Document(paths[1]).sections[0].footer.paragraphs)
    assert timeline.source.sha256 in footer and "Page" in footer
    pdf_text = PdfReader(paths[2]).pages[0].extract_text()
    assert "MISSING" in pdf_text and timeline.source.sha256 in pdf_text.replace("\n", "")


@pytest.mark.parametrize("model_option", ["--translate-model", "--model"])
def test_cli_text_chat_translated_without_voice_notes(tmp_path, capsys, model_option):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    chat = evidence / "_chat.txt"
    chat.write_text("12/03/2024, 21:14 - Anna: Gdzie jesteś?\n"
                    "13/03/2024, 08:00 - Bartek: IMG-20240313-WA0001.jpg (plik załączony)\nTo auto\n"
                    "13/03/2024, 08:01 - Bartek: <Pominięto multimedia>\n", encoding="utf-8")
    out = tmp_path / "out"
    status = main(["timeline", str(chat), "--out", str(out), "--case", str(tmp_path / "case"),
                   "--translate-to", "en", model_option, str(TINY_NLLB), "--from", "pl"])
    assert status == 0, capsys.readouterr().err
    data = json.loads((out / "_chat.timeline.json").read_text(encoding="utf-8"))
    assert data["container"] == "whatsapp"
    first, photo, omitted = data["messages"]
    assert first["translation"] and photo["translation"] and omitted["translation"] is None
    assert photo["text"] == "To auto" and photo["attachment"]["missing"] is True
    assert data["provenance"]["target_language"] == "en"


@pytest.mark.parametrize(("name", "expected"), [
    ("telegram_broken.json", "malformed JSON"),
    ("not_a_chat.txt", "no recognisable chat message"),
])
def test_cli_bad_input_is_one_line(tmp_path, capsys, name, expected):
    (tmp_path / "evidence").mkdir()
    shutil.copy(CHATS / name, tmp_path / "evidence" / name)
    status = main(["timeline", str(tmp_path / "evidence" / name), "--out", str(tmp_path / "out"),
                   "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1 and expected in err[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # checked first, nothing written


def test_cli_telegram_export_without_media(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["timeline", str(CHATS / "telegram_full"), "--out", str(out),
                   "--case", str(tmp_path / "case")])
    assert status == 0, capsys.readouterr().err
    data = json.loads((out / "telegram_full.timeline.json").read_text(encoding="utf-8"))
    assert data["container"] == "telegram-json"
    assert [c["name"] for c in data["chats"]] == ["Oleg", "Crew"]
    assert len(data["messages"]) == 10 and data["messages"][3]["attachment"]["missing"] is True


def test_an_export_folder_takes_in_the_voice_notes_beside_the_chat(case, tmp_path):
    folder = tmp_path / "evidence" / "WhatsApp Chat with Ana"
    folder.mkdir(parents=True)
    (folder / "WhatsApp Chat with Ana.txt").write_text(
        "13/03/2024, 08:02 - Dave: Hi\n13/03/2024, 08:03 - Ana: PTT-20240313-WA0001.opus (file attached)\n"
        "13/03/2024, 08:04 - Ana: PTT-20240313-WA0002.ogg (file attached)\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "PTT-20240313-WA0001.opus")
    shutil.copy(MEDIA / "not_audio.wav", folder / "PTT-20240313-WA0002.ogg")
    [taken] = take_in(case, folder)
    assert taken.export.container == "whatsapp"
    [media] = taken.media
    assert media.path == str(folder / "PTT-20240313-WA0001.opus")  # the original, not a copy
    assert not (case.folder / "exports").exists()
    data = timeline_dict(build_timeline(case, taken.exhibit_id))
    voice, broken = data["messages"][1]["attachment"], data["messages"][2]["attachment"]
    assert voice["sha256"] == sha256_file(MEDIA / "en_voicenote.opus")
    assert broken["sha256"] == sha256_file(MEDIA / "not_audio.wav")  # not playable, but the file is hashed
    assert broken["error"] and broken["missing"] is False


@pytest.mark.parametrize("name", ["whatsapp_ar.txt", "whatsapp_ru.txt", "signal_chat.md", "signal_sigtop.txt",
                                  "telegram_result.json", "whatsapp_ambiguous.txt"])
def test_every_format_renders_in_every_script(case, tmp_path, name):
    folder = tmp_path / "evidence"
    folder.mkdir()
    shutil.copy(CHATS / name, folder / name)
    [taken] = take_in(case, folder / name)
    timeline = build_timeline(case, taken.exhibit_id)
    paths = write_timeline(timeline, tmp_path / "out", "t", ["json", "docx", "pdf"])
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert len(data["messages"]) == len(taken.export.messages)
    assert [m["text"] for m in data["messages"]] == [m.text for m in taken.export.messages]
    assert paths[2].read_bytes().startswith(b"%PDF") and len(PdfReader(paths[2]).pages) >= 1


def test_cli_says_when_the_chat_text_language_is_unknown(tmp_path, capsys):
    chat = tmp_path / "evidence" / "_chat.txt"
    chat.parent.mkdir()
    chat.write_text("12/03/2024, 21:14 - Anna: Gdzie jesteś?\n13/03/2024, 08:00 - Bob: Tutaj\n",
                    encoding="utf-8")
    status = main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                   "--translate-to", "en", "--translate-model", str(TINY_NLLB)])
    err = capsys.readouterr().err
    assert status == 1 and "give it with --from" in err
    data = json.loads((tmp_path / "out" / "_chat.timeline.json").read_text(encoding="utf-8"))
    assert [m["translation"] for m in data["messages"]] == [None, None]  # nothing invented


def test_an_unreadable_export_is_one_line(case, tmp_path, monkeypatch):
    from app.core.chats import intake

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(intake, "sha256_file", refuse)
    with pytest.raises(ChatError, match="Permission denied"):
        take_in(case, whatsapp_zip(tmp_path / "evidence"))
    assert case.exhibits() == []


def test_a_chat_read_before_attachment_names_decided_its_dates_is_read_again(case, tmp_path, monkeypatch):
    """A case that took a chat in before its dates could be decided from its attachments' names
    kept every message undated for good: taking it in again reused the old reading. The reader's
    version moved on, so the next take-in reads it again (the old reading stays, as read)."""
    from app.core.chats import intake, whatsapp
    folder = tmp_path / "WhatsApp Chat with Dave"
    folder.mkdir()
    (folder / "WhatsApp Chat with Dave.txt").write_text(
        "03/10/2024, 10:02 - Sam: PTT-20241003-WA0001.opus (file attached)\n"
        "04/10/2024, 18:31 - Dave: ok\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "PTT-20241003-WA0001.opus")
    with monkeypatch.context() as old:
        old.setattr(intake, "PARSER_VERSION", 2)
        old.setattr(whatsapp, "_named_date", lambda entry: None)  # as version 2 read it
        [taken] = take_in(case, folder)
    assert [m["datetime"] for m in timeline_dict(build_timeline(case, taken.exhibit_id))["messages"]] == [None, None]
    [again] = take_in(case, folder)
    assert again.exhibit_id == taken.exhibit_id
    assert [m["datetime"] for m in timeline_dict(build_timeline(case, taken.exhibit_id))["messages"]] == [
        "2024-10-03T10:02:00", "2024-10-04T18:31:00"]
    hits = [h for h in search(case, "ok") if h.task == "chat"]
    assert [h.message_datetime for h in hits] == ["2024-10-04T18:31:00"]  # the new reading's, once


def test_a_time_written_as_iso_is_shown_once(case, tmp_path):
    """Telegram's JSON writes ISO 8601: the time column read "2024-10-03T11:5 / 9:00 / 2024-10-03
    11:59:00", the same moment twice, the first broken across lines."""
    folder = tmp_path / "ChatExport"
    folder.mkdir()
    shutil.copy(CHATS / "telegram_result.json", folder / "result.json")
    [taken] = take_in(case, folder)
    timeline = build_timeline(case, taken.exhibit_id)
    [docx] = [p for p in write_timeline(timeline, tmp_path / "out", "t", ["docx"]) if p.suffix == ".docx"]
    times = [row.cells[0].text for row in Document(docx).tables[-1].rows][1:]
    first = timeline.entries[0]
    assert first.datetime == first.time + "+00:00"  # its offset, from the moment it also writes (date_unixtime)
    assert times[0] == first.datetime.replace("T", " ")


def test_a_chat_typed_in_another_script_than_its_voice_notes_language_is_not_given_that_language(case, tmp_path):
    """Russian typed, Spanish spoken: the messages were translated "from Spanish" (gibberish). The
    language of the text is now unknown (timeline asks for --from); Latin-script text keeps it."""
    for typed, expected in (("Встречаемся на вокзале в Лутоне", None), ("Nos vemos en la estación", "es")):
        folder = tmp_path / typed[:4]
        folder.mkdir()
        (folder / "_chat.txt").write_text(
            f"[05/10/2024, 21:14:03] Oleg: {typed}\n"
            "[05/10/2024, 21:15:40] Oleg: <attached: 00000012-AUDIO-2024-10-05-21-15-40.ogg>\n", encoding="utf-8")
        shutil.copy(MEDIA / "es_voicenote.ogg", folder / "00000012-AUDIO-2024-10-05-21-15-40.ogg")
        [taken] = take_in(case, folder)
        [note] = attachment_exhibits(case, taken.exhibit_id)
        if case.latest_run(note, "transcribe") is None:
            add_run(case, note, ["Nos vemos mañana."], language="es")
        assert chat_language(build_timeline(case, taken.exhibit_id)) == expected
