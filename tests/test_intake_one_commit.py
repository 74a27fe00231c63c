"""A command's files are queued in one transaction, not three synced commits each.

`transcribe` on a phone's 112 voice notes spent about two seconds queueing them (each file's exhibit,
its job and the audit log's head each a commit synced to disk) while the worker, its model loaded,
waited for the jobs. The files are now queued in one transaction: all kept, or none.
"""

from __future__ import annotations

import pytest

from app.core.media.decode import probe
from app.core.media.intake import Found
from app.core.options import TranscribeOptions
from app.core.store.jobs import JobQueue
from app.core.usecases.enqueueing import enqueue
from tests.conftest import MEDIA

NOTES = ["en_voicenote.opus", "en_voicenote.amr", "en_voicenote.m4a", "es_voicenote.ogg", "de_voicenote.opus"]
OPTIONS = TranscribeOptions(model="tiny.en", diarize="off")


def _found() -> list[Found]:
    return [Found(str(MEDIA / name), probe(MEDIA / name)) for name in NOTES]


def test_a_commands_files_are_queued_in_one_commit(case):
    statements: list[str] = []
    case.conn.set_trace_callback(statements.append)
    queue = JobQueue(case.conn)
    queued = enqueue(case, queue, [*_found(), _found()[0]], OPTIONS)  # the first again: linked, not queued twice
    case.conn.set_trace_callback(None)
    commits = [s for s in statements if s.strip().upper() == "COMMIT"]
    assert len(commits) <= 2, len(commits)  # the intake, and the audit head after it; before: 16 for 6 files
    assert len({q.job_id for q in queued}) == len(NOTES) and queued[-1].same_as == queued[0].path
    assert [j.state for j in queue.list()] == ["queued"] * len(NOTES)
    assert case.audit.verify() == []  # the log's chain whole


def test_a_failure_part_way_through_the_intake_keeps_none_of_it(case, monkeypatch):
    queue = JobQueue(case.conn)
    real, calls = queue.add_or_get, []

    def add_or_get(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk gone")  # what a full disk or a pulled drive does part-way
        return real(*args, **kwargs)

    monkeypatch.setattr(queue, "add_or_get", add_or_get)
    with pytest.raises(OSError):
        enqueue(case, queue, _found(), OPTIONS)
    assert queue.list() == [] and case.exhibits() == []  # before: two files' exhibits and jobs kept, half an intake
