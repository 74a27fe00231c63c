"""What an export must know before it writes: that what it prints is what the audit log vouches for.

An export prints the text with its status (verified by whom, when), the run's record (model,
settings, language...), the exhibit's (name, SHA-256, size, length) and the record-of-interview
details, and its manifest vouches for all of it. Each is checked here against the log, as `verify`
checks it, for the run (or the chat's timeline) being written alone; and the log itself must be
intact, or its digests vouch for nothing: an entry edited to name forged text's digest (the chain
broken there), or the chain recomputed after it, which the manifests of this run's earlier exports
show (each names an audit entry the log no longer holds as it was). A log chained again with no
export of the run after the edit is left to `verify` (the head kept by this account, `--head`).

The chain is walked once per case opened, then from the last entry found intact on (an export
of every run of a case does not walk it once per run).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakKeyDictionary

from app.core.evidence.export_set import MANIFEST_SUFFIX
from app.core.evidence.finding import UNREADABLE, Finding, entry_number, guarded
from app.core.evidence.head import AuditHead, read_folder_head
from app.core.evidence.verify import _changed_provenance, text_findings
from app.core.evidence.verify_edits import edited_run
from app.core.evidence.verify_exhibits import exhibit_records
from app.core.evidence.verify_records import interview_details
from app.core.files import SMALL_FILE_LIMIT, read_regular_text
from app.core.hashing import sha256_file
from app.core.store import Case
from app.core.store import chats as chat_store
from app.core.store.audit import AuditLog
from app.core.store.db import DatabaseError


def run_refusals(case: Case, run_id: int) -> list[Finding]:
    """Why the run must not be exported as it stands (empty: it may be). Read at one moment: a run the worker
    finished between two reads was seen finished in the log, not in the store, and the export refused."""
    with case.snapshot():
        return _run_refusals(case, run_id)


def _run_refusals(case: Case, run_id: int) -> list[Finding]:
    found = chain_problems(case)
    if found:
        return found
    found = guarded(f"run {run_id}", lambda: text_findings(case, run_id))  # the text first: the gravest
    if found:
        return found
    exhibit = case.run(run_id).exhibit_id
    return [*guarded(f"run {run_id}", lambda: _proofreading(case, run_id)),
            *guarded(f"run {run_id}", lambda: _run_record(case, run_id)),
            *guarded(f"exhibit {exhibit}", lambda: exhibit_records(case, [], only=exhibit)),
            *guarded(f"exhibit {exhibit}", lambda: interview_details(case, [], only=exhibit)),
            *guarded(f"run {run_id}", lambda: _rewritten_since_exported(case, run_id)),
            *guarded(f"run {run_id}", lambda: _newer_run_hidden(case, run_id, exhibit)),
            *rewritten_log(case)]


def timeline_refusals(case: Case, exhibit_id: int, run_ids: Iterable[int] = ()) -> list[Finding]:
    """Why a chat export's timeline must not be written as it stands: the log broken, its messages
    changed since they were taken in, or its record; or a voice note's transcript it shows (`run_ids`)."""
    with case.snapshot():
        return _timeline_refusals(case, exhibit_id, run_ids)


def _timeline_refusals(case: Case, exhibit_id: int, run_ids: Iterable[int]) -> list[Finding]:
    found = chain_problems(case)
    if found:
        return found
    found = [*guarded(f"exhibit {exhibit_id}", lambda: _chat_messages(case, exhibit_id)),
             *guarded(f"exhibit {exhibit_id}", lambda: exhibit_records(case, [], only=exhibit_id)),
             *rewritten_log(case)]
    return found or next((refused for run_id in run_ids if (refused := run_refusals(case, run_id))), [])


