"""`verify`: everything a defence expert could check, checked; one finding per problem.

- the audit chain, end to end, and its head against the copy kept beside the store;
- every original, re-hashed (a missing original is a finding);
- every export the log lists, re-hashed (missing or changed is a finding; a moved folder can be
  named), the audit head each export manifest carries, against the chain, and what was added
  to an export set or is left of exports the log no longer lists (`verify_exports`);
- every finished machine draft against the content digest recorded when it finished, and
  its provenance (exhibit, model and its hash, settings, language, warnings) against what the
  log recorded when it started and finished; a finished run the log never saw finish is a finding;
- every working copy and revision against the log (`verify_edits`), what intake met,
  the chats taken in and the record-of-interview details (`verify_records`);
- a run's rows chunk by chunk as they were written, before it finishes too (`verify_chunks`);
- the queue's jobs and the case's settings against the log (`verify_queue`); the store's schema, rows
  of nothing and the word indexes' settings (`verify_index.store_findings`);
- exports older than the case's text (an edit since): notes (`verify_stale`);
- the models the runs used, against those installed now: notes, not findings, unless asked (`verify --models`,
  `verify_models`);
- a run or exhibit the log saw, gone from the store, is one finding each.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from app.core.errors import StoreError
from app.core.evidence.content import content_sha256, scores_sha256, state_sha256
from app.core.evidence.finding import UNREADABLE, Finding, entry_number, guarded
from app.core.evidence.head import (
    AuditHead,
    folders_seen_beginning,
    read_folder_head,
    read_head_file,
    read_seen_head,
    seen_head_file_apart,
)
from app.core.evidence.resume_check import resume_findings
from app.core.evidence.verify_chunks import chunk_findings
from app.core.evidence.verify_edits import edited_run, working_copies
from app.core.evidence.verify_exhibits import exhibit_records
from app.core.evidence.verify_exports import export_findings, unfinished_exports
from app.core.evidence.verify_index import search_index_findings, store_findings
from app.core.evidence.verify_models import model_notes
from app.core.evidence.verify_originals import original_findings
from app.core.evidence.verify_queue import job_findings, settings_findings
from app.core.evidence.verify_records import chat_imports, intake_record, interview_details
from app.core.evidence.verify_speakers import (
    dismissals,
    run_voiceprints,
    segment_voiceprints,
    voice_profiles,
)
from app.core.evidence.verify_stale import stale_exports
from app.core.evidence.verify_store import read_text_leniently, store_damage, unreadable_text
from app.core.evidence.verify_times import log_time_findings, record_time_findings
from app.core.evidence.verify_words import word_score_findings
from app.core.store import Case
from app.core.store.case import software_dict

__all__ = ["Finding", "VerifyReport", "record_findings", "text_findings", "verify_case"]

T = TypeVar("T")


@dataclass(frozen=True)
class VerifyReport:
    findings: tuple[Finding, ...]
    originals: int  # the files re-hashed: every path an exhibit was found at (a copy under another name too)
    exports: int
    runs: int
    notes: tuple[Finding, ...] = ()  # said, never failing the case: a model changed since its runs (verify_models)
    exhibits: int = 0  # fewer than `originals` where copies under other names were met (one exhibit each content)


def _at_one_moment(case: Case, check: Callable[[], Iterable[Finding]]) -> list[Finding]:
    """The check's findings from one read of the store: a worker storing chunks meanwhile (a run's rows,
    its state and the entry logging them, committed together) gave a new state beside an old entry."""
    with case.snapshot():
        return list(check())


def verify_case(case: Case, exports_moved_to: Sequence[Path] = (), noted_heads: Sequence[str] = (),
                sources_moved_to: Sequence[Path] = (), models_required: bool = False) -> VerifyReport:
    """Everything checkable; `exports_moved_to`: folders the exports were moved to (found there by name);
    `sources_moved_to`: folders the originals were moved or copied to (found there by their path's tail);
    `noted_heads`: audit heads noted down from earlier verifies (`noted_head`), each must still be in the chain;
    `models_required` (`verify --models`): a model a run used, changed or gone since, is a finding, not a note."""
    decoder = read_text_leniently(case.conn)
    found = case.as_found
    findings = [*(Finding("case store", problem) for problem in (found.problems if found else ())),
                *store_damage(case), *guarded("audit log", lambda: _chain(case)),
                *guarded("audit log", lambda: _noted_heads(case, noted_heads)),
                *guarded("audit log", lambda: log_time_findings(case)),
                *guarded("runs", lambda: record_time_findings(case)),
                *guarded("exhibits", lambda: original_findings(case, sources_moved_to))]
    exports = _read(findings, "exports", lambda: _export_entries(case), {})
    findings += guarded("exports", lambda: export_findings(case, exports, exports_moved_to, unfinished_exports(case)))
    runs = _read(findings, "runs", lambda: _finished_runs(case), {})
    gone = _read(findings, "runs", lambda: set(runs) - set(case.run_ids()), set())
    findings += [Finding(f"run {run_id}", "in the audit log, but gone from the store") for run_id in sorted(gone)]
    notes = [Finding("case store", note) for note in (found.notes if found else ())]
    notes += guarded("exports", lambda: stale_exports(case))  # a note: the export is still what it was
    notes += guarded("audit log", lambda: copies_worked_apart(case))
    findings += [f for run_id, finish in runs.items() if run_id not in gone
                 for f in guarded(f"run {run_id}", lambda r=run_id, f=finish: _machine_draft(case, r, f, notes))]
    findings += guarded("runs", lambda: _run_provenance(case, set(runs) - gone))
    drafted = {int(f.subject[4:]) for f in findings
               if f.subject.startswith("run ") and f.subject[4:].isdigit() and "machine draft" in f.problem}
    findings += guarded("runs", lambda: _at_one_moment(case, lambda: chunk_findings(case, drafted)))
    findings += guarded("runs", lambda: _at_one_moment(case, lambda: resume_findings(case)))
    checks: dict[str, Callable[[], Iterable[Finding]]] = {
        "exhibits": lambda: exhibit_records(case, notes),
        "working copies": lambda: working_copies(case, gone, notes),
        "intake record": lambda: intake_record(case, notes),
        "chats": lambda: chat_imports(case, notes),
        "records of interview": lambda: interview_details(case, notes),
        "voice profiles": lambda: voice_profiles(case, notes),
        "voiceprints": lambda: [*run_voiceprints(case, notes), *segment_voiceprints(case, notes)],
        "dismissed suggestions": lambda: dismissals(case, notes),
        "search index": lambda: search_index_findings(case, notes),
        "word scores": lambda: word_score_findings(case),
        "queue": lambda: job_findings(case),
        "settings": lambda: settings_findings(case),
        "case store": lambda: store_findings(case),
    }
    findings += [f for subject, check in checks.items() for f in guarded(subject, check)]
    notes += [Finding(f"run {run_id}", _SCORES_NOT_RECORDED) for run_id, finish in sorted(runs.items())
              if run_id not in gone and "content_sha256" in finish and "scores_sha256" not in finish]
    paths = _read(findings, "exhibits", lambda: [len(e.paths) for e in case.exhibits()], [])
    said_of_models = guarded("models", lambda: model_notes(case, case.run_ids("complete")))
    if models_required:
        findings += said_of_models
    else:
        notes += said_of_models
    findings += unreadable_text(case, decoder)
    return VerifyReport(tuple(dict.fromkeys(findings)), sum(paths), len(exports), len(runs), tuple(_merged(notes)),
                        len(paths))


def _read(findings: list[Finding], subject: str, read: Callable[[], T], empty: T) -> T:
    """What `read` returns from the store; `empty`, and a finding, when it cannot be read there."""
    value = [empty]

    def check() -> tuple[()]:
        value[0] = read()
        return ()

    findings += guarded(subject, check)
    return value[0]


_SCORES_NOT_RECORDED = ("its segment scores (avg_logprob, no_speech_prob) are not recorded in the audit log "
                        "(finished before session 12): not checked")


def _merged(notes: list[Finding]) -> list[Finding]:
    """One note for the runs an older case says the same of ("runs 1, 2, 5: ...")."""
    runs: dict[str, list[str]] = {}
    for note in notes:
        if note.subject.startswith("run ") and note.subject[4:].isdigit():
            runs.setdefault(note.problem, []).append(note.subject[4:])
    out, said = [], set()
    for note in notes:
        numbers = runs.get(note.problem) if note.subject.startswith("run ") else None
        if numbers is None or len(numbers) == 1:
            out.append(note)
        elif note.problem not in said:
            said.add(note.problem)
            out.append(Finding(f"runs {', '.join(numbers)}", note.problem))
    return out


def _chain(case: Case) -> Iterator[Finding]:
    for problem in case.audit.verify():
        yield Finding("audit log", problem)
    beside = list(_head_file(case))
    yield from beside or _seen_here(case)


def _seen_here(case: Case) -> Iterator[Finding]:
    """The head this account last saw for this case (the user's data folder): a case folder put back
    whole to an older copy, head file and all, at the same place."""
    first = case.audit.hash_of(1)
    for place in case.places():  # the folder, and the path named when a symlink there leads elsewhere
        at = "" if place == case.folder else f" at {place} (a symlink to {case.folder})"
        seen = read_seen_head(place, first) if first else None
        if seen is not None and case.audit.hash_of(seen.entry_id) != seen.hash:
            yield Finding("audit log", f"this account last saw this case's log{at} at entry {seen.entry_id} "
                                       f"({seen.hash[:16]}...), which its chain no longer holds as it was: the case "
                                       "folder was put back to an older copy (a backup restored?), or its log cut "
                                       "short or rewritten, since")
        kept = read_folder_head(place) if first else None
        if kept is not None and kept.first != first and case.audit.holds_marks_of(kept):
            yield Finding("audit log", f"this account last saw this case's log in this folder{at} begin otherwise "
                                       f"(entry 1 {kept.first[:16]}..., seen up to entry {kept.head.entry_id}); its "
                                       f"entry 1 is now {first[:16]}...: the log was rewritten from its first entry "
                                       "and chained again")
        elif first and kept is not None and (copied := case.put_in_place_of(place, first, kept)) is not None:
            yield Finding("audit log", f"this account last saw another case's log in this folder{at} (entry 1 "
                                       f"{kept.first[:16]}..., up to entry {kept.head.entry_id}), of "
                                       f"{case.audit.shared_exhibits(kept)} of the exhibits this one holds; this "
                                       f"case's log begins {first[:16]}..., "
                                       + (f"a copy of the case at {copied}" if copied else
                                          "and this account never worked on it here or in any other folder")
                                       + ": the store (or the case folder) was replaced by another case's of the "
                                       "same evidence")


def copies_worked_apart(case: Case) -> Iterator[Finding]:
    """A note for each other folder where this account saw a case whose log begins as this one's and whose head
    file names an entry this log does not hold as it is: a copy of the case (or this one of it) worked on apart
    since. Each verified clean alone, two versions of the evidence's transcripts said nothing (session 30)."""
    first = case.audit.hash_of(1)
    for folder in (Path(f) for f in (folders_seen_beginning(first) if first else [])):
        head = read_head_file(folder) if folder not in case.places() and folder.is_dir() else None
        if head is not None and case.audit.hash_of(head.entry_id) != head.hash:
            yield Finding("audit log", f"the case at {folder} began with this case's log (one is a copy of the "
                                       f"other) and was worked on apart from it since (its head, entry "
                                       f"{head.entry_id}, is not in this log): two versions of this evidence's "
                                       "case; each one's exports name their own audit head")


def _head_file(case: Case) -> Iterator[Finding]:
    head, kept = case.audit.head(), read_head_file(case.folder)
    if kept is None:
        if head is not None:
            yield Finding("audit log", "the head file beside the store is missing or unreadable")
        return
    recorded = case.audit.hash_of(kept.entry_id)
    if recorded != kept.hash and _head_file_replaced(case, kept):
        yield Finding("audit log", f"the head file beside the store names entry {kept.entry_id} ({kept.hash[:16]}...), "
                                   "which this log holds at no entry, though the log is as this account last saw it "
                                   f"(entry {head.entry_id if head else 0}): the head file was replaced (another "
                                   "case's?), or the log was rewritten by another account since")
    elif recorded is None:
        end = head.entry_id if head else 0
        gone = f"entries {end + 1}-{kept.entry_id} are" if end + 1 < kept.entry_id else f"entry {kept.entry_id} is"
        wal = "" if case.wal_found else (
            "; or the store was copied without its case.sqlite-wal while Parley was writing to it (copy it too)")
        deleted = "" if case.wal_found else ("; or that case.sqlite-wal, which held them, was deleted (after Parley "
                                             "was stopped or killed: never delete it)")
        yield Finding("audit log", f"{gone} gone; the head file beside the store names {kept.entry_id} "
                                   f"(the log was cut short){wal}; or they were lost to {POWER_CUT}{deleted}")
    elif recorded != kept.hash:
        # a log cut short (below) and then written on by the next command reads the same: entry N is another
        yield Finding("audit log", f"entry {kept.entry_id} differs from the head file (the log was rewritten; or cut "
                                   f"short, its last entries lost to {POWER_CUT}, to a copy of the store made "
                                   "without its case.sqlite-wal or to that file deleted, and written on since)")


def _head_file_replaced(case: Case, kept: AuditHead) -> bool:
    """A head file whose hash this log holds nowhere, beside a log ending where this account last saw it end: the
    file, not the log, is what changed (a cut-short or rewritten log leaves this account's record past it, or
    other)."""
    head, first = case.audit.head(), case.audit.hash_of(1)
    seen = [read_seen_head(place, first) for place in case.places()] if first else []
    met = {seen_head_file_apart(place, first) for place in case.places()} if first else set()
    return (head is not None and head in seen and not case.audit.entries_with_hash(kept.hash)
            and kept.hash not in met)  # a head file this account first saw already apart: not put there since


# what besides tampering cuts a log short though every commit is synced: a disk that had said it wrote the -wal's
# last commits but held them in its cache when the power went (a USB stick, a drive's write cache)
POWER_CUT = "a power cut before the disk had written them (held in a drive's or USB stick's write cache)"


def record_findings(case: Case, run_id: int) -> list[Finding]:
    """What `reproduce` must know before it re-runs a run from its record: the run's record (exhibit,
    model, settings, state...) and its exhibit's (hash, size...) against the log. Re-running a forged
    record would show a forged transcript reproducible, or a true one not."""
    run = [f for f in _run_provenance(case, set(_finished_runs(case))) if f.subject == f"run {run_id}"]
    try:
        exhibit = f"exhibit {case.run(run_id).exhibit_id}"
    except StoreError:
        return run
    return run + [f for f in exhibit_records(case, []) if f.subject == exhibit]


def text_findings(case: Case, run_id: int) -> list[Finding]:
    """What `export` must know before it prints a run's text as the machine's or the proofreader's: the text it
    would print (the working copy, else the machine draft) and its scores against the digests the log holds for
    them. A run whose log holds none (a case made before the digests were logged) has nothing to compare, as
    `verify` notes; one whose digest was taken out of a log that held them before is refused, as `verify` finds."""
    entries = case.audit.entries_about(f"run/{run_id}")
    edits = [e for e in entries if e.action.startswith("transcript.")]
    if edits:
        found = list(edited_run(case, run_id, edits, []))
        wanted = ("the edited transcript differs", "the edited transcript's segment scores")
    else:
        finish = next((e.details for e in reversed(entries) if e.action == "run.complete"), None)
        found = list(_machine_draft(case, run_id, finish)) if finish is not None else []
        wanted = ("the machine draft",)
    return [f for f in found if f.problem.startswith(wanted)]


def _noted_heads(case: Case, noted: Sequence[str]) -> Iterator[Finding]:
    """A head noted down earlier (kept off the machine) that the chain no longer holds: the whole case
    folder (store and head file) put back to an older copy, or the log rewritten since."""
    for head in noted:
        if not case.audit.entries_with_hash(head):
            yield Finding("audit log", f"the head noted earlier ({head[:16]}...) is not in this case's chain: the "
                                       "case was put back to an older copy, or its log rewritten, since it was noted")


def _export_entries(case: Case) -> dict[str, str]:
    """Each exported file's last recorded SHA-256 (a later export to the same path replaces it):
    transcripts' sets and chats' timelines alike."""
    logged = [e for e in case.audit.entries("run/") if e.action == "export.written"]
    logged += [e for e in case.audit.entries("exhibit/") if e.action == "export.timeline_written"]
    latest: dict[str, str] = {}
    for entry in sorted(logged, key=lambda e: e.id):
        if "file" in entry.details:
            latest[entry.details["file"]] = entry.details.get("sha256", "")
    return latest


def _finished_runs(case: Case) -> dict[int, dict]:
    """Each run the log saw finish: what its run.complete entry holds."""
    return {entry_number(e.subject): e.details for e in case.audit.entries("run/") if e.action == "run.complete"}


def _machine_draft(case: Case, run_id: int, finish: dict, notes: list[Finding] | None = None) -> Iterator[Finding]:
    """The machine draft against the digest its finish logged. None logged: a note for an older case's run (`notes`),
    a finding where the Parley that finished it logged digests (an entry before its finish holds one)."""
    digest = finish.get("content_sha256")
    if digest is None:
        if _draft_digest_expected(case, run_id):
            yield Finding(f"run {run_id}", "the machine draft's digest is missing from its finish in the audit log, "
                                           "though digests were logged before it (taken out): cannot be checked")
        elif notes is not None:
            notes.append(Finding(f"run {run_id}", DRAFT_DIGEST_NOT_RECORDED))
        return
    segments = case.segments(run_id)
    if content_sha256(segments) != digest:
        yield Finding(f"run {run_id}", "the machine draft in the store differs from what was produced")
    elif finish.get("scores_sha256") not in (None, scores_sha256(segments)):  # logged since session 12
        yield Finding(f"run {run_id}", "the machine draft's segment scores in the store (avg_logprob, "
                                       "no_speech_prob, as the JSON export prints them) differ from what was produced")


DRAFT_DIGEST_NOT_RECORDED = ("its machine draft's digest is not recorded in the audit log (finished before digests "
                             "were logged): its text is not checked")


def _draft_digest_expected(case: Case, run_id: int) -> bool:
    finished = case.audit.entries_of("run.complete", f"run/{run_id}")
    return bool(finished) and case.audit.digests_logged_before(finished[-1].id)


def _run_provenance(case: Case, finished: set[int]) -> Iterator[Finding]:
    """Each complete run's row against its run.started and run.complete entries."""
    started: dict[int, dict] = {}
    completed: dict[int, dict] = {}
    for entry in case.audit.entries("run/"):
        if entry.action in ("run.started", "run.complete"):
            target = started if entry.action == "run.started" else completed
            target[entry_number(entry.subject)] = entry.details
    complete = set(case.run_ids("complete"))
    for run_id in sorted(finished - complete):
        yield Finding(f"run {run_id}", "the audit log saw it finish, but its status in the store is not complete")
    for run_id in sorted(complete):
        if run_id not in finished:
            yield Finding(f"run {run_id}", "marked complete in the store, but the audit log never saw it finish")
            continue
        try:
            changed = _changed_provenance(case, run_id, started.get(run_id), completed.get(run_id, {}))
        except UNREADABLE as exc:
            changed = [f"unreadable: {type(exc).__name__}: {exc}"]
        if changed:
            yield Finding(f"run {run_id}", f"its record in the store differs from the audit log ({', '.join(changed)})")


def _changed_provenance(case: Case, run_id: int, started: dict | None, completed: dict) -> list[str]:
    if started is None:
        return ["no run.started entry"]
    transcript, record = case.transcript(run_id), case.run(run_id)
    model = transcript.model
    stored = {"exhibit": record.exhibit_id, "task": transcript.task, "model": model.name,
              "model_sha256": model.sha256, "settings": transcript.settings,
              "language": transcript.language, "warnings": list(transcript.warnings),
              "software": software_dict(transcript.software),
              # logged since session 11 (compared only where the log holds them): what exports print too
              "created_at": record.created_at, "model_path": model.path, "model_family": model.family,
              "source_language": transcript.source_language, "parent_run": record.parent_run_id,
              "language_probability": record.language_probability, "finished_at": record.finished_at}
    logged = {**started, **{k: completed[k] for k in _LOGGED_AT_THE_FINISH if k in completed}}
    changed = [key for key, value in stored.items() if key in logged and _jsonish(logged[key]) != _jsonish(value)]
    if "state_sha256" in completed and state_sha256(record.state) != completed["state_sha256"]:  # since session 12
        changed.append("state")  # what `reproduce` reads: the files it was decoded with
    if completed.get("truncated") and not transcript.source.truncated:
        changed.append("truncated")
    elif "finished_at" in completed and bool(completed.get("truncated")) != record.truncated:
        changed.append("truncated")  # marked truncated (so every export says so) since it finished
    return changed


_LOGGED_AT_THE_FINISH = ("language", "warnings", "language_probability", "finished_at")


def _jsonish(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)

