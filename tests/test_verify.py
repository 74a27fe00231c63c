"""`verify` against a hostile expert: every tampering below is a finding and exit status 1."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

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


def _forged(folder, *statements: str) -> None:
    """The statements run as a careful forger runs them: the guard triggers (append-only, sealed) dropped
    for them and put back after, so the store's schema is Parley's again."""
    conn = sqlite3.connect(folder / "case.sqlite")
    guards = [r for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'") if "RAISE" in r[1]]
    with conn:
        for name, _sql_text in guards:
            conn.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            conn.execute(statement)
        for _name, sql_text in guards:
            conn.execute(sql_text)
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


_FROM_LOG = "differs from the audit log"
_FORGED_RUN = ("INSERT INTO runs (exhibit_id, task, model_name, model_sha256, model_family, settings_json,"
               " software_json, status, created_at) SELECT exhibit_id, task, model_name, model_sha256,"
               " model_family, settings_json, software_json, 'complete', created_at FROM runs")
_FORGED_MARK = "UPDATE working_transcripts SET status='verified', verified_by='DI Smith', verified_at='2026-01-01'"
# (why it matters, the SQL a forger runs, the words every finding line about it must hold)
TAMPERED_IN_THE_STORE = [
    ("the edited transcript", ["UPDATE working_segments SET text='bring nothing' WHERE text='bring the van'"],
     ["edited transcript"]),
    ("the log's last rows", ["DROP TRIGGER IF EXISTS audit_log_no_delete",
                             "DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)"], ["cut short"]),
    # which model, settings and language made a transcript are evidence too, not only its words
    ("the model", ["UPDATE runs SET model_sha256='{}'".format("cd" * 32)], [_FROM_LOG, "model_sha256"]),
    ("the settings", ["UPDATE runs SET settings_json='{\"beam_size\": 1}'"], [_FROM_LOG, "settings"]),
    ("the language", ["UPDATE runs SET language='fr'"], [_FROM_LOG, "language"]),
    ("the warnings", ["UPDATE runs SET warnings_json='[\"damaged 00:04.0-00:05.0\"]'"], [_FROM_LOG, "warnings"]),
    ("the software", ["UPDATE runs SET software_json=replace(software_json, '\"version\": \"', '\"version\": \"9')"],
     [_FROM_LOG, "software"]),
    ("a run forged complete", [_FORGED_RUN], ["never saw it finish"]),
    # a finished run set back to another status is no longer sealed: the log saw it finish
    ("a finished run unmarked", ["UPDATE runs SET status='failed'"], ["status"]),
    # who edited what, and who verified it, are evidence too: each revision is checked against the log
    ("who edited", ["DROP TRIGGER revisions_no_update", "UPDATE revisions SET actor='DS Brown'"],
     ["run 1", "proofreading history"]),
    ("what was typed", ["DROP TRIGGER revisions_no_update",
                        "UPDATE revisions SET after_json=replace(after_json, 'bring the van', 'bring a car')"],
     ["run 1", "proofreading history"]),
    ("the edits deleted", ["DROP TRIGGER revisions_no_delete", "DELETE FROM revisions"],
     ["run 1", "proofreading history"]),
    ("a verification forged", [_FORGED_MARK], ["run 1", "verified"]),
    ("the working copy deleted", ["DELETE FROM working_words", "DELETE FROM working_segments",
                                  "DELETE FROM working_transcripts"], ["run 1", "edited transcript"]),
]


@pytest.mark.parametrize(("statements", "words"), [case[1:] for case in TAMPERED_IN_THE_STORE],
                         ids=[case[0] for case in TAMPERED_IN_THE_STORE])
def test_a_record_edited_in_the_store(made, capsys, statements, words):
    assert made["run"] == 1
    _sql(made["case"], *statements)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(all(word in line for word in words) for line in lines), lines


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


# ------------------------------------------------------------ more tampering


def _unedited_run(folder) -> int:
    """A second finished run of exhibit 1, never edited."""
    case = Case.open(folder)
    try:
        run = case.start_run(1, "transcribe", MODEL, {"beam_size": 1}, software_info())
        case.append_segments(run, (Segment(0, 1000, "nothing to see"), Segment(1000, 2000, "at all")), {}, "en", 0.9)
        case.finish_run(run)
    finally:
        case.close()
    return run


_FORGED_REVISION = ("INSERT INTO revisions (run_id, at, actor, op, params_json, before_json, after_json)"
                    " SELECT {run}, at, actor, op, params_json, before_json, after_json FROM revisions LIMIT 1")
_FORGED_COPY = (("INSERT INTO working_transcripts (run_id, status, created_at, created_by)"
                " VALUES ({run}, 'verified', '2026-01-01', 'DC Jones')"),
                ("INSERT INTO working_segments (run_id, start_ms, end_ms, text, channel, track, flags)"
                " VALUES ({run}, 0, 1000, 'I did it', 0, 'mix', '')"))


@pytest.mark.parametrize("statements", [[_FORGED_REVISION], list(_FORGED_COPY), [_FORGED_REVISION, *_FORGED_COPY]])
def test_an_edit_forged_into_a_run_never_edited(made, capsys, statements):
    run = _unedited_run(made["case"])
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], *(s.format(run=run) for s in statements))
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(f"run {run}:") and "never" in line for line in lines), lines


def test_edits_undo_redo_and_verification_through_the_api_verify(made, capsys):
    case = Case.open(made["case"])
    try:
        run = made["run"]
        first = editing.edit_text(case, run, editing.segment_ids(case, run)[0], "meet me at the pier", actor="DC Jones")
        undone = editing.undo(case, first.revision_id, actor="DC Jones")
        redone = editing.redo(case, first.revision_id, actor="DC Jones")
        editing.set_verified(case, run, "DS Brown", actor="DS Brown")
        logged = [e.details["revision"] for e in case.audit.entries(f"run/{run}")
                  if e.action in ("transcript.undo", "transcript.redo")]
    finally:
        case.close()
    assert logged == [undone.revision_id, redone.revision_id]  # the new revision, not the one undone
    assert verify(capsys, made["case"]) == (0, [])


def test_an_undo_logged_the_old_way_still_verifies(made, capsys, monkeypatch):
    """Before session 10 an undo's entry named the revision undone in `revision`: such cases verify."""
    from app.core.store.audit import AuditLog

    record = AuditLog.record

    def old_record(self, action, subject, details=None, actor=None):
        if action in ("transcript.undo", "transcript.redo"):
            details = {**details, "revision": details["reverts"]}
        return record(self, action, subject, details, actor)

    monkeypatch.setattr(AuditLog, "record", old_record)
    case = Case.open(made["case"])
    try:
        last = editing.history(case, made["run"])[-1].id
        editing.undo(case, last, actor="DC Jones")
        editing.redo(case, last, actor="DC Jones")
    finally:
        case.close()
    assert verify(capsys, made["case"]) == (0, [])


