"""Exports older than the case's text: `verify` said nothing of an export made before a later edit, so a
record printed from it passed for the proofread one. Each logged export set (its manifest) whose run's text
has changed since it was written is a note (never a finding: the export is still what it was):
"the case's text has changed since this export".

The text in force at each moment is the content digest the log last recorded for the run (`run.complete`,
then each `transcript.*` revision, undo and redo included); an edit undone back to the exported text is no
change.

A manifest's note of a corrected transcript set aside (`set_aside`: a newer draft, or its translation, shown in
its place) is compared with what the case says now: the corrections undone, the draft signed off or corrected
since, it is a note too ("its note of a transcript set aside no longer holds"). Read from the manifest where it
was written, when it is still the file logged there (moved, changed or gone: `export_findings` says so). A chat
timeline's JSON likewise, for each recording whose transcript it gives (its attachment's `review`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.core.editing.proofread import set_aside
from app.core.evidence.export_set import MANIFEST_SUFFIX
from app.core.evidence.finding import Finding
from app.core.files import read_regular_text
from app.core.store import Case
from app.core.store.audit import AuditEntry

TIMELINE_JSON = ".timeline.json"
SET_ASIDE_END = ", set aside"  # the end of every `Proofread.draft_note`


@dataclass(frozen=True)
class _Exported:
    entry: int
    digest: str | None  # the run's text when the set was written


def stale_exports(case: Case) -> Iterator[Finding]:
    written = [e for e in case.audit.entries_of("export.written") if _is_manifest(e)]
    stale = [note for subject in sorted({e.subject for e in written})
             for note in _stale_in(subject, case.audit.entries_about(subject))]
    yield from stale
    yield from _stale_notes(case, written, {note.subject for note in stale})
    yield from _stale_timeline_notes(case)


def _stale_notes(case: Case, written: list[AuditEntry], said: set[str]) -> Iterator[Finding]:
    """Each manifest, as last written at its path, whose note of a transcript set aside is not the case's now
    (one whose text is no longer the case's is said once, as that: `said`)."""
    runs = set(case.run_ids())
    last = {str(e.details["file"]): e for e in written if str(e.details["file"]) not in said}
    for path, entry in sorted(last.items()):
        run_id = int(entry.subject.removeprefix("run/")) if entry.subject.removeprefix("run/").isdigit() else None
        noted = _noted(path, str(entry.details.get("sha256", "")))
        if run_id not in runs or noted is None:
            continue
        if (problem := _no_longer_holds(case, run_id, noted)) is not None:
            yield Finding(path, f"{problem}; export it again for the record as it stands")


def _stale_timeline_notes(case: Case) -> Iterator[Finding]:
    """Each chat timeline's JSON, as last written at its path, one of whose recordings' notes of a transcript set
    aside (its attachment's `review`) is not the case's now."""
    written = {str(e.details["file"]): e for e in case.audit.entries_of("export.timeline_written")
               if str(e.details.get("file", "")).endswith(TIMELINE_JSON)}
    runs = set(case.run_ids())
    for path, entry in sorted(written.items()):
        for name, run_id, review in _timeline_reviews(path, str(entry.details.get("sha256", ""))):
            noted = review if review.endswith(SET_ASIDE_END) else ""  # else its review state: "proofread", …
            if run_id in runs and (problem := _no_longer_holds(case, run_id, noted)) is not None:
                yield Finding(path, f"{name}: {problem}; write the timeline again for the record as it stands")


def _no_longer_holds(case: Case, run_id: int, noted: str) -> str | None:
    """How an exported note of a transcript set aside (`noted`, "" for none) differs from the case's now for run
    `run_id`; None when it holds."""
    aside = set_aside(case, case.run(run_id).exhibit_id, run_id)
    now = aside.draft_note() if aside is not None else ""
    if noted in (now, now.removeprefix("a ")):  # session 31 wrote "machine draft, newer than …", no article
        return None
    then = f'its note "{noted}" no longer holds' if noted else "it says nothing of a transcript set aside"
    return f"{then}: {f'run {run_id} is now {now}' if now else 'no transcript is set aside now'}"


def _logged_json(path: str, logged_sha256: str) -> Any:
    """The file's JSON; None when it is not the file logged there (or unreadable, or not JSON)."""
    try:
        text = read_regular_text(path)
    except (OSError, ValueError):
        return None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != logged_sha256:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _noted(path: str, logged_sha256: str) -> str | None:
    """The manifest's `set_aside` ("" without one); None when it is not the file logged there (or unreadable)."""
    manifest = _logged_json(path, logged_sha256)
    note = manifest.get("set_aside", "") if isinstance(manifest, dict) else None
    return note if isinstance(note, str) else None


def _timeline_reviews(path: str, logged_sha256: str) -> Iterator[tuple[str, int, str]]:
    """(attachment name, transcript run, review) of each transcribed recording in a timeline JSON that is the
    file logged there."""
    timeline = _logged_json(path, logged_sha256)
    messages = timeline.get("messages") if isinstance(timeline, dict) else None
    for message in messages if isinstance(messages, list) else ():
        attachment = message.get("attachment") if isinstance(message, dict) else None
        if isinstance(attachment, dict) and type(attachment.get("run_id")) is int \
                and isinstance(attachment.get("review"), str):
            yield str(attachment.get("name", "")), attachment["run_id"], attachment["review"]


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
