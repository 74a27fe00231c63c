"""A group of short files is claimed, and its runs opened, in a few commits, not a few a file.

Before a group of short files is decoded, the worker claims each file's job, opens each file's run (its
`run.started` entry), links it to its job and notes the batch in each run. Each claim and each run was its
own transaction, each run's synced to disk with the audit head file after it, and each link its own commit
(the store is `synchronous=FULL`): 114 commits for the runs of a group of 56 of the 112 clips, 1.6-2.0 s of
wall at load 19 with both cores idle, the decoder waiting for it (0.06 s in one), and 56 for its claims.
Now the group's claims, its first included, in one transaction (a kill keeps none of them: the group is formed
again whole), its runs in one more: the same jobs, runs and entries, each transaction kept whole or not at all.
An error while the group is formed keeps the first claim alone, its attempt counted (session 31).
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from app.core import processes
from app.core.asr.engine import load_engine
from app.core.errors import StoreError
from app.core.evidence.head import HEAD_FILE, read_head_file
from app.core.evidence.verify_queue import job_findings
from app.core.media.decode import probe
from app.core.models.cache import ModelCache
from app.core.options import TranscribeOptions, to_dict
from app.core.store import Case, case_head
from app.core.store.db import STORE_NAME
from app.core.store.jobs import STOPPED_UNFINISHED, JobQueue
from app.worker.process import Worker
from tests.conftest import MEDIA
from tests.test_kills14 import _args, _notes, _outcome, _query, _run

NOTES = ["en_voicenote.opus", "en_voicenote.m4a", "es_voicenote.ogg", "de_voicenote.opus", "fr_voicenote.m4a",
         "pl_voicenote.opus"]
OPTIONS = TranscribeOptions(model="tiny.en", threads=1)


@pytest.fixture(scope="module")
def engine(models_dir):
    return load_engine(OPTIONS, models_dir)


def _worker(case, models_dir) -> Worker:
    """A worker's state (no process, no threads) on `case`, the notes queued and its command's jobs told."""
    queue = JobQueue(case.conn)
    for name in NOTES:
        queue.add(case.add_exhibit(probe(MEDIA / name))[0].id, "transcribe", to_dict(OPTIONS))
    worker = Worker.__new__(Worker)
    worker.case, worker.name, worker.planned, worker.only = case, "w1", [], None
    worker.queue, worker.models = JobQueue(case.conn, owner="w1"), ModelCache(models_dir)
    worker.told, worker.shutdown, worker.stop_asked = threading.Event(), threading.Event(), set()
    worker.told.set()
    return worker


def _group(case, models_dir) -> tuple[Worker, list]:
    """The notes claimed as one group, and the worker holding them."""
    worker = _worker(case, models_dir)
    jobs = worker._next_jobs()
    assert len(jobs) == len(NOTES)
    return worker, [(job, case.exhibit(job.exhibit_id), -1) for job in jobs]


def test_a_group_is_claimed_in_one_commit(case, models_dir):
    worker = _worker(case, models_dir)
    statements: list[str] = []
    case.conn.set_trace_callback(lambda sql: statements.append(sql.split()[0].upper()))
    jobs = worker._next_jobs()
    case.conn.set_trace_callback(None)
    assert statements.count("COMMIT") == 2, statements  # the group's claims, the head file: was 3, and 6 before
    assert sorted(job.id for job in jobs) == sorted(r[0] for r in case.conn.execute("SELECT id FROM jobs"))
    assert [worker.queue.get(job.id).state for job in jobs] == ["running"] * len(NOTES)
    started = [e.subject for e in case.audit.entries("job/") if e.action == "job.started"]
    assert sorted(started) == sorted(f"job/{job.id}" for job in jobs)
    assert case.audit.verify(None) == []


def test_an_idle_poll_writes_no_head_file(case, models_dir):
    worker = _worker(case, models_dir)
    assert len(worker._next_jobs()) == len(NOTES)
    head_file = case.folder / HEAD_FILE
    written = head_file.stat()
    statements: list[str] = []
    case.conn.set_trace_callback(lambda sql: statements.append(sql.split()[0].upper()))
    assert worker._next_jobs() == []  # nothing left to claim
    case.conn.set_trace_callback(None)
    assert statements.count("COMMIT") == 1, statements  # its empty claim's; no head file transaction after it
    assert (head_file.stat().st_ino, head_file.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert read_head_file(case.folder) == case.audit.head()


def test_a_groups_runs_links_and_plan_are_one_commit(case, engine, models_dir):
    worker, ready = _group(case, models_dir)
    statements: list[str] = []
    case.conn.set_trace_callback(lambda sql: statements.append(sql.split()[0].upper()))
    opened, decoded = worker._open_runs(engine, ready, OPTIONS)
    case.conn.set_trace_callback(None)
    assert statements.count("COMMIT") == 2, statements  # the group's and the head file's: was 2 a file, and a link
    assert statements.count("BEGIN") == 2, statements
    job_ids = [job.id for job, _, _ in ready]
    assert [job.id for job, _ in decoded] == job_ids
    for job, exhibit, run_id in opened:
        run = case.run(run_id)
        assert (run.exhibit_id, run.status, run.state["batch_jobs"]) == (exhibit.id, "running", job_ids)
        assert worker.queue.get(job.id).run_id == run_id
    started = case.audit.entries("run/")
    assert sorted(e.subject for e in started if e.action == "run.started") == sorted(f"run/{r}" for _, _, r in opened)
    assert case.audit.verify(None) == []


def test_a_group_the_store_refuses_keeps_none_of_its_runs(case, engine, models_dir, monkeypatch):
    worker, ready = _group(case, models_dir)

    def full(*_args, **_kwargs):
        raise StoreError("the case store could not be written (database or disk is full)")

    monkeypatch.setattr(Case, "plan_batch", full)
    with pytest.raises(StoreError):
        worker._open_runs(engine, ready, OPTIONS)
    assert case.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert [job.run_id for job in map(worker.queue.get, (job.id for job, _, _ in ready))] == [None] * len(NOTES)
    assert not [e for e in case.audit.entries("run/")]
    assert case.audit.verify(None) == []


def _claims(case) -> list[tuple[int, str, int]]:
    """Each job's (id, state, attempts), as another connection sees them: what a commit kept."""
    reader = sqlite3.connect(f"file:{case.folder / STORE_NAME}?mode=ro", uri=True)
    try:
        return reader.execute("SELECT id, state, attempts FROM jobs ORDER BY id").fetchall()
    finally:
        reader.close()


