"""A stopped run's resume state against the log (since session 27).

A run killed part-way resumes from its stored state: how far each track was decoded (`done_ms`, moved on by
silence markers too, with no words stored), where its audio is read from again (`anchor_ms`), its languages.
Nothing logged it before it finished, so the state set forward made the resume skip speech, and the rest was
sealed as the machine's transcript with a log that agreed; set back, speech was decoded twice. Each chunk
stored now logs the state's digest (`run.appended`, `run.advanced`): `verify` names a difference, and a run
whose state differs is never resumed (set aside, with the reason; a new run decodes the recording whole).
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.evidence.content import RESUME_LOGGED, resume_sha256
from app.core.evidence.finding import Finding
from app.core.store import Case

_AS_STARTED = resume_sha256({}, None, None)  # a run started, no chunk stored yet
RESUME_CHANGED = ("its resume state differs from the one logged with its last stored chunk (changed outside "
                  "Parley): not resumed; the recording is decoded again in a new run")


def set_aside_note(case: Case, run_id: int | None) -> str:
    """One line when run `run_id` was started in place of a run set aside because its resume state changed
    (the operator told, and the new run's record), else ""."""
    started = case.audit.entries_of("run.started", f"run/{run_id}") if run_id is not None else []
    replaced = started[0].details.get("replaces_run") if started else None
    if replaced is None:
        return ""
    return (f"run {replaced} of this file was set aside: its resume state was changed outside Parley "
            "(python -m app verify says which); this run decoded the recording whole")


def resume_differs(case: Case, run_id: int) -> bool:
    """True when the run logged its resume state (a run started since session 27) and its stored state is
    not the one last logged."""
    subject = f"run/{run_id}"
    started = case.audit.entries_of("run.started", subject)
    if not started or not started[0].details.get(RESUME_LOGGED):
        return False
    last = case.audit.last_holding(subject, "run.*", "resume_sha256")
    expected = last.details["resume_sha256"] if last is not None else _AS_STARTED
    record = case.run(run_id)
    return resume_sha256(record.state, record.language, record.language_probability) != expected


def resume_findings(case: Case) -> Iterator[Finding]:
    """Each run not finished whose resume state differs from the log (a finished run's is held to its
    finishing entry's `state_sha256`)."""
    for run_id in case.run_ids("running"):
        if resume_differs(case, run_id):
            yield Finding(f"run {run_id}", "its resume state (how far it was decoded, from where, in what "
                          "language) differs from the one logged with its last stored chunk: resumed, it would "
                          "skip or decode again part of the recording")
