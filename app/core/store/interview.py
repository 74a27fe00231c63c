"""Record-of-interview details per exhibit, and what an export adds to a transcript.

    details = read_interview(case, exhibit_id)
    details = write_interview(case, exhibit_id, {"interviewee": "John Smith"}, actor="DC Jones")

Every change is one audit-log entry ("interview.updated", subject exhibit/<id>) holding
each changed field's old and new value, written in the transaction that makes it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields, replace
from typing import Any

from app.core.errors import StoreError
from app.core.store import db
from app.core.store.audit import person_or_account
from app.core.store.case import Case
from app.core.types import ExportContext, InterviewDetails, Transcript

FIELDS = tuple(f.name for f in fields(InterviewDetails))
LIST_FIELDS = ("officers", "present")
_COLUMNS = {"start": "start_time", "end": "end_time",
            "officers": "officers_json", "present": "present_json"}


def read_interview(case: Case, exhibit_id: int) -> InterviewDetails:
    """The exhibit's details (all empty when none were ever given)."""
    case.exhibit(exhibit_id)  # raises StoreError for an unknown exhibit
    row = case.conn.execute(
        "SELECT * FROM interview_details WHERE exhibit_id=?", (exhibit_id,)).fetchone()
    return _from_row(row) if row is not None else InterviewDetails()


def write_interview(case: Case, exhibit_id: int, changes: dict[str, Any],
                    actor: str | None = None) -> InterviewDetails:
    """Set the given fields (others are kept); returns the details as stored."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise StoreError(f"unknown interview field(s): {', '.join(unknown)}")
    with case.transaction():
        old = read_interview(case, exhibit_id)
        new = replace(old, **{name: _clean(name, value) for name, value in changes.items()})
        diff = _diff(old, new)
        if not diff:
            return old
        who, now = person_or_account(actor), db.utc_now()
        _upsert(case.conn, exhibit_id, new, who, now)
        case.audit.record("interview.updated", f"exhibit/{exhibit_id}", {"changes": diff, "updated_at": now},
                          actor=who)  # the time since session 13; who is the entry's actor
    return new


def exhibit_ids(case: Case) -> set[int]:
    """The exhibits that have record-of-interview details in the store."""
    return {int(r[0]) for r in case.conn.execute("SELECT exhibit_id FROM interview_details")}


def stamps(case: Case) -> dict[int, tuple[str, str]]:
    """Each exhibit's (updated_at, updated_by): when its details were last changed, and by whom."""
    return {int(r[0]): (r[1], r[2]) for r in case.conn.execute(
        "SELECT exhibit_id, updated_at, updated_by FROM interview_details")}


def as_logged(details: InterviewDetails) -> dict[str, Any]:
    """Every field as an `interview.updated` entry writes it (lists as lists)."""
    return {name: _plain(getattr(details, name)) for name in FIELDS}


def verified_at(case: Case, run_id: int) -> str | None:
    """When the run's working copy was marked verified (None: not verified)."""
    row = case.conn.execute(
        "SELECT verified_at FROM working_transcripts WHERE run_id=? AND status='verified'",
        (run_id,)).fetchone()
    return row[0] if row else None


def for_export(case: Case, run_id: int, transcript: Transcript, context: ExportContext) -> Transcript:
    """The run's transcript with its exhibit's interview details, its sign-off time and `context`."""
    details = read_interview(case, case.run(run_id).exhibit_id)
    return replace(transcript, interview=details,
                   verified_at=transcript.verified_at or verified_at(case, run_id), export=context)


# --- helpers -----------------------------------------------------------------


def _clean(name: str, value: Any) -> str | tuple[str, ...]:
    if name in LIST_FIELDS:
        items = [value] if isinstance(value, str) else list(value or ())
        return tuple(text for text in (str(item).strip() for item in items) if text)
    return str(value or "").strip()


def _diff(old: InterviewDetails, new: InterviewDetails) -> dict[str, list[Any]]:
    changed = {}
    for name in FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changed[name] = [_plain(before), _plain(after)]
    return changed


def _plain(value: str | tuple[str, ...]) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value


def _upsert(conn: sqlite3.Connection, exhibit_id: int, details: InterviewDetails, who: str, now: str) -> None:
    columns = [_COLUMNS.get(name, name) for name in FIELDS]
    values = [json.dumps(list(v), ensure_ascii=False) if isinstance(v, tuple) else v
              for v in (getattr(details, name) for name in FIELDS)]
    updates = ", ".join(f"{c}=excluded.{c}" for c in (*columns, "updated_at", "updated_by"))
    conn.execute(
        f"INSERT INTO interview_details (exhibit_id, {', '.join(columns)}, updated_at, updated_by)"
        f" VALUES ({', '.join('?' * (len(columns) + 3))})"
        f" ON CONFLICT(exhibit_id) DO UPDATE SET {updates}",
        (exhibit_id, *values, now, who),
    )


def _from_row(row: sqlite3.Row) -> InterviewDetails:
    values: dict[str, Any] = {}
    for name in FIELDS:
        raw = row[_COLUMNS.get(name, name)]
        values[name] = tuple(json.loads(raw)) if name in LIST_FIELDS else raw
    return InterviewDetails(**values)
