"""A colour per speaker of a transcript, following the speaker, not its name: renamed, it keeps its
colour; merged into another, the lines take the survivor's; split off, the new speaker gets a colour no
speaker of the run has (app.core.editing.speaker_edits.speaker_places). Before, the colour was hashed
from the name, so "Speaker 1" renamed "DC Harris" turned from blue to green mid-interview.

The speaker column paints each name as a chip (pale colour, dark text) whatever the row's
state, so a selected or playing row stays readable (every pair is at least 4.5:1, a test
checks it); the waveform tints each speaker's spans and draws a band in the colour.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.core.editing.speaker_edits import free_place

# Pale, well-separated hues (Tableau-like, lightened); text on all of them is CHIP_TEXT.
PALETTE = tuple(QColor(c) for c in (
    "#a8c8f0", "#ffc58f", "#a6dba0", "#f4a6a6", "#cdb5e8", "#d9b99b",
    "#f7b6dd", "#c7c7c7", "#e3e38a", "#94dde6",
))
CHIP_TEXT = QColor("#111111")
NO_SPEAKER = QColor("#ffffff")


def place_colour(place: int) -> QColor:
    """The palette colour of a speaker's place in its run (speaker_edits.speaker_places)."""
    return PALETTE[place % len(PALETTE)]


class SpeakerDelegate(QStyledItemDelegate):
    """Paints the speaker's name on a chip in its colour, readable on selected rows too."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.places: dict[str, int] = {}  # each speaker's place in the run shown (speaker_places)

    def colour(self, name: str) -> QColor:
        if not name:
            return NO_SPEAKER
        if name not in self.places:  # a name met before the places are read again: a colour no one has
            self.places[name] = free_place(self.places)
        return place_colour(self.places[name])

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not name:
            return
        metrics = opt.fontMetrics
        chip = QRectF(opt.rect).adjusted(3, 3, -3, 0)
        chip.setHeight(min(chip.height() - 3, metrics.height() + 6))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour(name))
        painter.drawRoundedRect(chip, 4, 4)
        painter.setPen(CHIP_TEXT)
        text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(chip.width()) - 10)
        painter.drawText(chip.adjusted(5, 0, -5, 0), int(Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()
