"""Hostile expert, session 13: what a sweep of every table and column (bench/tamper_sweep.py) found
`verify` passing.

- the queue: each job's exhibit, task, options, state, error, attempts, run (what `queue status` says
  became of each file, and what `queue run --out` exports under its name) against its job.* entries;
- the settings: the queue paused or not, the region phone numbers are read in, a key Parley never writes;
- the store file itself: a guard trigger dropped or added, rows of nothing, the word indexes' settings,
  audit entries renumbered;
- the times and names left unlogged: when intake met a file, when an exhibit was found at each path,
  when chats were taken in, who changed a record of interview last and when, a verified time on a
  transcript not verified.

A case made before these were logged verifies clean, the missing time said "not recorded".
"""

from __future__ import annotations

import sqlite3

import pytest

from app.cli import main
from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store.intake_log import IntakeEntry, log_intake
from app.core.store.interview import write_interview
from app.core.store.jobs import JobQueue
from tests.test_tamper12 import _logged_the_old_way, _notes
from tests.test_verify import _forged, _sql, chat, made, verify  # noqa: F401 - the case every tampering starts from


def _with(folder, act) -> None:
    case = Case.open(folder)
    try:
        act(case)
    finally:
        case.close()


# ------------------------------------------------------------------ the queue

@pytest.fixture()
def queued(made):  # noqa: F811 - made, with a job done (run 1), one failed and one still queued
    def act(case: Case) -> None:
        queue = JobQueue(case.conn)
        done = queue.add(1, "transcribe", {"model": "tiny.en", "beam_size": 5})
        queue.claim("vm:1")
        queue.complete(done, made["run"])
        failed = queue.add(1, "transcribe", {"model": "base"}, max_attempts=1)
        queue.claim("vm:1")
        queue.fail(failed, "the decoder crashed", retry=True)
        queue.add(1, "translate", {"target": "fr"}, priority=2)
    _with(made["case"], act)
    return made


JOBS = [
    ("a failed job marked done", "UPDATE jobs SET state='done', error=NULL WHERE id=2", "job 2", "state"),
    ("why it failed", "UPDATE jobs SET error='not media' WHERE id=2", "job 2", "error"),
    ("what was asked", "UPDATE jobs SET options_json='{\"model\":\"large\"}' WHERE id=1", "job 1", "options"),
    ("which file", "UPDATE jobs SET exhibit_id=7 WHERE id=3", "job 3", "exhibit_id"),
    ("which run it made", "UPDATE jobs SET run_id=NULL WHERE id=1", "job 1", "run_id"),
    ("its attempts", "UPDATE jobs SET attempts=0 WHERE id=2", "job 2", "attempts"),
    ("put first", "UPDATE jobs SET priority=9 WHERE id=3", "job 3", "priority"),
    ("when it ran", "UPDATE jobs SET started_at='2020-01-01T09:00:00.000Z' WHERE id=1", "job 1", "started_at"),
    ("a job deleted", "DELETE FROM jobs WHERE id=2", "job 2", "gone from the queue"),
    ("a job forged", ("INSERT INTO jobs (exhibit_id, task, options_json, state, created_at) "
                      "VALUES (1, 'transcribe', '{}', 'done', '2026-01-01')"), "job 4", "never saw it queued"),
    ("two jobs' records swapped", ("UPDATE jobs SET id=-1 WHERE id=1; UPDATE jobs SET id=1 WHERE id=2; "
                                   "UPDATE jobs SET id=2 WHERE id=-1"), "job 1", "differs from the audit log"),
]


@pytest.mark.parametrize(("statement", "subject", "words"), [j[1:] for j in JOBS], ids=[j[0] for j in JOBS])
def test_the_queue_edited_in_the_store(queued, capsys, statement, subject, words):
    assert verify(capsys, queued["case"]) == (0, [])
    _sql(queued["case"], *statement.split("; "))
    code, lines = verify(capsys, queued["case"])
    assert code == 1 and any(line.startswith(f"{subject}:") and words in line for line in lines), lines