def chain_problems(case: Case) -> list[Finding]:
    """The chain walked from the last entry found intact through this log (all of it the first time)."""
    log = case.audit
    after = log.intact_to
    try:
        if after is not None and log.hash_of(after.entry_id) != after.hash:
            after = None
        head = log.head()
        problems = log.verify(after)
    except (DatabaseError, *UNREADABLE) as exc:
        return [Finding("audit log", f"cannot be read ({type(exc).__name__}): the store is damaged or was edited "
                                     "outside Parley")]
    if problems:
        log.intact_to = None
        return [Finding("audit log", f"{problems[0]}: its digests vouch for nothing")]
    log.intact_to = head
    return []


def rewritten_log(case: Case) -> list[Finding]:
    """A log whose chain is intact but was chained again after an entry changed, shown by what the forger's
    recomputation did not reach: the head this account last saw, or any manifest the log lists."""
    return [*guarded("audit log", lambda: _chained_again(case)),
            *guarded("audit log", lambda: rewritten_since_any_export(case))][:1]


def _chained_again(case: Case) -> Iterator[Finding]:
    """The entry this account last saw as the case's head, in the log as that entry (its content, or its time:
    itself edited) but with another hash, or at another number (entries removed or added before it): the log was
    chained again since (what a forger's recomputation cannot reach: the account's own record). A log put back to
    an older copy and written on (no entry of that content or time), or cut short, is `verify`'s to say."""
    log = case.audit
    for place in case.places():
        kept = read_folder_head(place)
        if kept is None:
            continue
        number, seen = kept.head.entry_id, kept.head.hash
        if log.hash_of(number) == seen:
            continue  # as this account saw it (the common case: read no further)
        content, at = kept.marks.get(str(number)), kept.marks.get("at_head")
        for found in dict.fromkeys([number, *(log.ids_at(at) if at else [])]):
            held = log.hash_of(found)
            same = log.content_digest(found) == content or (found == number and bool(at) and log.time_of(found) == at)
            if held is None or not same:
                continue
            moved = "" if found == number else f", now as entry {found} (entries removed or added before it)"
            yield Finding("audit log", f"this account last saw this case's log at entry {number} ({seen[:16]}...)"
                                       f"{moved}; it holds that entry chained otherwise: an entry was changed and "
                                       "the log chained again since; its digests vouch for nothing")
            return


def _proofreading(case: Case, run_id: int) -> Iterator[Finding]:
    """The working copy's history and status (a verified mark no logged revision made prints "verified by")."""
    entries = [e for e in case.audit.entries_about(f"run/{run_id}") if e.action.startswith("transcript.")]
    if entries:
        yield from edited_run(case, run_id, entries, [])


def _run_record(case: Case, run_id: int) -> Iterator[Finding]:
    """The run's record (model, settings, language, times...) against its run.started and run.complete."""
    entries = case.audit.entries_about(f"run/{run_id}")
    started = next((e.details for e in entries if e.action == "run.started"), None)
    completed = next((e.details for e in reversed(entries) if e.action == "run.complete"), None)
    if completed is None:
        if case.run(run_id).status == "complete":
            yield Finding(f"run {run_id}", "marked complete in the store, but the audit log never saw it finish")
        return
    changed = _changed_provenance(case, run_id, started, completed)
    if changed:
        yield Finding(f"run {run_id}", f"its record in the store differs from the audit log ({', '.join(changed)})")


def _newer_run_hidden(case: Case, run_id: int, exhibit: int) -> Iterator[Finding]:
    """A newer run of the exhibit and task that the log saw finish must be in the store as one: one whose status,
    task or exhibit was changed there (or that was removed) was passed over, an older run exported in its place."""
    task = case.run(run_id).task
    stored = set(case.latest_runs(exhibit, task))
    for entry in case.audit.entries_of("run.started", exhibit=exhibit, task=task):  # was: every run's, per export
        other = entry_number(entry.subject)
        if other > run_id and other not in stored and case.audit.entries_of("run.complete", entry.subject):
            yield Finding(f"run {other}", f"the audit log saw it finish, a newer {task} of exhibit {exhibit} than run "
                                          f"{run_id}, but the store holds it otherwise (its status, task or exhibit "
                                          "changed, or removed): an older run would be exported in its place")
            return