def test_a_group_that_cannot_be_formed_keeps_its_first_claim(case, models_dir, monkeypatch):
    """An error while the group is formed (a row it cannot read, a bug) costs its first job a group, not the
    queue: the first claim is kept, its attempt counted, and the next poll claims the next job. Rolled back
    with the group, the same job was claimed and lost again by every worker started after the crash."""
    worker = _worker(case, models_dir)

    def unreadable(self, job):
        raise ValueError(f"job {job.id}'s group: a row the worker cannot read")

    monkeypatch.setattr(Worker, "_claim_group", unreadable)
    claimed = []
    while jobs := worker._next_jobs():
        assert len(jobs) == 1 and jobs[0].id not in claimed and worker.planned == []
        claimed.append(jobs[0].id)
        assert _claims(case)[len(claimed) - 1] == (jobs[0].id, "running", 1)
    assert [job_id for job_id, _, _ in _claims(case)] == claimed  # each job claimed once, in turn
    assert {(state, attempts) for _, state, attempts in _claims(case)} == {("running", 1)}
    assert case.audit.verify(None) == []


def test_a_plan_naming_a_job_the_case_does_not_hold_is_no_plan(case, engine, models_dir):
    """A batch killed part-way, then its first run's plan (`batch_jobs`) given a job the case does not hold:
    the job is retried alone from its stored state, not a StoreError in every worker that claims it; and
    `verify` says the plan names a job the case never held."""
    worker, ready = _group(case, models_dir)
    opened, _ = worker._open_runs(engine, ready, OPTIONS)
    job_ids = [job.id for job, _, _ in opened]
    for job_id in job_ids:  # the worker killed: what its supervisor does, each attempt counted
        assert worker.queue.fail(job_id, "the worker was killed", retry=True) == "queued"
    assert list(job_findings(case)) == []
    case.plan_batch([opened[0][2]], [*job_ids, max(job_ids) + 1])
    assert [(f.subject, f.problem.split(",")[0]) for f in job_findings(case)] == \
        [(f"run {opened[0][2]}", f"its batch plan names job {max(job_ids) + 1}")]
    for edited, said in (([[job_ids[0]]], f"[{job_ids[0]}]"), ([str(job_ids[0])], f"'{job_ids[0]}'"),
                         ([True, job_ids[0]], "True")):  # True == 1: job 1 to a test of equality, to neither here
        case.plan_batch([opened[1][2]], edited)  # a list or a string where a job number goes: said, not raised
        assert [f.problem.split(",")[0] for f in job_findings(case)][-1] == f"its batch plan names {said}"
    case.plan_batch([opened[1][2]], [str(job_id) for job_id in job_ids])  # numbers written as text: no plan to
    assert worker._planned_batch(worker.queue.get(job_ids[1])) == []  # the worker either, as verify says (it was
    assert "not a job this case holds" in [f.problem for f in job_findings(case)][-1]  # job_ids, decoded with it)
    case.plan_batch([opened[1][2]], job_ids)
    first = worker._next_jobs()
    assert [job.id for job in first] == job_ids[:1] and worker.planned == []  # alone, no plan kept to
    assert _claims(case)[0] == (job_ids[0], "running", 2)
    rest = worker._next_jobs()  # its batch-mates' plans are whole: they are decoded together, as planned
    assert [job.id for job in rest] == job_ids[1:] and worker.planned == job_ids


