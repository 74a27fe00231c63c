"""Editing an hour's transcript (session 19): each edit read the whole working copy one segment
at a time (two queries a segment, for the digest the audit log keeps), so an edit of a thousand
-segment interview ran two thousand queries on the GUI thread. Now a bounded number."""

from __future__ import annotations

from app.core.editing import operations as editing
from app.core.store import Case, working_copy
from app.core.types import Segment, Word
from tests.gui_case import add, add_run

ROWS = 400


def long_run(case: Case) -> int:
    segments = []
    for i in range(ROWS):
        at = 200 + i * 130
        words = (Word(at, at + 50, "line", 0.9), Word(at + 60, at + 110, f" {i}", 0.4))
        segments.append(Segment(at, at + 110, f"line {i}", speaker="A" if i % 2 else "B", words=words,
                                flags=("low_confidence",) if i % 5 == 0 else ()))
    exhibit = add(case, "interview_mono.wav")
    return add_run(case, exhibit.id, tuple(segments))


def test_an_edit_of_a_long_transcript_runs_a_bounded_number_of_queries(tmp_path):
    case = Case.open(tmp_path / "case")
    run_id = long_run(case)
    ids = editing.segment_ids(case, run_id)
    editing.edit_text(case, run_id, ids[3], "the working copy is made", actor="t")
    ids = editing.segment_ids(case, run_id)
    statements: list[str] = []
    case.conn.set_trace_callback(statements.append)
    editing.edit_text(case, run_id, ids[200], "typed over", actor="t")
    case.conn.set_trace_callback(None)
    assert len(statements) < 100, f"{len(statements)} queries for one edit of {ROWS} segments"
    case.close()


def test_the_working_copy_read_at_once_is_what_reading_each_segment_gives(tmp_path):
    case = Case.open(tmp_path / "case")
    run_id = long_run(case)
    ids = editing.segment_ids(case, run_id)
    editing.split(case, run_id, ids[10], 3, actor="t")
    editing.merge(case, run_id, editing.segment_ids(case, run_id)[20:23], actor="t")
    editing.edit_text(case, run_id, editing.segment_ids(case, run_id)[30], "new words here", actor="t")
    together = working_copy.read_segments(case, run_id, True)
    one_by_one = [working_copy.read_segment(case, i, True, run_id) for i in editing.segment_ids(case, run_id)]
    assert together == one_by_one
    assert len(together) == ROWS + 1 - 2
    assert working_copy.read_segments(case, run_id, False) == [
        working_copy.read_segment(case, i, False, run_id) for i in working_copy.segment_ids(case, run_id, False)]
    case.close()
