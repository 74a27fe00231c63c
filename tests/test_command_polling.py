"""The command's own cost while the worker decodes: what the parent asks the store at each poll.

`transcribe` on a phone's files waits on every job it queued; the parent polls ten times a
second. It asked each job's state with its own query (112 files: 112 queries a poll, 570,000
over one run, about a tenth of the parent's CPU on a loaded machine); now one query a poll.
"""

from __future__ import annotations

from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.types import SourceInfo
from app.worker.supervisor import Supervisor

OPTIONS = {"model": "tiny.en", "beam_size": 5}


def _jobs(case: Case, count: int) -> list[int]:
    queue = JobQueue(case.conn)
    ids = []
    for n in range(1, count + 1):
        source = SourceInfo(path=f"/evidence/note{n}.opus", sha256=f"{n:064x}", bytes=100 + n, duration_ms=1000 * n)
        ids.append(queue.add(case.add_exhibit(source)[0].id, "transcribe", OPTIONS))
    return ids


class _Alive:
    """Stands for the worker process: the poll's end-of-work check runs only while one is up."""

    pid = 0

    @staticmethod
    def is_alive() -> bool:
        return True


def test_waiting_on_many_jobs_asks_the_store_once_a_poll_not_once_a_job(case, tmp_path):
    ids = _jobs(case, 40)
    JobQueue(case.conn).claim("someone")  # one running: not finished
    sup = Supervisor(tmp_path / "case")
    statements: list[str] = []
    sup.queue.conn.set_trace_callback(statements.append)
    sup._proc = _Alive()
    try:
        assert sup._finished(set(ids)) is False
        assert len(statements) <= 3, statements[:5]
        for job_id in ids:
            JobQueue(case.conn).cancel(job_id)
        statements.clear()
        assert sup._finished(set(ids)) is True  # every job ended: the wait is over
        assert len(statements) <= 3, statements[:5]
    finally:
        sup._proc = None
        sup.stop()


def test_states_of_gives_every_job_its_state_and_none_for_an_unknown_one(case):
    ids = _jobs(case, 3)
    queue = JobQueue(case.conn)
    queue.claim("w")
    assert queue.states_of([*ids, 999]) == {ids[0]: "running", ids[1]: "queued", ids[2]: "queued", 999: None}
    assert queue.states_of([]) == {}
