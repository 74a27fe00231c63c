"""Which exhibits the list shows, and in what order: a status or type chosen ("Failed", "Video"...), a
name (or a SHA-256's start) typed, a column's header clicked to sort by it. With a phone's 200 voice notes
the list could only be scrolled, in the order the files were added: the failed ones, those in an
uncertain language or those left to verify had to be found by eye.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QWidget,
)


class Row(Protocol):  # app.gui.exhibits_view.ExhibitRow
    exhibit: Any
    language: str
    status: str
    kind: str  # audio, video, chat or text


def _state(row: Row) -> str:
    return row.status.split(":")[0].split(" ")[0]  # "failed", "language", "verified", "running", "done"...


ATTENTION = ("failed", "language", "no", "taken")  # failed, language uncertain, no speech found, taken in part-way
TO_DO = ("not", "queued", "running", "paused")

SHOWN: dict[str, Callable[[Row], bool]] = {
    "All exhibits": lambda r: True,
    "Needing a look (failed, language uncertain, no speech, truncated)":
        lambda r: _state(r) in ATTENTION or "truncated" in r.status,
    "Failed": lambda r: _state(r) == "failed",
    "Not transcribed yet (queued, running)": lambda r: _state(r) in TO_DO,
    "Transcribed, not verified": lambda r: _state(r) in ("done", "edited"),
    "Verified": lambda r: _state(r) == "verified",
    "Audio": lambda r: r.kind == "audio",
    "Video": lambda r: r.kind == "video",
    "Chats and texts": lambda r: r.kind in ("chat", "text"),
}


def matches(row: Row, shown: str, text: str) -> bool:
    """The row is in the chosen group and its name (or SHA-256's start) holds the text typed."""
    if not SHOWN.get(shown, SHOWN["All exhibits"])(row):
        return False
    needle = text.strip().casefold()
    source = row.exhibit.source
    return not needle or needle in source.shown_name.casefold() or source.sha256.startswith(needle)


def sort_key(row: Row, column: int) -> tuple[Any, ...]:
    """The key of the list's column (Name, Type, Duration, Language, SHA-256, Status); a tie in the order
    the exhibits were added."""
    source = row.exhibit.source
    keys: tuple[Any, ...] = (source.shown_name.casefold(), row.kind, source.duration_ms, row.language.casefold(),
                             source.sha256, row.status)
    return (keys[column] if 0 <= column < len(keys) else 0, row.exhibit.id)


def arranged(rows: list[Any], shown: str, text: str, column: int, order: Qt.SortOrder) -> list[Any]:
    """The rows the list shows: those matching, sorted by `column` (-1: in the order added)."""
    kept = [r for r in rows if matches(r, shown, text)]
    if column < 0:
        return kept
    return sorted(kept, key=lambda r: sort_key(r, column), reverse=order == Qt.SortOrder.DescendingOrder)


class SortHeader(QHeaderView):
    """A header whose columns leave room for the sort arrow only in the column sorted by: Qt adds it to
    every column, and at 1280x800 the statuses ("no speech fo…") and names gave way to arrows not shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)  # as a table's own header is made
        self.setHighlightSections(True)

    def sectionSizeFromContents(self, logical: int) -> QSize:
        size = super().sectionSizeFromContents(logical)
        if self.isSortIndicatorShown() and logical != self.sortIndicatorSection():
            margin = self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, self)
            size.setWidth(max(0, size.width() - size.height() - margin))  # as QHeaderView added it
        return size


class FilterBar(QWidget):
    """"Show: [group]  [name or SHA-256]  12 of 200"."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QComboBox(self)
        self.box.addItems(list(SHOWN))
        self.box.setToolTip("Which exhibits the list shows (click a column's header to sort by it)")
        self.box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.box.setMinimumContentsLength(14)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText("Name or SHA-256")
        self.text.setClearButtonEnabled(True)
        self.count = QLabel(self)
        self.count.setObjectName("hint")
        self.box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.text.textChanged.connect(lambda _t: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Show:"))
        layout.addWidget(self.box, 2)
        layout.addWidget(self.text, 2)
        layout.addWidget(self.count)

    def shown(self) -> str:
        return self.box.currentText()

    def typed(self) -> str:
        return self.text.text()

    def is_filtering(self) -> bool:
        return self.box.currentIndex() > 0 or bool(self.typed().strip())

    def clear(self) -> None:
        """Every exhibit shown again (one change said)."""
        self.choose("", "")

    def choose(self, shown: str, typed: str) -> None:
        """The group named `shown` (every exhibit: one not offered) and the text `typed` (one change said)."""
        self.box.blockSignals(True)
        self.text.blockSignals(True)
        self.box.setCurrentIndex(max(0, self.box.findText(shown)))
        self.text.setText(typed)
        self.box.blockSignals(False)
        self.text.blockSignals(False)
        self.changed.emit()

    def show_count(self, shown: int, total: int) -> None:
        self.count.setText(f"{shown} of {total}" if shown != total else f"{total} exhibit(s)")
