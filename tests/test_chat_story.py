"""A phone's chats as one story across exports: the same chat exported twice (March, then
March-April; zipped and unzipped side by side in a dump) is one story, not the same messages
over again. Exports built here as small WhatsApp texts and zips."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.cli.search import hit_line, hit_record
from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.hashing import sha256_file
from app.core.search import search
from tests.conftest import MEDIA, REPO

MARCH = ("13/03/2024, 10:11 - Alice: hello Bob, the van is at the yard\n"
         "13/03/2024, 10:13 - Bob: ok see you at the yard\n")
APRIL = MARCH + "02/04/2024, 09:05 - Alice: the yard again in april\n"


def _exports(root: Path) -> tuple[Path, Path, Path]:
    """March's export zipped and unzipped side by side, and a later March-April export zipped."""
    unzipped = root / "Download" / "WhatsApp Chat with Bob" / "WhatsApp Chat with Bob.txt"
    unzipped.parent.mkdir(parents=True)
    unzipped.write_text(MARCH, encoding="utf-8")
    march, later = root / "Download" / "WhatsApp Chat with Bob.zip", root / "Download" / "WhatsApp Chat with Bob (1).zip"
    for archive, text in ((march, MARCH), (later, APRIL)):
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("WhatsApp Chat with Bob.txt", text)
    return unzipped, march, later


def test_a_message_in_three_exports_of_its_chat_is_one_search_hit_naming_the_others(case, tmp_path):
    """Search listed 'hello Bob' three times, once per export of the chat, nothing saying they
    were one message."""
    for export in _exports(tmp_path):
        take_in(case, export)
    hits = search(case, "yard")
    assert sorted(h.text for h in hits) == [
        "hello Bob, the van is at the yard", "ok see you at the yard", "the yard again in april"]
    [hello] = [h for h in hits if h.text.startswith("hello")]
    others = {hello.exhibit_id} | {o.exhibit_id for o in hello.also_in}
    assert len(others) == 3 and {o.index for o in hello.also_in} == {0}
    assert hit_record(hello)["also_in"] == [
        {"exhibit_id": o.exhibit_id, "export": o.export, "index": 0} for o in hello.also_in]
    line = hit_line(hello)
    assert line.count("[also in exhibit") == 2 and "WhatsApp Chat with Bob.txt" in line + hello.exhibit_name
    [april] = [h for h in hits if "april" in h.text]
    assert april.also_in == ()
    assert len(search(case, "yard", limit=2)) == 2  # the limit counts messages, not copies


def _both_phones(root: Path) -> tuple[Path, Path]:
    """Alice's Android export (Bob saved as 'Bob Smith') and Bob's iPhone export (Alice saved as 'Ali'),
    the one voice note named by each phone its own way, the same bytes."""
    alice = root / "alice" / "WhatsApp Chat with Bob Smith.txt"
    alice.parent.mkdir(parents=True)
    alice.write_text("13/03/2024, 10:11 - Alice: hello Bob, the van is at the yard\n"
                     "13/03/2024, 10:12 - Bob Smith: PTT-20240313-WA0001.opus (file attached)\n"
                     "13/03/2024, 10:13 - Alice: ok see you at the yard\n"
                     "13/03/2024, 10:14 - Bob Smith: ok\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", alice.parent / "PTT-20240313-WA0001.opus")
    bob = root / "WhatsApp Chat - Ali.zip"
    with zipfile.ZipFile(bob, "w") as z:
        z.writestr("_chat.txt", "[13/03/2024, 10:11:05] Ali: hello Bob, the van is at the yard\n"
                   "[13/03/2024, 10:12:30] Bob: \u200e<attached: 00000012-AUDIO-2024-03-13-10-12-30.opus>\n"
                   "[13/03/2024, 10:13:10] Ali: ok see you at the yard\n"
                   "[13/03/2024, 10:14:02] Bob: ok\n[13/03/2024, 10:14:40] Ali: ok\n")
        z.write(MEDIA / "en_voicenote.opus", "00000012-AUDIO-2024-03-13-10-12-30.opus")
    return alice, bob


