"""The DOCX record's content: front tables, the numbered text, the closing statement.

A transcript's text is one paragraph per segment (time code, speaker, then the text
with a hanging indent), so Word numbers each printed line; headings, tables and the
closing statement are left out of the numbering. A translation is a table with a
numbered row per segment: line, time, speaker, original | translation.
"""

from __future__ import annotations

import re

from docx.document import Document as DocumentObject
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from app.core.export import changes, record
from app.core.export.base import has_source_text
from app.core.types import Transcript

# Characters XML 1.0 cannot hold (python-docx would raise): shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
GREY = RGBColor(0x60, 0x60, 0x60)
LABEL_W = Cm(4.4)
TABLE_PT = Pt(8)  # the front tables, as the PDF's: a SHA-256 (and the software's) fits its cell on one line
TIME_W, SPEAKER_W, NUMBER_W = Cm(1.9), Cm(3.1), Cm(1.4)
LABEL_FILL = "EEEEEE"
PROPERTY_LONGEST = 255  # python-docx refuses a core property longer
_AFTER_SUPPRESS = ("w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                   "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                   "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                   "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                   "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                   "w:rPr", "w:sectPr", "w:pPrChange")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def core_property(text: str) -> str:
    """A core property as python-docx takes it: XML-safe (a name may hold ESC, \\n) and at most 255 characters (a
    recording or verifier named longer stopped the export, "exceeded 255 char limit"); the body gives it whole."""
    text = xml_safe(text)
    return text if len(text) <= PROPERTY_LONGEST else text[:PROPERTY_LONGEST - 1] + "…"


# --- front -------------------------------------------------------------------


def add_front(doc: DocumentObject, transcript: Transcript) -> None:
    heading, subtitle = record.heading_lines(transcript)
    unnumbered(doc.add_heading(heading, level=1))
    unnumbered(doc.add_paragraph(xml_safe(subtitle)))
    _label_table(doc, record.interview_rows(transcript))
    unnumbered(doc.add_heading("Source and production", level=2))
    _label_table(doc, record.source_rows(transcript))
    heading = "Transcript and translation" if has_source_text(transcript) else "Transcript"
    unnumbered(doc.add_heading(heading, level=2))


def _label_table(doc: DocumentObject, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        label_cell, value_cell = table.add_row().cells
        label_run = label_cell.paragraphs[0].add_run(label)
        label_run.bold, label_run.font.size = True, TABLE_PT
        _shade(label_cell, LABEL_FILL)
        value_cell.paragraphs[0].add_run(xml_safe(value)).font.size = TABLE_PT
    set_widths(table, [LABEL_W, text_width(doc) - LABEL_W])


# --- body --------------------------------------------------------------------


def add_body(doc: DocumentObject, transcript: Transcript) -> None:
    lines = record.body_lines(transcript)
    if has_source_text(transcript):
        _add_side_by_side(doc, lines, transcript)
    else:
        _add_column_heads(doc)
        for line in lines:
            _add_numbered_paragraph(doc, line)


def _add_column_heads(doc: DocumentObject) -> None:
    """"Time  Speaker  Text" over the lines, as the PDF heads them (the DOCX's lines had no heads:
    which column was the speaker was left to guess where none was named); not numbered."""
    para = unnumbered(doc.add_paragraph())
    fmt = para.paragraph_format
    fmt.space_after, fmt.keep_with_next = Pt(2), True
    fmt.tab_stops.add_tab_stop(TIME_W, WD_TAB_ALIGNMENT.LEFT)
    fmt.tab_stops.add_tab_stop(TIME_W + SPEAKER_W, WD_TAB_ALIGNMENT.LEFT)
    run = para.add_run("Time\tSpeaker\tText")
    run.bold, run.font.size, run.font.color.rgb = True, Pt(8), GREY


def _add_numbered_paragraph(doc: DocumentObject, line: record.Line) -> None:
    """`00:01:02  SPEAKER  text...`; wrapped lines align under the text."""
    para = doc.add_paragraph()
    fmt = para.paragraph_format
    indent = TIME_W + SPEAKER_W
    fmt.left_indent, fmt.first_line_indent = indent, -indent
    fmt.space_after = Pt(3)
    fmt.tab_stops.add_tab_stop(TIME_W, WD_TAB_ALIGNMENT.LEFT)
    fmt.tab_stops.add_tab_stop(indent, WD_TAB_ALIGNMENT.LEFT)
    time = para.add_run(line.time)
    time.font.color.rgb = GREY
    para.add_run(line.mark).bold = True  # changed in proofreading: black and bold beside the grey time
    para.add_run("\t")
    speaker = para.add_run(xml_safe(line.speaker))
    speaker.bold = True
    if fits_speaker_column(line.speaker):
        speaker.add_text("\t")
    else:  # a tab would jump past the text column: the text starts on the next line, under it
        speaker.add_break()
    para.add_run(xml_safe(line.texts[0]))


def fits_speaker_column(speaker: str) -> bool:
    """Whether a speaker's name, in bold, leaves room for a space before the text column."""
    from app.core.export.pdf import measure  # DejaVu Sans Bold at the body's 10 pt

    return measure("B", 10).get_string_width(speaker + "  ") <= SPEAKER_W.pt


def _add_side_by_side(doc: DocumentObject, lines: list[record.Line],
                      transcript: Transcript) -> None:
    source = record.name_of(transcript.source_language)
    target = record.name_of(transcript.language)
    headings = ["Line", "Time", "Speaker", f"Original ({source})", f"Translation ({target})"]
    table = doc.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, headings):
        cell.paragraphs[0].add_run(heading).bold = True
        _shade(cell, LABEL_FILL)
    _repeat_as_header(table.rows[0])
    for number, line in enumerate(lines, start=1):
        cells = table.add_row().cells
        values = [str(number), line.time + line.mark, line.speaker, *line.texts]
        for cell, value in zip(cells, values):
            cell.paragraphs[0].add_run(xml_safe(value))
        cells[2].paragraphs[0].runs[0].bold = True
    rest = text_width(doc) - NUMBER_W - TIME_W - SPEAKER_W
    set_widths(table, [NUMBER_W, TIME_W, SPEAKER_W, rest // 2, rest - rest // 2])


def add_changes(doc: DocumentObject, transcript: Transcript) -> None:
    """After the text: each line changed in proofreading, with the machine's words and who changed them."""
    rows = changes.rows(transcript)
    if not rows:
        return
    unnumbered(doc.add_heading(changes.HEADING, level=2)).paragraph_format.keep_with_next = True
    unnumbered(doc.add_paragraph(xml_safe(changes.INTRO))).paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(changes.COLUMNS))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, changes.COLUMNS):
        cell.paragraphs[0].add_run(heading).bold = True
        _shade(cell, LABEL_FILL)
    _repeat_as_header(table.rows[0])
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.paragraphs[0].add_run(xml_safe(value)).font.size = Pt(9)
    rest = text_width(doc) - TIME_W - SPEAKER_W
    set_widths(table, [TIME_W, SPEAKER_W, rest * 2 // 3, rest - rest * 2 // 3])


# --- closing -----------------------------------------------------------------


def add_closing(doc: DocumentObject, transcript: Transcript) -> None:
    """The statement and its signature block kept on one page (each paragraph kept with the next):
    whoever signs sees what they sign for."""
    paragraphs = [unnumbered(doc.add_heading("How this record was produced", level=2))]
    for text in record.closing_statement(transcript):
        paragraphs.append(unnumbered(doc.add_paragraph(xml_safe(text))))
    for text in record.signature_lines(transcript):
        para = unnumbered(doc.add_paragraph(xml_safe(text)))
        para.paragraph_format.space_before = Pt(10)
        paragraphs.append(para)
    for para in paragraphs[:-1]:
        para.paragraph_format.keep_with_next = True


# --- helpers -----------------------------------------------------------------


def unnumbered(paragraph: Paragraph) -> Paragraph:
    """Leave a heading or statement out of the line numbering."""
    ppr = paragraph._p.get_or_add_pPr()
    ppr.insert_element_before(OxmlElement("w:suppressLineNumbers"), *_AFTER_SUPPRESS)
    return paragraph


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row: _Row) -> None:
    """Repeat the heading row at the top of each page (no python-docx API for it)."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def set_widths(table: Table, widths: list[int]) -> None:
    """Word reads cell widths, LibreOffice the grid columns: set both."""
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def text_width(doc: DocumentObject) -> int:
    section = doc.sections[0]
    return int(section.page_width - section.left_margin - section.right_margin)