def _rewritten_since_exported(case: Case, run_id: int) -> Iterator[Finding]:
    """Each manifest of this run the log lists as written, still as written, names an audit entry the
    chain holds as it was then: else the log was chained again since (its digests forged with it)."""
    latest: dict[str, str] = {}
    for entry in case.audit.entries_about(f"run/{run_id}"):
        file = entry.details.get("file")
        if entry.action == "export.written" and isinstance(file, str):
            latest[file] = str(entry.details.get("sha256", ""))
    for file, sha in latest.items():
        head = _manifest_head(Path(file), sha)
        if head is not None and case.audit.hash_of(head[0]) != head[1]:
            yield Finding(f"run {run_id}", f"its export {file} names audit entry {head[0]}, which the log no longer "
                                           "holds as it was: the log was rewritten since")


@dataclass
class _ManifestsRead:
    """What an open case's exports have read of its manifests: the last export entry read, each file's latest
    logged SHA-256, the manifests found naming an entry the chain held as it was, and an entry found intact then
    (all of them read again once it is not: the log rewritten before it)."""
    after: int = 0
    latest: dict[str, str] = field(default_factory=dict)
    agreeing: set[tuple[str, str]] = field(default_factory=set)
    anchor: AuditHead | None = None


_READ: WeakKeyDictionary[AuditLog, _ManifestsRead] = WeakKeyDictionary()


def rewritten_since_any_export(case: Case) -> Iterator[Finding]:
    """Every manifest the log lists as written (of any run), still as written, names an audit entry the chain
    holds as it was: a log chained again after an edit shows by any export made since it, not only by the
    edited run's own (a forger who recomputes the chain does not recompute manifests already written). Each
    manifest is read once per case opened, and again only when the log changed before the entry last found."""
    log = case.audit
    read = _READ.setdefault(log, _ManifestsRead())
    if read.anchor is not None and log.hash_of(read.anchor.entry_id) != read.anchor.hash:
        read.agreeing.clear()
    for entry in log.entries_after(read.after, "export.written", "export.timeline_written"):
        read.after = entry.id
        if isinstance(file := entry.details.get("file"), str) and file.endswith(MANIFEST_SUFFIX):
            read.latest[file] = str(entry.details.get("sha256", ""))
    read.anchor = log.head()
    for file, sha in read.latest.items():
        if (file, sha) in read.agreeing:
            continue
        head = _manifest_head(Path(file), sha)
        held = None if head is None else log.hash_of(head[0])
        if head is not None and held is not None and held != head[1]:  # gone (cut short, a power cut): verify's
            yield Finding("audit log", f"the export {file} names audit entry {head[0]}, which the log no longer holds "
                                       "as it was: the log was rewritten (chained again) since, and its digests "
                                       "vouch for nothing")
            return
        read.agreeing.add((file, sha))


def _manifest_head(path: Path, sha256: str) -> tuple[int, str] | None:
    """The audit head a manifest still as logged names (None: not a manifest, gone, changed or unreadable)."""
    if not path.name.endswith(MANIFEST_SUFFIX):
        return None
    try:
        if not path.is_file() or path.stat().st_size > SMALL_FILE_LIMIT or sha256_file(path) != sha256:
            return None
        head = json.loads(read_regular_text(path)).get("audit_head") or {}
        return int(head["entry"]), str(head["hash"])
    except (OSError, *UNREADABLE):
        return None


def _chat_messages(case: Case, exhibit_id: int) -> Iterator[Finding]:
    """The chat export's messages against the digest logged when they were taken in."""
    for entry in case.audit.entries_about(f"exhibit/{exhibit_id}"):
        if entry.action != "chat.imported":
            continue
        digest, version = entry.details.get("messages_sha256"), int(entry.details.get("parser_version", 0))
        if digest is not None and chat_store.messages_sha256(case, entry_number(entry.subject), version) != digest:
            yield Finding(f"exhibit {exhibit_id}", "its chat messages in the store differ from those taken in (text, "
                                                   "sender, time or attachment changed, added or removed)")
