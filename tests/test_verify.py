"""`verify` against a hostile expert: every tampering below is a finding and exit status 1."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess

import pytest

from app.cli import main
from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.store.audit import _entry_hash
from app.core.types import ModelInfo, Segment
from app.core.usecases.exporting import export_run
from tests.conftest import MEDIA

MODEL = ModelInfo("tiny.en", "/models/tiny.en", "ab" * 32)


@pytest.fixture()
def made(tmp_path):
    """A case with an original (a copy), a finished run, an edit, and an exported set."""
    original = tmp_path / "evidence" / "note.opus"
    original.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    case = Case.open(tmp_path / "case")
    exhibit, _ = case.add_exhibit(probe(original))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
    case.append_segments(run, (Segment(0, 1500, "meet me at the docks"), Segment(1500, 3000, "bring the money")),
                         {}, "en", 0.98)
    case.finish_run(run)
    editing.edit_text(case, run, editing.segment_ids(case, run)[1], "bring the van", actor="DC Jones")
    export_run(case, run, tmp_path / "out", ["json", "txt", "pdf"])
    case.close()
    return {"case": tmp_path / "case", "original": original, "out": tmp_path / "out", "run": run}


def verify(capsys, folder) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["verify", "--case", str(folder)])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line and not line.endswith("finding(s)")]


def _sql(folder, *statements: str) -> None:
    conn = sqlite3.connect(folder / "case.sqlite")
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def test_an_untouched_case_verifies(made, capsys):
    assert verify(capsys, made["case"]) == (0, [])
    manifest = json.loads((made["out"] / "note.manifest.json").read_text())
    assert {f["file"] for f in manifest["files"]} == {"note.json", "note.txt", "note.pdf"}
    assert manifest["source"]["sha256"] and manifest["audit_head"]["hash"]
    assert manifest["status"] == "edited" and manifest["exported_by"]


def test_edits_undone_redone_verified_and_undone_again_verify(made, capsys):
    """The status reported for a text back to the machine's ("machine draft") is read, not
    stored: the store and the log still agree after every step."""
    case = Case.open(made["case"])
    run = made["run"]
    history = editing.history(case, run)
    typed = history[-1].id
    editing.undo(case, typed, actor="DC Jones")
    assert editing.status(case, run) == ("machine draft", None)
    export_run(case, run, made["out"] / "undone", ["json", "pdf"])
    mark = editing.set_verified(case, run, "DS Patel", actor="DS Patel").revision_id
    assert editing.status(case, run) == ("verified", "DS Patel")
    editing.undo(case, mark, actor="DS Patel")
    editing.redo(case, typed, actor="DC Jones")
    assert editing.status(case, run) == ("edited", None)
    editing.undo(case, typed, actor="DC Jones")
    case.close()
    assert verify(capsys, made["case"]) == (0, [])


@pytest.mark.parametrize("name", ["note.txt", "note.pdf"])
def test_one_byte_changed_in_an_export(made, capsys, name):
    path = made["out"] / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(name in line and "changed" in line for line in lines), lines


def test_a_deleted_original(made, capsys):
    made["original"].unlink()
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("original missing" in line for line in lines), lines


def test_a_forged_machine_draft(made, capsys):
    with pytest.raises(sqlite3.IntegrityError, match="sealed"):
        _sql(made["case"], "UPDATE segments SET text='I was never there' WHERE text='meet me at the docks'")
    _sql(made["case"], "DROP TRIGGER segments_sealed_update",
         "UPDATE segments SET text='I was never there' WHERE text='meet me at the docks'")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("machine draft" in line for line in lines), lines


def test_a_forged_working_copy(made, capsys):
    _sql(made["case"], "UPDATE working_segments SET text='bring nothing' WHERE text='bring the van'")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("edited transcript" in line for line in lines), lines


def test_the_last_audit_rows_deleted(made, capsys):
    _sql(made["case"], "DROP TRIGGER IF EXISTS audit_log_no_delete",
         "DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("cut short" in line for line in lines), lines


def test_an_audit_row_edited_and_the_chain_recomputed(made, capsys):
    """Beyond what the chain alone can see: the head file and the manifest's head catch it."""
    conn = sqlite3.connect(made["case"] / "case.sqlite")
    conn.row_factory = sqlite3.Row
    triggers = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger' "
                                           "AND tbl_name='audit_log'")]
    with conn:
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        rows = conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        prev = "0" * 64
        for r in rows:
            actor = "someone else" if r["id"] == 2 else r["actor"]
            digest = _entry_hash(prev, r["at"], actor, r["action"], r["subject"], r["details_json"])
            conn.execute("UPDATE audit_log SET actor=?, prev_hash=?, hash=? WHERE id=?", (actor, prev, digest, r["id"]))
            prev = digest
    conn.close()
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("rewritten" in line or "not in the chain" in line for line in lines), lines


