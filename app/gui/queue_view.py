"""The job queue: every job with a progress bar, ETA and state; cancel, pause, resume, retry, priority."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.column_fit import ColumnFitter, ElideRightDelegate
from app.gui.name_elide import DistinctNameDelegate
from app.gui.queue_eta import (
    ESTIMATE_CAP,
    Estimate,
    batch_of,
    estimate,
    estimating,
    eta_text,
    measured_speed,
    overall_eta,
    overdue,
)
from app.gui.table_model import ColumnsModel
from app.gui.widgets import ElidedLabel

COLUMNS = ("#", "Exhibit", "Task", "State", "Progress", "ETA", "Priority", "Tries", "Note")
PROGRESS_COL = 4
LATE_HOLD_S = 10.0  # once the queue runs longer than estimated, an ETA under this does not bring a time back
VISUAL_ORDER = (1, 3, 4, 5, 2, 6, 7, 8, 0)  # Exhibit, State, Progress, ETA, Task, Priority, Tries, Note, #
WIDEST_BAR_TEXT = "for 9:59:59"  # the Progress column gives way to this in the table's font, no further
BAR_TEXT_MARGIN = 8  # the bar's text kept 4 px clear of each end of its frame (at 2 px its last digit was cut)
BAR_INSET = 5 + BAR_TEXT_MARGIN  # and the cell's grid line and the bar's 2 + 2 px inset in it


def eta_summary(total_s: float | None, ran_out: bool) -> str:
    """The queue's "all done in about 0:50"; once the estimate has run out while jobs still run, that
    they run longer than it (a batch of short files past its expected time read "all done in about 0:00",
    then "finishing…" for as long again, when nothing said it was nearly done)."""
    if total_s is None:
        return ""
    return "· running longer than estimated" if ran_out else f"· all done in about {eta_text(total_s)}"


def estimate_tip(est: Estimate) -> str:
    """What an estimated bar stands on, in words."""
    together = (f"decoded together with {est.files - 1} other short file(s), whose results all come when the "
                "batch ends" if est.files > 1 else "no progress reported yet")
    took = (f"running {eta_text(est.elapsed_s)} so far, longer than the about {eta_text(est.expected_s)} expected"
            if est.late else f"about {eta_text(est.expected_s)} expected in all")
    return f"Estimated from the elapsed time: {together}; {took}"


def job_eta_text(eta_s: float | None, state: str) -> str:
    return eta_text(eta_s) if state == "running" else ""


class QueueModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[Any] = []  # app.core.store.jobs.Job
        self.names: dict[int, str] = {}
        self.durations: dict[int, int] = {}
        self.speed: float | None = None
        self.live: dict[int, tuple[float, float | None]] = {}  # job id -> (fraction, eta) from events
        self.reported: dict[int, float] = {}  # job id -> when its last event came (self.clock)
        self.clock = time.monotonic
        self.stages: dict[int, str] = {}  # job id -> what a running job does after decoding
        self.estimates: dict[int, Estimate] = {}  # job id -> its bar reckoned from the clock (none reported)
        self.started: dict[int, str | None] = {}  # each listed job's last attempt's start, as last read
        self.said_late: frozenset[int] = frozenset()  # the jobs still to do when "running longer" was said

    def set_jobs(self, jobs: list[Any], names: dict[int, str], durations: dict[int, int] | None = None) -> None:
        self.names = names
        self.durations = durations or {}
        self.speed = measured_speed(jobs, self.durations)
        self._drop_stale(jobs)
        with self.rows_replaced([j.id for j in jobs] == [j.id for j in self.jobs]):
            self.jobs = jobs
            self._estimate()

    def _drop_stale(self, jobs: list[Any]) -> None:
        """The events of jobs no longer running, or of an earlier attempt (its start differs), let go: kept,
        every cell walked them all, and another case's job 1 at "95%, 0:02" (or its retried self) made a job
        just started "95%" and "running longer than estimated"."""
        running = {j.id: j.started_at for j in jobs if j.state == "running"}
        for job_id in [i for i in self.live if i not in running or self.started.get(i) not in (None, running[i])]:
            self.live.pop(job_id)
            self.reported.pop(job_id, None)
        self.stages = {i: stage for i, stage in self.stages.items() if i in running}
        if any(self.started.get(i) not in (None, start) for i, start in running.items()):
            self.said_late = frozenset()  # a new attempt: "running longer" was said of the last one
        self.started = {j.id: j.started_at for j in jobs}  # queued between attempts: its last start kept

    def forget(self) -> None:
        """Another case opened in the window: its job ids start at 1 again, so nothing of the last one is kept."""
        self.live, self.reported, self.stages, self.estimates, self.started = {}, {}, {}, {}, {}
        self.said_late = frozenset()

    def _estimate(self) -> None:
        """Each running job with no progress reported: its bar from the clock and its batch's audio."""
        waiting = estimating(self.jobs, set(self.live))
        self.estimates = {j.id: estimate(j, batch_of(j, waiting), self.durations, self.speed) for j in waiting}

    def set_live(self, job_id: int, fraction: float, eta_s: float | None) -> None:
        self.live[job_id] = (fraction, eta_s)
        self.reported[job_id] = self.clock()
        if eta_s is not None and eta_s > LATE_HOLD_S:
            self.said_late = frozenset()  # a time worth giving again
        self._estimate()
        for row, job in enumerate(self.jobs):
            if job.id == job_id:
                self.dataChanged.emit(self.index(row, PROGRESS_COL), self.index(row, PROGRESS_COL + 1))

    def set_stage(self, job_id: int, stage: str) -> None:
        """Shown in the ETA column while the job runs: its decoding's ETA says nothing of it."""
        if stage:
            self.stages[job_id] = stage
        elif self.stages.pop(job_id, None) is None:
            return
        for row, job in enumerate(self.jobs):
            if job.id == job_id:
                self.dataChanged.emit(self.index(row, PROGRESS_COL + 1), self.index(row, PROGRESS_COL + 1))

    def eta_column(self, job: Any, eta_s: float | None) -> str:
        stage = self.stages.get(job.id) if job.state == "running" else None
        est = self.estimates.get(job.id) if self.is_estimate(job) else None
        if est is not None and not stage:  # its batch's time left, as reckoned (none once past it)
            return "" if est.late else f"≈{eta_text(est.expected_s - est.elapsed_s)}"
        return f"{stage}…" if stage else job_eta_text(eta_s, job.state)

    def live_now(self) -> dict[int, tuple[float, float | None]]:
        """The events' (fraction, ETA), each ETA counted down since it came: below 0 once spent. A batch's
        file at "95% finding speakers" said 0:02 and then nothing until its batch was stored 70 s later:
        the queue read "all done in about 0:06" all that while, the row "0:02"."""
        now = self.clock()
        return {job_id: self._counted_down(job_id, now) for job_id in self.live}

    def live_of(self, job_id: int) -> tuple[float, float | None] | None:
        """One job's entry of `live_now`, without reckoning the others' (each cell asks for its own)."""
        return self._counted_down(job_id, self.clock()) if job_id in self.live else None

    def _counted_down(self, job_id: int, now: float) -> tuple[float, float | None]:
        fraction, eta = self.live[job_id]
        return fraction, None if eta is None else eta - (now - self.reported.get(job_id, now))

    def progress_of(self, job: Any) -> tuple[float, float | None]:
        if job.state == "done":
            return 1.0, None
        live = self.live_of(job.id)
        if job.state == "running" and live and live[0] >= (job.progress or 0):
            return live
        return float(job.progress or 0.0), job.eta_s

    def is_estimate(self, job: Any) -> bool:
        """A running job with no progress reported yet (a batch of short files reports at its end)."""
        return job.state == "running" and not (job.progress or 0) and job.id not in self.live

    def shown_progress(self, job: Any) -> tuple[float, str]:
        est = self.estimates.get(job.id) if self.is_estimate(job) else None
        if est is not None:  # past its batch's expected time: how long it has run ("for 6:40"), not "≈95%"
            return (ESTIMATE_CAP, f"for {eta_text(est.elapsed_s)}") if est.late else (
                est.fraction, f"≈{est.fraction:.0%}")
        fraction, _eta = self.progress_of(job)
        return fraction, f"{fraction:.0%}"

    def overdue(self) -> bool:
        """Once said, said until the jobs still to do change or one gives more than LATE_HOLD_S left: a
        batch's notes each said 0:02 to 0:05 and spent it in seconds, and the queue went from "all done in
        about 0:06" to "running longer than estimated" and back every 2 s."""
        pending = frozenset(j.id for j in self.jobs if j.state in ("running", "queued"))
        if overdue(self.jobs, self.durations, self.live_now(), self.speed):
            self.said_late = pending
        return bool(pending) and pending == self.said_late

    def total_eta(self) -> float | None:
        return overall_eta(self.jobs, self.durations, self.live_now(), self.speed)

    def row_total(self) -> int:
        return len(self.jobs)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        col = index.column()
        _fraction, eta = self.progress_of(job)
        fraction, progress_text = self.shown_progress(job)
        if role == Qt.ItemDataRole.DisplayRole:
            opts = job.options if isinstance(job.options, dict) else {}
            kind = "translate" if opts.get("task") == "translate" else job.task
            task = f"{kind} · {opts['model']}" if opts.get("model") else kind
            return (str(job.id), self.names.get(job.exhibit_id, str(job.exhibit_id)), task, job.state,
                    progress_text, self.eta_column(job, eta), str(job.priority),
                    f"{job.attempts}/{job.max_attempts}", job.error or "")[col]
        if role == Qt.ItemDataRole.UserRole:
            return fraction
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 1:
                return self.names.get(job.exhibit_id)
            if col == 2:
                return self.data(index)
            if col in (PROGRESS_COL, PROGRESS_COL + 1) and self.is_estimate(job) and job.id in self.estimates:
                return estimate_tip(self.estimates[job.id])
            if col == PROGRESS_COL:  # whole here when the bar has no room for it
                return progress_text
            if col == len(COLUMNS) - 1 and job.error:
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
        bar.text = bar_text(index.data() or "", option.fontMetrics, bar.rect.width())
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        """Room for the bar's text whole (the column is sized to its content where there is room)."""
        hint = super().sizeHint(option, index)
        return hint.expandedTo(QSize(option.fontMetrics.horizontalAdvance(index.data() or "") + BAR_INSET, 0))


