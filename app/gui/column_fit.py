"""Table columns that fit their pane: no sideways scrolling in the narrow left pane at 1280x800.

Every column is sized to its content (header included) except the name column, which takes the
room left (it elides in the middle). When the room is short, the columns named in `squeeze` give
way first, in the order given, down to their minimum (their text elides; the whole of it is in
the tooltip), and the name column keeps at least `name_min` pixels. A column may be named twice
(first down to what keeps its usual text whole, then further), and a minimum may be a function
read at each fit (the width of the column's texts as they stand). The name column named there
gives way at that point, from `name_min` down to the least given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableView


class ElideRightDelegate(QStyledItemDelegate):
    """Text read from its start ("failed: the decoder…", "transcribe…"), where a table elides
    names in the middle (so they keep their extension)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


Least = int | Callable[[], int]


class ColumnFitter(QObject):
    def __init__(self, table: QTableView, name_col: int,
                 squeeze: Mapping[int, Least] | Sequence[tuple[int, Least]], name_min: int = 110) -> None:
        super().__init__(table)
        self.table, self.name_col, self.name_min = table, name_col, name_min
        self.squeeze = list(squeeze.items()) if isinstance(squeeze, Mapping) else list(squeeze)
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
        name_room = self.name_min
        for col, floor in self.squeeze:
            if excess <= 0:
                break
            least = floor() if callable(floor) else floor
            if col == self.name_col:  # the name gives way from name_min down to `least` here
                cut = max(0, min(excess, name_room - least))
                name_room -= cut
            else:
                cut = max(0, min(excess, want[col] - least))
                want[col] -= cut
            excess -= cut
        want[self.name_col] = max(name_room, room - sum(want.values()))
        return want

    def fit(self) -> None:
        self._pending = False
        header = self.table.horizontalHeader()
        for col, width in self.widths(self.table.viewport().width()).items():
            header.resizeSection(col, width)
