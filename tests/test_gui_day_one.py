"""What a proofreader met on day one with a real interview (session 16): a wrapped segment's last
line cut off in the editor, so "Harris." of "... I am Detective Constable Harris." could not be read.

Its own window over a fresh case (tests/gui_case.py).
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QStyleOptionViewItem

from app.gui.segment_table import SPEAKER_COL, SPEAKER_WIDTH, TEXT_COL
from tests import gui_case
from tests.gui_case import focus_table, open_exhibit

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)
REAL_QUESTION = QMessageBox.question  # before the fixture records the boxes instead


def painted_height(table, row: int) -> float:
    """The height the segment's text needs as it is painted: in the cell's own rectangle."""
    index = table.model().index(row, TEXT_COL)
    option = QStyleOptionViewItem()
    option.initFrom(table)
    option.font = table.font()
    option.rect = table.visualRect(index)
    return table.text_delegate.document(option, index).size().height()


def test_a_wrapped_segment_row_is_tall_enough_for_every_line_it_paints(qtbot, win):
    """Rows were measured at the column's width but painted one pixel narrower (the grid line):
    text that just fitted one way wrapped onto a line more the other, and that line was cut off."""
    open_exhibit(qtbot, win, "interview_stereo.wav")
    table = win.editor.table
    header = table.horizontalHeader()
    clipped = []
    for width in range(300, 520, 2):  # the text column stretches: widening the speakers narrows it
        header.resizeSection(SPEAKER_COL, width)
        for row in range(table.model().rowCount()):
            table.resizeRowToContents(row)
            if table.visualRect(table.model().index(row, TEXT_COL)).height() < painted_height(table, row):
                clipped.append((width, row))
    header.resizeSection(SPEAKER_COL, SPEAKER_WIDTH[0])
    assert clipped == []


def test_renaming_a_speaker_to_another_speaker_s_name_asks_before_merging_the_two(qtbot, win, boxes,
                                                                                 monkeypatch):
    """Rename speaker… took a name another speaker of the transcript already had without a word:
    the witness's answers became the officer's, where Merge speakers… and a merge of two people's
    segments both ask first. It asks now (Enter is No); a new name is renamed as before."""
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from app.core.editing import operations as editing

    shown, answers = boxes
    open_exhibit(qtbot, win, "interview_stereo.wav")
    model = win.editor.model
    before = [model.segment(r).speaker for r in range(model.rowCount())]
    typed = iter(["DC Smith", " DC Smith ", "Witness (J. Petraitis)"])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Witness", True))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (next(typed), True))
    win.editor.ask_rename()  # the recorded box answers No
    assert [model.segment(r).speaker for r in range(model.rowCount())] == before
    assert shown[-1].startswith("question: DC Smith already speaks other lines of this transcript.")
    answers.append(QMessageBox.StandardButton.Yes)
    win.editor.ask_rename()  # Yes said: merged (the name as typed, spaces trimmed)
    assert set(editing.speakers(win.case, win.session.run_id)) == {"DC Smith"}
    win.undo_action.trigger()
    asked = len(shown)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Witness (J. Petraitis)", True))
    win.editor.ask_rename()  # a name no one has: renamed without a question
    assert len(shown) == asked
    assert set(editing.speakers(win.case, win.session.run_id)) == {"DC Smith", "Witness (J. Petraitis)"}
    win.undo_action.trigger()
    assert [model.segment(r).speaker for r in range(model.rowCount())] == before


def press_in_modal(qtbot, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """When a modal dialog is up, press `key` in it."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, answer)
            return
        qtbot.keyClick(box, key)

    QTimer.singleShot(20, answer)


def test_enter_in_the_sign_off_question_does_not_sign_the_transcript_off(qtbot, win, monkeypatch):
    """Ctrl+Shift+V asked "Sign off this transcript as verified by ...? 8 of 9 uncertain words were
    never reviewed." with Yes the default: Enter, pressed by a typist to go on typing, signed off a
    record of interview nobody had checked. A sign-off is said with Y (or a click), never by Enter."""
    from app.core.editing import operations as editing

    open_exhibit(qtbot, win, "interview_stereo.wav")
    run = win.session.run_id
    monkeypatch.setattr(QMessageBox, "question", REAL_QUESTION)  # a real box, answered from the keyboard
    press_in_modal(qtbot, Qt.Key.Key_Return)
    assert win.editor.ask_verify() is False
    assert editing.status(win.case, run)[0] != "verified"
    press_in_modal(qtbot, Qt.Key.Key_Y)
    assert win.editor.ask_verify() is True
    assert editing.status(win.case, run) == ("verified", "DC Ann Example")
    win.undo_action.trigger()
    assert editing.status(win.case, run)[0] != "verified"


