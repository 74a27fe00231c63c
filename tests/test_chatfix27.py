"""Chat readers and naming, the defects review 1 found in session 27's chat changes: one export met twice keeps
the voice note beside its zip, a copy's source named from its own audit entry, the JSON naming the zip and member,
two iOS placeholders in one message, and an I/O error naming the export that failed.

Each test builds its export as a small file and reads it as `timeline` does (`load_export`, `take_in_exports`).
"""

from __future__ import annotations

import errno
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from app.core.chats.registry import load_export
from tests.conftest import MEDIA
from tests.test_chats27 import _zip_naming

VOICE = "PTT-20240115-WA0001.opus"


def _evidence(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding Anna's zip (exported "without media") and the voice note it names beside it."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    zipped = _zip_naming(folder / "WhatsApp Chat with Anna.zip", "Anna", "15/01/2024")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / VOICE)
    return folder, zipped


def _linked_notes(loaded) -> list[bool]:
    return [not m.attachment.missing for lo in loaded for m in lo.export.messages if m.attachment is not None]


def test_a_byte_identical_copy_of_the_zip_beside_it_keeps_the_voice_note_linked(tmp_path):
    """Before: the zip and its copy `... (1).zip` in one folder were counted as two phones: the voice note beside
    them was linked to none, "named by 2 zips' chats here", and never transcribed. Now one export is one claim."""
    folder, zipped = _evidence(tmp_path)
    shutil.copy(zipped, folder / "WhatsApp Chat with Anna (1).zip")
    loaded = load_export(folder)
    assert _linked_notes(loaded) == [True, True], [m.note for lo in loaded for m in lo.export.messages]
    assert all("named by" not in m.note for lo in loaded for m in lo.export.messages)


def test_a_zip_given_twice_or_with_its_folder_keeps_the_voice_note_linked(tmp_path, case):
    """Before: `timeline a.zip a.zip` and `timeline evidence/ evidence/a.zip` left the voice note with no link."""
    from app.core.usecases.timeline import take_in_exports

    folder, zipped = _evidence(tmp_path)
    for inputs in ([str(zipped), str(zipped)], [str(folder), str(zipped)]):
        taken, errors = take_in_exports(case, inputs)
        assert not errors and len(taken) == 2 and taken[1].met_again  # the second met again: said, stored once
        assert len(taken[0].media) == 1, [m.note for t in taken for m in t.export.messages]


def test_one_phones_chat_exported_twice_links_the_voice_note_to_both(tmp_path):
    """Two exports of one chat on different days (other bytes, more messages): the message naming the file has
    the same sender and minute in both, so it is the same message; both link it. Another sender still unlinks."""
    folder, zipped = _evidence(tmp_path)
    later = folder / "WhatsApp Chat with Anna (later).zip"
    with zipfile.ZipFile(zipped) as first, zipfile.ZipFile(later, "w") as archive:
        [name] = first.namelist()
        archive.writestr(name, first.read(name).decode() + "16/01/2024, 09:00 - Anna: still there?\n")
    assert _linked_notes(load_export(folder)) == [True, True]
    _zip_naming(folder / "WhatsApp Chat with Bob.zip", "Bob", "15/01/2024")
    loaded = load_export(folder)
    assert _linked_notes(loaded) == [False, False, False]
    assert all("named by 3 zips' chats here, by messages of another sender or minute" in m.note
               for lo in loaded for m in lo.export.messages if m.attachment is not None)


def test_a_copy_and_another_phone_are_counted_as_two_exports(tmp_path):
    """The note counts distinct exports: Anna's zip, its byte copy and Bob's zip are two, not three."""
    folder, zipped = _evidence(tmp_path)
    shutil.copy(zipped, folder / "copy.zip")
    _zip_naming(folder / "WhatsApp Chat with Bob.zip", "Bob", "15/01/2024")
    notes = [m.note for lo in load_export(folder) for m in lo.export.messages if m.attachment is not None]
    assert len(notes) == 3 and all("named by 2 zips' chats here" in n for n in notes), notes


def _exported_source(case, exhibit_id: int, out: Path) -> str:
    """The TXT's "Source:" line of a run on the exhibit, exported as `export` writes it."""
    from tests.test_chats27 import _exported, _transcribed

    text, _, _ = _exported(case, _transcribed(case, exhibit_id), out)
    return next(line for line in text.splitlines() if line.startswith("Source: "))


def test_a_moved_case_still_names_the_zip_and_member_as_the_source(tmp_path):
    """Before: a case carried to another folder (another machine, another mount point) said "Source: <the old
    case path>/exports/<sha>/<file>": the copy was known only under the case's folder of the day."""
    from app.core.chats.intake import take_in
    from app.core.store import Case
    from tests.test_chats26 import VOICE as MEMBER
    from tests.test_chats26 import _whatsapp_zip

    zipped, _ = _whatsapp_zip(tmp_path / "evidence")
    case = Case.open(tmp_path / "case")
    [media] = take_in(case, zipped)[0].media
    case.close()
    shutil.move(tmp_path / "case", tmp_path / "moved")
    case = Case.open(tmp_path / "moved")
    try:
        assert _exported_source(case, media.exhibit_id, tmp_path / "out") == f"Source: {zipped} → {MEMBER}"
    finally:
        case.close()


def test_the_source_is_named_from_the_export_whose_copy_the_case_reads(tmp_path, case, monkeypatch):
    """Before: the first audit entry of the exhibit named the source. A kill between storing a zip's voice note
    and its audit entry, then the same bytes met in another zip first, made the record name that other zip while
    the case read the copy from the first. Now the entry whose export is the copy's folder names it."""
    from app.core.chats import intake
    from tests.test_chats26 import VOICE as MEMBER
    from tests.test_chats26 import _whatsapp_zip

    first, _ = _whatsapp_zip(tmp_path / "a")
    other, _ = _whatsapp_zip(tmp_path / "c")
    with zipfile.ZipFile(other, "a") as archive:  # the same voice note in another export (other bytes)
        archive.writestr("note.txt", "another phone")
    recorded = intake._audit_origin

    def killed(*args):
        raise KeyboardInterrupt  # the process ends before the audit entry is written

    monkeypatch.setattr(intake, "_audit_origin", killed)
    try:
        intake.take_in(case, first)
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(intake, "_audit_origin", recorded)
    [media] = intake.take_in(case, other)[0].media
    intake.take_in(case, first)  # taken in again after the kill: its entry now written, after the other's
    assert f"/exports/{intake.sha256_file(first)}/" in case.exhibit(media.exhibit_id).source.path
    assert _exported_source(case, media.exhibit_id, tmp_path / "out") == f"Source: {first} → {MEMBER}"


def test_the_json_names_the_zip_and_member_as_the_txt_does(tmp_path, case):
    """Before: the JSON's source was the case's working copy alone, while TXT/VTT/DOCX/PDF and the manifest named
    the zip and member. Now `source.found_in` names them too (absent for a file read where it was met)."""
    import json

    from app.core.chats.intake import take_in
    from app.core.store import Case
    from app.core.usecases.exporting import export_run
    from tests.test_chats26 import VOICE as MEMBER
    from tests.test_chats26 import _whatsapp_zip
    from tests.test_chats27 import _transcribed

    zipped, loose = _whatsapp_zip(tmp_path / "evidence")
    other = Case.open(tmp_path / "other")
    try:
        for store, given, found_in in ((case, zipped, f"{zipped} → {MEMBER}"), (other, loose, None)):
            [media] = take_in(store, given)[0].media
            paths = export_run(store, _transcribed(store, media.exhibit_id), tmp_path / given.name, ["json"])
            data = json.loads(next(p for p in paths if p.name.endswith(".json") and "manifest" not in p.name)
                              .read_text(encoding="utf-8"))
            assert data["source"].get("found_in") == found_in
            assert data["source"]["path"] == media.path
    finally:
        other.close()


def test_an_ios_message_holding_two_files_is_left_as_written(tmp_path):
    """Before: "see <attached: A> and <attached: B>" linked B alone, A's placeholder left in its caption (and
    "<attached: C> and <attached: D>" linked C): one file shown as the message's, the other as words. Which file is
    the message's is not known, so the message now stays as written, both names in its text."""
    from tests.test_chat_layouts18 import _chats
    from tests.test_chats27 import _ios_chat

    pairs = [("see ", " and ", ""), ("", " and ", ""), ("look\n", " ", ""), ("", "\nsee ", "")]
    lines = "".join(f"[19/08/2022, 9:{15 + i}:00 PM] Ali: {before}\u200e<attached: 000001{i}0-PHOTO-A.jpg>{between}"
                    f"\u200e<attached: 000001{i}1-PHOTO-B.jpg>{after}\n" for i, (before, between, after) in enumerate(pairs))
    lines += "[19/08/2022, 9:30:00 PM] Ali: one \u200e<attached: 00000200-PHOTO-C.jpg>\n"
    [chat] = _chats(_ios_chat(tmp_path, lines, {}))
    assert [(m.text, m.attachment and m.attachment.name) for m in chat.messages] == [
        *((f"{before}<attached: 000001{i}0-PHOTO-A.jpg>{between}<attached: 000001{i}1-PHOTO-B.jpg>{after}", None)
          for i, (before, between, after) in enumerate(pairs)),
        ("one", "00000200-PHOTO-C.jpg"),
    ]


@pytest.mark.parametrize("failing", ["WhatsApp Chat with Anna.zip", VOICE])
def test_an_io_error_storing_one_export_names_that_export_not_the_folder(tmp_path, case, monkeypatch, failing):
    """Before: a read error on one export's file (a bad sector under Anna's zip, or under the voice note beside it)
    while storing it was said against the whole folder given: "evidence: Input/output error", as if no export in it
    had been read. Now the line names Anna's zip (and the file that failed, when another), and Bob's is stored."""
    from app.core.chats import intake
    from app.core.usecases.timeline import take_in_exports
    from tests.test_chats26 import _whatsapp_zip

    folder, anna = _evidence(tmp_path)
    bob, _ = _whatsapp_zip(folder / "bob")
    hashed = intake.sha256_file

    def bad_sector(path):  # the disk fails reading that one file
        if Path(path).name == failing:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return hashed(path)

    monkeypatch.setattr(intake, "sha256_file", bad_sector)
    taken, errors = take_in_exports(case, [str(folder)])
    said = os.strerror(errno.EIO) + ("" if failing == anna.name else f": {folder / VOICE}")
    assert [(e.path, e.reason) for e in errors] == [(str(anna), said)]
    assert bob in [t.original for t in taken] and anna not in [t.original for t in taken]
