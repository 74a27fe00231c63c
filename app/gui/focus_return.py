"""The keyboard comes back to where the typist was when a dialog of the window closes.

A question (merge two speakers' lines? sign off?) or a dialog (export, rename, new speaker)
left no active window and no focus once it closed, offscreen and under X without a window
manager's help: the next keys (Ctrl+2, Ctrl+Z, Down) went nowhere. Each modal dialog over
the window is watched: when it hides, the window is activated again and the widget that had
the keyboard before it opened gets it back (else the window's own last one).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from shiboken6 import getCppPointer, isValid


class FocusReturn(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.before: dict[int, QWidget | None] = {}  # an open dialog (its address): the focus before it
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.Hide) or not isinstance(watched, QDialog):
            return False
        if not watched.isModal() or not self._over_window(watched):
            return False
        key = getCppPointer(watched)[0]  # a dialog made in C++ (QMessageBox.question) may get a new wrapper
        if kind == QEvent.Type.Show:
            self.before[key] = QApplication.focusWidget()
        elif key in self.before:
            focus = self.before.pop(key)
            QTimer.singleShot(0, self, lambda: self.give_back(focus))
        return False

    def _over_window(self, dialog: QDialog) -> bool:
        parent = dialog.parentWidget()
        return parent is not None and parent.window() is self.window

    def give_back(self, focus: QWidget | None) -> None:
        """Activate the window; the keyboard to `focus` if it is still there, shown and usable."""
        if not isValid(self.window) or not self.window.isVisible() or QApplication.activeModalWidget():
            return
        self.window.activateWindow()
        if focus is not None and isValid(focus) and focus.isVisible() and focus.isEnabled() \
                and focus.window() is self.window:
            focus.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
