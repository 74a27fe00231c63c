"""The closing line of `transcribe`: every file it met, added up by what came of it. A folder's run
said each skipped and unreadable file, but nothing of the recordings that gave no words (no speech,
or speech in a language read wrongly): the user learnt of them only from `exhibits`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from app.core.media.intake import Found
from app.core.store import Case
from app.core.store.views import RunSummary, latest_speech_runs
from app.core.usecases.enqueueing import Queued
from app.core.usecases.exhibit_status import no_speech_found

WITH_WORDS = "with words"
NO_SPEECH = "no speech"
NO_WORDS = "speech but no words recognised (see `exhibits`)"
NOT_TRANSCRIBED = "not transcribed"


def outcome(run: RunSummary | None) -> str:
    """What a recording's latest speech run gave, in the closing line's words."""
    if run is None or run.status != "complete":
        return NOT_TRANSCRIBED
    if no_speech_found(run):
        return NO_SPEECH
    return WITH_WORDS if run.worded_count else NO_WORDS


def _counted(counts: Iterable[tuple[int, str]], joint: str) -> str:
    return joint.join(f"{n} {what}" for n, what in counts if n)


def transcribe_summary(case: Case, queued: list[Queued], chats: int, met: list[Found]) -> str:
    """"21 exhibits = 14 with words + 2 no speech + 3 speech but no words recognised (see `exhibits`) + 2 chats;
    besides them 1 duplicate, 2 skipped, 3 unreadable": the recordings (each exhibit once, however many paths it
    was met at), the chat exports taken in, then the files that are not one of them. No ": " in it: it is not
    an `<input>: <reason>` failure line."""
    runs = latest_speech_runs(case)
    exhibit_ids = {q.exhibit_id for q in queued}
    outcomes = Counter(outcome(runs.get(exhibit_id)) for exhibit_id in exhibit_ids)
    parts = _counted([*((outcomes[what], what) for what in (WITH_WORDS, NO_SPEECH, NO_WORDS, NOT_TRANSCRIBED)),
                      (chats, "chat" if chats == 1 else "chats")], " + ")
    others = _counted([(len(queued) - len(exhibit_ids), "duplicate"),
                       (sum(1 for f in met if f.skipped), "skipped"),
                       (sum(1 for f in met if f.error), "unreadable")], ", ")
    total = len(exhibit_ids) + chats
    head = f"{total} exhibit{'' if total == 1 else 's'}" + (f" = {parts}" if parts else "")
    return f"{head}; besides them {others}" if others else head
