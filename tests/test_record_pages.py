"""The record's PDF footer reads "Page X of Y" in one piece, at the margin it is aligned to, and
the closing statement explains only the markings the record holds."""

from __future__ import annotations

import io
from dataclasses import replace

from fpdf import FPDF
from pypdf import PdfReader

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.export.pdf import FONT, font_path
from app.core.export.record import closing_statement
from app.core.export.timeline_pdf import render as render_timeline
from app.core.types import FLAG_INAUDIBLE, Segment
from tests.test_record_of_interview import make_transcript, pdf_text, record, render
from tests.test_timeline import whatsapp_zip

MM = 72 / 25.4  # PDF points in a millimetre


def page_lines(raw: bytes) -> list[tuple[str, float, float]]:
    """Every piece of text starting "Page ": (text, x in pt, page width in pt), page by page."""
    found: list[tuple[str, float, float]] = []
    for page in PdfReader(io.BytesIO(raw)).pages:
        pieces: list[tuple[str, float]] = []
        page.extract_text(visitor_text=lambda text, _cm, tm, *_a, p=pieces: p.append((text, tm[4])))
        width = float(page.mediabox.width)
        found.extend((t.strip(), x, width) for t, x in pieces if t.strip().startswith("Page "))
    return found


def width_pt(text: str, size: float) -> float:
    pdf = FPDF(unit="pt")
    pdf.add_font(FONT, "", str(font_path("DejaVuSans.ttf")))
    pdf.set_font(FONT, size=size)
    return pdf.get_string_width(text)


def test_the_pdf_footer_reads_page_x_of_y_in_one_piece_flush_with_the_margin():
    """The page count was put in the room fpdf2 measured for "{nb}": the line stopped short of
    the right margin (and the timeline's, centred, read "Page 1 of      1")."""
    many = tuple(replace(seg, start_ms=seg.start_ms + i * 90_000, end_ms=seg.end_ms + i * 90_000)
                 for i in range(30) for seg in make_transcript().segments)
    lines = page_lines(render("pdf", record(segments=many)))
    total = len(lines)
    assert total > 1
    for number, (text, x, page_width) in enumerate(lines, start=1):
        assert text == f"Page {number} of {total}"
        right = page_width - 16 * MM  # where the header's "DRAFT — NOT VERIFIED" ends (margin and padding)
        assert abs(x + width_pt(text, 7) - right) < 1.5, (number, x)


def test_a_record_quoting_the_page_alias_keeps_it_as_said():
    said = (Segment(0, 2000, "The file was called {nb} on the phone.", speaker="A"),)
    assert "{nb}" in pdf_text(render("pdf", record(segments=said)))


def test_the_timeline_pdf_footer_has_no_gap(case, tmp_path):
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    raw = render_timeline(build_timeline(case, taken.exhibit_id))
    [(text, x, page_width)] = page_lines(raw)
    assert text == "Page 1 of 1"
    assert abs(x + width_pt(text, 6.5) / 2 - page_width / 2) < 1.5  # centred on the page


def test_the_closing_statement_explains_inaudible_only_when_the_record_has_one():
    heard = (Segment(0, 1000, "Hello.", speaker="A"),)
    assert not any("[inaudible" in p for p in closing_statement(record(segments=heard)))
    assert "inaudible" not in pdf_text(render("pdf", record(segments=heard)))
    silent = (*heard, Segment(3_723_000, 3_725_000, "", speaker="B", flags=(FLAG_INAUDIBLE,)),
              Segment(3_800_000, 3_801_000, "  ", speaker="A"))  # no words: the record shows the marker
    [explained] = [p for p in closing_statement(record(segments=silent)) if "[inaudible" in p]
    assert explained.startswith("[inaudible hh:mm:ss]: speech was detected")