def test_a_revision_id_changed_in_the_store(made, capsys):
    _sql(made["case"], "DROP TRIGGER revisions_no_update", "UPDATE revisions SET id=id+100")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("proofreading history" in line for line in lines), lines


@pytest.fixture()
def intake(made):
    from app.core.store.intake_log import IntakeEntry, log_intake

    case = Case.open(made["case"])
    try:
        exhibit = case.exhibits()[0]
        log_intake(case, [IntakeEntry(str(made["original"]), "media", "", exhibit.source.sha256,
                                      exhibit.source.bytes, exhibit.id),
                          IntakeEntry("/seized/phone/notes.txt", "skipped", "not media", "ef" * 32, 12)])
    finally:
        case.close()
    return made


@pytest.mark.parametrize("statement", [
    "UPDATE intake_log SET reason='unreadable' WHERE status='skipped'",
    "UPDATE intake_log SET status='failed' WHERE status='skipped'",
    "UPDATE intake_log SET sha256='{}' WHERE status='skipped'".format("aa" * 32),
    "UPDATE intake_log SET path='/seized/phone/other.txt' WHERE status='skipped'",
    "DELETE FROM intake_log WHERE status='skipped'",
    "INSERT INTO intake_log (path, status, reason, logged_at) VALUES ('/x.opus', 'skipped', 'not media', 'now')",
])
def test_the_intake_record_edited_in_the_store(intake, capsys, statement):
    assert verify(capsys, intake["case"]) == (0, [])
    _sql(intake["case"], statement)
    code, lines = verify(capsys, intake["case"])
    assert code == 1 and len(lines) == 1 and lines[0].startswith("intake "), lines


