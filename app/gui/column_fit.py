"""Table columns that fit their pane: no sideways scrolling in the narrow left pane at 1280x800.

Every column is sized to its content (header included) except the name column, which takes the
room left (it elides in the middle). When the room is short, the columns named in `squeeze` give
way first, in the order given, down to their minimum (their text elides; the whole of it is in
the tooltip), and the name column keeps at least `name_min` pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableView


class ElideRightDelegate(QStyledItemDelegate):
    """Text read from its start ("failed: the decoder…", "transcribe…"), where a table elides
    names in the middle (so they keep their extension)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class ColumnFitter(QObject):
    def __init__(self, table: QTableView, name_col: int, squeeze: dict[int, int], name_min: int = 110) -> None:
        super().__init__(table)
        self.table, self.name_col, self.squeeze, self.name_min = table, name_col, squeeze, name_min
        self._pending = False
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        for col in range(table.model().columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        table.viewport().installEventFilter(self)
        model = table.model()
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted, model.rowsRemoved,
                       model.layoutChanged):
            signal.connect(self.schedule)
        self.schedule()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def schedule(self, *_args: object) -> None:
        """Fit once the model has settled (many changes in one event-loop turn, one fit)."""
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.fit)

    def widths(self, room: int) -> dict[int, int]:
        """Each column's width for a viewport `room` pixels wide."""
        table, header = self.table, self.table.horizontalHeader()
        want = {c: max(header.sectionSizeHint(c), table.sizeHintForColumn(c))
                for c in range(table.model().columnCount()) if c != self.name_col and not header.isSectionHidden(c)}
        excess = sum(want.values()) + self.name_min - room
        for col, least in self.squeeze.items():
            if excess <= 0:
                break
            cut = max(0, min(excess, want[col] - least))
            want[col] -= cut
            excess -= cut
        want[self.name_col] = max(self.name_min, room - sum(want.values()))
        return want

    def fit(self) -> None:
        self._pending = False
        header = self.table.horizontalHeader()
        for col, width in self.widths(self.table.viewport().width()).items():
            header.resizeSection(col, width)
