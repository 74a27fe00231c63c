"""Search across the case: a query box and a list of hits; a click opens the exhibit at that moment.

    view = SearchView(case)
    view.hitActivated.connect(lambda exhibit_id, run_id, ms: ...)
    view.messageActivated.connect(lambda exhibit_id, message_id: ...)   # a hit in a chat message

The query syntax is app.core.search's (words, prefix*, "phrases"; substrings for
scripts written without spaces). Queries are answered in the GUI thread: the
index answers in milliseconds (see bench/bench_search.py), so no worker is needed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ParleyError
from app.core.export.timeline import echoes_text
from app.core.search import Hit, count, search
from app.core.store import Case
from app.core.store.search_index import CHAT_TASK
from app.gui.column_fit import ColumnFitter, ElideRightDelegate
from app.gui.editor_model import moment
from app.gui.table_model import ROOT, ColumnsModel, rows_table

TYPING_PAUSE_MS = 250  # search once typing pauses this long
HIT_LIMIT = 500
TEXT_MIN = 260  # px the words found keep however long a name beside them


def task_label(task: str) -> str:
    return {"transcribe": "transcript", "text": "text", "translate": "translation (Whisper)",
            "text-translate": "translation"}.get(task, task)


class HitsModel(ColumnsModel):
    columns = ("Exhibit", "Time", "Speaker", "Text", "Kind")

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[Hit] = []

    def row_total(self) -> int:
        return len(self.hits)

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(hit, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:  # a message in other exports of its chat: which, and where
            text = f"{hit.text}\n({echoes_text(hit.also_in)})" if hit.also_in else hit.text
            column = index.column()  # a name elided in its cell whole, the moment to the millisecond
            name = self._cell(hit, column) if column in (0, 2) else hit.when if column == 1 else ""
            return f"{name}: {text}" if name else text
        return None

    @staticmethod
    def _cell(hit: Hit, column: int) -> str:
        edited = " (edited)" if hit.edited else ""
        also = f" (also in exhibit {', '.join(str(o.exhibit_id) for o in hit.also_in)})" if hit.also_in else ""
        return (hit.exhibit_name + also, moment(hit), hit.speaker or "",
                " ".join(hit.snippet.split()), task_label(hit.task) + edited)[column]


class SearchView(QWidget):
    """Query box, hit count and hit list. Emits hitActivated(exhibit_id, run_id or 0, ms), or for
    a chat message messageActivated(exhibit_id of its export, message id)."""

    hitActivated = Signal(int, int, int)
    messageActivated = Signal(int, int)

    def __init__(self, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.model = HitsModel()
        self.box = QLineEdit(placeholderText='Search the case: words, prefix*, "a phrase"')
        self.box.setClearButtonEnabled(True)
        self.status = QLabel("")
        self.table = rows_table(self.model)
        self.table.setItemDelegateForColumn(2, ElideRightDelegate(self.table))
        # the words found take the room left; a long speaker or exhibit name gives way (elided, whole on hover)
        self.columns = ColumnFitter(self.table, 3, [(2, 90), (0, 110), (4, 80)], name_min=TEXT_MIN)
        self.timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._layout()
        self.timer.timeout.connect(self.run_query)
        self.box.textChanged.connect(lambda _text: self.timer.start())
        self.box.returnPressed.connect(self.run_query)
        self.table.clicked.connect(self._activate)
        self.table.activated.connect(self._activate)
        self.box.installEventFilter(self)

    def focus_box(self) -> None:
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the box goes to the hits (the first, or the one chosen before), as in a list."""
        if (watched is self.box and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.model.rowCount()):  # type: ignore[attr-defined]
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.box, 1)
        top.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def set_case(self, case: Case) -> None:
        self.case = case
        self.run_query()

    def set_query(self, text: str) -> None:
        self.box.setText(text)
        self.run_query()

    def run_query(self) -> None:
        """Search now (also after an edit, to refresh the hits)."""
        self.timer.stop()
        query = self.box.text()
        try:
            hits = search(self.case, query, limit=HIT_LIMIT)
            total = count(self.case, query) if len(hits) >= HIT_LIMIT else len(hits)
        except ParleyError as exc:
            self.model.set_hits([])
            self.status.setText(str(exc))
            return
        self.model.set_hits(hits)
        self.status.setText(self._status_text(query, len(hits), total))

    def rerun(self) -> None:
        """The query again, the hit chosen kept in its place: shown again after the Editor, the hits
        read as the case stood when they were found (a word corrected since still in the hit)."""
        if not self.box.text().strip():
            return
        row = self.table.currentIndex().row()
        self.run_query()
        if 0 <= row < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row, 0))

    @staticmethod
    def _status_text(query: str, shown: int, total: int) -> str:
        if not query.strip():
            return ""
        if total == 0:
            return "no hits"
        if total > shown:
            return f"{shown} of {total} hits"
        return f"{total} hit{'s' if total != 1 else ''}"

    def _activate(self, index: QModelIndex = ROOT) -> None:
        if not index.isValid():
            return
        hit = self.model.hits[index.row()]
        if hit.task == CHAT_TASK and hit.run_id is None:
            self.messageActivated.emit(hit.exhibit_id, hit.segment_id)
        else:
            self.hitActivated.emit(hit.exhibit_id, hit.run_id or 0, hit.start_ms)
