"""The worker process under the Supervisor, on real media with the tiny.en model.

A kill -9 or a decoder crash mid-file must lose and duplicate nothing: the retry
resumes from the stored chunks and ends with exactly the segments of an
uninterrupted run. Cancel must bite within ~2 s, pause must keep work.
"""

from __future__ import annotations

import os
import signal
import time
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.media.decode import probe
from app.core.options import TranscribeOptions, to_dict
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.worker import protocol as p
from app.worker.supervisor import Supervisor
from app.worker.tracking import TEST_CRASH_ENV
from tests.conftest import MEDIA, interview_repeated

pytestmark = pytest.mark.slow

TINY = TranscribeOptions(model="tiny.en", threads=2, diarize="off")  # stored chunks compare before speakers are found
FAST = {"idle_poll_s": 0.2, "heartbeat_s": 1.0}


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory) -> Path:
    """interview_mono.wav twice over (~113 s, four speech chunks): long enough to interrupt."""
    return interview_repeated(tmp_path_factory.mktemp("long") / "long_interview.wav", 2)


@pytest.fixture(scope="module")
def reference(long_wav, models_dir, tmp_path_factory) -> list[tuple[int, int, str]]:
    """The segments of an uninterrupted run, in-process, same model and settings."""
    from app.core.asr import load_engine
    from app.core.asr.runs import transcribe_exhibit

    case = Case.open(tmp_path_factory.mktemp("ref") / "case")
    exhibit, _ = case.add_exhibit(probe(long_wav))
    result = transcribe_exhibit(case, load_engine(TINY, models_dir), exhibit, TINY)
    segments = _rows(case, result.run_id)
    case.close()
    assert len(segments) > 8
    return segments


def _rows(case: Case, run_id: int) -> list[tuple[int, int, str]]:
    return [(s.start_ms, s.end_ms, s.text) for s in case.segments(run_id)]


def _queue_file(case: Case, path: Path, **kwargs) -> int:
    exhibit, _ = case.add_exhibit(probe(path), found_at=str(path))
    return JobQueue(case.conn).add(exhibit.id, "transcribe", to_dict(TINY), **kwargs)