def test_a_job_s_run_is_one_of_its_own_exhibit_s_even_where_the_log_does_not_name_it(queued, capsys):
    """A run is attached as a job starts (not logged; `job.done` names it): `queue run --out` exports
    that run under the job's exhibit's name, so another exhibit's run there is a finding."""
    from app.core.media.decode import probe
    from tests.conftest import MEDIA

    def other_run(case: Case) -> None:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "de_voicenote.opus"))
        run = case.start_run(exhibit.id, "transcribe", case.transcript(1).model, {}, case.transcript(1).software)
        case.finish_run(run)
        JobQueue(case.conn).attach_run(2, run)
    _with(queued["case"], other_run)
    _sql(queued["case"], "UPDATE jobs SET run_id=(SELECT max(id) FROM runs) WHERE id=3")  # not started: no run
    code, lines = verify(capsys, queued["case"])
    assert code == 1 and [line for line in lines if line.startswith("job")] == [
        "job 2: its record in the queue differs from the audit log (run_id)",
        "job 3: its record in the queue differs from the audit log (run_id)"], lines


def test_a_queue_worked_before_its_times_were_logged_verifies_with_them_unchecked(made, capsys, monkeypatch):  # noqa: F811
    _logged_the_old_way(monkeypatch, {"job.queued": ("max_attempts", "created_at"), "job.started": ("started_at",),
                                      "job.done": ("finished_at",)})

    def act(case: Case) -> None:
        queue = JobQueue(case.conn)
        job = queue.add(1, "transcribe", {"model": "tiny.en"})
        queue.claim("vm:1")
        queue.complete(job, made["run"])
    _with(made["case"], act)
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], "UPDATE jobs SET state='failed', error='not media'")  # its state was always logged
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith("job 1:") and "state, error" in line for line in lines), lines


# ------------------------------------------------------------------ the settings

SETTINGS = [
    ("the queue unpaused", "UPDATE settings SET value='0' WHERE key='queue_paused'", "setting queue_paused"),
    ("the pause removed", "DELETE FROM settings WHERE key='queue_paused'", "setting queue_paused"),
    ("the phone region", "UPDATE settings SET value='PL' WHERE key='entities.region'", "setting entities.region"),
    ("a region never set", "DELETE FROM settings WHERE key='entities.region'", "setting entities.region"),
    ("a setting of no Parley", "INSERT INTO settings VALUES ('export.watermark', 'none')", "setting export.watermark"),
]


@pytest.mark.parametrize(("statement", "subject"), [s[1:] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_the_case_s_settings_edited_in_the_store(made, capsys, statement, subject):  # noqa: F811
    from app.core.search.entities import set_case_region

    def act(case: Case) -> None:
        JobQueue(case.conn).pause()
        set_case_region(case, "GB")
    _with(made["case"], act)
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(f"{subject}:") for line in lines), lines


# ------------------------------------------------------------------ the store file itself

STORE = [
    ("a guard trigger dropped", ["DROP TRIGGER audit_log_no_delete"], "case store", "audit_log_no_delete missing"),
    ("a trigger of the forger's", ["CREATE TRIGGER quiet AFTER INSERT ON audit_log BEGIN SELECT 1; END"],
     "case store", "trigger quiet added"),
    ("a word of no segment", ["INSERT INTO words VALUES (9999, 0, 0, 10, 'gun', 0.9)"], "case store",
     "row(s) of words belong to nothing"),
    ("a search ranking set", ["INSERT INTO search_words_config VALUES ('rank', 'bm25(10.0)')"], "search index",
     "settings FTS5 does not write"),
    ("the last audit entry renumbered", ["DROP TRIGGER audit_log_no_update",
     "UPDATE audit_log SET id=id+5 WHERE id=(SELECT max(id) FROM audit_log)",
     ("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\nBEGIN SELECT RAISE(ABORT, "
     "'the audit log is append-only'); END")], "audit log", "numbered out of sequence"),
]


@pytest.mark.parametrize(("statements", "subject", "words"), [s[1:] for s in STORE], ids=[s[0] for s in STORE])
def test_the_store_file_edited_outside_parley(made, capsys, statements, subject, words):  # noqa: F811
    _sql(made["case"], *statements)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(f"{subject}:") and words in line for line in lines), lines


def test_a_case_made_when_migration_005_made_fewer_objects_is_not_a_finding(made, capsys):  # noqa: F811
    """005 was rewritten in place while search was first built: a case made then lacks the exhibit index
    and the entity cache's triggers, untouched."""
    _sql(made["case"], "DROP INDEX search_text_exhibit", "DROP TRIGGER search_text_entities_ad",
         "DROP TRIGGER search_text_entities_au")
    assert verify(capsys, made["case"]) == (0, [])


# ------------------------------------------------------------------ times and names left unlogged before