def test_a_head_file_naming_the_head_is_not_written_again(case, models_dir, monkeypatch):
    """The head written when the file already names it (a reading process closing, a commit that logged no
    entry): the file is not replaced (no fsync, no rename), and this account's seen head is written as ever."""
    _worker(case, models_dir)  # the notes queued (JobQueue's own transactions: the head file not written)
    case.write_head()
    head, head_file = case.audit.head(), case.folder / HEAD_FILE
    assert read_head_file(case.folder) == head
    written = head_file.stat()
    seen: list = []
    monkeypatch.setattr(case_head, "write_seen_head", lambda place, first, at, apart=None: seen.append((place, at)))
    case.write_head()
    assert (head_file.stat().st_ino, head_file.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert read_head_file(case.folder) == head and seen == [(case.folder, head)]


NO_GROUP = """
import sys
if __name__ == "__mp_main__":  # the worker: every group fails to form
    from app.worker.process import Worker
    def unreadable(self, job):
        raise ValueError(f"job {job.id}'s group: a row the worker cannot read")
    Worker._claim_group = unreadable
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def test_a_queue_whose_groups_cannot_be_formed_is_done_a_file_at_a_time(tmp_path, models_dir):
    """The real command, its worker unable to form any group: each file is claimed, decoded alone and done at
    its first attempt. With the first claim rolled back too, each worker started crashed on the first job until
    the command gave up, every job left queued."""
    notes, script = _notes(tmp_path / "phone"), tmp_path / "no_group.py"
    script.write_text(NO_GROUP, encoding="utf-8")
    done = _run(script, _args(notes, tmp_path))
    assert done.returncode == 0 and "restarting" not in done.stderr, done.stderr
    case_dir = tmp_path / "case"
    assert _query(case_dir, "SELECT state, attempts, count(*) FROM jobs GROUP BY state, attempts") == \
        [("done", 1, len(notes))]
    assert [batch for _, _, batch in _outcome(case_dir)] == [note.name for note in notes]  # each decoded alone
    verify = _run(None, ["verify", "--case", str(case_dir)])
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _attempts_failed(worker, reasons: list[str]) -> list:
    """Every queued note claimed and failed with each reason in turn, then claimed again: the jobs claimed last."""
    jobs = worker._next_jobs()
    for reason in reasons:
        for job in jobs:
            assert worker.queue.fail(job.id, reason, retry=True) == "queued"
        jobs = worker._next_jobs()
    return jobs


KILLED = "the worker process was killed by SIGKILL"
OUT_OF_MEMORY = f"{KILLED} ({processes.OUT_OF_MEMORY})"
UNKNOWN = f"{KILLED} ({processes.OOM_UNKNOWN})"
CRASHED = "the worker process was killed by SIGSEGV"


@pytest.mark.parametrize(("reasons", "claimed", "short"), [
    ([KILLED], len(NOTES), True),  # killed from outside: the batch again, whole (its words as a run left alone)
    ([KILLED, KILLED], len(NOTES), True),  # at every attempt (a user's kill or a power-off: review revA, R-H1)
    ([STOPPED_UNFINISHED, STOPPED_UNFINISHED], len(NOTES), True),  # its worker gone with its command (R-H1)
    ([OUT_OF_MEMORY], 1, True),  # but alone once the out-of-memory killer killed it (it would again: R-M1)
    ([UNKNOWN], len(NOTES), True),  # that unknown (its count unreadable), whole at its first retry
    ([UNKNOWN, UNKNOWN], 1, True),  # and alone at its last attempt (killed for memory, all its files failed)
    ([CRASHED, CRASHED], 1, True),  # a crash: alone after its first retry, still a short file
    (["unexpected error: it raised"], 1, True),  # an error in a group: each alone at once, short files
    ([KILLED, "unexpected error: it raised"], 1, False),  # an error at its last attempt: the long path (R-H3)
    (["unexpected error: it raised", "unexpected error decoding it alone: it raised"], 1, False)])
def test_how_a_short_file_is_retried_follows_how_its_last_attempt_ended(case, models_dir, reasons, claimed, short):
    """A short file's retries stay on the short-file path (a file killed twice before its run opened went to the
    long-file path: other words; review of trial32); killed from outside, its batch is claimed again whole (three
    notes killed twice came out with other words, claimed alone: review revI, H1), but alone once the kernel's
    out-of-memory killer killed it, or at its last attempt when that cannot be told (a batch out of memory is killed
    at every attempt: all its files failed; session 33); after an error,
    each file alone, and only one that raised alone goes to the long-file path (every batch-mate of a file that
    raised went there on its last attempt: review revI, M1)."""
    jobs = _attempts_failed(worker := _worker(case, models_dir), reasons)
    assert len(jobs) == claimed and worker._batchable(jobs[0]) is short
