"""A chat timeline's DOCX as a reader opens it (session 16): its provenance labels broke inside the
word ("Transcriptio" / "n") in a narrow column of Word's default Calibri 11 pt, which a machine
without Calibri (LibreOffice here) set in a wider serif."""

from __future__ import annotations

from docx import Document
from docx.shared import Pt
from fpdf import FPDF

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.export.docx import BODY_FONT
from app.core.export.pdf import FONT, font_path
from app.core.export.timeline import write_timeline
from tests.test_timeline import whatsapp_zip

CELL_MARGINS_PT = 2 * 5.4  # Table Grid's left and right cell margins (108 twips each)


def test_the_provenance_labels_are_set_in_the_record_s_font_and_fit_their_column(case, tmp_path):
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    [docx] = [p for p in write_timeline(build_timeline(case, taken.exhibit_id), tmp_path / "out", "t", ["docx"])
              if p.suffix == ".docx"]
    doc = Document(docx)
    normal = doc.styles["Normal"].font
    assert (normal.name, normal.size) == (BODY_FONT, Pt(10))  # as the record of interview's
    measure = FPDF(unit="pt")
    measure.add_font(FONT, "", str(font_path("DejaVuSans.ttf")))  # wider than Arial and Liberation Sans
    measure.set_font(FONT, size=10)
    table = doc.tables[0]
    labels = [row.cells[0].text for row in table.rows] + ["Transcription", "Speech translation"]
    column = table.columns[0].width.pt
    assert all(measure.get_string_width(label) + CELL_MARGINS_PT <= column for label in labels), column
