"""`verify`, records beside the transcripts: what intake met, and the chats taken in.

- every `intake_log` row (path, status, reason, SHA-256, size, exhibit) against the
  intake.* entry written with it; a row the log never saw, or one gone, is a finding;
- every chat import against the digest of its chats, messages and attachments logged
  with `chat.imported` (imports logged before session 10 carry none and are not checked).
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case
from app.core.store import chats as chat_store
from app.core.store.intake_log import intake_entries


def intake_record(case: Case) -> Iterator[Finding]:
    logged = {entry_number(e.subject): e for e in case.audit.entries("intake/") if e.action.startswith("intake.")}
    stored = {e.id: e for e in intake_entries(case)}
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
               "exhibit_id": row.exhibit_id}
        changed = [key for key, value in now.items() if key in entry.details and entry.details[key] != value]
        if entry.action != f"intake.{row.status}":
            changed.insert(0, "status")
        if changed:
            yield Finding(f"intake {entry_id}", f"{row.path}: its record in the store differs from the audit log "
                                                f"({', '.join(changed)})")


def chat_imports(case: Case) -> Iterator[Finding]:
    logged: dict[tuple[int, int], str | None] = {}
    for entry in case.audit.entries("exhibit/"):
        if entry.action == "chat.imported":
            key = (entry_number(entry.subject), int(entry.details.get("parser_version", 0)))
            logged[key] = entry.details.get("messages_sha256")
    stored = chat_store.imports(case)
    for exhibit_id, version in sorted(stored - logged.keys()):
        yield Finding(f"exhibit {exhibit_id}", "chats in the store that the audit log never saw taken in")
    for (exhibit_id, version), digest in sorted(logged.items()):
        if digest is not None and chat_store.messages_sha256(case, exhibit_id, version) != digest:
            yield Finding(f"exhibit {exhibit_id}", "its chat messages in the store differ from those taken in "
                                                   "(text, sender, time or attachment changed, added or removed)")
