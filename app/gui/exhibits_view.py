"""The case's exhibits: add files or folders (dialog or drag and drop), and a table of them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import clock
from app.core.chats.registry import is_chat_export_in_folder
from app.core.editing import review
from app.core.media.intake import find_media
from app.core.names import printable
from app.core.store import Case, Exhibit
from app.core.usecases.enqueueing import passed_over
from app.core.usecases.exhibit_status import exhibit_statuses, run_status  # noqa: F401 - run_status: its old home
from app.gui.column_fit import ColumnFitter, ElideRightDelegate
from app.gui.exhibit_filter import FilterBar, SortHeader, arranged
from app.gui.intake_panel import NotAddedPanel
from app.gui.name_elide import DistinctNameDelegate
from app.gui.table_model import ColumnsModel

COLUMNS = ("Name", "Type", "Duration", "Language", "SHA-256", "Status")
MEDIA_FILTER = ("Recordings (*.wav *.mp3 *.m4a *.aac *.opus *.ogg *.oga *.amr *.3gp *.3ga *.flac *.wma *.mp4"
                " *.mov *.m4v *.mkv *.webm *.avi *.caf *.aif *.aiff *.txt *.json *.html *.csv);;All files (*)")
STATUS_COLOURS = {"failed": QColor("#a40e26"), "language": QColor("#8a4500"), "no": QColor("#8a4500"),
                  "taken": QColor("#8a4500"), "verified": QColor("#1a7f37")}


def duration_text(ms: int) -> str:
    if ms <= 0:
        return ""
    return clock.span_text(ms // 1000)


@dataclass(frozen=True)
class ExhibitRow:
    exhibit: Exhibit
    language: str
    status: str
    kind: str  # audio, video, chat or text (exhibit_status.recording_kind; no default: a video left out read "audio")
    verified_by: str | None = None
    detail: str = ""  # the failure's reason, the detection probability...
    more: Callable[[], str] | None = None  # read on hover only: what a sign-off left unchecked


def left_unchecked(case: Case, exhibit: Exhibit, run_id: int) -> str:
    """What a sign-off left: uncertain words never reviewed, a file cut short ("verified ✓" alone read
    as every word checked against a whole recording). Read when the row is hovered: for every verified
    row at each refresh it made the list ten times slower (500 signed-off notes: 0.07 s to 0.75 s)."""
    parts = []
    left = len(review.unreviewed(case, run_id))
    if left:
        parts.append(f"{left} uncertain word(s) never reviewed")
    if exhibit.source.truncated or case.run(run_id).truncated:
        parts.append("the file is truncated or damaged; only what could be read")
    return "".join(f"; {part}" for part in parts)


def shown_status(row: ExhibitRow) -> str:
    """The status as the narrow column shows it: "verified ✓" (who signed it off is in the
    tooltip and the editor: "verified by DC Ann Harris" was cut to "verified by D…")."""
    return "verified ✓" if row.verified_by is not None and row.status.startswith("verified") else row.status


def exhibit_rows(case: Case) -> list[ExhibitRow]:
    """Exhibits with their language (by name) and a status: queued, running, failed (why),
    done, no speech found, language uncertain, truncated, edited, verified."""
    rows = []
    for r in exhibit_statuses(case):
        run_id = r.run_id
        more = ((lambda c=case, x=r.exhibit, i=run_id: left_unchecked(c, x, i))
                if r.verified_by is not None and run_id is not None else None)
        rows.append(ExhibitRow(r.exhibit, r.language, r.status, r.kind, r.verified_by, r.detail, more))
    return rows


class ExhibitsModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.every: list[ExhibitRow] = []  # the case's exhibits; `rows`: those shown, in the order shown
        self.rows: list[ExhibitRow] = []
        self.shown, self.typed = "", ""  # the filter (app/gui/exhibit_filter.py)
        self.sorted_by: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)  # -1: as added

    def set_rows(self, rows: list[ExhibitRow]) -> None:
        self.every = rows
        shown = arranged(rows, self.shown, self.typed, *self.sorted_by)
        with self.rows_replaced([r.exhibit.id for r in shown] == [r.exhibit.id for r in self.rows]):
            self.rows = shown

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sorted_by = (column, order)
        self._rearrange()

    def set_filter(self, shown: str, typed: str) -> None:
        self.shown, self.typed = shown, typed
        self._rearrange()

    def _rearrange(self) -> None:
        """The rows shown again in their order, the selection (and current row) moved with them."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self.rows[i.row()].exhibit.id if 0 <= i.row() < len(self.rows) else None for i in old]
        self.rows = arranged(self.every, self.shown, self.typed, *self.sorted_by)
        where = {r.exhibit.id: n for n, r in enumerate(self.rows)}
        self.changePersistentIndexList(old, [self.index(where[i], index.column()) if i in where else QModelIndex()
                                             for i, index in zip(ids, old)])
        self.layoutChanged.emit()

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        s = row.exhibit.source
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            status = f"{row.status}: {row.detail}" if row.status == "failed" else shown_status(row)
            return (s.shown_name, row.kind, duration_text(s.duration_ms), row.language,
                    s.sha256[:12] + "…", status)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 4:
                return f"SHA-256 {s.sha256}\n(right-click or Ctrl+C to copy)"
            if col == 0:
                return "\n".join(printable(path) for path in row.exhibit.paths)
            if col == 5:
                detail = row.detail + (row.more() if row.more is not None else "")
                return f"{row.status}: {detail}" if detail else row.status
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == 5:
            return STATUS_COLOURS.get(row.status.split(" ")[0].split(":")[0])
        if role == Qt.ItemDataRole.UserRole:
            return row.exhibit.id
        return None

    def exhibit_at(self, row: int) -> Exhibit | None:
        return self.rows[row].exhibit if 0 <= row < len(self.rows) else None

    def row_of(self, exhibit_id: int) -> int:
        return next((i for i, r in enumerate(self.rows) if r.exhibit.id == exhibit_id), -1)


