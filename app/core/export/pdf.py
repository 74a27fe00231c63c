"""Evidential PDF (fpdf2): the record of interview, with the same content as the DOCX.

Front page: the interview's header fields and the provenance in words; then the
numbered lines (pdf_lines.py); then the closing statement of how the record was
produced. Every page carries a header (case and exhibit references), a DRAFT
watermark until the transcript is verified, and a footer with the source's SHA-256,
the status and "Page X of Y".

DejaVu Sans (a Unicode TTF, embedded as a subset) renders Polish, Romanian,
Cyrillic, Greek, Arabic, Hebrew...; Noto fonts fill in Chinese, Indic scripts, Thai, emoji
(pdf_fonts.py). The creation date comes from transcript.created_at and the
export time from the export context, so the same transcript gives the same bytes.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF, FontFace

import app
from app.core.export import changes, record
from app.core.export.base import (
    ExportError,
    created_datetime,
    has_source_text,
    register,
)
from app.core.export.head_fit import fitted_head
from app.core.export.pdf_fonts import ScriptFonts, undrawn_note
from app.core.export.pdf_lines import write_numbered_lines
from app.core.export.pdf_pages import PageLine, number_pages
from app.core.types import Transcript

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_DIRS = (
    Path(app.__file__).resolve().parents[1] / "resources" / "fonts",  # shipped with Parley
    Path(sys.prefix) / "share" / "parley" / "fonts",  # an installed wheel's data files
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian/Ubuntu fonts-dejavu-core
)
LABEL = FontFace(emphasis="BOLD", fill_color=(238, 238, 238))
MARGIN_MM = 15
LEFT_MM = 22  # room for the line numbers
GREY, RED, WATERMARK = 90, (176, 0, 0), 222
PAGE_LINE = PageLine(MARGIN_MM - 0.5, 3.5, FONT, 7, GREY, "R")  # on the footer's status line


class PdfExporter:
    name = "pdf"
    extension = "pdf"
    binary = True

    def render(self, transcript: Transcript) -> bytes:
        pdf = EvidencePdf(transcript)
        pdf.add_page()
        _write_front(pdf, transcript)
        write_numbered_lines(pdf, record.body_lines(transcript), FONT)
        _write_changes(pdf, transcript)
        _write_closing(pdf, transcript)
        _say_undrawn(pdf)
        number_pages(pdf, PAGE_LINE)
        return bytes(pdf.output())


class EvidencePdf(ScriptFonts):
    """FPDF with the record's page header, DRAFT watermark and footer, and the fonts its text needs."""

    main_family = FONT

    def __init__(self, transcript: Transcript) -> None:
        orientation = "landscape" if has_source_text(transcript) else "portrait"
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.transcript = transcript
        self.set_margins(LEFT_MM, MARGIN_MM + 5, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + 8)
        set_up_text(self, needs_shaping(transcript))
        _set_metadata(self, transcript)

    def header(self) -> None:
        if record.is_draft(self.transcript):
            self._watermark()
        self.set_y(MARGIN_MM - 5)
        mark = record.DRAFT_HEAD if record.is_draft(self.transcript) else ""
        self.set_font(FONT, "B", size=8)
        room = self.epw - (self.get_string_width(mark) + 4 if mark else 0)
        self.set_font(FONT, size=7)
        self.set_text_color(GREY)
        head = fitted_head(record.running_head(self.transcript), self.transcript.source.name, room,
                           self.get_string_width)
        self.cell(0, 4, head, align="L")
        if mark:
            self.set_x(self.l_margin)
            self.set_font(FONT, "B", size=8)
            self.set_text_color(*RED)
            self.cell(0, 4, mark, align="R")
        self.set_text_color(0)
        self.set_font(FONT, size=9)
        self.set_y(self.t_margin)

    def _watermark(self) -> None:
        """A large grey DRAFT across the page, drawn first so the text lies over it."""
        self.set_font(FONT, "B", size=110)
        self.set_text_color(WATERMARK)
        width = self.get_string_width(record.DRAFT_MARK)
        x, y = self.w / 2, self.h / 2
        with self.rotation(45, x, y):
            self.text(x - width / 2, y + 14, record.DRAFT_MARK)

    def footer(self) -> None:
        self.set_y(-MARGIN_MM - 3)
        self.set_font(FONT, size=7)
        self.set_text_color(GREY)
        self.cell(0, 3.5, f"Source SHA-256 {self.transcript.source.sha256}", align="L",
                  new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 3.5, f"Status: {record.status_text(self.transcript)}", align="L")
        self.set_text_color(0)  # "Page X of Y" beside it is written last (pdf_pages), with the count


def font_path(filename: str) -> Path:
    for folder in FONT_DIRS:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    raise ExportError(f"{filename}: font not found in resources/fonts or the system fonts")


@lru_cache(maxsize=4)
def measure(style: str = "", size: float = 10) -> FPDF:
    """An FPDF measuring in points in DejaVu Sans (`style` "" or "B") at `size` pt, for the DOCX:
    DejaVu is wider than Word's Arial and LibreOffice's Liberation Sans, so text measured to fit
    there does fit."""
    pdf = FPDF(unit="pt")
    pdf.add_font(FONT, style, str(font_path(FONT_FILES[style])))
    pdf.set_font(FONT, style, size=size)
    return pdf


