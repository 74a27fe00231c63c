"""A person's corrected transcript of a recording, and a newer machine draft that sets it aside.

The transcript shown for a recording (editor, `exhibits`, exports, a chat's timeline) is its newest
finished transcription. A later machine draft over an edited or verified one is made only when the user
asks for a new transcription (`transcribe` with other options, "Transcribe again"); the corrections stay
in the case, and wherever the draft is shown in their place it is said (`set_aside`).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.editing.operations import STATUS_DRAFT, STATUS_VERIFIED, status
from app.core.store import Case, working_copy

TASK = "transcribe"


@dataclass(frozen=True)
class Proofread:
    """A transcription run a person corrected or verified: who, and which run."""

    run_id: int
    verified: bool
    by: str  # who verified it, else who began correcting it

    def said(self) -> str:
        """"the corrections (run 1) by NAME", "the transcript (run 1) verified by NAME" (an unnamed editor is
        "computer account 'root' (no name was given)": no possessive on it)."""
        made = "transcript (run {0}) verified by" if self.verified else "corrections (run {0}) by"
        return f"the {made.format(self.run_id)} {self.by}"

    def draft_note(self) -> str:
        """The one sentence every view and export says of a machine draft shown in front of these corrections."""
        return f"machine draft, newer than {self.said()}, set aside"


def proofread_run(case: Case, exhibit_id: int) -> Proofread | None:
    """The recording's newest finished transcription a person corrected or verified; None when none."""
    for run_id in case.latest_runs(exhibit_id, TASK):
        state, verified_by = status(case, run_id)
        if state == STATUS_DRAFT:
            continue
        made = working_copy.made(case, run_id)
        by = verified_by or (made[1] if made and made[1] else "a proofreader")
        return Proofread(run_id, state == STATUS_VERIFIED, by)
    return None


def set_aside(case: Case, exhibit_id: int, shown_run: int | None) -> Proofread | None:
    """The corrected transcript a machine draft `shown_run` stands in front of (newer, not itself
    corrected); None when `shown_run` is the corrected one or there is none."""
    if shown_run is None or case.run(shown_run).task != TASK:  # a translation stands before no transcript
        return None
    found = proofread_run(case, exhibit_id)
    return found if found is not None and found.run_id < shown_run else None