@pytest.fixture()
def stamped(chat):  # noqa: F811 - chat, with a duplicate path, an intake record, interview details, a verified mark
    from app.core.media.decode import probe

    def act(case: Case) -> None:
        copy = chat["original"].with_name("copy.opus")
        copy.write_bytes(chat["original"].read_bytes())
        case.add_exhibit(probe(copy))
        log_intake(case, [IntakeEntry(str(chat["original"]), "media", "", case.exhibit(1).source.sha256, 1, 1)])
        write_interview(case, 1, {"interviewee": "John Smith"}, actor="DC Jones")
        editing.set_verified(case, chat["run"], "DS Patel", actor="DS Patel")
        editing.set_verified(case, chat["run"], "DS Patel", verified=False, actor="DS Patel")
    _with(chat["case"], act)
    return chat


TIMES = [
    ("when intake met a file", "UPDATE intake_log SET logged_at='2020-01-01T09:00:00.000Z'", "intake 1", "logged_at"),
    ("when it was found at a path", "UPDATE exhibit_paths SET added_at='2020-01-01T09:00:00.000Z' WHERE path LIKE '%copy.opus'",
     "exhibit 1", "exhibit_paths.added_at"),
    ("when chats were taken in", "UPDATE chats SET created_at='2020-01-01T09:00:00.000Z'", "exhibit 2", "created_at"),
    ("who changed the interview's details", "UPDATE interview_details SET updated_by='DS Brown'", "exhibit 1",
     "updated_by"),
    ("when", "UPDATE interview_details SET updated_at='2020-01-01T09:00:00.000Z'", "exhibit 1", "updated_at"),
    ("interview details no one set", ("INSERT INTO interview_details (exhibit_id, updated_at, updated_by) "
                                      "VALUES (2, '2026-01-01', 'DC Jones')"), "exhibit 2", "never saw set"),
    ("a verified time on a transcript not verified", "UPDATE working_transcripts SET verified_at='2026-01-01'",
     "run 1", "verified mark"),
]


@pytest.mark.parametrize(("statement", "subject", "words"), [t[1:] for t in TIMES], ids=[t[0] for t in TIMES])
def test_times_and_names_edited_in_the_store(stamped, capsys, statement, subject, words):
    assert verify(capsys, stamped["case"]) == (0, [])
    _forged(stamped["case"], statement)
    code, lines = verify(capsys, stamped["case"])
    assert code == 1 and any(line.startswith(f"{subject}:") and words in line for line in lines), lines


def test_a_case_that_never_logged_those_times_verifies_and_says_so(made, capsys, monkeypatch):  # noqa: F811
    from app.core.chats.intake import take_in
    from tests.test_verify import Path

    _logged_the_old_way(monkeypatch, {"intake.media": ("logged_at",), "chat.imported": ("created_at",),
                                      "interview.updated": ("updated_at",), "exhibit.added": ("path_added_at",)})

    def act(case: Case) -> None:
        take_in(case, Path(__file__).parent / "fixtures" / "chats" / "whatsapp_android_en.txt")
        log_intake(case, [IntakeEntry(str(made["original"]), "media", "", case.exhibit(1).source.sha256, 1, 1)])
        write_interview(case, 1, {"interviewee": "John Smith"}, actor="DC Jones")
    _with(made["case"], act)
    code, notes = _notes(capsys, made["case"])
    assert code == 0 and all(any(words in n for n in notes) for words in (
        "when intake met each file is not recorded", "when its chats were taken in is not recorded",
        "when its record-of-interview details were last changed is not recorded",
        "when each was found at each of its paths is not recorded")), notes
    _sql(made["case"], "UPDATE interview_details SET updated_by='DS Brown'")  # always logged: the entry's actor
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith("exhibit 1:") and "updated_by" in line for line in lines), lines


def test_the_pass_a_segment_came_from_decides_nothing(made, capsys):  # noqa: F811
    """`track` is read by nothing: an edit undone is "machine draft" again whatever a forger wrote there,
    so verify leaves it unchecked (README)."""
    def act(case: Case) -> None:
        editing.undo(case, editing.history(case, made["run"])[-1].id, actor="DC Jones")
    _with(made["case"], act)
    _sql(made["case"], "UPDATE working_segments SET track='ch1'")
    case = Case.open(made["case"])
    try:
        assert editing.status(case, made["run"]) == ("machine draft", None)
    finally:
        case.close()