@pytest.mark.parametrize(("statement", "field"), [
    ("UPDATE runs SET model_sha256='{}'".format("cd" * 32), "model_sha256"),
    ("UPDATE runs SET settings_json='{\"beam_size\": 1}'", "settings"),
    ("UPDATE runs SET language='fr'", "language"),
    ("UPDATE runs SET warnings_json='[\"damaged 00:04.0-00:05.0\"]'", "warnings"),
])
def test_a_run_s_provenance_edited_in_the_store(made, capsys, statement, field):
    """Which model, settings and language made a transcript are evidence too, not only its words."""
    _sql(made["case"], statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("differs from the audit log" in line and field in line for line in lines), lines


def test_a_run_forged_complete_in_the_store(made, capsys):
    _sql(made["case"], "INSERT INTO runs (exhibit_id, task, model_name, model_sha256, model_family, settings_json,"
                       " software_json, status, created_at) SELECT exhibit_id, task, model_name, model_sha256,"
                       " model_family, settings_json, software_json, 'complete', created_at FROM runs")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("never saw it finish" in line for line in lines), lines


def test_the_log_cut_short_is_still_found_the_second_time(made, capsys):
    """Opening the case must not move the head file back to the shortened chain's end."""
    _sql(made["case"], "DROP TRIGGER IF EXISTS audit_log_no_delete",
         "DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)")
    first, second = verify(capsys, made["case"]), verify(capsys, made["case"])
    assert first[0] == 1 and second[0] == 1 and any("cut short" in line for line in second[1]), second


def test_an_original_replaced_and_its_hash_edited_in_the_store(made, capsys):
    """The exhibit's record is checked against what the log wrote at intake, not only against the file."""
    shutil.copy(MEDIA / "de_voicenote.opus", made["original"])
    forged = probe(made["original"])
    _sql(made["case"], f"UPDATE exhibits SET sha256='{forged.sha256}', bytes={forged.bytes}")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("exhibit 1" in line and "differs from the audit log" in line for line in lines), lines


@pytest.mark.parametrize(("statements", "problem"), [
    (["DROP TRIGGER revisions_no_update", "UPDATE revisions SET actor='DS Brown'"], "proofreading history"),
    (["DROP TRIGGER revisions_no_update",
      "UPDATE revisions SET after_json=replace(after_json, 'bring the van', 'bring a car')"], "proofreading history"),
    (["DROP TRIGGER revisions_no_delete", "DELETE FROM revisions"], "proofreading history"),
    (["UPDATE working_transcripts SET status='verified', verified_by='DI Smith', verified_at='2026-01-01'"],
     "verified"),
    (["DELETE FROM working_words", "DELETE FROM working_segments", "DELETE FROM working_transcripts"],
     "edited transcript"),
])
def test_the_proofreading_record_edited_in_the_store(made, capsys, statements, problem):
    """Who edited what, and who verified it, are evidence too: each revision is checked against the log."""
    _sql(made["case"], *statements)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(f"run {made['run']}" in line and problem in line for line in lines), lines


def test_a_finished_run_unmarked_in_the_store(made, capsys):
    """A finished run set back to another status is no longer sealed: the log saw it finish."""
    _sql(made["case"], "UPDATE runs SET status='failed'")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("status" in line for line in lines), lines


def test_software_edited_in_the_store(made, capsys):
    _sql(made["case"], "UPDATE runs SET software_json=replace(software_json, '\"version\": \"', '\"version\": \"9')")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("differs from the audit log (software)" in line for line in lines), lines


def test_verify_of_a_folder_holding_no_case(tmp_path, capsys):
    """A mistyped --case is not an empty case that verifies: one line, exit 1, nothing created."""
    code = main(["verify", "--case", str(tmp_path / "no-such-case")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "no case" in err[0], err
    assert not (tmp_path / "no-such-case").exists()


@pytest.fixture()
def read_only(made, tmp_path):
    """The case on read-only media: chmod for a user, a read-only bind mount for root."""
    folder = made["case"]
    if os.geteuid() != 0:
        for path in (*folder.iterdir(), folder):
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield folder
        folder.chmod(0o755)
        return
    mount = tmp_path / "read-only"
    mount.mkdir()
    made_ro = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(mount)], check=False,
                             capture_output=True)
    if made_ro.returncode:
        pytest.skip("cannot make a read-only folder here (root without mount)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_case_on_read_only_media_verifies(read_only, capsys):
    assert verify(capsys, read_only) == (0, [])
    assert main(["exhibits", "--case", str(read_only)]) == 0
    assert "note.opus" in capsys.readouterr().out
