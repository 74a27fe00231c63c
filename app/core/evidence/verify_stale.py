"""Exports older than the case's text: `verify` said nothing of an export made before a later edit, so a
record printed from it passed for the proofread one. Each logged export set (its manifest) whose run's text
has changed since it was written is a note (never a finding: the export is still what it was):
"the case's text has changed since this export".

The text in force at each moment is the content digest the log last recorded for the run (`run.complete`,
then each `transcript.*` revision, undo and redo included); an edit undone back to the exported text is no
change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.core.evidence.export_set import MANIFEST_SUFFIX
from app.core.evidence.finding import Finding
from app.core.store import Case
from app.core.store.audit import AuditEntry


@dataclass(frozen=True)
class _Exported:
    entry: int
    digest: str | None  # the run's text when the set was written


def stale_exports(case: Case) -> Iterator[Finding]:
    subjects = {e.subject for e in case.audit.entries_of("export.written") if _is_manifest(e)}
    for subject in sorted(subjects):
        yield from _stale_in(subject, case.audit.entries_about(subject))


def _is_manifest(entry: AuditEntry) -> bool:
    return str(entry.details.get("file", "")).endswith(MANIFEST_SUFFIX)


def _stale_in(subject: str, entries: list[AuditEntry]) -> Iterator[Finding]:
    digest: str | None = None
    exported: dict[str, _Exported] = {}  # a later export to the same path replaces it
    changes: list[AuditEntry] = []  # entries that changed the text, in order
    for entry in entries:
        if entry.action == "export.written" and _is_manifest(entry):
            exported[str(entry.details["file"])] = _Exported(entry.id, digest)
        elif (entry.action == "run.complete" or entry.action.startswith("transcript.")) and isinstance(
                entry.details.get("content_sha256"), str):
            if digest is not None and entry.details["content_sha256"] != digest:
                changes.append(entry)
            digest = entry.details["content_sha256"]
    for path, made in sorted(exported.items()):
        if made.digest is None or made.digest == digest:
            continue
        first = next((c for c in changes if c.id > made.entry), None)
        since = f" (first changed at audit entry {first.id}, {first.at[:16].replace('T', ' ')} UTC by {first.signed_by})" \
            if first is not None else ""
        yield Finding(path, f"the case's text has changed since this export{since}: it is not the current "
                            f"transcript of {subject.replace('/', ' ')}; export it again for the text as it stands")
