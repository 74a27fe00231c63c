"""What a text translation says of the transcript it was made from, where a person had corrected it: a
translation's "(original)" lines are then a proofreader's words, not the machine's, and its record says
so ("Translated from: the transcript as proofread by DC Jones (1 line changed)").

Read from the translation's own settings (the source run's newest revision when it was made, which its
run record keeps) and the source run's revisions that stood at that revision.
"""

from __future__ import annotations

from app.core.editing import operations as editing
from app.core.editing.changed_lines import changed_lines, correctors
from app.core.store import Case
from app.core.translation.runs import is_current


def proofread_source(case: Case, run_id: int) -> str:
    """"the transcript as proofread by NAMES (N lines changed)" for a translation of a corrected transcript;
    "the transcript as it stood when translated (…)" for one of the machine's text edited since; "" for anything
    else (a transcript, a speech translation, a translation of the machine's draft as it stands)."""
    parent = case.run(run_id).parent_run_id
    source = case.transcript(run_id).settings.get("source_run") or {}
    if parent is None or not isinstance(source, dict) or not source.get("text_sha256"):
        return ""  # a speech translation, or one made before its source text was recorded
    revision = source.get("revision")
    names = correctors([rev for rev in editing.history(case, parent) if rev.id <= revision]) \
        if isinstance(revision, int) else []
    current = is_current(case, run_id)
    if not names:  # the machine's text was translated: said only once the transcript has changed since
        return "" if current else "the transcript as it stood when translated (it has changed since)"
    by = f"the transcript as proofread by {'; '.join(names)}"
    if not current:
        return f"{by}, as it stood at its revision {revision} (it has changed since)"
    count = len(changed_lines(case, parent))
    if not count:
        return ""  # every change undone since: the machine's text was translated
    return f"{by} ({count} line{'s' if count != 1 else ''} changed; that transcript's export lists them)"
