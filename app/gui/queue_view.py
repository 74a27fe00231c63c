"""The job queue: every job with a progress bar, ETA and state; cancel, pause, resume, retry, priority."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QRect, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.gui.table_model import ColumnsModel

COLUMNS = ("#", "Exhibit", "Task", "State", "Progress", "ETA", "Priority", "Tries", "Note")
PROGRESS_COL = 4


def eta_text(eta_s: float | None, state: str) -> str:
    if state != "running" or eta_s is None or eta_s < 0:
        return ""
    eta = round(eta_s)
    m, s = divmod(eta, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class QueueModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[Any] = []  # app.core.jobs.Job
        self.names: dict[int, str] = {}
        self.live: dict[int, tuple[float, float | None]] = {}  # job id -> (fraction, eta) from events

    def set_jobs(self, jobs: list[Any], names: dict[int, str]) -> None:
        self.names = names
        if [j.id for j in jobs] == [j.id for j in self.jobs]:
            self.jobs = jobs
            if jobs:
                self.dataChanged.emit(self.index(0, 0), self.index(len(jobs) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.jobs = jobs
        self.endResetModel()

    def set_live(self, job_id: int, fraction: float, eta_s: float | None) -> None:
        self.live[job_id] = (fraction, eta_s)
        for row, job in enumerate(self.jobs):
            if job.id == job_id:
                self.dataChanged.emit(self.index(row, PROGRESS_COL), self.index(row, PROGRESS_COL + 1))

    def progress_of(self, job: Any) -> tuple[float, float | None]:
        if job.state == "done":
            return 1.0, None
        live = self.live.get(job.id)
        if job.state == "running" and live and live[0] >= (job.progress or 0):
            return live
        return float(job.progress or 0.0), job.eta_s

    def row_total(self) -> int:
        return len(self.jobs)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        col = index.column()
        fraction, eta = self.progress_of(job)
        if role == Qt.ItemDataRole.DisplayRole:
            opts = job.options if isinstance(job.options, dict) else {}
            kind = "translate" if opts.get("task") == "translate" else job.task
            task = f"{kind} · {opts['model']}" if opts.get("model") else kind
            return (str(job.id), self.names.get(job.exhibit_id, str(job.exhibit_id)), task, job.state,
                    f"{fraction:.0%}", eta_text(eta, job.state), str(job.priority),
                    f"{job.attempts}/{job.max_attempts}", job.error or "")[col]
        if role == Qt.ItemDataRole.UserRole:
            return fraction
        if role == Qt.ItemDataRole.ToolTipRole and col == len(COLUMNS) - 1 and job.error:
            return job.error
        return None

    def job_at(self, row: int) -> Any:
        return self.jobs[row] if 0 <= row < len(self.jobs) else None


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(option.rect.adjusted(2, 3, -2, -3))
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(1000 * float(index.data(Qt.ItemDataRole.UserRole) or 0.0))
        bar.text = index.data() or ""
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class QueueView(QWidget):
    """Buttons act on the selected job; with none selected, pause/resume/cancel act on the queue."""

    action = Signal(str, object)  # ("cancel"|"pause"|"resume"|"retry"|"priority+"|"priority-", job id|None)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QueueModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(PROGRESS_COL, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PROGRESS_COL, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PROGRESS_COL, 120)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, label, tip in (
            ("cancel", "Cancel", "Cancel the selected job (or, with none selected, every pending job)"),
            ("pause", "Pause", "Pause the selected job (or the whole queue)"),
            ("resume", "Resume", "Resume the selected job (or the whole queue)"),
            ("retry", "Retry", "Queue a failed or cancelled job again"),
            ("priority+", "Priority ▲", "Raise the selected job's priority"),
            ("priority-", "Priority ▼", "Lower the selected job's priority"),
        ):
            button = QPushButton(label)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, n=name: self.action.emit(n, self.selected_job_id()))
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.summary = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QHBoxLayout()
        title.addWidget(QLabel("<b>Queue</b>"))
        title.addStretch(1)
        title.addWidget(self.summary)
        layout.addLayout(title)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def selected_job_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        job = self.model.job_at(rows[0].row()) if rows else None
        return job.id if job else None

    def set_jobs(self, jobs: list[Any], names: dict[int, str], counts: dict[str, int] | None = None,
                 worker: str = "") -> None:
        keep = self.selected_job_id()
        self.model.set_jobs(jobs, names)
        if keep is not None and self.selected_job_id() != keep:
            for r, job in enumerate(jobs):
                if job.id == keep:
                    self.table.selectRow(r)
        if counts is not None:
            parts = [f"{n} {s}" for s, n in counts.items() if n]
            self.summary.setText(" · ".join(parts + ([worker] if worker else [])))