def test_the_case_search_is_reached_and_worked_from_the_keyboard(qtbot, qapp, win):
    """No key reached the case's Search (Ctrl+F is the transcript's find bar), and Down in its box
    stayed there: a hit could be opened only with the mouse, or by tabbing past the box's clear
    button. Ctrl+Shift+F now puts the keyboard in the box, Down in the hits, Enter opens one."""
    view = focus_table(qtbot, qapp, win)
    search = win.search_view
    search.box.setText("stale words")
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.tabs.currentWidget() is search
    qtbot.waitUntil(search.box.hasFocus, timeout=3_000)
    assert search.box.selectedText() == "stale words"  # typing replaces the last query
    qtbot.keyClicks(search.box, "sister")
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    assert search.model.rowCount() >= 1
    qtbot.keyClick(search.box, Qt.Key.Key_Down)
    qtbot.waitUntil(search.table.hasFocus, timeout=3_000)
    assert search.table.currentIndex().row() == 0
    qtbot.keyClick(search.table, Qt.Key.Key_Return)
    assert win.tabs.currentIndex() == 0
    row = win.editor.table.currentIndex().row()
    assert "sister" in win.editor.model.segment(row).text


def start_typing(qtbot, qapp, win, words: str):  # type: ignore[no-untyped-def]
    """Enter on the current segment of the interview and type `words` at its end (not kept yet)."""
    from app.gui.text_editor import SegmentTextEdit

    view = focus_table(qtbot, qapp, win)
    view.go_to_row(1)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), SegmentTextEdit), timeout=3_000)
    typing = qapp.focusWidget()
    qtbot.keyClicks(typing, words)
    return typing


def test_typing_survives_a_new_exhibit_arriving_in_the_case(qtbot, qapp, win):
    """A file taken in while a proofreader typed (a folder's intake finishing, a chat's voice notes)
    rebuilt the exhibits list, which showed the transcript again: the line being typed was closed
    and its words lost ("commitData called with an editor that does not belong to this view")."""
    typing = start_typing(qtbot, qapp, win, " and the rest")
    shown_run = win.session.run_id
    gui_case.add(win.case, "en_voicenote.opus")
    win.refresh_exhibits()
    qtbot.wait(50)
    assert win.session.run_id == shown_run
    assert qapp.focusWidget() is typing and typing.toPlainText() == "Please state your full name. and the rest"
    qtbot.keyClick(typing, Qt.Key.Key_Return)
    assert win.editor.model.segment(1).text == "Please state your full name. and the rest"
    win.undo_action.trigger()


def test_text_being_typed_is_kept_when_another_transcript_is_shown(qtbot, qapp, win):
    """Whatever shows another transcript while a line is being typed (a search hit or an entity
    opened, a re-run finishing) keeps the typed words in the transcript they were typed in."""
    from app.core.editing import operations as editing

    start_typing(qtbot, qapp, win, " at last")
    run = win.session.run_id
    other = next(e for e in win.case.exhibits() if e.source.name == "truncated.mp3")
    win.open_at(other.id, 0, 0)
    assert win.session.run_id != run
    assert editing.current_segments(win.case, run)[1].text == "Please state your full name. at last"
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.editor.edit_text(1, "Please state your full name.")  # as it was (the undo stack is the shown run's)
    assert editing.current_segments(win.case, run)[1].text == "Please state your full name."


def test_the_time_column_is_as_wide_as_the_recording_s_times_and_gives_the_rest_to_the_text(qtbot, win):
    """The time column was sized for "0:00:00.0 – 0:00:00.0" whatever the recording: 35 pixels of
    a 1280x800 window's text column (200 pixels beside a video) spent on an hour no interview of
    under an hour shows. It is as wide as the recording's own times, hours included when it has them."""
    from app.gui.segment_table import TIME_COL

    open_exhibit(qtbot, win, "interview_stereo.wav")
    table = win.editor.table
    model = table.model()
    shown = [model.index(r, TIME_COL).data() for r in range(model.rowCount())]
    widest = max(table.fontMetrics().horizontalAdvance(text) for text in shown)
    width = table.columnWidth(TIME_COL)
    assert widest + 8 <= width <= widest + 24, (shown, widest, width)
    hour = table.fontMetrics().horizontalAdvance("0:00:00.0 – 0:00:00.0")
    assert width < hour  # no room kept for hours this recording has not got


def test_ctrl_y_redoes_as_ctrl_shift_z_does(qtbot, qapp, win):
    """A typist from Word or Windows presses Ctrl+Y to redo: it did nothing on this system."""
    from app.core.editing import operations as editing

    open_exhibit(qtbot, win, "interview_stereo.wav")
    run = win.session.run_id
    before = editing.current_segments(win.case, run)[0].text
    win.editor.edit_text(0, before + " checked")
    win.undo_action.trigger()
    assert editing.current_segments(win.case, run)[0].text == before
    focus_table(qtbot, qapp, win)
    qtbot.keyClick(win.editor.table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert editing.current_segments(win.case, run)[0].text == before + " checked"
    win.undo_action.trigger()
    qtbot.keyClick(win.editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert editing.current_segments(win.case, run)[0].text == before + " checked"
    win.undo_action.trigger()