def test_a_file_slipped_in_beside_a_chat_s_timeline(chat, capsys, tmp_path):  # noqa: F811
    from app.core.usecases.timeline import export_timeline

    _with(chat["case"], lambda case: export_timeline(case, 2, tmp_path / "timeline", ["json"]))
    assert verify(capsys, chat["case"]) == (0, [])
    written = next((tmp_path / "timeline").glob("*.timeline.json"))
    slipped = written.with_name(written.name.replace(".json", ".pdf"))
    slipped.write_bytes(b"%PDF-1.4 said by nobody")
    code, lines = verify(capsys, chat["case"])
    assert code == 1 and lines == [(f"{slipped}: beside the export set {written.name[:-4]}*, but no export wrote it "
                                   "(neither the audit log nor the manifest lists it)")], lines


# ------------------------------------------------------------------ a case put back whole to an older copy

def _copy_of(folder, to):
    import shutil

    shutil.copytree(folder, to)
    return to


def _edited_again(made) -> None:  # noqa: F811
    _with(made["case"], lambda case: editing.edit_text(case, made["run"], editing.segment_ids(case, made["run"])[0],
                                                       "meet me at the station", actor="DC Jones"))


def test_a_case_folder_put_back_whole_shows_on_the_account_that_worked_on_it(made, capsys, tmp_path):  # noqa: F811
    """Store and head file rolled back together, no export made since: the head this account last saw
    for the case at this path is no longer in its chain. A copy elsewhere is another case: nothing said."""
    import shutil

    older = _copy_of(made["case"], tmp_path / "older-copy")
    _edited_again(made)
    assert verify(capsys, made["case"]) == (0, [])
    assert verify(capsys, older) == (0, [])  # a backup, verified where it is kept
    shutil.rmtree(made["case"])
    shutil.copytree(older, made["case"])
    code, lines = verify(capsys, made["case"])
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("audit log: this account last saw this case's log at entry ") and (
        "put back to an older copy" in lines[0]), lines


def test_a_case_worked_on_as_a_copy_elsewhere_is_not_said_to_be_rolled_back(made, capsys, tmp_path):  # noqa: F811
    copy = _copy_of(made["case"], tmp_path / "copy")
    _edited_again(made)  # the original moves on; the copy stays as it was, at its own path
    _with(copy, lambda case: editing.set_verified(case, made["run"], "DS Patel", actor="DS Patel"))
    assert verify(capsys, copy) == (0, [])
    assert verify(capsys, made["case"]) == (0, [])


def test_a_later_export_in_a_folder_named_shows_a_store_put_back(made, capsys, tmp_path, monkeypatch):  # noqa: F811
    """The older copy's log never knew the folder a later export went to: naming it finds the manifest
    (here with the account's head gone too: another account restoring the folder)."""
    import shutil

    from app.core.usecases.exporting import export_run

    older = _copy_of(made["case"], tmp_path / "older-copy")
    _with(made["case"], lambda case: export_run(case, made["run"], tmp_path / "later", ["txt"]))
    shutil.rmtree(made["case"])
    shutil.copytree(older, made["case"])
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "another-account"))
    assert verify(capsys, made["case"]) == (0, [])  # nothing on the machine knows of the later export
    capsys.readouterr()
    code = main(["verify", "--case", str(made["case"]), "--exports", str(tmp_path / "later")])
    lines = capsys.readouterr().err.splitlines()
    assert code == 1 and any("later/note.manifest.json: an export of this case" in line and "does not list" in line for line in lines), lines


# ------------------------------------------------------------------ never a finding on a case at work

def test_a_queue_at_work_while_verified_is_never_a_finding(made):  # noqa: F811
    """Jobs queued, started, finished and the queue paused and resumed by another connection while
    verify reads: the jobs and settings are read with their log entries in one view."""
    import threading

    from app.core.evidence.verify import verify_case

    stop, errors = threading.Event(), []

    def work() -> None:
        case = Case.open(made["case"])
        try:
            queue = JobQueue(case.conn)
            for n in range(200):
                if stop.is_set():
                    return
                job = queue.add(1, "transcribe", {"model": "tiny.en", "n": n})
                queue.pause()
                queue.resume()
                queue.claim("vm:2")
                queue.complete(job, made["run"]) if n % 2 else queue.fail(job, "stopped", retry=False)
        except Exception as exc:  # noqa: BLE001 - said by the test
            errors.append(exc)
        finally:
            case.close()

    worker = threading.Thread(target=work)
    worker.start()
    case = Case.open(made["case"])
    try:
        seen = [f.line() for _ in range(8) for f in verify_case(case).findings
                if f.subject.startswith(("job", "setting"))]
    finally:
        stop.set()
        worker.join()
        case.close()
    assert seen == [] and errors == []


