"""Where and in which formats to write a chat's timeline (JSON is always written)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.export.timeline import TIMELINE_FORMATS


class TimelineExportDialog(QDialog):
    def __init__(self, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export timeline")
        self.folder_edit = QLineEdit(folder)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.boxes = {f: QCheckBox(f.upper()) for f in TIMELINE_FORMATS}
        self.boxes["json"].setChecked(True)
        self.boxes["json"].setEnabled(False)  # the record every other format is read beside
        self.boxes["pdf"].setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")  # what OK would do, said
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        formats = QHBoxLayout()
        for box in self.boxes.values():
            formats.addWidget(box)
        formats.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Folder (not inside the evidence):"))
        layout.addLayout(row)
        layout.addWidget(QLabel("Formats:"))
        layout.addLayout(formats)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export the timeline to", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def formats(self) -> list[str]:
        return [f for f, box in self.boxes.items() if box.isChecked()]