def bar_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """The bar's text whole on one line, or none (it is in the tooltip): "0:59 so far" was wrapped over two
    lines and cut off above and below, and a time cut to "1:02…" read as 1 min 2 s for a run of an hour."""
    return text if metrics.horizontalAdvance(text) <= width - BAR_TEXT_MARGIN else ""


class QuietTable(QTableView):
    def keyboardSearch(self, search: str) -> None:
        """Typed letters never move the selection."""


class QueueView(QWidget):
    """Buttons act on the selected job; with none selected, pause/resume/cancel act on the queue."""

    action = Signal(str, object)  # ("cancel"|"pause"|"resume"|"retry"|"priority+"|"priority-", job id|None)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QueueModel(self)
        self.table = QuietTable(self)
        self.table.setModel(self.model)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setItemDelegateForColumn(PROGRESS_COL, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the queue (cell to cell, the transcript was never reached)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # sized to content, the exhibit's name takes the rest; short of room, the note, the bar (to its
        # widest time) and the task (to "transcrib…", then further) give way (elided, whole in their
        # tooltips), so nothing scrolls sideways (a fixed 60 px bar fitted "1:02:03" at 9 pt only: at
        # 11 pt it was drawn "1:02…", read as 1 min 2 s; the time is worth more than the task's word)
        for col in (2, 8):
            self.table.setItemDelegateForColumn(col, ElideRightDelegate(self.table))
        self.table.setItemDelegateForColumn(1, DistinctNameDelegate(self.table, self.model, 1))  # never two alike
        self.columns = ColumnFitter(self.table, 1, [(8, 36), (PROGRESS_COL, self.least_bar), (2, 64), (2, 36)],
                                    name_min=100)
        for visual, logical in enumerate(VISUAL_ORDER):
            header.moveSection(header.visualIndex(logical), visual)
        self.buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout()
        for name, label, tip in (
            ("cancel", "Cancel", "Cancel the selected job (or, with none selected, every pending job)"),
            ("pause", "Pause", "Pause the selected job (or the whole queue)"),
            ("resume", "Resume", "Resume the selected job (or the whole queue)"),
            ("retry", "Retry", "Queue a failed or cancelled job again"),
            ("priority+", "▲", "Raise the selected job's priority"),
            ("priority-", "▼", "Lower the selected job's priority"),
        ):
            button = QToolButton()
            button.setText(label)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, n=name: self.action.emit(n, self.selected_job_id()))
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.summary = ElidedLabel("", 30)
        self.eta_label = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QHBoxLayout()
        title.addWidget(QLabel("<b>Queue</b>"))
        title.addWidget(self.eta_label)
        title.addStretch(1)
        layout.addLayout(title)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def least_bar(self) -> int:
        """The Progress column's least width: its widest time whole, in the font the table has now."""
        return self.table.fontMetrics().horizontalAdvance(WIDEST_BAR_TEXT) + BAR_INSET

    def selected_job_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        job = self.model.job_at(rows[0].row()) if rows else None
        return job.id if job else None

    def set_jobs(self, jobs: list[Any], names: dict[int, str], counts: dict[str, int] | None = None,
                 worker: str = "", durations: dict[int, int] | None = None) -> None:
        keep = self.selected_job_id()
        self.model.set_jobs(jobs, names, durations)
        total = self.model.total_eta()
        self.eta_label.setText(eta_summary(total, self.model.overdue()))
        if keep is not None and self.selected_job_id() != keep:
            for r, job in enumerate(jobs):
                if job.id == keep:
                    self.table.selectRow(r)
        if counts is not None:
            parts = [f"{n} {s}" for s, n in counts.items() if n]
            self.summary.set_text(" · ".join(parts + ([worker] if worker else [])))
