"""The one reader of stored ISO 8601 stamps (exports' dates, the record's "exported at", the queue's
elapsed time): Z, offsets and stamps with no offset, and what does not parse."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.core.clock import parse_stamp, utc_now
from app.core.export.base import EPOCH, created_datetime
from app.core.export.record import when_text
from app.core.export.timeline import created as timeline_created


def test_z_and_a_stamp_without_offset_are_utc() -> None:
    utc = datetime(2025, 11, 23, 17, 52, 1, 500000, tzinfo=timezone.utc)
    assert parse_stamp("2025-11-23T17:52:01.500Z") == utc
    assert parse_stamp("2025-11-23T17:52:01.500") == utc
    assert parse_stamp(utc_now()) is not None


def test_the_written_offset_is_kept() -> None:
    value = parse_stamp("2025-11-23T18:52:00+01:00")
    assert value is not None and value.utcoffset() == timedelta(hours=1)
    assert value == datetime(2025, 11, 23, 17, 52, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", [None, "", "yesterday", "2025-13-40T00:00:00Z"])
def test_missing_or_unreadable_is_none(text: str | None) -> None:
    assert parse_stamp(text) is None


def test_exports_read_stamps_through_it() -> None:
    class Stamped:
        def __init__(self, created_at: str) -> None:
            self.created_at = created_at

    assert created_datetime(Stamped(" 2025-11-23T18:52:00+01:00 ")) == datetime(2025, 11, 23, 17, 52, tzinfo=timezone.utc)  # type: ignore[arg-type]
    assert created_datetime(Stamped("not a date")) == EPOCH  # type: ignore[arg-type]
    assert created_datetime(Stamped("1970-01-01T00:00:00Z")) == EPOCH  # type: ignore[arg-type]
    assert when_text("2025-11-23T18:52:00+01:00") == "2025-11-23 17:52 UTC"
    assert when_text("garbled") == "garbled"
    assert when_text(None) == "unknown"
    kept = timeline_created(Stamped("2025-11-23T18:52:00+01:00"))  # type: ignore[arg-type]
    assert kept.utcoffset() == timedelta(hours=1)  # a timeline's stamp keeps the offset it was written with
    assert timeline_created(Stamped("")) == EPOCH  # type: ignore[arg-type]


def test_one_clock_for_lengths_of_time() -> None:
    from app.cli.progress import _clock
    from app.core.clock import span_text
    from app.gui.queue_eta import eta_text

    assert span_text(0) == "0:00"
    assert span_text(83) == "1:23"
    assert span_text(3723) == "1:02:03"
    assert span_text(100 * 3600) == "100:00:00"
    assert eta_text(82.6) == "1:23" and eta_text(None) == "" and eta_text(-1) == ""
    assert _clock(3723.9) == "1:02:03" and _clock(-5) == "0:00"