def test_an_exhibit_and_its_runs_deleted(made, capsys):
    _sql(made["case"], "DELETE FROM working_words", "DELETE FROM working_segments", "DELETE FROM working_transcripts",
         "DROP TRIGGER revisions_no_delete", "DELETE FROM revisions",
         "DROP TRIGGER words_sealed_delete", "DROP TRIGGER segments_sealed_delete",
         "DELETE FROM words", "DELETE FROM segments", "DELETE FROM runs",
         "DELETE FROM exhibit_paths", "DELETE FROM exhibits")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and "exhibit 1: in the audit log, but gone from the store" in lines, lines
    assert f"run {made['run']}: in the audit log, but gone from the store" in lines, lines


def test_a_run_deleted(made, capsys):
    _sql(made["case"], "DROP TRIGGER words_sealed_delete", "DROP TRIGGER segments_sealed_delete",
         "DELETE FROM words", "DELETE FROM segments", "DELETE FROM runs")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and f"run {made['run']}: in the audit log, but gone from the store" in lines, lines


@pytest.mark.parametrize("statement", [
    # two segments' times swapped in the machine draft, and in the working copy
    ("UPDATE segments SET start_ms=CASE start_ms WHEN 0 THEN 1500 ELSE 0 END,"
    " end_ms=CASE end_ms WHEN 1500 THEN 3000 ELSE 1500 END"),
    ("UPDATE working_segments SET start_ms=CASE start_ms WHEN 0 THEN 1500 ELSE 0 END,"
    " end_ms=CASE end_ms WHEN 1500 THEN 3000 ELSE 1500 END"),
])
def test_two_segments_times_swapped(made, capsys, statement):
    _sql(made["case"], "DROP TRIGGER segments_sealed_update", statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(f"run {made['run']}" in line for line in lines), lines


def test_a_translation_s_text_edited(made, capsys):
    case = Case.open(made["case"])
    try:
        run = case.start_run(1, "translate", MODEL, {"target": "de"}, software_info())
        case.append_segments(run, (Segment(0, 1500, "Triff mich am Hafen", source_text="meet me at the docks"),),
                             {}, "de", 1.0)
        case.finish_run(run)
    finally:
        case.close()
    _sql(made["case"], "DROP TRIGGER segments_sealed_update",
         "UPDATE segments SET text='Ich war nie dort' WHERE text='Triff mich am Hafen'")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(f"run {run}" in line and "machine draft" in line for line in lines), lines


@pytest.fixture()
def chat(made):
    from app.core.chats.intake import take_in
    case = Case.open(made["case"])
    try:
        take_in(case, Path(__file__).parent / "fixtures" / "chats" / "whatsapp_android_en.txt")
    finally:
        case.close()
    return made


@pytest.mark.parametrize("statement", [
    "UPDATE chat_messages SET text='I was never there' WHERE idx=1",
    "UPDATE chat_messages SET sender='Someone else' WHERE idx=1",
    "UPDATE chat_messages SET datetime='2020-01-01T00:00:00', time_written='01/01/2020, 00:00' WHERE idx=1",
    "DELETE FROM chat_messages WHERE idx=1",
])
def test_a_chat_message_edited_in_the_store(chat, capsys, statement):
    assert verify(capsys, chat["case"]) == (0, [])
    _sql(chat["case"], "DROP TRIGGER chat_messages_no_update", "DROP TRIGGER chat_messages_no_delete", statement)
    code, lines = verify(capsys, chat["case"])
    assert code == 1 and any(line.startswith("exhibit 2") and "chat" in line for line in lines), lines


def test_the_log_cut_short_names_the_exports_it_can_no_longer_check(made, capsys, tmp_path):
    """The cut is a finding; so is each export set beside the known ones whose log entries went with it."""
    other = tmp_path / "evidence" / "call.opus"
    shutil.copy(MEDIA / "de_voicenote.opus", other)
    case = Case.open(made["case"])
    try:
        exhibit, _ = case.add_exhibit(probe(other))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, "ich komme morgen"),), {}, "de", 0.9)
        case.finish_run(run)
        before = case.audit.head().entry_id
        export_run(case, run, made["out"], ["txt"])
    finally:
        case.close()
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], "DROP TRIGGER IF EXISTS audit_log_no_delete", f"DELETE FROM audit_log WHERE id > {before}")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("cut short" in line for line in lines), lines
    lost = [line for line in lines if line.startswith(str(made["out"] / "call.manifest.json"))]
    assert len(lost) == 1 and "can no longer be checked" in lost[0], lines
    assert not any("note." in line for line in lines), lines
