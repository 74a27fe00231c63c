"""Hostile expert, session 19: a case tampered with where nothing read it, or read it wrongly.

- something other than a file put in an original's place (a named pipe, a folder, a symlink to `/dev/zero`,
  to a pipe, to itself) was said "original missing ... if the evidence was moved or copied, name its folder:
  verify --sources DIR": the original is not missing, it was replaced, and no folder named finds it; a
  symlink to a file of other bytes did not say where it led.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta

import pytest

from app.cli import main
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.store.db import schema_version
from app.core.types import Segment
from tests.conftest import MEDIA
from tests.tamper_helpers import forged
from tests.test_verify import MODEL, verify

LATEST = schema_version()


@pytest.fixture()
def case(tmp_path, monkeypatch):
    """A case of one voice note (a copy) with a finished run, made by this account (its own heads folder)."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    original = tmp_path / "evidence" / "note.opus"
    original.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    store = Case.open(tmp_path / "case")
    try:
        exhibit, _ = store.add_exhibit(probe(original))
        run = store.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        store.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
        store.finish_run(run)
    finally:
        store.close()
    return {"case": tmp_path / "case", "original": original, "root": tmp_path}


def _sql(folder, *statements: str) -> None:
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def _replaced(original, by) -> None:
    original.unlink()
    by(original)


# ------------------------------------------------------------------ the originals

@pytest.mark.parametrize("put, said", [
    (lambda p: os.mkfifo(p), "original replaced by a named pipe (not read: it is not a file)"),
    (lambda p: p.mkdir(), "original replaced by a folder (not read: it is not a file)"),
    (lambda p: p.symlink_to("/dev/zero"), "original replaced by a symlink to /dev/zero (a device) (not read"),
    (lambda p: (os.mkfifo(p.parent / "pipe"), p.symlink_to(p.parent / "pipe")),
     "original replaced by a symlink to {root}/evidence/pipe (a named pipe) (not read"),
])
def test_something_not_a_file_in_an_original_s_place_is_said_so_not_missing(case, capsys, put, said):
    assert verify(capsys, case["case"]) == (0, [])
    _replaced(case["original"], put)
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(f"{case['original']}: {said.format(root=case['root'])}"), lines
    assert "--sources" not in lines[0], lines


def test_a_symlink_leading_nowhere_is_said_missing_naming_it(case, capsys):
    _replaced(case["original"], lambda p: p.symlink_to(p))  # a loop: leads nowhere, as a link to a file moved away
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0] == f"{case['original']}: original missing: a symlink to {case['original']}, which leads to " \
                       "nothing (if the evidence was moved or copied, name its folder: verify --sources DIR)", lines


def test_a_symlink_to_other_bytes_names_where_it_leads_and_to_the_same_bytes_is_no_finding(case, capsys):
    other = case["root"] / "elsewhere" / "note.opus"
    other.parent.mkdir()
    shutil.copy(MEDIA / "de_voicenote.opus", other)
    _replaced(case["original"], lambda p: p.symlink_to(other))
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(f"{case['original']} (a symlink to {other}): SHA-256 differs from the one taken "
                               "at intake"), lines
    shutil.copy(MEDIA / "en_voicenote.opus", case["root"] / "same.opus")  # evidence taken in through links
    case["original"].unlink()
    case["original"].symlink_to(case["root"] / "same.opus")
    assert verify(capsys, case["case"]) == (0, [])


# ------------------------------------------------------------------ the store file's header

@pytest.mark.parametrize("number", [1234, -1])
def test_a_store_given_an_application_id_is_a_finding_and_still_opens(case, capsys, number):
    _sql(case["case"], f"PRAGMA application_id={number}")
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith(f"case store: its application id (PRAGMA application_id) is {number} ") \
        and lines[0].endswith("Parley leaves it 0: set outside Parley"), lines
    assert main(["export", "--case", str(case["case"]), "--out", str(case["root"] / "out")]) == 0  # goes on
    assert verify(capsys, case["case"])[1] == lines  # said on every run


def test_store_maintenance_and_a_dump_leave_the_application_id_0(case, capsys):
    """Control: VACUUM, another page size, and a store rebuilt by `sqlite3 .dump`, are no finding."""
    _sql(case["case"], "PRAGMA journal_mode=DELETE", "PRAGMA page_size=1024", "VACUUM", "PRAGMA journal_mode=WAL")
    assert verify(capsys, case["case"]) == (0, [])
    if shutil.which("sqlite3"):
        store = case["case"] / "case.sqlite"
        dump = subprocess.run(["sqlite3", str(store), ".dump"], capture_output=True, text=True, check=True).stdout
        store.unlink()
        subprocess.run(["sqlite3", str(store)], input=dump, text=True, check=True)
        assert verify(capsys, case["case"]) == (0, [])



