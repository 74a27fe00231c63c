"""Names elided so that two rows never read the same.

A table elides a long name in its middle (its start and its extension kept), but two names that differ
only in their middle ("Call 2024-03-14 10-15-01 Mum.m4a", "Call 2024-03-14 10-15-02 Mum.m4a") were cut to
the same "Call 20…Mum.m4a". Here each name keeps, besides its start and end, the part that tells it from the
names most like it (the characters after the longest start and before the longest end it shares with
another name in the column): "Call…-01 Mum.m4a" and "Call…-02 Mum.m4a". The whole name is in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

ELLIPSIS = "…"


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def distinct_spans(names: list[str]) -> dict[str, tuple[int, int]]:
    """name -> (start, end) of the part that tells it from the names most like it (neighbours once sorted,
    by their start and by their end); a name met once with nothing like it: (0, 0)."""
    unique = sorted(set(names))
    spans = {name: [0, 0] for name in unique}  # longest shared start, longest shared end
    for i in range(len(unique) - 1):
        shared = _common(unique[i], unique[i + 1])
        for name in unique[i:i + 2]:
            spans[name][0] = max(spans[name][0], shared)
    backwards = sorted(unique, key=lambda n: n[::-1])
    for i in range(len(backwards) - 1):
        shared = _common(backwards[i][::-1], backwards[i + 1][::-1])
        for name in backwards[i:i + 2]:
            spans[name][1] = max(spans[name][1], shared)
    out = {}
    for name, (start, end_shared) in spans.items():
        end = len(name) - end_shared
        out[name] = (start, max(end, start + 1)) if (start or end_shared) else (0, 0)
    return out


def elide_keeping(name: str, span: tuple[int, int], metrics: QFontMetrics, width: int) -> str:
    """The name cut to `width` pixels keeping name[span] (or as much of it from its start as fits),
    then as much of its end and its start as room allows; the middle-elided name when that keeps it."""
    if metrics.horizontalAdvance(name) <= width:
        return name
    plain = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)
    start, end = span
    if end <= start or _keeps(plain, name, start, end):
        return plain
    start, end = max(0, start - 1), min(len(name), end + 1)  # a character either side: "-01 " not "1"
    head, tail = 0, len(name)

    def text(h: int, core_end: int, t: int) -> str:
        return (name[:h] + (ELLIPSIS if h < start else "") + name[start:core_end]
                + (ELLIPSIS if core_end < t else "") + name[t:])

    core_end = end
    while core_end > start + 1 and metrics.horizontalAdvance(text(0, core_end, len(name))) > width:
        core_end -= 1  # the telling part itself is too long: its start kept
    def fits(h: int, t: int) -> bool:
        return metrics.horizontalAdvance(text(h, core_end, t)) <= width

    dot = name.rfind(".")
    while dot > core_end and tail > dot and fits(head, tail - 1):  # the extension first: ".m4a"
        tail -= 1
    grown = True
    while grown:  # then the start and the end in turn
        grown = False
        if tail > core_end and fits(head, tail - 1):
            tail, grown = tail - 1, True
        if head < start and fits(head + 1, tail):
            head, grown = head + 1, True
    return text(head, core_end, tail)


def _keeps(elided: str, name: str, start: int, end: int) -> bool:
    """Whether a middle-elided name still shows name[start:end] whole."""
    if ELLIPSIS not in elided:
        return True
    left, right = elided.split(ELLIPSIS, 1)
    return end <= len(left) or start >= len(name) - len(right)


class DistinctNameDelegate(QStyledItemDelegate):
    """For a table's name column: each name elided so it reads unlike the others in the column."""

    def __init__(self, parent: QObject, model: QAbstractItemModel, column: int) -> None:
        super().__init__(parent)
        self.model, self.column = model, column
        self._spans: dict[str, tuple[int, int]] | None = None
        self._plain: dict[tuple[int, int], dict[str, int]] = {}  # (width, font) -> middle-elided name: how many
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted, model.rowsRemoved,
                       model.layoutChanged):
            signal.connect(self._stale)

    def _stale(self, *_args: object) -> None:
        self._spans = None
        self._plain = {}

    def names(self) -> list[str]:
        return [str(self.model.index(r, self.column).data() or "") for r in range(self.model.rowCount())]

    def plain_counts(self, metrics: QFontMetrics, room: int) -> dict[str, int]:
        """How many names of the column read as each middle-elided text at this width (read once per width)."""
        key = (room, metrics.height())
        if key not in self._plain:
            counts: dict[str, int] = {}
            for name in set(self.names()):
                plain = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room)
                counts[plain] = counts.get(plain, 0) + 1
            self._plain = {key: counts}
        return self._plain[key]

    def spans(self) -> dict[str, tuple[int, int]]:
        if self._spans is None:
            self._spans = distinct_spans(self.names())
        return self._spans

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        name = option.text
        style = option.widget.style() if option.widget is not None else None
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, option.widget) + 1 if style else 4
        room = option.rect.width() - 2 * margin
        if not name or room <= 0 or option.fontMetrics.horizontalAdvance(name) <= room:
            return
        metrics = option.fontMetrics
        if self.plain_counts(metrics, room).get(metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room), 0) < 2:
            return  # cut in its middle, it reads unlike every other name
        option.text = elide_keeping(name, self.spans().get(name, (0, 0)), metrics, room)
        option.textElideMode = Qt.TextElideMode.ElideNone if metrics.horizontalAdvance(
            option.text) <= room else Qt.TextElideMode.ElideRight
