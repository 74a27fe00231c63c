"""Session 29, review 2 of defence29: `check-export` gave false alarms on untouched DOCX and PDF sets.

The PDF's rows were read from all of its first pages' text: a recording named "Recording 12.m4a" (the line under
the heading) was read as the Recording row, a table crossing a page took in the foot's "Source SHA-256 <hex>",
pypdf gives Chinese back with NULs and Arabic in visual order, and a name's control characters are U+FFFD in a
DOCX and left out of a PDF. Each set below is handed over alone and untouched: it must be quiet.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3

import pytest

from tests.test_tamper24 import _manifest_edited
from tests.test_tamper29 import case_named

PERSON = "Ms Jane Doe-Appleby, appropriate adult from the county council, attending for the whole interview"


def _alone(case, out, fmt: str):
    from app.cli import main

    assert main(["export", "1", "--case", str(case), "--out", str(out), "--format", fmt]) == 0
    return next(out.glob("*.manifest.json"))


def _checked(manifest, capsys) -> tuple[int, str, str]:
    from app.cli import main

    capsys.readouterr()
    code = main(["check-export", str(manifest)])
    said = capsys.readouterr()
    return code, said.out, said.err


@pytest.mark.parametrize("name, verifier", [
    ("Recording 12.m4a", "DS Patel"), ("Software call.m4a", "DS Patel"), ("Produced evidence.m4a", "DS Patel"),
    ("Model statement DC Hale.m4a", "DS Patel"), ("Status update from Mike.m4a", "DS Patel"),
    ("bell\x07name.m4a", "DS\x1b Patel"),
    ("录音 2024-03-13 证人.m4a", "王伟 警官"), ("تسجيل صوتي ١.m4a", "محمد علي"),
])
def test_an_untouched_record_handed_over_alone_is_quiet_whatever_the_recording_and_verifier_are_called(
        tmp_path, monkeypatch, capsys, name, verifier):
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, name)
    assert main(["signoff", "1", "--by", verifier, "--case", str(case)]) == 0
    for fmt in ("pdf", "docx"):
        code, _, err = _checked(_alone(case, tmp_path / fmt, fmt), capsys)
        assert code == 0, err
        assert "edited after the export" not in err


def test_a_pdf_name_outside_the_latin_scripts_is_read_from_its_subject_and_an_older_pdf_says_it_was_not_read(
        tmp_path, monkeypatch, capsys):
    """pypdf gives "\\x00录\\x00音 ..." for what fpdf2 wrote as "录音 ...": compared, it was a false alarm, so session
    29 said it did not read the name back (a note, exit 0). Since session 30 the PDF's Subject carries the recording's
    name and verifier exactly: the untouched PDF is quiet with no note, and an edit of either is seen; a PDF written
    before (its Subject the source's SHA-256 alone) still gets the note. A DOCX reads the names exactly too."""
    from app.cli import main
    from app.core.export import record

    case = case_named(tmp_path, monkeypatch, "录音 2024-03-13 证人.m4a")
    assert main(["signoff", "1", "--by", "王伟 警官", "--case", str(case)]) == 0
    manifest = _alone(case, tmp_path / "pdf", "pdf")
    code, out, err = _checked(manifest, capsys)
    assert code == 0 and "not read back" not in out, out + err
    for key, edit, said in (("verified_by", lambda d: d.update(verified_by="李娜 警官"), "李娜 警官"),
                            ("source.name", lambda d: d["source"].update(name="录音 证人.m4a"), "录音 证人.m4a")):
        edited = tmp_path / f"pdf {key}"
        edited.mkdir()
        for file in manifest.parent.iterdir():
            (edited / file.name).write_bytes(file.read_bytes())
        _manifest_edited(edited / manifest.name, edit)
        code, _, err = _checked(edited / manifest.name, capsys)
        assert code == 1 and f"gives {key} as {said}, but" in err, err
    monkeypatch.setattr(record, "pdf_subject", lambda t: f"SHA-256 of source: {t.source.sha256}")  # as before
    code, out, _ = _checked(_alone(case, tmp_path / "older pdf", "pdf"), capsys)
    assert code == 0
    assert "source.name (录音 2024-03-13 证人.m4a) was not read back from it" in out, out
    assert "verified_by (王伟 警官) was not read back from it" in out, out
    manifest = _alone(case, tmp_path / "docx", "docx")
    _manifest_edited(manifest, lambda d: d.update(verified_by="李娜 警官"))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives verified_by as 李娜 警官" in err, err


def test_a_pdf_whose_source_table_crosses_a_page_is_quiet_and_still_reads_the_rows_past_the_break(
        tmp_path, monkeypatch, capsys):
    """Eighteen people present push the table's last rows (Produced, Run, Status) onto page 2: the Software row took
    in the foot's "Source SHA-256 <hex>" and the untouched set gave "gives software as ...". Now quiet, and an
    edited run, read past the break, is still seen."""
    from pypdf import PdfReader

    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "interview.m4a")
    present = [word for i in range(18) for word in ("--present", f"{PERSON} {i}")]
    assert main(["interview", "1", "--case-ref", "OP/2024/17", "--interviewee", "John Smith", "--officer", "DC Jones",
                 "--by", "DC Jones", "--case", str(case), *present]) == 0
    assert main(["signoff", "1", "--by", "DS Patel", "--case", str(case)]) == 0
    manifest = _alone(case, tmp_path / "pdf", "pdf")
    pages = PdfReader(str(next((tmp_path / "pdf").glob("*.pdf")))).pages
    assert "Source and production" in pages[0].extract_text() and "\nRun " in pages[1].extract_text()  # it crosses
    code, _, err = _checked(manifest, capsys)
    assert code == 0, err
    _manifest_edited(manifest, lambda d: d.update(run_id=int(d["run_id"]) + 7))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives run_id as " in err, err


