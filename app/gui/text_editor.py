"""The segment text's editor: the whole segment shown, wrapped, while it is typed in.

A one-line editor showed a long segment (a 30 s answer) as a slice that scrolled sideways,
its start cut off. This one wraps the text over as many lines as it needs, the row growing
with it, and keeps the one-line editor's ways: Enter keeps the text, Esc cancels (the view's
delegate), Up on its first line and Down on its last leave it for the line above or below
(keeping the text), and nothing is selected when it opens. It offers QLineEdit's few calls
the window uses (text, cursorPosition, setCursorPosition, deselect, hasSelectedText, end).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QFrame,
    QLineEdit,
    QStyledItemDelegate,
    QWidget,
)

from app.gui.line_like import LineLikeEdit

COMMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SegmentTextEdit(LineLikeEdit):
    done = Signal()  # Enter: keep the text and close
    heightWanted = Signal(int)  # the wrapped text's height in pixels, as it changes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(True)
        self.document().setDocumentMargin(3)
        self.document().documentLayout().documentSizeChanged.connect(  # after the text is wrapped again
            lambda _size: self.heightWanted.emit(self.wanted_height()))

    def load(self, text: str) -> None:
        """The segment's text, as the model holds it."""
        self.loaded = text
        self.setPlainText(text)

    def typed(self) -> bool:
        """The text differs from what was loaded: the typist has typed."""
        return self.toPlainText() != getattr(self, "loaded", self.toPlainText())

    # ------------------------------------------------ QLineEdit's calls (text, cursor: LineLikeEdit)
    def deselect(self) -> None:
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)

    def hasSelectedText(self) -> bool:
        return self.textCursor().hasSelection()

    def end(self, mark: bool) -> None:
        mode = QTextCursor.MoveMode.KeepAnchor if mark else QTextCursor.MoveMode.MoveAnchor
        self.moveCursor(QTextCursor.MoveOperation.End, mode)

    # ------------------------------------------------------- keys
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if key in COMMIT_KEYS and not mods & Qt.KeyboardModifier.ShiftModifier:
            self.done.emit()  # a segment is one paragraph: Enter never breaks the line
            return
        if key in COMMIT_KEYS:
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not mods and self._at_edge(key == Qt.Key.Key_Up):
            event.ignore()  # to the view: the line above or below (the text is kept)
            return
        super().keyPressEvent(event)

    def _at_edge(self, up: bool) -> bool:
        """The caret is on the first (up) or last (down) wrapped line."""
        cursor = self.textCursor()
        block = cursor.block()
        layout = block.layout()
        line = layout.lineForTextPosition(cursor.positionInBlock()).lineNumber() if layout else 0
        if up:
            return not block.previous().isValid() and line <= 0
        return not block.next().isValid() and (layout is None or line >= layout.lineCount() - 1)

    def extra_height(self) -> int:
        return 2  # 2 px more than the text and its margins: the whole text shown, no scroll bar


def grow_row(view, index: QModelIndex, editor: SegmentTextEdit, height: int) -> None:  # type: ignore[no-untyped-def]
    """The row at least as tall as the text being typed, the editor filling it."""
    if view.rowHeight(index.row()) < height:
        view.setRowHeight(index.row(), height)
    rect = view.visualRect(index)
    editor.setGeometry(rect.x(), rect.y(), rect.width(), max(rect.height(), height))


EDITORS = (QLineEdit, SegmentTextEdit)  # a cell's editor: the speaker's line, the text's paragraph


def keep_typed(table: QAbstractItemView) -> int | None:
    """What is being typed in one of the table's cells, stored and its editor closed; the caret's place
    in it, or None when nothing is being typed. Called before anything that reads or changes the whole
    transcript: a sign-off (from the menu, its key or its button, none of which takes the focus) signed
    the text without the words being typed, which were stored after it and undid the sign-off; an
    export wrote the text without them."""
    focus = table.focusWidget() if table.state() == QAbstractItemView.State.EditingState else None
    if isinstance(focus, EDITORS):
        pos = focus.cursorPosition()
        table.commitData(focus)
        table.closeEditor(focus, QStyledItemDelegate.EndEditHint.NoHint)
        return pos
    return None


def open_text_editor(delegate, parent: QWidget, index: QModelIndex) -> SegmentTextEdit:  # type: ignore[no-untyped-def]
    """The text cell's editor, wired to `delegate`: Enter keeps the text; the row grows with it."""
    editor = SegmentTextEdit(parent)
    editor.setFont(parent.font())
    kept = QPersistentModelIndex(index)
    view = delegate.parent()

    def finish() -> None:
        delegate.commitData.emit(editor)
        delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    editor.done.connect(finish)
    editor.heightWanted.connect(lambda h: kept.isValid() and grow_row(view, QModelIndex(kept), editor, h))
    return editor
