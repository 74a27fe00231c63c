"""Hostile expert, session 14: what the tampering sweep does not try, tried.

- the audit log rewritten from its very first entry and chained again, the head file beside the store
  mended, on a case with no export to anchor it: the head the account keeps was filed under the first
  entry's hash, so a new first entry hid it; the account now also keeps, per case folder, the first
  entry's hash of the log it last saw there;
- a store rebuilt by `sqlite3 .dump` (a careless "repair"), which writes no schema version: it was refused
  as "another program's database"; its schema is Parley's, so it is recognised and verifies as it stands.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess

import pytest

from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import Segment
from tests.conftest import MEDIA
from tests.test_verify import MODEL, _forged, verify

GENESIS = "0" * 64


def _case(folder, original):
    """A case as the queue leaves one without exports: an original, a finished run, an edit."""
    case = Case.open(folder)
    try:
        exhibit, _ = case.add_exhibit(probe(original))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me at the docks"), Segment(1500, 3000, "bring the money")),
                             {}, "en", 0.98)
        case.finish_run(run)
        editing.edit_text(case, run, editing.segment_ids(case, run)[1], "bring the van", actor="DC Jones")
    finally:
        case.close()
    return folder


@pytest.fixture()
def unexported(tmp_path):
    original = tmp_path / "evidence" / "note.opus"
    original.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    return {"case": _case(tmp_path / "case", original), "original": original}


def _rechained(folder, statement: str) -> None:
    """The statement, then every entry's hash computed again from the first and the head file mended:
    the chain agrees with itself and with the file beside it."""
    _forged(folder, statement)
    conn = sqlite3.connect(folder / "case.sqlite")
    prev, fixes = GENESIS, []
    for row in conn.execute("SELECT id, at, actor, action, subject, details_json FROM audit_log ORDER BY id"):
        digest = hashlib.sha256(json.dumps([prev, *row[1:]], ensure_ascii=False).encode()).hexdigest()
        fixes.append(f"UPDATE audit_log SET prev_hash='{prev}', hash='{digest}' WHERE id={row[0]}")
        prev, last = digest, row[0]
    conn.close()
    _forged(folder, *fixes)
    (folder / "audit-head.json").write_text(json.dumps({"entry": last, "hash": prev}))


# ------------------------------------------------------------------ the log rewritten from its first entry

@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor='DS Brown' WHERE id=1",  # who took the exhibit in
    "UPDATE audit_log SET at='2024-03-13T08:00:00.000Z' WHERE id=1",  # when it was taken in
])
def test_the_log_rewritten_from_its_first_entry_shows_on_the_account_that_worked_on_it(unexported, capsys,
                                                                                       statement):
    assert verify(capsys, unexported["case"]) == (0, [])
    _rechained(unexported["case"], statement)
    for _ in range(2):  # said on every run, not only the first (verify's own close keeps the record)
        code, lines = verify(capsys, unexported["case"])
        assert code == 1 and len(lines) == 1, lines
        assert lines[0].startswith("audit log: this account last saw this case's log in this folder begin "
                                   "otherwise (entry 1 ") and lines[0].endswith(
            "the log was rewritten from its first entry and chained again"), lines


def test_the_whole_log_rewritten_with_new_times_from_its_first_entry_shows_too(unexported, capsys):
    """Entry 1's time changed too: entry 2 and the last entry seen still hold what they held."""
    assert verify(capsys, unexported["case"]) == (0, [])
    _rechained(unexported["case"], "UPDATE audit_log SET at='2024-03-13T08:00:00.000Z', actor='DS Brown' WHERE id=1")
    code, lines = verify(capsys, unexported["case"])
    assert code == 1 and len(lines) == 1 and "rewritten from its first entry" in lines[0], lines