def _poll_until(sup: Supervisor, seen: list, done: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out; events so far: {seen[-8:]}"
        seen.extend(sup.poll())
        time.sleep(0.05)


def _has(seen: list, kind: type, **fields) -> bool:
    return any(isinstance(e, kind) and all(getattr(e, k) == v for k, v in fields.items())
               for e in seen)


@pytest.fixture()
def supervisor(case):
    sup = Supervisor(case.folder, worker_options=FAST)
    yield sup
    sup.stop()


def test_kill_9_mid_file_resumes_with_no_segment_lost_or_repeated(case, supervisor, long_wav,
                                                                  reference):
    job_id = _queue_file(case, long_wav)
    seen: list = []
    supervisor.start()
    _poll_until(supervisor, seen, lambda: _has(seen, p.SegmentsReady, job_id=job_id))
    victim = supervisor.pid
    os.kill(victim, signal.SIGKILL)  # mid-file: at least one chunk stored, more to come
    _poll_until(supervisor, seen, lambda: _has(seen, p.JobDone, job_id=job_id))
    crash = next(e for e in seen if isinstance(e, p.WorkerCrashed))
    assert "SIGKILL" in crash.reason and crash.job_id == job_id and crash.restarting
    assert _has(seen, p.JobFailed, job_id=job_id, will_retry=True)
    assert supervisor.is_alive() and supervisor.pid != victim
    job = JobQueue(case.conn).get(job_id)
    assert job.state == "done" and job.attempts == 2
    runs = case.conn.execute("SELECT id FROM runs").fetchall()
    assert len(runs) == 1 and runs[0][0] == job.run_id  # the same run, resumed
    assert _rows(case, job.run_id) == reference


def test_decoder_crash_retries_then_fails_without_taking_the_parent_down(
        case, supervisor, long_wav, reference, monkeypatch):
    monkeypatch.setenv(TEST_CRASH_ENV, "1:long_interview")  # die after each stored chunk
    crashing = _queue_file(case, long_wav, max_attempts=2)
    healthy = _queue_file(case, MEDIA / "en_voicenote.opus")
    seen: list = []
    supervisor.run_until_idle(seen.append)
    queue = JobQueue(case.conn)
    job = queue.get(crashing)
    assert job.state == "failed" and job.attempts == 2 and "exit code 86" in job.error
    assert [e.will_retry for e in seen if isinstance(e, p.JobFailed)] == [True, False]
    assert sum(isinstance(e, p.WorkerCrashed) for e in seen) == 2
    assert queue.get(healthy).state == "done"  # the queue went on
    stored = _rows(case, job.run_id)
    assert stored == reference[: len(stored)] and stored  # two chunks, kept, not repeated
    monkeypatch.delenv(TEST_CRASH_ENV)
    supervisor.stop()
    queue.retry(crashing)
    again = Supervisor(case.folder, worker_options=FAST)
    again.run_until_idle()
    again.stop()
    assert queue.get(crashing).state == "done"
    assert _rows(case, queue.get(crashing).run_id) == reference


def test_cancel_of_a_running_job_takes_effect_within_two_seconds(case, supervisor, long_wav):
    job_id = _queue_file(case, long_wav)
    after = _queue_file(case, MEDIA / "en_voicenote.opus")
    seen: list = []
    supervisor.start()
    _poll_until(supervisor, seen, lambda: _has(seen, p.ModelLoaded))
    time.sleep(0.5)  # mid-decode of the first chunk
    started = time.monotonic()
    assert supervisor.cancel(job_id) == [job_id]
    _poll_until(supervisor, seen, lambda: _has(seen, p.JobCancelled, job_id=job_id), timeout=5)
    assert time.monotonic() - started < 2.5
    queue = JobQueue(case.conn)
    assert queue.get(job_id).state == "cancelled"
    _poll_until(supervisor, seen, lambda: _has(seen, p.JobDone, job_id=after))  # worker usable
    assert queue.get(job_id).state == "cancelled"  # and never picked up again


def test_pause_and_resume_the_queue(case, supervisor, long_wav, reference):
    queue = JobQueue(case.conn)
    first = _queue_file(case, long_wav)
    second = _queue_file(case, MEDIA / "en_voicenote.opus")
    seen: list = []
    supervisor.start()
    _poll_until(supervisor, seen, lambda: _has(seen, p.SegmentsReady, job_id=first))
    supervisor.pause()  # the running job stops at a chunk boundary; nothing new is claimed
    _poll_until(supervisor, seen, lambda: _has(seen, p.JobPaused, job_id=first))
    time.sleep(1.0)
    seen.extend(supervisor.poll())
    assert not _has(seen, p.JobStarted, job_id=second)
    assert queue.get(first).state == "paused" and queue.get(second).state == "queued"
    stored = _rows(case, queue.get(first).run_id)
    assert stored and stored == reference[: len(stored)] and len(stored) < len(reference)
    supervisor.resume()
    supervisor.run_until_idle(seen.append)
    assert queue.get(first).state == "done" and queue.get(second).state == "done"
    assert queue.get(first).attempts == 1  # a user's pause does not spend an attempt
    assert _rows(case, queue.get(first).run_id) == reference


def test_a_file_gone_after_queueing_fails_with_its_reason_and_others_finish(case, supervisor,
                                                                           tmp_path):
    import shutil

    gone = tmp_path / "gone.wav"
    with wave.open(str(gone), "wb") as out:  # unique content, so no duplicate path can stand in
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes(bytes(range(256)) * 200)
    kept = tmp_path / "kept.opus"
    shutil.copy(MEDIA / "en_voicenote.opus", kept)
    missing = _queue_file(case, gone)
    ok = _queue_file(case, kept)
    gone.unlink()
    seen: list = []
    supervisor.run_until_idle(seen.append)
    failure = next(e for e in seen if isinstance(e, p.JobFailed))
    assert failure.job_id == missing and not failure.will_retry
    assert failure.reason == "no such file (moved or deleted since it was added)"
    assert JobQueue(case.conn).get(ok).state == "done"
    assert _has(seen, p.QueueIdle)


def test_dependent_jobs_run_after_their_parent_export_and_translate(case, supervisor, tmp_path):
    import importlib.util

    queue = JobQueue(case.conn)
    parent = _queue_file(case, MEDIA / "en_voicenote.opus")
    exhibit_id = queue.get(parent).exhibit_id
    out = tmp_path / "out"
    export = queue.add(exhibit_id, "export", {"out": str(out), "formats": ["json", "srt"]},
                       priority=9, parent_job_id=parent)  # high priority, but waits for parent
    translate = queue.add(exhibit_id, "translate", {"target": "de"}, parent_job_id=parent)
    seen: list = []
    supervisor.run_until_idle(seen.append)
    started = [e.job_id for e in seen if isinstance(e, p.JobStarted)]
    assert started[0] == parent and set(started) == {parent, export, translate}
    assert queue.get(export).state == "done" and queue.get(export).run_id == queue.get(parent).run_id
    assert sorted(f.name for f in out.iterdir()) == [
        "en_voicenote.json", "en_voicenote.manifest.json", "en_voicenote.srt"]
    if importlib.util.find_spec("app.core.translation.runs") is None:
        job = queue.get(translate)
        assert job.state == "failed" and job.error == "translation is not available in this installation"


def _words(case: Case, run_id: int) -> set[str]:
    from app.evaluation import normalise

    return set(normalise(" ".join(s.text for s in case.segments(run_id)), "en").split())


def test_short_files_are_decoded_together_each_into_its_own_run(case, supervisor):
    names = ["en_voicenote.opus", "en_voicenote.amr", "interview_mono.wav", "silence_30s.wav"]
    jobs = {n: _queue_file(case, MEDIA / n) for n in names}
    seen: list = []
    supervisor.run_until_idle(seen.append)
    queue = JobQueue(case.conn)
    assert all(queue.get(j).state == "done" for j in jobs.values())
    order = [type(e).__name__ for e in seen if isinstance(e, (p.JobStarted, p.JobDone))]
    assert order[:4] == ["JobStarted"] * 4  # one group: all claimed before any is done
    runs = {n: queue.get(j).run_id for n, j in jobs.items()}
    assert len(set(runs.values())) == 4  # each file its own run
    for name, run_id in runs.items():
        duration = case.exhibit(queue.get(jobs[name]).exhibit_id).source.duration_ms
        segments = case.segments(run_id)
        assert all(0 <= w.start_ms <= w.end_ms <= duration for s in segments for w in s.words), name
        assert case.run(run_id).status == "complete"
    note, interview = _words(case, runs["en_voicenote.opus"]), _words(case, runs["interview_mono.wav"])
    assert {"station", "money"} <= note and not {"interview", "detective"} & note
    assert {"interview", "detective"} <= interview and not {"package", "money"} & interview
    assert not case.segments(runs["silence_30s.wav"])
    sha = {n: case.exhibit(queue.get(j).exhibit_id).source.sha256 for n, j in jobs.items()}
    packed = {e.subject: e.details["packed_with"] for e in case.audit.entries("run/") if e.action == "run.packed"}
    # what a batched result was packed with is on the record: the two notes shared a window
    assert packed[f"run/{runs['en_voicenote.opus']}"] == [sha["en_voicenote.amr"]]
    assert all(set(companions) <= set(sha.values()) for companions in packed.values())


def test_cancelling_one_file_of_a_batch_leaves_the_others_running(case, supervisor):
    names = ["interview_mono.wav", "en_voicenote.opus", "en_voicenote.amr", "en_voicenote.m4a",
             "en_voicenote.mp3", "noise_10s.wav"]
    jobs = {n: _queue_file(case, MEDIA / n) for n in names}
    victim = jobs["en_voicenote.m4a"]
    seen: list = []
    supervisor.start()
    _poll_until(supervisor, seen, lambda: _has(seen, p.JobStarted, job_id=victim))
    pid, started = supervisor.pid, time.monotonic()
    assert supervisor.cancel(victim) == [victim]
    _poll_until(supervisor, seen, lambda: _has(seen, p.JobCancelled, job_id=victim), timeout=5)
    assert time.monotonic() - started < 2.5
    supervisor.run_until_idle(seen.append)
    queue = JobQueue(case.conn)
    assert supervisor.pid == pid and not any(isinstance(e, p.WorkerCrashed) for e in seen)  # not killed
    assert queue.get(victim).state == "cancelled"
    assert sum(isinstance(e, p.JobCancelled) and e.job_id == victim for e in seen) == 1
    run_id = queue.get(victim).run_id
    assert run_id is None or not case.segments(run_id)  # nothing of it kept
    assert all(queue.get(j).state == "done" for n, j in jobs.items() if j != victim)


def test_a_file_that_crashes_its_batch_fails_alone_on_retry(case, supervisor, tmp_path, monkeypatch):
    import shutil

    poison = tmp_path / "poison.amr"
    shutil.copy(MEDIA / "en_voicenote.amr", poison)
    monkeypatch.setenv(TEST_CRASH_ENV, "0:poison")  # the worker dies whenever it decodes this file
    jobs = [_queue_file(case, path, max_attempts=2)
            for path in (MEDIA / "en_voicenote.opus", poison, MEDIA / "interview_mono.wav")]
    seen: list = []
    supervisor.run_until_idle(seen.append)
    queue = JobQueue(case.conn)
    healthy, bad = [queue.get(j) for j in (jobs[0], jobs[2])], queue.get(jobs[1])
    assert sum(isinstance(e, p.WorkerCrashed) for e in seen) == 2  # the batch, then the file alone
    assert bad.state == "failed" and bad.attempts == 2 and "exit code 86" in bad.error
    assert all(j.state == "done" and j.attempts == 2 for j in healthy)  # retried alone, not with it
    assert all(case.segments(j.run_id) for j in healthy)


def test_each_file_of_a_batch_reports_its_own_progress(case, supervisor):
    """Files decoded together still move one by one: a Progress between 0 and 1 before each is done."""
    names = ["interview_mono.wav", "en_voicenote.opus", "es_voicenote.ogg", "fr_voicenote.m4a"]
    jobs = [_queue_file(case, MEDIA / n) for n in names]
    seen: list = []
    supervisor.start()
    supervisor.run_until_idle(seen.append)
    started = {e.job_id for e in seen if isinstance(e, p.JobStarted)}
    assert started == set(jobs)
    for job in jobs:
        events = [e for e in seen if getattr(e, "job_id", None) == job]
        done_at = next(i for i, e in enumerate(events) if isinstance(e, p.JobDone))
        partial = [e.fraction for e in events[:done_at] if isinstance(e, p.Progress) and 0 < e.fraction < 1]
        assert partial, f"job {job}: no progress of its own before it was done"


def test_a_ctrl_c_while_the_worker_starts_is_held_not_lost():
    """The parent ignored SIGINT while starting the worker, so a Ctrl-C then was dropped and the
    command ran on to its end with exit 0 (seen on CI). Now the worker is born with SIGINT blocked
    and the parent's Ctrl-C arrives once the worker is up."""
    import subprocess
    import sys

    from app.worker.child import sigint_held

    child = [sys.executable, "-c", "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"]
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal (not `pytest &`)
    try:
        with pytest.raises(KeyboardInterrupt), sigint_held():
            born = subprocess.run(child, capture_output=True, text=True, check=True).stdout.strip()
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the worker is being started
            time.sleep(0.05)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert born == "True"  # a Ctrl-C in the terminal cannot reach the worker before it ignores it
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
