"""Files that could not be added, listed beside the exhibits (never a modal box: the queue
keeps running while the user reads them)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.names import printable
from app.core.store import Case
from app.core.store.intake_log import intake_entries, met_once
from app.gui.widgets import tool_button


class NotAddedPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setStyleSheet("QLabel { color:#8a1c1c; font-weight:bold; }")
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        clear = tool_button("Clear", "Clear this list", self.clear)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(clear)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.list)
        self.hide()

    def add(self, path: str, reason: str) -> None:
        name = printable(path.replace("\\", "/").rsplit("/", 1)[-1])
        item = QListWidgetItem(f"{name}: {reason}")
        item.setToolTip(f"{printable(path)}\n{reason}")
        self.list.addItem(item)
        self.title.setText(f"Could not add {self.list.count()} file(s)")
        self.show()

    def entries(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def clear(self) -> None:
        self.list.clear()
        self.hide()

    def show_case(self, case: Case) -> None:
        """The files this case met and could not add, whoever met them (`transcribe` or `queue add`
        at the terminal, an earlier window): the window showed only the ones it met itself."""
        self.clear()
        for e in met_once(intake_entries(case)):
            if e.status == "failed":
                self.add(e.path, e.reason)
