"""What a user met on day one (session 17): the record of interview as a proofreader reads it
and a typist works it."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import docx
import pytest
from docx.shared import Pt
from fpdf import FPDF

from app.core.export.pdf import FONT, font_path
from app.core.types import ModelInfo
from tests.test_record_of_interview import docx_text as docx_text_of
from tests.test_record_of_interview import record, render

CELL_MARGINS = Pt(2 * 5.4)  # Table Grid's left and right cell margins (108 twips each)


def _measure(size: float, bold: bool) -> FPDF:
    """DejaVu Sans: wider than Arial and LibreOffice's Liberation Sans, so what fits here fits there."""
    pdf = FPDF(unit="pt")
    pdf.add_font(FONT, "B" if bold else "", str(font_path("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")))
    pdf.set_font(FONT, "B" if bold else "", size=size)
    return pdf


def test_docx_front_tables_keep_each_hash_on_one_line():
    """The DOCX's 'Model SHA-256' broke as '...60c1a' / '57' (10 pt in a 12.4 cm column): a hash a
    reader copies or compares must be whole on its line, as the PDF's are (8 pt)."""
    model = ModelInfo("base", "/models/base", "0" * 64)  # a hash of wide digits, the worst case
    doc = docx.Document(io.BytesIO(render("docx", record(model=model))))
    default = doc.styles["Normal"].font.size
    broken = []
    for table in doc.tables[:2]:  # the interview's details, then the source and production
        for row in table.rows:
            for cell in row.cells:
                room = cell.width - CELL_MARGINS
                for run in cell.paragraphs[0].runs:
                    measure = _measure((run.font.size or default).pt, bool(run.bold))
                    for token in run.text.split():
                        if Pt(measure.get_string_width(token)) > room:
                            broken.append((row.cells[0].text, token))
    assert broken == []


def test_docx_front_tables_hold_every_hash_they_are_given():
    """The values measured above are the record's own: source, model and software hashes."""
    transcript = record(model=ModelInfo("base", "/models/base", "0" * 64))
    doc = docx.Document(io.BytesIO(render("docx", transcript)))
    text = "\n".join(c.text for r in doc.tables[1].rows for c in r.cells)
    assert transcript.source.sha256 in text and "0" * 64 in text


def test_a_verified_json_export_says_when_it_was_signed_off(tmp_path):
    """The JSON named who verified the transcript but not when (the TXT, DOCX and PDF say both):
    a tool reading the JSON could not tell a sign-off from before an edit from one after it."""
    from app.core.export.json_export import load_transcript_json
    from app.core.store import Case
    from app.core.store.interview import verified_at
    from tests.test_cli import run_cli
    from tests.test_export_current import _case_with_verified_edit

    run = _case_with_verified_edit(tmp_path / "case")
    case = Case.open(tmp_path / "case")
    signed = verified_at(case, run)
    case.close()
    assert signed
    out = tmp_path / "out"
    result = run_cli("export", "--case", str(tmp_path / "case"), "--out", str(out), "--format", "json,txt")
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "en_voicenote.json").read_text(encoding="utf-8"))
    assert data["verified_by"] == "DS Patel" and data["verified_at"] == signed
    assert f"verified by DS Patel at {signed}" in (out / "en_voicenote.txt").read_text(encoding="utf-8")
    assert load_transcript_json(out / "en_voicenote.json").verified_at == signed  # read back too


def _pages_text(raw: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(raw)).pages]


@pytest.mark.parametrize("lines", [0, 2, 4, 8, 14])
def test_pdf_signature_block_is_on_the_page_of_the_statement_it_signs_for(lines):
    """A voice note's record put 'How this record was produced' at the foot of page 1 and the
    signature block on page 2 under 'Exported on ... by root.' alone: the closing section (statement
    and signature block) now starts a page when it does not fit the rest of one."""
    from app.core.types import Segment

    segments = tuple(Segment(i * 2000, i * 2000 + 1500, f"Line {i} of what was said.") for i in range(lines))
    pages = _pages_text(render("pdf", record(segments=segments)))
    signed = [page for page in pages if "Signature:" in page]
    assert len(signed) == 1
    assert "How this record was produced" in signed[0] and "This record was produced by" in signed[0]


def test_docx_closing_statement_and_signature_block_are_kept_together():
    """The DOCX split the statement over two pages, its signature block under the second half: each
    closing paragraph, from its heading to the last signature line, is now kept with the next."""
    doc = docx.Document(io.BytesIO(render("docx", record())))
    texts = [p.text for p in doc.paragraphs]
    first = texts.index("How this record was produced")
    last = max(i for i, t in enumerate(texts) if t.startswith("Signature:"))
    kept = [bool(p.paragraph_format.keep_with_next) for p in doc.paragraphs[first:last]]
    assert last - first >= 4 and all(kept), list(zip(texts[first:last], kept))


def test_a_record_of_no_speech_says_so_instead_of_a_detected_unknown_language_and_an_empty_table():
    """silence_30s.wav's record read 'Language: unknown (detected automatically, p=0.00)' over a
    table with only its headings: no language was detected, and the text says no speech was found."""
    silent = record(segments=(), language=None, language_probability=0.0)
    pdf = " ".join(_pages_text(render("pdf", silent)))
    _, docx_text = docx_text_of(render("docx", silent))
    for text in (pdf, docx_text):
        assert "detected automatically" not in text and "unknown" not in text
        assert "not detected (no speech was recognised)" in text
        assert "[no speech found in the recording]" in text
    spoken = " ".join(_pages_text(render("pdf", record())))  # a record with words: neither note
    assert "[no speech found" not in spoken and "not detected" not in spoken