def test_a_long_verifier_whose_status_row_wraps_in_the_pdf_is_still_read_back(tmp_path, monkeypatch, capsys):
    """A verifier of 88 characters wraps the PDF's Status cell ("Status" alone on its line): neither status nor
    verifier was read, and a manifest naming DS Brown gave "nothing found"."""
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "interview.m4a")
    who = "Detective Constable Alexandra Whitfield-Jones " + "Q" * 42
    assert main(["signoff", "1", "--by", who, "--case", str(case)]) == 0
    manifest = _alone(case, tmp_path / "pdf", "pdf")
    assert _checked(manifest, capsys)[0] == 0
    data = json.loads(manifest.read_text(encoding="utf-8"))
    _manifest_edited(manifest, lambda d: d.update(verified_by="DS Brown"))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives verified_by as DS Brown" in err, err
    assert data["verified_by"] == who


@pytest.mark.parametrize("cause, said", [
    (errno.EDQUOT, "your quota on the disk holding the case is used up"),
    (errno.EROFS, "the disk holding the case is read-only"),
    (errno.ENOSPC, "the disk holding the case is full ("),
])
def test_a_disk_io_error_is_named_from_a_small_writes_error_not_from_the_free_space(tmp_path, monkeypatch, cause,
                                                                                     said):
    """A case over its quota on a share (free space as statvfs counts it, EDQUOT on writing) was told "a failing disk
    ... keep the case on a local disk": the cause is now named from a 64 KiB write's error in the case's folder."""
    from app.core.store import db

    def refused(_fd):
        raise OSError(cause, os.strerror(cause))

    monkeypatch.setattr(os, "fsync", refused)
    hint = db._io_hint(sqlite3.OperationalError("disk I/O error"), tmp_path)
    assert hint.startswith(f": {said}") and "nothing of it was changed" in hint and "failing disk" not in hint, hint
    assert list(tmp_path.iterdir()) == []  # the test write left nothing


def test_a_disk_io_error_where_a_small_write_succeeds_keeps_the_file_system_line(tmp_path):
    from app.core.store import db

    hint = db._io_hint(sqlite3.OperationalError("disk I/O error"), tmp_path)
    assert "cannot hold SQLite's write-ahead log" in hint and "full" not in hint, hint
    assert db._io_hint(sqlite3.OperationalError("database is locked"), tmp_path) == ""
