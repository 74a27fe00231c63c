"""The worker of a command is let go as soon as the command's jobs are all ended in the store.

`transcribe` (every command working its own jobs) wrote the exports of its last files while its worker,
with nothing left to claim, looked at the queue every half second; only once the last export was written
was it told to stop, and its model freed and its process ended after that: a second or two at the end of
every run with one core idle. It is now told to stop as soon as the store says every job of the command
has ended, before the events of those jobs are handed on, so its ending overlaps the last exports.
"""

from __future__ import annotations

import time

from app.cli.progress import QueueRunner
from app.core.media.decode import probe
from app.core.options import TranscribeOptions, to_dict
from app.core.store.jobs import JobQueue
from app.worker import protocol as p
from app.worker.supervisor import Supervisor
from tests.conftest import MEDIA

TINY = TranscribeOptions(model="tiny.en", threads=2, diarize="off")
NOTES = ["en_voicenote.opus", "en_voicenote.amr", "es_voicenote.ogg"]
GUARD_S = 90.0  # a deadlock guard, not a timing: before, the worker never ended while the last export waited


def _ended(supervisor: Supervisor) -> bool:
    deadline = time.monotonic() + GUARD_S
    while supervisor.pid is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    return supervisor.pid is None


def test_the_worker_ends_while_the_last_files_are_exported_not_after(case, models_dir):
    queue = JobQueue(case.conn)
    jobs = {queue.add(case.add_exhibit(probe(MEDIA / name))[0].id, "transcribe", to_dict(TINY)) for name in NOTES}
    supervisor = Supervisor(case.folder, worker_options={"await_jobs": True, "idle_poll_s": 0.2, "heartbeat_s": 1.0})
    supervisor.start()
    exported: list[tuple[int, bool]] = []
    events: list[object] = []

    def export(job) -> None:
        last = len(exported) + 1 == len(jobs)
        exported.append((job.id, _ended(supervisor) if last else supervisor.pid is None))

    runner = QueueRunner(case, case.folder, export, lambda job: [])
    real = runner._on_event
    runner._on_event = lambda event, q: (events.append(event), real(event, q))
    outcome = runner.run(until=jobs, supervisor=supervisor)
    assert sorted(outcome.done) == sorted(jobs) and not outcome.failed and not outcome.cancelled
    assert {job_id for job_id, _ in exported} == jobs  # every file exported
    assert exported[-1][1], "the worker was still running while the last file was exported"  # before: alive
    assert not [e for e in events if isinstance(e, p.WorkerCrashed)]  # its end is not taken for a crash
    assert all(queue.get(j).state == "done" for j in jobs)


def test_a_worker_let_go_that_has_ended_is_not_restarted_and_its_jobs_stay_as_they_are(case, models_dir):
    """Ended after it was let go (its model freed, its process gone): not a crash, no new worker."""
    queue = JobQueue(case.conn)
    job = queue.add(case.add_exhibit(probe(MEDIA / NOTES[0]))[0].id, "transcribe", to_dict(TINY))
    supervisor = Supervisor(case.folder, worker_options={"await_jobs": True, "idle_poll_s": 0.2, "heartbeat_s": 1.0})
    seen: list[object] = []
    try:
        supervisor.run_until_idle(seen.append, until={job}, then_stop=True)
        assert _ended(supervisor)
        assert supervisor.poll() == [] and supervisor.pid is None  # not restarted, nothing said of it
    finally:
        supervisor.stop()
    assert not [e for e in seen if isinstance(e, p.WorkerCrashed)]
    assert queue.get(job).state == "done"


def test_a_worker_waiting_to_be_told_its_commands_jobs_claims_them_as_soon_as_told(case, models_dir):
    """Started early (`transcribe` starts it while the files are still being queued), a worker not yet
    told which jobs are its command's slept on through its poll interval once told: the files all queued,
    the model loaded, nothing decoding. It now claims as soon as it is told."""
    supervisor = Supervisor(case.folder, worker_options={"await_jobs": True, "idle_poll_s": 600, "heartbeat_s": 1.0})
    queue = JobQueue(case.conn)
    try:
        supervisor.start()
        deadline, seen = time.monotonic() + GUARD_S, []
        while not any(isinstance(e, p.QueueIdle) for e in seen) and time.monotonic() < deadline:
            seen += supervisor.poll()
            time.sleep(0.05)
        assert any(isinstance(e, p.QueueIdle) for e in seen)  # waiting to be told, in its (long) poll interval
        job = queue.add(case.add_exhibit(probe(MEDIA / NOTES[0]))[0].id, "transcribe", to_dict(TINY))
        supervisor._claim_only({job})  # what run_until_idle(until=...) tells it first
        deadline = time.monotonic() + GUARD_S
        while queue.get(job).state == "queued" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue.get(job).state != "queued"  # before: left queued for the 600 s of its poll interval
    finally:
        supervisor.stop()


def test_under_then_stop_a_crash_is_still_a_crash_and_a_job_to_retry_keeps_a_worker(case, models_dir, tmp_path,
                                                                                   monkeypatch):
    """A worker dying on a file (before decoding it, twice) is a crash, restarted, not taken for its let-go;
    the job it died on is failed to be retried (JobFailed, will_retry) and is tried again by the new worker,
    not left queued by a worker let go because the other job had ended."""
    import shutil

    from app.worker.tracking import TEST_CRASH_ENV

    poison = tmp_path / "poison.amr"
    shutil.copy(MEDIA / "en_voicenote.amr", poison)
    monkeypatch.setenv(TEST_CRASH_ENV, "0:poison")  # the worker dies before decoding a file so named
    queue = JobQueue(case.conn)
    healthy, dying = (queue.add(case.add_exhibit(probe(f))[0].id, "transcribe", to_dict(TINY), max_attempts=2)
                      for f in (MEDIA / NOTES[0], poison))
    supervisor = Supervisor(case.folder, worker_options={"await_jobs": True, "idle_poll_s": 0.2, "heartbeat_s": 1.0})
    seen: list[object] = []
    try:
        supervisor.run_until_idle(seen.append, until={healthy, dying}, then_stop=True)
    finally:
        supervisor.stop()
    crashes = [e for e in seen if isinstance(e, p.WorkerCrashed)]
    assert len(crashes) == 2 and all(c.restarting and c.job_id == dying for c in crashes)
    assert any(isinstance(e, p.JobFailed) and e.job_id == dying and e.will_retry for e in seen)
    assert (queue.get(dying).state, queue.get(dying).attempts) == ("failed", 2)  # tried again after will_retry
    assert queue.get(healthy).state == "done"
