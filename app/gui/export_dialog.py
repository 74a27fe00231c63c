"""The export dialog: formats (remembered; PDF on by default), folder, one exhibit or all, and
the record of interview's header for the exhibit on screen (kept in the case, audited)."""

from __future__ import annotations

from dataclasses import asdict

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.store.interview import LIST_FIELDS
from app.core.types import InterviewDetails
from app.gui.wrapped_field import WrappedField

DEFAULT_FORMATS = ("pdf", "docx", "json")
FIELD_TITLES = {
    "case_ref": "Case reference", "exhibit_ref": "Exhibit reference", "interviewee": "Person interviewed",
    "officers": "Interviewing officer(s)", "present": "Others present", "place": "Place", "date": "Date",
    "start": "Start time", "end": "End time",
}


class ExportDialog(QDialog):
    def __init__(self, formats: list[str], folder: str, parent: QWidget | None = None,
                 details: InterviewDetails | None = None, chosen: list[str] | None = None,
                 exhibit_name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export transcripts")
        self.boxes = {f: QCheckBox(f.upper()) for f in formats}
        for name in chosen or DEFAULT_FORMATS:
            if name in self.boxes:
                self.boxes[name].setChecked(True)
        self.folder = QLineEdit(folder)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.all_box = QCheckBox("All exhibits (otherwise the one on screen)")
        self.fields = {name: WrappedField() for name in FIELD_TITLES}
        self.initial = details
        row = QHBoxLayout()
        for box in self.boxes.values():
            row.addWidget(box)
        where = QHBoxLayout()
        where.addWidget(QLabel("Into folder"))
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        note = QLabel("Exports take the current transcript (edited or verified, else the machine draft) "
                      "and are never written beside the evidence. DOCX and PDF are a record of interview once the "
                      "person interviewed, an officer, place, date or time is given, else the transcript of a recording.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")  # what OK would do, said
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(where)
        layout.addWidget(self.all_box)
        if details is not None:
            layout.addWidget(self._header_box(details, exhibit_name))
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _header_box(self, details: InterviewDetails, exhibit_name: str) -> QGroupBox:
        # which exhibit the fields belong to, by name ("this exhibit" left the user to guess, with
        # "All exhibits" ticked above it)
        # its details make the DOCX/PDF a record of interview; without them it is a transcript of a recording
        box = QGroupBox(f"Interview details of {exhibit_name or 'this exhibit'} (for a record of interview)")
        box.setToolTip(exhibit_name)
        form = QFormLayout(box)
        for name, title in FIELD_TITLES.items():
            value = getattr(details, name)
            text = joined(value) if name in LIST_FIELDS else value
            self.fields[name].setText(text)  # read from its start, its whole text its tooltip (WrappedField)
            if name in LIST_FIELDS:
                self.fields[name].setPlaceholderText("names, separated by commas (or ;)")
            hint = self.fields[name].placeholderText() or "DC Karen Jones; DS Raj Patel"
            self.fields[name].setMinimumWidth(self.fields[name].fontMetrics().horizontalAdvance(hint) + 24)  # not cut
            form.addRow(title, self.fields[name])
        return box

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def formats(self) -> list[str]:
        return [f for f, box in self.boxes.items() if box.isChecked()]

    def header_changes(self) -> dict[str, str | list[str]]:
        """The fields the user changed (to be written to the case), or {}."""
        if self.initial is None:
            return {}
        old = asdict(self.initial)
        changes: dict[str, str | list[str]] = {}
        for name, edit in self.fields.items():
            text = edit.text().strip()
            shown = joined(old[name]) if name in LIST_FIELDS else old[name] or ""
            if text == shown.replace("\n", " ").strip():  # as shown: "Harris, Ann" stays one officer, not two,
                continue  # and a place stored with a line break (`--place $'Room 3\nLeeds'`) is no change
            value: str | list[str] = split_names(text) if name in LIST_FIELDS else text
            if (list(old[name]) if name in LIST_FIELDS else old[name]) != value:
                changes[name] = value
        return changes


def joined(names: tuple[str, ...] | list[str]) -> str:
    """A list field as shown: names split by commas, or by semicolons where a name holds a comma
    ("Harris, Ann; Patel, Raj", as `interview --officer` may have set them)."""
    return ("; " if any("," in n for n in names) else ", ").join(names)


def split_names(text: str) -> list[str]:
    """The names typed: split by semicolons when there are any, else by commas."""
    return [p.strip() for p in text.split(";" if ";" in text else ",") if p.strip()]


def remembered_formats(settings: QSettings) -> list[str] | None:
    value = settings.value("export/formats", None)
    if not value:
        return None
    return [value] if isinstance(value, str) else [str(v) for v in value]