def test_the_chat_exported_from_both_phones_is_one_story_whatever_each_phone_calls_its_people(case, tmp_path):
    """Alice's export and Bob's name the same people differently ('Alice'/'Ali', 'Bob Smith'/'Bob'):
    nothing said they were one chat, every message stood twice in search, unmarked."""
    [alice] = take_in(case, _both_phones(tmp_path)[0])
    [bob] = take_in(case, tmp_path / "WhatsApp Chat - Ali.zip")
    theirs = build_timeline(case, bob.exhibit_id).entries
    assert [(e.sender, [(o.exhibit_id, o.index) for o in e.also_in]) for e in theirs] == [
        ("Ali", [(alice.exhibit_id, 0)]), ("Bob", [(alice.exhibit_id, 1)]), ("Ali", [(alice.exhibit_id, 2)]),
        ("Bob", [(alice.exhibit_id, 3)]), ("Ali", [])]  # Ali's own "ok" is not Bob Smith's
    note = theirs[1].attachment
    assert note is not None and note.exhibit_id == build_timeline(case, alice.exhibit_id).entries[1].attachment.exhibit_id
    hits = search(case, "yard")
    assert len(hits) == 2 and all(len(h.also_in) == 1 for h in hits)


RENAMED_CHAT = ("13/03/2024, 10:11 - Alice: hello\n"
                "13/03/2024, 10:12 - Bob: PTT-20240313-WA0001.opus (file attached)\n"
                "14/03/2024, 10:12 - Bob: PTT-20240314-WA0002.opus (file attached)\n"
                "15/03/2024, 09:00 - Bob: PTT-20240315-WA0003.opus (file attached)\n"
                "15/03/2024, 18:00 - Bob: PTT-20240315-WA0004.opus (file attached)\n"
                "16/03/2024, 08:00 - Bob: \u200e00000020-AUDIO-2024-03-16-08-00-00.opus (file attached)\n")
RENAMED_FILES = {"PTT-20240313-WA0001.ogg": "en_voicenote.opus",  # another extension
                 "00000012-AUDIO-2024-03-14-10-12-00.opus": "pl_voicenote.opus",  # named by its moment
                 "PTT-20240315-WA0009.opus": "de_voicenote.opus",  # 15/03 holds two: which?
                 "PTT-20240316-WA0001.opus": "es_voicenote.ogg"}  # a day alone: no message's minute


def _renamed_export(root: Path, zipped: bool) -> Path:
    if zipped:
        archive = root / "WhatsApp Chat with Bob.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("WhatsApp Chat with Bob.txt", RENAMED_CHAT)
            for name, media in RENAMED_FILES.items():
                z.write(MEDIA / media, name)
        return archive
    chat = root / "chat" / "WhatsApp Chat with Bob.txt"
    chat.parent.mkdir(parents=True)
    chat.write_text(RENAMED_CHAT, encoding="utf-8")
    for name, media in RENAMED_FILES.items():
        shutil.copy(MEDIA / media, chat.parent / name)
    return chat


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_a_voice_note_the_extraction_renamed_is_found_in_its_message_not_shown_missing(case, tmp_path, zipped):
    """The chat names PTT-20240313-WA0001.opus, the export holds it as .ogg; PTT-20240314-WA0002.opus as
    the iPhone's 00000012-AUDIO-2024-03-14-10-12-00.opus: each message showed its voice note missing and
    the same voice note beside it as a file no message names."""
    [taken] = take_in(case, _renamed_export(tmp_path, zipped))
    entries = build_timeline(case, taken.exhibit_id).entries
    shown = [(e.sender, e.attachment.name, e.attachment.missing, e.attachment.sha256 is not None)
             for e in entries if e.attachment is not None]
    assert shown == [
        ("Bob", "PTT-20240313-WA0001.opus", False, True), ("Bob", "PTT-20240314-WA0002.opus", False, True),
        ("Bob", "PTT-20240315-WA0003.opus", True, False), ("Bob", "PTT-20240315-WA0004.opus", True, False),
        (None, "PTT-20240315-WA0009.opus", False, True),  # a day alone, and two messages of it: not guessed
        ("Bob", "00000020-AUDIO-2024-03-16-08-00-00.opus", True, False),
        (None, "PTT-20240316-WA0001.opus", False, True)]  # the one voice note of its day, but no time: kept apart
    notes = [e.note for e in entries if e.attachment is not None]
    assert "found as PTT-20240313-WA0001.ogg (the same name but for its extension)" in notes[0]
    assert "found as 00000012-AUDIO-2024-03-14-10-12-00.opus" in notes[1]
    assert [e.attachment.sha256 for e in entries if e.attachment is not None and not e.attachment.missing] == [
        sha256_file(MEDIA / m) for m in RENAMED_FILES.values()]


