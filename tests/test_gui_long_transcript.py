"""A long interview in the window (session 19): a proofreader reassigning a few hundred lines to
one speaker waited minutes (one revision, and a history, review and exhibit refresh, per line),
every edit re-read the whole history while the History tab was hidden, and the waveform drew
every segment again on each playback tick.

Its own window over a case made in the test: 400 short segments over interview_mono.wav.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtGui import QColor

from app.core.editing import operations as editing
from app.core.store import Case
from app.core.types import Segment, Word
from app.gui.waveform_view import WaveformView
from tests import gui_case
from tests.gui_case import add, add_run, open_exhibit, settings

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes = gui_case.boxes
ROWS = 400
NAME = "interview_mono.wav"


def long_interview() -> tuple[Segment, ...]:
    """ROWS segments of two words each, 130 ms apart, two speakers in turn."""
    out = []
    for i in range(ROWS):
        at = 200 + i * 130
        words = (Word(at, at + 50, "line", 0.9), Word(at + 60, at + 110, f" {i}", 0.3 if i % 7 == 0 else 0.9))
        out.append(Segment(at, at + 110, f"line {i}", speaker="SPEAKER_00" if i % 2 else "SPEAKER_01",
                           words=words))
    return tuple(out)


@pytest.fixture(scope="module")
def long_win(qapp, models_dir, tmp_path_factory):
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("long")
    case = Case.open(folder / "case")
    exhibit = add(case, NAME)
    add_run(case, exhibit.id, long_interview())
    window = MainWindow(case, settings(folder, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    case.close()


@pytest.fixture
def editor(qtbot, long_win):
    open_exhibit(qtbot, long_win, NAME)
    yield long_win.editor
    while long_win.undo_action.isEnabled():
        long_win.undo_action.trigger()


def select_rows(editor, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    model = editor.model
    selection = QItemSelection(model.index(first, 0), model.index(last, 2))
    editor.table.selectionModel().select(
        selection, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_a_speaker_given_to_many_lines_is_one_revision_and_one_undo(qtbot, long_win, editor):
    run_id = editor.session.run_id
    made = len(editing.history(long_win.case, run_id))
    select_rows(editor, 10, 309)
    editor.set_speaker(editor.selected_rows(), "DC Smith")
    speakers = [s.speaker for s in editing.current_segments(long_win.case, run_id)]
    assert speakers[10:310] == ["DC Smith"] * 300
    assert speakers[9] == "SPEAKER_00" and speakers[310] == "SPEAKER_01"
    added = editing.history(long_win.case, run_id)[made:]
    assert [r.op for r in added] == ["set_speaker"], "one revision for the whole selection"
    assert len(added[0].before["segments"]) == 300
    long_win.undo_action.trigger()
    speakers = [s.speaker for s in editing.current_segments(long_win.case, run_id)]
    assert speakers[10:310] == ["SPEAKER_01", "SPEAKER_00"] * 150
    long_win.redo_action.trigger()
    assert [s.speaker for s in editing.current_segments(long_win.case, run_id)][10:310] == ["DC Smith"] * 300


def test_a_speaker_the_lines_already_have_makes_no_revision(qtbot, long_win, editor):
    run_id = editor.session.run_id
    made = len(editing.history(long_win.case, run_id))
    select_rows(editor, 1, 1)
    editor.set_speaker(editor.selected_rows(), "SPEAKER_00")
    assert len(editing.history(long_win.case, run_id)) == made


def test_a_playback_tick_does_not_paint_every_segment_of_the_waveform_again(qtbot, monkeypatch):
    from PySide6.QtGui import QPainter

    view = WaveformView()
    qtbot.addWidget(view)
    view.resize(900, 110)
    view.duration_ms = 3_600_000
    spans = [(i * 3000, i * 3000 + 2500) for i in range(1200)]  # an hour's segments
    view.set_spans(spans, [QColor("#3366cc") if i % 2 else QColor("#cc6633") for i in range(1200)])
    view.set_position(1000, 0)
    view.grab()
    calls: list[int] = []
    real = QPainter.fillRect
    monkeypatch.setattr(QPainter, "fillRect", lambda self, *a: (calls.append(1), real(self, *a))[1])
    for tick in range(1, 6):  # five ticks of playback, the playing segment moving on
        view.set_position(1000 + tick * 3000, tick)
        view.grab()
    assert len(calls) <= 5 * 3, f"{len(calls)} rectangles painted for five ticks"
    before = len(calls)
    view.set_spans(spans[:10], None)  # new spans (an edit): drawn again
    view.grab()
    assert len(calls) - before >= 10


def test_an_edit_does_not_read_every_revision_s_segments_while_the_history_is_hidden(
        qtbot, long_win, editor, monkeypatch):
    from app.core.store import revisions

    long_win.tabs.setCurrentIndex(0)
    reads: list[int] = []
    real = revisions.for_run
    monkeypatch.setattr(revisions, "for_run", lambda case, run_id: (reads.append(run_id), real(case, run_id))[1])
    for row in range(3):
        editor.edit_text(row, f"typed over {row}")
    assert reads == [], "the hidden History tab (or the review counter) read the whole history on each edit"
    long_win.tabs.setCurrentWidget(long_win.history)  # shown, it holds the edits
    history = long_win.history
    changes = [history.topLevelItem(i).text(4) for i in range(history.topLevelItemCount())]
    assert any("typed over 2" in c for c in changes), changes


def test_the_window_opens_again_on_the_exhibit_transcript_and_line_left(qtbot, qapp, models_dir, tmp_path):
    from app.gui.main_window import MainWindow

    case = Case.open(tmp_path / "case")
    add(case, "interview_stereo.wav")  # another exhibit, listed first
    exhibit = add(case, NAME)
    add_run(case, exhibit.id, long_interview())
    prefs = settings(tmp_path, models_dir)
    first = MainWindow(case, prefs, start_worker=False)
    first.resize(1280, 800)
    first.show()
    open_exhibit(qtbot, first, NAME)
    first.editor.cursor_sync.move_to(300)
    first.player.seek(first.editor.model.starts[300] + 40)
    first.close()
    again = MainWindow(case, prefs, start_worker=False)
    again.resize(1280, 800)
    again.show()
    try:
        qtbot.waitUntil(lambda: again.editor.exhibit is not None, timeout=5_000)
        assert again.editor.exhibit.id == exhibit.id
        assert again.exhibits.current_id() == exhibit.id
        table = again.editor.table
        assert table.currentIndex().row() == 300
        qtbot.waitUntil(lambda: table.viewport().rect().intersects(table.visualRect(table.currentIndex())),
                        timeout=3_000)
        qtbot.waitUntil(lambda: abs(again.player.position() - (again.editor.model.starts[300] + 40)) < 5,
                        timeout=5_000)
    finally:
        again.close()
        case.close()
