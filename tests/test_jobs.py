"""The job queue's state machine in SQLite: dedupe, atomic claim, retries, recovery, audit."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.errors import StoreError
from app.core.store import Case, db
from app.core.store.jobs import JobQueue, worker_name
from app.core.types import SourceInfo

OPTIONS = {"model": "tiny.en", "beam_size": 5}


def _exhibit(case: Case, n: int) -> int:
    source = SourceInfo(path=f"/evidence/note{n}.opus", sha256=f"{n:064x}", bytes=100 + n,
                        duration_ms=1000 * n)
    return case.add_exhibit(source)[0].id


@pytest.fixture()
def queue(case) -> JobQueue:
    return JobQueue(case.conn)


def _age_heartbeat(case: Case, job_id: int, seconds: float) -> None:
    case.conn.execute("UPDATE jobs SET heartbeat_s=? WHERE id=?", (time.time() - seconds, job_id))


def test_add_dedupes_equal_jobs_and_records_the_options(case, queue):
    ex = _exhibit(case, 1)
    first, new1 = queue.add_or_get(ex, "transcribe", OPTIONS)
    second, new2 = queue.add_or_get(ex, "transcribe", dict(reversed(OPTIONS.items())))
    assert new1 and not new2 and first == second
    assert queue.add(ex, "transcribe", {**OPTIONS, "beam_size": 1}) != first  # other settings
    job = queue.get(first)
    assert job.options == OPTIONS and job.state == "queued" and job.attempts == 0
    queue.claim("w")
    queue.complete(first, None)
    assert queue.add(ex, "transcribe", OPTIONS) == first  # done: not queued again
    with pytest.raises(StoreError, match="unknown task"):
        queue.add(ex, "summarise", OPTIONS)


def test_a_failed_job_does_not_block_adding_it_again(case, queue):
    ex = _exhibit(case, 1)
    job_id = queue.add(ex, "transcribe", OPTIONS)
    queue.claim("w")
    queue.fail(job_id, "broken", retry=False)
    assert queue.add(ex, "transcribe", OPTIONS) != job_id


def test_claim_takes_highest_priority_then_oldest_and_waits_for_parents(case, queue):
    a, b, c = (_exhibit(case, n) for n in (1, 2, 3))
    low = queue.add(a, "transcribe", OPTIONS)
    high = queue.add(b, "transcribe", OPTIONS, priority=5)
    parent = queue.add(c, "transcribe", OPTIONS)
    child = queue.add(c, "translate", {"target": "en"}, priority=9, parent_job_id=parent)
    order = []
    while (job := queue.claim("w")) is not None:
        order.append(job.id)
        assert job.state == "running" and job.attempts == 1 and job.heartbeat_at
        queue.complete(job.id, None)
    assert order == [high, low, parent, child]  # the child waited for its parent


def test_claim_is_atomic_across_connections(case, queue):
    ids = {queue.add(_exhibit(case, n), "transcribe", OPTIONS) for n in range(1, 41)}
    claimed: list[list[int]] = [[], [], []]

    def work(slot: int) -> None:
        conn = db.connect(case.folder)
        mine = JobQueue(conn)
        while (job := mine.claim(f"w{slot}")) is not None:
            claimed[slot].append(job.id)
        conn.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [j for got in claimed for j in got]
    assert sorted(every) == sorted(ids)  # each job claimed exactly once
    assert len(set(every)) == len(every)


def test_fail_retries_until_attempts_are_used_then_fails_and_cascades(case, queue):
    ex = _exhibit(case, 1)
    job_id = queue.add(ex, "transcribe", OPTIONS, max_attempts=2)
    child = queue.add(ex, "translate", {"target": "en"}, parent_job_id=job_id)
    queue.claim("w")
    assert queue.fail(job_id, "decoder crashed", retry=True) == "queued"
    queue.claim("w")
    assert queue.fail(job_id, "decoder crashed", retry=True) == "failed"
    job = queue.get(job_id)
    assert job.state == "failed" and job.attempts == 2 and job.error == "decoder crashed"
    assert queue.get(child).state == "failed" and f"job {job_id}" in queue.get(child).error
    assert queue.retry(job_id) and queue.get(job_id).attempts == 0
    assert queue.get(job_id).state == "queued" and queue.get(job_id).error is None


def test_fail_without_retry_is_final(case, queue):
    job_id = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    queue.claim("w")
    assert queue.fail(job_id, "empty file (0 bytes)", retry=False) == "failed"
    assert queue.claim("w") is None


def test_cancel_one_or_all_pending_but_never_finished_jobs(case, queue):
    ids = [queue.add(_exhibit(case, n), "transcribe", OPTIONS) for n in (1, 2, 3, 4)]
    queue.claim("w")
    queue.complete(ids[0], None)
    assert queue.cancel(ids[0]) == []  # done stays done
    assert queue.cancel(ids[1]) == [ids[1]]
    queue.claim("w")  # ids[2] running
    assert queue.cancel() == [ids[2], ids[3]]
    assert [j.state for j in queue.list()] == ["done", "cancelled", "cancelled", "cancelled"]
    assert queue.retry(ids[1]) and queue.get(ids[1]).state == "queued"
    with pytest.raises(StoreError, match="no job 99"):
        queue.cancel(99)


def test_pausing_the_queue_stops_claims_and_resume_restarts_them(case, queue):
    first = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    second = queue.add(_exhibit(case, 2), "transcribe", OPTIONS)
    queue.claim("w")
    assert queue.pause() == [first]  # the running job is paused too; its attempt is given back
    assert queue.is_paused() and queue.get(first).attempts == 0
    assert queue.claim("w") is None and queue.claimable() == 0
    assert queue.get(second).state == "queued"  # never cancelled, never paused by queue pause
    assert queue.resume() == [first]
    assert not queue.is_paused() and queue.claim("w").id == first


def test_pause_and_resume_one_job(case, queue):
    first = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    second = queue.add(_exhibit(case, 2), "transcribe", OPTIONS)
    assert queue.pause(first) == [first]
    assert queue.claim("w").id == second
    assert queue.resume(first) == [first] and queue.claim("w").id == first


def test_a_frozen_worker_whose_job_another_took_can_neither_keep_nor_end_it(case, queue):
    """Recovered after a silence past the limit and claimed by a second worker, the job is the
    second's: the first one's heartbeat says so (it stops), and its ending changes nothing."""
    job_id = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    first, second = JobQueue(case.conn, owner="host:1"), JobQueue(case.conn, owner="host:2")
    assert first.claim("host:1").id == job_id and first.heartbeat(job_id)
    _age_heartbeat(case, job_id, 3600)
    assert queue.recover_stale() == [job_id]
    assert second.claim("host:2").id == job_id
    assert not first.heartbeat(job_id)
    assert not first.complete(job_id, None) and first.fail(job_id, "late", retry=True) is None
    assert not first.release(job_id)
    job = queue.get(job_id)
    assert job.state == "running" and job.worker == "host:2" and job.attempts == 2
    assert second.heartbeat(job_id) and second.complete(job_id, None)
    assert queue.get(job_id).state == "done"


def test_recover_stale_requeues_silent_running_jobs_and_never_cancels_queued(case, queue):
    stale = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    fresh = queue.add(_exhibit(case, 2), "transcribe", OPTIONS)
    dead = queue.add(_exhibit(case, 3), "transcribe", OPTIONS)
    waiting = queue.add(_exhibit(case, 4), "transcribe", OPTIONS)
    queue.claim("other-host:1")
    queue.claim(worker_name())  # this very process: alive
    queue.claim(worker_name(2**22 + 12345))  # a local pid that does not exist
    _age_heartbeat(case, stale, 600)
    assert sorted(queue.recover_stale(stale_after_s=60)) == [stale, dead]
    states = {j.id: j.state for j in queue.list()}
    assert states == {stale: "queued", fresh: "running", dead: "queued", waiting: "queued"}
    assert queue.get(stale).attempts == 1  # the count is kept: a job that kills workers ends


def test_heartbeat_reports_whether_the_job_still_runs(case, queue):
    job_id = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    queue.claim("w")
    assert queue.heartbeat(job_id, 0.5, 12.0)
    job = queue.get(job_id)
    assert job.progress == 0.5 and job.eta_s == 12.0
    queue.cancel(job_id)
    assert not queue.heartbeat(job_id, 0.6, 10.0)


def test_the_queue_persists_across_reopening_the_case(case, tmp_path):
    queue = JobQueue(case.conn)
    ids = [queue.add(_exhibit(case, n), "transcribe", OPTIONS, priority=n) for n in (1, 2, 3)]
    queue.claim("w")
    queue.pause()
    case.close()
    again = Case.open(case.folder)
    reopened = JobQueue(again.conn)
    assert [j.state for j in reopened.list()] == ["queued", "queued", "paused"]
    assert reopened.is_paused() and reopened.get(ids[2]).priority == 3
    assert reopened.get(ids[0]).options == OPTIONS
    reopened.resume()
    assert reopened.claim("w").id == ids[2]
    again.close()


def test_every_state_change_is_in_the_audit_chain(case, queue):
    job_id = queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    queue.claim("w")
    queue.fail(job_id, "crash", retry=True)
    queue.claim("w")
    queue.set_priority(job_id, 4)
    queue.complete(job_id, None)
    actions = [e.action for e in case.audit.entries(f"job/{job_id}")]
    assert actions == ["job.queued", "job.started", "job.retry_scheduled", "job.started",
                       "job.priority", "job.done"]
    queue.pause()
    queue.resume()
    assert [e.action for e in case.audit.entries("queue")] == ["queue.paused", "queue.resumed"]
    assert case.audit.verify() == []


def test_counts_cover_every_state(case, queue):
    queue.add(_exhibit(case, 1), "transcribe", OPTIONS)
    counts = queue.counts()
    assert counts["queued"] == 1 and set(counts) == {"queued", "running", "done", "failed",
                                                      "cancelled", "paused"}


def test_a_released_job_keeps_only_the_progress_its_run_has_stored(case, queue):
    """A short file's job decoded to 95% in memory, then given back to the queue as the window closed, still
    read "queued 95%" (a supervisor expects little left; none of it was stored, and it was decoded again). Given
    back with nothing of its run stored, it reads 0%; with segments stored, what it reported stays. A job whose
    worker was killed (recovered) the same."""
    from app.core.evidence.provenance import software_info
    from app.core.types import ModelInfo, Segment

    jobs = [queue.add(_exhibit(case, n), "transcribe", OPTIONS) for n in (1, 2, 3)]
    claimed = [queue.claim("w") for _ in jobs]
    assert [job.id for job in claimed] == jobs
    for job_id, job in zip(jobs, claimed):
        run = case.start_run(job.exhibit_id, "transcribe", ModelInfo("base", "/m", "00" * 32, "whisper"), {},
                             software_info())
        queue.attach_run(job_id, run)
        queue.heartbeat(job_id, 0.95)
        if job_id == jobs[1]:
            case.append_segments(run, (Segment(0, 900, "Yes."),), {"done_ms": {"mix": 950}}, "en", 0.9)
        if job_id == jobs[2]:
            _age_heartbeat(case, job_id, 3600)  # its worker killed
            assert queue.recover_stale() == [job_id]
        else:
            assert queue.release(job_id, "worker shutting down")
    assert [(queue.get(j).state, queue.get(j).progress) for j in jobs] == [
        ("queued", 0.0), ("queued", 0.95), ("queued", 0.0)]
