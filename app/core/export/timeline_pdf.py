"""A chat timeline as PDF (fpdf2): provenance table, then one row per message, footer on every page."""

from __future__ import annotations

from fpdf import FontFace
from fpdf.enums import MethodReturnValue

from app.core.chats.timeline import Timeline
from app.core.export.pdf import FONT, MARGIN_MM, _complex_char, set_up_text
from app.core.export.pdf_fonts import ScriptFonts, undrawn_note
from app.core.export.pdf_pages import PageLine, number_pages
from app.core.export.timeline import (
    created,
    footer_text,
    message_cell,
    message_rows,
    provenance_items,
    translation_cell,
)

HEADING = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
FOOTER_TOP_MM, FOOTER_SIZE, FOOTER_GREY = MARGIN_MM + 6, 6.5, 90


class _TimelinePdf(ScriptFonts):
    main_family = FONT

    def __init__(self, timeline: Timeline) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_line = footer_text(timeline)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + 8)
        set_up_text(self, _needs_shaping(timeline))
        self.set_creation_date(created(timeline))
        self.set_title(f"Timeline of {timeline.source.name}")

    def footer(self) -> None:
        self.set_y(-FOOTER_TOP_MM)
        self.set_font(FONT, size=FOOTER_SIZE)
        self.set_text_color(FOOTER_GREY)
        self.multi_cell(0, 3, self.footer_line, align="L", new_x="LMARGIN", new_y="NEXT")  # then "Page X of Y"
        self.set_text_color(0)
        self.set_font(FONT, size=9)

    def page_line(self) -> PageLine:
        """"Page X of Y" centred under the footer's line (which may wrap); once a page exists."""
        self.set_font(FONT, size=FOOTER_SIZE)
        lines = self.multi_cell(0, 3, self.footer_line, dry_run=True, output=MethodReturnValue.LINES)
        return PageLine(FOOTER_TOP_MM - 3 * len(lines), 3, FONT, FOOTER_SIZE, FOOTER_GREY, "C")


def _needs_shaping(timeline: Timeline) -> bool:
    texts = (t for e in timeline.entries for t in (e.text, e.sender or "", message_cell(e),
                                                   translation_cell(e)))
    return any(_complex_char(ch) for text in texts for ch in text if ord(ch) >= 0x0590)


def render(timeline: Timeline) -> bytes:
    pdf = _TimelinePdf(timeline)
    pdf.add_page()
    pdf.set_font(FONT, "B", size=14)
    pdf.multi_cell(0, 8, f"Timeline of {timeline.source.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    with pdf.table(col_widths=(22, 78), first_row_as_headings=False, text_align="LEFT",
                   line_height=4.5, padding=1) as table:
        for label, value in provenance_items(timeline):
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    pdf.ln(4)
    headings, body = message_rows(timeline)
    rest = pdf.epw - 30 - 26
    widths = (30, 26, *([rest / (len(headings) - 2)] * (len(headings) - 2)))
    with pdf.table(col_widths=widths, headings_style=HEADING, text_align="LEFT", v_align="TOP",
                   line_height=4.5, padding=1, repeat_headings=1) as table:
        table.row(headings)
        for row in body:
            table.row(row)
    note = undrawn_note(pdf.undrawn, "DOCX and JSON")
    if note:
        pdf.ln(3)
        pdf.multi_cell(0, 4.5, note, new_x="LMARGIN", new_y="NEXT")
    number_pages(pdf, pdf.page_line())
    return bytes(pdf.output())