def test_timeline_on_a_dump_counts_the_phones_voice_notes_no_chat_names(tmp_path):
    """`timeline` on a phone dump read the chat in Download/ and passed over in silence the voice note
    lying in WhatsApp/Media that no chat read names: a file met and not accounted for."""
    dump = tmp_path / "dump"
    chat = dump / "Download" / "WhatsApp Chat with Bob.txt"
    chat.parent.mkdir(parents=True)
    chat.write_text(MARCH + "13/03/2024, 10:14 - Bob: PTT-20240313-WA0001.opus (file attached)\n", encoding="utf-8")
    notes = dump / "WhatsApp" / "Media" / "WhatsApp Voice Notes" / "202403"
    notes.mkdir(parents=True)
    (notes / "PTT-20240313-WA0001.opus").write_bytes(b"named by the chat: its own")
    (notes / "PTT-20240320-WA0005.opus").write_bytes(b"no chat read names it")
    (notes.parent.parent / "WhatsApp Images").mkdir()
    (notes.parent.parent / "WhatsApp Images" / "IMG-20240320-WA0006.jpg").write_bytes(b"jpeg")
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(dump), "--out", str(tmp_path / "out"),
         "--case", str(tmp_path / "case"), "--format", "json"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert (f"{dump}: 1 voice note(s) or video(s) and 1 other file(s) in the phone's WhatsApp media folders that "
            f"no chat read names: in no timeline (python -m app transcribe {dump} takes them in), "
            f"e.g. {notes / 'PTT-20240320-WA0005.opus'}") in done.stderr


def test_the_timeline_docx_and_pdf_name_each_voice_notes_exhibit_and_hash_in_its_place(case, tmp_path):
    """The JSON gave a voice note's exhibit and SHA-256, the DOCX and PDF only its file name: a reader
    of the printed timeline could not tell which exhibit a transcript was of."""
    import docx
    import pypdf

    from app.core.usecases.timeline import story, write_story
    from tests.gui_case import add_run, segment

    alice, _ = _both_phones(tmp_path / "in")
    [taken] = take_in(case, alice)
    note = build_timeline(case, taken.exhibit_id).entries[1].attachment
    add_run(case, note.exhibit_id, (segment(300, "Meet me behind the station.", None),))
    timeline, _ = story(case, taken.exhibit_id)
    written = write_story(case, taken.exhibit_id, timeline, tmp_path / "out", "alice", ["json", "docx", "pdf"])
    said = f"(exhibit {note.exhibit_id}, SHA-256 {sha256_file(MEDIA / 'en_voicenote.opus')})"
    [docx_file] = [p for p in written if p.suffix == ".docx"]
    cells = [r.cells[-1].text for t in docx.Document(str(docx_file)).tables for r in t.rows]
    assert ("[Voice note PTT-20240313-WA0001.opus, transcript, machine draft]\nMeet me behind the station.\n" + said) in cells
    [pdf_file] = [p for p in written if p.suffix == ".pdf"]
    text = "".join("".join(page.extract_text().split()) for page in pypdf.PdfReader(str(pdf_file)).pages)
    assert "".join(said.split()) in text


def test_a_voice_note_in_a_sibling_folder_of_the_dump_is_found_in_its_message(case, tmp_path):
    """An extraction laid the chat in chats/ and its voice note in media/audio/: the message showed it
    missing and the file itself was in no count."""
    dump = tmp_path / "dump"
    chat = dump / "chats" / "WhatsApp Chat with Bob.txt"
    chat.parent.mkdir(parents=True)
    chat.write_text("13/03/2024, 10:11 - Alice: hello\n"
                    "13/03/2024, 10:12 - Bob: PTT-20240313-WA0001.opus (file attached)\n", encoding="utf-8")
    (dump / "media" / "audio").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", dump / "media" / "audio" / "PTT-20240313-WA0001.opus")
    [taken] = take_in(case, dump)
    [note] = [e.attachment for e in build_timeline(case, taken.exhibit_id).entries if e.attachment]
    assert (note.missing, note.sha256) == (False, sha256_file(MEDIA / "en_voicenote.opus"))
    assert taken.export.accounting() == ("1 attachment(s) named, 0 of them not in the export, "
                                         "0 file(s) no message names (kept in the chat)")