def test_a_later_entry_rewritten_is_still_said_as_before(unexported, capsys):
    assert verify(capsys, unexported["case"]) == (0, [])
    _rechained(unexported["case"], "UPDATE audit_log SET actor='DS Brown' WHERE id=2")
    code, lines = verify(capsys, unexported["case"])
    assert code == 1 and len(lines) == 1 and lines[0].startswith("audit log: this account last saw this case's "
                                                                 "log at entry "), lines


def test_a_new_case_made_where_another_was_and_a_copy_elsewhere_are_not_findings(unexported, capsys, tmp_path):
    """A case folder removed and a new case made at its path by Parley; a case copied to another path and
    worked on there: each verifies clean."""
    copy = tmp_path / "elsewhere" / "case"
    shutil.copytree(unexported["case"], copy)
    assert verify(capsys, copy) == (0, [])
    shutil.rmtree(unexported["case"])
    other = tmp_path / "evidence" / "other.opus"
    shutil.copy(MEDIA / "de_voicenote.opus", other)
    _case(unexported["case"], other)
    assert verify(capsys, unexported["case"]) == (0, [])
    assert verify(capsys, copy) == (0, [])


def test_another_case_copied_into_a_folder_where_this_account_worked_on_one_is_not_a_finding(unexported, capsys,
                                                                                              tmp_path):
    """A case made elsewhere (another machine's) copied into the folder that held this one: another case,
    not this one rewritten; and the folder's case put back again is not one either."""
    other_original = tmp_path / "theirs" / "call.opus"
    other_original.parent.mkdir()
    shutil.copy(MEDIA / "de_voicenote.opus", other_original)
    theirs = _case(tmp_path / "theirs" / "case", other_original)
    ours = tmp_path / "ours"
    assert verify(capsys, unexported["case"]) == (0, [])
    shutil.move(unexported["case"], ours)
    shutil.copytree(theirs, unexported["case"])
    assert verify(capsys, unexported["case"]) == (0, [])
    shutil.rmtree(unexported["case"])
    shutil.move(ours, unexported["case"])
    assert verify(capsys, unexported["case"]) == (0, [])


# ------------------------------------------------------------------ the store rebuilt by another SQLite tool

def test_a_store_whose_schema_number_was_lost_opens_and_verifies(unexported, capsys):
    """What `.dump`/`.recover` leave: Parley's schema with PRAGMA user_version 0."""
    conn = sqlite3.connect(unexported["case"] / "case.sqlite")
    conn.execute("PRAGMA user_version=0")
    conn.close()
    assert verify(capsys, unexported["case"]) == (0, [])


def test_a_store_numbered_0_with_a_guard_trigger_dropped_is_not_taken_for_parley_s(unexported, capsys):
    conn = sqlite3.connect(unexported["case"] / "case.sqlite")
    conn.execute("PRAGMA user_version=0")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.close()
    code, lines = verify(capsys, unexported["case"])
    assert code != 0 and len(lines) == 1 and "Parley's tables but no schema version Parley made" in lines[0], lines


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool is not installed")
def test_a_store_rebuilt_with_the_sqlite3_tool_verifies(unexported, capsys):
    store = unexported["case"] / "case.sqlite"
    dump = subprocess.run(["sqlite3", str(store), ".dump"], capture_output=True, text=True, check=True).stdout
    store.unlink()
    subprocess.run(["sqlite3", str(store)], input=dump, text=True, check=True)
    assert verify(capsys, unexported["case"]) == (0, [])
    _forged(unexported["case"], "UPDATE segments SET text='bring the gun' WHERE text='bring the money'")
    code, lines = verify(capsys, unexported["case"])  # and a change made to it is still found
    assert code == 1 and any("machine draft" in line for line in lines), lines


# ------------------------------------------------------------------ the case taken to another machine

