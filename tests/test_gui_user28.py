"""The export dialog's interview fields show a long value whole (session 28's user walk)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, Qt

from app.core.types import InterviewDetails
from app.gui.export_dialog import ExportDialog

pytestmark = pytest.mark.gui

PLACE = "Interview Room 3, Leeds District Custody Suite, Elland Road, Leeds LS11 8BU, West Yorkshire"
OFFICERS = ("DC Karen Jones (Northern Division)", "DS Raj Patel (Serious and Organised Crime Unit)", "DC Harris")


def test_a_long_interview_field_is_shown_whole_not_scrolled_sideways(qtbot):
    """The place and officers scrolled sideways in a one-line box, their start or end hidden: they now wrap,
    the box as tall as its lines, the whole text on hover; a short field stays one line."""
    dialog = ExportDialog(["pdf"], "/tmp/x", None, InterviewDetails(place=PLACE, officers=OFFICERS, date="2026-03-14"),
                          exhibit_name="interview.mp4")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    place, officers, date = dialog.fields["place"], dialog.fields["officers"], dialog.fields["date"]
    line = date.height()
    for field, text in ((place, PLACE), (officers, ", ".join(OFFICERS))):
        assert field.text() == text and field.toolTip() == text
        assert field.width() < field.fontMetrics().horizontalAdvance(text)  # too long for one line ...
        assert field.height() >= field.wanted_height() > line  # ... so wrapped, every line shown
    assert dialog.header_changes() == {}


def test_the_wrapped_field_keeps_a_line_edit_s_ways(qtbot):
    dialog = ExportDialog(["pdf"], "/tmp/x", None, InterviewDetails(), exhibit_name="interview.mp4")
    qtbot.addWidget(dialog)
    place = dialog.fields["place"]
    place.setText("Leeds")
    place.moveCursor(place.textCursor().MoveOperation.End)
    qtbot.keyClick(place, Qt.Key.Key_Return)  # not a new line in the place
    mime = QMimeData()
    mime.setText(" District\nCustody Suite")
    place.insertFromMimeData(mime)
    assert place.text() == "Leeds District Custody Suite"
    assert dialog.header_changes() == {"place": "Leeds District Custody Suite"}
