"""The export dialog: PDF on by default, choices remembered, and the record of interview's
header edited for the exhibit on screen, kept in the case and printed in the PDF."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QDialog

from app.core.store.interview import read_interview
from app.gui.export_dialog import ExportDialog
from tests.gui_case import boxes, open_exhibit, win  # noqa: F401 - the shared window fixtures

pytestmark = pytest.mark.gui


def test_pdf_is_on_by_default_and_only_changed_fields_are_written(qapp):
    from app.core.types import InterviewDetails

    dialog = ExportDialog(["docx", "json", "pdf", "txt"], "/tmp/x", None, InterviewDetails(place="Leeds"))
    assert dialog.formats() == ["docx", "json", "pdf"]
    assert dialog.header_changes() == {}
    dialog.fields["officers"].setText("DC Harris, DS Patel")
    dialog.fields["place"].setText("Leeds")
    assert dialog.header_changes() == {"officers": ["DC Harris", "DS Patel"]}


def test_the_header_typed_in_the_dialog_reaches_the_case_and_the_pdf(qtbot, win, tmp_path, monkeypatch):  # noqa: F811
    open_exhibit(qtbot, win, "interview_stereo.wav")
    out = tmp_path / "out"

    def accept(dialog: ExportDialog) -> int:
        for name in dialog.boxes:
            dialog.boxes[name].setChecked(name == "pdf")
        dialog.folder.setText(str(out))
        dialog.fields["interviewee"].setText("Daniel Price")
        dialog.fields["officers"].setText("DC Harris")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    win.ask_export()
    exhibit_id = win.exhibits.current_id()
    details = read_interview(win.case, exhibit_id)
    assert details.interviewee == "Daniel Price" and details.officers == ("DC Harris",)
    text = " ".join(p.extract_text() for p in PdfReader(str(out / "interview_stereo.pdf")).pages)
    assert "Daniel Price" in text and "DC Harris" in text and "Page 1 of" in text
    assert win.settings.value("export/formats") in (["pdf"], "pdf")
