"""A command's files are queued in short transactions, not three synced commits each, nor one for them all.

`transcribe` on a phone's 112 voice notes spent about two seconds queueing them (each file's exhibit,
its job and the audit log's head each a commit synced to disk) while the worker, its model loaded,
waited for the jobs. They were then queued in one transaction, which on a whole phone held the case's
write lock for as long as it took (8000 files: 8.5 s, every other writer waiting: the command's own
worker said "the case is busy" about its own command, the window's edits froze). Now a transaction holds
at most CHUNK_FILES files, each kept whole, and the lock is let go between two: a cut-short intake keeps
the chunks before and says how many files were queued; running the command again queues the rest.
"""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from app.core.errors import IntakeCut
from app.core.media.decode import probe
from app.core.media.intake import Found
from app.core.options import TranscribeOptions
from app.core.store import Case, db
from app.core.store.chunked import CHUNK_FILES
from app.core.store.jobs import JobQueue
from app.core.types import SourceInfo
from app.core.usecases.enqueueing import enqueue
from tests.conftest import MEDIA

NOTES = ["en_voicenote.opus", "en_voicenote.amr", "en_voicenote.m4a", "es_voicenote.ogg", "de_voicenote.opus"]
OPTIONS = TranscribeOptions(model="tiny.en", diarize="off")


def _found() -> list[Found]:
    return [Found(str(MEDIA / name), probe(MEDIA / name)) for name in NOTES]


def _synthetic(folder, n: int) -> list[Found]:
    """n small files as intake would have found them (their probe's facts given: no decoding needed here)."""
    folder.mkdir(exist_ok=True)
    found = []
    for i in range(n):
        path, data = folder / f"PTT-{i:05d}.opus", b"note %d" % i
        path.write_bytes(data)
        found.append(Found(str(path), SourceInfo(str(path), hashlib.sha256(data).hexdigest(), len(data), 5000,
                                                 "ogg", "opus", 16000, 1)))
    return found


class OtherWriter:
    """Another process's writes, tried between two of the intake's transactions with no wait at all: the
    lock is free there, or this fails ("database is locked"). It counts the exhibits the intake kept so far."""

    def __init__(self, folder, sources: list[Found]) -> None:
        self.case, self.sources, self.seen = Case.open(folder), sources, []

    def __call__(self) -> None:
        with db.patience(self.case.conn, 0):
            self.case.add_exhibit(self.sources[len(self.seen)].source)
        self.seen.append(self.case.conn.execute("SELECT count(*) FROM exhibits").fetchone()[0] - len(self.seen) - 1)


def _commits(case: Case, run) -> tuple[object, list[str]]:
    statements: list[str] = []
    case.conn.set_trace_callback(statements.append)
    try:
        return run(), statements
    finally:
        case.conn.set_trace_callback(None)


def test_a_small_intake_is_one_commit(case):
    queue = JobQueue(case.conn)
    queued, statements = _commits(case, lambda: enqueue(case, queue, [*_found(), _found()[0]], OPTIONS))
    commits = [s for s in statements if s.strip().upper() == "COMMIT"]
    assert len(commits) <= 2, len(commits)  # the intake, and the audit head after it; before: 16 for 6 files
    assert len({q.job_id for q in queued}) == len(NOTES) and queued[-1].same_as == queued[0].path
    assert [j.state for j in queue.list()] == ["queued"] * len(NOTES)
    assert case.audit.verify() == []  # the log's chain whole


def test_a_phones_thousands_of_files_never_hold_the_write_lock_for_more_than_a_chunk(case, tmp_path, monkeypatch):
    """Before: 3000 files, one transaction; another writer waited for all of it."""
    found = _synthetic(tmp_path / "phone", 3000)
    other = OtherWriter(case.folder, _synthetic(tmp_path / "other", 20))
    monkeypatch.setattr("app.core.store.chunked.let_others_in", other)
    queue = JobQueue(case.conn)
    queued, statements = _commits(case, lambda: enqueue(case, queue, [*found, found[7]], OPTIONS))
    inserts_between_commits, n = [], 0
    for s in statements:
        n += s.startswith("INSERT INTO exhibits ")
        if s.strip().upper() == "COMMIT":
            inserts_between_commits.append(n)
            n = 0
    assert max(inserts_between_commits) <= CHUNK_FILES  # before: 3000 in one
    assert len(other.seen) >= len(found) // CHUNK_FILES  # got in between every two chunks, never waiting
    assert other.seen == sorted(other.seen) and other.seen[-1] < len(found)  # in the middle of the intake
    assert len(queued) == len(found) + 1 and queued[-1].same_as == found[7].path  # the copy linked, not queued
    assert len(queue.list()) == len(found) and case.audit.verify() == []
    other.case.close()


