"""The worker's heartbeat of a batch of short files: one write transaction a beat, not one a file.

The command thread refreshes the running jobs' heartbeats every 5 s. A batch of a phone's voice
notes runs 56 jobs at once, and each was refreshed with its own UPDATE, each its own commit synced
to disk (the store is `synchronous=FULL`): 6,754 commits over one loaded run of the 112 clips. Now
one transaction a beat, and a job cancelled or paused meanwhile is still told to stop.
"""

from __future__ import annotations

from app.core.media.decode import probe
from app.core.store.jobs import JobQueue
from app.worker.command_thread import CommandThread
from tests.conftest import MEDIA

NOTES = ["en_voicenote.opus", "en_voicenote.m4a", "en_voicenote.amr", "es_voicenote.ogg", "de_voicenote.opus",
         "fr_voicenote.m4a", "pl_voicenote.opus", "en_voicenote.mp3"]
OPTIONS = {"model": "tiny.en", "beam_size": 5}


class _Beating(CommandThread):
    """The command thread's state a beat reads and sets."""

    def __init__(self) -> None:
        self.stop_asked: set[int] = set()


def _batch(case) -> list[int]:
    queue = JobQueue(case.conn)
    ids = [queue.add(case.add_exhibit(probe(MEDIA / name))[0].id, "transcribe", OPTIONS) for name in NOTES]
    worker = JobQueue(case.conn, owner="w1")
    first = worker.claim("w1")
    claimed = [first, *(worker.claim("w1", like=first) for _ in ids[1:])]
    assert all(claimed) and {c.id for c in claimed} == set(ids)
    return ids


def test_a_batch_beats_in_one_commit_and_a_cancelled_file_is_told_to_stop(case):
    ids = _batch(case)
    JobQueue(case.conn).cancel(ids[3])  # cancelled from another shell while its batch decodes
    before = dict(case.conn.execute("SELECT id, heartbeat_s FROM jobs"))
    writes: list[str] = []
    case.conn.set_trace_callback(lambda sql: writes.append(sql.split()[0].upper()))
    thread = _Beating()
    thread._beat(JobQueue(case.conn, owner="w1"), tuple(ids))
    case.conn.set_trace_callback(None)
    assert writes.count("UPDATE") == 1, writes  # was one UPDATE (one synced commit) per file
    assert writes.count("COMMIT") == 1, writes
    after = dict(case.conn.execute("SELECT id, heartbeat_s FROM jobs"))
    assert all(after[j] > before[j] for j in ids if j != ids[3])  # every running file's beat is fresh
    assert after[ids[3]] == before[ids[3]]
    assert thread.stop_asked == {ids[3]}


def test_another_workers_jobs_are_not_kept_alive_and_are_told_to_stop(case):
    ids = _batch(case)
    thread = _Beating()
    before = dict(case.conn.execute("SELECT id, heartbeat_s FROM jobs"))
    thread._beat(JobQueue(case.conn, owner="w2"), tuple(ids))  # a worker whose jobs were recovered and taken
    assert dict(case.conn.execute("SELECT id, heartbeat_s FROM jobs")) == before
    assert thread.stop_asked == set(ids)