@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool is not installed")
@pytest.mark.parametrize("encoding", ["UTF-16le", "UTF-16be"])
def test_a_store_rebuilt_in_another_text_encoding_is_a_finding_and_still_opens(case, capsys, encoding):
    store = case["case"] / "case.sqlite"
    dump = subprocess.run(["sqlite3", str(store), ".dump"], capture_output=True, text=True, check=True).stdout
    store.unlink()
    subprocess.run(["sqlite3", str(store)], input=f"PRAGMA encoding='{encoding}';\n{dump}", text=True, check=True)
    code, lines = verify(capsys, case["case"])
    assert code == 1 and lines == [(f"case store: its text is stored as {encoding} (PRAGMA encoding); Parley's "
                                   "stores are UTF-8, and no maintenance changes it: rebuilt outside Parley")], lines
    assert main(["export", "--case", str(case["case"]), "--out", str(case["root"] / "out")]) == 0  # goes on

# ------------------------------------------------------------------ the schema's number lowered

@pytest.mark.parametrize("first", ["verify", "export"])
def test_a_lowered_schema_number_is_said_on_every_run_whichever_command_met_it_first(case, capsys, first):
    """It was said once, by the first `verify`, which wrote the number back; an export run first renumbered it
    unsaid. Now the number is written back with an audit entry saying what was found."""
    _sql(case["case"], "PRAGMA user_version=13")
    if first == "export":
        assert main(["export", "--case", str(case["case"]), "--out", str(case["root"] / "out")]) == 0
    for _ in range(2):
        code, lines = verify(capsys, case["case"])
        assert code == 1 and len(lines) == 1, lines
        assert lines[0].startswith(f"case store: numbered schema 13 (PRAGMA user_version), but it holds schema {LATEST} "
                                   "exactly as Parley's migrations make it: the number was changed outside Parley "
                                   "(found when the case was opened at "), lines
    assert sqlite3.connect(case["case"] / "case.sqlite").execute("PRAGMA user_version").fetchone()[0] == LATEST


# ------------------------------------------------------------------ the log's times

def _retimed(folder, entry: int, at: str) -> None:
    _rechained(folder, f"UPDATE audit_log SET at='{at}' WHERE id={entry}")


