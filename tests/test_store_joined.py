"""A queue's write inside the case's own transaction (`db.joined`): kept whole or not at all, never inside a read.

Before, it joined whatever transaction its connection had open: inside a read snapshot it wrote with no write lock
taken first and no write guard, and a failure caught by the outer block kept the half of it already written.
"""

from __future__ import annotations

import pytest

from app.core.errors import StoreError
from app.core.media.decode import probe
from app.core.options import TranscribeOptions, to_dict
from app.core.store.jobs import JobQueue
from tests.conftest import MEDIA

SETTINGS = to_dict(TranscribeOptions(model="tiny.en", diarize="off"))


def test_a_job_asked_for_inside_a_read_snapshot_is_refused(case):
    exhibit = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))[0]
    queue = JobQueue(case.conn)
    with case.snapshot(), pytest.raises(StoreError, match="inside a read"):
        queue.add_or_get(exhibit.id, "transcribe", SETTINGS)
    assert queue.list() == []  # before: queued, in a read transaction


def test_a_failure_inside_the_cases_transaction_keeps_none_of_the_job(case, monkeypatch):
    exhibit = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))[0]
    queue = JobQueue(case.conn)

    def record(*args, **kwargs):
        raise OSError("disk gone")  # after the job's row was written, before its audit entry

    monkeypatch.setattr(queue.audit, "record", record)
    with case.transaction(), pytest.raises(OSError):
        queue.add_or_get(exhibit.id, "transcribe", SETTINGS)
    assert queue.list() == []  # before: the job kept, with no audit entry for it
    assert case.audit.verify() == []
