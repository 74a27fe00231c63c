"""Source and translation side by side, segment by segment."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import editing
from app.core.store import Case
from app.core.types import Segment
from app.gui.editor_model import clock
from app.gui.table_model import ColumnsModel

TRANSLATION_TASKS = ("translate", "text-translate")


def translation_runs(case: Case, exhibit_id: int) -> list[tuple[int, str, str | None, int | None]]:
    """(run id, task, language, parent run id) of the exhibit's translation runs, newest first."""
    return [(r["id"], r["task"], r["language"], r["parent_run_id"]) for r in case.conn.execute(
        "SELECT id, task, language, parent_run_id FROM runs WHERE exhibit_id=? AND task IN (?,?)"
        " ORDER BY id DESC", (exhibit_id, *TRANSLATION_TASKS))]


def pair_segments(source: tuple[Segment, ...], target: tuple[Segment, ...]) -> list[tuple[int, int, str, str]]:
    """(start, end, source text, translation) rows: a translation's own source_text when it has
    one, else the source segments overlapping it in time."""
    rows = []
    for t in target:
        if t.source_text:
            src = t.source_text
        else:
            src = " ".join(s.text for s in source
                           if min(s.end_ms, t.end_ms) - max(s.start_ms, t.start_ms) > 0
                           or (s.start_ms == t.start_ms)).strip()
        rows.append((t.start_ms, t.end_ms, src, t.text))
    return rows


class PairModel(ColumnsModel):
    columns = ("Time", "Source", "Translation")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[int, int, str, str]] = []

    def set_rows(self, rows: list[tuple[int, int, str, str]], source_lang: str, target_lang: str) -> None:
        self.beginResetModel()
        self.rows = rows
        self.columns = ("Time", f"Source ({source_lang})" if source_lang else "Source",
                        f"Translation ({target_lang})" if target_lang else "Translation")
        self.endResetModel()

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            if role == Qt.ItemDataRole.UserRole and index.isValid():
                return self.rows[index.row()][0]
            return None
        start, end, src, dst = self.rows[index.row()]
        return (f"{clock(start)} – {clock(end)}", src, dst)[index.column()]


class TranslationView(QWidget):
    seekRequested = Signal(int)

    def __init__(self, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.exhibit_id: int | None = None
        self.model = PairModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(lambda i: self.seekRequested.emit(int(i.data(Qt.ItemDataRole.UserRole))))
        self.runs = QComboBox()
        self.runs.currentIndexChanged.connect(lambda _i: self._show_selected())
        self.note = QLabel("")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Translation run:"))
        top.addWidget(self.runs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

    def set_case(self, case: Case) -> None:
        self.case = case
        self.show_exhibit(None)

    def show_exhibit(self, exhibit_id: int | None) -> None:
        self.exhibit_id = exhibit_id
        runs = translation_runs(self.case, exhibit_id) if exhibit_id is not None else []
        self.runs.blockSignals(True)
        self.runs.clear()
        for run_id, task, lang, parent in runs:
            target = "en" if task == "translate" else (lang or "?")  # Whisper translates into English
            self.runs.addItem(f"run {run_id}: {task} → {target}" + (f" (from run {parent})" if parent else ""),
                              run_id)
        self.runs.blockSignals(False)
        if not runs:
            self.model.set_rows([], "", "")
            self.note.setText("No translation of this exhibit yet." if exhibit_id is not None
                              else "Select an exhibit.")
            return
        self._show_selected()

    def has_translation(self) -> bool:
        return self.runs.count() > 0

    def _show_selected(self) -> None:
        run_id = self.runs.currentData()
        if run_id is None:
            return
        run = self.case.run(run_id)
        target = editing.current_transcript(self.case, run_id)
        source: tuple[Segment, ...] = ()
        source_lang = target.source_language or ""
        parent_id = run.parent_run_id
        if parent_id is None:  # Whisper's own speech translation: pair with the exhibit's transcript
            parent_id = self.case.latest_run(run.exhibit_id, "transcribe")
        if parent_id is not None:
            parent = editing.current_transcript(self.case, parent_id)
            source = parent.segments
            source_lang = source_lang or (parent.language or "")
        if run.task == "translate":  # Whisper's speech translation: the run's language is the source's
            source_lang, target_lang = source_lang or (target.language or ""), "en"
        else:
            target_lang = target.language or ""
        self.model.set_rows(pair_segments(source, target.segments), source_lang, target_lang)
        self.note.setText(f"{len(target.segments)} segment(s); status: {target.status}"
                          + (f" by {target.verified_by}" if target.verified_by else ""))
