"""Evidential PDF (fpdf2), with the same content as the DOCX.

DejaVu Sans (a Unicode TTF, embedded as a subset) renders Polish, Romanian,
Cyrillic, Greek... Each page has a header with the source's name and SHA-256
and a footer "Page X of Y". The creation date comes from transcript.created_at,
so reruns give byte-identical files.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from pathlib import Path

from fpdf import FPDF, FontFace

import app
from app.core.export.base import (
    ExportError,
    created_datetime,
    display_text,
    flags_suffix,
    has_source_text,
    hhmmss,
    provenance_items,
    register,
    title,
)
from app.core.types import Segment, Transcript

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_DIRS = (
    Path(app.__file__).resolve().parents[1] / "resources" / "fonts",  # shipped with Parley
    Path(sys.prefix) / "share" / "parley" / "fonts",  # an installed wheel's data files
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian/Ubuntu fonts-dejavu-core
)
HEADING = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
MARGIN_MM = 15
TIME_MM, SPEAKER_MM = 26.0, 26.0


class PdfExporter:
    name = "pdf"
    extension = "pdf"
    binary = True

    def render(self, transcript: Transcript) -> bytes:
        pdf = EvidencePdf(transcript)
        pdf.add_page()
        _write_title(pdf, transcript)
        _write_provenance(pdf, transcript)
        pdf.ln(4)
        _write_segments(pdf, transcript)
        return bytes(pdf.output())


class EvidencePdf(FPDF):
    """FPDF with Parley's page header and footer."""

    def __init__(self, transcript: Transcript) -> None:
        orientation = "landscape" if has_source_text(transcript) else "portrait"
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.transcript = transcript
        self.set_margins(MARGIN_MM, MARGIN_MM + 5, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=MARGIN_MM + 5)
        for style, filename in FONT_FILES.items():
            self.add_font(FONT, style, str(font_path(filename)))
        self.set_font(FONT, size=9)
        _enable_shaping(self)
        _set_metadata(self, transcript)

    def header(self) -> None:
        source = self.transcript.source
        self.set_y(MARGIN_MM - 5)
        self.set_font(FONT, size=7)
        self.set_text_color(90)
        self.cell(0, 4, f"{source.name} — SHA-256 {source.sha256}", align="L")
        self.set_text_color(0)
        self.set_font(FONT, size=9)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(FONT, size=7)
        self.set_text_color(90)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


def font_path(filename: str) -> Path:
    for folder in FONT_DIRS:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    raise ExportError(f"{filename}: font not found in resources/fonts or the system fonts")


def _enable_shaping(pdf: EvidencePdf) -> None:
    """Shape text (Arabic joining, right-to-left runs, Indic clusters) when it needs it.

    Shaping needs uharfbuzz and makes rendering ~3x slower, so it is only turned
    on for transcripts with such scripts. Without uharfbuzz, fpdf2 still embeds
    every glyph, but Arabic is shown as unjoined letters in logical order (the
    DOCX and JSON are unaffected).
    """
    if needs_shaping(pdf.transcript) and importlib.util.find_spec("uharfbuzz") is not None:
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
    pdf.set_title(title(transcript))
    pdf.set_subject(f"SHA-256 of source: {transcript.source.sha256}")
    pdf.set_author(software)
    pdf.set_creator(software)
    if transcript.language:
        pdf.set_lang(transcript.language)


def _write_title(pdf: FPDF, transcript: Transcript) -> None:
    pdf.set_font(FONT, "B", size=15)
    pdf.multi_cell(0, 8, title(transcript), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.ln(2)


def _write_provenance(pdf: FPDF, transcript: Transcript) -> None:
    with pdf.table(
        col_widths=(22, 78),
        first_row_as_headings=False,
        text_align="LEFT",
        line_height=4.5,
        padding=1,
    ) as table:
        for label, value in provenance_items(transcript):
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)


def _write_segments(pdf: FPDF, transcript: Transcript) -> None:
    bilingual = has_source_text(transcript)
    headings = (
        ("Time", "Speaker", "Original", "Translation") if bilingual else ("Time", "Speaker", "Text")
    )
    widths = _segment_widths(pdf.epw, bilingual)
    with pdf.table(
        col_widths=widths,
        headings_style=HEADING,
        text_align="LEFT",
        v_align="TOP",
        line_height=4.5,
        padding=1,
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for segment in transcript.segments:
            table.row(_segment_cells(segment, bilingual))


def _segment_widths(page_width: float, bilingual: bool) -> tuple[float, ...]:
    """Fixed mm for Time and Speaker, the rest shared by the text column(s)."""
    rest = page_width - TIME_MM - SPEAKER_MM
    texts = (rest / 2, rest / 2) if bilingual else (rest,)
    return (TIME_MM, SPEAKER_MM, *texts)


def _segment_cells(segment: Segment, bilingual: bool) -> list[str]:
    cells = [f"{hhmmss(segment.start_ms)}\n{hhmmss(segment.end_ms)}", segment.speaker or ""]
    if bilingual:
        cells.append(display_text(segment.source_text))
    cells.append(display_text(segment.text) + flags_suffix(segment))
    return cells


register(PdfExporter())
