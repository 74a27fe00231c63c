"""The editor's find and replace bar: Ctrl+F opens it with the cursor in its field, Enter finds
the next segment holding the text, Ctrl+F again, Esc (not play/pause here) or its button closes it and
gives the keyboard back to the segment found, where Enter opens it. Replace all is one undoable step."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QWidget

from app.core.editing import operations as editing
from app.gui.editor_model import TEXT_COL, EditSession, SegmentModel
from app.gui.keys import CLOSES_ON_ESCAPE
from app.gui.segment_table import SegmentTable
from app.gui.text_editor import keep_typed
from app.gui.widgets import tool_button


class FindBar(QWidget):
    message = Signal(str)

    def __init__(self, session: EditSession, model: SegmentModel, table: SegmentTable,
                 current_row: Callable[[], int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.model, self.table, self.current_row = session, model, table, current_row
        self.button = tool_button("Find/Replace", "Find and replace (Ctrl+F; Ctrl+F again goes back to the text)",
                                  lambda: None)
        self.button.setCheckable(True)
        self.button.toggled.connect(self._toggled)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find")
        self.replace_edit = QLineEdit()
        self.replace_edit.setPlaceholderText("Replace with")
        self.match_case = QCheckBox("Aa")
        self.match_case.setToolTip("Match case")
        self.whole_words = QCheckBox("Whole")
        self.whole_words.setToolTip("Whole words only")
        self.find_edit.returnPressed.connect(self.find_next)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.find_edit, 2)
        row.addWidget(tool_button("Next", "Select the next segment containing it", self.find_next))
        row.addWidget(self.replace_edit, 2)
        row.addWidget(tool_button("Replace all", "Replace in every segment (one undoable step)",
                                  lambda: self.replace_all(self.find_edit.text(), self.replace_edit.text(),
                                                           self.match_case.isChecked(),
                                                           self.whole_words.isChecked())))
        row.addWidget(self.match_case)
        row.addWidget(self.whole_words)
        self.setProperty(CLOSES_ON_ESCAPE, True)  # the typist keys leave Esc to keyPressEvent here
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc in the find or replace box closes the bar, as Ctrl+F there does (it played the recording)."""
        if event.key() == Qt.Key.Key_Escape:
            self.button.setChecked(False)
        else:
            super().keyPressEvent(event)

    def _toggled(self, on: bool) -> None:
        self.setVisible(on)
        if on:
            self.find_edit.setFocus()
            self.find_edit.selectAll()
        else:
            self.table.setFocus()  # back to the segment found, where Enter opens it

    def close_quietly(self) -> None:
        """Closed with no transcript left to search (none chosen, another case opened), the keyboard left
        where it is: the last case's words stayed open in the bar over an empty editor, its button disabled."""
        with QSignalBlocker(self.button):
            self.button.setChecked(False)
        self.hide()

    def open_find(self) -> None:
        """Ctrl+F: show the bar and put the cursor in its field; again there, close it."""
        if self.find_edit.hasFocus():
            self.button.setChecked(False)
        elif self.button.isChecked():
            self._toggled(True)
        else:
            self.button.setChecked(True)

    def replace_all(self, find: str, replacement: str, match_case: bool = False, whole: bool = False) -> None:
        """Every segment, the line being typed included: its words are stored first (Replace all is a
        button that leaves the keyboard in the line: the line kept its old words and, kept later, put
        them back over the replacement; the words typed were not replaced)."""
        keep_typed(self.table)
        run_id, actor = self.session.run_id, self.session.actor()
        if run_id is None or not find:
            return
        change = self.session.do("Replace all", lambda: editing.replace_all(
            self.session.case, run_id, find, replacement, match_case, whole, actor=actor))
        if change is not None:
            n = len(change.changed)
            self.message.emit(f"Replaced in {n} segment(s)." if n else f"'{find}' not found.")

    def find_next(self) -> None:
        find = self.find_edit.text()
        if not find or not self.model.rowCount():
            return
        pattern = editing.find_pattern(find, self.match_case.isChecked(), self.whole_words.isChecked())
        start = self.current_row()
        n = self.model.rowCount()
        holding = [r for r in range(n) if pattern.search(self.model.segment(r).text)]
        if not holding:
            self.message.emit(f"'{find}' not found.")
            return
        row = next((r for r in holding if r > start), holding[0])  # on from the cursor, round again
        self.table.go_to_row(row)
        self.table.scrollTo(self.model.index(row, TEXT_COL))
        # how many there are, so the proofreader knows when they have seen them all
        self.message.emit(f"'{find}': segment {holding.index(row) + 1} of {len(holding)} holding it"
                          + (" (from the top again)" if row <= start else "") + ".")
