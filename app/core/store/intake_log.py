"""The case's record of every file intake met, with its hash where it could be read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.store import db
from app.core.store.case import Case


@dataclass(frozen=True)
class IntakeEntry:
    path: str
    status: str  # "media" | "skipped" | "failed"
    reason: str = ""  # why it was not transcribed ('' for media)
    sha256: str | None = None  # None when it was not (or could not be) read
    bytes: int | None = None
    exhibit_id: int | None = None
    logged_at: str = ""
    id: int | None = None


def log_intake(case: Case, entries: Iterable[IntakeEntry]) -> list[IntakeEntry]:
    """Store each entry and write it to the audit log, in one transaction."""
    stored = []
    with case.transaction():
        for e in entries:
            at = db.utc_now()
            cur = case.conn.execute(
                "INSERT INTO intake_log (path, status, reason, sha256, bytes, exhibit_id, logged_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (e.path, e.status, e.reason, e.sha256, e.bytes, e.exhibit_id, at),
            )
            entry_id = int(cur.lastrowid)
            case.audit.record(f"intake.{e.status}", f"intake/{entry_id}",
                              {"path": e.path, "reason": e.reason, "sha256": e.sha256, "bytes": e.bytes,
                               "exhibit_id": e.exhibit_id, "logged_at": at})  # the time since session 13
            stored.append(IntakeEntry(e.path, e.status, e.reason, e.sha256, e.bytes, e.exhibit_id, at, entry_id))
    return stored


def intake_entries(case: Case) -> list[IntakeEntry]:
    rows = case.conn.execute("SELECT * FROM intake_log ORDER BY id").fetchall()
    return [IntakeEntry(r["path"], r["status"], r["reason"], r["sha256"], r["bytes"], r["exhibit_id"],
                        r["logged_at"], r["id"]) for r in rows]


def met_once(entries: Iterable[IntakeEntry]) -> list[IntakeEntry]:
    """Each file met, once: a folder taken in again meets the same files again (each meeting stays
    in the log), listed once per path, status, reason and content (a file changed since is listed again)."""
    seen: dict[tuple, IntakeEntry] = {}
    for e in entries:
        seen.setdefault((e.path, e.status, e.reason, e.sha256), e)
    return list(seen.values())
