"""What a proofreader met walking a record of interview through the window (session 13): Enter
merging two people's lines, skip buttons that did not do what F1/F2 do, a sign-off cut short in
the exhibits list, the keyboard stuck in the exhibits list, and an export that froze the window.

Its own window over a fresh case (tests/gui_case.py); each test undoes its edits.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests import gui_case
from tests.gui_case import focus_table

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)
REAL_QUESTION = QMessageBox.question  # before the fixture records the boxes instead


@pytest.fixture
def table(qtbot, qapp, win):
    view = focus_table(qtbot, qapp, win)
    yield view
    win.player.pause()
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


def press_in_modal(qtbot, key: Qt.Key, then=None) -> None:  # type: ignore[no-untyped-def]
    """When a modal dialog is up, press `key` in it (then call `then(dialog)` if still open)."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, answer)
            return
        qtbot.keyClick(box, key)
        if then is not None and box.isVisible():
            then(box)

    QTimer.singleShot(20, answer)


def test_enter_never_merges_two_people_s_segments_and_the_question_names_them(qtbot, win, table, boxes,
                                                                              monkeypatch):
    """The question's default was Yes, so Enter (pressed to keep typing) attributed a witness's
    answer to the officer; it said "Speaker 1, Speaker 2 and others" of two speakers."""
    shown, _answers = boxes
    model = win.editor.model
    assert win.editor.merge_rows([2, 3]) is False  # the recorded box answers No
    assert shown[-1].startswith("question: These segments are spoken by Witness and DC Smith. Merged, "
                                "all of the text will be attributed to Witness only.")
    assert "others" not in shown[-1]
    monkeypatch.setattr(QMessageBox, "question", REAL_QUESTION)  # a real box, answered from the keyboard
    press_in_modal(qtbot, Qt.Key.Key_Return)
    assert win.editor.merge_rows([2, 3]) is False and model.rowCount() == 5
    press_in_modal(qtbot, Qt.Key.Key_Y)  # Yes said: merged
    assert win.editor.merge_rows([2, 3]) is True and model.rowCount() == 4


def test_enter_in_merge_speakers_cancels_and_the_note_says_what_a_merge_does(qtbot, win, table):
    from app.gui.speaker_tools import MergeDialog

    model = win.editor.model
    before = [model.segment(r).speaker for r in range(model.rowCount())]
    seen: list[str] = []
    press_in_modal(qtbot, Qt.Key.Key_Return, then=lambda d: seen.append("still open"))
    win.editor.speaker_tools.ask_merge()
    assert [model.segment(r).speaker for r in range(model.rowCount())] == before and not seen

    def merge(dialog: MergeDialog) -> None:
        seen.append(dialog.note.text())
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(20, lambda: merge(QApplication.activeModalWidget()))
    table.go_to_row(2)  # the witness's line: "Every segment of: Witness"
    win.editor.speaker_tools.ask_merge()
    assert seen == [("All 2 segment(s) of Witness will be attributed to DC Smith, everywhere in this "
                     "transcript. Merge only if they are the same person (Ctrl+Z undoes it).")]
    assert {model.segment(r).speaker for r in range(model.rowCount())} == {"DC Smith"}
