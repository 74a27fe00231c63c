"""Whole-transcript actions taken while a line is being typed (session 22).

The sign-off (from the menu, its key or its button, none of which takes the keyboard from the text)
signed the transcript without the words being typed; they were stored after it and the sign-off was
gone ("edited"). Export… wrote the text without them. Each now keeps what is being typed first.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from app.core.editing import operations as editing
from app.gui.editor_model import TEXT_COL
from app.gui.export_dialog import ExportDialog
from app.gui.text_editor import EDITORS
from tests import gui_case
from tests.gui_case import focus_table

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)
TYPED = " and then he left"


def menu_action(window, text: str):  # type: ignore[no-untyped-def]
    return next(a for menu in window.menuBar().actions() for a in menu.menu().actions() if a.text().startswith(text))


@pytest.fixture
def typing(qtbot, qapp, win, monkeypatch):  # type: ignore[no-untyped-def]
    """Row 1's text open, words typed at its end and not yet kept; undone after."""
    table = focus_table(qtbot, qapp, win)
    model = win.editor.model
    table.setCurrentIndex(model.index(1, TEXT_COL))
    table.edit(model.index(1, TEXT_COL))
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    qapp.focusWidget().end(False)
    qtbot.keyClicks(qapp.focusWidget(), TYPED)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    yield win.session.run_id
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


@pytest.mark.parametrize("how", ["menu", "button"])
def test_a_sign_off_while_typing_signs_the_words_typed(qtbot, win, typing, how):
    if how == "menu":
        menu_action(win, "Mark verified").trigger()
    else:
        qtbot.mouseClick(win.editor.verify_button, Qt.MouseButton.LeftButton)
    run = typing
    assert editing.current_segments(win.case, run)[1].text.endswith(TYPED)
    assert editing.status(win.case, run)[0] == "verified"
    qtbot.wait(50)
    assert editing.status(win.case, run)[0] == "verified"  # nothing stored after it


def test_export_while_typing_writes_the_words_typed(qtbot, win, typing, tmp_path, monkeypatch):
    stored_when_asked = []

    def accept(dialog: ExportDialog) -> int:
        stored_when_asked.append(editing.current_segments(win.case, typing)[1].text)  # what the export will read
        for name in dialog.boxes:
            dialog.boxes[name].setChecked(name == "txt")
        dialog.folder.setText(str(tmp_path / "out"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    menu_action(win, "Export").trigger()
    gui_case.wait_for_export(win)
    assert stored_when_asked[0].endswith(TYPED)
    [txt] = (tmp_path / "out").glob("*.txt")
    assert TYPED.strip() in txt.read_text(encoding="utf-8")



def test_undo_from_the_menu_while_typing_loses_nothing(qtbot, qapp, win, monkeypatch):
    """Edit > Undo while a line was open reverted the line's last change in the store under the open
    editor; its text was stored after, and the undo was silently gone. Now the words typed are kept
    first, and the undo takes them back."""
    table = focus_table(qtbot, qapp, win)
    model, run = win.editor.model, win.session.run_id
    try:
        original = editing.current_segments(win.case, run)[1].text
        model.setData(model.index(1, TEXT_COL), original + " first change")  # a change of the line, undoable
        first = editing.current_segments(win.case, run)[1].text
        table.setCurrentIndex(model.index(1, TEXT_COL))
        table.edit(model.index(1, TEXT_COL))
        qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
        qapp.focusWidget().end(False)
        qtbot.keyClicks(qapp.focusWidget(), TYPED)
        menu_action(win, "Undo").trigger()
        qtbot.wait(50)
        win.editor.segments.editor_cursor()  # whatever is still open is stored, as leaving the line would
        qtbot.wait(50)
        assert editing.current_segments(win.case, run)[1].text == first  # the typing undone, nothing else
    finally:
        while win.undo_action.isEnabled():
            win.undo_action.trigger()
