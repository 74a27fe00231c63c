"""A one-line form field that wraps: a long place, or a list of officers, shown whole.

The export dialog's QLineEdit fields scrolled a long value sideways, its start (or end) hidden. This
field wraps the text over as many lines as it needs, the box growing with it, and keeps the line
edit's ways: Enter is not a new line (the dialog's Export button takes it, as from a line edit), a
pasted line break becomes a space, Tab moves on. It offers the calls the dialog uses (text, setText,
cursorPosition, setCursorPosition, setPlaceholderText); the whole text is also its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt
from PySide6.QtGui import QKeyEvent, QTextOption
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.gui.line_like import LineLikeEdit

LINE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class WrappedField(LineLikeEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit())
        self.textChanged.connect(lambda: self.setToolTip(self.text()))
        self._fit()

    def text(self) -> str:
        return self.toPlainText().replace("\n", " ")

    def least_text_height(self) -> float:
        return self.fontMetrics().lineSpacing()  # one line, when empty too

    def extra_height(self) -> int:
        return self.contentsMargins().top() + self.contentsMargins().bottom()  # the frame

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.wanted_height())

    def _fit(self) -> None:
        if self.height() != self.wanted_height():
            self.setFixedHeight(self.wanted_height())

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._fit()  # wrapped again at the new width

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in LINE_KEYS:
            event.ignore()  # to the dialog, as a line edit leaves it
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        self.insertPlainText(" ".join(source.text().splitlines()))

