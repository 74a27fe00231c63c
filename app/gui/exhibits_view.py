"""The case's exhibits: add files or folders (dialog or drag and drop), and a table of them."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.store import Case, Exhibit
from app.gui.table_model import ColumnsModel

COLUMNS = ("Name", "Type", "Duration", "Language", "SHA-256", "Status")


def kind_of(exhibit: Exhibit) -> str:
    s = exhibit.source
    if s.kind in ("text", "chat"):
        return "text"
    return "video" if s.has_video else "audio"


def duration_text(ms: int) -> str:
    if ms <= 0:
        return ""
    seconds = ms // 1000
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class ExhibitRow:
    exhibit: Exhibit
    language: str
    status: str
    verified_by: str | None = None


def exhibit_rows(case: Case) -> list[ExhibitRow]:
    """Exhibits with their language (latest run) and a one-word status (jobs, runs, edits)."""
    from app.core import editing

    jobs: dict[int, tuple[str, float]] = {}
    try:
        for r in case.conn.execute("SELECT exhibit_id, state, progress FROM jobs ORDER BY id"):
            jobs[r[0]] = (r[1], r[2] or 0.0)
    except Exception:  # noqa: BLE001, S110 - no jobs table (older store)
        pass
    rows = []
    for e in case.exhibits():
        run = case.conn.execute(
            "SELECT id, language, status FROM runs WHERE exhibit_id=? AND task IN ('transcribe','translate')"
            " ORDER BY (status='complete') DESC, id DESC LIMIT 1", (e.id,)).fetchone()
        language = (run["language"] or "") if run else ""
        status = "not transcribed"
        verified_by = None
        if run is not None and run["status"] == "complete":
            state, by = editing.status(case, run["id"])
            status = {"machine draft": "transcribed", "edited": "edited"}.get(state, "verified")
            verified_by = by
        job = jobs.get(e.id)
        if job and job[0] in ("queued", "running", "paused", "failed"):
            state, fraction = job
            status = f"running {fraction:.0%}" if state == "running" else state
        rows.append(ExhibitRow(e, language, status, verified_by))
    return rows


class ExhibitsModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ExhibitRow] = []

    def set_rows(self, rows: list[ExhibitRow]) -> None:
        if [r.exhibit.id for r in rows] == [r.exhibit.id for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        s = row.exhibit.source
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (s.name, kind_of(row.exhibit), duration_text(s.duration_ms), row.language,
                    s.sha256[:12] + "…", row.status)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 4:
                return f"SHA-256 {s.sha256}\n(right-click or Ctrl+C to copy)"
            if col == 0:
                return "\n".join(row.exhibit.paths)
            if col == 5 and row.verified_by:
                return f"verified by {row.verified_by}"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.exhibit.id
        return None

    def exhibit_at(self, row: int) -> Exhibit | None:
        return self.rows[row].exhibit if 0 <= row < len(self.rows) else None

    def row_of(self, exhibit_id: int) -> int:
        return next((i for i, r in enumerate(self.rows) if r.exhibit.id == exhibit_id), -1)


class IntakeSignals(QObject):
    found = Signal(object)  # app.core.intake.Found
    finished = Signal(int)  # how many found


def run_intake(paths: list[str], signals: IntakeSignals) -> threading.Thread:
    """Probe and hash in a thread (never the GUI thread); results arrive as signals."""

    def work() -> None:
        from app.core.intake import find_media

        count = 0
        for found in find_media(paths):
            signals.found.emit(found)
            count += 1
        signals.finished.emit(count)

    thread = threading.Thread(target=work, name="parley-intake", daemon=True)
    thread.start()
    return thread


class ExhibitsView(QWidget):
    """Table of exhibits, buttons to add and to transcribe; accepts dropped files and folders."""

    addPaths = Signal(list)
    transcribeRequested = Signal(list)  # exhibit ids
    selected = Signal(object)  # exhibit id or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.model = ExhibitsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.table.selectionModel().selectionChanged.connect(self._selection)
        copy = QAction("Copy SHA-256", self.table)
        copy.setShortcut("Ctrl+C")
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_hash)
        self.table.addAction(copy)

        self.add_files_button = QPushButton("Add files…")
        self.add_folder_button = QPushButton("Add folder…")
        self.transcribe_button = QPushButton("Transcribe selected")
        self.add_files_button.clicked.connect(self.pick_files)
        self.add_folder_button.clicked.connect(self.pick_folder)
        self.transcribe_button.clicked.connect(
            lambda: self.transcribeRequested.emit(self.selected_ids()))
        self.hint = QLabel("Drop files or folders here to add them as exhibits.")
        self.hint.setObjectName("hint")
        buttons = QHBoxLayout()
        for b in (self.add_files_button, self.add_folder_button, self.transcribe_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        title = QLabel("<b>Exhibits</b>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)

    # ----------------------------------------------------------- selection
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].exhibit.id for r in rows]

    def current_id(self) -> int | None:
        ids = self.selected_ids()
        return ids[0] if ids else None

    def select(self, exhibit_id: int) -> None:
        row = self.model.row_of(exhibit_id)
        if row >= 0:
            self.table.selectRow(row)

    def _selection(self, *_args: object) -> None:
        self.selected.emit(self.current_id())

    def set_rows(self, rows: list[ExhibitRow]) -> None:
        keep = self.selected_ids()
        self.model.set_rows(rows)
        if keep and self.selected_ids() != keep:
            self.table.blockSignals(True)
            self.select(keep[0])
            self.table.blockSignals(False)

    # -------------------------------------------------------------- adding
    def pick_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add exhibits", "", "All files (*)")
        if files:
            self.addPaths.emit(files)

    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of exhibits")
        if folder:
            self.addPaths.emit([folder])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.addPaths.emit(paths)
            event.acceptProposedAction()

    # ---------------------------------------------------------------- misc
    def copy_hash(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        hashes = [r.exhibit.source.sha256 for r in self.model.rows if r.exhibit.id in ids]
        QGuiApplication.clipboard().setText("\n".join(hashes))

    def _menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.addAction("Copy SHA-256", self.copy_hash)
        menu.addAction("Transcribe", lambda: self.transcribeRequested.emit(self.selected_ids()))
        menu.exec(self.table.viewport().mapToGlobal(pos))

