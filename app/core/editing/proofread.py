"""A person's corrected transcript of a recording, and a newer draft that sets it aside.

The transcript shown for a recording (editor, `exhibits`, exports, a chat's timeline) is its newest
finished transcription. A later machine draft over an edited or verified one is made only when the user
asks for a new transcription (`transcribe` with other options, "Transcribe again"); the corrections stay
in the case, and wherever the draft is shown in their place it is said (`set_aside`): while it is a machine
draft, once someone edits it (not signed off, it does not stand in for the earlier corrections or
sign-off), and in a translation made from it (judged by the draft as it was when translated: its later edits or
sign-off are not in the translation).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.core.editing.changed_lines import correctors
from app.core.editing.operations import (
    STATUS_DRAFT,
    STATUS_EDITED,
    STATUS_VERIFIED,
    history,
    status,
)
from app.core.store import Case

TASK = "transcribe"


@dataclass(frozen=True)
class Proofread:
    """A transcription run a person corrected or verified: who, and which run; and what stands in front of it."""

    run_id: int
    verified: bool
    by: str  # who verified it, else everyone whose corrections stand, in order ("DC Jane Hollis, DS Bob Other")
    draft: str = "machine draft"  # the newer run shown in its place: "machine draft" or "edited draft"
    translated_from: int | None = None  # a translation shown: the newer draft it was made from

    def said(self) -> str:
        """"the corrections (run 1) by NAME, NAME", "the transcript (run 1) verified by NAME" (an unnamed editor is
        "computer account 'root' (no name was given)": no possessive on it)."""
        made = "transcript (run {0}) verified by" if self.verified else "corrections (run {0}) by"
        return f"the {made.format(self.run_id)} {self.by}"

    def draft_note(self) -> str:
        """The one sentence every view and export says of a draft (or a translation of one) shown in front of
        these corrections: "a machine draft, newer than …, set aside", "an edited draft, …", "a translation of a
        machine draft (run 2), newer than …, set aside"."""
        draft = f"{'an' if self.draft[0] in 'aeiou' else 'a'} {self.draft}"
        if self.translated_from is not None:
            draft = f"a translation of {draft} (run {self.translated_from})"
        return f"{draft}, newer than {self.said()}, set aside"


def proofread_run(case: Case, exhibit_id: int, before: int | None = None) -> Proofread | None:
    """The recording's newest finished transcription (older than run `before`, when given) a person corrected or
    verified; None when none."""
    for run_id in case.latest_runs(exhibit_id, TASK):
        if before is not None and run_id >= before:
            continue
        state, verified_by = status(case, run_id)
        if state == STATUS_DRAFT:
            continue
        by = verified_by or ", ".join(correctors(history(case, run_id))) or "a proofreader"
        return Proofread(run_id, state == STATUS_VERIFIED, by)
    return None


def set_aside(case: Case, exhibit_id: int, shown_run: int | None, state: str | None = None) -> Proofread | None:
    """The corrected or verified transcript a newer run `shown_run` stands in front of: a transcription not signed
    off (a machine draft, or an edited one), or a translation of one; None when `shown_run` is signed off, is the
    corrected one, or there is none. `state`: a transcription's `status`, when the caller has just read it (the
    `exhibits` listing: each read compares the working copy with the draft)."""
    if shown_run is None:
        return None
    run = case.run(shown_run)
    if run.task != TASK:  # a translation: of the transcript it was made from (a speech translation: none)
        parent = run.parent_run_id
        if parent is None or case.run(parent).task != TASK:
            return None
        made_from = _set_aside_as(case, exhibit_id, parent, _translated_status(case, shown_run, parent))
        return replace(made_from, translated_from=parent) if made_from is not None else None
    return _set_aside_as(case, exhibit_id, shown_run, state or status(case, shown_run)[0])


def _translated_status(case: Case, translation: int, parent: int) -> str:
    """The status its source transcript had when the translation was made from it (as its settings record it;
    the source's status now for a translation that does not record it): later edits or a sign-off of the source
    are not in the translation."""
    recorded = case.transcript(translation).settings.get("source_run")
    was = recorded.get("status") if isinstance(recorded, dict) else None
    return was if was in (STATUS_DRAFT, STATUS_EDITED, STATUS_VERIFIED) else status(case, parent)[0]


def _set_aside_as(case: Case, exhibit_id: int, run_id: int, state: str) -> Proofread | None:
    """The corrections run `run_id`, in status `state`, stands in front of."""
    found = proofread_run(case, exhibit_id, before=run_id) if state != STATUS_VERIFIED else None
    return replace(found, draft="machine draft" if state == STATUS_DRAFT else "edited draft") if found else None