def _rechained(folder, *statements: str) -> None:
    """The statements, the chain computed again and the head file mended, by another account (this one's record
    of the case removed): the log agrees with itself and with the file beside it."""
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    guards = [r for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'") if "RAISE" in r[1]]
    for name, _ in guards:
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(statement)
    prev = "0" * 64
    for row in conn.execute("SELECT id, at, actor, action, subject, details_json FROM audit_log ORDER BY id").fetchall():
        digest = hashlib.sha256(json.dumps([prev, *row[1:]], ensure_ascii=False).encode()).hexdigest()
        conn.execute("UPDATE audit_log SET prev_hash=?, hash=? WHERE id=?", (prev, digest, row[0]))
        prev, last = digest, row[0]
    for _, sql in guards:
        conn.execute(sql)
    conn.close()
    (folder / "audit-head.json").write_text(json.dumps({"entry": last, "hash": prev}))
    shutil.rmtree(folder.parent / "heads", ignore_errors=True)


def _time_of(folder, entry: int) -> str:
    return sqlite3.connect(folder / "case.sqlite").execute("SELECT at FROM audit_log WHERE id=?", (entry,)).fetchone()[0]


def test_an_entry_timed_in_the_future_is_a_finding(case, capsys):
    _retimed(case["case"], 2, "2031-05-01T09:00:00.000Z")
    for _ in range(2):
        code, lines = verify(capsys, case["case"])
        assert code == 1 and len(lines) == 1, lines
        assert lines[0].startswith("audit log: 1 entry is timed after this computer's clock (") \
            and "entry 2 (" in lines[0] and ") at 2031-05-01T09:00:00.000Z)" in lines[0], lines


def test_an_entry_timed_before_an_earlier_one_is_a_finding(case, capsys):
    first = _time_of(case["case"], 1)
    _retimed(case["case"], 3, "2020-01-01T00:00:00.000Z")
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("audit log: 1 entry is timed before an earlier entry (entry 3 (") \
        and "at 2020-01-01T00:00:00.000Z follows entry 2 at " in lines[0] and "clock was set back" in lines[0], lines
    assert first > "2020"


def test_clocks_a_few_seconds_apart_are_no_finding(case, capsys):
    """Control: a case worked on by two computers whose clocks differ by seconds."""
    earlier = datetime.fromisoformat(_time_of(case["case"], 2).replace("Z", "+00:00")) - timedelta(seconds=20)
    _retimed(case["case"], 3, earlier.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    assert verify(capsys, case["case"]) == (0, [])



def test_a_run_timed_in_the_future_in_its_record_and_its_log_s_details_is_a_finding(case, capsys):
    """The entries' own times untouched: the run's row and what its entries hold of it agree."""
    conn = sqlite3.connect(case["case"] / "case.sqlite")
    finished = conn.execute("SELECT finished_at FROM runs WHERE id=1").fetchone()[0]
    conn.close()
    _rechained(case["case"], "UPDATE runs SET finished_at='2031-05-01T09:00:00.000Z'",
               f"UPDATE audit_log SET details_json=replace(details_json, '{finished}', '2031-05-01T09:00:00.000Z')")
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("run 1: timed after this computer's clock (") \
        and "): finished 2031-05-01T09:00:00.000Z; its record rewritten with other times" in lines[0], lines


def test_a_run_finished_before_it_began_in_its_record_and_its_log_s_details_is_a_finding(case, capsys):
    conn = sqlite3.connect(case["case"] / "case.sqlite")
    finished = conn.execute("SELECT finished_at FROM runs WHERE id=1").fetchone()[0]
    conn.close()
    _rechained(case["case"], "UPDATE runs SET finished_at='2020-01-01T00:00:00.000Z'",
               f"UPDATE audit_log SET details_json=replace(details_json, '{finished}', '2020-01-01T00:00:00.000Z')")
    code, lines = verify(capsys, case["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("run 1: finished (2020-01-01T00:00:00.000Z) before it began ("), lines


@pytest.mark.parametrize("other_media, more", [("pl_voicenote.opus", 0), ("pl_voicenote.opus", 5)])
def test_another_case_s_head_file_put_beside_the_store_is_said_replaced(case, capsys, other_media, more):
    """It was said as "the log was rewritten; or cut short ...", though the log is as this account last saw it."""
    original = case["root"] / "other" / other_media
    original.parent.mkdir()
    shutil.copy(MEDIA / other_media, original)
    other = Case.open(case["root"] / "other case")
    try:
        other.add_exhibit(probe(original))
        with other.transaction():
            for number in range(more):  # a longer log: its head past this one's end
                other.audit.record("settings.changed", "case", {"n": number})
    finally:
        other.close()
    assert verify(capsys, case["case"]) == (0, [])
    shutil.copy(case["root"] / "other case" / "audit-head.json", case["case"] / "audit-head.json")
    for _ in range(2):
        code, lines = verify(capsys, case["case"])
        assert code == 1 and len(lines) == 1, lines
        assert lines[0].startswith("audit log: the head file beside the store names entry ") and lines[0].endswith(
            "which this log holds at no entry, though the log is as this account last saw it (entry "
            f"{_last_entry(case['case'])}): the head file was replaced (another case's?), or the log was rewritten "
            "by another account since"), lines


def _last_entry(folder) -> int:
    return sqlite3.connect(folder / "case.sqlite").execute("SELECT max(id) FROM audit_log").fetchone()[0]

# ------------------------------------------------------------------ export of a record edited in the store

@pytest.mark.parametrize("edited", [False, True])
def test_a_transcript_edited_in_the_store_is_not_exported_as_the_machine_s_or_the_proofreader_s(case, capsys,
                                                                                                edited):
    """It was exported, its manifest vouching for the forged words ("machine draft", or edited by DC Jones)."""
    if edited:
        from app.core.editing import operations as editing
        store = Case.open(case["case"])
        try:
            editing.edit_text(store, 1, editing.segment_ids(store, 1)[0], "meet me at the dock", actor="DC Jones")
        finally:
            store.close()
    table = "working_segments" if edited else "segments"
    forged(case["case"], f"UPDATE {table} SET text='bring the gun'")
    out = case["root"] / "out"
    capsys.readouterr()
    assert main(["export", "--case", str(case["case"]), "--out", str(out), "--format", "txt"]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    draft = "the edited transcript differs from its recorded revision history" if edited else \
        "the machine draft in the store differs from what was produced"
    assert said[-1].endswith(f"run 1: {draft} (edited outside Parley): not exported; `verify` says more"), said
    assert not any(out.glob("*.txt"))
