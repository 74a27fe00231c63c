"""A QPlainTextEdit that wraps its text yet offers QLineEdit's few calls the window uses.

Shared by the segment editor (`text_editor.SegmentTextEdit`) and the export dialog's wrapping fields
(`wrapped_field.WrappedField`): both replaced a one-line editor that scrolled a long text sideways.
"""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit


class LineLikeEdit(QPlainTextEdit):
    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)

    def cursorPosition(self) -> int:
        return self.textCursor().position()

    def setCursorPosition(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(max(0, min(position, len(self.toPlainText()))))
        self.setTextCursor(cursor)

    def text_height(self) -> float:
        """The height of every wrapped line of the text, in pixels, without margins."""
        block, height = self.document().firstBlock(), 0.0
        while block.isValid():
            height += self.blockBoundingRect(block).height()
            block = block.next()
        return height

    def wanted_height(self) -> int:
        """The wrapped text's height (`least_text_height` at least) with the document's margins and `extra_height`:
        the box shows all of it."""
        height = max(self.text_height(), self.least_text_height())
        return int(height + 2 * self.document().documentMargin() + self.extra_height())

    def least_text_height(self) -> float:
        return 0.0

    def extra_height(self) -> int:
        return 0
