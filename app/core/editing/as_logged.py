"""Before a transcript is changed: the text about to be changed must be the text the audit log last vouched for.

Every revision logs the digest of the whole transcript after it. A row changed outside Parley (a working
copy's or the machine draft's) was taken into the next revision made in the window or through the API,
its digest logged with it, and vouched for from then on: `verify` found nothing, and `export` wrote the
forged words as the proofread record. A change to a transcript that differs from its last logged digest is
refused instead, in one line pointing to `verify`.
"""

from __future__ import annotations

from app.core.editing.segment_edits import EditError
from app.core.evidence.content import content_sha256, scores_sha256
from app.core.store.case import Case
from app.core.types import Segment


def check_as_logged(case: Case, run_id: int, working: bool, now: tuple[Segment, ...],
                    refused: str = "not changed") -> None:
    """`now`: the transcript as it stands (the working copy when `working`, else the machine draft); `refused`:
    what is not done (a translation of it is refused too). Nothing to compare for a case whose log holds no
    digest (made before they were logged)."""
    if working:
        last = case.audit.last_holding(f"run/{run_id}", "transcript.*", "content_sha256")
        what = "the edited transcript in the store differs from its recorded revision history"
    else:
        last = case.audit.last_holding(f"run/{run_id}", "run.complete", "content_sha256")
        what = "the machine draft in the store differs from what was produced"
    if last is None:
        return
    details = last.details
    if content_sha256(now) != details["content_sha256"] or details.get("scores_sha256") not in (None,
                                                                                               scores_sha256(now)):
        raise EditError(f"run {run_id}: {what} (edited outside Parley): {refused}; `verify` says more")
