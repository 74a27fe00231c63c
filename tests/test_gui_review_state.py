"""The review bar after undo and redo, the sign-off status and speaker names shown in full at 1280x800.

A window with no worker over a case built without a model (tests/gui_case.py).
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.core.editing import operations as editing
from tests import gui_case
from tests.gui_case import open_exhibit

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def test_undo_and_redo_of_a_reviewed_mark_relabel_the_word_shown(qtbot, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    editor = win.editor
    win.player.seek(0)
    qtbot.waitUntil(lambda: win.player.position() < 100, timeout=3_000)
    editor.next_uncertain()
    word = editor.review_label.full_text()
    assert editor.mark_current_reviewed()
    assert editor.review_label.full_text().endswith(" ✓")
    win.undo_action.trigger()
    assert editor.count_label.text() == "1 of 3 uncertain · 3 left"
    assert editor.review_label.full_text() == word  # no longer says "reviewed"
    win.redo_action.trigger()
    assert editor.count_label.text() == "1 of 3 uncertain · 2 left"
    assert editor.review_label.full_text() == word + " ✓"
    win.undo_action.trigger()


def test_every_edit_undone_says_machine_draft_again(qtbot, win):
    """The tester's case: a text edited and then undone read "Edited (draft)", which is false."""
    open_exhibit(qtbot, win, "interview_stereo.wav")
    editor, model = win.editor, win.editor.model
    old = model.index(1, 2).data()
    model.setData(model.index(1, 2), "Please state your full name and address.")
    assert editor.status_label.full_text() == "Edited (draft)"
    win.undo_action.trigger()
    assert model.index(1, 2).data() == old
    assert editor.status_label.full_text() == "Machine draft"
    win.refresh()
    rows = {win.exhibits.model.index(r, 0).data(): r for r in range(win.exhibits.model.rowCount())}
    assert win.exhibits.model.index(rows["interview_stereo.wav"], 5).data() == "done"
    win.redo_action.trigger()
    assert editor.status_label.full_text() == "Edited (draft)"
    win.undo_action.trigger()


def test_the_sign_off_is_shown_in_full_at_1280x800(qtbot, win, boxes):
    _shown, answers = boxes
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.resize(1280, 800)
    qtbot.wait(50)
    answers.append(QMessageBox.StandardButton.Yes)
    assert win.editor.ask_verify()
    label = win.editor.status_label
    assert label.full_text() == "Verified by DC Ann Example"
    assert label.text() == label.full_text(), f"clipped to {label.text()!r}"
    win.undo_action.trigger()
    assert editing.status(win.case, win.session.run_id)[0] != "verified"


def test_a_long_speaker_name_is_shown_in_full_on_its_chip(qtbot, win):
    """'Appropriate Adult' was cut to 'Appropriate ...' in a 110 px column beside a wide text column."""
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.resize(1280, 800)
    table = win.editor.table
    win.editor.rename_speaker("Witness", "Appropriate Adult")
    width = table.horizontalHeader().sectionSize(1)
    room = width - (3 + 3 + 5 + 5)  # the chip's margins and the name's padding inside it
    assert table.fontMetrics().elidedText("Appropriate Adult", Qt.TextElideMode.ElideRight, room) == "Appropriate Adult"
    win.undo_action.trigger()
    assert "Witness" in win.editor.speakers()


def test_opening_another_case_leaves_nothing_of_the_last_one_on_screen(qtbot, qapp, models_dir, tmp_path):
    """The Transcript list kept the last case's run and the clock its recording's length."""
    from app.core.store import Case
    from app.gui.main_window import MainWindow
    from tests.gui_case import build_case, settings

    case = build_case(tmp_path)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    window.start_worker = lambda: False
    qtbot.addWidget(window)
    open_exhibit(qtbot, window, "interview_stereo.wav")
    qtbot.waitUntil(lambda: window.player.duration() > 0, timeout=5_000)
    assert window.run_box.currentData() is not None
    window.open_case(tmp_path / "another")
    assert isinstance(window.case, Case) and window.case.exhibits() == []
    assert window.run_box.count() == 0 and window.run_box.currentText() == ""
    assert window.editor.position_label.text() == window.editor.transport._clock_text(0, 0)
    window.close()
    window.case.close()