class IntakeSignals(QObject):
    found = Signal(object, object)  # app.core.media.intake.Found, and its IntakeEntry when passed over (hashed here)
    finished = Signal(int)  # how many found


CHAT_EXPORT_MET = "a chat export: taken in as a chat"


def run_intake(paths: list[str], signals: IntakeSignals) -> threading.Thread:
    """Probe and hash in a thread (never the GUI thread); results arrive as signals. A chat export
    met in a folder comes skipped as CHAT_EXPORT_MET (the window takes it in as Add chat export does)."""

    def work() -> None:
        count = 0
        for found in find_media(paths):
            if found.skipped and is_chat_export_in_folder(Path(found.path)):  # read here, off the GUI thread
                found = replace(found, skipped=CHAT_EXPORT_MET)
            signals.found.emit(found, None if found.skipped == CHAT_EXPORT_MET else passed_over(found))
            count += 1
        signals.finished.emit(count)

    thread = threading.Thread(target=work, name="parley-intake", daemon=True)
    thread.start()
    return thread


class QuietTable(QTableView):
    """A table that ignores typed letters (they never jump to another exhibit)."""

    def keyboardSearch(self, search: str) -> None:
        pass


class ExhibitsView(QWidget):
    """Table of exhibits, buttons to add and to transcribe; accepts dropped files and folders."""

    addPaths = Signal(list)
    transcribeRequested = Signal(list)  # exhibit ids
    selected = Signal(object)  # exhibit id or None
    opened = Signal(int)  # Enter or a double-click on an exhibit: the keyboard goes into it
    arrangementChanged = Signal()  # the list sorted or filtered otherwise (kept per case: resume_place.py)

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setAcceptDrops(True)
        self.model = ExhibitsModel(self)
        self.table = QuietTable(self)
        self.table.setHorizontalHeader(SortHeader(self.table))  # before the model: it takes the table's
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list (it went from cell to cell, never out)
        self.table.activated.connect(lambda index: self.opened.emit(self.model.rows[index.row()].exhibit.id))
        header = self.table.horizontalHeader()
        self.table.setItemDelegateForColumn(0, DistinctNameDelegate(self.table, self.model, 0))  # never two alike
        self.table.setItemDelegateForColumn(4, ElideRightDelegate(self.table))
        self.table.setItemDelegateForColumn(5, ElideRightDelegate(self.table))
        header.moveSection(5, 1)  # shown as: Name, Status, Type, Duration, Language, SHA-256
        # sized to content, the name takes the rest; short of room, the hash gives way (to its header),
        # then a failure's reason, the name (to 110 px) and only on a narrower pane the usual statuses
        # ("language un…" at 1280x800), all whole in their tooltips, so nothing scrolls sideways, with
        # the vertical scroll bar showing too
        self.columns = ColumnFitter(self.table, 0, [(4, 62), (5, self._usual_status_width), (0, 110), (5, 84)],
                                    name_min=150)
        header.setSortIndicatorClearable(True)  # a third click: back to the order the exhibits were added
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # a header clicked sorts by its column (ExhibitsModel.sort)
        header.sortIndicatorChanged.connect(lambda *_a: self.arrangementChanged.emit())
        self.filter_bar = FilterBar(self)
        self.filter_bar.changed.connect(self._filter_changed)
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
        self.hint.setWordWrap(True)
        self.not_added = NotAddedPanel(self)
        buttons = QHBoxLayout()
        for b in (self.add_files_button, self.add_folder_button, self.transcribe_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        title = QLabel("<b>Exhibits</b>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.not_added)
        layout.addWidget(self.hint)

    def _usual_status_width(self) -> int:
        """The status column's width that keeps every status but a failure's reason whole."""
        metrics = self.table.fontMetrics()
        texts = {self.model.index(r, 5).data() for r in range(self.model.rowCount())}
        widest = max((metrics.horizontalAdvance(t) for t in texts if t and not t.startswith("failed")), default=0)
        margin = self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 1
        return max(84, widest + 2 * margin + 1)  # as a view lays out a cell's text (+1: rounding)

    # ----------------------------------------------------------- selection
    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r].exhibit.id for r in rows]

    def current_id(self) -> int | None:
        ids = self.selected_ids()
        return ids[0] if ids else None

    def select(self, exhibit_id: int, reveal: bool = True) -> None:
        """The exhibit's row selected and current; one the filter hides is shown first (`reveal`: a
        search hit's exhibit was opened with nothing selected in the list)."""
        row = self.model.row_of(exhibit_id)
        if row < 0 and reveal and any(r.exhibit.id == exhibit_id for r in self.model.every):
            self.filter_bar.clear()
            row = self.model.row_of(exhibit_id)
        if row >= 0:  # exactly this row, whatever modifier keys are held
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(self.model.index(row, 0), flags)

    def _selection(self, *_args: object) -> None:
        self.selected.emit(self.current_id())

    def set_rows(self, rows: list[ExhibitRow]) -> None:
        keep = self.selected_ids()
        self.model.set_rows(rows)
        if keep and self.selected_ids() != keep:
            # the same exhibit selected again, silently: shown again, its transcript closed the line
            # being typed (the table's own signals were blocked here, not its selection model's)
            with QSignalBlocker(self.table.selectionModel()):
                self.select(keep[0], reveal=False)
            self.table.viewport().update()
        self.filter_bar.show_count(len(self.model.rows), len(rows))

    def _filter_changed(self) -> None:
        self.model.set_filter(self.filter_bar.shown(), self.filter_bar.typed())
        self.filter_bar.show_count(len(self.model.rows), len(self.model.every))
        current = self.table.currentIndex()
        if current.isValid():
            self.table.scrollTo(current)
        self.arrangementChanged.emit()

    def arrangement(self) -> dict[str, Any]:
        """How the list is sorted and filtered now (what `arrange` puts back)."""
        column, order = self.model.sorted_by
        return {"sort": column, "descending": order == Qt.SortOrder.DescendingOrder,
                "shown": self.filter_bar.shown(), "typed": self.filter_bar.typed()}

    def arrange(self, saved: dict[str, Any]) -> None:
        """Sorted and filtered as `saved` says (what is missing or unreadable there: as added, every exhibit)."""
        column = saved.get("sort")
        column = column if isinstance(column, int) and 0 <= column < len(COLUMNS) else -1
        order = Qt.SortOrder.DescendingOrder if saved.get("descending") is True else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(column, order)  # the model sorted by its signal
        shown, typed = saved.get("shown"), saved.get("typed")
        self.filter_bar.choose(shown if isinstance(shown, str) else "", typed if isinstance(typed, str) else "")

    # -------------------------------------------------------------- adding
    def pick_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add exhibits", self.last_folder, MEDIA_FILTER)
        if files:
            self.last_folder = str(Path(files[0]).parent)
            self.addPaths.emit(files)

    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of exhibits", self.last_folder)
        if folder:
            self.last_folder = folder
            self.addPaths.emit([folder])

    @property
    def last_folder(self) -> str:
        """Where the file dialogs open: the folder last added from (kept across restarts)."""
        return str(self.settings.value("intake/last_folder", "")) if self.settings is not None else ""

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        if self.settings is not None:
            self.settings.setValue("intake/last_folder", folder)

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

