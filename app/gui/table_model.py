"""What the window's table models share: fixed, named columns over a list of rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

ROOT = QModelIndex()  # the invisible root (a default argument, made once)


def rows_table(model: QAbstractItemModel) -> QTableView:
    """A read-only table over `model`: whole rows selected, one at a time, no row numbers, Tab to the next control."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setTabKeyNavigation(False)  # Tab leaves the table (cell to cell once it held rows, never out)
    return table


class ColumnsModel(QAbstractTableModel):
    """A flat table: subclasses set `columns` and say how many rows they hold."""

    columns: tuple[str, ...] = ()

    def row_total(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: QModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: QModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def all_changed(self) -> None:
        """Every cell of the same rows may read differently now: one dataChanged over the whole table."""
        rows = self.row_total()
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, len(self.columns) - 1))

    @contextmanager
    def rows_replaced(self, same_rows: bool) -> Iterator[None]:
        """Around putting in the new rows: in place with one dataChanged when they are the same rows in
        the same order (the selection, scroll and an open editor kept), else inside a model reset."""
        if same_rows:
            yield
            self.all_changed()
            return
        self.beginResetModel()
        yield
        self.endResetModel()
