"""Translate the transcript on screen: pick a translation model (installed, or a folder) and
a target language; the job goes to the queue like any other."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from app.core.models.catalogue import list_models
from app.gui.run_notice import RERUN_LANGUAGES, safe_language_name

TRANSLATION_FAMILIES = ("nllb", "m2m100")


def translation_models(models_dir: Path) -> list[tuple[str, str]]:
    """(label, model name or folder) of the installed translation models."""
    return [(f"{m.name} ({m.family.upper()})", m.name) for m in list_models(models_dir)
            if m.family in TRANSLATION_FAMILIES]


class TranslateDialog(QDialog):
    def __init__(self, models_dir: Path, source_language: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Translate the transcript")
        self.setMinimumWidth(460)
        self.model_box = QComboBox()
        for label, name in translation_models(models_dir):
            self.model_box.addItem(label, name)
        browse = QPushButton("Folder…")
        browse.setToolTip("Use a translation model from another folder")
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_box, 1)
        model_row.addWidget(browse)
        self.target_box = QComboBox()
        for code in RERUN_LANGUAGES:
            if code != source_language:
                self.target_box.addItem(safe_language_name(code), code)
        self.note = QLabel("" if self.model_box.count() else
                           f"No translation model is installed in {models_dir}. Choose a model folder, "
                           "or import one with “python -m app models import BUNDLE”.")
        self.note.setWordWrap(True)
        source = safe_language_name(source_language) if source_language else "as detected"
        form = QFormLayout(self)
        form.addRow("Model", model_row)
        form.addRow("From", QLabel(source))
        form.addRow("Into", self.target_box)
        form.addRow(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Translate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._update()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Translation model folder")
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str) -> None:
        self.model_box.addItem(folder, folder)
        self.model_box.setCurrentIndex(self.model_box.count() - 1)
        self.note.setText("")
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(self.model_box.count() > 0)

    def options(self) -> dict[str, str]:
        return {"model": str(self.model_box.currentData()), "target": str(self.target_box.currentData())}
