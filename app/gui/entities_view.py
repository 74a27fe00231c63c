"""Entities across the case: a table of phone numbers, vehicles, postcodes, money... and their mentions.

    view = EntitiesView(case)
    view.mentionActivated.connect(lambda exhibit_id, run_id, ms: ...)
    view.messageActivated.connect(lambda exhibit_id, message_id: ...)   # a mention in a chat message
    view.refresh()          # after edits or new exhibits

The entities are found in a thread of its own with its own connection to the
case (the first scan of a large case takes seconds; later ones read what was
stored), so the window never waits for them. Selecting an entity lists its
mentions; clicking a mention emits (exhibit_id, run_id or 0, ms).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ParleyError
from app.core.search.entities import KINDS, Entity, Occurrence, case_entities, write_csv
from app.core.store import Case
from app.core.store.search_index import CHAT_TASK
from app.core.store.views import change_stamp
from app.gui.editor_model import moment
from app.gui.table_model import ROOT, ColumnsModel, rows_table

ALL_KINDS = "all kinds"


class EntitiesModel(ColumnsModel):
    columns = ("Kind", "Value", "Mentions", "Exhibits", "In")

    def __init__(self) -> None:
        super().__init__()
        self.entities: list[Entity] = []

    def row_total(self) -> int:
        return len(self.entities)

    def set_entities(self, entities: list[Entity]) -> None:
        self.beginResetModel()
        self.entities = list(entities)
        self.endResetModel()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        e = self.entities[index.row()]
        names = ", ".join(name for _, name in e.exhibits)
        return (e.kind, e.shown, str(len(e.occurrences)), str(len(e.exhibits)), names)[index.column()]


class MentionsModel(ColumnsModel):
    columns = ("Exhibit", "Time", "Speaker", "As written", "Text")

    def __init__(self) -> None:
        super().__init__()
        self.mentions: tuple[Occurrence, ...] = ()

    def row_total(self) -> int:
        return len(self.mentions)

    def set_mentions(self, mentions: tuple[Occurrence, ...]) -> None:
        self.beginResetModel()
        self.mentions = mentions
        self.endResetModel()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        o = self.mentions[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:  # on the Time, the moment to the millisecond
            return f"{o.when}: {o.text}" if index.column() == 1 and o.when else o.text
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (o.exhibit_name, moment(o), o.speaker or "", o.as_written,  # the editor's clock, or a chat's date-time
                " ".join(o.text.split()))[index.column()]


class _Signals(QObject):
    found = Signal(object, int)  # list[Entity], generation
    failed = Signal(str, int)


def _table(model: ColumnsModel, stretch: int) -> QTableView:
    table = rows_table(model)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class EntitiesView(QWidget):
    """Entity table (filter by kind, shared only), mentions of the selected one, CSV export."""

    mentionActivated = Signal(int, int, int)
    messageActivated = Signal(int, int)  # the chat export's exhibit id, the message id

    def __init__(self, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.all: list[Entity] = []
        self.generation = 0
        self.stamp: tuple[object, ...] | None = None  # the case as it stood when they were last found
        self.signals = _Signals()
        self.model, self.mentions = EntitiesModel(), MentionsModel()
        self.kind = QComboBox()
        self.kind.addItems([ALL_KINDS, *KINDS])
        self.shared = QCheckBox("Only in two exhibits or more")
        self.export = QPushButton("Export CSV\u2026")
        self.status = QLabel("")
        self.table, self.mention_table = _table(self.model, 4), _table(self.mentions, 4)
        self._layout()
        self.signals.found.connect(self._found)
        self.signals.failed.connect(self._failed)
        self.kind.currentIndexChanged.connect(lambda _i: self._show())
        self.shared.toggled.connect(lambda _on: self._show())
        self.export.clicked.connect(self._ask_export)
        self.table.selectionModel().currentRowChanged.connect(self._select)
        self.mention_table.clicked.connect(self._activate)
        self.mention_table.activated.connect(self._activate)

    def _layout(self) -> None:
        top = QHBoxLayout()
        for widget in (self.kind, self.shared):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.status)
        top.addWidget(self.export)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.mention_table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    def set_case(self, case: Case) -> None:
        """Another case: its entities are found when the view is next shown."""
        self.case, self.all = case, []
        self.generation += 1
        self._show()

    # ------------------------------------------------------------ finding

    def stale(self) -> bool:
        """Not found yet, or found before the case changed (a correction, a new transcript)."""
        return not self.all or self.stamp != change_stamp(self.case)

    def refresh(self) -> threading.Thread:
        """Find the case's entities in a thread; the table fills when they are found."""
        self.generation += 1
        self.stamp = change_stamp(self.case)
        generation, folder = self.generation, self.case.folder
        self.status.setText("finding entities\u2026")

        def work() -> None:
            try:
                case = Case.open(folder)
                try:
                    found = case_entities(case)
                finally:
                    case.close()
            except ParleyError as exc:
                self.signals.failed.emit(str(exc), generation)
                return
            self.signals.found.emit(found, generation)

        thread = threading.Thread(target=work, name="parley-entities", daemon=True)
        thread.start()
        return thread

    def _found(self, entities: list[Entity], generation: int) -> None:
        if generation == self.generation:
            self.all = entities
            self._show()

    def _failed(self, message: str, generation: int) -> None:
        if generation == self.generation:
            self.status.setText(message)

    def shown(self) -> list[Entity]:
        kind = self.kind.currentText()
        return [e for e in self.all if (kind == ALL_KINDS or e.kind == kind)
                and (e.shared or not self.shared.isChecked())]

    def _show(self) -> None:
        entities = self.shown()
        self.model.set_entities(entities)
        self.mentions.set_mentions(())
        shared = sum(e.shared for e in entities)
        n = len(entities)
        self.status.setText(f"{n} {'entity' if n == 1 else 'entities'}, {shared} shared" if entities else "no entities")

    # ------------------------------------------------------------ mentions

    def _select(self, current: QModelIndex, _previous: QModelIndex = ROOT) -> None:
        if current.isValid():
            self.mentions.set_mentions(self.model.entities[current.row()].occurrences)

    def _activate(self, index: QModelIndex = ROOT) -> None:
        if index.isValid():
            o = self.mentions.mentions[index.row()]
            if o.task == CHAT_TASK and o.run_id is None:
                self.messageActivated.emit(o.exhibit_id, o.segment_id)
            else:
                self.mentionActivated.emit(o.exhibit_id, o.run_id or 0, o.start_ms)

    # -------------------------------------------------------------- export

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export entities", "entities.csv", "CSV (*.csv)")
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> int:
        """Write the entities shown (one row per mention); returns the rows written."""
        try:
            rows = write_csv(self.shown(), path)
        except ParleyError as exc:
            self.status.setText(str(exc))
            return 0
        self.status.setText(f"{rows} mentions written to {path.name}")
        return rows
