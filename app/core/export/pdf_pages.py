"""'Page X of Y' on every page of a PDF, written once the page count is known.

fpdf2's page-count alias is measured as the alias itself ("{nb}") and the number is then put
in that room: centred or right-aligned it left a gap ("Page 1 of    1"), left-aligned the
line stopped short of the margin it was aligned to. So the pages are numbered at the end,
each page's line written with the real count (fpdf2 lets a finished page be written to again).
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF


@dataclass(frozen=True)
class PageLine:
    """Where and how the page line is drawn: its baseline box `bottom_mm` above the page's
    foot, `height_mm` high, in `font` at `size` points, `grey` (0-255), aligned "L", "C" or "R"."""

    bottom_mm: float
    height_mm: float
    font: str
    size: float
    grey: int
    align: str


def page_text(number: int, total: int) -> str:
    return f"Page {number} of {total}"


def number_pages(pdf: FPDF, line: PageLine) -> None:
    """Write the page line on every page; call it when the last page has been added."""
    last, total = pdf.page, pdf.pages_count
    auto, margin = pdf.auto_page_break, pdf.b_margin
    pdf.set_auto_page_break(False)
    pdf.set_font(line.font, size=line.size)
    pdf.set_text_color(line.grey)
    try:
        for number in range(1, total + 1):
            pdf.page = number
            pdf.current_font_is_set_on_page = False  # this page's stream set another font last
            pdf.set_xy(pdf.l_margin, pdf.h - line.bottom_mm)
            pdf.cell(0, line.height_mm, page_text(number, total), align=line.align)
    finally:
        pdf.page = last
        pdf.current_font_is_set_on_page = False
        pdf.set_text_color(0)
        pdf.set_auto_page_break(auto, margin)
