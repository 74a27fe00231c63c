"""Evidential DOCX (python-docx).

Title, a provenance table, then the segments as a table: Time, Speaker, Text,
or Time, Speaker, Original, Translation for text translations. The footer of
every page carries the source's SHA-256 and "Page X of Y" (Word fields).

Reruns are byte-identical: core properties come from transcript.created_at and
the ZIP entries are re-stamped with that time (python-docx stamps "now").
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from app.core.export.base import (
    created_datetime,
    display_text,
    has_source_text,
    hhmmss,
    provenance_items,
    register,
    title,
)
from app.core.types import Segment, Transcript

# Characters XML 1.0 cannot hold (python-docx would raise): shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MARGIN = Cm(1.8)
FLAG_COLOUR = RGBColor(0xB0, 0x00, 0x00)
TIME_W, SPEAKER_W = Cm(2.8), Cm(3.0)
BODY_FONT = "Arial"  # Word: has Latin, Cyrillic, Greek, Arabic; LibreOffice: Liberation Sans


class DocxExporter:
    name = "docx"
    extension = "docx"
    binary = True

    def render(self, transcript: Transcript) -> bytes:
        doc = build_document(transcript)
        buffer = io.BytesIO()
        doc.save(buffer)
        return restamp_zip(buffer.getvalue(), created_datetime(transcript))


def build_document(transcript: Transcript) -> DocumentObject:
    doc = Document()
    _setup_page(doc, landscape=has_source_text(transcript))
    _set_core_properties(doc, transcript)
    _add_footer(doc, transcript)
    doc.add_heading(xml_safe(title(transcript)), level=1)
    _add_provenance_table(doc, transcript)
    doc.add_paragraph()
    _add_segment_table(doc, transcript)
    return doc


# --- page, properties, footer ------------------------------------------------


def _setup_page(doc: DocumentObject, landscape: bool) -> None:
    """A4 (portrait, or landscape for the 4-column translation table)."""
    section = doc.sections[0]
    short, long = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    normal = doc.styles["Normal"].font
    normal.name = BODY_FONT
    normal.size = Pt(10)


def _set_core_properties(doc: DocumentObject, transcript: Transcript) -> None:
    props = doc.core_properties
    when = created_datetime(transcript).replace(tzinfo=None)  # python-docx writes it as UTC
    software = f"{transcript.software.name} {transcript.software.version}".strip()
    props.title = title(transcript)
    props.subject = f"SHA-256 of source: {transcript.source.sha256}"
    props.identifier = transcript.source.sha256
    props.author = software
    props.last_modified_by = software
    props.comments = f"Status: {transcript.status}"
    props.keywords = ""
    props.category = "transcript"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1


def _add_footer(doc: DocumentObject, transcript: Transcript) -> None:
    footer = doc.sections[0].footer
    para = footer.paragraphs[0]
    _small(para.add_run(f"Source {transcript.source.name} — SHA-256 {transcript.source.sha256}"))
    pages = footer.add_paragraph()
    _small(pages.add_run("Page "))
    _add_field(pages, "PAGE", "1")
    _small(pages.add_run(" of "))
    _add_field(pages, "NUMPAGES", "1")


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (python-docx has no API for fields): begin, instr, separate, result, end."""
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = _small(paragraph.add_run())
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        elif kind == "result":
            run.text = placeholder
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def _small(run: Run) -> Run:
    run.font.size = Pt(8)
    return run


# --- tables ------------------------------------------------------------------


def _add_provenance_table(doc: DocumentObject, transcript: Transcript) -> None:
    items = provenance_items(transcript)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    width = _text_width(doc)
    for label, value in items:
        label_cell, value_cell = table.add_row().cells
        label_cell.paragraphs[0].add_run(label).bold = True
        value_cell.paragraphs[0].add_run(xml_safe(value))
    _set_widths(table, [Cm(3.0), width - Cm(3.0)])


def _add_segment_table(doc: DocumentObject, transcript: Transcript) -> None:
    bilingual = has_source_text(transcript)
    headings = (
        ["Time", "Speaker", "Original", "Translation"] if bilingual else ["Time", "Speaker", "Text"]
    )
    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, headings):
        cell.paragraphs[0].add_run(heading).bold = True
    _repeat_as_header(table.rows[0])
    for segment in transcript.segments:
        _fill_segment_row(table.add_row().cells, segment, bilingual)
    rest = _text_width(doc) - TIME_W - SPEAKER_W
    text_widths = [rest // 2, rest - rest // 2] if bilingual else [rest]
    _set_widths(table, [TIME_W, SPEAKER_W, *text_widths])


def _fill_segment_row(cells: tuple[_Cell, ...], segment: Segment, bilingual: bool) -> None:
    time_para = cells[0].paragraphs[0]
    time_para.add_run(hhmmss(segment.start_ms)).add_break()
    time_para.add_run(hhmmss(segment.end_ms))
    cells[1].paragraphs[0].add_run(xml_safe(segment.speaker or ""))
    if bilingual:
        cells[2].paragraphs[0].add_run(xml_safe(display_text(segment.source_text)))
    text_para = cells[-1].paragraphs[0]
    text_para.add_run(xml_safe(display_text(segment.text)))
    for flag in segment.flags:
        run = text_para.add_run(f"  [{flag}]")
        run.italic = True
        run.font.color.rgb = FLAG_COLOUR


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _repeat_as_header(row: _Row) -> None:
    """Repeat the heading row at the top of each page (no python-docx API for it)."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _set_widths(table: Table, widths: list[int]) -> None:
    """Word reads cell widths, LibreOffice the grid columns: set both."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _text_width(doc: DocumentObject) -> int:
    section = doc.sections[0]
    return int(section.page_width - section.left_margin - section.right_margin)


# --- reproducible ZIP --------------------------------------------------------


def restamp_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the package with every entry stamped `when` (same order, same content)."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


register(DocxExporter())
