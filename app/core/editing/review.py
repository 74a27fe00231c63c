"""Review of uncertain words: where they are, which a person has marked reviewed.

A word is uncertain when the model's probability for it is below a threshold
(or its segment was flagged low-confidence and has no word timings). Marking a
word reviewed is an edit like any other: a revision ("mark_reviewed", naming
the word) in the transcript's history, undoable; the reviewed set is read back
from that history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store import revisions as stored_revisions
from app.core.store.views import LowWord, flagged_segments, low_probability_words
from app.core.types import FLAG_LOW_CONFIDENCE, Segment

LOW_PROBABILITY = 0.5
MARK_REVIEWED = "mark_reviewed"


@dataclass(frozen=True)
class UncertainSpan:
    segment_id: int
    start_ms: int
    end_ms: int
    text: str
    probability: float | None

    @property
    def key(self) -> tuple[int, str]:
        return (self.start_ms, self.text)


def uncertain_spans(segments: Iterable[Segment], threshold: float = LOW_PROBABILITY) -> list[UncertainSpan]:
    """Runs of low-probability words, and flagged segments without words, in time order."""
    spans: list[UncertainSpan] = []
    for seg in segments:
        run: list = []
        for w in list(seg.words) + [None]:
            if w is not None and w.probability < threshold:
                run.append(w)
                continue
            if run:
                spans.append(UncertainSpan(seg.id or 0, run[0].start_ms, run[-1].end_ms,
                                           "".join(x.text for x in run).strip(),
                                           min(x.probability for x in run)))
                run = []
        if FLAG_LOW_CONFIDENCE in seg.flags and not any(s.segment_id == seg.id for s in spans):
            spans.append(UncertainSpan(seg.id or 0, seg.start_ms, seg.end_ms, seg.text, None))
    return sorted(spans, key=lambda s: (s.start_ms, s.end_ms))


def run_spans(case: Case, run_id: int, threshold: float = LOW_PROBABILITY) -> list[UncertainSpan]:
    """uncertain_spans() of a run's current transcript, read with two queries (fast on long runs)."""
    working = editing.has_working_copy(case, run_id)
    spans: list[UncertainSpan] = []
    group: list[LowWord] = []
    for word in [*low_probability_words(case, run_id, threshold, working), None]:
        if group and (word is None or word.segment_id != group[-1].segment_id
                      or word.index != group[-1].index + 1):
            spans.append(UncertainSpan(group[0].segment_id, group[0].start_ms, group[-1].end_ms,
                                       "".join(w.text for w in group).strip(),
                                       min(w.probability for w in group)))
            group = []
        if word is not None:
            group.append(word)
    with_words = {s.segment_id for s in spans}
    for seg_id, start, end, text in flagged_segments(case, run_id, FLAG_LOW_CONFIDENCE, working):
        if seg_id not in with_words:
            spans.append(UncertainSpan(seg_id, start, end, text, None))
    return sorted(spans, key=lambda s: (s.start_ms, s.end_ms))


def mark_reviewed(case: Case, run_id: int, span: UncertainSpan, actor: str | None = None) -> editing.Change:
    """Record that a person listened to an uncertain word and accepts it as written."""
    params = {"start_ms": span.start_ms, "text": span.text}
    return editing._segment_op(case, run_id, MARK_REVIEWED, params, [span.segment_id],
                               lambda before: [dict(before[0])], actor)


def reviewed_keys(case: Case, run_id: int) -> set[tuple[int, str]]:
    """(start_ms, text) of every word marked reviewed and not undone since (from what each revision
    did, not the segments it held: every edit reads this, and an hour's history holds thousands)."""
    revisions = stored_revisions.ops_for_run(case, run_id)
    marks = {r.id: (int(r.params["start_ms"]), str(r.params["text"])) for r in revisions
             if r.op == MARK_REVIEWED}
    active = set(marks)
    for r in revisions:
        if r.reverts in marks:
            if r.op == "undo":
                active.discard(r.reverts)
            elif r.op == "redo":
                active.add(r.reverts)
    return {marks[i] for i in active}


def unreviewed(case: Case, run_id: int, threshold: float = LOW_PROBABILITY) -> list[UncertainSpan]:
    """Uncertain words of the current transcript no one has marked reviewed."""
    done = reviewed_keys(case, run_id)
    return [s for s in run_spans(case, run_id, threshold) if s.key not in done]
