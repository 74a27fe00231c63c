"""A typist's hour, second part: sign-off from the keyboard, a double-click that keeps the text,
the waveform moving the cursor, and what got in the way when the window was used as a typist
uses it (tests/test_gui_typist.py is the first part).

Its own window over a fresh case (tests/gui_case.py); each test undoes its edits.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui.editor_model import TEXT_COL
from app.gui.keys import ACTIONS, binding
from app.gui.text_editor import EDITORS
from tests import gui_case
from tests.gui_case import focus_table

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
REAL_QUESTION = QMessageBox.question  # before the fixture records the boxes instead


@pytest.fixture
def table(qtbot, qapp, win):
    """The interview's segments, the window active, the keyboard in the table, playback paused."""
    view = focus_table(qtbot, qapp, win)
    yield view
    win.player.pause()
    if view.state() == view.State.EditingState:
        qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Escape)  # cancels the edit
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


def open_editor(qtbot, qapp):
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    return qapp.focusWidget()


def every_shortcut(win) -> dict[str, str]:
    """Each key of the menus and the typist's keys: the action it is bound to."""
    seen: dict[str, str] = {}
    actions = [a for m in win.menuBar().actions() if m.menu() for a in m.menu().actions()]
    actions += [a for a in actions[:] if a.menu() for a in a.menu().actions()]
    for action in actions:
        for key in action.shortcuts():
            seen.setdefault(key.toString(), action.text())
    for typist in ACTIONS:
        key = binding(win.settings, typist.name).toString()
        assert key not in seen, f"{key}: {seen.get(key)} and {typist.name}"
        seen[key] = typist.name
    return seen


def test_mark_verified_has_its_own_key_shown_in_the_menu_and_it_works_while_typing(qtbot, qapp, win, table, boxes):
    shown, _answers = boxes
    edit_menu = win.menuBar().actions()[1].menu()
    [verify] = [a for a in edit_menu.actions() if a.text().startswith("Mark verified")]
    key = verify.shortcut()
    assert not key.isEmpty()
    keys = every_shortcut(win)
    assert keys[key.toString()] == verify.text()  # no other action or typist key has it
    assert sum(1 for a in edit_menu.actions() if a.shortcut() == key) == 1
    combined = key[0]
    qtbot.keyClick(table, combined.key(), combined.keyboardModifiers())
    assert any(s.startswith("question: Sign off this transcript") for s in shown)
    shown.clear()
    table.go_to_row(1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    editor = open_editor(qtbot, qapp)
    qtbot.keyClick(editor, combined.key(), combined.keyboardModifiers())  # the text being typed has the keys
    assert any(s.startswith("question: Sign off this transcript") for s in shown)


def word_point(win, row: int, before: str) -> QPoint:
    """A point on the segment's text, just inside the word that follows `before`."""
    table = win.editor.table
    table.size_visible_rows()  # rows take their height when first shown: the point must not move
    rect = table.visualRect(win.editor.model.index(row, TEXT_COL))
    metrics = table.fontMetrics()
    x = rect.left() + 4 + metrics.horizontalAdvance(before) + metrics.horizontalAdvance("f") // 2 + 1
    return QPoint(x, rect.top() + 4 + metrics.height() // 2)


def test_a_double_click_opens_the_text_with_the_caret_where_clicked_nothing_selected(qtbot, qapp, win, table):
    """The editor opened with the whole segment selected: the next key typed wiped it."""
    model = win.editor.model
    text = model.segment(1).text  # "Please state your full name."
    point = word_point(win, 1, "Please state your ")
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)  # a double-click's first press
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)
    editor = open_editor(qtbot, qapp)
    assert editor.text() == text and not editor.hasSelectedText()
    start = text.index("full")
    assert start <= editor.cursorPosition() <= start + len("full")
    qtbot.keyClicks(editor, "X")
    assert editor.text() != "X" and len(editor.text()) == len(text) + 1


