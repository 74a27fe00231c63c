"""Small widgets shared by the window: labels that elide instead of widening their pane, a question."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QSizePolicy, QToolButton, QWidget


class ElidedLabel(QLabel):
    """A one-line plain-text label that never asks for more width than `width_chars` allow.

    Long text is cut with "…" (the whole text is in the tooltip), so a long name or a
    changing status never widens or shifts the panes around it.
    """

    def __init__(self, text: str = "", width_chars: int = 20, parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self._chars = width_chars
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * min(width_chars, 8))
        self.set_text(text)

    def full_text(self) -> str:
        return self._full

    def set_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.averageCharWidth() * self._chars, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(10, self.width() - 2)
        super().setText(self.fontMetrics().elidedText(self._full, self._mode, width))


def tool_button(text: str, tip: str, slot, parent: QWidget | None = None) -> QToolButton:  # type: ignore[no-untyped-def]
    """A compact button (narrower than a QPushButton), with its key in the tooltip."""
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.clicked.connect(slot)
    return button


SELECTION_BG = QColor("#2563a6")  # white on this: contrast 6.2:1 (the default blue gave 3.7:1)


def readable_selection(widget: QWidget) -> None:
    """Selected rows in a darker blue, so their white text reaches a 4.5:1 contrast."""
    palette = widget.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Highlight, SELECTION_BG)
        palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor("white"))
    widget.setPalette(palette)


class ProblemBanner(QLabel):
    """What stops the work ("Needs attention"), in words a user can act on; hidden when all is well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.problems: list[str] = []
        self.setWordWrap(True)
        self.setObjectName("banner")
        self.setStyleSheet("QLabel#banner { background:#fff1c2; color:#3d2e00; padding:8px;"
                           " border:1px solid #e0b64c; border-radius:4px; }")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.hide()

    def add(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)
        self._show()

    def replace(self, prefix: str, text: str) -> None:
        """Show `text` in place of the problem starting with `prefix` (a second worker crash is said
        again, with its count, not dropped as the same text)."""
        self.drop(prefix)
        self.add(text)

    def drop(self, prefix: str) -> None:
        """Forget the problems starting with `prefix` (the banner hides when none is left)."""
        self.problems = [p for p in self.problems if not p.startswith(prefix)]
        self._show()

    def reset(self, keep_prefix: str, problems: list[str]) -> None:
        """Replace every problem but those starting with `keep_prefix` by `problems`."""
        self.problems = [p for p in self.problems if p.startswith(keep_prefix)]
        for problem in problems:
            if problem not in self.problems:
                self.problems.append(problem)
        self._show()

    def _show(self) -> None:
        if not self.problems:
            self.hide()
            return
        items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
        self.setText(f"<b>Needs attention</b><ul style='margin:0'>{items}</ul>")
        self.show()


def confirm_transcribe_again(parent: QWidget, done: int, total: int, corrected: tuple[str, ...] = ()) -> bool:
    """Asked before transcribing exhibits of which `done` already have a transcript; `corrected`: "the
    corrections (run N) by NAME on FILE" for those a person corrected or verified, which the new machine draft supersedes."""
    superseded = (f" The new machine draft supersedes {'; '.join(corrected[:3])}"
                  f"{f' and {len(corrected) - 3} more' if len(corrected) > 3 else ''}: it is shown in their place."
                  if corrected else "")
    answer = QMessageBox.question(
        parent, "Transcribe again?",
        f"{done} of the {total} selected exhibit(s) already have a transcript. "
        f"Transcribe again? A new transcript is made; the existing ones and their edits are kept.{superseded}")
    return answer == QMessageBox.StandardButton.Yes
