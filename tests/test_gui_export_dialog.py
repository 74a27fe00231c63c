"""The export dialog: PDF on by default, choices remembered, and the record of interview's
header edited for the exhibit on screen, kept in the case and printed in the PDF."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from app.core.store.interview import read_interview
from app.gui.export_dialog import ExportDialog
from tests.gui_case import boxes, export_through_dialog, open_exhibit, win  # noqa: F401 - the shared window fixtures

pytestmark = pytest.mark.gui


def test_pdf_is_on_by_default_and_only_changed_fields_are_written(qapp):
    from app.core.types import InterviewDetails

    dialog = ExportDialog(["docx", "json", "pdf", "txt"], "/tmp/x", None, InterviewDetails(place="Leeds"))
    assert dialog.formats() == ["docx", "json", "pdf"]
    assert dialog.header_changes() == {}
    dialog.fields["officers"].setText("DC Harris, DS Patel")
    dialog.fields["place"].setText("Leeds")
    assert dialog.header_changes() == {"officers": ["DC Harris", "DS Patel"]}
    from PySide6.QtWidgets import QDialogButtonBox

    [box] = dialog.findChildren(QDialogButtonBox)
    assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "Export"  # not a bare "OK"


def test_the_header_typed_in_the_dialog_reaches_the_case_and_the_pdf(qtbot, win, tmp_path, monkeypatch):  # noqa: F811
    open_exhibit(qtbot, win, "interview_stereo.wav")
    out = tmp_path / "out"

    export_through_dialog(win, monkeypatch, out, "pdf", {"interviewee": "Daniel Price", "officers": "DC Harris"})
    exhibit_id = win.exhibits.current_id()
    details = read_interview(win.case, exhibit_id)
    assert details.interviewee == "Daniel Price" and details.officers == ("DC Harris",)
    text = " ".join(p.extract_text() for p in PdfReader(str(out / "interview_stereo.pdf")).pages)
    assert "Daniel Price" in text and "DC Harris" in text and "Page 1 of" in text
    assert win.settings.value("export/formats") in (["pdf"], "pdf")


def test_export_from_the_translation_tab_writes_the_translation_side_by_side(qtbot, win, tmp_path,  # noqa: F811
                                                                            monkeypatch):
    from app.core.evidence.provenance import software_info
    from app.core.types import ModelInfo, Segment

    case = win.case
    exhibit = next(e for e in case.exhibits() if e.source.name == "interview_stereo.wav")
    parent = case.latest_run(exhibit.id, "transcribe")
    run = case.start_run(exhibit.id, "text-translate", ModelInfo("nllb", "/m", "00" * 32, "nllb"), {},
                         software_info(), parent_run_id=parent, source_language="en")
    case.append_segments(run, tuple(Segment(s.start_ms, s.end_ms, f"[pl] {s.text}", source_text=s.text)
                                    for s in case.segments(parent)), {}, "pl", None)
    case.finish_run(run)
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.show_exhibit(exhibit.id)  # as when its translation job finishes
    win.tabs.setCurrentWidget(win.translation)
    assert win.translation.current_run() == run
    out = tmp_path / "tr"

    export_through_dialog(win, monkeypatch, out, "json")
    import json

    data = json.loads((out / "interview_stereo.json").read_text())
    assert data["run_id"] == run and data["segments"][0]["text"].startswith("[pl] ")