def set_up_text(pdf: FPDF, shaping: bool) -> None:
    """The main font (DejaVu Sans, regular and bold) at 9 pt, a "{nb}" said or written left as it is
    (pdf_pages numbers the pages), and text shaping (Arabic joining, right-to-left runs, Indic
    clusters) when `shaping` says the text needs it. Shaping needs uharfbuzz and makes rendering ~3x
    slower; without uharfbuzz, fpdf2 still embeds every glyph, but Arabic is shown as unjoined
    letters in logical order (the DOCX and JSON are unaffected)."""
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT, style, str(font_path(filename)))
    pdf.alias_nb_pages(None)
    pdf.set_font(FONT, size=9)
    if shaping and importlib.util.find_spec("uharfbuzz") is not None:
        pdf.set_text_shaping(True)


def needs_shaping(transcript: Transcript) -> bool:
    texts = [transcript.source.name]
    for seg in transcript.segments:
        texts.extend((seg.text, seg.source_text or "", seg.speaker or ""))
    return any(_complex_char(ch) for text in texts for ch in text if ord(ch) >= 0x0590)


def _complex_char(ch: str) -> bool:
    """Right-to-left (Hebrew, Arabic, Syriac...) or a shaped Brahmic/Southeast Asian script."""
    return unicodedata.bidirectional(ch) in ("R", "AL") or 0x0900 <= ord(ch) <= 0x109F


def _set_metadata(pdf: FPDF, transcript: Transcript) -> None:
    software = f"{transcript.software.name} {transcript.software.version}".strip()
    pdf.set_creation_date(created_datetime(transcript))
    pdf.set_title(f"{record.heading(transcript)}: {record.subtitle(transcript)}")
    pdf.set_subject(record.pdf_subject(transcript))
    pdf.set_author(software)
    pdf.set_creator(software)
    if transcript.language:
        pdf.set_lang(transcript.language)


# --- front page and closing statement ----------------------------------------


def _write_front(pdf: FPDF, transcript: Transcript) -> None:
    heading, subtitle = record.heading_lines(transcript)
    pdf.set_font(FONT, "B", size=16)
    pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(0, 5, subtitle, align="L", new_x="LMARGIN", new_y="NEXT")  # not justified
    pdf.ln(3)
    _label_table(pdf, record.interview_rows(transcript))
    pdf.ln(3)
    _section_title(pdf, "Source and production")
    _label_table(pdf, record.source_rows(transcript))
    pdf.ln(4)


def _label_table(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    pdf.set_font(FONT, size=8)  # a SHA-256 fits on one line
    with pdf.table(col_widths=(30, 70), first_row_as_headings=False, text_align="LEFT", align="LEFT",
                   line_height=4.5, padding=1) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=LABEL)
            row.cell(value)
    pdf.set_font(FONT, size=9)


def _section_title(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "B", size=11)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _say_undrawn(pdf: ScriptFonts) -> None:
    note = undrawn_note(pdf.undrawn, "DOCX, TXT and JSON")
    if note:
        pdf.ln(3)
        pdf.multi_cell(0, 4.5, note, align="L", new_x="LMARGIN", new_y="NEXT")


def _write_changes(pdf: FPDF, transcript: Transcript) -> None:
    """After the text: each line changed in proofreading, with the machine's words and who changed them."""
    rows = changes.rows(transcript)
    if not rows:
        return
    pdf.ln(5)
    if pdf.will_page_break(6 + 3 * 4.5 + 3 * 5.5):  # the heading with its words and the table's first rows
        pdf.add_page()
    _section_title(pdf, changes.HEADING)
    pdf.multi_cell(0, 4.5, changes.INTRO, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=8)
    with pdf.table(col_widths=(16, 26, 90, 40), text_align="LEFT", align="LEFT", line_height=4.5,
                   padding=1, headings_style=LABEL) as table:
        for row in [changes.COLUMNS, *rows]:
            cells = table.row()
            for value in row:
                cells.cell(value)
    pdf.set_font(FONT, size=9)


def _write_closing(pdf: FPDF, transcript: Transcript) -> None:
    """The statement and the signature block under it on one page: the person who signs sees
    what they sign for (the block had landed on a page of its own, under one line of it)."""
    pdf.ln(5)
    paragraphs = record.closing_statement(transcript)
    if pdf.will_page_break(min(_closing_height(pdf, paragraphs), _page_room(pdf))):
        pdf.add_page()
    _section_title(pdf, "How this record was produced")
    for paragraph in paragraphs:
        pdf.multi_cell(0, 4.5, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.ln(4)
    if pdf.will_page_break(21):
        pdf.add_page()
    for line in record.signature_lines(transcript):
        pdf.multi_cell(0, 7, line, align="L", new_x="LMARGIN", new_y="NEXT")


def _closing_height(pdf: FPDF, paragraphs: list[str]) -> float:
    """The closing section's height in mm: title, statement and the three signature lines."""
    lines = sum(len(pdf.multi_cell(0, 4.5, p, dry_run=True, output="LINES")) for p in paragraphs)
    return 6 + lines * 4.5 + len(paragraphs) * 1.5 + 4 + 3 * 7


def _page_room(pdf: FPDF) -> float:
    """The height a fresh page holds (a closing taller than that breaks where it must)."""
    return pdf.h - pdf.t_margin - pdf.b_margin


register(PdfExporter())