def test_clicking_the_waveform_while_paused_moves_the_cursor_there(qtbot, win, table):
    model, player, wave = win.editor.model, win.player, win.editor.waveform
    table.go_to_row(0)
    assert not player.is_playing()
    at = model.starts[3] + 700
    qtbot.waitUntil(lambda: wave.duration_ms > 0, timeout=3_000)
    qtbot.mouseClick(wave, Qt.MouseButton.LeftButton, pos=QPoint(round(wave.x_of(at)), wave.height() // 2))
    assert table.currentIndex().row() == 3
    assert abs(player.position() - at) < 60  # the cursor's move does not seek back to the start
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 4


def test_skipping_back_while_paused_takes_the_cursor_into_the_segment_heard(qtbot, win, table):
    """F1 into the previous segment, then Enter: the cursor had stayed, so the wrong line opened."""
    model, player = win.editor.model, win.player
    table.go_to_row(3)
    player.seek(model.starts[3] + 200)
    qtbot.keyClick(table, Qt.Key.Key_F1)  # back 3 s: inside row 2
    assert model.row_at(player.position()) == 2
    assert table.currentIndex().row() == 2
    qtbot.keyClick(table, Qt.Key.Key_F2)
    assert table.currentIndex().row() == 3


def test_after_a_question_the_keys_come_back_to_the_table(qtbot, qapp, win, table, monkeypatch):
    """Merging two speakers' lines asks first; once answered no window was active and no widget
    had the keyboard, so Ctrl+2, Ctrl+Z and Down did nothing."""
    monkeypatch.setattr(QMessageBox, "question", REAL_QUESTION)  # a real box, answered from the keyboard
    model = win.editor.model
    table.go_to_row(2)  # the witness, then DC Smith
    answer_modal_with(qtbot, Qt.Key.Key_Y)  # Yes (Enter is No: it never merges two people's lines)
    qtbot.keyClick(table, Qt.Key.Key_M, CTRL_SHIFT)
    assert model.rowCount() == 4
    qtbot.waitUntil(lambda: qapp.focusWidget() is table, timeout=3_000)
    assert qapp.activeWindow() is win and table.currentIndex().row() == 2
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.rowCount() == 5


def answer_modal_with(qtbot, key: Qt.Key) -> None:
    """When a modal box is up, press `key` in it."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, answer)
        else:
            qtbot.keyClick(box, key)

    QTimer.singleShot(20, answer)


def test_a_long_segment_is_edited_whole_wrapped_with_its_row_growing(qtbot, qapp, win, table):
    """The one-line editor showed a long answer as a slice scrolled sideways, its start cut off."""
    model = win.editor.model
    table.go_to_row(4)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    editor = open_editor(qtbot, qapp)
    before = table.rowHeight(4)
    more = " and then we walked to the station, waited for the last train, and went home" * 3
    qtbot.keyClicks(editor, more)
    qtbot.waitUntil(lambda: table.rowHeight(4) > before * 2, timeout=3_000)
    assert editor.height() >= editor.wanted_height() and editor.verticalScrollBar().maximum() == 0
    assert editor.horizontalScrollBar().maximum() == 0
    first = editor.textCursor()
    first.setPosition(0)
    assert editor.viewport().rect().contains(editor.cursorRect(first).center())  # its start in view
    editor.setCursorPosition(len(editor.text()))
    qtbot.keyClick(editor, Qt.Key.Key_Up)  # the line above, inside the segment
    assert table.state() == table.State.EditingState and editor.cursorPosition() < len(editor.text())
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # keeps it, one paragraph
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.segment(4).text == "At home with my sister." + more
    qtbot.waitUntil(table.hasFocus, timeout=3_000)


def test_ctrl_f_again_goes_back_from_the_find_field_to_the_segment_found(qtbot, qapp, win, table):
    """Enter in the find field finds the next; no key took the typist back to edit what was found."""
    editor_view = win.editor
    qtbot.keyClick(table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(editor_view.find_edit.hasFocus, timeout=3_000)
    qtbot.keyClicks(editor_view.find_edit, "sister")
    qtbot.keyClick(editor_view.find_edit, Qt.Key.Key_Return)
    assert table.currentIndex().row() == 4
    qtbot.keyClick(editor_view.find_edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    assert not editor_view.find_bar.isVisible() and table.currentIndex().row() == 4
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert open_editor(qtbot, qapp).text() == win.editor.model.segment(4).text


def test_a_speaker_key_or_a_merge_while_typing_keeps_what_was_typed(qtbot, qapp, win, table):
    """Ctrl+2 while typing put the segment's old text back in the editor: the words typed were lost."""
    model = win.editor.model
    table.go_to_row(2)  # "My name is Jonas Petraitis.", the witness
    qtbot.keyClick(table, Qt.Key.Key_Return)
    editor = open_editor(qtbot, qapp)
    qtbot.keyClicks(editor, " Yes")
    qtbot.keyClick(editor, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert model.segment(2).speaker == "DC Smith"
    assert editor.text() == "My name is Jonas Petraitis. Yes"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.segment(2).text == "My name is Jonas Petraitis. Yes"
    table.go_to_row(0)  # DC Smith twice: merged without a question
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.keyClicks(open_editor(qtbot, qapp), " Now.")
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_M, CTRL_SHIFT)
    assert model.segment(0).text == "This interview is being recorded. Now. Please state your full name."


def test_tab_leaves_the_segment_table_and_shift_tab_comes_back(qtbot, qapp, win, table):
    """Tab moved from cell to cell inside the table and never reached the next control."""
    row = table.currentIndex().row()
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: qapp.focusWidget() is not table, timeout=3_000)
    assert table.currentIndex().row() == row  # the place in the transcript is kept
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: qapp.focusWidget() is table, timeout=3_000)