def test_an_export_names_the_software_that_wrote_it_as_well_as_the_one_that_transcribed(tmp_path):
    """The record's 'Software' is the run's: exported a year on by a newer Parley, nothing said which
    one laid the record out. The Exported row, the closing statement and the manifest now say it."""
    from app.core.evidence.provenance import software_info
    from tests.test_cli import run_cli
    from tests.test_export_current import _case_with_verified_edit

    _case_with_verified_edit(tmp_path / "case")
    out = tmp_path / "out"
    result = run_cli("export", "--case", str(tmp_path / "case"), "--out", str(out), "--format", "pdf",
                     "--by", "DC Ann Harris")
    assert result.returncode == 0, result.stderr
    sw = software_info()
    written = f"{sw.name} {sw.version}, code SHA-256 {sw.components['parley-source']}"
    manifest = json.loads((out / "en_voicenote.manifest.json").read_text(encoding="utf-8"))
    assert manifest["exported_with"] == written and manifest["exported_by"] == "DC Ann Harris"
    text = " ".join(_pages_text((out / "en_voicenote.pdf").read_bytes()))
    assert f"by DC Ann Harris with {written}" in text  # (pypdf puts the line break back as a space)


@pytest.mark.gui
def test_the_export_dialog_names_the_exhibit_whose_header_it_edits(qtbot, monkeypatch, tmp_path,
                                                                  qapp, models_dir):
    """'Record of interview: header (this exhibit)' under an 'All exhibits' box: which exhibit's
    header was being typed was left to guess. The box names it."""
    pytest.importorskip("PySide6.QtMultimedia")
    from PySide6.QtWidgets import QDialog, QGroupBox

    from app.gui.export_dialog import ExportDialog
    from app.gui.main_window import MainWindow
    from tests.gui_case import build_case, open_exhibit, settings

    case = build_case(tmp_path)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    seen: list[str] = []

    def look(dialog: ExportDialog) -> int:
        seen.extend(box.title() for box in dialog.findChildren(QGroupBox))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportDialog, "exec", look)
    try:
        for name in ("interview_stereo.wav", "truncated.mp3"):
            open_exhibit(qtbot, window, name)
            window.ask_export()
    finally:
        window.close()
        case.close()
    assert seen == ["Interview details of interview_stereo.wav (for a record of interview)",
                    "Interview details of truncated.mp3 (for a record of interview)"]


LONG_NAME = "WhatsApp Audio 2024-10-05 at 14.22.31 from Mariusz Kowalczyk-Wiśniewski (work phone, second SIM) - copy (2).opus"


def test_pdf_running_head_of_a_long_voice_note_name_ends_before_the_draft_mark():
    """A WhatsApp-style name ran the running head under 'DRAFT — NOT VERIFIED' and off the page's
    edge: the name is cut in its middle now, the case, exhibit and extension kept."""
    from pypdf import PdfReader

    from tests.test_record_of_interview import SOURCE

    raw = render("pdf", record(source=replace(SOURCE, path="/evidence/" + LONG_NAME)))
    for page in PdfReader(io.BytesIO(raw)).pages:
        runs: list[tuple[str, float, float]] = []
        page.extract_text(visitor_text=lambda t, _cm, tm, _font, size, runs=runs: runs.append((t.strip(), tm[4], size)))
        [(head, head_x, head_pt)] = [r for r in runs if r[0].startswith("Record of interview —")]
        [mark_x] = [x for text, x, _ in runs if text == "DRAFT — NOT VERIFIED"]
        width = _measure(head_pt, bold=False).get_string_width(head)
        assert head_x + width <= mark_x, head
        assert "case OP-2026/0417 — exhibit KJ/3 — WhatsApp Audio" in head and head.endswith("copy (2).opus")
    assert " ".join(LONG_NAME.split()) in " ".join(" ".join(_pages_text(raw)).split())  # whole in the title


@pytest.mark.gui
def test_the_status_line_counts_the_exported_files_apart_from_their_manifests(qtbot, tmp_path, qapp, models_dir):
    """Five transcripts exported as PDF said 'Exported 10 file(s)': the manifests were counted in."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.main_window import MainWindow
    from tests.gui_case import build_case, settings

    case = build_case(tmp_path)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    try:
        runs = window.exporter._run_ids(True)
        out = tmp_path / "out"
        paths, error = window.export_to(out, ["pdf"], runs)
        message = window.statusBar().currentMessage()
    finally:
        window.close()
        case.close()
    assert error is None and len(runs) >= 3 and len(paths) == 2 * len(runs)
    assert message == f"Exported {len(runs)} file(s) and {len(runs)} manifest(s) to {out}"


@pytest.mark.gui
def test_exporting_through_the_dialog_keeps_an_officer_named_with_a_comma_as_one_officer(qapp):
    """`interview --officer "Harris, Ann"` then Export… in the window, nothing typed: the dialog
    read its own "Harris, Ann" back as two officers, "Harris" and "Ann", and wrote them to the case."""
    from app.core.types import InterviewDetails
    from app.gui.export_dialog import ExportDialog

    details = InterviewDetails(officers=("Harris, Ann",), present=("Ms A. Novak (solicitor)",))
    dialog = ExportDialog(["pdf"], "/tmp/x", None, details)
    assert dialog.header_changes() == {}
    dialog.fields["officers"].setText(dialog.fields["officers"].text() + "; Patel, Raj")
    assert dialog.header_changes() == {"officers": ["Harris, Ann", "Patel, Raj"]}
    dialog.fields["officers"].setText("DC Harris, DS Patel")  # commas still part names
    assert dialog.header_changes() == {"officers": ["DC Harris", "DS Patel"]}
