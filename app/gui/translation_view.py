"""Source and translation side by side, segment by segment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor
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

from app.core.editing import operations as editing
from app.core.editing.proofread import set_aside
from app.core.store import Case
from app.core.store.views import translation_runs
from app.core.translation.runs import edited_from_draft, is_current, made_from
from app.core.types import FLAG_LENGTH_LONG, FLAG_LENGTH_SHORT, FLAG_LOW_CONFIDENCE, Segment
from app.gui.editor_model import clock
from app.gui.run_notice import safe_language_name
from app.gui.table_model import ColumnsModel

FLAG_WORDS = {
    FLAG_LENGTH_LONG: "longer than expected: may repeat text",
    FLAG_LENGTH_SHORT: "shorter than expected: may have dropped text",
    FLAG_LOW_CONFIDENCE: "the model was unsure",
}
CHECK_BG = QColor("#fff1c2")


@dataclass(frozen=True)
class PairRow:
    start_ms: int
    end_ms: int
    source: str
    translation: str
    speaker: str = ""
    flags: tuple[str, ...] = ()

    def check(self) -> str:
        return "; ".join(FLAG_WORDS.get(f, f.replace("_", " ")) for f in self.flags)


def pair_segments(source: tuple[Segment, ...], target: tuple[Segment, ...]) -> list[PairRow]:
    """One row per translated segment: its own source_text when it has one, else the source
    segments overlapping it in time; the speaker (of the translation, else its source)."""
    rows = []
    for t in target:
        overlapping = [s for s in source if min(s.end_ms, t.end_ms) - max(s.start_ms, t.start_ms) > 0
                       or s.start_ms == t.start_ms]
        src = t.source_text or " ".join(s.text for s in overlapping).strip()
        speaker = t.speaker or next((s.speaker for s in overlapping if s.speaker), "") or ""
        flags = tuple(f for f in t.flags if f in FLAG_WORDS)
        rows.append(PairRow(t.start_ms, t.end_ms, src, t.text, speaker, flags))
    return rows


def _stale_note(case: Case, run_id: int, source_run_id: int | None) -> str:
    """A text translation of a transcript edited since it was made: its source column shows the text it
    was made from, not the transcript as it stands in the Editor (nothing said so). A speech translation
    (Whisper's, from the recording) beside a transcript that has been corrected: the corrections are
    not in it (nothing said so either, where the text translation said it)."""
    run = case.run(run_id)
    if run.parent_run_id is None:
        if run.task != "translate" or source_run_id is None or not edited_from_draft(case, source_run_id):
            return ""
        return ("; translated from the recording: the transcript beside it has been edited since its machine "
                "draft, and its corrections are not in this translation")
    if made_from(case, run_id) is None or is_current(case, run_id):
        return ""
    return "; made from an earlier text: the transcript has been edited since (translate again for the current text)"


def _set_aside_note(case: Case, exhibit_id: int, run_id: int) -> str:
    """"; a translation of a machine draft (run 2), newer than the corrections (run 1) by …, set aside": what its
    exports say (`set_aside`); "" when it sets nothing aside."""
    aside = set_aside(case, exhibit_id, run_id)
    return f"; {aside.draft_note()}" if aside is not None else ""


class PairModel(ColumnsModel):
    columns = ("Time", "Source", "Translation", "Speaker", "Check")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[PairRow] = []

    def set_rows(self, rows: list[PairRow], source_lang: str, target_lang: str) -> None:
        self.beginResetModel()
        self.rows = rows
        self.columns = ("Time", f"Source ({source_lang})" if source_lang else "Source",
                        f"Translation ({target_lang})" if target_lang else "Translation", "Speaker", "Check")
        self.endResetModel()

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return row.start_ms
        if role == Qt.ItemDataRole.BackgroundRole and row.flags and index.column() in (2, 4):
            return CHECK_BG
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (f"{clock(row.start_ms)} – {clock(row.end_ms)}", row.source, row.translation,
                    row.speaker, row.check())[index.column()] or None
        return None


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
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, as the other tables' does
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 140)
        header.moveSection(3, 1)  # shown as: Time, Speaker, Source, Translation, Check
        self.table.clicked.connect(lambda i: self.seekRequested.emit(int(i.data(Qt.ItemDataRole.UserRole))))
        self.runs = QComboBox()
        self.runs.setPlaceholderText("none yet")
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
        for run in runs:
            target = "en" if run.task == "translate" else run.language  # Whisper translates into English
            parent = f" (from run {run.parent_run_id})" if run.parent_run_id else ""
            self.runs.addItem(f"run {run.id}: {run.task} → {safe_language_name(target)}{parent}", run.id)
        self.runs.setCurrentIndex(0 if runs else -1)  # with a placeholder, adding items selects none
        self.runs.blockSignals(False)
        self.runs.setEnabled(bool(runs))  # an empty list to open says nothing the note does not
        if not runs:
            self.model.set_rows([], "", "")
            self.note.setText("No translation of this exhibit yet." if exhibit_id is not None
                              else "Select an exhibit.")
            return
        self._show_selected()

    def reload(self) -> None:
        """The exhibit shown read again, the translation chosen kept: shown again after the Editor, the tab
        held the source text (and the note) as they were when it was filled, not the corrections since."""
        if self.exhibit_id is None:
            return
        chosen = self.runs.currentData()
        self.show_exhibit(self.exhibit_id)
        index = self.runs.findData(chosen) if chosen is not None else -1
        if index > 0:
            self.runs.setCurrentIndex(index)  # shown by its currentIndexChanged

    def has_translation(self) -> bool:
        return self.runs.count() > 0

    def current_run(self) -> int | None:
        """The translation on screen (what Export writes while this tab is shown)."""
        return self.runs.currentData()

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
        rows = pair_segments(source, target.segments)
        self.model.set_rows(rows, safe_language_name(source_lang) if source_lang else "",
                            safe_language_name(target_lang) if target_lang else "")
        flagged = sum(1 for r in rows if r.flags)
        self.note.setText(f"{len(target.segments)} segment(s); status: {target.status}"
                          + (f" by {target.verified_by}" if target.verified_by else "")
                          + (f"; {flagged} to check (marked)" if flagged else "")
                          + _stale_note(self.case, run_id, parent_id)
                          + _set_aside_note(self.case, run.exhibit_id, run_id))