def test_the_windows_chat_intake_lets_other_writers_in_too(case, tmp_path, monkeypatch):
    """take_in_and_queue (the window's "Take in chat export") queues an export's voice notes the same way."""
    from app.core.usecases import timeline

    notes = _synthetic(tmp_path / "Media", 2 * CHUNK_FILES + 10)
    monkeypatch.setattr(timeline, "take_in_exports", lambda case, inputs: ([], []))
    monkeypatch.setattr(timeline, "export_media", lambda taken: notes)  # an export's voice notes, taken in
    other = OtherWriter(case.folder, _synthetic(tmp_path / "other", 5))
    monkeypatch.setattr("app.core.store.chunked.let_others_in", other)
    done = timeline.take_in_and_queue(case, ["chat.zip"], OPTIONS)
    assert len(done.jobs) == len(notes) and len(other.seen) >= 2  # before: one transaction, never let in
    assert case.audit.verify() == []
    other.case.close()


def _failing_at(queue: JobQueue, call: int, error: BaseException) -> None:
    real, calls = queue.add_or_get, []

    def add_or_get(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise error
        return real(*args, **kwargs)

    queue.add_or_get = add_or_get  # type: ignore[method-assign]


def test_a_full_disk_part_way_says_how_many_files_were_queued_and_a_rerun_queues_the_rest(case, tmp_path,
                                                                                         monkeypatch):
    """Before: "database or disk is full", not a word of what was queued (none, then: one transaction)."""
    monkeypatch.setattr("app.core.store.chunked.let_others_in", lambda: None)
    found, queue = _synthetic(tmp_path / "phone", CHUNK_FILES + 40), JobQueue(case.conn)
    _failing_at(queue, CHUNK_FILES + 3, sqlite3.OperationalError("database or disk is full"))
    with pytest.raises(IntakeCut) as cut:
        enqueue(case, queue, found, OPTIONS)
    assert str(cut.value) == (f"queueing stopped (database or disk is full): {CHUNK_FILES} of the {len(found)} "
                              "file(s) were queued (kept), the other 40 not; run the command again to queue them")
    assert len(queue.list()) == len(case.exhibits()) == CHUNK_FILES and case.audit.verify() == []
    again = enqueue(case, JobQueue(case.conn), found, OPTIONS)
    assert sum(q.new_job for q in again) == 40 and len(JobQueue(case.conn).list()) == len(found)
    assert case.audit.verify() == []


def test_a_failure_in_the_first_chunk_keeps_none_of_it(case):
    queue = JobQueue(case.conn)
    _failing_at(queue, 3, OSError("disk gone"))  # what a pulled drive does part-way
    with pytest.raises(IntakeCut, match="none of the 5 file"):
        enqueue(case, queue, _found(), OPTIONS)
    assert queue.list() == [] and case.exhibits() == [] and case.audit.verify() == []
    assert len(enqueue(case, JobQueue(case.conn), _found(), OPTIONS)) == len(NOTES)


def test_ctrl_c_part_way_through_queue_add_says_what_was_queued(capsys, tmp_path, monkeypatch, models_dir):
    """Before: "interrupted; stored work is kept and resumes on the next run", where none of it was stored
    and nothing resumes unless the command is run again."""
    from tests.test_cli_mistakes import run

    monkeypatch.setattr("app.core.store.chunked.CHUNK_FILES", 2)
    monkeypatch.setattr("app.core.store.chunked.let_others_in", lambda: None)
    real, calls = JobQueue.add_or_get, []

    def add_or_get(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(JobQueue, "add_or_get", add_or_get)
    code, _, err = run(capsys, "queue", "add", *(str(MEDIA / n) for n in NOTES), "--model", "tiny.en",
                       "--case", str(tmp_path / "case"))
    assert code == 130
    assert err.strip().splitlines()[-1] == ("interrupted; 2 of the 5 file(s) were queued (kept), the other 3 "
                                            "not; run the command again to queue them")


def test_a_queue_on_another_connection_is_refused_not_a_deadlock(case):
    """Its writes would wait on the case's own open transaction (30 s, then "database is locked")."""
    other = db.connect(case.folder)
    try:
        with pytest.raises(ValueError, match="the case's own connection"):
            enqueue(case, JobQueue(other), _found()[:1], OPTIONS)
    finally:
        other.close()
    assert case.exhibits() == []