def test_the_playback_keys_work_in_a_dialog_and_esc_closes_it(qtbot, qapp, win, table):
    """Naming a speaker, the typist could not replay the words: F1/F2 did nothing in the dialog."""
    player = win.player
    player.seek(5_000)
    seen: list[int] = []

    def in_dialog() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, in_dialog)
            return
        qtbot.keyClick(box.focusWidget() or box, Qt.Key.Key_F2)
        seen.append(player.position())
        qtbot.keyClick(box.focusWidget() or box, Qt.Key.Key_Escape)

    QTimer.singleShot(20, in_dialog)
    win.editor.ask_rename()
    assert seen == [5_000 + player.skip_ms]
    assert QApplication.activeModalWidget() is None and not player.is_playing()


def test_a_key_field_in_the_settings_takes_the_f_keys_it_is_given(qtbot, win):
    from PySide6.QtWidgets import QKeySequenceEdit

    from app.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(win.settings, win)
    dialog.show()
    field = dialog.key_edits["skip_back"]
    field.setFocus()
    qtbot.waitUntil(lambda: dialog.focusWidget() is not None, timeout=3_000)
    at = win.player.position()
    qtbot.keyClick(field.focusWidget() or field, Qt.Key.Key_F9)
    qtbot.keyClick(field.focusWidget() or field, Qt.Key.Key_F1)
    assert isinstance(field, QKeySequenceEdit) and "F1" in field.keySequence().toString()
    assert win.player.position() == at  # F1 bound, not played
    dialog.reject()


def test_the_export_dialog_shows_its_hints_whole(qtbot, win):
    """"names, separated by co…": the header's fields were too narrow for their own hint."""
    from app.core.types import InterviewDetails
    from app.gui.export_dialog import ExportDialog

    dialog = ExportDialog(["docx", "pdf"], "/tmp/out", win, InterviewDetails(), [])
    dialog.show()
    qtbot.waitUntil(dialog.isVisible, timeout=3_000)
    for field in dialog.fields.values():
        hint = field.placeholderText()
        if hint:
            assert field.width() >= field.fontMetrics().horizontalAdvance(hint) + 8, hint
    dialog.reject()
