"""Session 27's user walk, the window: what a proofreader's supervisor met in the History tab."""

from __future__ import annotations

from app.core.editing import operations as editing
from tests import gui_case


def test_the_history_says_where_in_the_recording_each_text_change_was_made(tmp_path, qapp):
    """Three "Text edited" rows of an interview gave old and new words but not which segment: a text said
    twice in it could not be told apart. Each edit, split and merge row now opens with its time."""
    from app.gui.history_view import describe

    case = gui_case.build_case(tmp_path)
    try:
        exhibit = next(e for e in case.exhibits() if e.source.name == "interview_stereo.wav")
        run = case.latest_runs(exhibit.id, None)[0]
        ids = editing.segment_ids(case, run)
        editing.edit_text(case, run, ids[3], "Where were you on Friday evening?", actor="PS Reader")
        editing.merge(case, run, ids[:2], actor="PS Reader")
        edited, merged = (describe(r) for r in editing.history(case, run))
    finally:
        case.close()
    assert edited == "at 00:10.0: “Where were you on Friday night?” → “Where were you on Friday evening?”", edited
    assert merged.startswith("at 00:01.0: “This interview is being recor…” + “Please state"), merged