def test_a_case_moved_whole_with_its_evidence_and_two_export_folders_verifies_there(tmp_path, capsys):
    """What a defence expert receives: the case, the evidence and two export folders whose files share
    names (an exhibit exported, edited and exported again elsewhere, as a transcript and its translation
    are), all under another path. Each export is found in the folder that holds its bytes, each original
    under `--sources` by its path's tail; a change there is still a finding, naming where it was found."""
    from app.cli import main
    from app.core.usecases.exporting import export_run

    original = tmp_path / "police" / "evidence" / "phone" / "note.opus"
    original.parent.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    case_dir = _case(tmp_path / "police" / "case", original)
    case = Case.open(case_dir)
    try:
        export_run(case, 1, tmp_path / "police" / "first", ["json", "txt"])
        editing.edit_text(case, 1, editing.segment_ids(case, 1)[0], "meet me at the station", actor="DC Jones")
        export_run(case, 1, tmp_path / "police" / "second", ["json", "txt"])
    finally:
        case.close()
    moved = tmp_path / "expert"
    shutil.move(tmp_path / "police", moved)

    def verify_moved() -> tuple[int, list[str]]:
        capsys.readouterr()
        code = main(["verify", "--case", str(moved / "case"), "--exports", str(moved / "second"),
                     "--exports", str(moved / "first"), "--sources", str(moved / "evidence")])
        return code, [line for line in capsys.readouterr().err.splitlines() if not line.endswith("finding(s)")]

    assert verify_moved() == (0, [])
    (moved / "first" / "note.txt").write_text("meet me at the docks, said nobody\n")
    with open(moved / "evidence" / "phone" / "note.opus", "r+b") as fh:
        fh.seek(4000)
        fh.write(b"\x00")
    code, lines = verify_moved()
    assert code == 1 and len(lines) == 2, lines
    assert lines[0].startswith(f"{original} (found at {moved / 'evidence' / 'phone' / 'note.opus'}): SHA-256 differs")
    assert lines[1].startswith(f"{tmp_path / 'police' / 'first' / 'note.txt'} (found at "
                               f"{moved / 'first' / 'note.txt'}): exported file changed"), lines


def test_an_original_not_found_says_how_to_name_a_moved_evidence_folder(unexported, capsys):
    unexported["original"].unlink()
    code, lines = verify(capsys, unexported["case"])
    said = (f"{unexported['original']}: original missing (not found at the path it was taken in from) (if the "
            "evidence was moved or copied, name its folder: verify --sources DIR)")
    assert code == 1 and lines == [said], lines


# ------------------------------------------------------------------ a store copied while Parley wrote to it

def test_a_case_copied_while_in_use_verifies_with_its_wal_and_says_so_without_it(unexported, capsys, tmp_path):
    """Another program holds the store open (a backup tool, a viewer) while an edit is made, so the last
    commits stay in case.sqlite-wal; the folder copied then. With the -wal the copy verifies clean; without
    it the entries it held are gone, and the finding says how that happens."""
    reader = sqlite3.connect(unexported["case"] / "case.sqlite")
    try:
        reader.execute("SELECT count(*) FROM audit_log").fetchone()
        case = Case.open(unexported["case"])
        try:
            editing.edit_text(case, 1, editing.segment_ids(case, 1)[0], "meet me at the station", actor="DC Jones")
        finally:
            case.close()
        assert (unexported["case"] / "case.sqlite-wal").stat().st_size > 0
        whole, without = tmp_path / "copy-whole", tmp_path / "copy-without-wal"
        shutil.copytree(unexported["case"], whole)
        without.mkdir()
        for name in ("case.sqlite", "audit-head.json"):
            shutil.copy(unexported["case"] / name, without / name)
    finally:
        reader.close()
    assert verify(capsys, whole) == (0, [])
    code, lines = verify(capsys, without)
    assert code == 1 and len(lines) == 1, lines
    assert "gone; the head file beside the store names" in lines[0] and (
        "(the log was cut short); or the store was copied without its case.sqlite-wal while Parley was writing to "
        "it (copy it too); or they were lost to a power cut") in lines[0], lines
