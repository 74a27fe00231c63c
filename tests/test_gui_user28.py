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


def test_a_value_stored_with_a_line_break_is_not_a_change_nobody_made(qtbot):
    """D6: `interview --place $'Room 3\\nLeeds'` came back from the dialog as changed ({'place': 'Room 3 Leeds'})
    though nobody touched it, and Export wrote it to the case."""
    details = InterviewDetails(place="Room 3\nLeeds", officers=("DC Jones\n(North)", "DS Patel"))
    dialog = ExportDialog(["pdf"], "/tmp/x", None, details, exhibit_name="interview.mp4")
    qtbot.addWidget(dialog)
    assert dialog.header_changes() == {}
    dialog.fields["place"].setText("Room 4, Leeds")
    assert dialog.header_changes() == {"place": "Room 4, Leeds"}


def test_enter_in_a_wrapped_field_exports(qtbot):
    """Enter in a field is the Export button, as from the line edit it replaced: the dialog is accepted."""
    from PySide6.QtWidgets import QDialog

    dialog = ExportDialog(["pdf"], "/tmp/x", None, InterviewDetails(), exhibit_name="interview.mp4")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.fields["place"].setFocus()
    qtbot.keyClick(dialog.fields["place"], Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
