"""`verify`, proofreading: each run's working copy and revisions against the log's transcript.* entries.

A run the log never saw edited must have neither a working copy nor a revision; an edited
one must hold the text its last logged revision left, revision by revision the rows the
log recorded (who, what, the row's SHA-256 and, where logged, its id), and the status its
last revision left.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.editing.operations import current_segments, has_working_copy
from app.core.evidence.content import content_sha256, scores_sha256
from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case, revisions, working_copy
from app.core.store.audit import AuditEntry


def working_copies(case: Case, gone: set[int], notes: list[Finding]) -> Iterator[Finding]:
    """Every run with a working copy, revisions or logged edits (runs `gone` from the store are reported
    elsewhere); what the log does not hold of an older case is said in `notes`."""
    logged: dict[int, list[AuditEntry]] = {}
    for entry in case.audit.entries("run/"):
        if entry.action.startswith("transcript."):
            logged.setdefault(entry_number(entry.subject), []).append(entry)
    edited = revisions.run_ids(case) | working_copy.run_ids(case)
    for run_id in sorted((edited | logged.keys()) - gone):
        if run_id not in logged:
            yield Finding(f"run {run_id}", "edits or a working copy in the store, but the audit log never saw "
                                           "it edited")
        else:
            yield from edited_run(case, run_id, logged[run_id], notes)


def edited_run(case: Case, run_id: int, entries: list[AuditEntry], notes: list[Finding]) -> Iterator[Finding]:
    subject = f"run {run_id}"
    if not has_working_copy(case, run_id):
        yield Finding(subject, "the edited transcript is gone from the store (the audit log records its edits)")
        return
    yield from _made(case, run_id, [e for e in entries if e.action == "transcript.working_copy"], notes)
    digest, scores, now = (entries[-1].details.get("content_sha256"), entries[-1].details.get("scores_sha256"),
                           current_segments(case, run_id))
    if digest is None and not _digest_expected(case, entries):
        notes.append(Finding(subject, DIGEST_NOT_RECORDED))
    elif digest is None or content_sha256(now) != digest:
        yield Finding(subject, "the edited transcript differs from its recorded revision history")
    elif scores is not None and scores_sha256(now) != scores:  # logged since session 12
        yield Finding(subject, "the edited transcript's segment scores (avg_logprob, no_speech_prob, as the JSON "
                               "export prints them) differ from its recorded revision history")
    history = revisions.for_run(case, run_id)
    problem = _history_problem([e for e in entries if e.action != "transcript.working_copy"], history)
    if problem:
        yield Finding(subject, f"its proofreading history in the store differs from the audit log ({problem})")
    elif history:
        yield from _verification(case, run_id, history[-1])


DIGEST_NOT_RECORDED = ("the edited transcript's digest is not recorded in the audit log (edited before revisions "
                       "logged it): its text is not checked")


def _digest_expected(case: Case, entries: list[AuditEntry]) -> bool:
    """Whether the last revision logged should hold the transcript's digest: any revision of the run does, or an
    entry before it (the Parley that logged it logged digests), so one missing was taken out of the log."""
    if any("content_sha256" in e.details for e in entries):
        return True
    return case.audit.digests_logged_before(entries[-1].id)


def _made(case: Case, run_id: int, entries: list[AuditEntry], notes: list[Finding]) -> Iterator[Finding]:
    """Who made the working copy, and when, against the entry logged as it was made (its time since session 12)."""
    made = working_copy.made(case, run_id)
    if made is None:
        return
    logged = entries[-1] if entries else None
    if logged is None or "created_at" not in logged.details:
        what = "who made its working copy, and when," if logged is None else "when its working copy was made"
        notes.append(Finding(f"run {run_id}", f"{what} is not recorded in the audit log (an older case): "
                                              "not checked"))
    changed = [] if logged is None else [
        name for name, now, then in (("created_at", made[0], logged.details.get("created_at", made[0])),
                                     ("created_by", made[1], logged.signed_by)) if now != then]
    if changed:
        yield Finding(f"run {run_id}", f"its working copy's record in the store differs from the audit log "
                                       f"({', '.join(changed)})")


def _logged_id(entry: AuditEntry) -> int | None:
    """The revision id an entry logged; None where unknown (an undo or redo logged before
    session 10 named the revision undone there, the same id as `reverts`)."""
    rev_id = entry.details.get("revision")
    if entry.action in ("transcript.undo", "transcript.redo") and rev_id == entry.details.get("reverts"):
        return None
    return rev_id if isinstance(rev_id, int) else None


def _history_problem(entries: list[AuditEntry], history: list[revisions.Revision]) -> str | None:
    """Revision by revision: who did what, the row's id, and (since session 9) the whole row's SHA-256."""
    for entry, rev in zip(entries, history):
        sha, rev_id = entry.details.get("revision_sha256"), _logged_id(entry)
        if ((entry.action, entry.signed_by) != (f"transcript.{rev.op}", rev.actor)
                or sha not in (None, revisions.digest(rev)) or rev_id not in (None, rev.id)):
            return f"revision {rev.id} changed"
    if len(entries) != len(history):
        return f"{len(entries)} revision(s) logged, {len(history)} in the store"
    return None


def _verification(case: Case, run_id: int, last: revisions.Revision) -> Iterator[Finding]:
    """The verified mark must be the one the last (checked) revision left."""
    now = working_copy.status(case, run_id)
    expected = (last.after.get("status"), last.after.get("verified_by"))
    if now is not None and tuple(now) != expected:
        said, left = (f"verified by {who}" if state == "verified" else f"{state}, verified_by {who}" if who else state
                      for state, who in (now, expected))
        yield Finding(f"run {run_id}", f"its status in the store ({said}) is not the one its revision history "
                                       f"left ({left}); verified marks are made only by a logged revision")
    elif "verified_at" in last.after and working_copy.verified_time(case, run_id) != last.after["verified_at"]:
        # since session 11; an unverified copy holds none (every change of status writes it)
        yield Finding(f"run {run_id}", f"the time of its verified mark in the store "
                                       f"({working_copy.verified_time(case, run_id)}) is not the one its revision "
                                       f"recorded ({last.after['verified_at']})")
