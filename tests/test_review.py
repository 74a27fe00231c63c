"""Uncertain words and the reviewed marks (app.core.editing.review), without Qt."""

from __future__ import annotations

from app.core.editing import operations as editing
from app.core.editing import review
from app.core.evidence.provenance import software_info
from app.core.types import FLAG_LOW_CONFIDENCE, ModelInfo, Segment, Word


def _run(case) -> int:  # type: ignore[no-untyped-def]
    from app.core.types import SourceInfo

    source = SourceInfo(path="/evidence/a.wav", sha256="ab" * 32, bytes=10, duration_ms=20_000)
    exhibit, _ = case.add_exhibit(source)
    run = case.start_run(exhibit.id, "transcribe", ModelInfo("tiny", "/m", "00" * 32), {}, software_info())
    words = (Word(0, 400, "Hello", 0.9), Word(400, 800, " Jonas", 0.2), Word(800, 1200, " Petraitis", 0.3),
             Word(1200, 1600, " here", 0.95))
    case.append_segments(run, (Segment(0, 1600, "Hello Jonas Petraitis here", words=words),
                               Segment(2000, 3000, "mumble", flags=(FLAG_LOW_CONFIDENCE,))), {}, "en", 0.9)
    case.finish_run(run)
    return run


def test_uncertain_spans_join_neighbouring_words_and_flagged_segments(case):
    run = _run(case)
    spans = review.uncertain_spans(editing.current_segments(case, run))
    assert [(s.start_ms, s.text) for s in spans] == [(400, "Jonas Petraitis"), (2000, "mumble")]
    assert spans[0].probability == 0.2 and spans[1].probability is None


def test_reviewed_marks_survive_the_working_copy_and_follow_undo_and_redo(case):
    run = _run(case)
    first = review.uncertain_spans(editing.current_segments(case, run))[0]
    change = review.mark_reviewed(case, run, first, actor="DC Ann Example")
    assert review.reviewed_keys(case, run) == {(400, "Jonas Petraitis")}
    assert [s.text for s in review.unreviewed(case, run)] == ["mumble"]
    assert editing.current_segments(case, run)[0].text == "Hello Jonas Petraitis here"  # text unchanged
    rev = editing.history(case, run)[-1]
    assert (rev.op, rev.actor) == ("mark_reviewed", "DC Ann Example")
    editing.undo(case, change.revision_id, actor="DC Ann Example")
    assert review.reviewed_keys(case, run) == set()
    editing.redo(case, change.revision_id, actor="DC Ann Example")
    assert review.reviewed_keys(case, run) == {(400, "Jonas Petraitis")}


def test_run_spans_reads_the_same_spans_in_two_queries(case):
    run = _run(case)
    slow = review.uncertain_spans(editing.current_segments(case, run))
    assert review.run_spans(case, run) == slow
    review.mark_reviewed(case, run, slow[0])  # now from the working copy
    assert review.run_spans(case, run) == review.uncertain_spans(editing.current_segments(case, run))