# ------------------------------------------------------------------ a run's rows before it finishes

def _stopped_run(folder) -> int:
    """A run of exhibit 1 stopped after its first chunk (as a kill or a pause leaves it)."""
    from app.core.evidence.provenance import software_info
    from app.core.types import Segment
    from tests.test_verify import MODEL

    case = Case.open(folder)
    try:
        run = case.start_run(1, "transcribe", MODEL, {"beam_size": 2}, software_info())
        case.append_segments(run, (Segment(0, 1000, "meet me at the docks"),), {"done_ms": {"mix": 1000}}, "en", 0.9)
    finally:
        case.close()
    return run


def _resumed(folder, run: int) -> None:
    from app.core.types import Segment

    case = Case.open(folder)
    try:
        case.append_segments(run, (Segment(1000, 2000, "at nine"),), {"done_ms": {"mix": 2000}}, "en", 0.9)
        case.finish_run(run)
    finally:
        case.close()


def test_a_stopped_run_s_rows_edited_are_a_finding(made, capsys):  # noqa: F811
    run = _stopped_run(made["case"])
    assert verify(capsys, made["case"]) == (0, [])
    _forged(made["case"], f"UPDATE segments SET text='meet me at the station' WHERE run_id={run}")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(f"run {run}: its segments so far (the run is not finished) differ")
                             for line in lines), lines


def test_rows_edited_while_a_run_was_stopped_are_not_laundered_by_its_finishing(made, capsys):  # noqa: F811
    """The finishing digest covers what the store holds then: the chunk logged before shows the change."""
    run = _stopped_run(made["case"])
    _forged(made["case"], f"UPDATE segments SET text='meet me at the station' WHERE run_id={run}")
    _resumed(made["case"], run)
    code, lines = verify(capsys, made["case"])
    said = [line for line in lines if line.startswith(f"run {run}:")]
    assert code == 1 and len(said) == 1 and said[0].startswith(
        f"run {run}: its machine draft holds rows other than those logged as they were written (rows ") and (
        "changed before the run finished" in said[0]), lines


def test_a_run_resumed_and_finished_untouched_verifies(made, capsys):  # noqa: F811
    run = _stopped_run(made["case"])
    _resumed(made["case"], run)
    assert verify(capsys, made["case"]) == (0, [])


def test_a_run_whose_rows_a_diarisation_rewrote_verifies(made, capsys):  # noqa: F811
    from app.core.types import Segment

    run = _stopped_run(made["case"])
    case = Case.open(made["case"])
    try:
        case.replace_segments(run, (Segment(0, 600, "meet me", speaker="Speaker 1"),
                                    Segment(600, 1000, "at the docks", speaker="Speaker 2")), {"speakers": 2})
        case.finish_run(run)
    finally:
        case.close()
    assert verify(capsys, made["case"]) == (0, [])


def test_a_forged_audit_row_verified_then_taken_out_does_not_make_the_genuine_case_look_put_back(
        made, capsys, tmp_path):  # noqa: F811
    """A row appended that does not chain: `verify` names it, and recorded it as the case's head and as the head this
    account saw; the genuine store put back, every `verify` said the case was put back to an older copy (review of
    trial32, M2). The head advances only to the last entry that chains."""
    import shutil

    genuine = _copy_of(made["case"], tmp_path / "genuine")
    last = sqlite3.connect(made["case"] / "case.sqlite").execute("SELECT max(id) FROM audit_log").fetchone()[0]
    _forged(made["case"], "INSERT INTO audit_log (id, at, actor, action, subject, details_json, prev_hash, hash) "
                          f"VALUES ({last + 1}, '2026-01-01T00:00:00Z', 'x', 'note.added', 'case', '{{}}', "
                          f"'{'a' * 64}', '{'a' * 64}')")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(f"audit entry {last + 1} (note.added) does not match the chain" in line for line in lines)
    shutil.rmtree(made["case"])
    shutil.copytree(genuine, made["case"])
    assert verify(capsys, made["case"]) == (0, [])
