"""The export dialog: formats, folder, one exhibit or all."""

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


class ExportDialog(QDialog):
    def __init__(self, formats: list[str], folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export transcripts")
        self.boxes = {f: QCheckBox(f.upper()) for f in formats}
        for name in ("json", "docx"):
            if name in self.boxes:
                self.boxes[name].setChecked(True)
        self.folder = QLineEdit(folder)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.all_box = QCheckBox("All exhibits (otherwise the one on screen)")
        row = QHBoxLayout()
        for box in self.boxes.values():
            row.addWidget(box)
        where = QHBoxLayout()
        where.addWidget(QLabel("Into folder"))
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        note = QLabel("Exports take the current transcript (edited or verified, else the machine draft) "
                      "and are never written beside the evidence.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(where)
        layout.addWidget(self.all_box)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def formats(self) -> list[str]:
        return [f for f, box in self.boxes.items() if box.isChecked()]


