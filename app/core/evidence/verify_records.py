"""`verify`, records beside the transcripts: what intake met, and the chats taken in.

- every `intake_log` row (path, status, reason, SHA-256, size, exhibit) against the
  intake.* entry written with it; a row the log never saw, or one gone, is a finding;
- every chat import against the digest of its chats, messages and attachments logged
  with `chat.imported` (imports logged before session 10 carry none and are not checked);
- each exhibit's record-of-interview details (interviewee, officers, place, date...) against
  the fields its `interview.updated` entries set, one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.errors import StoreError
from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case, interview
from app.core.store import chats as chat_store
from app.core.store.audit import AuditEntry
from app.core.store.intake_log import intake_entries
from app.core.types import InterviewDetails


def intake_record(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    logged = {entry_number(e.subject): e for e in case.audit.entries("intake/") if e.action.startswith("intake.")}
    stored = {e.id: e for e in intake_entries(case)}
    if any("logged_at" not in e.details for e in logged.values()):
        notes.append(Finding("intake record", "when intake met each file is not recorded in the audit log for the "
                                              "files met before session 13 (an older case): not checked for them"))
    for entry_id in sorted(logged.keys() - stored.keys()):
        yield Finding(f"intake {entry_id}", f"{logged[entry_id].details.get('path')} is in the audit log, "
                                            "but gone from the store's intake record")
    for entry_id, row in sorted(stored.items()):
        entry = logged.get(entry_id)
        if entry is None:
            yield Finding(f"intake {entry_id}", f"{row.path} is in the store's intake record, but the audit log "
                                                "never saw intake meet it")
            continue
        now = {"path": row.path, "reason": row.reason, "sha256": row.sha256, "bytes": row.bytes,
               "exhibit_id": row.exhibit_id, "logged_at": row.logged_at}
        changed = [key for key, value in now.items() if key in entry.details and entry.details[key] != value]
        if entry.action != f"intake.{row.status}":
            changed.insert(0, "status")
        if changed:
            yield Finding(f"intake {entry_id}", f"{row.path}: its record in the store differs from the audit log "
                                                f"({', '.join(changed)})")


def chat_imports(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    logged: dict[tuple[int, int], str | None] = {}
    when: dict[tuple[int, int], str | None] = {}
    for entry in case.audit.entries("exhibit/"):
        if entry.action == "chat.imported":
            key = (entry_number(entry.subject), int(entry.details.get("parser_version", 0)))
            logged[key], when[key] = entry.details.get("messages_sha256"), entry.details.get("created_at")
    notes += [Finding(f"exhibit {exhibit_id} ({name})", chat_store.PART_WAY)
              for exhibit_id, name in chat_store.taken_in_part(case)]
    stored = chat_store.imports(case)
    for (exhibit_id, _version), times in sorted(chat_store.import_times(case).items()):
        logged_at = when.get((exhibit_id, _version), "")
        if logged_at is None:
            notes.append(Finding(f"exhibit {exhibit_id}", "when its chats were taken in is not recorded in the audit "
                                                          "log (taken in before session 13): not checked"))
        elif logged_at and times != {logged_at}:
            yield Finding(f"exhibit {exhibit_id}", "when its chats were taken in, in the store, differs from the "
                                                   "audit log (created_at)")
    for exhibit_id, version in sorted(stored - logged.keys()):
        yield Finding(f"exhibit {exhibit_id}", "chats in the store that the audit log never saw taken in")
    for (exhibit_id, version), digest in sorted(logged.items()):
        if digest is not None and chat_store.messages_sha256(case, exhibit_id, version) != digest:
            yield Finding(f"exhibit {exhibit_id}", "its chat messages in the store differ from those taken in "
                                                   "(text, sender, time or attachment changed, added or removed)")


def interview_details(case: Case, notes: list[Finding], only: int | None = None) -> Iterator[Finding]:
    """The details every record of interview prints, against the changes the log recorded; who changed
    them last (the entry's actor) and when (logged since session 13). `only`: that exhibit's alone."""
    logged: dict[int, dict] = {}
    last: dict[int, AuditEntry] = {}
    for entry in case.audit.entries("exhibit/") if only is None else case.audit.entries_about(f"exhibit/{only}"):
        if entry.action == "interview.updated":
            fields = logged.setdefault(entry_number(entry.subject), interview.as_logged(InterviewDetails()))
            fields.update({name: change[1] for name, change in entry.details.get("changes", {}).items()})
            last[entry_number(entry.subject)] = entry
    stamps = {k: v for k, v in interview.stamps(case).items() if only in (None, k)}
    yield from _stamps(stamps, last, notes)
    exhibits = interview.exhibit_ids(case) | logged.keys()
    for exhibit_id in sorted(exhibits if only is None else exhibits & {only}):
        try:
            stored = interview.as_logged(interview.read_interview(case, exhibit_id))
        except StoreError:
            continue  # the exhibit is gone: said once, by the exhibits' check
        expected = logged.get(exhibit_id, interview.as_logged(InterviewDetails()))
        changed = [name for name, value in stored.items() if expected.get(name) != value]
        if changed:
            yield Finding(f"exhibit {exhibit_id}", "its record-of-interview details in the store differ from the "
                                                   f"audit log ({', '.join(changed)})")


def _stamps(stored: dict[int, tuple[str, str]], last: dict[int, AuditEntry], notes: list[Finding]) -> Iterator[Finding]:
    for exhibit_id, (updated_at, updated_by) in sorted(stored.items()):
        entry = last.get(exhibit_id)
        if entry is None:
            yield Finding(f"exhibit {exhibit_id}", "record-of-interview details in the store that the audit log never "
                                                   "saw set")
            continue
        changed = [name for name, now, then in (("updated_by", updated_by, entry.signed_by),
                                                ("updated_at", updated_at, entry.details.get("updated_at", updated_at)))
                   if now != then]
        if changed:
            yield Finding(f"exhibit {exhibit_id}", "who last changed its record-of-interview details, or when, differs "
                                                   f"in the store from the audit log ({', '.join(changed)})")
        elif "updated_at" not in entry.details:
            notes.append(Finding(f"exhibit {exhibit_id}", "when its record-of-interview details were last changed is "
                                                          "not recorded in the audit log (before session 13): not checked"))
